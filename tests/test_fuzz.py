"""An adversarial trial of every command over hostile recordings (the fuzzer, kept).

A seeded mutator derives hostile recordings from our examples (and the real
recordings when present): structural mutations of the parsed JSON (values of
another type, deleted keys, edge and huge integers, 1e400, 5000-digit integers,
deep nesting, escape sequences, C1 and bidi controls, lone surrogates, very long
strings, empty lists, shuffled chunks, hostile file names) and byte-level ones
(truncation, a flipped byte, invalid UTF-8, a BOM). Every command then runs
in-process over each kind's mutants: validate, show (every format), diff of the
originals against the mutants (every format), normalize --check, --diff and a real
write (on the temporary copies). Each run must exit 0, 1 or 2, raise nothing but
SystemExit (no ``internal error``), and print no raw control character (C0 but
newline and tab, DEL, C1, bidi controls, lone surrogates) on stdout or stderr.

Default: a few mutants per kind (seconds); ``pytest tests/test_fuzz.py --fuzz 200``
or ``RECSTACK_FUZZ=200`` for a long trial. Seeds are fixed: a failure reproduces.
"""

from __future__ import annotations

import copy
import json
import os
import random
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from recstack.app import COMMANDS as APP_COMMANDS
from recstack.app import app

from conftest import fuzz_seed_files

RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
HOSTILE_TEXT = [
    "\u001b[2J\u001b[H",  # clear the screen, cursor home
    "\u001b]8;;http://x\u0007link\u001b]8;;\u0007",  # OSC 8 hyperlink
    "\u001b]52;c;aGVsbG8=\u0007",  # OSC 52: write the clipboard
    "\u001b]0;title\u0007",  # window title
    "\u001b[1A\u001b[2K",  # cursor up, erase the line: hides the line before
    "\u009b31m",  # one-byte CSI
    "\u0085\u008d\u0090\u009d",  # C1: NEL, RI, DCS, OSC
    "\r",
    "\u0000\u0007\u0008\u007f",
    "[bold red]markup[/bold red] [link=http://x]y[/link]",
]
BIDI = ["\u202e", "\u202a", "\u2066", "\u2069", "\u200f"]
EDGE_INTS = [-1, 0, -(2**31), 2**31, -(2**63), 2**63 - 1]
BIG_INTS = [2**63, 2**64, -(2**63) - 1, 10**30, -(10**40)]
NAMES = [
    "\u001b[2J\u001b]0;x\u0007.json",
    "a\u009b31m\u202eb.json",
    "line\nbreak.json",
    os.fsdecode(b"latin1-\xe9\xff.json"),  # not UTF-8: surrogate escapes
    " lead and trail .json",
    "-dash.json",
]

Doc = Any
Raw = dict[str, str]  # marker -> raw JSON text put in its place


@dataclass
class Mutant:
    name: str
    data: bytes
    seed: Path
    what: str


def _slots(doc: Doc) -> list[tuple[Any, Any]]:
    """(container, key) for every value under ``doc`` (iterative: deep input is fine)."""
    out: list[tuple[Any, Any]] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            out.append((node, key))
            if isinstance(value, (dict, list)) and value:
                stack.append(value)
    return out


def _pick(rng: random.Random, doc: Doc, kind: type | tuple[type, ...] = object) -> tuple[Any, Any]:
    slots = [(c, k) for c, k in _slots(doc) if isinstance(c[k], kind)]
    if not slots:
        slots = _slots(doc)
    return rng.choice(slots)


def _raw(raw: Raw, text: str) -> str:
    marker = f"@@raw-{len(raw)}@@"
    raw[marker] = text
    return marker


# -- structural mutations: (rng, doc, raw) -> description -------------------------------


def retype(rng: random.Random, doc: Doc, raw: Raw) -> str:
    node, key = _pick(rng, doc)
    node[key] = rng.choice([None, True, False, 0, -7, 2.5, "", "text", [], {}, [1, "a"]])
    return f"{key!r} -> {node[key]!r}"


def drop_key(rng: random.Random, doc: Doc, raw: Raw) -> str:
    dicts = [doc] + [c[k] for c, k in _slots(doc) if isinstance(c[k], dict) and c[k]]
    node = rng.choice(dicts)
    key = rng.choice(list(node))
    del node[key]
    return f"del {key!r}"


