"""Pairs from git: the recordings changed between a revision and the working tree,
or between two revisions (``A..B``, ``A B``, ``A...B``), old versions read with
``git cat-file --batch``.

Everything the user typed reaches git only as a revision or as a pathspec: each
revision is resolved to a commit id first (``git rev-parse --verify
--end-of-options REV^{commit}``; one starting with ``-`` is refused before git sees
it), later commands get those ids, and paths always follow ``--``. Git's output is
read NUL-separated (``-z``); ``cat-file --batch`` is fed object ids only, never a
``rev:path`` (a path may hold a newline).

The working tree is read as git sees it, except where git cannot look: a folder it
cannot open (its untracked files are not listed: git only warns) is a problem
(:attr:`Changes.problems`), and a tracked file git calls deleted while it cannot be
looked at (a folder without permission) counts as present, so that reading it says why
(git's ``lstat`` fails the same way for both).

Also the external-diff calling convention (``GIT_EXTERNAL_DIFF`` / ``diff.external``):
git runs the command with 7 arguments ``path old-file old-hex old-mode new-file
new-hex new-mode`` (9 for a rename: ``... new-path similarity-message``);
``/dev/null`` stands for a side that does not exist.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from recstack.diffing.pairing import Pair, Sources
from recstack.problems import Problem, RecstackError


class GitError(RecstackError):
    pass


def display_name(path: bytes) -> str:
    """A git path as shown in reports: control characters and bytes that are not UTF-8
    escaped (``\\n``, ``\\x1b``, ``\\xff``), everything else as it is."""
    text = path.decode("utf-8", errors="backslashreplace")
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )


def shown(text: str) -> str:
    """:func:`display_name` for a text from the command line or from git's messages."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogatepass")
    return display_name(raw)


def _fail(message: str) -> GitError:
    return GitError(Problem("git", shown(message), rule="io"))


def _run(
    args: Sequence[str],
    cwd: Path | None = None,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=input,
            capture_output=True,
            check=False,
            env=None if env is None else {**os.environ, **env},
        )
    except FileNotFoundError:
        raise _fail("git is not installed") from None


def _message(stderr: bytes) -> str:
    """Git's own complaint: its first ``fatal:``/``error:`` line, else its last line."""
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines()]
    lines = [line for line in lines if line]
    for line in lines:
        for prefix in ("fatal: ", "error: "):
            if line.startswith(prefix):
                return line.removeprefix(prefix)
    return lines[-1] if lines else ""


def git(*args: str, cwd: Path | None = None, input: bytes | None = None) -> bytes:
    """Run git; its stdout, or a GitError carrying git's own message."""
    proc = _run(args, cwd, input)
    if proc.returncode != 0:
        raise _fail(_message(proc.stderr) or f"git {args[0]} failed")
    return proc.stdout


def toplevel(cwd: Path | None = None) -> Path:
    return Path(os.fsdecode(git("rev-parse", "--show-toplevel", cwd=cwd).rstrip(b"\n")))


# -- revisions ------------------------------------------------------------------------


def commit_id(rev: str, cwd: Path | None = None) -> str | None:
    """The commit ``rev`` names, or None (a text starting with ``-`` never reaches git)."""
    if not rev or rev.startswith("-"):
        return None
    proc = _run(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], cwd)
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def _resolve(rev: str, cwd: Path | None) -> str:
    found = commit_id(rev, cwd)
    if found is None:
        raise _fail(f"bad revision '{rev}'")
    return found


def _range_sides(rev: str) -> tuple[str, str, bool] | None:
    """``A...B`` -> (A, B, True), ``A..B`` -> (A, B, False) (an empty side is HEAD)."""
    for dots, symmetric in (("...", True), ("..", False)):
        if dots in rev:
            left, right = rev.split(dots, 1)
            return left or "HEAD", right or "HEAD", symmetric
    return None


def is_revision(text: str, cwd: Path | None = None) -> bool:
    """True when ``text`` names a commit, or is a range of two commits."""
    sides = _range_sides(text)
    names = [text] if sides is None else list(sides[:2])
    return all(commit_id(name, cwd) is not None for name in names)


