"""The recording schema: well-formed, documented, accepts the real recordings, and the
two engines (compiled for pass/fail, jsonschema for messages) always agree."""

from __future__ import annotations

import copy
import json
import random
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import referencing.exceptions

from recstack import schema as schema_module
from recstack.problems import RecstackError
from recstack.schema import default_schema_path, load_schema, source_schema_path
from recstack.schemarefs import RefPolicy

from cli_helpers import run
from conftest import ROOT, example_files, needs_shared, pair_dirs, real_files

SCHEMA_FILE = ROOT / "schemas" / "recording.schema.json"


def _all_recordings() -> list[Path]:
    pairs = [p / side for p in pair_dirs() for side in ("before.json", "after.json")]
    return [*real_files(), *pairs, *example_files()]


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def schema() -> schema_module.Schema:
    return load_schema()


def test_schema_is_draft_2020_12_and_documents_every_definition() -> None:
    document = json.loads(SCHEMA_FILE.read_text())
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(document)
    for key in ("$id", "title", "description"):
        assert document[key]
    ids = set()
    for name, definition in document["$defs"].items():
        for key in ("$id", "title", "description"):
            assert definition.get(key), f"$defs/{name} has no {key}"
        ids.add(definition["$id"])
    assert len(ids) == len(document["$defs"])


def test_schema_is_found_in_the_source_tree() -> None:
    # Editable install / checkout: no packaged copy, so <repo>/schemas/ is used.
    assert source_schema_path() == SCHEMA_FILE
    assert default_schema_path().read_bytes() == SCHEMA_FILE.read_bytes()


def test_packaged_copy_wins_when_present(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    packaged = tmp_path / "recstack" / "schemas" / "recording.schema.json"
    packaged.parent.mkdir(parents=True)
    packaged.write_text("{}")
    monkeypatch.setattr(schema_module, "packaged_schema_path", lambda: packaged)
    assert default_schema_path() == packaged


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "schema not found"),
        ("{oops", "schema is not valid JSON"),
        ("[1]", "schema is not a JSON object"),
        ('{"type": "banana"}', "not a valid JSON Schema"),
        (b"\xff{}", "cannot read schema"),
    ],
)
def test_bad_schema_files_are_one_clear_error(
    tmp_path: Path, content: str | bytes | None, message: str
) -> None:
    path = tmp_path / f"s{abs(hash(str(content)))}.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(RecstackError) as info:
        load_schema(path)
    assert message in info.value.problem.message
    assert info.value.problem.rule == "schema-file"
    assert info.value.problem.path == str(path)


@needs_shared
def test_every_real_recording_and_pair_is_accepted_by_both_engines(
    schema: schema_module.Schema,
) -> None:
    files = _all_recordings()
    assert len(files) >= len(real_files()) + 32
    for path in files:
        data = _load(path)
        assert schema.is_valid(data), path
        assert schema.explainer.is_valid(data), path


@pytest.mark.skipif(not example_files(), reason="no examples yet")
def test_every_example_is_accepted(schema: schema_module.Schema) -> None:
    for path in example_files():
        assert schema.is_valid(_load(path)) and schema.explainer.is_valid(_load(path)), path


# --- both engines agree on corrupted documents -----------------------------------

WRONG_VALUES: list[Any] = [None, "x", 7, [], {}, True, [1], {"__type__": "a.B"}]


