"""Rendering of ``recstack normalize``: per-file lines, compact diffs, the rules table, JSON.

File names and values quote recordings: each line is shown with its control characters
as escapes, JSON with them as ``\\uXXXX`` escapes (:mod:`recstack.inert`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from recstack.inert import inert_line
from recstack.output import Output
from recstack.render.common import plural, run_notes
from recstack.render.jsontext import json_document, short_json
from recstack.volatile import PROFILES, RULES, VolatileRule

if TYPE_CHECKING:  # the library is imported by the functions that use it (start-up time)
    from recstack.normalization import Mode, NormalizeResult, Rewrite
    from recstack.normalization import NormalizeReport as Report

SHORT_VALUE = 60  # characters of an old or new value on a line of --diff


def summary_line(report: Report) -> str:
    """``C changed, U unchanged, R renamed-recording mismatches, E errors[, notes]``."""
    from recstack.normalization import CHANGED, ERROR, UNCHANGED, Mode

    verb = "changed" if report.mode is Mode.WRITE else "would change"
    parts = [
        f"{report.count(CHANGED)} {verb}",
        f"{report.count(UNCHANGED)} unchanged",
        plural(report.renamed, "renamed-recording mismatch", "renamed-recording mismatches"),
        plural(report.count(ERROR), "error"),
        *run_notes(report.skipped, report.vanished, unusable=report.unusable),
    ]
    return ", ".join(parts)


def summary_dict(report: Report) -> dict[str, int]:
    from recstack.normalization import CHANGED, ERROR, UNCHANGED

    return {
        "changed": report.count(CHANGED),
        "unchanged": report.count(UNCHANGED),
        "renamed": report.renamed,
        "errors": report.count(ERROR),
        "skipped": len(report.skipped),
        "unusable": len(report.unusable),
    }


def change_text(change: Rewrite) -> str:
    """``field: old -> new (N chunks)``; ``(+K other values)`` when olds differ."""
    old = short_json(change.old, SHORT_VALUE)
    if change.distinct_old > 1:
        others = change.distinct_old - 1
        old += f" (+{plural(others, 'other value')})"
    new = short_json(change.new, SHORT_VALUE)
    return f"{change.field}: {old} -> {new} (in {plural(change.chunks, 'place')})"


def renamed_text(result: NormalizeResult) -> str:
    assert result.renamed is not None
    ids = ", ".join(result.renamed.recorded)
    return (
        f"{result.path}: renamed recording: its ids are {ids}, "
        f"its file name gives {result.renamed.expected}"
    )


Line = tuple[str, str]  # (text, rich style; "" for none)


def result_lines(results: Sequence[NormalizeResult], mode: Mode) -> list[Line]:
    """Per-file lines: changed files (with their fields, or a compact diff), renames."""
    from recstack.normalization import CHANGED, Mode

    lines: list[Line] = []
    for result in results:
        if result.status == CHANGED:
            if mode is Mode.DIFF:
                lines.append((result.path, "bold"))
                lines.extend((f"  {change_text(change)}", "") for change in result.changes)
            else:
                verb = "normalized" if mode is Mode.WRITE else "would normalize"
                fields = ", ".join(change.field for change in result.changes)
                lines.append((f"{verb} {result.path}: {fields}", ""))
        if result.renamed is not None:
            lines.append((renamed_text(result), "yellow"))
    return lines


def emit(out: Output, lines: Sequence[Line]) -> None:
    """Print lines: styled on a terminal, one plain write otherwise (thousands are fast).

    Each line is made inert here, whatever it quotes.
    """
    if not lines:
        return
    if out.styled:
        for text, style in lines:
            out.console.print(inert_line(text), style=style or None, markup=False, highlight=False)
    else:
        out.write("".join(inert_line(text) + "\n" for text, _ in lines))


def render_text(report: Report, out: Output) -> None:
    """Per-file lines (problems go to stderr), then the summary line."""
    from recstack.normalization import CHANGED, ERROR, Mode

    style = "red" if report.count(ERROR) or report.unusable else "green"
    if report.mode is not Mode.WRITE and report.count(CHANGED):
        style = "yellow"
    emit(out, [*result_lines(report.results, report.mode), (summary_line(report), style)])


def render_json(report: Report, out: Output) -> None:
    document = {
        "profile": report.profile,
        "mode": report.mode.value,
        "summary": summary_dict(report),
        "files": [result.to_dict() for result in report.results],
        "skipped": report.skipped,
        "problems": [problem.to_dict() for problem in report.unusable],
    }
    out.write(json_document(document))


FORMATS: dict[str, Callable[[Report, Output], None]] = {"text": render_text, "json": render_json}


# --- the rules table ----------------------------------------------------------------


def _profiles_text(rule: VolatileRule) -> str:
    names = [name for name in PROFILES if rule.in_profile(name)]
    return ", ".join(names) if names else "diff only"


def render_rules(profile: str, out: Output) -> None:
    """Every rule of the table: where, what it becomes, which profiles, and why."""
    active = [rule for rule in RULES if rule.in_profile(profile)]
    lines = [
        f"Profile {profile} rewrites {len(active)} of {len(RULES)} rules; diff ignores all of them."
    ]
    for rule in RULES:
        mark = "*" if rule.in_profile(profile) else " "
        replacement = rule.replacement or "(left as recorded)"
        lines += [
            "",
            f"{mark} {rule.id}  [{_profiles_text(rule)}]",
            f"    where:  {rule.where}",
            f"    field:  {rule.label} -> {replacement}",
            f"    why:    {rule.reason}",
        ]
    lines += ["", f"* = rewritten by --profile {profile}"]
    if not out.styled:
        out.write("".join(line + "\n" for line in lines))
        return
    from rich.text import Text

    for line in lines:
        bold = line[:1] in "*P " and line[2:3] != " " and line != ""
        out.console.print(Text(line, style="bold" if bold else ""), soft_wrap=True)


def render_rules_json(profile: str, out: Output) -> None:
    rules = [
        {
            "id": rule.id,
            "field": rule.label,
            "where": rule.where,
            "replacement": rule.replacement or None,
            "profiles": [name for name in PROFILES if rule.in_profile(name)],
            "in_profile": rule.in_profile(profile),
            "reason": rule.reason,
            "patterns": list(rule.patterns),
        }
        for rule in RULES
    ]
    out.write(json_document({"profile": profile, "rules": rules}))


RULES_FORMATS: dict[str, Callable[[str, Output], None]] = {
    "text": render_rules,
    "json": render_rules_json,
}
