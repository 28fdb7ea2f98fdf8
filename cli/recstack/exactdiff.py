"""Where two parsed JSON documents differ, exactly.

Python's ``==`` calls ``1``, ``1.0`` and ``True`` equal, and ``0.0`` and ``-0.0``;
written as JSON they are different bytes. Here two values are the same when they
have the same type and value, the same sign of zero, and (objects) the same keys in
the same order: when they are written as the same JSON. Used by
``recstack normalize`` to prove that a rewrite changed only what its rules rewrite.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from recstack.jsonnumbers import dumps

Path = tuple[str | int, ...]


def _written(value: Any) -> bytes:
    """Compact JSON of ``value`` (orjson: shortest round-trip floats, so different
    values never share a text; big integers and Decimals at their exact value)."""
    return dumps(value)


def equal(before: Any, after: Any) -> bool:
    """True when both values are written as the same JSON.

    Containers equal by ``==`` are confirmed by writing each as JSON (in C).
    """
    if type(before) is not type(after) or before != after:
        return False
    if isinstance(before, (dict, list)):
        return _written(before) == _written(after)
    if isinstance(before, float) and before == 0.0:
        return math.copysign(1.0, before) == math.copysign(1.0, after)
    return True


def differences(before: Any, after: Any, path: Path = ()) -> Iterator[Path]:
    """The paths of the smallest differing values: inside objects with the same keys
    (in the same order) and arrays of the same length, else the value itself."""
    if equal(before, after):
        return
    if isinstance(before, dict) and isinstance(after, dict) and list(before) == list(after):
        for key, old in before.items():
            new = after[key]
            if not equal(old, new):
                yield from differences(old, new, (*path, key))
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            if not equal(old, new):
                yield from differences(old, new, (*path, index))
    else:
        yield path
