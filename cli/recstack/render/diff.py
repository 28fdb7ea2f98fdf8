"""Render ``recstack diff`` results: rich, plain text, JSON, Markdown (a PR comment).

In order: the changes made the same way in many recordings
(:mod:`recstack.diffing.repeated`), told once with their count; a section per changed
or unreadable recording (what is left of it), headed by its path and, on a second
line, its test (shortened), endpoint and model; the added and removed recordings (the
same two lines each); one line per recording that moved or got a new test id with no
change of content; the summary line. A moved (re-keyed) recording is ``moved OLD ->
NEW`` with its content status. Other same and equivalent recordings are counted in
the summary line (listed with ``verbose``).

Text changes are shown as a unified line diff (the changed words of a changed line
highlighted in colour), or a word diff (``[-old-]{+new+}``) for single lines
(:mod:`recstack.render.textdiff`: bounded in time and size); an embedding that moved
says how far. Recording text is shown inert in every human format
(:mod:`recstack.inert`): control characters, bidi controls and lone surrogates appear
as escapes; JSON carries them as ``\\uXXXX`` escapes. Markdown is in
:mod:`recstack.render.diff_markdown`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from recstack.diffing.result import (
    ADDED,
    CHANGED,
    EMBEDDING,
    EQUIVALENT,
    ERROR,
    FILE_ERROR,
    ITEM_ADDED,
    ITEM_REMOVED,
    REMOVED,
    SAME,
    TEST_ID,
    TEXT,
    VALUE,
    About,
    Change,
    DiffReport,
    FileDiff,
    note_text,
    summarize,
)
from recstack.inert import inert, inert_line
from recstack.output import Output
from recstack.render.common import plural, run_notes
from recstack.render.jsontext import json_document, short_json

if TYPE_CHECKING:  # imported by the functions that use them (start-up time)
    from recstack.diffing.repeated import RepeatedGroup
    from recstack.render.textdiff import Line

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
MOVED = "moved"
INDENT = " " * 11  # under the path of a header


def summary_line(report: DiffReport) -> str:
    files = report.files
    counts = summarize(files)
    parts = [f"{counts[s]} {s}" for s in SUMMARY_ORDER if counts.get(s)]
    noun = "recording" if len(files) == 1 else "recordings"
    line = f"{len(files)} {noun}: " + (", ".join(parts) if parts else "nothing to compare")
    notes = []
    moved = len(report.moved)
    if moved:
        notes.append(f"{moved} moved")
    notes += run_notes(report.skipped, ())
    if report.ambiguous:
        notes.append(
            f"{plural(len(report.ambiguous), 'added or removed recording')} not paired "
            "(several partners fit as well)"
        )
    return "; ".join([line, *notes])


def about_text(about: About) -> str:
    """``test_chat.py::test_x[p] · /v1/chat/completions · llama3.2:3b`` (what is known)."""
    from recstack.diffing.names import short_test_id

    parts = [short_test_id(about.test_id)] if about.test_id else []
    parts += [part for part in (about.endpoint, about.model) if part]
    return " · ".join(inert_line(part) for part in parts)


def headline(item: FileDiff) -> str:
    """The path, or ``OLD -> NEW`` for a moved recording."""
    if item.old_path is not None:
        return f"{inert_line(item.old_path)} -> {inert_line(item.path)}"
    return inert_line(item.path)


def is_renamed(item: FileDiff) -> bool:
    """A same or equivalent recording that moved or whose test id changed: one line."""
    return item.status in (SAME, EQUIVALENT) and (
        item.moved or any(c.kind == TEST_ID for c in item.changes)
    )


def told_above(item: FileDiff, left: list[Change]) -> bool:
    """A changed recording whose every real change is told among the repeated ones."""
    return item.status is CHANGED and not item.moved and all(c.informational for c in left)


# -- changes ------------------------------------------------------------------------


def change_body(change: Change) -> list[Line]:
    """The lines under a change's heading."""
    from recstack.diffing.vectors import describe
    from recstack.render.textdiff import line_diff, word_diff

    before, after = change.before, change.after
    if change.kind == TEXT and isinstance(before, str) and isinstance(after, str):
        if "\n" not in before and "\n" not in after:
            return [word_diff(before, after)]
        return line_diff(before, after)
    if change.kind == EMBEDDING and change.stats is not None:
        return [[(describe(change.stats), "")]]
    if change.kind == ITEM_ADDED:
        return [[("+ " + short_json(after, MAX_VALUE), "green")]]
    if change.kind == ITEM_REMOVED:
        return [[("- " + short_json(before, MAX_VALUE), "red")]]
    if change.kind == FILE_ERROR or change.informational:
        return []
    return [
        [("- " + short_json(before, MAX_VALUE), "red")],
        [("+ " + short_json(after, MAX_VALUE), "green")],
    ]


def change_heading(change: Change) -> Line:
    if change.informational:
        return [(f"{change.where:<8} ", "dim"), (inert_line(note_text(change)), "italic")]
    if change.kind == FILE_ERROR:
        message = change.after if change.after is not None else change.before
        return [(f"{inert_line(change.path):<8} ", "dim"), (inert_line(str(message)), "red")]
    kind = "" if change.kind in (TEXT, VALUE) else f"  ({change.kind})"
    return [(f"{change.where:<8} ", "dim"), (inert_line(change.path), "bold"), (kind, "dim")]


def change_lines(changes: Iterable[Change]) -> list[Line]:
    lines: list[Line] = []
    for change in changes:
        lines.append([("  ", ""), *change_heading(change)])
        for body in change_body(change):
            lines.append([("      ", ""), *body])
    return lines


