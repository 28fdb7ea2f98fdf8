"""`recstack diff --git` and plugging recstack into `git diff` itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from diff_fixtures import stream_recording, write
from git_fixtures import GIT_ENV, RECSTACK, TEXT, git, make_repo, needs_git, of_test, statuses

from cli_helpers import Result, run_process

pytestmark = needs_git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


def test_git_default_is_merge_base_vs_working_tree(repo: Path) -> None:
    result = run_process("diff", "--git", "--format", "json", cwd=repo)
    assert result.exit_code == 1, result.stderr
    assert statuses(result.stdout) == {
        "tests/recordings/answer.json": "changed",
        "tests/recordings/chunked.json": "equivalent",
        "tests/recordings/gone.json": "removed",
        "tests/recordings/new.json": "added",
        "tests/recordings/untracked.json": "added",
    }


def test_git_rev_vs_working_tree_sees_uncommitted_edits(repo: Path) -> None:
    write(repo / "tests/recordings/answer.json", stream_recording(TEXT))  # edit back
    result = run_process("diff", "--git", "HEAD", "--format", "json", cwd=repo)
    found = statuses(result.stdout)
    assert found["tests/recordings/answer.json"] == "changed"
    assert found["tests/recordings/untracked.json"] == "added"
    assert "tests/recordings/chunked.json" not in found  # unchanged since HEAD


def test_git_range_between_two_revisions(repo: Path) -> None:
    result = run_process("diff", "--git", "main..rerecord", "--format", "text", cwd=repo)
    assert result.exit_code == 1
    assert "[-Seine.-]{+Loire.+}" in result.stdout
    assert "untracked.json" not in result.stdout  # not in either revision
    assert result.stdout.rstrip().endswith(
        "4 recordings: 1 changed, 1 added, 1 removed, 1 equivalent"
    )


def test_git_pathspec_limits_and_works_from_a_subdirectory(repo: Path) -> None:
    sub = repo / "tests"
    result = run_process(
        "diff", "--git", "main", "recordings/answer.json", "--format", "json", cwd=sub
    )
    assert statuses(result.stdout) == {"tests/recordings/answer.json": "changed"}


def test_git_parent_directory_pathspec_is_a_path_not_a_range(repo: Path) -> None:
    """``../recordings`` contains ".." but exists: a path, with the default revision."""
    sub = repo / "tests" / "other"
    sub.mkdir()
    result = run_process("diff", "--git", "../recordings", "--format", "json", cwd=sub)
    assert result.exit_code == 1, result.stderr
    assert statuses(result.stdout)["tests/recordings/answer.json"] == "changed"
    ranged = run_process(
        "diff", "--git", "main..rerecord", "../recordings", "--format", "json", cwd=sub
    )
    assert statuses(ranged.stdout)["tests/recordings/gone.json"] == "removed"


def test_git_nothing_changed_is_exit_0(repo: Path) -> None:
    result = run_process("diff", "--git", "rerecord..rerecord", cwd=repo)
    assert result.exit_code == 0
    assert "0 recordings: nothing to compare" in result.stdout


def test_git_bad_revision_and_not_a_repo(repo: Path, tmp_path: Path) -> None:
    bad = run_process("diff", "--git", "nope..main", cwd=repo)
    assert bad.exit_code == 2 and "recstack diff: git:" in bad.stderr
    outside = tmp_path / "plain"
    outside.mkdir()
    result = run_process("diff", "--git", cwd=outside)
    assert result.exit_code == 2 and "not a git repository" in result.stderr.lower()


def test_git_unreadable_old_version_is_an_error(repo: Path) -> None:
    (repo / "tests/recordings/answer.json").write_text("{broken")
    result = run_process("diff", "--git", "main", "--format", "json", cwd=repo)
    assert result.exit_code == 1  # an unreadable recording is a finding
    assert statuses(result.stdout)["tests/recordings/answer.json"] == "error"
    assert statuses(result.stdout)["tests/recordings/chunked.json"] == "equivalent"


# -- git diff itself ----------------------------------------------------------------


def test_external_diff_command(repo: Path) -> None:
    """`git diff` with diff.external: recstack gets git's 7 arguments per file."""
    out = git(
        repo,
        "-c",
        f"diff.external={RECSTACK} diff --git-external --format text",
        "diff",
        "--no-renames",
        "main",
        "rerecord",
        "--",
        "tests/recordings",
    )
    assert "changed    tests/recordings/answer.json" in out
    assert "[-Seine.-]{+Loire.+}" in out
    assert "added      tests/recordings/new.json" in out
    assert "removed    tests/recordings/gone.json" in out
    assert "chatcmpl" not in out  # no chunk noise for the re-chunked file


