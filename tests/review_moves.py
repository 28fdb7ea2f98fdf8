"""A seam for moved recordings in ``recstack review`` until ``recstack diff`` pairs them.

``recstack diff`` reports a re-keyed recording as one ``FileDiff`` whose ``path`` is
the new name and ``old_path`` the old one. :func:`folding` wraps ``diff_pairs`` so that
the report holds such entries for the (old, new) names given: their removed and added
entries become one, compared old bytes against new. Used in-process (monkeypatch) and,
through :data:`CODE`, in a ``python -c`` process driven through a pseudo-terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from recstack.diffing import DiffReport, compare_bytes
from recstack.diffing.pairing import Pair


def _bytes(source: Any) -> bytes | None:
    if source is None or isinstance(source, bytes):
        return source
    with open(source, "rb") as handle:
        return handle.read()


def folding(
    real: Callable[..., DiffReport], moves: Sequence[tuple[str, str]]
) -> Callable[..., DiffReport]:
    """``diff_pairs`` with each (old, new) pair of names reported as one moved entry."""

    def diff_pairs(pairs: Sequence[Pair], *args: Any, **kwargs: Any) -> DiffReport:
        report = real(pairs, *args, **kwargs)
        by_path = {pair.path: pair for pair in pairs}
        for old, new in moves:
            moved = compare_bytes(new, _bytes(by_path[old].old), _bytes(by_path[new].new))
            moved.old_path = old
            report.files = [f for f in report.files if f.path not in (old, new)] + [moved]
        report.files.sort(key=lambda f: f.path)
        return report

    return diff_pairs


# ``python -c CODE review ...`` with MOVES='old new' in its environment.
CODE = """
import os, sys
sys.path.insert(0, os.environ["SEAM_DIR"])
import recstack.reviewing as reviewing
from review_moves import folding
old, new = os.environ["MOVES"].split(" ")
reviewing.diff_pairs = folding(reviewing.diff_pairs, [(old, new)])
from recstack.app import main
main()
"""
