"""One nesting limit for every command: up to MAX_DEPTH levels of objects and arrays a
file is read and every command works on it; past it, one line for that file (the same
in every command) and the run goes on. JSON held in strings (SSE lines, tool-call
arguments) obeys the same limit."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from recstack.app import COMMANDS as APP_COMMANDS
from recstack.loading import MAX_DEPTH

from cli_helpers import run
from conftest import EXAMPLES

COMMANDS = ["validate", "show", "diff", "normalize"]  # each checked in detail below
# Every command that reads recordings from PATHs (review reads git revisions), from the app.
EVERY_COMMAND = [
    name for name in (m.__name__.rsplit(".", 1)[-1] for m in APP_COMMANDS) if name != "review"
]
READ_ONLY = {  # how the others run without writing
    "explain": ["explain", os.devnull],
    "rekey": ["rekey", "--check"],
    "prune": ["prune", "--stale", "--duplicates"],
}
TOO_DEEP = f"nested too deeply: more than {MAX_DEPTH} levels of objects and arrays"
STEM = "deep-0123456789abcdef"


def nested_text(levels: int, leaf: str = "1", *, lists_only: bool = False) -> str:
    """Compact JSON of ``levels`` nested arrays and objects (json.dumps cannot write
    thousands of levels)."""
    objects = [not lists_only and level % 2 == 1 for level in range(levels)]
    opens = "".join('{"k": ' if is_object else "[" for is_object in objects)
    closes = "".join("}" if is_object else "]" for is_object in reversed(objects))
    return opens + leaf + closes


def deep_recording(levels: int, leaf: str = "1", *, indent: bool = False) -> str:
    """examples/chat-stream.json with ``levels`` levels in all: under request.body (3
    levels up) and in the __data__ of the second chunk (5 levels up)."""
    data = json.loads((EXAMPLES / "chat-stream.json").read_text())
    data["request"]["body"]["metadata"] = "@REQUEST@"
    data["response"]["body"][1]["__data__"]["extra"] = "@CHUNK@"
    text = json.dumps(data, indent=2) + "\n"
    if indent:  # upstream's layout all the way down (json.dumps manages ~990 levels)
        request = json.loads(nested_text(levels - 3, leaf))
        chunk = json.loads(nested_text(levels - 5, leaf))
        data["request"]["body"]["metadata"] = request
        data["response"]["body"][1]["__data__"]["extra"] = chunk
        return json.dumps(data, indent=2) + "\n"
    text = text.replace('"@REQUEST@"', nested_text(levels - 3, leaf))
    return text.replace('"@CHUNK@"', nested_text(levels - 5, leaf, lists_only=True))


def tree(
    tmp_path: Path, levels: int, old_levels: int | None = None, **options: bool
) -> tuple[Path, Path, Path]:
    """old/ and new/ versions of a deep recording (its leaf changed; ``old_levels`` deep
    in old/, default the same) and of a plain one."""
    old, new = tmp_path / "old", tmp_path / "new"
    for folder, leaf, depth in ((old, "1", old_levels or levels), (new, "2", levels)):
        folder.mkdir(parents=True)
        (folder / f"{STEM}.json").write_text(deep_recording(depth, leaf, **options))
        plain = json.loads((EXAMPLES / "chat.json").read_text())
        plain["request"]["body"]["temperature"] = float(leaf)
        (folder / f"plain-{STEM}.json").write_text(json.dumps(plain, indent=2) + "\n")
    return old, new, new / f"{STEM}.json"


def run_command(command: str, old: Path, new: Path) -> tuple[int, str, str]:
    if command == "diff":
        result = run(command, old, new)
    else:
        result = run(*READ_ONLY.get(command, [command]), new)
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "internal error" not in output
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("levels", [100, MAX_DEPTH - 1, MAX_DEPTH])
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("indent", [False, True], ids=["compact", "layout"])
def test_every_command_works_up_to_the_limit(
    tmp_path: Path, command: str, levels: int, indent: bool
) -> None:
    old, new, deep = tree(tmp_path, levels, indent=indent)
    code, out, err = run_command(command, old, new)
    assert TOO_DEEP not in out + err
    if command == "validate":
        assert (code, out.splitlines()[-1]) == (0, "2 files: 2 valid, 0 invalid")
    elif command == "show":
        assert code == 0 and err == ""
        assert "Sunlight bounces off" in out
    elif command == "diff":  # the deep leaf changed, on both sides of the recording
        assert code == 1
        assert re.search(r"request\s+request\.body\.metadata", out)
        assert out.splitlines()[-1] == "2 recordings: 2 changed"
    else:
        assert code == 0, err
        assert out.splitlines()[-1].startswith("2 changed, 0 unchanged")
        assert json.loads(deep.read_text())["response"]["body"][0]["__data__"]["id"] == (
            "rec-0123456789ab"
        )


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 5000])
@pytest.mark.parametrize("command", COMMANDS)
def test_past_the_limit_every_command_says_one_line_and_goes_on(
    tmp_path: Path, command: str, levels: int
) -> None:
    old, new, deep = tree(tmp_path, levels, old_levels=100)  # diff: only the new side fails
    original = deep.read_bytes()
    code, out, err = run_command(command, old, new)
    where = rf"{re.escape(str(deep))}:\d+:\d+: {re.escape(TOO_DEEP)}"
    if command == "validate":
        assert code == 1
        assert [line for line in out.splitlines() if TOO_DEEP in line] == [
            line for line in out.splitlines() if re.fullmatch(where + r" \[json\]", line)
        ]
        assert out.splitlines()[-1].startswith("2 files: 1 valid, 1 invalid")
    else:
        assert [line for line in err.splitlines()] == [
            line for line in err.splitlines() if re.fullmatch(f"recstack {command}: {where}", line)
        ]
        assert len(err.splitlines()) == 1
    if command == "show":
        assert code == 1 and "Write the subject line" in out
    elif command == "diff":
        assert code == 1  # a recording it cannot read is a finding, as in every command
        assert "changed    plain-" in out
    elif command == "normalize":
        assert code == 1
        assert deep.read_bytes() == original
        assert out.splitlines()[-1] == (
            "1 changed, 0 unchanged, 0 renamed-recording mismatches, 1 error"
        )


def test_the_limit_is_the_same_in_every_command(tmp_path: Path) -> None:
    lines = set()
    for command in EVERY_COMMAND:
        _, new, deep = tree(tmp_path / command, MAX_DEPTH + 1, old_levels=100)
        _, out, err = run_command(command, tmp_path / command / "old", new)
        report = out if command == "validate" else err  # diff also lists it in its output
        found = [line for line in report.splitlines() if TOO_DEEP in line]
        assert len(found) == 1
        lines.add(found[0].split(str(deep), 1)[1].removesuffix(" [json]"))
    assert len(lines) == 1  # the same place and words everywhere


# --- JSON held in strings -----------------------------------------------------------

DEEP_STRING = "[" * 5000 + "]" * 5000


def with_deep_strings(tmp_path: Path, name: str) -> Path:
    """A recording whose message content, tool-call arguments and one SSE data line
    hold JSON nested 5,000 levels deep."""
    data = json.loads((EXAMPLES / "messages-stream.json").read_text())
    data["request"]["payload"]["messages"][0]["content"] = DEEP_STRING
    body = data["response"]["body"]
    index = next(i for i, line in enumerate(body) if '"message_start"' in line)
    payload = json.loads(body[index].split(": ", 1)[1])
    payload["message"]["deep"] = "@DEEP@"
    body[index] = "data: " + json.dumps(payload).replace('"@DEEP@"', DEEP_STRING)
    path = tmp_path / f"{name}-{STEM}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def test_deep_json_inside_strings_never_breaks_a_command(tmp_path: Path) -> None:
    deep = with_deep_strings(tmp_path, "strings")
    calls = json.loads((EXAMPLES / "chat-tool-calls-stream.json").read_text())
    for chunk in calls["response"]["body"]:
        for choice in chunk["__data__"]["choices"]:
            for call in choice["delta"].get("tool_calls") or []:
                if call["function"].get("arguments"):
                    call["function"]["arguments"] = DEEP_STRING
    tools = tmp_path / f"tools-{STEM}.json"
    tools.write_text(json.dumps(calls, indent=2) + "\n")
    for args in (
        ["validate", deep, tools],
        ["show", deep, tools, "--format", "markdown"],
        ["show", deep, tools, "--format", "rich"],
        ["diff", deep, tools],
        ["diff", "--strict", deep, EXAMPLES / "messages-stream.json"],
        ["normalize", "--check", deep, tools],
        ["normalize", deep, tools],
    ):
        result = run(*args)
        output = result.stdout + result.stderr
        assert "Traceback" not in output and "internal error" not in output, args
        assert result.exit_code in (0, 1), (args, output)
    assert json.loads(deep.read_text())["request"]["payload"]["messages"][0]["content"] == (
        DEEP_STRING
    )
