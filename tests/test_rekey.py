"""recstack rekey: stale recordings get the name (and folder) replay looks up.

The real upstream recordings are laid out at their upstream paths in a temp folder
(one repository per upstream commit); stale copies are made from them by hand. What a
run did is checked from the outside: the replay engine finds each moved file, the bytes
differ from the old ones exactly in the ids rekey rewrites, and ``normalize --check`` and
``validate`` pass on the result.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from recstack.replay import ReplayCause, check
from rekey_fixtures import (
    found_by_replay,
    load_json,
    real,
    recording,
    snapshot,
    upstream_repo,
)
from suite_trees import replay_name as name_for
from suite_trees import write

from cli_helpers import run
from conftest import EXAMPLES, upstream_bytes

OLD_TREE, NEW_TREE = "943558af3", "d1b663294"
RAW_BODY = ("old-responses-1b0c005e", "old-responses-b7c02d59", "old-responses-e7777f59")
IDS_IN = {"old-responses-1b0c005e": 5, "old-responses-b7c02d59": 45, "old-responses-e7777f59": 15}


@pytest.fixture
def old_repo(real_dir: Path, tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    """The 2025-10 upstream tree: 3 raw-body names, 32 of the oldest layout."""
    root = tmp_path / "old"
    return root, upstream_repo(root, OLD_TREE)


@pytest.fixture
def new_repo(real_dir: Path, tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    root = tmp_path / "new"
    return root, upstream_repo(root, NEW_TREE)


def _placed(placed: dict[str, Path], prefix: str) -> Path:
    return next(path for name, path in placed.items() if name.startswith(prefix))


def _rec_id(path: Path) -> bytes:
    return f'"rec-{path.stem.rsplit("-", 1)[-1][:12]}"'.encode()


# --- the real stale recordings ---------------------------------------------------------


def test_real_raw_body_names_are_renamed_with_their_ids(old_repo: tuple[Path, dict]) -> None:
    root, placed = old_repo
    before = snapshot(root)
    stale = {prefix: _placed(placed, prefix) for prefix in RAW_BODY}
    for path in stale.values():
        assert check(path, recording(path)).cause is ReplayCause.RAW_BODY

    result = run("rekey", root)

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "3 renamed, 0 merged, 0 rewritten, 0 conflicts, 32 not fixable, 8 unchanged, 0 errors"
    )
    moved = set()
    for prefix, old in stale.items():
        old_bytes = before[str(old.relative_to(root))]
        new = old.parent / name_for(json.loads(old_bytes))
        assert not old.exists() and found_by_replay(new)
        assert f"renamed {old} -> {new.name} (raw-body)\n" in result.stdout
        # byte for byte the old file, but for its rec- ids (made for the new name now)
        assert old_bytes.count(_rec_id(old)) == IDS_IN[prefix]
        assert new.read_bytes() == old_bytes.replace(_rec_id(old), _rec_id(new))
        moved.add(str(old.relative_to(root)))
    after = snapshot(root)
    assert {k: v for k, v in before.items() if k not in moved}.items() <= after.items()
    assert len(after) == len(before)
    folder = stale[RAW_BODY[0]].parent
    checked = run("normalize", "--check", "--profile", "llama-stack", folder)
    assert checked.exit_code == 0, checked.stdout
    assert run("validate", folder).exit_code == 0
    again = run("rekey", "--check", root)
    assert again.exit_code == 0
    assert again.stdout.splitlines()[-1].startswith("0 to rename, 0 to merge, 0 to rewrite")


def test_real_unfixable_recordings_are_reported_and_left(old_repo: tuple[Path, dict]) -> None:
    root, placed = old_repo
    oldest = _placed(placed, "old-recordings-04172112ffbb")
    models = _placed(placed, "old-recordings-models-bd032f995f2a-7becc84f")
    result = run("rekey", "--check", root)
    assert result.exit_code == 1  # the raw-body names would move
    for path in (oldest, models):  # /v1/v1/models keeps the test id in its key
        line = next(line for line in result.stdout.splitlines() if str(path) in line)
        assert line.startswith(f"left {path}: oldest-layout: no test id in the file")


def test_the_2026_tree_has_nothing_to_fix(new_repo: tuple[Path, dict]) -> None:
    root, placed = new_repo
    before = snapshot(root)
    result = run("rekey", root)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    for prefix in ("agents-ae230a60", "tool_runtime-632ce014"):
        path = _placed(placed, prefix)
        assert f"left {path}: missing-test-id: no test id in the file" in result.stdout
    assert lines[-1] == (
        "0 renamed, 0 merged, 0 rewritten, 0 conflicts, 2 not fixable, 37 unchanged, 0 errors"
    )
    assert snapshot(root) == before


def test_a_test_id_renamed_inside_the_file(real_dir: Path, tmp_path: Path) -> None:
    """The project rename: ``ogx_client`` in the file, ``llama_stack_client`` in the name."""
    root = tmp_path / "repo"
    data = load_json(real("responses-463ab0e2"))
    now = data["test_id"].replace("openai_client", "ogx_client")
    assert now != data["test_id"]
    data["test_id"] = now
    old_name = name_for({**data, "test_id": now.replace("ogx_client", "llama_stack_client")})
    folder = root / "tests/integration/responses/recordings"
    text = upstream_bytes(data).replace(b'"rec-463ab0e2f291"', f'"rec-{old_name[:12]}"'.encode())
    path = folder / old_name
    folder.mkdir(parents=True)
    path.write_bytes(text)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert check(path, recording(path)).cause is ReplayCause.TEST_ID_RENAMED

    result = run("rekey", root)

    new = folder / name_for(data)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"renamed {path} -> {new.name} (test-id-renamed)"
    assert found_by_replay(new) and not path.exists()
    assert new.read_bytes() == text.replace(_rec_id(path), _rec_id(new))
    assert run("normalize", "--check", "-p", "llama-stack", new).exit_code == 0


# --- folders ------------------------------------------------------------------------------


def _misplaced(root: Path, prefix: str = "inference-37e10e6a") -> tuple[Path, Path, str]:
    """A real recording, rightly named, in another test's folder: (path, test file, name)."""
    data = load_json(real(prefix))
    name = name_for(data)
    path = write(root / "tests/integration/agents/recordings" / name, data)
    return path, root / data["test_id"].split("::")[0], name