def default_branch(cwd: Path | None = None) -> str:
    """``origin/HEAD``'s target, else the first of main/master/trunk that exists."""
    proc = _run(["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"], cwd)
    if proc.returncode == 0:
        return proc.stdout.decode().strip().removeprefix("refs/remotes/")
    for name in ("main", "master", "trunk", "origin/main", "origin/master"):
        if commit_id(name, cwd) is not None:
            return name
    raise _fail("cannot find the default branch (no origin/HEAD, main or master): name a REV")


def merge_base(left: str, right: str, cwd: Path | None = None) -> str:
    """The merge base of two commit ids."""
    proc = _run(["merge-base", "--end-of-options", left, right], cwd)
    if proc.returncode != 0:
        raise _fail(_message(proc.stderr) or f"{left[:12]} and {right[:12]} have no merge base")
    return proc.stdout.decode().strip()


@dataclass(frozen=True)
class Range:
    old: str  # a commit id
    new: str | None  # a commit id, or None for the working tree
    old_name: str  # how the user named them (for labels and messages)
    new_name: str = "the working tree"


def parse_range(revisions: Sequence[str] = (), cwd: Path | None = None) -> Range:
    """``()`` -> merge base with the default branch..working tree; ``(REV,)`` ->
    REV..working tree; ``(A..B,)`` or ``(A, B)``; ``(A...B,)`` -> merge base of A
    and B..B. Every revision is resolved to a commit id (GitError if it is not one)."""
    if not revisions:
        head = _resolve("HEAD", cwd)
        base = merge_base(head, _resolve(default_branch(cwd), cwd), cwd)
        return Range(base, None, base[:12])
    if len(revisions) == 2:
        for rev in revisions:
            if _range_sides(rev) is not None:
                raise _fail(f"'{rev}': give two revisions (A B) or one range (A..B), not both")
        old, new = revisions
        return Range(_resolve(old, cwd), _resolve(new, cwd), shown(old), shown(new))
    if len(revisions) > 2:
        raise _fail(f"at most two revisions, got {len(revisions)}: {' '.join(revisions)}")
    rev = revisions[0]
    sides = _range_sides(rev)
    if sides is None:
        return Range(_resolve(rev, cwd), None, shown(rev))
    left, right, symmetric = sides
    old, new = _resolve(left, cwd), _resolve(right, cwd)
    if symmetric:
        old = merge_base(old, new, cwd)
        return Range(old, new, old[:12], shown(right))
    return Range(old, new, shown(left), shown(right))


# -- telling revisions from paths ---------------------------------------------------

_PATTERN = re.compile(r"[*?\[]|^:")  # a glob, or pathspec magic (":(glob)x", ":!x", ":/x")
_GLOB = re.compile(r"[*?\[]")


def expand_pathspec(spec: str) -> list[str]:
    """A pattern also matches what is inside the directories it matches, as a plain
    directory path does: ``tests/*/recordings`` is ``tests/*/recordings`` and
    ``tests/*/recordings/*`` (git alone matches the pattern against whole file paths
    only). Pathspecs with magic (``:(glob)``, ``:!``) go to git as they are."""
    if spec.startswith(":") or not _GLOB.search(spec):
        return [spec]
    return [spec, spec.rstrip("/") + "/*"]


@dataclass(frozen=True)
class GitArgs:
    revisions: tuple[str, ...] = ()  # none, one (REV, A..B, A...B) or two (A B)
    paths: tuple[str, ...] = ()  # git pathspecs, relative to the current directory


