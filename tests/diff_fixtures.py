"""Synthetic recordings for the diff tests: a chat stream from text, split as asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CHUNK = "openai.types.chat.chat_completion_chunk.ChatCompletionChunk"
COMPLETION = "openai.types.chat.chat_completion.ChatCompletion"


def request(content: str = "What is the capital of France?") -> dict[str, Any]:
    return {
        "method": "POST",
        "url": "http://localhost:11434/v1/v1/chat/completions",
        "headers": {},
        "body": {
            "model": "llama3.2:3b",
            "messages": [
                {"role": "system", "content": "You are terse."},
                {"role": "user", "content": content},
            ],
            "stream": True,
        },
        "endpoint": "/v1/chat/completions",
        "model": "llama3.2:3b",
    }


def chunk(delta: dict[str, Any], *, n: int, finish: str | None = None) -> dict[str, Any]:
    return {
        "__type__": CHUNK,
        "__data__": {
            "id": f"chatcmpl-{n}",
            "choices": [{"delta": delta, "finish_reason": finish, "index": 0, "logprobs": None}],
            "created": 1756921363 + n,
            "model": "llama3.2:3b",
            "object": "chat.completion.chunk",
            "service_tier": None,
            "system_fingerprint": f"fp_{n}",
            "usage": None,
        },
    }


def split(text: str, parts: int) -> list[str]:
    """``text`` in exactly ``parts`` pieces (fewer when it is shorter than that)."""
    parts = max(1, min(parts, len(text)))
    bounds = [round(i * len(text) / parts) for i in range(parts + 1)]
    return [text[bounds[i] : bounds[i + 1]] for i in range(parts)]


def stream_recording(
    text: str,
    *,
    parts: int = 5,
    seed: int = 0,
    tool_args: str | None = None,
    question: str = "What is the capital of France?",
) -> dict[str, Any]:
    """A streamed chat recording whose answer is ``text`` in ``parts`` chunks."""
    body = []
    for i, piece in enumerate(split(text, parts)):
        delta: dict[str, Any] = {"content": piece}
        if i == 0:
            delta["role"] = "assistant"
        body.append(chunk(delta, n=seed + i))
    if tool_args is not None:
        call = {
            "index": 0,
            "id": f"call_{seed}",
            "function": {"name": "get_weather", "arguments": tool_args},
            "type": "function",
        }
        body.append(chunk({"tool_calls": [call]}, n=seed + 100))
    body.append(chunk({}, n=seed + 101, finish="tool_calls" if tool_args else "stop"))
    return {
        "test_id": "tests/test_x.py::test_chat",
        "request": request(question),
        "response": {"body": body, "is_streaming": True},
        "id_normalization_mapping": {},
    }


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


MODEL = "openai.types.model.Model"


def model_list(ids: list[str], *, created: int = 1762374291, owner: str = "vllm") -> dict[str, Any]:
    """An OpenAI-style ``/v1/models`` recording listing ``ids`` in that order."""
    body = [
        {
            "__type__": MODEL,
            "__data__": {"id": ident, "created": created, "object": "model", "owned_by": owner},
        }
        for ident in ids
    ]
    return {
        "test_id": None,
        "request": {
            "method": "GET",
            "url": "http://localhost:8000/v1/v1/models",
            "headers": {},
            "body": {},
            "endpoint": "/v1/models",
            "model": "",
        },
        "response": {"body": body, "is_streaming": False},
        "id_normalization_mapping": {},
    }


def ollama_ps(models: list[tuple[str, str]]) -> dict[str, Any]:
    """An Ollama ``/api/ps`` recording: (model name, expires_at) per loaded model."""
    entries = [
        {"model": name, "name": name, "expires_at": expires, "size": 3367856128}
        for name, expires in models
    ]
    return {
        "test_id": "tests/integration/test_x.py::test_ps",
        "request": {
            "method": "POST",
            "url": "http://localhost:11434/api/ps",
            "headers": {},
            "body": {},
            "endpoint": "/api/ps",
            "model": "",
        },
        "response": {
            "body": {"__type__": "ollama._types.ProcessResponse", "__data__": {"models": entries}},
            "is_streaming": False,
        },
    }


def completion(content: str, **choice_extra: Any) -> dict[str, Any]:
    """A non-streamed chat completion answering ``content`` (extra keys on its choice)."""
    choice = {
        "finish_reason": "stop",
        "index": 0,
        "logprobs": None,
        "message": {"content": content, "role": "assistant"},
        **choice_extra,
    }
    data = {"id": "rec-0123456789ab", "choices": [choice], "created": 0, "model": "gpt-5-mini"}
    body = {"__type__": COMPLETION, "__data__": {**data, "object": "chat.completion"}}
    req = request()
    req["body"]["stream"] = False
    return {
        "test_id": "tests/test_x.py::test_chat",
        "request": req,
        "response": {"body": body, "is_streaming": False},
    }