def edge_int(rng: random.Random, doc: Doc, raw: Raw) -> str:
    node, key = _pick(rng, doc, (int, float))
    node[key] = rng.choice(EDGE_INTS)
    return f"{key!r} -> {node[key]}"


def big_int(rng: random.Random, doc: Doc, raw: Raw) -> str:
    node, key = _pick(rng, doc, (int, float))
    node[key] = rng.choice(BIG_INTS)
    return f"{key!r} -> {node[key]}"


def huge_float(rng: random.Random, doc: Doc, raw: Raw) -> str:
    node, key = _pick(rng, doc, (int, float))
    node[key] = _raw(raw, rng.choice(["1e400", "-1e400", "1e-400"]))
    return f"{key!r} -> 1e400"


def long_digits(rng: random.Random, doc: Doc, raw: Raw) -> str:
    node, key = _pick(rng, doc, (int, float))
    node[key] = _raw(raw, "9" * rng.choice([4301, 5000, 20000]))
    return f"{key!r} -> a very long integer"


def deep_nesting(rng: random.Random, doc: Doc, raw: Raw) -> str:
    node, key = _pick(rng, doc)
    depth = rng.choice([600, 990, 1100, 5000])
    opening, closing = rng.choice([("[", "]"), ('{"a":', "}")])
    node[key] = _raw(raw, opening * depth + "1" + closing * depth)
    return f"{key!r} -> nested {depth} deep"


def _hostile_string(rng: random.Random, doc: Doc, insert: str) -> str:
    node, key = _pick(rng, doc, str)
    value = node[key] if isinstance(node[key], str) else ""
    at = rng.randrange(len(value) + 1)
    node[key] = value[:at] + insert + value[at:]
    return f"{key!r} += {insert!r}"


def escape_sequences(rng: random.Random, doc: Doc, raw: Raw) -> str:
    return _hostile_string(rng, doc, "".join(rng.sample(HOSTILE_TEXT, 3)))


def bidi_controls(rng: random.Random, doc: Doc, raw: Raw) -> str:
    return _hostile_string(rng, doc, rng.choice(BIDI) + "evil" + rng.choice(BIDI))


def lone_surrogates(rng: random.Random, doc: Doc, raw: Raw) -> str:
    return _hostile_string(rng, doc, rng.choice(["\ud800", "\udfff", "\udcff", "\ud83d"]))


def hostile_key(rng: random.Random, doc: Doc, raw: Raw) -> str:
    dicts = [doc] + [c[k] for c, k in _slots(doc) if isinstance(c[k], dict) and c[k]]
    node = rng.choice(dicts)
    key = rng.choice(list(node))
    node[key + rng.choice(HOSTILE_TEXT + BIDI + ["\ud800"])] = node.pop(key)
    return f"key {key!r} renamed"


def long_string(rng: random.Random, doc: Doc, raw: Raw) -> str:
    node, key = _pick(rng, doc, str)
    node[key] = rng.choice(["ab ", "x", "line\n", "`|*_<"]) * rng.choice([50_000, 200_000])
    return f"{key!r} -> a very long string"


def empty_list(rng: random.Random, doc: Doc, raw: Raw) -> str:
    node, key = _pick(rng, doc, list)
    node[key] = []
    return f"{key!r} -> []"


def swap_chunks(rng: random.Random, doc: Doc, raw: Raw) -> str:
    body = doc.get("response", {}).get("body") if isinstance(doc, dict) else None
    if isinstance(body, list) and len(body) > 1:
        rng.shuffle(body)
        return "response.body shuffled"
    return empty_list(rng, doc, raw)


STRUCTURAL: dict[str, Callable[[random.Random, Doc, Raw], str]] = {
    "retype": retype,
    "drop_key": drop_key,
    "edge_int": edge_int,
    "big_int": big_int,
    "huge_float": huge_float,
    "long_digits": long_digits,
    "deep_nesting": deep_nesting,
    "escape_sequences": escape_sequences,
    "bidi_controls": bidi_controls,
    "lone_surrogates": lone_surrogates,
    "hostile_key": hostile_key,
    "long_string": long_string,
    "empty_list": empty_list,
    "swap_chunks": swap_chunks,
}


# -- byte-level mutations: (rng, bytes) -> (bytes, description) -------------------------


