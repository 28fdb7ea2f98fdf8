"""Reading a big file in upstream's layout piece by piece, in bounded memory.

Upstream writes every recording as ``json.dumps(obj, indent=2) + "\\n"`` (see
``docs/format.md``): ASCII only, one value or key per line, the items of a container
at level k indented by 2(k+1) spaces, and no raw newline inside a string. That makes
the end of every item findable with one ``bytes.find``: a container that opens at
level k closes at the first line that is exactly 2k spaces and its bracket.

:func:`read_layout` parses such a file from a stream: a container small enough is
parsed whole by orjson, a big one item by item (runs of small items together), so the
file's bytes are never all held at once, nor orjson's transient copy of the whole
document. Every piece must give back exactly its own bytes when written again at its
level (:func:`recstack.writing.lays_out`): every number was read exactly, no key is
repeated inside it, and the skeleton around the pieces is checked byte for byte, so
the result is exactly what parsing the whole file would give. Anything else (another
layout, a broken file, a repeated key between two items) gives None, and the caller
parses the whole file as usual (with its positioned problems).

Values met again under the same key (a stream's id, model and type in every chunk)
are shared with their previous occurrence (:class:`Sharer`): equal strings and
integers, never a float (0.0 and -0.0 are equal), never across types (1 and True).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from itertools import zip_longest
from typing import Any

import orjson

from recstack.writing import lays_out

# A piece is parsed whole below this size; a container bigger than that is read item
# by item. Runs of small list items are parsed together up to GROUP bytes.
PIECE = 1 << 20
GROUP = 1 << 16
BLOCK = 1 << 20  # bytes read at a time
_KEY = re.compile(rb'"(?:[^"\\\n]|\\.)*": ')
_NL, _COMMA, _SPACE = ord("\n"), ord(","), ord(" ")
_CLOSE = {ord("{"): b"}", ord("["): b"]"}


class NotLayout(Exception):
    """The bytes are not exactly upstream's layout (or not JSON at all)."""


class Window:
    """The bytes of a stream from some offset on, read as they are needed.

    Positions are absolute offsets in the stream. Bytes before :meth:`release`'s offset
    are dropped when the window is compacted.
    """

    def __init__(self, read: Callable[[int], bytes] | None = None, data: bytes = b"") -> None:
        self._read = read
        self.buf = bytearray(data) if read is not None else data
        self.base = 0
        self.eof = read is None

    @property
    def end(self) -> int:
        return self.base + len(self.buf)

    def _fill(self) -> bool:
        if self.eof or self._read is None:
            return False
        chunk = self._read(BLOCK)
        if not chunk:
            self.eof = True
            return False
        assert isinstance(self.buf, bytearray)
        self.buf += chunk
        return True

    def release(self, offset: int) -> None:
        """Bytes before ``offset`` are no longer needed."""
        drop = offset - self.base
        if isinstance(self.buf, bytearray) and drop > BLOCK and drop > len(self.buf) // 2:
            del self.buf[:drop]
            self.base = offset

    def fill_to(self, end: int) -> None:
        """Make bytes up to ``end`` (exclusive) available, as far as there are any."""
        while self.end < end and self._fill():
            pass

    def need(self, end: int) -> None:
        """Make bytes up to ``end`` (exclusive) available, or raise NotLayout."""
        self.fill_to(end)
        if self.end < end:
            raise NotLayout("unexpected end of data")

    def get(self, start: int, end: int) -> bytes:
        self.need(end)
        return bytes(self.buf[start - self.base : end - self.base])

    def byte(self, at: int) -> int:
        self.need(at + 1)
        return self.buf[at - self.base]

    def find(self, needle: bytes, start: int, limit: int | None = None) -> int:
        """Absolute offset of ``needle`` at or after ``start`` (ending before ``start +
        limit`` when a limit is given), or -1."""
        searched = start
        while True:
            stop = self.end if limit is None else min(self.end, start + limit)
            found = self.buf.find(needle, searched - self.base, stop - self.base)
            if found >= 0:
                return found + self.base
            if (limit is not None and self.end >= start + limit) or not self._fill():
                return -1
            searched = max(start, stop - len(needle) + 1)


class Sharer:
    """Replaces a string or integer equal to the last one seen under the same key by
    that one (one object instead of a copy per chunk)."""

    def __init__(self) -> None:
        self.last: dict[str, Any] = {}

    def share(self, value: Any) -> None:
        """Share the values inside ``value`` (a dict or list, changed in place)."""
        last = self.last
        if type(value) is dict:
            for key, item in value.items():
                kind = type(item)
                if kind is str or kind is int:
                    prev = last.get(key)
                    if prev is not item and type(prev) is kind and prev == item:
                        value[key] = prev
                    else:
                        last[key] = item
                elif kind is dict or kind is list:
                    self.share(item)
        elif type(value) is list:
            for item in value:
                if type(item) is dict or type(item) is list:
                    self.share(item)


