"""The one table of volatile fields: values that change on every re-recording.

``normalize`` rewrites the fields of its profile; ``diff`` ignores every field in
the table (unless ``--strict``). Each rule says why it is safe for replay.

Each rule states its location once: a *scope* (where its paths start) and one or
more :mod:`recstack.paths` globs relative to it. Both commands read that location:
``normalize`` walks each scope object to the places the globs name, and ``diff``
ignores the whole-recording globs made from it (:attr:`VolatileRule.patterns`, e.g.
scope ``typed`` + ``id`` -> ``response.body[*].__data__.id``).

Scopes:

- ``typed``: the ``__data__`` of each typed object in ``response.body`` (the single
  body or each item of a list body);
- ``plain``: a plain-dict body, or each plain dict of a list body;
- ``sse``: the JSON of each ``data:`` line of a raw SSE body (``diff`` addresses it as
  ``.data`` under the line's index: ``response.body[*].data.message.id``);
- ``body``: anywhere in ``response.body`` (``diff`` only);
- ``request``: ``request.body`` (``diff`` only: the request is hashed into the file
  name, so ``normalize`` never touches it).

A rule may narrow where ``normalize`` rewrites: ``skip_models`` (a model object's
field is a fact about the model), ``skip_null``, and ``when`` (a test of the scope
object, e.g. "a Google GenAI body"). ``diff`` honours ``skip_models`` too (a model's
``id`` is its name, always compared) and ignores the location whatever the rest says,
which can only hide more noise, never less.

Profiles:

- ``llama-stack``: exactly upstream's normalizer (see ``docs/format.md``): only
  top-level keys of typed objects (``__data__``), nothing else.
- ``default``: the upstream rules, plus volatile values that no later request can
  send back (so rewriting them can never break the replay of another recording).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from recstack.paths import extend, parse

LLAMA_STACK = "llama-stack"
DEFAULT = "default"
PROFILES = (DEFAULT, LLAMA_STACK)

TYPED = "typed"
PLAIN = "plain"
SSE = "sse"
BODY = "body"
REQUEST = "request"

# Where each scope's objects sit in a recording, as path globs.
SCOPE_ROOTS: dict[str, tuple[str, ...]] = {
    TYPED: ("response.body.__data__", "response.body[*].__data__"),
    PLAIN: ("response.body", "response.body[*]"),
    SSE: ("response.body[*].data",),
    BODY: ("response.body",),
    REQUEST: ("request.body",),
}
SCOPE_TEXT = {
    TYPED: "typed objects in response.body (their __data__)",
    PLAIN: "plain-dict response bodies and stream chunks",
    SSE: "SSE data: lines",
    BODY: "anywhere in response.body",
    REQUEST: "request.body (never rewritten: it names the file)",
}
# The scopes normalize can rewrite: the response only.
REWRITABLE = frozenset({TYPED, PLAIN, SSE})

EPOCH_OLLAMA = "1970-01-01T00:00:00.000000Z"  # upstream's created_at (microseconds)
EPOCH_RFC3339 = "1970-01-01T00:00:00Z"  # interactions' own layout (seconds)
EPOCH_HTTP = "Thu, 01 Jan 1970 00:00:00 GMT"  # RFC 9110 IMF-fixdate

REC_ID_TEXT = '"rec-" + first 12 chars of the file-name hash'


@dataclass(frozen=True)
class Condition:
    """A test of the scope object (the body, chunk or SSE payload) and what it means."""

    text: str
    test: Callable[[dict[str, Any]], bool] = field(compare=False)


def _always(_: dict[str, Any]) -> bool:
    return True


ALWAYS = Condition("", _always)


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


GENAI = Condition("Google GenAI bodies and stream chunks", is_genai)
MESSAGE = Condition('Anthropic-style message bodies (type == "message")', is_message)
MESSAGE_ERROR = Condition('Anthropic-style error bodies (type == "error")', is_message_error)
MESSAGE_START = Condition("SSE data: lines of type message_start", is_message_start)
INTERACTION = Condition('Gemini interaction bodies (object == "interaction")', is_interaction)


@dataclass(frozen=True)
class VolatileRule:
    """A field that re-recording changes without changing what the recording means."""

    id: str
    scope: str  # where the paths start (see the module docstring)
    paths: tuple[str, ...]  # globs relative to each scope object
    reason: str  # why rewriting/ignoring it is safe for replay
    profiles: frozenset[str]  # normalize profiles that rewrite it (empty: diff only)
    value: Any = None  # the replacement value (ignored when ``from_name``)
    from_name: bool = False  # the value is "rec-" + the file name's hash[:12]
    skip_models: bool = False  # leave objects with object == "model" alone
    skip_null: bool = False  # leave null values alone
    when: Condition = ALWAYS  # which scope objects normalize rewrites

    def __post_init__(self) -> None:
        if self.scope not in SCOPE_ROOTS or not self.paths:
            raise ValueError(f"rule {self.id}: a scope and at least one path are needed")
        steps = [parse(path) for path in self.paths]  # raises for a path normalize cannot walk
        if self.profiles and self.scope not in REWRITABLE:
            raise ValueError(f"rule {self.id}: normalize rewrites the response only")
        if self.skip_models and (self.scope != TYPED or any(len(s) != 1 for s in steps)):
            # The model test is of the object holding the key: the scope object itself.
            raise ValueError(f"rule {self.id}: skip_models needs top-level typed keys")

    def in_profile(self, profile: str) -> bool:
        return profile in self.profiles

    @property
    def patterns(self) -> tuple[str, ...]:
        """The whole-recording globs of this rule's location (what ``diff`` ignores)."""
        return tuple(extend(root, path) for path in self.paths for root in SCOPE_ROOTS[self.scope])

    @property
    def label(self) -> str:
        """The paths as stated, for ``--list-rules`` (``normalize --diff`` names the one hit)."""
        return ", ".join(self.paths)

    @property
    def where(self) -> str:
        """The location in words, for ``--list-rules``."""
        return self.when.text or SCOPE_TEXT[self.scope]

    @property
    def replacement(self) -> str:
        """What normalize writes, in words ("" for a diff-only rule)."""
        if not self.profiles:
            return ""
        text = REC_ID_TEXT if self.from_name else json.dumps(self.value)
        if self.skip_models:
            text += ' (not for object == "model")'
        if self.skip_null:
            text += " (when not null)"
        return text

    def replacement_for(self, rec_id: str) -> Any:
        """The value written for a file whose deterministic id is ``rec_id``."""
        return rec_id if self.from_name else self.value


