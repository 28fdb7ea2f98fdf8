"""The fast serializer is byte-identical to json.dumps(indent=2); writes are atomic."""

from __future__ import annotations

import json
import os
import random
import struct
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from recstack.loading import canonical_bytes as reference
from recstack.normalization import normalize
from recstack.snapshot import read_snapshot
from recstack.writing import RefusedWrite, canonical_bytes, write_atomic, write_if_changed

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


def test_open_readers_keep_the_old_bytes(tmp_path: Path) -> None:
    """The file is replaced, never overwritten in place: its old inode stays intact."""
    path = tmp_path / "a.json"
    path.write_bytes(b"old\n")
    with open(path, "rb") as reader:
        write_atomic(path, b"new\n")
        assert reader.read() == b"old\n"
    assert path.read_bytes() == b"new\n"


def test_a_hard_linked_file_is_refused_not_split(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"old\n")
    other = tmp_path / "other.json"
    os.link(path, other)
    with pytest.raises(RefusedWrite, match="has 2 hard links"):
        write_atomic(path, b"new\n")
    assert path.read_bytes() == other.read_bytes() == b"old\n"
    assert path.stat().st_ino == other.stat().st_ino
    assert _names(tmp_path) == ["a.json", "other.json"]


def test_a_read_only_file_is_refused(tmp_path: Path) -> None:
    """By its mode bits: root could replace (or even write) it, but must not."""
    path = tmp_path / "a.json"
    path.write_bytes(b"old\n")
    path.chmod(0o444)
    with pytest.raises(RefusedWrite, match="read-only, mode 0444"):
        write_if_changed(path, b"new\n")
    assert path.read_bytes() == b"old\n"
    assert path.stat().st_mode & 0o777 == 0o444
    assert _names(tmp_path) == ["a.json"]


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _other_ids() -> tuple[int, int]:
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")
    return 54321, 54322


def test_owner_and_group_are_kept(tmp_path: Path) -> None:
    uid, gid = _other_ids()
    path = tmp_path / "a.json"
    path.write_bytes(b"old\n")
    os.chown(path, uid, gid)
    path.chmod(0o640)
    assert write_if_changed(path, b"new\n") is True
    info = path.stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (uid, gid, 0o640)
    assert path.read_bytes() == b"new\n"


