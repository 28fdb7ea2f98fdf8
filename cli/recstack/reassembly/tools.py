"""Non-inference recordings: tool invocations and file-processor results."""

from __future__ import annotations

from typing import Any

from recstack.reassembly.answer import Answer, Choice, ErrorInfo
from recstack.reassembly.common import class_of, data_of, lst, new_answer, nonempty, obj, text
from recstack.recording import Recording


def content_text(content: Any) -> str | None:
    """A tool result's content as text: a string, or the text items of a list joined."""
    if isinstance(content, str) or content is None:
        return content
    if isinstance(content, dict):
        content = [content]
    texts = [t for t in (text(obj(item).get("text")) for item in lst(content)) if t is not None]
    return "".join(texts) if texts else None


class ToolResult:
    """``*.ToolInvocationResult``: ``content`` plus an optional error message and code."""

    name = "tool-result"

    def claims(self, recording: Recording) -> bool:
        return class_of(recording.body).endswith("ToolInvocationResult")

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "tool_result")
        data = data_of(recording.body)
        content = content_text(data.get("content"))
        answer.choices = [Choice(index=0, role="tool", content=content)]
        message = nonempty(data.get("error_message"))
        code = data.get("error_code")
        if message or code is not None:
            answer.error = ErrorInfo(
                type="ToolError",
                status=code if isinstance(code, int) and not isinstance(code, bool) else None,
                message=message,
            )
        request = recording.request
        answer.extra["tool"] = request.get("tool_name")
        answer.extra["kwargs"] = request.get("kwargs")
        if isinstance(data.get("metadata"), dict):
            answer.extra["metadata"] = data["metadata"]
        return answer


class FileProcessorResult:
    """A file processor's response: ``chunks`` of extracted text plus ``metadata``."""

    name = "file-processor"

    def claims(self, recording: Recording) -> bool:
        data = data_of(recording.body)
        return class_of(recording.body).endswith("ProcessFileResponse") or (
            recording.body_kind.value == "typed" and isinstance(data.get("chunks"), list)
        )

    def build(self, recording: Recording) -> Answer:
        answer = new_answer(recording, "file_processor")
        data = data_of(recording.body)
        chunks = [obj(chunk) for chunk in lst(data.get("chunks"))]
        texts = [c["content"] for c in chunks if isinstance(c.get("content"), str)]
        answer.choices = [Choice(index=0, content="\n\n".join(texts) if texts else None)]
        answer.extra["chunks"] = len(chunks)
        if isinstance(data.get("metadata"), dict):
            answer.extra["metadata"] = data["metadata"]
        return answer
