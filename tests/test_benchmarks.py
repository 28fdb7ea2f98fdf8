"""The benchmarks say what is missing instead of failing with a traceback.

They run on the real upstream recordings, which are not part of the repository: without
them each script prints one line (what is missing, where it was looked for, how to
provide it) and exits 2. The corpus builder works on any folder of recordings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT, example_files

BENCHMARKS = ROOT / "benchmarks"
NEEDS_REAL = [
    "corpus.py",
    "bench_validate.py",
    "bench_normalize.py",
    "bench_diff.py",
    "bench_ls.py",
    "bench_explain.py",
]


def _run(script: str, *args: str, shared: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RECSTACK_SHARED": str(shared), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.parametrize("script", NEEDS_REAL)
def test_without_the_real_recordings_one_line_and_exit_2(script: str, tmp_path: Path) -> None:
    shared = tmp_path / "nowhere" / "recordings"
    # A corpus size nobody has built, so that no finished corpus is reused (or replaced).
    args = ["--quick"] if script == "bench_diff.py" else ["13"]
    proc = _run(script, *args, shared=shared)
    assert (proc.returncode, proc.stdout) == (2, ""), proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"{script}: ")
    assert f"{shared / 'real'}" in lines[0]  # where it looked
    assert "RECSTACK_SHARED=/path/to/shared/recordings" in lines[0]  # how to provide them
    assert "next to the repository" in lines[0]


def test_corpus_replicates_the_recordings_it_is_given(tmp_path: Path) -> None:
    shared = tmp_path / "shared" / "recordings"
    shutil.copytree(EXAMPLES, shared / "real", ignore=shutil.ignore_patterns("*.md"))
    dest = tmp_path / "corpus"
    proc = _run("corpus.py", "25", str(dest), shared=shared)
    assert proc.returncode == 0, proc.stderr
    files = sorted(dest.rglob("*.json"))
    assert len(files) == 25
    assert all(len(f.stem) == 64 and f.parent.name == "recordings" for f in files)
    sources = {f.read_bytes() for f in example_files()}
    assert {f.read_bytes() for f in files} == sources  # 25 copies cover all 19 examples
    assert proc.stdout == f"{dest}: 25 files, {sum(f.stat().st_size for f in files) / 1e6:.1f} MB\n"


def test_corpus_keeps_upstream_names(tmp_path: Path) -> None:
    """A source named <area>-<upstream name> is copied under its upstream name, one
    folder per round of copies, so replay judges the copies as the originals."""
    shared = tmp_path / "shared" / "recordings"
    (shared / "real").mkdir(parents=True)
    name = "0123456789ab" * 5 + "0123"
    shutil.copyfile(EXAMPLES / "chat.json", shared / "real" / f"inference-{name}.json")
    shutil.copyfile(EXAMPLES / "models.json", shared / "real" / f"old-recordings-{name[:12]}.json")
    dest = tmp_path / "corpus"
    proc = _run("corpus.py", "5", str(dest), shared=shared)
    assert proc.returncode == 0, proc.stderr
    files = sorted(str(f.relative_to(dest)) for f in dest.rglob("*.json"))
    assert files == [
        f"inference0/recordings/{name}.json",
        f"inference1/recordings/{name}.json",
        f"inference2/recordings/{name}.json",
        f"old0/recordings/{name[:12]}.json",
        f"old1/recordings/{name[:12]}.json",
    ]


def test_startup_benchmark_needs_no_recordings_and_refuses_what_is_no_checkout(
    tmp_path: Path,
) -> None:
    """bench_startup.py times examples/ only; a --before that is no recstack tree is one
    line and exit 2, before anything runs."""
    proc = _run("bench_startup.py", "--before", str(tmp_path), shared=tmp_path / "nowhere")
    assert (proc.returncode, proc.stdout) == (2, ""), proc.stderr
    assert proc.stderr == (
        f"bench_startup.py: {tmp_path}: not a checkout of recstack (no cli/recstack/__init__.py)\n"
    )


@pytest.mark.parametrize("script", sorted(p.name for p in BENCHMARKS.glob("*.py")))
def test_every_script_answers_help_without_the_real_recordings(script: str, tmp_path: Path) -> None:
    proc = _run(script, "--help", shared=tmp_path / "nowhere")
    assert proc.returncode == 0, proc.stderr
    assert "usage:" in proc.stdout and "Traceback" not in proc.stderr
