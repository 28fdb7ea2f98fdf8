"""``--test-id OLD=NEW``: the test ids of renamed or moved tests, old -> new.

A test id is a pytest node id (``tests/integration/x/test_y.py::test_z[params]``).
``OLD`` is an exact id, or a prefix ending in ``*`` (``tests/integration/x/test_y.py::*``);
a prefix maps to a prefix (``NEW`` ends in ``*`` too) and keeps the rest of each id.
Parameters hold ``=`` themselves (``[txt=ollama/llama3.2:3b]``): the ``=`` between OLD
and NEW is the first one outside square brackets.

An exact id wins over a prefix, a longer prefix over a shorter one. A mapping whose
new ids it would match again (``tests/x/*=tests/x/y/*``) is refused: running it a
second time, as one does after an interrupted run, would rename them again.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass

WILDCARD = "*"


class BadTestIdRename(ValueError):
    """An ``OLD=NEW`` argument that cannot be used (the message says why)."""


@dataclass(frozen=True)
class TestIdRename:
    """One ``OLD=NEW``: an exact id, or (``prefix``) the start of ids."""

    __test__ = False  # not a pytest test class, whatever its name

    old: str
    new: str
    prefix: bool

    def matches(self, test_id: str) -> bool:
        return test_id.startswith(self.old) if self.prefix else test_id == self.old

    def apply(self, test_id: str) -> str:
        return self.new + test_id[len(self.old) :] if self.prefix else self.new

    def __str__(self) -> str:
        star = WILDCARD if self.prefix else ""
        return f"{self.old}{star}={self.new}{star}"


def _split(text: str) -> tuple[str, str]:
    """``OLD=NEW`` at the first ``=`` outside square brackets."""
    depth = 0
    for index, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        elif char == "=" and depth == 0:
            return text[:index], text[index + 1 :]
    raise BadTestIdRename(
        f"{text!r} is not OLD=NEW (the '=' between the two test ids must stand outside [...])"
    )


def test_file_of(test_id: str) -> str:
    """The test file part of a test id (before ``::``)."""
    return test_id.split("::", 1)[0]


def safe_test_file(test_file: str) -> bool:
    """A relative path that stays below the folder it is relative to."""
    if not test_file or test_file.startswith("/") or "\\" in test_file:
        return False
    normal = posixpath.normpath(test_file)
    return normal != ".." and not normal.startswith("../")


def parse_rename(text: str) -> TestIdRename:
    """One ``--test-id`` argument; :class:`BadTestIdRename` when it cannot be used."""
    old, new = _split(text)
    if not old or not new:
        raise BadTestIdRename(f"{text!r}: OLD and NEW must both be given")
    old_prefix, new_prefix = old.endswith(WILDCARD), new.endswith(WILDCARD)
    if old_prefix != new_prefix:
        raise BadTestIdRename(
            f"{text!r}: a prefix maps to a prefix: end both OLD and NEW with '*', or neither"
        )
    if old_prefix:
        old, new = old[:-1], new[:-1]
        if not old or not new:
            raise BadTestIdRename(f"{text!r}: '*' alone is no prefix (it matches every test id)")
    if old == new:
        raise BadTestIdRename(f"{text!r}: OLD and NEW are the same")
    if not safe_test_file(test_file_of(new)):
        raise BadTestIdRename(
            f"{text!r}: NEW must name a test file relative to the repository root "
            "(no leading '/', no '..')"
        )
    return TestIdRename(old, new, old_prefix)


@dataclass(frozen=True)
class TestIdRenames:
    """Every ``--test-id`` of a run."""

    __test__ = False

    renames: tuple[TestIdRename, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.renames)

    def find(self, test_id: str | None) -> TestIdRename | None:
        """The mapping that applies to ``test_id``: exact first, then the longest prefix."""
        if not isinstance(test_id, str):
            return None
        found = [rename for rename in self.renames if rename.matches(test_id)]
        if not found:
            return None
        return max(found, key=lambda rename: (not rename.prefix, len(rename.old)))

    def apply(self, test_id: str | None) -> str | None:
        """The new test id of ``test_id`` (None when no mapping applies)."""
        rename = self.find(test_id)
        return rename.apply(test_id) if rename is not None and test_id is not None else None


def parse_renames(texts: Iterable[str]) -> TestIdRenames:
    """All ``--test-id`` arguments, checked one by one and together."""
    renames = tuple(parse_rename(text) for text in texts)
    olds: dict[str, TestIdRename] = {}
    for rename in renames:
        key = rename.old + (WILDCARD if rename.prefix else "")
        if key in olds and olds[key].new != rename.new:
            raise BadTestIdRename(f"{rename} and {olds[key]}: two new ids for one old one")
        olds[key] = rename
    for rename in renames:
        for other in renames:
            if _rematches(rename, other):
                which = "its own OLD" if other is rename else f"the OLD of {other}"
                raise BadTestIdRename(
                    f"{rename}: NEW matches {which} (a second run would rename the same "
                    "recordings again)"
                )
    return TestIdRenames(renames)


def _rematches(rename: TestIdRename, other: TestIdRename) -> bool:
    """Every id ``rename`` writes would be matched by ``other``."""
    if other.prefix:
        return rename.new.startswith(other.old)
    return not rename.prefix and rename.new == other.old
