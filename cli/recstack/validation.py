"""Validate recordings: strict JSON, the schema, then the consistency rules.

``validate_file`` checks one file and returns its problems (never raises for bad
input); ``validate_paths`` runs it over many files on several cores and sums up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from recstack import rules
from recstack.loading import Loaded, discover, load
from recstack.parallel import pmap
from recstack.problems import Problem, RecstackError
from recstack.recording import Recording
from recstack.schema import Schema, load_schema


@dataclass
class FileResult:
    """The outcome for one file."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass
class Report:
    """The outcome of a run: one result per file found, plus paths that do not exist."""

    results: list[FileResult] = field(default_factory=list)
    missing: list[Problem] = field(default_factory=list)

    @property
    def files(self) -> int:
        return len(self.results)

    @property
    def valid(self) -> int:
        return sum(1 for r in self.results if r.valid)

    @property
    def invalid(self) -> int:
        return self.files - self.valid

    @property
    def errors(self) -> list[Problem]:
        return [p for r in self.results for p in r.errors]

    @property
    def warnings(self) -> list[Problem]:
        return [p for r in self.results for p in r.warnings]

    @property
    def io_errors(self) -> list[Problem]:
        """Paths that do not exist and files that cannot be read."""
        return [*self.missing, *(p for p in self.errors if p.rule == "io")]


def validate_data(data: Any, schema: Schema) -> list[rules.Finding]:
    """Schema violations and rule findings for parsed data (no positions)."""
    findings: list[rules.Finding] = []
    if not schema.is_valid(data):
        findings.extend(rules.Finding(e.pointer, e.message, "schema") for e in schema.errors(data))
    if isinstance(data, dict):
        findings.extend(rules.check(Recording("", data)))
    return findings


def validate_loaded(loaded: Loaded, schema: Schema) -> list[Problem]:
    """Problems of a parsed file, each with the line:column of its value."""
    return _located(loaded, validate_data(loaded.data, schema))


def _located(loaded: Loaded, findings: list[rules.Finding]) -> list[Problem]:
    """The parse's problems and ``findings``, each with the line:column of its value."""
    problems = list(loaded.problems)
    name = str(loaded.path)
    positions = loaded.positions([finding.pointer for finding in findings])
    for finding, (line, column) in zip(findings, positions, strict=True):
        problems.append(
            Problem(name, finding.message, line, column, finding.pointer, rule=finding.rule)
        )
    return sorted(problems, key=_position)


def validate_file(path: Path | str, schema: Schema | None = None) -> list[Problem]:
    """Every problem of one file (empty: valid). Never raises for bad input."""
    schema = schema or load_schema()
    try:
        loaded = load(path, check_duplicates=True)
    except RecstackError as exc:
        return [exc.problem]
    findings = validate_data(loaded.data, schema)
    loaded.data = None  # not needed to place the findings: its memory goes first
    return _located(loaded, findings)


def _position(problem: Problem) -> tuple[int, int]:
    return (problem.line or 0, problem.column or 0)


def _validate_job(job: tuple[str, str | None]) -> list[Problem]:
    """Worker entry point (module level, picklable): one file against a schema path."""
    path, schema_path = job
    return validate_file(path, load_schema(schema_path))


def validate_files(
    paths: Sequence[Path | str], *, schema_path: Path | str | None = None, jobs: int | None = None
) -> Iterable[FileResult]:
    """Validate files in parallel, results in input order."""
    schema_arg = str(schema_path) if schema_path else None
    load_schema(schema_arg)  # load before forking, so workers inherit it (and fail early)
    work = [(str(p), schema_arg) for p in paths]
    for (path, _), problems in zip(work, pmap(_validate_job, work, jobs=jobs), strict=True):
        yield FileResult(path, problems)


def validate_paths(
    args: Sequence[str],
    *,
    schema_path: Path | str | None = None,
    jobs: int | None = None,
    stdin: TextIO | None = None,
    progress: Callable[[Iterable[FileResult], int], Iterable[FileResult]] | None = None,
) -> Report:
    """Discover files under ``args`` (``-`` = paths on stdin, default ``.``) and validate them.

    ``progress(results, total)`` may wrap the stream of results (e.g. a progress bar).
    Raises RecstackError (rule ``schema-file``) when the schema cannot be loaded.
    """
    found = discover(args, stdin=stdin)
    results = validate_files(found.files, schema_path=schema_path, jobs=jobs)
    if progress is not None:
        results = progress(results, len(found.files))
    return Report(list(results), found.missing)
