"""Time how fast recstack starts: the calls made once per file, many times over.

    python benchmarks/bench_startup.py [-n RUNS] [--before TREE]

``git diff`` runs ``recstack show --format text`` once per changed recording (a textconv
driver), pre-commit runs a command per hook, the test suite spawns recstack hundreds of
times: on one small file, start-up is most of the time. Each command below runs RUNS
times (default 15) as a fresh process, ``python -m recstack ...`` on ``examples/`` (the
shared recordings are not needed), and the table gives the median wall time, in two
settings:

- ``cached``: with bytecode caches (``__pycache__``, written by a first run that is not
  counted), as an installed package runs;
- ``compiled``: every module of recstack compiled from source at every run (a copy of
  the tree without ``__pycache__``, run with ``PYTHONDONTWRITEBYTECODE=1``), as a
  checkout runs where that variable is set, tests included. Installed packages (typer)
  keep their caches in both.

With ``--before TREE`` (another checkout of recstack, e.g. made by ``git worktree add``,
or by ``git archive main cli schemas | tar -x -C TREE``), every command also runs TREE's
code (its ``cli/`` first on ``PYTHONPATH``, with this interpreter and its packages), the
runs of both interleaved so that a busy machine slows both alike; the table then shows
before, after and the change. Two floors are timed for reference: the interpreter alone,
and ``import typer`` (what any typer command line pays).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "examples/chat.json"
SETTINGS = ("cached", "compiled")

# (label, arguments to python, exit status expected)
COMMANDS: list[tuple[str, list[str], int]] = [
    ("python -c pass", ["-c", "pass"], 0),
    ("python -c 'import typer'", ["-c", "import typer"], 0),
    ("recstack --version", ["-m", "recstack", "--version"], 0),
    ("recstack --help", ["-m", "recstack", "--help"], 0),
    (f"recstack show -f text {EXAMPLE}", ["-m", "recstack", "show", "-f", "text", EXAMPLE], 0),
    (f"recstack validate {EXAMPLE}", ["-m", "recstack", "validate", EXAMPLE], 0),
]

Key = tuple[str, str, str]  # (setting, tree's name, command's label)


def fail(message: str) -> None:
    print(f"bench_startup.py: {message}", file=sys.stderr)
    sys.exit(2)


def environment(cli: Path, setting: str) -> dict[str, str]:
    """Run the recstack in ``cli`` (before the installed, editable one)."""
    path = os.pathsep.join(p for p in (str(cli), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path, "NO_COLOR": "1", "COLUMNS": "100"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if setting == "compiled":
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def uncached_copy(tree: Path, into: Path) -> Path:
    """``tree``'s ``cli/`` copied without bytecode caches (and its schemas beside it, where
    a source checkout finds them); returns the copy's ``cli/``."""
    shutil.copytree(tree / "cli", into / "cli", ignore=shutil.ignore_patterns("__pycache__"))
    (into / "schemas").symlink_to(tree / "schemas")
    return into / "cli"


def run_once(args: list[str], env: dict[str, str], expected: int) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != expected:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        fail(f"python {' '.join(args)} exited {proc.returncode}, not {expected}: {last}")
    return elapsed


def measure(trees: dict[str, Path], runs: int) -> dict[Key, list[float]]:
    """Wall times per (setting, tree, command), all runs interleaved; a first run of
    each (it writes the caches of the ``cached`` setting) is not counted."""
    times: dict[Key, list[float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        envs = {}
        for name, tree in trees.items():
            envs["cached", name] = environment(tree / "cli", "cached")
            copy = uncached_copy(tree, Path(scratch) / name)
            envs["compiled", name] = environment(copy, "compiled")
        for rounds in range(runs + 1):
            for label, args, expected in COMMANDS:
                for (setting, name), env in envs.items():
                    elapsed = run_once(args, env, expected)
                    if rounds:
                        times.setdefault((setting, name, label), []).append(elapsed)
    return times


def table(times: dict[Key, list[float]], names: list[str]) -> list[str]:
    width = max(len(label) for label, _, _ in COMMANDS)
    lines = []
    for setting in SETTINGS:
        head = f"{setting + ' (median)':<{width}}"
        if names == ["after"]:
            lines += ["", f"{head}  {'time':>8}  {'min':>8}"]
            for label, _, _ in COMMANDS:
                values = times[(setting, "after", label)]
                lines.append(
                    f"{label:<{width}}  {ms(statistics.median(values))}  {ms(min(values))}"
                )
            continue
        lines += ["", f"{head}  {'before':>8}  {'after':>8}  {'change':>7}"]
        for label, _, _ in COMMANDS:
            old = statistics.median(times[(setting, "before", label)])
            new = statistics.median(times[(setting, "after", label)])
            lines.append(f"{label:<{width}}  {ms(old)}  {ms(new)}  {(new - old) / old:>+7.0%}")
    return lines


def ms(seconds: float) -> str:
    return f"{seconds * 1000:>5.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=15, help="runs per command (15)")
    parser.add_argument(
        "--before", type=Path, metavar="TREE", help="another checkout to compare with"
    )
    args = parser.parse_args()
    if args.runs < 1:
        fail("--runs takes a whole number of at least 1")
    trees = {"after": ROOT}
    if args.before is not None:
        before = args.before.resolve()
        if not (before / "cli" / "recstack" / "__init__.py").is_file():
            fail(f"{args.before}: not a checkout of recstack (no cli/recstack/__init__.py)")
        trees = {"before": before, "after": ROOT}
    times = measure(trees, args.runs)
    print(f"{args.runs} runs each, {sys.executable} (Python {sys.version.split()[0]})")
    for name, tree in trees.items():
        print(f"{name}: {tree}")
    print("\n".join(table(times, list(trees))))


if __name__ == "__main__":
    main()
