"""Run a per-file function over many files on several cores, results in order.

:func:`pmap` is the one place that decides how many processes run: ``jobs`` 0 or
None means all the cores this process may use, and more than that is capped to it
(``-j 200`` on 2 cores starts 2 workers: extra processes only compete for the same
cores).

Workers end with their parent: on Linux each asks the kernel for ``SIGTERM`` when
its parent dies (``PR_SET_PDEATHSIG``); a worker that gets ``SIGTERM`` removes the
temp file it is writing, if any, and exits at once. Workers ignore ``SIGINT`` (Ctrl-C
reaches the whole process group): the parent, interrupted, terminates them with
``SIGTERM``, as it does whenever it stops early.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import TYPE_CHECKING, TypeVar

from recstack.writing import pid_alive, remove_pending_temps

# multiprocessing and ctypes are imported when a pool starts: most runs (a few files)
# never start one, and these imports take a noticeable part of start-up.
if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a process pool costs more than it saves.
MIN_PARALLEL = 64
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def workers_for(jobs: int | None, items: int) -> int:
    """Processes to use for ``items`` items when ``jobs`` were asked for (0/None: all
    cores): never more than the cores, nor than the items; 1 means no pool."""
    cores = default_jobs()
    wanted = cores if not jobs or jobs < 1 else min(jobs, cores)
    if items < MIN_PARALLEL:
        return 1
    return max(1, min(wanted, items))


def _exit_now(signum: int, frame: FrameType | None) -> None:
    """A worker's signal handler: drop the temp file being written, exit at once."""
    remove_pending_temps()
    os._exit(128 + signum)


def _die_with_parent() -> None:
    """Ask Linux to send this process SIGTERM when its parent dies (elsewhere: nothing)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _init_worker(parent: int) -> None:
    """Pool initializer: exit with the parent, clean up on SIGTERM, leave SIGINT to it."""
    signal.signal(signal.SIGTERM, _exit_now)
    # Ctrl-C reaches the whole process group: the parent alone reacts (it stops the
    # workers with SIGTERM); a worker dying first would break the pool under it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if os.getppid() != parent and not pid_alive(parent):  # died before the request
        _exit_now(signal.SIGTERM, None)


def _quiet_pool_thread(args: threading.ExceptHookArgs) -> None:
    """While a pool is being stopped, its manager thread may trip over futures that were
    cancelled under it (``InvalidStateError``) or workers gone (``BrokenProcessPool``):
    expected then, and never worth a traceback on the user's terminal."""
    from concurrent.futures import InvalidStateError
    from concurrent.futures.process import BrokenProcessPool

    if not issubclass(args.exc_type, (InvalidStateError, BrokenProcessPool)):
        _default_excepthook(args)


_default_excepthook = threading.excepthook


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's workers now (each removes its temp file) and drop queued work.

    Queued work is cancelled first, then the workers are terminated and waited for (the
    first ``shutdown`` forgets the pool's manager thread, so the workers are joined here).
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(OSError, AttributeError, ValueError):
            process.terminate()
    for process in processes:
        with contextlib.suppress(OSError, AttributeError, ValueError, AssertionError):
            process.join(timeout=10)


def pmap(
    fn: Callable[[T], R], items: Sequence[T], *, jobs: int | None = None, chunksize: int = 0
) -> Iterator[R]:
    """``map(fn, items)`` over up to ``jobs`` processes (see :func:`workers_for`), in order.

    ``fn`` must be a module-level function and must not raise for ordinary bad
    input (return the problem instead): an exception here is a bug.
    """
    workers = workers_for(jobs, len(items))
    if workers == 1:
        yield from map(fn, items)
        return
    if chunksize <= 0:
        chunksize = max(1, min(64, len(items) // (workers * 8)))
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(os.getpid(),)
    )
    # An interruption cancels the queued futures (in Executor.map's own clean-up, maybe
    # late, when the generator is finalized) while the pool's manager thread still runs:
    # quiet what that thread reports then, for the rest of the process.
    threading.excepthook = _quiet_pool_thread
    _LIVE.add(pool)
    try:
        yield from pool.map(fn, items, chunksize=chunksize)
    except BaseException:
        _terminate(pool)
        raise
    finally:
        _LIVE.discard(pool)
    pool.shutdown(wait=True)


@contextlib.contextmanager
def beside(fn: Callable[[], R], *, separate: bool) -> Iterator[Callable[[], R]]:
    """Run ``fn`` while the block runs: yields a function that returns ``fn()``'s result
    (or raises what it raised), waiting for it if need be.

    With ``separate``, ``fn`` (picklable: a module-level function or a ``partial`` of
    one) runs in a process of its own from the start of the block, a worker like
    :func:`pmap`'s, so that its time and the block's overlap; leaving the block stops
    it if it still runs (the result was not asked for, or the block raised). Else it
    runs in this process when its result is asked for.
    """
    if not separate:
        yield fn
        return
    from concurrent.futures import ProcessPoolExecutor  # here: not every run needs a pool

    pool = ProcessPoolExecutor(max_workers=1, initializer=_init_worker, initargs=(os.getpid(),))
    threading.excepthook = _quiet_pool_thread
    _LIVE.add(pool)
    finished = False
    try:
        future = pool.submit(fn)
        yield future.result
        finished = future.done()
    finally:
        _LIVE.discard(pool)
        if finished:
            pool.shutdown(wait=True)
        else:  # interrupted, or the result was not wanted
            _terminate(pool)


# Pools at work. An interruption may leave a pmap generator suspended (its consumer
# raised) and finalized only later: stop_all() stops their workers deterministically.
_LIVE: set[ProcessPoolExecutor] = set()


def stop_all() -> None:
    """Stop every pool still at work (workers remove their temp files and exit)."""
    for pool in list(_LIVE):
        _LIVE.discard(pool)
        with contextlib.suppress(Exception):
            _terminate(pool)
