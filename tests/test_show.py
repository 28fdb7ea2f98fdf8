"""`recstack show`: real recordings in, what they said out, in every format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams import chat_stream, choice, chunk, delta, request, say, tool

from cli_helpers import run, run_process
from conftest import EXAMPLES, REAL, example_files, needs_shared, pair_dirs, real_files

SATURN = REAL / "responses-65d741c677a8891c1cc74d362bf66f99960df529a09b08922385e30bc6172bfc.json"
SATURN_TEXT = (
    'The planet with rings around it and a name starting with the letter "S" is Saturn.'
    " Saturn is well known for its prominent and complex ring system."
)
FORMATS = ["rich", "text", "json", "markdown"]


def every_file() -> list[Path]:
    pairs = [p for d in pair_dirs() for p in sorted(d.glob("*.json"))]
    return real_files() + pairs + example_files()


def write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


@needs_shared
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_real_recording_and_example_is_shown_in_every_format(fmt: str) -> None:
    files = every_file()
    result = run("show", *files, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert "reassembly failed" not in result.stdout
    if fmt == "json":
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert [line["path"] for line in lines] == [str(p) for p in files]
    elif fmt == "text":
        assert result.stdout.count("\n") >= len(files)
    else:
        for path in files:
            assert str(path) in result.stdout


@needs_shared
def test_text_format_prints_only_the_saturn_sentence() -> None:
    result = run("show", SATURN, "--format", "text")
    assert (result.exit_code, result.stdout) == (0, SATURN_TEXT + "\n")


@needs_shared
def test_json_lines_carry_the_reassembled_answer() -> None:
    result = run("show", SATURN, "--format", "json")
    [line] = result.stdout.splitlines()
    obj = json.loads(line)
    assert set(obj) >= {"path", "test_id", "endpoint", "model", "streaming", "chunks"}
    assert (obj["streaming"], obj["chunks"], obj["model"]) == (True, 34, "gpt-4o")
    [only] = obj["choices"]
    assert only["content"] == SATURN_TEXT
    assert (only["role"], only["finish_reason"], only["tool_calls"]) == ("assistant", "stop", [])
    assert set(only) >= {"index", "reasoning", "refusal"}
    assert obj["usage"]["total_tokens"] == 52
    assert obj["error"] is None


@needs_shared
def test_rich_view_has_header_request_and_answer() -> None:
    out = run("show", SATURN).stdout
    assert "streamed, 34 chunks" in out
    assert "POST /v1/chat/completions" in out
    assert "stream=true" in out
    assert "user" in out and "Which planet has rings" in out
    assert SATURN_TEXT in out
    assert "finish: stop" in out
    assert "total_tokens=52" in out
    assert "\x1b[" not in out  # NO_COLOR and piped: plain


def test_tool_calls_pretty_json_or_raw_string(tmp_path: Path) -> None:
    data = chat_stream(
        chunk(choice(delta(tool_calls=[tool(0, "call_a", "get_weather", '{"city":"Paris"}')]))),
        chunk(choice(delta(tool_calls=[tool(1, "call_b", "broken", '{"city": "Par')]))),
        chunk(choice(delta(), finish="tool_calls")),
    )
    path = write(tmp_path, "tools.json", data)
    out = run("show", path).stdout
    assert 'tool call 0: get_weather  (call_a)\n{\n  "city": "Paris"\n}' in out
    assert 'tool call 1: broken  (call_b)\n{"city": "Par\n' in out
    md = run("show", path, "--format", "markdown").stdout
    assert '```json\n{\n  "city": "Paris"\n}\n```' in md
    assert '```\n{"city": "Par\n```' in md


def test_reasoning_is_shown_apart_from_the_answer(tmp_path: Path) -> None:
    data = chat_stream(say(None, reasoning_content="Think.", reasoning="Think."), say("Done."))
    out = run("show", write(tmp_path, "r.json", data)).stdout
    assert "│ Think.\nDone." in out
    assert out.count("Think.") == 1


def test_long_requests_are_truncated_unless_full(tmp_path: Path) -> None:
    messages = [{"role": "user", "content": f"message {i} " + "x" * 2000} for i in range(10)]
    data = chat_stream(say("ok"), req=request(messages=messages, stream=True))
    path = write(tmp_path, "long.json", data)
    short = run("show", path).stdout
    assert "4 more messages (--full shows all)" in short
    assert "more characters]" in short
    assert "message 3 " not in short
    full = run("show", path, "--full").stdout
    assert all(f"message {i} " + "x" * 2000 in full for i in range(10))


def test_text_format_is_exact_even_with_trailing_newlines(tmp_path: Path) -> None:
    path = write(tmp_path, "nl.json", chat_stream(say("line one\n"), say("line two\n\n")))
    assert run("show", path, "-f", "text").stdout == "line one\nline two\n\n\n"


def test_bad_files_are_reported_and_the_others_still_shown(tmp_path: Path) -> None:
    good = write(tmp_path, "good.json", chat_stream(say("fine")))
    broken = tmp_path / "broken.json"
    broken.write_text('{"request": {}, ')
    notrec = tmp_path / "list.json"
    notrec.write_text("[1, 2]\n")
    result = run("show", broken, good, notrec, "--format", "text")
    assert result.exit_code == 1
    assert result.stdout == "fine\n"
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert str(broken) in lines[0] and "invalid JSON" in lines[0]
    assert str(notrec) in lines[1] and "not a recording" in lines[1]


def test_missing_path_is_exit_2(tmp_path: Path) -> None:
    good = write(tmp_path, "good.json", chat_stream(say("fine")))
    result = run("show", good, tmp_path / "nope.json", "-f", "text")
    assert result.exit_code == 2
    assert result.stdout == "fine\n"
    assert "nope.json" in result.stderr and "no such file" in result.stderr


def test_usage_errors_are_exit_2() -> None:
    assert run("show").exit_code == 2
    assert run("show", "x.json", "--format", "yaml").exit_code == 2


def test_directories_and_paths_on_stdin(tmp_path: Path) -> None:
    write(tmp_path, "a.json", chat_stream(say("A")))
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "b.json", chat_stream(say("B")))
    assert run("show", tmp_path, "-f", "text").stdout == "A\nB\n"
    listed = f"{tmp_path / 'sub' / 'b.json'}\n{tmp_path / 'a.json'}\n"
    assert run("show", "-", "-f", "text", input=listed).stdout == "B\nA\n"


def test_markdown_view_for_a_pull_request_comment() -> None:
    out = run("show", EXAMPLES / "messages-stream.json", "--format", "markdown").stdout
    assert out.startswith("### `")
    assert "| response | `streamed, " in out
    assert "<details><summary>reasoning</summary>" in out
    assert "**tool call 0:** `get_weather`" in out


def test_models_embeddings_and_exceptions_examples() -> None:
    out = run("show", EXAMPLES / "models.json", EXAMPLES / "embeddings.json").stdout
    assert "3 models" in out and "qwen3:4b" in out
    assert "embeddings: 2 × 8" in out
    out = run("show", EXAMPLES / "exception.json").stdout
    assert "NotFoundError · status 404" in out
    assert "does not exist" in out


def test_help_has_examples() -> None:
    out = run("show", "--help").stdout
    assert "Examples" in out and "--format" in out and "--full" in out


def test_subprocess_piped_output_is_plain_and_ends_cleanly() -> None:
    result = run_process("show", EXAMPLES / "chat-stream.json", env={"NO_COLOR": ""})
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout
    assert "streamed, 14 chunks" in result.stdout


def test_odd_values_in_a_recording_never_break_the_view(tmp_path: Path) -> None:
    req = request(messages=5, tools="x", temperature=[1], stream=True)
    req["body"]["prompt"] = {"type": "weird"}
    data = chat_stream(
        chunk(choice(delta(content=7, role=["a"], tool_calls=[None, {"index": "0"}]))),
        chunk("not a choice"),
        req=req,
    )
    path = write(tmp_path, "odd.json", data)
    for fmt in FORMATS:
        result = run("show", path, "--format", fmt)
        assert (result.exit_code, result.stderr) == (0, ""), fmt
