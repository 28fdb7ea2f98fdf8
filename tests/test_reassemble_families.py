"""Every other stream family and body kind, each on a recording written here."""

from __future__ import annotations

import json

from streams import (
    COMPLETION_TYPE,
    answer_of,
    passthrough,
    recording,
    request,
    sse,
    typed,
)


def completion_chunk(text: str, finish: str | None, usage: dict | None = None, index: int = 0):
    return typed(
        COMPLETION_TYPE,
        {
            "id": "rec-1",
            "object": "text_completion",
            "model": "m",
            "choices": [{"index": index, "text": text, "finish_reason": finish, "logprobs": None}],
            "usage": usage,
        },
    )


def test_tgi_completions_empty_finish_reason_counts_as_none() -> None:
    answer = answer_of(
        recording(
            [
                completion_chunk("Blue", ""),
                completion_chunk(" sky", "length"),
                completion_chunk("", "", usage={"completion_tokens": 2}),
            ],
            req=request("/v1/completions", prompt="The sky is", stream=True),
        )
    )
    assert answer.kind == "completion"
    assert answer.meta.family == "openai-completions"
    [only] = answer.choices
    assert (only.content, only.finish_reason) == ("Blue sky", "length")
    assert answer.usage == {"completion_tokens": 2}


def test_anthropic_thinking_text_and_tool_use_with_input_json_delta() -> None:
    lines = sse(
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_1",
                    "role": "assistant",
                    "model": "claude",
                    "content": [],
                    "usage": {"input_tokens": 10, "output_tokens": 1},
                },
            },
        ),
        ("ping", {"type": "ping"}),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "thinking", "thinking": ""},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "thinking_delta", "thinking": "Weather "},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "thinking_delta", "thinking": "needed."},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "signature_delta", "signature": "old"},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "signature_delta", "signature": "sig"},
            },
        ),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 1,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 1,
                "delta": {"type": "text_delta", "text": "Let me "},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 1,
                "delta": {"type": "text_delta", "text": "check."},
            },
        ),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 2,
                "content_block": {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "get_weather",
                    "input": {},
                },
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 2,
                "delta": {"type": "input_json_delta", "partial_json": '{"city": '},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 2,
                "delta": {"type": "input_json_delta", "partial_json": '"Paris"}'},
            },
        ),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use"},
                "usage": {"output_tokens": 42},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
        ("done", "[DONE]"),
    )
    answer = answer_of(passthrough(lines, streaming=True))
    assert answer.meta.family == "anthropic-sse"
    [only] = answer.choices
    assert only.role == "assistant"
    assert only.reasoning == "Weather needed."
    assert only.content == "Let me check."
    [call] = only.tool_calls
    assert (call.id, call.name, call.arguments) == ("toolu_1", "get_weather", '{"city": "Paris"}')
    assert only.finish_reason == "tool_use"
    assert answer.usage == {"input_tokens": 10, "output_tokens": 42}
    assert answer.extra["signatures"] == ["sig"]
    assert answer.meta.chunks == 15  # events, not lines; ping and [DONE] dropped


def test_anthropic_tool_use_without_deltas_uses_its_input() -> None:
    body = {
        "type": "message",
        "role": "assistant",
        "stop_reason": "tool_use",
        "content": [{"type": "tool_use", "id": "t", "name": "now", "input": {"tz": "UTC"}}],
    }
    [call] = answer_of(passthrough(body, streaming=False, status=200)).choices[0].tool_calls
    assert json.loads(call.arguments) == {"tz": "UTC"}


def test_interactions_thought_signature_and_text() -> None:
    lines = sse(
        (
            "interaction.start",
            {
                "interaction": {"id": "v1", "status": "in_progress", "model": "gemini"},
                "event_type": "interaction.start",
            },
        ),
        (
            "content.start",
            {"index": 0, "content": {"type": "thought"}, "event_type": "content.start"},
        ),
        (
            "content.delta",
            {
                "index": 0,
                "delta": {"signature": "a", "type": "thought_signature"},
                "event_type": "content.delta",
            },
        ),
        (
            "content.delta",
            {
                "index": 0,
                "delta": {"signature": "b", "type": "thought_signature"},
                "event_type": "content.delta",
            },
        ),
        ("content.start", {"index": 1, "content": {"type": "text"}, "event_type": "content.start"}),
        (
            "content.delta",
            {"index": 1, "delta": {"text": "Hel", "type": "text"}, "event_type": "content.delta"},
        ),
        (
            "content.delta",
            {"index": 1, "delta": {"text": "lo!", "type": "text"}, "event_type": "content.delta"},
        ),
        (
            "interaction.complete",
            {
                "interaction": {
                    "id": "v1",
                    "status": "completed",
                    "role": "model",
                    "outputs": [],
                    "usage": {"total_tokens": 9},
                },
                "event_type": "interaction.complete",
            },
        ),
        ("done", "[DONE]"),
    )
    answer = answer_of(passthrough(lines, streaming=True))
    assert answer.meta.family == "gemini-interactions"
    [only] = answer.choices
    assert (only.role, only.content, only.finish_reason) == ("model", "Hello!", "completed")
    assert answer.extra["signatures"] == ["b"]
    assert answer.usage == {"total_tokens": 9}


