"""How llama-stack replay names a recording: the request key, its hash, the file name.

Replay computes a key from the live request, hashes it, and opens the file of that
name; a file under any other name is never read. Computing the same key from the
request stored in a recording tells which name replay looks for. The rules are
described in ``docs/format.md#how-replay-finds-a-recording``.

Everything here is pure: no file is read, nothing is printed. A request this module
cannot key (a file-processor call, an unknown shape, a value of the wrong type)
raises :class:`Unkeyable`, which says why.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import urlparse

import orjson

from recstack.jsonnumbers import dumps_text, exact_float
from recstack.textenum import TextEnum

# Model-list requests: their key leaves the test id out when the url path is one of
# these, and their file is named ``models-<hash>-<digest>.json`` when the stored
# ``request.endpoint`` is one of these.
MODEL_LIST_PATHS = ("/api/tags", "/v1/models", "/v1/openai/v1/models")


class KeyKind(TextEnum):
    """Which rule keys the request."""

    INFERENCE = "inference"
    PASSTHROUGH = "passthrough"
    TOOL = "tool"
    MODELS = "models"


class Rules(TextEnum):
    """Which normalization of the request body goes into the key."""

    CURRENT = "current"  # every rule replay applies today
    BEFORE_FILE_SEARCH = "before-file-search"  # without the four file_search string rules
    RAW = "raw"  # the body exactly as stored: no rule at all


class UnkeyableCause(TextEnum):
    NOT_REPLAYED = "not-replayed"  # file-processor calls are not replayed any more
    UNKNOWN_SHAPE = "unknown-shape"
    BAD_VALUE = "bad-value"


class Unkeyable(Exception):
    """No key can be computed for this recording (``cause`` and a short ``reason``)."""

    def __init__(self, cause: UnkeyableCause, reason: str) -> None:
        super().__init__(reason)
        self.cause = cause
        self.reason = reason


@dataclass(frozen=True)
class ReplayKey:
    """The key replay computes for a request, its sha256 and the file name it opens."""

    kind: KeyKind
    key: dict[str, Any]
    hash: str  # sha256 hex of json.dumps(key, sort_keys=True)
    name: str  # <hash>.json, or models-<hash>-<digest>.json for model lists
    digest: str | None = None  # model lists: 8 hex of the model ids


# --- the string rules ------------------------------------------------------------

_UUID = "[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}"

# (literal every match contains, pattern, replacement), applied in this order. The
# literal is a cheap guard, checked on the string as the previous rules left it.
_FILE_SEARCH_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("score:", re.compile(r"score:\s*[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?"), "score: __NORMALIZED__"),
    ("attributes:", re.compile(r",?\s*attributes:\s*\{[^}]*\}"), ""),
    ("document_id:", re.compile(rf"document_id:\s*{_UUID}"), "document_id: __NORMALIZED__"),
    ("<|", re.compile(rf"<\|{_UUID}\|>"), "<|__NORMALIZED__|>"),
)
_LONG_DECIMAL = re.compile(r"-?\d+\.\d{4,}")
# What every match of _LONG_DECIMAL contains: it starts with a literal, so re finds it
# at C speed, where _LONG_DECIMAL tries every position of a long text.
_LONG_DECIMAL_PART = re.compile(r"\.\d{4}")


def _five_places(match: re.Match[str]) -> str:
    return f"{float(match.group(0)):.5f}"


def _current_strings(value: str) -> str:
    return _older_strings(_file_search_strings(value))


def _file_search_strings(value: str) -> str:
    # Every literal holds ":" or "|", which no rule adds: one fast search for each
    # char (memchr) skips most texts, where four searches for the literals cost more.
    if ":" in value or "|" in value:
        for literal, pattern, replacement in _FILE_SEARCH_RULES:
            if literal in value:
                value = pattern.sub(replacement, value)
    return value


def _older_strings(value: str) -> str:
    if "." in value and _LONG_DECIMAL_PART.search(value):
        return _LONG_DECIMAL.sub(_five_places, value)
    return value


_STRING_RULES: dict[Rules, Callable[[str], str]] = {
    Rules.CURRENT: _current_strings,
    Rules.BEFORE_FILE_SEARCH: _older_strings,
}

_EXTRAS = ("extra_body", "extra_query")


@dataclass
class _Normalized:
    """A body as it goes into the key, and what the rules changed in it."""

    value: Any
    changed: bool  # it differs from the body as stored (Rules.RAW gives the same value)
    file_search: bool  # the file_search string rules changed a string (else
    # Rules.BEFORE_FILE_SEARCH gives the same value as Rules.CURRENT)
    plain: bool = False  # only JSON's own types, and floats orjson writes as json does
    # (see _plain_float), in the body as stored and as normalized: _serialized may
    # use orjson


def _normalize(body: Any, rules: Rules, drop_stream_options: bool) -> _Normalized:
    """:func:`normalize_body`, saying what changed. Values the rules leave alone are
    not copied: the result shares them with ``body`` (which is never changed)."""
    if rules is Rules.RAW:
        return _Normalized(body, False, False)
    current = rules is Rules.CURRENT
    changed = file_search = False
    plain = True

    def text(value: str) -> str:
        nonlocal changed, file_search
        out = value
        if current:
            out = _file_search_strings(value)
            if out != value:
                file_search = True
        out = _older_strings(out)
        if out != value:
            changed = True
        return out

    def walk(value: Any, root: bool) -> Any:
        nonlocal changed, file_search, plain
        kind = type(value)
        if kind is str:
            return text(value)
        if kind is dict:
            out: dict[str, Any] | None = None
            for key, item in value.items():
                new = walk(item, False)
                if new is not item:
                    if out is None:
                        out = dict(value)
                    out[key] = new
            if root:
                for extra in _EXTRAS:
                    found = (value if out is None else out).get(extra)
                    if isinstance(found, dict) and "project_id" in found:
                        if out is None:
                            out = dict(value)
                        if found is value.get(extra):  # the stored one: copied first
                            found = out[extra] = dict(found)
                        del found["project_id"]
                        changed = True
            return value if out is None else out
        if kind is list:
            items: list[Any] | None = None
            for index, item in enumerate(value):
                new = walk(item, True)
                if new is not item:
                    if items is None:
                        items = list(value)
                    items[index] = new
            return value if items is None else items
        if kind is float:
            rounded = round(value, 5)
            if rounded == value:  # the same float (round keeps the sign of a zero)
                plain = plain and _plain_float(value)
                return value
            changed = True
            plain = plain and _plain_float(value) and _plain_float(rounded)
            return rounded
        if kind is int or kind is bool or value is None:
            return value
        # Another type (a subclass, from a caller's data): normalized as upstream does,
        # and counted as changed, so that no other rule set reuses this result.
        changed = file_search = True
        plain = False
        return _walk_any(value, root, text)

    normalized = walk(body, True)
    if drop_stream_options and isinstance(normalized, dict) and "stream_options" in normalized:
        if normalized is body:
            normalized = dict(body)
        del normalized["stream_options"]
        changed = True
    return _Normalized(normalized, changed, file_search, plain)


def _plain_float(value: float) -> bool:
    """Whether orjson writes ``value`` as ``json.dumps`` does (``repr``): zero, and every
    finite float from 1e-4 up (below, repr uses an exponent: ``1e-05``, orjson
    ``0.00001``; NaN and infinities are ``NaN`` and ``Infinity``, orjson's ``null``)."""
    return value == 0 or 1e-4 <= abs(value) < math.inf


def _walk_any(value: Any, root: bool, text: Callable[[str], str]) -> Any:
    """Upstream's normalization of any value, by ``isinstance`` (a new value)."""
    if isinstance(value, dict):
        out = {key: _walk_any(item, False, text) for key, item in value.items()}
        if root:
            for extra in _EXTRAS:
                found = out.get(extra)
                if isinstance(found, dict):
                    found.pop("project_id", None)
        return out
    if isinstance(value, list):
        return [_walk_any(item, True, text) for item in value]
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, str):
        return text(value)
    return value


