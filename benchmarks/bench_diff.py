"""Benchmark ``recstack diff`` against ``deep diff`` (deepdiff's CLI) and ``git diff --no-index``.

    python benchmarks/bench_diff.py            # both cases, one run each
    python benchmarks/bench_diff.py --quick    # smaller tree (200 pairs)

Case 1: two ~1 MB streamed recordings (~1,400 chunks each), the same answer re-chunked
(a real OpenAI chat stream, its text repeated and split anew; ids, created,
system_fingerprint and obfuscation drifted as in a re-recording).
Case 2: a tree of ~1,100 pairs built from the corpus (``benchmarks/corpus.py``): every
copy drifted in volatile fields, 1 in 50 with a real change to the answer or request.

Reported: wall time and lines of output for each tool. ``deep diff`` runs one process
per pair, so for the tree it is timed on a sample and extrapolated (marked ``~``).
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from recstack.diffing import Options, compare_bytes  # noqa: E402

DATA = HERE / ".data" / "diff"
STREAM_SOURCE = "responses-800a101c42f772a8606b42e00a99aadadcc58756345c43cf2f1b93888acc3230.json"
DEEP_SAMPLE = 40


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


# -- case 1: a 1 MB stream, re-chunked ------------------------------------------------


def _chat_chunks(source: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A template chunk and the answer text of a real chat stream."""
    body = source["response"]["body"]
    text = "".join(
        (c["__data__"]["choices"][0]["delta"].get("content") or "")
        for c in body
        if c["__data__"].get("choices")
    )
    template = next(c for c in body if c["__data__"].get("choices"))
    return template, text


def rechunk(source: dict[str, Any], chunks: int, seed: int, size: int = 6000) -> dict[str, Any]:
    """The source's answer (repeated to about ``size`` characters) split at random."""
    template, text = _chat_chunks(source)
    text = (text + "\n\n") * (size // (len(text) + 2) + 1)
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(text)), chunks - 1))
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    body = []
    for i, piece in enumerate(pieces):
        chunk = json.loads(json.dumps(template))
        data = chunk["__data__"]
        data["id"] = f"chatcmpl-{seed}"
        data["created"] = 1_700_000_000 + seed
        data["system_fingerprint"] = f"fp_{seed:08x}"
        choice = data["choices"][0]
        choice["delta"] = {"content": piece, "role": "assistant" if i == 0 else None}
        choice["finish_reason"] = "stop" if i == len(pieces) - 1 else None
        data["obfuscation"] = "".join(rng.choice("abcdef0123456789") for _ in range(12))
        body.append(chunk)
    out = json.loads(json.dumps(source))
    out["response"]["body"] = body
    return out


def build_stream_pair() -> tuple[Path, Path]:
    source = json.loads(corpus.real_recording(STREAM_SOURCE).read_text())
    old, new = DATA / "stream" / "before.json", DATA / "stream" / "after.json"
    _dump(old, rechunk(source, 1400, seed=1))
    _dump(new, rechunk(source, 1370, seed=2))
    return old, new


# -- case 2: a tree of pairs ----------------------------------------------------------

_DRIFT = {
    "id": lambda rng: f"chatcmpl-{rng.randrange(10**9)}",
    "created": lambda rng: rng.randrange(1_700_000_000, 1_800_000_000),
    "created_at": lambda rng: f"2026-0{rng.randrange(1, 9)}-01T00:00:00.{rng.randrange(10**6)}Z",
    "total_duration": lambda rng: rng.randrange(10**9),
    "eval_duration": lambda rng: rng.randrange(10**9),
    "system_fingerprint": lambda rng: f"fp_{rng.randrange(16**8):08x}",
    "obfuscation": lambda rng: f"{rng.randrange(16**10):010x}",
}


def drift(data: dict[str, Any], rng: random.Random) -> None:
    """Change volatile fields in every typed object of the body, like a re-recording."""
    body = data["response"].get("body")
    items = body if isinstance(body, list) else [body]
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("__data__"), dict):
            fields = item["__data__"]
            if fields.get("object") == "model":
                continue
            for key, make in _DRIFT.items():
                if key in fields and fields[key] is not None:
                    fields[key] = make(rng)


def real_change(data: dict[str, Any], rng: random.Random) -> None:
    """A change a reviewer must see: the request's model, or a word of the answer."""
    req = data["request"]
    body = req.get("body") if isinstance(req.get("body"), dict) else None
    if body and isinstance(body.get("messages"), list) and body["messages"]:
        message = body["messages"][-1]
        if isinstance(message.get("content"), str):
            message["content"] += " Please answer in French."
            return
    req["re_recorded_by"] = f"bench-{rng.randrange(1000)}"


