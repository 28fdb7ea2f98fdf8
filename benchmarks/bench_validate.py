"""Time `recstack validate` against check-jsonschema and against merely parsing, in one run.

    python benchmarks/bench_validate.py [N] [--subset K] [--jobs J]

On the real upstream recordings replicated to N files (default 5000, see corpus.py, which
also says where they are looked for):

- ``recstack validate CORPUS`` as a user runs it (a fresh process: start-up included);
  the corpus keeps upstream's names, stale ones included, so its ``replay-stale``
  findings are expected (and counted); ``--ignore replay-stale`` is timed too, to show
  what the rule costs;
- ``check-jsonschema --schemafile schemas/recording.schema.json`` on the same files. It is
  slow (pure-Python validation), so by default it runs on a subset of K files (default
  500) and its time is extrapolated to N; the output says so;
- parse-only: reading every file and ``json.loads`` on it, in this process, one core.

Targets (2 cores): recstack >= 10x faster than check-jsonschema, <= 2x the parse-only time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

SCHEMA = ROOT / "schemas" / "recording.schema.json"


@dataclass
class Timing:
    wall: float  # seconds on the clock
    cpu: float  # user + system seconds of all processes involved

    def scaled(self, factor: float) -> Timing:
        return Timing(self.wall * factor, self.cpu * factor)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str]) -> tuple[Timing, subprocess.CompletedProcess[bytes]]:
    cpu, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(command, capture_output=True, check=False)
    return Timing(time.perf_counter() - start, _children_cpu() - cpu), proc


def best_of(repeat: int, measure: Callable[[], Timing]) -> Timing:
    """The fastest of ``repeat`` runs (the machine is shared: the others are noise)."""
    runs = [measure() for _ in range(repeat)]
    return Timing(min(r.wall for r in runs), min(r.cpu for r in runs))


STALE_RULE = "replay-stale"


def time_recstack(root: Path, jobs: int | None, *extra: str) -> Timing:
    """One run of ``recstack validate``; only ``replay-stale`` findings are expected."""
    command = [sys.executable, "-m", "recstack", "validate", str(root), "--format", "json"]
    if jobs:
        command += ["--jobs", str(jobs)]
    timing, proc = _timed([*command, *extra])
    report = json.loads(proc.stdout)
    unexpected = [e for e in report["errors"] if e["rule"] != STALE_RULE]
    if proc.returncode not in (0, 1) or unexpected:
        raise SystemExit(f"recstack validate failed ({proc.returncode}): {unexpected[:3]}")
    STALE[" ".join(extra)] = len(report["errors"])
    return timing


STALE: dict[str, int] = {}  # replay-stale findings per run kind


def time_check_jsonschema(exe: str, files: list[Path]) -> Timing:
    timing, proc = _timed([exe, "--schemafile", str(SCHEMA), *map(str, files)])
    if proc.returncode != 0:
        raise SystemExit(f"check-jsonschema failed: {proc.stdout[-500:]!r}{proc.stderr[-500:]!r}")
    return timing


def time_parse_only(files: list[Path]) -> Timing:
    cpu, start = time.process_time(), time.perf_counter()
    for path in files:
        with open(path, "rb") as handle:
            json.loads(handle.read())
    return Timing(time.perf_counter() - start, time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=5000, help="corpus size")
    parser.add_argument("--subset", type=int, default=500, help="files for check-jsonschema")
    parser.add_argument("--jobs", type=int, default=None, help="recstack --jobs")
    parser.add_argument("--repeat", type=int, default=3, help="runs of recstack and parse-only")
    args = parser.parse_args()
    if args.n < 1 or args.subset < 1 or args.repeat < 1:
        parser.error("N, --subset and --repeat must be at least 1")

    root = corpus.build(args.n)
    corpus.compiled()
    checker = corpus.tool("check-jsonschema")
    files = sorted(root.rglob("*.json"))
    size = sum(f.stat().st_size for f in files)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"corpus: {len(files)} files, {size / 1e6:.1f} MB in {root}; {cores} cores")

    time_parse_only(files[:200])  # warm the page cache for everyone
    parse = best_of(args.repeat, lambda: time_parse_only(files))
    recstack = best_of(args.repeat, lambda: time_recstack(root, args.jobs))
    no_rule = best_of(args.repeat, lambda: time_recstack(root, args.jobs, "--ignore", STALE_RULE))
    step = max(1, len(files) // args.subset)
    subset = files[::step][: args.subset]
    measured = time_check_jsonschema(checker, subset)
    check = measured.scaled(len(files) / len(subset))
    note = ""
    if len(subset) < len(files):
        note = (
            f"extrapolated: {measured.wall:.2f} s on {len(subset)} files"
            f" x {len(files) / len(subset):.1f}"
        )

    rows = [
        (
            "recstack validate",
            recstack,
            f"best of {args.repeat}, start-up included; {STALE['']} {STALE_RULE} findings",
        ),
        (f"  --ignore {STALE_RULE}", no_rule, "the same without the rule"),
        ("check-jsonschema", check, note),
        ("parse only (json.loads)", parse, f"best of {args.repeat}, one core, in-process"),
    ]
    print()
    print(f"{'':<24} {'wall s':>7} {'ratio':>7} {'cpu s':>7} {'ratio':>7}  note")
    for name, timing, text in rows:
        print(
            f"{name:<24} {timing.wall:>7.2f} {timing.wall / recstack.wall:>6.1f}x"
            f" {timing.cpu:>7.2f} {timing.cpu / recstack.cpu:>6.1f}x  {text}"
        )
    print("(ratio: this row's time / recstack's)")
    print()
    faster, ratio = check.wall / recstack.wall, recstack.wall / parse.wall
    print(
        f"recstack is {faster:.1f}x faster than check-jsonschema (target >= 10x): "
        f"{'met' if faster >= 10 else 'NOT met'}"
    )
    print(
        f"recstack takes {ratio:.2f}x the parse-only time (target <= 2x): "
        f"{'met' if ratio <= 2 else 'NOT met'}"
    )
    print(f"load average at the end: {' '.join(map(str, os.getloadavg()))}")


if __name__ == "__main__":
    main()
