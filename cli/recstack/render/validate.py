"""Rendering of ``recstack validate`` results: text (rich on a terminal), JSON, GitHub annotations.

JSON shape: ``{"files", "valid", "invalid", "errors": [...], "warnings": [...]}``; each
entry is ``{"path", "line", "column", "pointer", "message", "rule"}``. Warnings (duplicate
keys) are kept apart in ``warnings`` so that ``errors`` holds exactly what makes a file
invalid; paths that do not exist are in ``errors`` with rule ``io``.

File names, pointers and messages quote recordings: in text and in GitHub annotations
their control characters are shown as escapes (:mod:`recstack.inert`).
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.text import Text

from recstack.inert import inert_line
from recstack.problems import Problem
from recstack.validation import Report

ENTRY_KEYS = ("path", "line", "column", "pointer", "message", "rule")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(report: Report) -> str:
    """``N files: V valid, I invalid (E errors, W warnings)[, M paths not found]``."""
    text = f"{_plural(report.files, 'file')}: {report.valid} valid, {report.invalid} invalid"
    errors, warnings = len(report.errors), len(report.warnings)
    if errors or warnings:
        text += f" ({_plural(errors, 'error')}, {_plural(warnings, 'warning')})"
    if report.missing:
        text += f"; {_plural(len(report.missing), 'path')} not found"
    return text


def problem_line(problem: Problem) -> str:
    """``PATH:LINE:COL: POINTER: [warning: ]message [rule]``."""
    pointer = f"{problem.pointer}: " if problem.pointer else ""
    level = "warning: " if problem.severity == "warning" else ""
    message = " ".join(problem.message.split())
    return inert_line(f"{problem.location()}: {pointer}{level}{message} [{problem.rule}]")


def _styled(problem: Problem) -> Text:
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


def render_text(report: Report, console: Console) -> None:
    """One line per problem, in file order, then the summary line."""
    for result in report.results:
        for problem in result.problems:
            if console.no_color:
                console.out(problem_line(problem), highlight=False)
            else:
                console.print(_styled(problem), soft_wrap=True)
    line = summary(report)
    if console.no_color:
        console.out(line, highlight=False)
    else:
        console.print(Text(line, style="bold red" if report.invalid else "bold green"))


def entry(problem: Problem) -> dict[str, Any]:
    return {key: getattr(problem, key) for key in ENTRY_KEYS}


def to_json(report: Report) -> dict[str, Any]:
    return {
        "files": report.files,
        "valid": report.valid,
        "invalid": report.invalid,
        "errors": [entry(p) for p in [*report.missing, *report.errors]],
        "warnings": [entry(p) for p in report.warnings],
    }


def render_json(report: Report) -> str:
    return json.dumps(to_json(report), indent=2) + "\n"


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


def render_github(report: Report) -> str:
    problems = [*report.missing, *(p for r in report.results for p in r.problems)]
    return "".join(github_line(p) + "\n" for p in problems) + summary(report) + "\n"


def render_rules_text(descriptions: dict[str, str], console: Console) -> None:
    width = max(map(len, descriptions))
    for rule_id, description in descriptions.items():
        if console.no_color:
            console.out(f"{rule_id:<{width}}  {description}", highlight=False)
        else:
            line = Text(f"{rule_id:<{width}}", style="bold cyan")
            line.append(f"  {description}")
            console.print(line, soft_wrap=True)


def render_rules_json(descriptions: dict[str, str]) -> str:
    rows = [{"rule": rule_id, "description": text} for rule_id, text in descriptions.items()]
    return json.dumps(rows, indent=2) + "\n"
