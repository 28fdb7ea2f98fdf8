"""Read a test run's output: which requests replay could not answer, and in which test.

In replay mode a request with no recording raises an error whose message spans a few
lines: the request hash, then what was asked, then a hint about re-recording. Over
time it has read (the hash is 64 hex; 12 in the oldest runs)::

    Recording not found for request hash: <hash>
    Model: <model> | Request: <METHOD> <url>
    <blank line and a hint>

    Recording not found for genai request hash: <hash>
    Model: <model> | Endpoint: <path>

    No recorded response found for request hash: <hash>
    Request: <METHOD> <url> <body>            (or: Endpoint: <path>)
    Model: <model>
    <hint>

:func:`find_misses` finds every such block in a pytest log, wherever it is printed: in
a failure's traceback (each line prefixed ``E``), in captured output or logs, inline
with ``-s``, in the short test summary (``FAILED <id> - RuntimeError: ...`` on one
line), or inside a quoted message with literal ``\\n``. A hash cut short by pytest's
summary (``...``) is not taken. Misses that name no hash (tool calls, rerank and other
passthrough requests) are not reported.

Each miss is attributed to the test it happened in, by what pytest printed around it:

- a ``FAILED``/``ERROR`` summary line carrying the message names its test;
- in the ``FAILURES``, ``ERRORS`` and ``PASSES`` sections, the ``____ name ____``
  header above it (``ERROR at setup of name`` and ``ERROR at teardown of name``
  too). The header gives pytest's short name (``TestC.test_x[p]``); it is resolved
  to the full node id with the ``FAILED``/``ERROR``/``PASSED`` lines of the same
  session (summary or ``-v`` progress lines; with several tests of that short name,
  the n-th header of a name goes with the n-th summary line of it, the order pytest
  prints both in), else with the file of the traceback's first frame (the test
  function's own), else it stays the short name;
- elsewhere, the test that ``-v`` announced last (``path::name`` at the start of a
  line), as with ``-s`` or live logging;
- otherwise none (session setup, a server's log).

Lines are read one at a time, in linear time: ANSI colour codes, a trailing ``\\r``
(Windows line endings) and the timestamp GitHub Actions puts before each line are
taken off first. Pure: nothing is printed.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import IO
from urllib.parse import urlparse

from recstack.ansi import strip_ansi
from recstack.nodeid import head_line, node_id_at
from recstack.snapshot import open_stream

__all__ = ["Miss", "find_misses", "misses_in_file", "read_misses"]


@dataclass(frozen=True)
class Miss:
    """One request replay had no recording for."""

    hash: str  # the request hash, lower-case hex (64, or 12 in the oldest runs)
    test_id: str | None  # the node id; pytest's short name when it could not be resolved
    model: str | None  # as printed (upstream prints "unknown" for none: None here)
    method: str | None
    url: str | None
    endpoint: str | None  # the url's path (what the request key holds), or as printed
    line: int  # 1-based line of the log where the message starts


# --- line cleaning -------------------------------------------------------------------

_STAMP = re.compile(r"\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?")  # after the newline
_CHUNK = 1 << 20


def _scrub(text: str) -> str:
    """``text`` (whole lines) without colour codes and the timestamps GitHub Actions
    puts before each line."""
    return _STAMP.sub("\n", "\n" + strip_ansi(text))[1:]


def _trim(line: str) -> str:
    """A line without trailing blanks (``\\r`` of a Windows line end too) and leading ``\\r``."""
    line = line.rstrip()
    return line.lstrip("\r") if line[:1] == "\r" else line


def _clean(raw: str) -> str:
    """One line as a terminal shows it: :func:`_scrub` and :func:`_trim`."""
    return _trim(_scrub(raw.rstrip("\r\n")))


def _scrubbed_lines(stream: IO[str]) -> Iterator[str]:
    """The cleaned lines of ``stream``, read and scrubbed a large chunk at a time."""
    pending: list[str] = []
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        cut = chunk.rfind("\n") + 1
        if cut == 0:  # no line end yet: a very long line
            pending.append(chunk)
            continue
        whole = _scrub("".join((*pending, chunk[: cut - 1])))
        pending = [chunk[cut:]] if cut < len(chunk) else []
        if whole.startswith("\r") or "\n\r" in whole:  # a line starts with \r
            yield from [_trim(line) for line in whole.split("\n")]
        else:
            yield from [line.rstrip() for line in whole.split("\n")]
    rest = "".join(pending)
    if rest:
        yield _clean(rest)


def _title(text: str, char: str) -> str | None:
    """``TITLE`` of a pytest separator line ``<chars> TITLE <chars>``, else None."""
    left = len(text) - len(text.lstrip(char))
    right = len(text) - len(text.rstrip(char))
    if left == len(text) or text[left] != " " or text[-right - 1] != " ":
        return None
    title = text[left + 1 : len(text) - right - 1].strip()
    if not title.replace("_", "").replace(" ", ""):
        return None  # "_ _ _ _": a traceback's frame separator
    return title


# --- the message -----------------------------------------------------------------------

_HASH = re.compile(
    r"(?:Recording not found for (?:genai )?request hash"
    r"|No recorded response found for request hash):[ \t]*([0-9A-Fa-f]+)"
)
_HINTS = ("Run '", "To record")
_CONTINUATION_LINES = 4  # lines after the hash line that may still belong to the message


@dataclass
class _Header:
    """A ``____ name ____`` section of the FAILURES, ERRORS or PASSES part of the log."""

    status: str  # FAILED, ERROR or PASSED: the summary lines that name this test
    short: str  # pytest's short name (``TestC.test_x[p]``)
    ordinal: int  # how many headers of this status and short name came before it
    fixture: bool  # an error at setup or teardown: the first frame is a fixture's
    test_id: str | None = None  # ERROR collecting PATH: the path
    file: str | None = None  # the file of the traceback's first frame
    raised_in: str | None = None  # a test file that ends a traceback (``path:N: Error``)


@dataclass
class _Found:
    """A miss as read, before its test is resolved."""

    hash: str
    line: int
    test_id: str | None
    header: _Header | None
    model: str | None = None
    method: str | None = None
    url: str | None = None
    endpoint: str | None = None


def _body(text: str) -> str:
    """A message line without the ``E`` that pytest puts before each line of an error,
    nor the ``|`` of an exception group's traceback (``E     | Model: ...``)."""
    body = text.strip()
    if body[:1] == "E" and (len(body) == 1 or body[1] in " \t"):
        body = body[1:].strip()
    if body[:1] == "|":
        body = body.lstrip("| \t")
    return body


