"""Long numeric lists (embeddings, Ollama ``context``) compared as one value each.

A list of at least :data:`VECTOR` numbers, and an embedding of any length (numbers
under an ``embedding`` or ``embeddings`` key), is replaced by a one-line digest
(``<768 numbers, sha1 3f2a…>``) before the structural comparison, so that a changed
embedding is one change, not 768. When two vectors of one length differ, the change
says how far apart they are (kind ``embedding``): their cosine similarity and their
largest element change (and where it is).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from typing import Any

from recstack.diffing.result import EMBEDDING, TEXT, VALUE, Change

# Numeric lists at least this long are compared as one value; under these keys, any.
VECTOR = 32
EMBEDDING_KEYS = frozenset({"embedding", "embeddings"})


def _numeric(value: list[Any], shortest: int) -> bool:
    return len(value) >= shortest and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in value
    )


def numbers_digest(value: Any) -> str:
    """The short sha1 of numbers as JSON (how a vector is named in diffs and in show)."""
    return hashlib.sha1(json.dumps(value).encode()).hexdigest()[:12]


def summarize_vectors(
    value: Any, found: dict[str, list[Any]] | None = None, key: str | None = None
) -> Any:
    """Long numeric lists, and embeddings of any length (a numeric list under an
    ``embedding`` or ``embeddings`` key), replaced by a one-line digest (``<1536
    numbers, sha1 3f2a…>``); ``found`` (when given) maps each digest to its vector."""
    if isinstance(value, list):
        if _numeric(value, 1 if key in EMBEDDING_KEYS else VECTOR):
            text = f"<{len(value)} numbers, sha1 {numbers_digest(value)}>"
            if found is not None:
                found[text] = value
            return text
        return [summarize_vectors(item, found, key) for item in value]
    if isinstance(value, dict):
        return {name: summarize_vectors(item, found, name) for name, item in value.items()}
    return value


def vector_stats(a: Sequence[float], b: Sequence[float]) -> dict[str, Any] | None:
    """How far apart two vectors of one length are; None when they cannot be compared
    (other lengths, or numbers too large for a float)."""
    if len(a) != len(b) or not a:
        return None
    try:
        xs, ys = [float(x) for x in a], [float(y) for y in b]
        dot = math.fsum(x * y for x, y in zip(xs, ys, strict=True))
        norms = math.sqrt(math.fsum(x * x for x in xs)) * math.sqrt(math.fsum(y * y for y in ys))
    except OverflowError:
        return None
    if not all(math.isfinite(v) for v in (dot, norms)):
        return None
    deltas = [abs(y - x) for x, y in zip(xs, ys, strict=True)]
    at = max(range(len(deltas)), key=deltas.__getitem__)
    cosine = max(-1.0, min(1.0, dot / norms)) if norms else None
    return {
        "dimensions": len(a),
        "cosine_similarity": cosine,
        "largest_change": deltas[at],
        "largest_change_at": at,
    }


def with_vector_stats(
    changes: list[Change], before: dict[str, list[Any]], after: dict[str, list[Any]]
) -> list[Change]:
    """``changes`` where a digest replaced a digest of the same length: kind
    ``embedding``, with :func:`vector_stats` (the digests stay as before/after)."""
    out = []
    for change in changes:
        a, b = change.before, change.after
        if (
            change.kind in (VALUE, TEXT)
            and isinstance(a, str)
            and isinstance(b, str)
            and a in before
            and b in after
        ):
            stats = vector_stats(before[a], after[b])
            if stats is not None:
                change = Change(change.where, change.path, EMBEDDING, a, b, stats)
        out.append(change)
    return out


def describe(stats: dict[str, Any]) -> str:
    """``cosine similarity 0.999871, largest element change 0.0123 at [41]``."""
    cosine = stats.get("cosine_similarity")
    if cosine is None:
        similarity = "cosine similarity undefined (a zero vector)"
    elif cosine != 1.0 and f"{cosine:.6f}" == "1.000000":
        similarity = "cosine similarity > 0.999999"
    else:
        similarity = f"cosine similarity {cosine:.6f}"
    largest = stats.get("largest_change", 0.0)
    return (
        f"{stats.get('dimensions')} numbers, {similarity}, largest element change "
        f"{largest:.3g} at [{stats.get('largest_change_at')}]"
    )
