"""OpenAI legacy completions (``text_completion``): streamed chunks or one Completion.

Per choice ``index``: ``text`` concatenates; finish_reason is the last non-empty value
(TGI sends ``""`` on non-final chunks); usage is the last non-null.
"""

from __future__ import annotations

from typing import Any

from recstack.reassembly.answer import Answer, Choice
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
)
from recstack.recording import Recording


def _is_completion(item: Any) -> bool:
    return class_of(item) == "Completion" or data_of(item).get("object") == "text_completion"


def logprob_count(logprobs: Any) -> int:
    """Tokens in a legacy ``logprobs`` object (its ``tokens`` list)."""
    return len(lst(obj(logprobs).get("tokens")))


class OpenAICompletions:
    name = "openai-completions"

    def claims(self, recording: Recording) -> bool:
        items = head(recording) or items_of(recording)[:1]
        return bool(items) and all(_is_completion(item) for item in items)

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "completion")
        texts: dict[int, Parts] = {}
        finish: dict[int, str | None] = {}
        logprobs: dict[int, int] = {}
        model: str | None = None
        for item in items_of(recording):
            data = data_of(item)
            model = first(model, data.get("model"))
            if isinstance(data.get("usage"), dict):
                answer.usage = data["usage"]
            for position, raw in enumerate(lst(data.get("choices"))):
                raw = obj(raw)
                index = integer(raw.get("index"))
                index = position if index is None else index
                texts.setdefault(index, Parts()).add(raw.get("text"))
                if nonempty(raw.get("finish_reason")):
                    finish[index] = raw["finish_reason"]
                logprobs[index] = logprobs.get(index, 0) + logprob_count(raw.get("logprobs"))
        answer.choices = [
            Choice(
                index=i,
                content=texts[i].value(),
                finish_reason=finish.get(i),
                logprobs=logprobs.get(i, 0),
            )
            for i in sorted(texts)
        ]
        if model:
            answer.extra["model"] = model
        return answer
