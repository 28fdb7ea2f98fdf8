"""Word and line diffs of two texts, in time and output size linear in the texts.

difflib's matcher is quadratic (worse on repetitive text: 16k equal words take a
minute), so it never sees a whole text. The common prefix and suffix are trimmed
first (string comparisons, linear); difflib compares only what is left, and only
while its work stays under a budget (:class:`_Matcher` charges each step before
taking it: :data:`WORK` steps per tier). A single-line text that is over budget
word by word is compared sentence by sentence, then word by word inside the
sentences that changed (with a budget of its own). Past that, the changed region is
shown coarsely: removed then added, each clipped to its head and tail with a note
of how much was left out. Every run shown is clipped to :data:`MAX_RUN` characters,
so the output is bounded whatever the input.

In a line diff, a changed line that replaces one line (a block of n removed lines
replaced by n added lines, paired in order) gets its changed words highlighted: the
words are styled (:data:`REMOVED_WORDS`, :data:`ADDED_WORDS`), the text is the line's
own (the plain text stays a unified diff that applies). The word matching of all the
lines of one diff shares one budget; past it, lines are shown unhighlighted.

A line is a list of ``(text, style)`` segments; style ``""`` is plain.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Literal

Segment = tuple[str, str]
Line = list[Segment]

CONTEXT_WORDS = 8  # unchanged words kept on each side of a word-diff change (x2)
CONTEXT_LINES = 2  # unchanged lines kept around a line-diff change
WORK = 2_000_000  # difflib steps per tier (about 0.1 to 0.3 s)
MAX_MIDDLE = 1_000_000  # characters of a changed region that may be split into tokens
MAX_RUN = 2_000  # characters of one run (word run or line) shown: head … tail
MAX_LINES = 30  # lines shown of each side of a changed region too big to diff: head … tail
_BLOCK = 4096  # characters compared at a time when trimming; also the token look-around
REMOVED_WORDS = "bold red reverse"  # the changed words of a removed line
ADDED_WORDS = "bold green reverse"  # the changed words of an added line
MIN_SHARED = 1 / 3  # highlight a pair of lines only when this much of them is unchanged

_WORDS = re.compile(r"\s+|[^\s]+")
# Sentence-like pieces: up to punctuation, with the whitespace after it (they partition
# a text, and each ends on a word boundary).
_SENTENCES = re.compile(r"[^.!?;:]*(?:[.!?;:]+|$)\s*")


# -- trimming -----------------------------------------------------------------------


def common_prefix(a: str, b: str) -> int:
    """Length of the common prefix of ``a`` and ``b`` (block comparisons: linear, fast)."""
    n = min(len(a), len(b))
    i = 0
    while i + _BLOCK <= n and a[i : i + _BLOCK] == b[i : i + _BLOCK]:
        i += _BLOCK
    while i < n and a[i] == b[i]:
        i += 1
    return i


def common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the common suffix of ``a`` and ``b``, at most ``limit``."""
    la, lb = len(a), len(b)
    i = 0
    while i + _BLOCK <= limit and a[la - i - _BLOCK : la - i] == b[lb - i - _BLOCK : lb - i]:
        i += _BLOCK
    while i < limit and a[la - i - 1] == b[lb - i - 1]:
        i += 1
    return i


def _word_boundary(text: str, i: int) -> bool:
    return i in (0, len(text)) or text[i - 1].isspace() != text[i].isspace()


def _word_prefix(a: str, b: str) -> int:
    """The common prefix cut back to a word boundary of both texts."""
    p = common_prefix(a, b)
    if _word_boundary(a, p) and _word_boundary(b, p):
        return p
    last = _WORDS.findall(a[max(0, p - _BLOCK) : p])
    if p > _BLOCK and len(last) < 2:  # one word longer than the look-around: cut inside it
        return p
    return p - len(last[-1]) if last else p


