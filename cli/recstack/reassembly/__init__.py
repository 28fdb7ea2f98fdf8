"""Stream reassembly: turn a recording into the final answer it carried.

One module per stream family, all behind :func:`reassemble`, which picks the family
from the body's shape and ``__type__`` (never from the endpoint: some
``/v1/completions`` requests were recorded as chat chunks) and never raises.
"""

from __future__ import annotations

from recstack.reassembly.answer import Answer, Choice, ErrorInfo, Meta, ToolCall
from recstack.reassembly.anthropic_sse import AnthropicMessage, AnthropicStream
from recstack.reassembly.common import Family, meta_for
from recstack.reassembly.errors import recorded_error
from recstack.reassembly.gemini_interactions import InteractionBody, InteractionsStream
from recstack.reassembly.genai import GenAI
from recstack.reassembly.ollama import OllamaEmbed, OllamaModels, OllamaText
from recstack.reassembly.openai_chat import OpenAIChatCompletion, OpenAIChatStream
from recstack.reassembly.openai_completions import OpenAICompletions
from recstack.reassembly.openai_misc import EmptyList, OpenAIEmbeddings, OpenAIModelList
from recstack.reassembly.openai_responses import ResponseObject, ResponsesStream
from recstack.reassembly.passthrough import Passthrough
from recstack.reassembly.tools import FileProcessorResult, ToolResult
from recstack.recording import BodyKind, Recording

__all__ = [
    "FAMILIES",
    "Answer",
    "Choice",
    "ErrorInfo",
    "Family",
    "Meta",
    "ToolCall",
    "describe_body",
    "reassemble",
]

# Order matters only where two families could claim the same body; the first wins.
FAMILIES: list[Family] = [
    OpenAIChatStream(),
    OpenAIChatCompletion(),
    OpenAICompletions(),
    ResponsesStream(),
    ResponseObject(),
    OpenAIEmbeddings(),
    OpenAIModelList(),
    EmptyList(),
    OllamaText(),
    OllamaEmbed(),
    OllamaModels(),
    ToolResult(),
    FileProcessorResult(),
    AnthropicStream(),
    InteractionsStream(),
    AnthropicMessage(),
    InteractionBody(),
    GenAI(),
    Passthrough(),  # any other plain JSON body: kept as is, errors read
]


def describe_body(recording: Recording) -> str:
    """A short name for what the body is, for notes ("no reassembler for X")."""
    kind = recording.body_kind
    if kind in (BodyKind.TYPED, BodyKind.TYPED_LIST):
        types = recording.body_types
        return ", ".join(types[:3]) if types else kind.value
    return f"a {kind.value.replace('_', ' ')} body"


def reassemble(recording: Recording) -> Answer:
    """The final answer ``recording`` carried. Never raises (see :func:`_reassemble`)."""
    try:
        return _reassemble(recording)
    except Exception as exc:  # a bug or a truly odd file: still an answer
        answer = Answer(meta=Meta(path=str(recording.path)), kind="unknown")
        answer.notes.append(f"reassembly failed: {type(exc).__name__}: {exc}")
        return answer


def _reassemble(recording: Recording) -> Answer:
    """The final answer ``recording`` carried.

    A body no family claims yields an Answer with metadata and the note
    ``"no reassembler for X"``; a family that fails on malformed input yields the
    same with ``"reassembly failed: ..."``. A recorded exception sets ``error``
    (``kind == "exception"`` when no body was received before it).
    """
    error = recorded_error(recording)
    answer: Answer | None = None
    if error is not None and recording.body_kind in (BodyKind.NULL, BodyKind.EMPTY_LIST):
        answer = Answer(meta=meta_for(recording), kind="exception")
        answer.meta.family = "exception"
    else:
        for family in FAMILIES:
            try:
                if not family.claims(recording):
                    continue
                answer = family.build(recording)
                answer.meta.family = family.name
            except Exception as exc:  # malformed input must never escape
                answer = Answer(meta=meta_for(recording), kind="unknown")
                answer.meta.family = family.name
                answer.notes.append(
                    f"reassembly failed ({family.name}): {type(exc).__name__}: {exc}"
                )
            break
    if answer is None:
        answer = Answer(meta=meta_for(recording), kind="unknown")
        answer.notes.append(f"no reassembler for {describe_body(recording)}")
    if error is not None:
        answer.error = error
    return answer
