"""OpenAI chat completions: ``chat.completion.chunk`` streams and the plain ChatCompletion.

Stream rules (GUIDE §2): choices and tool calls grouped by their ``index`` (never
list position); role, id, type and name are the first non-empty value; content,
refusal and arguments concatenate; reasoning is ``reasoning_content`` else
``reasoning`` per delta (never both); finish_reason and usage are the last non-null.
"""

from __future__ import annotations

from typing import Any

from recstack.reassembly.answer import Answer, Choice, ToolCall
from recstack.reassembly.common import (
    Parts,
    class_of,
    data_of,
    first,
    head,
    integer,
    items_of,
    lst,
    new_answer,
    nonempty,
    obj,
    text,
)
from recstack.recording import Recording


def _is_chunk(item: Any) -> bool:
    return (
        class_of(item) == "ChatCompletionChunk"
        or data_of(item).get("object") == "chat.completion.chunk"
    )


def _is_completion(item: Any) -> bool:
    return class_of(item) == "ChatCompletion" or data_of(item).get("object") == "chat.completion"


def reasoning_of(source: dict[str, Any]) -> Any:
    """``reasoning_content`` when it is a string, else ``reasoning`` (never both)."""
    value = source.get("reasoning_content")
    return value if isinstance(value, str) else source.get("reasoning")


def logprob_count(logprobs: Any) -> int:
    """Number of tokens in a chat ``logprobs`` object (content and refusal lists)."""
    data = obj(logprobs)
    return len(lst(data.get("content"))) + len(lst(data.get("refusal")))


class _ToolAcc:
    __slots__ = ("arguments", "id", "index", "name", "type")

    def __init__(self, index: int) -> None:
        self.index = index
        self.id: str | None = None
        self.type: str | None = None
        self.name: str | None = None
        self.arguments = Parts()

    def result(self) -> ToolCall:
        return ToolCall(self.index, self.id, self.name, self.arguments.value(), self.type)


class _ChoiceAcc:
    __slots__ = ("content", "finish", "index", "logprobs", "reasoning", "refusal", "role", "tools")

    def __init__(self, index: int) -> None:
        self.index = index
        self.role: str | None = None
        self.content = Parts()
        self.reasoning = Parts()
        self.refusal = Parts()
        self.tools: dict[int, _ToolAcc] = {}
        self.finish: str | None = None
        self.logprobs = 0

    def tool_slot(self, call: dict[str, Any]) -> _ToolAcc:
        index = integer(call.get("index"))
        if index is None:
            # No index (some servers): a new id opens a new call, else continue the last.
            call_id = nonempty(call.get("id"))
            last = self.tools[max(self.tools)] if self.tools else None
            if last is not None and (call_id is None or call_id == last.id):
                return last
            index = max(self.tools) + 1 if self.tools else 0
        slot = self.tools.get(index)
        if slot is None:
            slot = self.tools[index] = _ToolAcc(index)
        return slot

    def add_delta(self, delta: dict[str, Any]) -> None:
        self.role = first(self.role, delta.get("role"))
        self.content.add(delta.get("content"))
        self.reasoning.add(reasoning_of(delta))
        self.refusal.add(delta.get("refusal"))
        for call in lst(delta.get("tool_calls")):
            call = obj(call)
            slot = self.tool_slot(call)
            slot.id = first(slot.id, call.get("id"))
            slot.type = first(slot.type, call.get("type"))
            function = obj(call.get("function"))
            slot.name = first(slot.name, function.get("name"))
            slot.arguments.add(function.get("arguments"))
        legacy = obj(delta.get("function_call"))
        if legacy:
            slot = self.tools.get(0) or self.tools.setdefault(0, _ToolAcc(0))
            slot.type = slot.type or "function_call"
            slot.name = first(slot.name, legacy.get("name"))
            slot.arguments.add(legacy.get("arguments"))

    def result(self) -> Choice:
        return Choice(
            index=self.index,
            role=self.role,
            content=self.content.value(),
            reasoning=self.reasoning.value(),
            refusal=self.refusal.value(),
            tool_calls=[self.tools[i].result() for i in sorted(self.tools)],
            finish_reason=self.finish,
            logprobs=self.logprobs,
        )


def reassemble_chunks(chunks: list[Any]) -> tuple[list[Choice], dict[str, Any] | None, str | None]:
    """Choices, usage and the response model of a list of chat chunks (typed or plain)."""
    choices: dict[int, _ChoiceAcc] = {}
    usage: dict[str, Any] | None = None
    model: str | None = None
    for item in chunks:
        data = data_of(item)
        model = first(model, data.get("model"))
        if isinstance(data.get("usage"), dict):
            usage = data["usage"]
        for position, raw in enumerate(lst(data.get("choices"))):
            choice = obj(raw)
            index = integer(choice.get("index"))
            index = position if index is None else index
            acc = choices.get(index)
            if acc is None:
                acc = choices[index] = _ChoiceAcc(index)
            acc.add_delta(obj(choice.get("delta")))
            finish = nonempty(choice.get("finish_reason"))
            if finish is not None:
                acc.finish = finish
            acc.logprobs += logprob_count(choice.get("logprobs"))
    return [choices[i].result() for i in sorted(choices)], usage, model


def message_choice(index: int, message: dict[str, Any], raw: dict[str, Any]) -> Choice:
    """One choice of a non-streamed ChatCompletion."""
    calls = []
    for position, call in enumerate(lst(message.get("tool_calls"))):
        call = obj(call)
        function = obj(call.get("function"))
        call_index = integer(call.get("index"))
        calls.append(
            ToolCall(
                index=position if call_index is None else call_index,
                id=nonempty(call.get("id")),
                name=nonempty(function.get("name")),
                arguments=text(function.get("arguments")),
                type=nonempty(call.get("type")),
            )
        )
    legacy = obj(message.get("function_call"))
    if legacy and not calls:
        calls.append(
            ToolCall(
                0,
                None,
                nonempty(legacy.get("name")),
                text(legacy.get("arguments")),
                "function_call",
            )
        )
    reasoning = reasoning_of(message)
    return Choice(
        index=index,
        role=nonempty(message.get("role")),
        content=text(message.get("content")),
        reasoning=reasoning if isinstance(reasoning, str) else None,
        refusal=text(message.get("refusal")),
        tool_calls=calls,
        finish_reason=nonempty(raw.get("finish_reason")),
        logprobs=logprob_count(raw.get("logprobs")),
    )


class OpenAIChatStream:
    name = "openai-chat"

    def claims(self, recording: Recording) -> bool:
        return any(_is_chunk(item) for item in head(recording))

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "chat")
        choices, usage, model = reassemble_chunks(items_of(recording))
        answer.choices, answer.usage = choices, usage
        if model:
            answer.extra["model"] = model
        return answer


class OpenAIChatCompletion:
    name = "openai-chat-completion"

    def claims(self, recording: Recording) -> bool:
        items = items_of(recording)
        return len(items) == 1 and _is_completion(items[0])

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "chat")
        data = data_of(items_of(recording)[0])
        by_index: dict[int, Choice] = {}
        for position, raw in enumerate(lst(data.get("choices"))):
            raw = obj(raw)
            index = integer(raw.get("index"))
            index = position if index is None else index
            by_index[index] = message_choice(index, obj(raw.get("message")), raw)
        answer.choices = [by_index[i] for i in sorted(by_index)]
        answer.usage = obj(data.get("usage")) or None
        if nonempty(data.get("model")):
            answer.extra["model"] = data["model"]
        return answer
