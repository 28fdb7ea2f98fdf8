"""A small git repository of recordings for the ``diff --git`` tests.

Commits work on a clean machine: author and committer come from the environment,
no global git configuration is read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from diff_fixtures import stream_recording, write

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")

RECSTACK = f"{sys.executable} -m recstack"  # as git runs it (diff.external, textconv)
TEXT = "Paris is the capital of France. It sits on the Seine."

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "NO_COLOR": "1",
}


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV, **(env or {})},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def of_test(text: str, test: str, question: str) -> dict[str, Any]:
    """A recording of another test, asking another question (so that it pairs with
    none of the others as a re-keyed recording)."""
    rec = stream_recording(text, question=question)
    rec["test_id"] = f"tests/test_x.py::{test}"
    return rec


def make_repo(root: Path) -> Path:
    """main: three recordings; branch `rerecord` (checked out): one re-chunked, one with a
    new answer, one deleted, one added (committed), then an untracked one in the tree
    (the added ones belong to other tests: none of them is the deleted one re-keyed)."""
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    rec = repo / "tests" / "recordings"
    write(rec / "chunked.json", stream_recording(TEXT, parts=8))
    write(rec / "answer.json", stream_recording(TEXT))
    write(rec / "gone.json", stream_recording("Bye."))
    (repo / "notes.txt").write_text("not a recording\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "recordings")
    git(repo, "checkout", "-q", "-b", "rerecord")
    write(rec / "chunked.json", stream_recording(TEXT, parts=5, seed=40))
    write(rec / "answer.json", stream_recording(TEXT.replace("Seine", "Loire")))
    (rec / "gone.json").unlink()
    write(rec / "new.json", of_test("Hello.", "test_greet", "Say hello."))
    (repo / "notes.txt").write_text("changed, still not a recording\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "re-record")
    write(rec / "untracked.json", of_test("Hi.", "test_hi", "Say hi."))
    return repo


def statuses(stdout: str) -> dict[str, str]:
    """path -> status from ``recstack diff --format json``."""
    return {f["path"]: f["status"] for f in json.loads(stdout)["files"]}
