"""The suite as a whole: one pass over every recording, what each is and whether replay
can ever find it.

:func:`scan` reads the selected files (on several processes) into one :class:`Entry`
per recording: where it is, its test, endpoint, model and provider, how it was
streamed, its size, and the replay verdict (:func:`recstack.replay.check`: ``ok``,
``stale`` with the name replay looks up and why, or ``unknown``). ``recstack ls``,
``explain``, ``rekey`` and ``prune`` all stand on it. Optional extras cost more and are
computed only when asked: the searchable text of the request and the reassembled
answer (``ls --grep``), the ``rec-`` ids of the response (``ls --hash``), and a digest
of the normalized bytes (``prune --duplicates``).

By default a file's directory is judged wherever it sits (``replay.check``);
``suite_layout=True`` judges it only in a tree laid out like the suite's, as ``validate``
does (:mod:`recstack.suite_layout`).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial

from recstack.loading import read_file, recording_from_bytes, skippable
from recstack.parallel import pmap
from recstack.problems import Problem, RecstackError
from recstack.recording import Recording
from recstack.replay import DEFAULT_FALLBACK_DIR, ReplayCause, ReplayStatus, check
from recstack.replay_rules import parse_name
from recstack.selection import Selection
from recstack.suite_layout import verdict as layout_verdict


@dataclass(frozen=True)
class Entry:
    """One recording of the suite."""

    path: str
    test_id: str | None
    endpoint: str | None
    model: str | None
    provider: str | None
    shape: str  # inference, passthrough, tool, file_processor, unknown
    streamed: bool
    chunks: int | None
    bytes: int
    is_exception: bool
    replay: ReplayStatus
    replay_name: str | None  # the file name replay looks this request up by
    replay_why: str | None  # a short reason, when not plainly ok
    replay_cause: ReplayCause | None
    replay_dirs: tuple[str, ...]  # where replay looks, relative to the repository root
    request_hash: str | None  # the hash replay computes today (None when no rule applies)
    keyed_test_id: bool = False  # that hash's key holds the test id (null: outside any test)
    text: str | None = None  # request messages and the answer (with ``text=True``)
    normalized: str | None = None  # sha256 of the normalized bytes (``normalized=True``)
    rec_ids: tuple[str, ...] | None = None  # the response's rec- ids (``rec_ids=True``)

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    @property
    def stale(self) -> bool:
        return self.replay is ReplayStatus.STALE


@dataclass
class Scan:
    """Every recording of a selection, and what could not be read."""

    entries: list[Entry] = field(default_factory=list)
    unreadable: list[Problem] = field(default_factory=list)  # broken recordings (findings)
    unusable: list[Problem] = field(default_factory=list)  # I/O problems (exit 2)
    skipped: list[str] = field(default_factory=list)  # JSON files that are no recordings
    vanished: list[str] = field(default_factory=list)  # stdin paths that no longer exist

    @property
    def problems(self) -> list[Problem]:
        io = [p for p in self.unreadable if p.rule == "io"]
        return [*self.unusable, *io]

    def by_hash(self) -> dict[str, list[Entry]]:
        """Recordings by the request hash replay computes for them today."""
        index: dict[str, list[Entry]] = {}
        for entry in self.entries:
            if entry.request_hash:
                index.setdefault(entry.request_hash, []).append(entry)
        return index

    def by_test(self) -> dict[str | None, list[Entry]]:
        index: dict[str | None, list[Entry]] = {}
        for entry in self.entries:
            index.setdefault(entry.test_id, []).append(entry)
        return index


@dataclass(frozen=True)
class _Options:
    fallback_dir: str
    text: bool
    normalized: bool
    rec_ids: bool = False
    suite_layout: bool = False


@dataclass(frozen=True)
class _Outcome:
    entry: Entry | None = None
    problem: Problem | None = None
    skipped: bool = False


def entry_for(
    path: str,
    recording: Recording,
    size: int,
    *,
    fallback_dir: str = DEFAULT_FALLBACK_DIR,
    text: bool = False,
    normalized: bool = False,
    rec_ids: bool = False,
    suite_layout: bool = False,
) -> Entry:
    """The :class:`Entry` of one parsed recording (``size``: its bytes on disk)."""
    judge = layout_verdict if suite_layout else check
    verdict = judge(path, recording, fallback_dir=fallback_dir)
    # The verdict's name holds the hash replay computes today: no second key.
    expected = parse_name(verdict.expected_name) if verdict.expected_name else None
    plain_ok = verdict.status is ReplayStatus.OK and verdict.cause is None
    return Entry(
        path=path,
        test_id=recording.test_id,
        endpoint=recording.endpoint,
        model=recording.model,
        provider=provider_of(recording),
        shape=recording.shape.value,
        streamed=recording.is_streaming,
        chunks=recording.chunk_count,
        bytes=size,
        is_exception=recording.is_exception,
        replay=verdict.status,
        replay_name=verdict.expected_name,
        replay_why=None if plain_ok else verdict.reason,
        replay_cause=verdict.cause,
        replay_dirs=verdict.expected_dirs,
        request_hash=expected.hash if expected is not None else None,
        keyed_test_id=verdict.keyed_test_id,
        text=searchable_text(recording) if text else None,
        normalized=normalized_digest(recording) if normalized else None,
        rec_ids=response_rec_ids(recording) if rec_ids else None,
    )


def provider_of(recording: Recording) -> str | None:
    """The provider the recording names (tool and file-processor calls, provider
    metadata), else the one the test id's parameters pair with the request's model:
    ``test_x[txt=ollama/llama3.2:3b]`` with model ``llama3.2:3b`` gives ``ollama``."""
    recorded = recording.provider
    test_id, model = recording.test_id, recording.model
    if recorded or not test_id or not model or "[" not in test_id:
        return recorded
    params = test_id[test_id.index("[") :]
    tail = re.escape("/" + model) + r"(?=$|[\]\-:])"
    for pattern in (r"=([\w.-]+)" + tail, r"[\[\-:]([\w.]+)" + tail):
        found = re.search(pattern, params)
        if found:
            return found.group(1)
    return None


def searchable_text(recording: Recording) -> str:
    """The request's messages and the reassembled answer, as one text to search."""
    from recstack.reassembly import reassemble

    answer = reassemble(recording)
    parts = _request_texts(recording)
    for choice in answer.choices:
        parts += [choice.content or "", choice.reasoning or "", choice.refusal or ""]
        parts += [f"{call.name or ''}({call.arguments or ''})" for call in choice.tool_calls]
    if answer.error is not None and answer.error.message:
        parts.append(answer.error.message)
    return "\n".join(part for part in parts if part)


