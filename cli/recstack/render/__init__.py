"""Rendering of command results: rich, plain text, JSON, Markdown (one module per command)."""
