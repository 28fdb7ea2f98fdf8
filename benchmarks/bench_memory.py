"""Peak memory of every command on one huge recording, as a multiple of the file size.

    python benchmarks/bench_memory.py [SIZE_MB]     # default 250 MB
    python benchmarks/bench_memory.py --quick       # 10 MB, a few seconds

Generates (once, in the git-ignored ``benchmarks/.data/memory/``) a streamed OpenAI chat
recording of SIZE_MB in upstream's exact layout (``json.dumps(obj, indent=2) + "\\n"``),
its chunks shaped like ``examples/chat-stream.json``'s (role first, one token per
content chunk, a finish chunk, a usage chunk; fresh ``obfuscation`` padding in each),
and a re-recording of it: new id, ``created`` and padding, and a few tokens of the
answer changed. Then each command runs as its own process, output to ``/dev/null``:

- ``validate``; ``show`` in each format; ``normalize --check``; ``normalize`` on a copy;
- ``diff`` of the pair in text and json (the limit there is 4x: it holds two files).

For each: the peak resident memory of that process (``os.wait4``'s ``ru_maxrss``), as
MB and as a multiple of the file size, and the wall time. The interpreter and its
imports alone take a few tens of MB (the ``idle`` row: ``validate`` on a tiny file),
which weighs on the multiple of a small file: the targets are for ~250 MB.
Indicative figures (one run each, on a shared machine); not a test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLE = ROOT / "examples" / "chat-stream.json"
DATA = HERE / ".data" / "memory"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# The answer's tokens (one per content chunk).
WORDS = ("the", "sky", "is", "blue", "because", "sunlight", "scatters", "off", "small", "air")
WORDS += ("molecules", "and", "shorter", "waves", "scatter", "more", "than", "red", "ones")
PLACEHOLDER = "@@chunks@@"
INDENT = " " * 6  # response.body[i] sits three levels deep
CHUNK_BYTES = 835  # about the size of one content chunk in the file
LIMITS = {"diff": 4.0}  # every other command: 3x


# --- the recordings -----------------------------------------------------------------


def _padding(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(2, 12)))


def _chunk(template: dict[str, Any], stream: dict[str, Any], **delta: Any) -> dict[str, Any]:
    chunk = json.loads(json.dumps(template))
    data = chunk["__data__"]
    data.update(id=stream["id"], created=stream["created"], obfuscation=stream["padding"]())
    if data["choices"]:
        data["choices"][0]["delta"].update(delta)
    return chunk


def _dumped(chunk: dict[str, Any]) -> str:
    """One body item as upstream writes it inside the file (indented, no trailing comma)."""
    return INDENT + json.dumps(chunk, indent=2).replace("\n", "\n" + INDENT)


def write_recording(path: Path, count: int, *, seed: int, changed: frozenset[int]) -> None:
    """A chat stream of ``count`` content chunks; the tokens at ``changed`` are altered."""
    example = json.loads(EXAMPLE.read_text())
    body = example["response"]["body"]
    first, content, finish, usage = body[0], body[1], body[-2], body[-1]
    rng = random.Random(seed)
    stream = {
        "id": "chatcmpl-" + "".join(rng.choice(ALPHABET) for _ in range(29)),
        "created": 1778146521 + seed,
        "padding": lambda: _padding(rng),
    }
    example["response"]["body"] = [PLACEHOLDER]
    head, tail = json.dumps(example, indent=2).split(f'{INDENT}"{PLACEHOLDER}"')
    words = random.Random(0)  # the same answer in both versions, but for ``changed``
    with open(path, "w", encoding="ascii") as out:
        out.write(head)
        out.write(_dumped(_chunk(first, stream)))
        for index in range(count):
            token = " " + words.choice(WORDS)
            if index in changed:
                token = token.upper()
            out.write(",\n" + _dumped(_chunk(content, stream, content=token)))
        for last in (finish, usage):
            out.write(",\n" + _dumped(_chunk(last, stream)))
        out.write(tail + "\n")


def recordings(size_mb: int) -> tuple[Path, Path]:
    """The recording and its re-recording of ``size_mb`` MB (made once, then reused)."""
    folder = DATA / f"{size_mb}mb"
    name = hashlib.sha256(f"bench-memory-{size_mb}".encode()).hexdigest() + ".json"
    before, after = folder / "before" / name, folder / "after" / name
    if not (before.exists() and after.exists()):
        count = size_mb * 1_000_000 // CHUNK_BYTES
        changed = frozenset(count * k // 4 for k in (1, 2, 3))
        for path, seed, edits in ((before, 1, frozenset[int]()), (after, 2, changed)):
            path.parent.mkdir(parents=True, exist_ok=True)
            write_recording(path, count, seed=seed, changed=edits)
    return before, after


def check_layout(path: Path) -> None:
    """The generated file is byte for byte what upstream writes for its content."""
    text = path.read_text()
    if json.dumps(json.loads(text), indent=2) + "\n" != text:
        raise SystemExit(f"{path}: not in upstream's layout (generator bug)")


# --- measuring ----------------------------------------------------------------------


# The process that starts each command: a fresh, small interpreter. (A child forked by
# this process would report this process's own peak as its ``ru_maxrss``: Linux keeps
# the high-water mark of the memory image it replaced at ``exec``.) Prints one JSON line.
LAUNCHER = """
import json, os, signal, subprocess, sys, time
timeout, command = float(sys.argv[1]), sys.argv[2:]
start = time.perf_counter()
with open(os.devnull, "wb") as devnull:
    proc = subprocess.Popen(command, stdout=devnull)
