"""Shared fixtures: the real upstream recordings (when present) and our examples."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared" / "recordings"
REAL = SHARED / "real"
PAIRS = SHARED / "pairs"


def real_files() -> list[Path]:
    return sorted(REAL.glob("*.json")) if REAL.is_dir() else []


def pair_dirs() -> list[Path]:
    return sorted(p for p in PAIRS.iterdir() if p.is_dir()) if PAIRS.is_dir() else []


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.json"))


needs_shared = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/recordings not present")


@pytest.fixture
def real_dir() -> Path:
    if not REAL.is_dir():
        pytest.skip("../shared/recordings not present")
    return REAL


@pytest.fixture
def pairs_dir() -> Path:
    if not PAIRS.is_dir():
        pytest.skip("../shared/recordings not present")
    return PAIRS


def _writable_copy(source: Path, target: Path) -> Path:
    if not source.is_dir():
        pytest.skip("../shared/recordings not present")
    shutil.copytree(source, target)
    for path in target.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    return target


@pytest.fixture
def real_copy(tmp_path: Path) -> Path:
    """A writable copy of the real recordings in a temp dir (never the originals)."""
    return _writable_copy(REAL, tmp_path / "real")


@pytest.fixture
def pairs_copy(tmp_path: Path) -> Path:
    """A writable copy of the re-recorded pairs (``NN/{before,after}.json``) in a temp dir."""
    return _writable_copy(PAIRS, tmp_path / "pairs")


# -- the fuzzer (tests/test_fuzz.py) ----------------------------------------------------

FUZZ_DEFAULT = 5  # mutants per mutation kind in an ordinary run


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz",
        type=int,
        default=None,
        metavar="N",
        help=f"tests/test_fuzz.py: N mutants per mutation kind (default {FUZZ_DEFAULT}, "
        "or RECSTACK_FUZZ=N).",
    )


@pytest.fixture
def fuzz_count(request: pytest.FixtureRequest) -> int:
    """How many mutants per mutation kind: --fuzz N, else RECSTACK_FUZZ, else a few."""
    option = request.config.getoption("--fuzz")
    if option is not None:
        return int(option)
    return int(os.environ.get("RECSTACK_FUZZ") or FUZZ_DEFAULT)


def fuzz_seed_files() -> list[Path]:
    """The recordings the fuzzer mutates: our examples, and the real ones when present."""
    return example_files() + real_files()
