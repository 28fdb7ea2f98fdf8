"""One review: what differs from a revision (:func:`start_review`), and what becomes of
each recording (:func:`decide`, :func:`apply_policy`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from recstack.diffing.compare import Options
from recstack.diffing.gitsource import GitError, expand_pathspec, toplevel
from recstack.diffing.result import SKIPPED, DiffReport
from recstack.diffing.run import diff_pairs
from recstack.diffing.sources import pairs_for
from recstack.loading import io_problem
from recstack.problems import Problem
from recstack.reviewing.model import (
    Decision,
    Entry,
    Outcome,
    Policy,
    Review,
    ReviewItem,
)
from recstack.reviewing.worktree import entries as list_entries
from recstack.reviewing.worktree import resolve, restore, unmerged
from recstack.writing import RefusedWrite


def start_review(
    revision: str = "HEAD",
    paths: Sequence[str] = (),
    options: Options | None = None,
    *,
    keep: Callable[[Path], bool] | None = None,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    dry_run: bool = False,
) -> Review:
    """Compare the working tree (of the current directory's repository) with
    ``revision``, limited to the git pathspecs ``paths``. Raises a RecstackError
    (exit 2) for a bad revision, a range, a path that matches nothing, git errors."""
    root = toplevel()
    commit = resolve(revision)
    sources = pairs_for([commit, *paths], use_git=True, paths_after=len(paths), keep=keep)
    pathspecs = [spec for path in paths for spec in expand_pathspec(path)]
    # Taken before the comparison reads the files: what a restore checks them against.
    found = list_entries(commit, root, pathspecs, where=Path.cwd())
    conflicts = unmerged(root)
    report = diff_pairs(
        sources.pairs,
        options or Options(),
        jobs=jobs,
        progress=progress,
        unusable=sources.problems,
    )
    review = review_of(report, found, conflicts, revision=revision, commit=commit, root=root)
    review.dry_run = dry_run
    return review


def review_of(
    report: DiffReport,
    found: Mapping[str, Entry | None],
    conflicts: set[bytes],
    *,
    revision: str,
    commit: str,
    root: Path,
) -> Review:
    """The review of a diff report: each compared recording with the files it stands
    for (``found``, by the names the report uses). A recording with a merge conflict is
    refused at once; one whose files cannot be told apart is kept out of any restore."""
    review = Review(revision, commit, str(root), diff=report)
    for diff in report.files:
        if diff.status is SKIPPED:
            continue
        item = ReviewItem(diff)
        names = [diff.path] + ([diff.old_path] if item.moved and diff.old_path else [])
        for name in names:
            entry = found.get(name)
            if entry is None:
                why = "two files have this name once escaped" if name in found else "not found"
                item.problem = Problem(name, f"{why}: left as it is", rule="io")
                item.outcome = Outcome.REFUSED
                break
            item.entries.append(entry)
        if item.outcome is None and any(e.raw in conflicts for e in item.entries):
            message = "has merge conflicts (git's unmerged status): resolve them first"
            item.problem = Problem(item.path, message, rule="io")
            item.outcome = Outcome.REFUSED
        review.items.append(item)
    return review


def _problem(path: str, reason: str, root: str) -> Problem:
    """Why a restore was refused, naming the file (relative to the repository root)."""
    name = os.path.relpath(path, root) if os.path.isabs(path) else path
    return Problem(name, f"not restored: {reason} (left as it is)", rule="io")


def decide(review: Review, item: ReviewItem, decision: Decision) -> Outcome:
    """Carry out a decision about one item (with ``review.dry_run``: only say what it
    would do). A restore that cannot be done safely leaves the files as they are: the
    item is ``refused`` and its problem says why."""
    if item.outcome is Outcome.REFUSED and item.decision is None:
        return item.outcome  # refused from the start (a conflict): never touched
    item.decision = decision
    if decision is Decision.ACCEPT:
        item.outcome = Outcome.KEPT
    elif decision is Decision.SKIP:
        item.outcome = Outcome.SKIPPED
    else:
        try:
            restore(item.entries, Path(review.root), dry_run=review.dry_run)
        except RefusedWrite as exc:
            item.problem = _problem(exc.path, exc.reason, review.root)
        except GitError as exc:
            item.problem = _problem(item.path, exc.problem.message, review.root)
        except OSError as exc:
            where = os.fsdecode(exc.filename) if exc.filename else item.path
            item.problem = _problem(where, io_problem(where, exc).message, review.root)
        if item.problem is not None:
            item.outcome = Outcome.REFUSED
        else:
            item.outcome = Outcome.WOULD_RESTORE if review.dry_run else Outcome.RESTORED
    return item.outcome


def policy_decision(policy: Policy, item: ReviewItem) -> Decision | None:
    """What a non-interactive run decides about an item (None: nothing, ``--dry-run``
    alone lists it)."""
    if policy is Policy.ACCEPT_ALL:
        return Decision.ACCEPT
    if policy is Policy.REJECT_ALL:
        return Decision.REJECT
    if policy is Policy.RESTORE_EQUIVALENT:
        # A moved recording keeps its new name (replay looks it up there).
        return Decision.REJECT if item.equivalent and not item.moved else Decision.ACCEPT
    return None


def apply_policy(review: Review, policy: Policy) -> None:
    """Decide every item that is not decided yet, as ``policy`` says."""
    for item in review.items:
        if item.outcome is not None:
            continue
        decision = policy_decision(policy, item)
        if decision is None:
            item.outcome = Outcome.PENDING
        else:
            decide(review, item, decision)