def _shrink(value: Any) -> Any:
    """The same document with every list cut to 3 items (the pure-Python engine is slow)."""
    if isinstance(value, dict):
        return {key: _shrink(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shrink(item) for item in value[:3]]
    return value


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _replace(data: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    data = copy.deepcopy(data)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = new
    return data


def _remove(data: Any, path: tuple[Any, ...]) -> Any:
    data = copy.deepcopy(data)
    target = data
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return data


def _mutants(data: Any, rng: random.Random, count: int) -> list[Any]:
    paths = _paths(data)
    found = []
    for _ in range(count):
        path = rng.choice(paths)
        if path and rng.random() < 0.3:
            found.append(_remove(data, path))
        else:
            found.append(_replace(data, path, rng.choice(WRONG_VALUES)))
    return found


@needs_shared
def test_engines_agree_on_corrupted_copies(schema: schema_module.Schema) -> None:
    rng = random.Random(20260507)
    rejected = 0
    for path in _all_recordings():
        for mutant in _mutants(_shrink(_load(path)), rng, 4):
            fast = schema.is_valid(mutant)
            assert fast == schema.explainer.is_valid(mutant), path
            if not fast:
                assert schema.errors(mutant), path
                rejected += 1
    assert rejected > 100  # the corruption really corrupts


@pytest.mark.parametrize(
    ("mutate", "pointer", "message"),
    [
        (lambda d: d.pop("request"), "", 'missing required key "request"'),
        (
            lambda d: d["response"].__setitem__("is_streaming", "yes"),
            "/response/is_streaming",
            'expected boolean, got string "yes"',
        ),
        (
            lambda d: d["response"]["body"][0].pop("__data__"),
            "/response/body/0",
            'missing required key "__data__"',
        ),
        (
            lambda d: d["response"]["body"][0]["__data__"].__setitem__("choices", "x"),
            "/response/body/0/__data__/choices",
            'expected array, got string "x"',
        ),
        (
            lambda d: d["response"]["body"][0]["__data__"]["choices"].append({"delta": {}}),
            "/response/body/0/__data__/choices/1",
            'missing required key "index"',
        ),
        (
            lambda d: d["response"]["body"][0].__setitem__("__data__", None),
            "/response/body/0/__data__",
            "expected object, got null",
        ),
        (
            lambda d: d["response"]["body"][0].__setitem__("extra", 1),
            "/response/body/0",
            'unexpected key "extra"',
        ),
        (
            lambda d: d["response"].__setitem__("body", [1]),
            "/response/body/0",
            "expected object or string, got integer 1",
        ),
        (
            lambda d: d["response"].__setitem__("body", ["event: x", "data: 1\ndata: 2"]),
            "/response/body/1",
            "does not match",
        ),
        (
            lambda d: d.__setitem__("request", {"tool_name": "web_search", "provider": "t"}),
            "/request",
            'missing required key "kwargs"',
        ),
        (
            lambda d: d["response"].__setitem__("status", 42),
            "/response/status",
            "42 is less than the minimum 100",
        ),
    ],
)
def test_failures_name_the_value_and_the_best_branch(
    schema: schema_module.Schema, mutate: Any, pointer: str, message: str
) -> None:
    data = {
        "request": {
            "method": "POST",
            "url": "http://localhost:11434/v1/chat/completions",
            "headers": {},
            "body": {"stream": True},
            "endpoint": "/v1/chat/completions",
            "model": "llama3.2:3b",
        },
        "response": {
            "body": [
                {
                    "__type__": "openai.types.chat.chat_completion_chunk.ChatCompletionChunk",
                    "__data__": {"choices": [{"index": 0, "delta": {"content": "Hi"}}]},
                }
            ],
            "is_streaming": True,
        },
    }
    assert schema.is_valid(data)
    mutate(data)
    assert not schema.is_valid(data)
    errors = schema.errors(data)
    assert errors[0].pointer == pointer, errors
    assert message in errors[0].message, errors


def test_unknown_types_pass_as_generic_typed_objects(schema: schema_module.Schema) -> None:
    body = {"__type__": "acme.sdk.types.Thing", "__data__": {"anything": [1, "two"]}}
    data = {
        "request": {"url": "u", "method": "POST", "payload": {}},
        "response": {"body": body, "is_streaming": False, "status": 200},
    }
    assert schema.is_valid(data)
    data["response"]["body"] = {"__type__": "acme.sdk.types.Thing", "__data__": []}
    assert [e.pointer for e in schema.errors(data)] == ["/response/body/__data__"]
    data["response"]["body"] = {"__type__": "not a class name", "__data__": {}}
    assert [e.pointer for e in schema.errors(data)] == ["/response/body/__type__"]


# --- where a --schema may lead: its own folder, never the network -------------------


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local TCP port that must never be contacted (checked after the test)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    with pytest.raises(BlockingIOError):  # nobody connected
        server.accept()
    server.close()


def write_schema(folder: Path, name: str, document: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(document))
    return path


def recording_file(tmp_path: Path, tag: object, name: str = "tagged") -> Path:
    path = tmp_path / "data" / f"{name}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"request": {}, "response": {}, "tag": tag}))
    return path


def test_a_remote_ref_is_never_fetched(tmp_path: Path, listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}/tag.schema.json"
    schema = write_schema(tmp_path / "schemas", "remote.schema.json", {"$ref": url})
    result = run("validate", "--schema", schema, recording_file(tmp_path, "x"))
    assert result.exit_code == 2
    assert result.stderr == (
        f"recstack validate: {schema}: $ref '{url}': recstack never fetches a schema over "
        f"the network (only files in {schema.parent} can be referenced)\n"
    )
    assert result.stdout == ""


def test_the_explaining_engine_never_fetches_either(
    tmp_path: Path, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    document = {
        "$id": "https://example.invalid/root.json",
        "properties": {"tag": {"$ref": f"http://127.0.0.1:{port}/tag.json"}},
    }
    path = write_schema(tmp_path, "root.schema.json", document)
    registry = schema_module._crawled_registry(document, RefPolicy(path))
    validator = jsonschema.Draft202012Validator(document, registry=registry)
    with pytest.raises(referencing.exceptions.Unresolvable):
        list(validator.iter_errors({"tag": 1}))


@pytest.mark.parametrize(
    "ref",
    ["../outside/tag.schema.json", "file:///etc/passwd", "link/tag.schema.json"],
    ids=["relative", "absolute", "symlink"],
)
def test_a_file_ref_outside_the_schema_folder_is_refused(tmp_path: Path, ref: str) -> None:
    outside = write_schema(tmp_path / "outside", "tag.schema.json", {"type": "string"})
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "link").symlink_to(outside.parent)
    schema = write_schema(tmp_path / "schemas", "main.schema.json", {"$ref": ref})
    result = run("validate", "--schema", schema, recording_file(tmp_path, "x"))
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"recstack validate: {schema}: $ref 'file://")
    assert line.endswith(f"': outside the schema's folder {schema.parent}")


@pytest.mark.parametrize(
    "ref",
    ["tag.schema.json", "sub/../tag.schema.json#/$defs/tag", "ABSOLUTE"],
    ids=["relative", "fragment", "absolute"],
)
def test_a_file_ref_inside_the_schema_folder_works_in_both_engines(
    tmp_path: Path, ref: str
) -> None:
    folder = tmp_path / "schemas"
    tag = {"$defs": {"tag": {"type": "string"}}, "$ref": "#/$defs/tag"}
    target = write_schema(folder, "tag.schema.json", tag)
    (folder / "sub").mkdir()
    if ref == "ABSOLUTE":
        ref = target.as_uri()
    main = {"type": "object", "properties": {"tag": {"$ref": ref}}}
    schema = write_schema(folder, "main.schema.json", main)
    good, bad = recording_file(tmp_path, "fine", "good"), recording_file(tmp_path, 7, "bad")
    result = run("validate", "--schema", schema, good, bad)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{bad}:1:40: /tag: expected string, got integer 7 [schema]",
        "2 files: 1 valid, 1 invalid (1 error, 0 warnings)",
    ]