def _request_texts(recording: Recording) -> list[str]:
    """The text of each message, prompt or input of the request."""
    from recstack.request_summary import request_messages

    return [message.text for message in request_messages(recording)]


_REC_ID = re.compile(r"(?<![\w-])rec-[0-9a-f]{12}(?![\w-])")


def response_rec_ids(recording: Recording) -> tuple[str, ...]:
    """The distinct ``rec-<12 hex>`` ids in the response's strings, in order of appearance
    (normalize writes ``rec-`` + the file-name hash; a renamed file keeps its old one)."""
    found: dict[str, None] = {}
    stack: list[object] = [recording.response]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "rec-" in value:
                found.update(dict.fromkeys(_REC_ID.findall(value)))
        elif isinstance(value, dict):
            stack.extend(reversed(list(value.values())))
        elif isinstance(value, list):
            stack.extend(reversed(value))
    return tuple(found)


# The one file name every recording is normalized under for its digest: the ``rec-``
# ids normalize writes derive from the name, and two copies of a recording under two
# names must still compare equal.
DIGEST_NAME = "0" * 64 + ".json"


def normalized_digest(recording: Recording) -> str:
    """sha256 of the recording as ``recstack normalize`` (default profile) would write it
    under one fixed name (:data:`DIGEST_NAME`): equal for copies under any names."""
    from recstack.normalization import normalize
    from recstack.writing import canonical_bytes

    result = normalize(recording.data, DIGEST_NAME)
    return hashlib.sha256(canonical_bytes(result.data)).hexdigest()


def _scan_one(item: tuple[str, bool], options: _Options) -> _Outcome:
    """Worker: one file -> its entry, its problem, or skipped (never raises)."""
    path, explicit = item
    raw: bytes | None = None
    try:
        snapshot = read_file(path)
        raw = snapshot.raw
        loaded = recording_from_bytes(raw, path)
    except RecstackError as exc:
        if not explicit and skippable(path, exc, raw):
            return _Outcome(skipped=True)
        return _Outcome(problem=exc.problem)
    recording = Recording(path, loaded.data)
    try:
        entry = entry_for(
            path,
            recording,
            len(raw),
            fallback_dir=options.fallback_dir,
            text=options.text,
            normalized=options.normalized,
            rec_ids=options.rec_ids,
            suite_layout=options.suite_layout,
        )
    except (RecursionError, ValueError, TypeError) as exc:  # never expected: one line
        return _Outcome(problem=Problem(path, f"cannot read: {type(exc).__name__}: {exc}"))
    return _Outcome(entry=entry)


def scan(
    selection: Selection,
    *,
    fallback_dir: str = DEFAULT_FALLBACK_DIR,
    text: bool = False,
    normalized: bool = False,
    rec_ids: bool = False,
    suite_layout: bool = False,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Scan:
    """One :class:`Entry` per recording of ``selection``, in order."""
    result = Scan(unusable=list(selection.problems), vanished=list(selection.vanished))
    items = [(os.fspath(c.path), c.explicit) for c in selection.files]
    options = _Options(fallback_dir, text, normalized, rec_ids, suite_layout)
    work = partial(_scan_one, options=options)
    for item, outcome in zip(items, pmap(work, items, jobs=jobs), strict=True):
        if outcome.skipped:
            result.skipped.append(item[0])
        elif outcome.entry is not None:
            result.entries.append(outcome.entry)
        elif outcome.problem is not None:
            result.unreadable.append(outcome.problem)
        if progress is not None:
            progress(1)
    empty = selection.nothing_read(
        len(result.entries) + len(result.unreadable), len(result.skipped)
    )
    if empty is not None:
        result.unusable.append(empty)
    return result


def grouped(
    entries: Iterable[Entry], key: Callable[[Entry], str | None]
) -> Iterator[tuple[str, list[Entry]]]:
    """Entries grouped by ``key`` (None as ``-``), groups sorted by name."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(key(entry) or "-", []).append(entry)
    yield from sorted(groups.items())
