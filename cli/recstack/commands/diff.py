"""`recstack diff`: review re-recorded recordings by meaning, not by chunk."""

from __future__ import annotations

import os
import stat
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

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
  recstack diff --git HEAD~3..HEAD              [dim]# between two revisions[/dim]
  recstack diff --strict a.json b.json          [dim]# ignore nothing (ids, chunking)[/dim]
  recstack diff --ignore 'response.body[*].__data__.usage' a/ b/
  recstack diff --git --format markdown > comment.md   [dim]# a pull-request comment[/dim]

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


def _usage(message: str) -> typer.Exit:
    error_line(f"recstack diff: {message}")
    return typer.Exit(EXIT_ERROR)


def _pairs(args: list[str], use_git: bool, external: bool) -> list[Pair]:
    from recstack.diffing.gitsource import external_pair, git_pairs, is_revision
    from recstack.diffing.pairing import pair_files, pair_trees
    from recstack.loading import check_path

    if external:
        return [external_pair(args)]
    if use_git:
        rev = None
        paths = list(args)
        # An existing path (even "../other" from a subdirectory) is a path; anything
        # else that names a commit, or a range (A..B), is the revision.
        if paths and not os.path.exists(paths[0]) and is_revision(paths[0]):
            rev = paths.pop(0)
        return git_pairs(rev, paths)
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
    @app.command("diff", epilog=EPILOG)
    def _command(
        args: list[str] = typer.Argument(
            None,
            metavar="[A B | REV[..REV2] [PATH...]]",
            help="Two recordings or two directories; with --git an optional revision "
            "(or REV1..REV2) and paths to limit to.",
            show_default=False,
        ),
        use_git: bool = typer.Option(
            False,
            "--git",
            help="Compare recordings changed in git: REV (default: the merge base with "
            "the default branch) vs the working tree, or REV1..REV2.",
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
            pairs = _pairs(args, use_git, external)
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
