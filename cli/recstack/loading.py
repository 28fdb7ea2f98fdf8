"""Finding recording files and parsing them strictly.

Strict means: UTF-8 only (no BOM), exactly one JSON document, no ``NaN`` /
``Infinity`` literals, at most :data:`MAX_DEPTH` levels of nesting, every number at
its exact value (:mod:`recstack.jsonnumbers`), and (optionally) duplicate object keys
reported as warnings. Every failure becomes a :class:`~recstack.problems.Problem`
with a line and column, never an exception escaping to the user.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from recstack import jsonnumbers, writing
from recstack.layout import NotLayout, Window, read_layout
from recstack.locate import byte_line_col, find_duplicate_keys, line_col, locate, value_offset
from recstack.problems import Problem, RecstackError
from recstack.replay_rules import looks_like_recording_name
from recstack.snapshot import NotRegularFile, RegularFile, Snapshot, read_snapshot

# The deepest nesting of objects and arrays that any command accepts, checked when a
# file is parsed. Real recordings stay below 15 levels. Everything after the parse
# recurses once or more per level (deepdiff about five frames per level of arrays,
# the reassembly, json.dumps, the pointer walks) under Python's limit of 1,000
# frames: 128 levels keep every command far from a RecursionError.
MAX_DEPTH = 128

# Files at least this big are read piece by piece when they are in upstream's layout
# (:mod:`recstack.layout`): the peak memory stays near the parsed data alone, where
# parsing the whole file at once holds the file, a decoded copy and orjson's own copy
# of the document too. Smaller files are parsed whole (faster for them).
PIECEWISE_MIN = 8 << 20
# What ``str.strip()`` removes from ASCII text.
_ASCII_SPACE = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"

_KINDS = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    Decimal: "number",
    type(None): "null",
}


def json_kind(value: Any) -> str:
    """The JSON name of a parsed value's type: object, array, string, integer, ..."""
    return _KINDS.get(type(value), type(value).__name__)


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
    """Parse one JSON document strictly; return (data, problems).

    Raises RecstackError with a positioned problem for anything that is not exactly
    one valid JSON document, is nested more than :data:`MAX_DEPTH` levels, or holds
    an integer over Python's limit on digits. The problems returned leave the data
    usable: numbers a 64-bit float cannot hold (errors, ``number-range``: they are
    kept as Decimals) and, with ``check_duplicates`` (or whenever the exact parse
    runs), repeated object keys (warnings).
    """
    # ASCII is valid UTF-8: only other bytes need decoding here (upstream's layout
    # is ASCII, and a decoded copy of a big file costs as much as the file).
    text = None if raw.isascii() else decode_text(raw, path)
    if not (raw.lstrip(_ASCII_SPACE) if text is None else text.strip()):
        raise RecstackError(Problem(path, "empty file", 1, 1, rule="json"))
    if len(raw) >= PIECEWISE_MIN:
        try:
            return read_layout(Window(data=raw), MAX_DEPTH), []
        except NotLayout:
            pass  # another layout, or broken: parsed whole, as any file
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        # Broken, or valid JSON orjson refuses (a lone surrogate escape, 1e400,
        # nesting beyond its own limit): the exact parse tells which, with a position.
        text = _text(raw, text)
        check_depth(raw, text, path)
        return parse_exact(text, raw, path)
    # The usual case, a file in upstream's layout: when writing the parsed value back
    # gives these very bytes, every number was read exactly and no key is repeated
    # (either would give other bytes), and the indentation bounds the nesting.
    if writing.round_trips(data, raw) and _indented_within(raw, MAX_DEPTH):
        return data, []
    text = _text(raw, text)
    check_depth(raw, text, path)
    if check_duplicates or jsonnumbers.needs_exact(raw):
        return parse_exact(text, raw, path)
    return data, []


def _text(raw: bytes, text: str | None) -> str:
    """``raw`` decoded (``text``, when it already is)."""
    return text if text is not None else raw.decode("utf-8")


