"""The view of one shown recording that every human format of ``recstack show`` prints.

:func:`build_view` turns a :class:`~recstack.showing.Shown` into a :class:`View`:
header rows, the request (truncated unless ``full``) and the answer walked once into
a list of typed blocks (:data:`Block`). The rich, plain, Markdown and text printers
(:mod:`recstack.render.show`) only lay these out; none of them walks the answer.

Pure data: recording text is kept as it is here; each printer makes it inert
(:mod:`recstack.inert`) where it lands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from recstack.render.common import plural
from recstack.render.jsontext import json_text

if TYPE_CHECKING:
    from recstack.reassembly.answer import Answer, Choice, ErrorInfo
    from recstack.request_summary import Message
    from recstack.showing import Shown

# Truncation of the request (and of non-answer bodies) unless --full.
MAX_MESSAGES = 6
MAX_CHARS = 600
MAX_LINES = 12
MAX_REASONING = 1200
MAX_BODY = 2000


@dataclass(frozen=True)
class Heading:
    """What a choice is: ``choice 1 · assistant · finish: stop``."""

    text: str
    index: int
    many: bool  # the answer has several choices


@dataclass(frozen=True)
class Reasoning:
    text: str


@dataclass(frozen=True)
class AnswerText:
    """The answer text of a choice (a tool or file result is clipped unless --full)."""

    text: str


@dataclass(frozen=True)
class Refusal:
    text: str


@dataclass(frozen=True)
class ToolCall:
    index: int
    name: str
    id: str | None
    arguments: str  # pretty JSON, or the raw string when it is not JSON
    is_json: bool


@dataclass(frozen=True)
class Embeddings:
    count: int
    dimensions: int
    digest: str | None = None  # the sha1 of the numbers: a changed vector shows

    def line(self) -> str:
        """``embeddings: 1 × 768, sha1 3f2a…`` (every human format prints this line)."""
        digest = f", sha1 {self.digest}" if self.digest else ""
        return f"embeddings: {self.count} × {self.dimensions}{digest}"


@dataclass(frozen=True)
class ModelTable:
    """A model list: the first column is always ``id``; no rows when it is empty."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Body:
    """A passthrough body as JSON text."""

    text: str


@dataclass(frozen=True)
class Error:
    summary: str  # type · status · category · provider
    message: str | None


@dataclass(frozen=True)
class Usage:
    text: str


@dataclass(frozen=True)
class Note:
    text: str


Block = (
    Heading
    | Reasoning
    | AnswerText
    | Refusal
    | ToolCall
    | Embeddings
    | ModelTable
    | Body
    | Error
    | Usage
    | Note
)


@dataclass
class View:
    """One recording as the human formats show it."""

    title: str
    header: list[tuple[str, str]] = field(default_factory=list)
    params: list[str] = field(default_factory=list)  # name=value
    tools: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    skipped: int = 0  # messages left out after the first one (unless --full)
    blocks: list[Block] = field(default_factory=list)


def clip(text: str, full: bool, limit: int = MAX_CHARS) -> str:
    """``text`` cut to ``MAX_LINES`` lines and ``limit`` characters (``… [N more
    characters]``), unless ``full``."""
    if full:
        return text
    lines = text.split("\n")
    cut = "\n".join(lines[:MAX_LINES]) if len(lines) > MAX_LINES else text
    cut = cut[:limit]
    if cut == text:
        return text
    return f"{cut}… [{len(text) - len(cut)} more characters]"


def error_text(error: ErrorInfo) -> str:
    bits = [error.type or "error"]
    if error.status is not None:
        bits.append(f"status {error.status}")
    if error.category:
        bits.append(error.category)
    if error.provider:
        bits.append(f"provider {error.provider}")
    return " · ".join(bits)


def usage_text(usage: dict[str, Any] | None) -> str | None:
    if not usage:
        return None
    items = [f"{k}={v}" for k, v in usage.items() if isinstance(v, (int, float, str))]
    return " · ".join(items) if items else None


def pretty_arguments(arguments: str | None) -> tuple[str, bool]:
    """Pretty JSON of tool-call arguments, or the raw string (False) when not JSON."""
    if arguments is None:
        return "", False
    from recstack.loading import parse_embedded

    try:
        return json_text(parse_embedded(arguments), indent=2), True
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to pretty-print
        return arguments, False


def choice_heading(choice: Choice, many: bool) -> str:
    bits = [f"choice {choice.index}"] if many else []
    if choice.role:
        bits.append(choice.role)
    if choice.finish_reason:
        bits.append(f"finish: {choice.finish_reason}")
    if choice.logprobs:
        bits.append(f"{choice.logprobs} logprob tokens")
    return " · ".join(bits)


