"""Benchmark: reading replay misses out of a large pytest log (``recstack.testlog``).

    python benchmarks/bench_testlog.py           # ~50 MB log
    python benchmarks/bench_testlog.py 200       # ~200 MB

The log is synthetic but shaped like a CI run of an integration suite with
``pytest -s -v --color=yes``: the session header, a ``-v`` line per test with the
server's log lines printed inline (coloured, some with a GitHub Actions timestamp),
one test in 40 failing on a replay miss (shown inline, then again in its FAILURES
section with the traceback, the ``E`` lines and captured logs), and the short test
summary. Reported: size, lines, misses found and wall time (best of three).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from recstack.testlog import misses_in_file

RED, BOLD, RESET = "\x1b[31m", "\x1b[1m", "\x1b[0m"
SEP = "_ " * 40


def _hash(number: int) -> str:
    return f"{number:064x}"


def _test_id(number: int) -> str:
    return (
        f"tests/integration/inference/test_openai_completion_{number % 17}.py::"
        f"test_openai_chat_completion_{number % 23}"
        f"[txt=ollama/llama3.2:3b-instruct-fp16-inference:chat_completion:case_{number}]"
    )


def _server_lines(number: int) -> list[str]:
    stamp = f"2025-10-01T12:{number % 60:02d}:{number % 59:02d}.1234567Z "
    return [
        f"{stamp}INFO     2025-10-01 12:00:00,000 llama_stack.core.server:{number % 900} "
        f"server: POST /v1/chat/completions 200 OK ({number % 1000} ms)",
        f"INFO     2025-10-01 12:00:00,001 llama_stack.providers.remote.inference.ollama:"
        f"{number % 700} inference: model=llama3.2:3b-instruct-fp16 tokens={number % 4096}",
        f"{BOLD}DEBUG{RESET}    stream chunk {number}: "
        '{"id": "rec-abcdef012345", "choices": [{"delta": {"content": " the"}}]}',
    ]


def _miss_block(number: int, prefix: str) -> list[str]:
    return [
        f"{prefix}RuntimeError: Recording not found for request hash: {_hash(number)}",
        f"{prefix}Model: ollama/llama3.2:3b-instruct-fp16 | Request: POST "
        "http://0.0.0.0:11434/v1/chat/completions",
        prefix.rstrip(),
        f"{prefix}Run './scripts/integration-tests.sh --inference-mode record-if-missing' "
        "with required API keys to generate.",
    ]


def write_log(path: Path, megabytes: int) -> tuple[int, int]:
    """Write a log of about ``megabytes`` MB; (tests, failing tests)."""
    target = megabytes * 1_000_000
    failing: list[int] = []
    size = number = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:

        def emit(lines: list[str]) -> None:
            nonlocal size
            text = "\n".join(lines) + "\n"
            size += len(text)
            out.write(text)

        emit(
            [
                f"{BOLD}{'=' * 29} test session starts {'=' * 30}{RESET}",
                "platform linux -- Python 3.12.3, pytest-8.4.2, pluggy-1.6.0",
                "rootdir: /home/runner/work/llama-stack/llama-stack",
                "collected 99999 items",
                "",
            ]
        )
        while size < target * 0.99:
            number += 1
            lines = [f"{_test_id(number)} " + _server_lines(number)[0]]
            for round_ in range(12):
                lines.extend(_server_lines(number + round_))
            if number % 40 == 0:
                failing.append(number)
                lines.extend(_miss_block(number, ""))
                lines.append(f"{RED}FAILED{RESET}{RED}          [ 50%]{RESET}")
            else:
                lines.append(f"\x1b[32mPASSED{RESET}          [ 50%]")
            emit(lines)
        emit([f"{'=' * 35} FAILURES {'=' * 35}"])
        for failed in failing:
            short = _test_id(failed).split("::", 1)[1]
            emit(
                [
                    f"{RED}{BOLD}{'_' * 3} {short} {'_' * 3}{RESET}",
                    "",
                    "    def test_openai_chat_completion(client, model):",
                    ">       response = client.chat.completions.create(model=model, messages=m)",
                    "",
                    f"tests/integration/inference/test_openai_completion_{failed % 17}.py:88: ",
                    SEP,
                    *_miss_block(failed, "E       "),
                    "",
                    "llama_stack/testing/api_recorder.py:612: RuntimeError",
                    f"{'-' * 30} Captured log call {'-' * 31}",
                    *_server_lines(failed),
                ]
            )
            if size >= target:
                break
        emit([f"{'=' * 28} short test summary info {'=' * 28}"])
        emit([f"FAILED {_test_id(failed)} - RuntimeError: Recor..." for failed in failing])
        emit([f"{'=' * 20} {len(failing)} failed, {number} passed in 3600.00s {'=' * 20}"])
    return number, len(failing)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "megabytes", nargs="?", type=int, default=50, help="size of the log (default 50)"
    )
    megabytes = parser.parse_args().megabytes
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.log"
        tests, failing = write_log(path, megabytes)
        size = path.stat().st_size
        lines = sum(1 for _ in path.open("rb"))
        best = float("inf")
        found = []
        for _ in range(3):
            start = time.perf_counter()
            found = misses_in_file(path)
            best = min(best, time.perf_counter() - start)
    print(f"log: {size / 1e6:.1f} MB, {lines:,} lines, {tests:,} tests, {failing:,} failing")
    print(f"misses found: {len(found):,} (expected {failing:,})")
    print(f"parse: {best:.2f} s (best of 3), {size / 1e6 / best:.0f} MB/s")


if __name__ == "__main__":
    main()
