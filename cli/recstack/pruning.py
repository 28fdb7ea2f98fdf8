"""Delete the recordings nothing can use (``recstack prune``): a dry run by default.

Three selectors, any of them together; a file is listed once, under the first that
applies:

- ``unused`` (``--unused-by FILE``): its test id is not among the collected tests (a
  :class:`~recstack.manifest.Manifest`). Kept, as upstream's cleanup keeps them: a
  recording without a test id; and (beyond upstream) one whose replay key does not
  carry that test id (a model list by url path, a tool call, a key written with a null
  test id): any test, or a call outside tests, may open it.
- ``stale`` (``--stale``): replay never opens it and ``recstack rekey`` cannot give it
  the name replay looks up (``docs/format.md#stale-names-and-their-causes``): a 12-hex
  name (the oldest layout: replay no longer looks such names up) that needs a test id
  the file does not keep, or that no known rule gives; a 64-hex name whose key needs a
  test id the file does not keep (``missing-test-id``), unless a test id seen in the
  selection or the list of tests gives exactly that name (then the test may still open
  it). Names no rule explains (``edited``) and names made by hand are kept: nothing
  proves that nothing opens them.
- ``duplicate`` (``--duplicates``): byte-identical to another recording once both are
  normalized (:func:`recstack.suite.normalized_digest`). One copy of each group is
  kept: the one replay opens (first in the test's own folder, then the fallback),
  else one replay has a rule for, else the first path in order. Another copy is
  deleted when replay never opens it, or (a key with the test id) when replay opens
  the kept one first; a copy replay also opens (a key without a test id, each copy
  serving the tests of its own folder) is kept.

Nothing is trusted from an earlier run: the recordings are read (:func:`scan`), the
candidates chosen, and each is then read again and judged again right before it is
deleted, or listed. A file is deleted only if it is a regular file inside the tree it
was found under, not a symbolic link, and still the very file that was judged
(:mod:`recstack.removal`); for a duplicate, the kept copy must still hold the same
normalized bytes. Every refusal or failure is a problem (exit 2), and when a path or
a file could not be read at all, nothing is deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO

from recstack.loading import io_problem, recording_from_bytes
from recstack.manifest import Manifest, ManifestError, read_manifest
from recstack.nodeid import split_node_id
from recstack.problems import Problem, RecstackError
from recstack.recording import Recording
from recstack.removal import Refused, place_of, remove_file
from recstack.replay import (
    DEFAULT_FALLBACK_DIR,
    ReplayCause,
    ReplayStatus,
    check,
    sits_in,
)
from recstack.replay_rules import StoredRequest, Unkeyable, build_key, parse_name, stored_request
from recstack.selection import Selection
from recstack.snapshot import check_stream, open_stream, read_snapshot
from recstack.suite import Entry, Scan, normalized_digest, scan
from recstack.textenum import TextEnum

__all__ = ["Kept", "PruneItem", "PruneReport", "Reason", "Selectors", "load_manifest", "prune"]


class Reason(TextEnum):
    """Why a recording goes."""

    UNUSED = "unused"
    STALE = "stale"
    DUPLICATE = "duplicate"


class Kept(TextEnum):
    """Why a recording a selector matched stays."""

    SHARED = "shared"  # unused-by: its key has no test id of its own; any test may open it
    NAMED_BY_A_TEST = "named-by-a-test"  # stale: a known test id gives its very name
    OPENED_TOO = "opened-too"  # duplicate: replay opens this copy too
    UNJUDGED = "unjudged"  # duplicate: no replay rule says whether it is read
    CHANGED = "changed"  # the file no longer matches what was selected


@dataclass(frozen=True)
class Selectors:
    """What to prune; at least one must be asked for."""

    unused_by: Manifest | None = None
    stale: bool = False
    duplicates: bool = False

    def __bool__(self) -> bool:
        return self.unused_by is not None or self.stale or self.duplicates


@dataclass(frozen=True)
class PruneItem:
    """One recording that goes (or, in a dry run, would go)."""

    path: str
    reason: Reason
    detail: str
    test_id: str | None
    bytes: int
    kept: str | None = None  # duplicate: the copy that stays
    deleted: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "reason": self.reason.value,
            "detail": self.detail,
            "test_id": self.test_id,
            "bytes": self.bytes,
            "kept": self.kept,
            "deleted": self.deleted,
        }


@dataclass
class PruneReport:
    """What a prune selected, deleted (with ``apply``), kept for safety and failed on."""

    apply: bool
    files: list[PruneItem] = field(default_factory=list)
    kept: list[tuple[str, Kept]] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)  # refused or failed (exit 2)
    scan: Scan = field(default_factory=Scan)
    held_back: bool = False  # apply, but a path or file could not be read: nothing deleted

    @property
    def problems(self) -> list[Problem]:
        return [*self.scan.problems, *self.failures]

    @property
    def broken(self) -> list[Problem]:
        return [p for p in self.scan.unreadable if p.rule != "io"]

    @property
    def deleted(self) -> list[PruneItem]:
        return [item for item in self.files if item.deleted]

    @property
    def findings(self) -> bool:
        """A dry run that would delete something, or a broken recording."""
        return bool(self.broken) or (bool(self.files) and not self.apply)

    def count(self, reason: Reason) -> int:
        return sum(1 for item in self.files if item.reason is reason)

    def kept_count(self, why: Kept) -> int:
        return sum(1 for _, reason in self.kept if reason is why)


# --- the list of tests ----------------------------------------------------------------


def load_manifest(paths: Sequence[str], stdin: IO[bytes] | None = None) -> Manifest:
    """The tests listed in the files ``paths`` (``-``: ``stdin``), together.

    Raises :class:`RecstackError` (one line naming the file) when one cannot be read
    or lists no tests completely: a list that is incomplete would prune too much.
    """
    manifest: Manifest | None = None
    for path in paths:
        try:
            if path == "-":
                if stdin is None:
                    raise OSError(0, "no standard input to read the list of tests from", path)
                check_stream(stdin)
                raw = stdin.read()
            else:  # a pipe is fine (--unused-by <(pytest --collect-only -q)), a device is not
                with open_stream(path) as handle:
                    raw = handle.read()
            found = read_manifest(raw.decode("utf-8"))
        except OSError as exc:
            raise RecstackError(io_problem(path, exc)) from None
        except UnicodeDecodeError as exc:
            message = f"not UTF-8 (byte {exc.start}): not a list of tests"
            raise RecstackError(Problem(path, message, rule="io")) from None
        except ManifestError as exc:
            raise RecstackError(Problem(path, f"not a list of tests: {exc}", rule="io")) from None
        manifest = found if manifest is None else manifest.union(found)
    if manifest is None:
        raise ValueError("no list of tests given")
    return manifest


# --- judging one recording ------------------------------------------------------------


@dataclass(frozen=True)
class _Rules:
    """What the judgement of a file depends on, besides the file."""

    selectors: Selectors
    fallback_dir: str
    test_ids: tuple[str, ...]  # every test id known (the selection's and the list's), sorted


def _stored(recording: Recording) -> StoredRequest | None:
    try:
        return stored_request(recording.data)
    except (Unkeyable, ValueError, TypeError, RecursionError):
        return None


def named_by(stored: StoredRequest, digest: str, test_ids: Iterable[str]) -> str | None:
    """The test id among ``test_ids`` whose key for ``stored`` hashes to ``digest``.

    The key is serialized once with a placeholder test id; each candidate only hashes
    the small part after it (sha256 state copied), so thousands of ids cost little.
    """
    marker = f"recstack-{secrets.token_hex(16)}"
    key = build_key(stored, test_id=marker, with_test_id=True).key
    head, found, tail = json.dumps(key, sort_keys=True).partition(json.dumps(marker))
    if not found:
        return None
    base = hashlib.sha256(head.encode())
    for test_id in test_ids:
        state = base.copy()
        state.update((json.dumps(test_id) + tail).encode())
        if state.hexdigest() == digest:
            return test_id
    return None


def _unused(recording: Recording, rules: _Rules) -> str | Kept | None:
    manifest = rules.selectors.unused_by
    test_id = recording.test_id
    if manifest is None or not test_id or manifest.contains(test_id):
        return None
    stored = _stored(recording)
    if stored is not None and not (stored.key_has_test_id and stored.test_id == test_id):
        return Kept.SHARED
    return "its test is not in the list of collected tests"


_OLDEST = "the oldest layout (a 12-hex name), which replay no longer opens"


def _stale(path: str, recording: Recording, rules: _Rules) -> str | Kept | None:
    if not rules.selectors.stale:
        return None
    verdict = check(path, recording, fallback_dir=rules.fallback_dir)
    parsed = parse_name(os.path.basename(path))
    stored = _stored(recording)
    if verdict.status is not ReplayStatus.STALE or parsed is None or stored is None:
        return None
    needs_test_id = stored.key_has_test_id and stored.test_id is None
    if parsed.short:
        if verdict.cause is ReplayCause.EDITED:
            return f"{_OLDEST}; no known rule gives its name, so rekey cannot rename it"
        if verdict.cause is ReplayCause.OLDEST_LAYOUT and needs_test_id:
            return f"{_OLDEST}; its key needs a test id the file does not keep"
        return None
    if verdict.cause is not ReplayCause.MISSING_TEST_ID:
        return None
    if named_by(stored, parsed.hash, rules.test_ids) is not None:
        return Kept.NAMED_BY_A_TEST
    return "no test id, but its key needs one, and no known test gives its name"


@dataclass(frozen=True)
class _Group:
    """A group of duplicates: the normalized bytes' digest and the copy that stays."""

    digest: str
    keeper: Entry
    why: str  # why that copy stays