def model_columns(models: list[dict[str, Any]]) -> list[str]:
    columns = ["id"]
    for model in models:
        for key, value in model.items():
            if key not in columns and isinstance(value, (str, int, float)) and len(columns) < 4:
                columns.append(key)
    return columns


def model_table(models: list[dict[str, Any]]) -> ModelTable:
    from recstack.request_summary import value_text

    if not models:
        return ModelTable(("id",), ())
    columns = model_columns(models)
    rows = tuple(tuple(value_text(model.get(c, "")) for c in columns) for model in models)
    return ModelTable(tuple(columns), rows)


def _choice_blocks(answer: Answer, choice: Choice, many: bool, full: bool) -> list[Block]:
    blocks: list[Block] = []
    heading = choice_heading(choice, many)
    if heading:
        blocks.append(Heading(heading, choice.index, many))
    if choice.reasoning:
        blocks.append(Reasoning(clip(choice.reasoning, full, MAX_REASONING)))
    if choice.content:
        whole = answer.kind in ("chat", "completion")  # an answer is never cut
        blocks.append(AnswerText(choice.content if whole else clip(choice.content, full, MAX_BODY)))
    if choice.refusal:
        blocks.append(Refusal(choice.refusal))
    for call in choice.tool_calls:
        arguments, is_json = pretty_arguments(call.arguments)
        blocks.append(ToolCall(call.index, call.name or "?", call.id, arguments, is_json))
    return blocks


def answer_blocks(answer: Answer, *, full: bool) -> list[Block]:
    """The answer, walked once: per choice its heading, reasoning, text, refusal and
    tool calls; then embeddings, models, a passthrough body, the error, usage, notes."""
    many = len(answer.choices) > 1
    blocks = [b for choice in answer.choices for b in _choice_blocks(answer, choice, many, full)]
    if answer.embeddings is not None:
        blocks.append(Embeddings(*answer.embeddings, answer.embeddings_digest))
    if answer.models is not None:
        blocks.append(model_table(answer.models))
    if answer.kind == "passthrough" and "body" in answer.extra:
        blocks.append(Body(clip(json_text(answer.extra["body"], indent=2), full, MAX_BODY)))
    if answer.error is not None:
        blocks.append(Error(error_text(answer.error), answer.error.message or None))
    usage = usage_text(answer.usage)
    if usage:
        blocks.append(Usage(usage))
    blocks += [Note(note) for note in answer.notes]
    return blocks


def header_rows(shown: Shown, answer: Answer) -> list[tuple[str, str]]:
    """test, endpoint (with the method), model, provider, response, kind, status, exception."""
    meta = answer.meta
    method = shown.request.method if shown.request else None
    endpoint = meta.endpoint or "?"
    model = meta.model or "—"
    answered = answer.extra.get("model")
    if isinstance(answered, str) and answered and answered != meta.model:
        model += f" (answered by {answered})"
    rows = [
        ("test", meta.test_id or "—"),
        ("endpoint", f"{method} {endpoint}" if method else endpoint),
        ("model", model),
    ]
    if meta.provider:
        rows.append(("provider", meta.provider))
    rows.append(
        (
            "response",
            f"streamed, {plural(meta.chunks or 0, 'chunk')}" if meta.streaming else "not streamed",
        )
    )
    family = f" ({meta.family})" if meta.family and meta.family != answer.kind else ""
    rows.append(("kind", answer.kind + family))
    if meta.status is not None:
        rows.append(("status", str(meta.status)))
    if answer.error is not None and shown.exception:
        rows.append(("exception", error_text(answer.error)))
    return rows


def build_view(shown: Shown, *, full: bool) -> View:
    """The view of a shown recording (one with an answer)."""
    from recstack.request_summary import Message

    answer = shown.answer
    assert answer is not None, "only recordings with an answer have a view"
    view = View(title=answer.meta.path, header=header_rows(shown, answer))
    if shown.request is not None:
        view.params = [f"{name}={value}" for name, value in shown.request.params]
        view.tools = list(shown.request.tools)
        messages = shown.request.messages
        if not full and len(messages) > MAX_MESSAGES:
            view.skipped = len(messages) - MAX_MESSAGES
            messages = messages[:1] + messages[1 + view.skipped :]
        view.messages = [Message(m.role, clip(m.text, full)) for m in messages]
    view.blocks = answer_blocks(answer, full=full)
    return view
