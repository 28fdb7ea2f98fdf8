"""Server-sent events from recorded lines: ``event:`` / ``data:`` lines, blank-line dispatch.

Recordings of raw HTTP streams (Anthropic-style ``/v1/messages``, Gemini
``interactions``) store the body as a list of lines. ``ping`` events, comments and
``[DONE]`` are dropped; ``data`` that is not JSON is kept as a string.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from recstack.loading import nested_too_deeply, parse_embedded


@dataclass
class Event:
    name: str | None  # the ``event:`` field, else the payload's own type
    data: Any  # parsed JSON (usually a dict), or the raw string


def split_field(line: str) -> tuple[str, str]:
    """``"data: {...}"`` -> (``"data"``, ``"{...}"``): one space after the colon is dropped."""
    name, _, value = line.partition(":")
    return name, value[1:] if value.startswith(" ") else value


def data_object(line: str) -> tuple[str, str, dict[str, Any]] | None:
    """A ``data:`` line whose payload is a JSON object: (its prefix ``"data: "``, the
    payload's text, the object); None for any other line, or one nested too deeply."""
    field, payload = split_field(line)
    if field != "data" or not payload.startswith("{") or nested_too_deeply(payload):
        return None
    try:
        obj = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    return line[: len(line) - len(payload)], payload, obj


def _dispatch(name: str | None, data: list[str], out: list[Event]) -> None:
    if not data:
        return
    raw = "\n".join(data)
    if raw.strip() == "[DONE]":
        return
    try:
        payload: Any = parse_embedded(raw)
    except ValueError:
        payload = raw
    if name is None and isinstance(payload, dict):
        kind = payload.get("type") or payload.get("event_type")
        name = kind if isinstance(kind, str) else None
    if name == "ping":
        return
    out.append(Event(name, payload))


def parse_sse(lines: Iterable[Any]) -> list[Event]:
    """The events in a list of SSE lines (non-string items are skipped)."""
    events: list[Event] = []
    name: str | None = None
    data: list[str] = []
    for item in lines:
        if not isinstance(item, str):
            continue
        for line in item.split("\n") if "\n" in item else (item,):
            line = line.rstrip("\r")
            if line == "":
                _dispatch(name, data, events)
                name, data = None, []
            elif line.startswith(":"):
                continue
            else:
                field, value = split_field(line)
                if field == "event":
                    name = value
                elif field == "data":
                    data.append(value)
    _dispatch(name, data, events)
    return events


def sse_event_names(lines: list[Any], limit: int = 8) -> set[str]:
    """The names of the first few events: enough for a family to claim the stream."""
    names: set[str] = set()
    for item in lines[: limit * 4]:
        if isinstance(item, str) and item.startswith("event:"):
            names.add(split_field(item)[1].strip())
        elif isinstance(item, str) and item.startswith("data:"):
            try:
                payload = orjson.loads(split_field(item)[1])
            except orjson.JSONDecodeError:
                continue
            if isinstance(payload, dict):
                kind = payload.get("type") or payload.get("event_type")
                if isinstance(kind, str):
                    names.add(kind)
        if len(names) >= limit:
            break
    return names
