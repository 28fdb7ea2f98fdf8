"""`recstack validate`: real recordings pass; corrupted copies fail at the right place."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from recstack import writing
from recstack.loading import canonical_bytes, parse, parse_exact
from recstack.validation import validate_file

from cli_helpers import run, run_process
from conftest import EXAMPLES, REAL, example_files, needs_shared, real_files

STREAM_FILE = REAL / "old-recordings-1b45391880c6.json"  # 8 ChatCompletionChunk
DICT_FILE = REAL / "agents-b8c52fedcd0444b1f9d78ee150f8a7ce22d62a334ef235fa5fb90d151ca17ed2.json"


def _chunk(index: int, content: str | None, finish: str | None = None) -> dict[str, Any]:
    return {
        "__type__": "openai.types.chat.chat_completion_chunk.ChatCompletionChunk",
        "__data__": {
            "id": "rec-0123456789ab",
            "choices": [
                {
                    "delta": {"content": content, "role": "assistant" if index == 0 else None},
                    "finish_reason": finish,
                    "index": 0,
                    "logprobs": None,
                }
            ],
            "created": 0,
            "model": "gpt-4o-mini",
            "object": "chat.completion.chunk",
            "usage": None,
        },
    }


INLINE_STREAM: dict[str, Any] = {
    "test_id": "tests/test_chat.py::test_stream",
    "request": {
        "method": "POST",
        "url": "https://api.openai.com/v1/chat/completions",
        "headers": {},
        "body": {"model": "gpt-4o-mini", "messages": [], "stream": True},
        "endpoint": "/v1/chat/completions",
        "model": "gpt-4o-mini",
    },
    "response": {
        "body": [_chunk(0, ""), _chunk(1, "Hello"), _chunk(2, None, "stop")],
        "is_streaming": True,
    },
    "id_normalization_mapping": {},
}

INLINE_DICT: dict[str, Any] = {
    **INLINE_STREAM,
    "response": {
        "body": {
            "__type__": "openai.types.chat.chat_completion.ChatCompletion",
            "__data__": {
                "id": "rec-0123456789ab",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "Hello"},
                        "finish_reason": "stop",
                    }
                ],
                "object": "chat.completion",
            },
        },
        "is_streaming": False,
    },
}


def _base(real: Path, inline: dict[str, Any]) -> dict[str, Any]:
    """A real recording when ../shared is present, else our own inline one."""
    if real.is_file():
        return json.loads(real.read_text())
    return copy.deepcopy(inline)


def _write(path: Path, data: Any) -> Path:
    path.write_bytes(canonical_bytes(data))
    return path


def _where(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the nth occurrence of ``needle``."""
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _value_at(text: str, key_and_value: str, nth: int = 0) -> tuple[int, int]:
    """Position of the value in the nth ``"key": value`` line."""
    line, col = _where(text, key_and_value, nth)
    return line, col + key_and_value.index(": ") + 2


# --- real files and examples ----------------------------------------------------


@needs_shared
def test_every_real_recording_and_pair_is_valid(real_dir: Path, pairs_dir: Path) -> None:
    result = run("validate", real_dir, pairs_dir, "--format", "json")
    report = json.loads(result.stdout)
    assert result.exit_code == 0, report["errors"][:5]
    assert report["files"] == len(real_files()) + 2 * len(list(pairs_dir.iterdir()))
    assert report["valid"] == report["files"] and report["errors"] == []


@pytest.mark.skipif(not example_files(), reason="no examples yet")
def test_every_example_is_valid() -> None:
    result = run("validate", EXAMPLES)
    assert result.exit_code == 0, result.stdout
    n = len(example_files())
    assert result.stdout.splitlines()[-1] == f"{n} files: {n} valid, 0 invalid"


# --- corrupted copies: the right pointer and line ---------------------------------


def _case(
    mutate: Callable[[dict[str, Any]], None], *, streamed: bool = True
) -> Callable[[Path], Path]:
    """Build a mutated copy of a streamed (or single-object) recording in tmp."""

    def build(tmp: Path) -> Path:
        data = _base(STREAM_FILE, INLINE_STREAM) if streamed else _base(DICT_FILE, INLINE_DICT)
        mutate(data)
        return _write(tmp / "case.json", data)

    return build


def _raw_case(mutate: Callable[[bytes], bytes]) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        raw = canonical_bytes(_base(STREAM_FILE, INLINE_STREAM))
        path = tmp / "case.json"
        path.write_bytes(mutate(raw))
        return path

    return build


