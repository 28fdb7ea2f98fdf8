"""Time ``recstack explain`` end to end: a large CI log against a suite of recordings.

    python benchmarks/bench_explain.py [N] [--log-mb MB]

The suite is the real upstream recordings replicated to N files (default 5000, see
corpus.py, which also says where they are looked for). The log is bench_testlog.py's
(about MB megabytes, default 50: ``pytest -s -v --color=yes`` output with a replay miss
in one test of 40, all of them for requests no recording holds), plus, in its FAILURES
section, a miss for up to 200 requests the suite does hold (one per distinct request: the
corpus keeps upstream's names in folders replay does not search, so they are misplaced
or, under a stale name, misnamed), so that every kind of answer is computed.

Reported: sizes, misses, and the wall time of ``recstack explain LOG SUITE`` as a user
runs it (a fresh process: start-up included; best of three), with its two halves timed
apart in this process: reading the log, and reading the recordings (the command reads a
log file in a process of its own while it reads the recordings). Target: under 2 s
for a 50 MB log.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_testlog  # noqa: E402
import corpus  # noqa: E402

FOUND = 200  # misses of requests the suite holds (at most: one per distinct request)


def _session(suite: Path) -> list[str]:
    """A second pytest session (CI logs often hold several) whose FAILURES are misses of
    ``FOUND`` requests the suite holds, then its short test summary."""
    from recstack.selection import select
    from recstack.suite import scan

    entries = [e for e in scan(select([str(suite)])).entries if e.request_hash and e.test_id]
    entries = list({e.request_hash: e for e in entries}.values())  # one miss per request
    lines = ["=" * 29 + " test session starts " + "=" * 30, "", "=" * 35 + " FAILURES " + "=" * 35]
    summary = ["=" * 28 + " short test summary info " + "=" * 28]
    for entry in entries[:FOUND]:
        path, _, name = (entry.test_id or "").partition("::")
        lines += [
            f"{'_' * 3} {name.replace('::', '.')} {'_' * 3}",
            "",
            f"{path}:88: ",
            f"E       RuntimeError: Recording not found for request hash: {entry.request_hash}",
            f"E       Model: {entry.model or 'unknown'} | Request: POST "
            f"http://0.0.0.0:11434{entry.endpoint or '/'}",
            "E",
            "",
        ]
        summary.append(f"FAILED {entry.test_id} - RuntimeError: Recording not found for r...")
    return [*lines, *summary]


def write_log(path: Path, megabytes: int, suite: Path) -> None:
    bench_testlog.write_log(path, megabytes)
    with path.open("a", encoding="utf-8") as out:
        out.write("\n".join(_session(suite)) + "\n")


def best_of(repeat: int, command: list[str]) -> tuple[float, str]:
    best, output = float("inf"), ""
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
        best = min(best, time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            corpus.fail(f"recstack explain exited {proc.returncode}: {proc.stderr.strip()}")
        output = proc.stdout
    return best, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=5000, help="recordings (default 5000)")
    parser.add_argument("--log-mb", type=int, default=50, help="log size in MB (default 50)")
    args = parser.parse_args()
    suite = corpus.build(args.n)
    corpus.compiled()
    files, size = corpus.size_of(suite)
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "run.log"
        write_log(log, args.log_mb, suite)
        from recstack.selection import select
        from recstack.suite import scan
        from recstack.testlog import misses_in_file

        start = time.perf_counter()
        misses = misses_in_file(log)
        parse = time.perf_counter() - start
        start = time.perf_counter()
        scan(select([str(suite)]))
        read = time.perf_counter() - start
        command = [sys.executable, "-m", "recstack", "explain", str(log), str(suite)]
        wall, output = best_of(3, command)
        summary = output.strip().splitlines()[-1]
        print(f"log: {log.stat().st_size / 1e6:.1f} MB, {len(misses):,} misses")
        print(f"suite: {files:,} recordings, {size / 1e6:.1f} MB")
        print(f"explain: {wall:.2f} s end to end (best of 3)")
        print(f"  in this process: reading the log {parse:.2f} s, the recordings {read:.2f} s")
        print(f"  {summary}")


if __name__ == "__main__":
    main()
