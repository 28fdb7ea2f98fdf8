"""``recstack diff``: compare recordings by meaning, not by chunk.

- :mod:`.result` — ``FileDiff`` / ``Change`` and the statuses;
- :mod:`.ignore` — the ignored fields (shared volatile table + ``--ignore``);
- :mod:`.structural` — deepdiff as readable changes (requests, remaining fields);
- :mod:`.answer` — the reassembled answers compared;
- :mod:`.stream` — streams compared by envelope (chunking is not a change);
- :mod:`.compare` — one pair -> status + changes;
- :mod:`.sources` / :mod:`.pairing` / :mod:`.gitsource` — what to compare (files,
  trees, git);
- :mod:`.rekeyed` — removed and added recordings paired by request;
- :mod:`.moves` — that pairing applied to the one-sided pairs of trees and git ranges;
- :mod:`.run` — :func:`~.run.diff_pairs`: every pair of a run compared, in order.

This package imports none of them: each command imports what it uses (start-up stays
fast: ``recstack --version`` and the renderers need only :mod:`.result`).
"""
