"""`recstack diff`: review re-recorded recordings by meaning, not by chunk."""

from __future__ import annotations

import stat
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand

from recstack.output import EXIT_ERROR, EXIT_OK, error_line

if TYPE_CHECKING:
    from recstack.diffing.pairing import Pair

# The diff engine and its renderer are imported when the command runs, so that the
# other commands (and --help) do not pay for loading them.

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

Exit status: 0 all same or equivalent, 1 something changed/added/removed,
2 a recording could not be read (the others are still compared) or bad usage.
"""


class DiffFormat(str, Enum):
    rich = "rich"
    text = "text"
    json = "json"
    markdown = "markdown"


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


def _usage(message: str) -> typer.Exit:
    error_line(f"recstack diff: {message}")
    return typer.Exit(EXIT_ERROR)


def _pairs(
    args: list[str], use_git: bool, external: bool, paths_after: int | None = None
) -> list[Pair]:
    from recstack.diffing.gitsource import external_pair, git_pairs
    from recstack.diffing.pairing import pair_files, pair_trees
    from recstack.loading import check_path

    if external:
        return [external_pair(args)]
    if use_git:
        return git_pairs(args, paths_after)
    if len(args) != 2:
        raise _usage(
            f"expected two files or two directories (got {len(args)} arguments); "
            "or --git [REV] to compare with git"
        )
    old, new = Path(args[0]), Path(args[1])
    old_dir, new_dir = (stat.S_ISDIR(check_path(path).st_mode) for path in (old, new))
    if old_dir and new_dir:
        return pair_trees(old, new)
    if old_dir or new_dir:
        raise _usage("compare a file with a file, or a directory with a directory")
    return [pair_files(old, new)]


def register(app: typer.Typer) -> None:
    @app.command("diff", epilog=EPILOG, cls=DiffCommand)
    def _command(
        ctx: typer.Context,
        args: list[str] = typer.Argument(
            None,
            metavar="[A B | [REV] [--] [PATH...]]",
            help="Two recordings or two directories; with --git an optional revision "
            "(REV, A..B, A...B or A B) and git pathspecs to limit to (see below).",
            show_default=False,
        ),
        use_git: bool = typer.Option(
            False,
            "--git",
            help="Compare recordings changed in git: REV (default: the merge base with "
            "the default branch) vs the working tree (untracked files count), or A..B.",
        ),
        git_external: bool = typer.Option(
            False,
            "--git-external",
            help="Called by git as diff.external / GIT_EXTERNAL_DIFF with its 7 arguments "
            "(also detected automatically). Always exits 0, as git requires.",
        ),
        strict: bool = typer.Option(
            False, "--strict", help="Compare everything: volatile fields, nulls, chunking."
        ),
        ignore: list[str] = typer.Option(
            [],
            "--ignore",
            "-i",
            metavar="GLOB",
            help="Also ignore this path glob (repeatable), e.g. "
            "'response.body[*].__data__.usage' or 'request.headers.*'.",
        ),
        output_format: DiffFormat = typer.Option(
            DiffFormat.rich,
            "--format",
            "-f",
            help="rich (terminal), text, json or markdown (a pull-request comment).",
            case_sensitive=False,
        ),
        verbose: bool = typer.Option(
            False, "--verbose", "-v", help="Also list the same and equivalent recordings."
        ),
        jobs: int = typer.Option(
            0,
            "--jobs",
            "-j",
            min=0,
            help="Worker processes for trees (0 = all cores, the default).",
        ),
    ) -> None:
        """Compare recordings by meaning: request, reassembled answer, remaining fields.

        Volatile fields (ids, timestamps, durations, obfuscation, system_fingerprint,
        tool call ids, ids inside SSE data) and how a stream was chunked are ignored
        unless --strict. Each recording is same, equivalent, changed, added, removed
        or error.
        """
        from recstack.diffing import Options, diff_pairs, status_exit_code
        from recstack.diffing.gitsource import looks_like_external
        from recstack.output import make_console
        from recstack.problems import RecstackError
        from recstack.render import diff as render

        args = list(args or [])
        external = git_external or (not use_git and looks_like_external(args))
        try:
            pairs = _pairs(args, use_git, external, ctx.meta.get(PATHS_AFTER))
        except RecstackError as exc:
            raise _usage(exc.problem.one_line()) from None
        options = Options(strict=strict, ignore=tuple(ignore))
        files = diff_pairs(pairs, options, jobs=jobs)
        if output_format is not DiffFormat.json:
            for message in render.errors(files):
                error_line(f"recstack diff: {message}")
        if output_format is DiffFormat.json:
            sys.stdout.write(render.render_json(files))
        elif output_format is DiffFormat.markdown:
            sys.stdout.write(render.render_markdown(files, verbose=verbose))
        elif output_format is DiffFormat.text:
            sys.stdout.write(render.render_text(files, verbose=verbose))
        else:
            render.render_rich(files, make_console(), verbose=verbose)
        sys.stdout.flush()
        raise typer.Exit(EXIT_OK if external else status_exit_code(files))
