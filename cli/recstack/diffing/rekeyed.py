"""Re-keyed recordings: pair each removed recording with the added one it became.

Replay names a recording after a hash of its request and test id
(``docs/format.md#how-replay-finds-a-recording``), so a renamed test or a changed
request moves the recording to a new file: a tree or a git range shows it removed
under the old name and added under the new one. :func:`pair_rekeyed` finds those
pairs among the recordings that pairing by path left one-sided.

How:

- **Buckets.** Only recordings of one bucket are ever compared: the same request
  shape and endpoint and model (inference, passthrough), tool name and provider
  (tool invocations), api and provider (file processors). Model lists bucket by
  endpoint alone (their host changes between runs; see the tie-break below).
- **Profile.** Each request is normalized as replay normalizes it for its key, minus
  the ids a request echoes from an earlier response (``tool_call_id``, the ids of
  ``tool_calls`` and ``tool_use`` blocks, ...: the request side of
  :mod:`recstack.volatile`), and cut into *parts*: each scalar at its path, each
  list item whole (a message by role and content). Parts under the keys that carry
  what is said (``messages``, ``prompt``, ``input``, ...) are *content*, the rest
  *parameters*. The test id is kept apart.
- **Score.** The similarity of two requests is the weighted Jaccard of their parts,
  content counting 3/4 and parameters 1/4 (so shared boilerplate, a system prompt
  and tool definitions, cannot make two different conversations look alike), a
  part weighing 1/k when k recordings of one side of the bucket have it.
- **Tiers.** An identical request is the best match (reason ``test-id`` when only
  the test id differs, ``same-request`` when the name changed for another reason:
  a model list's model ids, an echoed volatile id, a naming rule, a move). Then a
  changed request with the same (non-null) test id (``request``), at a similarity
  of at least :data:`MIN_SIMILARITY_SAME_TEST`; then anything else (``request`` or
  ``test-id+request``) at a similarity of at least :data:`MIN_SIMILARITY`.
  Within a tier, the higher score wins; equal scores are told apart by the
  likeness of the words said (the content's text: a reworded message is more like
  the message it was than another one, though each is a new part), then of the test
  ids, then of the hosts called, then of a model list's ids.
- **Assignment.** Greedy from the best match down, one partner each. Where two
  matches are exactly as good and share a recording, nobody can tell which one is
  right: all of their recordings stay unpaired (listed in ``ambiguous``). The
  result depends on the input's content only, never on its order.
- **Caps.** A bucket with at most :data:`PAIR_LIMIT` removed x added combinations is
  compared in full. In a bigger one, a removed recording is compared only with the
  added ones that have its exact request, share its test id (when that test has at
  most :data:`PAIR_LIMIT` combinations itself), or share the most of its rare parts
  (at most :data:`TOP_CANDIDATES`; a part held by more than :data:`RARE_LIMIT`
  recordings of a side is too common to look candidates up by). A recording whose
  partner shares only common parts with it then stays unpaired; identical requests
  more than :data:`PAIR_LIMIT` combinations deep stay unpaired (``ambiguous``).
  The work is near-linear in the number of recordings.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any
from urllib.parse import urlparse

import orjson

from recstack.paths import child
from recstack.recording import Recording, RequestShape, nonempty
from recstack.replay_rules import MODEL_LIST_PATHS, normalize_body

TEST_ID = "test-id"  # only the test id differs
REQUEST = "request"  # the request changed, the test id did not
TEST_ID_AND_REQUEST = "test-id+request"
SAME_REQUEST = "same-request"  # neither (a model list's ids, a volatile id, a naming rule)
REASONS = (TEST_ID, REQUEST, TEST_ID_AND_REQUEST, SAME_REQUEST)

MIN_SIMILARITY_SAME_TEST = 0.2  # a changed request of the same test
MIN_SIMILARITY = 0.65  # no shared test id to go by
CONTENT_SHARE = 0.75  # what the content parts count in the similarity (parameters: the rest)
PAIR_LIMIT = 1024  # removed x added combinations compared in full
RARE_LIMIT = 32  # a part held by more recordings of a side does not find candidates
TOP_CANDIDATES = 8  # candidates per removed recording found through rare parts
WORD_SKETCH = 128  # the words said kept per request (the smallest hashes): their likeness
WORD_TEXT = 2048  # characters read for those words at each end of a long request's text

# Top-level request keys that carry what is said, across the APIs recorded.
CONTENT_KEYS = frozenset(
    {
        "messages",
        "prompt",
        "suffix",
        "input",
        "inputs",
        "contents",
        "system",
        "instructions",
        "query",
        "documents",
        "items",
        "text",
        "texts",
        "file_id",
    }
)
# Ids a request echoes from an earlier response: random per run.
_ECHOED_IDS = frozenset({"tool_call_id", "tool_use_id", "call_id", "previous_interaction_id"})
_ITEMS_WITH_VOLATILE_ID = frozenset({"tool_use", "function_call", "function_call_output"})
_TEST_ID_TOKENS = re.compile(r"[/:\[\]\-=,.\s]+")
_WORDS = re.compile(r"\w+")

_EXACT, _SAME_TEST, _OTHER = 3, 2, 1


@dataclass(frozen=True)
class RekeyedPair:
    """A removed recording and the added one it became."""

    old_path: str
    new_path: str
    score: float  # request similarity, 1.0 for an identical request
    reason: str  # one of REASONS
    changes: tuple[str, ...] = ()  # what differs: request part paths, and test_id if keyed


@dataclass(frozen=True)
class Pairing:
    """The pairs (by old path) and what stays one-sided (sorted)."""

    pairs: tuple[RekeyedPair, ...]
    removed: tuple[str, ...]
    added: tuple[str, ...]
    ambiguous: tuple[str, ...] = ()  # unpaired because two matches were exactly as good
    limited: int = 0  # buckets too big to compare in full (see the module docstring)


@dataclass
class Profile:
    """What pairing needs to know of one recording (small, picklable: the parsed
    recording need not be kept once its profile is made)."""

    path: str
    bucket: tuple[str, str, str]
    test_id: str | None
    keyed_test: bool  # the test id is part of the replay key
    fingerprint: str
    content: dict[str, int]
    params: dict[str, int]
    test_tokens: frozenset[str]
    netloc: str
    port: str
    model_ids: frozenset[str]
    words: frozenset[int] = frozenset()  # a sketch of the words said (:func:`_word_sketch`)
    totals: tuple[float, float] = (0.0, 0.0)  # weighted sizes of content, params

    @property
    def parts(self) -> Iterable[str]:
        return (*self.content, *self.params)


# --- one request -------------------------------------------------------------------


def _dump(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer beyond 64 bits
        return json.dumps(value, sort_keys=True).encode()


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def _without_echoed_ids(value: Any, in_tool_calls: bool = False) -> Any:
    """A copy without the ids a request echoes from earlier responses."""
    if isinstance(value, dict):
        drop_id = in_tool_calls or value.get("type") in _ITEMS_WITH_VOLATILE_ID
        return {
            key: _without_echoed_ids(item, key == "tool_calls")
            for key, item in value.items()
            if key not in _ECHOED_IDS and not (drop_id and key == "id")
        }
    if isinstance(value, list):
        return [_without_echoed_ids(item, in_tool_calls) for item in value]
    return value


def _material(rec: Recording) -> tuple[dict[str, Any], bool, str]:
    """(what the request says, whether its key has the test id, the url)."""
    req = rec.request
    url = nonempty(req.get("url")) or ""
    shape = rec.shape
    if shape is RequestShape.TOOL:
        return {"kwargs": req.get("kwargs")}, False, ""
    if shape is RequestShape.FILE_PROCESSOR:
        return {k: v for k, v in req.items() if k not in ("provider", "api", "test_id")}, True, ""
    method = str(req.get("method", "")).upper()
    netloc, _, path = _url_parts(url)
    if shape is RequestShape.PASSTHROUGH:
        body = _without_model(normalize_body(req.get("payload")), rec.model)
        return {"@method": method, "@url": url, "@body": body}, True, url
    body = normalize_body(req.get("body"), drop_stream_options="bedrock" in netloc)
    material = {"@method": method, "@path": path, "@body": _without_model(body, rec.model)}
    return material, path not in MODEL_LIST_PATHS, url


def _without_model(body: Any, model: str | None) -> Any:
    """The body without its model when that is the bucket's."""
    if isinstance(body, dict) and body.get("model") == model:
        return {key: value for key, value in body.items() if key != "model"}
    return body


