"""How replay names and finds a recording: hash vectors per rule, verdicts, real files.

Every expected hash is computed here from a key dict written out literally (sha256
of ``json.dumps(key, sort_keys=True)``), never by calling the code under test.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from recstack.loading import load_recording
from recstack.recording import Recording
from recstack.replay import (
    KeyKind,
    ReplayCause,
    ReplayStatus,
    check,
    expected_dirs,
    looks_like_recording_name,
    replay_key,
)
from recstack.replay_rules import Rules, build_key, normalize_body, stored_request

TEST_ID = "tests/integration/inference/test_chat.py::test_hello[txt=ollama/llama3.2:3b]"
OWN_DIR = "tests/integration/inference/recordings"
FALLBACK = "tests/integration/common/recordings"
UUID = "0123abcd-4567-89ef-0123-456789abcdef"
URL = "http://0.0.0.0:11434/v1/v1/chat/completions"


def sha(key: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def inference(
    body: Any,
    *,
    url: Any = URL,
    test_id: Any = TEST_ID,
    endpoint: str | None = None,
    method: Any = "POST",
    response_body: Any = None,
    **top: Any,
) -> Recording:
    data: dict[str, Any] = {
        "test_id": test_id,
        "request": {
            "method": method,
            "url": url,
            "headers": {},
            "body": body,
            "endpoint": endpoint or "/v1/chat/completions",
            "model": "llama3.2:3b",
        },
        "response": {"body": response_body, "is_streaming": False},
        **top,
    }
    return Recording("x.json", data)


def chat_key(body: Any, *, test_id: Any = TEST_ID, endpoint: str = "/v1/v1/chat/completions"):
    return {"method": "POST", "endpoint": endpoint, "body": body, "test_id": test_id}


def key_hash(recording: Recording) -> str:
    key = replay_key(recording)
    assert key is not None
    return key.hash


# --- hash vectors, one per rule --------------------------------------------------


def test_plain_inference_key_hash_and_name() -> None:
    body = {"model": "llama3.2:3b", "messages": [{"role": "user", "content": "Hi"}]}
    key = replay_key(inference(body, method="post"))
    assert key is not None
    expected = sha(chat_key(body))
    assert key.kind is KeyKind.INFERENCE
    assert key.key == chat_key(body)
    assert (key.hash, key.name) == (expected, f"{expected}.json")


@pytest.mark.parametrize(
    ("sent", "keyed"),
    [
        ({"temperature": 0.123456789}, {"temperature": 0.12346}),
        ({"x": 1e-07}, {"x": 0.0}),
        ({"nested": [{"p": [2.0000049]}]}, {"nested": [{"p": [2.0]}]}),
    ],
    ids=["rounded", "tiny", "nested"],
)
def test_floats_are_rounded_to_five_places(sent: dict[str, Any], keyed: dict[str, Any]) -> None:
    assert key_hash(inference(sent)) == sha(chat_key(keyed))


def test_an_int_valued_float_stays_a_float() -> None:
    digest = key_hash(inference({"temperature": 1.0}))
    assert digest == sha(chat_key({"temperature": 1.0}))
    assert digest != sha(chat_key({"temperature": 1}))


def test_ints_and_bools_are_not_rounded() -> None:
    body = {"stream": True, "logprobs": False, "n": 123456789, "seed": -7}
    assert key_hash(inference(body)) == sha(chat_key(dict(body)))


def test_long_decimals_inside_strings() -> None:
    body = {"content": "pi 3.14159265 and -2.5000001, short 1.234 and 10.5"}
    keyed = {"content": "pi 3.14159 and -2.50000, short 1.234 and 10.5"}
    assert key_hash(inference(body)) == sha(chat_key(keyed))


@pytest.mark.parametrize(
    ("text", "keyed"),
    [
        ("[1] score: 2.5781234969335522 end", "[1] score: __NORMALIZED__ end"),
        ("score:-1e-3 and score: 7", "score: __NORMALIZED__ and score: __NORMALIZED__"),
        ("doc, attributes: {'filename': 'a.txt', 'n': 1.0} (cite)", "doc (cite)"),
        (f"document_id: {UUID}, rest", "document_id: __NORMALIZED__, rest"),
        (f"see <|{UUID}|>.", "see <|__NORMALIZED__|>."),
        ("document_id: file-d7cee10212814cfcb75cc091eee11688", None),  # not a uuid
        ("<|file-Cn3MSNn72ENTiiq11Qda4A|>", None),
        (
            f"[1] document_id: {UUID}, score: 0.912345678, attributes: {{'k': 'v'}} "
            f"(cite as <|{UUID}|>) at 0.123456789",
            "[1] document_id: __NORMALIZED__, score: __NORMALIZED__ "
            "(cite as <|__NORMALIZED__|>) at 0.12346",
        ),
    ],
    ids=[
        "score",
        "score-exp",
        "attributes",
        "document-id",
        "citation",
        "file-id",
        "file-cite",
        "all",
    ],
)
def test_file_search_string_rules(text: str, keyed: str | None) -> None:
    body = {"messages": [{"role": "tool", "content": text}]}
    wanted = {"messages": [{"role": "tool", "content": keyed or text}]}
    assert key_hash(inference(body)) == sha(chat_key(wanted))


def test_bedrock_drops_top_level_stream_options_only() -> None:
    body = {
        "model": "m",
        "stream_options": {"include_usage": True},
        "metadata": {"stream_options": 1},
    }
    url = "https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1/chat/completions"
    keyed = {"model": "m", "metadata": {"stream_options": 1}}
    assert key_hash(inference(body, url=url)) == sha(
        chat_key(keyed, endpoint="/openai/v1/chat/completions")
    )
    assert key_hash(inference(body)) == sha(chat_key(body))


@pytest.mark.parametrize("extra", ["extra_body", "extra_query"])
def test_project_id_dropped_from_extra_dicts(extra: str) -> None:
    body = {
        "model": "m",
        extra: {"project_id": "p-123", "guided_choice": ["a", "b"]},
        "other": {extra: {"project_id": "stays"}},
    }
    keyed = {
        "model": "m",
        extra: {"guided_choice": ["a", "b"]},
        "other": {extra: {"project_id": "stays"}},
    }
    assert key_hash(inference(body)) == sha(chat_key(keyed))


def test_project_id_is_also_dropped_in_list_items_as_upstream_does() -> None:
    # upstream's normalizer treats each list item like a top-level object
    body = {"items": [{"extra_body": {"project_id": "p", "k": 1}}], "extra_body": "not a dict"}
    keyed = {"items": [{"extra_body": {"k": 1}}], "extra_body": "not a dict"}
    assert key_hash(inference(body)) == sha(chat_key(keyed))


def test_normalize_body_leaves_its_input_alone() -> None:
    body = {
        "t": 0.123456789,
        "extra_body": {"project_id": "p"},
        "s": "3.14159265",
        "stream_options": {"include_usage": True},
        "items": [{"extra_query": {"project_id": "p", "k": [1.5, "score: 1"]}}, "same"],
    }
    before = copy.deepcopy(body)
    for rules in Rules:
        normalize_body(body, rules=rules, drop_stream_options=True)
    assert body == before
    assert normalize_body(body, drop_stream_options=True) == {
        "t": 0.12346,
        "extra_body": {},
        "s": "3.14159",
        "items": [{"extra_query": {"k": [1.5, "score: __NORMALIZED__"]}}, "same"],
    }


# --- every key of one request: the body is serialized once, the hash must not notice ---

BEDROCK = "https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1/chat/completions"
MIXED_BODY = {
    "messages": [{"role": "tool", "content": f"score: 0.5 at 3.14159265 <|{UUID}|>"}],
    "temperature": 0.123456789,
    "extra_body": {"project_id": "p"},
    "stream_options": {"include_usage": True},
}


def _passthrough(payload: Any) -> Recording:
    request = {"url": "http://h/v1/messages", "method": "post", "payload": payload}
    data = {"test_id": TEST_ID, "request": request, "response": {"body": {}}}
    return Recording("x.json", data)


@pytest.mark.parametrize(
    "recording",
    [
        inference(MIXED_BODY),
        inference(MIXED_BODY, url=BEDROCK),
        inference({"model": "m", "temperature": 0.5}),
        inference(
            {},
            url="http://h/v1/models",
            method="GET",
            endpoint="/v1/models",
            response_body=[{"id": "m"}],
        ),
        _passthrough(MIXED_BODY),
        _passthrough({"model": "m"}),
    ],
    ids=["mixed", "bedrock", "plain", "models", "passthrough", "passthrough-plain"],
)
def test_every_key_of_a_request_hashes_its_own_text(recording: Recording) -> None:
    stored = stored_request(recording.data)  # one request: its keys share the body's text
    for rules in Rules:
        for with_test_id in (None, False, True):
            for test_id in ("tests/x/test_y.py::test_z", None):
                key = build_key(stored, rules=rules, with_test_id=with_test_id, test_id=test_id)
                alone = build_key(
                    stored_request(recording.data),
                    rules=rules,
                    with_test_id=with_test_id,
                    test_id=test_id,
                )
                assert key.hash == alone.hash == sha(key.key)
                has_test_id = stored.key_has_test_id if with_test_id is None else with_test_id
                assert ("test_id" in key.key) is has_test_id


@pytest.mark.parametrize(
    ("body", "url"),
    [
        ({"extra_body": {"project_id": "p"}}, URL),  # only project_id is dropped
        ({"stream_options": {"include_usage": True}}, BEDROCK),  # only stream_options
        ({"t": 0.123456789}, URL),  # only a float is rounded
        ({"s": "3.14159265"}, URL),  # only a string's long decimal
    ],
    ids=["project-id", "stream-options", "float", "decimal"],
)
def test_a_body_changed_by_one_rule_alone_is_named_from_the_raw_body(body: Any, url: str) -> None:
    recording = inference(body, url=url)
    endpoint = "/openai/v1/chat/completions" if url == BEDROCK else "/v1/v1/chat/completions"
    raw = sha(chat_key(body, endpoint=endpoint))
    verdict = check(f"{OWN_DIR}/{raw}.json", recording)
    assert (verdict.status, verdict.cause) == (ReplayStatus.STALE, ReplayCause.RAW_BODY)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("http://0.0.0.0:11434/api/tags", "/api/tags"),
        ("http://localhost:8080/v1/models", "/v1/models"),
        ("http://localhost:8321/v1/openai/v1/models", "/v1/openai/v1/models"),
    ],
)
def test_test_id_left_out_for_the_model_list_url_paths(url: str, path: str) -> None:
    # the url path decides the test id; request.endpoint only decides the name's form
    key = replay_key(inference({}, url=url, method="GET", endpoint="/v1/chat/completions"))
    assert key is not None
    assert key.key == {"method": "GET", "endpoint": path, "body": {}}
    assert key.name == sha({"method": "GET", "endpoint": path, "body": {}}) + ".json"


def test_test_id_kept_for_v1_v1_models() -> None:
    url = "https://api.openai.com/v1/v1/models"
    models = [{"__type__": "openai.types.model.Model", "__data__": {"id": "gpt-4o"}}]
    key = replay_key(
        inference({}, url=url, method="GET", endpoint="/v1/models", response_body=models)
    )
    assert key is not None
    expected = sha({"method": "GET", "endpoint": "/v1/v1/models", "body": {}, "test_id": TEST_ID})
    digest = hashlib.sha256(b"gpt-4o").hexdigest()[:8]
    assert key.kind is KeyKind.MODELS
    assert key.name == f"models-{expected}-{digest}.json"


def test_null_and_missing_test_id_are_written_as_null() -> None:
    body = {"model": "m"}
    expected = sha(chat_key(body, test_id=None))
    assert key_hash(inference(body, test_id=None)) == expected
    missing = inference(body)
    del missing.data["test_id"]
    assert key_hash(missing) == expected


def test_model_list_digest_of_the_sorted_distinct_ids() -> None:
    url = "http://localhost:8000/v1/models"
    models = [
        {"__type__": "openai.types.model.Model", "__data__": {"id": name, "object": "model"}}
        for name in ("b-model", "a-model", "b-model")
    ]
    key = replay_key(
        inference({}, url=url, method="GET", endpoint="/v1/models", response_body=models)
    )
    assert key is not None
    expected = sha({"method": "GET", "endpoint": "/v1/models", "body": {}})
    digest = hashlib.sha256(b"a-model|b-model").hexdigest()[:8]
    assert (key.name, key.digest) == (f"models-{expected}-{digest}.json", digest)


@pytest.mark.parametrize(
    "response_body",
    [
        {
            "__type__": "ollama._types.ListResponse",
            "__data__": {"models": [{"model": "m2"}, {"model": "m1"}]},
        },
        {"models": [{"model": "m2", "name": "x"}, {"model": "m1", "name": "y"}]},
        {
            "models": [
                {"__type__": "ollama._types.Model", "__data__": {"model": "m2"}},
                {"model": "m1"},
            ]
        },
    ],
    ids=["typed", "plain", "typed-entries"],
)
def test_api_tags_digest_uses_the_model_field(response_body: Any) -> None:
    url = "http://localhost:11434/api/tags"
    rec = inference({}, url=url, method="GET", endpoint="/api/tags", response_body=response_body)
    key = replay_key(rec)
    assert key is not None
    expected = sha({"method": "GET", "endpoint": "/api/tags", "body": {}})
    digest = hashlib.sha256(b"m1|m2").hexdigest()[:8]
    assert key.name == f"models-{expected}-{digest}.json"


def test_passthrough_key_has_the_whole_url_and_normalized_payload() -> None:
    url = "http://0.0.0.0:11434/v1/messages?beta=true"
    payload = {"model": "m", "temperature": 0.123456789, "extra_body": {"project_id": "p"}}
    data = {
        "test_id": TEST_ID,
        "request": {"test_id": TEST_ID, "url": url, "method": "post", "payload": payload},
        "response": {"body": {"type": "message"}, "is_streaming": False, "status": 200},
    }
    key = replay_key(Recording("x.json", data))
    assert key is not None
    wanted = {
        "test_id": TEST_ID,
        "url": url,
        "method": "POST",
        "payload": {"model": "m", "temperature": 0.12346, "extra_body": {}},
    }
    assert key.kind is KeyKind.PASSTHROUGH
    assert key.name == f"{sha(wanted)}.json"


def test_tool_key_is_not_normalized_and_has_no_test_id() -> None:
    kwargs = {"query": "score: 0.123456789", "max": 0.123456789}
    data = {
        "test_id": TEST_ID,
        "request": {
            "test_id": TEST_ID,
            "provider": "tavily",
            "tool_name": "web_search",
            "kwargs": kwargs,
        },
        "response": {"body": {"content": "x"}, "is_streaming": False},
    }
    key = replay_key(Recording("x.json", data))
    assert key is not None
    wanted = {"provider": "tavily", "tool_name": "web_search", "kwargs": kwargs}
    assert (key.kind, key.hash) == (KeyKind.TOOL, sha(wanted))


def test_id_normalization_mapping_is_applied_before_hashing() -> None:
    body = {"messages": [{"role": "user", "content": "search file-abc123"}]}
    rec = inference(body, id_normalization_mapping={"file-1": "file-abc123"})
    keyed = {"messages": [{"role": "user", "content": "search file-1"}]}
    assert key_hash(rec) == sha(chat_key(keyed))


def test_file_processor_is_unknown() -> None:
    data = {
        "test_id": TEST_ID,
        "request": {
            "test_id": TEST_ID,
            "provider": "pypdf",
            "api": "file_processors",
            "file_id": "f",
        },
        "response": {"body": {}, "is_streaming": False},
    }
    rec = Recording("x.json", data)
    assert replay_key(rec) is None
    verdict = check(f"{OWN_DIR}/{'a' * 64}.json", rec)
    assert verdict.status is ReplayStatus.UNKNOWN
    assert verdict.cause is ReplayCause.NOT_REPLAYED
    assert verdict.expected_name is None


def _bad_recordings() -> dict[str, dict[str, Any]]:
    body = {"model": "m"}
    entries = [{"__type__": "openai.types.model.Model", "__data__": {"id": 7}}]
    tool = {"provider": "p", "tool_name": "t", "kwargs": ["not", "an", "object"]}
    made = {
        "url-not-string": inference(body, url=42),
        "body-not-object": inference(["x"]),
        "body-missing": inference(None),
        "method-not-string": inference(body, method=None),
        "test-id-not-string": inference(body, test_id=3),
        "bad-ipv6-url": inference(body, url="http://[::1/v1/chat"),
        "mapping-not-object": inference(body, id_normalization_mapping=["x"]),
        "mapping-value": inference(body, id_normalization_mapping={"a": 1}),
        "mapping-breaks-json": inference(body, id_normalization_mapping={'"': "model"}),
        "model-id-not-string": inference(body, endpoint="/v1/models", response_body=entries),
        "model-list-no-body": inference(body, endpoint="/api/tags"),
    }
    return {
        **{name: rec.data for name, rec in made.items()},
        "tool-kwargs": {"request": tool, "response": {"body": None}},
        "request-not-object": {"request": "GET /", "response": {}},
        "unknown-shape": {"request": {"what": 1}, "response": {}},
    }


@pytest.mark.parametrize("name", list(_bad_recordings()))
def test_bad_values_are_unknown_with_a_reason(name: str) -> None:
    rec = Recording("x.json", _bad_recordings()[name])
    assert replay_key(rec) is None
    verdict = check(f"{OWN_DIR}/{'0' * 64}.json", rec)
    assert verdict.status is ReplayStatus.UNKNOWN
    assert verdict.cause in (ReplayCause.BAD_VALUE, ReplayCause.UNKNOWN_SHAPE)
    assert verdict.reason


# --- names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "looks"),
    [
        ("a" * 64 + ".json", True),
        (f"models-{'b' * 64}-0123abcd.json", True),
        ("0123456789ab.json", True),
        ("models-bd032f995f2a-7becc84f.json", True),
        ("A" * 64 + ".json", False),
        ("a" * 63 + ".json", False),
        (f"agents-{'a' * 64}.json", False),
        (f"models-{'b' * 64}-0123abc.json", False),
        ("a" * 64, False),
        ("chat.json", False),
    ],
)
def test_looks_like_recording_name(name: str, looks: bool) -> None:
    assert looks_like_recording_name(name) is looks


# --- verdicts on made-up recordings ------------------------------------------------


def _at(directory: str, rec: Recording) -> str:
    key = replay_key(rec)
    assert key is not None
    return f"{directory}/{key.name}"


def test_ok_in_the_test_dir_and_in_the_fallback() -> None:
    rec = inference({"model": "m"})
    for directory in (OWN_DIR, FALLBACK, f"/abs/repo/{OWN_DIR}"):
        verdict = check(_at(directory, rec), rec)
        assert (verdict.status, verdict.cause, verdict.reason) == (ReplayStatus.OK, None, None)
        assert verdict.expected_dirs == (OWN_DIR, FALLBACK)
        assert verdict.kind is KeyKind.INFERENCE


def test_right_name_in_another_test_dir_is_stale() -> None:
    rec = inference({"model": "m"})
    verdict = check(_at("tests/integration/agents/recordings", rec), rec)
    assert verdict.status is ReplayStatus.STALE
    assert verdict.cause is ReplayCause.WRONG_DIRECTORY
    assert OWN_DIR in (verdict.reason or "")


def test_a_custom_fallback_dir() -> None:
    rec = inference({"model": "m"})
    path = _at("suite/conformance/recordings", rec)
    assert check(path, rec).cause is ReplayCause.WRONG_DIRECTORY
    verdict = check(path, rec, fallback_dir="suite/conformance/recordings/")
    assert verdict.status is ReplayStatus.OK
    assert verdict.expected_dirs == (OWN_DIR, "suite/conformance/recordings")


def test_without_test_id_the_directory_is_not_judged() -> None:
    rec = inference({"model": "m"}, test_id=None)
    verdict = check(_at("anywhere/else", rec), rec)
    assert verdict.status is ReplayStatus.OK
    assert verdict.expected_dirs == (FALLBACK,)


def test_expected_dirs() -> None:
    assert expected_dirs(TEST_ID) == (OWN_DIR, FALLBACK)
    assert expected_dirs("tests/integration/common/test_x.py::t") == (FALLBACK,)
    assert expected_dirs(None, "elsewhere/recordings/") == ("elsewhere/recordings",)
    assert expected_dirs("test_top.py::t") == ("recordings", FALLBACK)


def test_an_edited_request_is_stale_unexplained() -> None:
    rec = inference({"model": "m"})
    path = _at(OWN_DIR, rec)
    rec.data["request"]["body"]["model"] = "other"
    verdict = check(path, rec)
    assert (verdict.status, verdict.cause) == (ReplayStatus.STALE, ReplayCause.EDITED)
    assert verdict.expected_name == replay_key(rec).name  # type: ignore[union-attr]
    assert verdict.expected_name in (verdict.reason or "")


def test_a_hand_made_name_is_stale() -> None:
    rec = inference({"model": "m"})
    verdict = check(f"{OWN_DIR}/chat.json", rec)
    assert (verdict.status, verdict.cause) == (ReplayStatus.STALE, ReplayCause.NOT_A_HASH_NAME)


def test_named_before_the_file_search_rules() -> None:
    text = f"[1] document_id: {UUID}, score: 1.5 (cite as <|{UUID}|>)"
    rec = inference({"messages": [{"role": "tool", "content": text}]})
    old = sha(chat_key({"messages": [{"role": "tool", "content": text}]}))
    verdict = check(f"{OWN_DIR}/{old}.json", rec)
    assert (verdict.status, verdict.cause) == (ReplayStatus.STALE, ReplayCause.BEFORE_FILE_SEARCH)


def test_named_with_the_test_id_before_the_rename() -> None:
    renamed = "tests/integration/inference/test_chat.py::test_hello[ogx_client-txt=m]"
    body = {"model": "m"}
    old = sha(chat_key(body, test_id=renamed.replace("ogx_client", "llama_stack_client")))
    rec = inference(body, test_id=renamed)
    verdict = check(f"{OWN_DIR}/{old}.json", rec)
    assert (verdict.status, verdict.cause) == (ReplayStatus.STALE, ReplayCause.TEST_ID_RENAMED)
    assert "llama_stack_client" in (verdict.reason or "")


def test_named_from_the_raw_body() -> None:
    body = {"temperature": 0.123456789, "content": "3.14159265"}
    raw = sha(chat_key(body))
    verdict = check(f"{OWN_DIR}/{raw}.json", inference(body))
    assert (verdict.status, verdict.cause) == (ReplayStatus.STALE, ReplayCause.RAW_BODY)


def test_oldest_layout_twelve_hex_without_test_id() -> None:
    body = {"model": "m", "temperature": 0.5}
    old = sha({"method": "POST", "endpoint": "/v1/v1/chat/completions", "body": body})[:12]
    rec = inference(body)
    del rec.data["test_id"]
    verdict = check(f"tests/integration/recordings/responses/{old}.json", rec)
    assert (verdict.status, verdict.cause) == (ReplayStatus.STALE, ReplayCause.OLDEST_LAYOUT)
    other = check("tests/integration/recordings/responses/0123456789ab.json", rec)
    assert (other.status, other.cause) == (ReplayStatus.STALE, ReplayCause.EDITED)


def test_oldest_layout_model_list_whose_key_never_had_a_test_id() -> None:
    url = "http://localhost:11434/v1/models"
    models = [{"__type__": "openai.types.model.Model", "__data__": {"id": "m"}}]
    rec = inference({}, url=url, method="GET", endpoint="/v1/models", response_body=models)
    short = sha({"method": "GET", "endpoint": "/v1/models", "body": {}})[:12]
    digest = hashlib.sha256(b"m").hexdigest()[:8]
    verdict = check(f"tests/integration/recordings/responses/models-{short}-{digest}.json", rec)
    assert (verdict.status, verdict.cause) == (ReplayStatus.STALE, ReplayCause.OLDEST_LAYOUT)


def test_no_test_id_where_the_key_needs_one() -> None:
    body = {"model": "m"}
    named = sha(chat_key(body, test_id=TEST_ID))
    rec = inference(body)
    del rec.data["test_id"]
    verdict = check(f"{OWN_DIR}/{named}.json", rec)
    assert (verdict.status, verdict.cause) == (ReplayStatus.STALE, ReplayCause.MISSING_TEST_ID)
    assert verdict.expected_dirs == (FALLBACK,)


def test_model_ids_changed_since_naming_is_still_found() -> None:
    url = "http://localhost:8000/v1/models"
    models = [{"__type__": "openai.types.model.Model", "__data__": {"id": "new"}}]
    rec = inference({}, url=url, method="GET", endpoint="/v1/models", response_body=models)
    request_hash = sha({"method": "GET", "endpoint": "/v1/models", "body": {}})
    verdict = check(f"{FALLBACK}/models-{request_hash}-00000000.json", rec)
    assert (verdict.status, verdict.cause) == (ReplayStatus.OK, ReplayCause.MODEL_IDS_CHANGED)
    plain = check(f"{FALLBACK}/{request_hash}.json", rec)
    assert (plain.status, plain.cause) == (ReplayStatus.STALE, ReplayCause.EDITED)


# --- the real upstream recordings ----------------------------------------------------

# Real files whose verdict is not a plain ok (every other real file must be ok).
REAL_NOT_OK: dict[str, tuple[ReplayStatus, ReplayCause]] = {
    "agents-ae230a60": (ReplayStatus.STALE, ReplayCause.MISSING_TEST_ID),
    "tool_runtime-632ce014": (ReplayStatus.STALE, ReplayCause.MISSING_TEST_ID),
    # 2025-10 file_search recordings: their names hash the body before the string rules
    "old-responses-1b0c005e": (ReplayStatus.STALE, ReplayCause.RAW_BODY),
    "old-responses-b7c02d59": (ReplayStatus.STALE, ReplayCause.RAW_BODY),
    "old-responses-e7777f59": (ReplayStatus.STALE, ReplayCause.RAW_BODY),
    "responses-268e65ef": (ReplayStatus.UNKNOWN, ReplayCause.NOT_REPLAYED),
}


def _expected(name: str) -> tuple[ReplayStatus, ReplayCause | None]:
    if name.startswith("old-recordings-"):
        return ReplayStatus.STALE, ReplayCause.OLDEST_LAYOUT
    for prefix, verdict in REAL_NOT_OK.items():
        if name.startswith(prefix):
            return verdict
    return ReplayStatus.OK, None


def _recording(path: Path) -> Recording:
    return Recording(str(path), load_recording(path).data)


def test_every_real_file_at_its_upstream_path(
    upstream_tree: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[tuple[ReplayStatus, ReplayCause | None], int] = {}
    for name, path in sorted(upstream_tree.items()):
        verdict = check(path, _recording(path))
        got = (verdict.status, verdict.cause)
        assert got == _expected(name), f"{name}: {verdict}"
        seen[got] = seen.get(got, 0) + 1
        if verdict.status is ReplayStatus.OK:
            assert verdict.expected_name == path.name
            assert verdict.reason is None
        elif verdict.status is ReplayStatus.STALE:
            assert verdict.expected_name and verdict.expected_name != path.name
            assert verdict.reason and verdict.expected_name in verdict.reason
    oldest = sum(name.startswith("old-recordings-") for name in upstream_tree)
    assert oldest == 32
    assert seen[(ReplayStatus.STALE, ReplayCause.OLDEST_LAYOUT)] == oldest
    assert seen[(ReplayStatus.OK, None)] == len(upstream_tree) - oldest - len(REAL_NOT_OK)
    assert capsys.readouterr() == ("", "")


def test_real_files_without_test_id_are_judged_by_name_only(upstream_tree: dict[str, Path]) -> None:
    name = next(n for n in upstream_tree if n.startswith("common-bfc8818f"))
    path = upstream_tree[name]
    rec = _recording(path)
    assert rec.data["test_id"] is None
    elsewhere = path.parents[3] / "tests/integration/agents/recordings" / path.name
    verdict = check(elsewhere, rec)
    assert verdict.status is ReplayStatus.OK
    assert verdict.expected_dirs == (FALLBACK,)


def test_real_directory_rule(upstream_tree: dict[str, Path]) -> None:
    name = next(n for n in upstream_tree if n.startswith("inference-37e10e6a"))
    path = upstream_tree[name]
    rec = _recording(path)
    root = path.parents[3]  # tests/integration/inference/recordings/<file>
    assert check(path, rec).expected_dirs == (OWN_DIR, FALLBACK)
    in_fallback = check(root / FALLBACK / path.name, rec)
    assert in_fallback.status is ReplayStatus.OK
    elsewhere = check(root / "tests/integration/agents/recordings" / path.name, rec)
    assert (elsewhere.status, elsewhere.cause) == (ReplayStatus.STALE, ReplayCause.WRONG_DIRECTORY)
    old_place = check(root / "tests/integration/recordings/responses" / path.name, rec)
    assert old_place.cause is ReplayCause.WRONG_DIRECTORY


def test_real_tool_and_passthrough_kinds(upstream_tree: dict[str, Path]) -> None:
    kinds = {
        "responses-0f1241e9": KeyKind.TOOL,
        "messages-4ea18b99": KeyKind.PASSTHROUGH,
        "interactions-36a00e74": KeyKind.PASSTHROUGH,
        "common-models-3a641f25": KeyKind.MODELS,
        "responses-models-64a2277c": KeyKind.MODELS,
        "inference-37e10e6a": KeyKind.INFERENCE,
    }
    for prefix, kind in kinds.items():
        path = next(p for n, p in upstream_tree.items() if n.startswith(prefix))
        assert check(path, _recording(path)).kind is kind


def test_real_files_under_their_shared_names_are_not_hash_names(real_dir: Path) -> None:
    path = (
        real_dir / "inference-37e10e6ac4dccb3a91333fcfe9a17806950b21da9470c98960495f3b9fe94ecd.json"
    )
    verdict = check(path, _recording(path))
    assert verdict.cause is ReplayCause.NOT_A_HASH_NAME
    assert verdict.expected_name == path.name.removeprefix("inference-")


@pytest.mark.parametrize(
    ("pair", "upstream", "before", "after"),
    [
        (
            "03",
            "tests/integration/responses/recordings/"
            "a08f4bc567ec162baa640828c55c4e915172b6e8f4a9aba3a1cf5a67cb0a0ff9.json",
            ReplayCause.BEFORE_FILE_SEARCH,
            ReplayCause.BEFORE_FILE_SEARCH,
        ),
        (
            "05",
            "tests/integration/agents/recordings/"
            "df1ff58ea16f0cfb14c80acfee395b186a1feed8262ef40538f0a215954e4398.json",
            ReplayCause.MISSING_TEST_ID,
            None,
        ),
    ],
)
def test_real_pairs(
    pairs_dir: Path, pair: str, upstream: str, before: ReplayCause, after: ReplayCause | None
) -> None:
    for side, cause in (("before", before), ("after", after)):
        verdict = check(upstream, _recording(pairs_dir / pair / f"{side}.json"))
        assert verdict.cause is cause, f"{pair}/{side}: {verdict}"


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON value made of what json and orjson write differently, if anything."""
    floats = [0.0, -0.0, 1e-05, -3.5e-07, 0.0001, 0.123456789, 1e16, 1.5e300, 2.5, 1e-300]
    texts = [
        "",
        "plain",
        "a\x7fb",
        "caf\u00e9",
        "\U0001f600",
        "tab\tnew\nline",
        '"q\\',
        "\x00\x1f",
        "score: 0.5",
        "pi 3.14159265",
        "a, b: c",
        "x,\n",
    ]
    ints = [0, -1, 2**63 - 1, -(2**63), 2**64 - 1, 2**64, -(2**63) - 1, 10**30]
    pick = rng.randrange(8 if depth < 4 else 5)
    if pick == 0:
        return rng.choice(floats)
    if pick == 1:
        return rng.choice(texts)
    if pick == 2:
        return rng.choice(ints)
    if pick == 3:
        return rng.choice([True, False, None])
    if pick == 4:
        return rng.choice([{}, []])
    if pick == 5:
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = [
        "a",
        "B",
        "b",
        "extra_body",
        "project_id",
        "Z",
        " ",
        ",",
        "\x7f",
        "\u00e9",
        "stream_options",
    ]
    return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randrange(5))}


def test_keys_of_random_bodies_hash_their_json_dumps_text() -> None:
    rng = random.Random(10)
    for _ in range(300):
        body = {"model": "m", "x": _random_json(rng)}
        recording = inference(body, url=rng.choice([URL, BEDROCK]))
        stored = stored_request(recording.data)
        for rules in Rules:
            key = build_key(stored, rules=rules)
            assert key.hash == sha(key.key), body


@pytest.mark.parametrize(
    "value",
    [Decimal("1e400"), datetime.date(2025, 1, 1)],
    ids=["decimal", "date"],  # a number beyond a float (as loaded), a caller's object
)
def test_a_value_json_cannot_write_has_no_key(value: Any) -> None:
    verdict = check(f"{OWN_DIR}/{'0' * 64}.json", inference({"model": "m", "x": [value]}))
    assert (verdict.status, verdict.cause) == (ReplayStatus.UNKNOWN, ReplayCause.BAD_VALUE)
