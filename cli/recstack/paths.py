"""Readable paths into JSON values (``request.body.messages[2].content``) and globs over them.

Glob syntax: ``*`` matches one key, ``[*]`` any list index, ``**`` any run of keys
and indexes (none included). ``response.body[*].__data__.usage`` matches the usage of
every chunk; ``**.obfuscation`` an ``obfuscation`` key at any depth.

The same glob serves two readers: :func:`glob_regex` matches rendered paths (what
``diff`` does while it walks a recording) and :func:`find` walks a value to the places
a glob names (what ``normalize`` does to rewrite them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

DEEP = "**"  # any run of keys and indexes, none included
ANY_KEY = "*"
ANY_INDEX = "[*]"

Part = str | int  # one step of a concrete path: a dict key or a list index


def child(path: str, part: str | int) -> str:
    """``path`` extended by one key or index: keys dotted, indexes in brackets, odd keys quoted."""
    if isinstance(part, int):
        return f"{path}[{part}]"
    if _IDENT.match(part):
        return f"{path}.{part}" if path else part
    return f"{path}[{part!r}]"


def keyed(path: str, name: str) -> str:
    """``path`` extended by a list entry named by its id: ``answer.models['gpt-4o']``."""
    return f"{path}[{name!r}]"


def join(parts: Iterable[str | int], start: str = "") -> str:
    """Render path parts, e.g. ``["messages", 2, "content"]`` -> ``messages[2].content``."""
    out = start
    for part in parts:
        out = child(out, part)
    return out


def extend(base: str, glob: str) -> str:
    """``glob`` (relative: ``id``, ``**.id``, ``[*].id``) appended to the path ``base``."""
    if not base or glob.startswith((DEEP, "[")):
        return base + glob
    return f"{base}.{glob}"


_INDEX = re.compile(r"(?<=\[)(\d+)(?=\])")


def sort_key(path: str) -> tuple[str | int, ...]:
    """Order paths with list indexes as numbers: ``body[2]`` before ``body[10]``.

    The key alternates text and index (``"a[10].b"`` -> ``("a[", 10, "].b")``), so two
    keys compare text with text and number with number; apart from that the order is
    the string order.
    """
    pieces = _INDEX.split(path)
    return tuple(int(piece) if n % 2 else piece for n, piece in enumerate(pieces))


def glob_regex(pattern: str) -> str:
    """The (unanchored) regular expression for a path glob."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith(DEEP, i):
            out.append(r".*")
            i += 2
        elif pattern.startswith(ANY_INDEX, i):
            out.append(r"\[\d+\]")
            i += 3
        elif pattern[i] == ANY_KEY:
            out.append(r"[^.\[\]]+")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


_STEP = re.compile(r"\*\*|\[\*\]|\*|[A-Za-z_][A-Za-z0-9_]*")


def parse(pattern: str) -> tuple[str, ...]:
    """A glob of plain keys, ``*``, ``[*]`` and ``**`` as its steps.

    ``"**.choices[*].obfuscation"`` -> ``("**", "choices", "[*]", "obfuscation")``.
    Raises ValueError for anything else (quoted keys, fixed indexes).
    """
    steps: list[str] = []
    i = 0
    while i < len(pattern):
        dotted = bool(steps) and pattern[i] == "."
        found = _STEP.match(pattern, i + dotted)
        # After the first step, a key (or * or **) comes after a dot, an index without one.
        if found is None or (steps and dotted == (found.group() == ANY_INDEX)):
            raise ValueError(f"not a simple path glob: {pattern!r} (at {i})")
        steps.append(found.group())
        i = found.end()
    if not steps or steps[-1] in (DEEP, ANY_INDEX):
        raise ValueError(f"a path glob must end with a key: {pattern!r}")
    return tuple(steps)


def find(value: Any, steps: tuple[str, ...]) -> Iterator[tuple[tuple[Part, ...], Any]]:
    """Every place in ``value`` that the parsed glob ``steps`` names: (parts, value there)."""
    return _find(value, steps, 0, ())


def _find(
    value: Any, steps: tuple[str, ...], i: int, at: tuple[Part, ...]
) -> Iterator[tuple[tuple[Part, ...], Any]]:
    if i == len(steps):
        yield at, value
        return
    step = steps[i]
    if step == DEEP:
        yield from _find(value, steps, i + 1, at)
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, (dict, list)):
                    yield from _find(item, steps, i, (*at, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, (dict, list)):
                    yield from _find(item, steps, i, (*at, index))
    elif step == ANY_INDEX:
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from _find(item, steps, i + 1, (*at, index))
    elif step == ANY_KEY:
        if isinstance(value, dict):
            for key, item in value.items():
                yield from _find(item, steps, i + 1, (*at, key))
    elif isinstance(value, dict) and step in value:
        yield from _find(value[step], steps, i + 1, (*at, step))
