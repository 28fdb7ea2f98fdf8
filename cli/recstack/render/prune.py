"""Rendering of ``recstack prune``: the recordings that go, grouped by test; or JSON.

Grouped by test id without parameters, as upstream's cleanup script lists them. Lines
are written by :func:`recstack.render.normalize.emit` (each made inert); JSON by
:func:`recstack.inert.inert_json`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from recstack.output import Output
from recstack.render.common import plural, run_notes
from recstack.render.jsontext import json_document
from recstack.render.normalize import Line, emit

if TYPE_CHECKING:  # the library is imported by the functions that use it (start-up time)
    from recstack.pruning import Kept, PruneItem, PruneReport


def size_text(count: int) -> str:
    """``12.3 kB``, ``4.5 MB`` (decimal units)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"


def _verb(report: PruneReport, item: PruneItem) -> str:
    return "deleted" if item.deleted else "would delete"


def file_lines(report: PruneReport) -> list[Line]:
    """The recordings that go, under the test each belongs to."""
    from recstack.pruning import test_group

    groups: dict[str, list[PruneItem]] = {}
    for item in report.files:
        groups.setdefault(test_group(item.test_id), []).append(item)
    lines: list[Line] = []
    for test in sorted(groups, key=lambda name: (name.startswith("("), name)):
        items = groups[test]
        lines.append((f"{test} ({plural(len(items), 'recording')})", "bold"))
        for item in items:
            lines.append((f"  {_verb(report, item)} {item.path}: {item.reason}: {item.detail}", ""))
    return lines


def summary_line(report: PruneReport) -> str:
    """What goes (or went), how much, what was kept for safety, what to do next."""
    from recstack.pruning import Kept, Reason

    counts = ", ".join(
        plural(report.count(reason), reason, "duplicates" if reason is Reason.DUPLICATE else reason)
        for reason in Reason
        if report.count(reason)
    )
    size = size_text(sum(item.bytes for item in report.files))
    if not report.files:
        head = "nothing deleted" if report.failures else "nothing to delete"
    elif report.apply and not report.held_back:
        head = f"deleted {plural(len(report.deleted), 'recording')}"
        if len(report.deleted) != len(report.files):
            head += f" of {len(report.files)}"
        head += f" ({size}): {counts}"
    else:
        head = f"would delete {plural(len(report.files), 'recording')} ({size}): {counts}"
    parts = [head, f"{plural(len(report.scan.entries), 'recording')} read"]
    kept = [f"{report.kept_count(why)} {kept_text(why)}" for why in Kept if report.kept_count(why)]
    if kept:
        parts.append("kept for safety: " + ", ".join(kept))
    parts += run_notes(report.scan.skipped, report.scan.vanished, broken=report.broken)
    if report.failures:
        parts.append(f"{len(report.failures)} not deleted (see above)")
    text = "; ".join(parts)
    if report.held_back:
        text += "; nothing deleted: a path or a file could not be read"
    elif report.files and not report.apply:
        text += "; run with --apply to delete them"
    return text


def kept_text(why: Kept) -> str:
    from recstack.pruning import Kept

    return {
        Kept.SHARED: "shared (a key without its test id)",
        Kept.NAMED_BY_A_TEST: "named by a known test",
        Kept.OPENED_TOO: "opened by replay too",
        Kept.UNJUDGED: "not judged by replay",
        Kept.CHANGED: "changed since read",
    }[why]


def render_text(report: PruneReport, out: Output) -> None:
    """The recordings grouped by test (problems go to stderr), then the summary."""
    style = "yellow" if report.files and not report.apply else "green"
    if report.problems or report.broken:
        style = "red"
    emit(out, [*file_lines(report), (summary_line(report), style)])


def summary_dict(report: PruneReport) -> dict[str, object]:
    from recstack.pruning import Kept, Reason

    return {
        "files": len(report.files),
        "bytes": sum(item.bytes for item in report.files),
        **{reason.value: report.count(reason) for reason in Reason},
        "deleted": len(report.deleted),
        "applied": report.apply and not report.held_back,
        "kept": {why.value: report.kept_count(why) for why in Kept},
        "recordings": len(report.scan.entries),
        "broken": len(report.broken),
        "skipped": len(report.scan.skipped),
        "failed": len(report.failures),
    }


def render_json(report: PruneReport, out: Output) -> None:
    document = {
        "files": [item.to_dict() for item in report.files],
        "summary": summary_dict(report),
        "kept": [{"path": path, "why": why.value} for path, why in report.kept],
        "problems": [problem.to_dict() for problem in [*report.problems, *report.broken]],
    }
    out.write(json_document(document))


FORMATS: dict[str, Callable[[PruneReport, Output], None]] = {
    "text": render_text,
    "json": render_json,
}
