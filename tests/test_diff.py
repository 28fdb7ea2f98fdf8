"""`recstack diff` on the real re-recordings and on our own cases: statuses and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from diff_fixtures import stream_recording, write
from recstack.diffing.compare import Options, compare_bytes

from cli_helpers import run

# What a reviewer makes of each real upstream re-recording (pairs/NN/{before,after}.json).
PAIR_STATUS = {
    "01": "changed",  # request url: llama-stack-test -> ogx-test endpoint
    "02": "changed",  # request gained provider_metadata
    "03": "changed",  # request url; the 31-chunk answer is identical
    "04": "changed",  # the tool call became JSON-ish text, finish_reason tool_calls -> stop
    "05": "equivalent",  # gained a test_id (old layout) + re-normalized response id
    "06": "changed",  # Ollama /api/ps: the loaded model is gone
    "07": "changed",  # text became a real tool call (finish_reason stop -> tool_calls)
    "08": "changed",  # the answer lost its second sentence (46 -> 20 chunks)
    "09": "changed",  # model list: root path changed (created/permission ids are volatile)
    "10": "equivalent",  # gained an empty id_normalization_mapping
    "11": "equivalent",  # tool call id only (+ empty mapping)
    "12": "changed",  # usage: completion_tokens 15 -> 18
    "13": "equivalent",  # normalized id / created
    "14": "equivalent",  # normalized id / created
    "15": "equivalent",  # Ollama created_at and durations
    "16": "equivalent",  # Ollama created_at
}


def _pair(pairs_dir: Path, name: str) -> tuple[Path, Path]:
    return pairs_dir / name / "before.json", pairs_dir / name / "after.json"


@pytest.mark.parametrize("name", sorted(PAIR_STATUS))
def test_real_pair_status(pairs_dir: Path, name: str) -> None:
    before, after = _pair(pairs_dir, name)
    result = run("diff", before, after, "--format", "json")
    data = json.loads(result.stdout)
    assert data["files"][0]["status"] == PAIR_STATUS[name], data["files"][0]["changes"]
    assert result.exit_code == (1 if PAIR_STATUS[name] == "changed" else 0)


def test_answer_change_shows_the_changed_sentence(pairs_dir: Path) -> None:
    before, after = _pair(pairs_dir, "08")
    result = run("diff", before, after, "--format", "text")
    assert result.exit_code == 1
    assert "answer.choices[0].content" in result.stdout
    assert "[- It's a federally owned district that serves as the seat" in result.stdout
    assert "re-chunked: 46 -> 20 chunks" in result.stdout
    # the chunk-level noise (ids, created) is not shown
    assert "chatcmpl" not in result.stdout and "created" not in result.stdout


def test_tool_call_turning_into_text_is_reported(pairs_dir: Path) -> None:
    before, after = _pair(pairs_dir, "07")
    out = run("diff", before, after, "--format", "text").stdout
    assert "answer.choices[0].tool_calls[0]  (added)" in out
    assert '"name": "get_time"' in out
    assert "answer.choices[0].finish_reason" in out


def test_real_request_change_shows_the_path(pairs_dir: Path) -> None:
    before, after = _pair(pairs_dir, "01")
    out = run("diff", before, after, "--format", "text").stdout
    assert "request.url" in out and "ogx-test" in out


def test_volatile_pair_is_silent_unless_verbose(pairs_dir: Path) -> None:
    before, after = _pair(pairs_dir, "15")
    quiet = run("diff", before, after, "--format", "text")
    assert quiet.exit_code == 0
    assert quiet.stdout == "1 recording: 1 equivalent\n"
    loud = run("diff", before, after, "--format", "text", "-v")
    assert "equivalent" in loud.stdout and str(after) in loud.stdout


def test_strict_reports_volatile_fields(pairs_dir: Path) -> None:
    before, after = _pair(pairs_dir, "13")
    result = run("diff", before, after, "--format", "json", "--strict")
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    paths = {c["path"] for c in data["files"][0]["changes"]}
    assert "response.body.__data__.id" in paths


def test_ignore_adds_a_pattern(pairs_dir: Path) -> None:
    before, after = _pair(pairs_dir, "12")
    assert run("diff", before, after).exit_code == 1
    result = run(
        "diff", before, after, "--ignore", "response.body[*].__data__.usage", "--format", "json"
    )
    assert json.loads(result.stdout)["files"][0]["status"] == "equivalent"
    assert result.exit_code == 0


def test_all_pairs_as_two_trees(pairs_dir: Path, tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    for name in PAIR_STATUS:
        before, after = _pair(pairs_dir, name)
        write(old / name / "rec.json", json.loads(before.read_text()))
        (old / name / "rec.json").write_bytes(before.read_bytes())
        (new / name).mkdir(parents=True)
        (new / name / "rec.json").write_bytes(after.read_bytes())
    result = run("diff", old, new, "--format", "json", "--jobs", "1")
    data = json.loads(result.stdout)
    assert {f["path"]: f["status"] for f in data["files"]} == {
        f"{name}/rec.json": status for name, status in PAIR_STATUS.items()
    }
    assert data["summary"]["changed"] == 9 and data["summary"]["equivalent"] == 7


# -- our own cases ------------------------------------------------------------------

TEXT = "Paris is the capital of France. It sits on the Seine."


def _diff(tmp_path: Path, a: object, b: object, *args: str) -> dict:
    old = tmp_path / "a.json"
    new = tmp_path / "b.json"
    old.write_text(a if isinstance(a, str) else json.dumps(a, indent=2) + "\n")
    new.write_text(b if isinstance(b, str) else json.dumps(b, indent=2) + "\n")
    result = run("diff", old, new, "--format", "json", *args)
    data = json.loads(result.stdout)
    data["exit"] = result.exit_code
    data["file"] = data["files"][0]
    return data


def test_identical_files_are_same(tmp_path: Path) -> None:
    rec = stream_recording(TEXT)
    data = _diff(tmp_path, rec, rec)
    assert data["file"]["status"] == "same" and data["exit"] == 0
    assert data["file"]["changes"] == []


def test_key_order_and_layout_changes_are_equivalent(tmp_path: Path) -> None:
    rec = stream_recording(TEXT)
    reordered = {k: rec[k] for k in reversed(list(rec))}
    reordered["request"] = {k: rec["request"][k] for k in reversed(list(rec["request"]))}
    data = _diff(tmp_path, json.dumps(rec, indent=2), json.dumps(reordered, indent=4))
    assert data["file"]["status"] == "equivalent" and data["exit"] == 0
    assert data["file"]["changes"] == []


def test_rechunked_stream_is_equivalent_with_a_note(tmp_path: Path) -> None:
    data = _diff(
        tmp_path, stream_recording(TEXT, parts=36), stream_recording(TEXT, parts=31, seed=7)
    )
    assert data["file"]["status"] == "equivalent" and data["exit"] == 0
    assert data["file"]["changes"] == [
        {
            "where": "response",
            "path": "response.body",
            "kind": "re-chunked",
            "before": 37,
            "after": 32,
        }
    ]


def test_rechunked_note_in_verbose_text(tmp_path: Path) -> None:
    old = write(tmp_path / "a.json", stream_recording(TEXT, parts=36))
    new = write(tmp_path / "b.json", stream_recording(TEXT, parts=31, seed=3))
    out = run("diff", old, new, "--format", "text", "-v").stdout
    assert "re-chunked: 37 -> 32 chunks" in out


def test_rechunked_stream_is_changed_when_strict(tmp_path: Path) -> None:
    data = _diff(
        tmp_path, stream_recording(TEXT, parts=36), stream_recording(TEXT, parts=31), "--strict"
    )
    assert data["file"]["status"] == "changed" and data["exit"] == 1


def test_tool_arguments_same_json_different_spacing_is_equivalent(tmp_path: Path) -> None:
    a = stream_recording("", parts=1, tool_args='{"city":"Tokyo","unit":"c"}')
    b = stream_recording("", parts=1, seed=9, tool_args='{ "unit": "c", "city": "Tokyo" }')
    data = _diff(tmp_path, a, b)
    assert data["file"]["status"] == "equivalent", data["file"]["changes"]


def test_tool_arguments_different_values_are_changed(tmp_path: Path) -> None:
    a = stream_recording("", parts=1, tool_args='{"city":"Tokyo"}')
    b = stream_recording("", parts=1, tool_args='{"city": "Kyoto"}')
    data = _diff(tmp_path, a, b)
    assert data["file"]["status"] == "changed"
    assert data["file"]["changes"] == [
        {
            "where": "response",
            "path": "answer.choices[0].tool_calls[0].arguments.city",
            "kind": "changed",
            "before": "Tokyo",
            "after": "Kyoto",
        }
    ]


def test_changed_request_message(tmp_path: Path) -> None:
    a = stream_recording(TEXT)
    b = stream_recording(TEXT, question="What is the capital of Spain?")
    data = _diff(tmp_path, a, b)
    assert data["file"]["status"] == "changed" and data["exit"] == 1
    [change] = data["file"]["changes"]
    assert change["where"] == "request"
    assert change["path"] == "request.body.messages[1].content"
    assert change["after"] == "What is the capital of Spain?"


def test_long_request_string_is_a_line_diff(tmp_path: Path) -> None:
    prompt = "\n".join(f"Rule {i}: be precise." for i in range(12))
    a = stream_recording(TEXT, question=prompt)
    b = stream_recording(TEXT, question=prompt.replace("Rule 5: be precise.", "Rule 5: be brief."))
    old, new = write(tmp_path / "a.json", a), write(tmp_path / "b.json", b)
    out = run("diff", old, new, "--format", "text").stdout
    assert "-Rule 5: be precise." in out and "+Rule 5: be brief." in out
    assert "Rule 0" not in out  # only the hunk's context, not the whole blob


def test_changed_answer_text_is_a_word_diff(tmp_path: Path) -> None:
    old = write(tmp_path / "a.json", stream_recording(TEXT))
    new = write(tmp_path / "b.json", stream_recording(TEXT.replace("Seine", "Loire"), parts=3))
    result = run("diff", old, new, "--format", "text")
    assert result.exit_code == 1
    assert "[-Seine.-]{+Loire.+}" in result.stdout
    assert "re-chunked: 6 -> 4 chunks" in result.stdout


def test_trees_added_and_removed(tmp_path: Path) -> None:
    rec = stream_recording(TEXT)
    write(tmp_path / "old" / "x" / "kept.json", rec)
    write(tmp_path / "new" / "x" / "kept.json", stream_recording(TEXT, parts=2, seed=5))
    write(tmp_path / "old" / "x" / "gone.json", rec)
    fresh = stream_recording("Hi.", question="Say hi.")  # another test: not gone.json re-keyed
    fresh["test_id"] = "tests/test_x.py::test_hi"
    write(tmp_path / "new" / "y" / "fresh.json", fresh)
    result = run("diff", tmp_path / "old", tmp_path / "new", "--format", "json")
    data = json.loads(result.stdout)
    assert {f["path"]: f["status"] for f in data["files"]} == {
        "x/gone.json": "removed",
        "x/kept.json": "equivalent",
        "y/fresh.json": "added",
    }
    assert result.exit_code == 1
    text = run("diff", tmp_path / "old", tmp_path / "new", "--format", "text").stdout
    assert "removed    x/gone.json" in text and "added      y/fresh.json" in text
    assert text.rstrip().endswith("3 recordings: 1 added, 1 removed, 1 equivalent")


def test_unreadable_file_is_an_error_and_the_rest_is_compared(tmp_path: Path) -> None:
    rec = stream_recording(TEXT)
    for side in ("old", "new"):
        write(tmp_path / side / "good.json", rec)
    write(tmp_path / "old" / "changed.json", rec)
    write(tmp_path / "new" / "changed.json", stream_recording("Lyon."))
    write(tmp_path / "old" / "broken.json", rec)
    (tmp_path / "new" / "broken.json").write_text('{"request": {}, "response": {')
    result = run("diff", tmp_path / "old", tmp_path / "new", "--format", "text")
    assert result.exit_code == 1  # a broken recording is a finding; unreadable bytes exit 2
    assert result.stderr.count("\n") == 1
    assert "broken.json" in result.stderr and "invalid JSON" in result.stderr
    assert "changed    changed.json" in result.stdout
    assert "error      broken.json" in result.stdout
    data = json.loads(run("diff", tmp_path / "old", tmp_path / "new", "--format", "json").stdout)
    statuses = {f["path"]: f["status"] for f in data["files"]}
    assert statuses == {"broken.json": "error", "changed.json": "changed", "good.json": "same"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"\xff\xfe{}", "not valid UTF-8"),
        (b"[1, 2]", "not a recording"),
        (b'{"request": {}}', "'response' is missing"),
    ],
)
def test_bad_recordings_get_one_clear_line(tmp_path: Path, content: bytes, message: str) -> None:
    good = write(tmp_path / "good.json", stream_recording(TEXT))
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    result = run("diff", good, bad)
    assert result.exit_code == 1
    assert message in result.stderr and "bad.json" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_usage_errors(tmp_path: Path) -> None:
    good = write(tmp_path / "good.json", stream_recording(TEXT))
    missing = run("diff", good, tmp_path / "nope.json")
    assert missing.exit_code == 2 and "nope.json: no such file or directory" in missing.stderr
    mixed = run("diff", good, tmp_path)
    assert mixed.exit_code == 2 and "directory" in mixed.stderr
    one = run("diff", good)
    assert one.exit_code == 2 and "expected two files" in one.stderr


def test_library_api(tmp_path: Path) -> None:
    a = json.dumps(stream_recording(TEXT)).encode()
    b = json.dumps(stream_recording(TEXT, parts=2)).encode()
    diff = compare_bytes("x.json", a, b, Options())
    assert diff.status == "equivalent"
    assert diff.notes == ["re-chunked: 6 -> 3 chunks"]
    assert compare_bytes("x.json", a, b, Options(strict=True)).status == "changed"


def _unknown_stream(pieces: list[str]) -> bytes:
    body = [
        {"__type__": "acme.Chunk", "__data__": {"id": str(i), "delta": {"text": piece}}}
        for i, piece in enumerate(pieces)
    ]
    data = {"request": {"url": "x", "body": {}}, "response": {"is_streaming": True, "body": body}}
    return json.dumps(data).encode()


def test_unknown_stream_family_is_compared_by_its_concatenated_text() -> None:
    """No reassembler knows acme.Chunk: text fragments are concatenated per field path."""
    split = compare_bytes("x", _unknown_stream(["Hel", "lo"]), _unknown_stream(["H", "ello"]))
    assert split.status == "equivalent"
    assert split.notes == ["re-chunked: 2 chunks, split differently"]
    upper = compare_bytes("x", _unknown_stream(["Hel", "lo"]), _unknown_stream(["H", "ELLO"]))
    assert upper.status == "changed"
    [change] = upper.changes
    assert (change.path, change.before, change.after) == (
        "response.body[*].__data__.delta.text",
        "Hello",
        "HELLO",
    )


def _rerank(text: str, tokens: int) -> bytes:
    """A passthrough recording (rerank): its body is shown as is, not reassembled."""
    request = {"test_id": "t::rerank", "url": "http://h/v1/rerank", "method": "POST"}
    request["payload"] = {"query": "capital?"}
    body = {"results": [{"index": 0, "document": {"text": text}}], "usage": {"total": tokens}}
    response = {"status": 200, "body": body, "is_streaming": False}
    return json.dumps({"test_id": "t::rerank", "request": request, "response": response}).encode()


def test_passthrough_body_fields_named_like_answer_fields_are_compared() -> None:
    """A passthrough answer covers nothing: its ``text`` and ``usage`` keys still count."""
    diff = compare_bytes("x", _rerank("Paris is the capital", 5), _rerank("Berlin is it", 7))
    assert diff.status == "changed"
    assert [(c.path, c.before, c.after) for c in diff.changes] == [
        ("response.body.results[0].document.text", "Paris is the capital", "Berlin is it"),
        ("response.body.usage.total", 5, 7),
    ]
    same = compare_bytes("x", _rerank("Paris", 5), _rerank("Paris", 5) + b"\n")
    assert same.status == "equivalent"
