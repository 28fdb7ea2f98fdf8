"""Finding recording files and parsing them strictly.

Strict means: UTF-8 only (no BOM), exactly one JSON document, no ``NaN`` /
``Infinity`` literals, and (optionally) duplicate object keys reported as warnings.
Every failure becomes a :class:`~recstack.problems.Problem` with a line and column,
never an exception escaping to the user.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import orjson

from recstack import writing
from recstack.locate import byte_line_col, find_duplicate_keys, line_col, locate
from recstack.problems import Problem, RecstackError
from recstack.snapshot import NotRegularFile, Snapshot, read_snapshot

_KINDS = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


def json_kind(value: Any) -> str:
    """The JSON name of a parsed value's type: object, array, string, integer, ..."""
    return _KINDS.get(type(value), type(value).__name__)


@dataclass
class Discovery:
    """What a list of command-line paths expands to.

    ``missing`` holds every path that could not be used, each as one I/O problem:
    a path that does not exist, a name too long, a symbolic-link loop, a directory
    that cannot be read (exit 2 in every command). ``trees`` maps each file (as
    ``os.fspath``) to the tree it was found under: the directory argument, or for a
    file named explicitly (as an argument or on stdin) the directory holding it.
    """

    files: list[Path] = field(default_factory=list)
    missing: list[Problem] = field(default_factory=list)
    trees: dict[str, str] = field(default_factory=dict)


def discover(
    args: Sequence[str],
    *,
    stdin: TextIO | None = None,
    pattern: str = "*.json",
    default: str = ".",
) -> Discovery:
    """Expand files, directories (recursively, ``pattern``) and ``-`` (paths on stdin).

    Files named explicitly are kept whatever their extension (reading refuses what is
    not a regular file). A path that cannot be used (missing, unreadable, a name too
    long, a symlink loop) becomes one problem and the rest goes on. Order is stable:
    arguments in order, each directory's files sorted; a file named twice is listed once.
    """
    result = Discovery()
    seen: set[str] = set()
    expanded: list[str] = []
    for arg in args or [default]:
        if arg == "-":
            source = stdin if stdin is not None else sys.stdin
            expanded.extend(line.strip() for line in source if line.strip())
        else:
            expanded.append(arg)
    for arg in expanded:
        path = Path(arg)
        try:
            info = os.stat(path)
        except OSError as exc:
            result.missing.append(io_problem(path, exc))
            continue
        if stat.S_ISDIR(info.st_mode):
            found = sorted(walk(path, pattern, on_error=result.missing.append))
            tree = os.fspath(path)
        else:
            found = [path]
            tree = os.path.dirname(os.fspath(path)) or os.curdir
        for item in found:
            key = os.path.normpath(str(item))
            if key not in seen:
                seen.add(key)
                result.files.append(item)
                result.trees[os.fspath(item)] = tree
    return result


def io_problem(path: Path | str, exc: OSError, doing: str = "") -> Problem:
    """One line for an OSError about ``path``: "no such file or directory", "cannot
    read: permission denied", "file name too long", ..."""
    if isinstance(exc, NotRegularFile):
        return Problem(str(path), f"{exc.kind}, not a regular file: not read", rule="io")
    if isinstance(exc, IsADirectoryError):
        return Problem(str(path), "is a directory", rule="io")
    reason = exc.strerror or str(exc) or type(exc).__name__
    reason = reason[:1].lower() + reason[1:]
    return Problem(str(path), f"{doing}{reason}", rule="io")


def check_path(path: Path | str) -> os.stat_result:
    """``os.stat(path)``, or a RecstackError naming the problem in one line."""
    try:
        return os.stat(path)
    except OSError as exc:
        raise RecstackError(io_problem(path, exc)) from None


def walk(
    root: Path,
    pattern: str = "*.json",
    *,
    on_error: Callable[[Problem], None] | None = None,
) -> Iterable[Path]:
    """Files under ``root`` matching ``pattern``: hidden folders and FIFOs/devices skipped.

    A directory that cannot be read is an I/O problem: passed to ``on_error`` (and
    the walk goes on), or raised as a RecstackError when there is no ``on_error``.
    """

    def failed(exc: OSError) -> None:
        problem = io_problem(exc.filename or root, exc, "cannot read directory: ")
        if on_error is None:
            raise RecstackError(problem)
        on_error(problem)

    for dirpath, dirnames, filenames in os.walk(root, onerror=failed):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        base = Path(dirpath)
        for name in filenames:
            if Path(name).match(pattern) and not _is_special(base / name):
                yield base / name


def _is_special(path: Path) -> bool:
    """A FIFO, socket or device found in a directory: never read (a FIFO would block).

    Broken symbolic links are kept: reading them reports the problem.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def read_file(path: Path | str) -> Snapshot:
    """The regular file's bytes and its ``fstat`` when read, or a RecstackError naming
    the I/O problem (a FIFO or device is refused, never read)."""
    try:
        return read_snapshot(path)
    except OSError as exc:
        raise RecstackError(io_problem(path, exc, "cannot read: ")) from None


def read_bytes(path: Path | str) -> bytes:
    """The regular file's bytes, or a RecstackError naming the I/O problem."""
    return read_file(path).raw


class _Constant(Exception):
    pass


def _reject_constant(name: str) -> Any:
    raise _Constant(name)


