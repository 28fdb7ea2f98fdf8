"""`recstack show`: real recordings in, what they said out, in every format."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from recstack.output import Output
from recstack.parallel import MIN_PARALLEL
from recstack.recording import Recording
from recstack.render.show import FORMATS as RENDERERS
from recstack.render.show import table_lines
from recstack.render.wrap import expand_tabs, wrap_spans
from recstack.request_summary import summarize_request
from recstack.selection import select
from recstack.showing import show_file, show_paths
from streams import chat_stream, choice, chunk, delta, request, say, tool

from cli_helpers import run, run_process
from conftest import EXAMPLES, REAL, example_files, needs_shared, pair_dirs, real_files

ANSI = re.compile(r"\x1b\[[0-9;]*m")

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


def test_usage_errors_are_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no PATH: the current directory, here without recordings
    nothing = run("show", "--isolated")
    assert nothing.exit_code == 2
    assert nothing.stderr == "recstack show: .: no recordings: no *.json file in this directory\n"
    bad_format = run("show", "x.json", "--format", "yaml")
    assert bad_format.exit_code == 2 and "'yaml' is not a format" in bad_format.stderr


def test_no_path_reads_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "a.json", chat_stream(say("A")))
    monkeypatch.chdir(tmp_path)
    assert run("show", "--isolated", "-f", "text").stdout == "A\n"


def test_directories_and_paths_on_stdin(tmp_path: Path) -> None:
    a = write(tmp_path, "a.json", chat_stream(say("A")))
    (tmp_path / "sub").mkdir()
    b = write(tmp_path / "sub", "b.json", chat_stream(say("B")))
    both = f"==> {a} <==\nA\n\n==> {b} <==\nB\n"
    assert run("show", tmp_path, "-f", "text").stdout == both
    listed = f"{b}\n{a}\n"
    assert run("show", "-", "-f", "text", input=listed).stdout == (
        f"==> {b} <==\nB\n\n==> {a} <==\nA\n"
    )


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


# --- --format text: what a reviewer needs, in plain lines (git textconv) -------------


def test_text_format_has_tool_calls_with_their_arguments(tmp_path: Path) -> None:
    data = chat_stream(
        say("Checking."),
        chunk(choice(delta(tool_calls=[tool(0, "call_a", "get_weather", '{"city":')]))),
        chunk(choice(delta(tool_calls=[tool(0, None, None, '"Paris"}')]))),
        chunk(choice(delta(tool_calls=[tool(1, "call_b", "broken", '{"city": "Par')]))),
        chunk(choice(delta(), finish="tool_calls")),
    )
    result = run("show", write(tmp_path, "tools.json", data), "-f", "text")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "Checking.\n"
        'tool call 0: get_weather\n{\n  "city": "Paris"\n}\n'
        'tool call 1: broken\n{"city": "Par\n'
    )
    assert "call_a" not in result.stdout  # ids change with every re-recording


def test_text_format_has_the_error_embeddings_and_models() -> None:
    error = run("show", EXAMPLES / "exception.json", "-f", "text").stdout
    assert (
        error.splitlines()[0]
        == "error: NotFoundError · status 404 · provider_sdk · provider openai"
    )
    assert "does not exist or you do not have access to it" in error.splitlines()[1]
    embeddings = run("show", EXAMPLES / "embeddings.json", "-f", "text").stdout
    assert embeddings == "embeddings: 2 × 8, sha1 c746e2f4bb17\n"
    assert run("show", EXAMPLES / "models.json", "-f", "text").stdout == (
        "3 models:\n  llama3.2:3b-instruct-fp16\n  nomic-embed-text:latest\n  qwen3:4b\n"
    )
    assert run("show", EXAMPLES / "models-empty.json", "-f", "text").stdout == "models: none\n"


def test_text_format_tells_changed_embeddings_apart(tmp_path: Path) -> None:
    """git's textconv compares these lines: a re-recorded vector must change them."""
    data = json.loads((EXAMPLES / "embeddings.json").read_text())
    before = run("show", EXAMPLES / "embeddings.json", "-f", "text").stdout
    data["response"]["body"]["__data__"]["data"][1]["embedding"][0] += 0.25
    (tmp_path / "moved.json").write_text(json.dumps(data))
    after = run("show", tmp_path / "moved.json", "-f", "text").stdout
    assert after.startswith("embeddings: 2 × 8, sha1 ") and after != before


