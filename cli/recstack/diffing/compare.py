"""Compare one pair of recordings: a status and the list of changes.

Order of work: byte-identical -> ``same``; parse both (an unreadable side -> ``error``);
strip ignored fields (volatile table + ``--ignore``; nulls count as absent) and compare
what is left: meta (``test_id``, ``id_normalization_mapping``), the request
structurally, and the response through the reassembled answer plus the remaining
fields (a stream by its envelope, so chunking alone never shows as a change; a model
list by its models, so their order never shows either).

Two changes are informational (shown, but the recording stays ``equivalent``): a
re-chunked stream and a new ``test_id`` (the same recording, claimed by another test
id; a ``request.test_id`` that mirrors the top-level one on both sides goes with it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from recstack.diffing.answer import compare_answers, trusted
from recstack.diffing.ignore import Matcher, default_matcher, strip_recording
from recstack.diffing.result import (
    ADDED,
    CHANGED,
    EQUIVALENT,
    ERROR,
    FILE_ERROR,
    RECHUNKED,
    REMOVED,
    SAME,
    SKIPPED,
    TEST_ID,
    WHERE_META,
    WHERE_REQUEST,
    WHERE_RESPONSE,
    About,
    Change,
    FileDiff,
    about,
    status_of,
)
from recstack.diffing.stream import (
    compare_envelopes,
    drop_covered,
    envelope,
    is_stream,
)
from recstack.diffing.structural import diff_values
from recstack.diffing.vectors import summarize_vectors, with_vector_stats
from recstack.loading import in_recording_place, recording_from_bytes, skippable
from recstack.problems import Problem, RecstackError
from recstack.reassembly import reassemble
from recstack.recording import Recording, chunk_count

_META_SKIP = ("request", "response")


@dataclass(frozen=True)
class Options:
    """How to compare: ``strict`` ignores nothing by default; ``ignore`` adds patterns."""

    strict: bool = False
    ignore: tuple[str, ...] = ()


_matchers: dict[Options, Matcher] = {}


def matcher_for(options: Options) -> Matcher:
    if options not in _matchers:
        _matchers[options] = (
            Matcher(options.ignore) if options.strict else default_matcher(options.ignore)
        )
    return _matchers[options]


def compare_bytes(
    path: str,
    old: bytes | None,
    new: bytes | None,
    options: Options = Options(),
    *,
    old_label: str | None = None,
    new_label: str | None = None,
    explicit: bool = True,
) -> FileDiff:
    """Compare two versions of one recording given as bytes (None: absent on that side).

    ``explicit=False`` (found in a tree or a git range): JSON that is no recording on
    every side it exists is ``skipped``.
    """
    if old is None and new is None:
        return FileDiff(path, ERROR, [Change(WHERE_META, path, FILE_ERROR, None, "absent")])
    if (
        not explicit
        and not in_recording_place(path)
        and all(
            raw is None or _other_json(raw, label or path)
            for raw, label in ((old, old_label), (new, new_label))
        )
    ):  # parsed twice, but only outside recordings/ folders and upstream names
        return FileDiff(path, SKIPPED)
    if old is None:
        return FileDiff(path, ADDED)
    if new is None:
        return FileDiff(path, REMOVED)
    if old == new:
        return FileDiff(path, SAME)
    errors: list[Change] = []
    problem: Problem | None = None
    parsed: list[dict[str, Any]] = []
    for side, raw, label in (("before", old, old_label), ("after", new, new_label)):
        try:
            parsed.append(recording_from_bytes(raw, label or path).data)
        except RecstackError as exc:
            problem = problem or exc.problem
            errors.append(unreadable(side, exc.problem))
    if errors:
        return FileDiff(path, ERROR, errors, problem=problem)
    return compare_parsed(path, parsed[0], parsed[1], options)


def unreadable(side: str, problem: Problem) -> Change:
    """The change that says one side (``before`` / ``after``) could not be read."""
    message = problem.one_line()
    before, after = (message, None) if side == "before" else (None, message)
    return Change(WHERE_META, side, FILE_ERROR, before, after)


def compare_parsed(
    path: str, before: dict[str, Any], after: dict[str, Any], options: Options = Options()
) -> FileDiff:
    """The comparison of two recordings parsed for it (they are changed: stripped in place)."""
    old, new = about(before), about(after)
    info = About(new.test_id or old.test_id, new.endpoint or old.endpoint, new.model or old.model)
    changes = compare_data(path, before, after, options, in_place=True)
    status = (CHANGED if changes else EQUIVALENT) if options.strict else status_of(changes)
    return FileDiff(path, status, changes, about=info)


def _other_json(raw: bytes, name: str) -> bool:
    """Bytes that are some other JSON file, not a recording (see loading.is_other_json)."""
    try:
        recording_from_bytes(raw, name)
    except RecstackError as exc:
        return skippable(name, exc, raw)
    return False


def compare_data(
    path: str,
    before: dict[str, Any],
    after: dict[str, Any],
    options: Options = Options(),
    *,
    in_place: bool = False,
) -> list[Change]:
    """Every change between two parsed recordings (informational ones included).

    ``in_place``: the ignored fields are removed from ``before`` and ``after``
    themselves instead of from copies (for data parsed only to be compared: a big
    stream then costs no copy of every chunk).
    """
    matcher = matcher_for(options)
    drop = not options.strict
    old, _ = strip_recording(before, matcher, drop_absent=drop, in_place=in_place)
    new, _ = strip_recording(after, matcher, drop_absent=drop, in_place=in_place)
    if old == new:
        return []
    changes = compare_meta(old, new, strict=options.strict)
    request_a, request_b = old["request"], new["request"]
    if not options.strict and _mirrors_test_id(old) and _mirrors_test_id(new):
        request_a = {k: v for k, v in request_a.items() if k != "test_id"}
        request_b = {k: v for k, v in request_b.items() if k != "test_id"}
    if request_a != request_b:
        changes += diff_values(request_a, request_b, where=WHERE_REQUEST, prefix=["request"])
    if old["response"] != new["response"]:
        changes += compare_response(path, old, new, strict=options.strict)
    return changes


def _meta(data: dict[str, Any], strict: bool) -> dict[str, Any]:
    meta = {k: v for k, v in data.items() if k not in _META_SKIP}
    if not strict:
        # An empty mapping is the same as none; a test_id missing on one side (the
        # oldest layout has none) is unknown, not different.
        if not meta.get("id_normalization_mapping"):
            meta.pop("id_normalization_mapping", None)
        meta = {k: v for k, v in meta.items() if v is not None}
    return meta


def _mirrors_test_id(data: dict[str, Any]) -> bool:
    """True when the request repeats the recording's ``test_id`` (passthrough, tools)."""
    request = data["request"]
    return (
        isinstance(request, dict)
        and "test_id" in request
        and request["test_id"] == data.get("test_id")
    )


