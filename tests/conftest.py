"""Shared fixtures: the real upstream recordings (when present) and our examples.

The real recordings are not part of the repository: a folder with ``real/`` (upstream
recordings) and ``pairs/NN/{before,after}.json`` (re-recordings) is looked for in
``$RECSTACK_SHARED``, else in ``shared/recordings`` next to the repository. The tests
that need it skip, saying what is missing and how to provide it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = Path(os.environ.get("RECSTACK_SHARED") or ROOT.parent / "shared" / "recordings")
REAL = SHARED / "real"
PAIRS = SHARED / "pairs"


def upstream_bytes(data: Any) -> bytes:
    """The reference of upstream's on-disk layout: ``json.dumps(obj, indent=2) + "\\n"``."""
    return (json.dumps(data, indent=2) + "\n").encode("ascii")


def _tree_digest(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="session", autouse=True)
def examples_stay_untouched() -> Iterator[None]:
    """No test may write to the repository's examples (a command run without a PATH
    reads the current directory: tests give paths, or chdir to a temp folder)."""
    before = _tree_digest(EXAMPLES)
    yield
    changed = sorted(k for k, v in _tree_digest(EXAMPLES).items() if before.get(k) != v)
    assert not changed, f"a test rewrote examples/: {changed}"


def missing(what: Path) -> str:
    """Why a test that needs the real recordings is skipped, and how to run it."""
    return (
        f"the real upstream recordings are not here (no {what}): set"
        " RECSTACK_SHARED=/path/to/shared/recordings, or put shared/recordings next to"
        " the repository"
    )


def real_files() -> list[Path]:
    return sorted(REAL.glob("*.json")) if REAL.is_dir() else []


def pair_dirs() -> list[Path]:
    return sorted(p for p in PAIRS.iterdir() if p.is_dir()) if PAIRS.is_dir() else []


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.json"))


needs_shared = pytest.mark.skipif(not REAL.is_dir(), reason=missing(REAL))


@pytest.fixture
def real_dir() -> Path:
    if not REAL.is_dir():
        pytest.skip(missing(REAL))
    return REAL


@pytest.fixture
def pairs_dir() -> Path:
    if not PAIRS.is_dir():
        pytest.skip(missing(PAIRS))
    return PAIRS


def _writable_copy(source: Path, target: Path) -> Path:
    if not source.is_dir():
        pytest.skip(missing(source))
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


_ROW = re.compile(r"^\| (\S+\.json) \| (\w+) \| (\S+) \|$", re.M)


def _provenance(real_dir: Path) -> dict[str, tuple[str, str]]:
    """Real file name -> (upstream commit, upstream path), from the shared README."""
    readme = SHARED / "README.md"
    if not readme.is_file():
        pytest.skip(missing(readme))
    rows = {name: (commit, path) for name, commit, path in _ROW.findall(readme.read_text())}
    assert set(rows) == {p.name for p in real_dir.glob("*.json")}
    return rows


@pytest.fixture
def upstream_tree(real_dir: Path, tmp_path: Path) -> dict[str, Path]:
    """Each real file copied to its upstream path, one tree per upstream commit
    (``tmp_path/<commit>/tests/integration/.../recordings/<name>``)."""
    placed: dict[str, Path] = {}
    for name, (commit, path) in _provenance(real_dir).items():
        target = tmp_path / commit / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(real_dir / name, target)
        placed[name] = target
    return placed


# -- the fuzzer (tests/test_fuzz.py) ----------------------------------------------------

FUZZ_DEFAULT = 5  # mutants per mutation kind in an ordinary run


def pytest_configure(config: pytest.Config) -> None:
    """Compile recstack's modules once, as an installation does: the suite runs
    ``recstack`` a few hundred times in fresh processes, and with
    PYTHONDONTWRITEBYTECODE set (or an editable install never compiled) each of them
    would compile every module it imports again."""
    if hasattr(config, "workerinput"):  # an xdist worker: the controller did it
        return
    import compileall

    compileall.compile_dir(ROOT / "cli" / "recstack", quiet=2)


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
