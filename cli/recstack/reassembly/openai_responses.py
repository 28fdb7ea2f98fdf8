"""OpenAI Responses API: streamed events (typed, plain dicts or SSE lines) and the
non-streamed Response object.

Built from the API's documented event types (none recorded upstream yet):
``response.created`` gives the snapshot; ``response.output_item.added`` opens item
``output_index``; ``response.output_text.delta`` appends text,
``response.refusal.delta`` refusal, ``response.reasoning_text.delta`` /
``response.reasoning_summary_text.delta`` reasoning (full text preferred over the
summary, never both), ``response.function_call_arguments.delta`` arguments;
the ``.done`` events and ``response.output_item.done`` fill in what no delta sent;
``response.completed`` / ``incomplete`` / ``failed`` give status, usage and error.
"""

from __future__ import annotations

from typing import Any

from recstack.reassembly.answer import Answer, ErrorInfo, ToolCall
from recstack.reassembly.common import (
    Parts,
    class_of,
    data_of,
    error_from_body,
    first,
    head,
    integer,
    is_sse_lines,
    items_of,
    lst,
    new_answer,
    nonempty,
    obj,
    single_choice,
)
from recstack.recording import Recording
from recstack.sse import parse_sse, sse_event_names

_FINALS = {"response.completed", "response.incomplete", "response.failed", "response.done"}
_CALL_TYPES = {"function_call", "custom_tool_call"}


def _event_type(item: Any) -> str:
    kind = data_of(item).get("type")
    return kind if isinstance(kind, str) else ""


class _Item:
    __slots__ = (
        "arguments",
        "call_id",
        "id",
        "name",
        "reasoning",
        "refusal",
        "summary",
        "text",
        "type",
    )

    def __init__(self, item: dict[str, Any]) -> None:
        self.id: str | None = None
        self.call_id: str | None = None
        self.name: str | None = None
        self.text = Parts()
        self.refusal = Parts()
        self.reasoning = Parts()
        self.summary = Parts()
        self.arguments = Parts()
        self.type = "message"
        self.merge(item)

    def merge(self, item: dict[str, Any]) -> None:
        """Take from a (snapshot of the) item whatever no delta has sent yet."""
        self.type = nonempty(item.get("type")) or self.type
        self.id = first(self.id, item.get("id"))
        self.call_id = first(self.call_id, item.get("call_id"))
        self.name = first(self.name, item.get("name"))
        if not self.arguments.seen:
            self.arguments.add(item.get("arguments", item.get("input")))
        texts, refusals = Parts(), Parts()
        for part in lst(item.get("content")):
            part = obj(part)
            kind = part.get("type")
            if kind == "output_text":
                texts.add(part.get("text"))
            elif kind == "refusal":
                refusals.add(part.get("refusal"))
            elif kind == "reasoning_text" and not self.reasoning.seen:
                self.reasoning.add(part.get("text"))
        if not self.text.seen and texts.seen:
            self.text.set(texts.value())
        if not self.refusal.seen and refusals.seen:
            self.refusal.set(refusals.value())
        if not self.summary.seen:
            for part in lst(item.get("summary")):
                self.summary.add(obj(part).get("text"))