def test_an_owner_that_cannot_be_kept_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not permitted to give the new file the old owner: leave it, never hand it over."""
    import recstack.writing as writing

    uid, gid = _other_ids()
    path = tmp_path / "a.json"
    path.write_bytes(b"old\n")
    os.chown(path, uid, gid)

    def not_permitted(*args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(writing.os, "fchown", not_permitted)
    with pytest.raises(RefusedWrite, match=f"owned by uid {uid} gid {gid}"):
        write_atomic(path, b"new\n")
    monkeypatch.undo()
    assert path.read_bytes() == b"old\n"
    assert (path.stat().st_uid, path.stat().st_gid) == (uid, gid)
    assert _names(tmp_path) == ["a.json"]


def _tree_with_links(tmp_path: Path) -> tuple[Path, Path, Path]:
    """tree/inside.json -> tree/sub/real.json; tree/outside.json -> elsewhere/real.json."""
    tree, elsewhere = tmp_path / "tree", tmp_path / "elsewhere"
    (tree / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    (tree / "sub" / "real.json").write_bytes(b"old\n")
    (elsewhere / "real.json").write_bytes(b"old\n")
    (tree / "inside.json").symlink_to(Path("sub") / "real.json")
    (tree / "outside.json").symlink_to(Path("..") / "elsewhere" / "real.json")
    return tree, tree / "sub" / "real.json", elsewhere / "real.json"


def test_a_symlink_is_followed_inside_the_tree_only(tmp_path: Path) -> None:
    tree, inner, outer = _tree_with_links(tmp_path)
    write_atomic(tree / "inside.json", b"new\n", tree=tree)
    assert (tree / "inside.json").is_symlink()
    assert inner.read_bytes() == b"new\n"
    with pytest.raises(RefusedWrite, match="a symbolic link to a file outside"):
        write_atomic(tree / "outside.json", b"new\n", tree=tree)
    assert outer.read_bytes() == b"old\n"
    assert (tree / "outside.json").is_symlink()
    # Without a tree, the tree is the folder holding the file (here: tree/sub).
    (tree / "top.json").write_bytes(b"old\n")
    (tree / "sub" / "up.json").symlink_to(Path("..") / "top.json")
    with pytest.raises(RefusedWrite, match=f"outside {tree / 'sub'}/"):
        write_atomic(tree / "sub" / "up.json", b"new\n")
    assert (tree / "top.json").read_bytes() == b"old\n"
    write_atomic(tree / "sub" / "up.json", b"new\n", tree=tree)
    assert (tree / "top.json").read_bytes() == b"new\n"
    assert _names(tree / "sub") == ["real.json", "up.json"]


def test_a_file_changed_after_it_was_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"old\n")
    seen = read_snapshot(path).stat
    with open(path, "r+b") as handle:  # the same inode and size, another mtime
        handle.write(b"OLD\n")
    os.utime(path, ns=(seen.st_atime_ns, seen.st_mtime_ns + 1_000_000))
    with pytest.raises(RefusedWrite, match="changed after it was read"):
        write_if_changed(path, b"new\n", original=b"old\n", seen=seen)
    assert path.read_bytes() == b"OLD\n"
    path.write_bytes(b"replaced by an editor\n")
    with pytest.raises(RefusedWrite, match="changed after it was read"):
        write_atomic(path, b"new\n", seen=seen)
    assert path.read_bytes() == b"replaced by an editor\n"
    assert _names(tmp_path) == ["a.json"]


def test_a_file_deleted_after_it_was_read_does_not_come_back(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"old\n")
    snapshot = read_snapshot(path)
    path.unlink()
    with pytest.raises(RefusedWrite, match="deleted after it was read"):
        write_if_changed(path, b"new\n", original=snapshot.raw, seen=snapshot.stat)
    assert _names(tmp_path) == []


def test_a_change_during_the_write_is_caught_before_the_replace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check runs again after the temp file is written, right before os.replace."""
    import recstack.writing as writing

    path = tmp_path / "a.json"
    path.write_bytes(b"old\n")
    real_write = os.write

    def write_and_race(fd: int, data: bytes) -> int:
        path.write_bytes(b"edited meanwhile\n")
        return real_write(fd, data)

    monkeypatch.setattr(writing.os, "write", write_and_race)
    with pytest.raises(RefusedWrite, match="changed after it was read"):
        write_atomic(path, b"new\n")
    monkeypatch.undo()
    assert path.read_bytes() == b"edited meanwhile\n"
    assert _names(tmp_path) == ["a.json"]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temp_files_are_removed_on_the_next_write_and_live_ones_kept(
    tmp_path: Path,
) -> None:
    dead = _dead_pid()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        old = time.time() - 10 * 60
        ancient = time.time() - 2 * 24 * 3600
        files = {
            f".a.json.recstack-{dead}-0123abcd.tmp": old,  # killed long ago: stale
            f".b.json.recstack-{dead}-4567abcd.tmp": time.time(),  # fresh: maybe another host
            f".c.json.recstack-{sleeper.pid}-89abcdef.tmp": old,  # its writer still runs
            f".d.json.recstack-{sleeper.pid}-00000000.tmp": ancient,  # a reused pid
            ".e.json.0123abcd.tmp": old,  # not recstack's naming
        }
        for name, mtime in files.items():
            (tmp_path / name).write_bytes(b"partial")
            os.utime(tmp_path / name, (mtime, mtime))
        (tmp_path / "a.json").write_bytes(b"old\n")
        write_atomic(tmp_path / "a.json", b"new\n")
        assert _names(tmp_path) == sorted(
            [
                "a.json",
                f".b.json.recstack-{dead}-4567abcd.tmp",
                f".c.json.recstack-{sleeper.pid}-89abcdef.tmp",
                ".e.json.0123abcd.tmp",
            ]
        )
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_long_file_name_still_gets_a_temp_file(tmp_path: Path) -> None:
    path = tmp_path / ("é" * 120 + ".json")  # 245 bytes: the temp name must be shortened
    path.write_bytes(b"old\n")
    write_atomic(path, b"new\n")
    assert path.read_bytes() == b"new\n"
    assert _names(tmp_path) == [path.name]


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
