"""Render ``recstack diff`` results: rich, plain text, JSON, Markdown (a PR comment).

Changed, added, removed and unreadable files get a section each; same and equivalent
files are counted in the summary line (listed with ``verbose``). Text changes are
shown as a unified line diff, or a word diff (``[-old-]{+new+}``) for single lines
(:mod:`recstack.render.textdiff`: bounded in time and size). Recording text is shown
inert in every human format (:mod:`recstack.inert`): control characters, bidi controls
and lone surrogates appear as escapes; JSON carries them as ``\\uXXXX`` escapes.
"""

from __future__ import annotations

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
from recstack.inert import inert, inert_json, inert_line
from recstack.jsonnumbers import dumps_text
from recstack.render import markdown as md
from recstack.render.jsontext import json_text
from recstack.render.textdiff import Line, changed_window, line_diff, word_diff

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


def summary_line(files: list[FileDiff]) -> str:
    counts = summarize(files)
    parts = [f"{counts[s]} {s}" for s in SUMMARY_ORDER if counts.get(s)]
    noun = "recording" if len(files) == 1 else "recordings"
    return f"{len(files)} {noun}: " + (", ".join(parts) if parts else "nothing to compare")


def short_json(value: Any, limit: int = MAX_VALUE) -> str:
    text = value if isinstance(value, str) and limit == 0 else json_text(value)
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


# -- changes ------------------------------------------------------------------------


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
        return [(f"{change.where:<8} ", "dim"), (inert_line(note_text(change)), "italic")]
    if change.kind == FILE_ERROR:
        message = change.after if change.after is not None else change.before
        return [(f"{inert_line(change.path):<8} ", "dim"), (inert_line(str(message)), "red")]
    kind = "" if change.kind in (TEXT, "changed") else f"  ({change.kind})"
    return [(f"{change.where:<8} ", "dim"), (inert_line(change.path), "bold"), (kind, "dim")]


def file_lines(item: FileDiff) -> list[Line]:
    status = (f"{item.status:<10} ", STATUS_STYLE[item.status])
    lines: list[Line] = [[status, (inert_line(item.path), "bold")]]
    for change in item.changes:
        lines.append([("  ", ""), *change_heading(change)])
        for body in change_body(change):
            lines.append([("      ", ""), *body])
    return lines


def quiet_lines(item: FileDiff) -> list[Line]:
    line: Line = [(f"{item.status:<10} ", STATUS_STYLE[item.status]), (inert_line(item.path), "")]
    notes = item.notes
    if notes:
        line.append(("  (" + inert_line("; ".join(notes)) + ")", "dim"))
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


def _plain(line: Line) -> str:
    """A line's text, control characters shown as escapes (the boundary of every format)."""
    return inert("".join(text for text, _ in line))


def render_text(files: list[FileDiff], *, verbose: bool = False) -> str:
    return "".join(_plain(line).rstrip() + "\n" for line in report_lines(files, verbose=verbose))


def render_rich(files: list[FileDiff], console: Console, *, verbose: bool = False) -> None:
    for line in report_lines(files, verbose=verbose):
        text = Text()  # Text, never markup: "[bold]" in a recording is shown as it is
        for segment, style in line:
            text.append(inert(segment), style=style or None)
        console.print(text, soft_wrap=True)


def to_json(files: list[FileDiff]) -> dict[str, Any]:
    return {"files": [item.to_dict() for item in files], "summary": summarize(files)}


def render_json(files: list[FileDiff]) -> str:
    """The JSON report; lone surrogates and C1 controls as ``\\uXXXX`` escapes."""
    text = dumps_text(to_json(files), indent=2, ensure_ascii=False, default=str)
    return inert_json(text) + "\n"


def _md_change(change: Change) -> list[str]:
    if change.informational:
        return [f"- _{md.text(note_text(change))}_"]
    if change.kind == FILE_ERROR:
        return [f"- {md.code(str(change.after or change.before))}"]
    out = [
        f"- **{change.where}** {md.code(change.path)}"
        + (f" ({change.kind})" if change.kind not in (TEXT, "changed") else "")
    ]
    if change.kind == TEXT and isinstance(change.before, str) and isinstance(change.after, str):
        if "\n" in change.before or "\n" in change.after:
            lines = [_plain(line) for line in line_diff(change.before, change.after)]
        else:
            before, after = changed_window(change.before, change.after)
            lines = [inert(f"- {before}"), inert(f"+ {after}")]
    else:
        lines = [_plain(line) for line in change_body(change)]
    fence = md.fence_ticks("\n".join(lines))
    out += ["", f"  {fence}diff", *("  " + line for line in lines), f"  {fence}", ""]
    return out


def render_markdown(files: list[FileDiff], *, verbose: bool = False) -> str:
    lines = ["### recstack diff", "", summary_line(files), ""]
    for item in files:
        if item.status in (SAME, EQUIVALENT):
            continue
        count = len(item.real_changes)
        detail = f" ({count} change{'s' if count != 1 else ''})" if count else ""
        if item.status in (ADDED, REMOVED):
            lines.append(f"- **{item.status}** {md.code(item.path)}")
            continue
        lines += [
            "<details>",
            f"<summary><b>{item.status}</b> <code>{md.html(item.path)}</code>{detail}</summary>",
            "",
        ]
        for change in item.changes:
            lines += _md_change(change)
        lines += ["</details>", ""]
    quiet = [item for item in files if item.status in (SAME, EQUIVALENT)]
    if quiet and verbose:
        lines += ["", "<details>", f"<summary>{len(quiet)} same or equivalent</summary>", ""]
        for item in quiet:
            notes = md.text("; ".join(item.notes))
            lines.append(f"- {item.status} {md.code(item.path)}" + (f" ({notes})" if notes else ""))
        lines += ["", "</details>"]
    return inert("\n".join(lines).rstrip() + "\n")


def errors(files: Iterable[FileDiff]) -> list[str]:
    """One line per unreadable recording (for stderr)."""
    out = []
    for item in files:
        if item.status == ERROR:
            for change in item.changes:
                if change.kind == FILE_ERROR:
                    out.append(str(change.after if change.after is not None else change.before))
    return out