def _word_suffix(a: str, b: str, p: int) -> int:
    """The common suffix (not overlapping the prefix ``p``) cut to a word boundary."""
    s = common_suffix(a, b, min(len(a), len(b)) - p)
    if _word_boundary(a, len(a) - s) and _word_boundary(b, len(b) - s):
        return s
    start = len(a) - s
    first = _WORDS.findall(a[start : start + _BLOCK])
    if s > _BLOCK and len(first) < 2:
        return s
    return s - len(first[0]) if first else s


# -- budgeted difflib ---------------------------------------------------------------

Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]


class _OverBudget(Exception):
    pass


class _Budget:
    def __init__(self) -> None:
        self.left = WORK

    def spend(self, steps: int) -> None:
        self.left -= steps
        if self.left < 0:
            raise _OverBudget


class _Matcher(difflib.SequenceMatcher[str]):
    """difflib's matcher, charging a budget before each longest-match search.

    A search over ``a[alo:ahi]`` visits, for each token, at most the positions of that
    token in ``b``: the charge is an upper bound of its work, computed in linear time.
    """

    def __init__(self, a: Sequence[str], b: Sequence[str], budget: _Budget) -> None:
        budget.spend(len(a) + len(b))
        self.budget = budget
        self.tokens = a
        self.positions = Counter(b)  # how often each token occurs in b
        super().__init__(None, a, b, autojunk=False)

    def find_longest_match(
        self, alo: int = 0, ahi: int | None = None, blo: int = 0, bhi: int | None = None
    ) -> difflib.Match:
        ahi = len(self.tokens) if ahi is None else ahi
        counts = self.positions
        self.budget.spend(ahi - alo + sum([counts[token] for token in self.tokens[alo:ahi]]))
        return super().find_longest_match(alo, ahi, blo, bhi)


def _opcodes(a: Sequence[str], b: Sequence[str], budget: _Budget) -> list[Opcode] | None:
    """difflib's opcodes, or None when they would cost more than the budget left."""
    try:
        return _Matcher(a, b, budget).get_opcodes()
    except _OverBudget:
        return None


# -- clipping -----------------------------------------------------------------------


def clip(text: str, style: str, before: str = "", after: str = "", limit: int = MAX_RUN) -> Line:
    """``before + text + after`` as segments, ``text`` cut to its head and tail."""
    if len(text) <= limit:
        return [(before + text + after, style)]
    half = limit // 2
    left_out = len(text) - 2 * half
    return [
        (before + text[:half], style),
        (f" … {left_out} characters … ", "dim"),
        (text[-half:] + after, style),
    ]


def _plain(segments: Line) -> str:
    return "".join(text for text, _ in segments)


# -- word diff ----------------------------------------------------------------------


def word_diff(before: str, after: str) -> Line:
    """One line: unchanged words plain, removed ``[-…-]``, added ``{+…+}``."""
    p = _word_prefix(before, after)
    s = _word_suffix(before, after, p)
    mid_a, mid_b = before[p : len(before) - s], after[p : len(after) - s]
    head_words, head_cut = _words_before(before, p)
    tail_words, tail_cut = _words_after(before, len(before) - s)
    runs: list[Run] = []
    if head_words or head_cut:
        runs.append(("equal", head_words, head_cut, False))
    runs += _middle_runs(mid_a, mid_b)
    if tail_words or tail_cut:
        runs.append(("equal", tail_words, False, tail_cut))
    merged: list[Run] = []
    for run in runs:
        if merged and run[0] == "equal" and merged[-1][0] == "equal":
            op, words, cut_head, _ = merged.pop()
            run = (op, words + run[1], cut_head, run[3])
        merged.append(run)
    return _render_runs(merged)


def _words_before(text: str, end: int) -> tuple[list[str], bool]:
    """The last words before ``end`` (enough for the context), and whether more precede."""
    start = max(0, end - _BLOCK)
    words = _WORDS.findall(text[start:end])
    cut = start > 0
    if cut and words:
        words = words[1:]  # the first may be the tail of a longer word
    keep = 2 * CONTEXT_WORDS + 1
    return words[-keep:], cut or len(words) > keep


def _words_after(text: str, start: int) -> tuple[list[str], bool]:
    end = min(len(text), start + _BLOCK)
    words = _WORDS.findall(text[start:end])
    cut = end < len(text)
    if cut and words:
        words = words[:-1]
    keep = 2 * CONTEXT_WORDS + 1
    return words[:keep], cut or len(words) > keep


