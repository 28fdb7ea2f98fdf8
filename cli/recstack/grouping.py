"""What ``recstack ls --stats --by`` groups the recordings by (:class:`GroupBy`).

A module of its own, next to :mod:`recstack.listing`, so that the command line can offer
the choices without loading the suite scan."""

from __future__ import annotations

from recstack.textenum import TextEnum


class GroupBy(TextEnum):
    """What ``--stats --by`` groups the recordings by."""

    DIR = "dir"
    TEST = "test"
    ENDPOINT = "endpoint"
    MODEL = "model"
    PROVIDER = "provider"
