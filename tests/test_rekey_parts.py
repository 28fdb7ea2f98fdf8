"""The pieces of rekey: ``--test-id`` mappings, the id rewrites, the repository root."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from recstack.normalization import normalize, rec_id
from recstack.rekey_rewrite import Unrewritable, rewrite_rec_ids, rewrite_test_ids
from recstack.reporoot import OutsideRoot, find_root, folder_under
from recstack.testids import BadTestIdRename, parse_rename, parse_renames
from recstack.writing import canonical_bytes, write_atomic

from conftest import example_files

CHAT = "tests/integration/inference/test_chat.py::test_chat[txt=ollama/llama3.2:3b]"

# --- --test-id ------------------------------------------------------------------------------


def test_the_separator_is_the_first_equals_sign_outside_brackets() -> None:
    rename = parse_rename(f"{CHAT}={CHAT.replace('test_chat[', 'test_hello[')}")
    assert (rename.old, rename.prefix) == (CHAT, False)
    assert (
        rename.new == "tests/integration/inference/test_chat.py::test_hello[txt=ollama/llama3.2:3b]"
    )
    assert rename.matches(CHAT) and not rename.matches(CHAT + "x")


def test_a_prefix_keeps_the_rest_of_each_id() -> None:
    rename = parse_rename(
        "tests/integration/inference/test_chat.py::*=tests/integration/chat/test_chat.py::*"
    )
    assert rename.prefix
    assert (
        rename.apply(CHAT)
        == "tests/integration/chat/test_chat.py::test_chat[txt=ollama/llama3.2:3b]"
    )
    assert not rename.matches("tests/integration/inference/test_chats.py::t")


def test_an_exact_id_wins_then_the_longest_prefix() -> None:
    renames = parse_renames(
        [
            "tests/integration/*=tests/suite/*",
            "tests/integration/inference/*=tests/inf/*",
            f"{CHAT}=tests/one.py::t",
        ]
    )
    assert renames.apply(CHAT) == "tests/one.py::t"
    assert renames.apply(CHAT + "2") == "tests/inf/test_chat.py::test_chat[txt=ollama/llama3.2:3b]2"
    assert (
        renames.apply("tests/integration/agents/test_a.py::t") == "tests/suite/agents/test_a.py::t"
    )
    assert renames.apply("other/test_a.py::t") is None
    assert renames.apply(None) is None


@pytest.mark.parametrize(
    "texts",
    [
        ["tests/a.py::t=tests/b.py::t", "tests/a.py::t=tests/c.py::t"],  # two new ids
        ["tests/a.py::t=tests/b.py::t", "tests/b.py::t=tests/c.py::t"],  # a chain
        ["tests/a/*=tests/a/b/*"],  # matches its own new ids
    ],
)
def test_mappings_that_would_apply_twice_are_refused(texts: list[str]) -> None:
    with pytest.raises(BadTestIdRename):
        parse_renames(texts)


# --- the id rewrites ---------------------------------------------------------------------------

A, B = "a" * 64 + ".json", "b" * 64 + ".json"


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_rekeyed_ids_are_what_normalize_writes_for_the_new_name(path: Path) -> None:
    """A recording normalized under name A, its ids rewritten for name B, is byte for
    byte the recording normalized under name B (typed ids, GenAI and Anthropic ids,
    the message ids inside SSE lines)."""
    original = json.loads(path.read_bytes())
    under_a = normalize(copy.deepcopy(original), A).data
    under_b = normalize(copy.deepcopy(original), B).data
    differs = canonical_bytes(under_a) != canonical_bytes(under_b)
    change = rewrite_rec_ids(under_a, rec_id(B))
    assert canonical_bytes(under_a) == canonical_bytes(under_b)
    assert (change is not None) == differs


def test_ids_never_normalized_stay_as_recorded() -> None:
    data = json.loads((Path(__file__).parent.parent / "examples/chat.json").read_bytes())
    before = copy.deepcopy(data)
    assert rewrite_rec_ids(data, rec_id(B)) is None
    assert data == before


def _sse(*lines: str) -> dict[str, Any]:
    return {"request": {}, "response": {"body": list(lines), "is_streaming": True}}


def test_an_sse_id_is_replaced_in_the_text_keeping_its_layout() -> None:
    line = 'data: {"type": "message_start", "message": {"id":"rec-aaaaaaaaaaaa", "x": 1.50}}'
    data = _sse("event: message_start", line, "")
    change = rewrite_rec_ids(data, "rec-bbbbbbbbbbbb")
    assert change is not None and (change.old, change.places) == (("rec-aaaaaaaaaaaa",), 1)
    assert data["response"]["body"][1] == line.replace("aaaaaaaaaaaa", "bbbbbbbbbbbb")


def test_an_sse_line_holding_the_id_twice_is_not_rewritten() -> None:
    line = (
        'data: {"type": "message_start", "message": {"id": "rec-aaaaaaaaaaaa", '
        '"content": [{"text": "rec-aaaaaaaaaaaa"}]}}'
    )
    with pytest.raises(Unrewritable, match="2 times"):
        rewrite_rec_ids(_sse(line), "rec-bbbbbbbbbbbb")


def test_model_ids_are_names_and_stay() -> None:
    model = {
        "__type__": "openai.types.model.Model",
        "__data__": {"id": "rec-model", "object": "model"},
    }
    data = {"request": {}, "response": {"body": [model], "is_streaming": False}}
    assert rewrite_rec_ids(data, "rec-bbbbbbbbbbbb") is None


def test_test_ids_top_level_and_in_the_request() -> None:
    renames = parse_renames(["tests/a.py::*=tests/b.py::*"])
    data = {"test_id": "tests/a.py::t", "request": {"test_id": "tests/a.py::t", "url": "u"}}
    change = rewrite_test_ids(data, renames)
    assert change is not None
    assert (change.old, change.new, change.places) == (
        "tests/a.py::t",
        "tests/b.py::t",
        ("test_id", "request.test_id"),
    )
    assert data == {"test_id": "tests/b.py::t", "request": {"test_id": "tests/b.py::t", "url": "u"}}
    assert list(data) == ["test_id", "request"]  # key order kept
    assert rewrite_test_ids({"test_id": "tests/c.py::t", "request": {}}, renames) is None


# --- the repository root ---------------------------------------------------------------------


def test_the_root_holds_the_test_file_or_a_marker(tmp_path: Path) -> None:
    folder = tmp_path / "repo/tests/integration/agents/recordings"
    folder.mkdir(parents=True)
    assert find_root(str(folder), "tests/integration/agents/test_x.py") is None
    (tmp_path / "repo/tests/integration/agents/test_x.py").write_text("")
    assert find_root(str(folder), "tests/integration/agents/test_x.py") == str(tmp_path / "repo")
    assert find_root(str(folder), "../../escape.py") is None  # never looked for
    (tmp_path / "repo/tests/.git").write_text("gitdir: elsewhere\n")  # a worktree's .git file
    assert find_root(str(folder)) == str(tmp_path / "repo/tests")
    (tmp_path / "repo/tests/integration/pyproject.toml").write_text("")
    assert find_root(str(folder)) == str(tmp_path / "repo/tests/integration")


def test_folders_under_the_root(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    assert folder_under(str(root), "tests/x/recordings") == str(root / "tests/x/recordings")
    for relative in ("../x/recordings", "/etc/recordings", "tests/../../x"):
        with pytest.raises(OutsideRoot, match="not under the repository root"):
            folder_under(str(root), relative)
    (root / "tests").symlink_to(tmp_path)
    with pytest.raises(OutsideRoot, match="a symbolic link"):
        folder_under(str(root), "tests/x/recordings")


def test_a_new_file_can_take_the_permissions_of_the_one_it_replaces(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text("{}")
    old.chmod(0o604)
    write_atomic(tmp_path / "new.json", b"{}", like=os.stat(old))
    write_atomic(tmp_path / "plain.json", b"{}")
    assert os.stat(tmp_path / "new.json").st_mode & 0o777 == 0o604
    assert os.stat(tmp_path / "plain.json").st_mode & 0o777 == 0o600