def _parts(material: dict[str, Any]) -> tuple[list[str], dict[str, int], dict[str, int]]:
    """(every part in a canonical order, content parts, parameter parts)."""
    order: list[str] = []
    content: Counter[str] = Counter()
    params: Counter[str] = Counter()

    def add(path: str, value: bytes, is_content: bool) -> None:
        part = f"{path}\x00{_digest(value)}"
        order.append(part)
        (content if is_content else params)[part] += 1

    def walk(value: Any, path: str, is_content: bool) -> None:
        if isinstance(value, dict) and value:
            for key in sorted(value):
                walk(value[key], child(path, key), is_content or (not path and key in CONTENT_KEYS))
        elif isinstance(value, list) and value:
            for item in value:
                add(path + "[]", _dump(item), is_content)
        else:
            add(path, _dump(value), is_content)

    for key, value in material.items():
        if key in ("@body", "kwargs"):
            value = _without_echoed_ids(value)
            walk(value, "" if isinstance(value, dict) and value else key.lstrip("@"), False)
        else:
            walk(value, key, key in CONTENT_KEYS)
    return order, dict(content), dict(params)


def _word_sketch(material: dict[str, Any]) -> frozenset[int]:
    """The :data:`WORD_SKETCH` smallest hashes of the words in the content's strings
    (a bottom-k sketch: small and fixed in size, exact for a short request). Of a long
    text, only its first and last :data:`WORD_TEXT` characters are read: a tie-break
    need not cost more than the rest of the profile."""
    texts: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    for key, value in material.items():
        if key in ("@body", "kwargs") and isinstance(value, dict):
            for name, item in value.items():
                if name in CONTENT_KEYS:
                    collect(item)
        elif key in CONTENT_KEYS:
            collect(value)
    text = "\n".join(texts)
    if len(text) > 2 * WORD_TEXT:
        text = f"{text[:WORD_TEXT]}\n{text[-WORD_TEXT:]}"
    words = set(_WORDS.findall(text.lower()))
    hashes = set(map(zlib.crc32, map(str.encode, words)))
    return frozenset(heapq.nsmallest(WORD_SKETCH, hashes))


