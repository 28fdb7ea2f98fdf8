"""What ``recstack review`` works on and reports: one :class:`ReviewItem` per compared
recording (its semantic diff, the files it stands for, what was decided and done)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from recstack.diffing.result import EQUIVALENT, SAME, DiffReport, DiffStatus, FileDiff
from recstack.textenum import TextEnum

if TYPE_CHECKING:
    from recstack.problems import Problem


class Decision(TextEnum):
    """What a reviewer decides about one recording."""

    ACCEPT = "accept"  # keep the working tree's file as it is
    REJECT = "reject"  # restore the revision's bytes
    SKIP = "skip"  # decide later: leave it as it is


class Outcome(TextEnum):
    """What became of one recording."""

    KEPT = "kept"  # accepted: the working tree's file stays
    RESTORED = "restored"  # rejected: the revision's bytes are back (a new file removed)
    SKIPPED = "skipped"  # not decided (skipped, or left when the review stopped)
    REFUSED = "refused"  # could not be restored safely: left as it is (see the problem)
    WOULD_RESTORE = "would-restore"  # --dry-run: would be restored
    PENDING = "pending"  # --dry-run alone: would be offered for review


OUTCOMES = tuple(Outcome)


class Policy(TextEnum):
    """How the recordings are decided without asking."""

    ACCEPT_ALL = "accept-all"
    REJECT_ALL = "reject-all"
    RESTORE_EQUIVALENT = "restore-equivalent"  # same or equivalent ones; moves kept
    LIST = "list"  # decide nothing (``--dry-run`` alone: what would be reviewed)


@dataclass(frozen=True)
class RevisionFile:
    """A file as the revision holds it: git's mode (``100644``/``100755``) and blob id."""

    mode: str
    oid: str


@dataclass(frozen=True)
class Entry:
    """One file a review may touch: its path relative to the repository root (as git
    gave it, and as reports show it), the revision's version (None: the file is new)
    and the working tree's ``lstat`` when it was compared (None: absent there)."""

    raw: bytes
    name: str
    revision: RevisionFile | None
    seen: os.stat_result | None


@dataclass
class ReviewItem:
    """One compared recording: its diff, the one or two files it stands for (a moved
    recording: the new path, then the old one), and what was decided and done."""

    diff: FileDiff
    entries: list[Entry] = field(default_factory=list)
    decision: Decision | None = None
    outcome: Outcome | None = None
    problem: Problem | None = None  # why it could not be restored (or compared)

    @property
    def path(self) -> str:
        return self.diff.path

    @property
    def old_path(self) -> str | None:
        return self.diff.old_path

    @property
    def moved(self) -> bool:
        return self.diff.old_path is not None and self.diff.old_path != self.diff.path

    @property
    def status(self) -> DiffStatus:
        return self.diff.status

    @property
    def equivalent(self) -> bool:
        """Only ignored fields (volatile values, chunking, test id) differ, if anything."""
        return self.diff.status in (SAME, EQUIVALENT)

    @property
    def label(self) -> str:
        """``path``, or ``old -> new`` for a moved recording."""
        return f"{self.old_path} -> {self.path}" if self.moved else self.path


@dataclass
class Review:
    """The outcome of ``recstack review``: the recordings compared with the revision."""

    revision: str  # as the user named it
    commit: str  # the commit id it resolved to
    root: str  # the repository's top level
    items: list[ReviewItem] = field(default_factory=list)
    diff: DiffReport = field(default_factory=DiffReport)
    unusable: list[Problem] = field(default_factory=list)  # conflicts, names git cannot map
    dry_run: bool = False
    interactive: bool = False
    interrupted: bool = False  # Ctrl-C during an interactive review

    def count(self, outcome: Outcome) -> int:
        return sum(1 for item in self.items if item.outcome is outcome)

    @property
    def problems(self) -> list[Problem]:
        """Unusable arguments, unreadable files, conflicts, refused restores (exit 2)."""
        refused = [i.problem for i in self.items if i.problem is not None]
        return [*self.diff.problems, *self.unusable, *refused]

    @property
    def findings(self) -> bool:
        """``--dry-run`` with something it would restore (or, alone, review): exit 1."""
        return self.dry_run and any(
            item.outcome in (Outcome.WOULD_RESTORE, Outcome.PENDING) for item in self.items
        )
