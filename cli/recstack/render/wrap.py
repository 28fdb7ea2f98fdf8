"""Word wrap of styled text for a terminal, done once on plain strings.

A styled text is a list of spans ``(text, style)``. :func:`wrap_spans` breaks every
line wider than the terminal at word boundaries (a word wider than the terminal is
folded), dropping the spaces where it breaks, so that rich can print the result
without wrapping it again: rich's own wrapping measures every line of every
recording, which made ``recstack show`` on a terminal several times slower than
its plain output. Tabs are expanded first (:func:`expand_tabs`), as rich lays them out.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Span = tuple[str, str]  # (text, style; "" for none)
Cells = Callable[[str], int]  # terminal columns of a string
Break = tuple[int, int, bool]  # (cut, resume, newline): the text between cut and resume dropped

TAB_SIZE = 8
_WORD = re.compile(r"\s*\S+\s*")


def expand_tabs(spans: list[Span], tab_size: int = TAB_SIZE) -> list[Span]:
    """``spans`` with tabs as spaces to the next tab stop (columns counted per line)."""
    if not any("\t" in text for text, _ in spans):
        return spans
    out: list[Span] = []
    column = 0
    for text, style in spans:
        lines = text.split("\n")
        expanded = []
        for i, line in enumerate(lines):
            if i:
                column = 0
            if "\t" in line:
                line = ("x" * column + line).expandtabs(tab_size)[column:]
            expanded.append(line)
            column += len(line)
        out.append(("\n".join(expanded), style))
    return out


def _ascii_breaks(line: str, width: int) -> list[Break]:
    """:func:`line_breaks` for text of one column a character: a jump per line."""
    breaks: list[Break] = []
    pos = 0
    while len(line) - pos > width:
        space = line.rfind(" ", pos + 1, pos + width + 1)
        cut = len(line[pos:space].rstrip()) + pos if space > 0 else pos
        if cut == pos:  # no space to break at: the word is folded
            breaks.append((pos + width, pos + width, True))
            pos += width
            continue
        resume = space
        while resume < len(line) and line[resume] == " ":
            resume += 1
        if resume == len(line):  # only spaces left: dropped
            breaks.append((cut, resume, False))
            break
        breaks.append((cut, resume, True))
        pos = resume
    return breaks


def line_breaks(line: str, width: int, cells: Cells) -> list[Break]:
    """Where to break ``line`` at spaces (the spaces at a break are dropped, and so are
    spaces past the edge at its end). A word wider than ``width`` is folded."""
    if line.isascii() or cells(line) == len(line):  # one column a character
        return _ascii_breaks(line, width)

    def size(text: str) -> int:
        return len(text) if text.isascii() else cells(text)

    breaks: list[Break] = []
    column = 0
    end = 0  # where the last word placed ends, spaces excluded
    for match in _WORD.finditer(line):
        word = match.group()
        bare = word.rstrip()
        start = match.start()
        if column and column + size(bare) > width:  # the word goes on the next line
            lead = len(bare) - len(bare.lstrip())
            breaks.append((end, start + lead, True))
            bare, start, column = bare[lead:], start + lead, 0
        column += size(bare)
        if column > width:  # wider than the line: folded
            column = 0
            for i, char in enumerate(bare):
                if column + size(char) > width and column:
                    breaks.append((start + i, start + i, True))
                    column = 0
                column += size(char)
        column += len(word) - len(word.rstrip())
        end = start + len(bare)
    if column > width and end < len(line):  # spaces past the edge at the end: dropped
        breaks.append((end, len(line), False))
    return breaks


def _cut(spans: list[Span], breaks: list[Break], total: int) -> list[Span]:
    """``spans`` with the text from each cut to its resume dropped, and a newline there
    when the break asks for one."""
    keep = []
    start = 0
    newline = False
    for cut, resume, new in breaks:
        keep.append((start, cut, newline))
        start, newline = resume, new
    keep.append((start, total, newline))
    runs = []
    offset = 0
    for text, style in spans:
        runs.append((offset, offset + len(text), text, style))
        offset += len(text)
    out: list[Span] = []
    first = 0
    for low, high, newline in keep:
        if newline:
            out.append(("\n", ""))
        while first < len(runs) and runs[first][1] <= low:
            first += 1
        index = first
        while index < len(runs) and runs[index][0] < high:
            begin, finish, text, style = runs[index]
            a, b = max(begin, low), min(finish, high)
            if a < b:
                out.append((text[a - begin : b - begin], style))
            index += 1
    return out


def wrap_spans(spans: list[Span], width: int, cells: Cells) -> list[Span]:
    """``spans`` with each line wider than ``width`` columns broken at words."""
    text = "".join(part for part, _ in spans)
    breaks: list[Break] = []
    offset = 0
    for line in text.split("\n"):
        if len(line) > width or (not line.isascii() and cells(line) > width):
            breaks += [
                (offset + a, offset + b, new) for a, b, new in line_breaks(line, width, cells)
            ]
        offset += len(line) + 1
    return _cut(spans, breaks, len(text)) if breaks else spans