def _sketch_likeness(a: frozenset[int], b: frozenset[int]) -> float:
    """The Jaccard likeness of two word sets, estimated from their sketches."""
    if not a and not b:
        return 1.0
    union = sorted(a | b)[:WORD_SKETCH]
    return sum(1 for h in union if h in a and h in b) / len(union)


def _url_parts(url: str) -> tuple[str, str, str]:
    """(netloc, port or scheme, path) of a url; a malformed one is all path."""
    try:
        parsed = urlparse(url)
    except ValueError:
        return "", "", url
    try:
        port = str(parsed.port or parsed.scheme)
    except ValueError:  # not a number
        port = parsed.netloc.rpartition(":")[2]
    return parsed.netloc, port, parsed.path


def _model_ids(body: Any, endpoint: str) -> frozenset[str]:
    """The ids of a model list's models (``model`` for ``/api/tags``)."""
    if isinstance(body, dict):
        holder = body.get("__data__", body)
        body = holder.get("models") if isinstance(holder, dict) else None
    if not isinstance(body, list):
        return frozenset()
    name = "model" if endpoint == "/api/tags" else "id"
    entries = (item.get("__data__", item) for item in body if isinstance(item, dict))
    return frozenset(
        e[name] for e in entries if isinstance(e, dict) and isinstance(e.get(name), str)
    )


