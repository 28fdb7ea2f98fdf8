"""The examples: upstream's exact bytes, loadable, and one of every shape the format has."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from recstack.loading import canonical_bytes, load_recording
from recstack.reassembly import reassemble
from recstack.recording import BodyKind, Recording, RequestShape

from conftest import EXAMPLES, example_files

# Other commands' tests and the README refer to these by name.
NAMED = {
    "chat-stream.json",
    "chat.json",
    "chat-tool-calls-stream.json",
    "chat-reasoning-stream.json",
    "completion-stream.json",
    "embeddings.json",
    "models.json",
    "ollama-generate-stream.json",
    "ollama-chat.json",
    "genai-stream.json",
    "messages-stream.json",
    "interactions-stream.json",
    "responses-stream.json",
    "exception.json",
    "exception-stream.json",
    "passthrough-status.json",
    "tool-invocation.json",
    "file-processor.json",
}

# Not shapes, just what the model calls anything it cannot classify.
UNCLASSIFIED = {RequestShape.UNKNOWN, BodyKind.OTHER}

EXAMPLE_IDS = [p.name for p in example_files()]


def recording(name: str) -> Recording:
    path = EXAMPLES / name
    return Recording(str(path), load_recording(path).data)


def chunks(name: str) -> list[dict]:
    return [item["__data__"] for item in recording(name).body]


def sse_data(name: str) -> list[dict]:
    lines = recording(name).body
    return [json.loads(line[6:]) for line in lines if line.startswith("data: {")]


def test_every_named_example_exists() -> None:
    assert set(EXAMPLE_IDS) >= NAMED, sorted(NAMED - set(EXAMPLE_IDS))


@pytest.mark.parametrize("path", example_files(), ids=EXAMPLE_IDS)
def test_example_is_in_upstream_byte_layout(path: Path) -> None:
    loaded = load_recording(path, check_duplicates=True)
    assert loaded.problems == []
    assert loaded.raw == canonical_bytes(loaded.data)
    assert loaded.raw.isascii()


@pytest.mark.parametrize("path", example_files(), ids=EXAMPLE_IDS)
def test_example_has_the_current_top_level_layout(path: Path) -> None:
    data = load_recording(path).data
    assert list(data) == ["test_id", "request", "response", "id_normalization_mapping"]
    assert data["id_normalization_mapping"] == {}
    test_id = data["test_id"]
    assert test_id is None or re.fullmatch(r"tests/integration/\S+\.py::\S+", test_id)
    if "test_id" in data["request"]:
        assert data["request"]["test_id"] == test_id


@pytest.mark.parametrize("path", example_files(), ids=EXAMPLE_IDS)
def test_example_is_classified_and_consistent(path: Path) -> None:
    rec = recording(path.name)
    assert rec.shape not in UNCLASSIFIED
    assert rec.body_kind not in UNCLASSIFIED
    assert isinstance(rec.response.get("is_streaming"), bool)
    if rec.is_streaming:
        assert isinstance(rec.body, list) and rec.body
    if rec.is_exception:
        assert rec.body is None or rec.is_streaming
        assert rec.response["exception_data"]["message"] == rec.response["exception_message"]


def test_examples_cover_every_request_shape_and_body_kind() -> None:
    recs = [recording(name) for name in EXAMPLE_IDS]
    assert {r.shape for r in recs} == set(RequestShape) - UNCLASSIFIED
    assert {r.body_kind for r in recs} == set(BodyKind) - UNCLASSIFIED
    assert any(r.is_streaming for r in recs) and any(not r.is_streaming for r in recs)
    assert any(r.status is not None for r in recs)
    assert any(r.is_exception for r in recs)


def test_examples_readme_describes_every_file() -> None:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([\w.-]+\.json)` \|", readme, flags=re.M))
    assert listed == set(EXAMPLE_IDS)


def test_chat_stream_is_a_complete_openai_stream() -> None:
    data = chunks("chat-stream.json")
    assert 10 <= len(data) <= 15
    assert data[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all(d["obfuscation"] for d in data)
    assert all(d["choices"][0]["delta"]["role"] is None for d in data[1:-1])
    assert data[-2]["choices"][0]["finish_reason"] == "stop"
    assert data[-1]["choices"] == [] and data[-1]["usage"]["total_tokens"] > 0
    text = "".join(d["choices"][0]["delta"]["content"] or "" for d in data[:-1])
    assert text.endswith(".") and 1 <= text.count(".") <= 2
    assert recording("chat-stream.json").request_body["stream_options"] == {"include_usage": True}


def test_tool_call_stream_sends_two_calls_in_fragments() -> None:
    data = chunks("chat-tool-calls-stream.json")
    calls: dict[int, dict[str, list]] = {}
    for d in data:
        for choice in d["choices"]:
            for tc in choice["delta"]["tool_calls"] or []:
                seen = calls.setdefault(tc["index"], {"id": [], "name": [], "args": []})
                seen["id"] += [tc["id"]] if tc["id"] else []
                seen["name"] += [tc["function"]["name"]] if tc["function"]["name"] else []
                seen["args"].append(tc["function"]["arguments"])
    assert sorted(calls) == [0, 1]
    tools = recording("chat-tool-calls-stream.json").request_body["tools"]
    offered = {t["function"]["name"] for t in tools}
    for call in calls.values():
        assert len(call["id"]) == 1 and len(call["name"]) == 1
        assert call["name"][0] in offered
        assert len(call["args"]) > 2
        assert json.loads("".join(call["args"])) == {"city": "Lisbon"}
    finish = [c["finish_reason"] for d in data for c in d["choices"]]
    assert finish[-1] == "tool_calls"


def test_reasoning_stream_sends_both_reasoning_keys_then_content() -> None:
    data = chunks("chat-reasoning-stream.json")
    deltas = [d["choices"][0]["delta"] for d in data if d["choices"]]
    reasoning = [d for d in deltas if d.get("reasoning_content")]
    assert reasoning and all(d["reasoning"] == d["reasoning_content"] for d in reasoning)
    last_reasoning = deltas.index(reasoning[-1])
    assert any(d["content"] for d in deltas[last_reasoning + 1 :])
    assert not any(d["content"] for d in deltas[: last_reasoning + 1])


def test_ollama_stream_puts_metadata_on_the_last_chunk() -> None:
    data = chunks("ollama-generate-stream.json")
    assert [d["done"] for d in data] == [False] * (len(data) - 1) + [True]
    assert all(d["created_at"] for d in data)
    assert all(d["total_duration"] is None for d in data[:-1])
    assert data[-1]["done_reason"] == "stop" and data[-1]["eval_duration"] > 0


def test_sse_examples_have_the_events_the_guide_describes() -> None:
    events = sse_data("messages-stream.json")
    messages = [e["type"] for e in events]
    assert messages[0] == "message_start" and messages[-1] == "message_stop"
    assert {"ping", "message_delta"} <= set(messages)
    blocks = [e["content_block"]["type"] for e in events if "content_block" in e]
    assert blocks == ["thinking", "text", "tool_use"]
    deltas = {e["delta"]["type"] for e in events if e["type"] == "content_block_delta"}
    assert deltas == {"thinking_delta", "signature_delta", "text_delta", "input_json_delta"}

    events = sse_data("interactions-stream.json")
    interactions = [e["event_type"] for e in events]
    assert interactions[0] == "interaction.start" and interactions[-1] == "interaction.complete"
    kinds = {e["delta"]["type"] for e in events if "delta" in e}
    assert kinds == {"thought_signature", "text"}
    assert recording("interactions-stream.json").body[-3:] == ["event: done", "data: [DONE]", ""]


def test_responses_stream_event_types_match_their_python_types() -> None:
    body = recording("responses-stream.json").body
    for item in body:
        event = item["__data__"]["type"]  # response.output_text.delta -> ...text_delta_event
        module = item["__type__"].split(".")[-2]
        words = event.replace("response.", "", 1).replace("output_text", "text").replace(".", "_")
        assert module == f"response_{words}_event"
    types = [item["__data__"]["type"] for item in body]
    assert types[0] == "response.created" and types[-1] == "response.completed"
    assert {"response.output_text.delta", "response.function_call_arguments.delta"} <= set(types)
    assert [item["__data__"]["sequence_number"] for item in body] == list(range(len(body)))


# What each example was written to say, as the reassembly engine reads it back.
ANSWERS = {
    "chat-stream.json": "Sunlight bounces off the tiny molecules in our air, and blue light "
    "scatters far more than red, so the whole sky glows blue.",
    "chat.json": 'Write the subject line in the imperative mood ("Fix crash on empty config", '
    'not "Fixed crash") and keep it under about 50 characters, then explain the why in the body.',
    "chat-reasoning-stream.json": "\n\nNo. 91 = 7 x 13, so it is not prime.",
    "completion-stream.json": " red, yellow and blue: mix them to make every other hue.",
    "ollama-generate-stream.json": "Crisp leaves drift and fall; the old oak lets go.",
    "ollama-chat.json": "The capital of Australia is Canberra.",
    "genai-stream.json": "How about **Pebble**? Smoky and Ash would suit a grey cat too.",
    "interactions-stream.json": "A haiku has three lines of five, seven and five syllables.",
    "messages-stream.json": "Let me check the current weather in Oslo.",
    "responses-stream.json": "I'll look up the weather in Madrid for you.",
}
TOOL_CALLS = {
    "chat-tool-calls-stream.json": [
        ("get_weather", {"city": "Lisbon"}),
        ("get_local_time", {"city": "Lisbon"}),
    ],
    "messages-stream.json": [("get_weather", {"city": "Oslo"})],
    "responses-stream.json": [("get_weather", {"city": "Madrid"})],
}
WITH_REASONING = {
    "chat-reasoning-stream.json",
    "ollama-chat.json",
    "genai-stream.json",
    "messages-stream.json",
}


@pytest.mark.parametrize("name", sorted(ANSWERS.keys() | TOOL_CALLS.keys()))
def test_example_reassembles_to_the_answer_it_was_written_for(name: str) -> None:
    answer = reassemble(recording(name))
    assert answer.error is None
    assert answer.text == ANSWERS.get(name)
    choice = answer.choices[0]
    assert bool(choice.reasoning) is (name in WITH_REASONING)
    calls = [(c.name, json.loads(c.arguments or "null")) for c in choice.tool_calls]
    assert calls == TOOL_CALLS.get(name, [])


def test_non_chat_examples_reassemble_to_their_payloads() -> None:
    assert reassemble(recording("embeddings.json")).embeddings == (2, 8)
    assert [m["id"] for m in reassemble(recording("models.json")).models or []] == [
        "llama3.2:3b-instruct-fp16",
        "nomic-embed-text:latest",
        "qwen3:4b",
    ]
    assert not reassemble(recording("models-empty.json")).models
    error = reassemble(recording("exception.json")).error
    assert error is not None and (error.type, error.status) == ("NotFoundError", 404)


def test_interrupted_stream_keeps_the_chunks_received_before_the_error() -> None:
    answer = reassemble(recording("exception-stream.json"))
    assert answer.text == "Here are three tips for a calm morning:\n\n1."
    assert answer.choices[0].finish_reason is None
    assert answer.error is not None and answer.error.type == "APIConnectionError"