def field_label(path: str) -> str:
    """A rule path as a field name: ``**.obfuscation`` (any depth) reads ``obfuscation``."""
    return path.removeprefix("**.")


_BOTH = frozenset({DEFAULT, LLAMA_STACK})
_DEFAULT_ONLY = frozenset({DEFAULT})
_DIFF_ONLY: frozenset[str] = frozenset()

_INTERACTION_TIME = (
    "Gemini interactions timestamp of the recording run; requests refer to an "
    "interaction by id{}, never by time"
)

RULES: tuple[VolatileRule, ...] = (
    # --- upstream (llama-stack) rules: see docs/format.md ------------------------------
    VolatileRule(
        "id",
        TYPED,
        ("id",),
        "a response id is never sent back in a later request; model ids are names and stay",
        _BOTH,
        from_name=True,
        skip_models=True,
    ),
    VolatileRule(
        "created",
        TYPED,
        ("created",),
        "a timestamp of the recording run, never read on replay",
        _BOTH,
        value=0,
        skip_models=True,
    ),
    VolatileRule(
        "created_at",
        TYPED,
        ("created_at",),
        "Ollama's timestamp of the recording run, never read on replay",
        _BOTH,
        value=EPOCH_OLLAMA,
    ),
    *(
        VolatileRule(
            name,
            TYPED,
            (name,),
            "Ollama timing of the recording machine, never read on replay",
            _BOTH,
            value=0,
            skip_null=True,
        )
        for name in ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")
    ),
    # --- default profile: volatile values no request can echo back -------------------
    VolatileRule(
        "obfuscation",
        TYPED,
        ("**.obfuscation",),
        "OpenAI's random padding against length side channels, at any depth of a chunk "
        "(choices[].obfuscation too); clients drop it and no request parameter accepts it",
        _DEFAULT_ONLY,
        value="",
    ),
    VolatileRule(
        "ollama_expires_at",
        TYPED,
        ("models[*].expires_at",),
        "Ollama /api/ps: when a loaded model will be unloaded (load time + keep_alive); "
        "no request carries it",
        _DEFAULT_ONLY,
        value=EPOCH_OLLAMA,
    ),
    VolatileRule(
        "genai_response_id",
        PLAIN,
        ("response_id",),
        "GenAI generate_content is stateless: the next request resends the contents, "
        "never a response id",
        _DEFAULT_ONLY,
        from_name=True,
        when=GENAI,
    ),
    VolatileRule(
        "genai_create_time",
        PLAIN,
        ("create_time",),
        "GenAI server timestamp of the recording run; no request field carries it",
        _DEFAULT_ONLY,
        value=EPOCH_OLLAMA,
        when=GENAI,
    ),
    VolatileRule(
        "http_date",
        PLAIN,
        ("sdk_http_response.headers.Date", "sdk_http_response.headers.date"),
        "the HTTP Date header of the recording run (either spelling); response headers "
        "are never sent back",
        _DEFAULT_ONLY,
        value=EPOCH_HTTP,
        when=GENAI,
    ),
    VolatileRule(
        "message_id",
        PLAIN,
        ("id",),
        "Messages API requests resend role and content only, never the message id "
        "(tool_use ids are echoed and stay)",
        _DEFAULT_ONLY,
        from_name=True,
        when=MESSAGE,
    ),
    VolatileRule(
        "message_stream_id",
        SSE,
        ("message.id",),
        "the streamed message's id; Messages API requests never carry a message id",
        _DEFAULT_ONLY,
        from_name=True,
        when=MESSAGE_START,
    ),
    VolatileRule(
        "message_request_id",
        PLAIN,
        ("request_id",),
        "a per-call request id in Messages API errors, for support tickets only; never sent back",
        _DEFAULT_ONLY,
        from_name=True,
        when=MESSAGE_ERROR,
    ),
    *(
        VolatileRule(
            f"interaction_{name}",
            SSE,
            (f"interaction.{name}",),
            _INTERACTION_TIME.format(" (previous_interaction_id)"),
            _DEFAULT_ONLY,
            value=EPOCH_RFC3339,
        )
        for name in ("created", "updated")
    ),
    *(
        VolatileRule(
            f"interaction_body_{name}",
            PLAIN,
            (name,),
            _INTERACTION_TIME.format(""),
            _DEFAULT_ONLY,
            value=EPOCH_RFC3339,
            when=INTERACTION,
        )
        for name in ("created", "updated")
    ),
    # --- diff only: volatile, but normalize must leave them alone -------------------
    VolatileRule(
        "system_fingerprint",
        TYPED,
        ("system_fingerprint",),
        "never sent back, but it names the backend build that answered (it changes on "
        "deploys, not per call): kept as evidence, ignored by diff",
        _DIFF_ONLY,
    ),
    VolatileRule(
        "model_created",
        TYPED,
        ("created",),
        "in model lists too: vLLM stamps each entry with the server's start time, Ollama "
        "with the model file's; normalize keeps it (upstream does), diff ignores it",
        _DIFF_ONLY,
    ),
    VolatileRule(
        "tool_call_id",
        BODY,
        ("**.tool_calls[*].id", "**.call_id"),
        "random per run, but the next request echoes it (tool_call_id, call_id) and is "
        "hashed into that recording's name: rewriting it breaks replay",
        _DIFF_ONLY,
    ),
    VolatileRule(
        "tool_use_id",
        BODY,
        ("**.content[*].id", "**.content_block.id"),
        "Anthropic tool_use ids are echoed by the next request's tool_result "
        "(tool_use_id): rewriting them breaks replay",
        _DIFF_ONLY,
    ),
    VolatileRule(
        "request_tool_ids",
        REQUEST,
        (
            "messages[*].tool_calls[*].id",
            "messages[*].tool_call_id",
            "messages[*].content[*].id",
            "messages[*].content[*].tool_use_id",
            "input[*].call_id",
        ),
        "the tool call ids a request echoes from the previous answer (OpenAI tool_calls "
        "and tool_call_id, Anthropic tool_use and tool_use_id, Responses call_id): random "
        "per run; the request names the file, so normalize never rewrites it",
        _DIFF_ONLY,
    ),
    VolatileRule(
        "interaction_id",
        SSE,
        ("interaction.id", "interaction_id"),
        "random per run, but a later request sends it back as previous_interaction_id: "
        "rewriting it breaks replay",
        _DIFF_ONLY,
    ),
    VolatileRule(
        "interaction_body_id",
        PLAIN,
        ("id",),
        "random per run, but a later request sends it back as previous_interaction_id: "
        "rewriting it breaks replay",
        _DIFF_ONLY,
        when=INTERACTION,
    ),
    VolatileRule(
        "sse_ids_and_times",
        SSE,
        tuple(
            f"**.{name}" for name in ("id", "interaction_id", "created", "created_at", "updated")
        ),
        "ids and timestamps of the events inside SSE data: lines change on every run; "
        "some (tool_use and interaction ids) are echoed back, so normalize leaves the "
        "ones it cannot prove safe alone",
        _DIFF_ONLY,
    ),
    VolatileRule(
        "model_permission",
        BODY,
        ("**.permission[*].id", "**.permission[*].created"),
        "vLLM makes a fresh permission entry per server start; no request refers to it "
        "(diff only: model lists are left as recorded)",
        _DIFF_ONLY,
    ),
)


def rules_for(profile: str) -> list[VolatileRule]:
    """The rules ``normalize --profile PROFILE`` applies."""
    return [rule for rule in RULES if rule.in_profile(profile)]


def ignore_patterns() -> list[str]:
    """Every path glob ``diff`` ignores by default, in table order."""
    seen: dict[str, None] = {}
    for rule in RULES:
        for pattern in rule.patterns:
            seen.setdefault(pattern, None)
    return list(seen)


def model_kept_patterns() -> list[str]:
    """The globs ``diff`` ignores everywhere except in model objects (``object == "model"``).

    Those of the ``skip_models`` rules (a model's ``id`` is its name), unless another
    rule states the same glob without that exception.
    """
    kept = {p for rule in RULES if rule.skip_models for p in rule.patterns}
    everywhere = {p for rule in RULES if not rule.skip_models for p in rule.patterns}
    return [p for p in ignore_patterns() if p in kept and p not in everywhere]
