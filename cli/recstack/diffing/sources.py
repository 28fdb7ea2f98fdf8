"""What ``recstack diff`` compares, from its arguments: two files, two trees, a git range,
or the pair git hands an external diff command."""

from __future__ import annotations

import stat
from collections.abc import Callable, Sequence
from pathlib import Path

from recstack.diffing.gitsource import external_pair, git_pairs
from recstack.diffing.pairing import Sources, pair_files, pair_trees
from recstack.loading import check_path
from recstack.problems import Problem, RecstackError


def _usage(message: str) -> RecstackError:
    return RecstackError(Problem("usage", message, rule="usage"))


def pairs_for(
    args: Sequence[str],
    *,
    use_git: bool = False,
    external: bool = False,
    paths_after: int | None = None,
    keep: Callable[[Path], bool] | None = None,
) -> Sources:
    """The pairs to compare. Raises RecstackError (exit 2) for arguments that cannot be
    used: the wrong number, a missing path, a file against a directory, git errors;
    a folder git cannot open is a problem of the result (the rest is compared).

    ``keep(path)`` filters files found in trees (``--exclude``); ``paths_after`` is how
    many arguments followed ``--`` (with ``--git``, those are paths).
    """
    if external:
        return Sources([external_pair(args)])
    if use_git:
        found = git_pairs(args, paths_after)
        pairs = [pair for pair in found.pairs if keep is None or keep(Path(pair.path))]
        return Sources(pairs, found.problems)
    if len(args) != 2:
        raise _usage(
            f"expected two files or two directories (got {len(args)}); "
            "or --git [REV] to compare with git"
        )
    old, new = Path(args[0]), Path(args[1])
    old_dir, new_dir = (stat.S_ISDIR(check_path(path).st_mode) for path in (old, new))
    if old_dir and new_dir:
        return Sources(pair_trees(old, new, keep=keep))
    if old_dir or new_dir:
        raise _usage("compare a file with a file, or a directory with a directory")
    return Sources([pair_files(old, new)])
