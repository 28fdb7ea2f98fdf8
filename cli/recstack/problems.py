"""The one shape every command uses to report something wrong with a file."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """A finding about one file: where it is and what is wrong.

    ``line`` and ``column`` are 1-based and point at the start of the offending
    value in the file as written; ``pointer`` is an RFC 6901 JSON Pointer ("" is
    the whole document).
    """

    path: str
    message: str
    line: int | None = None
    column: int | None = None
    pointer: str = ""
    rule: str = "json"
    severity: Severity = "error"

    def location(self) -> str:
        """``PATH:LINE:COL`` (or fewer parts when the position is unknown)."""
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def one_line(self) -> str:
        """``PATH:LINE:COL: POINTER: message`` on one line."""
        where = self.location()
        pointer = f"{self.pointer}: " if self.pointer else ""
        message = " ".join(self.message.split())
        return f"{where}: {pointer}{message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RecstackError(Exception):
    """An error that stops work on one file; carries the problem to report."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.one_line())
        self.problem = problem
