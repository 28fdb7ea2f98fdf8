"""Readable paths into JSON values (``request.body.messages[2].content``) and globs over them.

Glob syntax: ``*`` matches one key, ``[*]`` any list index, ``**`` any run of keys
and indexes. ``response.body[*].__data__.usage`` matches the usage of every chunk.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def join(parts: Iterable[str | int]) -> str:
    """Render path parts: keys dotted, indexes in brackets, odd keys quoted."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(part):
            out += f".{part}" if out else part
        else:
            out += "[" + repr(part) + "]"
    return out


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + glob_regex(pattern) + "$")


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


def matches(path: str, pattern: str) -> bool:
    return _compile(pattern).match(path) is not None


def matches_any(path: str, patterns: Sequence[str]) -> bool:
    return any(_compile(p).match(path) is not None for p in patterns)
