"""`cnncost embed`: regenerate <!-- cnncost: ARGS --> blocks in Markdown files.

Expected numbers are hand arithmetic on a one-layer spec written here:
conv 3->8, k3, p1 on 3x8x8: params 8*3*3*3 + 8 = 224, MACs 8*8*8 * 3*3*3 = 13,824,
output 8x8x8 = 512 elements -> 2,048 B in fp32.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SPEC = """cnncost: 1
name: tiny
input: [3, 8, 8]
layers:
  - {conv: {c: 8, k: 3, p: 1}, name: c1}
"""


@pytest.fixture
def docdir(tmp_path: Path) -> Path:
    (tmp_path / "tiny.yaml").write_text(SPEC)
    return tmp_path


def block(args: str, body: str = "stale\n") -> str:
    return f"<!-- cnncost: {args} -->\n{body}<!-- /cnncost -->\n"


def test_fills_block_with_markdown_output(cli, docdir):
    md = docdir / "README.md"
    md.write_text("# Title\n\n" + block("report tiny.yaml --exact") + "\nafter\n")
    code, out, err = cli("embed", str(md))
    assert code == 0, err
    text = md.read_text()
    assert text.startswith("# Title\n\n<!-- cnncost: report tiny.yaml --exact -->\n\n")
    assert text.endswith("\n\n<!-- /cnncost -->\n\nafter\n")
    assert "stale" not in text
    row = next(line for line in text.splitlines() if line.startswith("| c1 "))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells == ["c1", "conv", "8×8×8", "224", "13,824", "2,048"]
    assert "|---" in text  # a GitHub table: --format markdown was added


def test_idempotent_second_run_changes_no_byte(cli, docdir):
    md = docdir / "a.md"
    md.write_text(block("report tiny.yaml") + "text\n"
                  + block("cnncost compare tiny.yaml tiny.yaml"))
    assert cli("embed", str(md))[0] == 0
    first = md.read_bytes()
    mtime = md.stat().st_mtime_ns
    assert cli("embed", str(md))[0] == 0
    assert md.read_bytes() == first
    assert md.stat().st_mtime_ns == mtime  # not even rewritten
    assert cli("embed", "--check", str(md))[0] == 0


def test_check_reports_stale_with_diff_and_writes_nothing(cli, docdir):
    md = docdir / "a.md"
    original = "intro\n" + block("report tiny.yaml --exact")
    md.write_text(original)
    code, out, err = cli("embed", "--check", str(md))
    assert code == 1
    assert md.read_text() == original
    assert f"--- a/{md}" in out and f"+++ b/{md}" in out
    assert "-stale" in out
    assert any(line.startswith("+| c1 ") and "13,824" in line for line in out.splitlines())
    assert "stale" in err


def test_explicit_format_is_kept(cli, docdir):
    md = docdir / "a.md"
    md.write_text(block("report tiny.yaml --format csv"))
    assert cli("embed", str(md))[0] == 0
    lines = md.read_text().splitlines()
    assert lines[2] == ("name,type,output,params,macs,activation_bytes,buffers,other_ops,"
                        "backward_macs,backward_other_ops")
    assert lines[3].startswith("c1,conv,8x8x8,224,13824,2048,")


@pytest.mark.parametrize("body, line, words", [
    ("x\n<!-- /cnncost -->\n", 2, "without an opening"),
    ("x\n\n<!-- cnncost: report tiny.yaml -->\nold\n", 3, "never closed"),
    ("<!-- cnncost: report tiny.yaml -->\n<!-- cnncost: report tiny.yaml -->\n"
     "<!-- /cnncost -->\n<!-- /cnncost -->\n", 2, "nested"),
    ("a <!-- cnncost: report tiny.yaml --> b\n<!-- /cnncost -->\n", 1, "alone on a line"),
    ("<!-- cnncost:   -->\n<!-- /cnncost -->\n", 1, "empty"),
])
def test_bad_markers_are_refused_and_file_untouched(cli, docdir, body, line, words):
    md = docdir / "bad.md"
    md.write_text(body)
    code, out, err = cli("embed", str(md))
    assert code == 2
    assert f"{md}:{line}: " in err and words in err
    assert md.read_text() == body


def test_failing_command_leaves_file_untouched(cli, docdir):
    md = docdir / "a.md"
    body = block("report tiny.yaml") + block("report no_such_model_xyz")
    md.write_text(body)
    code, _, err = cli("embed", str(md))
    assert code == 2
    assert f"{md}:4: " in err and "unknown model" in err
    assert md.read_text() == body  # the first, good block was not written either
    assert sorted(p.name for p in docdir.iterdir()) == ["a.md", "tiny.yaml"]  # no temp files


def test_markers_in_code_fences_are_examples_not_blocks(cli, docdir):
    md = docdir / "a.md"
    body = "```markdown\n<!-- cnncost: report nothing -->\n```\n~~~\n<!-- /cnncost -->\n~~~\n"
    md.write_text(body)
    assert cli("embed", str(md))[0] == 0
    assert md.read_text() == body


def test_crlf_files_keep_crlf(cli, docdir):
    md = docdir / "a.md"
    md.write_bytes(b"top\r\n<!-- cnncost: report tiny.yaml -->\r\nold\r\n<!-- /cnncost -->\r\n")
    assert cli("embed", str(md))[0] == 0
    data = md.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") and b"| c1 " in data


def test_paths_in_args_are_relative_to_the_markdown_file(cli, docdir, monkeypatch):
    sub = docdir / "docs"
    sub.mkdir()
    (sub / "page.md").write_text(block("report ../tiny.yaml --exact"))
    monkeypatch.chdir(docdir.parent)
    code, _, err = cli("embed", str(docdir))  # a folder: every *.md below it
    assert code == 0, err
    assert "13,824" in (sub / "page.md").read_text()
    assert Path.cwd() == docdir.parent  # the working directory is restored


def test_progress_on_stderr_for_many_files(cli, docdir):
    for name in ("a.md", "b.md"):
        (docdir / name).write_text(block("report tiny.yaml"))
    code, out, err = cli("embed", str(docdir / "a.md"), str(docdir / "b.md"))
    assert code == 0 and out == ""
    assert "[1/2]" in err and "[2/2]" in err and "updated" in err
    code, _, err = cli("embed", "--check", str(docdir / "a.md"), str(docdir / "b.md"))
    assert code == 0 and err.count("up to date") == 2


def test_atomic_write_keeps_original_on_failure(docdir, monkeypatch):
    from cnncost.cli.embedding import write_atomic

    target = docdir / "a.md"
    target.write_text("original\n")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(target, b"new\n")
    assert target.read_text() == "original\n"
    assert sorted(p.name for p in docdir.iterdir()) == ["a.md", "tiny.yaml"]


def test_embed_cannot_recurse(cli, docdir):
    md = docdir / "a.md"
    md.write_text(block("embed a.md"))
    code, _, err = cli("embed", str(md))
    assert code == 2 and "cannot run 'embed'" in err


def test_check_mode_does_not_write_plot_images(cli, docdir):
    md = docdir / "a.md"
    md.write_text(block("plot tiny.yaml -o tiny.svg"))
    code, out, _ = cli("embed", "--check", str(md))
    assert code == 1 and "+![tiny: per-layer" in out
    assert not (docdir / "tiny.svg").exists()
