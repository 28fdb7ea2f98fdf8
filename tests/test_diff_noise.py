"""Noise seen on real re-recordings: `equivalent` by default, still shown with --strict."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from diff_fixtures import completion, model_list, ollama_ps, stream_recording, write
from recstack.normalization import normalize

from cli_helpers import run

TEXT = "Paris is the capital of France. It sits on the Seine."


def _diff(tmp_path: Path, before: Any, after: Any, *args: str) -> dict[str, Any]:
    """``recstack diff`` of two recordings as JSON: the file's entry plus the exit code."""
    old = write(tmp_path / "old" / "rec.json", before)
    new = write(tmp_path / "new" / "rec.json", after)
    result = run("diff", old, new, "--format", "json", *args)
    item = json.loads(result.stdout)["files"][0]
    item["exit"] = result.exit_code
    return item


def _paths(item: dict[str, Any]) -> list[tuple[str, str]]:
    return [(change["path"], change["kind"]) for change in item["changes"]]


def _noise_is_equivalent_unless_strict(
    tmp_path: Path, before: Any, after: Any
) -> list[tuple[str, str]]:
    """Assert the pair is equivalent with no change by default; return its --strict changes."""
    loose = _diff(tmp_path, before, after)
    assert (loose["status"], loose["exit"], loose["changes"]) == ("equivalent", 0, [])
    strict = _diff(tmp_path, before, after, "--strict")
    assert (strict["status"], strict["exit"]) == ("changed", 1)
    return _paths(strict)


# -- model lists: sets keyed by id ---------------------------------------------------------


def test_reordered_model_list_is_equivalent(tmp_path: Path) -> None:
    before = model_list(["gpt-4o", "gpt-4", "o3-mini"])
    after = model_list(["o3-mini", "gpt-4o", "gpt-4"], created=1770865370)
    strict = _noise_is_equivalent_unless_strict(tmp_path, before, after)
    assert ("response.body[0].__data__.id", "changed") in strict


def test_model_list_changes_are_listed_by_id(tmp_path: Path) -> None:
    before = model_list(["gpt-4o", "gpt-4", "o3-mini"])
    after = model_list(["o3-mini", "gpt-5", "gpt-4o"])
    after["response"]["body"][0]["__data__"]["owned_by"] = "openai"
    item = _diff(tmp_path, before, after)
    assert (item["status"], item["exit"]) == ("changed", 1)
    assert _paths(item) == [
        ("answer.models['gpt-4']", "removed"),
        ("answer.models['gpt-5']", "added"),
        ("answer.models['o3-mini'].owned_by", "changed"),
    ]
    removed = item["changes"][0]["before"]
    assert removed["id"] == "gpt-4" and removed["owned_by"] == "vllm"
    text = run("diff", tmp_path / "old", tmp_path / "new", "--format", "text").stdout
    assert "answer.models['gpt-5']  (added)" in text


def test_model_list_from_nothing_lists_every_model(tmp_path: Path) -> None:
    item = _diff(tmp_path, model_list([]), model_list(["b", "a"]))
    assert _paths(item) == [("answer.models['a']", "added"), ("answer.models['b']", "added")]


def test_ollama_ps_expires_at_and_order_are_noise(tmp_path: Path) -> None:
    before = ollama_ps([("llama3.2:3b", "2025-10-08T16:14:05.4-07:00"), ("all-minilm", "x")])
    after = ollama_ps([("all-minilm", "y"), ("llama3.2:3b", "2026-01-02T10:00:00.1-08:00")])
    strict = _noise_is_equivalent_unless_strict(tmp_path, before, after)
    assert ("response.body.__data__.models[0].expires_at", "changed") in strict
    gone = ollama_ps([("all-minilm", "z")])
    item = _diff(tmp_path, before, gone)
    assert _paths(item) == [("answer.models['llama3.2:3b']", "removed")]


# -- obfuscation at any depth ----------------------------------------------------------------


