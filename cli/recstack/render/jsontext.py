"""Recording values as JSON text for the human formats: readable, inert, never a crash."""

from __future__ import annotations

from typing import Any

from recstack.inert import inert_json

TOO_DEEP = "[nested too deeply to show]"


def json_text(value: Any, *, indent: int | None = None) -> str:
    """``value`` as JSON (non-ASCII kept, numbers exact, control characters as
    ``\\uXXXX`` escapes).

    A value nested deeper than Python can serialize is shown as :data:`TOO_DEEP`; a
    value that is not JSON (never from a parsed file) as its ``repr``.
    """
    from recstack.jsonnumbers import dumps_text  # orjson, decimal: not for --help

    try:
        text = dumps_text(value, indent=indent, ensure_ascii=False)
    except RecursionError:
        return TOO_DEEP
    except (TypeError, ValueError):
        text = repr(value)
    return inert_json(text)


def short_json(value: Any, limit: int) -> str:
    """``value`` as :func:`json_text` on one line, cut to ``limit`` characters (the last
    one an ellipsis): a value quoted inside a message or a summary line."""
    text = json_text(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_document(document: Any) -> str:
    """A ``--format json`` report: indented, non-ASCII kept, numbers exact, any other
    object as its ``str``; control characters and lone surrogates as escapes
    (:func:`recstack.inert.inert_json`); a newline last."""
    from recstack.jsonnumbers import dumps_text  # orjson, decimal: not for --help

    return inert_json(dumps_text(document, indent=2, ensure_ascii=False, default=str)) + "\n"