def parse_exact(text: str, raw: bytes, path: str) -> tuple[Any, list[Problem]]:
    """The exact strict parse of ``text`` (``raw`` decoded): integers of any size,
    out-of-range floats as Decimals (reported), duplicate keys as warnings."""
    dupes = decimals = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal dupes
        obj = dict(items)
        if len(obj) != len(items):
            dupes = True
        return obj

    def floats(literal: str) -> float | Decimal:
        nonlocal decimals
        value = jsonnumbers.exact_float(literal)
        if type(value) is Decimal:
            decimals = True
        return value

    try:
        data = json.loads(
            text,
            object_pairs_hook=pairs,
            parse_constant=_reject_constant,
            parse_int=jsonnumbers.exact_int,
            parse_float=floats,
        )
    except jsonnumbers.IntegerTooLong as exc:
        raise RecstackError(_too_long(exc, text, path)) from None
    except (json.JSONDecodeError, _Constant, RecursionError):
        _raise_syntax(text, raw, path)
    problems = _duplicates(text, path) if dupes else []
    if decimals:
        problems.extend(_out_of_range(data, text, path))
    return data, problems


def _duplicates(text: str, path: str) -> list[Problem]:
    problems = []
    for pointer, key, offset in find_duplicate_keys(text):
        line, col = line_col(text, offset)
        problems.append(
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
    return problems


# At most this many out-of-range numbers are reported per file (each costs a walk).
_MAX_NUMBER_PROBLEMS = 20
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _literal_at(text: str, offset: int | None, width: int = 40) -> str:
    match = _NUMBER.match(text, offset) if offset is not None else None
    literal = match.group() if match else "?"
    return literal if len(literal) <= width else literal[: width - 1] + "…"


def _out_of_range(data: Any, text: str, path: str) -> list[Problem]:
    problems = []
    for count, (pointer, value) in enumerate(jsonnumbers.out_of_range(data)):
        if count == _MAX_NUMBER_PROBLEMS:
            break
        offset = value_offset(text, pointer)
        line, col = line_col(text, offset) if offset is not None else (None, None)
        message = f"number {_literal_at(text, offset)} is {jsonnumbers.describe(value)}"
        problems.append(Problem(path, message, line, col, pointer, rule="number-range"))
    return problems


def _too_long(exc: jsonnumbers.IntegerTooLong, text: str, path: str) -> Problem:
    found = re.search(r"(?<![\d.])" + re.escape(exc.literal) + r"(?![\d.eE])", text)
    line, col = line_col(text, found.start()) if found else (None, None)
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
    message = f"integer of {exc.digits:,} digits: over Python's {limit:,}-digit limit"
    return Problem(path, message, line, col, rule="number-range")


# --- nesting ----------------------------------------------------------------------

_NOT_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_PARENS = bytes.maketrans(b"[{]}", b"(())")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]')


def check_depth(raw: bytes, text: str, path: str) -> None:
    """Raise RecstackError when objects and arrays nest over MAX_DEPTH levels."""
    offset = _too_deep_at(raw, text)
    if offset is not None:
        raise _too_deep(path, *line_col(text, offset))


def _too_deep_at(raw: bytes, text: str) -> int | None:
    """Where (character offset in ``text``) the nesting first goes over MAX_DEPTH, or None.

    Cheap: a file with fewer brackets than the limit cannot be too deep; otherwise
    strings are cut out and matched bracket pairs removed, one level per pass. Only a
    file that fails that (too deep, or broken) is scanned token by token.
    """
    if raw.count(b"{") + raw.count(b"[") <= MAX_DEPTH or _nests_within(raw, MAX_DEPTH):
        return None
    depth = 0
    for token in _TOKEN.finditer(text):
        char = token.group()[0]
        depth += 1 if char in "[{" else -1 if char in "]}" else 0
        if depth > MAX_DEPTH:
            return token.start()
    return None


def nested_too_deeply(text: str) -> bool:
    """True when the JSON in ``text`` nests objects and arrays over MAX_DEPTH levels."""
    return _too_deep_at(text.encode("utf-8", "surrogatepass"), text) is not None


