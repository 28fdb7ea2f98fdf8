"""Why did replay miss? Each replay miss of a test run, explained by the recordings.

A test run in replay mode fails a request it has no recording for, printing the
request hash it looked up (:mod:`recstack.testlog` reads those out of the log, with
the test each happened in). :func:`explain_log` reads the recordings of a selection
once (:func:`recstack.suite.scan`) and gives each miss the most useful true answer,
first match wins:

1. a recording whose request hashes to the miss's hash today (or whose file name
   carries it) exists:

   - ``not-seen``: under the very name, in a folder replay searches: replay should
     have found it (the run saw another tree, or another storage directory);
   - ``misplaced``: under the right name, in a folder replay does not search;
   - ``misnamed``: under another name (a stale name, a name made by hand);

   with the command that fixes it (``recstack rekey`` where it can, else ``mv``);
2. ``request-changed``: the test has recordings, none with this hash: its request
   changed (listed, closest first: same endpoint and model);
3. ``test-renamed``: no recording has this test id, but some have one that looks like
   it renamed (the same function with other parameters, or the same parameters in
   another file or class);
4. ``new-test``: the test has no recording at all (``not-recorded`` for a miss outside
   any test): record it.

Where replay looked is the test file's ``recordings/`` folder, then the fallback
directory (``docs/format.md#directories``), relative to the repository root; the
fallback alone when the recording that holds the request keys it with a null test id
(a call outside any test, such as a session fixture's, reported at a test's setup).

A hash of 64 hex is matched whole; one of 12 hex (the oldest runs) against the first
12 hex of today's hashes and against 12-hex file names, and a file of that very name
is ``not-seen`` wherever it is (those runs looked in folders of their own). Pure apart
from reading the log and the recordings: nothing is printed.
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import IO

from recstack.loading import io_problem
from recstack.manifest import looks_renamed
from recstack.nodeid import head_line, same_file, split_node_id
from recstack.parallel import beside, workers_for
from recstack.problems import Problem
from recstack.rekeying import FIXABLE
from recstack.replay import DEFAULT_FALLBACK_DIR, ReplayCause, ReplayStatus, expected_dirs, sits_in
from recstack.replay_rules import MODEL_LIST_PATHS, parse_name
from recstack.selection import Selection
from recstack.snapshot import check_stream
from recstack.suite import Entry, Scan, scan
from recstack.testlog import Miss, misses_in_file, read_misses
from recstack.textenum import TextEnum

__all__ = ["ExplainReport", "Explanation", "Verdict", "explain_log", "explain_misses"]

STDIN = "-"


class Verdict(TextEnum):
    """What a miss is, by what the recordings say."""

    NOT_SEEN = "not-seen"  # the right name in a folder replay searches
    MISPLACED = "misplaced"  # the right name in another folder
    MISNAMED = "misnamed"  # the request is recorded under another name
    REQUEST_CHANGED = "request-changed"  # the test's recordings hold other requests
    TEST_RENAMED = "test-renamed"  # recordings under a test id like this one
    NEW_TEST = "new-test"  # the test has no recording
    NOT_RECORDED = "not-recorded"  # a miss outside any test, and nothing like it


FOUND = frozenset({Verdict.NOT_SEEN, Verdict.MISPLACED, Verdict.MISNAMED})

# Stale causes ``recstack rekey`` fixes (docs/rekey.md); oldest-layout only for a file
# that keeps its test id.
REKEY_FIXES = FIXABLE

# Stale causes that name a file by rules replay applied before today's.
EARLIER_RULES = frozenset(
    {
        ReplayCause.BEFORE_FILE_SEARCH,
        ReplayCause.TEST_ID_RENAMED,
        ReplayCause.RAW_BODY,
        ReplayCause.OLDEST_LAYOUT,
    }
)


@dataclass(frozen=True)
class Explanation:
    """One miss and what the recordings say about it."""

    miss: Miss
    verdict: Verdict
    reason: str  # one sentence
    looked_in: tuple[str, ...]  # the folders replay searched, relative to the repository root
    looked_for: str  # the file name replay opened (``models-<hash>-*.json`` for model lists)
    found: Entry | None = None  # the recording that holds the request
    candidates: tuple[Entry, ...] = ()  # other recordings worth a look, closest first
    renamed_from: tuple[str, ...] = ()  # test-renamed: the recorded test ids, closest first
    fix: str | None = None  # a command line (``recstack rekey PATH``, ``mv A B``)
    next_step: str | None = None  # what to do when no command fixes it

    def to_dict(self) -> dict[str, object]:
        miss = self.miss
        return {
            "test_id": miss.test_id,
            "hash": miss.hash,
            "found": self.found.path if self.found is not None else None,
            "verdict": self.verdict.value,
            "candidates": [entry.path for entry in self.candidates],
            "reason": self.reason,
            "fix": self.fix,
            "next_step": self.next_step,
            "renamed_from": list(self.renamed_from),
            "looked_in": list(self.looked_in),
            "looked_for": self.looked_for,
            "line": miss.line,
            "model": miss.model,
            "method": miss.method,
            "url": miss.url,
            "endpoint": miss.endpoint,
        }


@dataclass
class ExplainReport:
    """The misses of one log, explained; and what could not be read."""

    log: str
    explanations: list[Explanation] = field(default_factory=list)
    scan: Scan = field(default_factory=Scan)
    log_problem: Problem | None = None  # the log could not be read (exit 2)

    @property
    def problems(self) -> list[Problem]:
        """The log or a path could not be read (exit 2)."""
        head = [self.log_problem] if self.log_problem is not None else []
        return [*head, *self.scan.problems]

    @property
    def broken(self) -> list[Problem]:
        """Recordings that are no valid recording (findings, as everywhere)."""
        return [p for p in self.scan.unreadable if p.rule != "io"]

    @property
    def findings(self) -> bool:
        """Misses to explain, or a broken recording."""
        return bool(self.explanations or self.broken)

    def count(self, verdict: Verdict) -> int:
        return sum(1 for item in self.explanations if item.verdict is verdict)


# --- the recordings, indexed once -----------------------------------------------------


_HEX = re.compile("[0-9a-f]*")


def _hex(text: str) -> bool:
    return _HEX.fullmatch(text) is not None


def name_hashes(name: str) -> list[str]:
    """The request hashes a file name carries: every part of its stem (split at ``-``)
    of 64 or 12 lower-case hex (``models-<h>-<digest>.json``, ``area-<h>.json``)."""
    stem = name[:-5] if name.endswith(".json") else name
    return [part for part in stem.split("-") if len(part) in (12, 64) and _hex(part)]


def _tail(test_id: str) -> tuple[str, str]:
    """(file name, everything after the path): what two rootdirs' spellings share."""
    path, _, rest = test_id.partition("::")
    return path.replace("\\", "/").rsplit("/", 1)[-1], rest