def test_text_format_of_a_stream_that_failed_part_way() -> None:
    out = run("show", EXAMPLES / "exception-stream.json", "-f", "text").stdout
    assert out == (
        "Here are three tips for a calm morning:\n\n1.\n"
        "error: APIConnectionError · provider_sdk · provider openai\nConnection error.\n"
    )


def test_text_format_names_each_of_several_files_in_a_header_line() -> None:
    files = [EXAMPLES / "chat.json", EXAMPLES / "embeddings.json", EXAMPLES / "models-empty.json"]
    out = run("show", *files, "-f", "text").stdout
    chat = run("show", files[0], "-f", "text").stdout
    assert out == (
        f"==> {files[0]} <==\n{chat}\n"
        f"==> {files[1]} <==\nembeddings: 2 × 8, sha1 c746e2f4bb17\n\n"
        f"==> {files[2]} <==\nmodels: none\n"
    )
    assert run("show", *files, "-f", "text", "--color", "always").stdout == out  # never styled


def test_text_format_never_cuts_a_body(tmp_path: Path) -> None:
    passthrough = run("show", EXAMPLES / "passthrough-status.json", "-f", "text").stdout
    assert json.loads(passthrough)["results"][0]["document"]["text"].startswith("Paris")
    assert "more characters]" in run("show", EXAMPLES / "passthrough-status.json").stdout


@needs_shared
def test_text_format_is_deterministic_and_inert_on_every_real_recording() -> None:
    files = every_file()
    first = run("show", *files, "-f", "text")
    assert first.exit_code == 0 and first.stderr == ""
    assert first.stdout == run("show", *files, "-f", "text").stdout
    headers = [line for line in first.stdout.splitlines() if line.startswith("==> ")]
    assert headers == [f"==> {path} <==" for path in files]
    assert "\x1b" not in first.stdout and "\r" not in first.stdout


# --- what is read: other JSON skipped and counted, explicit files reported -----------


def test_other_json_found_in_a_directory_is_skipped_and_counted(tmp_path: Path) -> None:
    write(tmp_path, "a.json", chat_stream(say("A")))
    (tmp_path / "package.json").write_text('{"name": "web", "version": "1.0.0"}\n')
    (tmp_path / "tsconfig.json").write_text('{\n  // a comment\n  "compilerOptions": {}\n}\n')
    rich = run("show", tmp_path)
    assert (rich.exit_code, rich.stderr) == (0, "")
    assert "package.json" not in rich.stdout and "tsconfig.json" not in rich.stdout
    assert rich.stdout.endswith("\n2 other JSON files skipped\n")
    markdown = run("show", tmp_path, "-f", "markdown").stdout
    assert markdown.endswith("_2 other JSON files skipped_\n")
    assert run("show", tmp_path, "-f", "text").stdout == "A\n"  # one recording: its text only
    assert len(run("show", tmp_path, "-f", "json").stdout.splitlines()) == 1


def test_a_directory_of_other_json_only_is_nothing_to_show(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "web"}\n')
    result = run("show", tmp_path, "-f", "text")
    assert result.exit_code == 2
    assert result.stderr == (
        f"recstack show: {tmp_path}: no recordings: 1 other JSON file skipped\n"
    )


def test_a_non_recording_named_explicitly_is_reported(tmp_path: Path) -> None:
    good = write(tmp_path, "good.json", chat_stream(say("fine")))
    package = tmp_path / "package.json"
    package.write_text('{"name": "web", "version": "1.0.0"}\n')
    result = run("show", package, good, "-f", "text")
    assert result.exit_code == 1
    assert result.stdout == "fine\n"
    assert result.stderr == (
        f"recstack show: {package}:1:1: not a recording: no 'request' and no 'response'\n"
    )


