"""A corpus of bad spec files: each must give one clear error line naming file, line and layer,
exit 2.
"""

from __future__ import annotations

import re

import pytest

import cnncost
from cnncost.errors import CnnCostError

from error_lines import one_error_line

HEAD = "name: t\ninput: [3, 32, 32]\nlayers:\n"

# (id, spec text, message fragment, "line:col" or "line" or None, layer path or None)
SPECS: list[tuple[str, str | bytes, str, str | None, str | None]] = [
    # --- reading the file -----------------------------------------------------------------
    ("empty", "", "file is empty", None, None),
    ("blank", "  \n\n", "file is empty", None, None),
    ("not-utf8", b"name: t\xff\n", "file is not UTF-8 (bad byte at offset 7)", None, None),
    ("utf16", "name: t\n".encode("utf-16"), "file is not UTF-8", None, None),
    ("nul-byte", "name: t\x00\n", "control characters are not allowed", None, None),
    # --- YAML ----------------------------------------------------------------------------------
    ("yaml-syntax", "name: t\nlayers: [\n", "YAML error", "3", None),
    ("yaml-tab", "name: t\n\tlayers: []\n", "YAML error: found a tab character", "2:1", None),
    ("top-list", "- a\n- b\n", "a spec file must be a mapping", "1:1", None),
    ("duplicate-key", HEAD + "  - relu\nname: x\n", "duplicate key 'name'", "5:1", None),
    ("duplicate-arg", HEAD + "  - conv: {c: 3, k: 3, c: 4}\n", "duplicate key 'c'", "4:24", None),
    ("alias", "a: &x [1]\nb: *x\n", "YAML aliases (*name) are not allowed", "1:4", None),
    ("python-tag", "name: !!python/object/apply:os.getcwd []\n",
     "could not determine a constructor", "1:7", None),
    ("complex-key", HEAD + "  - {? [a, b] : relu}\n", "mapping keys must be plain words", "4:8",
     None),
    ("two-documents", "name: t\n---\nname: u\n", "but found another document", "2:1", None),
    ("int-too-long", HEAD + "  - conv: {c: " + "9" * 5000 + ", k: 3}\n", "integer is too long",
     "4:15", None),
    ("date-value", HEAD + "  - conv: {c: 2024-01-01, k: 3}\n",
     "expected a number or an expression, got date", "4:12", "0"),
    # --- top level -------------------------------------------------------------------------------
    ("unknown-top-key", "name: t\ninput: [3, 8, 8]\nlayer: [relu]\n",
     "unknown key 'layer' in the spec (did you mean 'layers'?)", "3:1", None),
    ("no-layers", "name: t\ninput: [3, 32, 32]\n", "'layers' must be a non-empty list", "1:1", None),
    ("version", "cnncost: 2\nname: t\ninput: [3, 8, 8]\nlayers: [relu]\n",
     "unsupported spec version 2", "1:1", None),
    ("input-scalar", "name: t\ninput: 3\nlayers: [relu]\n", "'input' must be a list like [3, H, W]",
     "2:1", None),
    ("input-two", "name: t\ninput: [3, 32]\nlayers: [relu]\n", "'input' must be a list like", "2:1",
     None),
    ("input-zero", "name: t\ninput: [3, 0, 32]\nlayers: [relu]\n",
     "input sizes must be at least 1, got 0", "2:1", None),
    ("input-bool", "name: t\ninput: [3, on, 32]\nlayers: [relu]\n",
     "input sizes must be whole numbers, got True", "2:1", None),
    ("name-not-text", "name: [1]\ninput: [3, 8, 8]\nlayers: [relu]\n", "'name' must be text", "1:1",
     None),
    ("symbol-float", "name: t\ninput: [3, H, 32]\nsymbols: {H: 2.5}\nlayers: [relu]\n",
     "default of symbol 'H' must be an integer", "3:11", None),
    ("blocks-list", "name: t\ninput: [3, 8, 8]\nblocks: []\nlayers: [relu]\n",
     "'blocks' must be a mapping", "3:1", None),
    # --- layers ----------------------------------------------------------------------------------
    ("unknown-op", HEAD + "  - conv2d: {c: 3, k: 3}\n",
     "unknown op or block 'conv2d' (did you mean 'conv'?)", "4:5", "0"),
    ("unknown-arg", HEAD + "  - conv: {c: 3, k: 3, stide: 2}\n",
     "unknown argument 'stide' of 'conv' (did you mean 'stride'?)", "4:24", "0"),
    ("missing-arg", HEAD + "  - conv: {c: 3}\n", "'conv' needs argument 'k'", "4:5", "0"),
    ("args-not-map", HEAD + "  - conv: [1, 2]\n", "arguments of 'conv' must be a mapping", "4:5",
     "0"),
    ("layer-int", HEAD + "  - 5\n", "a layer must be an op name or a mapping, got 5", "4:5", None),
    ("two-ops", HEAD + "  - {conv: {c: 3, k: 1}, relu: {}}\n",
     "a layer needs exactly one op or construct, found several ops (conv, relu)", "4:5", None),
    ("dotted-name", HEAD + "  - {relu: {}, name: a.b}\n", "'name' must be a word without dots",
     "4:5", None),
    ("bare-merge", HEAD + "  - add\n", "'add' merges branches", "4:5", "0"),
    # --- sizes -----------------------------------------------------------------------------------
    ("negative-channels", HEAD + "  - conv: {c: -3, k: 3}\n",
     "output channels c must be at least 1, got -3", "4:5", "0"),
    ("zero-kernel", HEAD + "  - conv: {c: 3, k: 0}\n", "kernel k must be at least 1, got 0", "4:5",
     "0"),
    ("kernel-too-big", HEAD + "  - {relu: {}, name: act}\n  - conv: {c: 3, k: 40}\n",
     "kernel 40x40 (dilation 1x1) is larger than the padded input 32x32", "5:5", "1"),
    ("pool-too-big", HEAD + "  - maxpool: {k: 64}\n", "pool window 64x64 is larger than the padded "
     "input 32x32", "4:5", "0"),
    ("groups-divide", HEAD + "  - conv: {c: 4, k: 3, groups: 2}\n",
     "groups=2 does not divide the 3 input channels", "4:5", "0"),
    ("non-integer-channels", HEAD + "  - conv: {c: 'in.c / 2', k: 1}\n",
     "output channels c must be an integer, got 1.5", "4:5", "0"),
    ("bool-channels", HEAD + "  - conv: {c: true, k: 3}\n", "output channels c must be an integer, "
     "got True", "4:5", "0"),
    ("bool-kernel", HEAD + "  - conv: {c: 3, k: yes}\n", "kernel k must be an integer, got True",
     "4:5", "0"),
    ("bool-repeat", HEAD + "  - repeat: {n: true, body: [relu]}\n",
     "repeat count n must be a whole number, got True", "4:13", "repeat"),
    ("padding-form", HEAD + "  - conv: {c: 3, k: 3, p: [1, 2, 3]}\n",
     "padding must be p, [ph, pw] or [top, bottom, left, right]", "4:5", "0"),
    ("negative-padding", HEAD + "  - conv: {c: 3, k: 3, p: -1}\n", "padding must be at least 0",
     "4:5", "0"),
    ("dropout-p", HEAD + "  - dropout: {p: 2}\n", "dropout probability p must be in [0, 1]", "4:5",
     "0"),
    ("linear-on-map", HEAD + "  - linear: {out: 10}\n", "linear needs a flat input, got 3x32x32",
     "4:5", "0"),
    ("conv-on-flat", HEAD + "  - flatten\n  - conv: {c: 3, k: 1}\n",
     "conv needs a C×H×W input, got a flat tensor of 3072 features", "5:5", "1"),
    # --- merges ----------------------------------------------------------------------------------
    ("add-mismatch", HEAD + "  - parallel: {branches: [[{conv: {c: 3, k: 3}}], [relu]], "
     "merge: add}\n", "add needs equal shapes: 3x30x30 vs 3x32x32", "4:5", "parallel"),
    ("concat-mismatch", HEAD + "  - parallel: {branches: [[{conv: {c: 3, k: 3}}], [relu]], "
     "merge: concat}\n", "concat needs equal spatial sizes: 3x30x30 vs 3x32x32", "4:5",
     "parallel"),
    ("residual-mismatch", HEAD + "  - residual: {body: [{conv: {c: 8, k: 1}}]}\n",
     "add needs equal shapes: 8x32x32 vs 3x32x32", "4:5", "residual"),
    ("one-branch", HEAD + "  - parallel: {branches: [[relu]], merge: add}\n",
     "'parallel' needs at least two branches", "4:15", "parallel"),
    ("merge-name", HEAD + "  - parallel: {branches: [[relu], [relu]], merge: sum}\n",
     "merge must be concat, add or mul, got 'sum'", "4:15", "parallel"),
    # --- blocks and constructs -------------------------------------------------------------------
    ("recursive-block", "name: t\ninput: [3, 8, 8]\nblocks:\n  a: {body: [b]}\n  b: {body: [a]}\n"
     "layers: [a]\n", "recursive block use: a -> b -> a", "5:14", "0.0.0"),
    ("unknown-block", "name: t\ninput: [3, 8, 8]\nblocks: {bottleneck: {body: [relu]}}\n"
     "layers: [botleneck]\n", "unknown op or block 'botleneck' (did you mean 'bottleneck'?)",
     "4:10", "0"),
    ("block-missing-arg", "name: t\ninput: [3, 8, 8]\nblocks: {a: {args: {x: ~}, body: [relu]}}\n"
     "layers: [a]\n", "block 'a' needs argument 'x'", "4:10", "0"),
    ("block-unknown-arg", "name: t\ninput: [3, 8, 8]\nblocks: {a: {args: {x: 1}, body: [relu]}}\n"
     "layers: [{a: {y: 2}}]\n", "block 'a' has no argument 'y'", "4:15", "0"),
    ("for-not-list", HEAD + "  - for: {var: v, in: 3, body: [relu]}\n",
     "'for' needs a list to walk over in 'in'", "4:10", "for"),
    ("repeat-var", HEAD + "  - repeat: {n: 2, var: [1], body: [relu]}\n",
     "'var' of repeat must be a name", "4:13", "repeat"),
    ("when-unknown", HEAD + "  - {dropout: {}, when: 'drop > 0'}\n",
     "unknown name 'drop' in expression 'drop > 0'", "4:5", "0"),
    # --- limits and hostile expressions ----------------------------------------------------------
    ("repeat-billion", HEAD + "  - repeat: {n: 1000000000, body: [relu]}\n",
     "repeat count n 1,000,000,000 is over the limit of 100,000 layers", "4:13", "repeat"),
    ("repeat-nested", HEAD + "  - repeat: {n: 1000, body: [{repeat: {n: 1000, body: [relu]}}]}\n",
     "network expands to more than 100,000 layers", "4:56", "99999"),
    ("power-tower", HEAD + "  - conv: {c: '9**9**9', k: 3}\n",
     "exponent 387420489 is too large (limit 64)", "4:12", "0"),
    ("huge-product", HEAD + "  - conv: {c: '2**60 * 2**60 * 2**60', k: 3}\n", "is too large",
     "4:12", "0"),
    ("huge-literal", HEAD + "  - conv: {c: 100000000000000000000, k: 1}\n", "is too large",
     "4:12", "0"),
    ("list-times-billion", HEAD + "  - conv: {c: '[1] * 1000000000', k: 3}\n",
     "arithmetic needs numbers, got [1]", "4:12", "0"),
    ("too-long", HEAD + "  - conv: {c: '" + "1+" * 300 + "1', k: 3}\n",
     "expression is too long (601 characters, limit 400)", "4:12", "0"),
    ("too-deep", HEAD + "  - conv: {c: '" + "-" * 300 + "1', k: 3}\n",
     "is too complex (", "4:12", "0"),
    ("import-call", HEAD + "  - conv: {c: \"__import__('os').getcwd()\", k: 3}\n",
     "Call is not allowed in expression", "4:12", "0"),
    ("attribute", HEAD + "  - conv: {c: '(1).__class__', k: 3}\n",
     "Attribute is not allowed in expression", "4:12", "0"),
    ("lambda", HEAD + "  - conv: {c: '(lambda: 1)()', k: 3}\n", "is not allowed in expression",
     "4:12", "0"),
    ("string-literal", HEAD + "  - conv: {c: \"'abc'\", k: 3}\n",
     "only numbers are allowed in expressions, not 'abc'", "4:12", "0"),
    ("division-by-zero", HEAD + "  - conv: {c: '3 // 0', k: 3}\n", "division by zero", "4:12", "0"),
    ("complex-result", HEAD + "  - conv: {c: '(-8) ** 0.5', k: 3}\n", "gives a complex number",
     "4:12", "0"),
    ("float-overflow", HEAD + "  - conv: {c: 'int(1e308 * 10)', k: 3}\n",
     "number in 'int(1e308 * 10)' is too large", "4:12", "0"),
    ("unknown-function", HEAD + "  - conv: {c: 'sqrt(9)', k: 3}\n", "unknown function 'sqrt'",
     "4:12", "0"),
    ("arity", HEAD + "  - conv: {c: 'round(1, 2, 3)', k: 3}\n",
     "round() takes 1 to 2 argument(s), got 3", "4:12", "0"),
    ("unknown-name", "name: t\ninput: [3, 8, 8]\nparams: {width: 8}\nlayers:\n"
     "  - conv: {c: widht, k: 3}\n", "unknown name 'widht' in expression 'widht' (did you mean "
     "'width'?)", "5:12", "0"),
    ("index-range", "name: t\ninput: [3, 8, 8]\nparams: {d: [1]}\nlayers: [{conv: {c: 'd[5]', "
     "k: 1}}]\n", "index 5 out of range in 'd[5]'", "4:18", "0"),
    ("billion-laughs", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e]\n"
     "g: &g [*f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g]\n",
     "YAML aliases (*name) are not allowed", "1:4", None),
    ("deep-yaml", "name: t\nlayers: " + "[" * 20000 + "]" * 20000 + "\n", "nest", "2", None),
    ("too-many-nodes", "name: t\nlayers: [" + "1, " * 200_001 + "1]\n",
     "spec file is too large (over 200000 YAML nodes)", None, None),
    ("over-1-mib", "name: t\nnotes: '" + "x" * (1 << 20) + "'\n", "file is larger than 1024 KiB",
     None, None),
]


