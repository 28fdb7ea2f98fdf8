"""recstack explain: each replay miss of a test log, explained by the recordings.

The logs are written in pytest's own output format (tests/pytest_logs.py); the suites
are laid out like upstream's from the examples (tests/replay_trees.py), and from the
real upstream recordings at their upstream paths.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_logs import Failure, miss_lines, pytest_log, sep
from recstack.explaining import Verdict, explain_misses, name_hashes
from recstack.parallel import MIN_PARALLEL
from recstack.selection import select
from recstack.suite import scan
from recstack.testlog import Miss
from replay_trees import FALLBACK, example, place, replay_name, request_hash, upstream_trees

from cli_helpers import run, run_process

INFERENCE = "tests/integration/inference/recordings"
VISION = (
    "tests/integration/inference/test_vision.py::test_image_description[txt=openai/gpt-4o-mini]"
)
OTHER = "9" * 64  # a request hash no recording has
CHAT_TEST = (
    "tests/integration/inference/test_chat.py::test_chat_non_streaming[txt=openai/gpt-4o-mini]"
)


def _suite(root: Path) -> dict[str, Any]:
    """A suite with one recording for each verdict; returns the recordings by role."""
    chat = example("chat")
    stream = example("chat-stream")
    embeddings = example("embeddings")
    completion = example("completion-stream")
    tools = example("chat-tool-calls-stream")
    models = example("models")
    place(root, chat, name="chat.json")  # misnamed: a name made by hand
    place(root, stream)  # not-seen: the right name in the right folder
    place(root, embeddings, folder="tests/integration/agents/recordings")  # misplaced
    place(root, completion)  # request-changed: the test's other recording
    place(root, tools)  # test-renamed: the test moved to another file
    place(root, models)  # a model list outside any test
    return {
        "chat": chat,
        "stream": stream,
        "embeddings": embeddings,
        "completion": completion,
        "tools": tools,
        "models": models,
    }


def _moved(test_id: str) -> str:
    return test_id.replace("inference/test_tools.py", "tools/test_parallel.py")


def _log(recordings: dict[str, Any]) -> str:
    chat, stream, embeddings = recordings["chat"], recordings["stream"], recordings["embeddings"]
    completion, tools = recordings["completion"], recordings["tools"]
    session_misses = [
        *miss_lines(OTHER, "unknown", "GET", "http://0.0.0.0:8321/v1/models", prefix=""),
        *miss_lines("8" * 64, "nomic", "POST", "http://0.0.0.0:11434/v1/embeddings", prefix=""),
    ]
    return pytest_log(
        Failure(chat["test_id"], request_hash(chat)),
        Failure(stream["test_id"], request_hash(stream)),
        Failure(embeddings["test_id"], request_hash(embeddings), "nomic-embed-text:latest"),
        Failure(completion["test_id"], "7" * 64, "llama3.2:3b-instruct-fp16"),
        Failure(_moved(tools["test_id"]), "6" * 64),
        Failure(VISION, "5" * 64),
        before=session_misses,
    )


@pytest.fixture
def suite(tmp_path: Path) -> tuple[Path, Path, dict[str, Any]]:
    root = tmp_path / "repo"
    recordings = _suite(root)
    log = tmp_path / "run.log"
    log.write_text(_log(recordings))
    return root, log, recordings


def _json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    result = run("explain", *args, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def test_each_miss_gets_its_verdict_and_fix(suite: tuple[Path, Path, dict[str, Any]]) -> None:
    root, log, recordings = suite
    code, document = _json(log, root)
    assert code == 1
    by_test = {miss["test_id"]: miss for miss in document["misses"]}
    found = {m["verdict"]: m for m in document["misses"]}
    assert [m["verdict"] for m in document["misses"]] == [
        "request-changed",  # the model list outside any test: another model list exists
        "not-recorded",  # embeddings outside any test: nothing like it
        "misnamed",
        "not-seen",
        "misplaced",
        "request-changed",
        "test-renamed",
        "new-test",
    ]
    chat = recordings["chat"]
    misnamed = by_test[chat["test_id"]]
    assert misnamed["found"] == str(root / INFERENCE / "chat.json")
    assert (
        misnamed["fix"]
        == f"mv {root / INFERENCE / 'chat.json'} {root / INFERENCE / replay_name(chat)}"
    )
    assert "not-a-hash-name" in misnamed["reason"]
    seen = found["not-seen"]
    assert seen["found"] == str(root / INFERENCE / replay_name(recordings["stream"]))
    assert seen["fix"] is None and "replay should have found it" in seen["reason"]
    misplaced = found["misplaced"]
    moved_from = (
        root / "tests/integration/agents/recordings" / replay_name(recordings["embeddings"])
    )
    assert misplaced["found"] == str(moved_from)
    assert misplaced["fix"] == f"recstack rekey {moved_from}"
    changed = by_test[recordings["completion"]["test_id"]]
    assert changed["verdict"] == "request-changed" and changed["found"] is None
    assert changed["candidates"] == [str(root / INFERENCE / replay_name(recordings["completion"]))]
    renamed = found["test-renamed"]
    tools = recordings["tools"]["test_id"]
    assert renamed["renamed_from"] == [tools]
    assert (
        renamed["fix"] == f"recstack rekey --test-id '{tools}={_moved(tools)}' {root / INFERENCE}"
    )
    new = by_test[VISION]
    assert new["verdict"] == "new-test" and new["candidates"] == [] and new["found"] is None
    assert new["looked_in"] == [INFERENCE, FALLBACK]
    assert new["looked_for"] == "5" * 64 + ".json"
    session = document["misses"][0]
    assert session["test_id"] is None and session["looked_for"] == f"models-{OTHER}-*.json"
    assert session["candidates"] == [str(root / FALLBACK / replay_name(recordings["models"]))]
    assert document["summary"]["misses"] == 8 and document["summary"]["recordings"] == 6


def test_the_text_names_the_test_the_verdict_and_the_fix(
    suite: tuple[Path, Path, dict[str, Any]],
) -> None:
    root, log, recordings = suite
    result = run("explain", log, root)
    assert result.exit_code == 1 and result.stderr == ""
    chat = recordings["chat"]
    block = result.stdout.split("\n\n")[2]
    assert block.splitlines() == [
        f"{log}:{_line_of(log, request_hash(chat))}: {chat['test_id']}",
        f"  miss: POST /v1/chat/completions (gpt-4o-mini), hash {request_hash(chat)[:12]}",
        f"  misnamed: {root / INFERENCE / 'chat.json'} holds this request under a name replay "
        f"never opens (not-a-hash-name); replay opens {replay_name(chat)} in {INFERENCE} and "
        f"{FALLBACK}",
        f"  fix: mv {root / INFERENCE / 'chat.json'} {root / INFERENCE / replay_name(chat)}",
    ]
    assert result.stdout.splitlines()[-1] == (
        "8 misses: 1 not-seen, 1 misplaced, 1 misnamed, 2 request-changed, 1 test-renamed, "
        "1 new-test, 1 not-recorded (6 recordings read)"
    )


def _line_of(log: Path, digest: str) -> int:
    lines = log.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if digest in line)


def test_the_fix_works(suite: tuple[Path, Path, dict[str, Any]]) -> None:
    """Run the misnamed miss's fix: explain then finds the recording where replay looks."""
    root, log, _ = suite
    _, document = _json(log, root)
    misnamed = next(m for m in document["misses"] if m["verdict"] == "misnamed")
    source, target = misnamed["fix"].split()[1:]
    os.rename(source, target)
    _, after = _json(log, root)
    again = next(m for m in after["misses"] if m["test_id"] == misnamed["test_id"])
    assert again["verdict"] == "not-seen" and again["found"] == target


