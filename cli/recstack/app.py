"""The ``recstack`` command line: a thin typer layer over the library.

Each command lives in :mod:`recstack.commands`; this module wires them together,
adds ``--version``, and guarantees that no traceback ever reaches the user.

An internal error (a bug) is one line on stderr and exit 2; with ``RECSTACK_DEBUG=1``
its traceback is shown instead, for bug reports.

``SIGTERM`` is handled like ``SIGINT``: it interrupts the run where it is, so that the
same clean-up runs (a temp file being written is removed, worker processes are
stopped); the exit status is then 128 + the signal number (130, 143).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import FrameType

import typer

from recstack import __version__
from recstack.commands import (
    diff,
    explain,
    ls,
    normalize,
    prune,
    rekey,
    review,
    show,
    validate,
)
from recstack.commands.helpfmt import tidy_help
from recstack.output import EXIT_ERROR, error_line

HELP = """\
Validate, show, diff, normalize and look after recorded LLM API calls
(the llama-stack record/replay JSON format).

[bold]Examples[/bold]

  recstack validate tests/integration        [dim]# the CI gate[/dim]
  recstack show examples/chat-stream.json    [dim]# what the model said[/dim]
  recstack diff --git origin/main            [dim]# review re-recordings[/dim]
  recstack normalize --check tests/          [dim]# noise check[/dim]
  recstack ls --stale                        [dim]# what replay never opens[/dim]
  recstack explain run.log                   [dim]# why replay missed[/dim]
  recstack rekey --check tests/integration   [dim]# stale names[/dim]
  recstack prune --unused-by tests.txt       [dim]# what nothing uses[/dim]
  recstack review --restore-equivalent       [dim]# keep only real changes[/dim]
"""

tidy_help()

app = typer.Typer(
    name="recstack",
    help=HELP,
    rich_markup_mode="rich",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"recstack {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        "-V",
        help="Print the version and exit.",
        callback=_version,
        is_eager=True,
    ),
) -> None:
    """Validate, show, diff and normalize recorded LLM API calls."""


# The command list, once: each module defines a function of the command's name and
# its EPILOG (examples); tests and docs read the list from the app.
COMMANDS = (validate, show, diff, normalize, ls, explain, rekey, prune, review)

for _module in COMMANDS:
    _name = _module.__name__.rsplit(".", 1)[-1]
    app.command(_name, epilog=_module.EPILOG, cls=getattr(_module, "COMMAND_CLASS", None))(
        getattr(_module, _name)
    )


class Terminated(BaseException):
    """Raised in the main thread by SIGTERM: unwinds like KeyboardInterrupt (every
    ``finally`` and ``except BaseException`` clean-up runs), but is not one, so the
    command line layer does not turn it into an exit status of its own."""


def _terminated(signum: int, frame: FrameType | None) -> None:
    signal.signal(signum, signal.SIG_DFL)  # a second SIGTERM ends the process at once
    raise Terminated(signum)


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _terminated)
    try:
        app()
    except KeyboardInterrupt:
        _stop("recstack: interrupted", 128 + signal.SIGINT)
    except Terminated:
        _stop("recstack: terminated", 128 + signal.SIGTERM)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error worth a message.
        sys.stderr.close()
        sys.exit(0)
    except SystemExit:
        raise
    except Exception as exc:  # a bug: one line, unless RECSTACK_DEBUG asks for the traceback
        if debugging():
            raise
        error_line(
            f"recstack: internal error: {type(exc).__name__}: {exc} "
            "(run with RECSTACK_DEBUG=1 for the traceback, and please report it)"
        )
        sys.exit(EXIT_ERROR)


def _stop(message: str, code: int) -> None:
    """End an interrupted run: one line, then exit at once. Every clean-up (temp files,
    workers) has run on the way here; the interpreter's own shutdown is skipped, so that
    threads it would join, half-stopped, cannot print tracebacks after the message."""
    parallel = sys.modules.get("recstack.parallel")
    if parallel is not None:  # a pool whose generator was left suspended
        parallel.stop_all()
    error_line(message)
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    os._exit(code)


def debugging() -> bool:
    """``RECSTACK_DEBUG=1`` (any value but empty or 0): internal errors keep their traceback."""
    return os.environ.get("RECSTACK_DEBUG", "") not in ("", "0")
