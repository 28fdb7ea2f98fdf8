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


def _jobs(value: int) -> int:
    return _at_least(value, 0, "--jobs")


def jobs_option(help: str) -> Any:
    """``--jobs/-j N`` (0: all cores), for a command whose default is not :data:`Jobs`'."""
    return typer.Option("--jobs", "-j", metavar="N", callback=_jobs, help=help, show_default=False)


Jobs = Annotated[
    int,
    jobs_option("Processes to use (0, the default: all cores; more is capped to the cores)."),
]

Exclude = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        metavar="GLOB",
        help="Skip files and folders matching GLOB when walking directories (repeatable; "
        "relative to the current directory, or a bare name matched anywhere).",
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
    typer.Option("--isolated", help="Ignore every configuration file."),
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


def _at_least(value: int, low: int, name: str) -> int:
    if value < low:
        raise typer.BadParameter(f"{name} takes a whole number of at least {low}, not {value}")
    return value
