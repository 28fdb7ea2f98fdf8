"""Rendering of ``recstack validate`` results: text (rich on a terminal), JSON, GitHub annotations.

Formats (:data:`FORMATS`): ``text``, ``json``, ``github``. JSON shape: ``{"files",
"valid", "invalid", "skipped", "errors": [...], "warnings": [...]}``; each entry is
``{"path", "line", "column", "pointer", "message", "rule"}``. Warnings (duplicate keys)
are kept apart in ``warnings`` so that ``errors`` holds exactly what makes a file
invalid; paths that cannot be used are in ``errors`` with rule ``io``.

File names, pointers and messages quote recordings: in text and in GitHub annotations
their control characters are shown as escapes (:mod:`recstack.inert`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from recstack.inert import inert_line
from recstack.output import Output
from recstack.render.common import plural, run_notes
from recstack.render.jsontext import json_document

if TYPE_CHECKING:  # imported by the functions that use them (start-up time)
    from rich.text import Text

    from recstack.problems import Problem
    from recstack.validation import ValidationReport

ENTRY_KEYS = ("path", "line", "column", "pointer", "message", "rule")


def summary(report: ValidationReport) -> str:
    """``N files: V valid, I invalid (E errors, W warnings)[; K other JSON files skipped]
    [; M paths not usable]``."""
    text = f"{plural(report.files, 'file')}: {report.valid} valid, {report.invalid} invalid"
    errors, warnings = len(report.errors), len(report.warnings)
    if errors or warnings:
        text += f" ({plural(errors, 'error')}, {plural(warnings, 'warning')})"
    for note in run_notes(report.skipped, report.vanished, unusable=report.unusable):
        text += f"; {note}"
    return text


def problem_line(problem: Problem) -> str:
    """``PATH:LINE:COL: POINTER: [warning: ]message [rule]``."""
    pointer = f"{problem.pointer}: " if problem.pointer else ""
    level = "warning: " if problem.severity == "warning" else ""
    message = " ".join(problem.message.split())
    return inert_line(f"{problem.location()}: {pointer}{level}{message} [{problem.rule}]")


def _styled(problem: Problem) -> Text:
    from rich.text import Text

    text = Text()
    text.append(inert_line(problem.location()), style="bold")
    text.append(": ")
    if problem.pointer:
        text.append(inert_line(problem.pointer), style="cyan")
        text.append(": ")
    if problem.severity == "warning":
        text.append("warning: ", style="yellow")
    message = inert_line(" ".join(problem.message.split()))
    text.append(message, style="red" if problem.severity == "error" else "")
    text.append(f" [{problem.rule}]", style="dim")
    return text


def render_text(report: ValidationReport, out: Output) -> None:
    """One line per problem, in file order, then the summary line (styled on a terminal)."""
    problems = [p for result in report.results for p in result.problems]
    line = summary(report)
    if not out.styled:
        out.write("".join(problem_line(p) + "\n" for p in problems) + line + "\n")
        return
    from rich.text import Text

    console = out.console
    for problem in problems:
        console.print(_styled(problem), soft_wrap=True)
    console.print(Text(line, style="bold red" if report.invalid else "bold green"))


def entry(problem: Problem) -> dict[str, Any]:
    return {key: getattr(problem, key) for key in ENTRY_KEYS}


def to_json(report: ValidationReport) -> dict[str, Any]:
    return {
        "files": report.files,
        "valid": report.valid,
        "invalid": report.invalid,
        "skipped": report.skipped,
        "errors": [entry(p) for p in [*report.unusable, *report.errors]],
        "warnings": [entry(p) for p in report.warnings],
    }


def render_json(report: ValidationReport, out: Output) -> None:
    out.write(json_document(to_json(report)))


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github_line(problem: Problem) -> str:
    """A GitHub Actions workflow command: ``::error file=…,line=…,col=…::…``."""
    props = [f"file={_escape_property(inert_line(problem.path))}"]
    if problem.line is not None:
        props.append(f"line={problem.line}")
        if problem.column is not None:
            props.append(f"col={problem.column}")
    props.append(f"title={_escape_property(f'recstack validate ({problem.rule})')}")
    pointer = f"{problem.pointer}: " if problem.pointer else ""
    message = " ".join(problem.message.split())
    data = _escape_data(inert_line(pointer + message))
    return f"::{problem.severity} {','.join(props)}::{data}"


def render_github(report: ValidationReport, out: Output) -> None:
    problems = [*report.unusable, *(p for r in report.results for p in r.problems)]
    out.write("".join(github_line(p) + "\n" for p in problems) + summary(report) + "\n")


FORMATS: dict[str, Callable[[ValidationReport, Output], None]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
}


# --- --list-rules ---------------------------------------------------------------------


def render_rules_text(descriptions: dict[str, str], out: Output) -> None:
    width = max(map(len, descriptions))
    if not out.styled:
        out.write("".join(f"{k:<{width}}  {v}\n" for k, v in descriptions.items()))
        return
    from rich.text import Text

    for rule_id, description in descriptions.items():
        line = Text(f"{rule_id:<{width}}", style="bold cyan")
        line.append(f"  {description}")
        out.console.print(line, soft_wrap=True)


def render_rules_json(descriptions: dict[str, str], out: Output) -> None:
    rows = [{"rule": rule_id, "description": text} for rule_id, text in descriptions.items()]
    out.write(json_document(rows))


RULES_FORMATS: dict[str, Callable[[dict[str, str], Output], None]] = {
    "text": render_rules_text,
    "json": render_rules_json,
    "github": render_rules_text,
}