Run = tuple[str, list[str], bool, bool]  # (op, words, elided at start, elided at end)


def _middle_runs(a_text: str, b_text: str) -> list[Run]:
    """The changed region as runs: word by word, sentence by sentence, or whole."""
    if len(a_text) + len(b_text) <= MAX_MIDDLE:
        a, b = _WORDS.findall(a_text), _WORDS.findall(b_text)
        codes = _opcodes(a, b, _Budget())
        if codes is not None:
            return _word_runs(a, b, codes)
        runs = _sentence_runs(a_text, b_text)
        if runs is not None:
            return runs
    return _whole_runs(a_text, b_text)


def _word_runs(a: list[str], b: list[str], codes: list[Opcode]) -> list[Run]:
    runs: list[Run] = []
    for op, i1, i2, j1, j2 in codes:
        if op == "equal":
            runs.append(("equal", a[i1:i2], False, False))
            continue
        if i2 > i1:
            runs.append(("delete", a[i1:i2], False, False))
        if j2 > j1:
            runs.append(("insert", b[j1:j2], False, False))
    return runs


def _whole_runs(a_text: str, b_text: str) -> list[Run]:
    """Removed then added, undiffed, with a note that they were too large to diff."""
    runs: list[Run] = [("delete", [a_text], False, False)] if a_text else []
    runs += [("insert", [b_text], False, False)] if b_text else []
    runs.append(("note", ["too large to diff word by word"], False, False))
    return runs


def _sentence_runs(a_text: str, b_text: str) -> list[Run] | None:
    """Sentences matched first, then words inside each changed block (budget allowing)."""
    a = [piece for piece in _SENTENCES.findall(a_text) if piece]
    b = [piece for piece in _SENTENCES.findall(b_text) if piece]
    budget = _Budget()
    codes = _opcodes(a, b, budget)
    if codes is None:
        return None
    runs: list[Run] = []
    for op, i1, i2, j1, j2 in codes:
        old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            runs.append(("equal", _WORDS.findall(old), False, False))
            continue
        old_words, new_words = _WORDS.findall(old), _WORDS.findall(new)
        words = _opcodes(old_words, new_words, budget) if budget.left > 0 else None
        if words is None:
            runs += _whole_runs(old, new)
        else:
            runs += _word_runs(old_words, new_words, words)
    return runs


def _render_runs(runs: list[Run]) -> Line:
    """Segments for the runs; a note (region too large to diff) ends the line, once."""
    notes = {"".join(run[1]) for run in runs if run[0] == "note"}
    runs = [run for run in runs if run[0] != "note"]
    line: Line = []
    limit = CONTEXT_WORDS * 2
    for n, (op, words, cut_head, cut_tail) in enumerate(runs):
        if op == "delete":
            line += clip("".join(words), "red", "[-", "-]")
            continue
        if op == "insert":
            line += clip("".join(words), "green", "{+", "+}")
            continue
        keep_head, keep_tail = n > 0, n < len(runs) - 1
        shown = limit * (keep_head + keep_tail)
        if cut_head or cut_tail or len(words) > shown + 1:
            head = words[:limit] if keep_head else []
            tail = words[-limit:] if keep_tail else []
            if head:
                line += clip("".join(head), "")
            line.append(("…", "dim"))
            if tail:
                line += clip("".join(tail), "")
        else:
            line += clip("".join(words), "")
    return line + [(f"  ({note})", "dim") for note in sorted(notes)]


def changed_window(before: str, after: str, context: int = 80) -> tuple[str, str]:
    """Both texts cut to the region that differs, with ``context`` characters around."""
    p = common_prefix(before, after)
    s = common_suffix(before, after, min(len(before), len(after)) - p)
    start = max(0, p - context)

    def window(text: str) -> str:
        end = min(len(text), len(text) - s + context)
        body = _plain(clip(text[start:end], ""))
        return ("…" if start else "") + body + ("…" if end < len(text) else "")

    return window(before), window(after)


