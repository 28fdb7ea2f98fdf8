"""The two edits ``recstack rekey`` makes inside a recording: test ids and ``rec-`` ids.

- **Test ids** (``--test-id OLD=NEW``): the top-level ``test_id`` and, where a
  passthrough or tool request repeats it, ``request.test_id``. Nothing else of the
  request is touched.
- **rec- ids**: normalizing writes ``"rec-"`` + the first 12 hex of the file-name hash
  into the id fields of the response (the rules of :mod:`recstack.volatile` whose
  value comes from the name, in any profile). A recording given a new name gets the
  ids of that name, so ``recstack normalize --check`` still passes. Only values that
  are ``rec-`` ids already are rewritten: an id a file was never normalized with
  stays as recorded.

Both edit parsed data in place (the caller owns it) and say what they changed. The
``data:`` lines of a raw SSE body are JSON text inside a string: their ids are
replaced in the text, so the server's own layout of the line stays; a line where that
cannot be done exactly raises :class:`Unrewritable`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from recstack.paths import Part, find, parse
from recstack.sse import data_object
from recstack.testids import TestIdRenames
from recstack.volatile import PLAIN, RULES, SSE, TYPED, VolatileRule

REC_PREFIX = "rec-"


class Unrewritable(ValueError):
    """The ids of this recording cannot be rewritten without touching other bytes."""


@dataclass(frozen=True)
class TestIdChange:
    """A test id rewritten: old -> new, and where (``test_id``, ``request.test_id``)."""

    __test__ = False

    old: str
    new: str
    places: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "places": list(self.places)}


@dataclass(frozen=True)
class IdChange:
    """``rec-`` ids rewritten for a new name: the old values, the new one, how many places."""

    old: tuple[str, ...]
    new: str
    places: int

    def to_dict(self) -> dict[str, Any]:
        return {"old": list(self.old), "new": self.new, "places": self.places}


def rewrite_test_ids(data: dict[str, Any], renames: TestIdRenames) -> TestIdChange | None:
    """Apply ``renames`` to the top-level ``test_id`` and to ``request.test_id``, each
    where it matches; None when neither does."""
    request = data.get("request")
    holders = [(data, "test_id"), (request, "request.test_id")]
    change: tuple[str, str] | None = None
    places: list[str] = []
    for holder, place in holders:
        if not isinstance(holder, dict):
            continue
        old = holder.get("test_id")
        new = renames.apply(old)
        if new is None or not isinstance(old, str):
            continue
        holder["test_id"] = new
        places.append(place)
        change = change or (old, new)
    if change is None:
        return None
    return TestIdChange(change[0], change[1], tuple(places))


_NAME_RULES: tuple[VolatileRule, ...] = tuple(rule for rule in RULES if rule.from_name)
_STEPS = {rule.id: tuple(parse(path) for path in rule.paths) for rule in _NAME_RULES}


def _rules(scope: str) -> tuple[VolatileRule, ...]:
    return tuple(rule for rule in _NAME_RULES if rule.scope == scope)


_BY_SCOPE = {scope: _rules(scope) for scope in (TYPED, PLAIN, SSE)}


def _stale(value: Any, new_id: str) -> bool:
    return isinstance(value, str) and value.startswith(REC_PREFIX) and value != new_id


def _places(obj: dict[str, Any], scope: str, new_id: str) -> Iterator[tuple[tuple[Part, ...], str]]:
    """The ``rec-`` ids in one scope object that are not ``new_id`` yet: (path, value)."""
    for rule in _BY_SCOPE[scope]:
        if not rule.when.test(obj):
            continue
        if rule.skip_models and obj.get("object") == "model":
            continue
        for steps in _STEPS[rule.id]:
            for at, value in find(obj, steps):
                if _stale(value, new_id):
                    yield at, value


def _set(obj: dict[str, Any], at: Sequence[Part], value: Any) -> None:
    container: Any = obj
    for part in at[:-1]:
        container = container[part]
    container[at[-1]] = value


class _Seen:
    def __init__(self) -> None:
        self.old: dict[str, None] = {}
        self.places = 0

    def add(self, value: str) -> None:
        self.old.setdefault(value, None)
        self.places += 1


def rewrite_rec_ids(data: dict[str, Any], new_id: str) -> IdChange | None:
    """Give the response's ``rec-`` ids the value ``new_id``; None when none differs.

    Raises :class:`Unrewritable` for an SSE line whose id cannot be replaced exactly.
    """
    response = data.get("response")
    body = response.get("body") if isinstance(response, dict) else None
    if isinstance(body, dict):
        items: list[Any] = [body]
    elif isinstance(body, list):
        items = body
    else:
        return None
    seen = _Seen()
    for index, item in enumerate(items):
        if isinstance(item, str):
            line = _sse_line(item, new_id, seen)
            if line is not None:
                items[index] = line
        elif isinstance(item, dict):
            inner = item.get("__data__")
            if isinstance(inner, dict):
                obj, scope = inner, TYPED
            elif "__data__" not in item:
                obj, scope = item, PLAIN
            else:
                continue
            for at, value in list(_places(obj, scope, new_id)):
                _set(obj, at, new_id)
                seen.add(value)
    if not seen.places:
        return None
    return IdChange(tuple(seen.old), new_id, seen.places)


def _sse_line(line: str, new_id: str, seen: _Seen) -> str | None:
    """A ``data:`` line with its ``rec-`` ids replaced in the text; None when it has none."""
    found = data_object(line)
    if found is None:
        return None
    prefix, payload, obj = found
    edits = list(_places(obj, SSE, new_id))
    if not edits:
        return None
    text = payload
    for value in {value for _, value in edits}:
        token = json.dumps(value)
        wanted = sum(1 for _, old in edits if old == value)
        if text.count(token) != wanted:
            raise Unrewritable(f"an SSE data: line holds {token} {text.count(token)} times")
        text = text.replace(token, json.dumps(new_id))
    for at, value in edits:
        _set(obj, at, new_id)
        seen.add(value)
    if json.loads(text) != obj:
        raise Unrewritable("an SSE data: line would change beyond its ids")
    return prefix + text
