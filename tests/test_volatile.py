"""The volatile table states each location once: normalize rewrites what diff ignores."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from diff_fixtures import ollama_ps
from recstack import volatile
from recstack.diffing.ignore import default_matcher, parse_sse_line
from recstack.normalization import normalize
from recstack.paths import child, extend, find, parse, sort_key
from recstack.volatile import DEFAULT, PLAIN, REQUEST, TYPED, VolatileRule

from conftest import real_files

GENAI = {
    "sdk_http_response": {"headers": {"date": "Wed, 01 Apr 2026 10:29:48 GMT", "vary": "Origin"}},
    "candidates": [{"content": {"parts": [{"text": "Hi"}], "role": "model"}}],
    "create_time": "2026-04-01T10:29:48.165909Z",
    "response_id": "nPPMaZWQCp-xmPUPu9qtoA4",
}


def _recording(body: Any, *, streaming: bool = False) -> dict[str, Any]:
    request = {"method": "POST", "url": "http://h/v1/x", "headers": {}, "body": {}}
    return {"request": request, "response": {"body": body, "is_streaming": streaming}}


def _rewritten(before: Any, after: Any, path: str = "") -> Iterator[tuple[str, bool]]:
    """Every leaf path where ``after`` differs from ``before``, with "is in a model object".

    Raw SSE lines are compared by their parsed payload (``...[3].data.message.id``), the
    way ``diff`` addresses them.
    """
    if isinstance(before, dict) and isinstance(after, dict):
        in_model = before.get("object") == "model"
        for key in before.keys() | after.keys():
            sub = child(path, key)
            if isinstance(before.get(key), (dict, list)):
                yield from _rewritten(before[key], after.get(key), sub)
            elif before.get(key) != after.get(key):
                yield sub, in_model
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (a, b) in enumerate(zip(before, after, strict=True)):
            yield from _rewritten(a, b, f"{path}[{index}]")
    elif isinstance(before, str) and isinstance(after, str) and before.startswith("data:"):
        if before != after:
            yield from _rewritten(parse_sse_line(before), parse_sse_line(after), path)
    elif before != after:
        yield path, False


SYNTHETIC = {
    # the example: diff ignored headers.date, normalize rewrote only Date
    "genai-lowercase-date": _recording(GENAI),
    "genai-stream": _recording([GENAI, {**GENAI, "response_id": "other"}], streaming=True),
    "ollama-ps": ollama_ps([("llama3.2:3b", "2025-10-08T16:14:05.4-07:00")]),
    "chat-obfuscation": _recording(
        {
            "__type__": "openai.types.chat.chat_completion.ChatCompletion",
            "__data__": {
                "id": "chatcmpl-1",
                "created": 1756921363,
                "obfuscation": "abc",
                "choices": [{"index": 0, "obfuscation": "pad", "message": {"content": "x"}}],
            },
        }
    ),
    "messages-sse": _recording(
        [
            "event: message_start",
            'data: {"type":"message_start","message":{"id":"msg_01","type":"message"}}',
            "",
        ],
        streaming=True,
    ),
    "message-error": _recording({"type": "error", "error": {}, "request_id": "req_01"}),
    "interaction": _recording(
        {"object": "interaction", "id": "v1_x", "created": "2026-04-14T10:07:29Z"}
    ),
}


def _cases() -> Iterator[tuple[str, dict[str, Any]]]:
    yield from SYNTHETIC.items()
    for path in real_files():
        yield path.name, json.loads(path.read_bytes())


@pytest.mark.parametrize("profile", volatile.PROFILES)
def test_every_place_normalize_rewrites_is_ignored_by_diff(profile: str) -> None:
    matcher = default_matcher()
    rewritten = 0
    for name, data in _cases():
        result = normalize(data, f"{name}-0123456789abcdef.json", profile)
        for path, in_model in _rewritten(data, result.data):
            assert matcher.matches(path, in_model=in_model), (name, path)
            assert path.startswith("response.body"), (name, path)
            rewritten += 1
    assert rewritten > (100 if real_files() else len(SYNTHETIC))


def test_http_date_in_either_spelling() -> None:
    for spelling in ("date", "Date"):
        body = copy.deepcopy(GENAI)
        body["sdk_http_response"]["headers"] = {spelling: "Wed, 01 Apr 2026 10:29:48 GMT"}
        result = normalize(_recording(body), "genai-0123456789abcdef.json")
        headers = result.data["response"]["body"]["sdk_http_response"]["headers"]
        assert headers == {spelling: volatile.EPOCH_HTTP}
        assert f"sdk_http_response.headers.{spelling}" in [c.field for c in result.changes]
        assert default_matcher().matches(f"response.body.sdk_http_response.headers.{spelling}")


def test_ollama_expires_at_is_rewritten_by_the_default_profile_only() -> None:
    data = ollama_ps([("a", "2025-10-08T16:14:05.4-07:00"), ("b", "2025-10-08T11:35:08-07:00")])
    result = normalize(data, "0123456789abcdef.json")
    models = result.data["response"]["body"]["__data__"]["models"]
    assert [m["expires_at"] for m in models] == [volatile.EPOCH_OLLAMA] * 2
    [change] = result.changes
    assert (change.rule, change.field, change.chunks) == (
        "ollama_expires_at",
        "models[*].expires_at",
        2,
    )
    assert not normalize(data, "0123456789abcdef.json", "llama-stack").changed


def test_a_model_keeps_its_id_in_diff_but_not_its_created() -> None:
    matcher = default_matcher()
    assert not matcher.matches("response.body[3].__data__.id", in_model=True)
    assert matcher.matches("response.body[3].__data__.id", in_model=False)
    assert matcher.matches("response.body[3].__data__.created", in_model=True)
    # unless the user asks for it by name
    named = default_matcher(["response.body[*].__data__.id"])
    assert named.matches("response.body[3].__data__.id", in_model=True)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (dict(scope=REQUEST, paths=("messages[*].tool_call_id",)), "response only"),
        (dict(scope=TYPED, paths=("choices[0].x",)), "not a simple path glob"),
        (dict(scope=TYPED, paths=("**.id",), skip_models=True), "skip_models"),
        (dict(scope=PLAIN, paths=()), "at least one path"),
        (dict(scope="elsewhere", paths=("id",)), "at least one path"),
    ],
)
def test_a_rule_must_state_a_location_normalize_can_walk(rule: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        VolatileRule("x", reason="r", profiles=frozenset({DEFAULT}), **rule)


def test_diff_only_rules_may_look_at_the_request() -> None:
    rule = VolatileRule("x", REQUEST, ("messages[*].tool_call_id",), "r", frozenset())
    assert rule.patterns == ("request.body.messages[*].tool_call_id",)
    assert rule.replacement == ""


# -- the glob syntax both readers share -------------------------------------------------------


def test_parse_and_find() -> None:
    assert parse("**.choices[*].obfuscation") == ("**", "choices", "[*]", "obfuscation")
    for bad in ("a..b", ".a", "a.", "**x", "a.[*]", "x[*]", "a[0]", "", "a['b']"):
        with pytest.raises(ValueError):
            parse(bad)
    value = {"o": 1, "choices": [{"o": 2}, {"d": {"o": 3}}], "t": "o"}
    assert list(find(value, parse("**.o"))) == [
        (("o",), 1),
        (("choices", 0, "o"), 2),
        (("choices", 1, "d", "o"), 3),
    ]
    assert list(find(value, parse("choices[*].o"))) == [(("choices", 0, "o"), 2)]
    assert list(find(value, parse("*.o"))) == []


def test_extend_and_sort_key() -> None:
    assert extend("response.body[*].__data__", "**.o") == "response.body[*].__data__**.o"
    assert extend("request.body", "messages[*].id") == "request.body.messages[*].id"
    paths = ["b[10].x", "b[2]", "b.y", "b[2].z", "b[1]", "a[10]", "a[9]"]
    assert sorted(paths, key=sort_key) == [
        "a[9]",
        "a[10]",
        "b.y",
        "b[1]",
        "b[2]",
        "b[2].z",
        "b[10].x",
    ]
