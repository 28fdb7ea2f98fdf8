"""Re-keyed recordings in trees and git ranges: one ``moved`` entry, not removed + added.

Recordings here are named as replay names them (the hash of their request and test
id, in a ``recordings/`` folder), so that a renamed test or a changed request moves
them to a new file exactly as re-recording does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from diff_fixtures import model_list, stream_recording, write
from git_fixtures import git, needs_git
from recstack.recording import Recording
from recstack.replay import replay_key
from test_diff import PAIR_STATUS

from cli_helpers import run, run_process

T = "tests/integration/inference/test_chat.py::test_answer[txt=ollama/llama3.2:3b]"
TEXT = "Paris is the capital of France. It sits on the Seine."


def recording(
    text: str = TEXT, *, test_id: str = T, question: str = "What is the capital of France?"
) -> dict[str, Any]:
    rec = stream_recording(text, question=question)
    rec["test_id"] = test_id
    return rec


def name_of(rec: dict[str, Any]) -> str:
    key = replay_key(Recording("x.json", rec))
    assert key is not None
    return key.name


def put(root: Path, rec: dict[str, Any], folder: str = "tests/recordings") -> str:
    """Write ``rec`` under its replay name; its path relative to ``root``."""
    rel = f"{folder}/{name_of(rec)}"
    write(root / rel, rec)
    return rel


def diff_json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    result = run("diff", *args, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def entries(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["path"]: item for item in data["files"]}


# -- trees ----------------------------------------------------------------------------


def test_renamed_test_is_one_moved_equivalent_entry(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    renamed = T.replace("test_answer", "test_reply")
    before = put(old, recording())
    after = put(new, recording(test_id=renamed))
    assert before != after  # the test id is part of the name: the file moved
    code, data = diff_json(old, new)
    assert code == 0  # a new test id alone is no content change
    [item] = data["files"]
    assert (item["path"], item["old_path"], item["status"]) == (after, before, "equivalent")
    assert item["pairing"] == {"reason": "test-id", "similarity": 1.0}
    assert item["test_id"] == renamed
    assert [c["kind"] for c in item["changes"]] == ["test-id"]
    assert data["summary"]["moved"] == 1 and data["summary"]["added"] == 0
    text = run("diff", old, new, "--format", "text").stdout
    assert text.splitlines()[0] == (
        f"moved      {before} -> {after}  (equivalent; test_id "
        "…test_chat.py::test_[-answer-]{+reply+}[txt=ollama/llama3.2:3b])"
    )
    assert text.rstrip().endswith("1 recording: 1 equivalent; 1 moved")


def test_changed_request_is_moved_and_changed_request_first(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    asked = "What is the capital of France? Answer in one word."
    before = put(old, recording())
    after = put(new, recording("Paris.", question=asked))
    code, data = diff_json(old, new)
    assert code == 1
    [item] = data["files"]
    assert (item["old_path"], item["path"], item["status"]) == (before, after, "changed")
    assert item["pairing"]["reason"] == "request" and 0 < item["pairing"]["similarity"] < 1
    assert [(c["where"], c["path"]) for c in item["changes"]] == [
        ("request", "request.body.messages[1].content"),
        ("response", "answer.choices[0].content"),
    ]
    text = run("diff", old, new, "--format", "text").stdout.splitlines()
    assert text[0] == f"moved      {before} -> {after}  (changed)"
    assert text[1].strip() == (
        "test_chat.py::test_answer[txt=ollama/llama3.2:3b] · /v1/chat/completions · llama3.2:3b"
    )
    assert text[2].split() == ["request", "request.body.messages[1].content"]


def test_renamed_test_and_changed_answer(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    put(old, recording())
    put(new, recording(TEXT.replace("Seine", "Loire"), test_id=T.replace("chat", "chats")))
    code, data = diff_json(old, new)
    [item] = data["files"]
    assert (code, item["status"], item["pairing"]["reason"]) == (1, "changed", "test-id")
    assert [c["kind"] for c in item["changes"]][:2] == ["test-id", "text"]
    out = run("diff", old, new, "--format", "text").stdout
    assert "  meta     test_id …inference/test_[-chat-]{+chats+}.py::test_answer[txt=…\n" in out
    assert "[-Seine.-]{+Loire.+}" in out


def test_model_list_renamed_by_its_model_ids(tmp_path: Path) -> None:
    """A model list's name holds a digest of its model ids: a new model moves it."""
    old, new = tmp_path / "old", tmp_path / "new"
    before = put(old, model_list(["gpt-4o", "gpt-4", "o3-mini"]))
    after = put(new, model_list(["o3-mini", "gpt-5", "gpt-4o", "gpt-4"], created=1770865370))
    assert before != after and after.startswith("tests/recordings/models-")
    code, data = diff_json(old, new)
    [item] = data["files"]
    assert (code, item["old_path"], item["pairing"]["reason"]) == (1, before, "same-request")
    assert [(c["path"], c["kind"]) for c in item["changes"]] == [
        ("answer.models['gpt-5']", "added")  # the new model only: order and times are noise
    ]


def test_a_move_with_nothing_but_noise_is_equivalent(tmp_path: Path) -> None:
    """Renamed test, re-chunked stream, new ids and times, new tool call ids echoed in
    the request: moved, equivalent, exit 0."""
    old, new = tmp_path / "old", tmp_path / "new"

    def turn(call_id: str, test_id: str, parts: int, seed: int) -> dict[str, Any]:
        rec = stream_recording(TEXT, parts=parts, seed=seed)
        rec["test_id"] = test_id
        call = {"id": call_id, "type": "function", "function": {"name": "w", "arguments": "{}"}}
        rec["request"]["body"]["messages"] += [
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call_id, "content": "sunny"},
        ]
        return rec

    before = put(old, turn("call_c9erx268", T, 8, 0))
    after = put(new, turn("call_qzymxmvz", T.replace("answer", "reply"), 5, 40))
    code, data = diff_json(old, new)
    [item] = data["files"]
    assert (code, item["old_path"], item["path"], item["status"]) == (
        0,
        before,
        after,
        "equivalent",
    )
    assert [c["kind"] for c in item["changes"]] == ["test-id", "re-chunked"]


def test_several_recordings_of_one_test_pair_by_similarity(tmp_path: Path) -> None:
    """Four turns of one test and endpoint; a changed system prompt re-keys every one."""
    old, new = tmp_path / "old", tmp_path / "new"

    def turns(system: str) -> list[dict[str, Any]]:
        out = []
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
        for n, ask in enumerate(["Plan a trip.", "By train?", "How long?", "Thanks!"]):
            messages.append({"role": "user", "content": ask})
            rec = recording(f"Answer {n}.")
            rec["request"]["body"]["messages"] = list(messages)
            out.append(rec)
            messages.append({"role": "assistant", "content": f"Answer {n}."})
        return out

    befores = [put(old, rec) for rec in turns("Be brief.")]
    afters = [put(new, rec) for rec in turns("Be brief and kind.")]
    code, data = diff_json(old, new)
    assert code == 1
    moved = {item["old_path"]: item["path"] for item in data["files"]}
    assert moved == dict(zip(befores, afters, strict=True))
    for item in data["files"]:
        assert item["status"] == "changed"
        assert item["changes"][0]["path"] == "request.body.messages[0].content"


