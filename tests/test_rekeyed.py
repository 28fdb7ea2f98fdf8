"""Pairing re-keyed recordings: each removed recording with the added one it became."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

import pytest

from recstack.diffing import rekeyed
from recstack.diffing.rekeyed import (
    MIN_SIMILARITY,
    MIN_SIMILARITY_SAME_TEST,
    REQUEST,
    SAME_REQUEST,
    TEST_ID,
    TEST_ID_AND_REQUEST,
    Pairing,
    pair_rekeyed,
)

Side = list[tuple[str, dict[str, Any]]]

T = "tests/integration/inference/test_chat.py::test_answer[txt=ollama/llama3.2:3b]"
U = "tests/integration/inference/test_chat.py::test_reply[txt=ollama/llama3.2:3b]"
SYS = {"role": "system", "content": "You are a helpful assistant."}
TOOLS = [
    {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}
    for name in ("get_weather", "get_time", "search")
]


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


def chat(
    messages: list[dict[str, Any]],
    test_id: str | None = T,
    *,
    model: str = "llama3.2:3b",
    endpoint: str = "/v1/chat/completions",
    host: str = "localhost:11434",
    **params: Any,
) -> dict[str, Any]:
    """A chat-completions recording (the response does not matter to pairing)."""
    return {
        "test_id": test_id,
        "request": {
            "method": "POST",
            "url": f"http://{host}/v1{endpoint}",
            "headers": {},
            "body": {"model": model, "messages": messages, **params},
            "endpoint": endpoint,
            "model": model,
        },
        "response": {"body": None, "is_streaming": False},
    }


def model_list(host: str, ids: list[str]) -> dict[str, Any]:
    models = [
        {"__type__": "openai.types.model.Model", "__data__": {"id": i, "object": "model"}}
        for i in ids
    ]
    return {
        "test_id": None,
        "request": {
            "method": "POST",
            "url": f"http://{host}/v1/models",
            "headers": {},
            "body": {},
            "endpoint": "/v1/models",
            "model": "",
        },
        "response": {"body": models, "is_streaming": False},
    }


def tool(kwargs: dict[str, Any], test_id: str = T, *, provider: str = "tavily") -> dict[str, Any]:
    return {
        "test_id": test_id,
        "request": {
            "test_id": test_id,
            "provider": provider,
            "tool_name": "web_search",
            "kwargs": kwargs,
        },
        "response": {"body": {"__type__": "x.ToolResult", "__data__": {}}, "is_streaming": False},
    }


def passthrough(payload: dict[str, Any], test_id: str = T) -> dict[str, Any]:
    return {
        "test_id": test_id,
        "request": {
            "test_id": test_id,
            "url": "http://localhost:11434/v1/chat/completions",
            "method": "POST",
            "payload": payload,
        },
        "response": {"body": {}, "is_streaming": False, "status": 200},
    }


def one(removed: dict[str, Any], added: dict[str, Any]) -> Pairing:
    return pair_rekeyed([("old.json", removed)], [("new.json", added)])


def partners(result: Pairing) -> dict[str, str]:
    return {pair.old_path: pair.new_path for pair in result.pairs}


# --- what pairs -------------------------------------------------------------------


def test_renamed_test_pairs_as_test_id() -> None:
    request = [SYS, user("What is the capital of France?")]
    result = one(chat(request, T, stream=True), chat(request, U, stream=True))
    (pair,) = result.pairs
    assert (pair.old_path, pair.new_path, pair.score) == ("old.json", "new.json", 1.0)
    assert pair.reason == TEST_ID and pair.changes == ("test_id",)
    assert result.removed == result.added == result.ambiguous == ()


def test_changed_message_pairs_as_request() -> None:
    old = chat([SYS, user("What is the capital of France?")], stream=True)
    new = chat([SYS, user("What is the capital of France? Answer in one word.")], stream=True)
    (pair,) = one(old, new).pairs
    assert pair.reason == REQUEST and pair.changes == ("messages[]",)
    assert 0 < pair.score < 1


def test_renamed_test_with_changed_parameter_pairs_as_both() -> None:
    old = chat([SYS, user("Hi")], T, stream=True, temperature=0)
    new = chat([SYS, user("Hi")], U, stream=True, temperature=0.7)
    (pair,) = one(old, new).pairs
    assert pair.reason == TEST_ID_AND_REQUEST
    assert pair.changes == ("temperature", "test_id")


def test_echoed_tool_call_ids_do_not_count() -> None:
    def turn(call_id: str, test_id: str) -> dict[str, Any]:
        call = {"id": call_id, "type": "function", "function": {"name": "f", "arguments": "{}"}}
        return chat(
            [
                user("Weather?"),
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": call_id, "content": "sunny"},
            ],
            test_id,
        )

    (pair,) = one(turn("call_abc", T), turn("call_xyz", U)).pairs
    assert (pair.score, pair.reason) == (1.0, TEST_ID)


def test_several_turns_of_one_test_each_find_their_own_partner() -> None:
    """A changed system prompt re-keys every turn; re-recording changed the answers too."""

    def turns(system: str, answers: list[str]) -> list[dict[str, Any]]:
        conversation = [{"role": "system", "content": system}, user("Plan a trip.")]
        out = []
        for n, answer in enumerate(answers):
            out.append(chat(list(conversation), T, stream=True, tools=TOOLS))
            conversation += [assistant(answer), user(f"And step {n + 2}?")]
        return out

    old = turns("Be brief.", ["Pack.", "Go to the station.", "Board.", "Arrive."])
    new = turns("Be brief and kind.", ["Pack, please.", "Walk to the station.", "Board.", "Rest."])
    removed = [(f"old/{n}.json", rec) for n, rec in enumerate(old)]
    added = [(f"new/{n}.json", rec) for n, rec in enumerate(new)]
    result = pair_rekeyed(list(reversed(removed)), random.Random(7).sample(added, 4))
    assert partners(result) == {f"old/{n}.json": f"new/{n}.json" for n in range(4)}
    assert {pair.reason for pair in result.pairs} == {REQUEST}


def test_several_recordings_of_one_test_pair_by_the_likeness_of_their_text() -> None:
    """One test asks three questions; a reworded prompt re-keys each (every message
    changed, so the requests' parts alone cannot tell): each pairs with its own."""
    asks = ["What is the capital of France?", "Tell me a joke about cats.", "Who wrote Hamlet?"]
    old = [chat([user(ask)], T, stream=True) for ask in asks]
    new = [chat([user(ask.rstrip("?.") + ", in one line.")], T, stream=True) for ask in asks]
    removed = [(f"old/{n}.json", rec) for n, rec in enumerate(old)]
    added = [(f"new/{n}.json", rec) for n, rec in enumerate(reversed(new))]
    result = pair_rekeyed(removed, added)
    assert partners(result) == {
        "old/0.json": "new/2.json",
        "old/1.json": "new/1.json",
        "old/2.json": "new/0.json",
    }
    assert {pair.reason for pair in result.pairs} == {REQUEST} and result.ambiguous == ()


def test_model_lists_pair_by_host_and_model_ids() -> None:
    """Model lists of two servers, both re-keyed because their model ids changed."""
    removed = [
        ("old/a.json", model_list("localhost:8000", ["Qwen/Qwen3-0.6B"])),
        ("old/b.json", model_list("localhost:11434", ["llama3.2:3b", "all-minilm"])),
    ]
    added = [
        ("new/a.json", model_list("localhost:8000", ["Qwen/Qwen3-0.6B", "Qwen/Qwen3-8B"])),
        ("new/b.json", model_list("0.0.0.0:11434", ["llama3.2:3b"])),
    ]
    result = pair_rekeyed(removed, added)
    assert partners(result) == {"old/a.json": "new/a.json", "old/b.json": "new/b.json"}
    assert {(pair.reason, pair.score) for pair in result.pairs} == {(SAME_REQUEST, 1.0)}


def test_tools_pair_within_tool_name_and_provider() -> None:
    result = one(tool({"query": "llama 4 experts"}), tool({"query": "llama 4 experts", "k": 3}))
    assert partners(result) == {"old.json": "new.json"}
    assert result.pairs[0].changes == ("k",)
    other_provider = one(tool({"query": "q"}), tool({"query": "q"}, provider="brave"))
    assert other_provider.pairs == () and other_provider.removed == ("old.json",)


def test_parametrized_copies_of_one_request_pair_by_test_id() -> None:
    """Two parametrizations send the same request; the renamed test keeps its parameters."""
    request = [user("What is 2 + 2?")]
    removed = [
        ("old/1.json", chat(request, "t.py::test_math[openai_client-txt=ollama]")),
        ("old/2.json", chat(request, "t.py::test_math[client_with_models-txt=ollama]")),
    ]
    added = [
        ("new/1.json", chat(request, "t.py::test_sum[openai_client-txt=ollama]")),
        ("new/2.json", chat(request, "t.py::test_sum[client_with_models-txt=ollama]")),
    ]
    result = pair_rekeyed(removed, list(reversed(added)))
    assert partners(result) == {"old/1.json": "new/1.json", "old/2.json": "new/2.json"}


# --- what stays unpaired ----------------------------------------------------------


def test_unrelated_recordings_of_one_endpoint_and_model_stay_unpaired() -> None:
    """Same system prompt, tools and parameters, another conversation and test: 0.5."""
    old = chat([SYS, user("What is 2 + 2?")], T, stream=True, tools=TOOLS, temperature=0)
    new = chat([SYS, user("Name a colour.")], U, stream=True, tools=TOOLS, temperature=0)
    result = one(old, new)
    assert result.pairs == ()
    assert (result.removed, result.added) == (("old.json",), ("new.json",))


def test_threshold_without_a_shared_test_id() -> None:
    """A renamed test whose re-recorded answer changed (0.7) pairs; 0.5 above did not."""
    assert 0.5 < MIN_SIMILARITY <= 0.7
    old = chat([SYS, user("Hi"), assistant("Hello!"), user("Bye")], T, stream=True)
    new = chat([SYS, user("Hi"), assistant("Hi there."), user("Bye")], U, stream=True)
    (pair,) = one(old, new).pairs
    assert pair.reason == TEST_ID_AND_REQUEST and pair.score == 0.7


def test_threshold_with_a_shared_test_id() -> None:
    """One test's only message changed (0.25) pairs; message and parameters changed stays."""
    assert 0.125 < MIN_SIMILARITY_SAME_TEST <= 0.25
    (pair,) = one(
        chat([user("Hi")], stream=True, temperature=0),
        chat([user("Hey")], stream=True, temperature=0),
    ).pairs
    assert (pair.reason, pair.score) == (REQUEST, 0.25)
    apart = one(
        chat([user("Hi")], stream=True, temperature=0),
        chat([user("Hey")], stream=True, temperature=0.5, max_tokens=50),
    )
    assert apart.pairs == ()


@pytest.mark.parametrize(
    "changed",
    [
        {"model": "llama3.2:1b"},
        {"endpoint": "/v1/completions"},
    ],
)
def test_other_endpoints_or_models_never_pair(changed: dict[str, Any]) -> None:
    request = [SYS, user("What is the capital of France?")]
    result = one(chat(request, T, stream=True), chat(request, U, stream=True, **changed))
    assert result.pairs == () and result.removed == ("old.json",) and result.added == ("new.json",)


def test_shapes_never_cross() -> None:
    payload = {"model": "llama3.2:3b", "messages": [user("Hi")]}
    as_inference = chat([user("Hi")], endpoint="/chat/completions")
    assert one(passthrough(payload), as_inference).pairs == ()
    assert one(as_inference, passthrough(payload)).pairs == ()
    assert one(passthrough(payload), passthrough(payload)).pairs[0].reason == SAME_REQUEST
    assert one({"request": {"what": 1}}, {"request": {"what": 1}}).pairs == ()  # unknown shape


def test_indistinguishable_candidates_stay_unpaired() -> None:
    """Two identical removed recordings, one added: nobody can tell which one it became."""
    request = chat([user("Hi")], T, stream=True)
    result = pair_rekeyed([("a.json", request), ("b.json", request)], [("c.json", request)])
    assert result.pairs == ()
    assert result.ambiguous == ("a.json", "b.json", "c.json")
    assert result.removed == ("a.json", "b.json") and result.added == ("c.json",)


def test_a_path_listed_twice_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="removed side"):
        pair_rekeyed([("a.json", chat([])), ("a.json", chat([]))], [])


