"""Rendering of ``recstack normalize``: per-file lines, compact diffs, the rules table, JSON.

File names and values quote recordings: each line is shown with its control characters
as escapes, JSON with them as ``\\uXXXX`` escapes (:mod:`recstack.inert`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.markup import escape

from recstack.inert import inert_json, inert_line
from recstack.normalization import CHANGED, ERROR, UNCHANGED, Change, FileResult
from recstack.problems import Problem
from recstack.render.jsontext import json_text
from recstack.volatile import PROFILES, RULES, VolatileRule

WRITE = "write"
CHECK = "check"
DIFF = "diff"

_MAX_VALUE = 60


@dataclass
class Summary:
    changed: int = 0
    unchanged: int = 0
    renamed: int = 0
    errors: int = 0
    missing: int = 0

    @classmethod
    def of(cls, results: Sequence[FileResult], missing: Sequence[Problem] = ()) -> Summary:
        summary = cls(missing=len(missing))
        for result in results:
            if result.status == CHANGED:
                summary.changed += 1
            elif result.status == UNCHANGED:
                summary.unchanged += 1
            elif result.status == ERROR:
                summary.errors += 1
            if result.renamed is not None:
                summary.renamed += 1
        return summary

    def line(self, mode: str) -> str:
        verb = "changed" if mode == WRITE else "would change"
        parts = [
            f"{self.changed} {verb}",
            f"{self.unchanged} unchanged",
            f"{self.renamed} renamed-recording {_plural(self.renamed, 'mismatch', 'mismatches')}",
            f"{self.errors} {_plural(self.errors, 'error', 'errors')}",
        ]
        if self.missing:
            parts.append(f"{self.missing} missing")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, int]:
        return {
            "changed": self.changed,
            "unchanged": self.unchanged,
            "renamed": self.renamed,
            "errors": self.errors,
            "missing": self.missing,
        }


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def value_text(value: Any) -> str:
    """A JSON value on one short line."""
    text = json_text(value)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 3] + "..."


def change_text(change: Change) -> str:
    """``field: old -> new (N chunks)``; ``(+K other values)`` when olds differ."""
    old = value_text(change.old)
    if change.distinct_old > 1:
        others = change.distinct_old - 1
        old += f" (+{others} other {_plural(others, 'value', 'values')})"
    chunks = f"{change.chunks} {_plural(change.chunks, 'chunk', 'chunks')}"
    return f"{change.field}: {old} -> {value_text(change.new)} ({chunks})"


def renamed_text(result: FileResult) -> str:
    assert result.renamed is not None
    ids = ", ".join(result.renamed.recorded)
    return (
        f"{result.path}: renamed recording: its ids are {ids}, "
        f"its file name gives {result.renamed.expected}"
    )


Line = tuple[str, str]  # (text, rich style; "" for none)


def result_lines(results: Sequence[FileResult], mode: str) -> list[Line]:
    """Per-file lines: changed files (with their fields, or a compact diff), renames."""
    lines: list[Line] = []
    for result in results:
        if result.status == CHANGED:
            if mode == DIFF:
                lines.append((result.path, "bold"))
                lines.extend((f"  {change_text(change)}", "") for change in result.changes)
            else:
                verb = "normalized" if mode == WRITE else "would normalize"
                fields = ", ".join(change.field for change in result.changes)
                lines.append((f"{verb} {result.path}: {fields}", ""))
        if result.renamed is not None:
            lines.append((renamed_text(result), "yellow"))
    return lines


def emit(console: Console, lines: Sequence[Line]) -> None:
    """Print lines: styled on a terminal, one plain write otherwise (thousands are fast).

    Each line is made inert here, whatever it quotes.
    """
    if not lines:
        return
    if console.is_terminal:
        for text, style in lines:
            console.print(inert_line(text), style=style or None, markup=False, highlight=False)
    else:
        console.file.write("".join(inert_line(text) + "\n" for text, _ in lines))
        console.file.flush()


def render_text(console: Console, results: Sequence[FileResult], mode: str) -> None:
    """Per-file lines on stdout (errors go to stderr separately)."""
    emit(console, result_lines(results, mode))


def render_summary(console: Console, summary: Summary, mode: str) -> None:
    style = "red" if summary.errors or summary.missing else "green"
    if mode != WRITE and summary.changed:
        style = "yellow"
    emit(console, [(summary.line(mode), style)])


def results_json(
    results: Sequence[FileResult],
    mode: str,
    profile: str,
    missing: Sequence[Problem] = (),
) -> str:
    summary = Summary.of(results, missing)
    document = {
        "profile": profile,
        "mode": mode,
        "summary": summary.to_dict(),
        "files": [result.to_dict() for result in results],
        "missing": [problem.to_dict() for problem in missing],
    }
    return inert_json(json.dumps(document, indent=2, ensure_ascii=False))


# --- the rules table ----------------------------------------------------------------


def _profiles_text(rule: VolatileRule) -> str:
    names = [name for name in PROFILES if rule.in_profile(name)]
    return ", ".join(names) if names else "diff only"


def render_rules(console: Console, profile: str) -> None:
    """Every rule of the table: where, what it becomes, which profiles, and why."""
    active = [rule for rule in RULES if rule.in_profile(profile)]
    console.print(
        f"[bold]Profile {escape(profile)}[/bold] rewrites {len(active)} of {len(RULES)} "
        "rules; diff ignores all of them."
    )
    for rule in RULES:
        mark = "*" if rule.in_profile(profile) else " "
        replacement = rule.replacement or "(left as recorded)"
        console.print()
        profiles = escape(f"[{_profiles_text(rule)}]")
        console.print(f"{mark} [bold]{escape(rule.id)}[/bold]  {profiles}")
        console.print(f"    where:  {escape(rule.where)}")
        console.print(f"    field:  {escape(rule.label)} -> {escape(replacement)}")
        console.print(f"    why:    {escape(rule.reason)}")
    console.print()
    console.print(f"* = rewritten by --profile {escape(profile)}")


def rules_json(profile: str) -> str:
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
    return json.dumps({"profile": profile, "rules": rules}, indent=2, ensure_ascii=False)
