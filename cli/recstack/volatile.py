"""The one table of volatile fields: values that change on every re-recording.

``normalize`` rewrites the fields of its profile; ``diff`` ignores every field in
the table (unless ``--strict``). Each rule says why it is safe for replay.

Paths use :mod:`recstack.paths` globs over the whole recording file, e.g.
``response.body[*].__data__.id`` (every chunk's id). Inside a raw SSE body (a list
of strings) the JSON of a ``data:`` line is addressed as ``.data`` under the line's
index: ``response.body[*].data.message.id``.

Profiles:

- ``llama-stack``: exactly upstream's normalizer (GUIDE section 3): only top-level
  keys of typed objects (``__data__``), nothing else.
- ``default``: the upstream rules, plus volatile values that no later request can
  send back (so rewriting them can never break the replay of another recording).

A rule is located by its ``scope`` and ``key``:

- ``typed``: a top-level key of the ``__data__`` of each typed object in
  ``response.body`` (the single body or each item of a list body);
- ``plain``: a key path in a plain-dict body, or in each plain dict of a list body,
  when ``when`` accepts the object;
- ``sse``: a key path in the JSON of each ``data:`` line of a raw SSE body, when
  ``when`` accepts that JSON;
- ``none``: not rewritten by any profile (``diff`` only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LLAMA_STACK = "llama-stack"
DEFAULT = "default"
PROFILES = (DEFAULT, LLAMA_STACK)

TYPED = "typed"
PLAIN = "plain"
SSE = "sse"
NONE = "none"

EPOCH_OLLAMA = "1970-01-01T00:00:00.000000Z"  # upstream's created_at (microseconds)
EPOCH_RFC3339 = "1970-01-01T00:00:00Z"  # interactions' own layout (seconds)
EPOCH_HTTP = "Thu, 01 Jan 1970 00:00:00 GMT"  # RFC 9110 IMF-fixdate

# Where typed objects sit in a response body: a single one or a list of them.
_TYPED = ("response.body.__data__", "response.body[*].__data__")
_PLAIN = ("response.body", "response.body[*]")
_SSE = ("response.body[*].data",)


def _typed(field_name: str) -> tuple[str, ...]:
    return tuple(f"{base}.{field_name}" for base in _TYPED)


def _plain(path: str) -> tuple[str, ...]:
    return tuple(f"{base}.{path}" for base in _PLAIN)


def _sse(path: str) -> tuple[str, ...]:
    return tuple(f"{base}.{path}" for base in _SSE)


def _always(_: dict[str, Any]) -> bool:
    return True


def is_genai(obj: dict[str, Any]) -> bool:
    """A Google GenAI ``generate_content`` response (or one stream chunk of it)."""
    return "sdk_http_response" in obj or "candidates" in obj


def is_message(obj: dict[str, Any]) -> bool:
    """An Anthropic-style ``/v1/messages`` message object."""
    return obj.get("type") == "message"


def is_message_error(obj: dict[str, Any]) -> bool:
    """An Anthropic-style error body (``{"type": "error", ..., "request_id"}``)."""
    return obj.get("type") == "error"


def is_message_start(obj: dict[str, Any]) -> bool:
    return obj.get("type") == "message_start"


def is_interaction(obj: dict[str, Any]) -> bool:
    return obj.get("object") == "interaction"


@dataclass(frozen=True)
class VolatileRule:
    """A field that re-recording changes without changing what the recording means."""

    id: str
    patterns: tuple[str, ...]
    replacement: str  # what normalize writes (human-readable), "" when diff-only
    reason: str  # why rewriting/ignoring it is safe for replay
    profiles: frozenset[str]  # normalize profiles that rewrite it (empty: diff-only)
    scope: str = NONE  # typed | plain | sse | none (see the module docstring)
    key: tuple[str, ...] = ()  # key path inside the scope's object
    value: Any = None  # the replacement value (ignored when ``from_name``)
    from_name: bool = False  # the value is "rec-" + the file name's hash[:12]
    skip_models: bool = False  # leave objects with object == "model" alone
    skip_null: bool = False  # leave null values alone
    when: Callable[[dict[str, Any]], bool] = field(default=_always, compare=False)
    where: str = ""  # human-readable location, for --list-rules

    def in_profile(self, profile: str) -> bool:
        return profile in self.profiles

    @property
    def label(self) -> str:
        """Short label of the field, as shown by ``normalize --diff``."""
        return ".".join(self.key) if self.key else self.id

    def replacement_for(self, rec_id: str) -> Any:
        """The value written for a file whose deterministic id is ``rec_id``."""
        return rec_id if self.from_name else self.value


_BOTH = frozenset({DEFAULT, LLAMA_STACK})
_DEFAULT_ONLY = frozenset({DEFAULT})
_DIFF_ONLY: frozenset[str] = frozenset()

_REC_ID = '"rec-" + first 12 chars of the file-name hash'
_TYPED_WHERE = "typed objects in response.body (top-level keys of __data__)"

RULES: tuple[VolatileRule, ...] = (
    # --- upstream (llama-stack) rules: GUIDE section 3 -------------------------------
    VolatileRule(
        "id",
        _typed("id"),
        _REC_ID + ' (not for object == "model")',
        "a response id is never sent back in a later request; model ids are names and stay",
        _BOTH,
        scope=TYPED,
        key=("id",),
        from_name=True,
        skip_models=True,
        where=_TYPED_WHERE,
    ),
    VolatileRule(
        "created",
        _typed("created"),
        '0 (not for object == "model")',
        "a timestamp of the recording run, never read on replay",
        _BOTH,
        scope=TYPED,
        key=("created",),
        value=0,
        skip_models=True,
        where=_TYPED_WHERE,
    ),
    VolatileRule(
        "created_at",
        _typed("created_at"),
        f'"{EPOCH_OLLAMA}"',
        "Ollama's timestamp of the recording run, never read on replay",
        _BOTH,
        scope=TYPED,
        key=("created_at",),
        value=EPOCH_OLLAMA,
        where=_TYPED_WHERE,
    ),
    *(
        VolatileRule(
            name,
            _typed(name),
            "0 (when not null)",
            "Ollama timing of the recording machine, never read on replay",
            _BOTH,
            scope=TYPED,
            key=(name,),
            value=0,
            skip_null=True,
            where=_TYPED_WHERE,
        )
        for name in ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")
    ),
    # --- default profile: volatile values no request can echo back -------------------
    VolatileRule(
        "obfuscation",
        _typed("obfuscation"),
        '""',
        "OpenAI's random per-chunk padding against length side channels; clients drop "
        "it and no request parameter accepts it",
        _DEFAULT_ONLY,
        scope=TYPED,
        key=("obfuscation",),
        value="",
        where=_TYPED_WHERE,
    ),
    VolatileRule(
        "genai_response_id",
        _plain("response_id"),
        _REC_ID,
        "GenAI generate_content is stateless: the next request resends the contents, "
        "never a response id",
        _DEFAULT_ONLY,
        scope=PLAIN,
        key=("response_id",),
        from_name=True,
        when=is_genai,
        where="Google GenAI bodies and stream chunks",
    ),
    VolatileRule(
        "genai_create_time",
        _plain("create_time"),
        f'"{EPOCH_OLLAMA}"',
        "GenAI server timestamp of the recording run; no request field carries it",
        _DEFAULT_ONLY,
        scope=PLAIN,
        key=("create_time",),
        value=EPOCH_OLLAMA,
        when=is_genai,
        where="Google GenAI bodies and stream chunks",
    ),
    VolatileRule(
        "http_date",
        (*_plain("sdk_http_response.headers.Date"), *_plain("sdk_http_response.headers.date")),
        f'"{EPOCH_HTTP}"',
        "the HTTP Date header of the recording run; response headers are never sent back",
        _DEFAULT_ONLY,
        scope=PLAIN,
        key=("sdk_http_response", "headers", "Date"),
        value=EPOCH_HTTP,
        when=is_genai,
        where="Google GenAI bodies and stream chunks",
    ),
    VolatileRule(
        "message_id",
        _plain("id"),
        _REC_ID,
        "Messages API requests resend role and content only, never the message id "
        "(tool_use ids are echoed and stay)",
        _DEFAULT_ONLY,
        scope=PLAIN,
        key=("id",),
        from_name=True,
        when=is_message,
        where='Anthropic-style message bodies (type == "message")',
    ),
    VolatileRule(
        "message_stream_id",
        _sse("message.id"),
        _REC_ID,
        "the streamed message's id; Messages API requests never carry a message id",
        _DEFAULT_ONLY,
        scope=SSE,
        key=("message", "id"),
        from_name=True,
        when=is_message_start,
        where="SSE data: lines of type message_start",
    ),
    VolatileRule(
        "message_request_id",
        _plain("request_id"),
        _REC_ID,
        "a per-call request id in Messages API errors, for support tickets only; never sent back",
        _DEFAULT_ONLY,
        scope=PLAIN,
        key=("request_id",),
        from_name=True,
        when=is_message_error,
        where='Anthropic-style error bodies (type == "error")',
    ),
    *(
        VolatileRule(
            f"interaction_{name}",
            _sse(f"interaction.{name}"),
            f'"{EPOCH_RFC3339}"',
            "Gemini interactions timestamp of the recording run; requests refer to an "
            "interaction by id (previous_interaction_id), never by time",
            _DEFAULT_ONLY,
            scope=SSE,
            key=("interaction", name),
            value=EPOCH_RFC3339,
            where="SSE data: lines carrying an interaction",
        )
        for name in ("created", "updated")
    ),
    *(
        VolatileRule(
            f"interaction_body_{name}",
            _plain(name),
            f'"{EPOCH_RFC3339}"',
            "Gemini interactions timestamp of the recording run; requests refer to an "
            "interaction by id, never by time",
            _DEFAULT_ONLY,
            scope=PLAIN,
            key=(name,),
            value=EPOCH_RFC3339,
            when=is_interaction,
            where='Gemini interaction bodies (object == "interaction")',
        )
        for name in ("created", "updated")
    ),
    # --- diff only: volatile, but normalize must leave them alone -------------------
    VolatileRule(
        "system_fingerprint",
        _typed("system_fingerprint"),
        "",
        "never sent back, but it names the backend build that answered (it changes on "
        "deploys, not per call): kept as evidence, ignored by diff",
        _DIFF_ONLY,
        where=_TYPED_WHERE,
    ),
    VolatileRule(
        "tool_call_id",
        ("response.body**.tool_calls[*].id",),
        "",
        "random per run, but the next request echoes it (tool_call_id) and is hashed "
        "into that recording's name: rewriting it breaks replay",
        _DIFF_ONLY,
        where="tool calls anywhere in response.body",
    ),
    VolatileRule(
        "tool_use_id",
        ("response.body**.content[*].id", "response.body[*].data.content_block.id"),
        "",
        "Anthropic tool_use ids are echoed by the next request's tool_result "
        "(tool_use_id): rewriting them breaks replay",
        _DIFF_ONLY,
        where="Anthropic-style content blocks",
    ),
    VolatileRule(
        "interaction_id",
        (*_sse("interaction.id"), *_sse("interaction_id"), *_plain("id")),
        "",
        "random per run, but a later request sends it back as previous_interaction_id: "
        "rewriting it breaks replay",
        _DIFF_ONLY,
        where="Gemini interactions bodies and SSE data: lines",
    ),
    VolatileRule(
        "sse_ids_and_times",
        tuple(
            f"response.body[*].data**.{name}"
            for name in ("id", "interaction_id", "created", "created_at", "updated")
        ),
        "",
        "ids and timestamps of the events inside SSE data: lines change on every run; "
        "some (tool_use and interaction ids) are echoed back, so normalize leaves the "
        "ones it cannot prove safe alone",
        _DIFF_ONLY,
        where="SSE data: lines",
    ),
    VolatileRule(
        "model_permission",
        ("response.body**.permission[*].id", "response.body**.permission[*].created"),
        "",
        "vLLM makes a fresh permission entry per server start; no request refers to it "
        "(diff only: model lists are left as recorded)",
        _DIFF_ONLY,
        where="model-list entries (vLLM)",
    ),
)


def rules_for(profile: str) -> list[VolatileRule]:
    """The rules ``normalize --profile PROFILE`` applies."""
    return [rule for rule in RULES if rule.in_profile(profile)]


def ignore_patterns() -> list[str]:
    """Every path glob ``diff`` ignores by default."""
    seen: dict[str, None] = {}
    for rule in RULES:
        for pattern in rule.patterns:
            seen.setdefault(pattern, None)
    return list(seen)