def compare_meta(old: dict[str, Any], new: dict[str, Any], *, strict: bool) -> list[Change]:
    a, b = _meta(old, strict), _meta(new, strict)
    if not strict and ("test_id" not in a or "test_id" not in b):
        a.pop("test_id", None)
        b.pop("test_id", None)
    changes: list[Change] = []
    if "test_id" in a and "test_id" in b and a["test_id"] != b["test_id"]:
        changes.append(Change(WHERE_META, "test_id", TEST_ID, a.pop("test_id"), b.pop("test_id")))
    return changes + diff_values(a, b, where=WHERE_META)


def compare_response(
    path: str, old: dict[str, Any], new: dict[str, Any], *, strict: bool
) -> list[Change]:
    a, b = old["response"], new["response"]
    changes = diff_values(
        {k: v for k, v in a.items() if k != "body"},
        {k: v for k, v in b.items() if k != "body"},
        where=WHERE_RESPONSE,
        prefix=["response"],
    )
    body_a, body_b = a.get("body"), b.get("body")
    if body_a == body_b:
        return changes
    answer_a = reassemble(Recording(path, old))
    answer_b = reassemble(Recording(path, new))
    both_trusted = trusted(answer_a) and trusted(answer_b)
    answer_changes: list[Change] = []
    if both_trusted:
        answer_changes = compare_answers(answer_a, answer_b, strict=strict)
    changes += answer_changes
    if both_trusted and not strict and answer_a.models is not None and answer_b.models is not None:
        # The answer compared the models by id; what is left is the body around them.
        body_changes = _compare_beside_models(body_a, body_b)
    elif is_stream(a) and is_stream(b) and not strict:
        body_changes = compare_envelopes(
            envelope(body_a, trusted=both_trusted), envelope(body_b, trusted=both_trusted)
        )
    else:
        left, right = body_a, body_b
        if both_trusted:
            left, right = drop_covered(body_a), drop_covered(body_b)
        body_changes = _compare_bodies(left, right)
        if strict and both_trusted and not answer_changes and not body_changes:
            # The answer covers a field without comparing all of it (a tool call's
            # index, GenAI's avg_logprobs): with --strict, any difference shows.
            body_changes = _compare_bodies(body_a, body_b)
    changes += body_changes
    if is_stream(a) and is_stream(b):
        count_a, count_b = chunk_count(a["body"]), chunk_count(b["body"])
        if count_a != count_b or not (answer_changes or body_changes):
            changes.append(Change(WHERE_RESPONSE, "response.body", RECHUNKED, count_a, count_b))
    return changes


def _compare_bodies(body_a: Any, body_b: Any) -> list[Change]:
    """Two bodies structurally, each long numeric list (an embedding) as one value."""
    vectors_a: dict[str, list[Any]] = {}
    vectors_b: dict[str, list[Any]] = {}
    changes = diff_values(
        summarize_vectors(body_a, vectors_a),
        summarize_vectors(body_b, vectors_b),
        where=WHERE_RESPONSE,
        prefix=["response", "body"],
    )
    return with_vector_stats(changes, vectors_a, vectors_b)


def _beside_models(body: Any) -> Any:
    """What a model-list body holds besides its model entries (the answer compares those).

    A list of typed models: the set of their types (None for an empty list); a typed
    object (Ollama ``/api/tags``, ``/api/ps``): itself without ``models``.
    """
    if isinstance(body, list):
        types = {str(item.get("__type__")) for item in body if isinstance(item, dict)}
        return sorted(types) or None
    if isinstance(body, dict) and isinstance(body.get("__data__"), dict):
        data = {k: v for k, v in body["__data__"].items() if k != "models"}
        return {**body, "__data__": data}
    return body


def _compare_beside_models(body_a: Any, body_b: Any) -> list[Change]:
    rest_a, rest_b = _beside_models(body_a), _beside_models(body_b)
    if rest_a is None or rest_b is None:  # an empty list says nothing besides "no models"
        return []
    return diff_values(rest_a, rest_b, where=WHERE_RESPONSE, prefix=["response", "body"])
