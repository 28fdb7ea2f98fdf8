"""``recstack ls``: ask the suite which recordings it holds.

:func:`list_paths` scans the selection (:func:`recstack.suite.scan`: one
:class:`~recstack.suite.Entry` per recording with its replay verdict), keeps the
recordings every given filter accepts (:class:`Filters`), and, when asked, counts them
per group (:class:`Stats`). The filters combine: a recording is listed when it passes
each filter given; a filter given several values accepts a recording that matches any
of them.

The directory of a file is judged as ``validate`` judges it: only in a tree laid out
like the suite's (:mod:`recstack.suite_layout`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from recstack.grouping import GroupBy
from recstack.nodeid import glob_match, test_id_matcher
from recstack.problems import Problem, RecstackError
from recstack.replay import DEFAULT_FALLBACK_DIR
from recstack.replay_rules import looks_like_recording_name, parse_name
from recstack.selection import Selection
from recstack.suite import Entry, Scan, grouped, scan


def _usage(option: str, message: str) -> RecstackError:
    return RecstackError(Problem(option, message, rule="usage"))


# --- the values of the options ------------------------------------------------------

_SIZE = re.compile(r"(?P<number>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>[kmgt]?)(?:i?b)?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """``SIZE`` in bytes: a number with an optional unit, K, M, G or T (powers of 1024;
    ``KB`` and ``KiB`` are the same): ``2000``, ``1.5K``, ``10MB``, ``1GiB``."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise _usage(
            "--larger-than", f"{text!r} is not a size (a number of bytes, or with K, M, G: 100K)"
        )
    return int(float(match.group("number")) * _UNITS[match.group("unit").lower()])


_HEX = re.compile(r"[0-9a-f]+")


def parse_hash(text: str) -> str:
    """The hex digits of a ``--hash`` value (``rec-`` and case left out)."""
    digits = text.strip().lower().removeprefix("rec-")
    if not _HEX.fullmatch(digits):
        raise _usage(
            "--hash", f"{text!r} is not a hash prefix (hex digits, or a rec- id: rec-1a2b3c)"
        )
    return digits


def compile_grep(text: str) -> re.Pattern[str]:
    """``--grep REGEX`` compiled (Python ``re`` syntax; ``(?i)`` for any case)."""
    try:
        return re.compile(text)
    except (re.error, RecursionError, OverflowError) as exc:
        raise _usage("--grep", f"{text!r} is not a regular expression ({exc})") from None


def file_name_hash(name: str) -> str | None:
    """The request hash of the recording name a file name ends with: ``<hash>.json``,
    ``models-<hash>-<8 hex>.json``, or one of them after a prefix (``inference-<hash>.json``)."""
    found = upstream_name(name)
    parsed = parse_name(found) if found is not None else None
    return parsed.hash if parsed is not None else None


def upstream_name(name: str) -> str | None:
    """The longest tail of ``name`` (after a ``-``) that looks like an upstream
    recording name, or None: ``old-common-models-<hash>-<8 hex>.json`` gives
    ``models-<hash>-<8 hex>.json``."""
    if looks_like_recording_name(name):
        return name
    start = name.find("-")
    while start >= 0:
        tail = name[start + 1 :]
        if looks_like_recording_name(tail):
            return tail
        start = name.find("-", start + 1)
    return None


# --- the filters ----------------------------------------------------------------------

Predicate = Callable[[Entry], bool]


@dataclass(frozen=True)
class Filters:
    """What to list; empty: everything. Several values of one filter: any of them."""

    tests: tuple[str, ...] = ()  # --test GLOB: on the test id (nodeid.test_id_matcher)
    endpoints: tuple[str, ...] = ()  # --endpoint GLOB
    models: tuple[str, ...] = ()  # --model GLOB
    providers: tuple[str, ...] = ()  # --provider GLOB
    hashes: tuple[str, ...] = ()  # --hash PREFIX (hex digits, see parse_hash)
    grep: tuple[re.Pattern[str], ...] = ()  # --grep REGEX: request messages and answer
    stale: bool = False  # --stale: replay never opens it
    errors: bool = False  # --errors: a recorded exception
    larger_than: int | None = None  # --larger-than SIZE, in bytes

    @property
    def given(self) -> bool:
        """Whether any filter is set."""
        return bool(
            self.tests
            or self.endpoints
            or self.models
            or self.providers
            or self.hashes
            or self.grep
            or self.stale
            or self.errors
            or self.larger_than is not None
        )

    def predicates(self) -> list[Predicate]:
        """One test per filter given, cheapest first."""
        tests: list[Predicate] = []
        if self.stale:
            tests.append(lambda e: e.stale)
        if self.errors:
            tests.append(lambda e: e.is_exception)
        if self.larger_than is not None:
            limit = self.larger_than
            tests.append(lambda e: e.bytes > limit)
        for patterns, value in (
            (self.endpoints, _endpoint),
            (self.models, _model),
            (self.providers, _provider),
        ):
            if patterns:
                tests.append(_globs(patterns, value))
        if self.tests:
            matchers = [test_id_matcher(pattern) for pattern in self.tests]
            tests.append(lambda e: any(match(e.test_id) for match in matchers))
        if self.hashes:
            tests.append(_hash_test(self.hashes))
        if self.grep:
            regexes = self.grep
            tests.append(lambda e: any(r.search(e.text or "") for r in regexes))
        return tests

    def accepts(self, entry: Entry) -> bool:
        return all(test(entry) for test in self.predicates())


