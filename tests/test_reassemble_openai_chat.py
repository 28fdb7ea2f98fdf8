"""OpenAI chat streams and completions: every edge case that docs/format.md ("OpenAI chat
chunks") lists, on inline recordings."""

from __future__ import annotations

from streams import (
    answer_of,
    chat_stream,
    choice,
    chunk,
    delta,
    recording,
    say,
    tool,
    typed,
)


def test_content_concatenates_and_role_is_the_first_non_empty() -> None:
    answer = answer_of(
        chat_stream(
            say("", role="assistant"),
            say("Hel", role="assistant"),  # some servers repeat the role every delta
            say("lo", role=""),
            say("", finish="stop"),
        )
    )
    assert answer.kind == "chat"
    assert answer.meta.family == "openai-chat"
    assert answer.meta.chunks == 4
    [only] = answer.choices
    assert (only.role, only.content, only.finish_reason) == ("assistant", "Hello", "stop")


def test_content_is_none_when_no_delta_sent_a_string() -> None:
    answer = answer_of(chat_stream(chunk(choice(delta(role="assistant"), finish="stop"))))
    assert answer.choices[0].content is None
    assert answer.text is None


def test_two_choices_interleaved_are_grouped_by_index() -> None:
    answer = answer_of(
        chat_stream(
            say("A", index=1),
            say("x", index=0),
            say("B", index=1, finish="stop"),
            say("y", index=0, finish="length"),
        )
    )
    assert [(c.index, c.content, c.finish_reason) for c in answer.choices] == [
        (0, "xy", "length"),
        (1, "AB", "stop"),
    ]


def test_two_choices_sequential_and_in_one_chunk() -> None:
    answer = answer_of(
        chat_stream(
            chunk(choice(delta(content="one"), 1), choice(delta(content="zero"), 0)),
            say(" more", index=0, finish="stop"),
            say(" more", index=1, finish="stop"),
        )
    )
    assert [c.content for c in answer.choices] == ["zero more", "one more"]


def test_tool_call_id_and_name_once_arguments_in_fragments() -> None:
    answer = answer_of(
        chat_stream(
            chunk(
                choice(delta(role="assistant", tool_calls=[tool(0, "call_1", "get_weather", "")]))
            ),
            chunk(choice(delta(tool_calls=[tool(0, args='{"ci')]))),
            # several fragments for one index in a single delta, with a repeated "" name
            chunk(choice(delta(tool_calls=[tool(0, args='ty": '), tool(0, "", "", '"Paris"}')]))),
            chunk(choice(delta(), finish="tool_calls")),
        )
    )
    [call] = answer.choices[0].tool_calls
    assert (call.index, call.id, call.name, call.type) == (0, "call_1", "get_weather", "function")
    assert call.arguments == '{"city": "Paris"}'
    assert answer.choices[0].finish_reason == "tool_calls"
    assert answer.choices[0].content is None


def test_whole_tool_call_in_one_delta() -> None:
    answer = answer_of(
        chat_stream(
            chunk(choice(delta(tool_calls=[tool(0, "c", "now", "{}")]), finish="tool_calls"))
        )
    )
    [call] = answer.choices[0].tool_calls
    assert (call.id, call.name, call.arguments) == ("c", "now", "{}")


def test_parallel_tool_calls_keyed_by_index_not_position() -> None:
    answer = answer_of(
        chat_stream(
            chunk(
                choice(
                    delta(tool_calls=[tool(1, "b", "get_time", ""), tool(0, "a", "get_weather")])
                )
            ),
            chunk(choice(delta(tool_calls=[tool(0, args='{"x": 1}')]))),
            chunk(choice(delta(tool_calls=[tool(1, args='{"y": 2}')]), finish="tool_calls")),
        )
    )
    calls = answer.choices[0].tool_calls
    assert [(c.index, c.id, c.name, c.arguments) for c in calls] == [
        (0, "a", "get_weather", '{"x": 1}'),
        (1, "b", "get_time", '{"y": 2}'),
    ]


def test_reasoning_content_and_reasoning_both_present_are_not_doubled() -> None:
    answer = answer_of(
        chat_stream(
            say(None, reasoning_content="Let me ", reasoning="Let me "),
            say(None, reasoning_content="think.", reasoning="think."),
            say("<think>inline</think>4", finish="stop"),
        )
    )
    [only] = answer.choices
    assert only.reasoning == "Let me think."
    assert only.content == "<think>inline</think>4"  # inline think stays content


def test_reasoning_alone_is_used_when_reasoning_content_is_absent() -> None:
    answer = answer_of(chat_stream(say(None, reasoning="hmm"), say("ok", finish="stop")))
    assert (answer.choices[0].reasoning, answer.choices[0].content) == ("hmm", "ok")


