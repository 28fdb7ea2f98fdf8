"""What recordings finally say (``recstack show``): each file read, its stream
reassembled into the final :class:`~recstack.reassembly.Answer`, its request summed up.

:func:`show_file` reads one file and never raises for bad input; :func:`show_paths`
runs it over a :class:`~recstack.selection.Selection` (on several processes when
asked) and sums up in a :class:`ShowReport`. Nothing here prints.

A file that is not valid JSON or not a recording is a finding (exit 1); a path or
file that cannot be read is a problem (exit 2). JSON found by walking a directory
that is no recording at all (``package.json``) is skipped and counted.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from recstack.loading import load_recording, skippable_file
from recstack.parallel import pmap
from recstack.problems import Problem, RecstackError
from recstack.reassembly import Answer, reassemble
from recstack.recording import Recording
from recstack.request_summary import RequestSummary, summarize_request
from recstack.selection import Selection


@dataclass
class Shown:
    """One file: its answer and request, or the problem that kept it from being shown,
    or skipped (JSON that is no recording, found by walking a directory)."""

    path: str
    answer: Answer | None = None
    request: RequestSummary | None = None
    exception: bool = False  # the response was recorded as an exception
    problem: Problem | None = None
    skipped: bool = False


@dataclass
class ShowReport:
    """The outcome of a run: one result per file read (skipped files apart)."""

    results: list[Shown] = field(default_factory=list)
    unusable: list[Problem] = field(default_factory=list)  # paths that could not be used
    skipped: list[str] = field(default_factory=list)  # JSON files that are no recordings
    vanished: list[str] = field(default_factory=list)  # stdin paths that no longer exist

    @property
    def shown(self) -> list[Shown]:
        """The recordings that have an answer to show, in order."""
        return [result for result in self.results if result.answer is not None]

    @property
    def problems(self) -> list[Problem]:
        """Paths that could not be used and files that could not be read (exit 2)."""
        io = [r.problem for r in self.results if r.problem is not None and r.problem.rule == "io"]
        return [*self.unusable, *io]

    @property
    def findings(self) -> bool:
        """A file that is not valid JSON or not a recording (exit 1)."""
        return any(r.problem is not None and r.problem.rule != "io" for r in self.results)


def show_recording(recording: Recording) -> Shown:
    """The answer and request summary of a parsed recording."""
    return Shown(
        recording.path,
        answer=reassemble(recording),
        request=summarize_request(recording),
        exception=recording.is_exception,
    )


def show_file(path: Path | str, *, explicit: bool = True) -> Shown:
    """Read, reassemble and sum up one file. Never raises for bad input.

    ``explicit=False`` (found by walking a directory): JSON that is no recording at
    all is skipped.
    """
    name = os.fspath(path)
    try:
        # A big file in upstream's layout is parsed piece by piece, its bytes not kept.
        data = load_recording(path).data
    except RecstackError as exc:
        if not explicit and skippable_file(path, exc):
            return Shown(name, skipped=True)
        return Shown(name, problem=exc.problem)
    return show_recording(Recording(name, data))


def _show_job(job: tuple[str, bool]) -> Shown:
    """:func:`show_file` for :func:`recstack.parallel.pmap` (module level, picklable)."""
    return show_file(job[0], explicit=job[1])


def show_paths(
    selection: Selection,
    *,
    jobs: int | None = 1,
    progress: Callable[[int], None] | None = None,
) -> ShowReport:
    """Show the selected files (results in order); ``progress(n)`` as files are done.

    ``jobs``: processes to use (0 or None: all cores; see :func:`recstack.parallel.pmap`).
    """
    work = [(os.fspath(c.path), c.explicit) for c in selection.files]
    results = pmap(_show_job, work, jobs=jobs)
    gathered = selection.gather(results, skipped=lambda shown: shown.skipped, progress=progress)
    return ShowReport(
        gathered.results, gathered.unusable, gathered.skipped, list(selection.vanished)
    )
