"""`recstack normalize`: deterministic ids and timestamps, rewritten in place."""

from __future__ import annotations

from typing import Annotated

import typer

from recstack.commands.options import (
    Color,
    ConfigFile,
    Exclude,
    Isolated,
    Jobs,
    Paths,
    choice,
    format_option,
)
from recstack.commands.session import session
from recstack.render.normalize import FORMATS
from recstack.volatile import DEFAULT, PROFILES

EPILOG = """\
[bold]Examples[/bold]

  recstack normalize tests/integration         [dim]# rewrite in place[/dim]
  recstack normalize --check tests/            [dim]# CI gate: exit 1 if any[/dim]
  recstack normalize --diff tests/agents       [dim]# what would change[/dim]
  recstack normalize -p llama-stack tests/     [dim]# exactly upstream[/dim]
  git diff --name-only | recstack normalize -  [dim]# paths on stdin[/dim]
  recstack normalize --check -f json -j 4 .    [dim]# JSON, 4 processes[/dim]
  recstack normalize --list-rules              [dim]# rules and reasons[/dim]

Profiles: [bold]llama-stack[/bold] = exactly upstream's normalizer; [bold]default[/bold] =
upstream's rules plus volatile values no later request can send back (see --list-rules).
The configuration's normalize.profile sets the default.

Never rewritten (reported, left unchanged): a symbolic link to a file outside the
tree it was found under, a file changed or deleted since it was read, a read-only
file, a file with several hard links, a file whose owner cannot be kept, a file with
a duplicate key or a number a 64-bit float cannot hold.

Exit status: 0 done; 1 --check or --diff found files to change, or a recording is
bad; 2 usage error, or a path or file that cannot be read or may not be rewritten.
"""


def normalize(
    paths: Paths = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            metavar="|".join(PROFILES),
            callback=choice("profile", PROFILES, optional=True),
            help=f"Which rules to apply (see --list-rules). Default: the configuration's "
            f"normalize.profile, else {DEFAULT}.",
            show_default=False,
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; list files that would change; exit 1 if any."),
    ] = False,
    diff: Annotated[
        bool,
        typer.Option("--diff", help="Write nothing; show per file: field, old -> new, places."),
    ] = False,
    list_rules: Annotated[
        bool, typer.Option("--list-rules", help="Print the table of volatile fields and exit.")
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
    """Make ids and timestamps of recordings deterministic, in place.

    Rewrites the volatile values of each recording's response (never its request) so
    that re-recording a test only shows real changes. Output bytes are exactly
    json.dumps(obj, indent=2) + "\\n" (upstream's layout); files that do not change
    are not rewritten; every write is atomic. Files whose rec- ids disagree with
    their name (renamed recordings) are reported apart.
    """
    # Imported here, not at the top: the other commands need not load them.
    from recstack.normalization import Mode, normalize_paths
    from recstack.output import progress
    from recstack.render.normalize import RULES_FORMATS

    with session("normalize", color=color, config=config, isolated=isolated) as run:
        chosen = profile or run.config.normalize_profile or DEFAULT
        if list_rules:
            run.render(RULES_FORMATS, output_format, chosen)
            raise typer.Exit()
        mode = Mode.DIFF if diff else Mode.CHECK if check else Mode.WRITE
        selection = run.select(paths, exclude)
        with progress(len(selection.files), "normalizing") as advance:
            report = normalize_paths(selection, chosen, mode=mode, jobs=jobs, progress=advance)
        run.problems(report.unusable)
        run.problems(r.problem for r in report.results if r.problem is not None)
        run.render(FORMATS, output_format, report)
        run.finish(report)
