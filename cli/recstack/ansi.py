"""Terminal colour and control codes in captured output (pytest's ``--color=yes``, rich)."""

from __future__ import annotations

import re

__all__ = ["ANSI", "strip_ansi"]

# CSI sequences (colours, cursor moves), OSC sequences (titles, links; never past a line
# end) and two-character escapes. Each alternative is linear: no backtracking.
ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


def strip_ansi(text: str) -> str:
    """``text`` without escape sequences (unchanged, and not copied, when it has none)."""
    return ANSI.sub("", text) if "\x1b" in text else text
