"""Make the volatile values of recordings deterministic (``recstack normalize``).

:func:`normalize` rewrites one parsed recording under a profile of
:mod:`recstack.volatile` and returns the new data with the list of changes; it never
touches the request (hashed into the file name) and never mutates its input (the
containers it changes are copied). :func:`normalize_file` reads, normalizes and
(optionally) writes one file atomically; :func:`normalize_files` does it for many
files on several cores.

The ``llama-stack`` profile is upstream's normalizer exactly (``docs/format.md``):
top-level keys of each typed object's ``__data__`` in ``response.body`` (the single
body or each chunk), ``id`` -> ``"rec-" + H[:12]`` and ``created`` -> ``0`` unless
``object == "model"``, ``created_at`` -> epoch, the four Ollama durations -> ``0``
when not null, where H is the file stem after its last ``-``. Written bytes are
``json.dumps(obj, indent=2) + "\\n"``.

A recording whose ``rec-`` ids disagree with its file name was renamed (its request
hash changed) without being re-recorded: it is reported apart (:class:`Renamed`).
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cache, partial
from pathlib import Path
from typing import Any

from recstack.diffing.ignore import Matcher, parse_sse_line, strip, strip_recording
from recstack.exactdiff import differences, equal
from recstack.layout import NotLayout, paired_pieces
from recstack.loading import (
    PIECEWISE_MIN,
    io_problem,
    read_file,
    recording_from_bytes,
    skippable,
)
from recstack.parallel import pmap
from recstack.paths import ANY_KEY, DEEP, Part, find, join, parse
from recstack.problems import Problem, RecstackError
from recstack.selection import Candidate, Selection
from recstack.snapshot import read_snapshot, same_file
from recstack.sse import data_object
from recstack.textenum import TextEnum
from recstack.volatile import (
    ALWAYS,
    DEFAULT,
    PLAIN,
    PROFILES,
    SSE,
    TYPED,
    VolatileRule,
    field_label,
    rules_for,
)
from recstack.writing import RefusedWrite, canonical_bytes, ensure_unchanged, write_if_changed


class Status(TextEnum):
    """What normalizing one file did (or would do)."""

    CHANGED = "changed"
    UNCHANGED = "unchanged"
    ERROR = "error"
    SKIPPED = "skipped"  # JSON that is no recording, found by walking a directory


class Mode(TextEnum):
    WRITE = "write"  # rewrite files in place
    CHECK = "check"  # write nothing; list what would change
    DIFF = "diff"  # write nothing; show what would change


CHANGED, UNCHANGED, ERROR, SKIPPED = Status.CHANGED, Status.UNCHANGED, Status.ERROR, Status.SKIPPED


@dataclass(frozen=True)
class Rewrite:
    """One field rewritten in one file: ``field`` from ``old`` to ``new`` in ``chunks`` places.

    ``old`` is the first value seen; ``distinct_old`` counts the different values
    replaced (OpenAI's obfuscation differs in every chunk).
    """

    rule: str
    field: str
    old: Any
    new: Any
    chunks: int
    distinct_old: int = 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Renamed:
    """A recording whose ``rec-`` ids were made for another file name."""

    expected: str  # "rec-" + the file name's hash[:12]
    recorded: tuple[str, ...]  # the different rec- ids found in the file

    def to_dict(self) -> dict[str, Any]:
        return {"expected": self.expected, "recorded": list(self.recorded)}


@dataclass
class Normalized:
    """The result of normalizing one recording."""

    data: Any
    changes: list[Rewrite] = field(default_factory=list)
    renamed: Renamed | None = None

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def to_bytes(self) -> bytes:
        """The normalized recording in upstream's layout (``json.dumps(indent=2) + "\\n"``)."""
        return canonical_bytes(self.data)


def name_hash(path: Path | str) -> str:
    """H: the file stem after its last ``-`` (the whole stem when it has none)."""
    stem = os.path.splitext(os.path.basename(os.fspath(path)))[0]
    return stem.rsplit("-", 1)[-1]


def rec_id(path: Path | str) -> str:
    """The deterministic id upstream writes for this file name."""
    return "rec-" + name_hash(path)[:12]


def _key(value: Any) -> Any:
    """A hashable identity of a JSON value (1, 1.0 and True stay apart)."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return (type(value), value)


@dataclass(frozen=True, eq=False)  # hashed by identity: the targets are made once per profile
class _Target:
    """One path of one rule, ready to walk: the unit of rewriting and of reporting."""

    rule: VolatileRule
    field: str  # as reported (``Rewrite.field``)
    steps: tuple[str, ...]  # the parsed glob
    key: str | None  # the single top-level key, when that is all the path is (hot path)

    @classmethod
    def of(cls, rule: VolatileRule, path: str) -> _Target:
        steps = parse(path)
        single = len(steps) == 1 and steps[0] not in (DEEP, ANY_KEY)
        return cls(rule, field_label(path), steps, steps[0] if single else None)

    def places(self, obj: dict[str, Any]) -> Iterator[tuple[tuple[Part, ...], Any]]:
        """Where this target's path leads in ``obj``, with the value there."""
        if self.key is not None:
            if self.key in obj:
                yield (self.key,), obj[self.key]
        else:
            yield from find(obj, self.steps)


# One group of changes: (first old value, new value, places, distinct old values).
_Group = tuple[Any, Any, int, set[Any]]


class _Tally:
    """Collects the changes of one file, grouped per rule path."""

    def __init__(self, expected_id: str) -> None:
        self.expected_id = expected_id
        self.groups: dict[_Target, _Group] = {}
        self.foreign_ids: dict[str, None] = {}

    def seen(self, rule: VolatileRule, old: Any) -> None:
        """An id value met (changed or not): watch for ids made for another name."""
        if (
            rule.from_name
            and isinstance(old, str)
            and old.startswith("rec-")
            and old != self.expected_id
        ):
            self.foreign_ids.setdefault(old, None)

    def add(self, target: _Target, old: Any, new: Any) -> None:
        group = self.groups.get(target)
        if group is None:
            self.groups[target] = (old, new, 1, {_key(old)})
        else:
            first_old, first_new, count, olds = group
            olds.add(_key(old))
            self.groups[target] = (first_old, first_new, count + 1, olds)

    def merge(self, other: _Tally) -> None:
        """Take over the changes of ``other`` (a scratch tally of one SSE line)."""
        for target, (old, new, count, olds) in other.groups.items():
            group = self.groups.get(target)
            if group is None:
                self.groups[target] = (old, new, count, set(olds))
            else:
                first_old, first_new, first_count, first_olds = group
                self.groups[target] = (first_old, first_new, first_count + count, first_olds | olds)

    def changes(self, order: Sequence[_Target]) -> list[Rewrite]:
        out = []
        for target in order:
            group = self.groups.get(target)
            if group is not None:
                old, new, count, olds = group
                out.append(Rewrite(target.rule.id, target.field, old, new, count, len(olds)))
        return out

    def renamed(self) -> Renamed | None:
        if not self.foreign_ids:
            return None
        return Renamed(self.expected_id, tuple(sorted(self.foreign_ids)))


def _set_in(obj: dict[str, Any], at: Sequence[Part], value: Any, *, copy: bool = True) -> None:
    """Set the value at ``at`` in ``obj`` (a fresh copy), copying the containers below it
    (``copy=False``: changing them in place)."""
    container: Any = obj
    for part in at[:-1]:
        inner = container[part]
        if copy:
            inner = dict(inner) if isinstance(inner, dict) else list(inner)
            container[part] = inner
        container = inner
    container[at[-1]] = value


# An edit of one place: (the key holding the value, old, new); for SSE text rewrites.
_Edit = tuple[Part, Any, Any]


def _apply(
    obj: dict[str, Any],
    targets: Sequence[_Target],
    tally: _Tally,
    edits: list[_Edit] | None = None,
    *,
    in_place: bool = False,
) -> dict[str, Any] | None:
    """Apply ``targets`` to one scope object; a changed copy (``in_place``: ``obj``
    itself, changed), or None when nothing changed. Every rule sees ``obj`` as it was."""
    places_set: list[tuple[tuple[Part, ...], Any]] = []
    for target in targets:
        rule = target.rule
        if rule.when is not ALWAYS and not rule.when.test(obj):
            continue
        if rule.skip_models and obj.get("object") == "model":
            continue
        places: Iterable[tuple[tuple[Part, ...], Any]]
        if target.key is not None:  # the hot path (every chunk): one top-level key
            if target.key not in obj:
                continue
            places = (((target.key,), obj[target.key]),)
        else:
            places = find(obj, target.steps)
        for at, old in places:
            if rule.skip_null and old is None:
                continue
            if rule.from_name:
                tally.seen(rule, old)
            new = rule.replacement_for(tally.expected_id)
            if type(old) is type(new) and old == new:
                continue
            tally.add(target, old, new)
            if edits is not None:
                edits.append((at[-1], old, new))
            places_set.append((at, new))
    if not places_set:
        return None
    new_obj = obj if in_place else dict(obj)
    for at, new in places_set:
        _set_in(new_obj, at, new, copy=not in_place)
    return new_obj


def _is_typed_item(item: Any) -> bool:
    # Upstream's test: a dict with "__data__" (its value must be an object to touch).
    return isinstance(item, dict) and isinstance(item.get("__data__"), dict)


def _normalize_item(
    item: Any,
    typed_targets: Sequence[_Target],
    plain_targets: Sequence[_Target],
    tally: _Tally,
    in_place: bool,
) -> Any | None:
    if _is_typed_item(item):
        if not typed_targets:
            return None
        data = _apply(item["__data__"], typed_targets, tally, in_place=in_place)
        if data is None:
            return None
        new_item = item if in_place else dict(item)
        new_item["__data__"] = data
        return new_item
    if isinstance(item, dict) and "__data__" not in item and plain_targets:
        return _apply(item, plain_targets, tally, in_place=in_place)
    return None


# --- raw SSE lines ----------------------------------------------------------------


def _rewrite_payload(
    payload: str, obj: dict[str, Any], expected: dict[str, Any], edits: Sequence[_Edit]
) -> str | None:
    """``payload`` (the JSON text of ``obj``) rewritten to hold ``expected``.

    Only the edited values are replaced in the text, so the server's own layout
    stays; when that cannot be done unambiguously, a payload that is exactly the
    compact serialization of ``obj`` is re-serialized. None when neither works.
    """
    text = payload
    for key, old, new in edits:
        done = False
        for sep in (":", ": ") if isinstance(key, str) else ():
            for ascii_only in (False, True):
                before = json.dumps(key) + sep + json.dumps(old, ensure_ascii=ascii_only)
                if text.count(before) == 1:
                    after = json.dumps(key) + sep + json.dumps(new, ensure_ascii=ascii_only)
                    text = text.replace(before, after)
                    done = True
                    break
            if done:
                break
        if not done:
            text = ""
            break
    if text:
        try:
            if json.loads(text) == expected:
                return text
        except ValueError:
            pass
    compact: dict[str, Any] = {"separators": (",", ":"), "ensure_ascii": False}
    if json.dumps(obj, **compact) == payload:
        return json.dumps(expected, **compact)
    return None


def _normalize_sse_line(line: str, targets: Sequence[_Target], tally: _Tally) -> str | None:
    found = data_object(line)
    if found is None:
        return None
    prefix, payload, obj = found
    # Dry run on a scratch tally: the text rewrite may still refuse the line.
    scratch = _Tally(tally.expected_id)
    edits: list[_Edit] = []
    expected = _apply(obj, targets, scratch, edits)
    for rule, old in _seen_ids(obj, targets):
        tally.seen(rule, old)
    if expected is None:
        return None
    text = _rewrite_payload(payload, obj, expected, edits)
    if text is None:
        return None
    tally.merge(scratch)
    return prefix + text


def _seen_ids(obj: dict[str, Any], targets: Sequence[_Target]) -> Iterator[tuple[Any, Any]]:
    for target in targets:
        if target.rule.from_name and target.rule.when.test(obj):
            for _, old in target.places(obj):
                yield target.rule, old


# --- one recording ----------------------------------------------------------------

_Targets = tuple[_Target, ...]


@cache
def _profile_rules(profile: str) -> tuple[_Targets, _Targets, _Targets, _Targets]:
    """The profile's rule paths: all (in table order), then those of each scope."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r} (choose from {', '.join(PROFILES)})")
    targets = tuple(_Target.of(rule, path) for rule in rules_for(profile) for path in rule.paths)
    return (
        targets,
        tuple(t for t in targets if t.rule.scope == TYPED),
        tuple(t for t in targets if t.rule.scope == PLAIN),
        tuple(t for t in targets if t.rule.scope == SSE),
    )


def normalize(
    data: Any, path: Path | str, profile: str = DEFAULT, *, in_place: bool = False
) -> Normalized:
    """Normalize one parsed recording (``path`` names the file: its hash gives the ids).

    Returns the new data (``data`` itself when nothing changed; never mutated) and
    the changes, in the order of the rule table. ``in_place``: ``data`` is changed
    instead of copied where it changes (for data read only to be normalized: a big
    file then costs no second copy of every chunk).
    """
    targets, typed_targets, plain_targets, sse_targets = _profile_rules(profile)
    tally = _Tally(rec_id(path))
    response = data.get("response") if isinstance(data, dict) else None
    body = response.get("body") if isinstance(response, dict) else None

    new_body: Any = None
    if isinstance(body, dict):
        new_body = _normalize_item(body, typed_targets, plain_targets, tally, in_place)
    elif isinstance(body, list):
        items: list[Any] | None = None
        for index, item in enumerate(body):
            if isinstance(item, str):
                new_item = _normalize_sse_line(item, sse_targets, tally) if sse_targets else None
            else:
                new_item = _normalize_item(item, typed_targets, plain_targets, tally, in_place)
            if new_item is not None:
                if items is None:
                    items = body if in_place else list(body)
                items[index] = new_item
        new_body = items

    result = Normalized(data, tally.changes(targets), tally.renamed())
    if new_body is not None and not in_place:
        assert isinstance(response, dict)
        new_response = dict(response)
        new_response["body"] = new_body
        new_data = dict(data)
        new_data["response"] = new_response
        result.data = new_data
    return result


# --- files ------------------------------------------------------------------------


@dataclass
class NormalizeResult:
    """What normalizing one file did (or would do)."""

    path: str
    status: Status
    changes: list[Rewrite] = field(default_factory=list)
    renamed: Renamed | None = None
    problem: Problem | None = None
    written: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "written": self.written,
            "changes": [change.to_dict() for change in self.changes],
            "renamed": self.renamed.to_dict() if self.renamed else None,
            "problem": self.problem.to_dict() if self.problem else None,
        }


def _process(
    path: str, profile: str, write: bool, tree: str | None = None, explicit: bool = True
) -> NormalizeResult:
    """Read, normalize and (``write``) rewrite one file. Never raises for bad files.

    A file is left alone, and reported, when rewriting it could change more than its
    volatile fields: it holds a number a 64-bit float cannot hold (checked first: the
    rules never see it), or it would change and repeats a key (the rewrite would keep
    only the last value), or the new bytes, read back, differ from the old ones
    anywhere but in fields the profile rewrites. ``tree``: the folder the file was
    found under (see :func:`recstack.writing.write_atomic`). ``explicit=False`` (found
    by walking): JSON that is no recording is skipped.
    """
    raw: bytes | None = None
    try:
        snapshot = read_file(path)
        raw = snapshot.raw
        loaded = recording_from_bytes(snapshot.raw, path, check_duplicates=True)
    except RecstackError as exc:
        if not explicit and skippable(path, exc, raw):
            return NormalizeResult(path, SKIPPED)
        return NormalizeResult(path, ERROR, problem=exc.problem)
    seen = snapshot.stat
    # A big file's bytes are not kept beside its data and its new bytes: they are read
    # again (when they are still the same file) to check the rewrite.
    original = snapshot.raw if len(snapshot.raw) < PIECEWISE_MIN else None
    del snapshot, raw
    loaded.raw = None
    number = next((p for p in loaded.problems if p.rule == "number-range"), None)
    if number is not None:
        return NormalizeResult(path, ERROR, problem=_left_alone(number, number.message))
    normalized = normalize(loaded.data, path, profile, in_place=True)
    status = CHANGED if normalized.changed else UNCHANGED
    result = NormalizeResult(path, status, normalized.changes, normalized.renamed)
    if not normalized.changed:
        return result
    duplicate = next((p for p in loaded.problems if p.rule == "duplicate-key"), None)
    if duplicate is not None:
        key = duplicate.message.split(" (", 1)[0]  # "duplicate key 'k'"
        message = f"{key}: rewriting would keep only its last value"
        return _refused(result, _left_alone(duplicate, message))
    if not write:
        return result
    payload = canonical_bytes(normalized.data)
    del loaded, normalized
    try:
        if original is None:
            # The data is gone: give its memory back before the file is read again (a
            # few objects kept for reuse by the interpreter would hold much of it).
            gc.collect()
            original = _read_again(path, seen, tree)
        unexpected = _unexpected_change(original, payload, profile)
        if unexpected is not None:
            message = f"rewriting would change {unexpected}, which no rule of the profile rewrites"
            return _refused(result, _left_alone(Problem(path, message), message))
        result.written = write_if_changed(path, payload, original=original, seen=seen, tree=tree)
    except RefusedWrite as exc:
        problem = Problem(path, f"not rewritten: {exc.reason} (file left unchanged)", rule="io")
        return NormalizeResult(path, ERROR, result.changes, result.renamed, problem)
    except OSError as exc:
        reason = io_problem(path, exc, "cannot write: ").message
        problem = Problem(path, f"{reason} (file left unchanged)", rule="io")
        return _refused(result, problem)
    except RecstackError as exc:  # it cannot be read again
        problem = replace(exc.problem, message=f"{exc.problem.message} (file left unchanged)")
        return _refused(result, problem)
    return result


def _read_again(path: str, seen: os.stat_result, tree: str | None) -> bytes:
    """The bytes of ``path``, read again: RefusedWrite when it is no longer the file
    ``seen`` (as the write would refuse it), RecstackError when it cannot be read."""
    try:
        again = read_snapshot(path)
    except OSError as exc:
        ensure_unchanged(path, seen, tree)  # deleted or replaced: say so, as a write would
        raise RecstackError(io_problem(path, exc, "cannot read: ")) from None
    if not same_file(seen, again.stat):
        ensure_unchanged(path, seen, tree)
        raise RefusedWrite(path, "changed after it was read")
    return again.raw


def _left_alone(problem: Problem, message: str) -> Problem:
    """``problem`` as the reason a file is not rewritten (an error, whatever it was)."""
    return replace(problem, message=f"{message} (file left unchanged)", severity="error")


def _refused(result: NormalizeResult, problem: Problem) -> NormalizeResult:
    return NormalizeResult(result.path, ERROR, result.changes, result.renamed, problem)


@cache
def _rewritable(profile: str) -> Matcher:
    """The fields the profile's rules rewrite, as one matcher over whole-recording paths."""
    return Matcher([pattern for rule in rules_for(profile) for pattern in rule.patterns])


def _unexpected_change(original: bytes, payload: bytes, profile: str) -> str | None:
    """The first value (readable path) that differs between ``original`` and ``payload``
    outside the fields the profile rewrites; None when there is none.

    Both are read by the standard library's parser (not the one that produced
    ``payload``'s data), the rewritable fields are blanked in both, and what is left
    must be exactly equal: types, values, the sign of zero, key order.
    """
    rewritable = _rewritable(profile)
    if len(original) >= PIECEWISE_MIN:
        try:
            return _unexpected_piecewise(original, payload, rewritable)
        except NotLayout:
            pass  # compared whole, below
    before, _ = strip_recording(json.loads(original), rewritable)
    after, _ = strip_recording(json.loads(payload), rewritable)
    if equal(before, after):
        return None
    where = next(differences(_sse_parsed(before), _sse_parsed(after)), None)
    if where is None:  # the same once SSE lines are parsed: the line's text differs
        where = next(differences(before, after), ())
    return join(where) or "the whole document"


_BODY = ("response", "body")


def _unexpected_piecewise(original: bytes, payload: bytes, rewritable: Matcher) -> str | None:
    """:func:`_unexpected_change` for a big file, piece by piece (in document order, so
    the same first difference is found). NotLayout for what only the whole comparison
    can tell (another layout or shape, raw SSE lines)."""
    for parts, old, new, in_model in paired_pieces(original, payload):
        if old == new:
            continue
        where = join(parts)
        key = parts[-1] if parts else None
        if isinstance(key, str) and rewritable.may_match_key(key):
            if rewritable.matches(where, in_model=in_model):
                continue  # the whole member is rewritable (strip drops it on both sides)
        elif isinstance(key, int) and rewritable.any_key and rewritable.matches(where):
            continue
        before, after = json.loads(old), json.loads(new)
        if parts == _BODY[: len(parts)] or (parts[:2] == _BODY and isinstance(before, str)):
            raise NotLayout("the body (maybe of SSE lines) is compared whole")
        before, _ = strip(before, rewritable, where)
        after, _ = strip(after, rewritable, where)
        found = next(differences(before, after, parts), None)
        if found is not None:
            return join(found) or "the whole document"
    return None


def _sse_parsed(data: Any) -> Any:
    """``data`` with the lines of a raw SSE body parsed (to name the field that differs)."""
    response = data.get("response") if isinstance(data, dict) else None
    if not isinstance(response, dict):
        return data
    body = response.get("body")
    if not (isinstance(body, list) and body and all(isinstance(line, str) for line in body)):
        return data
    lines = [parse_sse_line(line) for line in body]
    return {**data, "response": {**response, "body": lines}}


def _job(item: tuple[str, str | None, bool], profile: str, write: bool) -> NormalizeResult:
    """:func:`_process` for :func:`recstack.parallel.pmap` (one picklable argument)."""
    return _process(item[0], profile, write, item[1], item[2])


def normalize_file(
    path: Path | str, profile: str = DEFAULT, *, write: bool = True
) -> NormalizeResult:
    """Normalize one file in place (``write=False``: only report). Never raises for bad files."""
    return _process(os.fspath(path), profile, write)


def normalize_files(
    paths: Sequence[Path | str],
    profile: str = DEFAULT,
    *,
    write: bool = True,
    jobs: int | None = None,
    trees: Mapping[str, str] | None = None,
) -> Iterator[NormalizeResult]:
    """:func:`normalize_file` over many files on ``jobs`` processes, results in order.

    ``trees`` maps a path (``os.fspath``) to the folder it was found under; default:
    the folder holding it. Each worker reads, normalizes and writes its own files: no
    file content travels between processes.
    """
    trees = trees or {}
    items = [(os.fspath(p), trees.get(os.fspath(p)), True) for p in paths]
    yield from pmap(partial(_job, profile=profile, write=write), items, jobs=jobs)


@dataclass
class NormalizeReport:
    """The outcome of ``recstack normalize`` over a selection of files."""

    profile: str
    mode: Mode
    results: list[NormalizeResult] = field(default_factory=list)  # recordings (skipped left out)
    unusable: list[Problem] = field(default_factory=list)  # paths that could not be used
    skipped: list[str] = field(default_factory=list)  # JSON files that are no recordings
    vanished: list[str] = field(default_factory=list)  # stdin paths that no longer exist

    def count(self, status: Status) -> int:
        return sum(1 for result in self.results if result.status is status)

    @property
    def renamed(self) -> int:
        return sum(1 for result in self.results if result.renamed is not None)

    @property
    def problems(self) -> list[Problem]:
        """Paths that could not be used, files that could not be read or written (exit 2)."""
        io = [r.problem for r in self.results if r.problem is not None and r.problem.rule == "io"]
        return [*self.unusable, *io]

    @property
    def findings(self) -> bool:
        """A bad recording, or (``--check``, ``--diff``) a file that would change."""
        if self.count(ERROR):
            return True
        return self.mode is not Mode.WRITE and self.count(CHANGED) > 0


def _once_each(candidates: Sequence[Candidate]) -> list[Candidate]:
    """The candidates, each file once: of the names that lead to one file (symbolic
    links), the file's own name, else the first link. Normalized under two names, a file
    would get the ids of one, then of the other: never the same from run to run."""
    if not any(os.path.islink(c.path) for c in candidates):
        return list(candidates)
    chosen: dict[str, Candidate] = {}
    for candidate in candidates:
        key = os.path.realpath(candidate.path)
        held = chosen.get(key)
        if held is None or (os.path.islink(held.path) and not os.path.islink(candidate.path)):
            chosen[key] = candidate
    kept = {id(c) for c in chosen.values()}
    return [c for c in candidates if id(c) in kept]


def normalize_paths(
    selection: Selection,
    profile: str = DEFAULT,
    *,
    mode: Mode = Mode.WRITE,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> NormalizeReport:
    """Normalize the selected files (rewrite them with ``Mode.WRITE``; else only report)."""
    _profile_rules(profile)  # an unknown profile fails here, before any work
    items = [(os.fspath(c.path), c.tree, c.explicit) for c in _once_each(selection.files)]
    work = partial(_job, profile=profile, write=mode is Mode.WRITE)
    gathered = selection.gather(
        pmap(work, items, jobs=jobs),
        skipped=lambda result: result.status is SKIPPED,
        progress=progress,
    )
    return NormalizeReport(
        profile,
        mode,
        gathered.results,
        gathered.unusable,
        gathered.skipped,
        list(selection.vanished),
    )
