"""The options every command shares, defined once (typer ``Annotated`` aliases).

A command's signature is made of these and of its own options only; what they mean
is the same everywhere: ``PATH...`` (files, directories, ``-`` for paths on stdin),
``--format`` (choices from the command's renderer registry), ``--jobs`` (0 or
absent: all cores), ``--exclude GLOB``, ``--config FILE``, ``--isolated``,
``--color auto|always|never``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

import typer

from recstack.output import COLOR_MODES

PATHS_HELP = (
    "Recordings: files, directories (searched for *.json) or - (paths on stdin). "
    "Default: the configuration's include, else the current directory."
)

Paths = Annotated[
    list[str] | None,
    typer.Argument(metavar="PATH", help=PATHS_HELP, show_default=False),
]


def _jobs(value: Any) -> int:
    """``--jobs``'s value: a whole number, at least 0. A parser, not a callback: typer
    would otherwise convert the text itself first, and word its failure as a type
    checker does ("Input should be a valid integer")."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise typer.BadParameter(f"--jobs takes a whole number of at least 0, not {value!r}")
    return number


def jobs_option(help: str) -> Any:
    """``--jobs/-j N`` (0: all cores), for a command whose default is not :data:`Jobs`'."""
    return typer.Option("--jobs", "-j", metavar="N", parser=_jobs, help=help, show_default=False)


Jobs = Annotated[
    int,
    jobs_option("Processes to use (0, the default: all cores; more is capped to the cores)."),
]

Exclude = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        metavar="GLOB",
        help="Leave out files and folders matching GLOB, found in a directory or a git range "
        "(repeatable; relative to the current directory, or a bare name matched anywhere).",
        show_default=False,
    ),
]

ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="Read settings from FILE (a recstack.toml or pyproject.toml) instead of the "
        "nearest one.",
        show_default=False,
    ),
]

Isolated = Annotated[
    bool,
    typer.Option("--isolated", help="Ignore every configuration file (not with --config)."),
]


def choice(name: str, choices: Iterable[str], *, optional: bool = False) -> Callable[[Any], Any]:
    """A callback accepting only ``choices`` (or None, when ``optional``), with a message
    that names the option's kind of value."""
    allowed = tuple(choices)

    def check(value: Any) -> Any:
        if value is None and optional:
            return value
        if value not in allowed:
            raise typer.BadParameter(
                f"{value!r} is not a {name} (choose from {', '.join(allowed)})"
            )
        return value

    return check


Color = Annotated[
    str,
    typer.Option(
        "--color",
        metavar="|".join(COLOR_MODES),
        callback=choice("colour mode", COLOR_MODES),
        help="Colour on stdout: auto (a terminal, unless NO_COLOR is set), always, never.",
    ),
]


def format_option(formats: Iterable[str], help: str) -> Any:
    """``--format/-f``, its choices the keys of a renderer registry."""
    names = list(formats)
    return typer.Option(
        "--format",
        "-f",
        metavar="|".join(names),
        callback=choice("format", names),
        help=help,
    )
