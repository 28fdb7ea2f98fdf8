"""Compare stream bodies by meaning: what they carried, not how it was chunked.

A stream's *envelope* maps each field path, with the chunk index generalized
(``response.body[*].__data__.model``), to what the stream said there: the distinct
values in order of first appearance, or, for text fragments, their concatenation.
Two streams that differ only in chunking have equal envelopes. Fields the reassembled
answer already compares (text, tool calls, usage, ...) are left out when the answer
is trusted.
"""

from __future__ import annotations

from typing import Any

from recstack.diffing.ignore import Matcher, parse_sse_line, strip
from recstack.diffing.result import ITEM_ADDED, ITEM_REMOVED, TEXT, VALUE, WHERE_RESPONSE, Change
from recstack.diffing.structural import is_text
from recstack.diffing.vectors import VECTOR, summarize_vectors
from recstack.jsonnumbers import dumps_text
from recstack.paths import sort_key
from recstack.recording import BodyKind, body_kind, is_typed

# Keys whose values the reassembled answer covers (text, reasoning, tool calls, finish
# reasons, usage, logprobs, stream deltas, GenAI candidates, Ollama final counts).
COVERED_KEYS = (
    "content",
    "text",
    "reasoning_content",
    "reasoning",
    "refusal",
    "tool_calls",
    "function_call",
    "finish_reason",
    "usage",
    "logprobs",
    "thinking",
    "response",
    "done_reason",
    "prompt_eval_count",
    "eval_count",
    "delta",
    "usage_metadata",
    "candidates",
    "stop_reason",
    "content_block",
    "outputs",
)
# Text fragments concatenated across chunks when no trusted answer covers them.
FRAGMENT_KEYS = frozenset(
    {
        "content",
        "text",
        "reasoning_content",
        "reasoning",
        "refusal",
        "arguments",
        "thinking",
        "response",
        "partial_json",
    }
)

_covered: Matcher | None = None


def covered_matcher() -> Matcher:
    global _covered
    if _covered is None:
        _covered = Matcher([f"response.body**.{key}" for key in COVERED_KEYS])
    return _covered


def drop_covered(body: Any) -> Any:
    """``body`` without the fields the answer covers."""
    stripped, _ = strip(body, covered_matcher(), "response.body")
    return stripped


def is_stream(response: dict[str, Any]) -> bool:
    body = response.get("body")
    if not isinstance(body, list):
        return False
    return response.get("is_streaming") is True or body_kind(body) is BodyKind.SSE_LINES


def _items(body: list[Any]) -> list[tuple[str, Any]]:
    out = []
    for item in body:
        if is_typed(item):
            out.append(("response.body[*].__data__", item["__data__"]))
        elif isinstance(item, str):
            out.append(("response.body[*]", parse_sse_line(item)))
        else:
            out.append(("response.body[*]", item))
    return out


_COVERED = frozenset(COVERED_KEYS)


class _Envelope:
    def __init__(self, concatenate: bool) -> None:
        self.concatenate = concatenate
        self.skip = frozenset() if concatenate else _COVERED
        self.values: dict[str, list[Any]] = {}
        self.seen: dict[str, set[Any]] = {}
        self.text: dict[str, list[str]] = {}  # fragments, joined once at the end

    def add(self, path: str, key: str | int | None, value: Any) -> None:
        if isinstance(value, dict):
            if not value:
                self._leaf(path, value)
            for sub, item in value.items():
                if sub not in self.skip:
                    self.add(f"{path}.{sub}", sub, item)
        elif isinstance(value, list):
            if not value or len(value) >= VECTOR:
                summary = summarize_vectors(value) if value else value
                if not isinstance(summary, list):
                    self._leaf(path, summary)
                    return
                if not value:
                    self._leaf(path, value)
            for index, item in enumerate(value):
                self.add(f"{path}[{index}]", index, item)
        elif self.concatenate and isinstance(value, str) and key in FRAGMENT_KEYS:
            self.text.setdefault(path, []).append(value)
        else:
            self._leaf(path, value)

    def _leaf(self, path: str, value: Any) -> None:
        token = (
            (type(value).__name__, value)
            if value is None or isinstance(value, (str, int, float))
            else dumps_text(value, sort_keys=True)
        )
        seen = self.seen.setdefault(path, set())
        if token not in seen:
            seen.add(token)
            self.values.setdefault(path, []).append(value)

    def result(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for path, values in self.values.items():
            out[path] = values[0] if len(values) == 1 else values
        out.update((path, "".join(fragments)) for path, fragments in self.text.items())
        return out


def envelope(body: list[Any], *, trusted: bool) -> dict[str, Any]:
    """Field path -> what the stream said there (see the module docstring).

    ``trusted``: the answer covers the text, so covered fields are left out; otherwise
    text fragments are concatenated so that any change in them still shows.
    """
    env = _Envelope(concatenate=not trusted)
    for prefix, item in _items(body):
        env.add(prefix, None, item)
    return env.result()


def compare_envelopes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    for path in sorted(before.keys() | after.keys(), key=sort_key):
        if path not in after:
            changes.append(Change(WHERE_RESPONSE, path, ITEM_REMOVED, before[path], None))
        elif path not in before:
            changes.append(Change(WHERE_RESPONSE, path, ITEM_ADDED, None, after[path]))
        elif before[path] != after[path]:
            a, b = before[path], after[path]
            kind = TEXT if is_text(a, b) else VALUE
            changes.append(Change(WHERE_RESPONSE, path, kind, a, b))
    return changes