class _Index:
    """The recordings of a scan, by what a miss can be matched with."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.by_hash: dict[str, list[Entry]] = {}
        self.by_name: dict[str, list[Entry]] = {}
        self.by_test: dict[str | None, list[Entry]] = {}
        self.tails: dict[tuple[str, str], list[str]] = {}
        self.shorts: dict[str, list[str]] = {}
        self.functions: dict[str, list[str]] = {}  # function name -> recorded test ids
        folders: dict[str, None] = {}
        for entry in entries:
            if entry.request_hash:
                self.by_hash.setdefault(entry.request_hash, []).append(entry)
                self.by_hash.setdefault(entry.request_hash[:12], []).append(entry)
            for digest in name_hashes(entry.name):
                self.by_name.setdefault(digest, []).append(entry)
                if len(digest) == 64:
                    self.by_name.setdefault(digest[:12], []).append(entry)
            tests = self.by_test.setdefault(entry.test_id, [])
            if not tests and entry.test_id:
                self.tails.setdefault(_tail(entry.test_id), []).append(entry.test_id)
                self.shorts.setdefault(head_line(entry.test_id), []).append(entry.test_id)
                name = split_node_id(entry.test_id).name
                self.functions.setdefault(name, []).append(entry.test_id)
            tests.append(entry)
            folders.setdefault(os.path.dirname(entry.path) or os.curdir, None)
        self.folders = list(folders)
        self._folder_of: dict[str, str | None] = {}  # folder() of each folder asked for

    def holding(self, digest: str) -> list[Entry]:
        """Recordings whose request hashes to ``digest`` today, then those named by it."""
        found = [*self.by_hash.get(digest, ()), *self.by_name.get(digest, ())]
        return list(dict.fromkeys(found))

    def recorded_ids(self, test_id: str) -> list[str]:
        """The recorded test ids that are ``test_id``: itself, or its spelling from another
        rootdir; for pytest's short name (``TestC.test_x[p]``), the ids it abbreviates."""
        if test_id in self.by_test:
            return [test_id]
        if "::" not in test_id:
            return list(self.shorts.get(test_id, ()))
        path = test_id.partition("::")[0]
        listed = self.tails.get(_tail(test_id), ())
        return [known for known in listed if same_file(path, known.partition("::")[0])]

    def folder(self, wanted: str) -> str | None:
        """A folder of the tree that is ``wanted`` (compared by its tail), if there is one."""
        if wanted not in self._folder_of:
            self._folder_of[wanted] = next(
                (f for f in self.folders if sits_in(os.path.join(f, "x.json"), (wanted,))), None
            )
        return self._folder_of[wanted]