def test_refusal_concatenates() -> None:
    answer = answer_of(
        chat_stream(
            say(None, refusal="I can't "), say(None, refusal="help."), say("", finish="stop")
        )
    )
    assert answer.choices[0].refusal == "I can't help."


def test_azure_prompt_filter_preamble_carries_no_delta() -> None:
    preamble = chunk(obj="")
    preamble["__data__"]["prompt_filter_results"] = [{"prompt_index": 0}]
    answer = answer_of(chat_stream(preamble, say("Hi", role="assistant"), say("", finish="stop")))
    assert [(c.index, c.role, c.content) for c in answer.choices] == [(0, "assistant", "Hi")]


def test_usage_only_on_a_final_empty_choices_chunk() -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    answer = answer_of(chat_stream(say("Hi"), say("", finish="stop"), chunk(usage=usage)))
    assert answer.usage == usage
    assert answer.choices[0].finish_reason == "stop"


def test_cumulative_usage_on_every_chunk_keeps_the_last() -> None:
    answer = answer_of(
        chat_stream(
            chunk(choice(delta(content="a")), usage={"completion_tokens": 1}),
            chunk(choice(delta(content="b")), usage={"completion_tokens": 2}),
            chunk(choice(delta(), finish="stop"), usage=None),
        )
    )
    assert answer.usage == {"completion_tokens": 2}


def test_finish_reason_is_the_last_non_null_and_empty_counts_as_none() -> None:
    answer = answer_of(
        chat_stream(say("a", finish=""), say("b", finish="length"), say("", finish=None))
    )
    assert answer.choices[0].finish_reason == "length"


def test_logprob_tokens_are_counted() -> None:
    lp = {"content": [{"token": "a"}, {"token": "b"}], "refusal": None}
    answer = answer_of(chat_stream(chunk(choice(delta(content="ab"), logprobs=lp, finish="stop"))))
    assert answer.choices[0].logprobs == 2


def test_non_streamed_chat_completion() -> None:
    body = typed(
        "openai.types.chat.chat_completion.ChatCompletion",
        {
            "id": "rec-1",
            "object": "chat.completion",
            "model": "gpt",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "logprobs": None,
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "reasoning_content": "think",
                        "refusal": None,
                        "tool_calls": [
                            {
                                "id": "call_9",
                                "type": "function",
                                "function": {"name": "f", "arguments": '{"a":1}'},
                            }
                        ],
                    },
                }
            ],
            "usage": {"total_tokens": 7},
        },
    )
    answer = answer_of(recording(body, streaming=False))
    assert answer.meta.family == "openai-chat-completion"
    [only] = answer.choices
    assert (only.content, only.reasoning, only.finish_reason) == (None, "think", "tool_calls")
    assert [(c.id, c.name, c.arguments) for c in only.tool_calls] == [("call_9", "f", '{"a":1}')]
    assert answer.usage == {"total_tokens": 7}
    assert answer.meta.chunks is None


def test_chat_chunks_recorded_for_a_completions_endpoint_are_read_as_chat() -> None:
    data = chat_stream(say("Paris", role="assistant", finish="stop"))
    data["request"]["endpoint"] = "/v1/completions"
    assert answer_of(data).choices[0].content == "Paris"


def test_unknown_bodies_get_a_note_not_an_exception() -> None:
    answer = answer_of(recording(typed("acme.Thing", {"x": 1}), streaming=False))
    assert answer.kind == "unknown"
    assert answer.notes == ["no reassembler for acme.Thing"]
    assert answer.meta.test_id == "tests/test_x.py::test_y"


def test_malformed_chunks_never_raise() -> None:
    answer = answer_of(chat_stream(chunk(choice("not a delta")), chunk("bad", "choices")))
    assert answer.kind in {"chat", "unknown"}


def test_recorded_exception_becomes_error() -> None:
    data = recording(
        None,
        streaming=False,
        is_exception=True,
        exception_data={
            "category": "provider_sdk",
            "type": "BadRequestError",
            "message": "Error code: 400",
            "status_code": 400,
            "provider": "openai",
        },
        exception_message="Error code: 400",
    )
    answer = answer_of(data)
    assert answer.kind == "exception"
    assert (answer.error.type, answer.error.status, answer.error.message) == (
        "BadRequestError",
        400,
        "Error code: 400",
    )


def test_exception_mid_stream_keeps_the_chunks_received() -> None:
    data = chat_stream(say("partial"), is_exception=True, exception_data={"type": "Timeout"})
    answer = answer_of(data)
    assert answer.choices[0].content == "partial"
    assert answer.error.type == "Timeout"