def test_exclude_prunes_what_is_walked(tmp_path: Path) -> None:
    write(tmp_path, "a.json", chat_stream(say("A")))
    (tmp_path / "old").mkdir()
    write(tmp_path / "old", "b.json", chat_stream(say("B")))
    assert run("show", tmp_path, "--exclude", "old", "-f", "text").stdout == "A\n"


# --- colour: --color always piped, --color never on a terminal ----------------------


def run_on_terminal(*args: str | Path, env: dict[str, str], columns: int = 60) -> str:
    """``python -m recstack ARGS`` with stdout on a pseudo-terminal ``columns`` wide."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    merged = {**os.environ, "COLUMNS": str(columns), **env}
    proc = subprocess.Popen(
        [sys.executable, "-m", "recstack", *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.DEVNULL,
        env=merged,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=120) == 0
    return b"".join(chunks).decode().replace("\r\n", "\n")


def test_color_always_styles_piped_output() -> None:
    result = run_process("show", EXAMPLES / "chat-stream.json", "--color", "always")
    assert result.exit_code == 0
    assert "\x1b[" in result.stdout
    assert ANSI.sub("", result.stdout) == run("show", EXAMPLES / "chat-stream.json").stdout


def test_on_a_terminal_color_never_is_plain_and_auto_is_styled() -> None:
    path = EXAMPLES / "chat-stream.json"
    never = run_on_terminal("show", path, "--color", "never", env={"NO_COLOR": ""})
    assert "\x1b" not in never
    assert "streamed, 14 chunks" in never
    auto = run_on_terminal("show", path, env={"NO_COLOR": ""})
    assert "\x1b[" in auto
    assert ANSI.sub("", auto) == never


def test_on_a_terminal_long_lines_wrap_at_words(tmp_path: Path) -> None:
    words = [f"word{i}" for i in range(60)]
    path = write(tmp_path, "long.json", chat_stream(say(" ".join(words))))
    out = run_on_terminal("show", path, "--color", "never", env={"NO_COLOR": ""}, columns=40)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 40
    start = lines.index("word0 word1 word2 word3 word4 word5")  # 35 columns: word6 is next
    answer = [line for line in lines[start:] if line.startswith("word")]
    assert " ".join(answer).split() == words  # no word cut, none lost
    assert len(answer) > 5


# --- the library: show_paths and the renderer registry, without the CLI --------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_library_shows_every_example_in_every_format(fmt: str) -> None:
    files = example_files()
    report = show_paths(select([str(EXAMPLES)]))
    assert (report.problems, report.findings, report.skipped) == ([], False, [])
    assert [shown.path for shown in report.shown] == [str(p) for p in files]
    for shown in report.shown:
        assert shown.answer is not None and shown.request is not None
        assert shown.answer.meta.path == shown.path
    stream = io.StringIO()
    RENDERERS[fmt](report, Output(stream, color="never"))
    out = stream.getvalue()
    if fmt == "json":
        assert [json.loads(line)["path"] for line in out.splitlines()] == [str(p) for p in files]
    elif fmt == "text":
        headers = [line for line in out.splitlines() if line.startswith("==> ")]
        assert headers == [f"==> {p} <==" for p in files]
    else:
        assert all(str(p) in out for p in files)
    assert "\x1b" not in out


def test_the_library_reports_bad_files_and_counts_skipped_ones(tmp_path: Path) -> None:
    write(tmp_path, "good.json", chat_stream(say("fine")))
    (tmp_path / "broken.json").write_text('{"request": {}, ')
    (tmp_path / "package.json").write_text('{"name": "web"}\n')
    calls: list[int] = []
    report = show_paths(select([str(tmp_path)]), progress=calls.append)
    assert calls == [1, 1, 1]
    assert report.skipped == [str(tmp_path / "package.json")]
    assert [r.path for r in report.shown] == [str(tmp_path / "good.json")]
    [bad] = [r for r in report.results if r.problem is not None]
    assert bad.path == str(tmp_path / "broken.json") and bad.problem.rule == "json"
    assert report.findings and report.problems == []
    assert show_file(tmp_path / "package.json", explicit=False).skipped
    assert show_file(tmp_path / "package.json").problem is not None


def test_the_library_results_come_back_in_order_from_worker_processes(tmp_path: Path) -> None:
    for i in range(MIN_PARALLEL):
        write(tmp_path, f"{i:03d}.json", chat_stream(say(f"answer {i}")))
    selection = select([str(tmp_path)])
    one = show_paths(selection, jobs=1)
    several = show_paths(selection, jobs=2)
    assert [r.answer.text for r in several.shown if r.answer] == [f"answer {i}" for i in range(64)]
    assert several.results == one.results


def test_the_request_summary_is_data() -> None:
    data = json.loads((EXAMPLES / "chat-tool-calls-stream.json").read_text())
    summary = summarize_request(Recording("x.json", data))
    assert summary.method == "POST"
    assert ("stream", "true") in summary.params
    assert summary.tools == ["get_weather", "get_local_time"]
    assert [m.role for m in summary.messages] == ["user"]


# --- word wrap for the terminal -----------------------------------------------------


def test_wrap_breaks_long_lines_at_spaces_and_keeps_styles() -> None:
    spans = [("key  ", "bold"), ("one two three four", "red"), ("\n", ""), ("short", "")]
    wrapped = wrap_spans(spans, 12, len)
    assert "".join(text for text, _ in wrapped) == "key  one two\nthree four\nshort"
    assert [style for text, style in wrapped if "three" in text] == ["red"]
    assert wrap_spans(spans, 80, len) is spans  # nothing to wrap: unchanged


def test_wrap_folds_words_wider_than_the_line_and_drops_edge_spaces() -> None:
    assert "".join(t for t, _ in wrap_spans([("a " + "x" * 25, "")], 10, len)) == (
        "a\nxxxxxxxxxx\nxxxxxxxxxx\nxxxxx"
    )
    assert "".join(t for t, _ in wrap_spans([("abcdefgh" + " " * 5, "")], 10, len)) == "abcdefgh"


def test_wrap_counts_wide_characters_as_two_columns() -> None:
    from rich.cells import cell_len

    text = "".join(t for t, _ in wrap_spans([("猫猫猫 猫猫猫 猫猫猫", "")], 13, cell_len))
    assert text == "猫猫猫 猫猫猫\n猫猫猫"
    assert all(cell_len(line) <= 13 for line in text.split("\n"))


def test_tabs_are_laid_out_as_rich_lays_them_out() -> None:
    assert expand_tabs([("ab", "bold"), ("\tc\nd\te", "")]) == [
        ("ab", "bold"),
        ("      c\nd       e", ""),
    ]


def test_a_model_table_fits_a_terminal_with_cut_cells() -> None:
    rows = [("id", "digest"), ("llama3.2:3b-instruct-fp16", "a80c4f17acd55265" * 4), ("m", "d")]
    assert table_lines(rows) == [
        "  id                          digest",
        f"  llama3.2:3b-instruct-fp16   {'a80c4f17acd55265' * 4}",
        "  m                           d",
    ]
    narrow = table_lines(rows, 40)
    assert max(len(line) for line in narrow) == 40
    assert narrow[1] == "  llama3.2:3b-inst…   a80c4f17acd55265a…"  # the widest narrowed first
    assert table_lines([("id",), ("猫猫猫猫猫猫",)], 8) == ["  id", "  猫猫…"]


def test_the_header_counts_chunks_in_words(tmp_path: Path) -> None:
    data = json.loads((EXAMPLES / "chat-stream.json").read_text())
    data["response"]["body"] = data["response"]["body"][:1]
    one = tmp_path / "one.json"
    one.write_text(json.dumps(data, indent=2) + "\n")
    for output_format in ("rich", "markdown"):
        out = run("show", one, "-f", output_format).stdout
        assert "streamed, 1 chunk" in out and "1 chunks" not in out, out
    assert "streamed, 14 chunks" in run("show", EXAMPLES / "chat-stream.json").stdout
