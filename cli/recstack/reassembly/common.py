"""What every reassembler shares: the family interface and small, safe accessors.

Recordings write every optional key as ``null``; all accessors here treat ``null``
(and values of the wrong type) as absent, so a family never trips on odd input.
"""

from __future__ import annotations

from typing import Any, Protocol

from recstack.jsonnumbers import dumps_text
from recstack.reassembly.answer import Answer, Choice, ErrorInfo, Meta, ToolCall
from recstack.recording import Recording, integer, is_typed, nonempty, obj


class Family(Protocol):
    """One stream family (or non-streamed body kind) and how to rebuild its answer."""

    name: str

    def claims(self, recording: Recording) -> bool:
        """True when this family reads ``recording`` (decided by body shape, never endpoint)."""
        ...

    def build(self, recording: Recording) -> Answer:
        """The reassembled answer (may raise on malformed input; the dispatcher catches)."""
        ...


def data_of(item: Any) -> dict[str, Any]:
    """The payload of a body item: ``__data__`` of a typed object, else the dict itself."""
    if is_typed(item):
        data = item["__data__"]
        return data if isinstance(data, dict) else {}
    return item if isinstance(item, dict) else {}


def type_of(item: Any) -> str:
    """The ``__type__`` of a typed object ("" otherwise)."""
    if is_typed(item) and isinstance(item["__type__"], str):
        return item["__type__"]
    return ""


def class_of(item: Any) -> str:
    """The class name of a typed object: ``a.b.ChatCompletion`` -> ``ChatCompletion``."""
    return type_of(item).rsplit(".", 1)[-1]


def items_of(recording: Recording) -> list[Any]:
    """The body as a list (a single body becomes a one-item list; null becomes [])."""
    body = recording.body
    if isinstance(body, list):
        return body
    return [] if body is None else [body]


def lst(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def text(value: Any) -> str | None:
    """A string value (possibly empty), or None."""
    return value if isinstance(value, str) else None


def dumps(value: Any) -> str:
    """Arguments sent as an object, as the JSON string a chat API would have sent."""
    if isinstance(value, str):
        return value
    return dumps_text(value, ensure_ascii=False)


def first(current: str | None, value: Any) -> str | None:
    """Keep the first non-empty string seen."""
    return current if current else nonempty(value)


class Parts:
    """A concatenation that remembers whether any string arrived at all."""

    __slots__ = ("_parts",)

    def __init__(self) -> None:
        self._parts: list[str] | None = None

    def add(self, value: Any) -> None:
        if isinstance(value, str):
            if self._parts is None:
                self._parts = []
            self._parts.append(value)

    def set(self, value: Any) -> None:
        if isinstance(value, str):
            self._parts = [value]

    @property
    def seen(self) -> bool:
        return self._parts is not None

    def value(self) -> str | None:
        return None if self._parts is None else "".join(self._parts)


def meta_for(recording: Recording) -> Meta:
    """The metadata every answer carries, read from the recording itself."""
    items = items_of(recording)
    return Meta(
        path=recording.path,
        test_id=recording.test_id,
        endpoint=recording.endpoint,
        model=recording.model,
        provider=recording.provider,
        streaming=recording.is_streaming,
        chunks=recording.chunk_count,
        status=recording.status,
        body_type=(type_of(items[0]) or None) if items else None,
    )


def new_answer(recording: Recording, kind: str) -> Answer:
    return Answer(meta=meta_for(recording), kind=kind)


def error_from_body(body: dict[str, Any], status: int | None) -> ErrorInfo:
    """An error description from an HTTP error body (OpenAI, Anthropic, Google styles)."""
    err = body.get("error")
    if isinstance(err, str):
        return ErrorInfo(type=nonempty(body.get("type")), status=status, message=err)
    err = obj(err)
    message = nonempty(err.get("message")) or nonempty(body.get("message"))
    kind = (
        nonempty(err.get("type"))
        or nonempty(err.get("code"))
        or nonempty(err.get("status"))
        or nonempty(body.get("type"))
    )
    code = integer(err.get("code"))
    return ErrorInfo(type=kind, status=status if status is not None else code, message=message)


def single_choice(
    role: str | None,
    content: str | None,
    reasoning: str | None,
    tool_calls: list[ToolCall],
    finish_reason: str | None,
    refusal: str | None = None,
) -> list[Choice]:
    """The one choice of an API that has no ``n`` (Anthropic, interactions, Ollama...)."""
    return [Choice(0, role, content, reasoning, refusal, tool_calls, finish_reason)]


# Cheap shape probes for ``claims``: bodies are homogeneous, so the first few items
# decide (a full scan of every chunk for every family would dominate the run time).
PROBE = 3


def head(recording: Recording) -> list[Any]:
    """The first few items of a list body ([] for anything else)."""
    body = recording.body
    return body[:PROBE] if isinstance(body, list) else []


def is_sse_lines(recording: Recording) -> bool:
    items = head(recording)
    return bool(items) and all(isinstance(item, str) for item in items)


def is_plain_dict(recording: Recording) -> bool:
    body = recording.body
    return isinstance(body, dict) and not is_typed(body)


def is_plain_dict_list(recording: Recording) -> bool:
    items = head(recording)
    return bool(items) and all(isinstance(i, dict) and not is_typed(i) for i in items)
