"""Ollama native responses: GenerateResponse / ChatResponse (streamed or not),
EmbedResponse, ProcessResponse and ListResponse.

Streams concatenate ``response`` / ``message.content`` and ``thinking``; tool calls
arrive whole and are appended; the final metadata (done_reason, counts) is the
last chunk's.
"""

from __future__ import annotations

from typing import Any

from recstack.reassembly.answer import Answer, ToolCall
from recstack.reassembly.common import (
    Parts,
    class_of,
    data_of,
    dumps,
    first,
    head,
    integer,
    items_of,
    lst,
    new_answer,
    nonempty,
    obj,
    single_choice,
)
from recstack.reassembly.openai_misc import embedding_shape, embeddings_digest, model_entry
from recstack.recording import Recording

_COUNTS = ("prompt_eval_count", "eval_count")
_DURATIONS = ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")


def _all_of(recording: Recording, *names: str) -> bool:
    items = head(recording) or items_of(recording)[:1]
    return bool(items) and all(class_of(item) in names for item in items)


class OllamaText:
    """``GenerateResponse`` and ``ChatResponse``, one or a stream of them."""

    name = "ollama"

    def claims(self, recording: Recording) -> bool:
        return _all_of(recording, "GenerateResponse", "ChatResponse")

    def build(self, recording: Recording) -> Answer:
        items = items_of(recording)
        chat = class_of(items[0]) == "ChatResponse"
        answer = new_answer(recording, "chat" if chat else "completion")
        content, thinking = Parts(), Parts()
        role: str | None = None
        calls: list[ToolCall] = []
        last: dict[str, Any] = {}
        for item in items:
            data = last = data_of(item)
            source = obj(data.get("message")) if chat else data
            role = first(role, source.get("role"))
            content.add(source.get("content" if chat else "response"))
            thinking.add(source.get("thinking"))
            for call in lst(source.get("tool_calls")):
                function = obj(obj(call).get("function"))
                arguments = function.get("arguments")
                calls.append(
                    ToolCall(
                        index=len(calls),
                        id=nonempty(obj(call).get("id")),
                        name=nonempty(function.get("name")),
                        arguments=None if arguments is None else dumps(arguments),
                        type="function",
                    )
                )
        finish = nonempty(last.get("done_reason"))
        answer.choices = single_choice(role, content.value(), thinking.value(), calls, finish)
        usage = {key: last[key] for key in _COUNTS if integer(last.get(key)) is not None}
        answer.usage = usage or None
        durations = {key: last[key] for key in _DURATIONS if integer(last.get(key)) is not None}
        if durations:
            answer.extra["durations"] = durations
        if nonempty(last.get("model")):
            answer.extra["model"] = last["model"]
        return answer


class OllamaEmbed:
    """``EmbedResponse`` (``embeddings``) and the older ``EmbeddingsResponse`` (``embedding``)."""

    name = "ollama-embed"

    def claims(self, recording: Recording) -> bool:
        return _all_of(recording, "EmbedResponse", "EmbeddingsResponse")

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "embeddings")
        data = data_of(items_of(recording)[0])
        vectors = lst(data.get("embeddings"))
        if not vectors and isinstance(data.get("embedding"), list):
            vectors = [data["embedding"]]
        answer.embeddings = embedding_shape(vectors)
        answer.embeddings_digest = embeddings_digest(vectors)
        usage = {key: data[key] for key in _COUNTS if integer(data.get(key)) is not None}
        answer.usage = usage or None
        if nonempty(data.get("model")):
            answer.extra["model"] = data["model"]
        return answer


class OllamaModels:
    """``ProcessResponse`` (``/api/ps``: running models) and ``ListResponse`` (``/api/tags``)."""

    name = "ollama-models"

    def claims(self, recording: Recording) -> bool:
        return _all_of(recording, "ProcessResponse", "ListResponse")

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "models")
        data = data_of(items_of(recording)[0])
        answer.models = [model_entry(obj(m)) for m in lst(data.get("models"))]
        return answer
