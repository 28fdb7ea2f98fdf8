"""Give stale recordings the name and folder replay looks up (``recstack rekey``).

A recording replay never opens (``docs/format.md#stale-names-and-their-causes``) but
whose stored request still tells the name replay computes is renamed to that name,
and moved to the folder replay searches; its ``rec-`` ids are rewritten for the new
name. With ``--test-id OLD=NEW`` (a renamed or moved test), the test ids inside the
recordings are rewritten first and the recordings then take the names (and folders)
of their new keys.

Which stale recordings are fixed, by the cause :func:`recstack.replay.check` gives:

- ``before-file-search``, ``raw-body``, ``test-id-renamed``: named by an earlier rule
  from the very request (and test id) the file holds, so today's key is certain:
  renamed.
- ``wrong-directory``: the right name in a folder replay does not search: moved to
  the test file's ``recordings/`` folder (under the repository root:
  :mod:`recstack.reporoot`).
- ``oldest-layout``: renamed when today's key needs no test id (a model list by
  url path, a tool call) or the file keeps one; a file without a test id whose key
  needs one is left alone: its name would need the id of the test that made the call.
- ``missing-test-id``, ``edited``, ``not-a-hash-name``: left alone and reported as not
  fixable (nobody can tell the name replay will look for; hand-made names are kept).

Where the new name is taken: by an equivalent recording (``recstack diff`` says
``same`` or ``equivalent``), the stale copy is removed (``merged``); by a different one,
nothing is touched (``conflict``).

Never loses a recording: the new file is written atomically (:mod:`recstack.writing`)
before the old one is removed, and the old one is removed only if it is still the file
that was read. A run killed at any point leaves every recording readable under its
old name or its new one; the next run finishes the job (an old file next to its
written copy is stale and equivalent to it: merged).

A file's content changes only where it must (test ids, ``rec-`` ids); the new bytes
are upstream's layout. A file that is not in that layout already is not rewritten
(that would reformat all of it): it is reported and left alone. A file whose bytes
do not change (no ids to rewrite) keeps its bytes exactly, whatever their layout.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from recstack.config import DEFAULT_FALLBACK_DIR
from recstack.diffing.compare import compare_bytes
from recstack.diffing.result import EQUIVALENT, SAME, DiffStatus, FileDiff
from recstack.loading import Loaded, io_problem, read_file, recording_from_bytes
from recstack.normalization import Mode, rec_id
from recstack.problems import Problem, RecstackError
from recstack.recording import Recording
from recstack.rekey_rewrite import (
    IdChange,
    TestIdChange,
    Unrewritable,
    rewrite_rec_ids,
    rewrite_test_ids,
)
from recstack.replay import ReplayCause, ReplayStatus, ReplayVerdict, check, replay_key
from recstack.reporoot import BadFolder, find_root, folder_under
from recstack.selection import Selection
from recstack.snapshot import Snapshot
from recstack.suite import scan
from recstack.testids import TestIdRenames, test_file_of
from recstack.textenum import TextEnum
from recstack.writing import RefusedWrite, canonical_bytes, ensure_unchanged, write_atomic

__all__ = ["FIXABLE", "Mode", "RekeyReport", "RekeyResult", "RekeyStatus", "rekey_paths"]


class RekeyStatus(TextEnum):
    """What rekey did (or, with ``--check`` / ``--diff``, would do) with one recording."""

    RENAMED = "renamed"  # given the name (and folder) replay looks up
    MERGED = "merged"  # an equivalent recording has that name: the stale copy removed
    REWRITTEN = "rewritten"  # test id rewritten; name and folder stay (a key without it)
    CONFLICT = "conflict"  # a different recording has that name: nothing touched
    UNFIXABLE = "unfixable"  # stale, but its right name cannot be known: left alone
    ERROR = "error"  # unreadable, or left unchanged for safety


RENAMED, MERGED, REWRITTEN = RekeyStatus.RENAMED, RekeyStatus.MERGED, RekeyStatus.REWRITTEN
CONFLICT, UNFIXABLE, ERROR = RekeyStatus.CONFLICT, RekeyStatus.UNFIXABLE, RekeyStatus.ERROR
MOVES = frozenset({RENAMED, MERGED, REWRITTEN})  # what --check counts as "would change"

# Stale causes whose name rekey can compute (oldest-layout: unless a test id is missing).
FIXABLE = frozenset(
    {
        ReplayCause.BEFORE_FILE_SEARCH,
        ReplayCause.RAW_BODY,
        ReplayCause.TEST_ID_RENAMED,
        ReplayCause.WRONG_DIRECTORY,
        ReplayCause.OLDEST_LAYOUT,
    }
)
_NOT_FIXABLE = {
    ReplayCause.MISSING_TEST_ID: "no test id in the file, but its key needs one: "
    "its right name cannot be computed (re-record it)",
    ReplayCause.EDITED: "no known rule gives its name (changed by hand?): which request "
    "replay will send is unknown (re-record it)",
    ReplayCause.NOT_A_HASH_NAME: "named by hand: replay never opens it, and rekey leaves "
    "such names alone",
}
_OLDEST_WITHOUT_TEST_ID = (
    "no test id in the file, but today's key needs the id of the test that made the "
    "call (re-record it)"
)
_LAYOUT = (
    "not in upstream's layout (json.dumps(obj, indent=2) + newline): rewriting its ids "
    "would reformat the whole file; left unchanged"
)


@dataclass
class RekeyResult:
    """One recording rekey acted on, or would, or could not."""

    path: str
    status: RekeyStatus
    new_path: str | None = None
    cause: ReplayCause | None = None  # why replay does not find it (None: --test-id only)
    reason: str | None = None  # unfixable: why; conflict: how the recordings differ
    test_id: TestIdChange | None = None
    ids: IdChange | None = None
    problem: Problem | None = None
    written: bool = False  # the new name holds it (renamed, merged) or it was rewritten

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "new_path": self.new_path,
            "status": self.status.value,
            "cause": self.cause.value if self.cause else None,
            "reason": self.reason,
            "test_id": self.test_id.to_dict() if self.test_id else None,
            "ids": self.ids.to_dict() if self.ids else None,
            "written": self.written,
            "problem": self.problem.to_dict() if self.problem else None,
        }


@dataclass
class RekeyReport:
    """The outcome of ``recstack rekey`` over a selection of files."""

    mode: Mode
    results: list[RekeyResult] = field(default_factory=list)  # only files with something to say
    unchanged: int = 0  # recordings replay finds, and no --test-id matched
    unusable: list[Problem] = field(default_factory=list)  # paths that could not be used
    skipped: list[str] = field(default_factory=list)  # JSON files that are no recordings
    vanished: list[str] = field(default_factory=list)  # stdin paths that no longer exist

    def count(self, status: RekeyStatus) -> int:
        return sum(1 for result in self.results if result.status is status)

    @property
    def problems(self) -> list[Problem]:
        """Paths that could not be used, files that could not be read or written (exit 2)."""
        io = [r.problem for r in self.results if r.problem is not None and r.problem.rule == "io"]
        return [*self.unusable, *io]

    @property
    def findings(self) -> bool:
        """A conflict, a bad or refused file, or (``--check``, ``--diff``) a move to make."""
        if self.count(CONFLICT) or self.count(ERROR):
            return True
        return self.mode is not Mode.WRITE and any(r.status in MOVES for r in self.results)


class _Skip(Exception):
    """This recording gets the result carried (an early end of the plan)."""

    def __init__(self, result: RekeyResult) -> None:
        super().__init__(result.status.value)
        self.result = result


@dataclass
class _Plan:
    """What to do with one file: the result to report and the bytes to put where."""

    result: RekeyResult
    snapshot: Snapshot
    tree: str  # the folder the file was found under (a rename in place stays in it)
    payload: bytes = b""
    target: str = ""
    target_dir: str | None = None  # a folder to create under the root (a move)
    root: str | None = None


def _error(path: str, message: str, **known: Any) -> _Skip:
    """A file left unchanged for a reason of its own (a finding, exit 1)."""
    return _Skip(RekeyResult(path, ERROR, problem=Problem(path, message, rule="rekey"), **known))


def _read(path: str) -> tuple[Snapshot, Loaded]:
    """The file's bytes and parsed recording; :class:`_Skip` when it is a symbolic link
    or cannot be read as a recording."""
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):
            reason = "a symbolic link: rekey moves files only"
            raise _Skip(RekeyResult(path, UNFIXABLE, reason=reason))
        snapshot = read_file(path)
        return snapshot, recording_from_bytes(snapshot.raw, path, check_duplicates=True)
    except OSError as exc:
        raise _Skip(RekeyResult(path, ERROR, problem=io_problem(path, exc))) from None
    except RecstackError as exc:
        raise _Skip(RekeyResult(path, ERROR, problem=exc.problem)) from None


class _Run:
    """One rekey run: the files it has planned so far (``--check`` writes nothing, so the
    later files of the run see the earlier ones' moves here)."""

    def __init__(self, mode: Mode, renames: TestIdRenames, fallback_dir: str) -> None:
        self.mode = mode
        self.renames = renames
        self.fallback_dir = fallback_dir
        self.planned: dict[str, bytes | None] = {}  # absolute path -> bytes (None: removed)

    def one(self, path: str, tree: str) -> RekeyResult | None:
        try:
            plan = self.plan(path, tree)
        except _Skip as skip:
            return skip.result
        if plan is None:
            return None
        result = plan.result
        if result.status not in MOVES:
            return result
        if self.mode is Mode.WRITE:
            return self.apply(plan)
        if result.status is not REWRITTEN:
            self.planned[os.path.abspath(path)] = None
        if result.status is RENAMED or result.status is REWRITTEN:
            self.planned[os.path.abspath(plan.target)] = plan.payload
        return result

    # --- planning ------------------------------------------------------------------

    def plan(self, path: str, tree: str) -> _Plan | None:
        """What to do with ``path`` (None: nothing); :class:`_Skip` for a file left alone."""
        snapshot, loaded = _read(path)
        data = loaded.data
        recording = Recording(path, data)
        before = check(path, recording, fallback_dir=self.fallback_dir)
        self._fixable(path, before, recording)
        cause = before.cause if before.status is ReplayStatus.STALE else None
        plan = _Plan(RekeyResult(path, RENAMED, cause=cause), snapshot, tree)
        duplicate = any(p.rule == "duplicate-key" for p in loaded.problems)
        number = next((p for p in loaded.problems if p.rule == "number-range"), None)
        in_layout = not duplicate and canonical_bytes(data) == snapshot.raw  # before any edit
        plan.result.test_id = rewrite_test_ids(data, self.renames) if self.renames else None
        if plan.result.test_id is not None:
            again = self.renames.find(plan.result.test_id.new)
            if again is not None:
                raise _error(path, f"its new test id would match --test-id {again} again")
        after = check(path, recording, fallback_dir=self.fallback_dir)
        if after.status is ReplayStatus.UNKNOWN or after.expected_name is None:
            raise _Skip(RekeyResult(path, UNFIXABLE, cause=after.cause, reason=after.reason))
        if after.status is ReplayStatus.OK:
            if plan.result.test_id is None:
                return None
            plan.result.status, plan.target = REWRITTEN, path
        else:
            try:
                plan.result.ids = rewrite_rec_ids(data, rec_id(after.expected_name))
            except Unrewritable as exc:
                message = f"cannot rewrite its rec- ids exactly: {exc}; left unchanged"
                raise _error(path, message) from None
            self._place(plan, recording, after)
        plan.result.new_path = plan.target
        changed = plan.result.test_id is not None or plan.result.ids is not None
        if changed and number is not None:  # a rewrite would spell it otherwise
            message = (
                f"{number.pointer}: {number.message}: its ids are not rewritten; left unchanged"
            )
            raise _error(path, message, test_id=plan.result.test_id, cause=cause)
        if changed and not in_layout:
            raise _error(path, _LAYOUT, test_id=plan.result.test_id, cause=cause)
        plan.payload = canonical_bytes(data) if changed else snapshot.raw
        if plan.target != path:
            self._claim(plan)
        return plan

    def _fixable(self, path: str, verdict: ReplayVerdict, recording: Recording) -> None:
        """:class:`_Skip` unless rekey can compute the name of a recording so judged."""
        if verdict.status is ReplayStatus.UNKNOWN:
            raise _Skip(RekeyResult(path, UNFIXABLE, cause=verdict.cause, reason=verdict.reason))
        if verdict.status is not ReplayStatus.STALE:
            return
        cause = verdict.cause
        why = _NOT_FIXABLE.get(cause) if cause is not None else "no cause known"
        if cause is ReplayCause.OLDEST_LAYOUT:
            key = replay_key(recording)
            if key is None or ("test_id" in key.key and key.key["test_id"] is None):
                why = _OLDEST_WITHOUT_TEST_ID
        elif why is None and cause not in FIXABLE:
            why = verdict.reason
        if why is not None:
            raise _Skip(RekeyResult(path, UNFIXABLE, cause=cause, reason=why))

    def _place(self, plan: _Plan, recording: Recording, after: ReplayVerdict) -> None:
        """The target of a recording replay looks up as ``after`` says: its own folder
        when replay searches it, else the first folder replay searches, under the root."""
        path = plan.result.path
        name = after.expected_name
        assert name is not None
        folder = os.path.dirname(path)
        here = os.path.join(folder, name)
        verdict = check(here, recording, fallback_dir=self.fallback_dir)
        if verdict.status is ReplayStatus.OK:
            plan.target = here
            return
        test_id = recording.test_id
        wanted = after.expected_dirs[0] if after.expected_dirs else None
        if verdict.cause is not ReplayCause.WRONG_DIRECTORY or wanted is None:
            raise _Skip(RekeyResult(path, UNFIXABLE, cause=verdict.cause, reason=verdict.reason))
        root = find_root(folder or os.curdir, test_file_of(test_id) if test_id else None)
        if root is None:
            raise _error(
                path,
                f"replay looks for it in {wanted}, but no repository root is above it "
                "(no folder holding its test file, .git or pyproject.toml); left unchanged",
                test_id=plan.result.test_id,
            )
        try:
            target_dir = folder_under(root, wanted)
        except BadFolder as exc:
            raise _error(path, f"{exc}; left unchanged", test_id=plan.result.test_id) from None
        target = os.path.join(target_dir, name)
        if not os.path.isabs(path):
            target = os.path.relpath(target)
        plan.target, plan.target_dir, plan.root = target, target_dir, root

    def _claim(self, plan: _Plan) -> None:
        """Renamed, merged (the target holds an equivalent recording) or conflict."""
        result = plan.result
        key = os.path.abspath(plan.target)
        existing = self.planned[key] if key in self.planned else _read_target(plan.target)
        if existing is None:
            return
        if isinstance(existing, str):
            result.status, result.reason = CONFLICT, existing
            return
        diff = compare_bytes(plan.target, existing, plan.payload, old_label=plan.target)
        if diff.status is SAME or diff.status is EQUIVALENT:
            result.status = MERGED
        else:
            result.status, result.reason = CONFLICT, _difference(diff)

    # --- writing -------------------------------------------------------------------

    def apply(self, plan: _Plan) -> RekeyResult:
        """Make the planned move: the new file first, then the old one removed."""
        result = plan.result
        path, seen = result.path, plan.snapshot.stat
        try:
            ensure_unchanged(path, seen, plan.tree)
            if result.status is REWRITTEN:
                write_atomic(path, plan.payload, seen=seen, tree=plan.tree)
                result.written = True
                return result
            if result.status is RENAMED:
                if plan.target_dir is not None:
                    os.makedirs(plan.target_dir, exist_ok=True)
                write_atomic(plan.target, plan.payload, tree=plan.root or plan.tree, like=seen)
            result.written = True
            ensure_unchanged(path, seen, plan.tree)
            os.unlink(path)
        except RefusedWrite as exc:
            return _not_done(result, exc.reason)
        except OSError as exc:
            return _not_done(result, io_problem(exc.filename or path, exc).message)
        return result


def _not_done(result: RekeyResult, reason: str) -> RekeyResult:
    """``result`` as an I/O error: what was done, what was not, and why."""
    path = result.path
    if result.written:
        message = f"{result.new_path} holds it now, but it was not removed: {reason}"
    else:
        message = f"not {result.status.value}: {reason} (left unchanged)"
    result.status = ERROR
    result.problem = Problem(path, message, rule="io")
    return result


def _read_target(target: str) -> bytes | str | None:
    """The bytes at ``target``; None when nothing is there; a string saying why a thing
    that is there cannot be compared (a conflict)."""
    if not os.path.lexists(target):
        return None
    if os.path.islink(target) or not os.path.isfile(target):
        return "something that is not a regular file is there"
    try:
        return read_file(target).raw
    except RecstackError as exc:
        return f"the file there cannot be read: {exc.problem.message}"


def _difference(diff: FileDiff) -> str:
    """How the recording at the target differs, in a few words."""
    firsts = [change for change in diff.changes if not change.informational]
    if diff.status is DiffStatus.ERROR or not firsts:
        shown = diff.problem.message if diff.problem is not None else diff.status.value
        return f"the file there is not comparable: {shown}"
    first = firsts[0]
    more = f" (and {len(firsts) - 1} more)" if len(firsts) > 1 else ""
    return f"a different recording is there: {first.path} differs{more}"


def rekey_paths(
    selection: Selection,
    renames: TestIdRenames | None = None,
    *,
    mode: Mode = Mode.WRITE,
    fallback_dir: str = DEFAULT_FALLBACK_DIR,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> RekeyReport:
    """Rekey the selected recordings (move them with ``Mode.WRITE``; else only report).

    The selection is read on ``jobs`` processes (:func:`recstack.suite.scan`); the files
    to act on are then read again and moved one after the other, in selection order.
    """
    renames = renames or TestIdRenames()
    found = scan(selection, fallback_dir=fallback_dir, jobs=jobs, progress=progress)
    report = RekeyReport(
        mode, unusable=list(found.unusable), skipped=found.skipped, vanished=found.vanished
    )
    order = {os.fspath(c.path): index for index, c in enumerate(selection.files)}
    trees = selection.trees
    results = [RekeyResult(p.path, ERROR, problem=p) for p in found.unreadable]
    run = _Run(mode, renames, fallback_dir)
    for entry in found.entries:
        if not (entry.stale or renames.find(entry.test_id)):
            report.unchanged += 1
            continue
        tree = trees.get(entry.path) or os.path.dirname(entry.path) or os.curdir
        result = run.one(entry.path, tree)
        if result is None:
            report.unchanged += 1
        else:
            results.append(result)
    report.results = sorted(results, key=lambda r: order.get(r.path, len(order)))
    return report
