"""`recstack prune`: delete the recordings nothing can use (a dry run unless --apply)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from recstack.commands.options import (
    Color,
    ConfigFile,
    Exclude,
    Isolated,
    Jobs,
    Paths,
    format_option,
)
from recstack.commands.session import session
from recstack.render.prune import FORMATS

EPILOG = """\
[bold]Examples[/bold]

  pytest --collect-only -q tests/integration > tests.txt
  recstack prune --unused-by tests.txt tests/       [dim]# what would go (exit 1 if any)[/dim]
  recstack prune --unused-by tests.txt --apply tests/  [dim]# delete it[/dim]
  recstack prune --stale --duplicates .             [dim]# dead names, same copies[/dim]
  pytest --collect-only -q | recstack prune --unused-by - tests/
  recstack prune --stale -f json tests/             [dim]# for scripts[/dim]

Selectors (at least one): --unused-by FILE (its test is not collected: pytest
--collect-only -q output, pytest-json-report JSON, or one node id per line; repeat for
several lists), --stale (replay never opens it and rekey cannot rename it), --duplicates
(the same bytes once normalized: one copy is kept, said which and why).

Kept for safety: recordings without a test id, and those whose replay key has none of
its own (any test may open them); copies replay opens too. Deleted only: regular files
inside the tree they were found under, never a symbolic link, each read and judged
again right before it goes; with a path or file that cannot be read, nothing is deleted.

Exit status: 0 nothing to delete, or deleted (--apply); 1 something would be deleted
(a dry run), or a recording is broken; 2 usage error (no selector), a list of tests
that cannot be used, a path or file that cannot be read, or a file not deleted.
"""


def prune(
    paths: Paths = None,
    unused_by: Annotated[
        list[str] | None,
        typer.Option(
            "--unused-by",
            metavar="FILE",
            help="Select recordings whose test is not in FILE, the collected tests "
            "(pytest --collect-only -q output, pytest-json-report JSON, or one node id per "
            "line; - for stdin; repeatable: the lists together).",
            show_default=False,
        ),
    ] = None,
    stale: Annotated[
        bool,
        typer.Option(
            "--stale", help="Select recordings replay never opens and rekey cannot rename."
        ),
    ] = False,
    duplicates: Annotated[
        bool,
        typer.Option(
            "--duplicates",
            help="Select copies of a recording (the same bytes once normalized); one is kept.",
        ),
    ] = False,
    apply: Annotated[
        bool,
        typer.Option("--apply", help="Delete what is selected (default: list it, delete nothing)."),
    ] = False,
    output_format: Annotated[
        str, format_option(FORMATS, "text (styled on a terminal) or json.")
    ] = "text",
    jobs: Jobs = 0,
    exclude: Exclude = None,
    config: ConfigFile = None,
    isolated: Isolated = False,
    color: Color = "auto",
) -> None:
    """Delete the recordings nothing can use: unused, stale, or duplicate.

    A dry run unless --apply: lists what would go, grouped by test, and exits 1 if
    anything would (a CI gate). With --apply, deletes exactly those files, each checked
    again right before it goes.
    """
    # Imported here, not at the top: the other commands (and --help) need not load them.
    from recstack.output import progress
    from recstack.pruning import Selectors, load_manifest
    from recstack.pruning import prune as prune_paths

    with session("prune", color=color, config=config, isolated=isolated) as run:
        if not (unused_by or stale or duplicates):
            what = "--apply needs" if apply else "give"
            run.fail(f"{what} a selector: --unused-by FILE, --stale or --duplicates")
        if "-" in (unused_by or []) and "-" in (paths or []):
            run.fail("the list of tests and the paths cannot both come from stdin (-)")
        stdin = sys.stdin.buffer if "-" in (unused_by or []) else None
        manifest = load_manifest(unused_by, stdin) if unused_by else None
        selectors = Selectors(manifest, stale, duplicates)
        selection = run.select(paths, exclude)
        with progress(len(selection.files), "reading recordings") as advance:
            report = prune_paths(
                selection,
                selectors,
                apply=apply,
                fallback_dir=run.config.fallback_dir,
                jobs=jobs,
                progress=advance,
            )
        run.problems(report.problems)
        run.problems(report.broken)
        run.render(FORMATS, output_format, report)
        run.finish(report)
