"""What to compare: two files, or two trees paired by relative path.

A pair names its display path and where each side's bytes come from: a file on disk,
bytes already read (from git), or nothing (the file is only on the other side:
``added`` / ``removed``). Pairs are plain picklable data, so trees can be compared in
worker processes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from recstack.diffing.compare import Options, compare_bytes
from recstack.diffing.result import ERROR, FILE_ERROR, WHERE_META, Change, FileDiff
from recstack.loading import read_bytes, walk
from recstack.problems import RecstackError

# One side of a pair: a path on disk, bytes, or None (absent).
Source = str | bytes | None


@dataclass(frozen=True)
class Pair:
    path: str  # what the report calls it
    old: Source
    new: Source
    old_label: str | None = None  # the name used in messages about the old side
    new_label: str | None = None
    explicit: bool = True  # named by the user (a file that is no recording is reported)


def pair_files(old: Path, new: Path, *, label: str | None = None) -> Pair:
    """Two files: reported under the new file's path (or ``label``)."""
    return Pair(label or str(new), str(old), str(new), str(old), str(new))


def _tree(root: Path, keep: Callable[[Path], bool] | None) -> dict[str, Path]:
    return {
        path.relative_to(root).as_posix(): path
        for path in walk(root, "*.json")
        if keep is None or keep(path)
    }


def pair_trees(old: Path, new: Path, *, keep: Callable[[Path], bool] | None = None) -> list[Pair]:
    """Two directories, paired by relative path (sorted); one-sided files are added/removed.

    ``keep(path)`` filters the files found (``--exclude``)."""
    left, right = _tree(old, keep), _tree(new, keep)
    pairs = []
    for rel in sorted(left.keys() | right.keys()):
        a, b = left.get(rel), right.get(rel)
        pairs.append(
            Pair(
                rel,
                str(a) if a else None,
                str(b) if b else None,
                str(a) if a else None,
                str(b) if b else None,
                explicit=False,
            )
        )
    return pairs


def _read(source: Source, label: str | None) -> bytes | None:
    if source is None or isinstance(source, bytes):
        return source
    return read_bytes(source)


def compare_pair(pair: Pair, options: Options) -> FileDiff:
    """Read both sides and compare them; an unreadable side is status ``error``."""
    raw: list[bytes | None] = []
    for side, source, label in (
        ("before", pair.old, pair.old_label),
        ("after", pair.new, pair.new_label),
    ):
        try:
            raw.append(_read(source, label))
        except RecstackError as exc:
            message = exc.problem.one_line()
            before, after = (message, None) if side == "before" else (None, message)
            change = Change(WHERE_META, side, FILE_ERROR, before, after)
            return FileDiff(pair.path, ERROR, [change], problem=exc.problem)
    return compare_bytes(
        pair.path,
        raw[0],
        raw[1],
        options,
        old_label=pair.old_label,
        new_label=pair.new_label,
        explicit=pair.explicit,
    )


def compare_job(job: tuple[Pair, Options]) -> FileDiff:
    """:func:`compare_pair` for :func:`recstack.parallel.pmap` (one picklable argument)."""
    return compare_pair(*job)
