"""`recstack normalize`: deterministic ids and timestamps, rewritten in place."""

from __future__ import annotations

import sys
from enum import Enum

import typer

from recstack.output import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, error_line
from recstack.volatile import DEFAULT, LLAMA_STACK


class Profile(str, Enum):
    default = DEFAULT
    llama_stack = LLAMA_STACK


class Format(str, Enum):
    text = "text"
    json = "json"


HELP = (
    "Make ids and timestamps of recordings deterministic, in place.\n\n"
    "Rewrites the volatile values of each recording's response (never its request) so "
    "that re-recording a test only shows real changes. Output bytes are exactly "
    '[bold]json.dumps(obj, indent=2) + "\\n"[/bold] (upstream\'s layout); files that do '
    "not change are not rewritten; every write is atomic. Files whose [bold]rec-[/bold] "
    "ids disagree with their name (renamed recordings) are reported apart.\n\n"
    "Profiles: [bold]llama-stack[/bold] = exactly upstream's normalizer; "
    "[bold]default[/bold] = upstream's rules plus volatile values no later request can "
    "send back (see [bold]--list-rules[/bold]).\n\n"
    "Never rewritten (reported, left unchanged): a symbolic link to a file outside the "
    "tree it was found under, a file changed or deleted since it was read, a read-only "
    "file, a file with several hard links, a file whose owner cannot be kept.\n\n"
    "Exit status: 0 done; 1 [bold]--check[/bold] or [bold]--diff[/bold] found files to "
    "change, or some files were bad; 2 usage error, or an I/O error (a path that does "
    "not exist or cannot be read, a file that cannot or may not be rewritten).\n\n"
    """\
[bold]Examples[/bold]

  recstack normalize tests/integration         [dim]# rewrite in place[/dim]
  recstack normalize --check tests/            [dim]# CI gate: exit 1 if any[/dim]
  recstack normalize --diff tests/agents       [dim]# what would change[/dim]
  recstack normalize -p llama-stack tests/     [dim]# exactly upstream[/dim]
  git diff --name-only | recstack normalize -  [dim]# paths on stdin[/dim]
  recstack normalize --check -f json -j 4 .    [dim]# JSON, 4 processes[/dim]
  recstack normalize --list-rules              [dim]# rules and reasons[/dim]
"""
)


def register(app: typer.Typer) -> None:
    @app.command("normalize", help=HELP)
    def _command(
        paths: list[str] = typer.Argument(
            None,
            metavar="PATH...",
            help="Recording files, directories (searched recursively for *.json), "
            "or - to read paths from stdin.",
            show_default=False,
        ),
        profile: Profile = typer.Option(
            Profile.default, "--profile", "-p", help="Which rules to apply (see --list-rules)."
        ),
        check: bool = typer.Option(
            False, "--check", help="Write nothing; list files that would change; exit 1 if any."
        ),
        diff: bool = typer.Option(
            False, "--diff", help="Write nothing; show per file: field, old -> new, chunks."
        ),
        list_rules: bool = typer.Option(
            False, "--list-rules", help="Print the table of volatile fields and exit."
        ),
        output_format: Format = typer.Option(
            Format.text, "--format", "-f", help="text (rich on a terminal) or json."
        ),
        jobs: int = typer.Option(
            0, "--jobs", "-j", min=0, help="Processes to use (0 = all cores).", show_default=False
        ),
    ) -> None:
        # Imported here, not at the top: the other commands need not load them.
        from recstack.loading import discover
        from recstack.normalization import ERROR, normalize_files
        from recstack.output import make_console, track
        from recstack.render.normalize import (
            CHECK,
            DIFF,
            WRITE,
            Summary,
            render_rules,
            render_summary,
            render_text,
            results_json,
            rules_json,
        )

        console = make_console()
        if list_rules:
            if output_format is Format.json:
                typer.echo(rules_json(profile.value))
            else:
                render_rules(console, profile.value)
            raise typer.Exit(EXIT_OK)
        if not paths:
            error_line("recstack normalize: give at least one PATH (a file, a directory, or -)")
            raise typer.Exit(EXIT_ERROR)

        mode = DIFF if diff else CHECK if check else WRITE
        found = discover(paths, stdin=sys.stdin)
        for problem in found.missing:
            error_line(f"recstack normalize: {problem.one_line()}")
        results = list(
            track(
                normalize_files(
                    found.files,
                    profile.value,
                    write=mode == WRITE,
                    jobs=jobs,
                    trees=found.trees,
                ),
                total=len(found.files),
                label="normalizing",
            )
        )
        for result in results:
            if result.status == ERROR and result.problem is not None:
                error_line(f"recstack normalize: {result.problem.one_line()}")

        summary = Summary.of(results, found.missing)
        if output_format is Format.json:
            typer.echo(results_json(results, mode, profile.value, found.missing))
        else:
            render_text(console, results, mode)
            render_summary(console, summary, mode)

        io_errors = [r for r in results if r.problem is not None and r.problem.rule == "io"]
        if found.missing or io_errors:
            raise typer.Exit(EXIT_ERROR)
        if summary.errors or (mode != WRITE and summary.changed):
            raise typer.Exit(EXIT_FINDINGS)
        raise typer.Exit(EXIT_OK)
