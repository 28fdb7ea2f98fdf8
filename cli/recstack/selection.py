"""Which files a command reads.

Every command takes the same arguments: files, directories (searched recursively for
``*.json``, hidden folders skipped) and ``-`` (paths read from stdin, one per line).
With no argument it reads the project configuration's ``include`` globs (relative to
the configuration file; see :mod:`recstack.config`), else the current directory.

- ``exclude`` globs (the configuration's, relative to its folder, and ``--exclude``,
  relative to the current directory) prune what is found by walking a directory; a
  file named explicitly (an argument, or a line of stdin) is always read.
- A path read from stdin that no longer exists (``git diff --name-only`` lists deleted
  files) is skipped and counted, not an error.
- An argument that cannot be used (missing, unreadable, a name too long, a symlink
  loop) or a directory without a single ``*.json`` file is one problem (exit 2); the
  other arguments are still read.

Each file found carries whether it was named explicitly: a JSON file found by walking
that turns out not to be a recording (``package.json``, a dashboard) is skipped and
counted by the commands, while a file named explicitly is reported.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Generic, Protocol, TextIO, TypeVar

from recstack.config import Config
from recstack.fileglob import GlobSet
from recstack.loading import io_problem
from recstack.problems import Problem
from recstack.render.common import skipped_text
from recstack.snapshot import check_stream

PATTERN = "*.json"
STDIN = "-"


@dataclass(frozen=True)
class Candidate:
    """One file to read."""

    path: Path
    explicit: bool  # named on the command line or on stdin (not found by walking)
    tree: str  # the folder it was found under: a write never leaves it


@dataclass
class Selection:
    """What the arguments expand to."""

    files: list[Candidate] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # unusable arguments (exit 2)
    vanished: list[str] = field(default_factory=list)  # stdin paths that no longer exist
    arguments: tuple[str, ...] = ()  # what was asked for (for messages)
    from_stdin: bool = False  # some paths were read from stdin

    def nothing_read(self, recordings: int, skipped: int) -> Problem | None:
        """The problem of a run that read no recording at all (exit 2), or None.

        Paths from stdin may well be none (no file changed, only deletions): that is
        not a problem. Neither is a run whose arguments already failed.
        """
        if recordings or self.problems or (self.from_stdin and not self.files):
            return None
        where = " ".join(self.arguments) or os.curdir
        message = f"no recordings: {skipped_text(skipped)}" if skipped else "no recordings to read"
        return Problem(where, message, rule="io")

    def gather(
        self,
        results: Iterable[R],
        *,
        skipped: Callable[[R], bool],
        progress: Callable[[int], None] | None = None,
    ) -> Gathered[R]:
        """The per-file results of a run over this selection (in order), sorted into
        recordings and skipped files (JSON that is no recording), ``progress(1)`` called
        for each; the paths that could not be used, with :meth:`nothing_read`'s problem."""
        gathered: Gathered[R] = Gathered(unusable=list(self.problems))
        for result in results:
            if skipped(result):
                gathered.skipped.append(result.path)
            else:
                gathered.results.append(result)
            if progress is not None:
                progress(1)
        empty = self.nothing_read(len(gathered.results), len(gathered.skipped))
        if empty is not None:
            gathered.unusable.append(empty)
        return gathered

    @property
    def paths(self) -> list[Path]:
        return [candidate.path for candidate in self.files]

    @property
    def trees(self) -> dict[str, str]:
        """Each file (``os.fspath``) -> the folder it was found under."""
        return {os.fspath(c.path): c.tree for c in self.files}


class _FileResult(Protocol):
    @property
    def path(self) -> str: ...


R = TypeVar("R", bound=_FileResult)


@dataclass
class Gathered(Generic[R]):
    """What :meth:`Selection.gather` sorted out."""

    results: list[R] = field(default_factory=list)  # recordings, in order
    skipped: list[str] = field(default_factory=list)  # JSON files that are no recordings
    unusable: list[Problem] = field(default_factory=list)  # arguments, or nothing read


def exclude_globs(config: Config, exclude: Sequence[str]) -> list[GlobSet]:
    """What is never read: the configuration's ``exclude`` (relative to its folder) and
    ``--exclude`` (relative to the current directory); empty sets left out."""
    both = (GlobSet(config.root, config.exclude), GlobSet(Path.cwd(), tuple(exclude)))
    return [globs for globs in both if globs]


def keeper(config: Config, exclude: Sequence[str]) -> Callable[[Path], bool]:
    """``keep(path)``: False for a path :func:`exclude_globs` excludes (for the commands
    that find their files in git rather than by walking: diff, review)."""
    excludes = exclude_globs(config, exclude)
    return lambda path: not any(globs.matches(path) for globs in excludes)