def header(item: FileDiff) -> list[Line]:
    """A section's first line (status and path, or ``moved OLD -> NEW (status)``) and
    the line naming its test, endpoint and model."""
    style = STATUS_STYLE[item.status]
    if item.moved:
        first: Line = [
            (f"{MOVED:<10} ", style),
            (headline(item), "bold"),
            (f"  ({item.status})", style),
        ]
    else:
        first = [(f"{item.status:<10} ", style), (headline(item), "bold")]
    about = about_text(item.about)
    return [first, [(INDENT, ""), (about, "dim")]] if about else [first]


def file_lines(item: FileDiff, changes: list[Change] | None = None) -> list[Line]:
    """A recording's section: its header, then its changes (``changes``: what is left
    once the repeated ones are told)."""
    return header(item) + change_lines(item.changes if changes is None else changes)


def group_lines(group: RepeatedGroup, *, verbose: bool = False) -> list[Line]:
    lines: list[Line] = [
        [(f"changed in {len(group.paths)} recordings", "bold yellow"), (":", "")],
        *change_lines(group.changes),
    ]
    if verbose:
        lines += [[("  in ", "dim"), (inert_line(path), "")] for path in group.paths]
    return lines


def quiet_lines(item: FileDiff) -> list[Line]:
    style = STATUS_STYLE[item.status]
    notes = item.notes
    if item.moved:
        line: Line = [(f"{MOVED:<10} ", style), (headline(item), "")]
        notes = [str(item.status), *notes]
    else:
        line = [(f"{item.status:<10} ", style), (headline(item), "")]
    if notes:
        line.append(("  (" + inert_line("; ".join(notes)) + ")", "dim"))
    return [line]


@dataclass
class Layout:
    """What a human format shows, in its order (see the module docstring)."""

    groups: list[RepeatedGroup] = field(default_factory=list)
    sections: list[tuple[FileDiff, list[Change]]] = field(default_factory=list)
    one_sided: list[FileDiff] = field(default_factory=list)  # added and removed
    renamed: list[FileDiff] = field(default_factory=list)  # moved or new test id, no change
    quiet: list[FileDiff] = field(default_factory=list)  # other same and equivalent


def layout(report: DiffReport) -> Layout:
    from recstack.diffing.repeated import group_repeated

    files = report.files
    grouped = group_repeated(files)
    out = Layout(grouped.groups)
    for index, item in enumerate(files):
        left = grouped.left(index, item)
        if is_renamed(item):
            out.renamed.append(item)
        elif item.status in (SAME, EQUIVALENT):
            out.quiet.append(item)
        elif item.status in (ADDED, REMOVED) and not item.moved:
            out.one_sided.append(item)
        elif not told_above(item, left):
            out.sections.append((item, left))
    return out


def report_lines(report: DiffReport, *, verbose: bool = False) -> list[Line]:
    shown = layout(report)
    lines: list[Line] = []
    for group in shown.groups:
        lines += [*group_lines(group, verbose=verbose), []]
    for item, left in shown.sections:
        lines += [*file_lines(item, left), []]
    blocks = (
        [line for item in shown.one_sided for line in header(item)],
        [line for item in shown.renamed for line in quiet_lines(item)],
        [line for item in shown.quiet for line in quiet_lines(item)] if verbose else [],
    )
    for block in blocks:
        lines += [*block, []] if block else []
    lines.append([(summary_line(report), "bold")])
    return lines


# -- formats ------------------------------------------------------------------------


def _plain(line: Line) -> str:
    """A line's text, control characters shown as escapes (the boundary of every format)."""
    return inert("".join(text for text, _ in line))


def text_report(report: DiffReport, *, verbose: bool = False) -> str:
    lines = report_lines(report, verbose=verbose)
    return "".join(_plain(line).rstrip() + "\n" for line in lines)


def render_text(report: DiffReport, out: Output) -> None:
    out.write(text_report(report, verbose=out.verbose))


def render_rich(report: DiffReport, out: Output) -> None:
    """Styled on a terminal (or with --color always); plain text otherwise."""
    if not out.styled:
        render_text(report, out)
        return
    from rich.text import Text

    for line in report_lines(report, verbose=out.verbose):
        text = Text()  # Text, never markup: "[bold]" in a recording is shown as it is
        for segment, style in line:
            text.append(inert(segment), style=style or None)
        out.console.print(text, soft_wrap=True)


def to_json(report: DiffReport) -> dict[str, Any]:
    return {
        "files": [item.to_dict() for item in report.files],
        "summary": {**summarize(report.files), "moved": len(report.moved)},
        "skipped": report.skipped,
        "ambiguous": report.ambiguous,
    }


def render_json(report: DiffReport, out: Output) -> None:
    """The JSON report; lone surrogates and C1 controls as ``\\uXXXX`` escapes."""
    out.write(json_document(to_json(report)))


def render_markdown(report: DiffReport, out: Output) -> None:
    """A pull-request comment (:mod:`recstack.render.diff_markdown`)."""
    from recstack.render.diff_markdown import markdown_report

    out.write(markdown_report(report, verbose=out.verbose))


FORMATS: dict[str, Callable[[DiffReport, Output], None]] = {
    "rich": render_rich,
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}


def errors(files: Iterable[FileDiff]) -> list[str]:
    """One line per unreadable recording (for stderr)."""
    out = []
    for item in files:
        if item.status == ERROR:
            for change in item.changes:
                if change.kind == FILE_ERROR:
                    out.append(str(change.after if change.after is not None else change.before))
    return out
