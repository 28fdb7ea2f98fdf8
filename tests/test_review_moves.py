"""`recstack review` in-process: moved recordings (paired by recstack diff), files that
change after the comparison, restores that fail half-way (undone), and the policies
decided item by item."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from diff_fixtures import stream_recording, write
from git_fixtures import GIT_ENV, TEXT, git, needs_git
from recstack.reviewing import worktree
from recstack.reviewing.model import Decision, Outcome, Policy, Review, ReviewItem
from recstack.reviewing.run import apply_policy, decide, start_review

pytestmark = needs_git

OLD, NEW = "rec/old-name.json", "rec/new-name.json"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HEAD: three recordings. Working tree: one moved to a new name (re-chunked only),
    one with a new answer, one deleted."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    git(repo, "init", "-q", "-b", "main")
    write(repo / OLD, stream_recording(TEXT, parts=8))
    write(repo / "rec/answer.json", stream_recording(TEXT))
    write(
        repo / "rec/gone.json",
        {
            **stream_recording("Bye.", question="Say goodbye."),
            "test_id": "tests/test_x.py::test_bye",
        },
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "recordings")
    (repo / OLD).unlink()
    write(repo / NEW, stream_recording(TEXT, parts=3, seed=50))
    write(repo / "rec/answer.json", stream_recording("Another answer."))
    (repo / "rec/gone.json").unlink()
    monkeypatch.chdir(repo)
    return repo


def head(repo: Path, path: str) -> bytes:
    return git(repo, "show", f"HEAD:{path}").encode()


def item(review: Review, path: str) -> ReviewItem:
    return next(i for i in review.items if i.path == path)


def test_a_moved_recording_is_one_item_standing_for_both_files(repo: Path) -> None:
    review = start_review()
    assert [(i.path, i.old_path, i.status) for i in review.items] == [
        ("rec/answer.json", None, "changed"),
        ("rec/gone.json", None, "removed"),
        (NEW, OLD, "equivalent"),
    ]
    moved = item(review, NEW)
    assert moved.moved and moved.label == f"{OLD} -> {NEW}"
    assert [(e.name, e.revision is not None, e.seen is not None) for e in moved.entries] == [
        (NEW, False, True),
        (OLD, True, False),
    ]


def test_restore_equivalent_keeps_a_moved_recording_under_its_new_name(repo: Path) -> None:
    new_bytes = (repo / NEW).read_bytes()
    review = start_review()
    apply_policy(review, Policy.RESTORE_EQUIVALENT)
    assert item(review, NEW).outcome is Outcome.KEPT
    assert item(review, "rec/answer.json").outcome is Outcome.KEPT
    assert (repo / NEW).read_bytes() == new_bytes and not (repo / OLD).exists()


def test_rejecting_a_moved_recording_moves_it_back(repo: Path) -> None:
    review = start_review()
    assert decide(review, item(review, NEW), Decision.REJECT) is Outcome.RESTORED
    assert (repo / OLD).read_bytes() == head(repo, OLD)
    assert not (repo / NEW).exists()
    assert git(repo, "status", "--porcelain", "--", "rec/old-name.json", "rec/new-name.json") == ""


def test_a_dry_run_of_a_moved_recording_touches_nothing(repo: Path) -> None:
    review = start_review(dry_run=True)
    apply_policy(review, Policy.REJECT_ALL)
    assert {i.outcome for i in review.items} == {Outcome.WOULD_RESTORE}
    assert review.findings and not review.problems
    assert (repo / NEW).exists() and not (repo / OLD).exists()
    assert not (repo / "rec/gone.json").exists()


def test_a_move_that_cannot_finish_is_undone(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The old file is written back first; when the new one cannot be removed, the old
    one is removed again: never both, never half."""
    real_unlink = os.unlink

    def unlink(path: str | os.PathLike[str], *args: object, **kwargs: object) -> None:
        if os.fspath(path).endswith("new-name.json"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        real_unlink(path)

    monkeypatch.setattr(worktree.os, "unlink", unlink)
    new_bytes = (repo / NEW).read_bytes()
    review = start_review()
    moved = item(review, NEW)
    assert decide(review, moved, Decision.REJECT) is Outcome.REFUSED
    assert moved.problem is not None
    assert moved.problem.one_line() == (f"{NEW}: not restored: permission denied (left as it is)")
    assert not (repo / OLD).exists()
    assert (repo / NEW).read_bytes() == new_bytes
    assert review.problems == [moved.problem]


def test_a_moved_recording_whose_old_name_came_back_is_left_alone(repo: Path) -> None:
    review = start_review()
    write(repo / OLD, stream_recording("Written meanwhile."))
    moved = item(review, NEW)
    assert decide(review, moved, Decision.REJECT) is Outcome.REFUSED
    assert moved.problem is not None
    assert "created after it was compared" in moved.problem.message
    assert (repo / NEW).exists()


def test_a_file_changed_after_the_comparison_is_left_alone(repo: Path) -> None:
    review = start_review()
    answer = item(review, "rec/answer.json")
    write(repo / "rec/answer.json", stream_recording("Edited while reviewing, longer."))
    edited = (repo / "rec/answer.json").read_bytes()
    assert decide(review, answer, Decision.REJECT) is Outcome.REFUSED
    assert answer.problem is not None
    assert answer.problem.one_line() == (
        "rec/answer.json: not restored: changed after it was compared (left as it is)"
    )
    assert (repo / "rec/answer.json").read_bytes() == edited
    gone = item(review, "rec/gone.json")
    write(repo / "rec/gone.json", stream_recording("Back, but not as HEAD had it."))
    assert decide(review, gone, Decision.REJECT) is Outcome.REFUSED
    assert (repo / "rec/gone.json").read_bytes() != head(repo, "rec/gone.json")


def test_a_deleted_file_comes_back_with_its_folder(repo: Path) -> None:
    (repo / "rec/answer.json").unlink()
    (repo / NEW).unlink()
    (repo / "rec").rmdir()
    review = start_review()
    apply_policy(review, Policy.REJECT_ALL)
    assert {i.outcome for i in review.items} == {Outcome.RESTORED}
    assert git(repo, "status", "--porcelain") == ""


def test_skip_and_accept_leave_the_files_as_they_are(repo: Path) -> None:
    before = (repo / "rec/answer.json").read_bytes()
    review = start_review()
    assert decide(review, item(review, "rec/answer.json"), Decision.SKIP) is Outcome.SKIPPED
    assert decide(review, item(review, "rec/gone.json"), Decision.ACCEPT) is Outcome.KEPT
    assert (repo / "rec/answer.json").read_bytes() == before
    assert not (repo / "rec/gone.json").exists()
    assert not review.findings and not review.problems
