"""A structural diff of two JSON values (deepdiff) as readable :class:`Change` records.

Paths come out as ``request.body.messages[2].content``; strings that are long or span
lines are reported as ``text`` changes (rendered as a line diff, not two blobs); two
strings that both parse as the same JSON value (``{"a":1}`` vs ``{"a": 1}``) are equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from recstack.diffing.result import ITEM_ADDED, ITEM_REMOVED, TEXT, TYPE, VALUE, Change
from recstack.loading import parse_embedded
from recstack.paths import join, sort_key

# Strings at least this long (or with a newline) are compared as text.
LONG_STRING = 80

_NOT_PRESENT = "not present"


def is_text(before: Any, after: Any) -> bool:
    if not (isinstance(before, str) and isinstance(after, str)):
        return False
    return "\n" in before or "\n" in after or max(len(before), len(after)) >= LONG_STRING


def parse_json_string(value: Any) -> Any:
    """The JSON value a string holds, or a sentinel when it holds none."""
    if not isinstance(value, str):
        return _Unparsed
    stripped = value.strip()
    if not stripped or stripped[0] not in "{[":
        return _Unparsed
    try:
        return parse_embedded(stripped)
    except ValueError:
        return _Unparsed


class _Unparsed:
    pass


def same_json_string(before: Any, after: Any) -> bool:
    """True when both are strings holding equal JSON documents."""
    left = parse_json_string(before)
    if left is _Unparsed:
        return False
    right = parse_json_string(after)
    return right is not _Unparsed and left == right


def _present(value: Any) -> bool:
    return not (isinstance(value, str) and value == _NOT_PRESENT) and value is not None


def diff_values(
    before: Any,
    after: Any,
    *,
    where: str,
    prefix: Sequence[str | int] = (),
    start: str = "",
    json_strings: bool = True,
) -> list[Change]:
    """Every difference between ``before`` and ``after``, as changes under ``prefix``.

    ``start`` is a path already rendered (``answer.models['gpt-4o']``) that ``prefix``
    extends. Changes come in path order, list indexes as numbers.
    """
    if before == after:
        return []
    from deepdiff import DeepDiff  # imported here: it costs ~0.3 s (pydantic) at startup

    tree = DeepDiff(
        before, after, view="tree", verbose_level=2, cache_size=0, ignore_private_variables=False
    )
    changes: list[Change] = []
    for report, levels in tree.items():
        for level in levels:
            path = join([*prefix, *level.path(output_format="list")], start) or "(root)"
            t1, t2 = level.t1, level.t2
            if report in ("values_changed", "type_changes"):
                if json_strings and same_json_string(t1, t2):
                    continue
                if isinstance(t1, str) and isinstance(t2, str):
                    kind = TEXT if is_text(t1, t2) else VALUE
                else:
                    kind = TYPE if report == "type_changes" and t1 is not None else VALUE
                    if t1 is None or t2 is None:
                        kind = VALUE
                changes.append(Change(where, path, kind, t1, t2))
            elif report in ("dictionary_item_added", "iterable_item_added", "set_item_added"):
                changes.append(Change(where, path, ITEM_ADDED, None, t2))
            elif report in (
                "dictionary_item_removed",
                "iterable_item_removed",
                "set_item_removed",
            ):
                changes.append(Change(where, path, ITEM_REMOVED, t1, None))
            else:
                before_value = t1 if _present(t1) else None
                after_value = t2 if _present(t2) else None
                changes.append(Change(where, path, VALUE, before_value, after_value))
    changes.sort(key=lambda c: sort_key(c.path))
    return changes