# --- one miss -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    index: _Index
    fallback_dir: str
    root: str  # where the folders replay searches start, as the user reaches it


def _looked_for(miss: Miss) -> str:
    """The name replay opened: a model list's (``models-<hash>-*.json``, as far as the
    url tells) or ``<hash>.json``."""
    endpoint = miss.endpoint or ""
    if endpoint.endswith(MODEL_LIST_PATHS):
        return f"models-{miss.hash}-*.json"
    return f"{miss.hash}.json"


def _folders_known(test_id: str | None) -> bool:
    """Whether the folders replay searched are known: a test id names its file (or
    there is no test: the fallback only)."""
    return test_id is None or split_node_id(test_id).path.endswith(".py")


def _right_name(entry: Entry, miss: Miss) -> bool:
    """The file's name is the one replay opened for the miss (its hash is the miss's)."""
    parsed = parse_name(entry.name)
    return parsed is not None and parsed.hash == miss.hash


def _rank(entry: Entry, miss: Miss, dirs: tuple[str, ...]) -> tuple[bool, bool, bool, bool, str]:
    """Best explanation first: the file replay opens, then one under the name it opens
    (only a move away), then a recording of the miss's own request (not merely of its
    name), of the same test, then path order."""
    named = _right_name(entry, miss)
    return (
        not (named and sits_in(entry.path, dirs)),
        not named,
        not (entry.request_hash or "").startswith(miss.hash),
        entry.test_id != miss.test_id,
        entry.path,
    )


def _closeness(entry: Entry, miss: Miss) -> tuple[int, int, str]:
    """Recordings of a test most like the miss first: same endpoint and model."""
    return (entry.endpoint != miss.endpoint, entry.model != miss.model, entry.path)


def _shell(*words: str) -> str:
    return " ".join(shlex.quote(word) for word in words)


def _target_folder(ctx: _Context, wanted: str) -> str:
    """The folder replay searches, as a path from here: the tree's own if it has it."""
    found = ctx.index.folder(wanted)
    if found is not None:
        return found
    return os.path.normpath(os.path.join(ctx.root, wanted))


def _rekey_fixes(entry: Entry) -> bool:
    """Whether ``recstack rekey FILE`` gives the recording the name replay looks up."""
    if entry.replay_cause not in REKEY_FIXES:
        return False
    return entry.replay_cause is not ReplayCause.OLDEST_LAYOUT or entry.test_id is not None


def _answer(
    miss: Miss,
    dirs: tuple[str, ...],
    verdict: Verdict,
    reason: str,
    found: Entry | None,
    candidates: Sequence[Entry],
    renamed: Sequence[str] = (),
    fix: str | None = None,
    next_step: str | None = None,
) -> Explanation:
    return Explanation(
        miss=miss,
        verdict=verdict,
        reason=reason,
        looked_in=dirs,
        looked_for=_looked_for(miss),
        found=found,
        candidates=tuple(candidates),
        renamed_from=tuple(renamed),
        fix=fix,
        next_step=next_step,
    )


