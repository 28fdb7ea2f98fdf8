"""The code stays ruff-clean, formatted and type-checked (the tools come with the test extra)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_check_and_format() -> None:
    pytest.importorskip("ruff")
    check = _run(sys.executable, "-m", "ruff", "check", "cli", "tests", "benchmarks")
    assert check.returncode == 0, check.stdout
    formatted = _run(
        sys.executable, "-m", "ruff", "format", "--check", "cli", "tests", "benchmarks"
    )
    assert formatted.returncode == 0, formatted.stdout


def test_mypy() -> None:
    pytest.importorskip("mypy")
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout
