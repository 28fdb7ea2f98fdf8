"""Make the volatile values of recordings deterministic (``recstack normalize``).

:func:`normalize` rewrites one parsed recording under a profile of
:mod:`recstack.volatile` and returns the new data with the list of changes; it never
touches the request (hashed into the file name) and never mutates its input (the
containers it changes are copied). :func:`normalize_file` reads, normalizes and
(optionally) writes one file atomically; :func:`normalize_files` does it for many
files on several cores.

The ``llama-stack`` profile is upstream's normalizer exactly (GUIDE section 3):
top-level keys of each typed object's ``__data__`` in ``response.body`` (the single
body or each chunk), ``id`` -> ``"rec-" + H[:12]`` and ``created`` -> ``0`` unless
``object == "model"``, ``created_at`` -> epoch, the four Ollama durations -> ``0``
when not null, where H is the file stem after its last ``-``. Written bytes are
``json.dumps(obj, indent=2) + "\\n"``.

A recording whose ``rec-`` ids disagree with its file name was renamed (its request
hash changed) without being re-recorded: it is reported apart (:class:`Renamed`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Any

from recstack.loading import io_problem, read_file, recording_from_bytes
from recstack.parallel import pmap
from recstack.problems import Problem, RecstackError
from recstack.sse import split_field
from recstack.volatile import DEFAULT, PLAIN, PROFILES, SSE, TYPED, VolatileRule, rules_for
from recstack.writing import RefusedWrite, canonical_bytes, write_if_changed

CHANGED = "changed"
UNCHANGED = "unchanged"
ERROR = "error"


@dataclass(frozen=True)
class Change:
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
    changes: list[Change] = field(default_factory=list)
    renamed: Renamed | None = None

    @property
    def changed(self) -> bool:
        return bool(self.changes)


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


class _Tally:
    """Collects the changes of one file, grouped per rule."""

    def __init__(self, expected_id: str) -> None:
        self.expected_id = expected_id
        self.groups: dict[str, tuple[VolatileRule, Any, Any, int, set[Any]]] = {}
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

    def add(self, rule: VolatileRule, old: Any, new: Any) -> None:
        group = self.groups.get(rule.id)
        if group is None:
            self.groups[rule.id] = (rule, old, new, 1, {_key(old)})
        else:
            first_rule, first_old, first_new, count, olds = group
            olds.add(_key(old))
            self.groups[rule.id] = (first_rule, first_old, first_new, count + 1, olds)

    def changes(self, order: Sequence[VolatileRule]) -> list[Change]:
        out = []
        for rule in order:
            group = self.groups.get(rule.id)
            if group is not None:
                _, old, new, count, olds = group
                out.append(Change(rule.id, rule.label, old, new, count, len(olds)))
        return out

    def renamed(self) -> Renamed | None:
        if not self.foreign_ids:
            return None
        return Renamed(self.expected_id, tuple(sorted(self.foreign_ids)))


def _get_path(obj: Any, keys: Sequence[str]) -> tuple[bool, Any]:
    for key in keys:
        if not isinstance(obj, dict) or key not in obj:
            return False, None
        obj = obj[key]
    return True, obj


def _set_path(obj: dict[str, Any], keys: Sequence[str], value: Any) -> dict[str, Any]:
    """A copy of ``obj`` with the value at ``keys`` replaced (dicts copied along the path)."""
    new = dict(obj)
    if len(keys) == 1:
        new[keys[0]] = value
    else:
        new[keys[0]] = _set_path(obj[keys[0]], keys[1:], value)
    return new


def _apply(
    obj: dict[str, Any], rules: Sequence[VolatileRule], tally: _Tally, *, typed: bool
) -> dict[str, Any] | None:
    """Apply ``rules`` to one object; a changed copy, or None when nothing changed."""
    new_obj: dict[str, Any] | None = None
    for rule in rules:
        key = rule.key
        if typed:  # one top-level key, no condition: the hot path (every chunk)
            if key[0] not in obj:
                continue
            old = obj[key[0]]
        else:
            if not rule.when(obj):
                continue
            found, old = _get_path(obj, key)
            if not found:
                continue
        if rule.skip_models and obj.get("object") == "model":
            continue
        if rule.skip_null and old is None:
            continue
        if rule.from_name:
            tally.seen(rule, old)
        new = rule.replacement_for(tally.expected_id)
        if type(old) is type(new) and old == new:
            continue
        tally.add(rule, old, new)
        if len(key) == 1:
            if new_obj is None:
                new_obj = dict(obj)
            new_obj[key[0]] = new
        else:
            new_obj = _set_path(new_obj if new_obj is not None else obj, key, new)
    return new_obj


def _is_typed_item(item: Any) -> bool:
    # Upstream's test: a dict with "__data__" (its value must be an object to touch).
    return isinstance(item, dict) and isinstance(item.get("__data__"), dict)


def _normalize_item(
    item: Any,
    typed_rules: Sequence[VolatileRule],
    plain_rules: Sequence[VolatileRule],
    tally: _Tally,
) -> Any | None:
    if _is_typed_item(item):
        if not typed_rules:
            return None
        data = _apply(item["__data__"], typed_rules, tally, typed=True)
        if data is None:
            return None
        new_item = dict(item)
        new_item["__data__"] = data
        return new_item
    if isinstance(item, dict) and "__data__" not in item and plain_rules:
        return _apply(item, plain_rules, tally, typed=False)
    return None


# --- raw SSE lines ----------------------------------------------------------------


def _split_data_line(line: str) -> tuple[str, str] | None:
    """``"data: {...}"`` -> (``"data: "``, ``"{...}"``) for JSON object payloads."""
    field, payload = split_field(line)
    if field != "data" or not payload.startswith("{"):
        return None
    return line[: len(line) - len(payload)], payload


def _rewrite_payload(
    payload: str, obj: dict[str, Any], expected: dict[str, Any], edits: list[tuple[str, Any, Any]]
) -> str | None:
    """``payload`` (the JSON text of ``obj``) rewritten to hold ``expected``.

    Only the edited values are replaced in the text, so the server's own layout
    stays; when that cannot be done unambiguously, a payload that is exactly the
    compact serialization of ``obj`` is re-serialized. None when neither works.
    """
    text = payload
    for key, old, new in edits:
        done = False
        for sep in (":", ": "):
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


def _normalize_sse_line(line: str, rules: Sequence[VolatileRule], tally: _Tally) -> str | None:
    split = _split_data_line(line)
    if split is None:
        return None
    prefix, payload = split
    try:
        obj = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    # Dry run on a scratch tally: the text rewrite may still refuse the line.
    scratch = _Tally(tally.expected_id)
    expected = _apply(obj, rules, scratch, typed=False)
    for rule, old in _seen_ids(obj, rules):
        tally.seen(rule, old)
    if expected is None:
        return None
    edits = []
    for rule in rules:
        if rule.id in scratch.groups:
            _, old, new, _, _ = scratch.groups[rule.id]
            edits.append((rule.key[-1], old, new))
    text = _rewrite_payload(payload, obj, expected, edits)
    if text is None:
        return None
    for rule in rules:
        if rule.id in scratch.groups:
            _, old, new, _, _ = scratch.groups[rule.id]
            tally.add(rule, old, new)
    return prefix + text


def _seen_ids(obj: dict[str, Any], rules: Sequence[VolatileRule]) -> Iterator[tuple[Any, Any]]:
    for rule in rules:
        if rule.from_name and rule.when(obj):
            found, old = _get_path(obj, rule.key)
            if found:
                yield rule, old


# --- one recording ----------------------------------------------------------------

_Rules = tuple[VolatileRule, ...]


@cache
def _profile_rules(profile: str) -> tuple[_Rules, _Rules, _Rules, _Rules]:
    """The profile's rules: all, then those of each scope (typed, plain, sse)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r} (choose from {', '.join(PROFILES)})")
    rules = tuple(rules_for(profile))
    return (
        rules,
        tuple(r for r in rules if r.scope == TYPED),
        tuple(r for r in rules if r.scope == PLAIN),
        tuple(r for r in rules if r.scope == SSE),
    )


def normalize(data: Any, path: Path | str, profile: str = DEFAULT) -> Normalized:
    """Normalize one parsed recording (``path`` names the file: its hash gives the ids).

    Returns the new data (``data`` itself when nothing changed; never mutated) and
    the changes, in the order of the rule table.
    """
    rules, typed_rules, plain_rules, sse_rules = _profile_rules(profile)
    tally = _Tally(rec_id(path))
    response = data.get("response") if isinstance(data, dict) else None
    body = response.get("body") if isinstance(response, dict) else None

    new_body: Any = None
    if isinstance(body, dict):
        new_body = _normalize_item(body, typed_rules, plain_rules, tally)
    elif isinstance(body, list):
        items: list[Any] | None = None
        for index, item in enumerate(body):
            if isinstance(item, str):
                new_item = _normalize_sse_line(item, sse_rules, tally) if sse_rules else None
            else:
                new_item = _normalize_item(item, typed_rules, plain_rules, tally)
            if new_item is not None:
                if items is None:
                    items = list(body)
                items[index] = new_item
        new_body = items

    result = Normalized(data, tally.changes(rules), tally.renamed())
    if new_body is not None:
        assert isinstance(response, dict)
        new_response = dict(response)
        new_response["body"] = new_body
        new_data = dict(data)
        new_data["response"] = new_response
        result.data = new_data
    return result


