"""Terminal conventions shared by every command: colour, progress, exit codes.

Rich output on a terminal, plain text when piped; ``--color auto|always|never``
(``auto``: ``NO_COLOR`` turns colour off, ``FORCE_COLOR`` on, else colour on a
terminal); progress on stderr only when stderr is a terminal.

Exit codes, the same for every command:

===  =====================================================================
0    nothing to report
1    findings: an invalid or unreadable recording, a difference, a file
     that would change (``--check``, ``--diff``, dry runs)
2    usage errors, a bad configuration, paths that cannot be read, nothing
     to read, git errors
===  =====================================================================
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from recstack.inert import inert_line

if TYPE_CHECKING:  # rich is imported when first used: it is slow to load
    from rich.console import Console
    from rich.progress import Progress


EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


COLOR_MODES = ("auto", "always", "never")


def color_allowed(stream: object = None, mode: str = "auto") -> bool:
    """True when colour may be used on ``stream`` (default stdout) under ``--color MODE``."""
    if mode == "always":
        return True
    if mode == "never":
        return False
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


class Output:
    """Where a renderer writes: stdout, whether it is a terminal, whether colour is on,
    a rich console made on first use (plain formats never pay for rich), and the
    presentation settings renderers share (``verbose``, ``full``)."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        color: str = "auto",
        verbose: bool = False,
        full: bool = False,
    ) -> None:
        self.stream: TextIO = stream if stream is not None else sys.stdout
        self.verbose = verbose  # also list what is unremarkable (diff: same, equivalent)
        self.full = full  # nothing truncated (show)
        self.color_mode = color
        self.terminal = is_terminal(self.stream)
        self.color = color_allowed(self.stream, color)
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(
                file=self.stream,
                no_color=not self.color,
                color_system="auto" if self.color else None,
                force_terminal=self.color or None,
                highlight=False,
                soft_wrap=not self.terminal,
                emoji=False,
            )
        return self._console

    @property
    def styled(self) -> bool:
        """True when rich styling reaches a reader (a terminal, or colour forced)."""
        return self.terminal or self.color

    def write(self, text: str) -> None:
        self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


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


Advance = Callable[[int], None]


def _no_progress(count: int = 1) -> None:
    return None


@contextmanager
def progress(total: int, label: str) -> Iterator[Advance]:
    """A callback ``advance(n)`` for a library function's ``progress`` parameter,
    drawing a bar on stderr when it is a terminal and the run is worth it."""
    with progress_bar(total, label) as bar:
        if bar is None:
            yield _no_progress
        else:
            task = bar.task_ids[0]

            def advance(count: int = 1) -> None:
                bar.advance(task, count)

            yield advance
