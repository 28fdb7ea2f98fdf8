"""What every command does around its library call: the configuration, the output,
one line per problem on stderr, and the exit code.

A command is::

    with session("validate", color=color, config=config, isolated=isolated) as run:
        report = validate_paths(run.select(paths, exclude), ...)
        run.problems(report.unusable)  # one stderr line each (what stdout does not show)
        run.render(FORMATS, output_format, report)
        run.finish(report)

A :class:`~recstack.problems.RecstackError` raised inside (a bad configuration, a
schema that cannot be loaded, a git error) becomes one line and exit 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, TypeVar

import typer

from recstack.output import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Output, error_line

# Imported when a command runs, not for --help or --version (start-up time).
if TYPE_CHECKING:
    from recstack.config import Config
    from recstack.problems import Problem
    from recstack.selection import Selection

R = TypeVar("R", contravariant=True)


class Outcome(Protocol):
    """What the exit code is made of (every command's report has these)."""

    @property
    def problems(self) -> Sequence[Problem]:
        """Usage and I/O problems: exit 2."""
        ...

    @property
    def findings(self) -> bool:
        """Something to report: exit 1."""
        ...


def exit_code(outcome: Outcome) -> int:
    """The one table of exit codes: 2 for problems, 1 for findings, else 0."""
    if outcome.problems:
        return EXIT_ERROR
    return EXIT_FINDINGS if outcome.findings else EXIT_OK


Renderer = Callable[[Any, Output], None]


@dataclass
class Session:
    """One run of one command."""

    command: str
    config: Config
    out: Output
    stdin: Any = None
    reported: set[int] = field(default_factory=set)

    def select(self, paths: Sequence[str] | None, exclude: Sequence[str] | None) -> Selection:
        """The files to read, from the arguments and the configuration."""
        from recstack.selection import select

        return select(paths, config=self.config, exclude=exclude or (), stdin=self.stdin)

    def keep(self, exclude: Sequence[str] | None) -> Callable[[Path], bool]:
        """Whether a path found elsewhere (a tree, a git range) is read: not excluded by
        the configuration or ``--exclude``, as :meth:`select` decides."""
        from recstack.selection import keeper

        return keeper(self.config, exclude or ())

    def error(self, message: str) -> None:
        error_line(f"recstack {self.command}: {message}")

    def problems(self, problems: Iterable[Problem]) -> None:
        """One line on stderr per problem (each once, however often it is passed)."""
        for problem in problems:
            if id(problem) not in self.reported:
                self.reported.add(id(problem))
                self.error(problem.one_line())

    def render(
        self, formats: Mapping[str, Renderer], name: str, report: Any, **options: Any
    ) -> None:
        """``formats[name](report, out, **options)`` (options: a command's view settings)."""
        formats[name](report, self.out, **options)
        self.out.flush()

    def finish(self, outcome: Outcome) -> NoReturn:
        raise typer.Exit(exit_code(outcome))

    def fail(self, message: str) -> NoReturn:
        """A usage error: one line, exit 2."""
        self.error(message)
        raise typer.Exit(EXIT_ERROR)


@contextmanager
def session(
    command: str,
    *,
    color: str = "auto",
    config: Path | None = None,
    isolated: bool = False,
) -> Iterator[Session]:
    """Run one command: its configuration and output; a RecstackError is one line, exit 2."""
    from recstack.config import resolve_config
    from recstack.problems import RecstackError

    try:
        settings = resolve_config(config, isolated=isolated)
        yield Session(command, settings, Output(sys.stdout, color=color), sys.stdin)
    except RecstackError as exc:
        error_line(f"recstack {command}: {exc.problem.one_line()}")
        raise typer.Exit(EXIT_ERROR) from None
