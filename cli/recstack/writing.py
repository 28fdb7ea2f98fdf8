"""Writing files safely, and the exact bytes upstream writes.

:func:`write_atomic` never leaves a half-written file: the new bytes go to a temp
file in the same folder, then replace the original in one ``os.replace``: a reader,
or a run interrupted at any point, sees the old file or the new one, never a mix. On
any failure the temp file is removed and the original is intact. (Like black, ruff
and prettier, it does not fsync every file: that guards against power loss, not
interruption, and would cost more than the rest of the write.)
:func:`write_if_changed` does not touch a file whose bytes would not change (its
mtime stays).

:func:`canonical_bytes` is ``json.dumps(obj, indent=2) + "\\n"`` byte for byte (the
upstream layout), computed with orjson and a few exact fix-ups instead of the
pure-Python indenting encoder; :func:`recstack.loading.canonical_bytes` is the
reference it is tested against.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import json
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Any

import orjson

# --- exact json.dumps(indent=2) with orjson ---------------------------------------

# Floats orjson formats differently from Python's repr: those with an exponent
# ("1.5e-7" vs "1.5e-07") and small ones written in full ("0.00001" vs "1e-05").
# They are found with bytes.find (C speed) and re-rendered with repr(). A number
# token follows a space (after ": " or the indentation) and ends its line, maybe
# with a comma; a string never ends a line (it closes with a quote first), so a
# token found this way is never inside a string.
_NEEDLES = (b"0.0000", b"e-", b"e+")
_NUMBER_CHARS = frozenset(b"-+.0123456789e")
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
_SPACE, _COMMA, _NEWLINE = ord(" "), ord(","), ord("\n")


def _number_around(out: bytes, i: int) -> tuple[int, int] | None:
    """The span of the number token containing index ``i``, if it is one."""
    start = i
    while start > 0 and out[start - 1] in _NUMBER_CHARS:
        start -= 1
    end, size = i, len(out)
    while end < size and out[end] in _NUMBER_CHARS:
        end += 1
    if (start > 0 and out[start - 1] != _SPACE) or end >= size:
        return None
    after = out[end]
    if after != _NEWLINE and not (after == _COMMA and end + 1 < size and out[end + 1] == _NEWLINE):
        return None
    return (start, end) if _NUMBER.fullmatch(out, start, end) else None


def _python_floats(out: bytes) -> bytes:
    spans: set[tuple[int, int]] = set()
    for needle in _NEEDLES:
        i = out.find(needle)
        while i != -1:
            span = _number_around(out, i)
            if span is not None:
                spans.add(span)
            i = out.find(needle, i + 1)
    if not spans:
        return out
    parts: list[bytes] = []
    last = 0
    for start, end in sorted(spans):
        parts.append(out[last:start])
        parts.append(repr(float(out[start:end])).encode("ascii"))
        last = end
    parts.append(out[last:])
    return b"".join(parts)


def _json_escape(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: non-ASCII as json.dumps writes it (\\uXXXX, surrogate pairs)."""
    assert isinstance(error, UnicodeEncodeError)
    out = []
    for char in error.object[error.start : error.end]:
        code = ord(char)
        if code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            code -= 0x10000
            out.append(f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}")
    return "".join(out), error.end


codecs.register_error("recstack-json-escape", _json_escape)


def _indented(data: Any) -> bytes:
    """orjson's indented output, escaped to ASCII as json.dumps does (floats as orjson
    writes them). Raises TypeError / JSONEncodeError for what orjson cannot write."""
    out = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    if not out.isascii():
        out = out.decode("utf-8").encode("ascii", "recstack-json-escape")
    if b"\x7f" in out:  # DEL is ASCII, but json.dumps escapes it (only in strings)
        out = out.replace(b"\x7f", b"\\u007f")
    return out


def canonical_bytes(data: Any) -> bytes:
    """``(json.dumps(data, indent=2) + "\\n").encode()``, several times faster."""
    try:
        out = _indented(data)
    except (TypeError, orjson.JSONEncodeError):  # big ints, lone surrogates, non-str keys
        return (json.dumps(data, indent=2) + "\n").encode("ascii")
    return _python_floats(out)


def round_trips(data: Any, raw: bytes) -> bool:
    """Writing ``data`` back gives ``raw`` exactly: upstream's layout (``canonical_bytes``),
    or the same with floats spelled as orjson spells them.

    Cheap in the usual case: the float fix-up only runs when orjson's own output
    differs from ``raw``.
    """
    try:
        out = _indented(data)
    except (TypeError, orjson.JSONEncodeError, RecursionError):
        return False
    return out == raw or _python_floats(out) == raw


# --- atomic writes ----------------------------------------------------------------


def _target(path: Path | str) -> Path:
    """The file a write to ``path`` replaces: a symlink is followed, the link stays."""
    return Path(os.path.realpath(path) if os.path.islink(path) else path)


def _mode(target: Path) -> int | None:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return None


def _fill(fd: int, data: bytes, mode: int | None) -> None:
    """Write ``data`` to the open temp file ``fd`` (closed after), with ``mode``."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if mode is not None:
            os.fchmod(fd, mode)
    finally:
        os.close(fd)


_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _create_temp(target: Path) -> tuple[int, str]:
    """Create a new hidden temp file beside ``target``: (fd, name).

    The name is chosen before the file is created (unlike ``mkstemp``), so that an
    interrupt arriving just after the creation can still remove it.
    """
    for _ in range(100):
        tmp = os.path.join(target.parent, f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, _TEMP_FLAGS, 0o600), tmp
        except FileExistsError:
            continue
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    raise FileExistsError(errno.EEXIST, "no free temp file name", str(target.parent))


def write_atomic(path: Path | str, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, keeping the file's permission bits.

    The bytes go to a temp file in the same folder, then replace the file in one
    ``os.replace``. A symlink is followed. Raises OSError on failure, with
    the original file untouched and no temp file left behind.
    """
    target = _target(path)
    mode = _mode(target)
    fd, tmp = _create_temp(target)
    try:
        _fill(fd, data, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_if_changed(
    path: Path | str,
    data: bytes,
    *,
    original: bytes | None = None,
) -> bool:
    """Write ``data`` atomically unless the file already holds exactly these bytes.

    ``original`` is the file's current content when the caller has read it already.
    Returns True when the file was written.
    """
    if original is None:
        try:
            original = Path(path).read_bytes()
        except FileNotFoundError:
            original = None
    if original == data:
        return False
    write_atomic(path, data)
    return True
