"""pytest node ids: their parts, pytest's short name for them, and ``--test`` globs.

A node id is ``path::Scope::name[params]``: the test file relative to pytest's
rootdir, the classes it sits in, the function name and, when parametrized, the
parameter id in brackets (``tests/integration/inference/test_x.py::TestC::test_chat
[txt=ollama/llama3.2:3b]`` without the space). Recordings keep the node id of the test
that made them as ``test_id`` (``docs/format.md#top-level-keys``).

Everything here is pure string work: nothing is read, nothing is printed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "NodeId",
    "head_line",
    "is_node_id",
    "node_id_at",
    "same_file",
    "split_node_id",
    "test_id_matcher",
]


@dataclass(frozen=True)
class NodeId:
    """The parts of a node id; ``str()`` gives the id back."""

    path: str  # the file part, before the first ``::``
    scopes: tuple[str, ...]  # the classes, outermost first
    name: str  # the function name, without its parameters ("" for a file-level id)
    params: str  # the parameter id with its brackets (``[p1]``), or ""

    @property
    def function(self) -> str:
        """Classes and function name joined by ``::``, without parameters."""
        return "::".join((*self.scopes, self.name)) if self.name else ""

    def __str__(self) -> str:
        if not self.name:
            return self.path + self.params
        return f"{self.path}::{self.function}{self.params}"


def split_node_id(node_id: str) -> NodeId:
    """Split ``node_id`` into path, classes, name and parameters.

    The parameters start at the first ``[`` (a name never holds one), so ``::`` or
    ``.`` inside a parameter id stay in it.
    """
    bracket = node_id.find("[")
    base, params = (node_id, "") if bracket < 0 else (node_id[:bracket], node_id[bracket:])
    parts = base.split("::")
    if len(parts) == 1:
        return NodeId(parts[0], (), "", params)
    return NodeId(parts[0], tuple(parts[1:-1]), parts[-1], params)


def head_line(node_id: str) -> str:
    """pytest's short name for a test, as in its ``____ name ____`` failure headers.

    ``path::TestC::test_x[p]`` gives ``TestC.test_x[p]``; a file-level id is its own.
    """
    parts = split_node_id(node_id)
    if not parts.name:
        return node_id
    return ".".join((*parts.scopes, parts.name)) + parts.params


def is_node_id(text: str) -> bool:
    """Whether ``text`` has the shape of a node id of a Python test (``*.py::name``)."""
    if "::" not in text:
        return False
    path = text.split("::", 1)[0]
    return path.endswith(".py") and " " not in path and "\t" not in path


def node_id_at(text: str) -> str | None:
    """The node id that ``text`` starts with, or None.

    The id ends at the first space, unless that space is inside the parameter
    brackets (parameter ids may hold spaces: ``test_x[a b]``). Also accepted: a bare
    test file path (``tests/test_x.py``), as pytest names collection errors.
    """
    end = text.find(" ")
    head = text if end < 0 else text[:end]
    bracket = head.find("[")
    if bracket >= 0 and not head.endswith("]"):
        close = text.find("] ", len(head))
        if close < 0:
            close = len(text) - 1 if text.endswith("]") else -1
        if close < 0:
            return None
        head = text[: close + 1]
    if is_node_id(head) or (head.endswith(".py") and "::" not in head and "[" not in head):
        return head
    return None


def _components(path: str) -> list[str]:
    return [part for part in path.replace("\\", "/").split("/") if part not in ("", ".")]


def same_file(one: str, other: str) -> bool:
    """Whether two test file paths name the same file seen from two rootdirs.

    True when the shorter one's components end the longer one's
    (``integration/x/test_a.py`` and ``tests/integration/x/test_a.py``).
    """
    a, b = _components(one), _components(other)
    if not a or not b:
        return False
    if len(a) > len(b):
        a, b = b, a
    return b[len(b) - len(a) :] == a


# --- --test GLOB -------------------------------------------------------------------


def glob_match(pattern: str, text: str) -> bool:
    """``*`` (any run, ``/`` and ``::`` included) and ``?`` (one character); all else literal.

    Brackets are literal: in node ids they hold parameters, not character classes.
    Greedy with one backtrack point, so O(len(pattern) * len(text)) at worst.
    """
    p = t = 0
    star, mark = -1, 0
    while t < len(text):
        if p < len(pattern) and (pattern[p] == "?" or pattern[p] == text[t]):
            p += 1
            t += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark = p, t
            p += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            t = mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


def _boundary_suffixes(node_id: str) -> list[str]:
    """``node_id`` and each of its tails that starts after a ``/`` or a ``::`` (not in params)."""
    bracket = node_id.find("[")
    limit = len(node_id) if bracket < 0 else bracket
    tails = [node_id]
    for index in range(limit):
        char = node_id[index]
        if char == "/":
            tails.append(node_id[index + 1 :])
        elif char == ":" and node_id.startswith("::", index):
            tails.append(node_id[index + 2 :])
    return tails


def test_id_matcher(pattern: str) -> Callable[[str | None], bool]:
    """A predicate for ``--test GLOB``: does a recording's test id match ``pattern``?

    The rules:

    - ``*`` matches any run of characters (``/`` and ``::`` included), ``?`` one
      character; everything else, brackets included, is literal (a parameter id
      such as ``[txt=ollama/llama3.2:3b]`` is matched as written).
    - Without ``[`` in the pattern, the test id's parameters are left out before
      matching, so a name matches all its parametrizations; with ``[``, the
      parameters are part of what is matched.
    - A pattern without ``::`` and ``/`` is matched against the function name
      alone (the part after the last ``::``): ``test_chat`` matches
      ``tests/x/test_a.py::test_chat[p1]`` and ``tests/y/test_b.py::TestC::test_chat``;
      ``test_chat[*ollama*]`` only its Ollama parametrizations. It is a glob on the
      test id too, so it also matches a whole id: ``*test_b.py*`` matches every test
      of ``test_b.py``.
    - A pattern with ``::`` or ``/`` is matched against the whole id or any tail of
      it that starts after a ``/`` or ``::``: ``test_a.py::test_chat``,
      ``TestC::test_chat`` and ``x/*::*`` all match ``tests/x/test_a.py::TestC::test_chat``.
    - Case matters. A recording without a test id (None) matches no pattern.
    """
    with_params = "[" in pattern
    bare = "::" not in pattern and "/" not in pattern

    def subject(test_id: str) -> str:
        if with_params:
            return test_id
        bracket = test_id.find("[")
        return test_id if bracket < 0 else test_id[:bracket]

    def matches(test_id: str | None) -> bool:
        if not test_id:
            return False
        text = subject(test_id)
        if bare:
            bracket = text.find("[")
            cut = text.rfind("::", 0, bracket if bracket >= 0 else len(text))
            return glob_match(pattern, text[cut + 2 :] if cut >= 0 else text) or (
                cut >= 0 and glob_match(pattern, text)
            )
        return any(glob_match(pattern, tail) for tail in _boundary_suffixes(text))

    return matches


test_id_matcher.__test__ = False  # type: ignore[attr-defined]  # not a test, for pytest