def _bucket(rec: Recording) -> tuple[str, str, str] | None:
    shape = rec.shape
    req = rec.request
    if shape in (RequestShape.INFERENCE, RequestShape.PASSTHROUGH):
        return (shape.value, rec.endpoint or "", rec.model or "")
    if shape is RequestShape.TOOL:
        return (shape.value, str(req.get("tool_name")), rec.provider or "")
    if shape is RequestShape.FILE_PROCESSOR:
        return (shape.value, str(req.get("api")), rec.provider or "")
    return None


def profile(path: str, data: Any) -> Profile | None:
    """The profile of a recording, or None if it can never pair (an unknown shape)."""
    rec = Recording(path, data if isinstance(data, dict) else {})
    bucket = _bucket(rec)
    if bucket is None:
        return None
    material, keyed_test, url = _material(rec)
    order, content, params = _parts(material)
    netloc, port, _ = _url_parts(url)
    test_id = rec.test_id
    tokens = frozenset(t for t in _TEST_ID_TOKENS.split(test_id or "") if t)
    endpoint = rec.endpoint or ""
    ids = _model_ids(rec.body, endpoint) if endpoint in MODEL_LIST_PATHS else frozenset()
    fingerprint = _digest("\n".join(order).encode())
    return Profile(
        path,
        bucket,
        test_id,
        keyed_test,
        fingerprint,
        content,
        params,
        tokens,
        netloc,
        port,
        ids,
        _word_sketch(material),
    )


# --- two requests ------------------------------------------------------------------