def _explain_found(
    miss: Miss, matches: list[Entry], ctx: _Context, dirs: tuple[str, ...], known: bool
) -> Explanation:
    """A recording holds the miss's request, or carries its hash in its name."""
    entry, *others = sorted(matches, key=lambda e: _rank(e, miss, dirs))

    def made(verdict: Verdict, reason: str, fix: str | None = None) -> Explanation:
        step = None
        if verdict is Verdict.NOT_SEEN:
            step = (
                "check that the run read this tree: a checkout without this file, or "
                f"another storage directory than {ctx.fallback_dir}?"
            )
        return _answer(miss, dirs, verdict, reason, entry, others, fix=fix, next_step=step)

    edited = ""
    if entry.request_hash is not None and not entry.request_hash.startswith(miss.hash):
        rule = entry.replay_cause
        why = "edited after recording?"
        if rule in EARLIER_RULES:
            why = f"named by an earlier rule, {rule}"
        elif rule is ReplayCause.MISSING_TEST_ID:
            why = "named with a test id the file does not keep"
        edited = f" (its request now hashes to {entry.request_hash[:12]}: {why})"
    where = " and ".join(dirs)
    if entry.keyed_test_id and entry.test_id is None and entry.request_hash == miss.hash:
        where += " (its key has no test id: a call outside any test, looked up there only)"
    if _right_name(entry, miss):
        if len(miss.hash) == 12:  # a run of the oldest layout: where it looked is unknown
            placed = True
        else:
            placed = sits_in(entry.path, dirs) if known else entry.replay is ReplayStatus.OK
        if placed:
            return made(
                Verdict.NOT_SEEN,
                f"{entry.path} has the name replay opens, in a folder it searches{edited}: "
                "replay should have found it",
            )
        fix = _shell("mv", entry.path, _target_folder(ctx, dirs[0]) + os.sep)
        if entry.replay_cause is ReplayCause.WRONG_DIRECTORY and entry.test_id == miss.test_id:
            fix = _shell("recstack", "rekey", entry.path)
        reason = f"{entry.path} has the name replay opens{edited}, but replay searches {where}"
        return made(Verdict.MISPLACED, reason, fix)
    cause = entry.replay_cause.value if entry.replay_cause is not None else "another name"
    name = entry.replay_name or _looked_for(miss)
    fix = _shell("mv", entry.path, os.path.join(_target_folder(ctx, dirs[0]), name))
    if _rekey_fixes(entry) and entry.test_id == miss.test_id:
        fix = _shell("recstack", "rekey", entry.path)
    reason = (
        f"{entry.path} holds this request under a name replay never opens ({cause}); "
        f"replay opens {name} in {where}"
    )
    return made(Verdict.MISNAMED, reason, fix)


def _explain_missing(
    miss: Miss, test_id: str | None, ctx: _Context, dirs: tuple[str, ...]
) -> Explanation:
    """No recording holds the request: what the test has instead."""
    index = ctx.index

    def made(
        verdict: Verdict,
        reason: str,
        candidates: Iterable[Entry] = (),
        renamed: Sequence[str] = (),
        fix: str | None = None,
        next_step: str | None = None,
    ) -> Explanation:
        ordered = sorted(candidates, key=lambda e: _closeness(e, miss))
        return _answer(miss, dirs, verdict, reason, None, ordered, renamed, fix, next_step)

    record = "record it (replay mode record-if-missing)"
    if test_id is None:
        same = [e for e in index.by_test.get(None, ()) if e.endpoint == miss.endpoint]
        if same and miss.endpoint is not None:
            reason = (
                f"no recording holds this request; {_count(same)} outside any test call "
                f"{miss.endpoint}"
            )
            return made(Verdict.REQUEST_CHANGED, reason, same, next_step=record)
        return made(
            Verdict.NOT_RECORDED,
            "no recording holds this request (a call outside any test)",
            next_step=record,
        )
    ids = index.recorded_ids(test_id)
    if ids:
        mine = [entry for known in ids for entry in index.by_test[known]]
        reason = f"the test has {_count(mine)}, none of this request: its request changed"
        best = sorted(mine, key=lambda e: _closeness(e, miss))[0]
        step = f"re-record it, then compare the new recording with {best.path} (recstack diff)"
        return made(Verdict.REQUEST_CHANGED, reason, mine, next_step=step)
    # looks_renamed keeps the same function only: look among those alone (fast)
    same_function = index.functions.get(split_node_id(test_id).name, [])
    renamed = looks_renamed(test_id, same_function) if "::" in test_id else []
    if renamed:
        theirs = [entry for known in renamed for entry in index.by_test[known]]
        were = "has" if len(theirs) == 1 else "have"
        reason = (
            f"no recording has this test id, but {_count(theirs)} {were} one like it "
            f"({renamed[0]}): was the test renamed?"
        )
        first = sorted(theirs, key=lambda e: _closeness(e, miss))[0]
        folder = os.path.dirname(first.path) or os.curdir
        rekey = _shell("recstack", "rekey", "--test-id", f"{renamed[0]}={test_id}", folder)
        if split_node_id(renamed[0]).params == split_node_id(test_id).params:  # moved
            return made(Verdict.TEST_RENAMED, reason, theirs, renamed, fix=rekey)
        step = f"a new parametrization? {record}; if the test was renamed: {rekey}"
        return made(Verdict.TEST_RENAMED, reason, theirs, renamed, next_step=step)
    return made(Verdict.NEW_TEST, "the test has no recording: a new test?", next_step=record)