def normalize_body(
    body: Any, *, rules: Rules = Rules.CURRENT, drop_stream_options: bool = False
) -> Any:
    """The body as it goes into the key (``body`` is left alone; what the rules do not
    change is shared with it, not copied: do not change the result).

    Floats are rounded to 5 places (ints and bools are not), strings go through
    the string rules. ``project_id`` is dropped from ``extra_body`` / ``extra_query``
    of the top-level object, and (as upstream's normalizer does) of every object
    that is an item of a list; ``stream_options`` is dropped from the top level
    when ``drop_stream_options`` (a Bedrock host).
    """
    return _normalize(body, rules, drop_stream_options).value


def sha256_of(key: dict[str, Any]) -> str:
    """sha256 hex of ``json.dumps(key, sort_keys=True)`` (default separators, ASCII)."""
    return hashlib.sha256(_dumps(key).encode()).hexdigest()


# --- the stored request ----------------------------------------------------------


@dataclass(frozen=True)
class StoredRequest:
    """The parts of a recording that its key is made of, checked for type."""

    kind: KeyKind
    request: dict[str, Any]
    test_id: str | None  # the top-level test id (null or missing: None)
    test_id_recorded: bool  # the file has a ``test_id`` entry at all
    path: str = ""  # inference: the url path (the key's endpoint)
    bedrock: bool = False  # inference: the url's host part names Bedrock
    digest: str | None = None  # model lists
    # Each rule set's body, serialized and hashed once for all the keys made of it.
    _bodies: dict[Rules, _Body] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def key_has_test_id(self) -> bool:
        """Whether the key carries a ``test_id`` entry."""
        if self.kind is KeyKind.TOOL:
            return False
        return self.kind is KeyKind.PASSTHROUGH or self.path not in MODEL_LIST_PATHS

    @property
    def endpoint(self) -> str:
        """What the request called, for messages: url path, url or tool name."""
        if self.kind is KeyKind.TOOL:
            return f"tool {self.request['tool_name']}"
        if self.kind is KeyKind.PASSTHROUGH:
            return str(self.request["url"])
        return self.path