class _State:
    def __init__(self) -> None:
        self.items: dict[int, _Item] = {}
        self.response: dict[str, Any] = {}
        self.error: dict[str, Any] | None = None

    def item(self, data: dict[str, Any]) -> _Item:
        index = integer(data.get("output_index"))
        if index is None:
            item_id = nonempty(data.get("item_id"))
            for existing in self.items.values():
                if item_id and existing.id == item_id:
                    return existing
            index = max(self.items, default=-1) + 1
        if index not in self.items:
            self.items[index] = _Item({})
        return self.items[index]

    def apply(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "response.created" or kind == "response.in_progress" or kind in _FINALS:
            self.response = {**self.response, **obj(data.get("response"))}
        elif kind in ("response.output_item.added", "response.output_item.done"):
            self.item(data).merge(obj(data.get("item")))
        elif kind == "response.output_text.delta":
            self.item(data).text.add(data.get("delta"))
        elif kind == "response.output_text.done":
            item = self.item(data)
            if not item.text.seen:
                item.text.add(data.get("text"))
        elif kind == "response.refusal.delta":
            self.item(data).refusal.add(data.get("delta"))
        elif kind in ("response.reasoning_text.delta", "response.reasoning.delta"):
            self.item(data).reasoning.add(data.get("delta"))
        elif kind == "response.reasoning_summary_text.delta":
            self.item(data).summary.add(data.get("delta"))
        elif kind in (
            "response.function_call_arguments.delta",
            "response.custom_tool_call_input.delta",
        ):
            self.item(data).arguments.add(data.get("delta"))
        elif kind in (
            "response.function_call_arguments.done",
            "response.custom_tool_call_input.done",
        ):
            item = self.item(data)
            if not item.arguments.seen:
                item.arguments.add(data.get("arguments", data.get("input")))
        elif kind == "error":
            self.error = data

    def finish(self, answer: Answer) -> Answer:
        response = self.response
        if not self.items:
            for index, raw in enumerate(lst(response.get("output"))):
                self.items[index] = _Item(obj(raw))
        content, refusal, reasoning = Parts(), Parts(), Parts()
        calls: list[ToolCall] = []
        others: list[str] = []
        for index in sorted(self.items):
            item = self.items[index]
            if item.type == "message":
                if item.text.seen:
                    content.add(item.text.value())
                if item.refusal.seen:
                    refusal.add(item.refusal.value())
            elif item.type == "reasoning":
                chosen = item.reasoning if item.reasoning.seen else item.summary
                if chosen.seen:
                    reasoning.add(chosen.value())
            elif item.type in _CALL_TYPES:
                calls.append(
                    ToolCall(
                        len(calls),
                        item.call_id or item.id,
                        item.name,
                        item.arguments.value(),
                        item.type,
                    )
                )
            else:
                others.append(item.type)
        status = nonempty(response.get("status"))
        reason = nonempty(obj(response.get("incomplete_details")).get("reason"))
        answer.choices = single_choice(
            "assistant",
            content.value(),
            reasoning.value(),
            calls,
            reason or status,
            refusal.value(),
        )
        answer.usage = obj(response.get("usage")) or None
        if nonempty(response.get("model")):
            answer.extra["model"] = response["model"]
        if others:
            answer.extra["other_items"] = others
        failure = self.error or obj(response.get("error"))
        if failure:
            info = error_from_body(failure, None)
            answer.error = ErrorInfo(
                type=info.type or nonempty(failure.get("code")),
                message=info.message or nonempty(failure.get("message")),
            )
        return answer


class ResponsesStream:
    name = "openai-responses"

    def claims(self, recording: Recording) -> bool:
        if is_sse_lines(recording):
            return any(n.startswith("response.") for n in sse_event_names(recording.body))
        return any(_event_type(item).startswith("response.") for item in head(recording))

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "chat")
        state = _State()
        if is_sse_lines(recording):
            events = [(e.name or "", obj(e.data)) for e in parse_sse(recording.body)]
            answer.meta.chunks = len(events)
        else:
            events = [(_event_type(item), data_of(item)) for item in items_of(recording)]
        for kind, data in events:
            state.apply(nonempty(obj(data).get("type")) or kind, obj(data))
        return state.finish(answer)


class ResponseObject:
    """A non-streamed Response: ``{"object": "response", "output": [items]}``."""

    name = "openai-response"

    def claims(self, recording: Recording) -> bool:
        body = recording.body
        if isinstance(body, list):
            return False
        data = data_of(body)
        return (class_of(body) == "Response" or data.get("object") == "response") and isinstance(
            data.get("output"), list
        )

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "chat")
        state = _State()
        state.response = data_of(recording.body)
        return state.finish(answer)
