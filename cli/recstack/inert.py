"""Make untrusted text inert before it reaches a terminal, a log or a JSON consumer.

Recordings and file names are untrusted: an answer can carry escape sequences
(cursor moves, screen clears, OSC 8 hyperlinks, OSC 52 clipboard writes, window
titles), a bare carriage return that overwrites the start of its line, Unicode
bidirectional overrides that reorder what a reviewer sees, or lone surrogates that
cannot be encoded at all. Every human-format writer passes its text through
:func:`inert` (or :func:`inert_line` for one-line fields), which replaces each such
character by a visible escape:

- C0 controls (but newline and tab), DEL and C1 controls (U+0080-U+009F; U+009B is
  a one-byte CSI): ``\\x1b``, ``\\x9b``; a carriage return is ``\\r``;
- bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): ``\\u202e``;
- lone surrogates (a file can hold ``\\ud800``; a file name that is not UTF-8
  decodes to U+DC80-U+DCFF): ``\\ud800``, ``\\udcff``.

Newline and tab are kept by :func:`inert` (answers are multi-line and code holds
tabs; neither moves the cursor back over text already shown), and escaped as ``\\n``
and ``\\t`` by :func:`inert_line`. Backslashes are not doubled: a literal ``\\x1b``
in a recording prints as it is, which is just as harmless.

JSON output is made safe by :func:`inert_json`, which writes the same characters as
JSON ``\\uXXXX`` escapes: the document means exactly the same, but holds no raw C1
control, bidi control or lone surrogate (json and orjson escape C0 themselves, but
write U+0080-U+009F raw when not asked for ASCII, and orjson rejects surrogates).
"""

from __future__ import annotations

import re

_BIDI = "\u202a-\u202e\u2066-\u2069"
_SURROGATES = "\ud800-\udfff"
# Everything but newline and tab that a terminal could act on, or that cannot be encoded.
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}{_SURROGATES}]")
# The same, plus newline and tab: for text that must stay on one line.
_UNSAFE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}{_SURROGATES}]")

_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def inert(text: str) -> str:
    """``text`` with every control character but newline and tab shown as an escape."""
    return _UNSAFE.sub(_visible, text)


def inert_line(text: str) -> str:
    """Like :func:`inert`, and newline and tab escaped too: the text stays on one line."""
    return _UNSAFE_LINE.sub(_visible, text)


def inert_json(document: str) -> str:
    """Serialized JSON with raw control characters and lone surrogates as ``\\uXXXX``.

    Only valid for the output of a JSON serializer: outside strings, JSON text is
    ASCII, so every character replaced is inside a string, where the escape means
    the same character.
    """
    return _UNSAFE.sub(_json_escape, document)  # raw newlines and tabs are layout
