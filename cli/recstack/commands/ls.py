"""`recstack ls`: list the recordings of a suite, filtered, or count them per group."""

from __future__ import annotations

from typing import Annotated, Any

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
from recstack.grouping import GroupBy
from recstack.render.ls import FORMATS

EPILOG = """\
[bold]Examples[/bold]

  recstack ls                                      [dim]# the configured recordings, else .[/dim]
  recstack ls --stale                              [dim]# what replay never opens, and why[/dim]
  recstack ls --test test_chat_completion          [dim]# every parametrization[/dim]
  recstack ls --model '*llama*' --endpoint '*/chat/completions'
  recstack ls --hash rec-1a2b3c4d5e6f              [dim]# an id from a test log[/dim]
  recstack ls --grep '(?i)paris' --format paths    [dim]# search chunked streams too[/dim]
  recstack ls --errors --larger-than 1M tests/integration
  recstack ls --stats --by dir                     [dim]# counts, bytes, chunks, stale[/dim]
  recstack ls --stale -f paths | xargs git rm      [dim]# paths for scripts[/dim]

Filters combine (a recording is listed when it passes each one); a filter given
several times accepts any of its values. GLOB: * any run of characters, ? one.

Exit status: 0 something listed; 1 nothing matched the filters (as grep), or a
recording is broken; 2 a bad option value (regex, size, hash), a path or file that
cannot be read, nothing to read, or a bad configuration.
"""


def _any_of(option: str, metavar: str, help: str) -> Any:
    """A repeatable filter option: a recording that matches any of its values passes."""
    return typer.Option(
        option, metavar=metavar, help=f"{help} (repeatable: any of them).", show_default=False
    )


Values = list[str] | None


def ls(
    paths: Paths = None,
    test: Annotated[
        Values,
        _any_of(
            "--test", "GLOB", "Test id glob; a bare function name matches all its parametrizations"
        ),
    ] = None,
    endpoint: Annotated[
        Values, _any_of("--endpoint", "GLOB", "Endpoint glob: /v1/chat/completions, '*/embeddings'")
    ] = None,
    model: Annotated[Values, _any_of("--model", "GLOB", "Model glob: 'gpt-4o*'")] = None,
    provider: Annotated[
        Values,
        _any_of(
            "--provider",
            "GLOB",
            "Provider glob (as recorded, else as the test id's parameters name it: txt=ollama/...)",
        ),
    ] = None,
    hash_prefix: Annotated[
        Values,
        _any_of(
            "--hash",
            "PREFIX",
            "Hash prefix of the file name, of the request (as replay computes it today) or "
            "of a rec- id in the response (rec-1a2b... or 1a2b...)",
        ),
    ] = None,
    grep: Annotated[
        Values,
        _any_of(
            "--grep",
            "REGEX",
            "Search the request's messages and the reassembled answer (Python regex; (?i) for "
            "any case)",
        ),
    ] = None,
    stale: Annotated[
        bool, typer.Option("--stale", help="Only recordings replay would never open.")
    ] = False,
    errors: Annotated[bool, typer.Option("--errors", help="Only recorded exceptions.")] = False,
    larger_than: Annotated[
        str | None,
        typer.Option(
            "--larger-than",
            metavar="SIZE",
            help="Only files larger than SIZE bytes (K, M, G: powers of 1024; 1.5M).",
            show_default=False,
        ),
    ] = None,
    with_stats: Annotated[
        bool,
        typer.Option(
            "--stats", help="Count recordings, bytes, chunks and stale ones instead of listing."
        ),
    ] = False,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            metavar="|".join(GroupBy),
            callback=choice("grouping", [str(g) for g in GroupBy], optional=True),
            help="With --stats: one line per group, then the totals (implies --stats).",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        str,
        format_option(
            FORMATS, "table (rich on a terminal), paths (one per line) or json (JSON Lines)."
        ),
    ] = "table",
    jobs: Jobs = 0,
    exclude: Exclude = None,
    config: ConfigFile = None,
    isolated: Isolated = False,
    color: Color = "auto",
) -> None:
    """List recordings: path, test, endpoint, model, chunks, size, replay status.

    Ask the suite: which recordings a test made, which replay never opens (and
    the name it looks up instead), where a hash or a rec- id from a log comes
    from, which answers mention a word.
    """
    # Imported here, not at the top: the other commands (and --help) need not load them.
    from recstack.listing import Filters, compile_grep, list_paths, parse_hash, parse_size
    from recstack.output import progress

    with session("ls", color=color, config=config, isolated=isolated) as run:
        if output_format == "paths" and (with_stats or by):
            run.fail("--stats counts recordings: use --format table or json with it")
        filters = Filters(
            tests=tuple(test or ()),
            endpoints=tuple(endpoint or ()),
            models=tuple(model or ()),
            providers=tuple(provider or ()),
            hashes=tuple(parse_hash(value) for value in hash_prefix or ()),
            grep=tuple(compile_grep(value) for value in grep or ()),
            stale=stale,
            errors=errors,
            larger_than=parse_size(larger_than) if larger_than is not None else None,
        )
        selection = run.select(paths, exclude)
        with progress(len(selection.files), "listing") as advance:
            report = list_paths(
                selection,
                filters,
                group_by=GroupBy(by) if by else None,
                with_stats=with_stats,
                fallback_dir=run.config.fallback_dir,
                jobs=jobs,
                progress=advance,
            )
        run.problems(report.scan.unusable)
        run.problems(report.scan.unreadable)
        run.render(FORMATS, output_format, report)
        run.finish(report)