def _path_of(url: str) -> str | None:
    try:
        return urlparse(url).path or None
    except ValueError:
        return None


def _request(found: _Found, text: str) -> None:
    """``METHOD URL`` (the oldest wording adds the body after the url)."""
    parts = text.split(None, 2)
    if len(parts) < 2 or not (parts[0].isalpha() and parts[0].isupper()):
        return
    found.method = found.method or parts[0]
    found.url = found.url or parts[1]
    found.endpoint = found.endpoint or _path_of(parts[1])


def _fill(found: _Found, body: str) -> bool:
    """Take what one line of the message says (where nothing was known yet).

    False when the line is not one of the message's.
    """
    if not body:
        return True
    if body.startswith("Model: "):
        model, sep, request = body[7:].partition(" | Request: ")
        if sep:
            _request(found, request)
        else:
            model, sep, endpoint = model.partition(" | Endpoint: ")
            if sep:
                found.endpoint = found.endpoint or endpoint.strip() or None
        model = model.strip()
        found.model = found.model or (model if model and model != "unknown" else None)
        return True
    if body.startswith("Request: "):
        _request(found, body[9:])
        return True
    if body.startswith("Endpoint: "):
        found.endpoint = found.endpoint or body[10:].strip() or None
        return True
    return False


# --- a pytest session ----------------------------------------------------------------

_STATUSES = frozenset({"PASSED", "FAILED", "ERROR", "XFAIL", "XPASS"})
_SECTIONS = {"FAILURES": "FAILED", "ERRORS": "ERROR", "PASSES": "PASSED"}
_SHORT_SEPARATOR = 60  # a shorter "=== x ===" of no known title is a program's, not pytest's


def _starts_with_id(text: str, node_id: str) -> bool:
    return text.startswith(node_id) and text[len(node_id) : len(node_id) + 1] in ("", " ")


