"""Big files read piece by piece (recstack.layout): the same results as parsing them
whole, in bounded memory.

The piecewise path only runs on big files (``PIECEWISE_MIN``); here the thresholds
are lowered so that small files take it, and every result is compared with the whole
parse of the same bytes.
"""

from __future__ import annotations

import gc
import json
import shutil
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from recstack import layout, loading
from recstack import normalization as normalizing
from recstack.diffing.compare import Options, compare_bytes
from recstack.diffing.pairing import compare_pair, pair_files
from recstack.exactdiff import equal
from recstack.loading import load, load_recording, parse
from recstack.normalization import normalize_file
from recstack.problems import RecstackError

from conftest import EXAMPLES, example_files, needs_shared, real_files

CHUNK_TYPE = "openai.types.chat.chat_completion_chunk.ChatCompletionChunk"


def chat_stream(chunks: int, *, seed: str = "a", words: tuple[str, ...] = ("sky", "blue")) -> dict:
    """A streamed chat recording of ``chunks`` content chunks (fresh padding in each)."""

    def chunk(index: int, **delta: Any) -> dict[str, Any]:
        return {
            "__type__": CHUNK_TYPE,
            "__data__": {
                "id": f"chatcmpl-{seed}",
                "choices": [
                    {
                        "delta": {"content": None, "role": None, **delta},
                        "finish_reason": None,
                        "index": 0,
                        "logprobs": None,
                    }
                ],
                "created": 1778146521,
                "model": "gpt-4o-mini",
                "object": "chat.completion.chunk",
                "usage": None,
                "obfuscation": f"{seed}{index:x}",
            },
        }

    body = [chunk(0, role="assistant", content="")]
    body += [chunk(i + 1, content=" " + words[i % len(words)]) for i in range(chunks)]
    return {
        "test_id": "tests/test_x.py::test_y",
        "request": {
            "method": "POST",
            "url": "https://api.openai.com/v1/chat/completions",
            "headers": {},
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]},
            "endpoint": "/v1/chat/completions",
            "model": "gpt-4o-mini",
        },
        "response": {"body": body, "is_streaming": True},
        "id_normalization_mapping": {},
    }


def upstream(data: Any) -> bytes:
    return (json.dumps(data, indent=2) + "\n").encode()