def test_a_reparametrized_test_is_not_renamed_blindly(tmp_path: Path) -> None:
    """Same function, other parameters: maybe a new parametrization; the rekey is a
    suggestion, not the fix."""
    chat = example("chat")
    place(tmp_path, chat)
    other = chat["test_id"].replace("gpt-4o-mini]", "gpt-4o]")
    log = tmp_path / "run.log"
    log.write_text(pytest_log(Failure(other, OTHER, "gpt-4o")))
    code, document = _json(log, tmp_path)
    (miss,) = document["misses"]
    assert (code, miss["verdict"], miss["fix"]) == (1, "test-renamed", None)
    assert miss["renamed_from"] == [chat["test_id"]]
    assert miss["next_step"].startswith("a new parametrization? record it")
    assert f"--test-id '{chat['test_id']}={other}'" in miss["next_step"]


def test_a_hash_of_12_hex_from_the_oldest_runs(tmp_path: Path) -> None:
    chat = example("chat")
    place(tmp_path, chat, name="legacy.json")
    short = request_hash(chat)[:12]
    log = tmp_path / "run.log"
    log.write_text(pytest_log(Failure(chat["test_id"], short)))
    code, document = _json(log, tmp_path)
    (miss,) = document["misses"]
    assert (code, miss["hash"], miss["verdict"]) == (1, short, "misnamed")
    assert miss["found"] == str(tmp_path / INFERENCE / "legacy.json")


