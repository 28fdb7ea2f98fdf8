"""Writing files safely, and the exact bytes upstream writes.

:func:`write_atomic` never leaves a half-written file: the new bytes go to a temp
file in the same folder, then replace the original in one ``os.replace``: a reader,
or a run interrupted at any point, sees the old file or the new one, never a mix. On
any failure the temp file is removed and the original is intact. (Like black, ruff
and prettier, it does not fsync every file: that guards against power loss, not
interruption, and would cost more than the rest of the write.)
:func:`write_if_changed` does not touch a file whose bytes would not change (its
mtime stays).

Replacing a file makes a new inode. What that would lose, and what is done instead
(each refusal is a :class:`RefusedWrite` naming the reason; the file stays as it was):

- **Symbolic links** are followed only to a file inside the *tree*: the folder the
  file was found under (a directory argument; for a file named on its own, the folder
  holding it). A link leading elsewhere is refused: a recording cannot make recstack
  rewrite ``~/.bashrc``.
- **Concurrent changes**: the file must still be the one that was read: same device
  and inode, size and mtime as the ``fstat`` of the descriptor it was read from. A file
  changed or deleted since is refused (an edit is not lost, a deleted file does not
  come back). Checked when the write starts and again right before ``os.replace``;
  POSIX has no compare-and-replace, so a change between that last check and the
  replace itself (a few system calls) cannot be seen.
- **Owner and group** are copied to the temp file (``fchown``) before it replaces the
  file; when that is not permitted (the file belongs to another user, or to a group
  this user is not in), the file is refused rather than handed to a new owner.
  Permission bits are copied too (``fchmod``, after ``fchown``, which may clear
  set-id bits). ACLs and extended attributes are not copied.
- **Read-only files** (the write bit that applies to this user is clear; for root,
  the owner's) are refused: a rename would replace them, a write could not.
- **Hard links**: a file with more than one link is refused, not split (replacing
  one name would leave the others with the old bytes). Writing in place instead
  would keep the links but lose atomicity.
- Anything but a regular file is refused.

Temp files are named ``.NAME.recstack-PID-RANDOM.tmp``. One left by a killed run
(``SIGKILL``, a crash) is removed by the next write to that folder once it is stale:
older than :data:`STALE_AFTER` seconds with no live process of its pid (on this
machine), or older than :data:`STALE_ANYWAY` whatever its pid. A temp file that a
concurrent recstack is writing is young and its pid alive: it is kept.
:func:`remove_pending_temps` removes this process's own temp files (for a signal
handler that exits at once).

:func:`canonical_bytes` is ``json.dumps(obj, indent=2) + "\\n"`` byte for byte (the
upstream layout), computed with orjson and a few exact fix-ups instead of the
pure-Python indenting encoder; ``json.dumps`` itself is the
reference it is tested against.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import Any

import orjson

from recstack.jsonnumbers import dumps_text
from recstack.snapshot import read_snapshot, same_file

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
    """``(json.dumps(data, indent=2) + "\\n").encode()``, several times faster (a
    Decimal, a number no float holds, written as its exact literal)."""
    try:
        out = _indented(data)
    except (TypeError, orjson.JSONEncodeError):  # big ints, Decimals, lone surrogates
        return (dumps_text(data, indent=2) + "\n").encode("ascii")
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


def lays_out(data: Any, raw: bytes, level: int = 0) -> bool:
    """Writing ``data`` as a value nested ``level`` deep in upstream's layout (its inner
    lines indented by 2 * (level + 1) spaces, no final newline) gives ``raw`` exactly,
    floats spelled as Python or as orjson spells them: :func:`round_trips` for a piece
    of a file."""
    try:
        out = _indented(data)
    except (TypeError, orjson.JSONEncodeError, RecursionError):
        return False
    pad = b"\n" + b"  " * level
    if _reindented(out, pad) == raw:
        return True
    fixed = _python_floats(out)
    return fixed is not out and _reindented(fixed, pad) == raw


def _reindented(out: bytes, pad: bytes) -> bytes:
    """``out`` (a value at level 0, with its final newline) as written after ``pad``."""
    return out[:-1].replace(b"\n", pad) if len(pad) > 1 else out[:-1]


# --- atomic writes ----------------------------------------------------------------


class RefusedWrite(Exception):
    """A file recstack will not rewrite; ``reason`` says why. The file is left unchanged."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = os.fspath(path)
        self.reason = reason


