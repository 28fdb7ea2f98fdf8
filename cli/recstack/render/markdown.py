"""Markdown pieces shared by the ``show`` and ``diff`` pull-request views.

Recording text lands in Markdown in three ways, each escaped for where it lands:
in a fenced block (:func:`fence`: a fence longer than any backtick run inside), in an
inline code span (:func:`code`: one line), or as plain inline text (:func:`text`:
Markdown and HTML punctuation backslash-escaped, so that a recording cannot add
emphasis, links, images or HTML to a comment). All of them are one line or fenced, and
control characters are shown as escapes (:mod:`recstack.inert`); the renderers also
pass their whole output through :func:`recstack.inert.inert`, for the fenced bodies.
"""

from __future__ import annotations

import re

from recstack.inert import inert_line

_BACKTICKS = re.compile(r"`+")
# Inline punctuation that could start emphasis, a link, an image, HTML, an entity,
# code, a strike-through or end a table cell. Text never starts a line here (newlines
# are escaped), so block markers (#, -, >, 1.) need no escape.
_PUNCTUATION = re.compile(r"([\\`*_~\[\]<&|])")


def longest_backticks(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def fence_ticks(body: str) -> str:
    """A backtick fence no line of ``body`` can close."""
    return "`" * max(3, longest_backticks(body) + 1)


def fence(body: str, lang: str = "") -> str:
    ticks = fence_ticks(body)
    return f"{ticks}{lang}\n{body}\n{ticks}"


def code(value: str) -> str:
    """An inline code span holding ``value`` on one line."""
    value = inert_line(value)
    ticks = "`" * (longest_backticks(value) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{ticks}{pad}{value}{pad}{ticks}"


def text(value: str) -> str:
    """Plain inline text: one line, with no Markdown or HTML meaning."""
    return _PUNCTUATION.sub(r"\\\1", inert_line(value))


def code_cell(value: str) -> str:
    """A code span in a table cell (where a pipe ends the cell even inside code).

    :func:`text` escapes pipes itself: use it as it is for a plain-text cell.
    """
    return code(value).replace("|", "\\|")


def html(value: str) -> str:
    """Text inside an HTML element, on one line."""
    return inert_line(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