def _duplicate(path: str, recording: Recording, group: _Group, rules: _Rules) -> str | Kept:
    keeper = group.keeper.path
    verdict = check(path, recording, fallback_dir=rules.fallback_dir)
    same = f"the same as {keeper} once normalized (kept: {group.why})"
    if verdict.status is ReplayStatus.STALE:
        return f"{same}; replay never opens this copy ({verdict.cause})"
    if verdict.cause is ReplayCause.NOT_REPLAYED:
        return f"{same}; not replayed ({verdict.reason})"
    if verdict.status is ReplayStatus.UNKNOWN:
        return Kept.UNJUDGED
    stored = _stored(recording)
    own = verdict.expected_dirs[:1]
    if (
        stored is not None
        and stored.key_has_test_id
        and stored.test_id is not None
        and group.keeper.replay is ReplayStatus.OK
        and sits_in(keeper, own)
        and not sits_in(path, own)
    ):
        return f"{same}; replay opens the kept copy first (in the test's own folder)"
    return Kept.OPENED_TOO


# --- choosing the candidates from the scan --------------------------------------------


def _preselected(entry: Entry, selectors: Selectors) -> bool:
    """Whether ``entry`` may be unused or stale (judged for certain on the file itself)."""
    manifest = selectors.unused_by
    if manifest is not None and entry.test_id and not manifest.contains(entry.test_id):
        return True
    if not (selectors.stale and entry.stale):
        return False
    if entry.replay_cause is ReplayCause.MISSING_TEST_ID:
        return True
    parsed = parse_name(entry.name)
    short = parsed is not None and parsed.short
    return short and entry.replay_cause in (ReplayCause.EDITED, ReplayCause.OLDEST_LAYOUT)


