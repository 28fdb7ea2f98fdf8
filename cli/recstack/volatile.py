"""The one table of volatile fields: values that change on every re-recording.

``normalize`` rewrites the fields of its profile; ``diff`` ignores every field in
the table (unless ``--strict``). Each rule says why it is safe.

Paths use :mod:`recstack.paths` globs over the whole recording file, e.g.
``response.body[*].__data__.id`` (every chunk's id).
"""

from __future__ import annotations

from dataclasses import dataclass

LLAMA_STACK = "llama-stack"
DEFAULT = "default"
PROFILES = (DEFAULT, LLAMA_STACK)

# Where typed objects sit in a response body: a single one or a list of them.
_TYPED = ("response.body.__data__", "response.body[*].__data__")


def _typed(field: str) -> tuple[str, ...]:
    return tuple(f"{base}.{field}" for base in _TYPED)


@dataclass(frozen=True)
class VolatileRule:
    """A field that re-recording changes without changing what the recording means."""

    id: str
    patterns: tuple[str, ...]
    replacement: str  # what normalize writes (human-readable), "" when diff-only
    reason: str  # why rewriting/ignoring it is safe for replay
    profiles: frozenset[str]  # normalize profiles that rewrite it (empty: diff-only)

    def in_profile(self, profile: str) -> bool:
        return profile in self.profiles


_BOTH = frozenset({DEFAULT, LLAMA_STACK})
_DEFAULT_ONLY = frozenset({DEFAULT})
_DIFF_ONLY: frozenset[str] = frozenset()

RULES: tuple[VolatileRule, ...] = (
    VolatileRule(
        "id",
        _typed("id"),
        '"rec-" + first 12 chars of the file hash (not for object == "model")',
        "response ids are never sent back in a later request; upstream rewrites them",
        _BOTH,
    ),
    VolatileRule(
        "created",
        _typed("created"),
        '0 (not for object == "model")',
        "a timestamp of the recording run, never read on replay",
        _BOTH,
    ),
    VolatileRule(
        "created_at",
        _typed("created_at"),
        '"1970-01-01T00:00:00.000000Z"',
        "Ollama's timestamp of the recording run, never read on replay",
        _BOTH,
    ),
    *(
        VolatileRule(
            name,
            _typed(name),
            "0 when not null",
            "Ollama timing of the recording machine, never read on replay",
            _BOTH,
        )
        for name in ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")
    ),
    VolatileRule(
        "obfuscation",
        _typed("obfuscation"),
        '""',
        "OpenAI's random per-chunk padding against side channels; clients ignore it",
        _DEFAULT_ONLY,
    ),
    VolatileRule(
        "system_fingerprint",
        _typed("system_fingerprint"),
        "",
        "identifies the serving backend build; no request can carry it",
        _DIFF_ONLY,
    ),
    VolatileRule(
        "response_id",
        ("response.body.response_id", "response.body[*].response_id"),
        "",
        "Google GenAI response id; no later request refers to it",
        _DIFF_ONLY,
    ),
    VolatileRule(
        "create_time",
        ("response.body.create_time", "response.body[*].create_time"),
        "",
        "Google GenAI timestamp of the recording run",
        _DIFF_ONLY,
    ),
    VolatileRule(
        "http_date",
        (
            "response.body.sdk_http_response.headers.Date",
            "response.body[*].sdk_http_response.headers.Date",
            "response.body.sdk_http_response.headers.date",
            "response.body[*].sdk_http_response.headers.date",
        ),
        "",
        "the HTTP Date header of the recording run",
        _DIFF_ONLY,
    ),
    VolatileRule(
        "tool_call_id",
        ("response.body**.tool_calls[*].id",),
        "",
        "tool call ids are random per run (diff only: the next request echoes them, "
        "so normalize must not rewrite them)",
        _DIFF_ONLY,
    ),
)


def rules_for(profile: str) -> list[VolatileRule]:
    """The rules ``normalize --profile PROFILE`` applies."""
    return [rule for rule in RULES if rule.in_profile(profile)]


def ignore_patterns() -> list[str]:
    """Every path glob ``diff`` ignores by default."""
    return [pattern for rule in RULES for pattern in rule.patterns]
