"""One table of exit codes for every command (README: "Exit codes"):
0 nothing to report, 1 findings, 2 usage or I/O errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from recstack.app import COMMANDS

from cli_helpers import run
from conftest import EXAMPLES

NAMES = [module.__name__.rsplit(".", 1)[-1] for module in COMMANDS]


def _args(command: str, *paths: Path) -> list[str | Path]:
    """The command run read-only over ``paths`` (diff: each path against itself)."""
    if command == "review":
        pytest.skip("review compares git revisions, not PATHs: tests/test_review.py has its table")
    if command == "diff":
        return ["diff", paths[0], paths[0]] if len(paths) == 1 else ["diff", *paths]
    if command == "normalize":
        return ["normalize", "--check", *paths]
    if command == "show":
        return ["show", "--format", "text", *paths]
    if command == "explain":  # a log without replay misses
        return ["explain", os.devnull, *paths]
    if command == "prune":  # a dry run
        return ["prune", "--stale", "--duplicates", *paths]
    if command == "rekey":
        return ["rekey", "--check", *paths]
    return [command, *paths]


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    """A folder of recordings nothing has to say about (normalized already)."""
    folder = tmp_path / "clean"
    folder.mkdir()
    for name in ("models.json", "passthrough-status.json", "tool-invocation.json"):
        shutil.copy(EXAMPLES / name, folder / name)
    return folder


def test_the_command_list_is_the_apps() -> None:
    """app.COMMANDS is the one list: the app registers exactly it, in its order, each
    command under its module's name (a new command needs no other list updated)."""
    import typer.main

    from recstack.app import app

    group = typer.main.get_command(app)
    assert list(group.commands) == NAMES  # type: ignore[attr-defined]
    assert {"validate", "show", "diff", "normalize"} <= set(NAMES)
    for module, name in zip(COMMANDS, NAMES, strict=True):
        assert getattr(module, name).__name__ == name  # a named function, not _command


@pytest.mark.parametrize("command", NAMES)
def test_nothing_to_report_is_0(command: str, clean: Path) -> None:
    result = run(*_args(command, clean))
    assert result.exit_code == 0, result.stdout + result.stderr


@pytest.mark.parametrize("command", NAMES)
def test_a_broken_recording_is_a_finding_1(command: str, clean: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"request": {}, "response": {')
    args = _args(command, clean / "models.json", broken)
    result = run(*args)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "broken.json" in result.stdout + result.stderr


@pytest.mark.parametrize("command", NAMES)
def test_exclude_and_the_configurations_exclude_leave_a_file_unread(
    command: str, clean: Path, tmp_path: Path
) -> None:
    (clean / "broken.json").write_text('{"request": {}, "response": {')
    paths = [clean]
    if command == "diff":  # the other side's copy differs (a file is the same as itself)
        other = tmp_path / "other"
        shutil.copytree(clean, other)
        (other / "broken.json").write_text('{"request": {}, "response": [')
        paths.append(other)
    args = _args(command, *paths)
    assert run(*args, "--isolated").exit_code == 1
    assert run(*args, "--isolated", "--exclude", "broken.json").exit_code == 0
    config = tmp_path / "recstack.toml"
    config.write_text('exclude = ["**/broken.json"]\n')
    result = run(*args, "--config", config)
    assert result.exit_code == 0, result.stdout + result.stderr


@pytest.mark.parametrize("command", NAMES)
def test_a_missing_path_is_2(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    result = run(*_args(command, missing))
    assert result.exit_code == 2
    assert f"{missing}: no such file or directory" in result.stderr


@pytest.mark.parametrize("command", NAMES)
def test_nothing_to_read_is_2(command: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "package.json").write_text('{"name": "web"}')
    result = run(*_args(command, empty))
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "no recordings" in result.stderr or "nothing to compare" in result.stdout
    # the file that is no recording is counted, in words (not "file(s)", "1 ... files")
    assert "1 other JSON file skipped" in result.stderr, result.stderr
    assert "(s)" not in result.stderr


@pytest.mark.parametrize("command", NAMES)
def test_bad_usage_is_2(command: str, clean: Path) -> None:
    result = run(command, "--format", "yaml", clean)
    assert result.exit_code == 2
    assert "'yaml' is not a format" in result.stderr


@pytest.mark.parametrize("command", NAMES)
def test_a_bad_configuration_is_2(command: str, clean: Path, tmp_path: Path) -> None:
    config = tmp_path / "recstack.toml"
    config.write_text('inclde = ["x"]\n')
    result = run(*_args(command, clean), "--config", config)
    assert result.exit_code == 2
    assert result.stderr == (
        f"recstack {command}: {config}: unknown key 'inclde' in the top level "
        "(known: include, exclude, validate, normalize, diff, replay)\n"
    )
    both = run(*_args(command, clean), "--config", config, "--isolated")
    assert (both.exit_code, both.stderr) == (
        2,
        f"recstack {command}: --config {config}: cannot be used with --isolated, which "
        "ignores every configuration file\n",
    )


def _crash(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``recstack validate`` with a bug planted in it, run as a real process."""
    code = (
        "import recstack.validation as v\n"
        "def bug(*a, **k):\n    raise KeyError('planted')\n"
        "v.validate_paths = bug\n"
        "from recstack.app import main\nmain()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, "validate", str(EXAMPLES / "chat.json")],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
    )


def test_an_internal_error_is_one_line_unless_debugging() -> None:
    quiet = _crash({"RECSTACK_DEBUG": ""})
    assert quiet.returncode == 2
    assert quiet.stderr.startswith("recstack: internal error: KeyError: 'planted'")
    assert quiet.stderr.count("\n") == 1 and "Traceback" not in quiet.stderr
    loud = _crash({"RECSTACK_DEBUG": "1"})
    assert loud.returncode != 0
    assert "Traceback (most recent call last)" in loud.stderr and "planted" in loud.stderr