def test_a_recording_in_another_tests_folder_moves_to_its_own(
    real_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    path, test_file, name = _misplaced(root)
    test_file.parent.mkdir(parents=True)
    test_file.write_text("")  # the root is where the test file is (no .git, no pyproject)
    path.chmod(0o640)
    old_bytes = path.read_bytes()
    assert check(path, recording(path)).cause is ReplayCause.WRONG_DIRECTORY
    monkeypatch.chdir(root)

    result = run("rekey", "tests/integration/agents")

    new = Path("tests/integration/inference/recordings") / name
    assert result.exit_code == 0, result.stderr
    old = Path("tests/integration/agents/recordings") / name
    assert result.stdout.splitlines()[0] == f"renamed {old} -> {new} (wrong-directory)"
    assert new.read_bytes() == old_bytes and not path.exists()
    assert (new.stat().st_mode & 0o777) == 0o640
    assert found_by_replay(root / new)


def test_without_a_repository_root_nothing_moves(real_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    path, _, _ = _misplaced(root)
    before = snapshot(root)
    result = run("rekey", root)
    assert result.exit_code == 1
    assert result.stderr == (
        f"recstack rekey: {path}: replay looks for it in tests/integration/inference/recordings,"
        " but no repository root is above it (no folder holding its test file, .git or "
        "pyproject.toml); left unchanged\n"
    )
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("test_id", "message"),
    [
        ("../outside/test_x.py::test_y", "../outside/recordings is not under the repository root"),
        ("/outside/test_x.py::test_y", "/outside/recordings is not under the repository root"),
        ("tests/x\x00y/test_a.py::t", "'tests/x\\x00y/recordings' holds a NUL character"),
    ],
    ids=["dot-dot", "absolute", "nul"],
)
def test_a_test_id_leading_out_of_the_root_is_refused(
    real_dir: Path, tmp_path: Path, test_id: str, message: str
) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    data = load_json(real("inference-37e10e6a"))
    data["test_id"] = test_id
    path = write(root / "tests/integration/x/recordings" / name_for(data), data)
    before = snapshot(tmp_path)
    result = run("rekey", root)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"recstack rekey: {path}: ")
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert snapshot(tmp_path) == before


