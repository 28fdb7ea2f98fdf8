"""HTTP passthrough bodies that no richer family claims (rerank results, error bodies).

An error body (HTTP status >= 400, or an ``error`` key) becomes ``Answer.error``;
anything else is kept as-is in ``extra["body"]`` for display.
"""

from __future__ import annotations

from recstack.reassembly.answer import Answer
from recstack.reassembly.common import error_from_body, is_plain_dict, new_answer
from recstack.recording import Recording


class Passthrough:
    name = "passthrough"

    def claims(self, recording: Recording) -> bool:
        return is_plain_dict(recording)

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "passthrough")
        body = recording.body
        status = recording.status
        if (status is not None and status >= 400) or "error" in body:
            answer.error = error_from_body(body, status)
            answer.kind = "error"
        else:
            answer.extra["body"] = body
        return answer
