"""What ``recstack diff`` finds: one :class:`FileDiff` per recording, a list of changes each.

Statuses, from best to worst: ``same`` (byte-identical), ``equivalent`` (differs only in
ignored fields, key order, chunking or test id), ``changed``, ``added``, ``removed``,
``error``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

SAME = "same"
EQUIVALENT = "equivalent"
CHANGED = "changed"
ADDED = "added"
REMOVED = "removed"
ERROR = "error"
STATUSES = (SAME, EQUIVALENT, CHANGED, ADDED, REMOVED, ERROR)

# Change kinds.
VALUE = "changed"  # a scalar or structure replaced
TEXT = "text"  # a string changed: rendered as a line diff (word diff when single-line)
ITEM_ADDED = "added"
ITEM_REMOVED = "removed"
TYPE = "type"  # the JSON type changed
RECHUNKED = "re-chunked"  # informational: the stream was split differently
TEST_ID = "test-id"  # informational: the same recording now belongs to another test id
FILE_ERROR = "error"  # the recording could not be read

# Kinds that describe a difference without making the file ``changed``.
INFORMATIONAL = frozenset({RECHUNKED, TEST_ID})

WHERE_REQUEST = "request"
WHERE_RESPONSE = "response"
WHERE_META = "meta"


@dataclass
class Change:
    """One difference: where (request/response/meta), a readable path, what kind, values."""

    where: str
    path: str
    kind: str
    before: Any = None
    after: Any = None

    @property
    def informational(self) -> bool:
        return self.kind in INFORMATIONAL

    def to_dict(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "path": self.path,
            "kind": self.kind,
            "before": self.before,
            "after": self.after,
        }


@dataclass
class FileDiff:
    """The comparison of one recording path."""

    path: str
    status: str
    changes: list[Change] = field(default_factory=list)

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
        return {
            "path": self.path,
            "status": self.status,
            "changes": [c.to_dict() for c in self.changes],
        }


def note_text(change: Change) -> str:
    if change.kind == RECHUNKED:
        if change.before == change.after:
            return f"re-chunked: {change.before} chunks, split differently"
        return f"re-chunked: {change.before} -> {change.after} chunks"
    if change.kind == TEST_ID:
        before = json.dumps(change.before, ensure_ascii=False)
        after = json.dumps(change.after, ensure_ascii=False)
        return f"test_id: {before} -> {after}"
    return f"{change.kind}: {change.before} -> {change.after}"


def status_of(changes: list[Change]) -> str:
    """``changed`` when any change is real, else ``equivalent``."""
    return CHANGED if any(not c.informational for c in changes) else EQUIVALENT


def summarize(files: list[FileDiff]) -> dict[str, int]:
    """Count per status, every status present (zeros included), in a fixed order."""
    counts = dict.fromkeys(STATUSES, 0)
    for item in files:
        counts[item.status] = counts.get(item.status, 0) + 1
    return counts