def _count(entries: Sequence[Entry]) -> str:
    return f"{len(entries)} recording{'' if len(entries) == 1 else 's'}"


def _resolved(test_id: str | None, index: _Index) -> str | None:
    """The miss's test id; pytest's short name made whole when one recorded test has it."""
    if test_id is None or "::" in test_id or test_id.endswith(".py"):
        return test_id
    ids = index.shorts.get(test_id, [])
    return ids[0] if len(ids) == 1 else test_id


def explain_miss(miss: Miss, ctx: _Context) -> Explanation:
    """The most useful true answer for one miss."""
    test_id = _resolved(miss.test_id, ctx.index)
    known = _folders_known(test_id)
    dirs = expected_dirs(test_id if known else None, ctx.fallback_dir)
    matches = ctx.index.holding(miss.hash)
    if matches:
        keyed = [e for e in matches if e.keyed_test_id and e.request_hash == miss.hash]
        if keyed and _folders_known(keyed[0].test_id):
            # the key holds the test id the request was made in: replay's folders
            dirs, known = expected_dirs(keyed[0].test_id, ctx.fallback_dir), True
        return _explain_found(miss, matches, ctx, dirs, known)
    return _explain_missing(miss, test_id, ctx, dirs)


def explain_misses(
    misses: Iterable[Miss],
    suite: Scan,
    *,
    fallback_dir: str = DEFAULT_FALLBACK_DIR,
    root: str = os.curdir,
) -> list[Explanation]:
    """Each miss explained by the recordings of ``suite``; ``root``: where the folders
    replay searches start (the repository root), for the commands that fix a miss."""
    ctx = _Context(_Index(suite.entries), posixpath.normpath(fallback_dir), root)
    return [explain_miss(miss, ctx) for miss in misses]


def read_log(log: str, stdin: IO[bytes] | None = None) -> list[Miss]:
    """The misses of the log file ``log`` (``-``: ``stdin``). Raises OSError."""
    if log == STDIN:
        if stdin is None:
            raise OSError(0, "no standard input to read the log from", log)
        check_stream(stdin)
        return read_misses(stdin)
    return misses_in_file(log)


def explain_log(
    log: str,
    selection: Selection,
    *,
    stdin: IO[bytes] | None = None,
    fallback_dir: str = DEFAULT_FALLBACK_DIR,
    root: str | os.PathLike[str] = os.curdir,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ExplainReport:
    """The replay misses of ``log`` (a file, or ``-`` for ``stdin``), explained by the
    recordings of ``selection``; ``root``: the repository root (the commands that fix a
    miss name paths under it as reached from the current directory). A log that cannot
    be read is the report's ``log_problem``, and nothing else is reported (the
    recordings are not read, or what was read of them is dropped).

    A log file is read in a process of its own while the recordings are read, when
    they are read on several (:func:`recstack.parallel.beside`).
    """
    report = ExplainReport(log)
    aside = _read_aside(log, jobs, len(selection.files))
    reader = partial(misses_in_file, log) if aside else partial(read_log, log, stdin)
    with beside(reader, separate=aside) as read:
        misses = None if aside else _misses(read, report)
        if report.log_problem is None:
            suite = scan(selection, fallback_dir=fallback_dir, jobs=jobs, progress=progress)
            misses = _misses(read, report) if aside else misses
            if misses is not None:
                report.scan = suite
                report.explanations = explain_misses(
                    misses, suite, fallback_dir=fallback_dir, root=_as_reached(root)
                )
    return report


def _as_reached(root: str | os.PathLike[str]) -> str:
    """``root`` relative to the current directory (whole on another drive: Windows)."""
    try:
        return os.path.relpath(root)
    except ValueError:
        return os.fspath(root)


def _misses(read: Callable[[], list[Miss]], report: ExplainReport) -> list[Miss] | None:
    """``read()``; None when the log cannot be read (the report's ``log_problem``)."""
    try:
        return read()
    except OSError as exc:
        report.log_problem = io_problem(report.log, exc, "cannot read the log: ")
        return None


def _read_aside(log: str, jobs: int | None, files: int) -> bool:
    """Whether to read the log beside the recordings: a regular file that opens (a pipe
    is read here: another process may not reach it), when the recordings are read on
    several processes."""
    if log == STDIN or workers_for(jobs, files) < 2:
        return False
    try:
        if not stat.S_ISREG(os.stat(log).st_mode):
            return False
        with open(log, "rb"):  # fails here as it would there (permissions)
            return True
    except OSError:
        return False  # read here, where the error becomes the report's
