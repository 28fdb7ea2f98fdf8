"""What every command owes its users: the same conventions across validate, show, diff, normalize.

Bad input is normal input (one clear line naming the file, never a traceback), exit
codes 0/1/2, NO_COLOR, plain output when piped, help with examples, and large folders.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from recstack import __version__

from cli_helpers import run, run_process
from conftest import EXAMPLES

ANSI = re.compile(r"\x1b\[")
COMMANDS = ("validate", "show", "diff", "normalize")

BAD_FILES: dict[str, bytes] = {
    "empty.json": b"",
    "nan.json": b'{"request": {}, "response": {"body": NaN}}',
    "binary.json": b'{"request": "\xff\xfe"}',
    "truncated.json": b'{\n  "request": {\n    "url": "http://x"',
    "array.json": b"[1, 2, 3]\n",
    "garbage.json": b'{"request": {}, "response": {}} trailing',
}


@pytest.fixture
def bad_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bad"
    folder.mkdir()
    for name, raw in BAD_FILES.items():
        (folder / name).write_bytes(raw)
    return folder


def _one_line_each(stream: str, folder: Path) -> None:
    for name in BAD_FILES:
        lines = [line for line in stream.splitlines() if name in line]
        assert len(lines) == 1, f"{name}: expected one line, got {lines!r}"


@pytest.mark.parametrize(
    "args",
    [
        ("validate",),
        ("show", "--format", "json"),
        ("normalize", "--check"),
    ],
    ids=lambda a: a[0],
)
def test_bad_files_get_one_line_each_and_exit_1(args: tuple[str, ...], bad_dir: Path) -> None:
    shutil.copy(EXAMPLES / "chat-stream.json", bad_dir / "good.json")
    result = run_process(*args, bad_dir)
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    _one_line_each(result.stdout + result.stderr, bad_dir)


def test_diff_of_bad_files_never_tracebacks(bad_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(bad_dir, other)
    (other / "empty.json").write_bytes(b"{}")
    result = run_process("diff", bad_dir, other, "--format", "text")
    assert result.exit_code == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert "empty.json" in result.stdout + result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_path_is_a_usage_error(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    args = [command, missing] if command != "diff" else [command, missing, missing]
    result = run_process(*args)
    assert result.exit_code == 2
    assert "nope.json" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_unknown_option_is_a_usage_error(command: str) -> None:
    result = run(command, "--no-such-option")
    assert result.exit_code == 2


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_examples(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Examples" in result.stdout or "examples" in result.stdout
    assert f"recstack {command}" in result.stdout


def test_version_everywhere() -> None:
    assert run("--version").stdout.strip() == f"recstack {__version__}"
    assert run_process("--version").stdout.strip() == f"recstack {__version__}"


@pytest.mark.parametrize(
    "args",
    [
        ("show", EXAMPLES / "chat-stream.json"),
        ("validate", EXAMPLES),
        ("diff", EXAMPLES / "chat.json", EXAMPLES / "chat-stream.json"),
        ("normalize", "--check", EXAMPLES),
    ],
    ids=lambda a: a[0],
)
def test_colour_only_when_asked_and_never_with_no_color(args: tuple[object, ...]) -> None:
    piped = run_process(*args, env={"NO_COLOR": ""})
    assert not ANSI.search(piped.stdout), "piped output must be plain"
    forced = run_process(*args, env={"NO_COLOR": "", "FORCE_COLOR": "1"})
    assert ANSI.search(forced.stdout), "FORCE_COLOR should give colour"
    both = run_process(*args, env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert not ANSI.search(both.stdout), "NO_COLOR wins"
    assert not ANSI.search(both.stderr)


def test_a_folder_of_ten_thousand_files(tmp_path: Path) -> None:
    """Large folders are normal: every command gets through, counting right."""
    folder = tmp_path / "many"
    raw = (EXAMPLES / "chat.json").read_bytes()
    for i in range(100):
        sub = folder / f"area{i:02d}" / "recordings"
        sub.mkdir(parents=True)
        for j in range(100):
            (sub / f"{i:02d}{j:02d}.json").write_bytes(raw)
    (folder / "area00" / "recordings" / "0000.json").write_bytes(b"{oops")
    validated = run_process("validate", folder, "--format", "json")
    assert validated.exit_code == 1
    assert '"files": 10000' in validated.stdout
    assert '"invalid": 1' in validated.stdout
    shown = run_process("show", folder, "--format", "text")
    assert shown.exit_code == 1
    assert shown.stdout.count("\n") == 9999
    assert shown.stderr.count("\n") == 1


def test_a_fifo_in_a_tree_is_skipped_not_read(tmp_path: Path) -> None:
    """Reading a FIFO named *.json would block forever: every command walks past it."""
    for side in ("a", "b"):
        (tmp_path / side).mkdir()
        shutil.copy(EXAMPLES / "chat.json", tmp_path / side / "chat.json")
        os.mkfifo(tmp_path / side / "pipe.json")
    assert run_process("diff", tmp_path / "a", tmp_path / "b").exit_code == 0
    assert run_process("validate", tmp_path / "a").exit_code == 0
    assert run_process("show", tmp_path / "a", "--format", "text").exit_code == 0