def build_tree(pairs: int) -> tuple[Path, Path, int]:
    old = DATA / f"tree-{pairs}" / "old"
    new = DATA / f"tree-{pairs}" / "new"
    marker = DATA / f"tree-{pairs}" / ".complete"
    if marker.exists():
        return old, new, int(marker.read_text())
    shutil.rmtree(DATA / f"tree-{pairs}", ignore_errors=True)
    source = corpus.build(pairs, DATA / f"corpus-{pairs}")
    rng = random.Random(7)
    changed = 0
    for path in sorted(source.rglob("*.json")):
        rel = path.relative_to(source)
        (old / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, old / rel)
        data = json.loads(path.read_text())
        drift(data, rng)
        if rng.random() < 0.02:
            real_change(data, rng)
            changed += 1
        _dump(new / rel, data)
    marker.write_text(str(changed))
    return old, new, changed


# -- running the tools ----------------------------------------------------------------


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the process and its workers, output lines)."""
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, cwd=cwd, check=False)
    elapsed = time.perf_counter() - start
    return elapsed, _children_cpu() - cpu, proc.stdout.count(b"\n")


def recstack(*args: str | Path) -> list[str]:
    return [corpus.tool("recstack"), "diff", "--format", "text", *map(str, args)]


def deep(old: Path, new: Path) -> list[str]:
    return [corpus.tool("deep"), "diff", str(old), str(new)]


def git_no_index(old: Path, new: Path) -> list[str]:
    return ["git", "diff", "--no-index", "--no-color", str(old), str(new)]


def row(name: str, seconds: float, cpu: float, lines: int, approx: bool = False) -> str:
    mark = "~" if approx else " "
    return f"| {name:<30} | {mark}{seconds:7.2f} s | {mark}{cpu:7.2f} s | {mark}{lines:9,} |"


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    unknown = [arg for arg in argv if arg != "--quick"]
    if unknown:
        corpus.fail(f"unknown argument {unknown[0]!r} (usage: bench_diff.py [--quick])")
    old, new = build_stream_pair()
    corpus.tool("deep")  # exit 2 now, not half-way, when deepdiff's CLI is missing
    print("| tool | wall | CPU | output lines |\n|---|---:|---:|---:|")
    size = (old.stat().st_size + new.stat().st_size) / 2 / 1e6
    chunks = (len(json.loads(old.read_text())["response"]["body"]), 1370)
    print(f"| **stream pair**: {size:.1f} MB each, {chunks[0]} -> {chunks[1]} chunks | | | |")
    a, b = old.read_bytes(), new.read_bytes()
    start, cpu_start = time.perf_counter(), time.process_time()
    compare_bytes("after.json", a, b, Options())
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print(row("recstack (library, in-process)", wall, cpu, 0))
    for name, cmd in (
        ("recstack diff", recstack(old, new)),
        ("deep diff", deep(old, new)),
        ("git diff --no-index", git_no_index(old, new)),
    ):
        seconds, cpu, lines = timed(cmd)
        print(row(name, seconds, cpu, lines))

    pairs = 200 if quick else 1100
    old, new, changed = build_tree(pairs)
    print(f"| **tree**: {pairs} pairs, {changed} with a real change | | | |")
    for name, cmd in (
        ("recstack diff (all cores)", recstack(old, new)),
        ("recstack diff --jobs 1", recstack(old, new, "--jobs", "1")),
        ("git diff --no-index", git_no_index(old, new)),
    ):
        seconds, cpu, lines = timed(cmd)
        print(row(name, seconds, cpu, lines))
    files = sorted(p.relative_to(old) for p in old.rglob("*.json"))
    sample = files[:: max(1, len(files) // DEEP_SAMPLE)][:DEEP_SAMPLE]
    total_s = total_cpu = 0.0
    total_lines = 0
    for rel in sample:
        seconds, cpu, lines = timed(deep(old / rel, new / rel))
        total_s += seconds
        total_cpu += cpu
        total_lines += lines
    scale = len(files) / len(sample)
    name = f"deep diff (x{len(files)}, sampled)"
    print(row(name, total_s * scale, total_cpu * scale, int(total_lines * scale), True))


if __name__ == "__main__":
    main(sys.argv[1:])
