"""``recstack diff --format markdown``: a pull-request comment.

In order: the summary line; a table per test file (or folder, for a recording with no
test id) of how many recordings changed, moved, were added, removed, or are
equivalent; the changes repeated across recordings, told once with their count; a
collapsible section per changed recording (what is left of it); the added and
removed recordings; then, collapsed, the recordings that moved or got a new test id
with no change of content (and, with ``verbose``, the same and equivalent ones).

GitHub refuses a comment longer than :data:`LIMIT` characters. The comment is built
piece by piece (a section, a list); a piece that does not fit is tried in shorter
forms (a section's change paths without their diffs, a list's first entries), and
when none fits, the comment stops there with a note of what it leaves out.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from recstack.diffing.names import test_file
from recstack.diffing.repeated import RepeatedGroup
from recstack.diffing.result import (
    ADDED,
    CHANGED,
    EQUIVALENT,
    ERROR,
    FILE_ERROR,
    REMOVED,
    SAME,
    TEXT,
    Change,
    DiffReport,
    FileDiff,
    note_text,
)
from recstack.inert import inert
from recstack.render import markdown as md
from recstack.render.common import plural
from recstack.render.diff import MOVED, about_text, change_body, layout, summary_line
from recstack.render.textdiff import Line, changed_window, line_diff

LIMIT = 65_536  # GitHub's limit on the characters of a comment
RESERVE = 1_000  # kept free for the note that says where the comment was cut
MAX_ROWS = 40  # rows of the summary table (the rest are summed up in one row)
LIST_CAPS = (200, 50, 10)  # entries of a list (added, moved...) in its shorter forms
MAX_HEADINGS = 50  # changes named in a compact section
COLUMNS = ("changed", "moved", "added", "removed", "equivalent", "same", "error")
ALWAYS = ("changed", "moved", "added", "removed", "equivalent")  # same, error: when any


def _plain(line: Line) -> str:
    return inert("".join(text for text, _ in line))


# -- the table --------------------------------------------------------------------


def group_of(item: FileDiff) -> str:
    """The table row of a recording: its test file, else its folder."""
    if item.about.test_id:
        return test_file(item.about.test_id)
    folder = posixpath.dirname(item.path)
    return f"{folder}/" if folder else "./"


def _counts(files: Sequence[FileDiff]) -> Counter[str]:
    counts: Counter[str] = Counter(str(item.status) for item in files)
    counts["moved"] = sum(1 for item in files if item.moved)
    return counts


def _cell(count: int) -> str:
    return str(count) if count else ""


def table(files: Sequence[FileDiff]) -> list[str]:
    """The summary table: a row per test file or folder (at most :data:`MAX_ROWS`) of
    the recordings that differ (byte-identical ones are only counted in the summary
    line: they are not read, so their test is not known)."""
    files = [item for item in files if item.status is not SAME or item.moved]
    rows: dict[str, list[FileDiff]] = {}
    for item in files:
        rows.setdefault(group_of(item), []).append(item)
    if not rows:
        return []
    counts = {name: _counts(items) for name, items in rows.items()}
    total = _counts(files)
    columns = [c for c in COLUMNS if c in ALWAYS or total[c]]
    names = sorted(rows)
    rest: list[str] = []
    if len(names) > MAX_ROWS:
        weight = {
            n: sum(counts[n][c] for c in ("changed", "moved", "added", "removed", "error"))
            for n in names
        }
        keep = set(sorted(names, key=lambda n: (-weight[n], n))[: MAX_ROWS - 1])
        rest = [n for n in names if n not in keep]
        names = [n for n in names if n in keep]
    out = [
        "| test file or folder | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for name in names:
        cells = " | ".join(_cell(counts[name][c]) for c in columns)
        out.append(f"| {md.code_cell(short_path(name))} | {cells} |")
    if rest:
        summed: Counter[str] = Counter()
        for name in rest:
            summed.update(counts[name])
        cells = " | ".join(_cell(summed[c]) for c in columns)
        out.append(f"| {len(rest)} more | {cells} |")
    if len(rows) > 1:
        cells = " | ".join(f"**{total[c]}**" if total[c] else "" for c in columns)
        out.append(f"| **total** | {cells} |")
    return out


def short_path(path: str, limit: int = 80) -> str:
    return path if len(path) <= limit else "…" + path[len(path) - limit + 1 :]


# -- changes ----------------------------------------------------------------------


def change_block(change: Change, *, body: bool = True) -> list[str]:
    """A change as a list item, with its diff in a fenced block (unless ``body`` is
    False: the compact form)."""
    if change.informational:
        return [f"- _{md.text(note_text(change))}_"]
    if change.kind == FILE_ERROR:
        return [f"- {md.code(str(change.after or change.before))}"]
    out = [
        f"- **{change.where}** {md.code(change.path)}"
        + (f" ({change.kind})" if change.kind not in (TEXT, "changed") else "")
    ]
    if not body:
        return out
    if change.kind == TEXT and isinstance(change.before, str) and isinstance(change.after, str):
        if "\n" in change.before or "\n" in change.after:
            lines = [_plain(line) for line in line_diff(change.before, change.after)]
        else:
            before, after = changed_window(change.before, change.after)
            lines = [inert(f"- {before}"), inert(f"+ {after}")]
    else:
        lines = [_plain(line) for line in change_body(change)]
    if not lines:
        return out
    fence = md.fence_ticks("\n".join(lines))
    return [*out, "", f"  {fence}diff", *("  " + line for line in lines), f"  {fence}", ""]


COMPACT = "_The diffs are left out here: with them the comment would pass GitHub's limit._"


def changes_block(changes: Sequence[Change], *, body: bool = True) -> list[str]:
    shown = changes if body else changes[:MAX_HEADINGS]
    out = [line for change in shown for line in change_block(change, body=body)]
    if len(shown) < len(changes):
        out.append(f"- … {plural(len(changes) - len(shown), 'more change')}")
    while out and not out[-1]:
        out.pop()
    return out if body else [COMPACT, "", *out]


# -- the pieces of the comment ----------------------------------------------------


@dataclass
class Piece:
    """A part of the comment: its texts, from the fullest to the most compact, and the
    recordings it tells of (to count what a cut leaves out)."""

    forms: list[str]
    files: list[FileDiff] = field(default_factory=list)


def _text(lines: list[str]) -> str:
    return inert("\n".join(lines).rstrip("\n") + "\n\n")


def group_piece(group: RepeatedGroup, files: list[FileDiff]) -> Piece:
    title = [f"**Changed in {len(group.paths)} recordings**", ""]
    return Piece(
        [
            _text([*title, *changes_block(group.changes)]),
            _text([*title, *changes_block(group.changes, body=False)]),
        ],
        files,
    )


def _title(item: FileDiff) -> str:
    """What a section is about: its test, endpoint and model; without a test id, its
    file name then what is known (the whole path is the section's first line)."""
    about = about_text(item.about)
    if item.about.test_id:
        return about
    name = item.path.rsplit("/", 1)[-1]
    return f"{name} · {about}" if about else item.path


def _summary(item: FileDiff, changes: Sequence[Change]) -> str:
    status = f"{MOVED}, {item.status}" if item.moved else str(item.status)
    label = f"<code>{md.html(_title(item))}</code>"
    count = sum(1 for c in changes if not c.informational)
    detail = f" ({plural(count, 'change')})" if count else ""
    return f"<summary><b>{status}</b> {label}{detail}</summary>"


def where(item: FileDiff) -> str:
    if item.old_path is not None:
        return f"{md.code(item.old_path)} → {md.code(item.path)}"
    return md.code(item.path)


def section_piece(item: FileDiff, changes: list[Change]) -> Piece:
    head = ["<details>", _summary(item, changes), "", where(item), ""]
    return Piece(
        [
            _text([*head, *changes_block(changes), "", "</details>"]),
            _text([*head, *changes_block(changes, body=False), "", "</details>"]),
        ],
        [item],
    )


def one_line(item: FileDiff, *, about: bool = True) -> str:
    """A list item: status, path (``OLD → NEW``), test (with ``about``), notes."""
    status = f"{MOVED}, {item.status}" if item.moved else str(item.status)
    named = about_text(item.about) if about else ""
    notes = "; ".join(item.notes)
    return (
        f"- **{status}** {where(item)}"
        + (f" · {md.text(named)}" if named else "")
        + (f" ({md.text(notes)})" if notes else "")
    )


def list_piece(
    title: str, items: list[FileDiff], *, collapsed: bool = True, about: bool = True
) -> Piece:
    """A list of recordings, one line each; shorter forms list fewer of them."""
    forms = []
    for cap in LIST_CAPS:
        shown = items[:cap]
        lines = [one_line(item, about=about) for item in shown]
        if len(shown) < len(items):
            lines.append(f"- … {len(items) - len(shown)} more")
        if collapsed:
            lines = ["<details>", f"<summary>{md.html(title)}</summary>", "", *lines, ""]
            lines.append("</details>")
        forms.append(_text(lines))
        if len(shown) == len(items):
            break
    forms.append(_text([f"_{md.text(title)}: not listed here (GitHub's limit)._"]))
    return Piece(forms, items)


def pieces(report: DiffReport, *, verbose: bool) -> list[Piece]:
    shown = layout(report)
    paths = {item.path: item for item in report.files}
    out = [
        group_piece(group, [paths[path] for path in group.paths if path in paths])
        for group in shown.groups
    ]
    out += [section_piece(item, left) for item, left in shown.sections]
    if shown.one_sided:
        counts = Counter(str(item.status) for item in shown.one_sided)
        title = ", ".join(f"{counts[s]} {s}" for s in (ADDED, REMOVED) if counts[s])
        out.append(list_piece(title, shown.one_sided, collapsed=False))
    if shown.renamed:
        count = plural(len(shown.renamed), "recording")
        out.append(list_piece(f"{count} moved or renamed, content unchanged", shown.renamed))
    if shown.quiet and verbose:
        title = f"{len(shown.quiet)} same or equivalent"
        out.append(list_piece(title, shown.quiet, about=False))
    return out


def _left_out(items: list[Piece]) -> str:
    files: dict[int, FileDiff] = {}
    for piece in items:
        files.update((id(item), item) for item in piece.files)
    counts = Counter(str(item.status) for item in files.values())
    order = (CHANGED, ADDED, REMOVED, ERROR, EQUIVALENT, SAME)
    parts = [f"{counts[str(s)]} {s}" for s in order if counts[str(s)]]
    what = f" ({', '.join(parts)})" if parts else ""
    return (
        f"> **Cut here**: {plural(len(items), 'more section')}{what} would pass GitHub's "
        f"{LIMIT:,}-character limit for a comment. Run `recstack diff` with "
        "`--format text` (or `json`) to see everything.\n"
    )


def markdown_report(report: DiffReport, *, verbose: bool = False, limit: int = LIMIT) -> str:
    """The comment, at most ``limit`` characters long."""
    head = [
        "### recstack diff",
        "",
        md.text(summary_line(report)),
        "",
        *table(report.files),
    ]
    text = _text(head)
    budget = limit - RESERVE
    items = pieces(report, verbose=verbose)
    for n, piece in enumerate(items):
        for form in piece.forms:
            if len(text) + len(form) <= budget:
                text += form
                break
        else:
            return text + _left_out(items[n:])
    return text.rstrip("\n") + "\n"