def _bad(reason: str) -> Unkeyable:
    return Unkeyable(UnkeyableCause.BAD_VALUE, reason)


def _mapped(data: dict[str, Any]) -> dict[str, Any]:
    """The recording as replay reads it: each original id replaced by its normalized one."""
    mapping = data.get("id_normalization_mapping")
    if not mapping:
        return data
    if not isinstance(mapping, dict):
        raise _bad("id_normalization_mapping is not an object")
    serialized = dumps_text(data)  # numbers at their exact value, as they were read
    for normalized, original in mapping.items():
        if not isinstance(original, str):
            raise _bad(f"id_normalization_mapping[{normalized!r}] is not a string")
        serialized = serialized.replace(original, normalized)
    try:
        mapped = json.loads(serialized, parse_float=exact_float)
    except ValueError:
        raise _bad("id_normalization_mapping breaks the JSON when applied") from None
    return mapped if isinstance(mapped, dict) else data


def _string(request: dict[str, Any], name: str) -> str:
    value = request.get(name)
    if not isinstance(value, str):
        raise _bad(f"request.{name} is {'missing' if value is None else 'not a string'}")
    return value


def _object(request: dict[str, Any], name: str) -> dict[str, Any]:
    value = request.get(name)
    if not isinstance(value, dict):
        raise _bad(f"request.{name} is {'missing' if value is None else 'not an object'}")
    return value


def _url_parts(url: str) -> tuple[str, str]:
    """(netloc, path) of a url, as ``urllib.parse.urlparse`` splits it."""
    try:
        parsed = urlparse(url)
    except ValueError as exc:
        raise _bad(f"request.url is not a valid url ({exc})") from None
    return parsed.netloc, parsed.path


def model_ids_digest(endpoint: str, body: Any) -> str:
    """First 8 hex of sha256 of the sorted, distinct model ids joined with ``|``.

    ``/api/tags`` lists Ollama models under the body's ``models`` and names them by
    ``model``; the other model-list endpoints list typed models named by ``id``.
    Entries may be typed (``{"__type__", "__data__"}``) or plain objects.
    """
    field = "model" if endpoint == "/api/tags" else "id"
    entries = body
    if isinstance(body, dict):
        holder = body.get("__data__") if "__type__" in body else body
        entries = holder.get("models") if isinstance(holder, dict) else None
    if not isinstance(entries, list):
        raise _bad("the model-list response has no list of models")
    ids: set[str] = set()
    for entry in entries:
        item = entry.get("__data__", entry) if isinstance(entry, dict) else None
        value = item.get(field) if isinstance(item, dict) else None
        if not isinstance(value, str):
            raise _bad(f"a model-list entry has no string {field!r}")
        ids.add(value)
    return hashlib.sha256("|".join(sorted(ids)).encode("utf-8")).hexdigest()[:8]