def test_a_12_hex_name_for_a_12_hex_miss_was_there_to_be_found(tmp_path: Path) -> None:
    """A run of the oldest layout looked in folders of its own: the name is what counts."""
    bare = {key: value for key, value in example("chat").items() if key != "test_id"}
    short = "cfeb09c5e7e3"  # the key without a test id, as the oldest runs hashed it
    path = place(
        tmp_path, bare, folder="tests/integration/recordings/responses", name=f"{short}.json"
    )
    log = tmp_path / "run.log"
    log.write_text(pytest_log(Failure(CHAT_TEST, short)))
    _, document = _json(log, tmp_path)
    (miss,) = document["misses"]
    assert (miss["verdict"], miss["found"]) == ("not-seen", str(path))
    # the oldest rules give its name: not an edit
    assert "edited" not in miss["reason"]
    assert "named by an earlier rule, oldest-layout" in miss["reason"]


def test_a_call_outside_any_test_was_looked_up_in_the_fallback_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request whose key holds a null test id (a session fixture's, reported at the
    setup of the first test) was looked up in the fallback folder alone: a file of that
    name in the test's own folder was never seen, and goes to the fallback."""
    shared = example("chat", test_id=None)
    digest = request_hash(shared)
    place(tmp_path, shared, folder=INFERENCE)  # the test's own folder, not the fallback
    (tmp_path / "run.log").write_text(pytest_log(Failure(CHAT_TEST, digest)))
    monkeypatch.chdir(tmp_path)
    _, document = _json("run.log")
    (miss,) = document["misses"]
    assert (miss["verdict"], miss["looked_in"]) == ("misplaced", [FALLBACK])
    assert "a call outside any test" in miss["reason"]
    assert miss["fix"] == f"mv {INFERENCE}/{digest}.json {FALLBACK}/"


