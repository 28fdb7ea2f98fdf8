"""What to compare: two files, or two trees paired by relative path.

A pair names its display path and where each side's bytes come from: a file on disk,
bytes already read (from git), or nothing (the file is only on the other side:
``added`` / ``removed``). Pairs are plain picklable data, so trees can be compared in
worker processes. A pair of two names (a re-keyed recording) is made afterwards, from
the one-sided pairs, by :mod:`recstack.diffing.moves`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recstack.diffing.compare import Options, compare_bytes, compare_parsed, unreadable
from recstack.diffing.result import (
    ADDED,
    ERROR,
    REMOVED,
    SAME,
    SKIPPED,
    About,
    Change,
    FileDiff,
    about,
)
from recstack.loading import (
    in_recording_place,
    io_problem,
    load_recording,
    read_bytes,
    recording_from_bytes,
    skippable_file,
    walk,
)
from recstack.problems import Problem, RecstackError
from recstack.snapshot import RegularFile

# One side of a pair: a path on disk, bytes, or None (absent).
Source = str | bytes | None


@dataclass(frozen=True)
class Move:
    """A re-keyed recording's former name and why it was paired (:mod:`.rekeyed`)."""

    old_path: str
    reason: str
    similarity: float


@dataclass(frozen=True)
class Pair:
    path: str  # what the report calls it (a moved recording: its new path)
    old: Source
    new: Source
    old_label: str | None = None  # the name used in messages about the old side
    new_label: str | None = None
    explicit: bool = True  # named by the user (a file that is no recording is reported)
    move: Move | None = None  # a re-keyed recording: paired across two names
    about: About | None = None  # its test, endpoint and model, when already known

    @property
    def one_sided(self) -> bool:
        return (self.old is None) != (self.new is None)


@dataclass
class Sources:
    """What a diff compares: its pairs, and the places that could not be looked into
    (each an I/O problem: what they hold is missing from ``pairs``)."""

    pairs: list[Pair]
    problems: list[Problem] = field(default_factory=list)


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
    """Read both sides and compare them; an unreadable side is status ``error``.

    The result names the recording's test, endpoint and model where known, and a
    moved pair's former path."""
    result = _compare_pair(pair, options)
    if pair.move is not None:
        result.old_path = pair.move.old_path
        result.pairing = pair.move.reason
        result.similarity = pair.move.similarity
    if result.about == About() and pair.about is not None:
        result.about = pair.about
    return result


def _compare_pair(pair: Pair, options: Options) -> FileDiff:
    if _both_files(pair):
        return _compare_files(pair, options)
    raw: list[bytes | None] = []
    for side, source, label in (
        ("before", pair.old, pair.old_label),
        ("after", pair.new, pair.new_label),
    ):
        try:
            raw.append(_read(source, label))
        except RecstackError as exc:
            return FileDiff(pair.path, ERROR, [unreadable(side, exc.problem)], problem=exc.problem)
    result = compare_bytes(
        pair.path,
        raw[0],
        raw[1],
        options,
        old_label=pair.old_label,
        new_label=pair.new_label,
        explicit=pair.explicit,
    )
    if result.status in (ADDED, REMOVED) and pair.about is None:
        result.about = about_bytes(raw[0] if raw[0] is not None else raw[1], pair.path)
    return result


def about_bytes(raw: bytes | None, name: str) -> About:
    """The :class:`About` of a recording's bytes (empty when they are no recording)."""
    if raw is None:
        return About()
    try:
        return about(recording_from_bytes(raw, name).data)
    except RecstackError:
        return About()


def _both_files(pair: Pair) -> bool:
    """Two files on disk, each named in messages by its own path."""
    return (
        isinstance(pair.old, str)
        and isinstance(pair.new, str)
        and pair.old_label in (None, pair.old)
        and pair.new_label in (None, pair.new)
    )


def _compare_files(pair: Pair, options: Options) -> FileDiff:
    """:func:`compare_bytes` for two files, without holding both files' bytes and both
    parsed recordings at once: compared block by block first (byte-identical: ``same``),
    then each parsed as it is read (a big file piece by piece, its bytes not kept)."""
    assert isinstance(pair.old, str) and isinstance(pair.new, str)
    try:
        if same_bytes(pair.old, pair.new):
            skip = not pair.explicit and not in_recording_place(pair.path) and _other(pair.old)
            return FileDiff(pair.path, SKIPPED if skip else SAME)
    except SideError as exc:
        return FileDiff(pair.path, ERROR, [unreadable(exc.side, exc.problem)], problem=exc.problem)
    errors: list[Change] = []
    failures: list[RecstackError] = []
    parsed: list[dict[str, Any]] = []
    for side, source in (("before", pair.old), ("after", pair.new)):
        try:
            parsed.append(load_recording(source).data)
        except RecstackError as exc:
            if exc.problem.rule == "io":  # as when the bytes are read first: this side only
                change = unreadable(side, exc.problem)
                return FileDiff(pair.path, ERROR, [change], problem=exc.problem)
            errors.append(unreadable(side, exc.problem))
            failures.append(exc)
    if (
        not pair.explicit
        and len(failures) == 2
        and all(
            skippable_file(source, exc)
            for source, exc in zip((pair.old, pair.new), failures, strict=True)
        )
    ):
        return FileDiff(pair.path, SKIPPED)
    if errors:
        return FileDiff(pair.path, ERROR, errors, problem=failures[0].problem)
    return compare_parsed(pair.path, parsed[0], parsed[1], options)


def _other(path: str) -> bool:
    """A file that is some other JSON file, not a recording (it is parsed to know)."""
    try:
        load_recording(path)
    except RecstackError as exc:
        return skippable_file(path, exc)
    return False


class SideError(Exception):
    """One side of a pair cannot be read."""

    def __init__(self, side: str, problem: Problem) -> None:
        super().__init__(problem.one_line())
        self.side = side
        self.problem = problem


def same_bytes(old: str, new: str) -> bool:
    """The two files hold the same bytes (read block by block; SideError when one
    cannot be read)."""
    handles: list[RegularFile] = []
    try:
        for side, path in (("before", old), ("after", new)):
            try:
                handles.append(RegularFile(path))
            except OSError as exc:
                raise SideError(side, io_problem(path, exc, "cannot read: ")) from None
        first, second = handles
        if first.stat.st_size != second.stat.st_size:
            return False
        while True:
            block_a, block_b = _block(first, "before", old), _block(second, "after", new)
            if block_a != block_b:
                return False
            if not block_a:
                return True
    finally:
        for handle in handles:
            handle.close()


def _block(handle: RegularFile, side: str, path: str) -> bytes:
    try:
        return handle.read(1 << 20)
    except OSError as exc:
        raise SideError(side, io_problem(path, exc, "cannot read: ")) from None


def compare_job(job: tuple[Pair, Options]) -> FileDiff:
    """:func:`compare_pair` for :func:`recstack.parallel.pmap` (one picklable argument)."""
    return compare_pair(*job)