def _obfuscated(seed: int) -> dict[str, Any]:
    rec = stream_recording(TEXT, parts=4, seed=seed)
    for n, item in enumerate(rec["response"]["body"]):
        item["__data__"]["obfuscation"] = f"top{seed}-{n}"
        item["__data__"]["choices"][0]["obfuscation"] = f"pad{seed}-{n}"
    return rec


def test_obfuscation_inside_choices_is_noise(tmp_path: Path) -> None:
    before, after = _obfuscated(1), _obfuscated(1)
    for n, item in enumerate(after["response"]["body"]):
        item["__data__"]["choices"][0]["obfuscation"] = f"other-{n}"
    strict = _noise_is_equivalent_unless_strict(tmp_path, before, after)
    assert strict == [
        (f"response.body[{n}].__data__.choices[0].obfuscation", "changed") for n in range(5)
    ]


def test_default_profile_rewrites_obfuscation_inside_choices_too() -> None:
    data = _obfuscated(3)
    path = "chat-0123456789abcdef.json"
    result = normalize(data, path, "default")
    chunks = [item["__data__"] for item in result.data["response"]["body"]]
    assert {c["obfuscation"] for c in chunks} == {""}
    assert {c["choices"][0]["obfuscation"] for c in chunks} == {""}
    [change] = [c for c in result.changes if c.rule == "obfuscation"]
    assert (change.field, change.chunks, change.distinct_old) == ("obfuscation", 10, 10)
    upstream = normalize(data, path, "llama-stack")
    assert "obfuscation" not in {c.rule for c in upstream.changes}
    kept = [item["__data__"] for item in upstream.data["response"]["body"]]
    assert [c["choices"][0]["obfuscation"] for c in kept] == [f"pad3-{n}" for n in range(5)]


# -- tool call ids in the request -------------------------------------------------------------


def _with_tool_turn(call_id: str, *, anthropic: bool = False) -> dict[str, Any]:
    rec = stream_recording(TEXT)
    messages = rec["request"]["body"]["messages"]
    if anthropic:
        messages += [
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Let me look."},
                    {"type": "tool_use", "id": call_id, "name": "weather", "input": {}},
                ],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": call_id, "content": "sun"}],
            },
        ]
    else:
        call = {"id": call_id, "type": "function", "function": {"name": "w", "arguments": "{}"}}
        messages += [
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call_id, "content": "sunny"},
        ]
    return rec


@pytest.mark.parametrize(
    ("anthropic", "expected"),
    [
        (
            False,
            [
                ("request.body.messages[2].tool_calls[0].id", "changed"),
                ("request.body.messages[3].tool_call_id", "changed"),
            ],
        ),
        (
            True,
            [
                ("request.body.messages[2].content[1].id", "changed"),
                ("request.body.messages[3].content[0].tool_use_id", "changed"),
            ],
        ),
    ],
)
def test_tool_call_ids_in_the_request_are_noise(
    tmp_path: Path, anthropic: bool, expected: list[tuple[str, str]]
) -> None:
    before = _with_tool_turn("call_c9erx268", anthropic=anthropic)
    after = _with_tool_turn("call_qzymxmvz", anthropic=anthropic)
    assert _noise_is_equivalent_unless_strict(tmp_path, before, after) == expected
    # Any other change in those messages still shows.
    after["request"]["body"]["messages"][3]["content"] = "rainy"
    assert _diff(tmp_path, before, after)["status"] == "changed"


def test_normalize_never_touches_tool_ids_in_the_request() -> None:
    for anthropic in (False, True):
        data = _with_tool_turn("call_c9erx268", anthropic=anthropic)
        data["request"]["body"]["messages"][2]["obfuscation"] = "pad"
        result = normalize(data, "chat-0123456789abcdef.json", "default")
        assert result.changed  # the response's ids and timestamps
        assert result.data["request"] is data["request"]


# -- Azure's empty content_filter_results -------------------------------------------------


