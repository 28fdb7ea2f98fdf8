"""Escape sequences in recordings and file names never reach the terminal raw.

Recordings are built here with screen clears, OSC 8 hyperlinks, OSC 52 clipboard
writes, window titles, a one-byte CSI (U+009B) and a bidi override in the answer, a
tool-call argument, a request message, an error message and the file name; every
command in every format must print them as visible escapes (or JSON escapes), never
as the characters themselves.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from recstack.inert import inert, inert_json, inert_line
from streams import chat_stream, choice, chunk, delta, recording, request, say, tool

from cli_helpers import run
from conftest import EXAMPLES

CLEAR = "\u001b[2J"
LINK = "\u001b]8;;http://x\u0007link\u001b]8;;\u0007"
CLIPBOARD = "\u001b]52;c;aGk=\u0007"
TITLE = "\u001b]0;pwned\u0007"
CSI = "\u009b31m"
BIDI = "\u202e"
EVIL = f"A{CLEAR}B{LINK}C{CLIPBOARD}D{TITLE}E{CSI}F{BIDI}G"
EVIL_NAME = f"evil-{CLEAR}-{CSI}-{BIDI}.json"  # no "/" in a file name

# Raw characters a terminal could act on (newline and tab are fine).
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def raw_controls(text: str) -> list[str]:
    return sorted(set(RAW.findall(text)))


# -- the functions ----------------------------------------------------------------------


def test_inert_escapes_controls_and_keeps_newlines_and_tabs() -> None:
    assert inert(EVIL) == (
        "A\\x1b[2JB\\x1b]8;;http://x\\x07link\\x1b]8;;\\x07C\\x1b]52;c;aGk=\\x07"
        "D\\x1b]0;pwned\\x07E\\x9b31mF\\u202eG"
    )
    assert inert("a\r\nb\tc\x7f\x00") == "a\\r\nb\tc\\x7f\\x00"
    assert inert("\ud800 \udcff \u2066x\u2069") == "\\ud800 \\udcff \\u2066x\\u2069"
    assert inert("plain: é, 日本, emoji 🙂, [bold]") == "plain: é, 日本, emoji 🙂, [bold]"
    assert inert_line("a\nb\tc\x1b") == "a\\nb\\tc\\x1b"
    assert raw_controls(inert(EVIL + "\ud800")) == []


def test_inert_json_means_the_same_and_holds_no_raw_control() -> None:
    value = {"k": EVIL + "\ud800", "é": ["\u0085", "\u2028"]}
    text = inert_json(json.dumps(value, ensure_ascii=False, indent=2))
    assert raw_controls(text) == []
    assert json.loads(text) == value
    assert "é" in text  # non-ASCII text stays readable


# -- recordings with escape sequences everywhere ----------------------------------------


def evil_chat(answer: str = f"The answer is {EVIL} indeed.") -> dict[str, Any]:
    """A streamed chat: the request message, the answer, a tool call and an id are EVIL."""
    req = request(messages=[{"role": "user", "content": EVIL}], stream=True)
    data = chat_stream(
        say(answer),
        chunk(choice(delta(tool_calls=[tool(0, "call_1", f"get_{CSI}x", EVIL)]))),
        chunk(choice(delta(), finish="tool_calls")),
        req=req,
    )
    data["response"]["body"][0]["__data__"]["id"] = f"chatcmpl-{TITLE}"  # normalize quotes it
    data["response"]["body"][0]["__data__"]["created"] = EVIL  # validate quotes it
    return data


def evil_exception() -> dict[str, Any]:
    return recording(
        None,
        streaming=False,
        is_exception=True,
        exception_data={"type": f"Bad{CSI}Error", "message": EVIL, "status_code": 500},
    )


def evil_models() -> dict[str, Any]:
    """A model list whose keys and values look like rich markup."""
    data = json.loads((EXAMPLES / "models.json").read_text())
    data["response"]["body"][0]["__data__"] = {
        "id": "[bold]m[/bold]",
        "[link=http://evil]owner[/link]": "[bold red]x[/bold red]" + CLEAR,
    }
    return data


@pytest.fixture
def evil(tmp_path: Path) -> tuple[Path, Path]:
    """(clean tree, evil tree): the same names, clean and hostile contents."""
    clean, hostile = tmp_path / "clean", tmp_path / "evil"
    clean.mkdir()
    hostile.mkdir()
    plain = {
        "chat.json": chat_stream(say("The answer is fine indeed.")),
        "exception.json": recording(None, streaming=False, is_exception=True),
        "models.json": json.loads((EXAMPLES / "models.json").read_text()),
    }
    bad = {
        "chat.json": evil_chat(),
        "exception.json": evil_exception(),
        "models.json": evil_models(),
    }
    for name in plain:
        (clean / name).write_text(json.dumps(plain[name], indent=2) + "\n")
        (hostile / name).write_text(json.dumps(bad[name], indent=2) + "\n")
    lines = chat_stream(say("One.\nTwo.\nThree."))  # a line diff
    (clean / EVIL_NAME).write_text(json.dumps(lines, indent=2) + "\n")
    evil_lines = evil_chat(f"One.\nTwo {EVIL}.\nThree.")
    (hostile / EVIL_NAME).write_text(json.dumps(evil_lines, indent=2) + "\n")
    return clean, hostile


def assert_inert(output: str, *, expect: tuple[str, ...] = ("\\x1b",)) -> None:
    assert raw_controls(output) == [], output
    for escape in expect:
        assert escape in output, (escape, output)


def all_output(result: Any) -> str:
    return result.stdout + result.stderr


SHOW_FORMATS = ["rich", "text", "markdown"]
DIFF_FORMATS = ["rich", "text", "markdown"]


@pytest.mark.parametrize("fmt", SHOW_FORMATS)
def test_show_prints_escapes_visibly(evil: tuple[Path, Path], fmt: str) -> None:
    result = run("show", evil[1], "--format", fmt)
    out = all_output(result)
    expect = ("\\x1b[2J", "\\x9b31m", "\\u202e", "\\x1b]52;c;aGk=\\x07")
    assert_inert(out, expect=expect)
    assert result.exit_code == 0, result.stderr
    # every view names the file, escaped (text: in a header line, as there are several)
    assert "evil-\\x1b[2J-\\x9b31m-\\u202e.json" in out
    assert "Bad\\x9b31mError" in out  # the exception's type
    if fmt == "text":  # the tool call's name and arguments too
        assert "tool call 0: get_\\x9b31mx" in out
    if fmt == "rich":  # markup from a recording is shown, not applied
        assert "[link=http://evil]owner[/link]" in out and "[bold red]x[/bold red]" in out


def test_show_text_keeps_newlines_for_git_textconv(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps(chat_stream(say(f"one\n{CLEAR}two\r\n\tthree"))))
    assert run("show", path, "-f", "text").stdout == "one\n\\x1b[2Jtwo\\r\n\tthree\n"


def test_show_markdown_escapes_text_outside_fences(tmp_path: Path) -> None:
    data = chat_stream(say("ok", finish="<img src=x>*[x](http://e)*"))
    data["request"]["body"]["messages"] = [{"role": "**b**<i>`", "content": "hi"}]
    data["response"]["body"][0]["__data__"]["choices"][0]["delta"]["refusal"] = "a\n\n# b|c"
    path = tmp_path / "a`b|c.json"
    path.write_text(json.dumps(data))
    out = run("show", path, "-f", "markdown").stdout
    assert "finish: \\<img src=x>\\*\\[x\\](http://e)\\*" in out
    assert "- **\\*\\*b\\*\\*\\<i>\\`**:" in out
    assert "**refusal:** a\\\\n\\\\n# b\\|c" in out  # renders as a\n\n# b|c
    assert "### ``" in out and "a`b|c.json" in out  # in a code span that holds a backtick


@pytest.mark.parametrize("fmt", [*SHOW_FORMATS, "json"])
def test_show_a_file_name_that_is_not_utf8(tmp_path: Path, fmt: str) -> None:
    name = os.fsdecode(b"bad\xff\x1b[2J.json")
    (tmp_path / name).write_text(json.dumps(chat_stream(say(f"hi{CSI}\ud800"))))
    result = run("show", tmp_path, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert raw_controls(all_output(result)) == []
    if fmt == "json":
        line = json.loads(result.stdout)
        assert line["path"] == str(tmp_path / name)  # the same name, surrogate-escaped
        assert line["choices"][0]["content"] == f"hi{CSI}\ud800"
    elif fmt != "text":
        assert "bad\\udcff\\x1b[2J.json" in result.stdout
    else:
        assert result.stdout == "hi\\x9b31m\\ud800\n"


def test_show_json_holds_json_escapes_only(evil: tuple[Path, Path]) -> None:
    result = run("show", evil[1], "--format", "json")
    assert raw_controls(result.stdout) == []
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    contents = [c["content"] for line in lines for c in line["choices"]]
    assert f"The answer is {EVIL} indeed." in contents  # exactly the recorded text
    assert "\\u009b" in result.stdout and "\\u202e" in result.stdout


def test_show_json_writes_integers_beyond_64_bits(tmp_path: Path) -> None:
    data = chat_stream(say("x"), chunk(usage={"total_tokens": 2**70, "odd": "\ud800"}))
    path = tmp_path / "a.json"
    path.write_text(json.dumps(data))
    result = run("show", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["usage"] == {"total_tokens": 2**70, "odd": "\ud800"}


@pytest.mark.parametrize("fmt", DIFF_FORMATS)
def test_diff_prints_escapes_visibly(evil: tuple[Path, Path], fmt: str) -> None:
    result = run("diff", *evil, "--format", fmt)
    assert result.exit_code == 1, result.stderr
    out = all_output(result)
    assert_inert(out, expect=("\\x1b[2J", "\\x9b31m", "\\u202e", "\\x1b]8;;http://x\\x07"))
    assert "evil-\\x1b[2J-\\x9b31m-\\u202e.json" in out


@pytest.mark.parametrize("fmt", [*DIFF_FORMATS, "json"])
def test_diff_prints_lone_surrogates_as_escapes(tmp_path: Path, fmt: str) -> None:
    """A lone surrogate (``\\ud800``: UTF-8 cannot write it) in the text a diff prints
    ended the whole run with an internal error."""
    text = (EXAMPLES / "chat.json").read_text()
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(text)
    new.write_text(text.replace("Write the", "Write \\ud800 the").replace("concise", "\\udfff"))
    result = run("diff", old, new, "--format", fmt)
    assert result.exit_code == 1, result.stderr
    assert result.stderr == ""
    out = result.stdout if fmt != "json" else json.dumps(json.loads(result.stdout))
    assert "\\ud800" in out and "\\udfff" in out
    assert raw_controls(out) == []


def test_diff_json_holds_json_escapes_only(evil: tuple[Path, Path]) -> None:
    result = run("diff", *evil, "--format", "json")
    assert raw_controls(result.stdout) == []
    data = json.loads(result.stdout)
    assert EVIL_NAME in [item["path"] for item in data["files"]]
    afters = [c["after"] for item in data["files"] for c in item["changes"]]
    assert f"The answer is {EVIL} indeed." in afters


def test_diff_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    name = os.fsdecode(b"bad\xff.json")
    for side, text in (("a", "one"), ("b", f"two{CLEAR}")):
        (tmp_path / side).mkdir()
        (tmp_path / side / name).write_text(json.dumps(chat_stream(say(text))))
    for fmt in [*DIFF_FORMATS, "json"]:
        result = run("diff", tmp_path / "a", tmp_path / "b", "--format", fmt)
        assert result.exit_code == 1, result.stderr
        assert raw_controls(all_output(result)) == []
        if fmt == "json":
            assert json.loads(result.stdout)["files"][0]["path"] == name
        else:
            assert "bad\\udcff.json" in result.stdout


def test_diff_rich_in_colour_adds_only_its_own_styles(evil: tuple[Path, Path]) -> None:
    out = run("diff", *evil, env={"NO_COLOR": "", "FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in out  # rich's colours
    for raw in (CLEAR, "\x1b]", CSI, BIDI):
        assert raw not in out
    assert "\\x1b[2J" in out


def test_show_rich_in_colour_adds_only_its_own_styles(evil: tuple[Path, Path]) -> None:
    out = run("show", evil[1], env={"NO_COLOR": "", "FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in out
    for raw in (CLEAR, "\x1b]", CSI, BIDI):
        assert raw not in out
    assert "\\x1b]52;c;aGk=\\x07" in out and "[link=http://evil]owner[/link]" in out


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_validate_prints_escapes_visibly(evil: tuple[Path, Path], fmt: str) -> None:
    result = run("validate", evil[1], "--format", fmt)
    assert result.exit_code == 1
    out = all_output(result)
    assert_inert(out, expect=("evil-\\x1b[2J-\\x9b31m-\\u202e.json",))
    if fmt == "github":
        assert "::error file=" in out and "evil-\\x1b[2J-\\x9b31m-\\u202e.json" in out


def test_validate_json_holds_json_escapes_only(evil: tuple[Path, Path]) -> None:
    result = run("validate", evil[1], "--format", "json")
    assert raw_controls(result.stdout) == []
    paths = {Path(e["path"]).name for e in json.loads(result.stdout)["errors"]}
    assert EVIL_NAME in paths


@pytest.mark.parametrize("mode", [["--check"], ["--diff"], []])
def test_normalize_prints_escapes_visibly(evil: tuple[Path, Path], mode: list[str]) -> None:
    result = run("normalize", *mode, evil[1])
    out = all_output(result)
    assert_inert(out, expect=("evil-\\x1b[2J-\\x9b31m-\\u202e.json",))
    if mode == ["--diff"]:
        assert '"chatcmpl-\\u001b]0;pwned\\u0007"' in out  # the old id, JSON-escaped


def test_normalize_json_holds_json_escapes_only(evil: tuple[Path, Path]) -> None:
    result = run("normalize", "--check", "--format", "json", evil[1])
    assert raw_controls(result.stdout) == []
    names = {Path(item["path"]).name for item in json.loads(result.stdout)["files"]}
    assert EVIL_NAME in names


def test_error_lines_on_stderr_are_inert(tmp_path: Path) -> None:
    broken = tmp_path / EVIL_NAME
    broken.write_text('{"request": ' + json.dumps(EVIL))
    result = run("validate", broken)  # a finding: on stdout
    assert result.exit_code == 1
    assert_inert(result.stdout, expect=("evil-\\x1b[2J-\\x9b31m-\\u202e.json:1:",))
    for args in (
        ["show", broken],
        ["diff", EXAMPLES / "chat.json", broken],
        ["normalize", "--check", broken],
        ["show", tmp_path / f"missing{TITLE}.json"],
    ):
        result = run(*args)
        assert result.exit_code in (1, 2), args
        assert result.stderr, args
        assert_inert(result.stderr)
        assert len(result.stderr.splitlines()) <= 2, result.stderr


def test_the_fixture_is_hostile(evil: tuple[Path, Path]) -> None:
    """Guard: the recordings really carry raw escape sequences to be shown."""
    text = (evil[1] / "chat.json").read_text()
    assert "\\u001b[2J" in text and "\\u009b" in text
    data = evil_chat()
    assert data["request"]["body"]["messages"][0]["content"] == EVIL


def test_json_text_of_recording_values_is_inert_and_never_raises() -> None:
    from recstack.render.jsontext import TOO_DEEP, json_text

    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    assert json_text(deep) == TOO_DEEP
    assert json_text({"k": f"é{CSI}\ud800"}) == '{"k": "é\\u009b31m\\ud800"}'
    assert json_text(2**80) == str(2**80)
