"""Render ``recstack diff`` results: rich, plain text, JSON, Markdown (a PR comment).

Changed, added, removed and unreadable files get a section each; same and equivalent
files are counted in the summary line (listed with ``verbose``). Text changes are
shown as a unified line diff, or a word diff (``[-old-]{+new+}``) for single lines.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.text import Text

from recstack.diffing.result import (
    ADDED,
    CHANGED,
    EQUIVALENT,
    ERROR,
    FILE_ERROR,
    ITEM_ADDED,
    ITEM_REMOVED,
    REMOVED,
    SAME,
    TEXT,
    Change,
    FileDiff,
    note_text,
    summarize,
)
from recstack.jsonnumbers import dumps_text

# A line is a list of (text, style) segments; style "" is plain.
Segment = tuple[str, str]
Line = list[Segment]

SUMMARY_ORDER = (CHANGED, ADDED, REMOVED, ERROR, EQUIVALENT, SAME)
STATUS_STYLE = {
    CHANGED: "bold yellow",
    ADDED: "bold green",
    REMOVED: "bold red",
    ERROR: "bold red",
    EQUIVALENT: "cyan",
    SAME: "dim",
}
MAX_VALUE = 240  # characters of a JSON value shown inline
CONTEXT_WORDS = 8  # unchanged words kept around a word-diff change
CONTEXT_LINES = 2


def summary_line(files: list[FileDiff]) -> str:
    counts = summarize(files)
    parts = [f"{counts[s]} {s}" for s in SUMMARY_ORDER if counts.get(s)]
    noun = "recording" if len(files) == 1 else "recordings"
    return f"{len(files)} {noun}: " + (", ".join(parts) if parts else "nothing to compare")


def short_json(value: Any, limit: int = MAX_VALUE) -> str:
    text = value if isinstance(value, str) and limit == 0 else None
    if text is None:
        try:
            text = dumps_text(value, ensure_ascii=False, sort_keys=False)
        except (TypeError, ValueError):
            text = repr(value)
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


# -- text diffs ---------------------------------------------------------------------

_WORDS = re.compile(r"\s+|[^\s]+")


def word_diff(before: str, after: str) -> Line:
    """One line: unchanged words plain, removed ``[-…-]``, added ``{+…+}``."""
    a, b = _WORDS.findall(before), _WORDS.findall(after)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    line: Line = []
    opcodes = matcher.get_opcodes()
    for n, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            words = a[i1:i2]
            keep_head = n > 0
            keep_tail = n < len(opcodes) - 1
            limit = CONTEXT_WORDS * 2
            if len(words) > limit * (keep_head + keep_tail) + 1:
                head = words[:limit] if keep_head else []
                tail = words[-limit:] if keep_tail else []
                line.append(("".join(head), ""))
                line.append(("…", "dim"))
                line.append(("".join(tail), ""))
            else:
                line.append(("".join(words), ""))
            continue
        if i2 > i1:
            line.append(("[-" + "".join(a[i1:i2]) + "-]", "red"))
        if j2 > j1:
            line.append(("{+" + "".join(b[j1:j2]) + "+}", "green"))
    return line


def line_diff(before: str, after: str) -> list[Line]:
    """A unified diff without file headers: ``@@`` hunks, ``-``/``+``/`` `` lines."""
    out: list[Line] = []
    diff = difflib.unified_diff(
        before.splitlines(), after.splitlines(), lineterm="", n=CONTEXT_LINES
    )
    for number, text in enumerate(diff):
        if number < 2:  # the "---" / "+++" file headers (a line of the text may start so)
            continue
        style = {"@": "cyan", "-": "red", "+": "green"}.get(text[:1], "")
        out.append([(text, style)])
    if not out and before != after:
        return ending_diff(before, after)
    return out


def ending_diff(before: str, after: str) -> list[Line]:
    """Texts with the same lines but other line endings: the differing tails, escaped."""
    common = next(
        (i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
        min(len(before), len(after)),
    )
    start = max(0, common - 20)
    lead = "…" if start else ""
    return [
        [("- " + lead + json.dumps(before[start:], ensure_ascii=False), "red")],
        [("+ " + lead + json.dumps(after[start:], ensure_ascii=False), "green")],
    ]


def change_body(change: Change) -> list[Line]:
    """The lines under a change's heading."""
    before, after = change.before, change.after
    if change.kind == TEXT and isinstance(before, str) and isinstance(after, str):
        if "\n" not in before and "\n" not in after:
            return [word_diff(before, after)]
        return line_diff(before, after)
    if change.kind == ITEM_ADDED:
        return [[("+ " + short_json(after), "green")]]
    if change.kind == ITEM_REMOVED:
        return [[("- " + short_json(before), "red")]]
    if change.kind == FILE_ERROR or change.informational:
        return []
    return [[("- " + short_json(before), "red")], [("+ " + short_json(after), "green")]]


