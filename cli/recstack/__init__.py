"""recstack: a command-line toolkit for recorded LLM API calls."""

__version__ = "0.1.0"
