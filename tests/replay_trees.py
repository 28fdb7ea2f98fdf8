"""Suites laid out like upstream's, built in a temp folder for explain and prune tests.

Recordings are the repository's examples (or the real upstream ones), written in
upstream's layout under the name replay opens for their request
(:func:`recstack.replay.replay_key`, whose hashes tests/test_replay.py checks against
keys written out literally) in the folder replay searches first.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

from recstack.recording import Recording
from recstack.replay import expected_dirs, replay_key
from suite_trees import replay_name, write

from conftest import EXAMPLES, SHARED

FALLBACK = "tests/integration/common/recordings"


def example(name: str, **changes: Any) -> dict[str, Any]:
    """An example recording (``examples/NAME.json``) with top-level keys changed."""
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return {**copy.deepcopy(data), **changes}


def request_hash(data: dict[str, Any]) -> str:
    key = replay_key(Recording("x.json", data))
    assert key is not None
    return key.hash


def place(
    root: Path, data: dict[str, Any], *, folder: str | None = None, name: str | None = None
) -> Path:
    """``data`` under ``root``, in ``folder`` (default: the first folder replay searches
    for its test) and named ``name`` (default: its replay name)."""
    where = folder or expected_dirs(data.get("test_id"), FALLBACK)[0]
    return write(root / where / (name or replay_name(data)), data)


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path -> bytes), links as their target text."""
    found: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            found[str(path.relative_to(root))] = str(path.readlink()).encode()
        elif path.is_file():
            found[str(path.relative_to(root))] = path.read_bytes()
    return found


_ROW = re.compile(r"^\| (\S+\.json) \| (\w+) \| (\S+) \|$", re.M)


def upstream_trees(real_dir: Path, dest: Path) -> dict[str, Path]:
    """Each real recording copied to its upstream path, one tree per upstream commit
    (``dest/<commit>/tests/integration/...``), from the provenance table of the shared
    README. Returns real file name -> its copy."""
    rows = _ROW.findall((SHARED / "README.md").read_text())
    assert {name for name, _, _ in rows} == {p.name for p in real_dir.glob("*.json")}
    placed = {}
    for name, commit, path in rows:
        target = dest / commit / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(real_dir / name, target)
        placed[name] = target
    return placed
