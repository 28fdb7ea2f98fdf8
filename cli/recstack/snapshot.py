"""Reading one regular file, and remembering what it was when it was read.

Only regular files are read: a FIFO would block, a device (``/dev/zero``) never ends.
The file is opened with ``O_NONBLOCK`` (opening a FIFO then returns at once), the
open descriptor is checked with ``fstat`` and refused unless it is a regular file,
and only then read: there is no window between a check and the open.

The ``fstat`` of the open file is kept with its bytes (:class:`Snapshot`), so a
later rewrite can tell whether the file is still the one that was read
(:func:`same_file`).

A test log or a list of tests is a stream, read once from start to end: there a pipe
is fine (``recstack explain <(pytest ...)``, ``pytest | recstack explain -``), and so is
a terminal, and the null device (empty), but a device such as ``/dev/zero`` never ends
and is refused (:func:`open_stream`, :func:`check_stream`).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFile(OSError):
    """The path names something other than a regular file or a directory."""

    def __init__(self, path: str, kind: str) -> None:
        super().__init__(errno.EINVAL, f"not a regular file ({kind})", path)
        self.kind = kind


@dataclass(frozen=True)
class Snapshot:
    """A file's bytes and the ``fstat`` of the descriptor they were read from."""

    raw: bytes
    stat: os.stat_result


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words ("a FIFO", "a character device", ...)."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


class RegularFile:
    """A regular file opened for reading (refused when it is anything else), with the
    ``fstat`` of its descriptor; read in blocks (:meth:`read`) or whole (:meth:`read_all`).
    A context manager: closed on exit."""

    def __init__(self, path: Path | str) -> None:
        fd = os.open(path, _READ_FLAGS)
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError(errno.EISDIR, "Is a directory", os.fspath(path))
            if not stat.S_ISREG(info.st_mode):
                raise NotRegularFile(os.fspath(path), kind_of(info.st_mode))
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd
        self.stat = info

    def read(self, size: int) -> bytes:
        """The next ``size`` bytes at most (empty at the end)."""
        return os.read(self.fd, size)

    def read_all(self) -> bytes:
        """The whole file, from its first byte."""
        os.lseek(self.fd, 0, os.SEEK_SET)
        chunks = []
        while True:
            chunk = os.read(self.fd, max(self.stat.st_size + 1, 65536))
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> RegularFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_null(info: os.stat_result) -> bool:
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    return stat.S_ISCHR(info.st_mode) and info.st_rdev == null.st_rdev


def _check_stream_fd(fd: int, name: str) -> None:
    """Raise :class:`NotRegularFile` unless ``fd`` is a regular file, a pipe, a terminal
    or the null device."""
    info = os.fstat(fd)
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "Is a directory", name)
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or os.isatty(fd) or _is_null(info)):
        raise NotRegularFile(name, kind_of(mode))


def open_stream(path: str | os.PathLike[str]) -> BinaryIO:
    """``path`` opened for reading to its end: a regular file, a pipe (a FIFO with no
    writer reads as empty, it is not waited on), a terminal or the null device. Raises
    :class:`NotRegularFile` for a device or socket (never read), OSError for the rest."""
    fd = os.open(path, _READ_FLAGS)
    try:
        _check_stream_fd(fd, os.fspath(path))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def check_stream(stream: IO[Any], name: str = "-") -> None:
    """Raise :class:`NotRegularFile` when the standard input ``stream`` is a device
    or socket that :func:`open_stream` would refuse (a stream without a descriptor,
    in memory, is fine)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return
    _check_stream_fd(fd, name)


def read_snapshot(path: Path | str) -> Snapshot:
    """The bytes of the regular file ``path`` with its ``fstat``.

    Raises IsADirectoryError for a directory, :class:`NotRegularFile` for a FIFO,
    device or socket (never read, never waited on), OSError for the rest.
    """
    with RegularFile(path) as handle:
        return Snapshot(handle.read_all(), handle.stat)


def same_file(seen: os.stat_result, now: os.stat_result) -> bool:
    """``now`` is the file that was ``seen``: same device and inode, size and mtime."""
    return (seen.st_dev, seen.st_ino, seen.st_size, seen.st_mtime_ns) == (
        now.st_dev,
        now.st_ino,
        now.st_size,
        now.st_mtime_ns,
    )
