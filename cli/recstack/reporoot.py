"""The repository root a recording belongs to, and folders under it.

Replay's directories are relative to the repository root: a test id names its test
file from there (``tests/integration/agents/test_x.py::...``), and the recordings of
that test live in ``tests/integration/agents/recordings/``
(``docs/format.md#directories``). To move a recording to such a folder, its root is
found by walking up from the folder that holds it; the root is the first folder that

1. holds the test file the test id names (``<root>/tests/integration/agents/test_x.py``),
   or
2. holds ``.git`` (a folder, or a file in a git worktree) or ``pyproject.toml``.

The walk stops at the first such folder: it never looks past a repository's top. A
recording with no such folder above it has no root, and is not moved. A folder under
the root is refused when it would lead out of it (``..``, an absolute path, or a
symbolic link pointing elsewhere).
"""

from __future__ import annotations

import os

from recstack.testids import safe_test_file

MARKERS = (".git", "pyproject.toml")


class BadFolder(ValueError):
    """A folder that recstack will not create or write to (the message says why)."""


class OutsideRoot(BadFolder):
    """A folder that would not be under the repository root."""


def find_root(folder: str, test_file: str | None = None) -> str | None:
    """The repository root above ``folder`` (absolute), or None (see the module docstring)."""
    here = os.path.abspath(folder)
    usable = test_file if test_file and safe_test_file(test_file) else None
    while True:
        if usable is not None and os.path.isfile(os.path.join(here, usable)):
            return here
        if any(os.path.lexists(os.path.join(here, marker)) for marker in MARKERS):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _within(root: str, path: str) -> bool:
    return path == root or os.path.commonpath([root, path]) == root


def folder_under(root: str, relative: str) -> str:
    """``root/relative``, normalized; :class:`OutsideRoot` when it leaves ``root``, by its
    name or through a symbolic link among the parts that exist; :class:`BadFolder` for a
    name no file system takes (a NUL character)."""
    if "\x00" in relative:
        raise BadFolder(f"{relative!r} holds a NUL character: no folder has that name")
    root = os.path.abspath(root)
    folder = os.path.normpath(os.path.join(root, relative))
    if not _within(root, folder):
        raise OutsideRoot(f"{relative} is not under the repository root {root}")
    if not _within(os.path.realpath(root), os.path.realpath(folder)):
        raise OutsideRoot(f"{relative} leads out of the repository root {root} (a symbolic link)")
    return folder
