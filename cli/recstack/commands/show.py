"""`recstack show`: what each recording finally says, reassembled from its stream."""

from __future__ import annotations

from typing import Annotated

import typer

from recstack.commands.options import (
    Color,
    ConfigFile,
    Exclude,
    Isolated,
    Paths,
    format_option,
    jobs_option,
)
from recstack.commands.session import session
from recstack.render.show import FORMATS

EPILOG = """\
[bold]Examples[/bold]

  recstack show examples/chat-stream.json            [dim]# the answer, with its request[/dim]
  recstack show rec.json --full                      [dim]# every message, untruncated[/dim]
  recstack show rec.json --format text               [dim]# what a reviewer needs, plain[/dim]
  recstack show tests/ --format json | jq .choices   [dim]# JSON Lines, one per file[/dim]
  recstack show a.json b.json --format markdown      [dim]# for a pull-request comment[/dim]
  git diff --name-only '*.json' | recstack show -    [dim]# paths from stdin[/dim]

JSON files that are not recordings (package.json, dashboards) found in a directory
are skipped and counted; a file named explicitly is always read.

Exit status: 0 all shown; 1 a file is not valid JSON or not a recording (the
others are still shown); 2 usage error, a path that does not exist or cannot be
read, or nothing to show (the others are still shown).
"""


def show(
    paths: Paths = None,
    output_format: Annotated[
        str,
        format_option(
            FORMATS,
            "rich (plain text when not a terminal), text (plain lines: the answer, tool "
            "calls, errors, embeddings, models; for git textconv), json (JSON Lines), markdown.",
        ),
    ] = "rich",
    full: Annotated[
        bool,
        typer.Option("--full", help="Show every request message and long bodies untruncated."),
    ] = False,
    jobs: Annotated[
        int,
        jobs_option(
            "Processes to use (default 1: more are no faster, as every answer must be sent "
            "back; 0: all cores; more is capped to the cores)."
        ),
    ] = 1,
    exclude: Exclude = None,
    config: ConfigFile = None,
    isolated: Isolated = False,
    color: Color = "auto",
) -> None:
    """Show the final answer each recording carried: its stream reassembled.

    A header (test id, endpoint, model, provider, streamed with N chunks,
    status or exception), the request (messages by role, tools, notable
    parameters), then the answer per choice: reasoning, text, tool calls,
    finish reason and usage.
    """
    # Imported here, not at the top: the other commands (and --help) need not load them.
    from recstack.output import progress
    from recstack.showing import show_paths

    with session("show", color=color, config=config, isolated=isolated) as run:
        selection = run.select(paths, exclude)
        with progress(len(selection.files), "showing") as advance:
            report = show_paths(selection, jobs=jobs, progress=advance)
        run.problems(report.unusable)
        run.problems(r.problem for r in report.results if r.problem is not None)
        run.render(FORMATS, output_format, report, full=full)
        run.finish(report)
