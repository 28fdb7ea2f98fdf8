"""`recstack normalize`: parity with upstream's normalizer, drift caught and fixed, safety."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from recstack import normalization as normalize_module
from recstack.exactdiff import equal
from recstack.loading import MAX_DEPTH, canonical_bytes
from recstack.normalization import name_hash, normalize, normalize_file, normalize_files, rec_id

from cli_helpers import run
from conftest import EXAMPLES

# Files of the shared real/ folder that upstream's normalizer would still change.
# Two were renamed (their request hash changed) without re-recording: their rec- ids
# were made from the old name. One Ollama embed recording of the 2025-10 tree was
# never normalized at all (created_at null, durations as measured).
RENAMED = {
    "agents-ae230a6062d097d51a5a54cb41852f7f33f6b2c7a400039007c0822cac28d434.json": (
        "rec-adf150be9638",
        "rec-ae230a6062d0",
    ),
    "tool_runtime-632ce0140a65d71196900f356f4790795b4504dd4bf4a31c9e3d2733f0faf2db.json": (
        "rec-b24590574a85",
        "rec-632ce0140a65",
    ),
}
NEVER_NORMALIZED = "old-recordings-6f7a633cda93.json"
UPSTREAM_WOULD_CHANGE = {*RENAMED, NEVER_NORMALIZED}

WITH_MAPPING = [
    "old-responses-0413e144be29fe1ffbd0e6511b9ec1e76840d7147993a26057f07246640a7cea.json",
    "old-responses-1b0c005eb4b93c22ec7211904cab5145194ec832d8e436fee11599c1c2d80fd8.json",
    "old-responses-b7c02d59e1fa664de53afecc490f0bb6d7889a12817d450089650c31351a05d0.json",
    "old-responses-e7777f594336f5ad72b1c9b12db316808a248f008a07ea177c5c88c746004e04.json",
]
MODEL_LISTS = [
    "common-models-3a641f25d65695766fb77e424273f716b852f371e1e87f6e14fd5672b1ab6005-4a65eed3.json",
    "old-recordings-models-bd032f995f2a-7becc84f.json",
    "old-recordings-models-bd032f995f2a-cf0b7036.json",
    "responses-models-64a2277c90f0f42576f60c1030e3a020403d34a95f56931b792d5939f4cebc57-46bed5ab.json",
]
OLLAMA_STREAMS = ["old-recordings-04172112ffbb.json", "old-recordings-ff7db0102b28.json"]
SSE_MESSAGES = "messages-f22657bfd86db6348c0a0d0b17332dcfc038b345d2a7be8da4b880a433d36a52.json"
GENAI_STREAM = "responses-0c26a61a745b8fa33eff39bcd8b3e8af90396e4004562bb81138b0db8aa051a5.json"
INTERACTIONS_STREAM = (
    "interactions-df62e523dd87272e5c55c19d29a36f73aabf0a05969ccc611b6d434bfa1c255d.json"
)
INTERACTION_ID = "v1_Chc0QkhlYVp5R0ZxSzEyOG9QLTV1RndRWRIXNEJIZWFaeUdGcUsxMjhvUC01dUZ3UVk"
OPENAI_STREAM = "responses-463ab0e2f2914026cfa3c742259c43af318468eb4ef84fd4008ebb40824b7e86.json"
OLLAMA_PS = "old-vector_io-12e8cc50ddf64c88d279b944c87119026ffe2ed3000f7f4502a358632e0444ba.json"
# Files of real/ that the default profile changes (22 since the Ollama /api/ps
# recording's models[].expires_at joined the default profile; 21 before).
DEFAULT_WOULD_CHANGE = 22


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime of every file under ``root``."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def age(root: Path) -> None:
    """Move every mtime an hour back, so a rewrite cannot hide within clock resolution."""
    for path in root.rglob("*.json"):
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - 3600 * 10**9))


def typed_items(data: dict[str, Any]) -> list[dict[str, Any]]:
    body = data["response"].get("body")
    items = body if isinstance(body, list) else [body]
    return [i["__data__"] for i in items if isinstance(i, dict) and "__data__" in i]


def drift(data: dict[str, Any], rng: random.Random, *, obfuscation: bool) -> int:
    """What a fresh re-recording does: new ids, timestamps and durations. Returns edits."""
    edits = 0
    for item in typed_items(data):
        if not isinstance(item, dict):
            continue
        is_model = item.get("object") == "model"
        if "id" in item and not is_model:
            item["id"] = f"chatcmpl-{rng.getrandbits(64):016x}"
            edits += 1
        if "created" in item and not is_model:
            item["created"] = rng.randint(1_700_000_000, 1_800_000_000)
            edits += 1
        if "created_at" in item:
            item["created_at"] = f"2026-05-07T10:{rng.randint(10, 59)}:00.123456Z"
            edits += 1
        for name in ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration"):
            if item.get(name) is not None:
                item[name] = rng.randint(1, 10**10)
                edits += 1
        if obfuscation and isinstance(item.get("obfuscation"), str):
            item["obfuscation"] = f"{rng.getrandbits(40):x}"
            edits += 1
    return edits


def drift_tree(root: Path, *, skip: set[str] = frozenset(), obfuscation: bool = True) -> list[Path]:
    """Drift every file under ``root`` that has something to drift; the list of them."""
    rng = random.Random(7)
    drifted = []
    for path in sorted(root.glob("*.json")):
        if path.name in skip:
            continue
        data = json.loads(path.read_bytes())
        if drift(data, rng, obfuscation=obfuscation):
            path.write_bytes(canonical_bytes(data))
            drifted.append(path)
    return drifted


# --- parity with upstream -------------------------------------------------------------


def test_upstream_profile_finds_only_the_known_exceptions(real_copy: Path) -> None:
    result = run("normalize", "--profile", "llama-stack", "--check", real_copy)
    assert result.exit_code == 1
    listed = {
        Path(line.split(" ", 2)[2].split(":")[0]).name
        for line in result.stdout.splitlines()
        if line.startswith("would normalize ")
    }
    assert listed == UPSTREAM_WOULD_CHANGE
    total = len(list(real_copy.glob("*.json")))
    assert result.stdout.splitlines()[-1] == (
        f"3 would change, {total - 3} unchanged, 2 renamed-recording mismatches, 0 errors"
    )
    for name, (recorded, expected) in RENAMED.items():
        assert (
            f"{real_copy / name}: renamed recording: its ids are {recorded}, "
            f"its file name gives {expected}"
        ) in result.stdout


def test_upstream_profile_rewrites_only_those_and_keeps_the_rest(real_copy: Path) -> None:
    age(real_copy)
    before = snapshot(real_copy)
    result = run("normalize", "-p", "llama-stack", real_copy)
    assert result.exit_code == 0, result.stderr
    after = snapshot(real_copy)
    touched = {name for name in before if before[name] != after[name]}
    assert touched == UPSTREAM_WOULD_CHANGE
    renamed = json.loads((real_copy / next(iter(RENAMED))).read_bytes())
    assert {item["id"] for item in typed_items(renamed)} == {"rec-ae230a6062d0"}
    embed = json.loads((real_copy / NEVER_NORMALIZED).read_bytes())["response"]["body"]
    assert embed["__data__"]["created_at"] == "1970-01-01T00:00:00.000000Z"
    assert embed["__data__"]["total_duration"] == 0
    assert embed["__data__"]["prompt_eval_duration"] is None  # null stays null


@pytest.mark.parametrize("name", WITH_MAPPING + MODEL_LISTS + OLLAMA_STREAMS)
def test_special_files_are_already_normalized(real_dir: Path, name: str) -> None:
    result = normalize_file(real_dir / name, "llama-stack", write=False)
    assert (result.status, result.changes, result.renamed) == ("unchanged", [], None)


def test_model_lists_keep_their_ids_and_created(real_dir: Path) -> None:
    path = real_dir / MODEL_LISTS[0]
    data = json.loads(path.read_bytes())
    for item in typed_items(data):
        item["created"] = 123  # a model's created is a fact about the model
    for profile in ("llama-stack", "default"):
        assert not normalize(data, path, profile).changed


def test_mapping_is_kept_and_request_never_touched(real_dir: Path) -> None:
    path = real_dir / WITH_MAPPING[1]
    data = json.loads(path.read_bytes())
    data["request"]["body"]["id"] = "chatcmpl-in-the-request"
    before = json.dumps(data)
    result = normalize(data, path, "default")
    assert json.dumps(data) == before  # the input is never mutated
    assert result.data["request"] is data["request"]
    assert result.data["id_normalization_mapping"] == {
        "file-1": "file-d7cee10212814cfcb75cc091eee11688"
    }
    assert [c.field for c in result.changes] == ["obfuscation"]


def test_name_hash_follows_upstream() -> None:
    assert name_hash("x/agents-75ae2f583e3e.json") == "75ae2f583e3e"
    assert name_hash("models-bd032f995f2a-7becc84f.json") == "7becc84f"
    assert name_hash("04172112ffbb.json") == "04172112ffbb"
    assert rec_id("75ae2f583e3eb3920933f9df9ff65fa5.json") == "rec-75ae2f583e3e"


# --- drift caught and fixed ------------------------------------------------------------


def test_drifted_copies_are_caught_and_fixed_to_the_original_bytes(
    real_dir: Path, real_copy: Path
) -> None:
    drifted = drift_tree(real_copy, skip=UPSTREAM_WOULD_CHANGE, obfuscation=False)
    assert len(drifted) > 40
    assert all(p.read_bytes() != (real_dir / p.name).read_bytes() for p in drifted)

    check = run("normalize", "-p", "llama-stack", "--check", real_copy)
    assert check.exit_code == 1
    assert f"{len(drifted) + 3} would change" in check.stdout

    result = run("normalize", "-p", "llama-stack", real_copy)
    assert result.exit_code == 0
    for path in real_copy.glob("*.json"):
        if path.name not in UPSTREAM_WOULD_CHANGE:
            assert path.read_bytes() == (real_dir / path.name).read_bytes(), path.name


def test_default_profile_fixes_drift_to_the_same_bytes(real_copy: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    shutil.copytree(real_copy, clean)
    assert run("normalize", clean).exit_code == 0
    drift_tree(real_copy)
    assert run("normalize", real_copy).exit_code == 0
    for path in clean.glob("*.json"):
        assert (real_copy / path.name).read_bytes() == path.read_bytes(), path.name


def test_default_profile_on_real_recordings(real_copy: Path) -> None:
    result = run("normalize", "--diff", real_copy)
    assert result.exit_code == 1  # files would change: a finding, as with --check
    out = result.stdout
    assert 'obfuscation: "QmTXstGvpa8" (+14 other values) -> "" (15 chunks)' in out
    assert 'response_id: "nPPMaZWQCp-xmPUPu9qtoA4" -> "rec-0c26a61a745b" (3 chunks)' in out
    assert (
        'sdk_http_response.headers.Date: "Wed, 01 Apr 2026 10:29:48 GMT" -> '
        '"Thu, 01 Jan 1970 00:00:00 GMT" (3 chunks)'
    ) in out
    assert 'message.id: "msg_812f019850cce212423fb87a" -> "rec-f22657bfd86d" (1 chunk)' in out
    assert 'interaction.created: "2026-04-14T10:07:29Z" -> "1970-01-01T00:00:00Z"' in out
    assert "system_fingerprint" not in out  # kept: it names the backend build
    assert "tool_calls" not in out  # echoed by the next request: never rewritten
    assert 'models[*].expires_at: "2025-10-08T16:14:05.423042-07:00" (+2 other values)' in out
    assert out.splitlines()[-1].startswith(
        f"{DEFAULT_WOULD_CHANGE} would change, {82 - DEFAULT_WOULD_CHANGE} unchanged, 2 renamed"
    )


def test_sse_lines_keep_their_layout_except_the_value(real_copy: Path) -> None:
    path = real_copy / SSE_MESSAGES
    before = json.loads(path.read_bytes())["response"]["body"]
    assert run("normalize", path).exit_code == 0
    after = json.loads(path.read_bytes())["response"]["body"]
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(changed) == 1
    old, new = changed[0]
    assert new == old.replace('"id":"msg_812f019850cce212423fb87a"', '"id":"rec-f22657bfd86d"')


def test_interaction_ids_and_tool_call_ids_are_never_rewritten(real_dir: Path) -> None:
    # Both are sent back by a later request (previous_interaction_id, tool_call_id).
    stream = real_dir / INTERACTIONS_STREAM
    lines = normalize(json.loads(stream.read_bytes()), stream).data["response"]["body"]
    assert sum(INTERACTION_ID in line for line in lines) == 3
    calls = 0
    for path in sorted(real_dir.glob("*.json")):
        data = json.loads(path.read_bytes())
        assert _tool_call_ids(normalize(data, path).data) == _tool_call_ids(data)
        calls += len(_tool_call_ids(data))
    assert calls > 10


def _tool_call_ids(value: Any) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "tool_calls" and isinstance(item, list):
                found += [c.get("id") for c in item if isinstance(c, dict)]
            found += _tool_call_ids(item)
    elif isinstance(value, list):
        for item in value:
            found += _tool_call_ids(item)
    return found


# --- idempotence, dry runs, validity ------------------------------------------------------


@pytest.mark.parametrize("profile", ["default", "llama-stack"])
def test_second_run_changes_nothing(real_copy: Path, profile: str) -> None:
    drift_tree(real_copy)
    assert run("normalize", "-p", profile, real_copy).exit_code == 0
    age(real_copy)
    before = snapshot(real_copy)
    again = run("normalize", "-p", profile, real_copy)
    assert again.exit_code == 0
    assert again.stdout.startswith("0 changed, ")
    assert snapshot(real_copy) == before
    assert run("normalize", "-p", profile, "--check", real_copy).exit_code == 0


@pytest.mark.parametrize("flags", [["--check"], ["--diff"], ["--check", "--diff"]])
def test_check_and_diff_write_nothing(real_copy: Path, flags: list[str]) -> None:
    drift_tree(real_copy)
    age(real_copy)
    before = snapshot(real_copy)
    result = run("normalize", *flags, real_copy)
    assert result.exit_code == 1  # both modes report files that would change
    assert snapshot(real_copy) == before


def test_unchanged_files_keep_their_mtime(real_copy: Path) -> None:
    age(real_copy)
    before = snapshot(real_copy)
    assert run("normalize", real_copy).exit_code == 0
    after = snapshot(real_copy)
    for name, (raw, mtime) in before.items():
        if after[name][0] == raw:
            assert after[name][1] == mtime, name


def test_normalized_files_still_validate(real_copy: Path) -> None:
    validate = pytest.importorskip("recstack.validation")
    drift_tree(real_copy)
    assert run("normalize", real_copy).exit_code == 0
    for path in sorted(real_copy.glob("*.json")):
        errors = [p for p in validate.validate_file(path) if p.severity == "error"]
        assert errors == [], errors[0].one_line() if errors else ""


def test_file_mode_is_kept(real_copy: Path) -> None:
    path = real_copy / OPENAI_STREAM
    path.chmod(0o640)
    assert run("normalize", path).exit_code == 0
    assert path.stat().st_mode & 0o777 == 0o640


# --- atomicity -------------------------------------------------------------------------


def _disk_full(*args: object) -> None:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize(
    "failure",
    [
        {"write": _disk_full},  # writing the temp file fails
        {"fchmod": _disk_full},  # giving the temp file the original's mode fails
        {"replace": _disk_full},  # putting the temp file in place fails
    ],
    ids=["write", "fchmod", "replace"],
)
def test_failed_write_leaves_the_original_and_no_temp_file(
    real_copy: Path, monkeypatch: pytest.MonkeyPatch, failure: dict[str, Any]
) -> None:
    import recstack.writing as writing

    target = real_copy / OPENAI_STREAM
    original = target.read_bytes()
    for name, function in failure.items():
        monkeypatch.setattr(writing.os, name, function)
    result = run("normalize", target, real_copy / GENAI_STREAM)
    assert result.exit_code == 2  # an I/O error
    assert result.stderr.count("\n") == 2
    assert f"{target}: cannot write: no space left on device (file left unchanged)" in (
        result.stderr
    )
    assert target.read_bytes() == original
    assert sorted(p.name for p in real_copy.iterdir() if not p.name.endswith(".json")) == []


def test_no_spare_or_temp_file_is_left_behind(real_copy: Path) -> None:
    drift_tree(real_copy)
    assert run("normalize", "-j", "1", real_copy).exit_code == 0
    assert sorted(p.name for p in real_copy.iterdir() if not p.name.endswith(".json")) == []


@pytest.mark.parametrize("step", ["replace", "write"])
def test_interrupted_write_leaves_the_original(
    real_copy: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    import recstack.writing as writing

    targets = [real_copy / OPENAI_STREAM, real_copy / GENAI_STREAM]
    originals = [path.read_bytes() for path in targets]

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(writing.os, step, interrupted)
    with pytest.raises(KeyboardInterrupt):
        normalize_file(targets[0])
    with pytest.raises(KeyboardInterrupt):
        list(normalize_files(targets, jobs=1))
    assert [path.read_bytes() for path in targets] == originals
    assert [p.name for p in real_copy.iterdir() if p.name.startswith(".")] == []


# --- bad input, stdin, exit codes, formats ---------------------------------------------


def test_bad_files_are_reported_and_the_rest_normalized(real_copy: Path) -> None:
    bad = {
        "empty.json": b"",
        "truncated.json": b'{"request": {}, "response": {"body": [',
        "latin1.json": b'{"request": {}, "response": {"body": "\xe9"}}',
        "array.json": b"[1, 2]\n",
    }
    for name, raw in bad.items():
        (real_copy / name).write_bytes(raw)
    result = run("normalize", real_copy)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 4
    for name, raw in bad.items():
        assert (real_copy / name).read_bytes() == raw
        prefix = f"recstack normalize: {real_copy / name}"
        assert sum(line.startswith(prefix) for line in lines) == 1
    assert "Traceback" not in result.stderr
    assert result.stdout.splitlines()[-1].endswith(", 4 errors")
    assert f"{DEFAULT_WOULD_CHANGE} changed" in result.stdout


def test_a_file_too_deep_to_rewrite_is_one_error_and_the_rest_normalized(real_copy: Path) -> None:
    # orjson reads ~1,000 levels; json.dumps(indent=2) could not write them back: the
    # nesting limit of every command refuses the file when it is read.
    deep = real_copy / OPENAI_STREAM
    data = json.loads(deep.read_text())
    data["request"]["body"]["metadata"] = "@@"
    nested = '{"a": ' * 990 + "1" + "}" * 990
    deep.write_text(json.dumps(data, indent=2).replace('"@@"', nested) + "\n")
    original = deep.read_bytes()
    other = real_copy / GENAI_STREAM
    result = run("normalize", deep, other)
    assert result.exit_code == 1
    assert re.fullmatch(
        rf"recstack normalize: {re.escape(str(deep))}:\d+:\d+: "
        rf"nested too deeply: more than {MAX_DEPTH} levels of objects and arrays\n",
        result.stderr,
    )
    assert deep.read_bytes() == original
    assert result.stdout.splitlines() == [
        f"normalized {other}: response_id, create_time, sdk_http_response.headers.Date",
        "1 changed, 0 unchanged, 0 renamed-recording mismatches, 1 error",
    ]


def test_paths_on_stdin(real_copy: Path) -> None:
    paths = f"{real_copy / OPENAI_STREAM}\n\n{real_copy / MODEL_LISTS[0]}\n"
    result = run("normalize", "--check", "-", input=paths)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"would normalize {real_copy / OPENAI_STREAM}: obfuscation",
        "1 would change, 1 unchanged, 0 renamed-recording mismatches, 0 errors",
    ]


def test_exit_codes(real_copy: Path) -> None:
    clean = real_copy / MODEL_LISTS[0]
    assert run("normalize", "--check", clean).exit_code == 0
    assert run("normalize", "--check", real_copy / OPENAI_STREAM).exit_code == 1
    assert run("normalize", real_copy / OPENAI_STREAM).exit_code == 0
    missing = run("normalize", real_copy / "nope.json", clean)
    assert missing.exit_code == 2
    assert f"{real_copy / 'nope.json'}: no such file or directory" in missing.stderr
    no_paths = run("normalize")
    assert no_paths.exit_code == 2
    assert "give at least one PATH" in no_paths.stderr
    assert run("normalize", "--profile", "nope", clean).exit_code == 2
    assert run("normalize", "--jobs", "-1", clean).exit_code == 2


def test_json_output(real_copy: Path) -> None:
    result = run("normalize", "--check", "--format", "json", real_copy)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["profile"] == "default"
    assert document["mode"] == "check"
    assert document["summary"] == {
        "changed": DEFAULT_WOULD_CHANGE,
        "unchanged": 82 - DEFAULT_WOULD_CHANGE,
        "renamed": 2,
        "errors": 0,
        "missing": 0,
    }
    by_name = {Path(f["path"]).name: f for f in document["files"]}
    renamed = by_name[next(iter(RENAMED))]
    assert renamed["renamed"] == {"expected": "rec-ae230a6062d0", "recorded": ["rec-adf150be9638"]}
    assert renamed["changes"] == [
        {
            "rule": "id",
            "field": "id",
            "old": "rec-adf150be9638",
            "new": "rec-ae230a6062d0",
            "chunks": 13,
            "distinct_old": 1,
        }
    ]
    assert by_name[MODEL_LISTS[0]]["status"] == "unchanged"
    assert not any(f["written"] for f in document["files"])


def test_list_rules(tmp_path: Path) -> None:
    text = run("normalize", "--list-rules")
    assert text.exit_code == 0
    assert text.stdout.startswith("Profile default rewrites 19 of 28 rules")
    assert "* obfuscation  [default]" in text.stdout
    assert "  system_fingerprint  [diff only]" in text.stdout
    assert (
        "    where:  Google GenAI bodies and stream chunks\n"
        "    field:  sdk_http_response.headers.Date, sdk_http_response.headers.date -> "
        '"Thu, 01 Jan 1970 00:00:00 GMT"\n'
    ) in text.stdout
    assert (
        "  request_tool_ids  [diff only]\n"
        "    where:  request.body (never rewritten: it names the file)\n"
    ) in text.stdout
    upstream = run("normalize", "--list-rules", "-p", "llama-stack", "-f", "json")
    rules = json.loads(upstream.stdout)["rules"]
    assert [r["id"] for r in rules if r["in_profile"]] == [
        "id",
        "created",
        "created_at",
        "total_duration",
        "load_duration",
        "prompt_eval_duration",
        "eval_duration",
    ]
    assert all(r["reason"] for r in rules)
    by_id = {r["id"]: r for r in rules}
    assert by_id["id"]["patterns"] == ["response.body.__data__.id", "response.body[*].__data__.id"]
    assert by_id["obfuscation"]["patterns"] == [
        "response.body.__data__**.obfuscation",
        "response.body[*].__data__**.obfuscation",
    ]
    assert all(p.startswith("request.body.") for p in by_id["request_tool_ids"]["patterns"])


def test_parallel_jobs_give_the_same_result(real_copy: Path, tmp_path: Path) -> None:
    # 164 files: above the size where the process pool is used.
    twin = tmp_path / "twin"
    shutil.copytree(real_copy, twin)
    serial = run("normalize", "--check", "-f", "json", "-j", "1", real_copy, twin)
    parallel = run("normalize", "--check", "-f", "json", "-j", "2", real_copy, twin)
    assert serial.exit_code == parallel.exit_code == 1
    assert json.loads(serial.stdout) == json.loads(parallel.stdout)
    assert json.loads(parallel.stdout)["summary"]["changed"] == 2 * DEFAULT_WOULD_CHANGE


def test_the_rule_table() -> None:
    from recstack import volatile

    for rule in volatile.RULES:
        assert rule.reason and rule.patterns and rule.where, rule.id
        if rule.profiles:  # normalize rewrites the response only
            assert rule.scope in volatile.REWRITABLE and rule.replacement, rule.id
        else:
            assert rule.replacement == "", rule.id
    upstream = volatile.rules_for("llama-stack")
    assert {r.id for r in upstream} < {r.id for r in volatile.rules_for("default")}
    # Upstream's normalizer: top-level keys of typed objects, no condition.
    for rule in upstream:
        assert rule.scope == volatile.TYPED and rule.when is volatile.ALWAYS, rule.id
        assert len(rule.paths) == 1 and "." not in rule.paths[0], rule.id
    ignored = volatile.ignore_patterns()
    assert all(p in ignored for rule in volatile.RULES for p in rule.patterns)
    assert len(ignored) == len(set(ignored))
    # Model ids are names: the only globs diff still compares inside model objects.
    assert volatile.model_kept_patterns() == list(volatile.RULES[0].patterns)


# --- what normalize refuses to rewrite ----------------------------------------------


def request_bytes(raw: bytes) -> bytes:
    """The request object's bytes in a file in upstream's layout (up to the next
    top-level key or the end of the document)."""
    start = raw.index(b'\n  "request": ')
    after = re.compile(rb'\n  "|\n}').search(raw, start + 1)
    assert after is not None
    return raw[start : after.start()]


@pytest.mark.parametrize("profile", ["default", "llama-stack"])
def test_every_request_byte_survives_on_real_files_and_pairs(
    real_copy: Path, pairs_copy: Path, profile: str
) -> None:
    files = [*sorted(real_copy.glob("*.json")), *sorted(pairs_copy.rglob("*.json"))]
    before = {path: path.read_bytes() for path in files}
    drift_tree(real_copy)  # fresh ids everywhere: every such file is rewritten
    result = run("normalize", "--profile", profile, real_copy, pairs_copy)
    assert result.exit_code == 0, result.stderr
    rewritten = 0
    for path, original in before.items():
        now = path.read_bytes()
        if canonical_bytes(json.loads(original)) == original:  # upstream's layout
            assert request_bytes(now) == request_bytes(original), path.name
        assert equal(json.loads(now)["request"], json.loads(original)["request"]), path.name
        rewritten += now != original
    assert rewritten > 30  # the drifted real files and the pairs (ids from their names)


def dupe_recording(tmp_path: Path, *, needs_change: bool) -> Path:
    """A chat recording whose request body says "stream" twice (false, then true)."""
    data = json.loads((EXAMPLES / "chat.json").read_text())
    if not needs_change:
        data = normalize(data, "dupe-0123456789ab.json").data
    text = json.dumps(data, indent=2) + "\n"
    path = tmp_path / "dupe-0123456789ab.json"
    path.write_text(text.replace('"stream": false,', '"stream": false,\n      "stream": true,'))
    return path


@pytest.mark.parametrize("flags", [[], ["--check"], ["--diff"]])
def test_a_duplicate_key_keeps_a_file_from_being_rewritten(
    tmp_path: Path, flags: list[str]
) -> None:
    path = dupe_recording(tmp_path, needs_change=True)
    original = path.read_bytes()
    result = run("normalize", *flags, path)
    assert result.exit_code == 1
    assert path.read_bytes() == original
    row = original.decode().splitlines().index('      "stream": true,') + 1
    assert result.stderr == (
        f"recstack normalize: {path}:{row}:7: /request/body: duplicate key 'stream': "
        "rewriting would keep only its last value (file left unchanged)\n"
    )
    assert result.stdout.splitlines()[-1].endswith(", 1 error")


def test_a_duplicate_key_in_a_file_with_nothing_to_change_is_left_quietly(tmp_path: Path) -> None:
    path = dupe_recording(tmp_path, needs_change=False)
    original = path.read_bytes()
    result = run("normalize", path)
    assert (result.exit_code, result.stderr) == (0, "")
    assert path.read_bytes() == original


def _corrupt(edit: Callable[[dict[str, Any]], None]) -> Callable[[Any], bytes]:
    """A canonical_bytes that also makes ``edit`` to the data it writes."""

    def write(data: Any) -> bytes:
        copy = json.loads(json.dumps(data))
        edit(copy)
        return canonical_bytes(copy)

    return write


def _chat_usage(data: dict[str, Any]) -> dict[str, Any]:
    return data["response"]["body"]["__data__"]["usage"]


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda d: d["request"]["body"].update(temperature=0.25), "request.body.temperature"),
        (lambda d: d["request"]["body"].update(stream=0), "request.body.stream"),  # False == 0
        (lambda d: _chat_usage(d).update(total_tokens=69.0), "response.body.__data__.usage"),
        (lambda d: d.update(test_id=None), "test_id"),
        (lambda d: d["request"].update(model=d["request"].pop("model")), "request"),
    ],
    ids=["value", "type", "int to float", "meta", "key order"],
)
def test_a_rewrite_that_would_change_more_than_its_fields_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    edit: Callable[[dict[str, Any]], None],
    where: str,
) -> None:
    path = tmp_path / "chat-0123456789ab.json"
    shutil.copyfile(EXAMPLES / "chat.json", path)
    original = path.read_bytes()
    monkeypatch.setattr(normalize_module, "canonical_bytes", _corrupt(edit))
    result = normalize_file(path)
    assert result.status == "error" and not result.written
    assert result.problem is not None
    assert result.problem.message.startswith(f"rewriting would change {where}")
    assert result.problem.message.endswith(
        ", which no rule of the profile rewrites (file left unchanged)"
    )
    assert path.read_bytes() == original
    monkeypatch.undo()
    assert normalize_file(path).written  # the real writer is fine


def test_inside_sse_lines_only_the_rule_fields_may_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "messages-0123456789ab.json"
    shutil.copyfile(EXAMPLES / "messages-stream.json", path)
    original = path.read_bytes()

    def edit(data: dict[str, Any]) -> None:  # a second field of the message_start line
        body = data["response"]["body"]
        index = next(i for i, line in enumerate(body) if '"message_start"' in line)
        body[index] = body[index].replace('"role":"assistant"', '"role":"user"')

    monkeypatch.setattr(normalize_module, "canonical_bytes", _corrupt(edit))
    result = normalize_file(path)
    assert result.problem is not None
    assert "rewriting would change response.body[" in result.problem.message
    assert "].data.message.role, which no rule" in result.problem.message
    assert path.read_bytes() == original
    monkeypatch.undo()
    fine = normalize_file(path)
    assert fine.written and [c.field for c in fine.changes] == ["message.id"]
