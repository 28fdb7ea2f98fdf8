"""Numbers keep their exact value in every command: integers beyond 64 bits, numbers a
64-bit float cannot hold (1e400, 1e-400), integers over Python's 4,300-digit limit."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from recstack import jsonnumbers
from recstack.locate import line_col, locate
from suite_trees import CHAT_TEST, chat, place

from cli_helpers import run
from conftest import EXAMPLES

SEED = 123456789012345678901234567890
TOKENS = 98765432109876543210987654321
STEM = "numbers-0123456789abcdef"  # the file-name hash gives normalize its ids


def recording(seed: str = str(SEED), tokens: str = str(TOKENS)) -> str:
    """examples/chat.json in upstream's layout, with ``seed`` in the request and
    ``tokens`` as the response's total_tokens, both written as given."""
    data = json.loads((EXAMPLES / "chat.json").read_text())
    data["request"]["body"]["seed"] = "@SEED@"
    data["response"]["body"]["__data__"]["usage"]["total_tokens"] = "@TOKENS@"
    text = json.dumps(data, indent=2) + "\n"
    return text.replace('"@SEED@"', seed).replace('"@TOKENS@"', tokens)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}-{STEM}.json"
    path.write_text(text)
    return path


def request_text(text: str) -> str:
    """The bytes of the request object in a file in upstream's layout."""
    start = text.index('\n  "request": ')
    return text[start : text.index('\n  "response": ')]


# --- integers beyond 64 bits --------------------------------------------------------


def test_validate_accepts_big_integers(tmp_path: Path) -> None:
    path = write(tmp_path, "big", recording())
    result = run("validate", path)
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "1 file: 1 valid, 0 invalid"


