"""The result of reassembling one recording: what it finally says.

This is the contract between the reassembly engine and its users (``show`` renders
it, ``diff`` compares it). Fields may be added; none may be renamed or removed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ToolCall:
    index: int
    id: str | None = None
    name: str | None = None
    arguments: str | None = None  # exactly the concatenated argument string
    type: str | None = None


@dataclass
class Choice:
    index: int
    role: str | None = None
    content: str | None = None  # None when no delta ever carried text
    reasoning: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    logprobs: int = 0  # number of logprob tokens received


@dataclass
class Meta:
    path: str
    test_id: str | None = None
    endpoint: str | None = None
    model: str | None = None
    provider: str | None = None
    streaming: bool = False
    chunks: int | None = None
    status: int | None = None
    family: str | None = None  # which reassembler produced this, e.g. "openai-chat"
    body_type: str | None = None  # the body's __type__ (first chunk's for streams)


@dataclass
class ErrorInfo:
    type: str | None = None
    status: int | None = None
    message: str | None = None
    category: str | None = None
    provider: str | None = None


@dataclass
class Answer:
    """What one recording says, reassembled."""

    meta: Meta
    kind: str = "unknown"  # chat, completion, embeddings, models, tool_result, passthrough, ...
    choices: list[Choice] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    error: ErrorInfo | None = None
    notes: list[str] = field(default_factory=list)
    embeddings: tuple[int, int] | None = None  # (count, dimensions)
    # The sha1 of the vectors' numbers (one vector: as diff names it), to tell them apart.
    embeddings_digest: str | None = None
    models: list[dict[str, Any]] | None = None  # model-list entries
    extra: dict[str, Any] = field(default_factory=dict)  # other final fields worth showing

    @property
    def text(self) -> str | None:
        """The final answer text of the first choice (None when it sent no text)."""
        return self.choices[0].content if self.choices else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
