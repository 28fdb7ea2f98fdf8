"""The repository stands on its own: its docs link only to what it holds.

Every relative link of a Markdown file (``[text](path#anchor)``) names a file of the
repository and, when it has one, a heading of that file (GitHub's anchors). No file
cites the upstream field guide that only sits next to the repository: the format is
described in docs/format.md, which is what code, tests and docs cite.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from conftest import ROOT

MARKDOWN = [
    ROOT / "README.md",
    ROOT / "CONTRIBUTING.md",
    ROOT / "examples" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
SOURCES = ("cli", "tests", "benchmarks", "docs", "examples", "schemas")
TOP_FILES = ("README.md", "CONTRIBUTING.md", "pyproject.toml", "LICENSE", "action.yml")
TEXT_SUFFIXES = {".py", ".md", ".toml", ".json", ".txt", ".cfg", ".yml", ".yaml"}

FENCE = re.compile(r"^(`{3,}).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`+[^`\n]*`+")
LINK = re.compile(r"\]\(([^()\s]+)\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
# Spelled in two parts so that this file is not itself a hit.
GUIDE_CITATION = re.compile(r"\b" + "GUI" + r"DE\b|shared/" + "GUI" + "DE")


def _prose(text: str) -> str:
    """The text without fenced blocks (their lines keep their place)."""
    return FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation removed
    (``-`` and ``_`` stay), spaces to ``-``."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    for heading in HEADING.findall(_prose(path.read_text(encoding="utf-8"))):
        base = slug(heading)
        anchor, n = base, 0
        while anchor in found:
            n += 1
            anchor = f"{base}-{n}"
        found.add(anchor)
    return found


def links(path: Path) -> list[tuple[int, str]]:
    prose = INLINE_CODE.sub("", _prose(path.read_text(encoding="utf-8")))
    return [
        (prose.count("\n", 0, m.start()) + 1, m.group(1))
        for m in LINK.finditer(prose)
        if not re.match(r"[a-z][a-z0-9+.-]*:", m.group(1))  # http:, mailto: ...
    ]


def test_headings_give_githubs_anchors() -> None:
    assert slug("`--check`: what would change (writes nothing)") == (
        "--check-what-would-change-writes-nothing"
    )
    assert slug("Rewriting, stdin, JSON, parallelism") == "rewriting-stdin-json-parallelism"
    assert "replay-in-recstack" in anchors(ROOT / "docs" / "format.md")


@pytest.mark.parametrize("doc", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(doc: Path) -> None:
    broken = []
    for line, target in links(doc):
        file_part, _, anchor = target.partition("#")
        linked = (doc.parent / file_part).resolve() if file_part else doc
        where = f"{doc.relative_to(ROOT)}:{line}: {target}"
        if not linked.is_relative_to(ROOT) or not linked.exists():
            broken.append(f"{where}: no such file in the repository")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{where}: no heading with this anchor")
    assert broken == []


DOTTED = re.compile(r"`(recstack(?:\.\w+)+)")
FILE_NAMES = (".toml", ".json", ".yaml", ".yml", ".md")
# Files only: benchmarks/.data/ and the like are made by running things, not tracked.
OWN_PATH = re.compile(
    r"`((?:cli/recstack|recstack|benchmarks|tests/test_)/?[\w/.-]*\.(?:py|md|json))`"
)
EXAMPLE_COMMAND = "stats"  # CONTRIBUTING's command to add: its files do not exist


def _own_path_exists(path: str) -> bool:
    if EXAMPLE_COMMAND in path:
        return True
    if path.startswith("recstack/schemas/"):  # where the wheel puts schemas/
        path = path.removeprefix("recstack/")
    elif path.startswith("recstack/"):
        path = "cli/" + path
    return (ROOT / path).exists()


def _resolves(dotted: str) -> bool:
    """``recstack.a.b``: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:end]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[end:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


@pytest.mark.parametrize("doc", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_named_modules_and_files_exist(doc: Path) -> None:
    """Prose that names ``recstack.module.function`` or ``cli/recstack/x.py`` follows
    renames: each name imports, each path exists."""
    prose = _prose(doc.read_text(encoding="utf-8"))
    modules = [n for n in DOTTED.findall(prose) if not n.endswith(FILE_NAMES)]  # recstack.toml
    stale = [name for name in modules if not _resolves(name)]
    stale += [path for path in OWN_PATH.findall(prose) if not _own_path_exists(path)]
    assert stale == []


def _repository_text_files() -> list[Path]:
    files = [ROOT / name for name in TOP_FILES if (ROOT / name).is_file()]
    for folder in SOURCES:
        files += [
            p
            for p in sorted((ROOT / folder).rglob("*"))
            if p.suffix in TEXT_SUFFIXES and p.is_file() and ".data" not in p.parts
        ]
    return files


def test_nothing_cites_the_upstream_guide() -> None:
    hits = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _repository_text_files()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if GUIDE_CITATION.search(line)
    ]
    assert hits == []


def _command_options() -> list[tuple[str, list[str]]]:
    """Each command of the app with its long options (``--help`` aside)."""
    import typer.main

    from recstack.app import app

    group = typer.main.get_command(app)
    found = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        options = [
            opt
            for param in command.params
            for opt in param.opts
            if opt.startswith("--") and opt != "--help"
        ]
        found.append((name, options))
    return found


@pytest.mark.parametrize("command, options", _command_options(), ids=lambda v: str(v)[:12])
def test_every_option_of_a_command_is_in_its_doc_and_the_readme(
    command: str, options: list[str]
) -> None:
    """docs/<command>.md shows every option (CONTRIBUTING: "every option in use"), and the
    README has a section for the command: both follow the app's command list."""
    doc = ROOT / "docs" / f"{command}.md"
    text = doc.read_text(encoding="utf-8")
    missing = [opt for opt in options if not re.search(rf"`{re.escape(opt)}\b", text)]
    assert not missing, f"{doc.name} does not show {', '.join(missing)}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"\n## recstack {command}\n" in readme
