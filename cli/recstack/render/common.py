"""Small pieces of wording every renderer shares."""

from __future__ import annotations

from collections.abc import Sequence, Sized


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 file``, ``2 files`` (``many`` for irregular plurals: ``mismatches``)."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def skipped_text(count: int) -> str:
    """``1 other JSON file skipped``: JSON files found by walking that are no recordings."""
    return f"{plural(count, 'other JSON file')} skipped"


def run_notes(
    skipped: Sequence[str],
    vanished: Sequence[str],
    *,
    broken: Sized = (),
    unusable: Sized = (),
) -> list[str]:
    """What a run passed over, for its summary line, in this order: JSON files that are
    no recordings (found by walking), paths read from stdin that no longer exist,
    recordings that could not be read, arguments that could not be used."""
    notes = []
    if skipped:
        notes.append(skipped_text(len(skipped)))
    if vanished:
        notes.append(f"{plural(len(vanished), 'deleted path')} from stdin skipped")
    if broken:
        notes.append(plural(len(broken), "broken recording"))
    if unusable:
        notes.append(f"{plural(len(unusable), 'path')} not usable")
    return notes
