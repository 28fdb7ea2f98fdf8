"""`recstack normalize` rewrites nothing it should not: each such file is one line, left
unchanged, and the run exits 2 (an I/O error) after normalizing the rest."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import recstack.normalization
from recstack.snapshot import Snapshot

from cli_helpers import Result, run
from conftest import EXAMPLES

OTHER_UID, OTHER_GID = 54321, 54322


def _recording(path: Path) -> Path:
    """A recording that normalize rewrites (its ids are not deterministic yet)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLES / "chat.json", path)
    return path


def _left_alone(result: Result, path: Path, reason: str) -> None:
    """The run exits 2 with one line for ``path``, saying ``reason``."""
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        f"recstack normalize: {path}: not rewritten: {reason} (file left unchanged)"
    ]


def _temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".recstack-" in p.name]


@pytest.fixture
def trees(tmp_path: Path) -> tuple[Path, Path]:
    """tree/ with links inside (to tree/sub/real.json) and out (to elsewhere/real.json)."""
    tree, elsewhere = tmp_path / "tree", tmp_path / "elsewhere"
    _recording(tree / "sub" / "real.json")
    _recording(elsewhere / "real.json")
    (tree / "inside.json").symlink_to(Path("sub") / "real.json")
    (tree / "outside.json").symlink_to(Path("..") / "elsewhere" / "real.json")
    return tree, elsewhere


def test_a_symlink_leaving_the_tree_is_not_followed(trees: tuple[Path, Path]) -> None:
    tree, elsewhere = trees
    original = (elsewhere / "real.json").read_bytes()
    result = run("normalize", "-j", "1", tree)
    _left_alone(result, tree / "outside.json", f"a symbolic link to a file outside {tree}/")
    assert (elsewhere / "real.json").read_bytes() == original
    assert (tree / "sub" / "real.json").read_bytes() != original  # inside: rewritten
    assert (tree / "inside.json").is_symlink() and (tree / "outside.json").is_symlink()
    assert "normalized " + str(tree / "sub" / "real.json") in result.stdout


def test_a_file_with_a_link_to_it_in_the_tree_is_normalized_once_by_its_own_name(
    trees: tuple[Path, Path],
) -> None:
    """It was normalized twice, under each name: its ids were the link's, then the
    file's, flipping on every run (`normalize --check` never passed)."""
    tree, _ = trees
    (tree / "outside.json").unlink()
    (tree / "sub" / "again.json").symlink_to("real.json")  # two links and the file
    first = run("normalize", "-j", "1", tree)
    assert first.stdout.count("normalized ") == 1, first.stdout
    assert f"normalized {tree / 'sub' / 'real.json'}" in first.stdout
    assert b'"rec-real"' in (tree / "sub" / "real.json").read_bytes()
    again = run("normalize", "--check", tree)
    assert again.exit_code == 0, again.stdout + again.stderr


def test_a_file_named_explicitly_has_its_own_folder_as_tree(trees: tuple[Path, Path]) -> None:
    """As an argument or on stdin: a link may lead within the folder holding it, no further."""
    tree, elsewhere = trees
    original = (elsewhere / "real.json").read_bytes()
    for args, stdin in [((tree / "outside.json",), None), (("-",), f"{tree / 'outside.json'}\n")]:
        result = run("normalize", *args, input=stdin)
        _left_alone(result, tree / "outside.json", f"a symbolic link to a file outside {tree}/")
        assert (elsewhere / "real.json").read_bytes() == original
    (elsewhere / "sibling.json").symlink_to("real.json")
    assert run("normalize", elsewhere / "sibling.json").exit_code == 0
    assert (elsewhere / "real.json").read_bytes() != original
    assert (elsewhere / "sibling.json").is_symlink()


def _after_the_read(monkeypatch: pytest.MonkeyPatch, act: object) -> None:
    """Run ``act(path)`` right after normalize has read ``path``."""
    read = recstack.normalization.read_file

    def read_then_act(path: str) -> Snapshot:
        snapshot = read(path)
        act(path)  # type: ignore[operator]
        return snapshot

    monkeypatch.setattr(recstack.normalization, "read_file", read_then_act)


def test_a_file_edited_after_it_was_read_keeps_the_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _recording(tmp_path / "chat.json")
    edited = path.read_bytes().replace(b'"role"', b'"role" ')

    def edit(name: str) -> None:
        Path(name).write_bytes(edited)

    _after_the_read(monkeypatch, edit)
    _left_alone(run("normalize", "-j", "1", path), path, "changed after it was read")
    assert path.read_bytes() == edited
    assert _temp_files(tmp_path) == []


def test_a_file_deleted_after_it_was_read_does_not_come_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _recording(tmp_path / "chat.json")
    _after_the_read(monkeypatch, os.unlink)
    _left_alone(run("normalize", "-j", "1", path), path, "deleted after it was read")
    assert sorted(tmp_path.iterdir()) == []


def test_owner_and_group_are_kept(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")
    path = _recording(tmp_path / "chat.json")
    original = path.read_bytes()
    os.chown(path, OTHER_UID, OTHER_GID)
    path.chmod(0o664)
    result = run("normalize", path)
    assert result.exit_code == 0, result.stderr
    info = path.stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (OTHER_UID, OTHER_GID, 0o664)
    assert path.read_bytes() != original


def test_a_hard_linked_file_is_left_whole(tmp_path: Path) -> None:
    path = _recording(tmp_path / "chat.json")
    original = path.read_bytes()
    other = tmp_path / "elsewhere.json.bak"
    os.link(path, other)
    good = _recording(tmp_path / "good.json")
    result = run("normalize", path, good)
    _left_alone(result, path, "has 2 hard links, which replacing it would split")
    assert path.read_bytes() == other.read_bytes() == original
    assert path.stat().st_ino == other.stat().st_ino
    assert good.read_bytes() != original  # the run went on


def test_a_read_only_file_is_left_alone(tmp_path: Path) -> None:
    """By its mode bits, even for root (who could replace it)."""
    path = _recording(tmp_path / "chat.json")
    original = path.read_bytes()
    path.chmod(0o444)
    _left_alone(run("normalize", path), path, "read-only, mode 0444")
    assert path.read_bytes() == original
    assert path.stat().st_mode & 0o777 == 0o444
    assert run("normalize", "--check", path).exit_code == 1  # checking is fine
