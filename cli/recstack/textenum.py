"""``TextEnum``: an enum whose members are their text everywhere (``enum.StrEnum``,
which Python 3.10 lacks): ``f"{Status.CHANGED}"`` is ``changed``, JSON writes ``"changed"``,
and a member equals its text."""

from __future__ import annotations

from enum import Enum


class TextEnum(str, Enum):
    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return str.__format__(str.__str__(self), spec)