def test_a_file_named_by_the_hash_is_found_even_if_edited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replay opens a file by its name alone: an edited request does not hide it. The
    folder to move it to is relative to the repository root (here: the current one)."""
    chat = example("chat")
    digest = request_hash(chat)
    edited = example("chat")
    edited["request"]["body"]["temperature"] = 0.5
    place(tmp_path, edited, name=f"{digest}.json", folder="elsewhere/recordings")
    (tmp_path / "run.log").write_text(pytest_log(Failure(chat["test_id"], digest)))
    monkeypatch.chdir(tmp_path)
    _, document = _json("run.log")
    (miss,) = document["misses"]
    assert miss["verdict"] == "misplaced"
    assert "edited after recording?" in miss["reason"]
    assert miss["fix"] == f"mv elsewhere/recordings/{digest}.json {INFERENCE}/"


def test_another_storage_dir_is_read_from_the_configuration(tmp_path: Path) -> None:
    """A model list outside any test is looked up in the fallback folder only: elsewhere
    it is misplaced, unless the configuration names that folder as the fallback."""
    models = example("models")
    place(tmp_path, models, folder="conformance/recordings")
    lines = miss_lines(
        request_hash(models), "unknown", "GET", "http://0.0.0.0:8321/v1/models", prefix=""
    )
    log = tmp_path / "run.log"
    log.write_text(pytest_log(passed=3, before=lines))
    _, document = _json(log, tmp_path, "--isolated")
    assert document["misses"][0]["verdict"] == "misplaced"
    moved = tmp_path / "conformance/recordings" / replay_name(models)
    assert document["misses"][0]["fix"] == f"mv {moved} {FALLBACK}/"
    config = tmp_path / "recstack.toml"
    config.write_text('[replay]\nfallback-dir = "conformance/recordings"\n')
    _, document = _json(log, tmp_path, "--config", config)
    assert document["misses"][0]["verdict"] == "not-seen"


def test_a_test_named_by_its_short_name_is_resolved(tmp_path: Path) -> None:
    """A log without the short summary names a test by pytest's short name only."""
    chat = example("chat")
    place(tmp_path, chat)
    text = pytest_log(Failure(chat["test_id"], OTHER)).split(sep("=", "short test summary info"))[0]
    log = tmp_path / "run.log"
    log.write_text(text)
    _, document = _json(log, tmp_path)
    (miss,) = document["misses"]
    assert miss["verdict"] == "request-changed"
    assert miss["looked_in"] == [INFERENCE, FALLBACK]


def test_no_misses_is_0(tmp_path: Path) -> None:
    place(tmp_path, example("chat"))
    log = tmp_path / "run.log"
    log.write_text(pytest_log(passed=4))
    result = run("explain", log, tmp_path)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == f"no replay misses in {log} (1 recording read)\n"


def test_the_log_from_stdin(suite: tuple[Path, Path, dict[str, Any]]) -> None:
    root, log, _ = suite
    result = run_process("explain", "-", root, "--format", "json", input=log.read_bytes())
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["log"] == "-" and len(document["misses"]) == 8
    text = run_process("explain", "-", root, input=log.read_bytes())
    assert text.stdout.startswith("<stdin>:")


def test_the_log_from_a_pipe(suite: tuple[Path, Path, dict[str, Any]]) -> None:
    """``recstack explain <(gh run view --log-failed)``: a log read from a pipe."""
    root, log, _ = suite
    command = f"{sys.executable} -m recstack explain <(cat {log}) {root} -f json"
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stderr) == (1, "")
    assert len(json.loads(done.stdout)["misses"]) == 8


