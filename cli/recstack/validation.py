"""Validate recordings: strict JSON, the schema, then the consistency rules.

``validate_file`` checks one file and returns its problems (never raises for bad
input); ``validate_paths`` runs it over the selected files on several cores and sums
up in a :class:`ValidationReport`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from recstack import rules
from recstack.loading import (
    Loaded,
    is_other_json,
    load,
    skippable_file,
)
from recstack.parallel import pmap
from recstack.problems import Problem, RecstackError
from recstack.recording import Recording
from recstack.replay import DEFAULT_FALLBACK_DIR
from recstack.schema import Schema, load_schema
from recstack.selection import Selection


@dataclass
class ValidationResult:
    """The outcome for one file: its problems, or skipped (JSON that is no recording,
    found by walking a directory)."""

    path: str
    problems: list[Problem] = field(default_factory=list)
    skipped: bool = False

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
class ValidationReport:
    """The outcome of a run: one result per recording, what was skipped, what could
    not be used."""

    results: list[ValidationResult] = field(default_factory=list)
    unusable: list[Problem] = field(default_factory=list)  # paths that could not be used
    skipped: list[str] = field(default_factory=list)  # JSON files that are no recordings
    vanished: list[str] = field(default_factory=list)  # stdin paths that no longer exist

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
    def problems(self) -> list[Problem]:
        """Paths that could not be used and files that could not be read (exit 2)."""
        return [*self.unusable, *(p for p in self.errors if p.rule == "io")]

    @property
    def findings(self) -> bool:
        return self.invalid > 0


def validate_data(
    data: Any,
    schema: Schema,
    context: rules.Context | None = None,
    *,
    skip: Collection[str] = (),
) -> list[rules.Finding]:
    """Schema violations and rule findings for parsed data (no positions).

    The rules about the file (its name, its place) run only with a ``context``; the
    rules in ``skip`` do not run at all.
    """
    findings: list[rules.Finding] = []
    if not schema.is_valid(data):
        findings.extend(rules.Finding(e.pointer, e.message, "schema") for e in schema.errors(data))
    if isinstance(data, dict):
        path = context.path if context is not None else ""
        findings.extend(rules.check(Recording(path, data), context, skip=skip))
    return findings


def validate_loaded(
    loaded: Loaded,
    schema: Schema,
    *,
    fallback_dir: str = DEFAULT_FALLBACK_DIR,
    skip: Collection[str] = (),
) -> list[Problem]:
    """Problems of a parsed file, each with the line:column of its value."""
    context = rules.Context(str(loaded.path), fallback_dir)
    return _located(loaded, validate_data(loaded.data, schema, context, skip=skip))


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


def validate_file(
    path: Path | str,
    schema: Schema | None = None,
    *,
    explicit: bool = True,
    ignore: Collection[str] = (),
    fallback_dir: str = DEFAULT_FALLBACK_DIR,
) -> ValidationResult:
    """Every problem of one file (none: valid). Never raises for bad input.

    ``explicit=False`` (found by walking a directory): JSON that is no recording at all
    is skipped. Problems of a rule in ``ignore`` are left out (the rule does not run).
    ``fallback_dir`` is where replay looks last (``replay-stale``).
    """
    schema = schema or load_schema()
    name = str(path)
    try:
        loaded = load(path, check_duplicates=True)
    except RecstackError as exc:
        if not explicit and skippable_file(path, exc):
            return ValidationResult(name, skipped=True)
        problems = [exc.problem]
    else:
        if not explicit and is_other_json(path, None, loaded.data, parsed=True):
            return ValidationResult(name, skipped=True)
        context = rules.Context(name, fallback_dir)
        findings = validate_data(loaded.data, schema, context, skip=ignore)
        loaded.data = None  # not needed to place the findings: its memory goes first
        problems = _located(loaded, findings)
    return ValidationResult(name, [p for p in problems if p.rule not in ignore])


def _position(problem: Problem) -> tuple[int, int]:
    return (problem.line or 0, problem.column or 0)


@dataclass(frozen=True)
class _Job:
    path: str
    explicit: bool


@dataclass(frozen=True)
class _Settings:
    schema_path: str | None
    ignore: frozenset[str]
    fallback_dir: str


def _validate_job(job: _Job, settings: _Settings) -> ValidationResult:
    """Worker entry point (module level, picklable): one file against a schema path."""
    schema = load_schema(settings.schema_path)
    return validate_file(
        job.path,
        schema,
        explicit=job.explicit,
        ignore=settings.ignore,
        fallback_dir=settings.fallback_dir,
    )


def check_rule_ids(ids: Iterable[str], *, where: str = "--ignore") -> None:
    """Raise a RecstackError (exit 2) naming an unknown rule id and ``where`` it was given."""
    known = rules.descriptions()
    for rule_id in ids:
        if rule_id not in known:
            raise RecstackError(
                Problem(
                    where,
                    f"unknown rule {rule_id!r} (see recstack validate --list-rules)",
                    rule="usage",
                )
            )


def validate_paths(
    selection: Selection,
    *,
    schema_path: Path | str | None = None,
    ignore: Iterable[str] = (),
    fallback_dir: str = DEFAULT_FALLBACK_DIR,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ValidationReport:
    """Validate the selected files on ``jobs`` processes (results in order).

    ``fallback_dir``: the configuration's ``[tool.recstack.replay] fallback-dir``.

    ``progress(n)`` is called as files are done. Raises RecstackError when the schema
    cannot be loaded (rule ``schema-file``) or a rule id in ``ignore`` is unknown.
    """
    ignore = frozenset(ignore)
    check_rule_ids(ignore)
    schema_arg = str(schema_path) if schema_path else None
    load_schema(schema_arg)  # load before forking, so workers inherit it (and fail early)
    work = [_Job(str(c.path), c.explicit) for c in selection.files]
    job = partial(_validate_job, settings=_Settings(schema_arg, ignore, fallback_dir))
    gathered = selection.gather(
        pmap(job, work, jobs=jobs), skipped=lambda result: result.skipped, progress=progress
    )
    return ValidationReport(
        gathered.results, gathered.unusable, gathered.skipped, list(selection.vanished)
    )