# --- determinism and scale --------------------------------------------------------


def _mixed() -> tuple[Side, Side]:
    removed = [
        ("r/renamed.json", chat([SYS, user("Capital of France?")], T, stream=True)),
        ("r/changed.json", chat([SYS, user("Tell a joke.")], U, stream=True)),
        ("r/twin1.json", chat([user("Twin")], T)),
        ("r/twin2.json", chat([user("Twin")], T)),
        ("r/gone.json", chat([user("Unrelated")], "x.py::test_gone")),
        ("r/models.json", model_list("localhost:11434", ["a"])),
    ]
    added = [
        ("a/renamed.json", chat([SYS, user("Capital of France?")], U, stream=True)),
        ("a/changed.json", chat([SYS, user("Tell a short joke.")], U, stream=True)),
        ("a/twin.json", chat([user("Twin")], U)),
        ("a/new.json", chat([user("Brand new")], "x.py::test_new")),
        ("a/models.json", model_list("localhost:11434", ["a", "b"])),
    ]
    return removed, added


def test_same_result_whatever_the_input_order() -> None:
    removed, added = _mixed()
    expected = pair_rekeyed(removed, added)
    assert partners(expected) == {
        "r/renamed.json": "a/renamed.json",
        "r/changed.json": "a/changed.json",
        "r/models.json": "a/models.json",
    }
    assert expected.ambiguous == ("a/twin.json", "r/twin1.json", "r/twin2.json")
    assert expected.removed == ("r/gone.json", "r/twin1.json", "r/twin2.json")
    orders = itertools.islice(itertools.permutations(range(len(removed))), 0, None, 97)
    for n, order in enumerate(orders):
        shuffled = [removed[i] for i in order]
        random.Random(n).shuffle(added_copy := list(added))
        assert pair_rekeyed(shuffled, added_copy) == expected


