"""`recstack diff` output formats: json schema, markdown PR comment, rich, text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from diff_fixtures import stream_recording, write

from cli_helpers import run

TEXT = "Paris is the capital of France. It sits on the Seine."


@pytest.fixture
def trees(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old", tmp_path / "new"
    write(old / "a" / "same.json", stream_recording(TEXT))
    write(new / "a" / "same.json", stream_recording(TEXT))
    write(old / "a" / "rechunked.json", stream_recording(TEXT, parts=9))
    write(new / "a" / "rechunked.json", stream_recording(TEXT, parts=4, seed=2))
    write(old / "b" / "changed.json", stream_recording(TEXT))
    write(new / "b" / "changed.json", stream_recording(TEXT.replace("Seine", "Loire")))
    write(new / "b" / "added.json", stream_recording("New."))
    return old, new


def test_json_schema(trees: tuple[Path, Path]) -> None:
    result = run("diff", *trees, "--format", "json")
    data = json.loads(result.stdout)
    assert set(data) == {"files", "summary", "skipped", "ambiguous"}
    assert data["summary"] == {
        "same": 1,
        "equivalent": 1,
        "changed": 1,
        "added": 1,
        "removed": 0,
        "error": 0,
        "moved": 0,
    }
    for item in data["files"]:
        assert set(item) == {"path", "status", "test_id", "endpoint", "model", "changes"}
        about = (item["test_id"], item["endpoint"], item["model"])
        if item["status"] == "same":  # byte-identical: never parsed
            assert about == (None, None, None)
        else:
            assert about == ("tests/test_x.py::test_chat", "/v1/chat/completions", "llama3.2:3b")
        for change in item["changes"]:
            assert set(change) == {"where", "path", "kind", "before", "after"}
            assert change["where"] in ("request", "response", "meta")
    changed = next(f for f in data["files"] if f["path"] == "b/changed.json")
    [change] = changed["changes"]
    assert change["path"] == "answer.choices[0].content" and change["kind"] == "text"
    assert change["before"] == TEXT and change["after"].endswith("Loire.")


def test_markdown_is_a_pr_comment(trees: tuple[Path, Path]) -> None:
    result = run("diff", *trees, "--format", "markdown")
    out = result.stdout
    assert result.exit_code == 1
    assert out.startswith("### recstack diff\n")
    assert "4 recordings: 1 changed, 1 added, 1 equivalent, 1 same" in out
    about = "test_x.py::test_chat · /v1/chat/completions · llama3.2:3b"
    assert (
        f"<details>\n<summary><b>changed</b> <code>{about}</code> (1 change)</summary>\n\n"
        "`b/changed.json`\n" in out
    )
    assert "```diff\n  - Paris is the capital of France. It sits on the Seine.\n" in out
    assert "- **added** `b/added.json` · test\\_x.py::test\\_chat · /v1/chat/completions" in out
    assert "rechunked.json" not in out  # equivalent files only with -v
    verbose = run("diff", *trees, "--format", "markdown", "-v").stdout
    assert "- **equivalent** `a/rechunked.json` (re-chunked: 10 -> 5 chunks)" in verbose
    assert "- **same** `a/same.json`" in verbose


def test_markdown_names_the_endpoint_of_a_recording_without_a_test_id(tmp_path: Path) -> None:
    """Older recordings carry no test id: the summary line still says what was called."""
    old, new = stream_recording(TEXT), stream_recording(TEXT.replace("Seine", "Loire"))
    for rec in (old, new):
        rec["test_id"] = None
    a = write(tmp_path / "old" / "recordings" / "chat.json", old)
    b = write(tmp_path / "new" / "recordings" / "chat.json", new)
    out = run("diff", a, b, "--format", "markdown").stdout
    summary = "<code>chat.json · /v1/chat/completions · llama3.2:3b</code> (1 change)</summary>"
    assert f"<summary><b>changed</b> {summary}\n\n`{b}`\n" in out


def test_text_and_verbose(trees: tuple[Path, Path]) -> None:
    out = run("diff", *trees, "--format", "text").stdout
    lines = out.splitlines()
    assert lines[0] == "changed    b/changed.json"  # the sections first, then added and removed
    assert lines[1].strip() == "test_x.py::test_chat · /v1/chat/completions · llama3.2:3b"
    assert lines.index("added      b/added.json") > lines.index("changed    b/changed.json")
    assert "[-Seine.-]{+Loire.+}" in out
    assert "a/same.json" not in out and "a/rechunked.json" not in out
    verbose = run("diff", *trees, "--format", "text", "-v").stdout
    assert "equivalent a/rechunked.json  (re-chunked: 10 -> 5 chunks)" in verbose
    assert "same       a/same.json" in verbose


def test_rich_plain_when_piped_and_colour_when_forced(trees: tuple[Path, Path]) -> None:
    plain = run("diff", *trees).stdout
    assert "\x1b[" not in plain
    assert "[-Seine.-]{+Loire.+}" in plain
    coloured = run("diff", *trees, env={"NO_COLOR": "", "FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in coloured and "Loire" in coloured


def test_multi_line_answer_is_a_unified_diff(tmp_path: Path) -> None:
    lines = [f"Step {i}: do thing {i}." for i in range(10)]
    old = write(tmp_path / "o.json", stream_recording("\n".join(lines)))
    lines[6] = "Step 6: do something else."
    new = write(tmp_path / "n.json", stream_recording("\n".join(lines)))
    out = run("diff", old, new, "--format", "text").stdout
    assert "@@ -5,5 +5,5 @@" in out
    assert "-Step 6: do thing 6." in out and "+Step 6: do something else." in out
    assert "Step 1:" not in out


def test_removed_and_added_lines_that_start_like_diff_headers_are_shown(tmp_path: Path) -> None:
    """A Markdown rule "---" or a line "++ x" in an answer is a change like any other."""
    old = write(tmp_path / "o.json", stream_recording("Intro\n---\n-- note\nBody one\nBody two"))
    new = write(tmp_path / "n.json", stream_recording("Intro\nBody one\n++ added\nBody two"))
    for fmt in ("text", "markdown"):
        out = run("diff", old, new, "--format", fmt).stdout
        lines = [line.strip() for line in out.splitlines()]
        assert "----" in lines and "--- note" in lines and "+++ added" in lines, out


def test_a_change_in_line_endings_only_is_visible(tmp_path: Path) -> None:
    old = write(tmp_path / "o.json", stream_recording("Line one\nLine two\n"))
    new = write(tmp_path / "n.json", stream_recording("Line one\nLine two"))
    result = run("diff", old, new, "--format", "text")
    assert result.exit_code == 1
    assert '- "Line one\\nLine two\\n"' in result.stdout
    assert '+ "Line one\\nLine two"' in result.stdout


def test_help_has_examples() -> None:
    result = run("diff", "--help")
    assert result.exit_code == 0
    assert "recstack diff --git HEAD~3..HEAD" in result.stdout
    assert "diff.recstack.textconv" in result.stdout