def stored_request(data: dict[str, Any]) -> StoredRequest:
    """The keyable parts of a parsed recording, or :class:`Unkeyable` saying why not."""
    data = _mapped(data)
    request = data.get("request")
    if not isinstance(request, dict):
        raise Unkeyable(UnkeyableCause.UNKNOWN_SHAPE, "request is not an object")
    test_id = data.get("test_id")
    if test_id is not None and not isinstance(test_id, str):
        raise _bad("test_id is not a string")
    recorded = "test_id" in data
    if "tool_name" in request and "kwargs" in request:
        _string(request, "provider")
        _string(request, "tool_name")
        _object(request, "kwargs")
        return StoredRequest(KeyKind.TOOL, request, test_id, recorded)
    if "file_id" in request and "api" in request:
        raise Unkeyable(
            UnkeyableCause.NOT_REPLAYED, "file-processor calls are not replayed (no lookup)"
        )
    if "url" in request and "payload" in request:
        _url_parts(_string(request, "url"))
        _string(request, "method")
        _object(request, "payload")
        return StoredRequest(KeyKind.PASSTHROUGH, request, test_id, recorded)
    if "url" in request and "body" in request:
        netloc, path = _url_parts(_string(request, "url"))
        _string(request, "method")
        _object(request, "body")
        kind, digest = KeyKind.INFERENCE, None
        endpoint = request.get("endpoint")
        if isinstance(endpoint, str) and endpoint in MODEL_LIST_PATHS:
            response = data.get("response")
            body = response.get("body") if isinstance(response, dict) else None
            kind, digest = KeyKind.MODELS, model_ids_digest(endpoint, body)
        bedrock = "bedrock" in netloc
        return StoredRequest(kind, request, test_id, recorded, path, bedrock, digest)
    raise Unkeyable(UnkeyableCause.UNKNOWN_SHAPE, "no replay rule for this request shape")


# --- keys and names --------------------------------------------------------------


class _Unset(Enum):
    UNSET = "unset"


_UNSET = _Unset.UNSET


def build_key(
    stored: StoredRequest,
    *,
    rules: Rules = Rules.CURRENT,
    test_id: str | _Unset | None = _UNSET,
    with_test_id: bool | None = None,
    short: bool = False,
) -> ReplayKey:
    """The key of ``stored`` under ``rules``; the name uses 12 hex when ``short``.

    ``test_id`` overrides the recording's test id; ``with_test_id`` overrides whether
    the key has a ``test_id`` entry (earlier layouts had none). The body of the key is
    normalized, serialized and hashed once per rule set (and not again when the rule
    set gives the very body another did): the other keys of one request only hash
    what follows it.
    """
    request = stored.request
    tid = stored.test_id if isinstance(test_id, _Unset) else test_id
    include = stored.key_has_test_id if with_test_id is None else with_test_id
    key: dict[str, Any]
    if stored.kind is KeyKind.TOOL:
        key = {
            "provider": request["provider"],
            "tool_name": request["tool_name"],
            "kwargs": request["kwargs"],
        }
        digest = sha256_of(key)
    else:
        body = _body(stored, rules)
        if stored.kind is KeyKind.PASSTHROUGH:
            key = {"url": request["url"], "method": request["method"].upper()}
            key["payload"] = body.value
            big = "payload"
        else:
            key = {"method": request["method"].upper(), "endpoint": stored.path}
            key["body"] = body.value
            big = "body"
        if include:
            key["test_id"] = tid
        digest = body.sha256_of(key, big)
    shown = digest[:12] if short else digest
    if stored.kind is KeyKind.MODELS:
        name = f"models-{shown}-{stored.digest}.json"
    else:
        name = f"{shown}.json"
    return ReplayKey(stored.kind, key, digest, name, stored.digest)


def _body(stored: StoredRequest, rules: Rules) -> _Body:
    """The body of ``stored``'s keys under ``rules``, made once."""
    bodies = stored._bodies
    found = bodies.get(rules)
    if found is not None:
        return found
    current = bodies.get(Rules.CURRENT)
    if current is not None and (
        (rules is Rules.RAW and not current.normalized.changed)
        or (rules is Rules.BEFORE_FILE_SEARCH and not current.normalized.file_search)
    ):
        found = current  # the rules changed nothing these would have
    else:
        normalized = _normalize(request_body(stored), rules, stored.bedrock)
        if rules is Rules.RAW and current is not None:  # the same values, walked
            normalized.plain = current.normalized.plain
        found = _Body(normalized)
    bodies[rules] = found
    return found


