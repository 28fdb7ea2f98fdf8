"""Trees for the rekey tests: real recordings at their upstream paths, stale copies made
by hand, and a look at every recording of a tree afterwards."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from recstack.loading import load_recording
from recstack.recording import Recording
from recstack.replay import ReplayStatus, check

from conftest import REAL, SHARED

_ROW = re.compile(r"^\| (\S+\.json) \| (\w+) \| (\S+) \|$", re.M)


def provenance() -> dict[str, tuple[str, str]]:
    """Real file name -> (upstream commit, upstream path), from the shared README."""
    rows = _ROW.findall((SHARED / "README.md").read_text())
    return {name: (commit, path) for name, commit, path in rows}


def upstream_repo(root: Path, commit: str, *, marker: bool = True) -> dict[str, Path]:
    """The real files of one upstream commit at their paths under ``root`` (a ``.git``
    folder marks it as a repository); real name -> placed path."""
    placed = {}
    for name, (where, path) in provenance().items():
        if where != commit:
            continue
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REAL / name, target)
        placed[name] = target
    if marker:
        (root / ".git").mkdir(exist_ok=True)
    return placed


def real(prefix: str) -> Path:
    return next(REAL.glob(f"{prefix}*.json"))


def recording(path: Path) -> Recording:
    return Recording(str(path), load_recording(path).data)


def found_by_replay(path: Path) -> bool:
    return check(path, recording(path)).status is ReplayStatus.OK


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path -> bytes), ``.git`` left out."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def load_json(path: Path) -> Any:
    return json.loads(path.read_bytes())