def _truncate(raw: bytes) -> bytes:
    lines = raw.decode().splitlines(keepends=True)
    cut = next(i for i in range(len(lines) // 2, len(lines)) if lines[i].endswith(",\n"))
    return "".join(lines[: cut + 1]).rstrip("\n").encode()


def _end_of(raw: bytes) -> tuple[int, int]:
    text = raw.decode()
    return text.count("\n") + 1, len(text.rsplit("\n", 1)[-1]) + 1


def _put_nan(raw: bytes) -> bytes:
    text = raw.decode()
    start = text.index('"created": ') + len('"created": ')
    end = text.index(",", start)
    return (text[:start] + "NaN" + text[end:]).encode()


def _bad_byte(raw: bytes) -> bytes:
    marker = b'"model": "'
    at = raw.index(marker) + len(marker)
    return raw[:at] + b"\xff" + raw[at:]


CASES: dict[str, tuple[Callable[[Path], Path], str, str, str, Callable[[str], tuple[int, int]]]] = {
    # name: (build, rule, pointer, message fragment, expected position from the file's text)
    "removed request": (
        _case(lambda d: d.pop("request")),
        "schema",
        "",
        'missing required key "request"',
        lambda text: (1, 1),
    ),
    "is_streaming yes": (
        _case(lambda d: d["response"].__setitem__("is_streaming", "yes")),
        "schema",
        "/response/is_streaming",
        'expected boolean, got string "yes"',
        lambda text: _value_at(text, '"is_streaming": "yes"'),
    ),
    "chunk without __data__": (
        _case(lambda d: d["response"]["body"][1].pop("__data__")),
        "schema",
        "/response/body/1",
        'missing required key "__data__"',
        lambda text: (_where(text, '"__type__"', 1)[0] - 1, _where(text, '"__type__"', 1)[1] - 2),
    ),
    "chunk choices a string": (
        _case(lambda d: d["response"]["body"][1]["__data__"].__setitem__("choices", "x")),
        "schema",
        "/response/body/1/__data__/choices",
        'expected array, got string "x"',
        lambda text: _value_at(text, '"choices": "x"'),
    ),
    "__data__ null": (
        _case(lambda d: d["response"]["body"][1].__setitem__("__data__", None)),
        "schema",
        "/response/body/1/__data__",
        "expected object, got null",
        lambda text: _value_at(text, '"__data__": null'),
    ),
    "streaming flag on a dict body": (
        _case(lambda d: d["response"].__setitem__("is_streaming", True), streamed=False),
        "streaming-needs-list",
        "/response/body",
        "is_streaming is true but the body is an object",
        lambda text: _value_at(text, '"body": {', 1),  # 0 is the request's
    ),
    "root array": (
        lambda tmp: _write(tmp / "case.json", [_base(STREAM_FILE, INLINE_STREAM)]),
        "schema",
        "",
        "expected object, got array",
        lambda text: (1, 1),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_corrupted_copy_is_rejected_at_the_value(name: str, tmp_path: Path) -> None:
    build, rule, pointer, fragment, where = CASES[name]
    path = build(tmp_path)
    line, column = where(path.read_text())
    result = run("validate", path, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["files"], report["valid"], report["invalid"]) == (1, 0, 1)
    found = [(e["rule"], e["pointer"], e["line"], e["column"]) for e in report["errors"]]
    assert (rule, pointer, line, column) in found
    assert any(fragment in e["message"] for e in report["errors"]), report["errors"]


RAW_CASES: dict[str, tuple[Callable[[Path], Path], str, Callable[[bytes], tuple[int, int]]]] = {
    "truncated file": (_raw_case(_truncate), "unexpected end of file (truncated?)", _end_of),
    "trailing garbage": (
        _raw_case(lambda raw: raw + b"garbage\n"),
        "unexpected data after the JSON document",
        lambda raw: (raw.count(b"\n"), 1),
    ),
    "non-UTF-8 bytes": (
        _raw_case(_bad_byte),
        "not valid UTF-8 (byte 0xff)",
        lambda raw: _where(raw.decode("latin-1"), "\xff"),
    ),
    "empty file": (_raw_case(lambda raw: b""), "empty file", lambda raw: (1, 1)),
    "NaN": (
        _raw_case(_put_nan),
        "NaN is not allowed",
        lambda raw: _value_at(raw.decode(), '"created": NaN'),
    ),
}


@pytest.mark.parametrize("name", list(RAW_CASES))
def test_bad_json_is_one_finding_with_position(name: str, tmp_path: Path) -> None:
    build, fragment, where = RAW_CASES[name]
    path = build(tmp_path)
    line, column = where(path.read_bytes())
    result = run("validate", path)
    assert result.exit_code == 1
    first, summary = result.stdout.splitlines()
    assert first.startswith(f"{path}:{line}:{column}: ")
    assert fragment in first and first.endswith(" [json]")
    assert summary == "1 file: 0 valid, 1 invalid (1 error, 0 warnings)"
    assert result.stderr == ""


def test_duplicate_key_is_a_warning_not_an_error(tmp_path: Path) -> None:
    text = canonical_bytes(_base(STREAM_FILE, INLINE_STREAM)).decode()
    text = text.replace('"is_streaming": true', '"is_streaming": true,\n    "is_streaming": true')
    path = tmp_path / "dupe.json"
    path.write_text(text)
    line, column = _where(text, '"is_streaming"', 1)
    result = run("validate", path)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{path}:{line}:{column}: /response: warning: duplicate key 'is_streaming' "
        "(the last value wins) [duplicate-key]",
        "1 file: 1 valid, 0 invalid (0 errors, 1 warning)",
    ]
    report = json.loads(run("validate", path, "--format", "json").stdout)
    assert report["errors"] == []
    assert [w["rule"] for w in report["warnings"]] == ["duplicate-key"]
    github = run("validate", path, "--format", "github").stdout
    assert github.startswith(f"::warning file={path},line={line},col={column},")


def test_validate_file_returns_problems_in_file_order(tmp_path: Path) -> None:
    data = _base(STREAM_FILE, INLINE_STREAM)
    data["response"]["body"][1]["__data__"]["choices"] = "x"
    data["request"]["method"] = 1
    problems = validate_file(_write(tmp_path / "two.json", data))
    assert [p.pointer for p in problems] == ["/request/method", "/response/body/1/__data__/choices"]
    assert problems[0].line < problems[1].line


# --- output formats -------------------------------------------------------------------


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A directory of mixed files: valid, invalid, broken JSON, nested, and a non-JSON file."""
    root = tmp_path / "mixed"
    (root / "nested" / "deeper").mkdir(parents=True)
    _write(root / "good.json", _base(STREAM_FILE, INLINE_STREAM))
    _write(root / "nested" / "dict.json", _base(DICT_FILE, INLINE_DICT))
    bad = _base(STREAM_FILE, INLINE_STREAM)
    bad["response"]["is_streaming"] = "yes"
    _write(root / "nested" / "deeper" / "bad.json", bad)
    (root / "broken.json").write_text('{"request": {}, "response": ')
    (root / "notes.txt").write_text("not a recording, not *.json: ignored")
    return root


def test_text_format_lines_and_summary_last(mixed: Path) -> None:
    result = run("validate", mixed)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == "4 files: 2 valid, 2 invalid (2 errors, 0 warnings)"
    bad = mixed / "nested" / "deeper" / "bad.json"
    line, column = _value_at(bad.read_text(), '"is_streaming": "yes"')
    assert (
        f"{bad}:{line}:{column}: /response/is_streaming: "
        'expected boolean, got string "yes" [schema]' in lines
    )
    assert any(x.startswith(f"{mixed / 'broken.json'}:1:") and "[json]" in x for x in lines)


def test_json_format_is_exactly_the_documented_object(mixed: Path) -> None:
    result = run("validate", mixed, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert list(report) == ["files", "valid", "invalid", "errors", "warnings"]
    assert (report["files"], report["valid"], report["invalid"]) == (4, 2, 2)
    for error in report["errors"]:
        assert list(error) == ["path", "line", "column", "pointer", "message", "rule"]
        assert isinstance(error["line"], int) and isinstance(error["column"], int)
    assert sorted(e["rule"] for e in report["errors"]) == ["json", "schema"]


def test_github_format_annotations(mixed: Path) -> None:
    result = run("validate", mixed, "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    bad = mixed / "nested" / "deeper" / "bad.json"
    line, column = _value_at(bad.read_text(), '"is_streaming": "yes"')
    assert (
        f"::error file={bad},line={line},col={column},title=recstack validate (schema)::"
        '/response/is_streaming: expected boolean, got string "yes"' in lines
    )
    assert sum(x.startswith("::error ") for x in lines) == 2
    assert lines[-1] == "4 files: 2 valid, 2 invalid (2 errors, 0 warnings)"


def test_colour_only_when_asked(mixed: Path) -> None:
    plain = run("validate", mixed)
    assert "\x1b[" not in plain.stdout
    coloured = run("validate", mixed, env={"NO_COLOR": "", "FORCE_COLOR": "1"})
    assert "\x1b[" in coloured.stdout
    assert coloured.exit_code == 1


# --- exit codes, stdin, options ------------------------------------------------------


def test_exit_codes(tmp_path: Path, mixed: Path) -> None:
    good = mixed / "good.json"
    assert run("validate", good).exit_code == 0
    assert run("validate", mixed).exit_code == 1
    missing = run("validate", good, tmp_path / "nope.json")
    assert missing.exit_code == 2
    assert f"{tmp_path / 'nope.json'}: no such file or directory" in missing.stderr
    assert missing.stdout.splitlines()[-1] == "1 file: 1 valid, 0 invalid; 1 path not found"
    bad_schema = tmp_path / "schema.json"
    bad_schema.write_text("{not json")
    unreadable = run("validate", good, "--schema", bad_schema)
    assert unreadable.exit_code == 2
    assert "schema is not valid JSON" in unreadable.stderr
    assert unreadable.stdout == ""
    assert run("validate", good, "--schema", tmp_path / "absent.json").exit_code == 2
    assert run("validate", good, "--format", "yaml").exit_code == 2


def test_missing_path_is_in_json_errors(tmp_path: Path, mixed: Path) -> None:
    result = run("validate", mixed / "good.json", tmp_path / "nope.json", "--format", "json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["files"] == 1
    assert report["errors"] == [
        {
            "path": str(tmp_path / "nope.json"),
            "line": None,
            "column": None,
            "pointer": "",
            "message": "no such file or directory",
            "rule": "io",
        }
    ]


def test_default_path_is_the_current_directory(mixed: Path) -> None:
    result = run_process("validate", cwd=mixed / "nested")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "2 files: 1 valid, 1 invalid (1 error, 0 warnings)"
    assert result.stdout.startswith("deeper/bad.json:")


def test_paths_on_stdin(mixed: Path) -> None:
    listing = f"{mixed / 'good.json'}\n\n{mixed / 'nested' / 'dict.json'}\n"
    result = run("validate", "-", input=listing)
    assert result.exit_code == 0
    assert result.stdout == "2 files: 2 valid, 0 invalid\n"
    as_process = run_process("validate", "-", mixed / "broken.json", input=listing)
    assert as_process.exit_code == 1
    assert as_process.stdout.splitlines()[-1].startswith("3 files: 2 valid, 1 invalid")


def test_list_rules() -> None:
    result = run("validate", "--list-rules")
    assert result.exit_code == 0
    ids = [line.split()[0] for line in result.stdout.splitlines()]
    for rule_id in ("json", "schema", "duplicate-key", "number-range", "streaming-needs-list"):
        assert rule_id in ids
    described = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert "at most 128 levels of nested objects and arrays" in described["json"]
    assert "1e400 would be read as infinity" in described["number-range"]
    for rule_id in ("exception-needs-data", "chunk-family", "test-id-match"):
        assert rule_id in ids
    rows = json.loads(run("validate", "--list-rules", "--format", "json").stdout)
    assert [r["rule"] for r in rows] == ids
    assert all(r["description"] for r in rows)


def test_schema_option_replaces_the_recording_schema(tmp_path: Path, mixed: Path) -> None:
    schema = tmp_path / "needs-tag.schema.json"
    schema.write_text(
        json.dumps(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "required": ["tag"],
            }
        )
    )
    good = mixed / "good.json"
    result = run("validate", good, "--schema", schema)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == f'{good}:1:1: missing required key "tag" [schema]'
    # The bad is_streaming is the recording schema's business, not this one's.
    bad = mixed / "nested" / "deeper" / "bad.json"
    assert "is_streaming" not in run("validate", bad, "--schema", schema).stdout
    not_a_schema = tmp_path / "wrong.json"
    not_a_schema.write_text('{"type": 12}')
    wrong = run("validate", good, "--schema", not_a_schema)
    assert wrong.exit_code == 2
    assert "not a valid JSON Schema" in wrong.stderr


def test_schema_odd_cases_are_findings_or_one_line(tmp_path: Path, mixed: Path) -> None:
    good = mixed / "good.json"
    # An ECMA-262 pattern the compiled engine knows and Python's re does not.
    ecma = tmp_path / "ecma.schema.json"
    ecma.write_text(
        json.dumps({"properties": {"request": {"properties": {"url": {"pattern": "^\\p{Lu}"}}}}})
    )
    result = run("validate", good, "--schema", ecma)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith(f"{good}:")
    assert "/request/url: " in result.stdout and "[schema]" in result.stdout
    deep = tmp_path / "deep.schema.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    nested = run("validate", good, "--schema", deep)
    assert nested.exit_code == 2
    assert (
        nested.stderr.strip()
        == f"recstack validate: {deep}: schema is not valid JSON: nested too deeply"
    )
    folder = run("validate", good, "--schema", tmp_path)
    assert folder.exit_code == 2
    assert "cannot read schema" in folder.stderr


@needs_shared
def test_parallel_jobs_give_the_same_report(real_copy: Path) -> None:
    victim = sorted(real_copy.glob("*.json"))[5]
    data = json.loads(victim.read_text())
    data["response"]["is_streaming"] = "yes"
    _write(victim, data)
    one = run("validate", real_copy, "--jobs", "1", "--format", "json")
    two = run("validate", real_copy, "--jobs", "2", "--format", "json")
    assert one.exit_code == two.exit_code == 1
    assert one.stdout == two.stdout
    report = json.loads(two.stdout)
    assert (report["files"], report["invalid"]) == (len(real_files()), 1)
    assert report["errors"][0]["path"] == str(victim)


def test_help_has_examples() -> None:
    result = run("validate", "--help")
    assert result.exit_code == 0
    assert "Examples" in result.stdout
    assert "--list-rules" in result.stdout and "--schema" in result.stdout


@pytest.mark.parametrize("data", [INLINE_STREAM, INLINE_DICT], ids=["stream", "dict"])
def test_inline_fallback_fixtures_are_valid(data: dict[str, Any], tmp_path: Path) -> None:
    # The corrupted-copy tests start from these when ../shared/recordings is absent.
    assert validate_file(_write(tmp_path / "inline.json", data)) == []


def test_unreadable_file_is_an_io_error(tmp_path: Path, mixed: Path) -> None:
    (mixed / "dangling.json").symlink_to(tmp_path / "gone.json")
    result = run("validate", mixed, "--format", "json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert (report["files"], report["invalid"]) == (5, 3)
    io = [e for e in report["errors"] if e["rule"] == "io"]
    assert [e["path"] for e in io] == [str(mixed / "dangling.json")]
    assert io[0]["message"].startswith("cannot read")


def test_special_files_in_a_directory_are_skipped(tmp_path: Path, mixed: Path) -> None:
    # A FIFO named *.json would block the read forever; a symlink loop is an I/O error.
    os.mkfifo(mixed / "pipe.json")
    (mixed / "loop-a.json").symlink_to(mixed / "loop-b.json")
    (mixed / "loop-b.json").symlink_to(mixed / "loop-a.json")
    (mixed / "folder.json").mkdir()
    result = run_process("validate", mixed, "--format", "json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["files"] == 6
    io = [e for e in report["errors"] if e["rule"] == "io"]
    assert [e["path"] for e in io] == [str(mixed / "loop-a.json"), str(mixed / "loop-b.json")]
    assert all("symbolic links" in e["message"] for e in io)


def test_a_file_named_twice_is_validated_once(mixed: Path) -> None:
    good = mixed / "good.json"
    result = run("validate", good, mixed / "." / "good.json", mixed)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1].startswith("4 files: 2 valid, 2 invalid")


@pytest.mark.parametrize(
    "raw",
    [
        canonical_bytes({"a": "caf\u00e9 \U0001f600", "b": [1.5, -4.5633427e-05, 10**20]}),
        b'{\n  "a": 1,\n  "a": 2\n}\n',  # upstream layout, but a duplicate key
        b'{"a": 1, "a": 2}',
        b'{"a": 1}',
        b'{\n  "a": "\\ud800"\n}\n',
    ],
    ids=["non-ascii and floats", "layout dupe", "compact dupe", "compact", "lone surrogate"],
)
def test_fast_parse_is_the_strict_parse(raw: bytes) -> None:
    exact = parse_exact(raw.decode("utf-8"), raw, "x.json")
    assert parse(raw, "x.json", check_duplicates=True) == exact


@needs_shared
def test_fast_parse_agrees_on_every_real_file() -> None:
    fast = 0
    for path in [*real_files(), *example_files()]:
        raw = path.read_bytes()
        data, warnings = parse(raw, str(path), check_duplicates=True)
        assert (data, warnings) == parse_exact(raw.decode("utf-8"), raw, str(path))
        if writing.canonical_bytes(data) == raw:
            assert canonical_bytes(data) == raw
            fast += 1
    assert fast > len(real_files()) * 0.8  # most files take the fast path