def split_arguments(
    args: Sequence[str], paths_after: int | None = None, cwd: Path | None = None
) -> GitArgs:
    """Revisions and paths among ``diff --git`` arguments.

    ``paths_after``: how many arguments followed a ``--`` (None: there was none). Those
    are paths; the ones before it are revisions. Without ``--``, the first argument is a
    path when it exists (relative to ``cwd``), else a revision when it names one (REV,
    A..B, A...B), else a path when it is a pathspec pattern (``*``, ``?``, ``[``, or
    magic such as ``:(top)``); anything else is a GitError in git's words. After one
    plain REV, a second argument that does not exist as a path and names a commit is
    the other end (``A B`` is ``A..B``). All other arguments are paths.
    """
    if paths_after is not None:
        cut = len(args) - paths_after
        return GitArgs(tuple(args[:cut]), tuple(args[cut:]))
    if not args:
        return GitArgs()
    here = Path(cwd) if cwd is not None else Path.cwd()
    first, rest = args[0], list(args[1:])
    if os.path.lexists(here / first):
        return GitArgs((), tuple(args))
    if not is_revision(first, cwd):
        if _PATTERN.search(first):
            return GitArgs((), tuple(args))
        sides = _range_sides(first)
        bad = next((s for s in sides[:2] if commit_id(s, cwd) is None), None) if sides else None
        raise _fail(
            f"bad revision '{bad}'"
            if bad is not None
            else f"ambiguous argument '{first}': unknown revision or path not in the "
            "working tree (put paths after '--')"
        )
    revisions = [first]
    if (
        rest
        and _range_sides(first) is None
        and _range_sides(rest[0]) is None
        and not os.path.lexists(here / rest[0])
        and commit_id(rest[0], cwd) is not None
    ):
        revisions.append(rest.pop(0))
    return GitArgs(tuple(revisions), tuple(rest))


# -- what changed ---------------------------------------------------------------------

_NULL_ID = re.compile(r"^0+$")
_REGULAR = ("100644", "100755")  # symlinks, submodules and absent sides are not files
_DIFF = ("diff", "--no-ext-diff", "--no-textconv", "--no-color", "--no-relative")


