"""Remove ignored fields from a recording before comparing it.

The patterns are :mod:`recstack.paths` globs over the whole recording
(``response.body[*].__data__.id``): the shared volatile table
(:func:`recstack.volatile.ignore_patterns`, diff-only rules included) and the
user's ``--ignore`` patterns. Raw SSE lines are parsed first, so ``data:`` payloads
have paths too: ``response.body[3].data.message.id``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from recstack import volatile
from recstack.jsonnumbers import dumps_text
from recstack.loading import parse_embedded
from recstack.model import BodyKind, body_kind
from recstack.paths import child, glob_regex
from recstack.sse import split_field

# A model's ``id`` is its name: the volatile ``id`` rule never applies to model objects.
_KEEP_IN_MODELS = frozenset({"id"})


def default_patterns() -> list[str]:
    """Everything ``diff`` ignores unless ``--strict``."""
    return volatile.ignore_patterns()


_LAST_KEY = re.compile(r"(?:^|\.)([A-Za-z_][A-Za-z0-9_]*)$")


class Matcher:
    """All patterns compiled into one regex, with a cheap pre-filter on the last key."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = list(patterns)
        self._regex = (
            re.compile("^(?:" + "|".join(glob_regex(p) for p in self.patterns) + ")$")
            if self.patterns
            else None
        )
        keys: set[str] = set()
        self.any_key = False
        for pattern in self.patterns:
            found = _LAST_KEY.search(pattern)
            if found and "*" not in found.group(1):
                keys.add(found.group(1))
            else:
                self.any_key = True
        self.keys = frozenset(keys)

    def __bool__(self) -> bool:
        return self._regex is not None

    def matches(self, path: str) -> bool:
        return self._regex is not None and self._regex.match(path) is not None

    def may_match_key(self, key: str) -> bool:
        return self.any_key or key in self.keys


def strip(
    value: Any, matcher: Matcher, path: str = "", *, drop_nulls: bool = False
) -> tuple[Any, int]:
    """A copy of ``value`` without the matching fields; returns (copy, fields removed).

    Dict keys are dropped (with ``drop_nulls``, keys whose value is null too: the format
    treats null as absent); matching list items become ``None`` (indexes stay stable).
    Unchanged sub-trees are shared, not copied.
    """
    if not matcher and not drop_nulls:
        return value, 0
    if isinstance(value, dict):
        removed = 0
        out: dict[str, Any] | None = None
        is_model = value.get("object") == "model"
        for key, item in value.items():
            container = isinstance(item, (dict, list))
            candidate = matcher.may_match_key(key)
            if not (container or candidate or (drop_nulls and item is None)):
                continue  # a plain leaf no pattern can name: keep it, skip its path
            sub = child(path, key)
            if (drop_nulls and item is None) or (
                candidate and matcher.matches(sub) and not (is_model and key in _KEEP_IN_MODELS)
            ):
                if out is None:
                    out = {k: v for k, v in value.items()}
                del out[key]
                removed += 1
                continue
            if container:
                new, count = strip(item, matcher, sub, drop_nulls=drop_nulls)
                if count:
                    if out is None:
                        out = {k: v for k, v in value.items()}
                    out[key] = new
                    removed += count
        return (out if out is not None else value), removed
    if isinstance(value, list):
        removed = 0
        items: list[Any] | None = None
        for index, item in enumerate(value):
            sub = f"{path}[{index}]"
            if matcher.any_key and matcher.matches(sub):
                if items is None:
                    items = list(value)
                items[index] = None
                removed += 1
            elif isinstance(item, (dict, list)):
                new, count = strip(item, matcher, sub, drop_nulls=drop_nulls)
                if count:
                    if items is None:
                        items = list(value)
                    items[index] = new
                    removed += count
        return (items if items is not None else value), removed
    return value, 0


def parse_sse_line(line: str) -> Any:
    """An SSE line as a value: ``{"data": <json>}``, ``{"event": name}``, or the string."""
    field, value = split_field(line)
    if field == "data":
        try:
            return {"data": parse_embedded(value)}
        except ValueError:
            return {"data": value.strip()}
    if field == "event":
        return {"event": value.strip()}
    return line


def strip_sse(
    lines: list[str], matcher: Matcher, path: str, *, drop_nulls: bool = False
) -> tuple[list[str], int]:
    """Strip inside each ``data:`` JSON payload, re-serializing only the lines touched."""
    out: list[str] | None = None
    removed = 0
    for index, line in enumerate(lines):
        if not (isinstance(line, str) and line.startswith("data:")):
            continue
        parsed = parse_sse_line(line)
        if not isinstance(parsed["data"], (dict, list)):
            continue
        new, count = strip(parsed["data"], matcher, f"{path}[{index}].data", drop_nulls=drop_nulls)
        if count:
            if out is None:
                out = list(lines)
            out[index] = "data: " + dumps_text(new, separators=(",", ":"))
            removed += count
    return (out if out is not None else lines), removed


def strip_recording(
    data: dict[str, Any], matcher: Matcher, *, drop_nulls: bool = False
) -> tuple[dict[str, Any], int]:
    """Strip a whole recording, SSE ``data:`` payloads included."""
    stripped, removed = strip(data, matcher, drop_nulls=drop_nulls)
    response = stripped.get("response")
    if isinstance(response, dict) and body_kind(response.get("body")) is BodyKind.SSE_LINES:
        lines, count = strip_sse(response["body"], matcher, "response.body", drop_nulls=drop_nulls)
        if count:
            stripped = {**stripped, "response": {**response, "body": lines}}
            removed += count
    return stripped, removed
