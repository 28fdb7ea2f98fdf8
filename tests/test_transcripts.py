"""The transcripts in README.md and docs/*.md are real: each is run and its output compared.

A transcript is a fenced code block whose first line starts with ``$ ``: every ``$ ``
line (continued by lines ending in ``\\``) is a command run by bash from the repository
root, and the lines up to the next ``$ `` are what it prints (stdout and stderr
together). ``/tmp/`` in a transcript stands for a fresh temporary folder, so the
examples can be copied and changed freely. A transcript makes what it needs itself, from
the repository's examples (``$ mkdir -p /tmp/x && cp examples/... /tmp/x/``), and writes
only under ``/tmp/``. Put ``<!-- transcript: skip -->`` on the line before a block whose
output cannot be reproduced (timings, machine details).

Like sqlite-utils' cog-checked docs: a change of output that is not reflected in the
docs fails here, so the docs cannot drift.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT

SKIP_MARK = "<!-- transcript: skip -->"
FENCE = re.compile(r"^(`{3,})[^\n`]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass
class Step:
    command: str
    expected: str


@dataclass
class Transcript:
    source: str  # file:line
    steps: list[Step]


def _steps(block: str) -> list[Step]:
    steps: list[Step] = []
    lines = block.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            i += 1
            continue
        command = line[2:]
        while command.endswith("\\") and i + 1 < len(lines):
            i += 1
            command += "\n" + lines[i]
        i += 1
        output: list[str] = []
        while i < len(lines) and not lines[i].startswith("$ "):
            output.append(lines[i])
            i += 1
        steps.append(Step(command, "\n".join(output).rstrip("\n")))
    return steps


def transcripts(path: Path) -> list[Transcript]:
    text = path.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        body = match.group(2)
        if not body.startswith("$ "):
            continue
        before = text[: match.start()].rstrip().splitlines()
        if before and before[-1].strip() == SKIP_MARK:
            continue
        line = text.count("\n", 0, match.start()) + 1
        found.append(Transcript(f"{path.relative_to(ROOT)}:{line}", _steps(body)))
    return found


def all_transcripts() -> list[Transcript]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [t for path in files for t in transcripts(path)]


def _environment(tmp: Path) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "NO_COLOR": "1",
        "COLUMNS": "100",
        "TERM": "dumb",
        "TMPDIR": str(tmp),
        "RECSTACK_DEBUG": "",
    }


MARK = "@@recstack-transcript-step@@"


def _script(steps: list[Step], fake_tmp: str) -> str:
    """One bash script for the whole block (state such as ``$?`` carries over), each
    step's output ended by a marker line."""
    # A cd that fails ends the script: the steps after it would run in the checkout
    # and could write into it.
    parts = ['cd() { builtin cd "$@" || { echo "transcript: cd $* failed" >&2; exit 97; }; }']
    for step in steps:
        command = step.command.replace("/tmp/", fake_tmp)
        parts.append(f"{command}\n__rc=$?; printf '\\n%s\\n' '{MARK}' >&2; (exit $__rc)")
    return "\n".join(parts) + "\n"


def _untracked() -> set[str] | None:
    """The files in the checkout that git does not track (nor ignore); None without git."""
    proc = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return None
    return {line[3:] for line in proc.stdout.splitlines() if line.startswith("?? ")}


@pytest.mark.parametrize("transcript", all_transcripts(), ids=lambda t: t.source)
def test_transcript(transcript: Transcript, tmp_path: Path) -> None:
    untracked = _untracked()
    fake_tmp = str(tmp_path) + "/"
    proc = subprocess.run(
        ["bash", "-c", _script(transcript.steps, fake_tmp)],
        cwd=ROOT,
        env=_environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    outputs = proc.stdout.replace(fake_tmp, "/tmp/").split(MARK + "\n")
    for step, output in zip(transcript.steps, outputs, strict=False):
        lines = "\n".join(line.rstrip() for line in output.rstrip("\n").splitlines())
        assert lines == step.expected, f"{transcript.source}: $ {step.command}"
    assert len(outputs) == len(transcript.steps) + 1, proc.stdout[-2000:]
    # A transcript writes under /tmp/ only, never into the repository.
    assert _untracked() == untracked


def test_transcripts_are_found() -> None:
    assert len(all_transcripts()) >= 5


def update(paths: list[Path]) -> None:
    """Rewrite the expected output of every transcript in ``paths`` with what it prints
    now (``python tests/test_transcripts.py README.md docs/*.md``); review the diff."""
    import tempfile

    for path in paths:
        text = path.read_text(encoding="utf-8")
        for transcript in reversed(transcripts(path)):
            with tempfile.TemporaryDirectory() as tmp:
                fake_tmp = tmp + "/"
                proc = subprocess.run(
                    ["bash", "-c", _script(transcript.steps, fake_tmp)],
                    cwd=ROOT,
                    env=_environment(Path(tmp)),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=300,
                    stdin=subprocess.DEVNULL,
                )
            outputs = proc.stdout.replace(fake_tmp, "/tmp/").split(MARK + "\n")
            lines: list[str] = []
            for step, output in zip(transcript.steps, outputs, strict=False):
                lines.append("$ " + step.command)
                lines += [line.rstrip() for line in output.rstrip("\n").splitlines()]
            line_no = int(transcript.source.rsplit(":", 1)[1])
            start = sum(len(line) for line in text.splitlines(True)[: line_no - 1])
            match = FENCE.match(text, start)
            assert match is not None, transcript.source
            fence = match.group(1)
            head = text[match.start() : text.index("\n", match.start()) + 1]
            new = head + "\n".join(lines) + "\n" + fence
            text = text[: match.start()] + new + text[match.end() :]
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    import sys as _sys

    update([Path(arg).resolve() for arg in _sys.argv[1:]])