def test_a_symbolic_link_out_of_the_root_is_not_followed(real_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    path, _, _ = _misplaced(root)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "tests/integration/inference").symlink_to(elsewhere)
    result = run("rekey", root)
    assert result.exit_code == 1
    assert "leads out of the repository root" in result.stderr
    assert path.exists() and list(elsewhere.iterdir()) == []


# --- --test-id ------------------------------------------------------------------------------


def test_test_id_exact_rewrites_both_ids_and_renames(new_repo: tuple[Path, dict]) -> None:
    root, placed = new_repo
    path = _placed(placed, "messages-f22657bf")  # passthrough: request.test_id repeats it
    old_bytes = path.read_bytes()
    old = load_json(path)["test_id"]
    new = old.replace("test_messages_streaming_collects_full_text", "test_streamed_text")
    result = run("rekey", "--test-id", f"{old}={new}", root)
    assert result.exit_code == 0, result.stderr
    data = json.loads(old_bytes)
    data["test_id"] = data["request"]["test_id"] = new
    target = path.parent / name_for(data)
    assert f"renamed {path} -> {target.name} (test id)" in result.stdout.splitlines()
    assert not path.exists() and found_by_replay(target)
    quoted = (json.dumps(old).encode(), json.dumps(new).encode())
    assert old_bytes.count(quoted[0]) == 2
    assert target.read_bytes() == old_bytes.replace(*quoted)
    assert run("validate", target).exit_code == 0  # test-id-match: both agree


def test_test_id_prefix_moves_a_test_files_recordings(new_repo: tuple[Path, dict]) -> None:
    root, placed = new_repo
    old_prefix = "tests/integration/responses/test_tool_responses.py::"
    new_prefix = "tests/integration/agents/test_tool_responses.py::"
    matched = {
        p: load_json(p)
        for p in placed.values()
        if (load_json(p).get("test_id") or "").startswith(old_prefix)
    }
    before = snapshot(root)

    result = run("rekey", "--test-id", f"{old_prefix}*={new_prefix}*", root)

    assert result.exit_code == 0, result.stderr
    moved = 0
    for path, data in matched.items():
        if data["request"].get("api") == "file_processors":  # not replayed: left, reported
            assert f"left {path}: not-replayed:" in result.stdout
            assert path.read_bytes() == before[str(path.relative_to(root))]
            continue
        new_id = new_prefix + data["test_id"].removeprefix(old_prefix)
        data["test_id"] = new_id
        if "test_id" in data["request"]:
            data["request"]["test_id"] = new_id
        target = root / "tests/integration/agents/recordings" / name_for(data)
        assert not path.exists() and found_by_replay(target)
        assert load_json(target)["test_id"] == new_id
        moved += 1
    assert moved == 4
    assert result.stdout.splitlines()[-1].startswith("4 renamed, 0 merged, 0 rewritten")
    untouched = {k: v for k, v in before.items() if root / k not in matched}
    assert untouched.items() <= snapshot(root).items()


