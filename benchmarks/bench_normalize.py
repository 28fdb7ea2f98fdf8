"""Benchmark: ``recstack normalize`` against upstream's normalize procedure, same tree.

    python benchmarks/bench_normalize.py [N]      # default 5000 files

The corpus (:mod:`corpus`, N copies of the real upstream recordings; it says where they
are looked for) is copied to a temp folder with drift injected into every typed object
(fresh ids, ``created``, ``created_at`` and non-null Ollama durations, as a re-recording
would write them), so that there is real work to do. Two identical copies are then normalized:

- **baseline**: the procedure of upstream's ``scripts/normalize_recordings.py`` (llama-stack
  / OGX), re-implemented here from its description in docs/format.md ("The llama-stack
  profile"; their code is not copied):
  sequentially, for every file: ``json.load``; a ``json.dumps(sort_keys=True)`` before
  and after rewriting the top-level keys of each typed object's ``__data__`` to tell
  whether it changed; when it did, ``json.dump(indent=2)`` + ``"\\n"`` over the file
  (in place, not atomically);
- **recstack**: ``recstack normalize --profile llama-stack DIR`` as a subprocess
  (process start-up included), on all cores.

Both trees must end up byte-identical (checked). recstack writes each changed file
atomically (temp file, then replace); the baseline overwrites in place. Also timed:
``--check`` on a drifted copy and on the normalized tree. One run each (the machine
is shared): figures are indicative.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import corpus

EPOCH = "1970-01-01T00:00:00.000000Z"
DURATIONS = ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")


# --- the baseline: upstream's procedure (docs/format.md#the-llama-stack-profile) ----


def _baseline_rewrite(data: dict[str, Any], request_hash: str) -> None:
    if "id" in data and data.get("object") != "model":
        data["id"] = f"rec-{request_hash[:12]}"
    if "created" in data and data.get("object") != "model":
        data["created"] = 0
    if "created_at" in data:
        data["created_at"] = EPOCH
    for name in DURATIONS:
        if name in data and data[name] is not None:
            data[name] = 0


def baseline(root: Path) -> int:
    """Normalize every file under ``root`` the upstream way; returns the file count."""
    count = 0
    for path in sorted(root.rglob("*.json")):
        with open(path) as handle:
            recording = json.load(handle)
        stem = path.stem
        request_hash = stem.split("-")[-1] if "-" in stem else stem
        before = json.dumps(recording, sort_keys=True)
        body = recording.get("response", {}).get("body")
        if isinstance(body, list):
            for chunk in body:
                if isinstance(chunk, dict) and "__data__" in chunk:
                    _baseline_rewrite(chunk["__data__"], request_hash)
        elif isinstance(body, dict) and "__data__" in body:
            _baseline_rewrite(body["__data__"], request_hash)
        if json.dumps(recording, sort_keys=True) != before:
            with open(path, "w") as handle:
                json.dump(recording, handle, indent=2)
                handle.write("\n")
        count += 1
    return count


# --- drift --------------------------------------------------------------------------


def _drift(recording: dict[str, Any], rng: random.Random) -> bool:
    body = recording.get("response", {}).get("body")
    items = body if isinstance(body, list) else [body]
    touched = False
    for item in items:
        data = item.get("__data__") if isinstance(item, dict) else None
        if not isinstance(data, dict) or data.get("object") == "model":
            continue
        if "id" in data:
            data["id"] = f"chatcmpl-{rng.getrandbits(64):016x}"
            touched = True
        if "created" in data:
            data["created"] = rng.randint(1_700_000_000, 1_800_000_000)
            touched = True
        if "created_at" in data:
            data["created_at"] = f"2026-05-07T10:{rng.randint(10, 59)}:00.123456Z"
            touched = True
        for name in DURATIONS:
            if data.get(name) is not None:
                data[name] = rng.randint(1, 10**10)
                touched = True
    return touched


def drifted_copy(source: Path, dest: Path) -> int:
    """Copy ``source`` to ``dest`` with drift injected; returns how many files drifted."""
    rng = random.Random(42)
    drifted = 0
    for path in sorted(source.rglob("*.json")):
        target = dest / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        recording = json.loads(path.read_bytes())
        if _drift(recording, rng):
            drifted += 1
            target.write_text(json.dumps(recording, indent=2) + "\n")
        else:
            shutil.copyfile(path, target)
    return drifted


# --- timing ---------------------------------------------------------------------------


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _recstack(*args: str | Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of recstack and its worker processes, exit code)."""
    command = [sys.executable, "-m", "recstack", "normalize", *map(str, args)]
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, env={**os.environ, "NO_COLOR": "1"})
    elapsed = time.perf_counter() - start
    summary = proc.stdout.decode().strip().splitlines()[-1:] or [proc.stderr.decode()]
    print(f"    recstack normalize {' '.join(map(str, args[:-1]))}: {summary[0]}")
    return elapsed, _children_cpu() - cpu, proc.returncode


def _same_trees(a: Path, b: Path) -> bool:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*.json"))
    files_b = sorted(p.relative_to(b) for p in b.rglob("*.json"))
    return files_a == files_b and all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a)


def main(n: int) -> None:
    source = corpus.build(n)
    corpus.compiled()
    files, size = corpus.size_of(source)
    print(f"corpus: {files} files, {size / 1e6:.1f} MB, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-normalize-") as tmp:
        work = Path(tmp)
        drifted = drifted_copy(source, work / "drifted")
        print(f"drift injected into {drifted} files")
        for name in ("baseline", "recstack", "check"):
            shutil.copytree(work / "drifted", work / name)

        cpu = time.process_time()
        start = time.perf_counter()
        baseline(work / "baseline")
        base = (time.perf_counter() - start, time.process_time() - cpu)

        *run, rc = _recstack("--profile", "llama-stack", work / "recstack")
        assert rc == 0, rc
        *check_drifted, rc = _recstack("--profile", "llama-stack", "--check", work / "check")
        assert rc == 1, rc
        *check_clean, rc = _recstack("--profile", "llama-stack", "--check", work / "recstack")
        assert rc == 0, rc
        identical = _same_trees(work / "baseline", work / "recstack")

    print()
    print(f"| run ({files} files, {drifted} drifted) | wall s | vs baseline | CPU s |")
    print("|---|---:|---:|---:|")
    print(f"| baseline (upstream procedure, sequential) | {base[0]:.2f} | 1.0x | {base[1]:.2f} |")
    rows = [
        ("recstack normalize -p llama-stack", run),
        ("recstack normalize --check (drifted tree)", check_drifted),
        ("recstack normalize --check (normalized tree)", check_clean),
    ]
    for label, (wall, cpu_s) in rows:
        print(f"| {label} | {wall:.2f} | {base[0] / wall:.1f}x faster | {cpu_s:.2f} |")
    print()
    print(f"recstack output byte-identical to the baseline's: {identical}")
    if not identical:
        raise SystemExit(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=5000, help="corpus size")
    main(parser.parse_args().n)