def decode_text(raw: bytes, path: str) -> str:
    """UTF-8 text of a file, or a problem at the first bad byte."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise RecstackError(
            Problem(path, "starts with a UTF-8 byte order mark (BOM)", 1, 1, rule="json")
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = byte_line_col(raw, exc.start)
        bad = raw[exc.start : exc.start + 1].hex()
        raise RecstackError(
            Problem(path, f"not valid UTF-8 (byte 0x{bad})", line, col, rule="json")
        ) from None


def parse(raw: bytes, path: str, *, check_duplicates: bool = False) -> tuple[Any, list[Problem]]:
    """Parse one JSON document strictly; return (data, warnings).

    Raises RecstackError with a positioned problem for anything that is not
    exactly one valid JSON document. With ``check_duplicates``, repeated object keys
    are reported as warnings.
    """
    text = decode_text(raw, path)
    if not text.strip():
        raise RecstackError(Problem(path, "empty file", 1, 1, rule="json"))
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        # Broken, or valid JSON orjson refuses (a lone surrogate escape): the exact
        # parse tells which, with a position.
        return parse_with_duplicates(text, raw, path)
    # A file already in upstream's layout cannot hold a duplicate key: writing the
    # parsed value back would lose it and give other bytes. Only the other files
    # (hand-edited, minified) need the slower duplicate-aware parse.
    if not check_duplicates or writing.round_trips(data, raw):
        return data, []
    return parse_with_duplicates(text, raw, path)


def parse_with_duplicates(text: str, raw: bytes, path: str) -> tuple[Any, list[Problem]]:
    """The exact strict parse of ``text`` (``raw`` decoded), duplicate keys as warnings."""
    warnings: list[Problem] = []
    dupes = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal dupes
        obj = dict(items)
        if len(obj) != len(items):
            dupes = True
        return obj

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=_reject_constant)
    except (json.JSONDecodeError, _Constant, RecursionError):
        _raise_syntax(text, raw, path)
    if dupes:
        for pointer, key, offset in find_duplicate_keys(text):
            line, col = line_col(text, offset)
            warnings.append(
                Problem(
                    path,
                    f"duplicate key {key!r} (the last value wins)",
                    line,
                    col,
                    pointer,
                    rule="duplicate-key",
                    severity="warning",
                )
            )
    return data, warnings


def _raise_syntax(text: str, raw: bytes, path: str) -> None:
    """Describe why ``text`` is not one JSON document, with a position."""
    try:
        json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        message = exc.msg
        if message == "Extra data":
            message = "unexpected data after the JSON document"
        elif exc.pos >= len(text.rstrip()):
            message = f"unexpected end of file (truncated?): {message}"
        raise RecstackError(
            Problem(path, f"invalid JSON: {message}", exc.lineno, exc.colno, rule="json")
        ) from None
    except _Constant as exc:
        line, col = _orjson_position(raw, text)
        raise RecstackError(
            Problem(path, f"invalid JSON: {exc.args[0]} is not allowed", line, col, rule="json")
        ) from None
    except RecursionError:
        raise RecstackError(Problem(path, "invalid JSON: nested too deeply", rule="json")) from None
    line, col = _orjson_position(raw, text)
    raise RecstackError(Problem(path, "invalid JSON", line, col, rule="json"))


def _orjson_position(raw: bytes, text: str) -> tuple[int | None, int | None]:
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        pos = exc.pos
        if 0 < pos <= len(text) and text[pos - 1] == "-":
            pos -= 1
        return line_col(text, pos)
    return None, None


@dataclass
class Loaded:
    """One parsed file."""

    path: Path
    raw: bytes
    data: Any
    warnings: list[Problem] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8")

    def position(self, pointer: str) -> tuple[int | None, int | None]:
        """Line and column of the value at ``pointer`` in this file."""
        return locate(self.text, pointer)


def load(path: Path | str, *, check_duplicates: bool = False) -> Loaded:
    """Read and parse one file; raises RecstackError with one clear problem."""
    raw = read_bytes(path)
    data, warnings = parse(raw, str(path), check_duplicates=check_duplicates)
    return Loaded(Path(path), raw, data, warnings)


def load_recording(path: Path | str, *, check_duplicates: bool = False) -> Loaded:
    """Like :func:`load`, and also require the minimal shape of a recording.

    Minimal means: a JSON object with ``request`` and ``response`` objects. Full
    validation is the job of ``recstack.validate``; this only keeps the other
    commands from tripping over files that are not recordings at all.
    """
    return recording_from_bytes(read_bytes(path), path, check_duplicates=check_duplicates)


def recording_from_bytes(raw: bytes, path: Path | str, *, check_duplicates: bool = False) -> Loaded:
    """:func:`load_recording` for bytes already read (e.g. an old version from git)."""
    name = str(path)
    data, warnings = parse(raw, name, check_duplicates=check_duplicates)
    loaded = Loaded(Path(path), raw, data, warnings)
    if not isinstance(data, dict):
        raise RecstackError(
            Problem(
                name,
                f"not a recording: the top level is a JSON {json_kind(data)}, not an object",
                1,
                1,
                rule="shape",
            )
        )
    for key in ("request", "response"):
        if not isinstance(data.get(key), dict):
            line, col = loaded.position(f"/{key}") if key in data else (1, 1)
            what = "missing" if key not in data else "not an object"
            raise RecstackError(
                Problem(
                    name,
                    f"not a recording: {key!r} is {what}",
                    line,
                    col,
                    f"/{key}" if key in data else "",
                    rule="shape",
                )
            )
    return loaded


def canonical_bytes(data: Any) -> bytes:
    """The upstream on-disk layout: ``json.dumps(obj, indent=2) + "\\n"``."""
    return (json.dumps(data, indent=2) + "\n").encode("ascii")
