"""recstack prune: what nothing can use, listed (a dry run) or deleted (--apply).

Suites are laid out like upstream's from the examples (tests/replay_trees.py); the
lists of tests are written in each form pytest gives them; the stale recordings are
the real upstream ones at their upstream paths.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from recstack import pruning
from recstack.manifest import read_manifest
from recstack.pruning import Selectors, named_by, prune
from recstack.replay_rules import stored_request
from recstack.selection import select
from replay_trees import (
    FALLBACK,
    example,
    place,
    replay_name,
    request_hash,
    tree_bytes,
    upstream_trees,
)

from cli_helpers import run, run_process

CHAT = example("chat")["test_id"]
STREAM = example("chat-stream")["test_id"]
EMBEDDINGS = example("embeddings")["test_id"]
INFERENCE = "tests/integration/inference/recordings"


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """Three recordings of three tests, and a model list outside any test."""
    root = tmp_path / "repo"
    for name in ("chat", "chat-stream", "embeddings", "models"):
        place(root, example(name))
    return root


def _unused_path(root: Path) -> Path:
    return root / INFERENCE / replay_name(example("embeddings"))


# --- the lists of tests, in each form ---------------------------------------------------

TESTS = [CHAT, STREAM]


def _collect_only_q() -> str:
    return "\n".join(TESTS) + "\n\n2 tests collected in 0.41s\n"


def _collect_tree() -> str:
    def function(test_id: str) -> str:
        return f"        <Function {test_id.split('::')[1]}>"

    return "\n".join(
        [
            "============================= test session starts ==============================",
            "platform linux -- Python 3.12.3, pytest-8.4.2, pluggy-1.6.0",
            "rootdir: /home/runner/work/llama-stack/llama-stack",
            "collected 2 items",
            "",
            "<Dir llama-stack>",
            "  <Dir tests>",
            "    <Dir integration>",
            "      <Package inference>",
            "        <Module test_chat.py>",
            "  " + function(CHAT),
            "  " + function(STREAM),
            "",
            "========================== 2 tests collected in 0.41s ==========================",
        ]
    )


def _json_report() -> str:
    module = "tests/integration/inference/test_chat.py"
    report = {
        "created": 1746608000.0,
        "duration": 0.41,
        "exitcode": 0,
        "root": "/home/runner/work/llama-stack/llama-stack",
        "environment": {},
        "summary": {"collected": 2, "total": 0},
        "collectors": [
            {
                "nodeid": "",
                "outcome": "passed",
                "result": [{"nodeid": module, "type": "Module"}],
            },
            {
                "nodeid": module,
                "outcome": "passed",
                "result": [{"nodeid": test, "type": "Function", "lineno": 40} for test in TESTS],
            },
        ],
        "tests": [],
    }
    return json.dumps(report, indent=2)


def _node_ids() -> str:
    return "# collected for CI, one node id per line\n" + "\n".join(TESTS) + "\n"


@pytest.mark.parametrize(
    "manifest",
    [_collect_only_q, _collect_tree, _json_report, _node_ids],
    ids=["collect-only-q", "collect-only-tree", "json-report", "node-ids"],
)
def test_each_form_of_the_list_selects_the_same(manifest: Any, suite: Path, tmp_path: Path) -> None:
    tests = tmp_path / "tests.txt"
    tests.write_text(manifest())
    before = tree_bytes(suite)
    result = run("prune", "--unused-by", tests, suite)
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout.splitlines() == [
        f"{EMBEDDINGS.split('[')[0]} (1 recording)",
        f"  would delete {_unused_path(suite)}: unused: its test is not in the list of collected "
        "tests",
        "would delete 1 recording (1.7 kB): 1 unused; 4 recordings read; "
        "run with --apply to delete them",
    ]
    assert tree_bytes(suite) == before  # a dry run deletes nothing


def test_apply_deletes_exactly_what_the_dry_run_lists(suite: Path, tmp_path: Path) -> None:
    (tmp_path / "tests.txt").write_text(CHAT + "\n")
    before = tree_bytes(suite)
    dry = run("prune", "--unused-by", tmp_path / "tests.txt", suite, "-f", "json")
    listed = {item["path"] for item in json.loads(dry.stdout)["files"]}
    assert dry.exit_code == 1 and tree_bytes(suite) == before
    assert listed == {
        str(suite / INFERENCE / replay_name(example(name)))
        for name in ("chat-stream", "embeddings")
    }
    done = run("prune", "--unused-by", tmp_path / "tests.txt", suite, "--apply", "-f", "json")
    document = json.loads(done.stdout)
    assert (done.exit_code, done.stderr) == (0, "")
    assert {item["path"] for item in document["files"] if item["deleted"]} == listed
    assert document["summary"]["deleted"] == 2 and document["summary"]["applied"] is True
    after = tree_bytes(suite)
    assert {str(suite / name) for name in set(before) - set(after)} == listed
    assert all(after[name] == before[name] for name in after)  # the others untouched
    again = run("prune", "--unused-by", tmp_path / "tests.txt", suite, "--apply")
    assert again.exit_code == 0
    assert again.stdout == "nothing to delete; 2 recordings read\n"


def test_the_text_of_an_apply(suite: Path, tmp_path: Path) -> None:
    (tmp_path / "tests.txt").write_text(_node_ids())
    result = run("prune", "--unused-by", tmp_path / "tests.txt", "--apply", suite)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{EMBEDDINGS.split('[')[0]} (1 recording)",
        f"  deleted {_unused_path(suite)}: unused: its test is not in the list of collected tests",
        "deleted 1 recording (1.7 kB): 1 unused; 4 recordings read",
    ]
    assert not _unused_path(suite).exists()


def test_several_lists_are_read_together(suite: Path, tmp_path: Path) -> None:
    """One list per suite and setup, as upstream collects them: a test in any is used."""
    first, second = tmp_path / "base.txt", tmp_path / "vision.json"
    first.write_text(CHAT + "\n")
    second.write_text(json.dumps({"tests": [{"nodeid": STREAM, "outcome": "passed"}]}))
    document = json.loads(
        run("prune", "--unused-by", first, "--unused-by", second, suite, "-f", "json").stdout
    )
    assert [item["path"] for item in document["files"]] == [str(_unused_path(suite))]


def test_the_list_from_a_pipe(suite: Path, tmp_path: Path) -> None:
    """``--unused-by <(pytest --collect-only -q)``: a list read from a pipe."""
    (tmp_path / "tests.txt").write_text(_collect_only_q())
    command = (
        f"{sys.executable} -m recstack prune --unused-by <(cat {tmp_path / 'tests.txt'}) {suite}"
    )
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stderr) == (1, "")
    assert f"would delete {_unused_path(suite)}" in done.stdout


def test_the_list_from_stdin(suite: Path) -> None:
    result = run_process("prune", "--unused-by", "-", suite, input=_collect_only_q())
    assert result.exit_code == 1
    assert f"would delete {_unused_path(suite)}" in result.stdout


def test_recordings_any_test_may_open_are_kept(tmp_path: Path) -> None:
    """No test id (as upstream keeps them), or a key without its test id (a model list
    by url path, a tool call): kept, and counted."""
    other = "tests/integration/gone/test_gone.py::test_gone"
    place(tmp_path, example("models", test_id=other), folder=FALLBACK)
    place(tmp_path, example("tool-invocation", test_id=other), folder=FALLBACK)
    place(tmp_path, example("models-empty"))  # test_id null
    gone = place(tmp_path, example("chat", test_id=other), folder=FALLBACK)
    (tmp_path / "tests.txt").write_text(CHAT + "\n")
    result = run("prune", "--unused-by", tmp_path / "tests.txt", tmp_path, "-f", "json")
    document = json.loads(result.stdout)
    assert [item["path"] for item in document["files"]] == [str(gone)]
    assert document["summary"]["kept"]["shared"] == 2
    text = run("prune", "--unused-by", tmp_path / "tests.txt", tmp_path).stdout
    assert "kept for safety: 2 shared (a key without its test id)" in text


# --- stale ------------------------------------------------------------------------------


def test_stale_real_recordings(real_dir: Path, tmp_path: Path) -> None:
    """The oldest tree of the real recordings: its 32 files of the 12-hex layout keep no
    test id and their keys need one (even the model lists: their url path is
    /v1/v1/models), so rekey cannot name them: they go. The 3 raw-body files (rekey
    renames them) and the 8 that replay finds stay."""
    upstream_trees(real_dir, tmp_path)
    tree = tmp_path / "943558af3"
    before = tree_bytes(tree)
    dry = run("prune", "--stale", tree, "-f", "json")
    document = json.loads(dry.stdout)
    listed = {Path(item["path"]).name for item in document["files"]}
    assert dry.exit_code == 1 and len(listed) == 32
    assert {len(Path(n).stem) for n in listed} == {12, len("models-bd032f995f2a-7becc84f")}
    assert {item["reason"] for item in document["files"]} == {"stale"}
    assert all("key needs a test id" in item["detail"] for item in document["files"])
    assert tree_bytes(tree) == before
    done = run("prune", "--stale", "--apply", tree)
    assert done.exit_code == 0
    left = {Path(name).name for name in tree_bytes(tree)}
    assert not listed & left and len(left) == len(before) - 32 == 11


def test_stale_without_a_test_id(real_dir: Path, tmp_path: Path) -> None:
    """agents-ae230a60… and tool_runtime-632ce014… keep no test id, but their keys need
    one: no known test gives their names, so they go."""
    upstream_trees(real_dir, tmp_path)
    tree = tmp_path / "d1b663294"
    document = json.loads(run("prune", "--stale", tree, "-f", "json").stdout)
    names = sorted(Path(item["path"]).name[:8] for item in document["files"])
    assert names == ["632ce014", "ae230a60"]
    assert all("no known test gives its name" in item["detail"] for item in document["files"])


def test_a_known_test_that_names_a_file_keeps_it(tmp_path: Path) -> None:
    """A file without its test id whose name a test of the suite gives: that test opens it."""
    chat = example("chat")
    name = replay_name(chat)
    bare = {key: value for key, value in chat.items() if key != "test_id"}
    path = place(tmp_path, bare, folder=INFERENCE, name=name)
    document = json.loads(run("prune", "--stale", path, "-f", "json").stdout)
    assert [item["path"] for item in document["files"]] == [str(path)]
    place(tmp_path, example("chat-stream", test_id=CHAT))  # the test is known now
    document = json.loads(run("prune", "--stale", tmp_path, "-f", "json").stdout)
    assert document["files"] == []
    assert document["kept"] == [{"path": str(path), "why": "named-by-a-test"}]


def test_named_by_finds_the_test_id_of_a_name() -> None:
    chat = example("chat")
    stored = stored_request({key: v for key, v in chat.items() if key != "test_id"})
    digest = request_hash(chat)
    assert named_by(stored, digest, [STREAM, CHAT, EMBEDDINGS]) == CHAT
    assert named_by(stored, digest, [STREAM, EMBEDDINGS]) is None


def test_a_12_hex_name_no_rule_gives_goes(tmp_path: Path) -> None:
    bare = {key: value for key, value in example("chat").items() if key != "test_id"}
    path = place(
        tmp_path, bare, folder="tests/integration/recordings/responses", name="0" * 12 + ".json"
    )
    document = json.loads(run("prune", "--stale", tmp_path, "-f", "json").stdout)
    (item,) = document["files"]
    assert (item["path"], item["reason"]) == (str(path), "stale")
    assert item["detail"].endswith("no known rule gives its name, so rekey cannot rename it")


def test_edited_and_hand_named_files_are_kept(tmp_path: Path) -> None:
    place(tmp_path, example("chat"), name="chat.json")  # named by hand
    place(tmp_path, example("chat-stream"), name="ab" * 32 + ".json")  # edited
    result = run("prune", "--stale", tmp_path)
    assert (result.exit_code, result.stdout) == (0, "nothing to delete; 2 recordings read\n")


# --- duplicates -------------------------------------------------------------------------


def test_duplicates_keep_the_copy_replay_opens(tmp_path: Path) -> None:
    chat = example("chat")
    kept = place(tmp_path, chat)
    fallback = place(tmp_path, chat, folder=FALLBACK)  # found second: never reached
    renamed = example("chat")
    renamed["response"]["body"]["__data__"]["id"] = "chatcmpl-other"  # volatile only
    by_hand = place(tmp_path, renamed, name="copy-of-chat.json")  # never opened
    document = json.loads(run("prune", "--duplicates", tmp_path, "-f", "json").stdout)
    assert {item["path"]: item["kept"] for item in document["files"]} == {
        str(fallback): str(kept),
        str(by_hand): str(kept),
    }
    details = {item["path"]: item["detail"] for item in document["files"]}
    assert "(kept: replay opens it)" in details[str(by_hand)]
    assert details[str(fallback)].endswith(
        "replay opens the kept copy first (in the test's own folder)"
    )
    assert details[str(by_hand)].endswith("replay never opens this copy (not-a-hash-name)")


def test_copies_replay_opens_for_other_tests_are_kept(tmp_path: Path) -> None:
    """A model list's key has no test id: each folder's copy serves that folder's tests."""
    models = example("models")
    place(tmp_path, models, folder="tests/integration/agents/recordings")
    place(tmp_path, models, folder="tests/integration/inference/recordings")
    result = run("prune", "--duplicates", tmp_path, "-f", "json")
    document = json.loads(result.stdout)
    assert (result.exit_code, document["files"]) == (0, [])
    assert document["summary"]["kept"]["opened-too"] == 1


