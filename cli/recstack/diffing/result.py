"""What ``recstack diff`` finds: one :class:`FileDiff` per recording, a list of changes each.

Statuses, from best to worst: ``same`` (byte-identical), ``equivalent`` (differs only in
ignored fields, key order, chunking or test id), ``changed``, ``added``, ``removed``,
``error``. A re-keyed recording (removed under one name, added under another, paired
by :mod:`recstack.diffing.moves`) is one entry under its new path with ``old_path``
set: it is *moved*, and its status describes its content (``same``, ``equivalent`` or
``changed``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from recstack.textenum import TextEnum

# The renderers import this module at start-up (their tables name the statuses): what
# the functions below need is imported by them.
if TYPE_CHECKING:
    from recstack.problems import Problem


class DiffStatus(TextEnum):
    """What one compared recording is, from best to worst."""

    SAME = "same"  # byte-identical
    EQUIVALENT = "equivalent"  # differs only in what is ignored (volatile, chunking, test id)
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"
    ERROR = "error"  # a side could not be read or is no valid recording
    SKIPPED = "skipped"  # JSON that is no recording, found in a tree or a git range


SAME, EQUIVALENT, CHANGED = DiffStatus.SAME, DiffStatus.EQUIVALENT, DiffStatus.CHANGED
ADDED, REMOVED, ERROR = DiffStatus.ADDED, DiffStatus.REMOVED, DiffStatus.ERROR
SKIPPED = DiffStatus.SKIPPED
STATUSES = (SAME, EQUIVALENT, CHANGED, ADDED, REMOVED, ERROR)
# Statuses that make ``recstack diff`` exit 1.
FINDINGS = frozenset({CHANGED, ADDED, REMOVED, ERROR})


class ChangeKind(TextEnum):
    """What one :class:`Change` is (its ``kind``; JSON writes the text)."""

    VALUE = "changed"  # a scalar or structure replaced
    TEXT = "text"  # a string changed: rendered as a line diff (word diff when single-line)
    ITEM_ADDED = "added"
    ITEM_REMOVED = "removed"
    TYPE = "type"  # the JSON type changed
    EMBEDDING = "embedding"  # two vectors of one length, with their distance
    RECHUNKED = "re-chunked"  # informational: the stream was split differently
    TEST_ID = "test-id"  # informational: the same recording now belongs to another test id
    FILE_ERROR = "error"  # the recording could not be read


VALUE, TEXT, TYPE, EMBEDDING = (
    ChangeKind.VALUE,
    ChangeKind.TEXT,
    ChangeKind.TYPE,
    ChangeKind.EMBEDDING,
)
ITEM_ADDED, ITEM_REMOVED = ChangeKind.ITEM_ADDED, ChangeKind.ITEM_REMOVED
RECHUNKED, TEST_ID, FILE_ERROR = ChangeKind.RECHUNKED, ChangeKind.TEST_ID, ChangeKind.FILE_ERROR

# Kinds that describe a difference without making the file ``changed``.
INFORMATIONAL = frozenset({RECHUNKED, TEST_ID})

WHERE_REQUEST = "request"
WHERE_RESPONSE = "response"
WHERE_META = "meta"


@dataclass(frozen=True)
class About:
    """What a recording is about, for the header of its entry: test, endpoint, model."""

    test_id: str | None = None
    endpoint: str | None = None
    model: str | None = None


def about(data: Any) -> About:
    """The test id, endpoint and model of a parsed recording (None where unknown)."""
    from recstack.recording import Recording

    rec = Recording("", data if isinstance(data, dict) else {})
    return About(rec.test_id, rec.endpoint, rec.model)


@dataclass
class Change:
    """One difference: where (request/response/meta), a readable path, what kind, values."""

    where: str
    path: str
    kind: ChangeKind
    before: Any = None
    after: Any = None
    stats: dict[str, Any] | None = None  # kind ``embedding``: how far the vector moved

    @property
    def informational(self) -> bool:
        return self.kind in INFORMATIONAL

    def to_dict(self) -> dict[str, Any]:
        out = {
            "where": self.where,
            "path": self.path,
            "kind": self.kind,
            "before": self.before,
            "after": self.after,
        }
        if self.stats is not None:
            out["stats"] = self.stats
        return out


@dataclass
class FileDiff:
    """The comparison of one recording path."""

    path: str  # the new path (of a moved recording too)
    status: DiffStatus
    changes: list[Change] = field(default_factory=list)
    problem: Problem | None = None  # why a side could not be read (status ``error``)
    old_path: str | None = None  # a re-keyed recording: the path it had before (moved)
    about: About = About()  # its test, endpoint and model (the new side's), where known
    pairing: str | None = None  # a moved recording: why it was paired (rekeyed.REASONS)
    similarity: float | None = None  # a moved recording: how alike the two requests are

    @property
    def moved(self) -> bool:
        return self.old_path is not None

    @property
    def notes(self) -> list[str]:
        """Human-readable notes for informational changes (e.g. the re-chunked count)."""
        return [note_text(c) for c in self.changes if c.informational]

    @property
    def real_changes(self) -> list[Change]:
        return [c for c in self.changes if not c.informational]

    @property
    def error(self) -> str | None:
        for change in self.changes:
            if change.kind == FILE_ERROR:
                return str(change.after if change.after is not None else change.before)
        return None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path}
        if self.old_path is not None:
            out["old_path"] = self.old_path
        out["status"] = self.status
        out["test_id"] = self.about.test_id
        out["endpoint"] = self.about.endpoint
        out["model"] = self.about.model
        if self.old_path is not None:
            out["pairing"] = {"reason": self.pairing, "similarity": self.similarity}
        out["changes"] = [c.to_dict() for c in self.changes]
        return out


def note_text(change: Change) -> str:
    if change.kind == RECHUNKED:
        if change.before == change.after:
            return f"re-chunked: {change.before} chunks, split differently"
        return f"re-chunked: {change.before} -> {change.after} chunks"
    if change.kind == TEST_ID:
        if isinstance(change.before, str) and isinstance(change.after, str):
            from recstack.diffing.names import changed_part

            return f"test_id {changed_part(change.before, change.after)}"
        before = json.dumps(change.before, ensure_ascii=False)
        after = json.dumps(change.after, ensure_ascii=False)
        return f"test_id: {before} -> {after}"
    return f"{change.kind}: {change.before} -> {change.after}"


def status_of(changes: list[Change]) -> DiffStatus:
    """``changed`` when any change is real, else ``equivalent``."""
    return CHANGED if any(not c.informational for c in changes) else EQUIVALENT


@dataclass
class DiffReport:
    """The outcome of ``recstack diff``: one entry per compared recording."""

    files: list[FileDiff] = field(default_factory=list)
    unusable: list[Problem] = field(default_factory=list)  # arguments that could not be used
    skipped: list[str] = field(default_factory=list)  # JSON files that are no recordings
    external: bool = False  # run by git as its external diff: always exit 0
    # Added or removed recordings left unpaired because several partners fit as well.
    ambiguous: list[str] = field(default_factory=list)

    @property
    def moved(self) -> list[FileDiff]:
        """The re-keyed recordings (paired across two names)."""
        return [f for f in self.files if f.moved]

    @property
    def problems(self) -> list[Problem]:
        """Files that could not be read and arguments that could not be used (exit 2)."""
        if self.external:
            return []
        read = [f.problem for f in self.files if f.problem is not None and f.problem.rule == "io"]
        return [*self.unusable, *read]

    @property
    def findings(self) -> bool:
        """Something changed, was added or removed, or is no valid recording (exit 1)."""
        return not self.external and any(f.status in FINDINGS for f in self.files)


def summarize(files: list[FileDiff]) -> dict[str, int]:
    """Count per status, every status present (zeros included), in a fixed order."""
    counts = {status.value: 0 for status in STATUSES}
    for item in files:
        counts[item.status.value] = counts.get(item.status.value, 0) + 1
    return counts