def test_external_diff_on_a_rename(repo: Path) -> None:
    """A re-recording whose request changed gets a new name: git passes 9 arguments."""
    out = git(
        repo,
        "-c",
        f"diff.external={RECSTACK} diff --format text",
        "diff",
        "-M10%",
        "main",
        "rerecord",
        "--",
        "tests/recordings/gone.json",
        "tests/recordings/new.json",
    )
    assert "tests/recordings/gone.json -> tests/recordings/new.json" in out
    assert '- "Bye."' in out and '+ "Hello."' in out


def test_external_diff_args_are_detected_without_the_flag(repo: Path) -> None:
    """GIT_EXTERNAL_DIFF='recstack diff' works too: 7 arguments in git's shape."""
    out = git(
        repo,
        "diff",
        "main",
        "rerecord",
        "--",
        "tests/recordings/answer.json",
        env={"GIT_EXTERNAL_DIFF": f"{RECSTACK} diff --format text"},
    )
    assert "[-Seine.-]{+Loire.+}" in out


def test_external_diff_exits_0_even_on_changes(repo: Path, tmp_path: Path) -> None:
    old = write(tmp_path / "o.json", stream_recording(TEXT))
    new = write(tmp_path / "n.json", stream_recording("Other."))
    hexa = "a" * 40
    args = ["x.json", old, hexa, "100644", new, "b" * 40, "100644"]
    result = run_process("diff", "--git-external", *args)
    assert result.exit_code == 0 and "changed    x.json" in result.stdout
    wrong = run_process("diff", "--git-external", old, new)
    assert wrong.exit_code == 2 and "expected 7 arguments" in wrong.stderr


def test_textconv_driver_shows_answers_in_git_diff(repo: Path) -> None:
    """diff.recstack.textconv = recstack show --format text, for *.json under recordings/."""
    (repo / ".gitattributes").write_text("**/recordings/*.json diff=recstack\n")
    out = git(
        repo,
        "-c",
        f"diff.recstack.textconv={RECSTACK} show --format text",
        "diff",
        "main",
        "rerecord",
        "--",
        "tests/recordings/answer.json",
        "tests/recordings/chunked.json",
    )
    assert "Loire" in out and "Seine" in out
    assert "chunked.json" not in out  # same text after textconv: git shows nothing
    assert "chatcmpl" not in out


# --- a folder git cannot open --------------------------------------------------------

NOBODY = 65534
_NOBODY = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


@pytest.fixture
def shared_repo() -> Iterator[Path]:
    """make_repo's repository where another user can read it (root's pytest folder is
    private)."""
    if os.geteuid() == 0 and (
        shutil.which("setpriv") is None
        or subprocess.run([*_NOBODY, sys.executable, "-c", "import recstack"]).returncode
    ):
        pytest.skip("root ignores file modes, and cannot run recstack as another user")
    base = Path(tempfile.mkdtemp(prefix="recstack-"))
    try:
        base.chmod(0o755)
        yield make_repo(base)
    finally:
        for path in [base, *base.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(base)


def as_a_user(repo: Path, *args: str) -> Result:
    """``recstack ARGS`` in ``repo``, run by a user that file modes bind (root: nobody,
    who trusts the repository through ``safe.directory``)."""
    prefix = _NOBODY if os.geteuid() == 0 else []
    trust = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "safe.directory"}
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "recstack", *args],
        cwd=repo,
        capture_output=True,
        env={**os.environ, **GIT_ENV, **trust, "GIT_CONFIG_VALUE_0": str(repo), "LC_ALL": "C"},
        check=False,
        timeout=120,
    )
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


@pytest.mark.parametrize("command", [("diff", "--git", "HEAD"), ("review", "--dry-run")])
def test_a_folder_git_cannot_open_is_an_io_error_not_skipped(
    shared_repo: Path, command: tuple[str, ...]
) -> None:
    """git only warns about a folder it cannot open: its untracked recordings went
    unlisted, and a tracked one in it was called removed (exit 1, or a traceback)."""
    rec = shared_repo / "tests" / "recordings"
    write(rec / "locked" / "tracked.json", of_test("Yes.", "test_yes", "Say yes."))
    git(shared_repo, "add", "tests/recordings/locked")
    git(shared_repo, "commit", "-q", "-m", "one more")
    write(rec / "locked" / "tracked.json", of_test("No.", "test_yes", "Say yes."))
    write(rec / "locked" / "new.json", of_test("Hi.", "test_hey", "Say hey."))
    (rec / "locked").chmod(0)
    result = as_a_user(shared_repo, *command)
    assert result.exit_code == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert (
        f"recstack {command[0]}: tests/recordings/locked: cannot read directory: "
        "permission denied" in lines
    )
    unreadable = f"{rec / 'locked' / 'tracked.json'}: cannot read: permission denied"
    assert f"recstack {command[0]}: {unreadable}" in lines
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert "removed" not in result.stdout
    assert "tests/recordings/untracked.json" in result.stdout  # the rest is compared
