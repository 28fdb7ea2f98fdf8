"""JSON numbers kept at their exact value.

orjson, the fast parser, holds an integer in 64 bits and a float in a double: an
integer of more than 64 bits silently becomes a float there (``1.2345678901234568e+29``),
``1e-400`` becomes ``0.0`` and ``1e400`` is refused. A file in upstream's layout that
orjson reads and writes back to the same bytes held no such number; for the others,
:func:`needs_exact` spots with a few substring searches the files that may hold one,
and only those go through the exact parse, whose hooks are :func:`exact_int` and
:func:`exact_float` (see :func:`recstack.loading.parse`).

Exact means: integers are Python ints of any size (up to Python's limit on the
digits of an int, 4,300 by default: over it, :class:`IntegerTooLong`), and a float
literal that a double cannot hold (it would become infinity, or 0 when it is not
zero) is kept as a :class:`~decimal.Decimal` of the very value written. Both JSON
Schema engines and deepdiff compare Decimals by value, so ``1e400`` and ``2e400``
stay different; :func:`out_of_range` finds them for a report. :func:`dumps` (orjson)
and :func:`dumps_text` (``json.dumps``) write data holding them, or big integers, as
JSON at their exact value.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import orjson

from recstack.locate import escape_token

# The raw bytes with every digit as "D", "E" as "e" and the bytes a number can
# follow (white space, ":", "[", ",") as "!": number shapes become plain substrings,
# found with bytes.find at C speed. A match inside a string only costs the exact parse.
_SHAPE = bytes.maketrans(b"0123456789E \t\n\r:[,", b"DDDDDDDDDDe!!!!!!!")
_I64_MIN, _U64_MAX = -(2**63), 2**64 - 1
# A positive integer beyond u64 has 20 digits or more, a negative one beyond i64 19.
_BIG_INTS = (b"!" + b"D" * 20, b"-" + b"D" * 19)
# Below the smallest double (~2.5e-324): a negative exponent of 3 digits or more, or
# (with a shorter exponent) hundreds of zeros after the point.
_TINY_EXPONENT = b"e-DDD"
_ZEROS = b"0" * 19


def needs_exact(raw: bytes) -> bool:
    """True when ``raw`` may hold a number that orjson would not keep exactly: an
    integer beyond 64 bits (orjson makes it a float) or a float below the smallest
    double (orjson makes it 0). Floats too large for a double make orjson fail."""
    if _ZEROS in raw:
        return True
    shape = b"!" + raw.translate(_SHAPE)
    if any(pattern in shape for pattern in _BIG_INTS):
        return True
    at = shape.find(_TINY_EXPONENT)
    while at != -1:
        if _number_ends_at(shape, at):
            return True
        at = shape.find(_TINY_EXPONENT, at + 1)
    return False


def _number_ends_at(shape: bytes, at: int) -> bool:
    """Whether the mantissa before the exponent at ``at`` is a number token (digits and
    a point after "!" or "-"), not the tail of a word such as a hex id."""
    start = at
    while start > 0 and shape[start - 1] in b"D.":
        start -= 1
    return start < at and shape[at - 1] in b"D" and shape[start - 1] in b"!-"


class IntegerTooLong(ValueError):
    """An integer literal over Python's limit on the digits of an int."""

    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        self.literal = literal

    @property
    def digits(self) -> int:
        return len(self.literal.lstrip("-"))


def exact_int(literal: str) -> int:
    """``parse_int`` hook: ``int(literal)``, or IntegerTooLong over Python's digit limit."""
    try:
        return int(literal)
    except ValueError:
        raise IntegerTooLong(literal) from None


def exact_float(literal: str) -> float | Decimal:
    """``parse_float`` hook: the float, or a Decimal when a double cannot hold the value."""
    value = float(literal)
    if math.isinf(value) or (value == 0.0 and _nonzero(literal)):
        return Decimal(literal)
    return value


def _nonzero(literal: str) -> bool:
    mantissa = literal.lower().split("e", 1)[0]
    return mantissa.strip("-+0.") != ""


def out_of_range(value: Any, pointer: str = "") -> Iterator[tuple[str, Decimal]]:
    """(JSON Pointer, value) of every Decimal in parsed data, in document order."""
    if isinstance(value, Decimal):
        yield pointer, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from out_of_range(item, f"{pointer}/{escape_token(key)}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from out_of_range(item, f"{pointer}/{index}")


def describe(value: Decimal) -> str:
    """Why a number is held as a Decimal, in words."""
    sign = "-" if value < 0 else ""
    if abs(value) > 1:
        return f"out of the range of a 64-bit float (most JSON readers make it {sign}infinity)"
    return f"too small for a 64-bit float (most JSON readers make it {sign}0)"


def _fragment(value: Any) -> orjson.Fragment:
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value).encode("ascii"))
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def _fragments(value: Any) -> Any:
    """A copy of ``value`` with every int orjson cannot write (beyond 64 bits) as an
    ``orjson.Fragment`` of its digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        in_range = _I64_MIN <= value <= _U64_MAX
        return value if in_range else orjson.Fragment(str(value).encode("ascii"))
    if isinstance(value, dict):
        return {key: _fragments(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fragments(item) for item in value]
    return value


def dumps(value: Any, option: int = 0) -> bytes:
    """``orjson.dumps`` that writes big integers and Decimals at their exact value.

    A string holding a lone surrogate (UTF-8 cannot encode it) is written as its
    ``\\udXXX`` escape by the standard library instead (compact, ASCII).
    """
    try:
        return orjson.dumps(value, default=_fragment, option=option)
    except TypeError:  # an integer beyond 64 bits (orjson never passes it to default)
        pass
    try:
        return orjson.dumps(_fragments(value), default=_fragment, option=option)
    except TypeError:  # a lone surrogate
        return dumps_text(value, separators=(",", ":")).encode("ascii")


def dumps_text(value: Any, **options: Any) -> str:
    """``json.dumps(value, **options)``, with each Decimal written as its exact number.

    ``json.dumps`` cannot write a Decimal: each one goes out as a string holding a
    random marker, and the quoted markers are then replaced by the numbers. A
    ``default`` option still handles the other types ``json.dumps`` cannot write.
    """
    literals: list[str] = []
    marker = "decimal-" + secrets.token_hex(8) + "-"
    fallback = options.pop("default", None)

    def default(item: Any) -> Any:
        if isinstance(item, Decimal):
            literals.append(str(item))
            return f"{marker}{len(literals) - 1}"
        if fallback is not None:
            return fallback(item)
        raise TypeError(f"Object of type {type(item).__name__} is not JSON serializable")

    text = json.dumps(value, default=default, **options)
    if not literals:
        return text
    return re.sub(f'"{marker}(\\d+)"', lambda match: literals[int(match[1])], text)