def _big_bucket(n: int) -> tuple[Side, Side]:
    """``n`` removed x ``n`` added chat recordings of one model: renamed tests, changed
    requests of the same test, and renamed tests with a changed parameter."""
    removed: Side = []
    added: Side = []
    for i in range(n):
        question = [user(f"Question {i}: what is {i} squared?")]
        old_sys, new_sys = {"role": "system", "content": "Terse."}, SYS
        if i % 5 < 2:  # renamed test
            old = chat([old_sys, *question], f"t.py::test_old[{i}]", stream=True)
            new = chat([old_sys, *question], f"t.py::test_new[{i}]", stream=True)
        elif i % 5 < 4:  # the system prompt changed
            old = chat([old_sys, *question], f"t.py::test_old[{i}]", stream=True)
            new = chat([new_sys, *question], f"t.py::test_old[{i}]", stream=True)
        else:  # renamed, and a parameter changed
            old = chat([old_sys, *question], f"t.py::test_old[{i}]", stream=True, temperature=0)
            new = chat([old_sys, *question], f"t.py::test_new[{i}]", stream=True, temperature=1)
        removed.append((f"old/{i:04}.json", old))
        added.append((f"new/{i:04}.json", new))
    return removed, added


def test_big_bucket_pairs_everything_with_its_true_partner() -> None:
    removed, added = _big_bucket(1000)
    random.Random(1).shuffle(added)
    result = pair_rekeyed(removed, added)
    assert result.limited == 1  # compared through the candidates, not in full
    assert partners(result) == {f"old/{i:04}.json": f"new/{i:04}.json" for i in range(1000)}
    reasons = [pair.reason for pair in result.pairs]
    assert (reasons.count(TEST_ID), reasons.count(REQUEST)) == (400, 400)
    assert reasons.count(TEST_ID_AND_REQUEST) == 200