@pytest.fixture
def piecewise(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file is read piece by piece, in pieces of a few hundred bytes."""
    monkeypatch.setattr(loading, "PIECEWISE_MIN", 0)
    monkeypatch.setattr(normalizing, "PIECEWISE_MIN", 0)
    monkeypatch.setattr(layout, "PIECE", 300)
    monkeypatch.setattr(layout, "GROUP", 700)


def whole(raw: bytes, name: str = "x.json") -> tuple[Any, list[Any]] | str:
    """What parsing ``raw`` whole gives: (data, problems), or the error line."""
    saved = loading.PIECEWISE_MIN
    loading.PIECEWISE_MIN = 1 << 62
    try:
        return parse(raw, name, check_duplicates=True)
    except RecstackError as exc:
        return exc.problem.one_line()
    finally:
        loading.PIECEWISE_MIN = saved


def pieces(raw: bytes, name: str = "x.json") -> tuple[Any, list[Any]] | str:
    try:
        return parse(raw, name, check_duplicates=True)
    except RecstackError as exc:
        return exc.problem.one_line()


def same(a: tuple[Any, list[Any]] | str, b: tuple[Any, list[Any]] | str) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return equal(a[0], b[0]) and a[1] == b[1]


# --- the same data as the whole parse -----------------------------------------------


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.stem)
def test_examples_read_piece_by_piece_as_whole(path: Path, piecewise: None) -> None:
    raw = path.read_bytes()
    assert same(pieces(raw), whole(raw))
    assert layout.read_layout(layout.Window(data=raw), loading.MAX_DEPTH) is not None


@needs_shared
def test_real_recordings_read_piece_by_piece_as_whole(piecewise: None) -> None:
    for path in real_files():
        raw = path.read_bytes()
        window = layout.Window(data=raw)
        assert equal(layout.read_layout(window, loading.MAX_DEPTH), json.loads(raw)), path.name


def test_a_stream_is_read_from_the_file_in_blocks(
    tmp_path: Path, piecewise: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(layout, "BLOCK", 512)
    data = chat_stream(300)
    path = tmp_path / "big.json"
    path.write_bytes(upstream(data))
    loaded = load_recording(path)
    assert loaded.raw is None and loaded.stat is not None  # the bytes are not kept
    assert equal(loaded.data, data)
    lines = path.read_text().splitlines()
    line = [n for n, text in enumerate(lines, 1) if '"id": "chatcmpl-a"' in text][3]
    assert loaded.position("/response/body/3/__data__/id") == (line, 17)  # read again


@pytest.mark.parametrize(
    "raw",
    [
        b'{\n  "a": [\n    1,\n    2\n  ]\n}',  # no final newline
        b'{\n  "a": [\n    1,\n    2\n  ]\n}\n\n',  # more after it
        b'{"a": [1, 2]}\n',  # compact
        b'{\n  "a": [\n    1,\n    2\n  ],\n  "a": [\n    3\n  ]\n}\n',  # a repeated key
        b'{\n  "a": [\n    1e400,\n    2\n  ]\n}\n',  # out of range
        b'{\n  "a": [\n    12345678901234567890123,\n    2\n  ]\n}\n',  # over 64 bits
        b'{\n  "a": [\n    1.5e-07,\n    1e-05\n  ]\n}\n',  # Python's float spelling
        b'{\n  "a": [\n    1.5e-7,\n    0.00001\n  ]\n}\n',  # orjson's
        b'{\n  "a": [\n    "caf\xc3\xa9"\n  ]\n}\n',  # not ASCII
        b'{\n  "a": [\n    "caf\\u00e9",\n    NaN\n  ]\n}\n',  # NaN
        b'{\n  "a": [\n    {\n      "b": 1\n    },\n    {\n      "b": 2\n  ]\n}\n',  # broken
        b'{\n  "a": [\n    {\n      "b": 1\n    }\n',  # truncated
        b'{\n  "a\\"b": {\n    "c": 1\n  }\n}\n',  # an escaped quote in a key
        b"[\n" + b"  [\n" * 130 + b"  ]\n" * 130 + b"]\n",  # too deep (and not indented)
        b"[\n  1,\n\n  2\n]\n",  # a blank line
        b"  \n",
        b"[\n  1,\n  2\n]\n",
    ],
)
def test_other_bytes_give_what_the_whole_parse_gives(raw: bytes, piecewise: None) -> None:
    assert same(pieces(raw), whole(raw))


def test_too_deep_in_the_layout_is_refused_alike(piecewise: None) -> None:
    data: Any = 1
    for _ in range(loading.MAX_DEPTH + 1):
        data = [data, 2]
    raw = upstream(data)
    assert "nested too deeply" in str(whole(raw))
    assert same(pieces(raw), whole(raw))


def test_equal_values_under_one_key_are_shared_and_nothing_else() -> None:
    data = [{"id": "x" * 30, "n": 12345678, "f": 0.0, "b": 1}, {"id": "x" * 30, "n": 12345678}]
    data += [{"f": -0.0, "b": True, "id": 7}]
    raw = upstream(data)
    parsed = json.loads(raw)
    layout.Sharer().share(parsed)
    assert equal(parsed, data)
    assert parsed[0]["id"] is parsed[1]["id"] and parsed[0]["n"] is parsed[1]["n"]
    assert str(parsed[2]["f"]) == "-0.0" and parsed[2]["b"] is True and parsed[2]["id"] == 7


# --- memory ---------------------------------------------------------------------------


def _traced(fn: Any) -> tuple[Any, int, int]:
    """fn(), with the peak and the largest block still allocated during it (bytes)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        largest = max((trace.size for trace in tracemalloc.take_snapshot().traces), default=0)
        return result, tracemalloc.get_traced_memory()[1], largest
    finally:
        tracemalloc.stop()


def test_a_parsed_file_keeps_no_decoded_copy_of_itself() -> None:
    raw = upstream(chat_stream(2000))  # about 0.8 MB, parsed whole
    (data, _), _, largest = _traced(lambda: parse(raw, "x.json"))
    assert data["response"]["body"][-1]["__data__"]["choices"][0]["delta"]["content"]
    assert largest < len(raw) // 4  # no str (or bytes) the size of the file survives


def test_a_big_file_is_read_in_about_the_memory_of_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loading, "PIECEWISE_MIN", 1 << 19)
    path = tmp_path / "big.json"
    path.write_bytes(upstream(chat_stream(4000)))  # about 1.5 MB
    size = path.stat().st_size
    loaded, peak, largest = _traced(lambda: load(path))
    assert loaded.raw is None
    # Parsed whole, the peak is the bytes, a decoded copy, orjson's copy and the data
    # (over 5x the file). Piece by piece: the data (about 1.5x) and a few blocks.
    assert peak < 3 * size, peak / size
    assert largest < size // 4