def _write(tmp_path, text: str | bytes):
    path = tmp_path / "bad.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_corpus_is_large_enough():
    assert len(SPECS) >= 40  # the command-line corpus is tests/cli/test_main.py's
    assert len({case[0] for case in SPECS}) == len(SPECS)


@pytest.mark.parametrize("case_id, text, fragment, where, layer", SPECS,
                         ids=[c[0] for c in SPECS])
def test_bad_spec(cli, tmp_path, case_id, text, fragment, where, layer):
    path = _write(tmp_path, text)
    code, out, err = cli("report", str(path))
    line = one_error_line(err)
    assert code == 2, err
    assert out == ""
    assert fragment in line, line
    if where is None:
        assert line.startswith(f"cnncost: error: {path}: "), line
    else:
        assert re.match(rf"cnncost: error: {re.escape(str(path))}:{where}[:]", line), (where, line)
    if layer is None:
        assert "(in layer" not in line, line
    else:
        assert line.endswith(f"(in layer {layer})"), line


def test_directory_is_not_a_spec(cli, tmp_path):
    code, _, err = cli("report", str(tmp_path))
    assert code == 2
    assert f"{tmp_path} is a directory" in one_error_line(err)


# ---- every command, including ones added later -------------------------------------------------


def test_unreadable_file(cli, tmp_path, monkeypatch):
    """Read errors from the operating system become one line (simulated: tests may run as root)."""
    import pathlib

    spec = tmp_path / "locked.yaml"
    spec.write_text(HEAD + "  - relu\n")

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(pathlib.Path, "read_bytes", denied)
    code, _, err = cli("report", str(spec))
    assert code == 2
    assert one_error_line(err) == f"cnncost: error: {spec}: cannot read file: Permission denied"


def test_size_errors_keep_their_messages():
    # AlexNet conv1 (k11, s4, p2) on 10x10: floor((10 + 4 - 11) / 4) + 1 = 1, so the first
    # 3x3/2 max-pool sees a 1x1 input: floor((1 - 3) / 2) + 1 = 0 outputs.
    with pytest.raises(CnnCostError, match="pool window 3x3 is larger than the padded input 1x1"):
        cnncost.analyze("alexnet", input="3x10x10")
    # On 5x5 the 11x11 kernel does not fit the padded 5 + 2 + 2 = 9.
    with pytest.raises(CnnCostError, match=r"kernel 11x11 \(dilation 1x1\) is larger than the "
                                           r"padded input 9x9"):
        cnncost.analyze("alexnet", input="3x5x5")
