"""Remove ignored fields from a recording before comparing it.

The patterns are :mod:`recstack.paths` globs over the whole recording
(``response.body[*].__data__.id``): those of the shared volatile table
(:func:`recstack.volatile.ignore_patterns`, diff-only rules included; the ones of
rules that leave model objects alone are not applied inside them) and the user's
``--ignore`` patterns. Raw SSE lines are parsed first, so ``data:`` payloads have
paths too: ``response.body[3].data.message.id``.

Outside ``--strict``, values that mean "absent" are dropped as well: nulls (the
format treats null as absent) and the empty objects of :data:`EMPTY_MEANS_ABSENT`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from recstack import volatile
from recstack.jsonnumbers import dumps_text
from recstack.loading import parse_embedded
from recstack.paths import child, glob_regex
from recstack.recording import BodyKind, body_kind
from recstack.sse import split_field

# Keys whose empty object says nothing: Azure OpenAI sends ``content_filter_results: {}``
# in some runs and leaves the key out in others.
EMPTY_MEANS_ABSENT = frozenset({"content_filter_results"})


def default_matcher(extra: Sequence[str] = ()) -> Matcher:
    """What ``diff`` ignores unless ``--strict``: the volatile table, plus ``extra``.

    A glob the user names in ``extra`` applies inside model objects too.
    """
    kept = [p for p in volatile.model_kept_patterns() if p not in extra]
    return Matcher([*volatile.ignore_patterns(), *extra], kept_in_models=kept)


_LAST_KEY = re.compile(r"(?:^|\.)([A-Za-z_][A-Za-z0-9_]*)$")


def _compile(patterns: Sequence[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("^(?:" + "|".join(glob_regex(p) for p in patterns) + ")$")


class Matcher:
    """All patterns compiled into one regex, with a cheap pre-filter on the last key.

    ``kept_in_models`` (a subset of ``patterns``) only match outside model objects
    (``object == "model"``): a model's ``id`` is its name.
    """

    def __init__(self, patterns: Sequence[str], *, kept_in_models: Sequence[str] = ()) -> None:
        self.patterns = list(patterns)
        kept = set(kept_in_models)
        self._everywhere = _compile([p for p in self.patterns if p not in kept])
        self._outside_models = _compile([p for p in self.patterns if p in kept])
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
        return bool(self.patterns)

    def matches(self, path: str, *, in_model: bool = False) -> bool:
        """True when ``path`` is ignored (``in_model``: it is a key of a model object)."""
        if self._everywhere is not None and self._everywhere.match(path) is not None:
            return True
        return (
            not in_model
            and self._outside_models is not None
            and self._outside_models.match(path) is not None
        )

    def may_match_key(self, key: str) -> bool:
        return self.any_key or key in self.keys


def _absent(key: str, item: Any) -> bool:
    """A value that counts as no value at all (outside ``--strict``)."""
    return item is None or (key in EMPTY_MEANS_ABSENT and item == {})


def strip(
    value: Any,
    matcher: Matcher,
    path: str = "",
    *,
    drop_absent: bool = False,
    in_place: bool = False,
) -> tuple[Any, int]:
    """A copy of ``value`` without the matching fields; returns (copy, fields removed).

    Dict keys are dropped (with ``drop_absent``, keys whose value means absent too:
    null, or an empty object of :data:`EMPTY_MEANS_ABSENT`); matching list items become
    ``None`` (indexes stay stable). Unchanged sub-trees are shared, not copied.
    ``in_place``: ``value`` itself is changed and returned (no copy at all: for data
    parsed only to be compared).
    """
    if not matcher and not drop_absent:
        return value, 0
    if isinstance(value, dict):
        removed = 0
        out: dict[str, Any] | None = None
        dropped: list[str] = []  # in place: deleted after the walk
        is_model = value.get("object") == "model"
        for key, item in value.items():
            container = isinstance(item, (dict, list))
            candidate = matcher.may_match_key(key)
            absent = drop_absent and _absent(key, item)
            if not (container or candidate or absent):
                continue  # a plain leaf no pattern can name: keep it, skip its path
            sub = child(path, key)
            if absent or (candidate and matcher.matches(sub, in_model=is_model)):
                if in_place:
                    dropped.append(key)
                else:
                    if out is None:
                        out = {k: v for k, v in value.items()}
                    del out[key]
                removed += 1
                continue
            if container:
                new, count = strip(item, matcher, sub, drop_absent=drop_absent, in_place=in_place)
                if count:
                    if not in_place:
                        if out is None:
                            out = {k: v for k, v in value.items()}
                        out[key] = new
                    removed += count
        for key in dropped:
            del value[key]
        return (out if out is not None else value), removed
    if isinstance(value, list):
        removed = 0
        items: list[Any] | None = value if in_place else None
        for index, item in enumerate(value):
            sub = f"{path}[{index}]"
            if matcher.any_key and matcher.matches(sub):
                if items is None:
                    items = list(value)
                items[index] = None
                removed += 1
            elif isinstance(item, (dict, list)):
                new, count = strip(item, matcher, sub, drop_absent=drop_absent, in_place=in_place)
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
    lines: list[str],
    matcher: Matcher,
    path: str,
    *,
    drop_absent: bool = False,
    in_place: bool = False,
) -> tuple[list[str], int]:
    """Strip inside each ``data:`` JSON payload, re-serializing only the lines touched."""
    out: list[str] | None = lines if in_place else None
    removed = 0
    for index, line in enumerate(lines):
        if not (isinstance(line, str) and line.startswith("data:")):
            continue
        parsed = parse_sse_line(line)
        if not isinstance(parsed["data"], (dict, list)):
            continue
        new, count = strip(
            parsed["data"], matcher, f"{path}[{index}].data", drop_absent=drop_absent
        )
        if count:
            if out is None:
                out = list(lines)
            out[index] = "data: " + dumps_text(new, separators=(",", ":"))
            removed += count
    return (out if out is not None else lines), removed


def strip_recording(
    data: dict[str, Any], matcher: Matcher, *, drop_absent: bool = False, in_place: bool = False
) -> tuple[dict[str, Any], int]:
    """Strip a whole recording, SSE ``data:`` payloads included (``in_place``: see
    :func:`strip`)."""
    stripped, removed = strip(data, matcher, drop_absent=drop_absent, in_place=in_place)
    response = stripped.get("response")
    if isinstance(response, dict) and body_kind(response.get("body")) is BodyKind.SSE_LINES:
        lines, count = strip_sse(
            response["body"], matcher, "response.body", drop_absent=drop_absent, in_place=in_place
        )
        if count and not in_place:
            stripped = {**stripped, "response": {**response, "body": lines}}
        removed += count
    return stripped, removed