_UNOPENED = re.compile(rb"^warning: could not open directory '(.+?)/?': (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Changed:
    """One recording changed in a range: its path (bytes, as git gave it) and, per side,
    the blob id (``""`` for the working tree's file) or None where it is absent."""

    path: bytes
    old: str | None
    new: str | None


@dataclass
class Changes:
    """The recordings that differ in a range, and the folders of the working tree git
    could not look into (each an I/O problem: what they hold is missing from ``files``)."""

    files: list[Changed]
    problems: list[Problem]


def _blob(mode: str, oid: str, worktree: bool) -> str | None:
    if mode not in _REGULAR:
        return None
    if worktree:
        return ""
    return None if _NULL_ID.match(oid) else oid


def _is_recording(path: bytes, pattern: str) -> bool:
    return PurePosixPath(os.fsdecode(path)).match(pattern)


def _gone(path: Path) -> bool:
    """``path`` does not exist (rather than: it cannot be looked at)."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def _untracked(at: Path | None, pathspecs: Sequence[str]) -> tuple[bytes, list[Problem]]:
    """``git ls-files --others`` (full names, NUL-separated), and a problem for each
    folder git warned it could not open (git's messages read in the C locale)."""
    args = ["ls-files", "--others", "--exclude-standard", "--full-name", "-z", "--"]
    proc = _run([*args, *pathspecs], at, env={"LC_ALL": "C"})
    if proc.returncode != 0:
        raise _fail(_message(proc.stderr) or "git ls-files failed")
    problems = [
        Problem(
            display_name(folder),
            f"cannot read directory: {reason.decode(errors='replace').strip().lower()}",
            rule="io",
        )
        for folder, reason in _UNOPENED.findall(proc.stderr)
    ]
    return proc.stdout, problems


def changed_files(
    rng: Range,
    root: Path,
    pathspecs: Sequence[str] = (),
    *,
    pattern: str = "*.json",
    where: Path | None = None,
) -> Changes:
    """The recordings that differ in the range, sorted by path (untracked files count
    as added to the working tree). Pathspecs are read by git relative to ``where``."""
    at = where if pathspecs else root
    args = [*_DIFF, "--raw", "-z", "--no-abbrev", "--no-renames", rng.old]
    if rng.new is not None:
        args.append(rng.new)
    fields = git(*args, "--", *pathspecs, cwd=at).split(b"\0")
    found: dict[bytes, Changed] = {}
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        parts = meta.decode(errors="replace").lstrip(":").split()
        if len(parts) < 5 or not _is_recording(path, pattern):
            continue
        old_mode, new_mode, old_id, new_id = parts[:4]
        old = _blob(old_mode, old_id, worktree=False)
        new = _blob(new_mode, new_id, worktree=rng.new is None)
        if new is None and rng.new is None and not _gone(root / os.fsdecode(path)):
            new = ""  # git could not look at it: reading it will say why
        if old is not None or new is not None:
            found[path] = Changed(path, old, new)
    problems: list[Problem] = []
    if rng.new is None:
        untracked, problems = _untracked(at, pathspecs)
        for path in untracked.split(b"\0"):
            if (
                path
                and _is_recording(path, pattern)
                and not (root / os.fsdecode(path)).is_symlink()
            ):
                old = found[path].old if path in found else None
                found[path] = Changed(path, old, "")
    return Changes([found[path] for path in sorted(found)], problems)


def unmatched(rng: Range, pathspecs: Sequence[str], where: Path | None = None) -> list[str]:
    """The pathspecs that match no file on either side of the range (ignored files do
    not count), so that a typo is an error rather than an empty comparison."""
    if not pathspecs:
        return []
    empty_tree = git("hash-object", "-t", "tree", "--stdin", cwd=where, input=b"").decode().strip()

    def in_commit(commit: str, spec: str) -> bool:
        proc = _run([*_DIFF, "--quiet", empty_tree, commit, "--", *expand_pathspec(spec)], where)
        if proc.returncode not in (0, 1):
            raise _fail(_message(proc.stderr) or f"{spec}: git diff failed")
        return proc.returncode == 1

    def in_worktree(spec: str) -> bool:
        listed = git(
            *("ls-files", "--cached", "--others", "--exclude-standard", "-z", "--"),
            *expand_pathspec(spec),
            cwd=where,
        )
        return bool(listed)

    return [
        spec
        for spec in pathspecs
        if not in_commit(rng.old, spec)
        and not (in_commit(rng.new, spec) if rng.new is not None else in_worktree(spec))
    ]


def read_blobs(ids: Sequence[str], root: Path) -> dict[str, bytes]:
    """The content of each blob id, one ``cat-file --batch`` fed object ids only."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    output = git("cat-file", "--batch", cwd=root, input="".join(f"{i}\n" for i in wanted).encode())
    blobs: dict[str, bytes] = {}
    pos = 0
    for oid in wanted:
        end = output.index(b"\n", pos)
        header = output[pos:end].decode(errors="replace").split()
        pos = end + 1
        if len(header) == 3 and header[1] == "blob":
            size = int(header[2])
            blobs[oid] = output[pos : pos + size]
            pos += size + 1
        elif len(header) == 3:  # another object type: skip its content
            pos += int(header[2]) + 1
    return blobs


def git_pairs(
    args: Sequence[str], paths_after: int | None = None, cwd: Path | None = None
) -> Sources:
    """Pairs for ``recstack diff --git [REV] [PATH...]`` (see :func:`split_arguments`);
    paths relative to the repository root. A path that matches nothing on either side
    is a GitError, as is a revision that is not one; a folder of the working tree git
    cannot open is a problem of the result."""
    root = toplevel(cwd)
    split = split_arguments(args, paths_after, cwd)
    rng = parse_range(split.revisions, cwd)
    missing = unmatched(rng, split.paths, cwd)
    if missing:
        raise _fail(
            f"{missing[0]}: matches no file in {rng.old_name} or {rng.new_name} "
            "(ignored files do not count)"
        )
    pathspecs = [expanded for path in split.paths for expanded in expand_pathspec(path)]
    changes = changed_files(rng, root, pathspecs, where=cwd)
    blobs = read_blobs([c for item in changes.files for c in (item.old, item.new) if c], root)
    pairs = []
    for item in changes.files:
        name = display_name(item.path)
        old = blobs.get(item.old) if item.old else None
        if rng.new is None:
            new: bytes | str | None = (
                None if item.new is None else str(root / os.fsdecode(item.path))
            )
            new_label = name
        else:
            new = blobs.get(item.new) if item.new else None
            new_label = f"{rng.new_name}:{name}"
        # Listed by git, not named by the user: JSON that is no recording is skipped.
        pairs.append(Pair(name, old, new, f"{rng.old_name}:{name}", new_label, explicit=False))
    return Sources(pairs, changes.problems)


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
