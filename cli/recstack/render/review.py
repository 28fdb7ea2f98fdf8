"""Render ``recstack review``: what became of each recording (rich, text, JSON), and the
pages of the interactive review (:class:`TerminalScreen`).

A page is ``recstack diff``'s section for the recording (:func:`recstack.render.diff.file_lines`)
under a progress line ("3 of 12"). Paths and the revision's name are shown inert
(:mod:`recstack.inert`), as everything else that comes from a recording or the user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from recstack.diffing.result import ADDED, REMOVED
from recstack.inert import inert, inert_line
from recstack.output import Output
from recstack.render.common import plural, run_notes
from recstack.render.diff import STATUS_STYLE, file_lines
from recstack.render.jsontext import json_document
from recstack.reviewing.model import OUTCOMES, Outcome, Review, ReviewItem

if TYPE_CHECKING:
    from recstack.render.textdiff import Line

LABELS = {
    Outcome.KEPT: "kept",
    Outcome.RESTORED: "restored",
    Outcome.SKIPPED: "skipped",
    Outcome.REFUSED: "refused",
    Outcome.WOULD_RESTORE: "would restore",
    Outcome.PENDING: "to review",
}
DRY_LABELS = {**LABELS, Outcome.KEPT: "would keep"}
SUMMARY = {
    Outcome.RESTORED: "restored",
    Outcome.KEPT: "kept",
    Outcome.SKIPPED: "skipped",
    Outcome.REFUSED: "refused",
    Outcome.WOULD_RESTORE: "would be restored",
    Outcome.PENDING: "to review",
}
DRY_SUMMARY = {**SUMMARY, Outcome.KEPT: "would be kept"}
STYLES = {
    Outcome.KEPT: "cyan",
    Outcome.RESTORED: "green",
    Outcome.SKIPPED: "dim",
    Outcome.REFUSED: "bold red",
    Outcome.WOULD_RESTORE: "yellow",
    Outcome.PENDING: "yellow",
}
ORDER = (
    Outcome.RESTORED,
    Outcome.WOULD_RESTORE,
    Outcome.KEPT,
    Outcome.PENDING,
    Outcome.SKIPPED,
    Outcome.REFUSED,
)


def _emit(out: Output, line: Line, end: str = "\n", *, plain: bool = False) -> None:
    """One line, styled when styling reaches a reader; recording text always inert."""
    if out.styled and not plain:
        from rich.text import Text

        text = Text()  # Text, never markup: "[bold]" in a path is shown as it is
        for segment, style in line:
            text.append(inert(segment), style=style or None)
        out.console.print(text, soft_wrap=True, end=end)
    else:
        out.write(inert("".join(segment for segment, _ in line)).rstrip() + end)


def revision_name(review: Review) -> str:
    return inert_line(review.revision)


def item_line(item: ReviewItem, dry_run: bool) -> Line:
    """``restored  changed     tests/recordings/x.json`` (a moved one: ``old -> new``)."""
    outcome = item.outcome or Outcome.SKIPPED
    label = (DRY_LABELS if dry_run else LABELS)[outcome]
    line: Line = [
        (f"{label:<13} ", STYLES[outcome]),
        (f"{item.status:<10} ", STATUS_STYLE.get(item.status, "")),
        (inert_line(item.label), "bold"),
    ]
    how = _how(item) if outcome in (Outcome.RESTORED, Outcome.WOULD_RESTORE) else None
    if how is not None:
        line.append((f"  ({how})", "dim"))
    return line


def _how(item: ReviewItem) -> str | None:
    """How a restore undoes what is not a plain change of bytes."""
    if item.moved:
        return "moved back"
    if item.status is ADDED:
        return "removed"
    if item.status is REMOVED:
        return "brought back"
    return None


def summary_line(review: Review) -> str:
    """``3 recordings differ from HEAD: 1 restored, 2 kept``."""
    names = DRY_SUMMARY if review.dry_run else SUMMARY
    if not review.items:
        line = f"nothing to review: no recording differs from {revision_name(review)}"
    else:
        verb = "differs" if len(review.items) == 1 else "differ"
        counts = [
            f"{review.count(outcome)} {names[outcome]}"
            for outcome in ORDER
            if review.count(outcome)
        ]
        line = f"{plural(len(review.items), 'recording')} {verb} from {revision_name(review)}"
        line += ": " + ", ".join(counts)
    notes = run_notes(review.diff.skipped, ())
    if review.dry_run and any(i.outcome is Outcome.WOULD_RESTORE for i in review.items):
        notes.append("dry run: nothing written")
    if review.interrupted:
        notes.append("interrupted")
    return "; ".join([line, *notes])


def report_lines(review: Review) -> list[Line]:
    lines = [item_line(item, review.dry_run) for item in review.items]
    return [*lines, [(summary_line(review), "bold")]]


def render_rich(review: Review, out: Output) -> None:
    """Styled on a terminal (or with --color always); plain text otherwise."""
    for line in report_lines(review):
        _emit(out, line)


def render_text(review: Review, out: Output) -> None:
    for line in report_lines(review):
        _emit(out, line, plain=True)


def to_json(review: Review) -> dict[str, Any]:
    files = []
    for item in review.items:
        entry: dict[str, Any] = {"path": item.path}
        if item.moved:
            entry["old_path"] = item.old_path
        entry["status"] = item.status
        entry["decision"] = item.decision
        entry["outcome"] = item.outcome
        if item.problem is not None:
            entry["problem"] = item.problem.one_line()
        files.append(entry)
    return {
        "revision": review.revision,
        "commit": review.commit,
        "dry_run": review.dry_run,
        "files": files,
        "summary": {outcome.value: review.count(outcome) for outcome in OUTCOMES},
        "skipped": review.diff.skipped,
    }


def render_json(review: Review, out: Output) -> None:
    """The JSON report; lone surrogates and C1 controls as ``\\uXXXX`` escapes."""
    out.write(json_document(to_json(review)))


FORMATS: dict[str, Callable[[Review, Output], None]] = {
    "rich": render_rich,
    "text": render_text,
    "json": render_json,
}


# -- the interactive review ---------------------------------------------------------

PROMPT = "a accept · r reject · s skip · A/R all · q quit · ? keys > "


def _hint(item: ReviewItem, revision: str) -> str | None:
    if item.moved:
        return f"moved from {inert_line(item.old_path or '')}: reject moves it back"
    if item.status is ADDED:
        return "new file: reject removes it"
    if item.status is REMOVED:
        return f"deleted: reject brings back {revision}'s file"
    if item.equivalent:
        return "only ignored fields differ (volatile values, key order, chunking)"
    return None


class TerminalScreen:
    """The interactive review on a terminal: a page per recording, the keys, outcomes."""

    def __init__(self, review: Review, out: Output) -> None:
        self.review = review
        self.out = out

    def show(self, item: ReviewItem, number: int, total: int) -> None:
        lines = file_lines(item.diff)
        header: Line = [(f"{number} of {total}  ", "bold"), *lines[0]]
        page: list[Line] = [[], header]
        hint = _hint(item, revision_name(self.review))
        if hint is not None:
            page.append([("  " + hint, "dim")])
        for line in [*page, *lines[1:]]:
            _emit(self.out, line)

    def prompt(self) -> None:
        _emit(self.out, [(PROMPT, "bold")], end="")
        self.out.flush()

    def keys(self) -> None:
        from recstack.reviewing.interactive import KEYS

        revision = revision_name(self.review)
        lines: list[Line] = [[]]
        for key, meaning in KEYS:
            lines.append([(f"  {key}  ", "bold"), (meaning.replace("the revision", revision), "")])
        for line in lines:
            _emit(self.out, line)

    def done(self, item: ReviewItem) -> None:
        outcome = item.outcome or Outcome.SKIPPED
        line: Line = [(LABELS[outcome], STYLES[outcome]), ("  " + inert_line(item.label), "")]
        how = _how(item) if outcome is Outcome.RESTORED else None
        if how is not None:
            line.append((f" ({how})", "dim"))
        if item.problem is not None:
            line.append((": " + inert_line(item.problem.message), "red"))
        _emit(self.out, line)
        self.out.flush()
