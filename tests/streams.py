"""Build small recordings inline, concisely, for reassembly tests.

``chat_stream(chunk(delta(content="Hi")), ...)`` is a streamed chat recording;
each helper returns plain JSON-ready dicts in the upstream layout.
"""

from __future__ import annotations

from typing import Any

from recstack.reassembly import Answer, reassemble
from recstack.recording import Recording

CHUNK_TYPE = "openai.types.chat.chat_completion_chunk.ChatCompletionChunk"
COMPLETION_TYPE = "openai.types.completion.Completion"


def typed(type_name: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"__type__": type_name, "__data__": data}


def request(endpoint: str = "/v1/chat/completions", model: str = "m", **body: Any) -> dict:
    return {
        "method": "POST",
        "url": f"http://localhost:8000{endpoint}",
        "headers": {},
        "body": {"model": model, **body},
        "endpoint": endpoint,
        "model": model,
    }


def recording(
    body: Any,
    *,
    streaming: bool = True,
    req: dict[str, Any] | None = None,
    test_id: str | None = "tests/test_x.py::test_y",
    **response: Any,
) -> dict[str, Any]:
    return {
        "test_id": test_id,
        "request": req if req is not None else request(stream=streaming),
        "response": {"body": body, "is_streaming": streaming, **response},
        "id_normalization_mapping": {},
    }


def delta(**fields: Any) -> dict[str, Any]:
    """A chat delta with every optional key written out as null, like the recordings."""
    base = {"content": None, "function_call": None, "refusal": None, "role": None}
    base["tool_calls"] = None
    return {**base, **fields}


def tool(index: int, id: str | None = None, name: str | None = None, args: str | None = None):
    """One tool-call fragment of a delta."""
    return {
        "index": index,
        "id": id,
        "function": {"arguments": args, "name": name},
        "type": "function" if id else None,
    }


def choice(d: dict[str, Any], index: int = 0, finish: str | None = None, logprobs=None):
    return {"delta": d, "finish_reason": finish, "index": index, "logprobs": logprobs}


def chunk(*choices: dict[str, Any], usage: dict | None = None, obj: str = "chat.completion.chunk"):
    return typed(
        CHUNK_TYPE,
        {
            "id": "rec-1",
            "choices": list(choices),
            "created": 0,
            "model": "m",
            "object": obj,
            "usage": usage,
        },
    )


def say(text: str, index: int = 0, finish: str | None = None, **fields: Any) -> dict:
    """A chunk with one choice whose delta carries ``text``."""
    return chunk(choice(delta(content=text, **fields), index, finish))


def chat_stream(*chunks: dict[str, Any], **response: Any) -> dict[str, Any]:
    return recording(list(chunks), **response)


def answer_of(data: dict[str, Any], path: str = "inline.json") -> Answer:
    return reassemble(Recording(path, data))


def sse(*events: tuple[str, Any]) -> list[str]:
    """Recorded SSE lines: ``event: NAME``, ``data: JSON``, ``""`` for each event."""
    import json

    lines: list[str] = []
    for name, data in events:
        payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
        lines += [f"event: {name}", f"data: {payload}", ""]
    return lines


def passthrough(body: Any, *, streaming: bool, status: int | None = None) -> dict[str, Any]:
    """An HTTP passthrough recording (``/v1/messages``, ``interactions``...)."""
    req = {"test_id": "tests/test_x.py::test_y", "url": "http://h/v1/messages", "method": "POST"}
    req["payload"] = {"model": "m", "stream": streaming}
    extra = {"status": status} if status is not None else {}
    return recording(body, streaming=streaming, req=req, **extra)
