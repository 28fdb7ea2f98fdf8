"""Compare what two recordings finally say: their reassembled :class:`Answer`.

Per choice (matched by index): text, reasoning and refusal as text changes (the
renderer shows a line diff, or a word diff for single-line answers), role, finish
reason, logprob counts and tool calls (name, type, and arguments compared as JSON
when both parse); then usage, embedding sizes and model lists (errors are compared
structurally, from the response itself). Tool call ids are volatile and compared only
with ``--strict``. Model lists are sets keyed by model id (the order a server lists
them in means nothing): models added or removed by id, then the fields of each model
on both sides; ``--strict`` leaves them to the positional comparison of the body.
"""

from __future__ import annotations

from typing import Any

from recstack.diffing.result import (
    ITEM_ADDED,
    ITEM_REMOVED,
    TEXT,
    VALUE,
    WHERE_RESPONSE,
    Change,
    ChangeKind,
)
from recstack.diffing.structural import diff_values, is_text, parse_json_string
from recstack.paths import join, keyed
from recstack.reassembly.answer import Answer, Choice, ToolCall

PREFIX = "answer"


def _change(parts: list[str | int], kind: ChangeKind, before: Any, after: Any) -> Change:
    return Change(WHERE_RESPONSE, join([PREFIX, *parts]), kind, before, after)


def _text_change(parts: list[str | int], before: str | None, after: str | None) -> list[Change]:
    if before == after:
        return []
    if before is None:
        return [_change(parts, ITEM_ADDED, None, after)]
    if after is None:
        return [_change(parts, ITEM_REMOVED, before, None)]
    kind = TEXT if is_text(before, after) or " " in before or " " in after else VALUE
    return [_change(parts, kind, before, after)]


def _scalar(parts: list[str | int], before: Any, after: Any) -> list[Change]:
    return [] if before == after else [_change(parts, VALUE, before, after)]


def compare_arguments(
    parts: list[str | int], before: str | None, after: str | None
) -> list[Change]:
    """Tool call arguments: equal JSON is equal whatever its spacing or key order."""
    if before == after:
        return []
    left, right = parse_json_string(before), parse_json_string(after)
    if isinstance(left, (dict, list)) and isinstance(right, (dict, list)):
        return diff_values(left, right, where=WHERE_RESPONSE, prefix=[PREFIX, *parts])
    return _text_change(parts, before, after)


def _tool_call_dict(call: ToolCall) -> dict[str, Any]:
    return {"name": call.name, "type": call.type, "arguments": call.arguments}


def compare_tool_calls(
    parts: list[str | int], before: list[ToolCall], after: list[ToolCall], *, strict: bool
) -> list[Change]:
    changes: list[Change] = []
    old = {call.index: call for call in before}
    new = {call.index: call for call in after}
    for index in sorted(old.keys() | new.keys()):
        where = [*parts, "tool_calls", index]
        a, b = old.get(index), new.get(index)
        if a is None or b is None:  # on one side only
            kind = ITEM_ADDED if a is None else ITEM_REMOVED
            changes.append(_change(where, kind, a and _tool_call_dict(a), b and _tool_call_dict(b)))
            continue
        changes += _scalar([*where, "name"], a.name, b.name)
        changes += _scalar([*where, "type"], a.type, b.type)
        if strict:
            changes += _scalar([*where, "id"], a.id, b.id)
        changes += compare_arguments([*where, "arguments"], a.arguments, b.arguments)
    return changes


def _choice_dict(choice: Choice) -> dict[str, Any]:
    return {
        "role": choice.role,
        "content": choice.content,
        "reasoning": choice.reasoning,
        "refusal": choice.refusal,
        "tool_calls": [_tool_call_dict(c) for c in choice.tool_calls],
        "finish_reason": choice.finish_reason,
    }


def compare_choice(index: int, a: Choice, b: Choice, *, strict: bool) -> list[Change]:
    parts: list[str | int] = ["choices", index]
    changes: list[Change] = []
    changes += _scalar([*parts, "role"], a.role, b.role)
    changes += _text_change([*parts, "content"], a.content, b.content)
    changes += _text_change([*parts, "reasoning"], a.reasoning, b.reasoning)
    changes += _text_change([*parts, "refusal"], a.refusal, b.refusal)
    changes += compare_tool_calls(parts, a.tool_calls, b.tool_calls, strict=strict)
    changes += _scalar([*parts, "finish_reason"], a.finish_reason, b.finish_reason)
    changes += _scalar([*parts, "logprobs"], a.logprobs, b.logprobs)
    return changes


def compare_answers(before: Answer, after: Answer, *, strict: bool = False) -> list[Change]:
    """Every difference in what the two recordings say."""
    changes: list[Change] = []
    changes += _scalar(["kind"], before.kind, after.kind)
    old = {choice.index: choice for choice in before.choices}
    new = {choice.index: choice for choice in after.choices}
    for index in sorted(old.keys() | new.keys()):
        a, b = old.get(index), new.get(index)
        if a is None or b is None:  # on one side only
            kind = ITEM_ADDED if a is None else ITEM_REMOVED
            before_, after_ = a and _choice_dict(a), b and _choice_dict(b)
            changes.append(_change(["choices", index], kind, before_, after_))
        else:
            changes += compare_choice(index, a, b, strict=strict)
    if before.usage != after.usage:
        if isinstance(before.usage, dict) and isinstance(after.usage, dict):
            changes += diff_values(
                before.usage, after.usage, where=WHERE_RESPONSE, prefix=[PREFIX, "usage"]
            )
        else:
            changes += _scalar(["usage"], before.usage, after.usage)
    changes += _scalar(["embeddings"], _dims(before.embeddings), _dims(after.embeddings))
    if before.models is not None and after.models is not None and not strict:
        changes += compare_models(before.models, after.models)
    return changes


def _by_id(models: list[dict[str, Any]]) -> dict[str, dict[str, Any]] | None:
    """Entries keyed by their id; None when an id is missing, not a string or repeated."""
    out: dict[str, dict[str, Any]] = {}
    for entry in models:
        ident = entry.get("id")
        if not isinstance(ident, str) or ident in out:
            return None
        out[ident] = entry
    return out


def compare_models(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[Change]:
    """Two model lists as sets keyed by id: added and removed models, then changed fields."""
    old, new = _by_id(before), _by_id(after)
    if old is None or new is None:  # no usable ids: compare by position
        return diff_values(before, after, where=WHERE_RESPONSE, prefix=[PREFIX, "models"])
    changes: list[Change] = []
    for ident in sorted(old.keys() | new.keys()):
        path = keyed(f"{PREFIX}.models", ident)
        a, b = old.get(ident), new.get(ident)
        if a is None:
            changes.append(Change(WHERE_RESPONSE, path, ITEM_ADDED, None, b))
        elif b is None:
            changes.append(Change(WHERE_RESPONSE, path, ITEM_REMOVED, a, None))
        else:
            changes += diff_values(a, b, where=WHERE_RESPONSE, start=path)
    return changes


def _dims(value: tuple[int, int] | None) -> str | None:
    return None if value is None else f"{value[0]} x {value[1]}"


# Families whose answer only shows the body as it is (rerank results, error bodies):
# it covers none of the body's fields, so the body itself must be compared whole.
_UNCOVERED_FAMILIES = frozenset({"passthrough"})


def trusted(answer: Answer) -> bool:
    """True when a reassembler understood the body (so the answer covers its content)."""
    return (
        answer.meta.family is not None
        and answer.meta.family not in _UNCOVERED_FAMILIES
        and answer.kind != "unknown"
    )
