"""The op registry: every op carries every rule."""

from __future__ import annotations

from cnncost.ops import Op, OPS


def test_every_op_has_a_forward():
    missing = [name for name, op in OPS.items() if type(op).forward is Op.forward]
    assert missing == []


def test_every_bundled_op_states_its_memory_rules():
    # None would mean "no rule": liveness would assume the input is kept and print a note
    for name, op in OPS.items():
        assert type(op).saved is not Op.saved, name


def test_no_op_name_as_a_string_outside_ops():
    """Liveness, memory, the builder and the ledger ask the op; only ops/ spells op names. The
    builder's ``shortcut: identity`` is a spec keyword (a shortcut kind), not the op;
    ``layer_scale`` in verify/reference_torch.py is torchvision's attribute name. The importers
    translate foreign graphs into spec text, whose vocabulary is the op names: they are exempt."""
    import ast
    from pathlib import Path

    import cnncost

    root = Path(cnncost.__file__).parent
    allowed = {("spec/constructs.py", "identity"), ("verify/reference_torch.py", "layer_scale")}
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(("ops/", "importers/")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in OPS and \
                    (rel, node.value) not in allowed:
                found.append(f"{rel}:{node.lineno}: {node.value!r}")
    assert not found, found


def test_ops_command_lists_the_registry(cli):
    import json

    code, out, _ = cli("ops", "--format", "json")
    entries = json.loads(out)
    assert code == 0 and [e["op"] for e in entries] == list(OPS)
    conv = next(e for e in entries if e["op"] == "conv")
    assert conv["args"][:3] == ["c", "k", "s: 1"] and conv["aliases"]["kernel"] == "k"
    assert [e["op"] for e in entries if e["merge"]] == ["concat", "add", "mul"]