def parse_embedded(text: str) -> Any:
    """A JSON document held in a string of a recording (an SSE ``data:`` line, tool-call
    arguments), read like a file: numbers at their exact value (big integers, Decimals
    for what a double cannot hold), no NaN/Infinity, and ValueError (never
    RecursionError) for anything that is not JSON or nests over MAX_DEPTH levels."""
    if nested_too_deeply(text):
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
    raw = text.encode("utf-8", "surrogatepass")
    if not jsonnumbers.needs_exact(raw):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # not JSON, or 1e400 / a lone surrogate: the exact parse decides
    try:
        return json.loads(
            text,
            parse_constant=_reject_constant,
            parse_int=jsonnumbers.exact_int,
            parse_float=jsonnumbers.exact_float,
        )
    except _Constant as exc:
        raise ValueError(f"{exc.args[0]} is not allowed") from None


def _too_deep(path: str, line: int | None = None, col: int | None = None) -> RecstackError:
    message = f"nested too deeply: more than {MAX_DEPTH} levels of objects and arrays"
    return RecstackError(Problem(path, message, line, col, rule="json"))


def _indented_within(raw: bytes, limit: int) -> bool:
    """In upstream's layout (2 spaces per level, no raw newline inside a string), True
    when no line is indented deep enough for ``limit`` levels to be exceeded: the
    items of a container at level k are indented 2k, an empty one sits at 2(k-1)."""
    return b"\n" + b" " * (2 * limit - 1) not in raw


def _outside_strings(raw: bytes) -> bytes:
    """``raw`` without its strings: escaped backslashes and quotes dropped first, every
    other quote then opens or closes a string."""
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    return b"".join(raw.split(b'"')[::2])


def _nests_within(raw: bytes, limit: int) -> bool:
    """True when the brackets outside strings pair up and nest at most ``limit`` deep."""
    brackets = _outside_strings(raw).translate(_PARENS, _NOT_BRACKET)
    for _ in range(limit):
        if not brackets:
            return True
        inner_removed = brackets.replace(b"()", b"")
        if len(inner_removed) == len(brackets):  # unpaired brackets: a broken file
            return False
        brackets = inner_removed
    return not brackets


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
    except RecursionError:  # a broken file check_depth could not measure
        raise _too_deep(path) from None
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
    # The file's bytes; None when a big file was read piece by piece and not kept
    # (:data:`PIECEWISE_MIN`): :attr:`text` reads the file again.
    raw: bytes | None
    data: Any
    # What the parse found without stopping: duplicate keys (warnings), numbers a
    # 64-bit float cannot hold (errors; the data keeps them as Decimals).
    problems: list[Problem] = field(default_factory=list)
    # The ``fstat`` of the file when it was read (None for bytes from elsewhere).
    stat: os.stat_result | None = None

    @property
    def text(self) -> str:
        raw = self.raw if self.raw is not None else read_bytes(self.path)
        return raw.decode("utf-8")

    def position(self, pointer: str) -> tuple[int | None, int | None]:
        """Line and column of the value at ``pointer`` in this file (None, None when
        a file not kept in memory can no longer be read)."""
        return self.positions([pointer])[0]

    def positions(self, pointers: Sequence[str]) -> list[tuple[int | None, int | None]]:
        """:meth:`position` of each pointer (the text decoded, or read again, once)."""
        if not pointers:
            return []
        try:
            text = self.text
        except (RecstackError, UnicodeDecodeError):
            return [(None, None)] * len(pointers)
        return [locate(text, pointer) for pointer in pointers]


def load(path: Path | str, *, check_duplicates: bool = False) -> Loaded:
    """Read and parse one file; raises RecstackError with one clear problem.

    A big file in upstream's layout is read and parsed piece by piece (its bytes are
    not kept: ``raw`` is None); any other file is read whole and parsed.
    """
    try:
        with RegularFile(path) as handle:
            if handle.stat.st_size >= PIECEWISE_MIN:
                try:
                    data = read_layout(Window(handle.read), MAX_DEPTH)
                except NotLayout:
                    pass  # parsed whole below, with its problems positioned
                else:
                    return Loaded(Path(path), None, data, [], handle.stat)
            raw, info = handle.read_all(), handle.stat
    except OSError as exc:
        raise RecstackError(io_problem(path, exc, "cannot read: ")) from None
    data, problems = parse(raw, str(path), check_duplicates=check_duplicates)
    return Loaded(Path(path), raw, data, problems, info)


