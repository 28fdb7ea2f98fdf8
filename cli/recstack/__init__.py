"""recstack: a toolkit for recorded LLM API calls (llama-stack's record/replay format).

The command line is ``recstack``; the Python API is what this package exports
(docs/python-api.md): :func:`load`, :func:`reassemble`, :func:`validate`,
:func:`diff`, :func:`normalize` and the types they return. Everything else is private.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> the module that defines it; imported on first use, so that the command line
# (which imports this package first) never pays for what it does not run.
_EXPORTS = {
    "load": "recstack.api",
    "reassemble": "recstack.api",
    "validate": "recstack.api",
    "diff": "recstack.api",
    "normalize": "recstack.api",
    "Recording": "recstack.recording",
    "Problem": "recstack.problems",
    "RecstackError": "recstack.problems",
    "Answer": "recstack.reassembly.answer",
    "Choice": "recstack.reassembly.answer",
    "ToolCall": "recstack.reassembly.answer",
    "ErrorInfo": "recstack.reassembly.answer",
    "ValidationResult": "recstack.validation",
    "FileDiff": "recstack.diffing.result",
    "Change": "recstack.diffing.result",
    "ChangeKind": "recstack.diffing.result",
    "DiffStatus": "recstack.diffing.result",
    "Normalized": "recstack.normalization",
    "Rewrite": "recstack.normalization",
}

__all__ = [
    "Answer",
    "Change",
    "ChangeKind",
    "Choice",
    "DiffStatus",
    "ErrorInfo",
    "FileDiff",
    "Normalized",
    "Problem",
    "Recording",
    "RecstackError",
    "Rewrite",
    "ToolCall",
    "ValidationResult",
    "__version__",
    "diff",
    "load",
    "normalize",
    "reassemble",
    "validate",
]

if TYPE_CHECKING:
    from recstack.api import diff, load, normalize, reassemble, validate
    from recstack.diffing.result import Change, ChangeKind, DiffStatus, FileDiff
    from recstack.normalization import Normalized, Rewrite
    from recstack.problems import Problem, RecstackError
    from recstack.reassembly.answer import Answer, Choice, ErrorInfo, ToolCall
    from recstack.recording import Recording
    from recstack.validation import ValidationResult


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'recstack' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
