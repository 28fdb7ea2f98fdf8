"""Terminal conventions shared by every command: colour, progress, exit codes.

Rich output on a terminal, plain text when piped, ``NO_COLOR`` respected, progress
on stderr only when stderr is a terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from recstack.inert import inert_line

if TYPE_CHECKING:  # rich is imported when first used: it is slow to load
    from rich.console import Console
    from rich.progress import Progress

T = TypeVar("T")

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def color_allowed(stream: object = None) -> bool:
    """True when colour may be used on ``stream`` (default stdout)."""
    if os.environ.get("NO_COLOR", "") != "":
        return False
    if os.environ.get("FORCE_COLOR", "") != "":
        return True
    stream = stream if stream is not None else sys.stdout
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def is_terminal(stream: object = None) -> bool:
    stream = stream if stream is not None else sys.stdout
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def make_console(*, stderr: bool = False) -> Console:
    """A rich console for stdout (or stderr) that honours NO_COLOR and pipes."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    colour = color_allowed(stream)
    return Console(
        file=stream,
        no_color=not colour,
        color_system="auto" if colour else None,
        force_terminal=colour or None,
        highlight=False,
        soft_wrap=not is_terminal(stream),
        emoji=False,
    )


def error_line(message: str) -> None:
    """One plain line on stderr (for problems with a file or with usage).

    Whitespace runs become one space; control characters, bidi controls and lone
    surrogates (from a recording or a file name) are shown as escapes (:mod:`recstack.inert`).
    """
    sys.stderr.write(inert_line(" ".join(message.split())) + "\n")
    sys.stderr.flush()


@contextmanager
def progress_bar(
    total: int, label: str, *, enabled: bool | None = None
) -> Iterator[Progress | None]:
    """A progress bar on stderr, only on a terminal and for runs worth it."""
    show = is_terminal(sys.stderr) if enabled is None else enabled
    if not show or total < 50:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(file=sys.stderr, no_color=not color_allowed(sys.stderr))
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        redirect_stdout=False,  # stdout carries the command's output, never the bar's
    )
    with progress:
        progress.add_task(label, total=total)
        yield progress


def track(items: Iterable[T], total: int, label: str) -> Iterator[T]:
    """Iterate ``items`` while advancing a stderr progress bar (when shown)."""
    with progress_bar(total, label) as progress:
        for item in items:
            yield item
            if progress is not None:
                progress.advance(progress.task_ids[0])
