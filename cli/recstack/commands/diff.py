"""`recstack diff`: review re-recorded recordings by meaning, not by chunk."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from recstack.commands.options import (
    Color,
    ConfigFile,
    Exclude,
    Isolated,
    Jobs,
    format_option,
)
from recstack.commands.session import session
from recstack.render.diff import FORMATS

EPILOG = """\
[bold]Examples[/bold]

  recstack diff old.json new.json               [dim]# one recording, two versions[/dim]
  recstack diff before/ after/                  [dim]# two trees, paired by relative path[/dim]
  recstack diff --git                           [dim]# merge base with main vs working tree[/dim]
  recstack diff --git origin/main tests/        [dim]# REV vs working tree, only under tests/[/dim]
  recstack diff --git HEAD~3..HEAD              [dim]# between two revisions (or HEAD~3 HEAD)[/dim]
  recstack diff --git main...HEAD               [dim]# from their merge base to HEAD[/dim]
  recstack diff --git main 'tests/*/recordings' [dim]# a git pathspec (quoted for the shell)[/dim]
  recstack diff --git main -- old/gone.json     [dim]# after --: paths only, even deleted ones[/dim]
  recstack diff --strict a.json b.json          [dim]# ignore nothing (ids, chunking)[/dim]
  recstack diff --git main --no-pairing         [dim]# re-keyed recordings as removed + added[/dim]
  recstack diff --ignore 'response.body[*].__data__.usage' a/ b/
  recstack diff --git --format markdown > comment.md   [dim]# a pull-request comment[/dim]

[bold]Revisions and paths with --git[/bold]

  An existing file or directory is a PATH (also ../x from a subdirectory). Otherwise
  the first argument is the REV (REV, A..B or A...B) when it names a commit, a PATH
  when it is a pathspec pattern (*, ?, [ or :(magic)), and an error otherwise. After
  one REV, a second argument that names a commit is the other end (A B = A..B).
  Everything else is a PATH: a git pathspec, relative to the current directory;
  a pattern also takes what is inside the directories it matches.
  With --, only revisions come before it and only paths after it. A PATH matching
  no file on either side, or a revision git does not know, is an error (exit 2).

[bold]Git integration[/bold]

  git config diff.external 'recstack diff --git-external'   [dim]# or GIT_EXTERNAL_DIFF=...[/dim]
  git config diff.recstack.textconv 'recstack show --format text'
  echo '**/recordings/*.json diff=recstack' >> .gitattributes

In trees and git ranges, a recording removed under one name and added under another
(a renamed test, a changed request: re-keyed) is one entry, moved OLD -> NEW, whose
status describes its content. JSON files that are not recordings (package.json,
dashboards) found there are skipped and counted.

Exit status: 0 all same or equivalent, 1 something changed, was added or removed, or
is no valid recording; 2 a file could not be read (the others are still compared),
bad usage, or a git error.
"""


PATHS_AFTER = "recstack.diff.paths_after"


def _git_external_tail(args: list[str]) -> list[str]:
    """git appends its 7 (9) external-diff arguments to the configured command: put a
    ``--`` before them, so that a path git passes (``-x.json``) is never an option."""
    if len(args) < 7:
        return args
    from recstack.diffing.gitsource import looks_like_external

    for count in (9, 7):
        head, tail = args[:-count], args[-count:]
        if len(args) >= count and looks_like_external(tail):
            if "--" in head or "--git" in head:
                return args
            return [*head, "--", *tail]
    return args


def _after_dashes(command: TyperCommand, ctx: Any, args: list[str]) -> int | None:
    """How many arguments follow the ``--`` that ended the options (click drops it;
    one given as an option's value, ``--ignore --``, does not count); None if none."""
    for i, arg in enumerate(args):
        if arg != "--":
            continue
        try:
            command.make_parser(ctx).parse_args(args[:i])
        except Exception:  # click's UsageError: this "--" is the value of an option
            continue
        return len(args) - i - 1
    return None


class DiffCommand(TyperCommand):
    """``recstack diff``: remembers where ``--`` was (with --git, paths follow it)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        args = _git_external_tail(list(args))
        ctx.meta[PATHS_AFTER] = _after_dashes(self, ctx, args)
        result: list[str] = super().parse_args(ctx, args)
        return result


def diff(
    ctx: typer.Context,
    args: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[A B | [REV] [--] [PATH...]]",
            help="Two recordings or two directories; with --git an optional revision "
            "(REV, A..B, A...B or A B) and git pathspecs to limit to (see below).",
            show_default=False,
        ),
    ] = None,
    use_git: Annotated[
        bool,
        typer.Option(
            "--git",
            help="Compare recordings changed in git: REV (default: the merge base with "
            "the default branch) vs the working tree (untracked files count), or A..B.",
        ),
    ] = False,
    git_external: Annotated[
        bool,
        typer.Option(
            "--git-external",
            help="Called by git as diff.external / GIT_EXTERNAL_DIFF with its 7 arguments "
            "(also detected automatically). Always exits 0, as git requires.",
        ),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Compare everything: volatile fields, nulls, chunking."),
    ] = False,
    no_pairing: Annotated[
        bool,
        typer.Option(
            "--no-pairing",
            help="Do not pair re-keyed recordings (removed under one name, added under "
            "another): show them as removed and added, by path only.",
        ),
    ] = False,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore",
            "-i",
            metavar="GLOB",
            help="Also ignore this path glob (repeatable), e.g. "
            "'response.body[*].__data__.usage' or 'request.headers.*'; adds to the "
            "configuration's diff.ignore.",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        str,
        format_option(
            FORMATS, "rich (styled on a terminal), text, json or markdown (a PR comment)."
        ),
    ] = "rich",
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Also list the same and equivalent recordings."),
    ] = False,
    jobs: Jobs = 0,
    exclude: Exclude = None,
    config: ConfigFile = None,
    isolated: Isolated = False,
    color: Color = "auto",
) -> None:
    """Compare recordings by meaning: request, reassembled answer, remaining fields.

    Volatile fields (ids, timestamps, durations, obfuscation, system_fingerprint,
    tool call ids, ids inside SSE data) and how a stream was chunked are ignored
    unless --strict. Each recording is same, equivalent, changed, added, removed
    or error; a re-keyed one is moved OLD -> NEW.
    """
    # Imported here, not at the top: the other commands (and --help) need not load them.
    from recstack.diffing.compare import Options
    from recstack.diffing.gitsource import looks_like_external
    from recstack.diffing.run import diff_pairs
    from recstack.diffing.sources import pairs_for
    from recstack.output import progress

    arguments = list(args or [])
    external = git_external or (not use_git and looks_like_external(arguments))
    with session("diff", color=color, config=config, isolated=isolated) as run:
        sources = pairs_for(
            arguments,
            use_git=use_git,
            external=external,
            paths_after=ctx.meta.get(PATHS_AFTER),
            keep=run.keep(exclude),
        )
        options = Options(strict=strict, ignore=(*run.config.diff_ignore, *(ignore or [])))
        with progress(len(sources.pairs), "comparing") as advance:
            report = diff_pairs(
                sources.pairs,
                options,
                jobs=jobs,
                progress=advance,
                unusable=sources.problems,
                external=external,
                expected=None if use_git or external else " and ".join(arguments),
                pairing=not no_pairing,
            )
        run.problems(report.unusable)
        if output_format != "json":
            run.problems(item.problem for item in report.files if item.problem is not None)
        run.out.verbose = verbose
        run.render(FORMATS, output_format, report)
        run.finish(report)


COMMAND_CLASS = DiffCommand  # app.py registers diff with it
