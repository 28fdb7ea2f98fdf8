"""`recstack rekey`: give stale recordings the name (and folder) replay looks up."""

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
    format_option,
)
from recstack.commands.session import session
from recstack.render.rekey import FORMATS

EPILOG = """\
[bold]Examples[/bold]

  recstack rekey tests/integration              [dim]# rename stale recordings[/dim]
  recstack rekey --check tests/integration      [dim]# CI gate: exit 1 if any[/dim]
  recstack rekey --diff tests/integration       [dim]# old -> new, ids rewritten[/dim]
  recstack rekey --test-id \\
    'tests/integration/a/test_x.py::*=tests/integration/b/test_x.py::*' tests/
                                                [dim]# after moving a test file[/dim]
  recstack rekey --check -f json .              [dim]# JSON[/dim]

Fixed: names from earlier naming rules (before-file-search, raw-body,
test-id-renamed, oldest-layout when no test id is missing) and recordings in a folder
replay does not search (moved under the repository root: the folder holding the test
file, .git or pyproject.toml). Left alone, reported: missing-test-id, edited, names
made by hand. A name taken by an equivalent recording: the stale copy is removed
(merged); by a different one: nothing is touched (conflict).

Exit status: 0 done (or nothing to do); 1 a conflict or a bad recording, or --check /
--diff found recordings to move; 2 usage error, or a path or file that cannot be read,
written or removed.
"""


def rekey(
    paths: Paths = None,
    test_id: Annotated[
        list[str] | None,
        typer.Option(
            "--test-id",
            metavar="OLD=NEW",
            help="A renamed or moved test (repeatable): an exact test id, or a prefix "
            "ending in * (then NEW ends in * too). Its recordings' test ids are rewritten, "
            "then they are rekeyed.",
            show_default=False,
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; list what would move; exit 1 if any."),
    ] = False,
    diff: Annotated[
        bool,
        typer.Option("--diff", help="Write nothing; show old -> new and the ids to rewrite."),
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
    """Rename stale recordings to the name (and folder) replay looks up.

    A recording replay never opens, but whose name today's rules can compute from its
    own request, is renamed (and moved to the test's recordings/ folder when it sits
    elsewhere), its rec- ids rewritten for the new name. The new file is written
    atomically before the old one is removed: an interrupted run loses nothing, and
    the next run finishes it.
    """
    # Imported here, not at the top: the other commands need not load them.
    from recstack.normalization import Mode
    from recstack.output import progress
    from recstack.rekeying import rekey_paths
    from recstack.testids import BadTestIdRename, parse_renames

    with session("rekey", color=color, config=config, isolated=isolated) as run:
        try:
            renames = parse_renames(test_id or [])
        except BadTestIdRename as exc:
            run.fail(f"--test-id {exc}")
        mode = Mode.DIFF if diff else Mode.CHECK if check else Mode.WRITE
        selection = run.select(paths, exclude)
        with progress(len(selection.files), "reading") as advance:
            report = rekey_paths(
                selection,
                renames,
                mode=mode,
                fallback_dir=run.config.fallback_dir,
                jobs=jobs,
                progress=advance,
            )
        run.problems(report.unusable)
        run.problems(r.problem for r in report.results if r.problem is not None)
        run.render(FORMATS, output_format, report)
        run.finish(report)
