"""`recstack validate`: check recordings against the schema and the consistency rules."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from recstack.output import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, error_line

if TYPE_CHECKING:
    from recstack.validation import FileResult

EPILOG = (
    """\
[bold]Examples[/bold]

  recstack validate                                   [dim]# every *.json under .[/dim]
  recstack validate tests/integration --format github [dim]# annotations in CI[/dim]
  git diff --name-only '*.json' | recstack validate - [dim]# only changed files[/dim]
  recstack validate rec.json --format json            [dim]# for scripts[/dim]
  recstack validate --schema my.schema.json recordings/
  recstack validate --list-rules

"""
    "Exit status: 0 all valid; 1 a file is invalid; 2 a path does not exist, "
    "a file cannot be read, or the schema cannot be loaded."
)


class Format(str, Enum):
    text = "text"
    json = "json"
    github = "github"


def _progress(results: Iterable[FileResult], total: int) -> Iterable[FileResult]:
    from recstack.output import track

    return track(results, total, "validating")


def register(app: typer.Typer) -> None:
    @app.command("validate", epilog=EPILOG)
    def _command(
        paths: list[str] = typer.Argument(
            None,
            metavar="PATH",
            help="Files or directories (searched recursively for *.json); "
            "'-' reads paths from stdin. Default: '.'.",
            show_default=False,
        ),
        output_format: Format = typer.Option(
            Format.text, "--format", "-f", help="Output format.", case_sensitive=False
        ),
        schema: Path | None = typer.Option(
            None,
            "--schema",
            metavar="FILE",
            help="Validate against this JSON Schema instead of the recording schema.",
        ),
        jobs: int = typer.Option(
            0, "--jobs", "-j", min=0, help="Parallel processes (0 = all cores, the default)."
        ),
        list_rules: bool = typer.Option(
            False, "--list-rules", help="List the finding ids (rules) and exit."
        ),
    ) -> None:
        """Check recordings: strict JSON, the schema, and the consistency rules.

        Every finding names the file, the line:column where the offending value
        starts, its JSON Pointer, a message and a rule id.
        """
        # Imported here, not at the top: the other commands need not load them.
        from recstack import rules
        from recstack.output import make_console
        from recstack.problems import RecstackError
        from recstack.render import validate as render
        from recstack.validation import validate_paths

        if list_rules:
            if output_format is Format.json:
                sys.stdout.write(render.render_rules_json(rules.descriptions()))
            else:
                render.render_rules_text(rules.descriptions(), make_console())
            raise typer.Exit(EXIT_OK)
        try:
            report = validate_paths(
                paths or ["."], schema_path=schema, jobs=jobs, progress=_progress
            )
        except RecstackError as exc:
            error_line(f"recstack validate: {exc.problem.one_line()}")
            raise typer.Exit(EXIT_ERROR) from None
        for problem in report.missing:
            error_line(f"recstack validate: {problem.one_line()}")
        if output_format is Format.json:
            sys.stdout.write(render.render_json(report))
        elif output_format is Format.github:
            sys.stdout.write(render.render_github(report))
        else:
            render.render_text(report, make_console())
        if report.io_errors:
            raise typer.Exit(EXIT_ERROR)
        raise typer.Exit(EXIT_FINDINGS if report.invalid else EXIT_OK)
