"""Rendering of ``recstack explain``: each miss, its verdict and its fix; or JSON.

Lines are written by :func:`recstack.render.normalize.emit` (each made inert: paths,
test ids and urls come from the log and the recordings); JSON by
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
    from recstack.explaining import ExplainReport, Explanation, Verdict

SHOWN_CANDIDATES = 5  # recordings listed per miss in text (JSON lists them all)


def verdict_style(verdict: Verdict) -> str:
    from recstack.explaining import Verdict

    return {
        Verdict.NOT_SEEN: "magenta",
        Verdict.MISPLACED: "yellow",
        Verdict.MISNAMED: "yellow",
        Verdict.REQUEST_CHANGED: "cyan",
        Verdict.TEST_RENAMED: "cyan",
        Verdict.NEW_TEST: "red",
        Verdict.NOT_RECORDED: "red",
    }[verdict]


def log_name(report: ExplainReport) -> str:
    return "<stdin>" if report.log == "-" else report.log


def _request(item: Explanation) -> str:
    miss = item.miss
    what = " ".join(part for part in (miss.method, miss.endpoint or miss.url) if part)
    model = f" ({miss.model})" if miss.model else ""
    return f"{what or 'a request'}{model}, hash {miss.hash[:12]}"


def explanation_lines(report: ExplainReport, item: Explanation) -> list[Line]:
    """The lines of one miss: where, what was asked, the verdict, the recordings, the fix."""
    from recstack.explaining import FOUND

    miss = item.miss
    lines: list[Line] = [
        (f"{log_name(report)}:{miss.line}: {miss.test_id or '(no test)'}", "bold"),
        (f"  miss: {_request(item)}", ""),
        (f"  {item.verdict}: {item.reason}", verdict_style(item.verdict)),
    ]
    if item.verdict not in FOUND:
        lines.append((f"  replay looked for {item.looked_for} in {', '.join(item.looked_in)}", ""))
    shown = item.candidates[:SHOWN_CANDIDATES]
    if shown:
        title = "also" if item.verdict in FOUND else "recordings"
        lines.append((f"  {title}:", ""))
        for entry in shown:
            about = ", ".join(part for part in (entry.endpoint, entry.model) if part)
            test = f" [{entry.test_id}]" if entry.test_id != miss.test_id else ""
            lines.append((f"    {entry.path}  {about or entry.shape}{test}", ""))
        if len(item.candidates) > len(shown):
            lines.append((f"    ... and {len(item.candidates) - len(shown)} more", ""))
    if item.fix:
        lines.append((f"  fix: {item.fix}", "green"))
    if item.next_step:
        lines.append((f"  next: {item.next_step}", ""))
    return lines


def summary_line(report: ExplainReport) -> str:
    """``N misses: counts by verdict; R recordings read[, notes]``."""
    from recstack.explaining import Verdict

    scan = report.scan
    read = plural(len(scan.entries), "recording") + " read"
    notes = run_notes(scan.skipped, scan.vanished, broken=report.broken, unusable=scan.unusable)
    tail = "".join(f", {note}" for note in notes)
    if not report.explanations:
        return f"no replay misses in {log_name(report)} ({read}{tail})"
    counts = ", ".join(
        f"{report.count(verdict)} {verdict}" for verdict in Verdict if report.count(verdict)
    )
    return f"{plural(len(report.explanations), 'miss', 'misses')}: {counts} ({read}{tail})"


def render_text(report: ExplainReport, out: Output) -> None:
    """Each miss (problems go to stderr), a blank line between them, then the summary."""
    if report.log_problem is not None:
        return
    lines: list[Line] = []
    for item in report.explanations:
        lines += [*explanation_lines(report, item), ("", "")]
    style = "yellow" if report.explanations else "green"
    if report.problems or report.broken:
        style = "red"
    emit(out, [*lines, (summary_line(report), style)])


def render_json(report: ExplainReport, out: Output) -> None:
    from recstack.explaining import Verdict

    scan = report.scan
    summary = {verdict.value: report.count(verdict) for verdict in Verdict}
    document = {
        "log": report.log,
        "misses": [item.to_dict() for item in report.explanations],
        "summary": {
            "misses": len(report.explanations),
            **summary,
            "recordings": len(scan.entries),
            "broken": len(report.broken),
            "skipped": len(scan.skipped),
        },
        "problems": [problem.to_dict() for problem in [*report.problems, *report.broken]],
    }
    out.write(json_document(document))


FORMATS: dict[str, Callable[[ExplainReport, Output], None]] = {
    "text": render_text,
    "json": render_json,
}