def load_recording(path: Path | str, *, check_duplicates: bool = False) -> Loaded:
    """Like :func:`load`, and also require the minimal shape of a recording.

    Minimal means: a JSON object with ``request`` and ``response`` objects. Full
    validation is the job of ``recstack.validation``; this only keeps the other
    commands from tripping over files that are not recordings at all.
    """
    return _recording(load(path, check_duplicates=check_duplicates))


class NotARecording(RecstackError):
    """Valid JSON that is not a recording at all: not an object, or an object with
    neither ``request`` nor ``response`` (``package.json``, a dashboard)."""


def is_recording_like(data: Any) -> bool:
    """An object with ``request`` or ``response``: a recording, maybe a broken one."""
    return isinstance(data, dict) and ("request" in data or "response" in data)


def in_recording_place(path: Path | str) -> bool:
    """Named or placed like a recording: a folder called ``recordings``, or an upstream
    recording name (``<64 hex>.json``, ``models-<hash>-<digest>.json``, ``<12 hex>.json``)."""
    path = Path(path)
    return path.parent.name == "recordings" or looks_like_recording_name(path.name)


def is_other_json(path: Path | str, raw: bytes | None, data: Any = None, *, parsed: bool) -> bool:
    """Whether a file found by walking a directory is some other JSON file (skipped and
    counted) rather than a recording, maybe a broken one (reported).

    Anything in a recording's place is a recording. Elsewhere: parsed data without
    ``request`` and ``response``; bytes that do not parse and never mention either
    (a ``tsconfig.json`` with comments). An empty file is a broken recording.
    """
    if in_recording_place(path):
        return False
    if parsed:
        return not is_recording_like(data)
    if raw is None or not raw.strip():
        return False
    return b'"request"' not in raw and b'"response"' not in raw


def skippable(path: Path | str, exc: RecstackError, raw: bytes | None) -> bool:
    """Whether a file found by walking that failed to load is some other JSON file."""
    if isinstance(exc, NotARecording):
        return not in_recording_place(path)
    return exc.problem.rule == "json" and is_other_json(path, raw, parsed=False)


def skippable_file(path: Path | str, exc: RecstackError) -> bool:
    """:func:`skippable` for a file whose bytes were not kept: read again when needed
    (only a file outside a recording's place that does not parse; a rare path)."""
    if isinstance(exc, NotARecording) or in_recording_place(path):
        return skippable(path, exc, None)
    if exc.problem.rule != "json":
        return False
    try:
        raw = read_bytes(path)
    except RecstackError:
        return False
    return skippable(path, exc, raw)


def recording_from_bytes(raw: bytes, path: Path | str, *, check_duplicates: bool = False) -> Loaded:
    """:func:`load_recording` for bytes already read (e.g. an old version from git).

    Raises :class:`NotARecording` for JSON that is no recording at all, and a
    RecstackError (rule ``shape``) for an object whose ``request`` or ``response``
    is missing or not an object.
    """
    data, problems = parse(raw, str(path), check_duplicates=check_duplicates)
    return _recording(Loaded(Path(path), raw, data, problems))


def _recording(loaded: Loaded) -> Loaded:
    """``loaded``, when it has the minimal shape of a recording (else RecstackError)."""
    name, data = str(loaded.path), loaded.data
    if not isinstance(data, dict):
        raise NotARecording(
            Problem(
                name,
                f"not a recording: the top level is a JSON {json_kind(data)}, not an object",
                1,
                1,
                rule="shape",
            )
        )
    if "request" not in data and "response" not in data:
        raise NotARecording(
            Problem(name, "not a recording: no 'request' and no 'response'", 1, 1, rule="shape")
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
