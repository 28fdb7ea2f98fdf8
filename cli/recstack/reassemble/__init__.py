"""Stream reassembly: turn a recording into the final answer it carried.

One module per stream family, all behind :func:`reassemble`.
"""

from recstack.reassemble.model import Answer, Choice, ErrorInfo, Meta, ToolCall

__all__ = ["Answer", "Choice", "ErrorInfo", "Meta", "ToolCall"]