def _keeper_rank(entry: Entry) -> tuple[bool, int, int, bool, str]:
    """The copy to keep first: not a symbolic link; one replay opens (in the first
    folder it searches), then one it has a rule for; one with a request-hash name;
    then by path."""
    status = {ReplayStatus.OK: 0, ReplayStatus.UNKNOWN: 1}.get(entry.replay, 2)
    folder = next(
        (n for n, d in enumerate(entry.replay_dirs) if sits_in(entry.path, (d,))),
        len(entry.replay_dirs),
    )
    link = os.path.islink(entry.path)
    return (link, status, folder, parse_name(entry.name) is None, entry.path)


def _why_kept(keeper: Entry) -> str:
    if keeper.replay is ReplayStatus.OK:
        return "replay opens it"
    if keeper.replay is ReplayStatus.UNKNOWN:
        return "no copy is opened by replay; the first by path"
    return "replay opens no copy; the first by path"


def _groups(entries: Iterable[Entry]) -> list[tuple[_Group, list[Entry]]]:
    """Each group of two or more same recordings: the kept copy, and the others."""
    by_digest: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.normalized is not None:
            by_digest.setdefault(entry.normalized, []).append(entry)
    groups = []
    for digest, copies in by_digest.items():
        files = _one_name_each(sorted(copies, key=_keeper_rank)) if len(copies) > 1 else []
        if len(files) > 1:
            keeper, *others = files
            groups.append((_Group(digest, keeper, _why_kept(keeper)), others))
    return sorted(groups, key=lambda pair: pair[0].keeper.path)


