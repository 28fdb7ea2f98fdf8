"""``recstack ls``: every filter, the statistics, the three formats, the exit codes, on
the examples, on small suites of our own with hash names, and on the real recordings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from recstack.listing import parse_hash, parse_size, upstream_name
from recstack.loading import load_recording
from recstack.recording import Recording
from recstack.render.ls import COLUMNS, human_size
from recstack.replay import ReplayStatus, replay_key
from recstack.suite import provider_of, response_rec_ids
from suite_trees import CHAT_TEST, FALLBACK, OWN_DIR, chat, edited, place, replay_name
from test_replay import _expected as expected_verdict

from cli_helpers import run, run_process
from conftest import EXAMPLES

JSON_KEYS = {
    "path",
    "test_id",
    "endpoint",
    "model",
    "provider",
    "shape",
    "streamed",
    "chunks",
    "bytes",
    "is_exception",
    "replay",
    "replay_name",
    "replay_why",
    "replay_cause",
    "replay_dirs",
    "request_hash",
}


def _json(*args: str | Path) -> tuple[int, list[dict[str, Any]]]:
    """Exit code and the objects of ``recstack ls --format json ARGS``."""
    result = run("ls", "--format", "json", *args)
    assert result.stderr == "", result.stderr
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()]


def _names(*args: str | Path) -> list[str]:
    """The file names ``recstack ls --format paths ARGS`` lists."""
    result = run("ls", "--format", "paths", *args)
    return [Path(line).name for line in result.stdout.splitlines()]


@pytest.fixture
def suite(tmp_path: Path) -> dict[str, Path]:
    """A small suite in upstream's layout: two tests of one file, a stream, a stale
    file, a recorded exception, a recording shared through the fallback directory."""
    root = tmp_path / "repo"
    other = "tests/integration/inference/test_chat.py::test_chat[txt=openai/gpt-4o]"
    tools = "tests/integration/agents/test_agents.py::TestAgent::test_tools[txt=vllm/qwen3]"
    stale = chat("What is 2+2?", "4", rec_id="rec-aaaaaaaaaaaa")
    return {
        "ollama": place(root, chat("Hi", rec_id="rec-0123456789ab")),
        "openai": place(root, chat("Hi", test_id=other, model="gpt-4o")),
        "stream": place(
            root,
            chat("Sky?", ["The sky ", "is bl", "ue."], test_id=tools, model="qwen3"),
            directory="tests/integration/agents/recordings",
        ),
        "stale": place(root, edited(stale, "What is 3+3?"), name=replay_name(stale)),
        "error": place(root, chat("Boom", test_id=other, model="nope", exception=True)),
        "shared": place(root, chat("Hello", test_id=None), directory=FALLBACK),
    }


# --- the formats ------------------------------------------------------------------


def test_a_stream_of_raw_sse_lines_counts_its_data_lines_as_chunks() -> None:
    """A body of SSE lines holds ``event:``, ``data:`` and blank lines: its chunks are the
    ``data:`` lines, as ``recstack diff`` counts them, not every line."""
    path = EXAMPLES / "messages-stream.json"
    body = json.loads(path.read_text())["response"]["body"]
    data_lines = [line for line in body if line.startswith("data:")]
    assert 0 < len(data_lines) < len(body)
    _, (obj,) = _json(path)
    assert (obj["streamed"], obj["chunks"]) == (True, len(data_lines))
    _, (group,) = _json("--stats", path)
    assert group["chunks"] == len(data_lines)


def test_json_lines_one_object_per_recording(suite: dict[str, Path]) -> None:
    code, objects = _json(*suite.values())
    assert code == 0
    assert [o["path"] for o in objects] == [str(p) for p in suite.values()]
    by_name = dict(zip(suite, objects, strict=True))
    for name, obj in by_name.items():
        assert set(obj) == JSON_KEYS, name
    stream, stale = by_name["stream"], by_name["stale"]
    assert (stream["streamed"], stream["chunks"], stream["endpoint"]) == (
        True,
        3,
        "/v1/chat/completions",
    )
    assert stream["bytes"] == suite["stream"].stat().st_size
    assert (stream["replay"], stream["replay_why"], stream["replay_name"]) == (
        "ok",
        None,
        suite["stream"].name,
    )
    assert stream["provider"] == "vllm"  # from the test id's parameters
    assert stale["replay"] == "stale"
    assert stale["replay_cause"] == "edited"
    assert stale["replay_name"] == replay_name(edited(chat("x"), "What is 3+3?"))
    assert stale["replay_why"].endswith(f"replay looks for {stale['replay_name']}")
    assert stale["request_hash"] == stale["replay_name"].removesuffix(".json")
    assert by_name["shared"]["replay_dirs"] == [FALLBACK]
    assert by_name["ollama"]["replay_dirs"] == [OWN_DIR, FALLBACK]
    assert by_name["error"]["is_exception"] is True


def test_unknown_has_no_replay_name() -> None:
    _, (obj,) = _json(EXAMPLES / "file-processor.json")
    assert (obj["replay"], obj["replay_name"], obj["request_hash"]) == ("unknown", None, None)
    assert obj["replay_why"] == "file-processor calls are not replayed (no lookup)"


def test_table_when_piped(suite: dict[str, Path]) -> None:
    result = run("ls", suite["stream"], suite["stale"])
    header, stream, stale, summary = result.stdout.splitlines()
    assert tuple(header.split()) == COLUMNS
    assert stream.split()[:7] == [
        str(suite["stream"]),
        "tests/integration/agents/test_agents.py::TestAgent::test_tools[txt=vllm/qwen3]",
        "/v1/chat/completions",
        "qwen3",
        "3",
        human_size(suite["stream"].stat().st_size),
        "ok",
    ]
    assert "stale (edited)  the name matches no known rule" in stale
    assert header.index("REPLAY") == stale.index("stale (edited)")
    assert summary == "2 recordings (1 stale, 0 unknown)"


def test_table_on_a_terminal_shows_text_as_it_is(suite: dict[str, Path], tmp_path: Path) -> None:
    odd = tmp_path / "odd\x1b[31m.json"
    shutil.copyfile(suite["ollama"], odd)
    result = run("ls", "--color", "always", odd, env={"COLUMNS": "300"})
    assert "\x1b[31m.json" not in result.stdout
    assert "odd\\x1b[31m.json" in result.stdout
    assert "test_chat[txt=ollama/llama3.2:3b]" in result.stdout  # brackets are no markup
    assert "\x1b[" in result.stdout  # styled


def test_paths_for_xargs(suite: dict[str, Path]) -> None:
    result = run("ls", "--format", "paths", "--stale", *suite.values())
    assert (result.exit_code, result.stdout) == (0, f"{suite['stale']}\n")


# --- the filters ----------------------------------------------------------------


def test_test_glob_and_bare_function_name(suite: dict[str, Path]) -> None:
    paths = list(suite.values())
    assert _names("--test", "test_chat", *paths) == [
        suite["ollama"].name,
        suite["openai"].name,
        suite["stale"].name,
        suite["error"].name,
    ]
    assert _names("--test", "test_chat[txt=openai*", *paths) == [
        suite["openai"].name,
        suite["error"].name,
    ]
    assert _names("--test", "TestAgent::*", *paths) == [suite["stream"].name]
    assert _names("--test", "agents/*", "--test", "nothing", *paths) == [suite["stream"].name]


def test_endpoint_model_provider(suite: dict[str, Path]) -> None:
    paths = list(suite.values())
    assert len(_names("--endpoint", "/v1/chat/completions", *paths)) == 6
    assert _names("--endpoint", "*/embeddings", EXAMPLES) == ["embeddings.json"]
    assert _names("--model", "gpt-4*", *paths) == [suite["openai"].name]
    assert _names("--model", "qwen3", "--model", "nope", *paths) == [
        suite["stream"].name,
        suite["error"].name,
    ]
    assert _names("--provider", "ollama", *paths) == [
        suite["ollama"].name,
        suite["stale"].name,
    ]
    assert _names("--provider", "tav*", EXAMPLES) == ["tool-invocation.json"]


def test_stale_errors_larger_than_combine(suite: dict[str, Path]) -> None:
    paths = list(suite.values())
    assert _names("--stale", *paths) == [suite["stale"].name]
    assert _names("--errors", *paths) == [suite["error"].name]
    assert _names("--errors", EXAMPLES) == ["exception-stream.json", "exception.json"]
    size = suite["stream"].stat().st_size
    larger = _names("--larger-than", str(size - 1), *paths)
    assert suite["stream"].name in larger
    assert suite["stream"].name not in _names("--larger-than", str(size), *paths)
    assert _names("--larger-than", "12K", EXAMPLES) == [
        "chat-stream.json",
        "chat-tool-calls-stream.json",
        "responses-stream.json",
    ]
    # each filter must pass
    assert _names("--errors", "--model", "qwen3", *paths) == []


def test_grep_searches_the_reassembled_stream(suite: dict[str, Path]) -> None:
    paths = list(suite.values())
    assert _names("--grep", "is blue", *paths) == [suite["stream"].name]  # across chunks
    assert _names("--grep", "What is 3", *paths) == [suite["stale"].name]  # the request
    assert _names("--grep", "(?i)sky IS", *paths) == [suite["stream"].name]
    assert _names("--grep", "sky IS", *paths) == []
    assert _names("--grep", "molecules in our air", EXAMPLES) == ["chat-stream.json"]


def test_hash_file_name_request_and_rec_ids(suite: dict[str, Path], tmp_path: Path) -> None:
    paths = list(suite.values())
    stale = suite["stale"]
    assert _names("--hash", stale.name[:10], *paths) == [stale.name]
    assert _names("--hash", stale.name[:10].upper(), *paths) == [stale.name]
    # the hash replay computes for the request today (what a replay miss names)
    wanted = replay_name(edited(chat("x"), "What is 3+3?"))
    assert _names("--hash", wanted[:12], *paths) == [stale.name]
    # rec- ids inside the response: a renamed file keeps its old one
    assert _names("--hash", "rec-0123456789", *paths) == [suite["ollama"].name]
    assert _names("--hash", "aaaaaaaa", *paths) == [stale.name]
    # a prefixed name (the shared real files): the recording name it ends with
    prefixed = tmp_path / f"inference-{suite['openai'].name}"
    shutil.copyfile(suite["openai"], prefixed)
    assert _names("--hash", suite["openai"].name[:8], prefixed) == [prefixed.name]


# --- statistics -------------------------------------------------------------------


def test_stats_totals(suite: dict[str, Path]) -> None:
    code, objects = _json("--stats", *suite.values())
    sizes = sum(p.stat().st_size for p in suite.values())
    assert (code, objects) == (
        0,
        [
            {
                "by": None,
                "group": None,
                "recordings": 6,
                "bytes": sizes,
                "streamed": 1,
                "chunks": 3,
                "stale": 1,
                "exceptions": 1,
            }
        ],
    )


@pytest.mark.parametrize(
    ("by", "groups"),
    [
        ("dir", {OWN_DIR: 4, FALLBACK: 1, "tests/integration/agents/recordings": 1}),
        ("endpoint", {"/v1/chat/completions": 6}),
        ("model", {"llama3.2:3b": 3, "gpt-4o": 1, "nope": 1, "qwen3": 1}),
        ("provider", {"ollama": 2, "openai": 1, "vllm": 1, "-": 2}),
        ("test", {CHAT_TEST: 2, "-": 1}),
    ],
)
def test_stats_by(suite: dict[str, Path], by: str, groups: dict[str, int]) -> None:
    code, objects = _json("--by", by, *suite.values())
    assert code == 0
    *rows, total = objects
    assert total["group"] is None and total["recordings"] == 6
    assert sum(row["recordings"] for row in rows) == 6
    assert [row["group"] for row in rows] == sorted(row["group"] for row in rows)
    assert all(row["by"] == by for row in rows)
    found = {row["group"]: row["recordings"] for row in rows}
    if by == "dir":
        found = {str(Path(k).relative_to(suite["ollama"].parents[4])): v for k, v in found.items()}
    for group, recordings in groups.items():
        assert found[group] == recordings, (group, found)


def test_stats_table_and_the_stale_count(suite: dict[str, Path]) -> None:
    result = run("ls", "--stats", "--by", "model", *suite.values())
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "MODEL",
        "RECORDINGS",
        "STREAMED",
        "CHUNKS",
        "SIZE",
        "STALE",
        "EXCEPTIONS",
    ]
    llama = next(line.split() for line in lines if line.startswith("llama3.2:3b"))
    assert (llama[1], llama[5]) == ("3", "1")
    assert lines[-2].split()[:2] == ["total", "6"]
    assert lines[-1] == "6 recordings (1 stale, 0 unknown)"


def test_stats_with_paths_is_a_usage_error(suite: dict[str, Path]) -> None:
    result = run("ls", "--stats", "--format", "paths", suite["ollama"])
    assert result.exit_code == 2
    assert result.stderr == (
        "recstack ls: --stats counts recordings: use --format table or json with it\n"
    )


# --- exit codes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grep", "("], "recstack ls: --grep: '(' is not a regular expression"),
        (["--larger-than", "12q"], "recstack ls: --larger-than: '12q' is not a size"),
        (["--hash", "xyz"], "recstack ls: --hash: 'xyz' is not a hash prefix"),
        (["--by", "colour"], "'colour' is not a grouping"),
    ],
)
def test_bad_values_are_one_line_exit_2(args: list[str], message: str) -> None:
    result = run("ls", *args, EXAMPLES)
    assert result.exit_code == 2
    assert message in result.stderr
    if message.startswith("recstack ls: "):
        assert len(result.stderr.splitlines()) == 1


def test_nothing_matched_is_1(suite: dict[str, Path]) -> None:
    result = run("ls", "--model", "nothing*", *suite.values())
    assert (result.exit_code, result.stdout) == (1, "0 recordings (0 stale, 0 unknown) of 6 read\n")
    assert run("ls", "-f", "paths", "--model", "nothing*", *suite.values()).stdout == ""


def test_a_broken_recording_is_one_line_and_1(suite: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"request": {}, "response": {')
    result = run("ls", suite["ollama"], broken)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"recstack ls: {broken}:1:")
    assert len(result.stderr.splitlines()) == 1
    assert result.stdout.splitlines()[-1] == "1 recording (0 stale, 0 unknown); 1 broken recording"


def test_paths_on_stdin_and_the_configured_include(suite: dict[str, Path]) -> None:
    root = suite["ollama"].parents[4]
    listed = run_process("ls", "-f", "paths", "-", input=f"{suite['stale']}\n")
    assert (listed.exit_code, listed.stdout) == (0, f"{suite['stale']}\n")
    (root / "recstack.toml").write_text('include = ["tests/integration/agents"]\n')
    result = run_process("ls", "-f", "paths", cwd=root)
    assert (result.exit_code, result.stdout) == (0, f"{suite['stream']}\n")


def test_the_configured_fallback_dir(suite: dict[str, Path]) -> None:
    moved = suite["ollama"].parents[4] / "tests/integration/shared/recordings"
    moved.mkdir(parents=True)
    path = Path(shutil.move(suite["ollama"], moved))
    assert _json(path)[1][0]["replay_cause"] == "wrong-directory"
    config = path.parents[4] / "recstack.toml"
    config.write_text('[replay]\nfallback-dir = "tests/integration/shared/recordings"\n')
    _, (obj,) = _json("--config", config, path)
    assert obj["replay"] == "ok"
    assert obj["replay_dirs"] == [OWN_DIR, "tests/integration/shared/recordings"]


def test_a_flat_copy_is_judged_by_name(suite: dict[str, Path], tmp_path: Path) -> None:
    flat = tmp_path / "flat"
    flat.mkdir()
    for path in suite.values():
        shutil.copyfile(path, flat / path.name)
    assert _names("--stale", flat) == [suite["stale"].name]


# --- the library's pieces ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size"),
    [("0", 0), ("2000", 2000), ("1.5K", 1536), ("10kb", 10240), ("1MiB", 1 << 20), ("2G", 2 << 30)],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_parse_hash_and_human_size() -> None:
    assert parse_hash("rec-ABC123") == "abc123"
    assert [human_size(n) for n in (0, 1023, 1024, 1536, 5 << 20)] == [
        "0B",
        "1023B",
        "1.0K",
        "1.5K",
        "5.0M",
    ]


def test_upstream_name() -> None:
    h = "0" * 64
    assert upstream_name(f"{h}.json") == f"{h}.json"
    assert upstream_name(f"inference-{h}.json") == f"{h}.json"
    assert upstream_name(f"common-models-{h}-0123abcd.json") == f"models-{h}-0123abcd.json"
    assert upstream_name("old-recordings-0123456789ab.json") == "0123456789ab.json"
    assert upstream_name("chat.json") is None


def test_provider_and_rec_ids_of_a_recording() -> None:
    data = chat("Hi", test_id="t.py::t[client-txt=openai/gpt-4o:emb=st/m]", model="gpt-4o")
    assert provider_of(Recording("x", data)) == "openai"
    data["request"]["model"] = "m"
    assert provider_of(Recording("x", data)) == "st"
    data["request"]["provider"] = "tavily"
    assert provider_of(Recording("x", data)) == "tavily"
    stream = chat("Hi", ["a", "b"], rec_id="rec-0123456789ab")
    assert response_rec_ids(Recording("x", stream)) == ("rec-0123456789ab",)


# --- the real recordings --------------------------------------------------------------


def test_real_files_stale_ones_with_their_reason(upstream_tree: dict[str, Path]) -> None:
    by_path = {str(path): name for name, path in upstream_tree.items()}
    code, objects = _json("--stale", *sorted(by_path))
    assert code == 0
    stale = {by_path[o["path"]]: o for o in objects}
    expected = {n for n in upstream_tree if expected_verdict(n)[0] is ReplayStatus.STALE}
    assert set(stale) == expected
    for name, obj in stale.items():
        assert obj["replay_cause"] == expected_verdict(name)[1], name
        assert obj["replay_why"].endswith(f"replay looks for {obj['replay_name']}")
        path = upstream_tree[name]
        key = replay_key(Recording(str(path), load_recording(path).data))
        assert key is not None and obj["replay_name"] == key.name


def test_real_files_stats(real_dir: Path) -> None:
    code, objects = _json("--stats", real_dir)
    sizes = sum(p.stat().st_size for p in real_dir.glob("*.json"))
    assert code == 0
    assert (objects[0]["recordings"], objects[0]["bytes"]) == (82, sizes)
    # under the shared names (inference-<hash>.json) no file is where replay looks
    assert objects[0]["stale"] == 81  # the file-processor call is not looked up at all
