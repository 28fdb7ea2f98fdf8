"""Drive a command through a pseudo-terminal, as a person at a terminal would."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

from git_fixtures import GIT_ENV

WAIT = 60.0  # seconds for the command to show what is awaited (a hang fails the test)


class PtySession:
    """``python -m recstack ARGS`` (or ``python -c CODE ARGS``) with a terminal for
    stdin, stdout, stderr and ``/dev/tty``."""

    def __init__(
        self,
        args: list[str],
        cwd: Path,
        *,
        code: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        argv = [sys.executable, *(["-c", code] if code else ["-m", "recstack"]), *args]
        env = {
            **os.environ,
            **GIT_ENV,
            "COLUMNS": "120",
            "LINES": "40",
            "TERM": "dumb",
            **(env or {}),
        }
        pid, fd = pty.fork()
        if pid == 0:  # the child: a new session whose controlling terminal is the pty
            try:
                os.chdir(cwd)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.output = b""
        self.status: int | None = None

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.output += data
        return bool(data)

    def expect(self, text: str, count: int = 1) -> str:
        """Read until ``text`` has appeared ``count`` times in all the output so far."""
        deadline = time.monotonic() + WAIT
        needle = text.encode()
        while self.output.count(needle) < count:
            if time.monotonic() > deadline or not self._read(0.2):
                raise AssertionError(f"never saw {text!r} in:\n{self.text}")
        return self.text

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def wait(self) -> int:
        """Read everything to the end; the exit status (128 + N for a signal N)."""
        deadline = time.monotonic() + WAIT
        while self._read(0.2):
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"still running after {WAIT} s:\n{self.text}")
        _, status = os.waitpid(self.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        self.status = code if code >= 0 else 128 - code
        return self.status

    def kill(self) -> None:
        """End the process if it still runs (a failed test), and close the terminal."""
        if self.status is None:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            self.status = -1
        with contextlib.suppress(OSError):
            os.close(self.fd)

    @property
    def text(self) -> str:
        return self.output.decode(errors="replace").replace("\r\n", "\n")