def test_all_stale_copies_keep_the_first_by_path(tmp_path: Path) -> None:
    chat = example("chat")
    first = place(tmp_path, chat, folder="a", name="chat.json")
    second = place(tmp_path, chat, folder="b", name="chat.json")
    document = json.loads(run("prune", "--duplicates", tmp_path, "-f", "json").stdout)
    (item,) = document["files"]
    assert (item["path"], item["kept"]) == (str(second), str(first))
    assert "(kept: replay opens no copy; the first by path)" in item["detail"]


def test_other_names_of_the_kept_file_are_no_copies(tmp_path: Path) -> None:
    """A symbolic link or a hard link to the kept recording is the same file: left alone,
    and not reported."""
    chat = example("chat")
    kept = place(tmp_path, chat)
    (tmp_path / "linked.json").symlink_to(kept)
    os.link(kept, tmp_path / "hard.json")
    result = run("prune", "--duplicates", tmp_path, "--apply")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "nothing to delete; 3 recordings read\n"
    assert kept.exists() and (tmp_path / "linked.json").is_symlink()


def test_a_keeper_that_changed_leaves_its_duplicates_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = example("chat")
    kept = place(tmp_path, chat)
    copy = place(tmp_path, chat, folder=FALLBACK)
    scan = pruning.scan

    def scan_then_edit(*args: Any, **kwargs: Any) -> Any:
        found = scan(*args, **kwargs)
        edited = example("chat")
        edited["response"]["body"]["__data__"]["choices"][0]["message"]["content"] = "Other."
        place(tmp_path, edited, name=kept.name)
        return found

    monkeypatch.setattr(pruning, "scan", scan_then_edit)
    result = run("prune", "--duplicates", "--apply", tmp_path)
    assert result.exit_code == 2
    assert result.stderr == (
        f"recstack prune: {kept}: changed after it was read, so it cannot stand for its "
        "duplicates: they are left alone\n"
    )
    assert copy.exists()