def test_empty_content_filter_results_is_absent(tmp_path: Path) -> None:
    before = completion("Hello!")
    after = completion("Hello!", content_filter_results={})
    strict = _noise_is_equivalent_unless_strict(tmp_path, before, after)
    assert strict == [("response.body.__data__.choices[0].content_filter_results", "added")]
    # Only the empty object means nothing: a result that says something is a change.
    said = completion("Hello!", content_filter_results={"hate": {"filtered": True}})
    assert _diff(tmp_path, before, said)["status"] == "changed"


# -- test_id only ---------------------------------------------------------------------------


def test_a_new_test_id_alone_is_shown_but_equivalent(tmp_path: Path) -> None:
    before = stream_recording(TEXT)
    after = stream_recording(TEXT, parts=3, seed=4)
    after["test_id"] = "tests/test_y.py::test_chat[renamed]"
    item = _diff(tmp_path, before, after)
    assert (item["status"], item["exit"]) == ("equivalent", 0)
    assert item["changes"][0] == {
        "where": "meta",
        "path": "test_id",
        "kind": "test-id",
        "before": "tests/test_x.py::test_chat",
        "after": "tests/test_y.py::test_chat[renamed]",
    }
    old, new = tmp_path / "old" / "rec.json", tmp_path / "new" / "rec.json"
    text = run("diff", old, new, "--format", "text")  # shown without -v: a renamed test
    assert text.exit_code == 0
    assert text.stdout.splitlines()[0] == (
        f"equivalent {new}  (test_id tests/test_[-x.py::test_chat-]"
        "{+y.py::test_chat[renamed]+}; re-chunked: 6 -> 4 chunks)"
    )
    strict = _diff(tmp_path, before, after, "--strict")
    assert (strict["status"], strict["exit"]) == ("changed", 1)


def test_a_test_id_repeated_in_the_request_moves_with_it(tmp_path: Path) -> None:
    def passthrough(test_id: str) -> dict[str, Any]:
        req = {"test_id": test_id, "url": "http://h/v1/rerank", "method": "POST", "payload": {}}
        body = {"results": [{"index": 0, "relevance_score": 0.9}]}
        response = {"status": 200, "body": body, "is_streaming": False}
        return {"test_id": test_id, "request": req, "response": response}

    item = _diff(tmp_path, passthrough("t.py::test_a"), passthrough("t.py::test_b"))
    assert (item["status"], _paths(item)) == ("equivalent", [("test_id", "test-id")])
    out_of_step = passthrough("t.py::test_b")
    out_of_step["request"]["test_id"] = "t.py::test_c"
    item = _diff(tmp_path, passthrough("t.py::test_a"), out_of_step)
    assert item["status"] == "changed"
    assert _paths(item) == [("test_id", "test-id"), ("request.test_id", "changed")]


def test_a_test_id_with_a_real_change_is_changed(tmp_path: Path) -> None:
    before = stream_recording(TEXT)
    after = stream_recording(TEXT.replace("Seine", "Loire"))
    after["test_id"] = "tests/test_y.py::test_chat"
    item = _diff(tmp_path, before, after)
    assert (item["status"], item["exit"]) == ("changed", 1)
    assert _paths(item)[0] == ("test_id", "test-id")


# -- order of the changes -------------------------------------------------------------------


def test_list_indexes_sort_as_numbers(tmp_path: Path) -> None:
    before = stream_recording(TEXT)
    messages = before["request"]["body"]["messages"]
    messages += [{"role": "user", "content": f"turn {n}"} for n in range(2, 12)]
    after = copy.deepcopy(before)
    for n in (2, 10, 9):
        after["request"]["body"]["messages"][n]["content"] = f"turn {n}, again"
    item = _diff(tmp_path, before, after)
    assert [path for path, _ in _paths(item)] == [
        "request.body.messages[2].content",
        "request.body.messages[9].content",
        "request.body.messages[10].content",
    ]
