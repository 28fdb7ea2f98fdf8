"""Strict loading: every kind of bad file becomes one positioned problem."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from recstack import jsonnumbers
from recstack.loading import (
    MAX_DEPTH,
    load,
    load_recording,
    parse,
    parse_embedded,
)
from recstack.locate import locate
from recstack.problems import RecstackError

from conftest import needs_shared, real_files
from conftest import upstream_bytes as canonical_bytes


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
    assert loaded.problems == []
    assert canonical_bytes(loaded.data) == loaded.raw


# --- exact numbers ------------------------------------------------------------------

BIG = 123456789012345678901234567890


@pytest.mark.parametrize(
    "raw",
    [
        canonical_bytes({"seed": BIG, "n": -(2**63) - 1, "u": 2**64}),  # upstream's layout
        f'{{"seed":{BIG},"n":{-(2**63) - 1},"u":{2**64}}}'.encode(),  # compact
    ],
    ids=["layout", "compact"],
)
@pytest.mark.parametrize("check_duplicates", [False, True])
def test_integers_beyond_64_bits_keep_their_value(raw: bytes, check_duplicates: bool) -> None:
    data, problems = parse(raw, "x.json", check_duplicates=check_duplicates)
    assert data == {"seed": BIG, "n": -(2**63) - 1, "u": 2**64}
    assert all(type(value) is int for value in data.values())
    assert problems == []


def test_64_bit_integers_and_floats_need_no_exact_parse() -> None:
    value = {"a": 10**19 - 1, "b": -(10**18) + 1, "c": 9269366008132817000, "d": 1.5e-99}
    assert not jsonnumbers.needs_exact(json.dumps(value).encode())
    assert parse(json.dumps(value).encode(), "x.json") == (value, [])


@pytest.mark.parametrize(
    ("text", "risky"),
    [
        (f'{{"a": {BIG}}}', True),
        ('{"a": -9223372036854775809}', True),
        ('{"a": [1e-400]}', True),
        ('{"a": 0.0000000000000000000001}', True),  # 19+ zeros: maybe below a double
        ('{"a": 18446744073709551616}', True),  # 20 digits: maybe beyond u64
        ('{"a": 9999999999999999999}', False),  # 19 digits: within u64
        ('{"a": 1e-99, "b": 1.5e+300}', False),  # 2-digit negative exponent, in range
        ('{"id": "c4e-1234", "h": "4e-999x"}', False),  # inside a hex id, not a number
        ('{"a": 0.0012345678901234567}', False),  # a long fraction is not an integer
    ],
)
def test_needs_exact_spots_numbers_orjson_would_change(text: str, risky: bool) -> None:
    assert jsonnumbers.needs_exact(text.encode()) is risky


@pytest.mark.parametrize(
    ("literal", "kept", "words"),
    [
        ("1e400", Decimal("1e400"), "out of the range of a 64-bit float"),
        ("-1e400", Decimal("-1e400"), "make it -infinity"),
        ("1e-400", Decimal("1e-400"), "too small for a 64-bit float"),
        ("-2.5E-999", Decimal("-2.5E-999"), "make it -0"),
    ],
)
@pytest.mark.parametrize("layout", ["indented", "compact"])
def test_numbers_a_double_cannot_hold_are_kept_and_reported(
    literal: str, kept: Decimal, words: str, layout: str
) -> None:
    raw = (
        f'{{\n  "a": [\n    1,\n    {literal}\n  ]\n}}\n'
        if layout == "indented"
        else f'{{"a":[1,{literal}]}}'
    ).encode()
    data, problems = parse(raw, "x.json", check_duplicates=True)
    assert data == {"a": [1, kept]}
    [problem] = problems
    assert (problem.rule, problem.severity, problem.pointer) == ("number-range", "error", "/a/1")
    assert problem.message.startswith(f"number {literal} is ")
    assert words in problem.message
    assert locate(raw.decode(), "/a/1") == (problem.line, problem.column)


def test_zero_and_the_smallest_double_are_ordinary_floats() -> None:
    data, problems = parse(b'{"a": [0e-500, -0.0e999, 5e-324]}', "x.json")
    assert data == {"a": [0.0, -0.0, 5e-324]}
    assert problems == []


def test_an_integer_over_pythons_digit_limit_is_one_positioned_problem() -> None:
    raw = b'{\n  "a": 1,\n  "b": ' + b"7" * 5000 + b"\n}\n"
    with pytest.raises(RecstackError) as info:
        parse(raw, "x.json")
    problem = info.value.problem
    assert problem.rule == "number-range"
    assert problem.message == "integer of 5,000 digits: over Python's 4,300-digit limit"
    assert (problem.line, problem.column) == (3, 8)


def test_embedded_json_is_read_like_a_file() -> None:
    assert parse_embedded('{"a": 1e400, "b": 1}') == {"a": Decimal("1e400"), "b": 1}
    assert parse_embedded(f"[{BIG}]") == [BIG]
    for bad in ("[NaN]", "[1,", "[" * 5000 + "]" * 5000, "[" * 5000):
        with pytest.raises(ValueError):
            parse_embedded(bad)


# --- nesting ------------------------------------------------------------------------

TOO_DEEP = f"nested too deeply: more than {MAX_DEPTH} levels of objects and arrays"


def nested(levels: int, leaf: object = 1) -> object:
    """``levels`` objects and arrays, alternating, around ``leaf``."""
    value = leaf
    for level in range(levels):
        value = [value] if level % 2 else {"k": value}
    return value


def nested_text(levels: int, indent: bool = False) -> str:
    """The JSON text of ``nested(levels)`` (json.dumps cannot write 1,000 levels)."""
    opener = ["[", '{"k": '] if not indent else ["[\n", '{\n"k": ']
    opens = "".join(opener[level % 2 == 0] for level in reversed(range(levels)))
    closes = "".join("]" if level % 2 else "}" for level in range(levels))
    return opens + "1" + closes


@pytest.mark.parametrize("levels", [1, 100, MAX_DEPTH - 1, MAX_DEPTH])
@pytest.mark.parametrize("layout", ["indented", "compact"])
def test_nesting_up_to_the_limit_is_read(levels: int, layout: str) -> None:
    value = nested(levels)
    raw = canonical_bytes(value) if layout == "indented" else json.dumps(value).encode()
    assert parse(raw, "x.json", check_duplicates=True) == (value, [])


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 1000, 1100, 5000])
@pytest.mark.parametrize("layout", ["indented", "compact", "unclosed"])
def test_nesting_over_the_limit_is_one_positioned_problem(levels: int, layout: str) -> None:
    text = nested_text(levels, indent=layout == "indented")
    if layout == "unclosed":  # a broken file: only the openers
        text = text[: text.index("1")]
    with pytest.raises(RecstackError) as info:
        parse(text.encode(), "x.json")
    problem = info.value.problem
    assert problem.message == TOO_DEEP
    assert problem.rule == "json"
    assert problem.line is not None and problem.column is not None
    lines = text.splitlines()
    line = lines[problem.line - 1]  # at the first container over the limit
    assert line[problem.column - 1] in "[{"
    before = "\n".join([*lines[: problem.line - 1], line[: problem.column - 1]])
    assert before.count("[") + before.count("{") == MAX_DEPTH


def test_brackets_inside_strings_do_not_count() -> None:
    value = {"a": "[{" * 1000, "b": '\\"[[[', "c": nested(MAX_DEPTH - 1)}
    for raw in (canonical_bytes(value), json.dumps(value).encode()):
        assert parse(raw, "x.json")[0] == value