class _Walker:
    """Expands arguments into candidates, once each, in a stable order."""

    def __init__(self, config: Config, exclude: Sequence[str], pattern: str) -> None:
        self.excludes = exclude_globs(config, exclude)
        self.pattern = pattern
        self.selection = Selection()
        self._seen: set[str] = set()

    def excluded(self, path: Path | str) -> bool:
        return any(globs.matches(path) for globs in self.excludes)

    def add(self, path: Path, *, explicit: bool, tree: str) -> bool:
        key = os.path.normpath(os.fspath(path))
        if key in self._seen:
            return False
        self._seen.add(key)
        self.selection.files.append(Candidate(path, explicit, tree))
        return True

    def walk(self, root: Path, keep: GlobSet | None = None) -> Iterator[Path]:
        """``*.json`` files under ``root``, sorted per folder; hidden folders, excluded
        paths and special files skipped; unreadable folders reported."""

        def failed(exc: OSError) -> None:
            where = exc.filename or root
            self.selection.problems.append(io_problem(where, exc, "cannot read directory: "))

        named = _name_matcher(self.pattern)
        for dirpath, dirnames, filenames in os.walk(root, onerror=failed):
            base = Path(dirpath)
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith(".") and not self.excluded(base / d)
            )
            for name in sorted(filenames):
                if not named(name):
                    continue
                path = base / name
                if self.excludes and self.excluded(path):
                    continue
                if keep is not None and not keep.matches(path):
                    continue
                if not _is_special(path):
                    yield path

    def argument(self, arg: str, *, from_stdin: bool) -> None:
        path = Path(arg)
        try:
            info = os.stat(path)
        except OSError as exc:
            if from_stdin and exc.errno == errno.ENOENT:
                self.selection.vanished.append(arg)
            else:
                self.selection.problems.append(io_problem(path, exc))
            return
        if not stat.S_ISDIR(info.st_mode):
            self.add(path, explicit=True, tree=os.path.dirname(arg) or os.curdir)
            return
        found = 0
        for item in self.walk(path):
            found += 1
            self.add(item, explicit=False, tree=os.fspath(path))
        if not found:
            self.selection.problems.append(
                Problem(arg, f"no recordings: no {self.pattern} file in this directory", rule="io")
            )

    def include(self, config: Config) -> None:
        """No argument: the configuration's ``include`` globs below its folder."""
        root = config.root
        keep = GlobSet(root, config.include)
        found = 0
        for item in self.walk(root, keep):
            found += 1
            self.add(item, explicit=False, tree=os.fspath(root))
        if not found:
            where = config.path or root
            patterns = ", ".join(config.include)
            self.selection.problems.append(
                Problem(
                    str(where), f"no recordings: include = [{patterns}] matches no file", rule="io"
                )
            )


def _name_matcher(pattern: str) -> Callable[[str], bool]:
    """``lambda name: PurePath(name).match(pattern)`` for a file name: on POSIX, for a
    pattern of one part, ``fnmatch.fnmatchcase`` (what ``match`` calls), without
    making a path of every name."""
    if os.name == "posix" and "/" not in pattern:
        regex = re.compile(fnmatch.translate(pattern))
        return lambda name: regex.match(name) is not None
    return lambda name: PurePath(name).match(pattern)


def _is_special(path: Path) -> bool:
    """A FIFO, socket or device found in a folder: never read (a FIFO would block).

    A broken symbolic link is kept: reading it reports the problem.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _stdin_paths(stdin: TextIO | None) -> Iterator[str]:
    """Non-blank lines of stdin; bytes that are not UTF-8 kept as the OS would (fsdecode)."""
    source = stdin if stdin is not None else sys.stdin
    binary = getattr(source, "buffer", None)
    lines = (os.fsdecode(raw) for raw in binary) if binary is not None else iter(source)
    for line in lines:
        name = line.rstrip("\r\n")
        if name.strip():
            yield name


def select(
    args: Sequence[str] | None,
    *,
    config: Config | None = None,
    exclude: Sequence[str] = (),
    stdin: TextIO | None = None,
    pattern: str = PATTERN,
) -> Selection:
    """The files ``args`` name (see the module docstring); never raises for bad paths."""
    config = config or Config()
    walker = _Walker(config, exclude, pattern)
    walker.selection.arguments = tuple(args or ())
    walker.selection.from_stdin = STDIN in (args or ())
    if not args and config.include:
        walker.include(config)
        return walker.selection
    for arg in args or [os.curdir]:
        if arg == STDIN:
            try:  # a pipe, a file or a terminal: /dev/zero would be one endless line
                check_stream(stdin if stdin is not None else sys.stdin)
            except OSError as exc:
                walker.selection.problems.append(io_problem(STDIN, exc, "cannot read: "))
                continue
            for name in _stdin_paths(stdin):
                walker.argument(name, from_stdin=True)
        else:
            walker.argument(arg, from_stdin=False)
    return walker.selection
