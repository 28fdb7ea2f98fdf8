"""The interactive review: one recording at a time, a key per decision.

Keys: ``a`` accept (keep the new file), ``r`` reject (restore the revision's bytes),
``s`` skip, ``A`` / ``R`` accept / reject this one and all that remain, ``q`` quit
(the rest is skipped), ``?`` the keys again. Each decision is carried out at once,
one recording at a time: quitting or Ctrl-C leaves every recording either done or
untouched, never half-restored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from recstack.reviewing.keys import EOF, ESC
from recstack.reviewing.model import Decision, Outcome, Review, ReviewItem
from recstack.reviewing.run import decide

KEYS: tuple[tuple[str, str], ...] = (
    ("a", "accept: keep the new file"),
    ("r", "reject: restore the revision's bytes"),
    ("s", "skip: decide later"),
    ("A", "accept this one and all that remain"),
    ("R", "reject this one and all that remain"),
    ("q", "quit: skip all that remain"),
    ("?", "show these keys"),
)
_ONE = {"a": Decision.ACCEPT, "r": Decision.REJECT, "s": Decision.SKIP}
_ALL = {"A": Decision.ACCEPT, "R": Decision.REJECT}
_QUIT = frozenset({"q", "Q", EOF, ESC})


class Screen(Protocol):
    """Where the interactive review shows itself (:mod:`recstack.render.review`)."""

    def show(self, item: ReviewItem, number: int, total: int) -> None:
        """The recording's diff, under a progress line ("3 of 12")."""

    def prompt(self) -> None:
        """The one-line reminder of the keys, before a key is read."""

    def keys(self) -> None:
        """Every key and what it does."""

    def done(self, item: ReviewItem) -> None:
        """What became of the recording."""


def review_interactively(review: Review, read_key: Callable[[], str], screen: Screen) -> None:
    """Ask about every item not decided yet. Ctrl-C (KeyboardInterrupt) stops the
    review like ``q``, and sets ``review.interrupted``."""
    review.interactive = True
    pending = [item for item in review.items if item.outcome is None]
    try:
        for number, item in enumerate(pending, 1):
            screen.show(item, number, len(pending))
            decision, for_all = _ask(read_key, screen)
            if decision is None:
                break
            for other in pending[number - 1 :] if for_all else [item]:
                decide(review, other, decision)
                screen.done(other)
            if for_all:
                break
    except KeyboardInterrupt:
        review.interrupted = True
    finally:
        for item in pending:
            if item.outcome is None:
                item.outcome = Outcome.SKIPPED


def _ask(read_key: Callable[[], str], screen: Screen) -> tuple[Decision | None, bool]:
    """The decision a key names, and whether it is for all that remain (None: quit)."""
    while True:
        screen.prompt()
        key = read_key()
        if key in _ONE:
            return _ONE[key], False
        if key in _ALL:
            return _ALL[key], True
        if key in _QUIT:
            return None, False
        screen.keys()  # ? or a key that means nothing here