def test_a_tool_call_keeps_its_name_when_only_its_test_id_changes(
    new_repo: tuple[Path, dict],
) -> None:
    root, placed = new_repo
    path = _placed(placed, "responses-0f1241e9")  # a tool call: its key has no test id
    old = load_json(path)["test_id"]
    new = old.replace("::TestOpenAIResponses::", "::TestResponses::")
    old_bytes = path.read_bytes()
    result = run("rekey", "--test-id", f"{old}={new}", root)
    assert result.exit_code == 0, result.stderr
    assert f"rewrote {path}: test id only (its name and folder stay)" in result.stdout.splitlines()
    assert path.read_bytes() == old_bytes.replace(
        json.dumps(old).encode(), json.dumps(new).encode()
    )
    # moved to another test file's folder: same name, new folder
    moved = new.replace("tests/integration/responses/", "tests/integration/tools/")
    result = run("rekey", "--test-id", f"{new}={moved}", root)
    target = root / "tests/integration/tools/recordings" / path.name
    assert f"renamed {path} -> {target} (test id)" in result.stdout.splitlines()
    assert found_by_replay(target) and not path.exists()


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("tests/a.py::t", "is not OLD=NEW"),
        ("tests/a.py::*=tests/b.py::t", "a prefix maps to a prefix"),
        ("*=*", "'*' alone is no prefix"),
        ("tests/a.py::t=tests/a.py::t", "OLD and NEW are the same"),
        ("tests/a.py::t=/etc/b.py::t", "relative to the repository root"),
        ("tests/a.py::t=../b.py::t", "relative to the repository root"),
        ("tests/*=tests/x/*", "NEW matches its own OLD"),
    ],
)
def test_bad_test_id_arguments_are_usage_errors(argument: str, message: str) -> None:
    result = run("rekey", "--test-id", argument, EXAMPLES / "chat.json")
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_new_test_id_that_another_mapping_matches_is_left(new_repo: tuple[Path, dict]) -> None:
    root, placed = new_repo
    path = _placed(placed, "messages-f22657bf")
    old = load_json(path)["test_id"]
    before = snapshot(root)
    result = run(
        "rekey",
        "--test-id",
        "tests/integration/messages/*=tests/integration/msg/*",
        "--test-id",
        "tests/integration/msg/test_messages.py::test_messages_streaming*=tests/other.py::*",
        path,
    )
    assert result.exit_code == 1
    assert f"{path}: its new test id would match --test-id" in result.stderr
    assert old.startswith("tests/integration/messages/test_messages.py::test_messages_streaming")
    assert snapshot(root) == before


# --- conflicts and merges ---------------------------------------------------------------------


def _raw_body_and_target(root: Path, placed: dict[str, Path]) -> tuple[Path, Path, dict[str, Any]]:
    path = _placed(placed, RAW_BODY[0])
    data = load_json(path)
    return path, path.parent / name_for(data), data


def test_merged_when_the_name_holds_an_equivalent_recording(old_repo: tuple[Path, dict]) -> None:
    root, placed = old_repo
    path, target, data = _raw_body_and_target(root, placed)
    for chunk in data["response"]["body"]:  # re-recorded: other ids and timestamps
        chunk["__data__"]["created"] = 1760000000
    write(target, data)
    target_bytes = target.read_bytes()
    result = run("rekey", path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        f"merged {path} into {target.name}: the same recording is there (raw-body)"
    )
    assert not path.exists() and target.read_bytes() == target_bytes


def test_conflict_when_the_name_holds_another_recording(old_repo: tuple[Path, dict]) -> None:
    root, placed = old_repo
    path, target, data = _raw_body_and_target(root, placed)
    data["response"]["body"][1]["__data__"]["choices"][0]["delta"]["content"] = "Something else"
    write(target, data)
    before = snapshot(root)
    for args in (("--check",), ()):
        result = run("rekey", *args, path)
        assert result.exit_code == 1
        line = result.stdout.splitlines()[0]
        assert line.startswith(
            f"conflict {path} -> {target.name}: a different recording is there: "
        )
        assert "differs" in line
    assert snapshot(root) == before


def test_conflict_when_the_name_is_a_folder(old_repo: tuple[Path, dict]) -> None:
    root, placed = old_repo
    path, target, _ = _raw_body_and_target(root, placed)
    target.mkdir()
    result = run("rekey", path)
    assert result.exit_code == 1
    assert "something that is not a regular file is there" in result.stdout
    assert path.exists()


