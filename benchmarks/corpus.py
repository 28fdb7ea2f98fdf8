"""Build a benchmark corpus: the shared real recordings replicated to N files.

    python benchmarks/corpus.py [N] [DEST]     # default 5000 files in benchmarks/.data/corpus

Copies are spread over sub-folders like a real suite (``<area>/recordings/``) and keep
upstream's naming (``<64 hex>.json``) so normalize's file-name hash rule applies.
Nothing here is committed data: the corpus is rebuilt from ../shared/recordings.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "recordings" / "real"
DEFAULT_DEST = HERE / ".data" / "corpus"


def build(n: int = 5000, dest: Path = DEFAULT_DEST) -> Path:
    """Create (or reuse) a corpus of ``n`` files; returns its root."""
    sources = sorted(SHARED.glob("*.json"))
    if not sources:
        raise SystemExit(f"no recordings in {SHARED}")
    marker = dest / f".complete-{n}"
    if marker.exists():
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    for i in range(n):
        src = sources[i % len(sources)]
        area = src.name.split("-", 1)[0]
        digest = hashlib.sha256(f"{src.name}:{i}".encode()).hexdigest()
        target = dest / f"{area}{i % 7}" / "recordings" / f"{digest}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    marker.touch()
    return dest


def size_of(root: Path) -> tuple[int, int]:
    files = list(root.rglob("*.json"))
    return len(files), sum(f.stat().st_size for f in files)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    root = build(count, Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_DEST)
    files, size = size_of(root)
    print(f"{root}: {files} files, {size / 1e6:.1f} MB")