def test_interactions_newer_step_events_and_interaction_completed() -> None:
    """Newer servers: interaction.created, step.start/delta/stop, interaction.completed."""

    def event(name: str, **data: object) -> tuple[str, dict]:
        return name, {**data, "event_type": name}

    lines = sse(
        event("interaction.created", interaction={"id": "v1", "status": "in_progress"}),
        event("interaction.status_update", interaction_id="v1", status="in_progress"),
        event("step.start", index=0, step={"type": "thought"}),
        event(
            "step.delta", index=0, delta={"type": "thought_summary", "content": {"text": "Hm, "}}
        ),
        event("step.delta", index=0, delta={"type": "thought_summary", "content": {"text": "ok."}}),
        event("step.delta", index=0, delta={"type": "thought_signature", "signature": "s1"}),
        event("step.stop", index=0),
        event("step.start", index=1, step={"type": "model_output"}),
        event("step.delta", index=1, delta={"type": "text", "text": "Hi "}),
        event("step.delta", index=1, delta={"type": "text", "text": "there"}),
        event("step.stop", index=1),
        event("step.start", index=2, step={"type": "function_call", "id": "fc1", "name": "f"}),
        event(
            "step.delta",
            index=2,
            delta={"type": "function_call", "id": "fc1", "name": "f", "arguments": {"a": 1}},
        ),
        event(
            "interaction.completed",
            interaction={"id": "v1", "status": "requires_action", "usage": {"total_tokens": 3}},
        ),
    )
    answer = answer_of(passthrough(lines, streaming=True))
    assert answer.meta.family == "gemini-interactions"
    assert answer.meta.chunks == 14
    [only] = answer.choices
    assert (only.role, only.content, only.reasoning) == ("model", "Hi there", "Hm, ok.")
    [call] = only.tool_calls
    assert (call.id, call.name, json.loads(call.arguments)) == ("fc1", "f", {"a": 1})
    assert only.finish_reason == "requires_action"
    assert answer.usage == {"total_tokens": 3}
    assert answer.extra["signatures"] == ["s1"]


def test_anthropic_truncated_input_json_is_kept_as_the_raw_string() -> None:
    """max_tokens cut the tool input mid-JSON: the arguments are what arrived, unparsed."""
    start = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}
    lines = sse(
        ("message_start", {"type": "message_start", "message": {"role": "assistant"}}),
        (
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": start},
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": '{"city": "Par'},
            },
        ),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "max_tokens"}}),
    )
    [only] = answer_of(passthrough(lines, streaming=True)).choices
    [call] = only.tool_calls
    assert (call.name, call.arguments) == ("get_weather", '{"city": "Par')
    assert only.finish_reason == "max_tokens"


def genai_chunk(parts: list[dict], finish: str | None = None, usage: dict | None = None) -> dict:
    return {
        "candidates": [{"content": {"parts": parts, "role": "model"}, "finish_reason": finish}],
        "model_version": "gemini-2.0-flash",
        "usage_metadata": usage or {"traffic_type": "ON_DEMAND"},
    }


def test_genai_function_calls_are_appended_never_merged() -> None:
    chunks = [
        genai_chunk([{"text": "Thinking...", "thought": True}, {"text": "Sure. "}]),
        genai_chunk([{"function_call": {"name": "search", "args": {"q": "a"}}}]),
        genai_chunk(
            [{"function_call": {"name": "search", "args": {"q": "b"}}}],
            finish="STOP",
            usage={"total_token_count": 30},
        ),
    ]
    answer = answer_of(recording(chunks, req=request("/generate_content_stream")))
    assert answer.meta.family == "genai"
    [only] = answer.choices
    assert (only.content, only.reasoning, only.finish_reason) == ("Sure. ", "Thinking...", "STOP")
    assert [(c.index, c.name, json.loads(c.arguments)) for c in only.tool_calls] == [
        (0, "search", {"q": "a"}),
        (1, "search", {"q": "b"}),
    ]
    assert answer.usage == {"total_token_count": 30}


def responses_event(kind: str, **fields) -> dict:
    name = "".join(p.title() for p in kind.replace(".", "_").split("_")) + "Event"
    return typed(f"openai.types.responses.{name}", {"type": kind, "sequence_number": 0, **fields})