def test_a_log_read_beside_the_recordings_gives_the_same_answers(
    suite: tuple[Path, Path, dict[str, Any]],
) -> None:
    """With enough recordings for several processes, the log is read in one of its own
    while the recordings are read: the answers are those of one process."""
    root, log, _ = suite
    for number in range(MIN_PARALLEL):  # recordings of other tests
        place(root, example("completion-stream", test_id=f"{CHAT_TEST}-{number}"))
    one = _json(log, root, "--jobs", "1")
    assert one[0] == 1 and len(one[1]["misses"]) == 8
    assert _json(log, root) == one


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nope.log"], "nope.log: cannot read the log: no such file or directory"),
        (["."], ".: is a directory"),
        (["-", "-"], "the log and the paths cannot both come from stdin (-)"),
    ],
)
def test_a_log_that_cannot_be_read_is_2(
    arguments: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    place(tmp_path, example("chat"))
    monkeypatch.chdir(tmp_path)
    result = run("explain", *arguments)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"recstack explain: {message}\n"


def test_a_broken_recording_is_1_and_one_line(tmp_path: Path) -> None:
    place(tmp_path, example("chat"))
    broken = tmp_path / INFERENCE / "broken.json"
    broken.write_text('{"request": {}, "response": {')
    log = tmp_path / "run.log"
    log.write_text(pytest_log(passed=2))
    result = run("explain", log, tmp_path)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and f"recstack explain: {broken}:" in result.stderr
    assert result.stdout.endswith("(1 recording read, 1 broken recording)\n")


def test_name_hashes() -> None:
    digest = "ab" * 32
    assert name_hashes(f"{digest}.json") == [digest]
    assert name_hashes(f"models-{digest}-4a65eed3.json") == [digest]
    assert name_hashes("old-recordings-04172112ffbb.json") == ["04172112ffbb"]
    assert name_hashes("chat.json") == []


# --- the real recordings, at their upstream paths -------------------------------------


def test_real_recordings_are_found_by_their_hash(real_dir: Path, tmp_path: Path) -> None:
    """A miss of each real recording's request: the stale ones (not found by replay under
    their upstream names) are named with their fix, the others were there to be found."""
    upstream_trees(real_dir, tmp_path)
    suite = scan(select([str(tmp_path)]))
    keyed = [entry for entry in suite.entries if entry.request_hash]
    misses = [
        Miss(e.request_hash or "", e.test_id, e.model, "POST", None, e.endpoint, n)
        for n, e in enumerate(keyed, 1)
    ]
    explained = explain_misses(misses, suite)
    verdicts = {}
    for entry, item in zip(keyed, explained, strict=True):
        assert item.found is not None, entry.path
        copies = {e.path for e in suite.entries if e.request_hash == entry.request_hash}
        assert {item.found.path, *(c.path for c in item.candidates)} == copies
        verdicts[item.found.path] = item
    stale = [e for e in keyed if e.stale]
    assert len(stale) == 37  # 32 of the oldest layout, 3 raw-body, 2 without their test id
    for entry in keyed:
        item = verdicts.get(entry.path)
        if item is None:  # a copy of a request another file holds under a better name
            assert not _alone(entry, keyed)
        elif not entry.stale:
            assert item.verdict in (Verdict.NOT_SEEN, Verdict.MISPLACED), entry.path
        else:
            assert item.verdict is Verdict.MISNAMED, entry.path
            assert entry.replay_cause is not None and entry.replay_cause.value in item.reason
            if entry.replay_cause.value == "raw-body":
                assert item.fix == f"recstack rekey {entry.path}"
            else:
                assert item.fix is not None and item.fix.startswith(f"mv {entry.path} ")
    assert sum(1 for e in stale if e.path in verdicts) == 35  # 2 old model lists: copies


def _alone(entry: Any, entries: list[Any]) -> bool:
    return sum(1 for e in entries if e.request_hash == entry.request_hash) == 1


def test_real_stale_recording_through_the_command(real_dir: Path, tmp_path: Path) -> None:
    """agents-ae230a60… is stale upstream (no test id, but its key needs one): a run
    missing its request is told where the request is."""
    placed = upstream_trees(real_dir, tmp_path / "up")
    path = placed["agents-ae230a6062d097d51a5a54cb41852f7f33f6b2c7a400039007c0822cac28d434.json"]
    data = json.loads(path.read_text())
    digest = request_hash(data)
    log = tmp_path / "run.log"
    log.write_text(
        pytest_log(
            passed=9, before=miss_lines(digest, "m", "POST", data["request"]["url"], prefix="")
        )
    )
    tree = tmp_path / "up" / "d1b663294"
    code, document = _json(log, tree)
    (miss,) = document["misses"]
    assert (code, miss["verdict"], miss["found"]) == (1, "misnamed", str(path))
    assert "missing-test-id" in miss["reason"]
    # a call outside any test: replay looks in the fallback folder only, which the tree has
    assert miss["fix"] == f"mv {path} {tree / FALLBACK / (digest + '.json')}"
