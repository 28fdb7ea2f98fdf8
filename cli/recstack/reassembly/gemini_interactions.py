"""Gemini ``interactions``: SSE line streams and the plain interaction body.

``interaction.start`` gives the snapshot; ``content.start(index)`` opens output
``index``; ``content.delta`` of type ``text`` appends text, ``thought_signature``
replaces the signature, ``thought_summary`` appends, ``function_call`` sets the whole
call; ``interaction.complete`` gives status and usage (its outputs are empty by
design). Newer servers name these ``step.*`` and ``interaction.completed``.
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
    text,
)
from recstack.recording import Recording
from recstack.sse import parse_sse, sse_event_names

_STARTS = {"interaction.start", "interaction.created"}
_FINALS = {"interaction.complete", "interaction.completed"}


def _summary_text(value: Any) -> str | None:
    """Text of a thought summary: a string, a ``{text}`` item, or a list of them."""
    if isinstance(value, str):
        return value
    items = value if isinstance(value, list) else [value]
    texts = [t for t in (text(obj(item).get("text")) for item in items) if t is not None]
    return "".join(texts) if texts else None


class _Output:
    __slots__ = ("call", "signature", "summary", "text", "type")

    def __init__(self, start: dict[str, Any]) -> None:
        self.type = nonempty(start.get("type")) or "text"
        self.text = Parts()
        self.text.add(start.get("text"))
        self.signature = nonempty(start.get("signature"))
        self.summary = Parts()
        self.summary.add(_summary_text(start.get("summary")))
        self.call: dict[str, Any] | None = start if self.type == "function_call" else None

    def add(self, delta: dict[str, Any]) -> None:
        kind = delta.get("type")
        if kind == "text":
            self.text.add(delta.get("text"))
        elif kind == "thought_signature":
            self.signature = nonempty(delta.get("signature")) or self.signature
        elif kind == "thought_summary":
            self.summary.add(_summary_text(delta.get("content", delta.get("text"))))
        elif kind == "function_call":
            self.call = delta


def answer_from_outputs(answer: Answer, outputs: dict[int, _Output], role: str | None) -> Answer:
    content, reasoning = Parts(), Parts()
    calls: list[ToolCall] = []
    signatures: list[str] = []
    for index in sorted(outputs):
        out = outputs[index]
        if out.text.seen:
            content.add(out.text.value())
        if out.summary.seen:
            reasoning.add(out.summary.value())
        if out.call is not None:
            call = out.call
            arguments = call.get("arguments", call.get("args"))
            calls.append(
                ToolCall(
                    index=len(calls),
                    id=nonempty(call.get("id")),
                    name=nonempty(call.get("name")),
                    arguments=None if arguments is None else dumps(arguments),
                    type="function_call",
                )
            )
        if out.signature:
            signatures.append(out.signature)
    status = nonempty(answer.extra.get("status"))
    answer.choices = single_choice(role, content.value(), reasoning.value(), calls, status)
    if signatures:
        answer.extra["signatures"] = signatures
    return answer


def _snapshot(answer: Answer, interaction: dict[str, Any]) -> None:
    for key in ("model", "status"):
        if nonempty(interaction.get(key)):
            answer.extra[key] = interaction[key]
    if isinstance(interaction.get("usage"), dict):
        answer.usage = interaction["usage"]


class InteractionsStream:
    name = "gemini-interactions"

    def claims(self, recording: Recording) -> bool:
        if not is_sse_lines(recording):
            return False
        names = sse_event_names(recording.body)
        return bool(names & (_STARTS | _FINALS)) or any(
            n.startswith(("content.", "step.")) for n in names
        )

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "chat")
        events = parse_sse(recording.body)
        answer.meta.chunks = len(events)
        outputs: dict[int, _Output] = {}
        role: str | None = None
        for event in events:
            data = obj(event.data)
            kind = nonempty(data.get("event_type")) or event.name or ""
            if kind in _STARTS or kind in _FINALS:
                interaction = obj(data.get("interaction"))
                _snapshot(answer, interaction)
                role = nonempty(interaction.get("role")) or role
                if not outputs:
                    for i, raw in enumerate(lst(interaction.get("outputs"))):
                        outputs[i] = _Output(obj(raw))
            elif kind.endswith(".start") and ("content" in data or "step" in data):
                index = integer(data.get("index"))
                index = len(outputs) if index is None else index
                outputs[index] = _Output(obj(data.get("content", data.get("step"))))
            elif kind.endswith(".delta"):
                index = integer(data.get("index"))
                index = max(outputs, default=0) if index is None else index
                out = outputs.get(index)
                if out is None:
                    out = outputs[index] = _Output({})
                out.add(obj(data.get("delta")))
            elif kind == "interaction.status_update" and nonempty(data.get("status")):
                answer.extra["status"] = data["status"]
            elif kind == "error":
                answer.error = error_from_body(data, recording.status)
        return answer_from_outputs(answer, outputs, role or "model")


class InteractionBody:
    """A non-streamed interaction: ``{"object": "interaction", "outputs": [...]}``."""

    name = "gemini-interaction"

    def claims(self, recording: Recording) -> bool:
        body = recording.body
        return (
            is_plain_dict(recording)
            and isinstance(body.get("outputs"), list)
            and (body.get("object") == "interaction" or "status" in body)
        )

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "chat")
        body = recording.body
        _snapshot(answer, body)
        outputs = {i: _Output(obj(raw)) for i, raw in enumerate(body["outputs"])}
        return answer_from_outputs(answer, outputs, nonempty(body.get("role")) or "model")
