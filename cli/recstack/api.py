"""The public Python API, exported from ``recstack`` (see docs/python-api.md).

Five functions over one recording at a time, for suites that want recstack inside
their own tests (assert on a reassembled answer, diff two recordings in a fixture)::

    import recstack

    rec = recstack.load("tests/integration/recordings/abc.json")
    assert "Paris" in recstack.reassemble(rec).text
    assert recstack.validate(rec).valid
    assert recstack.diff(old, rec).status in ("same", "equivalent")
    fixed = recstack.normalize(rec).to_bytes()

Every function takes a :class:`Recording` (from :func:`load`), and the ones that read
also take a path or bytes. Bad input raises :class:`RecstackError`, whose ``problem``
says where and what, as the command line prints it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from recstack.loading import Loaded, read_bytes, recording_from_bytes
from recstack.recording import Recording

if TYPE_CHECKING:
    from recstack.diffing.result import FileDiff
    from recstack.normalization import Normalized
    from recstack.reassembly.answer import Answer
    from recstack.validation import ValidationResult

Source = str | os.PathLike[str] | bytes
IN_MEMORY = "<bytes>"


def _read(source: Source, name: str | None) -> tuple[str, bytes]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return name or IN_MEMORY, bytes(source)
    path = os.fspath(source)
    return name or path, read_bytes(path)


def load(source: Source, *, name: str | None = None) -> Recording:
    """Read and parse one recording: a path (``str`` or ``PathLike``) or its bytes.

    ``name`` names it in messages and gives its file-name hash (normalize's ``rec-``
    ids); default: the path, or ``<bytes>``. Raises :class:`RecstackError` for bytes
    that are not one strict JSON document with a ``request`` and a ``response``.
    """
    path, raw = _read(source, name)
    loaded = recording_from_bytes(raw, path, check_duplicates=True)
    return Recording(path, loaded.data, raw=raw, problems=tuple(loaded.problems))


def _recording(source: Recording | Source) -> Recording:
    return source if isinstance(source, Recording) else load(source)


def reassemble(recording: Recording | Source) -> Answer:
    """The final answer a recording carries (its stream reassembled): what ``recstack
    show`` prints, with ``.text`` (the first choice's text), ``.choices``, ``.usage``..."""
    from recstack.reassembly import reassemble as _reassemble

    return _reassemble(_recording(recording))


def validate(
    source: Recording | Source, *, schema: str | os.PathLike[str] | None = None
) -> ValidationResult:
    """Every finding of ``recstack validate`` for one recording: ``.valid``,
    ``.errors``, ``.warnings``, each a :class:`Problem` with line and column.

    Unlike :func:`load`, bytes that are no recording at all are findings, not an error.
    """
    from recstack.loading import parse
    from recstack.problems import RecstackError
    from recstack.schema import load_schema
    from recstack.validation import ValidationResult, validate_loaded

    loaded_schema = load_schema(os.fspath(schema) if schema is not None else None)
    if isinstance(source, Recording):
        path, raw = source.path, source.raw
        if raw is None:  # built in memory: no positions
            problems = validate_loaded(Loaded(Path(path), b"", source.data, []), loaded_schema)
            return ValidationResult(path, problems)
    else:
        path, raw = _read(source, None)
    try:
        data, parse_problems = parse(raw, path, check_duplicates=True)
    except RecstackError as exc:
        return ValidationResult(path, [exc.problem])
    loaded = Loaded(Path(path), raw, data, parse_problems)
    return ValidationResult(path, validate_loaded(loaded, loaded_schema))


def diff(
    before: Recording | Source,
    after: Recording | Source,
    *,
    strict: bool = False,
    ignore: Iterable[str] = (),
) -> FileDiff:
    """What ``recstack diff`` says of two versions of one recording: ``.status``
    (a :class:`DiffStatus`: same, equivalent, changed...) and ``.changes``.

    Volatile fields and the chunking of streams are ignored unless ``strict``;
    ``ignore`` adds path globs (``"response.body[*].__data__.usage"``).
    """
    from recstack.diffing.compare import Options, compare_bytes, compare_data
    from recstack.diffing.result import EQUIVALENT, FileDiff, status_of

    options = Options(strict=strict, ignore=tuple(ignore))
    old, new = _recording(before), _recording(after)
    if old.raw is not None and new.raw is not None:
        return compare_bytes(new.path, old.raw, new.raw, options, old_label=old.path)
    changes = compare_data(new.path, old.data, new.data, options)
    if strict:
        from recstack.diffing.result import CHANGED

        return FileDiff(new.path, CHANGED if changes else EQUIVALENT, changes)
    return FileDiff(new.path, status_of(changes), changes)


def normalize(recording: Recording | Source, *, profile: str = "default") -> Normalized:
    """What ``recstack normalize`` would write: ``.data``, ``.changes`` (each a
    :class:`Rewrite`), ``.changed`` and ``.to_bytes()`` (upstream's exact layout).

    The ``rec-`` ids come from the recording's name (its path). Nothing is written.
    """
    from recstack.normalization import normalize as _normalize

    rec = _recording(recording)
    return _normalize(rec.data, rec.path, profile)
