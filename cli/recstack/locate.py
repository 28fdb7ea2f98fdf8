"""Map JSON Pointers back to line:column positions in the original text.

Parsing keeps no positions (that would slow down every file); when a finding needs
one, we walk the text again along the pointer only, skipping sibling values with
the C scanner of the standard library.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable

_DECODER = json.JSONDecoder()
_WS = " \t\n\r"


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1


def byte_line_col(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in bytes) of a byte offset."""
    offset = max(0, min(offset, len(raw)))
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def escape_token(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_from(parts: Iterable[str | int]) -> str:
    """Build an RFC 6901 pointer from path parts."""
    return "".join("/" + escape_token(p) for p in parts)


def split_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]


def _skip_ws(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in _WS:
        i += 1
    return i


def _skip_value(text: str, i: int) -> int:
    _, end = _DECODER.raw_decode(text, i)
    return end


def value_offset(text: str, pointer: str) -> int | None:
    """Character offset where the value at ``pointer`` starts, or None.

    For a pointer into a missing member, the offset of the closest existing parent
    is returned (that is where a reader should look).
    """
    parts = split_pointer(pointer)
    try:
        i = _skip_ws(text, 0)
        for part in parts:
            if i >= len(text):
                return None
            ch = text[i]
            found = None
            if ch == "{":
                found = _find_member(text, i, part)
            elif ch == "[" and part.isdigit():
                found = _find_item(text, i, int(part))
            if found is None:
                return i
            i = found
        return i
    except (ValueError, IndexError):
        return None


def _find_member(text: str, i: int, key: str) -> int | None:
    i = _skip_ws(text, i + 1)
    result = None
    while i < len(text) and text[i] != "}":
        name, i = _DECODER.raw_decode(text, i)
        i = _skip_ws(text, i)
        i = _skip_ws(text, i + 1)  # the colon
        if name == key:
            result = i  # keep going: with duplicate keys the last one wins
        i = _skip_ws(text, _skip_value(text, i))
        if i < len(text) and text[i] == ",":
            i = _skip_ws(text, i + 1)
    return result


def _find_item(text: str, i: int, index: int) -> int | None:
    i = _skip_ws(text, i + 1)
    n = 0
    while i < len(text) and text[i] != "]":
        if n == index:
            return i
        i = _skip_ws(text, _skip_value(text, i))
        if i < len(text) and text[i] == ",":
            i = _skip_ws(text, i + 1)
        n += 1
    return None


def locate(text: str, pointer: str) -> tuple[int | None, int | None]:
    """(line, column) of the value at ``pointer``; (None, None) when unknown."""
    offset = value_offset(text, pointer)
    if offset is None:
        return None, None
    return line_col(text, offset)


def find_duplicate_keys(text: str) -> list[tuple[str, str, int]]:
    """Every repeated key: (pointer of its object, key, offset of the repeat).

    A slow pure-Python walk; only run when a fast parse reported duplicates.
    """
    found: list[tuple[str, str, int]] = []

    def walk(i: int, path: list[str]) -> int:
        i = _skip_ws(text, i)
        ch = text[i]
        if ch == "{":
            seen: set[str] = set()
            i = _skip_ws(text, i + 1)
            while text[i] != "}":
                key_at = i
                name, i = _DECODER.raw_decode(text, i)
                if name in seen:
                    found.append((pointer_from(path), name, key_at))
                seen.add(name)
                i = _skip_ws(text, i)
                i = walk(i + 1, [*path, name])
                i = _skip_ws(text, i)
                if text[i] == ",":
                    i = _skip_ws(text, i + 1)
            return i + 1
        if ch == "[":
            i = _skip_ws(text, i + 1)
            n = 0
            while text[i] != "]":
                i = _skip_ws(text, walk(i, [*path, str(n)]))
                if text[i] == ",":
                    i = _skip_ws(text, i + 1)
                n += 1
            return i + 1
        return _skip_value(text, i)

    with contextlib.suppress(ValueError, IndexError):
        walk(0, [])
    return found
