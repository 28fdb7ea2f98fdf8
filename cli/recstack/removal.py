"""Deleting one file safely: only the file that was judged, only inside its tree.

:func:`place_of` checks, before a file is even read, that deleting ``path`` would
delete a regular file inside ``tree`` (the folder it was found under): never a
symbolic link (nor what it points to), never a file whose folder leads out of the
tree. :func:`remove_file` deletes it if it is still exactly the file that was read.

The check and the unlink go through a descriptor of the file's folder (``dir_fd``),
opened from the tree down one folder at a time without following a symbolic link (so
it is inside the tree, whatever happened to the paths since); the name in it is
``lstat``-ed and must be the same regular file as the ``fstat`` taken when it was read
(device, inode, size and mtime). A folder
swapped for a symbolic link, a file replaced, edited or turned into a link after it
was judged: each is refused with its reason (:class:`Refused`), and nothing is
deleted. POSIX has no compare-and-unlink, so a change between the last ``lstat`` and
the ``unlink`` (two system calls) cannot be seen. Where ``dir_fd`` is not supported
the same checks run on the path.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from recstack.snapshot import same_file

__all__ = ["Refused", "place_of", "remove_file"]

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIR_FD = {os.open, os.stat, os.unlink} <= os.supports_dir_fd and _NOFOLLOW != 0


class Refused(Exception):
    """A file that must not be deleted; ``reason`` says why. Nothing was deleted."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = os.fspath(path)
        self.reason = reason


def _within(tree: str, folder: str) -> bool:
    return folder == tree or os.path.commonpath([tree, folder]) == tree


def place_of(path: Path | str, tree: Path | str) -> tuple[str, str]:
    """(the real folder holding ``path``, its name there), if deleting ``path`` deletes
    a regular file inside ``tree``; else :class:`Refused`. Raises OSError when the file
    cannot be looked at."""
    folder, name = os.path.split(os.path.abspath(path))
    real_folder = os.path.realpath(folder)
    real_tree = os.path.realpath(tree)
    if not _within(real_tree, real_folder):
        shown = os.fspath(tree)
        raise Refused(path, f"its folder leads out of {shown.rstrip(os.sep) + os.sep}")
    info = os.lstat(os.path.join(real_folder, name))
    if stat.S_ISLNK(info.st_mode):
        raise Refused(path, "a symbolic link: never deleted, nor what it points to")
    if not stat.S_ISREG(info.st_mode):
        raise Refused(path, "not a regular file")
    return real_folder, name


def _check(path: Path | str, now: os.stat_result, seen: os.stat_result) -> None:
    if stat.S_ISLNK(now.st_mode):
        raise Refused(path, "turned into a symbolic link after it was read")
    if not stat.S_ISREG(now.st_mode):
        raise Refused(path, "not a regular file")
    if not same_file(seen, now):
        raise Refused(path, "changed after it was read")


def _open_folder(real_tree: str, real_folder: str) -> int:
    """A descriptor of ``real_folder``, reached from ``real_tree`` one folder at a time
    without following a symbolic link: whatever happens to the paths meanwhile, it is
    a folder inside the tree."""
    fd = os.open(real_tree, _DIR_FLAGS)
    try:
        for part in Path(os.path.relpath(real_folder, real_tree)).parts:
            if part != os.curdir:
                inner = os.open(part, _DIR_FLAGS | _NOFOLLOW, dir_fd=fd)
                os.close(fd)
                fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


def remove_file(path: Path | str, seen: os.stat_result, tree: Path | str) -> None:
    """Delete ``path`` if it is still the regular file ``seen`` (the ``fstat`` it was read
    with), inside ``tree``. Raises :class:`Refused` (nothing deleted) or OSError."""
    folder, name = place_of(path, tree)
    if not _DIR_FD:
        target = os.path.join(folder, name)
        _check(path, os.lstat(target), seen)
        os.unlink(target)
        return
    try:
        fd = _open_folder(os.path.realpath(tree), folder)
    except OSError as exc:
        raise Refused(path, f"its folder changed after it was read ({exc.strerror})") from None
    try:
        _check(path, os.stat(name, dir_fd=fd, follow_symlinks=False), seen)
        os.unlink(name, dir_fd=fd)
    except FileNotFoundError:
        raise Refused(path, "deleted by someone else after it was read") from None
    finally:
        os.close(fd)
