"""Rendering of ``recstack ls``: a table (rich on a terminal), bare paths, JSON Lines.

Formats (:data:`FORMATS`):

- ``table``: one line per recording, PATH TEST ENDPOINT MODEL STREAM SIZE REPLAY WHY,
  then a summary line; with ``--stats`` one line per group and the totals;
- ``paths``: the paths alone, one per line (for ``xargs``);
- ``json``: JSON Lines, one object per recording (:func:`entry_dict`); with ``--stats``
  one object per group and a last one with ``"group": null`` (the totals).

Paths, test ids, models and reasons quote recordings: in the table and the paths their
control characters are shown as escapes, in JSON as ``\\uXXXX`` (:mod:`recstack.inert`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from recstack.inert import inert_json, inert_line
from recstack.output import Output
from recstack.render.common import plural, run_notes

if TYPE_CHECKING:  # the library is imported by the functions that use it (start-up time)
    from recstack.listing import Group, Listing, Stats
    from recstack.suite import Entry

COLUMNS = ("PATH", "TEST", "ENDPOINT", "MODEL", "STREAM", "SIZE", "REPLAY", "WHY")
STATS_COLUMNS = ("RECORDINGS", "STREAMED", "CHUNKS", "SIZE", "STALE", "EXCEPTIONS")


def human_size(size: int) -> str:
    """``512B``, ``4.1K``, ``12.0M`` (powers of 1024, as ``--larger-than`` reads them)."""
    if size < 1024:
        return f"{size}B"
    value = float(size)
    for unit in "KMGT":
        value /= 1024
        if value < 1024 or unit == "T":
            break
    return f"{value:.1f}{unit}"


def stream_cell(entry: Entry) -> str:
    """The chunks of a streamed response (``stream`` when the body holds none), else ``-``."""
    if not entry.streamed:
        return "-"
    return str(entry.chunks) if entry.chunks is not None else "stream"


def replay_cell(entry: Entry) -> str:
    """``ok``, ``stale`` or ``unknown``, with the cause in parentheses when there is one."""
    cause = f" ({entry.replay_cause})" if entry.replay_cause is not None else ""
    return f"{entry.replay}{cause}"


def entry_cells(entry: Entry) -> list[str]:
    return [
        inert_line(cell)
        for cell in (
            entry.path,
            entry.test_id or "-",
            entry.endpoint or "-",
            entry.model or "-",
            stream_cell(entry),
            human_size(entry.bytes),
            replay_cell(entry),
            entry.replay_why or "",
        )
    ]


def group_cells(group: Group) -> list[str]:
    return [
        inert_line(group.name),
        str(group.recordings),
        str(group.streamed),
        str(group.chunks),
        human_size(group.bytes),
        str(group.stale),
        str(group.exceptions),
    ]


def summary(report: Listing) -> str:
    """``N recordings (S stale, U unknown)[ of R read][; notes]``."""
    from recstack.replay import ReplayStatus

    entries = report.entries
    stale = sum(entry.stale for entry in entries)
    unknown = sum(entry.replay is ReplayStatus.UNKNOWN for entry in entries)
    text = f"{plural(len(entries), 'recording')} ({stale} stale, {unknown} unknown)"
    if report.filters.given:
        text += f" of {report.read} read"
    scan = report.scan
    notes = run_notes(scan.skipped, scan.vanished, broken=report.broken, unusable=scan.unusable)
    return "; ".join([text, *notes])


def _aligned(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """Plain columns, two spaces apart (a last column aligned left is not padded)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip() + "\n")
    return "".join(lines)


