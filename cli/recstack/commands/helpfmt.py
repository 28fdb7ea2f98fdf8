"""Help screens that read well: no ``<list[str]>`` or ``<bool>`` type labels.

typer (0.26 and later, with its own copy of click) prints a type column in ``--help``:
``<list[str]>`` next to a ``PATH...`` argument and ``<bool>`` next to every flag. The
first column already names the value (``PATH``, ``FILE``, ``N``), so for arguments and
flags the type column stays empty. Older typer versions have no such column; there this
does nothing. Its usage line writes a required argument as ``{LOG}``: recstack writes
it bare (``LOG [PATH]...``), as usage lines conventionally do.
"""

from __future__ import annotations

from typing import Any

import typer.core


def tidy_help() -> None:
    """Leave the type column empty for arguments and flags (idempotent)."""
    argument = getattr(typer.core, "TyperArgument", None)
    option = getattr(typer.core, "TyperOption", None)
    if argument is None or option is None or getattr(option, "_recstack_tidy", False):
        return
    if hasattr(argument, "display_type_rich"):
        argument.display_type_rich = lambda self, ctx: None
    usage_name = getattr(argument, "_usage_display_name", None)
    if usage_name is not None:

        def bare_when_required(self: Any) -> str:
            result: str = usage_name(self)
            if self.required and result.startswith("{"):
                result = result[1:].replace("}", "", 1)
            return result

        argument._usage_display_name = bare_when_required
    original = getattr(option, "display_type_rich", None)
    if original is not None:

        def display_type(self: Any, ctx: Any) -> str | None:
            if getattr(self, "is_flag", False) or getattr(self, "is_bool_flag", False):
                return None
            result: str | None = original(self, ctx)
            return result

        option.display_type_rich = display_type
    option._recstack_tidy = True
