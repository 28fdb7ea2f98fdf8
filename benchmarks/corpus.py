"""Build a benchmark corpus: the shared real recordings replicated to N files.

    python benchmarks/corpus.py [N] [DEST]     # default 5000 files in benchmarks/.data/corpus

Copies are spread over sub-folders like a real suite (``<area><round>/recordings/``) and
keep upstream's names: a source named ``<area>-<upstream name>`` (``inference-<64
hex>.json``) is copied as ``<upstream name>``, so that normalize's file-name hash rule
applies and replay (``validate``'s ``replay-stale``, ``ls``) judges the copies as it
judges the originals, stale names included; a source with no such name gets a
``<64 hex>.json`` name of its own.
Nothing here is committed data: the corpus is rebuilt from the real upstream
recordings, which are not part of the repository. They are looked for in
``$RECSTACK_SHARED/real`` (``RECSTACK_SHARED=/path/to/shared/recordings``), else in
``shared/recordings/real`` next to the repository; when they are missing, every
benchmark says so in one line and exits 2. A corpus already built is reused without them.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

from recstack.listing import upstream_name

HERE = Path(__file__).resolve().parent
ENV = "RECSTACK_SHARED"
SHARED = Path(os.environ.get(ENV) or HERE.parent.parent / "shared" / "recordings")
REAL = SHARED / "real"
DEFAULT_DEST = HERE / ".data" / "corpus"
HOW_TO_PROVIDE = (
    f"set {ENV}=/path/to/shared/recordings (the folder holding real/), or put"
    " shared/recordings next to the repository"
)


def fail(message: str) -> NoReturn:
    """One line on stderr, prefixed with the script's name; exit status 2."""
    print(f"{Path(sys.argv[0]).name}: {message}", file=sys.stderr)
    raise SystemExit(2)


def real_recording(name: str) -> Path:
    """One file of the real recordings, or exit 2 saying where it was looked for."""
    path = REAL / name
    if not path.is_file():
        fail(f"the real upstream recording {name} is missing from {REAL}: {HOW_TO_PROVIDE}")
    return path


def real_recordings() -> list[Path]:
    """The real recordings, or exit 2 saying where they were looked for."""
    sources = sorted(REAL.glob("*.json")) if REAL.is_dir() else []
    if not sources:
        fail(f"no real upstream recordings (*.json) in {REAL}: {HOW_TO_PROVIDE}")
    return sources


def tool(name: str) -> str:
    """A command installed next to this interpreter (or on PATH) that starts (``--help``
    exits 0), or exit 2 saying how to install it."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.is_file() else shutil.which(name)
    if not found:
        fail(f"{name} is not installed: pip install -e '.[bench]'")
    if found not in _STARTED:
        proc = subprocess.run([found, "--help"], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            fail(
                f"{found} does not start ({last}): pip install -e '.[bench]'"
                " (in a fresh virtual environment if it is installed already)"
            )
        _STARTED.add(found)
    return found


_STARTED: set[str] = set()


def build(n: int = 5000, dest: Path = DEFAULT_DEST) -> Path:
    """Create (or reuse) a corpus of ``n`` files; returns its root."""
    marker = dest / f".complete-{n}-upstream-names"
    if marker.exists():
        return dest
    sources = real_recordings()
    if dest.exists():
        shutil.rmtree(dest)
    for i in range(n):
        src = sources[i % len(sources)]
        area = src.name.split("-", 1)[0]
        name = upstream_name(src.name)
        if name is None:
            name = hashlib.sha256(f"{src.name}:{i}".encode()).hexdigest() + ".json"
        # One folder per round of copies: a name occurs once in its folder.
        target = dest / f"{area}{i // len(sources)}" / "recordings" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    marker.touch()
    return dest


def compiled() -> None:
    """Compile recstack's modules to bytecode, as installing the package does, before
    anything is timed: where ``PYTHONDONTWRITEBYTECODE`` is set (some CI images and
    sandboxes) and the package is installed editable, every run would otherwise compile
    its modules again (about 0.25 s of each start)."""
    import recstack

    compileall.compile_dir(os.path.dirname(recstack.__file__), quiet=1)


def size_of(root: Path) -> tuple[int, int]:
    files = list(root.rglob("*.json"))
    return len(files), sum(f.stat().st_size for f in files)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=5000, help="files (default 5000)")
    parser.add_argument("dest", nargs="?", type=Path, default=DEFAULT_DEST, help="folder")
    args = parser.parse_args()
    root = build(args.n, args.dest)
    files, size = size_of(root)
    print(f"{root}: {files} files, {size / 1e6:.1f} MB")
