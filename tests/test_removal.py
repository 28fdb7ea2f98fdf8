"""recstack.removal: a file is deleted only if it is the regular file that was read,
inside its tree, reached without following a symbolic link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from recstack import removal
from recstack.removal import Refused, place_of, remove_file


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    folder = tmp_path / "tree" / "recordings"
    folder.mkdir(parents=True)
    (folder / "a.json").write_text("{}\n")
    return tmp_path / "tree"


def test_deletes_the_file_it_was_given(tree: Path) -> None:
    path = tree / "recordings" / "a.json"
    remove_file(path, os.stat(path), tree)
    assert not path.exists() and (tree / "recordings").is_dir()


def test_refuses_a_file_changed_since_it_was_read(tree: Path) -> None:
    path = tree / "recordings" / "a.json"
    seen = os.stat(path)
    path.write_text('{"changed": true}\n')
    with pytest.raises(Refused, match="changed after it was read"):
        remove_file(path, seen, tree)
    assert path.exists()


def test_refuses_a_file_replaced_by_another(tree: Path) -> None:
    path = tree / "recordings" / "a.json"
    seen = os.stat(path)
    other = tree / "recordings" / "b.json"
    other.write_text("{}\n")
    os.replace(other, path)  # same bytes, another inode
    with pytest.raises(Refused, match="changed after it was read"):
        remove_file(path, seen, tree)
    assert path.exists()


def test_refuses_a_symbolic_link_and_leaves_its_target(tree: Path, tmp_path: Path) -> None:
    target = tmp_path / "outside.json"
    target.write_text("{}\n")
    link = tree / "recordings" / "link.json"
    link.symlink_to(target)
    with pytest.raises(Refused, match="a symbolic link: never deleted"):
        remove_file(link, os.stat(link), tree)
    assert link.is_symlink() and target.exists()


def test_refuses_a_folder_that_leads_out_of_the_tree(tree: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.json").write_text("{}\n")
    (tree / "linked").symlink_to(outside)
    path = tree / "linked" / "a.json"
    with pytest.raises(Refused, match="its folder leads out of"):
        place_of(path, tree)
    with pytest.raises(Refused, match="its folder leads out of"):
        remove_file(path, os.stat(path), tree)
    assert (outside / "a.json").exists()


def test_a_folder_swapped_for_a_link_after_the_check_is_not_followed(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder is reached from the tree without following links: a folder replaced by
    a link (to a folder holding a file of the same name) after the check is refused."""
    path = tree / "recordings" / "a.json"
    seen = os.stat(path)
    outside = tmp_path / "outside"
    outside.mkdir()
    checked = removal.place_of

    def check_then_swap(where: Path | str, within: Path | str) -> tuple[str, str]:
        found = checked(where, within)
        os.rename(tree / "recordings", tmp_path / "moved")
        os.link(tmp_path / "moved" / "a.json", outside / "a.json")  # the very file, elsewhere
        (tree / "recordings").symlink_to(outside)
        return found

    monkeypatch.setattr(removal, "place_of", check_then_swap)
    with pytest.raises(Refused, match="its folder changed after it was read"):
        remove_file(path, seen, tree)
    assert (outside / "a.json").exists() and (tmp_path / "moved" / "a.json").exists()


def test_a_missing_file_is_an_os_error(tree: Path) -> None:
    path = tree / "recordings" / "a.json"
    seen = os.stat(path)
    path.unlink()
    with pytest.raises(FileNotFoundError):
        remove_file(path, seen, tree)
