"""Strict loading: every kind of bad file becomes one positioned problem."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from recstack.loading import canonical_bytes, discover, load, load_recording, parse
from recstack.locate import locate
from recstack.problems import RecstackError

from conftest import needs_shared, real_files


@pytest.mark.parametrize(
    ("raw", "message", "line", "column"),
    [
        (b"", "empty file", 1, 1),
        (b"  \n", "empty file", 1, 1),
        (b'{"a": NaN}', "NaN is not allowed", 1, 7),
        (b'{"a": -Infinity}', "-Infinity is not allowed", 1, 7),
        (b'{\n "a": 1\n} x', "unexpected data after the JSON document", 3, 3),
        (b'{\n "a": [1,', "truncated", 2, 10),
        (b'{"a": "\xff"}', "not valid UTF-8 (byte 0xff)", 1, 8),
        (b"\xef\xbb\xbf{}", "byte order mark", 1, 1),
    ],
)
@pytest.mark.parametrize("check_duplicates", [False, True])
def test_bad_json_is_one_positioned_problem(
    raw: bytes, message: str, line: int, column: int, check_duplicates: bool
) -> None:
    with pytest.raises(RecstackError) as info:
        parse(raw, "x.json", check_duplicates=check_duplicates)
    problem = info.value.problem
    assert message in problem.message
    assert (problem.line, problem.column) == (line, column)
    assert problem.one_line().startswith(f"x.json:{line}:{column}: ")


def test_duplicate_keys_are_warnings_with_position() -> None:
    data, warnings = parse(b'{"a": 1,\n "b": {"k": 1, "k": 2}}', "d.json", check_duplicates=True)
    assert data == {"a": 1, "b": {"k": 2}}
    assert [(w.pointer, w.line, w.column, w.severity) for w in warnings] == [
        ("/b", 2, 16, "warning")
    ]
    assert "duplicate key 'k'" in warnings[0].message


def test_not_a_recording(tmp_path: Path) -> None:
    root_array = tmp_path / "array.json"
    root_array.write_text("[1, 2]\n")
    with pytest.raises(RecstackError, match="top level is a JSON array"):
        load_recording(root_array)
    no_response = tmp_path / "half.json"
    no_response.write_text('{"request": {}}\n')
    with pytest.raises(RecstackError, match="'response' is missing"):
        load_recording(no_response)


def test_missing_and_directory_are_io_problems(tmp_path: Path) -> None:
    with pytest.raises(RecstackError, match=r"no such file|cannot read"):
        load(tmp_path / "nope.json")
    with pytest.raises(RecstackError, match="is a directory"):
        load(tmp_path)


def test_discover_files_dirs_stdin_and_missing(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "2.json").write_text("{}")
    (tmp_path / "a" / "1.json").write_text("{}")
    (tmp_path / "a" / "notes.txt").write_text("x")
    (tmp_path / "a" / ".git").mkdir()
    (tmp_path / "a" / ".git" / "x.json").write_text("{}")
    named = tmp_path / "named.txt"
    named.write_text("{}")
    found = discover(
        [str(tmp_path / "a"), "-", str(tmp_path / "missing.json")],
        stdin=io.StringIO(f"{named}\n\n{tmp_path / 'a' / '1.json'}\n"),
    )
    assert [p.name for p in found.files] == ["1.json", "2.json", "named.txt"]
    assert [m.path for m in found.missing] == [str(tmp_path / "missing.json")]


def test_locate_points_at_the_value() -> None:
    text = '{\n  "a": [\n    {"b": 1},\n    {"b": "x"}\n  ]\n}\n'
    assert locate(text, "/a/1/b") == (4, 11)
    assert locate(text, "/a/1") == (4, 5)
    assert locate(text, "") == (1, 1)
    assert locate(text, "/a/7") == (2, 8)  # missing item: the closest parent


@needs_shared
@pytest.mark.parametrize("path", real_files(), ids=lambda p: p.name[:40])
def test_real_recordings_load_and_are_canonical(path: Path) -> None:
    loaded = load_recording(path, check_duplicates=True)
    assert loaded.warnings == []
    assert canonical_bytes(loaded.data) == loaded.raw
