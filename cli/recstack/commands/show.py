"""`recstack show`: what each recording finally says, reassembled from its stream."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from enum import Enum
from pathlib import Path

import typer

from recstack.output import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, error_line

EPILOG = """\
[bold]Examples[/bold]

  recstack show examples/chat-stream.json            [dim]# the answer, with its request[/dim]
  recstack show rec.json --full                      [dim]# every message, untruncated[/dim]
  recstack show rec.json --format text               [dim]# only the answer text[/dim]
  recstack show tests/ --format json | jq .choices   [dim]# JSON Lines, one per file[/dim]
  recstack show a.json b.json --format markdown      [dim]# for a pull-request comment[/dim]
  git diff --name-only '*.json' | recstack show -    [dim]# paths from stdin[/dim]

Exit status: 0 all shown; 1 a file is not valid JSON or not a recording (the
others are still shown); 2 usage error, or a path that does not exist or cannot be
read (the others are still shown).
"""


class Format(str, Enum):
    rich = "rich"
    text = "text"
    json = "json"
    markdown = "markdown"


def register(app: typer.Typer) -> None:
    @app.command("show", epilog=EPILOG)
    def _command(
        paths: list[str] = typer.Argument(
            ...,
            metavar="FILE...",
            help="Recording files; directories are searched recursively for *.json; "
            "'-' reads paths from stdin.",
            show_default=False,
        ),
        output_format: Format | None = typer.Option(
            None,
            "--format",
            "-f",
            help="rich (default on a terminal; plain text when piped), text (only the "
            "final answer text), json (JSON Lines), markdown.",
            case_sensitive=False,
            show_default=False,
        ),
        full: bool = typer.Option(
            False, "--full", help="Show every request message and long bodies untruncated."
        ),
    ) -> None:
        """Show the final answer each recording carried: its stream reassembled.

        A header (test id, endpoint, model, provider, streamed with N chunks,
        status or exception), the request (messages by role, tools, notable
        parameters), then the answer per choice: reasoning, text, tool calls,
        finish reason and usage.
        """
        # Imported here, not at the top: the other commands need not load them.
        from recstack.loading import discover, load_recording
        from recstack.output import is_terminal, make_console, track
        from recstack.problems import RecstackError
        from recstack.reassembly import reassemble
        from recstack.recording import Recording
        from recstack.render import show as render

        found = discover(paths)
        for problem in found.missing:
            error_line(f"recstack show: {problem.one_line()}")
        fmt = output_format or Format.rich
        console = make_console() if fmt is Format.rich else None
        write = sys.stdout.write
        bad = io_errors = 0
        files: Iterable[Path] = found.files
        if not is_terminal(sys.stdout):  # output to a file or pipe: progress on stderr
            files = track(found.files, len(found.files), "showing")
        for path in files:
            try:
                loaded = load_recording(path)
            except RecstackError as exc:
                error_line(f"recstack show: {exc.problem.one_line()}")
                if exc.problem.rule == "io":
                    io_errors += 1
                else:
                    bad += 1
                continue
            recording = Recording(str(path), loaded.data)
            answer = reassemble(recording)
            try:
                if fmt is Format.json:
                    write(render.render_json_line(answer))
                elif fmt is Format.text:
                    write(render.render_text(answer))
                elif fmt is Format.markdown:
                    write(render.render_markdown(answer, recording, full=full))
                elif console is not None:
                    render.render_rich(answer, recording, console, full=full)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:  # odd input
                error_line(f"recstack show: {path}: cannot show: {type(exc).__name__}: {exc}")
                bad += 1
        sys.stdout.flush()
        if found.missing or io_errors:
            raise typer.Exit(EXIT_ERROR)
        raise typer.Exit(EXIT_FINDINGS if bad else EXIT_OK)
