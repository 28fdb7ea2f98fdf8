"""Changes that repeat across recordings, to be told once with their count.

A re-recording often changes one thing everywhere: an SDK version in every request,
a host in every url. :func:`group_repeated` finds each real change (same place, kind,
value before and after) made in at least :data:`MIN_REPEAT` changed recordings, and
gathers the changes made in the very same recordings into one group; what is left of
each recording is what its own section shows. Informational changes (a new test id,
a re-chunked stream) and unreadable sides are never grouped: they belong to their file.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from recstack.diffing.result import CHANGED, FILE_ERROR, Change, FileDiff
from recstack.jsonnumbers import dumps_text

MIN_REPEAT = 3  # a change made in this many recordings is told once


@dataclass
class RepeatedGroup:
    """Changes made, each the same, in every one of ``paths`` (report order)."""

    changes: list[Change]
    paths: list[str]


@dataclass
class Grouped:
    groups: list[RepeatedGroup] = field(default_factory=list)
    # Per index in the report's files: the changes no group tells (every change of a
    # file that is in no group).
    remaining: dict[int, list[Change]] = field(default_factory=dict)

    def left(self, index: int, item: FileDiff) -> list[Change]:
        return self.remaining.get(index, item.changes)


def _key(change: Change) -> tuple[str, str, str, str]:
    try:
        values = dumps_text([change.before, change.after], sort_keys=True)
    except (RecursionError, TypeError, ValueError):  # never grouped
        values = f"unique {id(change)}"
    digest = hashlib.blake2b(values.encode(), digest_size=16).hexdigest()
    return (change.where, change.path, change.kind, digest)


def _groupable(change: Change) -> bool:
    return not change.informational and change.kind != FILE_ERROR


def group_repeated(files: list[FileDiff], minimum: int = MIN_REPEAT) -> Grouped:
    """The repeated changes of ``files`` in groups, biggest first (then in the order
    their first change appears), and what is left of each file."""
    holders: dict[tuple[str, str, str, str], list[int]] = defaultdict(list)
    first: dict[tuple[str, str, str, str], Change] = {}
    for index, item in enumerate(files):
        if item.status is not CHANGED:
            continue
        for change in item.changes:
            if _groupable(change):
                key = _key(change)
                if not holders[key] or holders[key][-1] != index:
                    holders[key].append(index)
                first.setdefault(key, change)
    repeated = [key for key, where in holders.items() if len(where) >= minimum]
    if not repeated:
        return Grouped()
    by_files: dict[tuple[int, ...], list[tuple[str, str, str, str]]] = defaultdict(list)
    for key in repeated:
        by_files[tuple(holders[key])].append(key)
    order = sorted(by_files, key=lambda where: (-len(where), where))
    grouped = Grouped()
    told: set[tuple[str, str, str, str]] = set(repeated)
    for where in order:
        changes = [first[key] for key in by_files[where]]
        grouped.groups.append(RepeatedGroup(changes, [files[i].path for i in where]))
    touched = {i for key in repeated for i in holders[key]}
    for index in sorted(touched):
        grouped.remaining[index] = [
            c for c in files[index].changes if not (_groupable(c) and _key(c) in told)
        ]
    return grouped
