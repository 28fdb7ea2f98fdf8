"""Rendering for ``recstack show``: rich (terminal, or plain when piped), text, JSON
Lines and Markdown.

The rich and Markdown views are built from the same pieces (:class:`View`), so a
pull-request comment says exactly what the terminal said. Recording text is shown
inert in every format (:mod:`recstack.inert`): control characters, bidi controls
and lone surrogates appear as escapes such as ``\\x1b``, never raw; JSON Lines carry
them as ``\\uXXXX`` escapes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from recstack.inert import inert, inert_json, inert_line
from recstack.jsonnumbers import dumps, dumps_text
from recstack.loading import parse_embedded
from recstack.reassembly import Answer, Choice, ErrorInfo
from recstack.reassembly.common import lst, obj
from recstack.recording import Recording, RequestShape
from recstack.render import markdown as md
from recstack.render.jsontext import json_text

# Request parameters worth a glance (top level, or inside Ollama ``options`` /
# GenAI ``config`` / ``generation_config``).
NOTABLE = (
    "temperature",
    "top_p",
    "top_k",
    "max_tokens",
    "max_completion_tokens",
    "max_output_tokens",
    "num_predict",
    "n",
    "stream",
    "seed",
    "stop",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "reasoning_effort",
    "logprobs",
    "top_logprobs",
    "think",
)
NESTED_PARAMS = ("options", "config", "generation_config", "stream_options")

# Truncation of the request (and of non-answer bodies) unless --full.
MAX_MESSAGES = 6
MAX_CHARS = 600
MAX_LINES = 12
MAX_REASONING = 1200
MAX_BODY = 2000


# ---------------------------------------------------------------------------
# JSON Lines and text
# ---------------------------------------------------------------------------


def answer_dict(answer: Answer) -> dict[str, Any]:
    """The ``--format json`` object for one recording."""
    meta = answer.meta
    return {
        "path": meta.path,
        "test_id": meta.test_id,
        "endpoint": meta.endpoint,
        "model": meta.model,
        "provider": meta.provider,
        "streaming": meta.streaming,
        "chunks": meta.chunks,
        "status": meta.status,
        "kind": answer.kind,
        "family": meta.family,
        "choices": [asdict(c) for c in answer.choices],
        "usage": answer.usage,
        "error": asdict(answer.error) if answer.error else None,
        "embeddings": list(answer.embeddings) if answer.embeddings else None,
        "models": [m.get("id") for m in answer.models] if answer.models is not None else None,
        "notes": answer.notes,
    }


def render_json_line(answer: Answer) -> str:
    """One JSON object on one line; no raw control character, bidi control or surrogate.

    orjson refuses what JSON can still say (lone surrogates from a file or a file name,
    integers beyond 64 bits): those objects are written by :mod:`json` instead, with
    infinities as null as orjson writes them.
    """
    document = answer_dict(answer)
    try:
        line = dumps(document, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        try:
            line = dumps_text(
                _finite(document), ensure_ascii=False, separators=(",", ":"), default=str
            )
        except RecursionError:
            raise ValueError("nested too deeply to write as JSON") from None
    return inert_json(line) + "\n"


def _finite(value: Any) -> Any:
    """``value`` with infinite and NaN floats as None (JSON has no word for them)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def render_text(answer: Answer) -> str:
    """The final answer text as reassembled (control characters escaped), then a newline."""
    return inert(answer.text or "") + "\n"


# ---------------------------------------------------------------------------
# The view shared by rich and Markdown
# ---------------------------------------------------------------------------


@dataclass
class Message:
    role: str
    text: str
    cut: bool = False  # truncated


@dataclass
class View:
    title: str
    header: list[tuple[str, str]] = field(default_factory=list)
    params: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    skipped: int = 0  # messages left out in the middle


def _clip(text: str, full: bool, limit: int = MAX_CHARS) -> tuple[str, bool]:
    if full:
        return text, False
    lines = text.split("\n")
    if len(lines) > MAX_LINES:
        text = "\n".join(lines[:MAX_LINES])
    if len(text) > limit:
        text = text[:limit]
    if text == "\n".join(lines):
        return text, False
    hidden = len("\n".join(lines)) - len(text)
    return f"{text}… [{hidden} more characters]", True


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json_text(value)