# -- line diff ----------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    """Lines split on newline only (a carriage return stays, and is shown escaped)."""
    if not text:
        return []
    lines = text.split("\n")
    return lines[:-1] if text.endswith("\n") else lines


def _line_start(text: str, i: int) -> bool:
    return i == 0 or text[i - 1] == "\n"


def _back_lines(text: str, start: int, count: int) -> int:
    """The start of the line ``count`` lines before the line starting at ``start``."""
    for _ in range(count):
        if start == 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
    return start


def _forward_lines(text: str, start: int, count: int) -> int:
    """The position after ``count`` more lines from ``start`` (a line start)."""
    for _ in range(count):
        end = text.find("\n", start)
        if end < 0:
            return len(text)
        start = end + 1
    return start


def line_diff(before: str, after: str) -> list[Line]:
    """A unified diff without file headers: ``@@`` hunks, ``-``/``+``/`` `` lines."""
    p = common_prefix(before, after)
    p = before.rfind("\n", 0, p) + 1  # back to a line start
    s = common_suffix(before, after, min(len(before), len(after)) - p)
    ia, ib = len(before) - s, len(after) - s
    if s and not (_line_start(before, ia) and _line_start(after, ib)):
        newline = before.find("\n", ia)  # forward to a line start (inside the suffix)
        s = 0 if newline < 0 else len(before) - newline - 1
        ia, ib = len(before) - s, len(after) - s
    # Keep CONTEXT_LINES lines of context on each side in the compared region.
    start = _back_lines(before, p, CONTEXT_LINES)
    end_a = _forward_lines(before, ia, CONTEXT_LINES)
    end_b = ib + (end_a - ia)
    first = before.count("\n", 0, start)  # lines before the region (0-based line number)
    mid_a, mid_b = before[start:end_a], after[start:end_b]
    out: list[Line] = []
    if len(mid_a) + len(mid_b) <= MAX_MIDDLE:
        a, b = _lines(mid_a), _lines(mid_b)
        try:
            groups = list(_Matcher(a, b, _Budget()).get_grouped_opcodes(CONTEXT_LINES))
        except _OverBudget:
            groups = None
        if groups is not None:
            words = _Budget()  # shared by the word matching of every changed line
            for group in groups:
                out += _hunk(a, b, group, first, words)
            return out or ending_diff(before, after)
    return _coarse_hunk(mid_a, mid_b, first, p - start, end_a - ia)


def _range(start: int, length: int) -> str:
    """A unified-diff range, as difflib writes it."""
    beginning = start + 1
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def _hunk(
    a: list[str],
    b: list[str],
    group: Sequence[tuple[str, int, int, int, int]],
    offset: int,
    budget: _Budget,
) -> list[Line]:
    i1, i2 = group[0][1], group[-1][2]
    j1, j2 = group[0][3], group[-1][4]
    out: list[Line] = [
        [(f"@@ -{_range(offset + i1, i2 - i1)} +{_range(offset + j1, j2 - j1)} @@", "cyan")]
    ]
    for op, a1, a2, b1, b2 in group:
        if op == "equal":
            out += [clip(line, "", " ") for line in a[a1:a2]]
            continue
        removed = [clip(line, "red", "-") for line in a[a1:a2]]
        added = [clip(line, "green", "+") for line in b[b1:b2]]
        if op == "replace" and a2 - a1 == b2 - b1:
            for k, (old, new) in enumerate(zip(a[a1:a2], b[b1:b2], strict=True)):
                pair = _highlighted(old, new, budget)
                if pair is not None:
                    removed[k], added[k] = pair
        out += removed + added
    return out