# --- normalize and diff, piece by piece ---------------------------------------------------


def test_normalize_writes_the_same_bytes_piece_by_piece(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "chat-" + "ab" * 32 + ".json"
    (tmp_path / "whole").mkdir()
    (tmp_path / "pieces").mkdir()
    for folder in ("whole", "pieces"):
        (tmp_path / folder / name).write_bytes(upstream(chat_stream(50)))
        for example in example_files():
            shutil.copy(example, tmp_path / folder / example.name)
    results = {}
    for folder in ("whole", "pieces"):
        if folder == "pieces":
            monkeypatch.setattr(loading, "PIECEWISE_MIN", 0)
            monkeypatch.setattr(normalizing, "PIECEWISE_MIN", 0)
            monkeypatch.setattr(layout, "PIECE", 300)
        results[folder] = [
            normalize_file(path).to_dict() | {"path": path.name}
            for path in sorted((tmp_path / folder).iterdir())
        ]
    assert results["pieces"] == results["whole"]
    assert any(item["written"] for item in results["pieces"])
    for path in (tmp_path / "whole").iterdir():
        assert (tmp_path / "pieces" / path.name).read_bytes() == path.read_bytes()


def test_an_unexpected_change_is_found_at_the_same_place_piece_by_piece(
    piecewise: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = upstream(chat_stream(40))
    changed = original.replace(b'" blue"', b'" BLUE"', 3)
    rewritable = normalizing._rewritable("default")
    found = normalizing._unexpected_piecewise(original, changed, rewritable)
    assert found == "response.body[2].__data__.choices[0].delta.content"
    monkeypatch.setattr(normalizing, "PIECEWISE_MIN", 1 << 62)
    assert normalizing._unexpected_change(original, changed, "default") == found
    volatile = original.replace(b'"created": 1778146521', b'"created": 0')
    assert normalizing._unexpected_piecewise(original, volatile, rewritable) is None


def test_two_files_compare_as_their_bytes_do(tmp_path: Path, piecewise: None) -> None:
    old = tmp_path / "old.json"
    new = tmp_path / "new.json"
    old.write_bytes(upstream(chat_stream(60, seed="a")))
    new.write_bytes(upstream(chat_stream(60, seed="b", words=("sky", "blue", "green"))))
    for a, b in [(old, new), (old, old), (EXAMPLES / "chat.json", new), (old, tmp_path / "no")]:
        by_files = compare_pair(pair_files(a, b), Options()).to_dict()
        raw_b = b.read_bytes() if b.exists() else None
        by_bytes = compare_bytes(str(b), a.read_bytes(), raw_b, Options(), old_label=str(a))
        if raw_b is None:  # a missing file is an error when read, "removed" as bytes
            assert by_files["status"] == "error" and "no such file" in json.dumps(by_files)
            continue
        by_bytes_dict = by_bytes.to_dict()
        assert by_files == by_bytes_dict
