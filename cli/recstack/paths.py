"""Readable paths into JSON values (``request.body.messages[2].content``) and globs over them.

Glob syntax: ``*`` matches one key, ``[*]`` any list index, ``**`` any run of keys
and indexes. ``response.body[*].__data__.usage`` matches the usage of every chunk.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def child(path: str, part: str | int) -> str:
    """``path`` extended by one key or index: keys dotted, indexes in brackets, odd keys quoted."""
    if isinstance(part, int):
        return f"{path}[{part}]"
    if _IDENT.match(part):
        return f"{path}.{part}" if path else part
    return f"{path}[{part!r}]"


def join(parts: Iterable[str | int]) -> str:
    """Render path parts, e.g. ``["messages", 2, "content"]`` -> ``messages[2].content``."""
    out = ""
    for part in parts:
        out = child(out, part)
    return out


def glob_regex(pattern: str) -> str:
    """The (unanchored) regular expression for a path glob."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(r".*")
            i += 2
        elif pattern.startswith("[*]", i):
            out.append(r"\[\d+\]")
            i += 3
        elif pattern[i] == "*":
            out.append(r"[^.\[\]]+")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)
