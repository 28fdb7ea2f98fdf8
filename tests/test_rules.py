"""Consistency rules: each fires on the inconsistency it names, and never on real recordings."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from recstack import rules
from recstack.recording import Recording

from cli_helpers import run
from conftest import example_files, needs_shared, pair_dirs, real_files
from conftest import upstream_bytes as canonical_bytes

CHUNK = "openai.types.chat.chat_completion_chunk.ChatCompletionChunk"


def _typed(type_name: str, **data: Any) -> dict[str, Any]:
    return {"__type__": type_name, "__data__": data}


def _chunk(text: str | None) -> dict[str, Any]:
    return _typed(CHUNK, choices=[{"index": 0, "delta": {"content": text}}])


BASE: dict[str, Any] = {
    "test_id": "tests/test_x.py::test_stream",
    "request": {
        "method": "POST",
        "url": "http://localhost:8000/v1/chat/completions",
        "headers": {},
        "body": {"stream": True},
        "endpoint": "/v1/chat/completions",
        "model": "m",
    },
    "response": {"body": [_chunk("Hel"), _chunk("lo")], "is_streaming": True},
}


def _findings(mutate: Callable[[dict[str, Any]], None]) -> list[tuple[str, str]]:
    data = copy.deepcopy(BASE)
    mutate(data)
    return [(f.rule, f.pointer) for f in rules.check(Recording("x.json", data))]


def _response(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["response"].update(values)


EXCEPTION = {"category": "provider_sdk", "type": "BadRequestError", "message": "400"}

FIRES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "streaming-needs-list": (_response(body=_typed("a.ChatCompletion")), "/response/body"),
    "stream-needs-flag": (_response(is_streaming=False), "/response/is_streaming"),
    "exception-needs-data": (
        _response(body=None, is_streaming=False, is_exception=True),
        "/response/is_exception",
    ),
    "exception-needs-flag": (
        _response(body=None, is_streaming=False, exception_message="boom"),
        "/response/exception_message",
    ),
    "exception-body-null": (
        _response(
            body=_typed("a.ChatCompletion"),
            is_streaming=False,
            is_exception=True,
            exception_data=EXCEPTION,
        ),
        "/response/body",
    ),
    "list-one-kind": (lambda d: d["response"]["body"].append("data: {}"), "/response/body/2"),
    "chunk-family": (
        lambda d: d["response"]["body"].append(_typed("openai.types.completion.Completion")),
        "/response/body/2/__type__",
    ),
    "test-id-match": (
        lambda d: d["request"].update(test_id="tests/test_y.py::test_other"),
        "/request/test_id",
    ),
}


def test_every_rule_has_a_case_and_a_description() -> None:
    # The rules about the file (its name, its place) are tested in tests/test_replay_stale.py.
    assert set(FIRES) == {rule_id for rule_id, item in rules.RULES.items() if not item.of_file}
    for rule_id, item in rules.RULES.items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)+", rule_id)
        assert item.description.endswith(".")
    assert set(rules.descriptions()) == set(rules.BUILTIN) | set(rules.RULES)


def test_the_base_recording_is_consistent() -> None:
    assert _findings(lambda data: None) == []


@pytest.mark.parametrize("rule_id", list(FIRES))
def test_rule_fires_at_the_offending_value(rule_id: str) -> None:
    mutate, pointer = FIRES[rule_id]
    assert _findings(mutate) == [(rule_id, pointer)]


@pytest.mark.parametrize(
    "mutate",
    [
        # A stream that failed part-way: the chunks received so far, or nothing.
        _response(is_exception=True, exception_data=EXCEPTION),
        _response(body=None, is_exception=True, exception_message="boom"),
        # A model list is a typed list that was not streamed.
        _response(body=[_typed("openai.types.model.Model", id="m")], is_streaming=False),
        # Responses API streams mix event classes by design.
        _response(
            body=[
                _typed("openai.types.responses.response_created_event.ResponseCreatedEvent"),
                _typed("openai.types.responses.response_completed_event.ResponseCompletedEvent"),
            ]
        ),
        # Module paths move between versions: the class name is the family.
        lambda d: d["response"]["body"].append(
            _typed("llama_stack.apis.inference.ChatCompletionChunk", choices=[])
        ),
        # SSE lines and GenAI plain chunks.
        _response(body=["event: message_start", "data: {}", ""]),
        _response(body=[{"candidates": []}, {"candidates": []}]),
        # null means absent.
        lambda d: d["request"].update(test_id=None),
        lambda d: d.update(test_id=None),
        _response(is_exception=None, exception_data=None, exception_message=None),
    ],
)
def test_legitimate_variants_are_not_findings(mutate: Callable[[dict[str, Any]], None]) -> None:
    assert _findings(mutate) == []


@pytest.mark.parametrize(
    "response",
    [
        {"body": "text", "is_streaming": "yes"},
        {"body": [1, None, "x"], "is_streaming": True, "is_exception": "true"},
        {"body": [{"__type__": 3, "__data__": None}, {"__data__": {}}], "is_streaming": True},
    ],
)
def test_rules_tolerate_values_of_the_wrong_type(response: dict[str, Any]) -> None:
    # Wrong types are the schema's business: the rules must not crash on them.
    rules.check(Recording("x.json", {"request": "nope", "response": response, "test_id": 5}))


@needs_shared
def test_no_rule_fires_on_real_recordings() -> None:
    pairs = [p / side for p in pair_dirs() for side in ("before.json", "after.json")]
    for path in [*real_files(), *pairs, *example_files()]:
        data = json.loads(path.read_text())
        assert rules.check(Recording(str(path), data)) == [], path


def test_rule_findings_in_the_cli_with_line_and_rule(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    data["response"]["body"].append(_typed("openai.types.completion.Completion", choices=[]))
    path = tmp_path / "mixed-stream.json"
    path.write_bytes(canonical_bytes(data))
    text = path.read_text()
    offset = text.index('"openai.types.completion.Completion"')
    line = text.count("\n", 0, offset) + 1
    column = offset - text.rfind("\n", 0, offset)
    result = run("validate", path)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        f"{path}:{line}:{column}: /response/body/2/__type__: Completion in a list of "
        f"ChatCompletionChunk (item 0 is {CHUNK}) [chunk-family]"
    )
