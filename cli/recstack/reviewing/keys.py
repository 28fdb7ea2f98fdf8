"""Single keys from the terminal, for ``recstack review``.

While the review runs (:func:`terminal_keys`), the terminal (``/dev/tty``) does not
echo and passes keys on one at a time (``tty.setcbreak``), so that a key pressed
while a page is being drawn is neither shown nor lost; each key is read in raw mode
(``tty.setraw``). Whatever ends the review (the last key, ``q``, Ctrl-C, SIGTERM, an
error), the terminal's own settings are put back in a ``finally``.

In raw mode Ctrl-C is a byte, not a signal: it is turned into KeyboardInterrupt, as
the signal would be. Ctrl-D (or the end of input) is the key ``EOF``; an escape
sequence (an arrow key) is the key ``ESC``.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
from collections.abc import Iterator
from typing import Any

EOF = "EOF"
ESC = "ESC"
_SEQUENCE_WAIT = 0.05  # seconds: the rest of an escape sequence arrives at once


class Keys:
    """Reads one key at a time from the terminal open on ``fd``; between reads the
    terminal is in ``between`` (its cbreak settings)."""

    def __init__(self, fd: int, between: list[Any]) -> None:
        self.fd = fd
        self.between = between

    def read(self) -> str:
        import termios
        import tty

        try:
            tty.setraw(self.fd, termios.TCSANOW)
            data = os.read(self.fd, 1)
            if data == b"\x1b":
                while select.select([self.fd], [], [], _SEQUENCE_WAIT)[0]:
                    if not os.read(self.fd, 16):
                        break
                return ESC
            if data and data[0] >= 0xC0:  # the first byte of a UTF-8 character
                more = 1 if data[0] < 0xE0 else 2 if data[0] < 0xF0 else 3
                data += os.read(self.fd, more)
        finally:
            termios.tcsetattr(self.fd, termios.TCSANOW, self.between)
        if data == b"\x03":
            raise KeyboardInterrupt
        if data in (b"", b"\x04"):
            return EOF
        return data.decode(errors="replace")


@contextlib.contextmanager
def _keys_on(fd: int) -> Iterator[Keys]:
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd, termios.TCSANOW)
        yield Keys(fd, termios.tcgetattr(fd))
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@contextlib.contextmanager
def terminal_keys() -> Iterator[Keys]:
    """The keys of the controlling terminal (``/dev/tty``; stdin when it is one and
    ``/dev/tty`` cannot be opened). OSError when there is no terminal."""
    flags = os.O_RDWR | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open("/dev/tty", flags)
    except OSError:
        if not sys.stdin.isatty():
            raise
        with _keys_on(sys.stdin.fileno()) as keys:
            yield keys
        return
    try:
        with _keys_on(fd) as keys:
            yield keys
    finally:
        os.close(fd)