def _rich_table(
    headers: Sequence[str], right: Sequence[int] = (), whole: Sequence[int] = ()
) -> Any:
    """A rich table; the columns in ``whole`` are never wrapped, the others fold."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for index, header in enumerate(headers):
        table.add_column(
            header,
            justify="right" if index in right else "left",
            overflow="fold",
            no_wrap=index in whole,
        )
    return table


def _render_stats_table(report: Listing, stats: Stats, out: Output) -> None:
    by = str(stats.by).upper() if stats.by is not None else ""
    headers = (by or "GROUP", *STATS_COLUMNS)
    rows = [group_cells(group) for group in [*stats.groups, stats.total]]
    right = range(1, len(headers))
    if not out.styled:
        out.write(_aligned([headers, *rows], right) + summary(report) + "\n")
        return
    table = _rich_table(headers, right)
    for group in stats.groups:
        table.add_row(*_texts(group_cells(group)))
    table.add_row(*_texts(group_cells(stats.total)), style="bold")
    out.console.print(table)
    out.console.print(_plain(summary(report)), style="bold")


def render_table(report: Listing, out: Output) -> None:
    """The recordings (or, with ``--stats``, the groups) as a table, then a summary line."""
    if report.stats is not None:
        _render_stats_table(report, report.stats, out)
        return
    rows = [entry_cells(entry) for entry in report.entries]
    right = (COLUMNS.index("STREAM"), COLUMNS.index("SIZE"))
    if not out.styled:
        table = _aligned([COLUMNS, *rows], right) if rows else ""
        out.write(table + summary(report) + "\n")
        return
    if rows:
        from recstack.nodeid import head_line
        from recstack.replay import ReplayStatus

        styles = {
            ReplayStatus.OK: "green",
            ReplayStatus.STALE: "red",
            ReplayStatus.UNKNOWN: "yellow",
        }
        whole = [COLUMNS.index(name) for name in ("STREAM", "SIZE", "REPLAY")]
        table = _rich_table(COLUMNS, right, whole)
        test, replay = COLUMNS.index("TEST"), COLUMNS.index("REPLAY")
        for entry, cells in zip(report.entries, rows, strict=True):
            if entry.test_id:  # pytest's short name: the table is for reading
                cells[test] = inert_line(head_line(entry.test_id))
            table.add_row(*_texts(cells, {replay: styles[entry.replay]}))
        out.console.print(table)
    out.console.print(_plain(summary(report)), style="bold")


def _plain(text: str) -> Any:
    from rich.text import Text

    return Text(text)


def _texts(cells: Sequence[str], styles: dict[int, str] | None = None) -> list[Any]:
    """Rich cells that show their text as it is (no markup: a test id holds brackets)."""
    from rich.text import Text

    styles = styles or {}
    return [Text(cell, style=styles.get(index, "")) for index, cell in enumerate(cells)]


def render_paths(report: Listing, out: Output) -> None:
    """The paths of the recordings listed, one per line."""
    out.write("".join(inert_line(entry.path) + "\n" for entry in report.entries))


def entry_dict(entry: Entry) -> dict[str, Any]:
    """One recording as JSON: where it is, what it asked, how replay finds it."""
    return {
        "path": entry.path,
        "test_id": entry.test_id,
        "endpoint": entry.endpoint,
        "model": entry.model,
        "provider": entry.provider,
        "shape": entry.shape,
        "streamed": entry.streamed,
        "chunks": entry.chunks,
        "bytes": entry.bytes,
        "is_exception": entry.is_exception,
        "replay": str(entry.replay),
        "replay_name": entry.replay_name,
        "replay_why": entry.replay_why,
        "replay_cause": str(entry.replay_cause) if entry.replay_cause is not None else None,
        "replay_dirs": list(entry.replay_dirs),
        "request_hash": entry.request_hash,
    }


def group_dict(group: Group, by: str | None) -> dict[str, Any]:
    """One group as JSON (``group`` null and ``by`` null for the totals)."""
    counts = asdict(group)
    name = counts.pop("name")
    return {"by": by, "group": name if by is not None else None, **counts}


def _json_line(document: dict[str, Any]) -> str:
    return inert_json(json.dumps(document, ensure_ascii=False)) + "\n"


def render_json(report: Listing, out: Output) -> None:
    """JSON Lines: one object per recording, or per group and the totals."""
    if report.stats is not None:
        stats = report.stats
        by = str(stats.by) if stats.by is not None else None
        documents = [group_dict(group, by) for group in stats.groups]
        documents.append(group_dict(stats.total, None))
    else:
        documents = [entry_dict(entry) for entry in report.entries]
    out.write("".join(_json_line(document) for document in documents))


FORMATS: dict[str, Callable[[Listing, Output], None]] = {
    "table": render_table,
    "paths": render_paths,
    "json": render_json,
}
