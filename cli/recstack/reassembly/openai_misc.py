"""Non-streamed OpenAI bodies that carry no text: embeddings and model lists."""

from __future__ import annotations

from typing import Any

from recstack.reassembly.answer import Answer
from recstack.reassembly.common import class_of, data_of, head, lst, new_answer, obj
from recstack.recording import Recording


def embeddings_digest(vectors: list[Any]) -> str | None:
    """The short sha1 of the vectors (of the only one: as ``recstack diff`` names it)."""
    from recstack.diffing.vectors import numbers_digest

    try:
        return numbers_digest(vectors[0] if len(vectors) == 1 else vectors)
    except (TypeError, ValueError):  # not JSON numbers after all
        return None


def embedding_shape(vectors: list[Any]) -> tuple[int, int]:
    """(count, dimensions) of a list of vectors (dimensions of the first one)."""
    first = vectors[0] if vectors else []
    if isinstance(first, str):  # base64-encoded floats: 4 bytes each
        return len(vectors), len(first) * 3 // 4 // 4
    return len(vectors), len(first) if isinstance(first, list) else 0


class OpenAIEmbeddings:
    name = "openai-embeddings"

    def claims(self, recording: Recording) -> bool:
        body = recording.body
        if isinstance(body, list):
            return False
        if class_of(body) == "CreateEmbeddingResponse":
            return True
        data = data_of(body)
        entries = lst(data.get("data"))
        return bool(entries) and all(obj(e).get("object") == "embedding" for e in entries)

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "embeddings")
        data = data_of(recording.body)
        vectors = [obj(entry).get("embedding") for entry in lst(data.get("data"))]
        answer.embeddings = embedding_shape(vectors)
        answer.embeddings_digest = embeddings_digest(vectors)
        answer.usage = obj(data.get("usage")) or None
        if isinstance(data.get("model"), str):
            answer.extra["model"] = data["model"]
        return answer


def model_entry(data: dict[str, Any]) -> dict[str, Any]:
    """A model-list entry with an ``id`` first (OpenAI ``id``, Ollama ``model``/``name``)."""
    ident = data.get("id") or data.get("model") or data.get("name")
    return {"id": ident, **{k: v for k, v in data.items() if k != "id"}}


class OpenAIModelList:
    name = "openai-models"

    def claims(self, recording: Recording) -> bool:
        items = head(recording)
        return bool(items) and all(
            class_of(item) == "Model" or data_of(item).get("object") == "model" for item in items
        )

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "models")
        answer.models = [model_entry(data_of(item)) for item in recording.body]
        return answer


class EmptyList:
    """An empty body list: a model list with no models, or a stream that sent nothing."""

    name = "empty-list"

    def claims(self, recording: Recording) -> bool:
        return recording.body == []

    def build(self, recording: Recording) -> Answer:
        if recording.is_streaming:
            answer = new_answer(recording, "chat")
            answer.notes.append("the stream sent no chunks")
            return answer
        answer = new_answer(recording, "models")
        answer.models = []
        return answer