def _pad(level: int) -> bytes:
    return b"  " * level


class _Reader:
    def __init__(self, window: Window, max_depth: int) -> None:
        self.w = window
        self.sharer = Sharer()
        self.max_depth = max_depth
        # In upstream's layout, a line indented this far is nested over max_depth levels.
        self.too_deep = b"\n" + b" " * (2 * max_depth - 1)

    def checked(self, raw: bytes, value: Any, level: int) -> Any:
        """``value`` parsed from ``raw`` at ``level``, if ``raw`` is exactly its layout."""
        if self.too_deep in raw or not lays_out(value, raw, level):
            raise NotLayout("not in upstream's layout")
        if type(value) is dict or type(value) is list:
            self.sharer.share(value)
        return value

    def piece(self, start: int, end: int, level: int) -> Any:
        raw = self.w.get(start, end)
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise NotLayout("not JSON") from None
        return self.checked(raw, value, level)

    def value(self, pos: int, level: int) -> tuple[Any, int]:
        """The value starting at ``pos`` (at nesting ``level``) and the offset after it."""
        w = self.w
        first = w.byte(pos)
        if first in _CLOSE and w.byte(pos + 1) == _NL:
            closer = b"\n" + _pad(level) + _CLOSE[first]
            found = w.find(closer, pos, PIECE)
            if found >= 0:
                end = found + len(closer)
                return self.piece(pos, end, level), end
            return self.container(pos, level)
        newline = w.find(b"\n", pos)
        if newline < 0:
            raise NotLayout("no end of line")
        end = newline - 1 if w.byte(newline - 1) == _COMMA else newline
        return self.piece(pos, end, level), end

    def expect(self, pos: int, text: bytes) -> int:
        if self.w.get(pos, pos + len(text)) != text:
            raise NotLayout("unexpected bytes")
        return pos + len(text)

    def container(self, pos: int, level: int) -> tuple[Any, int]:
        """A big container, item by item."""
        if level + 1 >= self.max_depth:
            raise NotLayout("too deep")
        w = self.w
        is_object = w.byte(pos) == ord("{")
        inner = _pad(level + 1)
        closer = b"\n" + _pad(level) + (b"}" if is_object else b"]")
        separator = b",\n" + inner
        pos = self.expect(pos + 2, inner)
        out: Any = {} if is_object else []
        while True:
            w.release(pos)
            pos = self.member(pos, level, out) if is_object else self.items(pos, level, out)
            after = w.get(pos, pos + 2)
            if after == b",\n":
                pos = self.expect(pos, separator)
            else:
                return out, self.expect(pos, closer)

    def member(self, pos: int, level: int, out: dict[str, Any]) -> int:
        w = self.w
        newline = w.find(b"\n", pos)
        if newline < 0:
            raise NotLayout("no end of line")
        found = _KEY.match(w.buf, pos - w.base, newline - w.base)
        if found is None:
            raise NotLayout("no key")
        key = self.piece(pos, pos + len(found.group()) - 2, level + 1)
        if not isinstance(key, str) or key in out:
            raise NotLayout("repeated key")
        value, end = self.value(pos + len(found.group()), level + 1)
        out[key] = value
        return end

    def items(self, pos: int, level: int, out: list[Any]) -> int:
        """One item, or a run of small object items parsed together; the offset after."""
        w = self.w
        inner = _pad(level + 1)
        boundary = b"\n" + inner + b"},\n" + inner + b"{"
        if w.byte(pos) == ord("{"):
            w.fill_to(pos + GROUP)
            found = w.buf.rfind(boundary, pos - w.base, min(w.end, pos + GROUP) - w.base)
            if found >= 0:
                end = found + w.base + len(inner) + 2  # after the run's last "}"
                wrapped = b"[\n" + inner + w.get(pos, end) + b"\n" + _pad(level) + b"]"
                try:
                    run = orjson.loads(wrapped)
                except orjson.JSONDecodeError:
                    raise NotLayout("not JSON") from None
                out.extend(self.checked(wrapped, run, level))
                return end
        value, end = self.value(pos, level + 1)
        out.append(value)
        return end


