"""The git side of ``recstack review``: which files differ from the revision, what the
revision holds for each, and putting the revision's bytes back.

Git is asked as :mod:`recstack.diffing.gitsource` asks it: the revision is resolved
to a commit id first (``rev-parse --verify --end-of-options``; a text starting with
``-`` never reaches git), later commands get that id, paths follow ``--`` and are
read literally (``--literal-pathspecs``), output is read NUL-separated (``-z``), and
blobs are read by object id (``cat-file --batch``).

Restoring touches only the files of one compared recording, and only when each is
still what it was when the review compared it (the ``lstat`` taken before the
comparison: same inode, size and mtime; a file that was absent is still absent).
Bytes are written atomically (:mod:`recstack.writing`): a file that exists keeps its
mode, owner and group; a file that comes back gets the revision's mode (``100755``:
executable) under the umask, as ``git checkout`` does. A path whose folders are not
plain folders inside the repository (a symbolic link on the way) is left alone.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from recstack.diffing.gitsource import (
    GitError,
    Range,
    changed_files,
    commit_id,
    display_name,
    git,
    read_blobs,
    shown,
)
from recstack.problems import Problem
from recstack.reviewing.model import Entry, RevisionFile
from recstack.writing import RefusedWrite, ensure_unchanged, write_atomic

_BATCH = 500  # paths per ls-tree call


def resolve(revision: str, cwd: Path | None = None) -> str:
    """The commit id ``revision`` names; a GitError for a range or a bad revision."""
    if ".." in revision:
        raise GitError(
            Problem(
                "git",
                f"'{shown(revision)}': review compares the working tree with one revision, "
                "not a range",
                rule="usage",
            )
        )
    found = commit_id(revision, cwd)
    if found is None:
        raise GitError(Problem("git", f"bad revision '{shown(revision)}'", rule="io"))
    return found


def revision_files(commit: str, root: Path, paths: Sequence[bytes]) -> dict[bytes, RevisionFile]:
    """What the commit holds at each path (regular files only), from ``git ls-tree``."""
    found: dict[bytes, RevisionFile] = {}
    for start in range(0, len(paths), _BATCH):
        batch = [os.fsdecode(p) for p in paths[start : start + _BATCH]]
        out = git(
            "--literal-pathspecs", "ls-tree", "-z", "--full-tree", commit, "--", *batch, cwd=root
        )
        for record in out.split(b"\0"):
            meta, _, path = record.partition(b"\t")
            parts = meta.decode(errors="replace").split()
            if len(parts) == 3 and parts[1] == "blob" and parts[0] in ("100644", "100755"):
                found[path] = RevisionFile(parts[0], parts[2])
    return found


def _lstat(path: str) -> os.stat_result | None:
    """The file's ``lstat``; None when it is absent or cannot be looked at (:func:`check`
    looks again, and refuses what it cannot see)."""
    try:
        return os.lstat(path)
    except OSError:
        return None


def entries(
    commit: str,
    root: Path,
    pathspecs: Sequence[str] = (),
    *,
    where: Path | None = None,
) -> dict[str, Entry | None]:
    """Each recording that differs between the commit and the working tree (untracked
    ones included), by the name reports give it; None for a name two paths share once
    escaped (such a file is never touched). Taken before the comparison: what a
    restore later checks the working tree against."""
    rng = Range(commit, None, commit[:12])
    changed = changed_files(rng, root, pathspecs, where=where).files
    held = revision_files(commit, root, [c.path for c in changed if c.old is not None])
    found: dict[str, Entry | None] = {}
    for item in changed:
        name = display_name(item.path)
        seen = _lstat(os.path.join(root, os.fsdecode(item.path)))
        entry = Entry(item.path, name, held.get(item.path), seen)
        found[name] = None if name in found else entry
    return found


def unmerged(root: Path) -> set[bytes]:
    """The paths with merge conflicts (git's unmerged index entries)."""
    out = git("ls-files", "--unmerged", "-z", "--full-name", cwd=root)
    return {record.partition(b"\t")[2] for record in out.split(b"\0") if b"\t" in record}


# -- restoring ------------------------------------------------------------------------


def _plain_folders(root: Path, raw: bytes) -> bool:
    """Every folder on the way to ``raw`` that exists is a real folder inside ``root``
    (no symbolic link leads elsewhere)."""
    real_root = os.path.realpath(root)
    folder = os.path.dirname(os.fsdecode(raw))
    while True:
        expected = os.path.join(real_root, folder) if folder else real_root
        if os.path.lexists(expected):
            return os.path.realpath(expected) == os.path.normpath(expected)
        folder = os.path.dirname(folder)


def check(entry: Entry, root: Path) -> None:
    """Raise RefusedWrite unless the entry's file may be restored: it is still as it was
    when compared (absent if it was), in plain folders of the repository."""
    path = os.path.join(root, os.fsdecode(entry.raw))
    if not _plain_folders(root, entry.raw):
        raise RefusedWrite(entry.name, "a folder on its path is a symbolic link")
    if entry.seen is None:
        try:
            os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            return
        raise RefusedWrite(entry.name, "created after it was compared")
    if not stat.S_ISREG(entry.seen.st_mode):
        raise RefusedWrite(entry.name, "not a regular file")
    try:
        ensure_unchanged(path, entry.seen, tree=root)
    except RefusedWrite as exc:
        reason = "changed after it was compared" if "after it was" in exc.reason else exc.reason
        raise RefusedWrite(entry.name, reason) from None


def restore(entries: Sequence[Entry], root: Path, *, dry_run: bool = False) -> None:
    """Make each entry's file what the revision holds: its bytes written back, the file
    created again, or (new in the working tree) removed. Every entry is checked before
    any is touched; files are written before any is removed, and when a later step fails
    the files created by earlier ones are removed again (nothing is left half-restored).
    Raises RefusedWrite (left alone), GitError or OSError."""
    for entry in entries:
        check(entry, root)
    if dry_run:
        return
    ids = [e.revision.oid for e in entries if e.revision is not None]
    blobs = read_blobs(ids, root)
    created: list[str] = []
    try:
        for entry in sorted(entries, key=lambda e: e.revision is None):
            path = os.path.join(root, os.fsdecode(entry.raw))
            if entry.revision is None:
                if entry.seen is not None:
                    os.unlink(path)
                continue
            data = blobs.get(entry.revision.oid)
            if data is None:
                raise GitError(Problem(entry.name, "the revision's blob cannot be read", rule="io"))
            if entry.seen is None:
                _create(path, data, entry.revision.mode, root)
                created.append(path)
            else:
                _rewrite(path, data, entry.seen, root)
    except BaseException:
        _remove_quietly(created)
        raise


def _rewrite(path: str, data: bytes, seen: os.stat_result, root: Path) -> None:
    with open(path, "rb") as handle:
        if handle.read(len(data) + 1) == data:
            return  # already the revision's bytes (a mode change only)
    write_atomic(path, data, seen=seen, tree=root)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _create(path: str, data: bytes, mode: str, root: Path) -> None:
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    write_atomic(path, data, tree=root)
    bits = (0o777 if mode == "100755" else 0o666) & ~_umask()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        os.fchmod(fd, bits)
    finally:
        os.close(fd)


def _remove_quietly(paths: Iterable[str]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            os.unlink(path)
