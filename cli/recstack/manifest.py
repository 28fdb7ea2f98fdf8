"""Which tests exist: a list of collected node ids, for ``prune --unused-by`` and ``explain``.

:func:`read_manifest` takes the list in any of the forms pytest gives it, and tells
them apart by their shape:

- ``pytest --collect-only -q``: node ids one per line, a blank line, then the
  footer ``N tests collected in 0.12s`` (``K/N tests collected (M deselected)``
  with ``-k``). Several runs pasted one after another are read as one list.
- ``pytest --collect-only`` (no ``-q``): the tree of ``<Dir>``, ``<Package>``,
  ``<Module>``, ``<Class>`` and ``<Function>`` lines. The node ids are rebuilt from
  it, the outermost ``<Dir>`` (pytest's rootdir) left out; pytest before 8 drew the
  tree differently, which the path matching below absorbs.
- pytest-json-report's JSON (``--json-report``): the items of its ``collectors``
  (what a ``--collect-only`` run fills: the entries that are not collectors
  themselves; deselected items included, as upstream's cleanup does) and the node
  ids of its ``tests``.
- plain text, one node id per line; blank lines and ``#`` comments are ignored
  (upstream's cleanup script writes this with ``--manifest``).

A list that is incomplete is worse than none, since every recording of a missing
test would look unused: collection errors, a footer whose count disagrees with the
ids listed, ``-qq`` per-file counts, a summary-only JSON, and anything that is not
one of these forms raise :class:`ManifestError`, never an empty manifest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from recstack.ansi import strip_ansi
from recstack.nodeid import is_node_id, same_file, split_node_id
from recstack.render.common import plural
from recstack.textenum import TextEnum

__all__ = ["Manifest", "ManifestError", "ManifestFormat", "looks_renamed", "read_manifest"]


class ManifestError(ValueError):
    """The text is no usable list of tests; ``str()`` says why, on one line."""


class ManifestFormat(TextEnum):
    COLLECT_ONLY = "pytest --collect-only -q"
    COLLECT_TREE = "pytest --collect-only"
    JSON_REPORT = "pytest-json-report"
    NODE_IDS = "node ids"


def _tail_key(node_id: str) -> tuple[str, str] | None:
    """(file name, everything after the path): what two spellings of one test share."""
    path, sep, rest = node_id.partition("::")
    if not sep:
        return None
    return path.replace("\\", "/").rsplit("/", 1)[-1], rest


@dataclass(frozen=True)
class Manifest:
    """The node ids of the tests that exist, and how to tell whether a test id is one."""

    ids: frozenset[str]
    format: ManifestFormat
    _paths: dict[tuple[str, str], tuple[str, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        paths: dict[tuple[str, str], list[str]] = {}
        for node_id in self.ids:
            key = _tail_key(node_id)
            if key is not None:
                paths.setdefault(key, []).append(node_id.partition("::")[0])
        object.__setattr__(self, "_paths", {key: tuple(found) for key, found in paths.items()})

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.ids))

    def contains(self, test_id: str, *, exact: bool = False) -> bool:
        """Whether ``test_id`` (a recording's test id) is one of the tests listed.

        The classes, function name and parameter id must be equal, character for
        character. The file path may differ by leading directories only: a list
        made from another rootdir says ``integration/x/test_a.py`` for
        ``tests/integration/x/test_a.py`` (and the other way round). This can only
        ever keep more recordings, never fewer. ``exact`` compares whole ids.
        """
        if test_id in self.ids:
            return True
        key = None if exact else _tail_key(test_id)
        if key is None:
            return False
        path = test_id.partition("::")[0]
        return any(same_file(path, listed) for listed in self._paths.get(key, ()))

    def union(self, other: Manifest) -> Manifest:
        """The tests of both lists (upstream collects one list per suite and setup)."""
        kind = self.format if self.format == other.format else ManifestFormat.NODE_IDS
        return Manifest(self.ids | other.ids, kind)


# --- reading ---------------------------------------------------------------------------

_FOOTER = re.compile(
    r"(?:(?P<selected>\d+)/)?(?P<total>\d+|no) tests? collected"
    r"(?: \((?P<deselected>\d+) deselected\))?(?P<more>(?:, \d+ [a-z]+)*) in \d"
)
_TREE = re.compile(r"( *)<([A-Za-z_]\w*) (.+)>")
_COUNTS = re.compile(r"\S+\.py: \d+")  # pytest --collect-only -qq
_COLLECTORS = frozenset(
    {"Session", "Dir", "Directory", "Package", "Module", "Class", "Instance", "UnitTestCase"}
)
_PATH_NODES = frozenset({"Dir", "Directory", "Package", "Module", "DoctestModule"})
_FORMS = "`pytest --collect-only -q` output, pytest-json-report JSON, or one node id per line"


def _shown(line: str) -> str:
    return repr(line if len(line) <= 60 else line[:57] + "...")


@dataclass(frozen=True)
class _Footer:
    line: int  # index in the lines
    selected: int
    errors: bool


def _footer(line: str, index: int) -> _Footer | None:
    """The summary pytest ends a collect-only run with, as in ``4/12 tests collected``."""
    match = _FOOTER.match(line.strip("= "))
    if match is None:
        return None
    total = 0 if match["total"] == "no" else int(match["total"])
    selected = int(match["selected"]) if match["selected"] else total
    return _Footer(index, selected, "error" in match["more"])


def _collection_error(count: int | None = None) -> ManifestError:
    what = (
        "collection had errors"
        if count is None
        else f"collection failed in {plural(count, 'place')}"
    )
    return ManifestError(
        f"{what}: the tests of the files that failed are missing, and their recordings "
        "would all look unused; fix the collection first"
    )


def _checked(ids: list[str], footer: _Footer, what: str) -> None:
    if footer.errors:
        raise _collection_error()
    if len(ids) != footer.selected:
        raise ManifestError(
            f"line {footer.line + 1}: pytest says {plural(footer.selected, 'test')} "
            f"collected, but {plural(len(ids), what)} {'is' if len(ids) == 1 else 'are'} listed"
        )


def _from_collect_only(lines: list[str], footers: list[_Footer]) -> list[str]:
    """Each run: the node ids before its first blank line, checked against its footer."""
    ids: list[str] = []
    start = 0
    for footer in footers:
        run: list[str] = []
        for line in lines[start : footer.line]:
            if not line.strip():
                break
            if is_node_id(line.strip()):
                run.append(line.strip())
        _checked(run, footer, "node id")
        ids.extend(run)
        start = footer.line + 1
    return ids


def _from_tree(lines: list[str], footers: list[_Footer]) -> list[str]:
    """Node ids rebuilt from ``<Type name>`` lines: each leaf that is not a collector."""
    nodes = []
    for line in lines:
        match = _TREE.fullmatch(line.rstrip())
        if match is not None:
            nodes.append((len(match[1]), match[2], match[3]))
    ids: list[str] = []
    stack: list[tuple[int, str, str]] = []
    for index, (indent, kind, name) in enumerate(nodes):
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, kind, name))
        leaf = index + 1 == len(nodes) or nodes[index + 1][0] <= indent
        if not leaf or kind in _COLLECTORS:
            continue
        inner = stack[1:] if stack[0][1] in ("Dir", "Directory") else stack
        path = "/".join(n for _, k, n in inner if k in _PATH_NODES)
        scopes = [n for _, k, n in inner[:-1] if k not in _PATH_NODES]
        ids.append("::".join([path, *scopes, name]))
    if footers:
        if len(footers) > 1:
            raise ManifestError("several collect-only trees: give them one at a time")
        _checked(ids, footers[0], "test")
    return ids


def _from_plain(lines: list[str]) -> list[str]:
    ids: list[str] = []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if not is_node_id(text):
            raise ManifestError(f"line {number}: not a pytest node id: {_shown(text)}")
        ids.append(text)
    return ids


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ManifestError(f"{where} is not a list: not a pytest-json-report report")
    return value


def _node_ids(entries: list[Any], where: str) -> Iterator[str]:
    for number, entry in enumerate(entries):
        node_id = entry.get("nodeid") if isinstance(entry, dict) else None
        if not isinstance(node_id, str):
            raise ManifestError(f"{where}[{number}] has no string nodeid")
        yield node_id


def _from_json(text: str) -> list[str]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ManifestError(f"not valid JSON ({exc})") from None
    if not isinstance(data, dict) or ("collectors" not in data and "tests" not in data):
        raise ManifestError(
            "JSON without 'collectors' or 'tests': not a pytest-json-report report "
            "(a --json-report-summary report lists no tests)"
        )
    collectors = _list(data.get("collectors"), "collectors")
    names = set(_node_ids(collectors, "collectors"))
    failed = sum(1 for c in collectors if c.get("outcome") == "failed")
    if failed:
        raise _collection_error(failed)
    ids: list[str] = []
    for number, collector in enumerate(collectors):
        where = f"collectors[{number}].result"
        result = _list(collector.get("result"), where)
        for node_id, entry in zip(_node_ids(result, where), result, strict=True):
            if node_id not in names and entry.get("type") not in _COLLECTORS:
                ids.append(node_id)
    ids.extend(_node_ids(_list(data.get("tests"), "tests"), "tests"))
    return ids


def read_manifest(text: str) -> Manifest:
    """The tests listed in ``text``, in whichever form it is (see the module's docstring).

    Raises :class:`ManifestError` (one line) when ``text`` lists no test, lists them
    incompletely, or is none of the forms.
    """
    text = strip_ansi(text).lstrip("\ufeff")
    if not text.strip():
        raise ManifestError(f"empty: expected {_FORMS}")
    if text.lstrip()[:1] in ("{", "["):
        ids, kind = _from_json(text), ManifestFormat.JSON_REPORT
    else:
        lines = text.splitlines()
        footers = [f for i, line in enumerate(lines) if (f := _footer(line, i)) is not None]
        if any(_TREE.fullmatch(line.rstrip()) for line in lines):
            ids, kind = _from_tree(lines, footers), ManifestFormat.COLLECT_TREE
        elif footers:
            ids, kind = _from_collect_only(lines, footers), ManifestFormat.COLLECT_ONLY
        elif any(_COUNTS.fullmatch(line.strip()) for line in lines):
            raise ManifestError("per-file counts (pytest --collect-only -qq) name no tests: use -q")
        else:
            ids, kind = _from_plain(lines), ManifestFormat.NODE_IDS
    if not ids:
        raise ManifestError(f"no test ids in it ({kind.value}): an empty list would prune all")
    return Manifest(frozenset(ids), kind)


# --- renamed tests ---------------------------------------------------------------------


def _common_tail(one: str, other: str) -> int:
    a, b = one.split("/"), other.split("/")
    count = 0
    while count < min(len(a), len(b)) and a[-1 - count] == b[-1 - count]:
        count += 1
    return count


def looks_renamed(test_id: str, known_ids: Iterable[str]) -> list[str]:
    """The known tests ``test_id`` may have become, best first.

    First the same function with the same parameters somewhere else (another file or
    class: the test moved), closest path first; then the same function in the same
    place with other parameters (a model or case renamed), most similar parameters
    first. ``test_id`` itself, and the same test seen from another rootdir, are not
    candidates.
    """
    target = split_node_id(test_id)
    if not target.name:
        return []
    moved: list[tuple[tuple[float, ...], str]] = []
    reparametrized: list[tuple[tuple[float, ...], str]] = []
    for known in set(known_ids):
        other = split_node_id(known)
        if known == test_id or other.name != target.name:
            continue
        here = other.scopes == target.scopes and same_file(other.path, target.path)
        if here and other.params != target.params:
            ratio = SequenceMatcher(None, target.params, other.params).ratio()
            reparametrized.append(((-ratio,), known))
        elif not here and other.params == target.params:
            closeness = (
                other.scopes == target.scopes,
                _common_tail(target.path, other.path),
                SequenceMatcher(None, target.path, other.path).ratio(),
            )
            moved.append((tuple(-float(x) for x in closeness), known))
    return [known for _, known in sorted(moved)] + [known for _, known in sorted(reparametrized)]
