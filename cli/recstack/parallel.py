"""Run a per-file function over many files on several cores, results in order."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a process pool costs more than it saves.
MIN_PARALLEL = 64


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def pmap(
    fn: Callable[[T], R], items: Sequence[T], *, jobs: int | None = None, chunksize: int = 0
) -> Iterator[R]:
    """``map(fn, items)`` over ``jobs`` processes (default: all cores), in order.

    ``fn`` must be a module-level function and must not raise for ordinary bad
    input (return the problem instead): an exception here is a bug.
    """
    jobs = default_jobs() if not jobs or jobs < 1 else jobs
    if jobs == 1 or len(items) < MIN_PARALLEL:
        yield from map(fn, items)
        return
    if chunksize <= 0:
        chunksize = max(1, min(64, len(items) // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(fn, items, chunksize=chunksize)