def test_capped_bucket_finds_the_same_pairs_as_a_full_comparison(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    removed, added = _big_bucket(20)
    full = pair_rekeyed(removed, added)
    assert full.limited == 0
    monkeypatch.setattr(rekeyed, "PAIR_LIMIT", 4)
    capped = pair_rekeyed(removed, added)
    assert capped.limited == 1
    assert capped.pairs == full.pairs


def test_too_many_identical_requests_stay_unpaired(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rekeyed, "PAIR_LIMIT", 4)
    same = chat([user("Ping")], None)
    removed = [(f"old/{i}.json", same) for i in range(3)]
    added = [(f"new/{i}.json", same) for i in range(3)]
    result = pair_rekeyed(removed, added)
    assert result.pairs == () and len(result.ambiguous) == 6


# --- the real re-recordings -------------------------------------------------------

# Pairs whose "before" request and test id are those of another pair's too, so that
# nothing in the request tells the partners apart: 02 and 06 (Ollama /api/ps, empty
# body, no test id), 07 and 11 (one tool-call request of one test; 07 had no test id).
INDISTINGUISHABLE = {"02", "06", "07", "11"}


def test_real_rerecordings_pair_with_their_true_partner(pairs_dir: Path) -> None:
    names = sorted(p.name for p in pairs_dir.iterdir() if p.is_dir())
    removed = [
        (f"old/{n}.json", json.loads((pairs_dir / n / "before.json").read_text())) for n in names
    ]
    added = [
        (f"new/x{n}.json", json.loads((pairs_dir / n / "after.json").read_text())) for n in names
    ]
    result = pair_rekeyed(removed, list(reversed(added)))
    found = partners(result)
    assert all(new == f"new/x{old[4:6]}.json" for old, new in found.items())  # no false pair
    assert len(found) == 12  # of 16
    assert {old[4:6] for old in result.removed} == INDISTINGUISHABLE
    assert next(p for p in result.pairs if p.old_path == "old/05.json").reason == TEST_ID
