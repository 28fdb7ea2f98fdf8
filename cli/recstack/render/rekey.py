"""Rendering of ``recstack rekey``: one line per recording moved or left, or (``--diff``)
old -> new with the ids rewritten, then a summary; or one JSON document.

Paths and test ids quote the file system and recordings: every line is made inert by
:func:`recstack.render.normalize.emit`, JSON by :func:`recstack.inert.inert_json`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from recstack.output import Output
from recstack.render.common import plural, run_notes
from recstack.render.jsontext import json_document, json_text, short_json
from recstack.render.normalize import SHORT_VALUE, Line, emit

if TYPE_CHECKING:  # the library is imported by the functions that use it (start-up time)
    from recstack.normalization import Mode
    from recstack.rekeying import RekeyReport, RekeyResult


def _why(result: RekeyResult) -> str:
    """The cause of a move: replay's (``raw-body``), else the test id rewritten."""
    if result.cause is not None:
        return result.cause.value
    return "test id" if result.test_id is not None else "-"


def _new_path(result: RekeyResult) -> str:
    """The new path; only its name when the folder stays."""
    new = result.new_path or ""
    same = os.path.dirname(new) == os.path.dirname(result.path)
    return os.path.basename(new) if same else new


def _move_line(result: RekeyResult, mode: Mode) -> str:
    from recstack.normalization import Mode
    from recstack.rekeying import MERGED, RENAMED, REWRITTEN

    verbs = {  # status -> (verb when done, verb when only checked)
        RENAMED: ("renamed", "would rename"),
        MERGED: ("merged", "would merge"),
        REWRITTEN: ("rewrote", "would rewrite"),
    }
    verb = verbs[result.status][0 if mode is Mode.WRITE else 1]
    if result.status is REWRITTEN:
        return f"{verb} {result.path}: test id only (its name and folder stay)"
    if result.status is MERGED:
        return (
            f"{verb} {result.path} into {_new_path(result)}: the same recording is there "
            f"({_why(result)})"
        )
    return f"{verb} {result.path} -> {_new_path(result)} ({_why(result)})"


def _detail_lines(result: RekeyResult) -> list[Line]:
    """``--diff``: what changes inside the file."""
    lines: list[Line] = []
    if result.test_id is not None:
        change = result.test_id
        where = ", ".join(change.places)
        lines.append((f"  {where}: {json_text(change.old)} -> {json_text(change.new)}", ""))
    if result.ids is not None:
        ids = result.ids
        old = short_json(ids.old[0], SHORT_VALUE)
        if len(ids.old) > 1:
            old += f" (+{plural(len(ids.old) - 1, 'other value')})"
        places = plural(ids.places, "place")
        lines.append((f"  rec- ids: {old} -> {short_json(ids.new, SHORT_VALUE)} (in {places})", ""))
    return lines


def result_lines(report: RekeyReport) -> list[Line]:
    from recstack.normalization import Mode
    from recstack.rekeying import CONFLICT, MOVES, UNFIXABLE

    lines: list[Line] = []
    for result in report.results:
        status = result.status
        if status in MOVES:
            style = "bold" if report.mode is Mode.DIFF else ""
            lines.append((_move_line(result, report.mode), style))
            if report.mode is Mode.DIFF:
                lines.extend(_detail_lines(result))
        elif status is CONFLICT:
            text = f"conflict {result.path} -> {_new_path(result)}: {result.reason}"
            lines.append((text, "red"))
        elif status is UNFIXABLE:
            cause = f"{result.cause.value}: " if result.cause is not None else ""
            lines.append((f"left {result.path}: {cause}{result.reason}", "yellow"))
    return lines


def summary_line(report: RekeyReport) -> str:
    from recstack.normalization import Mode
    from recstack.rekeying import CONFLICT, ERROR, MERGED, RENAMED, REWRITTEN, UNFIXABLE

    done = report.mode is Mode.WRITE
    parts = [
        f"{report.count(RENAMED)} {'renamed' if done else 'to rename'}",
        f"{report.count(MERGED)} {'merged' if done else 'to merge'}",
        f"{report.count(REWRITTEN)} {'rewritten' if done else 'to rewrite'}",
        plural(report.count(CONFLICT), "conflict"),
        f"{report.count(UNFIXABLE)} not fixable",
        f"{report.unchanged} unchanged",
        plural(report.count(ERROR), "error"),
        *run_notes(report.skipped, report.vanished, unusable=report.unusable),
    ]
    return ", ".join(parts)


def summary_dict(report: RekeyReport) -> dict[str, int]:
    from recstack.rekeying import CONFLICT, ERROR, MERGED, RENAMED, REWRITTEN, UNFIXABLE

    return {
        "renamed": report.count(RENAMED),
        "merged": report.count(MERGED),
        "rewritten": report.count(REWRITTEN),
        "conflicts": report.count(CONFLICT),
        "unfixable": report.count(UNFIXABLE),
        "unchanged": report.unchanged,
        "errors": report.count(ERROR),
        "skipped": len(report.skipped),
        "unusable": len(report.unusable),
    }


def render_text(report: RekeyReport, out: Output) -> None:
    """Per-file lines (problems go to stderr), then the summary line."""
    from recstack.normalization import Mode
    from recstack.rekeying import CONFLICT, ERROR, MOVES

    style = "green"
    if report.count(CONFLICT) or report.count(ERROR) or report.unusable:
        style = "red"
    elif report.mode is not Mode.WRITE and any(r.status in MOVES for r in report.results):
        style = "yellow"
    emit(out, [*result_lines(report), (summary_line(report), style)])


def render_json(report: RekeyReport, out: Output) -> None:
    document: dict[str, Any] = {
        "mode": report.mode.value,
        "summary": summary_dict(report),
        "files": [result.to_dict() for result in report.results],
        "skipped": report.skipped,
        "problems": [problem.to_dict() for problem in report.unusable],
    }
    out.write(json_document(document))


FORMATS: dict[str, Callable[[RekeyReport, Output], None]] = {
    "text": render_text,
    "json": render_json,
}