def _one_name_each(copies: list[Entry]) -> list[Entry]:
    """``copies`` without the names of a file already listed (a symbolic link to it, a
    hard link): another name of the kept file is no copy of it."""
    seen: set[tuple[int, int]] = set()
    files = []
    for entry in copies:
        try:
            info = os.stat(entry.path)
        except OSError:  # gone: settled (and reported) like any other
            files.append(entry)
            continue
        if (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            files.append(entry)
    return files


# --- settling: read again, judge again, delete ----------------------------------------


Verdict = tuple[Reason, str] | Kept | None  # goes (why), stays (why), or not selected
Judge = Callable[[str, Recording], Verdict]


@dataclass
class _Pruner:
    rules: _Rules
    apply: bool
    trees: dict[str, str]
    report: PruneReport

    def settle(self, entry: Entry, judge: Judge, kept: str | None = None) -> bool:
        """Read ``entry`` again, judge it again, and delete it (``apply``) if it still goes.

        True when it goes (or would)."""
        path = entry.path
        tree = self.trees.get(path) or os.path.dirname(path) or os.curdir
        try:
            place_of(path, tree)
            snapshot = read_snapshot(path)
            loaded = recording_from_bytes(snapshot.raw, path)
        except Refused as exc:
            return self._fail(Problem(path, f"not deleted: {exc.reason}", rule="io"))
        except OSError as exc:
            return self._fail(io_problem(path, exc, "not deleted: "))
        except RecstackError:  # no recording any more: changed since it was read
            self.report.kept.append((path, Kept.CHANGED))
            return False
        verdict = judge(path, Recording(path, loaded.data))
        if verdict is None:
            return False
        if isinstance(verdict, Kept):
            self.report.kept.append((path, verdict))
            return False
        if self.apply:
            try:
                remove_file(path, snapshot.stat, tree)
            except Refused as exc:
                return self._fail(Problem(path, f"not deleted: {exc.reason}", rule="io"))
            except OSError as exc:
                return self._fail(io_problem(path, exc, "cannot delete: "))
        reason, detail = verdict
        item = PruneItem(path, reason, detail, entry.test_id, entry.bytes, kept, self.apply)
        self.report.files.append(item)
        return True

    def _fail(self, problem: Problem) -> bool:
        self.report.failures.append(problem)
        return False

    def unused_and_stale(self, entries: Sequence[Entry]) -> set[str]:
        """Settle the unused and stale recordings; the paths that go."""
        rules = self.rules

        def judge(path: str, recording: Recording) -> Verdict:
            unused = _unused(recording, rules)
            if unused is not None and not isinstance(unused, Kept):
                return Reason.UNUSED, unused
            stale = _stale(path, recording, rules)
            if stale is not None and not isinstance(stale, Kept):
                return Reason.STALE, stale
            return unused or stale

        return {
            entry.path
            for entry in entries
            if _preselected(entry, rules.selectors) and self.settle(entry, judge)
        }

    def duplicates(self, entries: Sequence[Entry], gone: set[str]) -> None:
        """Settle the copies of each group of duplicates but the one kept."""
        rules = self.rules
        left = [entry for entry in entries if entry.path not in gone]
        for group, others in _groups(left):
            if not _still(group):
                message = (
                    "changed after it was read, so it cannot stand for its duplicates: "
                    "they are left alone"
                )
                self._fail(Problem(group.keeper.path, message, rule="io"))
                continue

            def judge(path: str, recording: Recording, group: _Group = group) -> Verdict:
                if normalized_digest(recording) != group.digest:
                    return None
                found = _duplicate(path, recording, group, rules)
                return found if isinstance(found, Kept) else (Reason.DUPLICATE, found)

            for entry in others:
                self.settle(entry, judge, kept=group.keeper.path)


def _still(group: _Group) -> bool:
    """The kept copy is still a readable recording with the same normalized bytes."""
    path = group.keeper.path
    try:
        loaded = recording_from_bytes(read_snapshot(path).raw, path)
    except (OSError, RecstackError):
        return False
    return normalized_digest(Recording(path, loaded.data)) == group.digest


def prune(
    selection: Selection,
    selectors: Selectors,
    *,
    apply: bool = False,
    fallback_dir: str = DEFAULT_FALLBACK_DIR,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> PruneReport:
    """What ``selectors`` select among the recordings of ``selection``; deleted with
    ``apply`` (see the module docstring). ``selectors`` must ask for something."""
    if not selectors:
        raise ValueError("prune needs a selector (unused_by, stale or duplicates)")
    suite = scan(
        selection,
        fallback_dir=fallback_dir,
        normalized=selectors.duplicates,
        jobs=jobs,
        progress=progress,
    )
    report = PruneReport(apply, scan=suite)
    if apply and suite.problems:
        report.held_back, apply = True, False
    known = frozenset(e.test_id for e in suite.entries if e.test_id)
    if selectors.unused_by is not None:
        known |= selectors.unused_by.ids
    rules = _Rules(selectors, fallback_dir, tuple(sorted(known)))
    pruner = _Pruner(rules, apply, selection.trees, report)
    gone = pruner.unused_and_stale(suite.entries)
    if selectors.duplicates:
        pruner.duplicates(suite.entries, gone)
    return report


def test_group(test_id: str | None) -> str:
    """The test a recording is listed under: its id without parameters, as upstream's
    cleanup groups them ("(no test id)" for none)."""
    if not test_id:
        return "(no test id)"
    parts = split_node_id(test_id)
    return str(parts).removesuffix(parts.params) if parts.params else test_id