def _endpoint(entry: Entry) -> str | None:
    return entry.endpoint


def _model(entry: Entry) -> str | None:
    return entry.model


def _provider(entry: Entry) -> str | None:
    return entry.provider


def _globs(patterns: Sequence[str], value: Callable[[Entry], str | None]) -> Predicate:
    def test(entry: Entry) -> bool:
        text = value(entry)
        return text is not None and any(glob_match(p, text) for p in patterns)

    return test


def _hash_test(prefixes: Sequence[str]) -> Predicate:
    """Matches the file name's hash, the hash replay computes for the request today,
    or a ``rec-`` id of the response, by prefix."""

    def test(entry: Entry) -> bool:
        hashes = [file_name_hash(entry.name), entry.request_hash]
        hashes += [rec_id.removeprefix("rec-") for rec_id in entry.rec_ids or ()]
        return any(h and h.startswith(p) for h in hashes for p in prefixes)

    return test


# --- the statistics --------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """The counts of one group of recordings."""

    name: str  # "-" for recordings without the value grouped by
    recordings: int = 0
    bytes: int = 0
    streamed: int = 0
    chunks: int = 0
    stale: int = 0
    exceptions: int = 0


def count(name: str, entries: Iterable[Entry]) -> Group:
    recordings = size = streamed = chunks = stale = exceptions = 0
    for entry in entries:
        recordings += 1
        size += entry.bytes
        streamed += entry.streamed
        chunks += entry.chunks or 0
        stale += entry.stale
        exceptions += entry.is_exception
    return Group(name, recordings, size, streamed, chunks, stale, exceptions)


_GROUP_KEYS: dict[GroupBy, Callable[[Entry], str | None]] = {
    GroupBy.DIR: lambda e: os.path.dirname(e.path) or os.curdir,
    GroupBy.TEST: lambda e: e.test_id,
    GroupBy.ENDPOINT: _endpoint,
    GroupBy.MODEL: _model,
    GroupBy.PROVIDER: _provider,
}


@dataclass(frozen=True)
class Stats:
    """Counts per group (none without ``by``) and in total."""

    by: GroupBy | None
    groups: list[Group]
    total: Group


def stats(entries: Sequence[Entry], by: GroupBy | None = None) -> Stats:
    groups = [] if by is None else [count(n, g) for n, g in grouped(entries, _GROUP_KEYS[by])]
    return Stats(by, groups, count("total", entries))


# --- the report ----------------------------------------------------------------------


@dataclass
class Listing:
    """What ``ls`` found: the recordings the filters accept, and the scan they came from."""

    scan: Scan
    filters: Filters = field(default_factory=Filters)
    entries: list[Entry] = field(default_factory=list)
    stats: Stats | None = None  # with --stats

    @property
    def read(self) -> int:
        """Recordings read (before the filters)."""
        return len(self.scan.entries)

    @property
    def broken(self) -> list[Problem]:
        """Recordings that could not be parsed (the I/O problems are in ``problems``)."""
        return [p for p in self.scan.unreadable if p.rule != "io"]

    @property
    def problems(self) -> list[Problem]:
        return self.scan.problems

    @property
    def findings(self) -> bool:
        """Exit 1: nothing matched (like grep), or a recording is broken."""
        return not self.entries or bool(self.broken)


def list_paths(
    selection: Selection,
    filters: Filters | None = None,
    *,
    group_by: GroupBy | None = None,
    with_stats: bool = False,
    fallback_dir: str = DEFAULT_FALLBACK_DIR,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Listing:
    """The recordings of ``selection`` that ``filters`` accept, in order; with
    ``with_stats`` (or ``group_by``) their counts. Only what a filter needs is computed
    (the searchable text for ``grep``, the ``rec-`` ids for ``hashes``)."""
    filters = filters or Filters()
    found = scan(
        selection,
        fallback_dir=fallback_dir,
        text=bool(filters.grep),
        rec_ids=bool(filters.hashes),
        suite_layout=True,
        jobs=jobs,
        progress=progress,
    )
    tests = filters.predicates()
    entries = [entry for entry in found.entries if all(test(entry) for test in tests)]
    summary = stats(entries, group_by) if with_stats or group_by is not None else None
    return Listing(found, filters, entries, summary)
