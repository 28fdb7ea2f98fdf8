"""Anthropic-style ``/v1/messages``: SSE line streams and the plain message body.

``message_start`` gives the message; ``content_block_start`` opens block ``index``;
``content_block_delta`` adds ``text_delta`` / ``thinking_delta`` text, replaces the
``signature``, concatenates ``input_json_delta`` (kept raw: it may be partial) and
appends citations; ``message_delta`` replaces stop_reason and overwrites usage
counts (they are cumulative).
"""

from __future__ import annotations

from typing import Any

from recstack.reassembly.answer import Answer, ToolCall
from recstack.reassembly.common import (
    Parts,
    dumps,
    error_from_body,
    integer,
    is_plain_dict,
    is_sse_lines,
    lst,
    new_answer,
    nonempty,
    obj,
    single_choice,
)
from recstack.recording import Recording
from recstack.sse import parse_sse, sse_event_names

_TOOL_BLOCKS = ("tool_use", "server_tool_use", "mcp_tool_use")


class _Block:
    __slots__ = ("citations", "id", "input", "name", "partial", "signature", "text", "type")

    def __init__(self, start: dict[str, Any]) -> None:
        self.type = nonempty(start.get("type")) or "text"
        self.text = Parts()
        self.text.add(start.get("text") if self.type == "text" else start.get("thinking"))
        self.signature = nonempty(start.get("signature"))
        self.id = nonempty(start.get("id"))
        self.name = nonempty(start.get("name"))
        self.input = start.get("input")
        self.partial = Parts()
        self.citations: list[Any] = list(lst(start.get("citations")))

    def add(self, delta: dict[str, Any]) -> None:
        kind = delta.get("type")
        if kind == "text_delta":
            self.text.add(delta.get("text"))
        elif kind == "thinking_delta":
            self.text.add(delta.get("thinking"))
        elif kind == "signature_delta":
            self.signature = nonempty(delta.get("signature")) or self.signature
        elif kind == "input_json_delta":
            self.partial.add(delta.get("partial_json"))
        elif kind == "citations_delta" and delta.get("citation") is not None:
            self.citations.append(delta["citation"])

    def arguments(self) -> str | None:
        if self.partial.seen:
            return self.partial.value()
        return None if self.input is None else dumps(self.input)


def _merge_usage(usage: dict[str, Any] | None, update: Any) -> dict[str, Any] | None:
    counts = {k: v for k, v in obj(update).items() if v is not None}
    if not counts:
        return usage
    return {**(usage or {}), **counts}


def answer_from_blocks(
    answer: Answer, role: str | None, blocks: dict[int, _Block], stop: str | None
) -> Answer:
    """Fill ``answer`` with one choice made of the blocks, in block-index order."""
    text, thinking = Parts(), Parts()
    calls: list[ToolCall] = []
    signatures: list[str] = []
    citations: list[Any] = []
    for index in sorted(blocks):
        block = blocks[index]
        if block.type == "text":
            text.add(block.text.value() or "")
            citations.extend(block.citations)
        elif block.type == "thinking":
            thinking.add(block.text.value() or "")
        elif block.type in _TOOL_BLOCKS:
            calls.append(ToolCall(len(calls), block.id, block.name, block.arguments(), block.type))
        if block.signature:
            signatures.append(block.signature)
    answer.choices = single_choice(role, text.value(), thinking.value(), calls, stop)
    if signatures:
        answer.extra["signatures"] = signatures
    if citations:
        answer.extra["citations"] = citations
    return answer


class AnthropicStream:
    name = "anthropic-sse"

    def claims(self, recording: Recording) -> bool:
        if not is_sse_lines(recording):
            return False
        return bool(sse_event_names(recording.body) & {"message_start", "content_block_start"})

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "chat")
        events = parse_sse(recording.body)
        answer.meta.chunks = len(events)
        role: str | None = None
        stop: str | None = None
        blocks: dict[int, _Block] = {}
        for event in events:
            data = obj(event.data)
            kind = nonempty(data.get("type")) or event.name
            if kind == "message_start":
                message = obj(data.get("message"))
                role = nonempty(message.get("role"))
                answer.usage = _merge_usage(answer.usage, message.get("usage"))
                if nonempty(message.get("model")):
                    answer.extra["model"] = message["model"]
            elif kind == "content_block_start":
                index = integer(data.get("index"))
                index = len(blocks) if index is None else index
                blocks[index] = _Block(obj(data.get("content_block")))
            elif kind == "content_block_delta":
                index = integer(data.get("index"))
                index = max(blocks, default=0) if index is None else index
                block = blocks.get(index)
                if block is None:
                    block = blocks[index] = _Block({})
                block.add(obj(data.get("delta")))
            elif kind == "message_delta":
                stop = nonempty(obj(data.get("delta")).get("stop_reason")) or stop
                answer.usage = _merge_usage(answer.usage, data.get("usage"))
            elif kind == "error":
                answer.error = error_from_body(data, recording.status)
        return answer_from_blocks(answer, role, blocks, stop)


class AnthropicMessage:
    """A non-streamed ``/v1/messages`` body: ``{"type": "message", "content": [blocks]}``."""

    name = "anthropic-message"

    def claims(self, recording: Recording) -> bool:
        body = recording.body
        return (
            is_plain_dict(recording)
            and body.get("type") == "message"
            and isinstance(body.get("content"), list)
        )

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "chat")
        body = recording.body
        blocks = {}
        for index, raw in enumerate(body["content"]):
            blocks[index] = _Block(obj(raw))
        answer.usage = obj(body.get("usage")) or None
        if nonempty(body.get("model")):
            answer.extra["model"] = body["model"]
        stop = nonempty(body.get("stop_reason"))
        return answer_from_blocks(answer, nonempty(body.get("role")), blocks, stop)