killed = False
while True:
    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
    if pid:
        break
    if not killed and time.perf_counter() - start > timeout:
        os.kill(proc.pid, signal.SIGKILL)
        killed = True
    time.sleep(0.02)
wall = time.perf_counter() - start
code = os.waitstatus_to_exitcode(status)
print(json.dumps({"peak": usage.ru_maxrss * 1024, "wall": wall, "code": code, "killed": killed}))
"""


@dataclass
class Run:
    label: str
    peak: int  # bytes
    wall: float  # seconds
    code: int
    killed: bool  # stopped at the time limit: the peak is the one until then


def measure(label: str, args: list[str], timeout: float = 600.0) -> Run:
    """Run ``recstack ARGS`` (stdout to /dev/null); its peak RSS and wall time."""
    command = [sys.executable, "-m", "recstack", *args]
    launcher = [sys.executable, "-c", LAUNCHER, str(timeout), *command]
    proc = subprocess.run(launcher, capture_output=True, check=True)
    result = json.loads(proc.stdout)
    if result["code"] not in (0, 1) and not result["killed"]:
        message = proc.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise SystemExit(f"recstack {' '.join(args)} failed ({result['code']}): {message}")
    return Run(label, result["peak"], result["wall"], result["code"], result["killed"])


def commands(before: Path, after: Path, copy: Path) -> list[tuple[str, list[str]]]:
    b, a = str(before), str(after)
    return [
        ("validate", ["validate", b]),
        ("show (rich)", ["show", b]),
        ("show --format text", ["show", b, "--format", "text"]),
        ("show --format json", ["show", b, "--format", "json"]),
        ("show --format markdown", ["show", b, "--format", "markdown"]),
        ("normalize --check", ["normalize", "--check", b]),
        ("normalize (writes)", ["normalize", str(copy)]),
        ("diff (text)", ["diff", b, a, "--format", "text"]),
        ("diff --format json", ["diff", b, a, "--format", "json"]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", nargs="?", type=int, default=250, help="file size in MB")
    parser.add_argument("--quick", action="store_true", help="a 10 MB file")
    parser.add_argument("--only", default="", help="run only the commands whose label has this")
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds before a command is stopped"
    )
    args = parser.parse_args()
    size_mb = 10 if args.quick else args.size

    start = time.perf_counter()
    before, after = recordings(size_mb)
    if size_mb <= 20:
        check_layout(before)
    size = before.stat().st_size
    print(
        f"recording: {size / 1e6:.1f} MB ({before}), re-recording {after.stat().st_size / 1e6:.1f}"
        f" MB; ready in {time.perf_counter() - start:.1f} s"
    )
    copy = DATA / "normalize" / before.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    idle = measure("idle", ["validate", str(EXAMPLE)])
    print(f"idle (validate of a 12 kB file): {idle.peak / 1e6:.0f} MB\n", flush=True)

    header = f"{'command':<24} {'peak MB':>8} {'x size':>7} {'limit':>6} {'wall s':>7}  exit"
    print(header)
    print("-" * len(header))
    for label, command in commands(before, after, copy):
        if args.only not in label:
            continue
        shutil.copyfile(before, copy)
        run = measure(label, command, args.timeout)
        limit = LIMITS.get(label.split()[0], 3.0)
        ratio = run.peak / size
        flag = "" if ratio < limit else "  over"
        wall = f">{run.wall:.0f}" if run.killed else f"{run.wall:.2f}"
        code = "killed" if run.killed else str(run.code)
        print(
            f"{label:<24} {run.peak / 1e6:>8.0f} {ratio:>7.2f} {limit:>5.0f}x {wall:>7}"
            f"  {code}{flag}",
            flush=True,
        )
    copy.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
