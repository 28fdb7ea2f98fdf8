"""Benchmark ``recstack diff`` against ``deep diff`` (deepdiff's CLI) and ``git diff --no-index``.

    python benchmarks/bench_diff.py            # all three cases, one run each
    python benchmarks/bench_diff.py --quick    # smaller tree (200 pairs) and range (200 files)

Case 1: two ~1 MB streamed recordings (~1,400 chunks each), the same answer re-chunked
(a real OpenAI chat stream, its text repeated and split anew; ids, created,
system_fingerprint and obfuscation drifted as in a re-recording).
Case 2: a tree of ~1,100 pairs built from the corpus (``benchmarks/corpus.py``): every
copy drifted in volatile fields, 1 in 50 with a real change to the answer or request.
Case 3: a git range of 1,000 changed recordings in a repository made for it (each
recording of the corpus made a test of its own): half modified (drifted, 1 in 50 with
a real change), a fifth re-keyed (removed under one name, added under another: half of
them a renamed test, half a changed message), a tenth added and a tenth removed;
``recstack diff --git A..B`` must pair the re-keyed ones.

Reported: wall time and lines of output for each tool. ``deep diff`` runs one process
per pair, so for the tree it is timed on a sample and extrapolated (marked ``~``).
"""

from __future__ import annotations

import hashlib
import json
import os
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
from recstack.diffing.compare import Options, compare_bytes  # noqa: E402

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
    corpus.compiled()
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


# -- case 3: a git range --------------------------------------------------------------

GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, check=True)


_SAID = ("input", "prompt", "query", "text")  # request fields that say something


def _mark(said: dict[str, Any], i: int) -> None:
    """Make a request body (or payload, or tool kwargs) ask something of its own."""
    messages = said.get("messages")
    last = messages[-1] if isinstance(messages, list) and messages else None
    if isinstance(last, dict) and isinstance(last.get("content"), str):
        last["content"] += f" (case {i})"
        return
    for key in _SAID:
        if isinstance(said.get(key), str):
            said[key] += f" (case {i})"
            return
    if said:
        said["user"] = f"case-{i}"


def own_test(data: dict[str, Any], area: str, i: int) -> dict[str, Any]:
    """A copy of ``data`` that is a test of its own: its test id names case ``i``, and
    so does its request (a model list excepted: its request has nothing to say)."""
    out = json.loads(json.dumps(data))
    test_id = f"tests/integration/{area}/test_bench.py::test_case[{i}]"
    out["test_id"] = test_id
    req = out["request"]
    if isinstance(req.get("test_id"), str):
        req["test_id"] = test_id
    for key in ("body", "payload", "kwargs"):
        if isinstance(req.get(key), dict):
            _mark(req[key], i)
            break
    return out


def drifts(data: dict[str, Any]) -> bool:
    """Whether :func:`drift` changes this recording (it has volatile fields to change)."""
    copy = json.loads(json.dumps(data))
    drift(copy, random.Random(0))
    return copy != data


def build_range(files: int) -> tuple[Path, int]:
    """A repository whose commits ``base`` and ``rerecord`` differ in ``files``
    recordings (see the module docstring); returns it and how many were re-keyed."""
    root = DATA / f"range-{files}"
    repo, marker = root / "repo", root / ".complete"
    if marker.exists():
        return repo, int(marker.read_text())
    shutil.rmtree(root, ignore_errors=True)
    # Only recordings with volatile fields, so that each modified one does change.
    sources = [(p, json.loads(p.read_text())) for p in corpus.real_recordings()]
    sources = [(p, data) for p, data in sources if drifts(data)]
    rng = random.Random(11)
    modified, rekeyed, one_sided = files // 2, files // 5, files // 10
    total = modified + rekeyed + one_sided  # the removed ones and the re-keyed ones' old names
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "base")
    cases = []
    for i in range(total + one_sided):
        path, data = sources[i % len(sources)]
        area = path.name.split("-", 1)[0]
        name = hashlib.sha256(f"{path.name}:{i}".encode()).hexdigest()
        cases.append((repo / "tests" / "integration" / area / "recordings" / f"{name}.json", area))
        if i < total:
            _dump(cases[i][0], own_test(data, area, i))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "checkout", "-q", "-b", "rerecord")
    for i, (target, area) in enumerate(cases):
        data = own_test(sources[i % len(sources)][1], area, i)
        if i < modified:
            drift(data, rng)
            if rng.random() < 0.02:
                real_change(data, rng)
            _dump(target, data)
        elif i < modified + rekeyed:
            target.unlink()
            drift(data, rng)
            if i % 2:  # a renamed test
                data["test_id"] = data["test_id"].replace("test_case", "test_renamed_case")
                if isinstance(data["request"].get("test_id"), str):
                    data["request"]["test_id"] = data["test_id"]
            else:  # a changed message (or parameter) of the same test
                real_change(data, rng)
            digest = hashlib.sha256(f"rekeyed:{i}".encode()).hexdigest()
            _dump(target.with_name(f"{digest}.json"), data)
        elif i < total:
            target.unlink()  # removed
        else:
            _dump(target, data)  # added
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "re-record")
    marker.write_text(str(rekeyed))
    return repo, rekeyed


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


def moved_count(repo: Path) -> int:
    """How many re-keyed recordings ``recstack diff`` paired in the range."""
    cmd = [corpus.tool("recstack"), "diff", "--git", "base..rerecord", "--format", "json"]
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, check=False)
    return int(json.loads(proc.stdout)["summary"]["moved"])


def deep(old: Path, new: Path) -> list[str]:
    return [corpus.tool("deep"), "diff", str(old), str(new)]


def git_no_index(old: Path, new: Path) -> list[str]:
    return ["git", "diff", "--no-index", "--no-color", str(old), str(new)]


def row(name: str, seconds: float, cpu: float, lines: int, approx: bool = False) -> str:
    mark = "~" if approx else " "
    return f"| {name:<30} | {mark}{seconds:7.2f} s | {mark}{cpu:7.2f} s | {mark}{lines:9,} |"


def main(argv: list[str]) -> None:
    if "-h" in argv or "--help" in argv:
        print("usage: bench_diff.py [--quick]\n\n" + (__doc__ or "").strip())
        return
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

    size = 200 if quick else 1000
    repo, rekeyed = build_range(size)
    print(f"| **git range**: {size} changed recordings, {rekeyed} of them re-keyed | | | |")
    moved = moved_count(repo)
    for name, cmd in (
        (f"recstack diff --git ({moved} moved)", recstack("--git", "base..rerecord")),
        ("recstack diff --git --jobs 1", recstack("--git", "base..rerecord", "--jobs", "1")),
        ("recstack diff --git --no-pairing", recstack("--git", "base..rerecord", "--no-pairing")),
        ("git diff", ["git", "diff", "--no-color", "--no-ext-diff", "base..rerecord"]),
    ):
        seconds, cpu, lines = timed(cmd, cwd=repo)
        print(row(name, seconds, cpu, lines))


if __name__ == "__main__":
    main(sys.argv[1:])
