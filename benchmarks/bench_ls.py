"""Time `recstack ls` against `recstack validate` on the same corpus, in one run.

    python benchmarks/bench_ls.py [N] [--jobs J] [--repeat R]

On the real upstream recordings replicated to N files (default 5000, see corpus.py, which
also says where they are looked for), each command as a user runs it (a fresh process:
start-up included), best of R runs (default 3):

- ``recstack validate CORPUS --format json``: the reference;
- ``recstack ls CORPUS --format json``: every recording with its replay verdict;
- ``recstack ls --stats --by dir``, ``--hash`` (reads the rec- ids of each response) and
  ``--grep`` (reassembles every answer): what the heavier filters cost, for information.

Target (2 cores): ``ls`` within 1.5x of ``validate``'s time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from bench_validate import Timing, _timed, best_of  # noqa: E402

TARGET = 1.5


def time_command(root: Path, jobs: int | None, *args: str) -> Timing:
    """One run of ``recstack ARGS CORPUS`` (exit 0 or 1: findings are expected)."""
    command = [sys.executable, "-m", "recstack", *args, str(root)]
    if jobs:
        command += ["--jobs", str(jobs)]
    timing, proc = _timed(command)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}): {proc.stderr[-500:]!r}")
    return timing


def lines_of(root: Path, *args: str) -> int:
    """How many lines ``recstack ARGS CORPUS`` prints (what a row's run found)."""
    command = [sys.executable, "-m", "recstack", *args, str(root)]
    proc = subprocess.run(command, capture_output=True, check=False)
    return proc.stdout.count(b"\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=5000, help="corpus size")
    parser.add_argument("--jobs", type=int, default=None, help="recstack --jobs")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command")
    args = parser.parse_args()
    if args.n < 1 or args.repeat < 1:
        parser.error("N and --repeat must be at least 1")

    root = corpus.build(args.n)
    corpus.compiled()
    files = sorted(root.rglob("*.json"))
    size = sum(f.stat().st_size for f in files)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"corpus: {len(files)} files, {size / 1e6:.1f} MB in {root}; {cores} cores")

    runs = [
        ("recstack validate", ("validate", "--format", "json")),
        ("recstack ls", ("ls", "--format", "json")),
        ("ls --stats --by dir", ("ls", "--stats", "--by", "dir", "--format", "json")),
        ("ls --hash 54aa690e", ("ls", "--hash", "54aa690e", "--format", "json")),
        ("ls --grep Paris", ("ls", "--grep", "Paris", "--format", "json")),
    ]
    time_command(root, args.jobs, "validate", "--format", "json")  # warm the page cache
    timings = {
        name: best_of(args.repeat, lambda argv=argv: time_command(root, args.jobs, *argv))
        for name, argv in runs
    }
    validate = timings["recstack validate"]
    print()
    print(f"{'':<22} {'wall s':>7} {'ratio':>7} {'cpu s':>7} {'ratio':>7}  lines out")
    for name, argv in runs:
        timing = timings[name]
        print(
            f"{name:<22} {timing.wall:>7.2f} {timing.wall / validate.wall:>6.2f}x"
            f" {timing.cpu:>7.2f} {timing.cpu / validate.cpu:>6.2f}x  {lines_of(root, *argv)}"
        )
    print(f"(best of {args.repeat}, start-up included; ratio: this row's time / validate's)")
    print()
    ratio = timings["recstack ls"].wall / validate.wall
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"recstack ls takes {ratio:.2f}x validate's time (target <= {TARGET}x): {verdict}")
    print(f"load average at the end: {' '.join(map(str, os.getloadavg()))}")


if __name__ == "__main__":
    main()
