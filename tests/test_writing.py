"""The fast serializer is byte-identical to json.dumps(indent=2); writes are atomic."""

from __future__ import annotations

import json
import os
import random
import struct
from pathlib import Path

import orjson
import pytest

from recstack.loading import canonical_bytes as reference
from recstack.normalize import normalize
from recstack.writing import canonical_bytes, write_atomic, write_if_changed

from conftest import SHARED, needs_shared


def shared_files() -> list[Path]:
    return sorted(SHARED.rglob("*.json")) if SHARED.is_dir() else []


@needs_shared
@pytest.mark.parametrize("profile", [None, "default", "llama-stack"])
def test_every_real_file_serializes_to_the_same_bytes(profile: str | None) -> None:
    files = shared_files()
    assert len(files) == 82 + 32
    for path in files:
        data = orjson.loads(path.read_bytes())
        if profile is not None:
            data = normalize(data, path, profile).data
        assert canonical_bytes(data) == reference(data), path
        if profile is None:
            assert canonical_bytes(data) == path.read_bytes(), path


def _random_floats(count: int) -> list[float]:
    rng = random.Random(3)
    values = []
    while len(values) < count:
        value = struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]
        if value == value and abs(value) != float("inf"):
            values.append(value)
    for exponent in range(-30, 30):
        for mantissa in (1, 1.5, 9.999, 1.0000001, 123456789):
            values += [mantissa * 10.0**exponent, -mantissa * 10.0**exponent]
    return [*values, 0.0, -0.0, 1e-4, 9.9999e-5, 1e16, 9999999999999998.0, 5e-324]


@pytest.mark.parametrize(
    "value",
    [
        {"floats": _random_floats(20000)},
        {"nested": [{"x": v} for v in _random_floats(500)], "empty": [[], {}]},
        {"text": ["\x7f\x00\x1f\t", "é ü", "\U0001f600 emoji", "\u2028", 'q"\\/', "1e-05"]},
        {"looks like a number": "value: 1e-7,", "multi": "a\n1e-7"},
        {"k\u00e9y": [1, -(2**63), 2**63 - 1, True, False, None]},
        {"big int": 2**70},
        [1e-7],
        1.5e-7,
        "\u00e9",
    ],
)
def test_tricky_values_serialize_like_json_dumps(value: object) -> None:
    assert canonical_bytes(value) == reference(value)


def test_write_atomic_replaces_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"old\n")
    path.chmod(0o604)
    write_atomic(path, b"new\n")
    assert path.read_bytes() == b"new\n"
    assert path.stat().st_mode & 0o777 == 0o604
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_write_atomic_follows_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_bytes(b"old\n")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, b"new\n")
    assert link.is_symlink()
    assert real.read_bytes() == b"new\n"


@pytest.mark.parametrize("step", ["write", "fchmod", "replace"])
def test_a_failure_at_any_step_keeps_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    import recstack.writing as writing

    path = tmp_path / "a.json"
    path.write_bytes(b"old\n")

    def fail(*args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(writing.os, step, fail)
    with pytest.raises(OSError, match="Input/output error"):
        write_atomic(path, b"new\n")
    assert path.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_write_if_changed_leaves_identical_files_alone(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"same\n")
    os.utime(path, ns=(1, 1_000_000_000))
    assert write_if_changed(path, b"same\n") is False
    assert write_if_changed(path, b"same\n", original=b"same\n") is False
    assert path.stat().st_mtime_ns == 1_000_000_000
    assert write_if_changed(path, b"other\n") is True
    assert path.read_bytes() == b"other\n"


def test_unwritable_folder_raises_and_leaves_nothing(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    path = tmp_path / "a.json"
    path.write_bytes(json.dumps({}).encode())
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(PermissionError):
            write_atomic(path, b"{}\n")
    finally:
        tmp_path.chmod(0o755)


def test_other_hard_links_and_open_readers_keep_the_old_bytes(tmp_path: Path) -> None:
    """The file is replaced, never overwritten in place: its old inode stays intact."""
    path = tmp_path / "a.json"
    path.write_bytes(b"old\n")
    backup = tmp_path / "backup.json"
    os.link(path, backup)
    with open(path, "rb") as reader:
        write_atomic(path, b"new\n")
        assert reader.read() == b"old\n"
    assert path.read_bytes() == b"new\n"
    assert backup.read_bytes() == b"old\n"


def test_an_interrupt_right_after_the_temp_file_is_created_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C can land between the file's creation and the return of its descriptor."""
    import recstack.writing as writing

    path = tmp_path / "a.json"
    path.write_bytes(b"old\n")
    real_open = os.open

    def open_then_interrupt(name: str, flags: int, mode: int = 0o777) -> int:
        os.close(real_open(name, flags, mode))
        raise KeyboardInterrupt

    monkeypatch.setattr(writing.os, "open", open_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, b"new\n")
    monkeypatch.undo()
    assert path.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
