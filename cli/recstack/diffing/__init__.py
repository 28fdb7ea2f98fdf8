"""``recstack diff``: compare recordings by meaning, not by chunk.

- :mod:`.model` — ``FileDiff`` / ``Change`` and the statuses;
- :mod:`.ignore` — the ignored fields (shared volatile table + ``--ignore``);
- :mod:`.structural` — deepdiff as readable changes (requests, remaining fields);
- :mod:`.answer` — the reassembled answers compared;
- :mod:`.stream` — streams compared by envelope (chunking is not a change);
- :mod:`.compare` — one pair -> status + changes;
- :mod:`.pairing` / :mod:`.gitsource` — what to compare (files, trees, git).
"""

from __future__ import annotations

from collections.abc import Sequence

from recstack.diffing.compare import Options, compare_bytes, compare_data
from recstack.diffing.pairing import Pair, compare_job, pair_files, pair_trees
from recstack.diffing.result import (
    ADDED,
    CHANGED,
    ERROR,
    REMOVED,
    Change,
    FileDiff,
    summarize,
)
from recstack.output import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, track
from recstack.parallel import pmap

__all__ = [
    "Change",
    "FileDiff",
    "Options",
    "Pair",
    "compare_bytes",
    "compare_data",
    "diff_pairs",
    "pair_files",
    "pair_trees",
    "status_exit_code",
    "summarize",
]


def diff_pairs(pairs: Sequence[Pair], options: Options, *, jobs: int = 0) -> list[FileDiff]:
    """Compare every pair (in worker processes for big trees), results in order."""
    jobs_list = [(pair, options) for pair in pairs]
    results = pmap(compare_job, jobs_list, jobs=jobs or None)
    return list(track(results, len(jobs_list), "diff"))


def status_exit_code(files: Sequence[FileDiff]) -> int:
    """2 if any recording could not be read, else 1 if anything changed/was added/removed."""
    statuses = {item.status for item in files}
    if ERROR in statuses:
        return EXIT_ERROR
    if statuses & {CHANGED, ADDED, REMOVED}:
        return EXIT_FINDINGS
    return EXIT_OK
