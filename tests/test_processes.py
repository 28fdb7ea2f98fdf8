"""Processes behave: SIGTERM cleans up like SIGINT, workers end with their parent, -j is capped.

The runs are real subprocesses. A ``sitecustomize`` module on ``PYTHONPATH`` holds every
``os.replace`` of a recstack temp file (in the main process and in pool workers alike)
after noting the temp file's name in a folder: the test knows the run is in the middle
of a write, with the temp file on disk, before it sends a signal. No timing guesses.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest

from recstack.parallel import MIN_PARALLEL, beside, default_jobs, workers_for

from conftest import EXAMPLES

HOOK = """\
import os
import time

_notes = os.environ.get("RECSTACK_TEST_HOLD_WRITES")
if _notes:
    _replace = os.replace

    def _held_replace(src, dst, *args, **kwargs):
        name = os.fspath(src)
        if ".recstack-" in os.path.basename(name):
            note = os.path.join(_notes, str(os.getpid()))
            with open(note + ".part", "w") as handle:
                handle.write(name)
            _replace(note + ".part", note)
            time.sleep(120)
        return _replace(src, dst, *args, **kwargs)

    os.replace = _held_replace
"""
WAIT = 60.0  # seconds at most for a state the test waits for (never asserted on)


def _tree(root: Path, count: int = MIN_PARALLEL) -> Path:
    """``count`` recordings that normalize rewrites: enough for a process pool."""
    root.mkdir()
    for i in range(count):
        shutil.copy(EXAMPLES / "chat.json", root / f"chat-{i:03d}.json")
    return root


def _start(tmp_path: Path, *args: str | Path) -> tuple[subprocess.Popen[bytes], Path]:
    """``recstack ARGS`` with its writes held; (process, folder of notes)."""
    hook, notes = tmp_path / "hook", tmp_path / "notes"
    hook.mkdir()
    notes.mkdir()
    (hook / "sitecustomize.py").write_text(HOOK)
    path = os.pathsep.join(p for p in (str(hook), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "RECSTACK_TEST_HOLD_WRITES": str(notes)}
    process = subprocess.Popen(
        [sys.executable, "-m", "recstack", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # its own process group, like a job in a terminal
        preexec_fn=_sigint_as_on_a_terminal,
    )
    return process, notes


def _sigint_as_on_a_terminal() -> None:
    """A shell starts background jobs with SIGINT ignored (and Python keeps it so):
    give the run the default disposition a foreground command has."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _held_writes(process: subprocess.Popen[bytes], notes: Path) -> dict[int, Path]:
    """Wait until some process of the run holds a write: {pid: its temp file}."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        held = {int(p.name): Path(p.read_text()) for p in notes.iterdir() if p.name.isdigit()}
        if held:
            return held
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"the run ended before writing: {err.decode()}")
        time.sleep(0.05)
    process.kill()
    pytest.fail("no write started")


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (Linux)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _temp_files(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if ".recstack-" in p.name)


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_a_normalize_run_leaves_no_temp_file(
    signum: int, jobs: str, tmp_path: Path
) -> None:
    """SIGTERM to the main process (a CI runner stopping a job), or SIGINT to the whole
    process group (Ctrl-C): the temp files being written go, the workers stop."""
    if jobs != "1" and default_jobs() < 2:
        pytest.skip("one core: no worker processes")
    tree = _tree(tmp_path / "tree")
    process, notes = _start(tmp_path, "normalize", "-j", jobs, tree)
    held = _held_writes(process, notes)
    assert all(temp.exists() for temp in held.values())  # caught in the middle of a write
    assert (jobs == "1") == (set(held) == {process.pid})
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    _, err = process.communicate(timeout=WAIT)
    assert process.returncode == 128 + signum, err.decode()
    if signum == signal.SIGTERM:
        assert err.decode().splitlines()[-1] == "recstack: terminated"
    assert "Traceback" not in err.decode() and "internal error" not in err.decode()
    assert _temp_files(tree) == []
    assert not any(_running(pid) for pid in held)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_killing_the_parent_makes_the_workers_exit(tmp_path: Path) -> None:
    """SIGKILL cannot be handled: the workers learn of it from the kernel (and clean up)."""
    if default_jobs() < 2:
        pytest.skip("one core: no worker processes")
    tree = _tree(tmp_path / "tree")
    process, notes = _start(tmp_path, "normalize", "-j", "2", tree)
    held = _held_writes(process, notes)
    assert process.pid not in held  # a worker is writing
    process.kill()
    process.communicate(timeout=WAIT)
    deadline = time.monotonic() + WAIT
    while any(_running(pid) for pid in held) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_running(pid) for pid in held)
    assert _temp_files(tree) == []


def test_a_temp_file_left_by_sigkill_is_swept_by_a_later_run(tmp_path: Path) -> None:
    tree = _tree(tmp_path / "tree", count=2)
    process, notes = _start(tmp_path, "normalize", "-j", "1", tree)
    (temp,) = _held_writes(process, notes).values()
    process.kill()
    process.communicate(timeout=WAIT)
    assert _temp_files(tree) == [temp.name]  # SIGKILL: nothing could clean up
    old = time.time() - 3600
    os.utime(temp, (old, old))
    rerun = subprocess.run(
        [sys.executable, "-m", "recstack", "normalize", tree], capture_output=True, timeout=WAIT
    )
    assert rerun.returncode == 0, rerun.stderr
    assert _temp_files(tree) == []


@pytest.mark.parametrize(
    ("jobs", "items", "expected"),
    [
        (None, MIN_PARALLEL, default_jobs()),
        (0, MIN_PARALLEL, default_jobs()),
        (200, MIN_PARALLEL, default_jobs()),
        (200, 10 * MIN_PARALLEL, default_jobs()),
        (1, 10 * MIN_PARALLEL, 1),
        (200, MIN_PARALLEL - 1, 1),  # too few items for a pool
        (-3, MIN_PARALLEL, default_jobs()),
    ],
)
def test_workers_never_exceed_the_cores(jobs: int | None, items: int, expected: int) -> None:
    assert workers_for(jobs, items) == min(expected, default_jobs())


def test_beside_runs_in_a_process_of_its_own_and_passes_errors_back(tmp_path: Path) -> None:
    with beside(os.getpid, separate=True) as result:
        assert result() != os.getpid()
    with beside(os.getpid, separate=False) as result:
        assert result() == os.getpid()
    missing = partial(open, tmp_path / "missing.log", "rb")
    with beside(missing, separate=True) as result, pytest.raises(FileNotFoundError):
        result()
