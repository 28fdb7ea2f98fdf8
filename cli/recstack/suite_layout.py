"""Whether a file sits in a tree laid out like the suite's, so that its directory can
be judged.

Replay looks for a recording in ``<test dir>/recordings/`` and in the fallback
directory, both relative to the repository root (``docs/format.md#directories``).
:func:`recstack.replay.check` compares the tail of a file's path with them, so a file
of the right name anywhere else is ``stale`` (``wrong-directory``). That is right in a
checkout of the suite, and noise in a folder that is simply not laid out like it (a
flat copy of recordings, a benchmark corpus): every file with a test id would be
stale.

So :func:`verdict` judges the directory only when the file sits under a folder named
like the last folder of a directory replay searches (``recordings``) and, above that
folder, the path holds the root those directories start from (what comes before
``<test dir>/recordings``: ``tests/integration`` by default). Elsewhere a file is
judged by its name alone, as if it sat where replay looks. ``recstack validate``'s
``replay-stale`` rule and ``recstack ls`` use it.
"""

from __future__ import annotations

import os
import posixpath
from functools import lru_cache

from recstack.recording import Recording
from recstack.replay import (
    DEFAULT_FALLBACK_DIR,
    ReplayCause,
    ReplayVerdict,
    check,
    expected_dirs,
)


def _holds(parts: list[str], run: tuple[str, ...]) -> bool:
    """Whether ``run`` occurs in ``parts`` as consecutive items (an empty run always does)."""
    width = len(run)
    return any(tuple(parts[i : i + width]) == run for i in range(len(parts) - width + 1))


def suite_like(path: str | os.PathLike[str], dirs: tuple[str, ...]) -> bool:
    """Whether ``path`` sits in a tree laid out like the one ``dirs`` are relative to.

    For each directory replay searches (``tests/integration/inference/recordings``):
    some folder above the file bears its last name (``recordings``) and the folders
    above that one hold its root (``tests/integration``) in a row.
    """
    return _suite_folder(os.path.dirname(os.path.abspath(path)), dirs)


@lru_cache(maxsize=1024)  # the files of one folder, the recordings of one test
def _suite_folder(parent: str, dirs: tuple[str, ...]) -> bool:
    parents: list[str] | None = None
    for directory in dirs:
        wanted = tuple(part for part in directory.split("/") if part)
        if not wanted or wanted[-1] not in parent:  # the common case, at C speed
            continue
        root, last = wanted[:-2], wanted[-1]
        parents = parents or parent.split(os.sep)
        for index, part in enumerate(parents):
            if part == last and _holds(parents[:index], root):
                return True
    return False


def verdict(
    path: str | os.PathLike[str],
    recording: Recording,
    *,
    fallback_dir: str = DEFAULT_FALLBACK_DIR,
) -> ReplayVerdict:
    """:func:`recstack.replay.check`, the directory judged only in a suite-like tree.

    Outside one, a file is judged as if it sat in the first directory replay searches:
    by its name alone (its digest still counts). One key is computed, as by ``check``.
    Never raises.
    """
    dirs = expected_dirs(recording.test_id, fallback_dir)
    if suite_like(path, dirs):
        return check(path, recording, fallback_dir=fallback_dir)
    name = os.path.basename(os.fspath(path))
    found = check(posixpath.join(dirs[0], name), recording, fallback_dir=fallback_dir)
    if found.cause is ReplayCause.WRONG_DIRECTORY and found.expected_dirs:
        # replay read the test id otherwise (a mapped id): judge where it looks
        in_place = posixpath.join(found.expected_dirs[0], name)
        found = check(in_place, recording, fallback_dir=fallback_dir)
    return found
