"""File-path globs for ``include`` / ``exclude`` (config files and ``--exclude``).

Patterns are written with ``/`` and matched against a path relative to a base
directory (the config file's folder, or the current directory for ``--exclude``):

- ``*`` matches within one path component, ``?`` one character, ``[abc]`` / ``[!abc]``
  a class; ``**`` matches any number of components (``a/**/b``, ``**/recordings``);
- a pattern without ``/`` (``package.json``, ``node_modules``, ``*.tmp.json``) matches
  a file or directory of that name anywhere below the base;
- a pattern with ``/`` is anchored at the base (``tests/integration/*/recordings``);
- a pattern that matches a directory matches everything under it.

These are not :mod:`recstack.paths` globs, which address values inside a recording.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


def _translate(pattern: str) -> str:
    out: list[str] = []
    i, size = 0, len(pattern)
    while i < size:
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def _split(pattern: str) -> tuple[str, bool]:
    """(normalized pattern, anchored at the base)."""
    text = pattern.strip().replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    return text.strip("/"), "/" in text.strip("/")


def compile_glob(pattern: str) -> re.Pattern[str]:
    """The regular expression of one pattern, over a relative POSIX path."""
    text, anchored = _split(pattern)
    regex = _translate(text)
    if not anchored:
        regex = "(?:.*/)?" + regex
    return re.compile(regex + "(?:/.*)?", re.DOTALL)


def _union(patterns: Iterable[str]) -> re.Pattern[str] | None:
    regex = "|".join(f"(?:{compile_glob(p).pattern})" for p in patterns)
    return re.compile(regex, re.DOTALL) if regex else None


@dataclass(frozen=True)
class GlobSet:
    """Several patterns relative to one base directory."""

    base: Path
    patterns: tuple[str, ...]
    _all: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _loose: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_all", _union(self.patterns))
        loose = [p for p in self.patterns if not _split(p)[1]]
        object.__setattr__(self, "_loose", _union(loose))

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def relative(self, path: Path | str) -> str | None:
        """``path`` relative to the base as POSIX text, or None when it is outside it."""
        absolute = os.path.abspath(path)
        base = os.path.abspath(self.base).rstrip(os.sep)
        if absolute == base:
            return ""
        if not absolute.startswith(base + os.sep):
            return None
        return absolute[len(base) + 1 :].replace(os.sep, "/")

    def matches(self, path: Path | str) -> bool:
        """True when a pattern names ``path`` or a directory above it.

        Below the base every pattern applies; outside it only the unanchored ones
        (a name such as ``node_modules``), against the whole path.
        """
        relative = self.relative(path)
        if relative is None:
            whole = os.path.abspath(path).replace(os.sep, "/").lstrip("/")
            return self._loose is not None and self._loose.fullmatch(whole) is not None
        return (
            relative != "" and self._all is not None and self._all.fullmatch(relative) is not None
        )