# --- safety -----------------------------------------------------------------------------


def test_a_file_changed_between_its_check_and_its_deletion_is_left(
    suite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tests.txt").write_text(_node_ids())
    target = _unused_path(suite)
    read_snapshot = pruning.read_snapshot

    def read_then_touch(path: Any) -> Any:
        snapshot = read_snapshot(path)
        if Path(path) == target:
            with open(target, "ab") as handle:
                handle.write(b" ")
        return snapshot

    monkeypatch.setattr(pruning, "read_snapshot", read_then_touch)
    result = run("prune", "--unused-by", tmp_path / "tests.txt", "--apply", suite)
    assert result.exit_code == 2
    assert result.stderr == (f"recstack prune: {target}: not deleted: changed after it was read\n")
    assert target.exists()
    assert result.stdout == "nothing deleted; 4 recordings read; 1 not deleted (see above)\n"


def test_a_symbolic_link_is_never_deleted_nor_followed(suite: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    real = place(outside, example("embeddings"), folder=".")
    (suite / INFERENCE / replay_name(example("embeddings"))).unlink()
    link = suite / INFERENCE / "linked.json"
    link.symlink_to(real)
    (tmp_path / "tests.txt").write_text(_node_ids())
    before, outside_before = tree_bytes(suite), tree_bytes(outside)
    for extra in ([], ["--apply"]):
        result = run("prune", "--unused-by", tmp_path / "tests.txt", suite, *extra)
        assert result.exit_code == 2
        assert result.stderr == (
            f"recstack prune: {link}: not deleted: a symbolic link: never deleted, nor what "
            "it points to\n"
        )
        assert (tree_bytes(suite), tree_bytes(outside)) == (before, outside_before)


def test_a_folder_linked_out_of_the_tree_is_refused(tmp_path: Path) -> None:
    """Walking a tree never enters a linked folder; a file reached through one (here
    given to the library as found under the tree) is refused."""
    outside = tmp_path / "outside"
    place(outside, example("chat"), folder="recordings")
    tree = tmp_path / "tree"
    place(tree, example("chat-stream"), folder="own")
    (tree / "recordings").symlink_to(outside / "recordings")
    path = tree / "recordings" / replay_name(example("chat"))
    tests = _write(tmp_path, STREAM)
    document = json.loads(run("prune", "--unused-by", tests, tree, "-f", "json").stdout)
    assert (document["files"], document["summary"]["recordings"]) == ([], 1)
    selection = select([str(path)])
    selection.files[0] = dataclasses.replace(selection.files[0], tree=str(tree))
    report = prune(selection, Selectors(read_manifest(STREAM)), apply=True)
    (problem,) = report.failures
    assert problem.one_line() == f"{path}: not deleted: its folder leads out of {tree}/"
    assert path.exists() and report.files == []


def _write(folder: Path, *tests: str) -> Path:
    path = folder / "tests.txt"
    path.write_text("\n".join(tests) + "\n")
    return path


def test_nothing_is_deleted_when_something_cannot_be_read(suite: Path, tmp_path: Path) -> None:
    before = tree_bytes(suite)
    tests = _write(tmp_path, *TESTS)
    result = run("prune", "--unused-by", tests, "--apply", suite, tmp_path / "missing")
    assert result.exit_code == 2
    assert result.stderr == f"recstack prune: {tmp_path / 'missing'}: no such file or directory\n"
    assert result.stdout.endswith("nothing deleted: a path or a file could not be read\n")
    assert tree_bytes(suite) == before


def test_excluded_files_are_left(suite: Path, tmp_path: Path) -> None:
    tests = _write(tmp_path, *TESTS)
    excluded = _unused_path(suite)
    result = run("prune", "--unused-by", tests, "--apply", suite, "--exclude", excluded.name)
    assert (result.exit_code, result.stdout) == (0, "nothing to delete; 3 recordings read\n")
    assert excluded.exists()


# --- usage --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "give a selector: --unused-by FILE, --stale or --duplicates"),
        (["--apply"], "--apply needs a selector: --unused-by FILE, --stale or --duplicates"),
        (
            ["--unused-by", "-", "-"],
            "the list of tests and the paths cannot both come from stdin (-)",
        ),
        (["--unused-by", "nope.txt"], "nope.txt: no such file or directory"),
        (
            ["--unused-by", "empty.txt"],
            "empty.txt: not a list of tests: empty: expected `pytest --collect-only -q` output,",
        ),
        (
            ["--unused-by", "broken.txt"],
            "broken.txt: not a list of tests: line 2: pytest says 3 tests collected, "
            "but 1 node id is listed",
        ),
    ],
)
def test_usage_errors_are_2(
    arguments: list[str], message: str, suite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(suite)
    Path("empty.txt").write_text("")
    Path("broken.txt").write_text(CHAT + "\n3 tests collected in 0.1s\n")
    before = tree_bytes(suite)
    result = run("prune", *arguments)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"recstack prune: {message}")
    assert result.stderr.count("\n") == 1
    assert tree_bytes(suite) == before
    assert os.listdir(suite / INFERENCE)
