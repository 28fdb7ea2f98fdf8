"""Run the CLI in-process (fast) or as a real subprocess (for stdin/TTY/exit details)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from recstack.app import app


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run(*args: str | Path, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    """Invoke ``recstack ARGS`` in-process; stdout and stderr kept apart."""
    runner = CliRunner()
    merged = {"NO_COLOR": "1", "COLUMNS": "120", **(env or {})}
    result = runner.invoke(app, [str(a) for a in args], input=input, env=merged)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result.exit_code, result.stdout, result.stderr)


def run_process(
    *args: str | Path,
    input: str | bytes | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
) -> Result:
    """Run ``python -m recstack ARGS`` as a subprocess (killed after ``timeout`` seconds:
    a command that hangs fails its test with TimeoutExpired)."""
    merged = {**os.environ, "NO_COLOR": "1", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "recstack", *map(str, args)],
        input=input.encode() if isinstance(input, str) else input,
        capture_output=True,
        env=merged,
        cwd=cwd,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())
