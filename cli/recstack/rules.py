"""Consistency rules: what JSON Schema cannot say about a recording.

Each rule is a small function over a :class:`~recstack.recording.Recording` that yields
findings (pointer + message); the table :data:`RULES` maps rule id -> description and
is what ``recstack validate --list-rules`` prints. Only things that are certainly
wrong belong here. Rules are tolerant: a value of the wrong type is the schema's
business, so a rule simply says nothing about it.

A rule about the file rather than its content (its name, its place) also takes a
:class:`Context`: where the file is and the settings that judge it. Without a context
(data held in memory) such a rule says nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from recstack.loading import MAX_DEPTH
from recstack.recording import Recording, is_typed
from recstack.replay import (
    DEFAULT_FALLBACK_DIR,
    ReplayCause,
    ReplayStatus,
    looks_like_recording_name,
)
from recstack.suite_layout import verdict

# Finding ids that do not come from this module, for --list-rules.
BUILTIN: dict[str, str] = {
    "json": "The file is one strict JSON document: UTF-8, no NaN/Infinity, no trailing data, "
    f"not empty, at most {MAX_DEPTH} levels of nested objects and arrays.",
    "schema": "The document matches schemas/recording.schema.json (or --schema FILE).",
    "duplicate-key": "An object repeats a key (a warning: the last value wins).",
    "number-range": "Every number fits: a float within a 64-bit double (1e400 would be read as "
    "infinity, 1e-400 as 0), an integer within Python's limit of 4,300 digits.",
    "io": "The file can be read.",
}


@dataclass(frozen=True)
class Finding:
    """One rule violation inside a recording."""

    pointer: str
    message: str
    rule: str = ""  # filled in by check() from the rule that yielded it


@dataclass(frozen=True)
class Context:
    """The file a recording was read from, for the rules about the file itself."""

    path: str
    fallback_dir: str = DEFAULT_FALLBACK_DIR  # [tool.recstack.replay] fallback-dir


Check = Callable[[Recording], Iterator[Finding]]
FileCheck = Callable[[Recording, Context], Iterator[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    check: Callable[..., Iterator[Finding]]  # a Check, or a FileCheck when ``of_file``
    of_file: bool = False


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str, description: str, *, of_file: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a rule function under ``rule_id`` (``of_file``: it takes a :class:`Context`)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        RULES[rule_id] = Rule(rule_id, description, fn, of_file)
        return fn

    return register


def check(
    recording: Recording, context: Context | None = None, *, skip: Collection[str] = ()
) -> list[Finding]:
    """Every rule's findings for one recording, in table order.

    The rules about the file run only with a ``context``; rules in ``skip`` do not run.
    """
    findings: list[Finding] = []
    for item in RULES.values():
        if item.id in skip:
            continue
        if not item.of_file:
            found = item.check(recording)
        elif context is not None:
            found = item.check(recording, context)
        else:
            continue
        findings.extend(Finding(f.pointer, f.message, item.id) for f in found)
    return findings


# --- helpers ------------------------------------------------------------------

# Types that only ever arrive as chunks of a stream.
STREAM_ONLY_TYPES = ("openai.types.chat.chat_completion_chunk.ChatCompletionChunk",)
STREAM_ONLY_PREFIX = "openai.types.responses."
STREAM_ONLY_SUFFIX = "Event"


def type_family(type_name: str) -> str:
    """The family of a ``__type__``: its class name (modules move between versions).

    A Responses API stream mixes event classes by design: they are one family.
    """
    if type_name.startswith(STREAM_ONLY_PREFIX) and type_name.endswith(STREAM_ONLY_SUFFIX):
        return "Responses API event"
    return type_name.rsplit(".", 1)[-1]


def _item_kind(item: Any) -> str | None:
    if isinstance(item, str):
        return "SSE line"
    if isinstance(item, dict):
        has_type = "__type__" in item or "__data__" in item
        return "typed object" if has_type else "plain object"
    return None  # the schema's business


def _typed_family(item: Any) -> str | None:
    if is_typed(item) and isinstance(item["__type__"], str):
        return type_family(item["__type__"])
    return None


def _odd_one_out(
    body: Any, key: Callable[[Any], str | None]
) -> tuple[tuple[int, str], tuple[int, str]] | None:
    """In a list body, the first item whose key differs from the first keyed item's.

    Returns ((index, key) of the first keyed item, (index, key) of the odd one), or
    None; items whose key is None are skipped.
    """
    if not isinstance(body, list):
        return None
    first: tuple[int, str] | None = None
    for index, item in enumerate(body):
        value = key(item)
        if value is None:
            continue
        if first is None:
            first = (index, value)
        elif value != first[1]:
            return first, (index, value)
    return None


def _all_typed_alike(body: Any, *, same_type: bool) -> bool:
    """Whether ``body`` is a list of objects that all have a ``__type__`` (the same
    string, with ``same_type``): then its items are of one kind (and of one family), and
    the rules that look for an odd one out have nothing to say."""
    if not isinstance(body, list) or not body:
        return False
    if not same_type:
        return all(type(item) is dict and "__type__" in item for item in body)
    first = body[0].get("__type__") if type(body[0]) is dict else None
    return isinstance(first, str) and all(
        type(item) is dict and item.get("__type__") == first for item in body
    )


def _is_stream_only(item: Any) -> bool:
    if isinstance(item, str):
        return True
    if not is_typed(item) or not isinstance(item["__type__"], str):
        return False
    name = item["__type__"]
    return name in STREAM_ONLY_TYPES or type_family(name) == "Responses API event"


# --- the rules ----------------------------------------------------------------


@rule(
    "streaming-needs-list",
    "`is_streaming: true` needs a list body (the chunks); null only for a recorded exception.",
)
def streaming_needs_list(recording: Recording) -> Iterator[Finding]:
    response = recording.response
    body = response.get("body")
    if response.get("is_streaming") is not True or isinstance(body, list):
        return
    if body is None and recording.is_exception:
        return
    kind = "null" if body is None else "an object" if isinstance(body, dict) else "not a list"
    yield Finding(
        "/response/body", f"is_streaming is true but the body is {kind}, not a list of chunks"
    )


@rule(
    "stream-needs-flag",
    "A body of stream chunks (ChatCompletionChunk, Responses API events, SSE lines) needs "
    "`is_streaming: true`.",
)
def stream_needs_flag(recording: Recording) -> Iterator[Finding]:
    response = recording.response
    body = response.get("body")
    if response.get("is_streaming") is not False or not isinstance(body, list) or not body:
        return
    if all(_is_stream_only(item) for item in body):
        yield Finding(
            "/response/is_streaming",
            "the body is a list of stream chunks but is_streaming is false",
        )


@rule(
    "exception-needs-data",
    "`is_exception: true` needs `exception_data` (an object) or `exception_message`.",
)
def exception_needs_data(recording: Recording) -> Iterator[Finding]:
    response = recording.response
    if response.get("is_exception") is not True:
        return
    data, message = response.get("exception_data"), response.get("exception_message")
    if isinstance(data, dict) or (isinstance(message, str) and message):
        return
    yield Finding(
        "/response/is_exception",
        "is_exception is true but there is neither exception_data nor exception_message",
    )


@rule(
    "exception-needs-flag",
    "`exception_data` or `exception_message` is set only when `is_exception` is true.",
)
def exception_needs_flag(recording: Recording) -> Iterator[Finding]:
    response = recording.response
    if response.get("is_exception") is True:
        return
    for key in ("exception_data", "exception_message"):
        if response.get(key) is not None:
            yield Finding(f"/response/{key}", f"{key} is set but is_exception is not true")
            return


@rule(
    "exception-body-null",
    "A recorded exception that was not streamed has a null body (nothing was received).",
)
def exception_body_null(recording: Recording) -> Iterator[Finding]:
    response = recording.response
    if response.get("is_exception") is not True or response.get("is_streaming") is not False:
        return
    if response.get("body") is not None:
        yield Finding(
            "/response/body",
            "is_exception is true and is_streaming false, but the body is not null",
        )


@rule(
    "list-one-kind",
    "A list body holds one kind of item: typed objects, plain objects or SSE lines (strings).",
)
def list_one_kind(recording: Recording) -> Iterator[Finding]:
    if _all_typed_alike(recording.body, same_type=False):  # the usual stream: one pass
        return
    odd = _odd_one_out(recording.body, _item_kind)
    if odd:
        (first_index, first), (index, kind) = odd
        yield Finding(
            f"/response/body/{index}",
            f"a {kind} in a body of {first}s (item {first_index} is a {first})",
        )


@rule(
    "chunk-family",
    "The typed items of a list body (stream chunks, a model list) share one `__type__` family.",
)
def chunk_family(recording: Recording) -> Iterator[Finding]:
    if _all_typed_alike(recording.body, same_type=True):  # one type: one family
        return
    odd = _odd_one_out(recording.body, _typed_family)
    if odd:
        (first_index, first), (index, family) = odd
        first_type = recording.body[first_index]["__type__"]
        yield Finding(
            f"/response/body/{index}/__type__",
            f"{family} in a list of {first} (item {first_index} is {first_type})",
        )


@rule(
    "test-id-match",
    "The top-level `test_id` equals `request.test_id` where both are set.",
)
def test_id_match(recording: Recording) -> Iterator[Finding]:
    top, inner = recording.data.get("test_id"), recording.request.get("test_id")
    if isinstance(top, str) and isinstance(inner, str) and top != inner:
        yield Finding(
            "/request/test_id", f"request.test_id differs from the top-level test_id {top!r}"
        )


# Causes that lie in the file's test id: the finding points at it.
_TEST_ID_CAUSES = (ReplayCause.TEST_ID_RENAMED, ReplayCause.MISSING_TEST_ID)


@rule(
    "replay-stale",
    "A file named like an upstream recording (a request hash: <64 hex>.json, "
    "models-<64 hex>-<8 hex>.json, or the oldest 12-hex form) that llama-stack replay "
    "would never open: the name replay looks up, and why. The directory is judged only "
    "in a tree laid out like the suite's (docs/format.md#how-replay-finds-a-recording).",
    of_file=True,
)
def replay_stale(recording: Recording, context: Context) -> Iterator[Finding]:
    if not looks_like_recording_name(os.path.basename(context.path)):
        return
    found = verdict(context.path, recording, fallback_dir=context.fallback_dir)
    if found.status is not ReplayStatus.STALE:
        return
    on_test_id = found.cause in _TEST_ID_CAUSES and "test_id" in recording.data
    yield Finding(
        "/test_id" if on_test_id else "",
        f"replay would not find this file ({found.cause}): {found.reason}",
    )


def descriptions() -> dict[str, str]:
    """Every finding id -> description: built-in ids first, then the rules."""
    return {**BUILTIN, **{item.id: item.description for item in RULES.values()}}
