"""`recstack explain`: why did replay miss? Each miss of a test run, explained."""

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
from recstack.render.explain import FORMATS

EPILOG = """\
[bold]Examples[/bold]

  recstack explain run.log                        [dim]# the configured recordings, else .[/dim]
  pytest tests/integration 2>&1 | tee run.log; recstack explain run.log tests/integration
  gh run view 123 --log-failed | recstack explain - [dim]# a CI log on stdin[/dim]
  recstack explain run.log --format json          [dim]# for scripts[/dim]

For each "Recording not found for request hash" of the log, in the test it happened
in: the recording that holds the request under a stale name or in another folder (and
the command that fixes it), else the test's other recordings (its request changed),
else recordings under a test id like it (renamed?), else none (a new test: record it).

Exit status: 0 no replay miss in the log; 1 misses explained, or a recording is
broken; 2 usage error, the log or a path cannot be read, or nothing to read.
"""


def explain(
    log: Annotated[
        str,
        typer.Argument(
            metavar="LOG",
            help="The output of a test run in replay mode (pytest's, as printed), or - for stdin.",
            show_default=False,
        ),
    ],
    paths: Paths = None,
    output_format: Annotated[
        str, format_option(FORMATS, "text (styled on a terminal) or json.")
    ] = "text",
    jobs: Jobs = 0,
    exclude: Exclude = None,
    config: ConfigFile = None,
    isolated: Isolated = False,
    color: Color = "auto",
) -> None:
    """Explain each replay miss of a test run by the recordings under PATH.

    Reads the "Recording not found for request hash" errors of LOG, with the test
    each happened in, and says for each why replay found no recording: the request is
    recorded under a name or in a folder replay does not use (with the command that
    fixes it), the test's request changed, the test was renamed, or it is new.
    """
    # Imported here, not at the top: the other commands (and --help) need not load them.
    from recstack.explaining import STDIN, explain_log
    from recstack.output import progress

    with session("explain", color=color, config=config, isolated=isolated) as run:
        if log == STDIN and STDIN in (paths or []):
            run.fail("the log and the paths cannot both come from stdin (-)")
        selection = run.select(paths, exclude)
        with progress(len(selection.files), "reading recordings") as advance:
            report = explain_log(
                log,
                selection,
                stdin=sys.stdin.buffer if log == STDIN else None,
                fallback_dir=run.config.fallback_dir,
                root=run.config.root,
                jobs=jobs,
                progress=advance,
            )
        run.problems(report.problems)
        run.problems(report.broken)
        run.render(FORMATS, output_format, report)
        run.finish(report)