def _highlighted(old: str, new: str, budget: _Budget) -> tuple[Line, Line] | None:
    """A removed and an added line with their changed words highlighted, or None (too
    little in common, too long, or the budget spent)."""
    p = _word_prefix(old, new)
    s = _word_suffix(old, new, p)
    mid_a, mid_b = old[p : len(old) - s], new[p : len(new) - s]
    if budget.left <= 0 or len(mid_a) + len(mid_b) > MAX_MIDDLE:
        return None
    words_a, words_b = _WORDS.findall(mid_a), _WORDS.findall(mid_b)
    codes = _opcodes(words_a, words_b, budget)
    if codes is None:
        return None
    shared = (
        p + s + sum(len("".join(words_a[i1:i2])) for op, i1, i2, _, _ in codes if op == "equal")
    )
    if not shared or shared < MIN_SHARED * max(len(old), len(new)):
        return None
    minus: list[tuple[str, bool]] = [(old[:p], False)]
    plus: list[tuple[str, bool]] = [(new[:p], False)]
    for op, i1, i2, j1, j2 in codes:
        minus.append(("".join(words_a[i1:i2]), op != "equal"))
        plus.append(("".join(words_b[j1:j2]), op != "equal"))
    minus.append((old[len(old) - s :], False))
    plus.append((new[len(new) - s :], False))
    return (
        _styled(minus, "-", "red", REMOVED_WORDS),
        _styled(plus, "+", "green", ADDED_WORDS),
    )


def _styled(runs: list[tuple[str, bool]], mark: str, style: str, changed: str) -> Line:
    """``mark`` and the runs of a line, the changed ones in ``changed`` (each clipped)."""
    line: Line = [(mark, style)]
    runs = [run for run in runs if run[0]]
    for i in range(1, len(runs) - 1):  # a space between two changed words is changed too
        if runs[i][0].isspace() and runs[i - 1][1] and runs[i + 1][1]:
            runs[i] = (runs[i][0], True)
    merged: list[tuple[str, bool]] = []
    for text, is_changed in runs:
        if merged and merged[-1][1] == is_changed:
            text = merged.pop()[0] + text
        merged.append((text, is_changed))
    for text, is_changed in merged:
        line += clip(text, changed if is_changed else style)
    return line


def _coarse_hunk(a: str, b: str, offset: int, lead: int, trail: int) -> list[Line]:
    """One hunk for a region too big to diff: context, removed lines, added lines (clipped).

    ``lead`` and ``trail`` are the characters of context at the start and end of both.
    """
    context_head = _lines(a[:lead])
    context_tail = _lines(a[len(a) - trail :]) if trail else []
    removed, added = a[lead : len(a) - trail], b[lead : len(b) - trail]
    count_a, count_b = _count_lines(a), _count_lines(b)
    ranges = f"@@ -{_range(offset, count_a)} +{_range(offset, count_b)} @@"
    out: list[Line] = [[(ranges, "cyan"), (" too large to diff line by line", "dim")]]
    out += [clip(line, "", " ") for line in context_head]
    out += _clipped_lines(removed, "red", "-")
    out += _clipped_lines(added, "green", "+")
    out += [clip(line, "", " ") for line in context_tail]
    return out


def _count_lines(text: str) -> int:
    return text.count("\n") + (0 if not text or text.endswith("\n") else 1)


def _clipped_lines(text: str, style: str, mark: str) -> list[Line]:
    """The lines of ``text`` with ``mark``; past MAX_LINES only the head and tail."""
    count = _count_lines(text)
    if count <= MAX_LINES:
        return [clip(line, style, mark) for line in _lines(text)]
    half = MAX_LINES // 2
    head = text.split("\n", half)[:half]
    tail = _last_lines(text, half)
    return [
        *(clip(line, style, mark) for line in head),
        [(f"{mark} … {count - 2 * half} more lines …", "dim")],
        *(clip(line, style, mark) for line in tail),
    ]


def _last_lines(text: str, count: int) -> list[str]:
    body = text[:-1] if text.endswith("\n") else text
    return body.rsplit("\n", count)[-count:]


def ending_diff(before: str, after: str) -> list[Line]:
    """Texts with the same lines but other line endings: the differing tails, escaped."""
    common = common_prefix(before, after)
    start = max(0, common - 20)
    lead = "…" if start else ""
    return [
        clip(json.dumps(before[start:], ensure_ascii=False), "red", "- " + lead),
        clip(json.dumps(after[start:], ensure_ascii=False), "green", "+ " + lead),
    ]