def part_text(content: Any) -> str:
    """Readable text of a message's content: a string or a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        return "" if content is None else _scalar(content)
    out = []
    for part in content:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, dict):
            kind = part.get("type")
            text = part.get("text")
            if isinstance(text, str):
                out.append(text)
            elif (
                kind in ("image_url", "image", "input_image", "inline_data")
                or "inline_data" in part
            ):
                out.append("[image]")
            elif kind in ("tool_result", "function_response") or "function_response" in part:
                out.append(
                    f"[tool result] {part_text(part.get('content', part.get('function_response')))}"
                )
            elif kind == "tool_use" or "function_call" in part:
                call = obj(part.get("function_call", part))
                name, args = _scalar(call.get("name")), _scalar(call.get("input", call.get("args")))
                out.append(f"→ {name}({args})")
            elif kind:
                out.append(f"[{_scalar(kind)}]")
    return "\n".join(out)


def _calls_text(calls: Any) -> list[str]:
    lines = []
    for call in lst(calls):
        function = obj(call).get("function")
        if isinstance(function, dict):
            name, args = _scalar(function.get("name")), _scalar(function.get("arguments"))
            lines.append(f"→ {name}({args})")
    return lines


def request_messages(recording: Recording) -> list[tuple[str, str]]:
    """(role, text) for each message, prompt or input the request sent."""
    req = recording.request
    if recording.shape is RequestShape.TOOL:
        return [("kwargs", _scalar(req.get("kwargs")))]
    if recording.shape is RequestShape.FILE_PROCESSOR:
        file_id, provider = _scalar(req.get("file_id")), _scalar(req.get("provider"))
        return [("file", f"{file_id} (provider {provider})")]
    body = recording.request_body
    out: list[tuple[str, str]] = []
    for key in ("system", "instructions", "system_instruction"):
        if body.get(key):
            out.append(("system", part_text(body[key])))
    for message in lst(body.get("messages")):
        if not isinstance(message, dict):
            continue
        text = part_text(message.get("content"))
        lines = ([text] if text else []) + _calls_text(message.get("tool_calls"))
        out.append((_scalar(message.get("role") or "?"), "\n".join(lines)))
    sources = (
        ("prompt", "prompt"),
        ("input", "user"),
        ("contents", "user"),
        ("query", "query"),
        ("documents", "document"),
    )
    for key, role in sources:
        value = body.get(key)
        if value is None:
            continue
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    content = item.get("content", item.get("parts"))
                    out.append(
                        (_scalar(item.get("role") or item.get("type") or role), part_text(content))
                    )
                else:
                    out.append((role, part_text(item)))
        else:
            out.append((role, part_text(value)))
    return out


def tool_names(body: dict[str, Any]) -> list[str]:
    names = []
    for tool in lst(body.get("tools")):
        if not isinstance(tool, dict):
            continue
        function = tool.get("function")
        if isinstance(function, dict) and function.get("name"):
            names.append(_scalar(function["name"]))
        elif tool.get("name"):
            names.append(_scalar(tool["name"]))
        elif isinstance(tool.get("function_declarations"), list):
            names += [
                _scalar(d.get("name")) for d in tool["function_declarations"] if isinstance(d, dict)
            ]
        elif tool.get("type"):
            names.append(f"[{_scalar(tool['type'])}]")
    return names


def notable_params(body: dict[str, Any]) -> list[str]:
    found: dict[str, Any] = {}
    sources = [body] + [body[k] for k in NESTED_PARAMS if isinstance(body.get(k), dict)]
    for source in sources:
        for key in NOTABLE:
            if key in source and source[key] is not None and key not in found:
                found[key] = source[key]
    return [f"{k}={_scalar(v)}" for k, v in found.items()]


def error_text(error: ErrorInfo) -> str:
    bits = [error.type or "error"]
    if error.status is not None:
        bits.append(f"status {error.status}")
    if error.category:
        bits.append(error.category)
    if error.provider:
        bits.append(f"provider {error.provider}")
    return " · ".join(bits)


def build_view(answer: Answer, recording: Recording, *, full: bool) -> View:
    meta = answer.meta
    view = View(title=meta.path)
    method = recording.request.get("method")
    endpoint = meta.endpoint or "?"
    view.header.append(("test", meta.test_id or "—"))
    endpoint = f"{_scalar(method)} {endpoint}" if method else endpoint
    view.header.append(("endpoint", endpoint))
    model = meta.model or "—"
    answered = answer.extra.get("model")
    if isinstance(answered, str) and answered and answered != meta.model:
        model += f" (answered by {answered})"
    view.header.append(("model", model))
    if meta.provider:
        view.header.append(("provider", meta.provider))
    if meta.streaming:
        view.header.append(("response", f"streamed, {meta.chunks} chunks"))
    else:
        view.header.append(("response", "not streamed"))
    family = f" ({meta.family})" if meta.family and meta.family != answer.kind else ""
    view.header.append(("kind", answer.kind + family))
    if meta.status is not None:
        view.header.append(("status", str(meta.status)))
    if answer.error is not None and recording.is_exception:
        view.header.append(("exception", error_text(answer.error)))
    body = recording.request_body
    view.params = notable_params(body)
    view.tools = tool_names(body)
    messages = request_messages(recording)
    if not full and len(messages) > MAX_MESSAGES:
        view.skipped = len(messages) - MAX_MESSAGES
        messages = messages[:1] + messages[1 + view.skipped :]
    for role, text in messages:
        clipped, cut = _clip(text, full)
        view.messages.append(Message(role, clipped, cut))
    return view


def usage_text(usage: dict[str, Any] | None) -> str | None:
    if not usage:
        return None
    items = [f"{k}={v}" for k, v in usage.items() if isinstance(v, (int, float, str))]
    return " · ".join(items) if items else None


def pretty_arguments(arguments: str | None) -> tuple[str, bool]:
    """Pretty JSON of tool-call arguments, or the raw string (False) when not JSON."""
    if arguments is None:
        return "", False
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


def _body_text(answer: Answer, text: str, full: bool) -> str:
    """Chat answers are shown whole; tool and file results are clipped unless --full."""
    if answer.kind in ("chat", "completion"):
        return text
    return _clip(text, full, MAX_BODY)[0]


def model_columns(models: list[dict[str, Any]]) -> list[str]:
    columns = ["id"]
    for model in models:
        for key, value in model.items():
            if key not in columns and isinstance(value, (str, int, float)) and len(columns) < 4:
                columns.append(key)
    return columns


# ---------------------------------------------------------------------------
# Rich (and its plain equivalent when piped)
# ---------------------------------------------------------------------------


def _text(value: str, style: str = "") -> Text:
    """Recording text as a rich Text: escaped control characters, never markup."""
    return Text(inert(value), style=style)


def _rows(console: Console, rows: list[tuple[str, Text | str]]) -> None:
    """Aligned ``key  value`` lines; continuation lines of a value are indented."""
    keys = [inert_line(key) for key, _ in rows]
    width = max((len(key) for key in keys), default=0) + 2
    for key, (_, value) in zip(keys, rows, strict=True):
        value = value if isinstance(value, Text) else _text(value)
        line = Text()
        line.append(key.ljust(width), style="bold")
        for i, part in enumerate(value.split("\n", allow_blank=True)):
            if i:
                line.append("\n" + " " * width)
            line.append_text(part)
        console.print(line)


def render_rich(answer: Answer, recording: Recording, console: Console, *, full: bool) -> None:
    view = build_view(answer, recording, full=full)
    console.print(Text(f"── {inert_line(view.title)}", style="bold cyan"))
    _rows(
        console,
        [(k, _text(v, style="red" if k == "exception" else "")) for k, v in view.header],
    )
    console.print(Text("\nRequest", style="bold underline"))
    rows: list[tuple[str, Text | str]] = []
    if view.params:
        rows.append(("params", " · ".join(view.params)))
    if view.tools:
        rows.append(("tools", ", ".join(view.tools)))
    for i, message in enumerate(view.messages):
        if view.skipped and i == 1:
            note = f"{view.skipped} more messages (--full shows all)"
            rows.append(("…", Text(note, style="dim")))
        rows.append((message.role, message.text))
    _rows(console, rows or [("—", Text("no messages", style="dim"))])
    console.print(Text("\nAnswer", style="bold underline"))
    _rich_answer(answer, console, full=full)
    console.print()


def _rich_answer(answer: Answer, console: Console, *, full: bool) -> None:
    many = len(answer.choices) > 1
    for choice in answer.choices:
        heading = choice_heading(choice, many)
        if heading:
            console.print(_text(heading, style="bold"))
        if choice.reasoning:
            reasoning = _clip(choice.reasoning, full, MAX_REASONING)[0]
            quoted = "\n".join("│ " + line for line in reasoning.split("\n"))
            console.print(_text(quoted, style="dim italic"))
        if choice.content:
            console.print(_text(_body_text(answer, choice.content, full)))
        if choice.refusal:
            console.print(_text(f"refusal: {choice.refusal}", style="red"))
        for call in choice.tool_calls:
            label = Text(f"tool call {call.index}: ", style="bold")
            label.append(inert_line(call.name or "?"), style="bold magenta")
            if call.id:
                label.append(f"  ({inert_line(call.id)})", style="dim")
            console.print(label)
            args, _ = pretty_arguments(call.arguments)
            console.print(_text(args, style="green"))
    if answer.embeddings is not None:
        count, dims = answer.embeddings
        console.print(Text(f"embeddings: {count} × {dims}"))
    if answer.models is not None:
        _rich_models(answer.models, console)
    if answer.kind == "passthrough" and "body" in answer.extra:
        body = json_text(answer.extra["body"], indent=2)
        console.print(_text(_clip(body, full, MAX_BODY)[0]))
    if answer.error is not None:
        console.print(_text(f"error: {error_text(answer.error)}", style="bold red"))
        if answer.error.message:
            console.print(_text(answer.error.message, style="red"))
    usage = usage_text(answer.usage)
    if usage:
        console.print(_text(f"usage: {usage}", style="cyan"))
    for note in answer.notes:
        console.print(_text(f"note: {note}", style="yellow"))


def _rich_models(models: list[dict[str, Any]], console: Console) -> None:
    if not models:
        console.print(Text("models: none"))
        return
    columns = model_columns(models)
    table = Table(title=Text(f"{len(models)} models"), title_justify="left", box=box.SIMPLE_HEAD)
    for column in columns:  # model keys are recording text: a Text, never markup
        table.add_column(Text(inert_line(column)))
    for model in models:
        table.add_row(*(Text(inert_line(_scalar(model.get(c, "")))) for c in columns))
    console.print(table)


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------


def render_markdown(answer: Answer, recording: Recording, *, full: bool) -> str:
    """A pull-request view: recording text fenced, in code spans, or escaped."""
    view = build_view(answer, recording, full=full)
    out = [f"### {md.code(view.title)}", "", "| | |", "|---|---|"]
    out += [f"| {key} | {md.code_cell(value)} |" for key, value in view.header]
    out += ["", "**Request**", ""]
    if view.params:
        out.append("- params: " + " · ".join(md.code(p) for p in view.params))
    if view.tools:
        out.append("- tools: " + ", ".join(md.code(t) for t in view.tools))
    for i, message in enumerate(view.messages):
        if view.skipped and i == 1:
            out.append(f"- … {view.skipped} more messages")
        out.append(f"- **{md.text(message.role)}**:")
        out += ["", _indent(md.fence(message.text)), ""]
    if out[-1] != "":
        out.append("")
    out += ["**Answer**", ""]
    many = len(answer.choices) > 1
    for choice in answer.choices:
        heading = choice_heading(choice, many)
        if heading:
            out += [f"_{md.text(heading)}_", ""]
        if choice.reasoning:
            reasoning = _clip(choice.reasoning, full, MAX_REASONING)[0]
            out += [
                "<details><summary>reasoning</summary>",
                "",
                md.fence(reasoning),
                "",
                "</details>",
            ]
            out.append("")
        if choice.content:
            out += [md.fence(_body_text(answer, choice.content, full)), ""]
        if choice.refusal:
            out += [f"**refusal:** {md.text(choice.refusal)}", ""]
        for call in choice.tool_calls:
            ident = f" ({md.code(call.id)})" if call.id else ""
            out.append(f"**tool call {call.index}:** {md.code(call.name or '?')}{ident}")
            args, is_json = pretty_arguments(call.arguments)
            out += ["", md.fence(args, "json" if is_json else ""), ""]
    if answer.embeddings is not None:
        count, dims = answer.embeddings
        out += [f"embeddings: {count} × {dims}", ""]
    if answer.models is not None:
        out += _markdown_models(answer.models)
    if answer.kind == "passthrough" and "body" in answer.extra:
        body = json_text(answer.extra["body"], indent=2)
        out += [md.fence(_clip(body, full, MAX_BODY)[0], "json"), ""]
    if answer.error is not None:
        out.append(f"**error:** {md.text(error_text(answer.error))}")
        if answer.error.message:
            out += ["", md.fence(answer.error.message)]
        out.append("")
    usage = usage_text(answer.usage)
    if usage:
        out += [f"usage: {md.code(usage)}", ""]
    out += [f"> note: {md.text(note)}" for note in answer.notes]
    return inert("\n".join(out).rstrip("\n") + "\n\n")


def _indent(text: str) -> str:
    return "\n".join(("  " + line) if line else line for line in text.split("\n"))


def _markdown_models(models: list[dict[str, Any]]) -> list[str]:
    if not models:
        return ["models: none", ""]
    columns = model_columns(models)
    out = [f"{len(models)} models:", "", "| " + " | ".join(map(md.text, columns)) + " |"]
    out.append("|" + "---|" * len(columns))
    for model in models:
        out.append("| " + " | ".join(md.text(_scalar(model.get(c, ""))) for c in columns) + " |")
    return [*out, ""]
