"""`recstack normalize` (not built yet)."""

from __future__ import annotations

import typer

from recstack.output import EXIT_ERROR, error_line


def register(app: typer.Typer) -> None:
    @app.command("normalize")
    def _command() -> None:
        """Not built yet."""
        error_line("recstack normalize: not built yet")
        raise typer.Exit(EXIT_ERROR)