def test_show_json_writes_big_integers_exactly(tmp_path: Path) -> None:
    path = write(tmp_path, "big", recording())
    result = run("show", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["usage"]["total_tokens"] == TOKENS
    assert f'"total_tokens":{TOKENS}' in result.stdout


@pytest.mark.parametrize("strict", [False, True])
def test_diff_tells_big_integers_apart(tmp_path: Path, strict: bool) -> None:
    before = write(tmp_path, "before", recording())
    after = write(tmp_path, "after", recording(seed=str(SEED + 1)))
    result = run("diff", *(["--strict"] if strict else []), before, after, "--format", "json")
    assert result.exit_code == 1
    [change] = json.loads(result.stdout)["files"][0]["changes"]
    assert (change["path"], change["before"], change["after"]) == (
        "request.body.seed",
        SEED,
        SEED + 1,
    )
    same = run("diff", "--strict", before, write(tmp_path, "again", recording()))
    assert same.exit_code == 0


def test_normalize_keeps_every_byte_of_the_request(tmp_path: Path) -> None:
    original = recording()
    path = write(tmp_path, "big", original)
    result = run("normalize", path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"normalized {path}: id, created")
    written = path.read_text()
    assert request_text(written) == request_text(original)
    assert f'"total_tokens": {TOKENS},' in written
    assert json.loads(written)["request"]["body"]["seed"] == SEED


# --- numbers a 64-bit float cannot hold ---------------------------------------------

OUT_OF_RANGE = ["1e400", "-1e400", "1e-400"]


@pytest.mark.parametrize("literal", OUT_OF_RANGE)
def test_validate_names_the_number_and_the_problem(tmp_path: Path, literal: str) -> None:
    path = write(tmp_path, "range", recording(seed=literal))
    result = run("validate", path)
    assert result.exit_code == 1
    line = next(line for line in result.stdout.splitlines() if "[number-range]" in line)
    row, column = locate(path.read_text(), "/request/body/seed")
    assert line.startswith(f"{path}:{row}:{column}: /request/body/seed: number {literal} is ")
    words = "too small for" if "e-" in literal else "out of the range of"
    assert f"{words} a 64-bit float" in line


@pytest.mark.parametrize("literal", OUT_OF_RANGE)
def test_show_json_writes_them_exactly(tmp_path: Path, literal: str) -> None:
    path = write(tmp_path, "range", recording(tokens=literal))
    result = run("show", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    total = json.loads(result.stdout, parse_float=Decimal)["usage"]["total_tokens"]
    assert total == Decimal(literal)
    for fmt in ("text", "markdown", "rich"):
        assert run("show", path, "--format", fmt).exit_code == 0


def test_show_keeps_numbers_inside_tool_call_arguments(tmp_path: Path) -> None:
    data = json.loads((EXAMPLES / "chat-tool-calls-stream.json").read_text())
    arguments = f'{{"big": {SEED}, "huge": 1e400}}'
    first = True
    for chunk in data["response"]["body"]:
        for choice in chunk["__data__"]["choices"]:
            for call in choice["delta"].get("tool_calls") or []:
                if call["function"].get("arguments") is not None:
                    call["function"]["arguments"] = arguments if first else ""
                    first = False
    path = write(tmp_path, "tools", json.dumps(data, indent=2) + "\n")
    result = run("show", path, "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert f'"big": {SEED},' in result.stdout
    assert '"huge": 1E+400' in result.stdout


@pytest.mark.parametrize(("old", "new"), [("1e400", "2e400"), ("1e-400", "2e-400")])
@pytest.mark.parametrize("strict", [False, True])
def test_diff_tells_them_apart(tmp_path: Path, old: str, new: str, strict: bool) -> None:
    before = write(tmp_path, "before", recording(seed=old, tokens=old))
    after = write(tmp_path, "after", recording(seed=new, tokens=new))
    args = ["--strict"] if strict else []
    result = run("diff", *args, before, after, "--format", "json")
    assert result.exit_code == 1
    changes = json.loads(result.stdout, parse_float=Decimal)["files"][0]["changes"]
    assert {c["path"]: (c["before"], c["after"]) for c in changes} == {
        "request.body.seed": (Decimal(old), Decimal(new)),
        "answer.usage.total_tokens": (Decimal(old), Decimal(new)),
    }
    text = run("diff", *args, before, after).stdout
    assert f"- {Decimal(old)}" in text and f"+ {Decimal(new)}" in text


@pytest.mark.parametrize("literal", OUT_OF_RANGE)
def test_normalize_leaves_such_a_file_alone(tmp_path: Path, literal: str) -> None:
    path = write(tmp_path, "range", recording(tokens=literal))
    original = path.read_bytes()
    other = write(tmp_path, "other", recording())
    result = run("normalize", path, other)
    assert result.exit_code == 1
    assert path.read_bytes() == original
    assert result.stderr.startswith(f"recstack normalize: {path}:")
    assert f"number {literal} is " in result.stderr
    assert result.stderr.endswith("(file left unchanged)\n")
    assert len(result.stderr.splitlines()) == 1
    assert result.stdout.splitlines()[-1] == (
        "1 changed, 0 unchanged, 0 renamed-recording mismatches, 1 error"
    )


def _placed_with(root: Path, where: str, literal: str) -> Path:
    """A chat recording under the name replay opens, a number written as ``literal``
    in its request body or its response (``where``), and a non-empty
    id_normalization_mapping (replay reads the recording through it)."""
    data = chat("Hi?")
    data["id_normalization_mapping"] = {"rec-000000000001": "chatcmpl-1"}
    holder = data["request"]["body"] if where == "request" else data["response"]
    holder["x"] = float(Decimal(literal))  # what Python's json reads: replay's key
    path = place(root, data)
    holder["x"] = "@X@"
    path.write_text(json.dumps(data, indent=2).replace('"@X@"', literal) + "\n")
    return path


@pytest.mark.parametrize("literal", ["1e400", "-1e-400"])
def test_ls_and_rekey_read_them_as_python_does(tmp_path: Path, literal: str) -> None:
    """One in the response made the request key fail (``unknown``, "cannot compute the
    request key (TypeError)", when replay reads the recording through its
    id_normalization_mapping): the recording was hidden from ls and rekey. In the
    request, the key cannot be known (tests/test_replay.py)."""
    (tmp_path / ".git").mkdir()
    path = _placed_with(tmp_path, "response", literal)
    listed = json.loads(run("ls", "--format", "json", path).stdout)
    assert (listed["replay"], listed["replay_why"]) == ("ok", None), listed
    original = path.read_bytes()
    result = run("rekey", "--test-id", f"{CHAT_TEST}=tests/test_new.py::test_chat", path)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stderr == (
        f"recstack rekey: {path}: /response/x: number {literal} is "
        f"{jsonnumbers.describe(Decimal(literal))}: its ids are not rewritten; left unchanged\n"
    )
    assert path.read_bytes() == original


# --- integers over Python's digit limit ---------------------------------------------


@pytest.mark.parametrize("command", ["validate", "show", "diff", "normalize"])
def test_an_integer_too_long_for_python_is_one_line_and_the_run_goes_on(
    tmp_path: Path, command: str
) -> None:
    new, old = tmp_path / "new", tmp_path / "old"
    new.mkdir()
    long = write(new, "long", recording(seed="9" * 4301))
    good = write(new, "good", recording())
    if command == "diff":  # the long one as the new version; another pair still compared
        old.mkdir()
        (old / long.name).write_text(recording())
        (old / good.name).write_text(recording(seed="1"))
        result = run("diff", old, new)
    else:
        result = run(command, long, good)
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "internal error" not in output
    message = "integer of 4,301 digits: over Python's 4,300-digit limit"
    text = long.read_text()
    row, column = line_col(text, text.index("9" * 4301))
    where = f"{long}:{row}:{column}: {message}"
    if command == "validate":
        assert result.exit_code == 1
        assert f"{where} [number-range]" in result.stdout.splitlines()
        assert result.stdout.splitlines()[-1].startswith("2 files: 1 valid, 1 invalid")
    else:
        assert result.stderr.splitlines() == [f"recstack {command}: {where}"]
    if command == "show":
        assert result.exit_code == 1
        assert json.loads(run(command, good, "--format", "json").stdout)["usage"]
        assert "Write the subject line" in result.stdout
    elif command == "diff":
        assert result.exit_code == 1
        report = json.loads(run("diff", old, new, "--format", "json").stdout)
        files = {f["path"]: f["status"] for f in report["files"]}
        assert files == {long.name: "error", good.name: "changed"}
    elif command == "normalize":
        assert result.exit_code == 1
        assert result.stdout.startswith(f"normalized {good}")


# --- recstack.jsonnumbers -----------------------------------------------------------


def test_dumps_writes_big_integers_and_decimals_exactly() -> None:
    value = {"a": [SEED, -SEED, Decimal("1E+400"), 1.5, 2**64 - 1], "b": True}
    assert jsonnumbers.dumps(value) == (
        f'{{"a":[{SEED},-{SEED},1E+400,1.5,18446744073709551615],"b":true}}'.encode()
    )
    assert jsonnumbers.dumps_text(value) == (
        f'{{"a": [{SEED}, -{SEED}, 1E+400, 1.5, 18446744073709551615], "b": true}}'
    )
    marker_like = {"s": "decimal-0000000000000000-0", "d": Decimal("-1E-400")}
    assert jsonnumbers.dumps_text(marker_like) == (
        '{"s": "decimal-0000000000000000-0", "d": -1E-400}'
    )


def test_orjson_reads_in_range_floats_exactly_like_python() -> None:
    # The fast parse is trusted with floats a double can hold: the same value as float().
    rng = random.Random(8)
    for _ in range(3000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 25)))
        literal = f"{rng.choice(['', '-'])}{digits[0]}.{digits[1:] or '0'}e{rng.randint(-330, 310)}"
        value = float(literal)
        if value in (float("inf"), float("-inf")) or (value == 0 and digits.strip("0")):
            continue  # out of range: orjson fails or gives 0, the exact parse takes over
        assert orjson.loads(literal) == value, literal
