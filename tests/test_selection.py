"""What a command reads: arguments, directories, stdin, the configuration's include/exclude."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from recstack.config import Config
from recstack.selection import Selection, select


def _tree(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")


def _names(selection: Selection, root: Path) -> list[str]:
    return [c.path.absolute().relative_to(root).as_posix() for c in selection.files]


def test_directories_are_walked_sorted_hidden_folders_skipped(tmp_path: Path) -> None:
    _tree(tmp_path, "b/2.json", "b/1.json", "a.json", ".git/x.json", "c/notes.txt")
    found = select([str(tmp_path)])
    assert _names(found, tmp_path) == ["a.json", "b/1.json", "b/2.json"]
    assert not any(c.explicit for c in found.files)
    assert {c.tree for c in found.files} == {str(tmp_path)}
    assert found.problems == []


def test_a_walk_reads_the_names_that_match_json_and_only_those(tmp_path: Path) -> None:
    names = ("a.json", ".hidden.json", "b.JSON", "c.json.bak", "d.jsonl", "json", "e[1].json")
    _tree(tmp_path, *names)
    expected = sorted(name for name in names if Path(name).match("*.json"))
    assert _names(select([str(tmp_path)]), tmp_path) == expected
    assert "b.JSON" not in expected or os.name != "posix"  # case counts on POSIX


def test_explicit_files_are_kept_whatever_their_name_once_each(tmp_path: Path) -> None:
    _tree(tmp_path, "x.txt", "a.json")
    found = select([str(tmp_path / "x.txt"), str(tmp_path), str(tmp_path / "a.json")])
    assert _names(found, tmp_path) == ["x.txt", "a.json"]
    assert [c.explicit for c in found.files] == [True, False]


def test_unusable_arguments_are_problems_and_the_rest_goes_on(tmp_path: Path) -> None:
    _tree(tmp_path, "a.json", "empty/readme.md")
    found = select([str(tmp_path / "nope.json"), str(tmp_path / "empty"), str(tmp_path / "a.json")])
    assert _names(found, tmp_path) == ["a.json"]
    messages = [(Path(p.path).name, p.message, p.rule) for p in found.problems]
    assert messages == [
        ("nope.json", "no such file or directory", "io"),
        ("empty", "no recordings: no *.json file in this directory", "io"),
    ]


def test_stdin_paths_that_vanished_are_counted_not_errors(tmp_path: Path) -> None:
    _tree(tmp_path, "a.json")
    lines = f"{tmp_path / 'a.json'}\n\n{tmp_path / 'deleted.json'}\n"
    found = select(["-"], stdin=io.StringIO(lines))
    assert _names(found, tmp_path) == ["a.json"]
    assert found.files[0].explicit
    assert found.vanished == [str(tmp_path / "deleted.json")]
    assert found.problems == []


def test_stdin_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.json")
    (tmp_path / name).write_text("{}")

    class Binary(io.TextIOWrapper):
        pass

    raw = io.BytesIO(os.fsencode(str(tmp_path)) + b"/caf\xe9.json\n")
    found = select(["-"], stdin=Binary(raw))
    assert [c.path.name for c in found.files] == [name]


def test_exclude_prunes_walks_but_not_explicit_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path, "rec/a.json", "web/node_modules/p/package.json", "rec/fixtures/f.json")
    monkeypatch.chdir(tmp_path)
    config = Config(path=tmp_path / "recstack.toml", exclude=("node_modules",))
    found = select(["."], config=config, exclude=["rec/fixtures"])
    assert _names(found, tmp_path) == ["rec/a.json"]
    explicit = select(["rec/fixtures/f.json"], config=config, exclude=["rec/fixtures"])
    assert _names(explicit, tmp_path) == ["rec/fixtures/f.json"]


def test_no_argument_reads_the_configured_include(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(
        tmp_path,
        "tests/integration/agents/recordings/a.json",
        "tests/integration/common/recordings/b.json",
        "tests/integration/fixtures/other.json",
        "package.json",
    )
    sub = tmp_path / "tests"
    monkeypatch.chdir(sub)  # include is relative to the config file, not the cwd
    config = Config(path=tmp_path / "pyproject.toml", include=("tests/integration/**/recordings",))
    found = select([], config=config)
    assert _names(found, tmp_path) == [
        "tests/integration/agents/recordings/a.json",
        "tests/integration/common/recordings/b.json",
    ]
    nothing = select([], config=Config(path=tmp_path / "pyproject.toml", include=("nope",)))
    assert nothing.files == []
    assert [p.message for p in nothing.problems] == [
        "no recordings: include = [nope] matches no file"
    ]


def test_no_argument_and_no_include_is_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path, "a.json")
    monkeypatch.chdir(tmp_path)
    assert [c.path.as_posix() for c in select([]).files] == ["a.json"]


def test_fifos_found_by_walking_are_skipped(tmp_path: Path) -> None:
    _tree(tmp_path, "a.json")
    os.mkfifo(tmp_path / "pipe.json")
    assert _names(select([str(tmp_path)]), tmp_path) == ["a.json"]
