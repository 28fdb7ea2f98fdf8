"""A rekey run killed at any step loses nothing, and the next run finishes the job.

The killed runs are real subprocesses. A ``sitecustomize`` module on ``PYTHONPATH``
wraps ``os.replace`` and ``os.unlink`` and sends the process SIGKILL right before or
right after the N-th call: the run dies at a chosen step of a chosen move (its new file
half written, written but the old one still there, the old one removed), not at a
moment picked by a timer. After each kill every recording is readable, under its old
name or its new one, and means what it meant; a second run then leaves exactly the
tree an uninterrupted run leaves.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import recstack
from rekey_fixtures import snapshot, upstream_repo

from cli_helpers import run

HOOK = """\
import os
import signal

_spec = os.environ.get("RECSTACK_TEST_KILL_AT")
if _spec:
    _step, _nth = _spec.rsplit(":", 1)
    _calls = {"n": 0}

    def _at(step):
        if step == _step:
            _calls["n"] += 1
            if _calls["n"] == int(_nth):
                os.kill(os.getpid(), signal.SIGKILL)

    _replace, _unlink = os.replace, os.unlink

    def _replace_between_kills(src, dst, *args, **kwargs):
        _at("replace")
        result = _replace(src, dst, *args, **kwargs)
        _at("replaced")
        return result

    def _unlink_between_kills(path, *args, **kwargs):
        _at("unlink")
        result = _unlink(path, *args, **kwargs)
        _at("unlinked")
        return result

    os.replace, os.unlink = _replace_between_kills, _unlink_between_kills
"""

# The test file's recordings move to another test folder: test ids and rec- ids
# rewritten, a folder created, three of them stale (raw-body names) as well.
RENAME = (
    "tests/integration/responses/test_tool_responses.py::*"
    "=tests/integration/agents/test_tool_responses.py::*"
)
ARGS = ("rekey", "-j", "1", "--test-id", RENAME)


@pytest.fixture
def tree(real_dir: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    upstream_repo(root, "943558af3")
    shutil.rmtree(root / "tests/integration/recordings")  # the oldest layout: never moved
    return root


def _uninterrupted(tree: Path, tmp_path: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    """The tree a run that is not interrupted leaves, and old -> new path of each move."""
    clean = tmp_path / "clean"
    shutil.copytree(tree, clean)
    result = run(*ARGS, "--format", "json", clean)
    assert result.exit_code == 0, result.stderr
    files = json.loads(result.stdout)["files"]
    moves = {
        str(Path(f["path"]).relative_to(clean)): str(Path(f["new_path"]).relative_to(clean))
        for f in files
        if f["status"] == "renamed"
    }
    assert len(moves) == 6
    return snapshot(clean), moves


def _killed(tree: Path, tmp_path: Path, at: str) -> subprocess.CompletedProcess[bytes]:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOOK)
    path = os.pathsep.join(p for p in (str(hook), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "RECSTACK_TEST_KILL_AT": at, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "recstack", *ARGS, tree], capture_output=True, env=env, timeout=120
    )


def _temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".recstack-" in p.name]


@pytest.mark.parametrize(
    "at",
    ["replace:1", "replaced:1", "unlink:1", "unlinked:1", "replace:4", "unlinked:6"],
)
def test_a_run_killed_at_any_step_loses_nothing(at: str, tree: Path, tmp_path: Path) -> None:
    before = snapshot(tree)
    expected, moves = _uninterrupted(tree, tmp_path)

    killed = _killed(tree, tmp_path, at)

    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    for old, new in moves.items():  # each under its old name or its new one, intact
        there = [tree / p for p in (old, new) if (tree / p).exists()]
        assert there, f"{old} is gone, and {new} is not there"
        for path in there:
            status = recstack.diff(before[old], path.read_bytes()).status
            assert status in ("same", "equivalent"), f"{path}: {status}"
    for name, raw in before.items():  # nothing else was touched
        if name not in moves:
            assert (tree / name).read_bytes() == raw
    for temp in _temp_files(tree):  # a temp file SIGKILL left: stale for the next run
        old_time = time.time() - 3600
        os.utime(temp, (old_time, old_time))

    rerun = run(*ARGS, tree)

    assert rerun.exit_code == 0, rerun.stderr
    assert snapshot(tree) == expected
    assert _temp_files(tree) == []
    if at in ("replaced:1", "unlink:1"):  # new written, old still there: merged
        assert rerun.stdout.splitlines()[-1].startswith("5 renamed, 1 merged")
