"""Recorded exceptions: ``is_exception`` with ``exception_data`` -> ``Answer.error``."""

from __future__ import annotations

from recstack.reassembly.answer import ErrorInfo
from recstack.reassembly.common import integer, nonempty, obj
from recstack.recording import Recording


def recorded_error(recording: Recording) -> ErrorInfo | None:
    """The exception a recording captured, or None when it captured none."""
    response = recording.response
    if not recording.is_exception:
        return None
    data = obj(response.get("exception_data"))
    message = nonempty(data.get("message")) or nonempty(response.get("exception_message"))
    return ErrorInfo(
        type=nonempty(data.get("type")),
        status=integer(data.get("status_code")),
        message=message,
        category=nonempty(data.get("category")),
        provider=nonempty(data.get("provider")),
    )
