"""Big re-records read in one screen: repeated changes told once, headers that name the
test, highlighted line diffs, embeddings, a pull-request comment that fits GitHub."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from diff_fixtures import completion, stream_recording, write
from recstack.diffing.compare import Options, compare_bytes
from recstack.render.diff_markdown import LIMIT
from recstack.render.textdiff import ADDED_WORDS, REMOVED_WORDS, line_diff

from cli_helpers import run

TEXT = "Paris is the capital of France. It sits on the Seine."
SDK = "request.provider_metadata.openai_sdk_version"


def rec(
    n: int, *, sdk: str = "2.5.0", text: str = TEXT, test_file: str = "test_chat"
) -> dict[str, Any]:
    """Recording ``n`` of a suite: its own test and question, an SDK version."""
    out = stream_recording(text, question=f"Question {n}?")
    out["test_id"] = f"tests/integration/inference/{test_file}.py::test_q[{n}]"
    out["request"]["provider_metadata"] = {"openai_sdk_version": sdk}
    return out


def rerecorded(tmp_path: Path, count: int, changed: dict[int, str]) -> tuple[Path, Path]:
    """``count`` recordings re-recorded with a new SDK version; ``changed`` answers."""
    old, new = tmp_path / "old", tmp_path / "new"
    for n in range(count):
        write(old / "rec" / f"r{n}.json", rec(n))
        write(new / "rec" / f"r{n}.json", rec(n, sdk="2.30.0", text=changed.get(n, TEXT)))
    return old, new


# -- a change repeated across recordings -----------------------------------------------


def test_a_repeated_change_is_told_once_with_its_count(tmp_path: Path) -> None:
    old, new = rerecorded(tmp_path, 5, {3: TEXT.replace("Seine", "Loire")})
    result = run("diff", old, new, "--format", "text")
    assert result.exit_code == 1
    out = result.stdout
    assert out.count(SDK) == 1
    assert out.startswith(
        f'changed in 5 recordings:\n  request  {SDK}\n      - "2.5.0"\n      + "2.30.0"\n\n'
    )
    # the sections show what is left: only r3 has something left
    assert "changed    rec/r3.json" in out and "[-Seine.-]{+Loire.+}" in out
    assert "rec/r0.json" not in out
    assert out.rstrip().endswith("5 recordings: 5 changed")
    verbose = run("diff", old, new, "--format", "text", "-v").stdout
    assert "  in rec/r0.json\n" in verbose and "  in rec/r4.json\n" in verbose
    # JSON keeps every change of every recording
    data = json.loads(run("diff", old, new, "--format", "json").stdout)
    assert all(SDK in [c["path"] for c in item["changes"]] for item in data["files"])


def test_a_change_in_two_recordings_stays_with_each(tmp_path: Path) -> None:
    old, new = rerecorded(tmp_path, 2, {})
    out = run("diff", old, new, "--format", "text").stdout
    assert out.count(SDK) == 2 and "changed in" not in out


def test_changes_of_the_same_recordings_are_one_group(tmp_path: Path) -> None:
    old, new = rerecorded(tmp_path, 4, {})
    for n in range(4):
        data = json.loads((new / "rec" / f"r{n}.json").read_text())
        data["request"]["url"] = data["request"]["url"].replace("localhost", "ollama")
        write(new / "rec" / f"r{n}.json", data)
    out = run("diff", old, new, "--format", "text").stdout
    assert out.count("changed in 4 recordings:") == 1
    assert out.index("request.provider_metadata") < out.index("request.url") < out.index("\n\n")


# -- headers -------------------------------------------------------------------------------


def test_headers_name_the_test_shortened_and_the_endpoint(tmp_path: Path) -> None:
    params = "openai_client-txt=ollama/llama3.2:3b-inference:chat_completion:streaming_01" * 2
    test_id = f"tests/integration/inference/test_openai_completion.py::test_stream[{params}]"
    before, after = stream_recording(TEXT), stream_recording(TEXT.replace("Seine", "Loire"))
    before["test_id"] = after["test_id"] = test_id
    name = "0" * 64 + ".json"
    write(tmp_path / "old" / name, before)
    write(tmp_path / "new" / name, after)
    lines = run("diff", tmp_path / "old", tmp_path / "new", "--format", "text").stdout.split("\n")
    assert lines[0] == f"changed    {name}"
    test, endpoint, model = lines[1].strip().split(" · ")
    assert (endpoint, model) == ("/v1/chat/completions", "llama3.2:3b")
    assert test.startswith("test_openai_completion.py::test_stream[openai_client-txt=")
    assert "…" in test and len(test) == 100 and test.endswith("streaming_01]")


# -- text diffs ----------------------------------------------------------------------------


def test_changed_words_are_highlighted_inside_changed_lines() -> None:
    before = "Intro\nThe sky is blue because of Rayleigh scattering.\nOutro"
    after = "Intro\nThe sky is blue because of Mie scattering.\nOutro"
    rows = line_diff(before, after)
    removed = next(row for row in rows if row[0][0] == "-")
    added = next(row for row in rows if row[0][0] == "+")
    assert [text for text, style in removed if style == REMOVED_WORDS] == ["Rayleigh"]
    assert [text for text, style in added if style == ADDED_WORDS] == ["Mie"]
    # the text of each line is the line itself: the plain diff is a unified diff
    assert "".join(text for text, _ in added) == "+The sky is blue because of Mie scattering."


def test_unrelated_lines_are_not_highlighted() -> None:
    rows = line_diff(
        "a\nCompletely different words here.\nz", "a\nNothing alike at all, really.\nz"
    )
    styles = {style for row in rows for _, style in row}
    assert REMOVED_WORDS not in styles and ADDED_WORDS not in styles


def test_highlights_reach_the_terminal(tmp_path: Path) -> None:
    lines = [f"Step {i}: do thing {i}." for i in range(6)]
    old = write(tmp_path / "o.json", stream_recording("\n".join(lines)))
    lines[3] = "Step 3: do another thing 3."
    new = write(tmp_path / "n.json", stream_recording("\n".join(lines)))
    coloured = run("diff", old, new, env={"NO_COLOR": "", "FORCE_COLOR": "1"}).stdout
    assert re.search(r"\x1b\[[0-9;]*7[0-9;]*m(another )?", coloured)  # reverse video
    plain = run("diff", old, new, "--format", "text").stdout
    assert "+Step 3: do another thing 3." in plain


def test_a_test_id_change_prints_the_differing_part(tmp_path: Path) -> None:
    before, after = rec(1), rec(1)
    after["test_id"] = before["test_id"].replace("test_q", "test_question")
    write(tmp_path / "a.json", before)
    write(tmp_path / "b.json", after)
    out = run("diff", tmp_path / "a.json", tmp_path / "b.json", "--format", "text").stdout
    assert "test_id …test_chat.py::test_[-q-]{+question+}[1]" in out
    assert before["test_id"] not in out


# -- embeddings ----------------------------------------------------------------------------


def embedding(vector: list[float]) -> dict[str, Any]:
    data = {
        "data": [{"embedding": vector, "index": 0, "object": "embedding"}],
        "model": "nomic-embed-text",
        "object": "list",
        "usage": {"prompt_tokens": 4, "total_tokens": 4},
    }
    return {
        "test_id": "tests/integration/test_embed.py::test_embed",
        "request": {
            "method": "POST",
            "url": "http://localhost:11434/v1/v1/embeddings",
            "headers": {},
            "body": {"model": "nomic-embed-text", "input": ["Hello"]},
            "endpoint": "/v1/embeddings",
            "model": "nomic-embed-text",
        },
        "response": {
            "body": {
                "__type__": "openai.types.create_embedding_response.CreateEmbeddingResponse",
                "__data__": data,
            },
            "is_streaming": False,
        },
    }


def test_an_embedding_that_moved_says_how_far(tmp_path: Path) -> None:
    vector = [((i * 37) % 101) / 100 - 0.5 for i in range(64)]
    moved = list(vector)
    moved[5] += 0.25
    old = write(tmp_path / "a.json", embedding(vector))
    new = write(tmp_path / "b.json", embedding(moved))
    data = json.loads(run("diff", old, new, "--format", "json").stdout)
    [change] = data["files"][0]["changes"]
    assert change["kind"] == "embedding"
    assert change["path"] == "response.body.__data__.data[0].embedding"
    stats = change["stats"]
    assert (stats["dimensions"], stats["largest_change_at"]) == (64, 5)
    assert stats["largest_change"] == pytest.approx(0.25)
    assert 0.9 < stats["cosine_similarity"] < 1
    text = run("diff", old, new, "--format", "text").stdout
    assert "(embedding)" in text
    cosine = f"{stats['cosine_similarity']:.6f}"
    assert f"64 numbers, cosine similarity {cosine}, largest element change 0.25 at [5]" in text
    opposite = write(tmp_path / "c.json", embedding([-x for x in vector]))
    data = json.loads(run("diff", old, opposite, "--format", "json").stdout)
    assert data["files"][0]["changes"][0]["stats"]["cosine_similarity"] == pytest.approx(-1)


def test_a_short_embedding_is_one_change_too(tmp_path: Path) -> None:
    """8 numbers under an ``embedding`` key: one change with its distance, not 8."""
    old = write(tmp_path / "a.json", embedding([0.5, -0.25, 0.125, 0.0, 0.75, -0.5, 0.25, 0.1]))
    new = write(tmp_path / "b.json", embedding([0.5, -0.25, 0.125, 0.0, 0.75, -0.5, 0.25, 0.2]))
    [change] = json.loads(run("diff", old, new, "--format", "json").stdout)["files"][0]["changes"]
    assert (change["kind"], change["stats"]["largest_change_at"]) == ("embedding", 7)
    assert change["stats"]["largest_change"] == pytest.approx(0.1)


# -- --strict sees what the answer does not compare ------------------------------------------


def test_strict_sees_a_tool_call_index_alone() -> None:
    before = completion("")
    call = {"id": "call_1", "index": 0, "type": "function", "function": {"name": "f"}}
    before["response"]["body"]["__data__"]["choices"][0]["message"]["tool_calls"] = [call]
    after = copy.deepcopy(before)
    del after["response"]["body"]["__data__"]["choices"][0]["message"]["tool_calls"][0]["index"]
    a, b = json.dumps(before).encode(), json.dumps(after).encode()
    assert compare_bytes("x", a, b).status == "equivalent"
    strict = compare_bytes("x", a, b, Options(strict=True))
    assert strict.status == "changed"
    assert [c.path for c in strict.changes] == [
        "response.body.__data__.choices[0].message.tool_calls[0].index"
    ]


def genai(avg_logprobs: float) -> dict[str, Any]:
    model = "publishers/google/models/gemini-2.0-flash"
    candidate = {
        "content": {"parts": [{"text": "Hello."}], "role": "model"},
        "finish_reason": "STOP",
        "avg_logprobs": avg_logprobs,
    }
    return {
        "test_id": "tests/integration/test_genai.py::test_hello",
        "request": {
            "method": "POST",
            "url": "vertexai:///generate_content",
            "headers": {},
            "body": {"model": model, "contents": [{"role": "user", "parts": [{"text": "Hi"}]}]},
            "endpoint": "/generate_content",
            "model": model,
        },
        "response": {
            "body": {"candidates": [candidate], "model_version": "gemini-2.0-flash"},
            "is_streaming": False,
        },
    }


def test_strict_sees_genai_avg_logprobs() -> None:
    a, b = json.dumps(genai(-0.4)).encode(), json.dumps(genai(-0.6)).encode()
    assert compare_bytes("x", a, b).status == "equivalent"
    strict = compare_bytes("x", a, b, Options(strict=True))
    assert [(c.path, c.before, c.after) for c in strict.changes] == [
        ("response.body.candidates[0].avg_logprobs", -0.4, -0.6)
    ]


def _fragments(count: int) -> bytes:
    body = [
        {"__type__": "acme.Chunk", "__data__": {"delta": {"text": f"w{i} "}}} for i in range(count)
    ]
    data = {"request": {"url": "x", "body": {}}, "response": {"is_streaming": True, "body": body}}
    return json.dumps(data).encode()


def test_an_unknown_stream_of_many_fragments_is_compared_by_its_text() -> None:
    changed = compare_bytes("x", _fragments(20_000), _fragments(20_001))
    [change] = changed.real_changes
    assert change.after.endswith("w19999 w20000 ") and change.before.endswith("w19999 ")


# -- Markdown: a pull-request comment ---------------------------------------------------------


def test_markdown_summary_table_per_test_file(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    write(old / "a" / "1.json", rec(1))
    write(new / "a" / "1.json", rec(1, text="Changed."))
    write(old / "a" / "2.json", rec(2))
    write(new / "a" / "2.json", rec(2))
    write(old / "b" / "3.json", rec(3, test_file="test_tools"))
    renamed = rec(3, test_file="test_tools")
    renamed["test_id"] = renamed["test_id"].replace("test_q", "test_question")
    write(new / "b" / "4.json", renamed)
    untested = rec(5)
    untested["test_id"] = None
    write(new / "models" / "5.json", untested)
    out = run("diff", old, new, "--format", "markdown").stdout
    table = [line for line in out.splitlines() if line.startswith("|")]
    assert table == [  # byte-identical recordings (a/2.json) are not read: no row
        "| test file or folder | changed | moved | added | removed | equivalent |",
        "|---|---:|---:|---:|---:|---:|",
        "| `models/` |  |  | 1 |  |  |",
        "| `tests/integration/inference/test_chat.py` | 1 |  |  |  |  |",
        "| `tests/integration/inference/test_tools.py` |  | 1 |  |  | 1 |",
        "| **total** | **1** | **1** | **1** |  | **1** |",
    ]
    assert "4 recordings: 1 changed, 1 added, 1 equivalent, 1 same; 1 moved" in out
    assert "<summary>1 recording moved or renamed, content unchanged</summary>" in out
    assert "- **moved, equivalent** `b/3.json` → `b/4.json`" in out


def _balanced(out: str) -> None:
    assert out.count("<details>") == out.count("</details>")
    fences = [line.strip() for line in out.splitlines() if line.strip().startswith("```")]
    assert len(fences) % 2 == 0


def test_markdown_is_cut_before_githubs_limit(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    paragraph = "\n".join(f"Line {i}: the answer goes on and on about item {i}." for i in range(40))
    for n in range(120):
        write(old / "rec" / f"r{n:03}.json", rec(n, text=paragraph))
        changed = paragraph.replace("item 7.", f"item seven ({n}).").replace("Line 30", "Row 30")
        write(new / "rec" / f"r{n:03}.json", rec(n, text=changed))
    out = run("diff", old, new, "--format", "markdown").stdout
    assert len(out) <= LIMIT
    assert "rec/r000.json" in out
    match = re.search(r"> \*\*Cut here\*\*: (\d+) more sections \((\d+) changed\)", out)
    assert match and match.group(1) == match.group(2)
    shown = out.count("<summary><b>changed</b>")
    assert shown + int(match.group(1)) == 120
    assert "65,536-character limit" in out
    _balanced(out)


def test_one_huge_recording_gets_a_compact_section(tmp_path: Path) -> None:
    lines = [f"Line {i}: " + "word " * 60 for i in range(1500)]
    old = write(tmp_path / "old" / "r.json", rec(1, text="\n".join(lines)))
    lines[::2] = [line.replace("word", "words") for line in lines[::2]]
    new = write(tmp_path / "new" / "r.json", rec(1, text="\n".join(lines)))
    out = run("diff", old.parent, new.parent, "--format", "markdown").stdout
    assert len(out) <= LIMIT and "Cut here" not in out
    assert "- **response** `answer.choices[0].content`" in out and "```diff" not in out
    assert "_The diffs are left out here: with them the comment would pass GitHub's limit._" in out
    _balanced(out)


def test_long_lists_are_shortened_to_fit(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    write(old / "keep.json", rec(0))
    write(new / "keep.json", rec(0))
    for n in range(1, 301):
        write(new / "rec" / f"{n:03}-{'x' * 200}.json", rec(n))
    out = run("diff", old, new, "--format", "markdown").stdout
    assert len(out) <= LIMIT and "Cut here" not in out
    listed = [line for line in out.splitlines() if line.startswith("- **added** ")]
    assert 0 < len(listed) < 300
    assert f"- … {300 - len(listed)} more" in out
    assert "301 recordings: 300 added, 1 same" in out