# Temp files: ".NAME.recstack-PID-RANDOM.tmp" beside the file they will replace.
_TEMP_NAME = re.compile(r"\..*\.recstack-(\d+)-[0-9a-f]{8}\.tmp", re.DOTALL)
_NAME_MAX = 255  # bytes in one file name on the usual file systems
STALE_AFTER = 60.0  # seconds: older, and its process is gone -> stale
STALE_ANYWAY = 24 * 3600.0  # seconds: older -> stale, whatever its pid (pids are reused)

_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)

_pending: set[str] = set()  # this process's temp files, for remove_pending_temps()
_swept: set[str] = set()  # folders already cleared of stale temp files by this process


def _inside(tree: str, target: str) -> bool:
    return target != tree and os.path.commonpath([tree, target]) == tree


def _target(path: Path | str, tree: Path | str | None) -> str:
    """The real file a write to ``path`` replaces (symlinks resolved), if it is in ``tree``."""
    target = os.path.realpath(path)
    folder = os.fspath(tree) if tree is not None else os.path.dirname(os.path.abspath(path))
    if not _inside(os.path.realpath(folder), target):
        shown = folder if folder.endswith(os.sep) else folder + os.sep
        raise RefusedWrite(path, f"a symbolic link to a file outside {shown}")
    return target


def _lstat(target: str) -> os.stat_result | None:
    try:
        return os.lstat(target)
    except FileNotFoundError:
        return None


def _writable(info: os.stat_result) -> bool:
    """The write permission bit that applies to this process is set (root: the owner's)."""
    if not hasattr(os, "geteuid"):
        return bool(info.st_mode & stat.S_IWUSR)
    if os.geteuid() in (0, info.st_uid):
        return bool(info.st_mode & stat.S_IWUSR)
    if info.st_gid in {os.getegid(), *os.getgroups()}:
        return bool(info.st_mode & stat.S_IWGRP)
    return bool(info.st_mode & stat.S_IWOTH)


def _current(path: Path | str, target: str, seen: os.stat_result | None) -> os.stat_result | None:
    """The file as it is now, if it may still be replaced: the one ``seen`` (same inode,
    size and mtime; absent if ``seen`` is None), a regular file, writable, one link."""
    now = _lstat(target)
    if seen is None:
        if now is not None:
            raise RefusedWrite(path, "created by someone else while it was being written")
        return None
    if now is None:
        raise RefusedWrite(path, "deleted after it was read")
    if not stat.S_ISREG(now.st_mode):
        raise RefusedWrite(path, "not a regular file")
    if not same_file(seen, now):
        raise RefusedWrite(path, "changed after it was read")
    if not _writable(now):
        raise RefusedWrite(path, f"read-only, mode {stat.S_IMODE(now.st_mode):04o}")
    if now.st_nlink > 1:
        raise RefusedWrite(path, f"has {now.st_nlink} hard links, which replacing it would split")
    return now


def _temp_name(target: str) -> str:
    """A new temp file name beside ``target``, within the file-name length limit."""
    folder, name = os.path.split(target)
    suffix = f".recstack-{os.getpid()}-{secrets.token_hex(4)}.tmp"
    room = _NAME_MAX - 1 - len(suffix)
    stem = os.fsdecode(os.fsencode(name)[:room])
    return os.path.join(folder, f".{stem}{suffix}")


def _create_temp(target: str) -> tuple[int, str]:
    """Create a new hidden temp file beside ``target``: (fd, name).

    The name is chosen, and registered in ``_pending``, before the file is created
    (unlike ``mkstemp``), so that an interrupt arriving just after the creation can
    still remove it.
    """
    for _ in range(100):
        tmp = _temp_name(target)
        _pending.add(tmp)
        try:
            return os.open(tmp, _TEMP_FLAGS, 0o600), tmp
        except FileExistsError:
            _pending.discard(tmp)
            continue
        except BaseException:
            _discard(tmp)
            raise
    raise FileExistsError(errno.EEXIST, "no free temp file name", os.path.dirname(target))


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)
    _pending.discard(tmp)


def remove_pending_temps() -> None:
    """Remove the temp files this process is writing (a signal handler's last act)."""
    for tmp in list(_pending):
        _discard(tmp)


