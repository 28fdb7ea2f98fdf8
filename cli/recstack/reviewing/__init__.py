"""``recstack review``: go through the recordings that differ from a revision, and keep
each one or restore the revision's bytes.

- :mod:`.run` — :func:`~.run.start_review` (what differs), :func:`~.run.decide` and
  :func:`~.run.apply_policy` (what becomes of each recording);
- :mod:`.model` — ``Review``, ``ReviewItem``, the decisions and outcomes;
- :mod:`.worktree` — the git side: what differs, what the revision holds, restoring;
- :mod:`.interactive` — one recording at a time, a key per decision;
- :mod:`.keys` — single keys from the terminal (raw mode, always restored).

The comparison is ``recstack diff``'s (:func:`recstack.diffing.sources.pairs_for`
with ``--git``, :func:`recstack.diffing.run.diff_pairs`): a recording moved to a new name
(``FileDiff.old_path``) is one item standing for both of its files.

This package imports none of them: the renderer needs only :mod:`.model`, which is light
(start-up stays fast).
"""