# --- files ------------------------------------------------------------------------


@dataclass
class FileResult:
    """What normalizing one file did (or would do)."""

    path: str
    status: str  # changed | unchanged | error
    changes: list[Change] = field(default_factory=list)
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


def _process(path: str, profile: str, write: bool, tree: str | None = None) -> FileResult:
    """Read, normalize and (``write``) rewrite one file. Never raises for bad files.

    ``tree``: the folder the file was found under (see :func:`recstack.writing.write_atomic`).
    """
    try:
        snapshot = read_file(path)
        loaded = recording_from_bytes(snapshot.raw, path)
    except RecstackError as exc:
        return FileResult(path, ERROR, problem=exc.problem)
    normalized = normalize(loaded.data, path, profile)
    status = CHANGED if normalized.changed else UNCHANGED
    result = FileResult(path, status, normalized.changes, normalized.renamed)
    if not (write and normalized.changed):
        return result
    try:
        payload = canonical_bytes(normalized.data)
    except RecursionError:  # json.dumps(indent=2) cannot write it either
        problem = Problem(path, "nested too deeply to rewrite (file left unchanged)", rule="json")
        return FileResult(path, ERROR, result.changes, result.renamed, problem)
    try:
        result.written = write_if_changed(
            path, payload, original=snapshot.raw, seen=snapshot.stat, tree=tree
        )
    except RefusedWrite as exc:
        problem = Problem(path, f"not rewritten: {exc.reason} (file left unchanged)", rule="io")
        return FileResult(path, ERROR, result.changes, result.renamed, problem)
    except OSError as exc:
        reason = io_problem(path, exc, "cannot write: ").message
        problem = Problem(path, f"{reason} (file left unchanged)", rule="io")
        return FileResult(path, ERROR, result.changes, result.renamed, problem)
    return result


def _job(item: tuple[str, str | None], profile: str, write: bool) -> FileResult:
    """:func:`_process` for :func:`recstack.parallel.pmap` (one picklable argument)."""
    return _process(item[0], profile, write, item[1])


def normalize_file(path: Path | str, profile: str = DEFAULT, *, write: bool = True) -> FileResult:
    """Normalize one file in place (``write=False``: only report). Never raises for bad files."""
    return _process(os.fspath(path), profile, write)


def normalize_files(
    paths: Sequence[Path | str],
    profile: str = DEFAULT,
    *,
    write: bool = True,
    jobs: int | None = None,
    trees: Mapping[str, str] | None = None,
) -> Iterator[FileResult]:
    """:func:`normalize_file` over many files on ``jobs`` processes, results in order.

    ``trees`` maps a path (``os.fspath``) to the folder it was found under
    (:attr:`recstack.loading.Discovery.trees`); default: the folder holding it.
    Each worker reads, normalizes and writes its own files: no file content travels
    between processes.
    """
    trees = trees or {}
    items = [(os.fspath(p), trees.get(os.fspath(p))) for p in paths]
    yield from pmap(partial(_job, profile=profile, write=write), items, jobs=jobs)
