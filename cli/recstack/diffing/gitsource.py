"""Pairs from git: the recordings changed between a revision and the working tree,
or between two revisions (``REV1..REV2``), old versions read with ``git cat-file``.

Also the external-diff calling convention (``GIT_EXTERNAL_DIFF`` / ``diff.external``):
git runs the command with 7 arguments ``path old-file old-hex old-mode new-file
new-hex new-mode`` (9 for a rename: ``... new-path similarity-message``);
``/dev/null`` stands for a side that does not exist.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from recstack.diffing.pairing import Pair
from recstack.problems import Problem, RecstackError


class GitError(RecstackError):
    pass


def _fail(message: str) -> GitError:
    return GitError(Problem("git", message, rule="io"))


def git(*args: str, cwd: Path | None = None, input: bytes | None = None) -> bytes:
    """Run git; its stdout, or a GitError carrying git's own message."""
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, input=input, capture_output=True, check=False
        )
    except FileNotFoundError:
        raise _fail("git is not installed") from None
    if proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip().splitlines()
        raise _fail(message[-1] if message else f"git {' '.join(args)} failed")
    return proc.stdout


def toplevel(cwd: Path | None = None) -> Path:
    return Path(git("rev-parse", "--show-toplevel", cwd=cwd).decode().strip())


def is_revision(text: str, cwd: Path | None = None) -> bool:
    if ".." in text:
        return True
    try:
        git("rev-parse", "--verify", "--quiet", f"{text}^{{commit}}", cwd=cwd)
    except GitError:
        return False
    return True


def default_branch(cwd: Path | None = None) -> str:
    """``origin/HEAD``'s target, else the first of main/master/trunk that exists."""
    try:
        ref = git("symbolic-ref", "--quiet", "refs/remotes/origin/HEAD", cwd=cwd).decode().strip()
        return ref.removeprefix("refs/remotes/")
    except GitError:
        pass
    for name in ("main", "master", "trunk", "origin/main", "origin/master"):
        if is_revision(name, cwd):
            return name
    raise _fail("cannot find the default branch (no origin/HEAD, main or master): name a REV")


def merge_base(cwd: Path | None = None) -> str:
    branch = default_branch(cwd)
    return git("merge-base", "HEAD", branch, cwd=cwd).decode().strip()


@dataclass(frozen=True)
class Range:
    old: str  # a commit
    new: str | None  # a commit, or None for the working tree


def parse_range(rev: str | None, cwd: Path | None = None) -> Range:
    """``None`` -> merge base..working tree; ``REV`` -> REV..working tree; ``A..B``."""
    if rev is None:
        return Range(merge_base(cwd), None)
    if "..." in rev:
        left, right = rev.split("...", 1)
        right = right or "HEAD"
        base = git("merge-base", left or "HEAD", right, cwd=cwd).decode().strip()
        return Range(base, right)
    if ".." in rev:
        left, right = rev.split("..", 1)
        return Range(left or "HEAD", right or "HEAD")
    return Range(rev, None)


_STATUS = re.compile(r"^([ACDMRTUX])\d*$")


def changed_files(
    rng: Range, root: Path, pathspecs: Sequence[str] = (), *, pattern: str = "*.json"
) -> list[tuple[str, str]]:
    """(status letter, path) for each recording changed in the range (renames split)."""
    args = ["diff", "--name-status", "--no-renames", "-z", rng.old]
    if rng.new is not None:
        args.append(rng.new)
    args += ["--", *(pathspecs or ["."])]
    fields = git(*args, cwd=root).decode().split("\0")
    out: list[tuple[str, str]] = []
    i = 0
    while i + 1 < len(fields):
        status, path = fields[i], fields[i + 1]
        i += 2
        if _STATUS.match(status) and PurePosixPath(path).match(pattern):
            out.append((status[0], path))
    if rng.new is None:
        untracked = git(
            "ls-files",
            "--others",
            "--exclude-standard",
            "-z",
            "--",
            *(pathspecs or ["."]),
            cwd=root,
        ).decode()
        for path in untracked.split("\0"):
            if path and PurePosixPath(path).match(pattern):
                out.append(("A", path))
    return sorted(set(out), key=lambda item: item[1])


def read_blobs(rev: str, paths: Sequence[str], root: Path) -> dict[str, bytes | None]:
    """The content of each path at ``rev`` (None when missing), one ``cat-file --batch``."""
    if not paths:
        return {}
    request = "".join(f"{rev}:{path}\n" for path in paths).encode()
    output = git("cat-file", "--batch", cwd=root, input=request)
    blobs: dict[str, bytes | None] = {}
    pos = 0
    for path in paths:
        end = output.index(b"\n", pos)
        header = output[pos:end].decode(errors="replace").split()
        pos = end + 1
        if len(header) == 3 and header[1] == "blob":
            size = int(header[2])
            blobs[path] = output[pos : pos + size]
            pos += size + 1
        else:  # "<spec> missing" (or not a blob)
            blobs[path] = None
    return blobs


def git_pairs(
    rev: str | None, pathspecs: Sequence[str] = (), cwd: Path | None = None
) -> list[Pair]:
    """Pairs for ``recstack diff --git [REV]``; paths relative to the repository root."""
    root = toplevel(cwd)
    rng = parse_range(rev, root)
    changed = changed_files(rng, root, [_from_root(p, root, cwd) for p in pathspecs])
    paths = [path for _, path in changed]
    old = read_blobs(rng.old, paths, root)
    new = read_blobs(rng.new, paths, root) if rng.new is not None else None
    pairs = []
    for status, path in changed:
        old_source: bytes | str | None = old.get(path) if status != "A" else None
        if new is not None:
            new_source: bytes | str | None = new.get(path) if status != "D" else None
            new_label = f"{rng.new}:{path}"
        else:
            new_source = str(root / path) if status != "D" else None
            new_label = path
        pairs.append(Pair(path, old_source, new_source, f"{rng.old[:12]}:{path}", new_label))
    return pairs


def _from_root(pathspec: str, root: Path, cwd: Path | None) -> str:
    """A command-line path made relative to the repository root (git runs there)."""
    path = (Path(cwd) if cwd else Path.cwd()) / pathspec
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() or "."
    except ValueError:
        return pathspec


# -- GIT_EXTERNAL_DIFF --------------------------------------------------------------

_HEX = re.compile(r"^([0-9a-f]{7,64}|\.)$")
_MODE = re.compile(r"^([0-7]{6}|\.)$")
NULL_FILE = "/dev/null"


def looks_like_external(args: Sequence[str]) -> bool:
    """True for git's 7-argument (9 for a rename) external diff call."""
    return (
        len(args) in (7, 9)
        and bool(_HEX.match(args[2]) and _MODE.match(args[3]))
        and bool(_HEX.match(args[5]) and _MODE.match(args[6]))
    )


def external_pair(args: Sequence[str]) -> Pair:
    """The pair git asks an external diff command to show."""
    if len(args) not in (7, 9):
        raise RecstackError(
            Problem(
                "--git-external",
                f"expected 7 arguments from git (path old-file old-hex old-mode new-file "
                f"new-hex new-mode), got {len(args)}",
                rule="usage",
            )
        )
    path, old_file, _, _, new_file = args[:5]
    new_path = args[7] if len(args) == 9 else path
    old = None if old_file == NULL_FILE else old_file
    new = None if new_file == NULL_FILE else new_file
    shown = path if new_path == path else f"{path} -> {new_path}"
    return Pair(shown, old, new, f"a/{path}", f"b/{new_path}")