def truncate(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    at = rng.randrange(len(data))
    return data[:at], f"cut at byte {at}"


def flip_byte(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    at = rng.randrange(len(data))
    return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :], f"@{at}"


def invalid_utf8(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    at = data.find(b'"', rng.randrange(len(data))) + 1 or len(data) // 2
    bad = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe2\x82"])
    return data[:at] + bad + data[at:], f"{bad!r} at byte {at}"


def bom(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    return b"\xef\xbb\xbf" + data, "UTF-8 BOM"


BYTES: dict[str, Callable[[random.Random, bytes], tuple[bytes, str]]] = {
    "truncate": truncate,
    "flip_byte": flip_byte,
    "invalid_utf8": invalid_utf8,
    "bom": bom,
}
KINDS = [*STRUCTURAL, *BYTES, "hostile_name"]

# Every command that reads recordings from PATHs (review reads git revisions), from the app.
COMMANDS = tuple(
    name for name in (m.__name__.rsplit(".", 1)[-1] for m in APP_COMMANDS) if name != "review"
)

# Crashes the fuzzer found outside the renderers, being fixed elsewhere: a mutant
# whose only failure matches one of these (exception, deepest recstack frame) makes
# its case xfail, not fail. Any other failure fails. Remove an entry once it is fixed.
KNOWN_CRASHES: dict[str, str] = {
    # A crash that is known and owned elsewhere: "regex over the problem" -> why. Empty
    # now that every crash the fuzzer ever found is fixed; keep the mechanism for the next.
}
_WHERE = re.compile(r" in (recstack/\S+ \S+) ")


def known_crash(problem: str) -> str | None:
    return next(
        (why for pattern, why in KNOWN_CRASHES.items() if re.search(pattern, problem)), None
    )


def mutants(kind: str, count: int) -> list[Mutant]:
    seeds = fuzz_seed_files()
    out = []
    for i in range(count):
        rng = random.Random(f"{kind}-{i}")
        seed = rng.choice(seeds)
        original = seed.read_bytes()
        name = f"{kind}-{i}.json"
        if kind in BYTES:
            data, what = BYTES[kind](rng, original)
        elif kind == "hostile_name":
            name, data, what = f"{i}-{rng.choice(NAMES)}", original, "file name"
        else:
            doc, raw = copy.deepcopy(json.loads(original)), {}
            what = STRUCTURAL[kind](rng, doc, raw)
            text = json.dumps(doc, indent=2)  # ASCII: lone surrogates as \\ud800 escapes
            for marker, value in raw.items():
                text = text.replace(json.dumps(marker), value)
            data = text.encode()
        out.append(Mutant(name, data, seed, what))
    return out


# -- running the commands ---------------------------------------------------------------


def invoke(args: list[str]) -> str | None:
    """Run ``recstack ARGS`` in-process; what went wrong, or None.

    An exception is told with its deepest frame in recstack and its last frame.
    """
    result = CliRunner().invoke(app, args, env={"NO_COLOR": "1", "COLUMNS": "100"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        stack = traceback.extract_tb(result.exc_info[2])
        ours = [f for f in stack if "/recstack/" in f.filename.replace(os.sep, "/")]
        where = ours[-1] if ours else stack[-1]
        module = where.filename.replace(os.sep, "/").rsplit("/recstack/", 1)[-1]
        last = f"{Path(stack[-1].filename).name}:{stack[-1].lineno}"
        message = " ".join(str(result.exception).split())[:160]
        return (
            f"{type(result.exception).__name__}: {message}"
            f" in recstack/{module}:{where.lineno} {where.name} (raised at {last})"
        )
    problems = []
    if result.exit_code not in (0, 1, 2):
        problems.append(f"exit code {result.exit_code}")
    for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        if "internal error" in text:
            problems.append(f"internal error on {stream}: {text.strip()[-300:]}")
        raw = sorted(set(RAW.findall(text)))
        if raw:
            problems.append(f"raw control characters on {stream}: {raw!r}")
    return "; ".join(problems) or None


def command_lines(command: str, orig: Path, mut: Path) -> list[list[str]]:
    """The command in every format over the mutants (normalize: the write comes last)."""
    o, m = str(orig), str(mut)
    formats = ("rich", "text", "json", "markdown")
    return {
        "validate": [["validate", "-j", "1", "-f", f, m] for f in ("text", "json", "github")],
        "show": [["show", "-f", f, m] for f in formats],
        "diff": [["diff", "-j", "1", "-f", f, o, m] for f in formats],
        "normalize": [
            ["normalize", "-j", "1", "--check", m],
            ["normalize", "-j", "1", "--diff", m],
            ["normalize", "-j", "1", "--check", "-f", "json", m],
            ["normalize", "-j", "1", m],
        ],
        # ls: every format, every answer reassembled for --grep, and the statistics.
        "ls": [
            ["ls", "-j", "1", "-f", "table", "--grep", "e", m],
            ["ls", "-j", "1", "-f", "json", m],
            ["ls", "-j", "1", "--stats", "--by", "model", m],
        ],
        # rekey: what would move, then the moves themselves (the mutants' names are no
        # request hashes, so most are left alone: their requests are still read).
        "rekey": [
            ["rekey", "-j", "1", "--diff", m],
            ["rekey", "-j", "1", "--check", "-f", "json", m],
            ["rekey", "-j", "1", m],
        ],
        # explain: a miss in each test of the seeds (their recordings listed);
        # prune: a dry run that selects every mutant with a test id.
        "explain": [
            ["explain", "-j", "1", "-f", f, _run_log(mut.parent), m] for f in ("text", "json")
        ],
        "prune": [
            [
                "prune",
                "-j",
                "1",
                "--stale",
                "--duplicates",
                "--unused-by",
                _tests(mut.parent),
                "-f",
                f,
                m,
            ]
            for f in ("text", "json")
        ],
    }[command]


def _run_log(folder: Path) -> str:
    """A pytest log with a replay miss in each test of the seed recordings."""
    log = folder / "run.log"
    lines = []
    for seed in fuzz_seed_files():
        test_id = json.loads(seed.read_bytes()).get("test_id")
        if isinstance(test_id, str):
            lines += [f"{test_id} FAILED", f"Recording not found for request hash: {'0' * 64}"]
    log.write_text("\n".join(lines) + "\n")
    return str(log)


def _tests(folder: Path) -> str:
    """A list of collected tests that holds none of the mutants' tests."""
    tests = folder / "tests.txt"
    tests.write_text("tests/integration/other/test_other.py::test_other\n")
    return str(tests)


def one_by_one(
    args: list[str], batch: list[Mutant], orig: Path, mut: Path
) -> list[tuple[Mutant, str]]:
    """``args`` run on each mutant alone: (mutant, problem) for those that fail.

    A crash on one file ends a run over the folder; alone, every mutant is tried.
    """
    out = []
    for mutant in batch:
        alone = [str(mut / mutant.name) if a == str(mut) else a for a in args]
        alone = [str(orig / mutant.name) if a == str(orig) else a for a in alone]
        problem = invoke(alone)
        if problem:
            out.append((mutant, problem))
    return out


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_command_survives_hostile_recordings(
    kind: str, command: str, fuzz_count: int, tmp_path: Path
) -> None:
    orig, mut = tmp_path / "orig", tmp_path / "mut"
    orig.mkdir()
    mut.mkdir()
    batch = mutants(kind, fuzz_count)
    for mutant in batch:
        (orig / mutant.name).write_bytes(mutant.seed.read_bytes())
        (mut / mutant.name).write_bytes(mutant.data)
    failures: list[str] = []
    known: dict[str, set[str]] = {}  # reason -> where
    for args in command_lines(command, orig, mut):
        if invoke(args) is None:
            continue
        line = " ".join(a for a in args if a not in (str(orig), str(mut)))
        for mutant, problem in one_by_one(args, batch, orig, mut):
            why = known_crash(problem)
            if why:
                where = _WHERE.search(problem)
                known.setdefault(why, set()).add(where.group(1) if where else "?")
            else:
                where = f"{mutant.name!r} ({mutant.what}; from {mutant.seed.name})"
                failures.append(f"recstack {line} {where}: {problem}")
    assert not failures, "\n".join(failures)
    if known:
        pytest.xfail("; ".join(f"{why} [{', '.join(sorted(at))}]" for why, at in known.items()))


def test_the_mutator_is_seeded_and_mutates() -> None:
    for kind in KINDS:
        first, again = mutants(kind, 2), mutants(kind, 2)
        assert [(m.name, m.data) for m in first] == [(m.name, m.data) for m in again]
        for mutant in first:
            if kind != "hostile_name":
                assert mutant.data != mutant.seed.read_bytes(), (kind, mutant.what)
