"""Google GenAI ``generate_content`` (a plain dict) and ``generate_content_stream`` chunks.

Per candidate (``index``, else position): the text of parts that are not ``thought``
concatenates; thought text is kept apart; each ``function_call`` part is a whole call
(``args`` is an object) and is appended, never merged; finish_reason is the last
non-null; usage is the last chunk's ``usage_metadata``.
"""

from __future__ import annotations

from typing import Any

from recstack.reassembly.answer import Answer, Choice, ToolCall
from recstack.reassembly.common import (
    Parts,
    dumps,
    first,
    head,
    integer,
    is_plain_dict,
    is_plain_dict_list,
    items_of,
    lst,
    new_answer,
    nonempty,
    obj,
)
from recstack.recording import Recording

_MARKERS = ("candidates", "usage_metadata", "prompt_feedback", "model_version")


def _is_genai(item: Any) -> bool:
    return isinstance(item, dict) and "__type__" not in item and any(k in item for k in _MARKERS)


class _Candidate:
    __slots__ = ("calls", "finish", "index", "role", "text", "thought")

    def __init__(self, index: int) -> None:
        self.index = index
        self.role: str | None = None
        self.text = Parts()
        self.thought = Parts()
        self.calls: list[ToolCall] = []
        self.finish: str | None = None

    def add(self, candidate: dict[str, Any]) -> None:
        content = obj(candidate.get("content"))
        self.role = first(self.role, content.get("role"))
        for part in lst(content.get("parts")):
            part = obj(part)
            if part.get("thought") is True:
                self.thought.add(part.get("text"))
            else:
                self.text.add(part.get("text"))
            call = obj(part.get("function_call"))
            if call:
                args = call.get("args")
                self.calls.append(
                    ToolCall(
                        index=len(self.calls),
                        id=nonempty(call.get("id")),
                        name=nonempty(call.get("name")),
                        arguments=None if args is None else dumps(args),
                        type="function_call",
                    )
                )
        finish = nonempty(candidate.get("finish_reason"))
        if finish is not None:
            self.finish = finish

    def result(self) -> Choice:
        return Choice(
            index=self.index,
            role=self.role,
            content=self.text.value(),
            reasoning=self.thought.value(),
            tool_calls=self.calls,
            finish_reason=self.finish,
        )


class GenAI:
    name = "genai"

    def claims(self, recording: Recording) -> bool:
        if is_plain_dict_list(recording):
            return all(_is_genai(item) for item in head(recording))
        return is_plain_dict(recording) and _is_genai(recording.body)

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "chat")
        candidates: dict[int, _Candidate] = {}
        for chunk in items_of(recording):
            chunk = obj(chunk)
            if nonempty(chunk.get("model_version")):
                answer.extra.setdefault("model", chunk["model_version"])
            if isinstance(chunk.get("usage_metadata"), dict):
                answer.usage = chunk["usage_metadata"]
            if isinstance(chunk.get("prompt_feedback"), dict):
                answer.extra["prompt_feedback"] = chunk["prompt_feedback"]
            for position, raw in enumerate(lst(chunk.get("candidates"))):
                raw = obj(raw)
                index = integer(raw.get("index"))
                index = position if index is None else index
                if index not in candidates:
                    candidates[index] = _Candidate(index)
                candidates[index].add(raw)
        answer.choices = [candidates[i].result() for i in sorted(candidates)]
        return answer
