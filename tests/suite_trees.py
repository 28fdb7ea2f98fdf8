"""Small suites of our own, laid out like upstream's: recordings named by the hash of
their request and placed in ``tests/integration/<area>/recordings/``.

The names come from :func:`recstack.replay.replay_key`, whose hashes
tests/test_replay.py checks against keys written out literally.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from recstack.recording import Recording
from recstack.replay import replay_key

from conftest import upstream_bytes

CHUNK = "openai.types.chat.chat_completion_chunk.ChatCompletionChunk"
COMPLETION = "openai.types.chat.chat_completion.ChatCompletion"
URL = "http://0.0.0.0:11434/v1/v1/chat/completions"
CHAT_TEST = "tests/integration/inference/test_chat.py::test_chat[txt=ollama/llama3.2:3b]"
OWN_DIR = "tests/integration/inference/recordings"
FALLBACK = "tests/integration/common/recordings"


def _typed(type_name: str, **data: Any) -> dict[str, Any]:
    return {"__type__": type_name, "__data__": data}


def chat(
    question: str,
    answer: str | list[str] = "Hello.",
    *,
    test_id: str | None = CHAT_TEST,
    model: str = "llama3.2:3b",
    url: str = URL,
    rec_id: str = "chatcmpl-1",
    exception: bool = False,
) -> dict[str, Any]:
    """A chat completion recording; ``answer`` as a list is a stream of those chunks."""
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": question}]}
    response: dict[str, Any]
    if exception:
        body["stream"] = False
        error = {"category": "provider_sdk", "type": "NotFoundError", "message": "no model"}
        response = {"body": None, "is_streaming": False, "is_exception": True}
        response["exception_data"] = error
    elif isinstance(answer, list):
        body["stream"] = True
        chunks = [
            _typed(CHUNK, id=rec_id, choices=[{"index": 0, "delta": {"content": piece}}])
            for piece in answer
        ]
        response = {"body": chunks, "is_streaming": True}
    else:
        message = {"role": "assistant", "content": answer}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        response = {"body": _typed(COMPLETION, id=rec_id, choices=[choice]), "is_streaming": False}
    data: dict[str, Any] = {
        "test_id": test_id,
        "request": {
            "method": "POST",
            "url": url,
            "headers": {},
            "body": body,
            "endpoint": "/v1/chat/completions",
            "model": model,
        },
        "response": response,
    }
    return data


def replay_name(data: dict[str, Any]) -> str:
    """The file name replay opens for this recording's request."""
    key = replay_key(Recording("x.json", data))
    assert key is not None
    return key.name


def write(path: Path, data: dict[str, Any]) -> Path:
    """``data`` in upstream's layout at ``path`` (folders made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(upstream_bytes(data))
    return path


def place(
    root: Path, data: dict[str, Any], *, directory: str = OWN_DIR, name: str | None = None
) -> Path:
    """``data`` written in ``root/directory`` under its replay name (or ``name``)."""
    return write(root / directory / (name or replay_name(data)), data)


def edited(data: dict[str, Any], question: str) -> dict[str, Any]:
    """A copy of ``data`` whose question was edited after recording (its name goes stale)."""
    changed = copy.deepcopy(data)
    changed["request"]["body"]["messages"][0]["content"] = question
    return changed