def read_layout(window: Window, max_depth: int) -> Any:
    """The document in ``window`` (a container in upstream's layout, nested at most
    ``max_depth`` levels, then ``\\n`` and the end), or raise :class:`NotLayout`."""
    reader = _Reader(window, max_depth)
    if window.byte(0) not in _CLOSE or window.byte(1) != _NL:
        raise NotLayout("not a container")
    value, end = reader.value(0, 0)
    end = reader.expect(end, b"\n")
    if window.end > end or window._fill():
        raise NotLayout("data after the document")
    return value


# --- two documents side by side ---------------------------------------------------------

Part = str | int


def value_end(buf: bytes, pos: int, level: int) -> int:
    """Where the value starting at ``pos`` (nested ``level`` deep) ends in ``buf``."""
    first = buf[pos]
    if first in _CLOSE and buf[pos + 1] == _NL:
        closer = b"\n" + _pad(level) + _CLOSE[first]
        found = buf.find(closer, pos)
        if found < 0:
            raise NotLayout("unclosed container")
        return found + len(closer)
    newline = buf.find(b"\n", pos)
    if newline < 0:
        raise NotLayout("no end of line")
    return newline - 1 if buf[newline - 1] == _COMMA else newline


def item_spans(buf: bytes, pos: int, level: int) -> Iterator[tuple[Part, int, int]]:
    """(key or index, start, end) of each item of the multi-line container at ``pos``."""
    is_object = buf[pos] == ord("{")
    inner = _pad(level + 1)
    separator = b",\n" + inner
    closer = b"\n" + _pad(level) + (b"}" if is_object else b"]")
    if not buf.startswith(b"\n" + inner, pos + 1):
        raise NotLayout("not a multi-line container")
    pos += 2 + len(inner)
    index = 0
    while True:
        key: Part = index
        if is_object:
            found = _KEY.match(buf, pos)
            if found is None:
                raise NotLayout("no key")
            key = orjson.loads(found.group()[:-2])
            pos += len(found.group())
        end = value_end(buf, pos, level + 1)
        yield key, pos, end
        if buf.startswith(separator, end):
            pos, index = end + len(separator), index + 1
        elif buf.startswith(closer, end):
            return
        else:
            raise NotLayout("unexpected bytes")


def _is_container(buf: bytes, pos: int) -> bool:
    return buf[pos] in _CLOSE and buf[pos + 1] == _NL


def _is_model(buf: bytes, members: list[tuple[Part, int, int]]) -> bool:
    """The object whose members these are says ``"object": "model"``."""
    return any(key == "object" and buf[start:end] == b'"model"' for key, start, end in members)


def paired_pieces(a: bytes, b: bytes) -> Iterator[tuple[tuple[Part, ...], bytes, bytes, bool]]:
    """Two documents in upstream's layout, split alike: (path, piece of ``a``, piece of
    ``b``, True when the piece is a member of an object whose ``object`` is ``"model"``),
    in document order. A container bigger than :data:`PIECE` in ``a`` is split into its
    items when ``b`` has the same container there with the same keys (or as many items);
    otherwise NotLayout is raised."""
    yield from _paired(a, b, 0, 0, 0, (), False)


def _paired(
    a: bytes, b: bytes, pos_a: int, pos_b: int, level: int, path: tuple[Part, ...], in_model: bool
) -> Iterator[tuple[tuple[Part, ...], bytes, bytes, bool]]:
    end_a, end_b = value_end(a, pos_a, level), value_end(b, pos_b, level)
    if end_a - pos_a <= PIECE or not _is_container(a, pos_a):
        yield path, a[pos_a:end_a], b[pos_b:end_b], in_model
        return
    if not _is_container(b, pos_b) or a[pos_a] != b[pos_b]:
        raise NotLayout("the documents differ in shape")
    items_a: Iterable[tuple[Part, int, int]] = item_spans(a, pos_a, level)
    items_b: Iterable[tuple[Part, int, int]] = item_spans(b, pos_b, level)
    model = False
    if a[pos_a] == ord("{"):  # an object has few members: listed, to compare keys first
        members_a, members_b = list(items_a), list(items_b)
        if [key for key, _, _ in members_a] != [key for key, _, _ in members_b]:
            raise NotLayout("the documents differ in keys")
        model = _is_model(a, members_a)
        if model != _is_model(b, members_b):
            raise NotLayout("the documents differ in kind")
        items_a, items_b = members_a, members_b
    pairs = zip_longest(items_a, items_b, fillvalue=(-1, 0, 0))
    for (key, start_a, _), (other, start_b, _) in pairs:
        if key != other:
            raise NotLayout("the documents differ in length")
        yield from _paired(a, b, start_a, start_b, level + 1, (*path, key), model)