def test_two_stale_copies_of_one_recording(real_dir: Path, tmp_path: Path) -> None:
    """A raw-body name in the right folder and the right name in a wrong one: the first
    is renamed, the second merged into it; --check says the same beforehand."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    data = load_json(real(RAW_BODY[0]))
    folder = root / "tests/integration/responses/recordings"
    raw_name = real(RAW_BODY[0]).name.removeprefix("old-responses-")
    first = write(folder / raw_name, data)
    second = write(root / "tests/integration/agents/recordings" / name_for(data), data)
    target = folder / name_for(data)
    check_run = run("rekey", "--check", root)
    result = run("rekey", root)
    assert result.exit_code == 0, result.stderr
    summary = "1 renamed, 1 merged, 0 rewritten, 0 conflicts, 0 not fixable, 0 unchanged, 0 errors"
    assert result.stdout.splitlines()[-1] == summary
    assert check_run.stdout.splitlines()[-1] == summary.replace("1 renamed", "1 to rename").replace(
        "1 merged", "1 to merge"
    ).replace("0 rewritten", "0 to rewrite")
    assert sorted(p.name for p in root.rglob("*.json")) == [target.name]
    assert not first.exists() and not second.exists() and found_by_replay(target)


# --- --check, --diff, JSON ----------------------------------------------------------------------


def test_check_diff_and_json_write_nothing(old_repo: tuple[Path, dict]) -> None:
    root, placed = old_repo
    before = snapshot(root)
    path = _placed(placed, RAW_BODY[0])
    target = path.parent / name_for(load_json(path))

    checked = run("rekey", "--check", root)
    assert checked.exit_code == 1
    assert f"would rename {path} -> {target.name} (raw-body)" in checked.stdout.splitlines()
    assert checked.stdout.splitlines()[-1].startswith("3 to rename, 0 to merge")

    diffed = run("rekey", "--diff", root)
    assert diffed.exit_code == 1
    lines = diffed.stdout.splitlines()
    at = lines.index(f"would rename {path} -> {target.name} (raw-body)")
    new_id = _rec_id(target).decode()
    assert lines[at + 1] == f'  rec- ids: "rec-1b0c005eb4b9" -> {new_id} (in 5 places)'

    document = json.loads(run("rekey", "--check", "--format", "json", root).stdout)
    assert document["mode"] == "check"
    assert document["summary"] == {
        "renamed": 3,
        "merged": 0,
        "rewritten": 0,
        "conflicts": 0,
        "unfixable": 32,
        "unchanged": 8,
        "errors": 0,
        "skipped": 0,
        "unusable": 0,
    }
    entry = next(f for f in document["files"] if f["path"] == str(path))
    assert {k: entry[k] for k in ("path", "new_path", "status", "cause", "written")} == {
        "path": str(path),
        "new_path": str(target),
        "status": "renamed",
        "cause": "raw-body",
        "written": False,
    }
    assert entry["ids"] == {"old": ["rec-1b0c005eb4b9"], "new": new_id.strip('"'), "places": 5}
    assert {f["status"] for f in document["files"]} == {"renamed", "unfixable"}
    assert snapshot(root) == before

    written = json.loads(run("rekey", "-f", "json", root).stdout)
    assert written["mode"] == "write"
    assert all(f["written"] for f in written["files"] if f["status"] == "renamed")


def test_diff_shows_the_test_ids_rewritten(new_repo: tuple[Path, dict]) -> None:
    _root, placed = new_repo
    path = _placed(placed, "messages-f22657bf")
    old = load_json(path)["test_id"]
    new = old.replace("test_messages.py", "test_anthropic.py")
    result = run("rekey", "--diff", "--test-id", f"{old}={new}", path)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1] == (
        f"  test_id, request.test_id: {json.dumps(old)} -> {json.dumps(new)}"
    )


# --- files left alone ---------------------------------------------------------------------------


def test_a_file_not_in_upstreams_layout_is_renamed_only_when_its_bytes_stay(
    old_repo: tuple[Path, dict],
) -> None:
    _root, placed = old_repo
    path = _placed(placed, RAW_BODY[0])
    data = load_json(path)
    path.write_text(json.dumps(data, indent=4) + "\n")  # its rec- ids would need a rewrite
    before = path.read_bytes()
    result = run("rekey", path)
    assert result.exit_code == 1
    assert "not in upstream's layout" in result.stderr
    assert path.read_bytes() == before
    # without rec- ids to rewrite, the bytes move as they are
    path.write_text(json.dumps(data, indent=4).replace('"rec-1b0c005eb4b9"', '"chatcmpl-1"'))
    before = path.read_bytes()
    assert run("rekey", path).exit_code == 0
    assert (path.parent / name_for(data)).read_bytes() == before


def test_a_duplicate_key_is_not_rewritten(old_repo: tuple[Path, dict]) -> None:
    _root, placed = old_repo
    path = _placed(placed, RAW_BODY[0])
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b'  "test_id": ', b'  "test_id": "x",\n  "test_id": ', 1))
    result = run("rekey", path)
    assert result.exit_code == 1
    assert "not in upstream's layout" in result.stderr
    assert path.exists()


def test_a_symbolic_link_is_left_alone(old_repo: tuple[Path, dict], tmp_path: Path) -> None:
    _root, placed = old_repo
    path = _placed(placed, RAW_BODY[0])
    outside = tmp_path / "outside.json"
    path.rename(outside)
    path.symlink_to(outside)
    result = run("rekey", path)
    assert result.exit_code == 0
    assert f"left {path}: a symbolic link: rekey moves files only" in result.stdout
    assert path.is_symlink() and outside.exists()


def test_hand_made_names_are_left(tmp_path: Path) -> None:
    result = run("rekey", EXAMPLES / "chat.json", EXAMPLES / "file-processor.json")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        f"left {EXAMPLES / 'chat.json'}: not-a-hash-name: named by hand: replay never opens "
        "it, and rekey leaves such names alone"
    )
    assert result.stdout.splitlines()[-1].endswith("1 not fixable, 1 unchanged, 0 errors")


BAD_FILES = {
    "empty.json": b"",
    "nan.json": b'{"request": {}, "response": {"body": NaN}}',
    "garbage.json": b'{"request": {}, "response": {}} trailing',
}


def test_bad_files_get_one_line_each(tmp_path: Path) -> None:
    for name, raw in BAD_FILES.items():
        (tmp_path / name).write_bytes(raw)
    (tmp_path / "package.json").write_text('{"name": "web"}')
    (tmp_path / "chat.json").write_bytes((EXAMPLES / "chat.json").read_bytes())
    result = run("rekey", tmp_path)
    assert result.exit_code == 1
    for name in BAD_FILES:
        lines = [line for line in result.stderr.splitlines() if name in line]
        assert len(lines) == 1 and lines[0].startswith("recstack rekey: "), lines
    assert "package.json" not in result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].endswith("3 errors, 1 other JSON file skipped")


def test_exclude_and_config(old_repo: tuple[Path, dict], tmp_path: Path) -> None:
    root, _ = old_repo
    result = run("rekey", "--check", "--exclude", "responses", root)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1].startswith("0 to rename")
    config = tmp_path / "recstack.toml"
    config.write_text('exclude = ["**/responses"]\n')
    result = run("rekey", "--check", "--config", config, root)
    assert result.stdout.splitlines()[-1].startswith("0 to rename")
    assert run("rekey", "--check", "--isolated", root).exit_code == 1
    assert run("rekey", "--check", "-j", "2", root).exit_code == 1


def test_paths_may_be_given_on_stdin(old_repo: tuple[Path, dict]) -> None:
    _root, placed = old_repo
    path = _placed(placed, RAW_BODY[1])
    result = run("rekey", "-", input=f"{path}\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("1 renamed")
    assert not path.exists()


def test_a_file_changed_while_it_is_rekeyed_is_left(
    old_repo: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file edited between its read and its removal keeps the edit; the copy written
    under the new name stays, and the line says so."""
    import recstack.rekeying as rekeying

    _root, placed = old_repo
    path = _placed(placed, RAW_BODY[0])
    real_write = rekeying.write_atomic

    def write_then_edit(*args: Any, **kwargs: Any) -> None:
        real_write(*args, **kwargs)
        with open(path, "ab") as handle:
            handle.write(b" ")

    monkeypatch.setattr(rekeying, "write_atomic", write_then_edit)
    result = run("rekey", path)
    assert result.exit_code == 2
    target = path.parent / name_for(load_json(path))
    assert result.stderr == (
        f"recstack rekey: {path}: {target} holds it now, but it was not removed: changed "
        "after it was read\n"
    )
    assert path.read_bytes().endswith(b"\n ") and target.exists()
    assert os.path.getsize(target) > 0
