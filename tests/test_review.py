"""`recstack review` without a terminal: each flag, its dry run, its JSON, its safety.

The repository is tests/git_fixtures.py's (`make_repo`): against `main`, the working
tree has a changed recording, an equivalent (re-chunked) one, a deleted one, a new
committed one and a new untracked one, and a text file that is no recording.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from diff_fixtures import stream_recording, write
from git_fixtures import GIT_ENV, TEXT, git, make_repo, needs_git, of_test

from cli_helpers import Result, run_process

pytestmark = needs_git

REC = "tests/recordings"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


def review(repo: Path, *args: str, cwd: Path | None = None) -> Result:
    return run_process("review", *args, cwd=cwd or repo, env=GIT_ENV)


def tree(repo: Path) -> dict[str, bytes]:
    """Every file of the working tree (but .git) and its bytes."""
    return {
        p.relative_to(repo).as_posix(): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }


def outcomes(result: Result) -> dict[str, str]:
    return {f["path"]: f["outcome"] for f in json.loads(result.stdout)["files"]}


def blob(repo: Path, rev: str, path: str) -> bytes:
    return git(repo, "show", f"{rev}:{path}").encode()


# -- each flag ------------------------------------------------------------------------


def test_dry_run_alone_lists_what_differs_and_changes_nothing(repo: Path) -> None:
    before = tree(repo)
    result = review(repo, "--git", "main", "--dry-run", "--format", "text")
    assert result.exit_code == 1, result.stderr
    assert result.stdout.splitlines() == [
        f"to review     changed    {REC}/answer.json",
        f"to review     equivalent {REC}/chunked.json",
        f"to review     removed    {REC}/gone.json",
        f"to review     added      {REC}/new.json",
        f"to review     added      {REC}/untracked.json",
        "5 recordings differ from main: 5 to review",
    ]
    assert tree(repo) == before


def test_restore_equivalent_dry_run_then_for_real(repo: Path) -> None:
    before = tree(repo)
    dry = review(repo, "--git", "main", "--restore-equivalent", "--dry-run", "--format", "text")
    assert dry.exit_code == 1, dry.stderr
    assert f"would restore equivalent {REC}/chunked.json" in dry.stdout
    assert f"would keep    changed    {REC}/answer.json" in dry.stdout
    assert dry.stdout.splitlines()[-1] == (
        "5 recordings differ from main: 1 would be restored, 4 would be kept; "
        "dry run: nothing written"
    )
    assert tree(repo) == before

    done = review(repo, "--git", "main", "--restore-equivalent", "--format", "json")
    assert done.exit_code == 0, done.stderr
    assert outcomes(done) == {
        f"{REC}/answer.json": "kept",
        f"{REC}/chunked.json": "restored",
        f"{REC}/gone.json": "kept",
        f"{REC}/new.json": "kept",
        f"{REC}/untracked.json": "kept",
    }
    after = tree(repo)
    assert after[f"{REC}/chunked.json"] == blob(repo, "main", f"{REC}/chunked.json")
    changed = {k for k in before if before[k] != after.get(k)}
    assert changed == {f"{REC}/chunked.json"}  # nothing else touched
    again = review(repo, "--git", "main", "--restore-equivalent", "--dry-run")
    assert again.exit_code == 0, again.stdout  # nothing left to restore


def test_reject_all_puts_the_revision_back_and_nothing_else(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    git(repo, "update-index", "--chmod=+x", f"{REC}/gone.json")
    git(repo, "commit", "-q", "-m", "an executable recording")
    (repo / REC / "gone.json").unlink()
    write(repo / REC / "answer.json", stream_recording("Something else."))
    write(repo / REC / "fresh" / "new.json", of_test("Hi.", "test_fresh", "Greet me."))
    (repo / "notes.txt").write_text("edited, and no recording\n")
    (repo / REC / "answer.json").chmod(0o600)
    result = review(repo, "--reject-all", "--format", "text")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"restored      changed    {REC}/answer.json",
        f"restored      added      {REC}/fresh/new.json  (removed)",
        f"restored      removed    {REC}/gone.json  (brought back)",
        f"restored      added      {REC}/untracked.json  (removed)",
        "4 recordings differ from HEAD: 4 restored",
    ]
    assert git(repo, "status", "--porcelain") == " M notes.txt\n"
    assert stat.S_IMODE((repo / REC / "answer.json").stat().st_mode) == 0o600  # kept
    mode = stat.S_IMODE((repo / REC / "gone.json").stat().st_mode)
    assert mode & 0o111 and mode == 0o777 & ~_umask()  # the revision's mode, as git does
    assert not list(repo.rglob("*.recstack-*.tmp"))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_accept_all_keeps_everything(repo: Path) -> None:
    before = tree(repo)
    result = review(repo, "--git", "main", "--accept-all", "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["revision"] == "main" and len(report["commit"]) == 40
    assert report["dry_run"] is False
    assert set(outcomes(result).values()) == {"kept"}
    assert report["summary"]["kept"] == 5 and report["summary"]["restored"] == 0
    assert {f["decision"] for f in report["files"]} == {"accept"}
    assert tree(repo) == before
    dry = review(repo, "--git", "main", "--accept-all", "--dry-run")
    assert dry.exit_code == 0  # keeping changes nothing


def test_pathspecs_limit_the_review_from_a_subdirectory(repo: Path) -> None:
    result = review(
        repo,
        "--git",
        "main",
        "--reject-all",
        "recordings/answer.json",
        "--format",
        "json",
        cwd=repo / "tests",
    )
    assert result.exit_code == 0, result.stderr
    assert outcomes(result) == {f"{REC}/answer.json": "restored"}
    assert (repo / REC / "untracked.json").exists() and not (repo / REC / "gone.json").exists()


def test_exclude_keeps_a_recording_out(repo: Path) -> None:
    result = review(
        repo, "--git", "main", "--reject-all", "--exclude", "untracked.json", "--format", "json"
    )
    assert f"{REC}/untracked.json" not in outcomes(result)
    assert (repo / REC / "untracked.json").exists()


def test_nothing_to_review_is_0(repo: Path) -> None:
    result = review(repo, "--accept-all", "--format", "text")  # HEAD: only untracked.json
    assert result.exit_code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "all in")
    empty = review(repo, "--dry-run", "--format", "text")
    assert empty.exit_code == 0
    assert empty.stdout == "nothing to review: no recording differs from HEAD\n"


# -- usage and safety -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "not a terminal (stdin or stdout): give one of --accept-all"),
        (("--accept-all", "--reject-all"), "give one of --accept-all, --reject-all"),
        (("--format", "json"), "--format json needs one of"),
        (("--git", "nope", "--accept-all"), "bad revision 'nope'"),
        (("--git", "main..HEAD", "--accept-all"), "one revision, not a range"),
        (("--git", "--upload-pack=touch x", "--accept-all"), "bad revision '--upload-pack"),
        (("--accept-all", "--", "no/such/*.json"), "matches no file"),
        (("--format", "yaml", "--accept-all"), "'yaml' is not a format"),
    ],
)
def test_usage_and_git_errors_are_one_line_and_2(
    repo: Path, args: tuple[str, ...], message: str
) -> None:
    before = tree(repo)
    result = review(repo, *args)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert tree(repo) == before
    assert not (repo / "x").exists()


def test_a_bad_configuration_is_2(repo: Path) -> None:
    (repo / "recstack.toml").write_text('inclde = ["x"]\n')
    result = review(repo, "--accept-all")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"recstack review: {repo / 'recstack.toml'}: unknown key")


def test_outside_a_repository_is_2(tmp_path: Path) -> None:
    result = run_process("review", "--accept-all", cwd=tmp_path, env=GIT_ENV)
    assert result.exit_code == 2
    assert result.stderr.startswith("recstack review: git: not a git repository")


def test_a_broken_recording_is_reviewed_like_any_other(repo: Path) -> None:
    (repo / REC / "answer.json").write_text('{"request": {}, "response": {')
    result = review(repo, "--restore-equivalent", "--format", "json", f"{REC}/answer.json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["files"][0]["status"] == "error"
    rejected = review(repo, "--reject-all", "--format", "json", f"{REC}/answer.json")
    assert outcomes(rejected) == {f"{REC}/answer.json": "restored"}
    assert (repo / REC / "answer.json").read_bytes() == blob(repo, "HEAD", f"{REC}/answer.json")


def test_a_merge_conflict_is_refused_and_left_alone(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    write(repo / REC / "answer.json", stream_recording("Main's answer."))
    git(repo, "commit", "-q", "-am", "main's answer")
    proc = git_may_fail(repo, "merge", "rerecord")
    assert "CONFLICT" in proc
    conflicted = (repo / REC / "answer.json").read_bytes()
    assert b"<<<<<<<" in conflicted
    write(repo / REC / "other.json", stream_recording("Other."))
    result = review(repo, "--reject-all", "--format", "json")
    assert result.exit_code == 2
    found = outcomes(result)
    assert found[f"{REC}/answer.json"] == "refused"
    assert found[f"{REC}/other.json"] == "restored"  # the others are still reviewed
    assert result.stderr.count("\n") == 1
    assert "answer.json: has merge conflicts (git's unmerged status)" in result.stderr
    assert (repo / REC / "answer.json").read_bytes() == conflicted
    assert not (repo / REC / "other.json").exists()


def git_may_fail(repo: Path, *args: str) -> str:
    import subprocess

    proc = subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
        check=False,
    )
    return proc.stdout + proc.stderr


def test_a_symlinked_folder_is_never_written_through(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    git(repo, "checkout", "-q", "main")
    (repo / REC / "gone.json").unlink()
    shutil.rmtree(repo / REC)
    (repo / REC).symlink_to(outside)
    result = review(repo, "--reject-all", "--format", "json")
    assert result.exit_code == 2
    assert set(outcomes(result).values()) == {"refused"}
    assert "a folder on its path is a symbolic link" in result.stderr
    assert list(outside.iterdir()) == []


def test_odd_file_names_are_restored_and_shown_inert(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    name = "new\nline \x1b[31m.json"
    write(repo / REC / name, stream_recording("Hi."))
    result = review(repo, "--reject-all", "--format", "text")
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert f"{REC}/new\\nline \\x1b[31m.json" in result.stdout
    assert not (repo / REC / name).exists()


def test_the_16_real_pairs_keep_only_their_real_changes(pairs_dir: Path, tmp_path: Path) -> None:
    repo = tmp_path / "suite"
    rec = repo / "recordings"
    rec.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    pairs = sorted(p for p in pairs_dir.iterdir() if p.is_dir())
    for pair in pairs:
        shutil.copyfile(pair / "before.json", rec / f"{pair.name}.json")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "before")
    for pair in pairs:
        shutil.copyfile(pair / "after.json", rec / f"{pair.name}.json")
    diff = run_process("diff", "--git", "HEAD", "--format", "json", cwd=repo, env=GIT_ENV)
    expected = {f["path"]: f["status"] for f in json.loads(diff.stdout)["files"]}
    equivalent = {path for path, status in expected.items() if status == "equivalent"}
    assert len(expected) == 16 and equivalent and len(equivalent) < 16

    result = review(repo, "--restore-equivalent", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert {p for p, o in outcomes(result).items() if o == "restored"} == equivalent
    left = run_process("diff", "--git", "HEAD", "--format", "json", cwd=repo, env=GIT_ENV)
    statuses = {f["path"]: f["status"] for f in json.loads(left.stdout)["files"]}
    assert statuses == {p: s for p, s in expected.items() if p not in equivalent}
    assert set(statuses.values()) == {"changed"}
    for path in equivalent:
        original = pairs_dir / Path(path).stem / "before.json"
        assert (repo / path).read_bytes() == original.read_bytes()


def test_text_of_a_changed_answer_reaches_the_review(repo: Path) -> None:
    """The review is recstack diff's comparison: the edited answer is `changed`."""
    write(repo / REC / "answer.json", stream_recording(TEXT))
    result = review(repo, "--git", "rerecord", "--dry-run", "--format", "json")
    assert json.loads(result.stdout)["files"][0]["status"] == "changed"
