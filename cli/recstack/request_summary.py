"""What a recording's request asked, in brief: the messages by role, the tools
offered, the parameters worth a glance, the method.

Pure data for ``recstack show`` (no rendering, no truncation: the renderers clip).
Tolerant of anything: a value of the wrong type reads as absent, or as its JSON
text (:func:`recstack.render.jsontext.json_text`, which never raises).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from recstack.reassembly.common import lst
from recstack.recording import Recording, RequestShape, obj
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

# Where the request's text is, besides ``messages``: (body key, role to show).
_SOURCES = (
    ("prompt", "prompt"),
    ("input", "user"),
    ("contents", "user"),
    ("query", "query"),
    ("documents", "document"),
)
_IMAGES = ("image_url", "image", "input_image", "inline_data")


@dataclass(frozen=True)
class Message:
    """One message, prompt or input the request sent, as readable text."""

    role: str
    text: str


@dataclass
class RequestSummary:
    """The request of one recording, in brief."""

    method: str | None = None  # HTTP method, when recorded
    params: list[tuple[str, str]] = field(default_factory=list)  # (name, value as text)
    tools: list[str] = field(default_factory=list)  # names; [type] for built-in tools
    messages: list[Message] = field(default_factory=list)


def summarize_request(recording: Recording) -> RequestSummary:
    """The request of ``recording`` in brief. Never raises for odd values."""
    body = recording.request_body
    method = recording.request.get("method")
    return RequestSummary(
        method=value_text(method) if method else None,
        params=notable_params(body),
        tools=tool_names(body),
        messages=request_messages(recording),
    )


def value_text(value: Any) -> str:
    """A string as it is; any other value as its JSON text."""
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
        return "" if content is None else value_text(content)
    out = []
    for part in content:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, dict):
            out += _part(part)
    return "\n".join(out)


def _part(part: dict[str, Any]) -> list[str]:
    kind = part.get("type")
    text = part.get("text")
    if isinstance(text, str):
        return [text]
    if kind in _IMAGES or "inline_data" in part:
        return ["[image]"]
    if kind in ("tool_result", "function_response") or "function_response" in part:
        return [f"[tool result] {part_text(part.get('content', part.get('function_response')))}"]
    if kind == "tool_use" or "function_call" in part:
        call = obj(part.get("function_call", part))
        return [_call(call.get("name"), call.get("input", call.get("args")))]
    if kind:
        return [f"[{value_text(kind)}]"]
    return []


def _call(name: Any, arguments: Any) -> str:
    return f"→ {value_text(name)}({value_text(arguments)})"


def _calls_text(calls: Any) -> list[str]:
    lines = []
    for call in lst(calls):
        function = obj(call).get("function")
        if isinstance(function, dict):
            lines.append(_call(function.get("name"), function.get("arguments")))
    return lines


def request_messages(recording: Recording) -> list[Message]:
    """Each message, prompt or input the request sent, in order."""
    req = recording.request
    if recording.shape is RequestShape.TOOL:
        return [Message("kwargs", value_text(req.get("kwargs")))]
    if recording.shape is RequestShape.FILE_PROCESSOR:
        file_id, provider = value_text(req.get("file_id")), value_text(req.get("provider"))
        return [Message("file", f"{file_id} (provider {provider})")]
    body = recording.request_body
    out: list[Message] = []
    for key in ("system", "instructions", "system_instruction"):
        if body.get(key):
            out.append(Message("system", part_text(body[key])))
    for message in lst(body.get("messages")):
        if not isinstance(message, dict):
            continue
        text = part_text(message.get("content"))
        lines = ([text] if text else []) + _calls_text(message.get("tool_calls"))
        out.append(Message(value_text(message.get("role") or "?"), "\n".join(lines)))
    for key, role in _SOURCES:
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, list):
            out.append(Message(role, part_text(value)))
            continue
        for item in value:
            if isinstance(item, dict):
                content = item.get("content", item.get("parts"))
                who = value_text(item.get("role") or item.get("type") or role)
                out.append(Message(who, part_text(content)))
            else:
                out.append(Message(role, part_text(item)))
    return out


def tool_names(body: dict[str, Any]) -> list[str]:
    """The tools the request offered: function names, ``[type]`` for built-in tools."""
    names = []
    for tool in lst(body.get("tools")):
        if not isinstance(tool, dict):
            continue
        function = tool.get("function")
        if isinstance(function, dict) and function.get("name"):
            names.append(value_text(function["name"]))
        elif tool.get("name"):
            names.append(value_text(tool["name"]))
        elif isinstance(tool.get("function_declarations"), list):
            names += [
                value_text(d.get("name"))
                for d in tool["function_declarations"]
                if isinstance(d, dict)
            ]
        elif tool.get("type"):
            names.append(f"[{value_text(tool['type'])}]")
    return names


def notable_params(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, value) of the :data:`NOTABLE` parameters set, top level first."""
    found: dict[str, Any] = {}
    sources = [body] + [body[k] for k in NESTED_PARAMS if isinstance(body.get(k), dict)]
    for source in sources:
        for key in NOTABLE:
            if key in source and source[key] is not None and key not in found:
                found[key] = source[key]
    return [(key, value_text(value)) for key, value in found.items()]
