"""`recstack review`: keep or restore, one recording at a time, what differs from a revision."""

from __future__ import annotations

import signal
import sys
from typing import Annotated

import typer

from recstack.commands.options import (
    Color,
    ConfigFile,
    Exclude,
    Isolated,
    Jobs,
    format_option,
)
from recstack.commands.session import session
from recstack.render.review import FORMATS

EPILOG = """\
[bold]Examples[/bold]

  recstack review                          [dim]# on a terminal: a key per recording[/dim]
  recstack review --git origin/main tests/ [dim]# another revision, only under tests/[/dim]
  recstack review --restore-equivalent     [dim]# keep only the real changes[/dim]
  recstack review --restore-equivalent -n  [dim]# what it would restore (exit 1 if any)[/dim]
  recstack review --reject-all 'tests/*/recordings'  [dim]# the revision's files back[/dim]
  recstack review --accept-all --format json         [dim]# what differs, as JSON[/dim]

[bold]Keys[/bold] (on a terminal)

  a  accept: keep the new file
  r  reject: restore the revision's bytes (a new file is removed, a moved one goes back)
  s  skip    A / R  accept / reject all that remain    q  quit (skip the rest)    ?  keys

Only the recordings compared are ever touched, and only with bytes the revision holds;
a file with merge conflicts, or one that changed after it was compared, is left alone
and reported. Interactive only when stdin and stdout are a terminal.

Exit status: 0 done, or nothing to review; 1 --dry-run with something it would restore
(alone: something to review); 2 bad usage, a file that could not be read or restored,
a merge conflict, or a git error.
"""

_POLICIES = ("--accept-all", "--reject-all", "--restore-equivalent")


def review(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="PATH",
            help="Git pathspecs to limit the review to (relative to the current directory); "
            "default: the whole repository.",
            show_default=False,
        ),
    ] = None,
    revision: Annotated[
        str,
        typer.Option("--git", metavar="REV", help="The revision to compare the working tree with."),
    ] = "HEAD",
    restore_equivalent: Annotated[
        bool,
        typer.Option(
            "--restore-equivalent",
            help="Restore every recording that is same or equivalent (only volatile fields, "
            "chunking or the test id differ) and keep the others; a moved recording keeps "
            "its new name.",
        ),
    ] = False,
    accept_all: Annotated[
        bool, typer.Option("--accept-all", help="Keep every recording as it is.")
    ] = False,
    reject_all: Annotated[
        bool,
        typer.Option(
            "--reject-all",
            help="Restore every recording compared: the revision's bytes, a new file removed, "
            "a moved one back under its old name.",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            "-n",
            help="Change nothing: say what would be done (alone: list what differs).",
        ),
    ] = False,
    output_format: Annotated[
        str, format_option(FORMATS, "rich (styled on a terminal), text or json.")
    ] = "rich",
    jobs: Jobs = 0,
    exclude: Exclude = None,
    config: ConfigFile = None,
    isolated: Isolated = False,
    color: Color = "auto",
) -> None:
    """Review the recordings that differ from a revision: keep each, or restore it.

    The working tree is compared with REV (default HEAD) as `recstack diff --git REV`
    compares it: untracked recordings count, moved ones are paired. On a terminal each
    recording is shown with its diff and decided with a key; elsewhere, a flag decides.
    """
    from recstack.diffing.compare import Options
    from recstack.output import is_terminal
    from recstack.render.review import TerminalScreen
    from recstack.reviewing.interactive import review_interactively
    from recstack.reviewing.keys import terminal_keys
    from recstack.reviewing.model import Policy
    from recstack.reviewing.run import apply_policy, start_review

    with session("review", color=color, config=config, isolated=isolated) as run:
        chosen = [
            policy
            for policy, given in (
                (Policy.ACCEPT_ALL, accept_all),
                (Policy.REJECT_ALL, reject_all),
                (Policy.RESTORE_EQUIVALENT, restore_equivalent),
            )
            if given
        ]
        if len(chosen) > 1:
            run.fail(f"give one of {', '.join(_POLICIES)}, not {len(chosen)}")
        policy = chosen[0] if chosen else Policy.LIST if dry_run else None
        if policy is None and output_format == "json":
            run.fail(f"--format json needs one of {', '.join(_POLICIES)} or --dry-run")
        if policy is None and not (is_terminal(sys.stdin) and is_terminal(sys.stdout)):
            run.fail(
                "not a terminal (stdin or stdout): give one of "
                f"{', '.join(_POLICIES)}, or --dry-run to list what differs"
            )
        found = start_review(
            revision,
            list(paths or ()),
            Options(ignore=tuple(run.config.diff_ignore)),
            keep=run.keep(exclude),
            jobs=jobs,
            dry_run=dry_run,
        )
        run.problems(found.problems)
        if policy is not None:
            apply_policy(found, policy)
        elif any(item.outcome is None for item in found.items):
            try:
                with terminal_keys() as keys:
                    review_interactively(found, keys.read, TerminalScreen(found, run.out))
            except OSError as exc:
                run.fail(f"cannot read keys from the terminal: {exc.strerror or exc}")
            run.out.write("\n")
        run.problems(found.problems)
        run.render(FORMATS, output_format, found)
        if found.interrupted:  # Ctrl-C: what was decided stays done, the rest skipped
            run.error("interrupted")
            raise typer.Exit(128 + signal.SIGINT)
        run.finish(found)
