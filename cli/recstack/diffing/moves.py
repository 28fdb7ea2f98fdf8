"""Re-keyed recordings in a tree or a git range: a recording removed under one name
and added under another becomes one *moved* pair (:mod:`.rekeyed` decides who is
whose partner: same endpoint and model, the most similar request, one partner each).

After pairing by path, each one-sided pair found by walking a tree or listed by git
(never a file the user named) is read once, in worker processes for many, down to a
small profile of its request (:func:`recstack.diffing.rekeyed.profile`) and what it is
about (test, endpoint, model): no parsed recording is kept while the others are read.
Each pair found replaces its two one-sided pairs by one pair of two names, at the new
path; the others stay as they were (with what they are about, for their headers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from recstack.diffing.pairing import Move, Pair, Source
from recstack.diffing.rekeyed import Profile, pair_profiles, profile
from recstack.diffing.result import About, about
from recstack.loading import load_recording, recording_from_bytes
from recstack.parallel import pmap
from recstack.problems import RecstackError


@dataclass
class Moves:
    """The pairs to compare, moves included, in path order (a move at its new path)."""

    pairs: list[Pair]
    # One-sided recordings left unpaired because several partners fit exactly as well.
    ambiguous: list[str] = field(default_factory=list)


def profile_job(job: tuple[str, Source, str | None]) -> tuple[Profile | None, About | None]:
    """The pairing profile and :class:`About` of one side (None, None when it is no
    readable recording: it then stays one-sided, and its comparison says why)."""
    path, source, label = job
    try:
        if isinstance(source, bytes):
            data = recording_from_bytes(source, label or path).data
        elif isinstance(source, str):
            data = load_recording(source).data
        else:
            return None, None
    except RecstackError:
        return None, None
    return profile(path, data), about(data)


def _side(pair: Pair) -> tuple[str, Source, str | None]:
    if pair.new is None:
        return pair.path, pair.old, pair.old_label
    return pair.path, pair.new, pair.new_label


def pair_moves(pairs: Sequence[Pair], *, jobs: int | None = None) -> Moves:
    """``pairs`` with the re-keyed recordings among their one-sided pairs paired."""
    removed = [i for i, p in enumerate(pairs) if not p.explicit and p.one_sided and p.new is None]
    added = [i for i, p in enumerate(pairs) if not p.explicit and p.one_sided and p.old is None]
    if not removed or not added:
        return Moves(list(pairs))
    sides = [*removed, *added]
    profiles = list(pmap(profile_job, [_side(pairs[i]) for i in sides], jobs=jobs))
    found = dict(zip(sides, profiles, strict=True))
    pairing = pair_profiles(
        [(pairs[i].path, found[i][0]) for i in removed],
        [(pairs[i].path, found[i][0]) for i in added],
    )
    index = {(pairs[i].new is None, pairs[i].path): i for i in sides}
    gone: set[int] = set()
    moved: dict[int, Pair] = {}
    for match in pairing.pairs:
        old_i, new_i = index[(True, match.old_path)], index[(False, match.new_path)]
        old, new = pairs[old_i], pairs[new_i]
        gone.add(old_i)
        moved[new_i] = Pair(
            new.path,
            old.old,
            new.new,
            old.old_label,
            new.new_label,
            explicit=False,
            move=Move(old.path, match.reason, match.score),
            about=found[new_i][1],
        )
    out: list[Pair] = []
    for i, pair in enumerate(pairs):
        if i in gone:
            continue
        if i in moved:
            out.append(moved[i])
        elif i in found and found[i][1] is not None:
            out.append(dataclasses.replace(pair, about=found[i][1]))
        else:
            out.append(pair)
    return Moves(out, list(pairing.ambiguous))