def test_unrelated_recordings_stay_added_and_removed(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    gone = put(old, recording(test_id="tests/test_a.py::test_gone", question="Say bye."))
    fresh = put(new, recording(test_id="tests/test_b.py::test_new", question="Name a colour."))
    code, data = diff_json(old, new)
    assert code == 1
    assert {p: i["status"] for p, i in entries(data).items()} == {
        gone: "removed",
        fresh: "added",
    }
    assert all("old_path" not in item for item in data["files"])
    text = run("diff", old, new, "--format", "text").stdout.splitlines()
    about = " · /v1/chat/completions · llama3.2:3b"
    blocks = {  # in path order, two lines each: status and path; test, endpoint, model
        fresh: [f"added      {fresh}", f"{' ' * 11}test_b.py::test_new{about}"],
        gone: [f"removed    {gone}", f"{' ' * 11}test_a.py::test_gone{about}"],
    }
    expected = [line for path in sorted(blocks) for line in blocks[path]]
    assert text[:4] == expected


def test_indistinguishable_candidates_stay_unpaired_and_are_counted(tmp_path: Path) -> None:
    """Two removed copies of one request, one added: nobody can tell which it became."""
    old, new = tmp_path / "old", tmp_path / "new"
    write(old / "rec" / "a.json", recording())
    write(old / "rec" / "b.json", recording())
    write(new / "rec" / "c.json", recording(test_id=T + "x"))
    code, data = diff_json(old, new)
    assert code == 1 and data["summary"]["moved"] == 0
    assert data["ambiguous"] == ["rec/a.json", "rec/b.json", "rec/c.json"]
    text = run("diff", old, new, "--format", "text").stdout
    assert text.rstrip().endswith(
        "3 recordings: 1 added, 2 removed; 3 added or removed recordings not paired "
        "(several partners fit as well)"
    )


def test_no_pairing_shows_removed_and_added(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    before = put(old, recording())
    after = put(new, recording(test_id=T + "_v2"))
    code, data = diff_json(old, new, "--no-pairing")
    assert code == 1
    assert {p: i["status"] for p, i in entries(data).items()} == {
        before: "removed",
        after: "added",
    }


def test_files_named_by_the_user_never_move(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", recording())
    b = write(tmp_path / "b.json", recording(test_id=T + "_v2"))
    code, data = diff_json(a, b)
    [item] = data["files"]
    assert (code, item["status"], "old_path" in item) == (0, "equivalent", False)


def test_other_json_files_neither_pair_nor_count(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    before = put(old, recording())
    after = put(new, recording(test_id=T + "_v2"))
    write(old / "web" / "package.json", {"name": "web", "version": "1.0.0"})
    write(new / "web" / "tsconfig.json", {"compilerOptions": {}})
    code, data = diff_json(old, new)
    assert code == 0
    assert [(i["old_path"], i["path"]) for i in data["files"]] == [(before, after)]
    assert data["skipped"] == ["web/package.json", "web/tsconfig.json"]


def test_excluded_files_do_not_pair(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    put(old, recording())
    after = put(new, recording(test_id=T + "_v2"))
    code, data = diff_json(old, new, "--exclude", after.rsplit("/", 1)[-1])
    assert code == 1
    assert [item["status"] for item in data["files"]] == ["removed"]


def test_a_broken_one_sided_file_stays_one_sided(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    before = put(old, recording())
    (new / "tests" / "recordings").mkdir(parents=True)
    (new / "tests" / "recordings" / "broken.json").write_text('{"request": {')
    code, data = diff_json(old, new)
    assert code == 1
    assert {p: i["status"] for p, i in entries(data).items()} == {
        before: "removed",
        "tests/recordings/broken.json": "added",
    }


def test_real_rerecordings_under_new_names_keep_their_statuses(
    pairs_dir: Path, tmp_path: Path
) -> None:
    """Every after-file under another name: the pairs that can be told apart move, with
    the status they have side by side; the others stay removed and added."""
    old, new = tmp_path / "old", tmp_path / "new"
    for name in PAIR_STATUS:
        (old / "recordings").mkdir(parents=True, exist_ok=True)
        (new / "recordings").mkdir(parents=True, exist_ok=True)
        (old / "recordings" / f"{name}-old.json").write_bytes(
            (pairs_dir / name / "before.json").read_bytes()
        )
        (new / "recordings" / f"{name}-new.json").write_bytes(
            (pairs_dir / name / "after.json").read_bytes()
        )
    _, data = diff_json(old, new, "--jobs", "1")
    moved = [item for item in data["files"] if "old_path" in item]
    assert len(moved) == 12
    for item in moved:
        name = item["path"].split("/")[-1][:2]
        assert item["old_path"] == f"recordings/{name}-old.json"  # its true partner
        assert item["status"] == PAIR_STATUS[name], (name, item["changes"])
    unpaired = {item["path"][11:13] for item in data["files"] if "old_path" not in item}
    assert unpaired == {"02", "06", "07", "11"}  # the same request and test id as another


# -- git ------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    return repo


@needs_git
def test_git_range_pairs_a_renamed_test_and_a_changed_request(repo: Path) -> None:
    renamed_before = put(repo, recording())
    changed_before = put(repo, recording(test_id="tests/t.py::test_b", question="Hi?"))
    kept = put(repo, recording(test_id="tests/t.py::test_c", question="Kept?"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "recorded")
    for path in (renamed_before, changed_before):
        (repo / path).unlink()
    renamed_after = put(repo, recording(test_id=T.replace("test_answer", "test_reply")))
    changed_after = put(
        repo, recording("Hello!", test_id="tests/t.py::test_b", question="Hi there?")
    )
    write(repo / kept, recording("Kept.", test_id="tests/t.py::test_c", question="Kept?"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "re-recorded")
    result = run_process("diff", "--git", "HEAD~1..HEAD", "--format", "json", cwd=repo)
    assert result.exit_code == 1, result.stderr
    found = entries(json.loads(result.stdout))
    assert {p: (i.get("old_path"), i["status"]) for p, i in found.items()} == {
        renamed_after: (renamed_before, "equivalent"),
        changed_after: (changed_before, "changed"),
        kept: (None, "changed"),
    }
    # the same, uncommitted: the old side from git, the new one from the working tree
    git(repo, "reset", "-q", "--soft", "HEAD~1")
    git(repo, "reset", "-q")  # the new files are untracked now
    worktree = run_process("diff", "--git", "HEAD", "--format", "json", cwd=repo)
    found = entries(json.loads(worktree.stdout))
    assert found[renamed_after]["old_path"] == renamed_before
    assert found[changed_after]["old_path"] == changed_before


@needs_git
def test_git_range_skips_other_json_files(repo: Path) -> None:
    put(repo, recording())
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "recorded")
    write(repo / "package.json", {"name": "web"})
    write(repo / "dashboards" / "grafana.json", {"panels": []})
    result = run_process("diff", "--git", "--format", "text", cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "0 recordings: nothing to compare; 2 other JSON files skipped\n"