def change_heading(change: Change) -> Line:
    if change.informational:
        return [(f"{change.where:<8} ", "dim"), (note_text(change), "italic")]
    if change.kind == FILE_ERROR:
        message = change.after if change.after is not None else change.before
        return [(f"{change.path:<8} ", "dim"), (str(message), "red")]
    kind = "" if change.kind in (TEXT, "changed") else f"  ({change.kind})"
    return [(f"{change.where:<8} ", "dim"), (change.path, "bold"), (kind, "dim")]


def file_lines(item: FileDiff) -> list[Line]:
    lines: list[Line] = [[(f"{item.status:<10} ", STATUS_STYLE[item.status]), (item.path, "bold")]]
    for change in item.changes:
        lines.append([("  ", ""), *change_heading(change)])
        for body in change_body(change):
            lines.append([("      ", ""), *body])
    return lines


def quiet_lines(item: FileDiff) -> list[Line]:
    line: Line = [(f"{item.status:<10} ", STATUS_STYLE[item.status]), (item.path, "")]
    notes = item.notes
    if notes:
        line.append(("  (" + "; ".join(notes) + ")", "dim"))
    return [line]


def report_lines(files: list[FileDiff], *, verbose: bool = False) -> list[Line]:
    lines: list[Line] = []
    for item in files:
        if item.status in (SAME, EQUIVALENT):
            continue
        lines += file_lines(item)
        lines.append([])
    if verbose:
        quiet = [item for item in files if item.status in (SAME, EQUIVALENT)]
        for item in quiet:
            lines += quiet_lines(item)
        if quiet:
            lines.append([])
    lines.append([(summary_line(files), "bold")])
    return lines


# -- formats ------------------------------------------------------------------------


def render_text(files: list[FileDiff], *, verbose: bool = False) -> str:
    return "".join(
        "".join(text for text, _ in line).rstrip() + "\n"
        for line in report_lines(files, verbose=verbose)
    )


def render_rich(files: list[FileDiff], console: Console, *, verbose: bool = False) -> None:
    for line in report_lines(files, verbose=verbose):
        text = Text()
        for segment, style in line:
            text.append(segment, style=style or None)
        console.print(text, soft_wrap=True)


def to_json(files: list[FileDiff]) -> dict[str, Any]:
    return {"files": [item.to_dict() for item in files], "summary": summarize(files)}


def render_json(files: list[FileDiff]) -> str:
    return dumps_text(to_json(files), indent=2, ensure_ascii=False, default=str) + "\n"


def _fence(body: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    return "`" * max(3, longest + 1)


def _md_code(text: str) -> str:
    ticks = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _md_change(change: Change) -> list[str]:
    if change.informational:
        return [f"- _{note_text(change)}_"]
    if change.kind == FILE_ERROR:
        return [f"- {_md_code(str(change.after or change.before))}"]
    out = [
        f"- **{change.where}** {_md_code(change.path)}"
        + (f" ({change.kind})" if change.kind not in (TEXT, "changed") else "")
    ]
    if change.kind == TEXT and isinstance(change.before, str) and isinstance(change.after, str):
        if "\n" in change.before or "\n" in change.after:
            body = "\n".join(
                "".join(t for t, _ in line) for line in line_diff(change.before, change.after)
            )
        else:
            body = f"- {change.before}\n+ {change.after}"
    else:
        body = "\n".join("".join(t for t, _ in line) for line in change_body(change))
    fence = _fence(body)
    out += ["", f"  {fence}diff", *("  " + line for line in body.splitlines()), f"  {fence}", ""]
    return out


def render_markdown(files: list[FileDiff], *, verbose: bool = False) -> str:
    lines = ["### recstack diff", "", summary_line(files), ""]
    for item in files:
        if item.status in (SAME, EQUIVALENT):
            continue
        count = len(item.real_changes)
        detail = f" ({count} change{'s' if count != 1 else ''})" if count else ""
        if item.status in (ADDED, REMOVED):
            lines.append(f"- **{item.status}** {_md_code(item.path)}")
            continue
        lines += [
            "<details>",
            f"<summary><b>{item.status}</b> <code>{_html(item.path)}</code>{detail}</summary>",
            "",
        ]
        for change in item.changes:
            lines += _md_change(change)
        lines += ["</details>", ""]
    quiet = [item for item in files if item.status in (SAME, EQUIVALENT)]
    if quiet and verbose:
        lines += ["", "<details>", f"<summary>{len(quiet)} same or equivalent</summary>", ""]
        for item in quiet:
            notes = "; ".join(item.notes)
            lines.append(
                f"- {item.status} {_md_code(item.path)}" + (f" ({notes})" if notes else "")
            )
        lines += ["", "</details>"]
    return "\n".join(lines).rstrip() + "\n"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def errors(files: Iterable[FileDiff]) -> list[str]:
    """One line per unreadable recording (for stderr)."""
    out = []
    for item in files:
        if item.status == ERROR:
            for change in item.changes:
                if change.kind == FILE_ERROR:
                    out.append(str(change.after if change.after is not None else change.before))
    return out