def test_responses_api_stream_with_text_and_a_function_call() -> None:
    events = [
        responses_event(
            "response.created",
            response={"id": "r", "model": "gpt-4o", "status": "in_progress", "output": []},
        ),
        responses_event(
            "response.output_item.added",
            output_index=0,
            item={"type": "message", "id": "m1", "role": "assistant", "content": []},
        ),
        responses_event(
            "response.output_text.delta",
            output_index=0,
            content_index=0,
            item_id="m1",
            delta="Checking ",
        ),
        responses_event(
            "response.output_text.delta",
            output_index=0,
            content_index=0,
            item_id="m1",
            delta="the weather.",
        ),
        responses_event(
            "response.output_text.done",
            output_index=0,
            content_index=0,
            item_id="m1",
            text="Checking the weather.",
        ),
        responses_event(
            "response.output_item.added",
            output_index=1,
            item={
                "type": "function_call",
                "id": "fc1",
                "call_id": "call_1",
                "name": "get_weather",
                "arguments": "",
            },
        ),
        responses_event(
            "response.function_call_arguments.delta",
            output_index=1,
            item_id="fc1",
            delta='{"city":',
        ),
        responses_event(
            "response.function_call_arguments.delta",
            output_index=1,
            item_id="fc1",
            delta='"Paris"}',
        ),
        responses_event(
            "response.function_call_arguments.done",
            output_index=1,
            item_id="fc1",
            arguments='{"city":"Paris"}',
        ),
        responses_event(
            "response.completed",
            response={
                "id": "r",
                "model": "gpt-4o",
                "status": "completed",
                "output": [],
                "usage": {"input_tokens": 5, "output_tokens": 9, "total_tokens": 14},
            },
        ),
    ]
    answer = answer_of(recording(events, req=request("/v1/responses")))
    assert answer.meta.family == "openai-responses"
    [only] = answer.choices
    assert only.content == "Checking the weather."
    [call] = only.tool_calls
    assert (call.id, call.name, call.arguments) == ("call_1", "get_weather", '{"city":"Paris"}')
    assert only.finish_reason == "completed"
    assert answer.usage["total_tokens"] == 14


def test_ollama_chat_stream_with_thinking_and_whole_tool_calls() -> None:
    def chat(content: str, thinking=None, calls=None, done=False):
        return typed(
            "ollama._types.ChatResponse",
            {
                "model": "qwen3",
                "done": done,
                "done_reason": "stop" if done else None,
                "eval_count": 7 if done else None,
                "message": {
                    "role": "assistant",
                    "content": content,
                    "thinking": thinking,
                    "tool_calls": calls,
                },
            },
        )

    call = {"function": {"name": "now", "arguments": {"tz": "UTC"}}}
    answer = answer_of(
        recording([chat("", "Hm"), chat("It is", calls=[call]), chat(" noon", done=True)])
    )
    [only] = answer.choices
    assert (only.content, only.reasoning, only.finish_reason) == ("It is noon", "Hm", "stop")
    assert [(c.name, json.loads(c.arguments)) for c in only.tool_calls] == [("now", {"tz": "UTC"})]
    assert answer.usage == {"eval_count": 7}


def test_passthrough_error_body_with_status() -> None:
    body = {"type": "error", "error": {"type": "invalid_request_error", "message": "no"}}
    answer = answer_of(passthrough(body, streaming=False, status=400))
    assert answer.kind == "error"
    assert (answer.error.type, answer.error.status, answer.error.message) == (
        "invalid_request_error",
        400,
        "no",
    )


def test_tool_invocation_result_and_its_error() -> None:
    body = typed(
        "ogx_api.tools.ToolInvocationResult",
        {"content": [{"type": "text", "text": "42"}], "error_message": "partial", "error_code": 7},
    )
    req = {"test_id": "t", "provider": "tavily", "tool_name": "web_search", "kwargs": {"q": "x"}}
    answer = answer_of(recording(body, streaming=False, req=req))
    assert (answer.kind, answer.text) == ("tool_result", "42")
    assert (answer.error.message, answer.error.status) == ("partial", 7)
    assert answer.meta.endpoint == "tool:web_search"


def test_embeddings_and_model_lists() -> None:
    emb = typed(
        "openai.types.create_embedding_response.CreateEmbeddingResponse",
        {
            "object": "list",
            "model": "e",
            "data": [
                {"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]} for i in range(2)
            ],
        },
    )
    assert answer_of(recording(emb, streaming=False)).embeddings == (2, 3)
    models = [typed("openai.types.model.Model", {"id": n, "object": "model"}) for n in "ab"]
    answer = answer_of(recording(models, streaming=False))
    assert (answer.kind, [m["id"] for m in answer.models]) == ("models", ["a", "b"])


def test_an_sse_stream_of_unknown_events_gets_a_note() -> None:
    answer = answer_of(passthrough(sse(("mystery", {"x": 1})), streaming=True))
    assert answer.notes == ["no reassembler for a sse lines body"]
