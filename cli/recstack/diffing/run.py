"""``diff_pairs``: every pair of a ``recstack diff`` run compared, moves paired, in order."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from recstack.diffing.compare import Options
from recstack.diffing.moves import Moves, pair_moves
from recstack.diffing.pairing import Pair, compare_job
from recstack.diffing.result import SKIPPED, DiffReport
from recstack.parallel import pmap
from recstack.problems import Problem
from recstack.render.common import skipped_text


def diff_pairs(
    pairs: Sequence[Pair],
    options: Options,
    *,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    unusable: Sequence[Problem] = (),
    external: bool = False,
    expected: str | None = None,
    pairing: bool = True,
) -> DiffReport:
    """Compare every pair (in worker processes for big trees), results in order.

    With ``pairing``, a recording removed under one name and added under another
    (a tree's or a git range's, re-keyed by a renamed test or a changed request) is
    compared as one moved recording (:mod:`.moves`). Pairs of JSON files that are no
    recordings (found in trees or git ranges) are counted in ``skipped``;
    ``external`` marks a run by git (always exit 0). ``expected`` names what should
    have held recordings (two trees): finding none there is a problem (exit 2), while
    a git range may well change none. ``progress`` advances once per pair given.
    """
    report = DiffReport(unusable=list(unusable), external=external)
    moves = pair_moves(pairs, jobs=jobs) if pairing else Moves(list(pairs))
    report.ambiguous = moves.ambiguous
    jobs_list = [(pair, options) for pair in moves.pairs]
    for result in pmap(compare_job, jobs_list, jobs=jobs):
        if result.status is SKIPPED:
            report.skipped.append(result.path)
        else:
            report.files.append(result)
        if progress is not None:
            progress(2 if result.moved else 1)
    if expected is not None and not report.files:
        skipped = f" ({skipped_text(len(report.skipped))})" if report.skipped else ""
        report.unusable.append(Problem(expected, f"no recordings to compare{skipped}", rule="io"))
    return report