def _weighted_jaccard(
    a: dict[str, int], b: dict[str, int], total_a: float, total_b: float, weight: dict[str, float]
) -> float | None:
    """Weighted multiset Jaccard; None when both are empty."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    common = sum(min(n, large.get(p, 0)) * weight[p] for p, n in small.items() if p in large)
    union = total_a + total_b - common
    return common / union if union > 0 else None


def _similarity(r: Profile, a: Profile, weight: dict[str, float]) -> float:
    content = _weighted_jaccard(r.content, a.content, r.totals[0], a.totals[0], weight)
    params = _weighted_jaccard(r.params, a.params, r.totals[1], a.totals[1], weight)
    if content is None:
        return 1.0 if params is None else params
    if params is None:
        return content
    return CONTENT_SHARE * content + (1 - CONTENT_SHARE) * params


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


@dataclass(frozen=True, order=True)
class _Rank:
    tier: int
    score: float
    tie_breaks: tuple[float, float, float, float]


@dataclass(frozen=True)
class _Edge:
    rank: _Rank
    old: int
    new: int
    reason: str


def _edge(r: Profile, a: Profile, i: int, j: int, weight: dict[str, float]) -> _Edge | None:
    """The match of removed ``i`` and added ``j``, or None below the threshold."""
    same_test = r.test_id == a.test_id
    keyed_change = r.keyed_test and a.keyed_test and not same_test
    if r.fingerprint == a.fingerprint:
        tier, score, reason = _EXACT, 1.0, TEST_ID if keyed_change else SAME_REQUEST
    else:
        score = round(_similarity(r, a, weight), 6)
        anchored = same_test and r.test_id is not None
        tier = _SAME_TEST if anchored else _OTHER
        if score < (MIN_SIMILARITY_SAME_TEST if anchored else MIN_SIMILARITY):
            return None
        reason = TEST_ID_AND_REQUEST if keyed_change else REQUEST
    host = 1.0 if r.netloc == a.netloc else 0.5 if r.port == a.port else 0.0
    ties = (
        round(_sketch_likeness(r.words, a.words), 6),
        round(_jaccard(r.test_tokens, a.test_tokens), 6),
        host,
        _jaccard(r.model_ids, a.model_ids),
    )
    return _Edge(_Rank(tier, score, ties), i, j, reason)


def _changes(r: Profile, a: Profile) -> tuple[str, ...]:
    differing = set(r.parts) ^ set(a.parts)
    names = {part.split("\x00", 1)[0].lstrip("@") for part in differing}
    if r.keyed_test and a.keyed_test and r.test_id != a.test_id:
        names.add("test_id")
    return tuple(sorted(names))


# --- one bucket --------------------------------------------------------------------


def _weights(removed: list[Profile], added: list[Profile]) -> dict[str, float]:
    """A part weighs 1/k when k recordings of one side have it."""
    counts = [Counter(p for prof in side for p in set(prof.parts)) for side in (removed, added)]
    return {p: 1.0 / max(counts[0][p], counts[1][p]) for p in counts[0].keys() | counts[1].keys()}


def _groups(profiles: list[Profile], key: str) -> dict[Any, list[int]]:
    out: dict[Any, list[int]] = defaultdict(list)
    for index, prof in enumerate(profiles):
        value = getattr(prof, key)
        if value is not None:
            out[value].append(index)
    return out


def _candidates(
    removed: list[Profile], added: list[Profile], weight: dict[str, float]
) -> tuple[set[tuple[int, int]], set[int], set[int], bool]:
    """(pairs to score, removed and added recordings left out, whether capped)."""
    if len(removed) * len(added) <= PAIR_LIMIT:
        return {(i, j) for i in range(len(removed)) for j in range(len(added))}, set(), set(), False
    pairs: set[tuple[int, int]] = set()
    out_r: set[int] = set()
    out_a: set[int] = set()
    for key in ("fingerprint", "test_id"):
        left, right = _groups(removed, key), _groups(added, key)
        for value in left.keys() & right.keys():
            rs, as_ = left[value], right[value]
            if len(rs) * len(as_) <= PAIR_LIMIT:
                pairs.update((i, j) for i in rs for j in as_)
            elif key == "fingerprint":  # identical requests, too many to tell apart
                out_r.update(rs)
                out_a.update(as_)
    index: dict[str, list[int]] = defaultdict(list)
    for j, prof in enumerate(added):
        for part in prof.parts:
            index[part].append(j)
    for i, prof in enumerate(removed):
        found: dict[int, float] = defaultdict(float)
        for part in prof.parts:
            holders = index.get(part, ())
            if weight[part] >= 1.0 / RARE_LIMIT:  # at most RARE_LIMIT holders a side
                for j in holders:
                    found[j] += weight[part]
        best = sorted(found.items(), key=lambda item: (-round(item[1], 6), added[item[0]].path))
        pairs.update((i, j) for j, _ in best[:TOP_CANDIDATES])
    pairs = {(i, j) for i, j in pairs if i not in out_r and j not in out_a}
    return pairs, out_r, out_a, True


def _ends(edge: _Edge) -> tuple[tuple[int, int], tuple[int, int]]:
    """The two recordings of a match, as (side, index): side 0 removed, 1 added."""
    return (0, edge.old), (1, edge.new)


def _assign(edges: list[_Edge]) -> tuple[list[_Edge], set[tuple[int, int]]]:
    """Greedy, best rank first: (the matches kept, the recordings left out as ambiguous).

    At each rank, a match is kept when neither of its recordings has another free
    match of that rank; otherwise both are ambiguous (and out of every later match).
    """
    edges.sort(key=lambda edge: edge.rank, reverse=True)
    done: set[tuple[int, int]] = set()
    chosen: list[_Edge] = []
    ambiguous: set[tuple[int, int]] = set()
    for _, level in groupby(edges, key=lambda edge: edge.rank):
        live = [e for e in level if not done.intersection(_ends(e))]
        degree = Counter(node for e in live for node in _ends(e))
        for edge in live:
            if all(degree[node] == 1 for node in _ends(edge)):
                chosen.append(edge)
            else:
                ambiguous.update(_ends(edge))
            done.update(_ends(edge))
    return chosen, ambiguous


@dataclass
class _BucketResult:
    pairs: list[RekeyedPair] = field(default_factory=list)
    paired: set[str] = field(default_factory=set)
    ambiguous: set[str] = field(default_factory=set)
    limited: bool = False


def _pair_bucket(removed: list[Profile], added: list[Profile]) -> _BucketResult:
    weight = _weights(removed, added)
    for prof in (*removed, *added):
        prof.totals = (
            sum(n * weight[p] for p, n in prof.content.items()),
            sum(n * weight[p] for p, n in prof.params.items()),
        )
    candidates, out_r, out_a, limited = _candidates(removed, added, weight)
    edges = [
        edge
        for i, j in sorted(candidates)
        if (edge := _edge(removed[i], added[j], i, j, weight)) is not None
    ]
    chosen, ambiguous = _assign(edges)
    result = _BucketResult(limited=limited)
    for edge in chosen:
        r, a = removed[edge.old], added[edge.new]
        result.pairs.append(
            RekeyedPair(r.path, a.path, edge.rank.score, edge.reason, _changes(r, a))
        )
        result.paired.update((r.path, a.path))
    sides = (removed, added)
    result.ambiguous = {sides[side][index].path for side, index in ambiguous}
    result.ambiguous |= {removed[i].path for i in out_r} | {added[j].path for j in out_a}
    return result


# --- the whole --------------------------------------------------------------------


def _sorted_side(side: Sequence[tuple[str, Profile | None]], name: str) -> list[str]:
    paths = [path for path, _ in side]
    if len(set(paths)) != len(paths):
        raise ValueError(f"a path is listed twice on the {name} side")
    return sorted(paths)


def pair_rekeyed(removed: Sequence[tuple[str, Any]], added: Sequence[tuple[str, Any]]) -> Pairing:
    """Pair removed recordings with the added ones they became (parsed data in, paths out).

    Raises ``ValueError`` if a side lists a path twice (a caller's mistake).
    """
    return pair_profiles(
        [(path, profile(path, data)) for path, data in removed],
        [(path, profile(path, data)) for path, data in added],
    )


def pair_profiles(
    removed: Sequence[tuple[str, Profile | None]], added: Sequence[tuple[str, Profile | None]]
) -> Pairing:
    """:func:`pair_rekeyed` over profiles made beforehand (:func:`profile`; None for a
    recording that can never pair), so that no parsed recording need be held meanwhile.
    """
    old_paths = _sorted_side(removed, "removed")
    new_paths = _sorted_side(added, "added")
    old = [prof for _, prof in sorted(removed, key=lambda item: item[0]) if prof is not None]
    new = [prof for _, prof in sorted(added, key=lambda item: item[0]) if prof is not None]
    buckets: dict[tuple[str, str, str], tuple[list[Profile], list[Profile]]] = defaultdict(
        lambda: ([], [])
    )
    for prof in old:
        buckets[prof.bucket][0].append(prof)
    for prof in new:
        buckets[prof.bucket][1].append(prof)
    pairs: list[RekeyedPair] = []
    paired: set[str] = set()
    ambiguous: set[str] = set()
    limited = 0
    for key in sorted(buckets):
        left, right = buckets[key]
        if not left or not right:
            continue
        result = _pair_bucket(left, right)
        pairs.extend(result.pairs)
        paired |= result.paired
        ambiguous |= result.ambiguous
        limited += result.limited
    return Pairing(
        pairs=tuple(sorted(pairs, key=lambda pair: pair.old_path)),
        removed=tuple(p for p in old_paths if p not in paired),
        added=tuple(p for p in new_paths if p not in paired),
        ambiguous=tuple(sorted(ambiguous)),
        limited=limited,
    )