def _test_file(path: str) -> bool:
    """Whether ``path`` is named as pytest's default ``python_files`` name test files."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith("_test.py")


def _guess(header: _Header) -> str | None:
    """The node id from the traceback's first frame (the test function's file)."""
    file = header.file or header.raised_in
    if file is None or header.fixture:
        return None
    bracket = header.short.find("[")
    base, params = (
        (header.short, "") if bracket < 0 else (header.short[:bracket], header.short[bracket:])
    )
    return f"{file}::{base.replace('.', '::')}{params}"


@dataclass
class _Session:
    """What one pytest session printed: misses found, and the node ids it named."""

    found: list[_Found] = field(default_factory=list)
    same: dict[tuple[int, str | None, str], _Found] = field(default_factory=dict)
    noted: set[tuple[str | None, str]] = field(default_factory=set)
    by_status: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    seen: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[tuple[str, str], int] = field(default_factory=dict)

    def note(self, status: str | None, node_id: str) -> None:
        if (status, node_id) in self.noted:
            return
        self.noted.add((status, node_id))
        short = head_line(node_id)
        named = self.seen.setdefault(short, [])
        if node_id not in named:
            named.append(node_id)
        if status is not None:
            pool = self.by_status.setdefault((status, short), [])
            if node_id not in pool:
                pool.append(node_id)

    def add(self, found: _Found) -> _Found:
        """Keep ``found``, or return the earlier miss of the same hash in the same place."""
        place = id(found.header) if found.header is not None else 0
        key = (place, found.test_id, found.hash)
        earlier = self.same.get(key)
        if earlier is not None:
            return earlier
        self.same[key] = found
        self.found.append(found)
        return found

    def header(self, status: str, title: str) -> _Header:
        fixture, test_id = False, None
        for prefix in ("ERROR at setup of ", "ERROR at teardown of "):
            if title.startswith(prefix):
                title, fixture = title[len(prefix) :], True
        if title.startswith("ERROR collecting "):
            test_id = title = title[len("ERROR collecting ") :]
        key = (status, title)
        ordinal = self.headers.get(key, 0)
        self.headers[key] = ordinal + 1
        return _Header(status, title, ordinal, fixture, test_id)

    def test_of(self, header: _Header) -> str:
        if header.test_id is not None:
            return header.test_id
        pool = self.by_status.get((header.status, header.short), [])
        seen = self.seen.get(header.short, [])
        guess = _guess(header)
        if guess is not None and (guess in pool or guess in seen):
            return guess
        if len(pool) == 1:
            return pool[0]
        if header.ordinal < len(pool):
            return pool[header.ordinal]
        if len(seen) == 1:
            return seen[0]
        return guess if guess is not None else header.short

    def misses(self) -> Iterator[Miss]:
        for found in self.found:
            test_id = found.test_id
            if test_id is None and found.header is not None:
                test_id = self.test_of(found.header)
            yield Miss(
                found.hash,
                test_id,
                found.model,
                found.method,
                found.url,
                found.endpoint,
                found.line,
            )


class _Reader:
    """The state of one pass over a log, fed a line at a time."""

    def __init__(self) -> None:
        self.done: list[Miss] = []
        self.session = _Session()
        self.section: str | None = None  # None: the run; FAILED/ERROR/PASSED; "other"
        self.header: _Header | None = None
        self.running: str | None = None  # the test -v announced last
        self.block: _Found | None = None  # a message whose next lines may follow
        self.block_left = 0

    def finish(self) -> list[Miss]:
        self.done.extend(self.session.misses())
        self.session = _Session()
        return self.done

    def feed(self, number: int, text: str) -> None:
        """Read one line, cleaned (:func:`_clean`)."""
        if self.block is not None and self._continued(text):
            return
        first = text[:1]
        if first == "=" and text.endswith("=") and self._section(text):
            return
        if first == "_" and text.endswith("_") and self._header(text):
            return
        named = None
        if first == "[":
            named = self._xdist(text)
        elif first in "FEPX":
            named = self._summary(text)
        elif self.section is None and "::" in text:
            self._progress(text)
        if "request hash" in text:
            self._miss(number, text, named)
        elif self.header is not None and self.header.file is None and ".py:" in text:
            self._location(text)

    # -- structure

    def _section(self, text: str) -> bool:
        title = _title(text, "=")
        if title is None:
            return False
        if "test session starts" in title:
            self.finish()
            self.section = None
        elif title in _SECTIONS:
            self.section = _SECTIONS[title]
        elif len(text) >= _SHORT_SEPARATOR or title == "short test summary info":
            self.section = "other"
        else:
            return False
        self.header = None
        self.running = None
        return True

    def _header(self, text: str) -> bool:
        if self.section not in _SECTIONS.values():
            return False
        title = _title(text, "_")
        if title is None:
            return False
        self.header = self.session.header(self.section or "", title)
        return True

    def _summary(self, text: str) -> str | None:
        """``STATUS <node id>[ - message]``: the short summary (``-r``), xdist progress."""
        status, _, rest = text.partition(" ")
        if status not in _STATUSES:
            return None
        node_id = node_id_at(rest.lstrip())
        if node_id is not None:
            self.session.note(status, node_id)
        return node_id

    def _xdist(self, text: str) -> str | None:
        """``[gw0] [ 50%] STATUS <node id>``."""
        while text.startswith("["):
            close = text.find("] ")
            if close < 0:
                return None
            text = text[close + 2 :].lstrip()
        return self._summary(text)

    def _progress(self, text: str) -> None:
        """``<node id> [STATUS ...]`` of ``-v``: the test now running."""
        node_id = self.running
        if node_id is None or not _starts_with_id(text, node_id):
            node_id = node_id_at(text)
            if node_id is None or "::" not in node_id:
                return
            self.running = node_id
        status = text[len(node_id) :].split(None, 1)
        self.session.note(status[0] if status and status[0] in _STATUSES else None, node_id)

    def _location(self, text: str) -> None:
        """``path.py:LINE: ...``: where a traceback frame is; the first is the test's own.

        ``path.py:LINE: ErrorType`` ends the frame that raised (the last one, often the
        recorder's ``api_recorder.py``): it names the test's file only when it is one
        (``test_*.py``, ``*_test.py``: pytest hid the frames below the test's).
        """
        header = self.header
        at = text.find(".py:")
        path = text[: at + 3]
        if header is None or at <= 0 or " " in path:
            return
        line, _, message = text[at + 4 :].partition(":")
        if not line.isdigit():
            return
        message = message.strip()
        if not message or message.startswith("in "):
            header.file = path
        elif header.raised_in is None and _test_file(path):
            header.raised_in = path

    # -- the message

    def _miss(self, number: int, text: str, named: str | None) -> None:
        match = _HASH.search(text)
        if match is None:
            return
        digest, end = match.group(1), match.end()
        if len(digest) not in (12, 64) or text.startswith("...", end):
            return  # not a hash, or one that pytest's summary cut short
        if end < len(text) and (text[end].isalnum() or text[end] == "_"):
            return
        header = None if named is not None else self.header
        test_id = named if named is not None or header is not None else self.running
        found = self.session.add(_Found(digest.lower(), number, test_id, header))
        tail = text[end:]
        if tail.startswith("\\n"):  # the message inside a quoted string
            for piece in tail.split("\\n")[1:]:
                if not _fill(found, _body(piece)):
                    break
            self.block = None
        else:
            self.block, self.block_left = found, _CONTINUATION_LINES

    def _continued(self, text: str) -> bool:
        """Whether ``text`` was a further line of the message being read."""
        found = self.block
        self.block_left -= 1
        if found is None or self.block_left < 0:
            self.block = None
            return False
        body = _body(text)
        if body.startswith(_HINTS):
            self.block = None
            return True
        if _fill(found, body):
            return True
        self.block = None
        return False


def _deduplicated(misses: list[Miss]) -> list[Miss]:
    """One miss per (test id, hash), at its first line, gaps filled from the later ones."""
    index: dict[tuple[str | None, str], int] = {}
    out: list[Miss] = []
    for miss in misses:
        key = (miss.test_id, miss.hash)
        at = index.get(key)
        if at is None:
            index[key] = len(out)
            out.append(miss)
            continue
        kept = out[at]
        gaps = {
            name: getattr(miss, name)
            for name in ("model", "method", "url", "endpoint")
            if getattr(kept, name) is None and getattr(miss, name) is not None
        }
        if gaps:
            out[at] = replace(kept, **gaps)
    return out


def find_misses(lines: Iterable[str]) -> list[Miss]:
    """Every replay miss in a log given as lines (with or without their line ends).

    One per (test id, hash), in the order of their first line.
    """
    return _read(_clean(line) for line in lines)


def _read(lines: Iterable[str]) -> list[Miss]:
    reader = _Reader()
    for number, text in enumerate(lines, 1):
        reader.feed(number, text)
    return _deduplicated(reader.finish())


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def read_misses(stream: IO[bytes]) -> list[Miss]:
    """:func:`find_misses` over a binary stream (a file, stdin's buffer), read as it comes.

    UTF-8, or UTF-16 with its byte-order mark (PowerShell's ``>``); undecodable bytes
    are replaced. Lines end at ``\\n`` only, so line numbers are an editor's.
    """
    encoding = "utf-8"
    peek = getattr(stream, "peek", None)
    if peek is not None:
        start = peek(3)[:3]
        encoding = next((name for bom, name in _BOMS if start.startswith(bom)), encoding)
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="\n")
    try:
        return _read(_scrubbed_lines(text))
    finally:
        text.detach()


def misses_in_file(path: str | os.PathLike[str]) -> list[Miss]:
    """:func:`read_misses` of a log file (raises ``OSError`` when it cannot be read)."""
    with open_stream(path) as stream:
        return read_misses(stream)
