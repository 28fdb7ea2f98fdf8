"""A typed view of one recording: what the request and response are.

Pure accessors over the parsed JSON, tolerant of anything (a value of the wrong
type reads as absent). ``null`` is treated as absent everywhere, as the format says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from recstack.problems import Problem
from recstack.textenum import TextEnum


class RequestShape(TextEnum):
    INFERENCE = "inference"
    PASSTHROUGH = "passthrough"
    TOOL = "tool"
    FILE_PROCESSOR = "file_processor"
    UNKNOWN = "unknown"


class BodyKind(TextEnum):
    TYPED = "typed"  # {"__type__", "__data__"}
    TYPED_LIST = "typed_list"  # list of typed objects (stream chunks or model list)
    DICT_LIST = "dict_list"  # list of plain dicts (GenAI stream chunks)
    SSE_LINES = "sse_lines"  # list of strings (raw server-sent event lines)
    DICT = "dict"  # a plain JSON object
    NULL = "null"
    EMPTY_LIST = "empty_list"
    OTHER = "other"


def is_typed(value: Any) -> bool:
    return isinstance(value, dict) and "__type__" in value and "__data__" in value


def request_shape(request: Any) -> RequestShape:
    if not isinstance(request, dict):
        return RequestShape.UNKNOWN
    if "tool_name" in request and "kwargs" in request:
        return RequestShape.TOOL
    if "file_id" in request and "api" in request:
        return RequestShape.FILE_PROCESSOR
    if "payload" in request and "url" in request:
        return RequestShape.PASSTHROUGH
    if "url" in request and ("body" in request or "endpoint" in request):
        return RequestShape.INFERENCE
    return RequestShape.UNKNOWN


def body_kind(body: Any) -> BodyKind:
    if body is None:
        return BodyKind.NULL
    if isinstance(body, dict):
        return BodyKind.TYPED if is_typed(body) else BodyKind.DICT
    if isinstance(body, list):
        if not body:
            return BodyKind.EMPTY_LIST
        if all(is_typed(item) for item in body):
            return BodyKind.TYPED_LIST
        if all(isinstance(item, str) for item in body):
            return BodyKind.SSE_LINES
        if all(isinstance(item, dict) for item in body):
            return BodyKind.DICT_LIST
    return BodyKind.OTHER


def chunk_count(body: list[Any]) -> int:
    """Chunks in a stream body: its items, or the ``data:`` lines of raw SSE lines (not
    the ``event:`` and blank lines around them)."""
    if body and isinstance(body[0], str) and body_kind(body) is BodyKind.SSE_LINES:
        return sum(1 for line in body if line.startswith("data:"))
    return len(body)


def obj(value: Any) -> dict[str, Any]:
    """A dict value, or {} for anything else."""
    return value if isinstance(value, dict) else {}


def nonempty(value: Any) -> str | None:
    """A non-empty string value, or None."""
    return value if isinstance(value, str) and value != "" else None


def integer(value: Any) -> int | None:
    """An integer value (not a bool), or None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass
class Recording:
    """One recording's parsed content, with convenient, safe accessors.

    ``path`` names it (a file path, or a name given to in-memory bytes); ``raw`` holds
    the bytes it was parsed from when known (for positions of findings), and
    ``problems`` what the parse noted without failing (duplicate keys, numbers beyond
    a 64-bit float).
    """

    path: str
    data: dict[str, Any]
    raw: bytes | None = field(default=None, repr=False, compare=False)
    problems: tuple[Problem, ...] = field(default=(), repr=False, compare=False)

    @property
    def request(self) -> dict[str, Any]:
        return obj(self.data.get("request"))

    @property
    def response(self) -> dict[str, Any]:
        return obj(self.data.get("response"))

    @property
    def body(self) -> Any:
        return self.response.get("body")

    @property
    def shape(self) -> RequestShape:
        return request_shape(self.data.get("request"))

    @property
    def body_kind(self) -> BodyKind:
        return body_kind(self.body)

    @property
    def is_streaming(self) -> bool:
        return self.response.get("is_streaming") is True

    @property
    def is_exception(self) -> bool:
        return self.response.get("is_exception") is True

    @property
    def status(self) -> int | None:
        return integer(self.response.get("status"))

    @property
    def test_id(self) -> str | None:
        return nonempty(self.data.get("test_id")) or nonempty(self.request.get("test_id"))

    @property
    def request_body(self) -> dict[str, Any]:
        """The request's JSON body: ``body`` (inference) or ``payload`` (passthrough)."""
        req = self.request
        return obj(req.get("body")) or obj(req.get("payload"))

    @property
    def endpoint(self) -> str | None:
        req = self.request
        endpoint = nonempty(req.get("endpoint"))
        if endpoint:
            return endpoint
        url = nonempty(req.get("url"))
        if url:
            rest = url.split("://", 1)[-1]
            return "/" + rest.split("/", 1)[1] if "/" in rest else url
        if self.shape is RequestShape.TOOL:
            return f"tool:{req.get('tool_name')}"
        if self.shape is RequestShape.FILE_PROCESSOR:
            return f"{req.get('api')}"
        return None

    @property
    def model(self) -> str | None:
        return nonempty(self.request.get("model")) or nonempty(self.request_body.get("model"))

    @property
    def provider(self) -> str | None:
        req = self.request
        provider = nonempty(req.get("provider"))
        if provider:
            return provider
        meta = obj(req.get("provider_metadata"))
        for key in ("provider", "provider_id", "provider_type", "name"):
            if nonempty(meta.get(key)):
                return str(meta[key])
        return None

    @property
    def body_types(self) -> list[str]:
        """The distinct ``__type__`` values of the body, in order of first appearance."""
        body = self.body
        items = body if isinstance(body, list) else [body]
        seen: dict[str, None] = {}
        for item in items:
            if is_typed(item) and isinstance(item["__type__"], str):
                seen.setdefault(item["__type__"], None)
        return list(seen)

    @property
    def chunk_count(self) -> int | None:
        body = self.body
        return chunk_count(body) if self.is_streaming and isinstance(body, list) else None