def pid_alive(pid: int) -> bool:
    """A process ``pid`` exists on this machine (maybe another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, but belongs to someone else
        return True
    return True


def _stale(entry: os.DirEntry[str], now: float) -> bool:
    match = _TEMP_NAME.fullmatch(entry.name)
    if match is None or int(match.group(1)) == os.getpid():
        return False
    try:
        if not entry.is_file(follow_symlinks=False):
            return False
        age = now - entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return False
    return age > STALE_ANYWAY or (age > STALE_AFTER and not pid_alive(int(match.group(1))))


def remove_stale_temps(folder: str) -> list[str]:
    """Remove the temp files a killed recstack left in ``folder``; their names.

    Stale: recstack's own naming, and older than :data:`STALE_AFTER` seconds with
    no process of its pid left, or older than :data:`STALE_ANYWAY`. A temp file a
    running recstack is writing is younger or has a live pid, and is kept.
    """
    removed = []
    now = time.time()
    try:
        with os.scandir(folder) as entries:
            stale = [entry.path for entry in entries if _stale(entry, now)]
    except OSError:
        return []
    for path in stale:
        with contextlib.suppress(OSError):
            os.unlink(path)
            removed.append(path)
    return removed


def _sweep(folder: str) -> None:
    """:func:`remove_stale_temps`, once per folder and process."""
    if folder not in _swept:
        _swept.add(folder)
        remove_stale_temps(folder)


def _adopt(fd: int, now: os.stat_result | None, path: Path | str) -> None:
    """Give the temp file ``fd`` the owner, group and permission bits of ``now``."""
    if now is None:
        return
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) != (now.st_uid, now.st_gid) and hasattr(os, "fchown"):
        try:
            os.fchown(fd, now.st_uid, now.st_gid)
        except PermissionError as exc:
            raise RefusedWrite(
                path,
                f"owned by uid {now.st_uid} gid {now.st_gid}, which its replacement "
                f"cannot keep: {(exc.strerror or str(exc)).lower()}",
            ) from None
    os.fchmod(fd, stat.S_IMODE(now.st_mode))


def ensure_unchanged(
    path: Path | str, seen: os.stat_result, tree: Path | str | None = None
) -> None:
    """Raise :class:`RefusedWrite` as :func:`write_atomic` would when ``path`` is no
    longer the file ``seen`` (or could not be replaced); nothing otherwise."""
    _current(path, _target(path, tree), seen)


def write_atomic(
    path: Path | str,
    data: bytes,
    *,
    seen: os.stat_result | None = None,
    tree: Path | str | None = None,
    like: os.stat_result | None = None,
) -> None:
    """Replace ``path`` with ``data`` atomically, keeping owner, group and permission bits.

    ``seen`` is the ``fstat`` of the file when it was read (see
    :func:`recstack.snapshot.read_snapshot`); without it, the file as it is when the
    write starts. ``tree`` is the folder the file was found under (default: the folder
    holding ``path``): a symbolic link is followed only to a file inside it. ``like``:
    for a file that does not exist yet, the ``stat`` of the file whose owner, group and
    permission bits it gets (a file moved to a new name); without it, mode 0600.

    Raises :class:`RefusedWrite` for a file that must not be replaced (see the module
    docstring) and OSError on failure; either way the original file is untouched and
    no temp file is left behind.
    """
    target = _target(path, tree)
    if seen is None:
        seen = _lstat(target)
    _current(path, target, seen)
    _sweep(os.path.dirname(target))
    fd, tmp = _create_temp(target)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            _adopt(fd, _current(path, target, seen) or like, path)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        _discard(tmp)
        raise
    _pending.discard(tmp)


def write_if_changed(
    path: Path | str,
    data: bytes,
    *,
    original: bytes | None = None,
    seen: os.stat_result | None = None,
    tree: Path | str | None = None,
) -> bool:
    """Write ``data`` atomically unless the file already holds exactly these bytes.

    ``original`` and ``seen`` are the file's bytes and ``fstat`` when the caller read
    it (both or neither); without them the file is read here. ``tree`` as in
    :func:`write_atomic`. Returns True when the file was written.
    """
    if original is None:
        try:
            snapshot = read_snapshot(path)
        except FileNotFoundError:
            pass
        else:
            original, seen = snapshot.raw, snapshot.stat
    if original == data:
        return False
    write_atomic(path, data, seen=seen, tree=tree)
    return True