def request_body(stored: StoredRequest) -> Any:
    """The part of the request that is normalized into the key: the body (the payload
    of a passthrough); None for a tool call."""
    if stored.kind is KeyKind.TOOL:
        return None
    return stored.request["payload" if stored.kind is KeyKind.PASSTHROUGH else "body"]


class _Body:
    """A normalized body and the sha256 states of the keys' text up to its end."""

    def __init__(self, normalized: _Normalized) -> None:
        self.normalized = normalized
        self.states: dict[str, Any] = {}  # the key's text before the body -> sha256 state

    @property
    def value(self) -> Any:
        return self.normalized.value

    def sha256_of(self, key: dict[str, Any], big: str) -> str:
        """:func:`sha256_of` ``key``, whose entry ``big`` is this body.

        ``json.dumps(key, sort_keys=True)`` writes ``{``, then each entry in key order
        as ``"name": value`` joined by ``, ``, then ``}``: the text before the body and
        the text after it are written here, the body's own text once per text before it.
        """
        names = sorted(key)
        at = names.index(big)
        before = "{" + "".join(f"{_dumps(name)}: {_dumps(key[name])}, " for name in names[:at])
        before += f"{_dumps(big)}: "
        after = "".join(f", {_dumps(name)}: {_dumps(key[name])}" for name in names[at + 1 :])
        state = self.states.get(before)
        if state is None:
            state = hashlib.sha256(before.encode())
            _serialize_into(state, self.normalized)
            self.states[before] = state
        final = state.copy()
        final.update(f"{after}}}".encode())
        return final.hexdigest()


# json.dumps(value, sort_keys=True) is this encoder's encode(value): one encoder made
# once, where json.dumps makes one per call.
_dumps = json.JSONEncoder(sort_keys=True).encode

_INDENTED = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2


def _serialize_into(state: Any, body: _Normalized) -> None:
    """``state.update(json.dumps(body.value, sort_keys=True).encode())``, by orjson
    (several times faster) when that gives the same text.

    Indented, orjson writes each entry and item on a line of its own: a newline is never
    inside a string (JSON escapes it), a line never starts with a space (a token does)
    and ends with ``,`` only after an entry or item. So the lines without their
    indentation, joined with ``" "`` after a ``,``, are ``json.dumps``'s separators
    (``", "``, and ``": "`` as orjson writes). orjson sorts keys by code point, as json
    does, and writes ASCII text as ``json.dumps``'s ``ensure_ascii`` does, but for DEL
    (0x7f, which json escapes); other text (non-ASCII, DEL), values orjson refuses (an
    integer beyond 64 bits, a lone surrogate) and bodies that are not :attr:`plain
    <_Normalized.plain>` are written by json.
    """
    if body.plain:
        try:
            text = orjson.dumps(body.value, option=_INDENTED)
        except orjson.JSONEncodeError:
            pass
        else:
            if text.isascii() and b"\x7f" not in text:
                update = state.update
                for line in text.split(b"\n"):
                    line = line.lstrip(b" ")
                    update(line)
                    if line[-1:] == b",":
                        update(b" ")
                return
    state.update(_dumps(body.value).encode())


# --- names ------------------------------------------------------------------------

_NAME = re.compile(
    r"(?:(?P<plain>[0-9a-f]{64}|[0-9a-f]{12})"
    r"|models-(?P<models>[0-9a-f]{64}|[0-9a-f]{12})-(?P<digest>[0-9a-f]{8}))\.json"
)


@dataclass(frozen=True)
class RecordingName:
    """A file name in one of upstream's layouts."""

    hash: str  # 64 hex, or 12 in the oldest layout
    digest: str | None  # model lists: 8 hex of the model ids

    @property
    def short(self) -> bool:
        return len(self.hash) == 12

    @property
    def is_model_list(self) -> bool:
        return self.digest is not None


def parse_name(name: str) -> RecordingName | None:
    """``<64hex>.json``, ``models-<64hex>-<8hex>.json`` or their 12-hex forms; else None."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    if match.group("plain"):
        return RecordingName(match.group("plain"), None)
    return RecordingName(match.group("models"), match.group("digest"))


def looks_like_recording_name(name: str) -> bool:
    """Whether a file name has the shape upstream gives recordings (a request hash)."""
    return parse_name(name) is not None
