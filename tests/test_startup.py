"""A run of recstack imports what its command uses, and little else.

git runs ``recstack show --format text`` once per changed recording (a textconv
driver), pre-commit runs a command per hook, this suite spawns recstack hundreds of
times: on one small file, start-up is most of the run. Every command module is imported
to build the command line (its renderer's ``FORMATS`` are its ``--format`` choices), so
the renderers and the packages' ``__init__`` modules import the library where it is used
(CONTRIBUTING.md, "Start-up"). These tests pin that by the modules a real run leaves in
``sys.modules``; benchmarks/bench_startup.py times it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

# Runs the command line in a fresh interpreter, then writes its exit status and the
# modules it imported to the file named by the first argument.
PROBE = """
import json, sys
from recstack.app import main
out, sys.argv = sys.argv[1], ["recstack", *sys.argv[2:]]
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code or 0
with open(out, "w") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""

# The engines of the commands: none is needed to build the command line.
LIBRARY = (
    "recstack.config",
    "recstack.selection",
    "recstack.loading",
    "recstack.reassembly",
    "recstack.showing",
    "recstack.validation",
    "recstack.schema",
    "recstack.diffing.compare",
    "recstack.diffing.run",
    "recstack.normalization",
    "recstack.rekeying",
    "recstack.pruning",
    "recstack.explaining",
    "recstack.listing",
    "recstack.suite",
    "recstack.replay",
    "recstack.reviewing.run",
    "recstack.parallel",
    "recstack.render.show_view",
    "recstack.render.textdiff",
)
# Third-party packages and slow standard ones that only some commands use.
HEAVY = ("jsonschema", "jsonschema_rs", "deepdiff", "orjson", "multiprocessing")


def imported(tmp_path: Path, *args: str) -> set[str]:
    """The modules ``recstack ARGS`` imported (it must succeed)."""
    out = tmp_path / "modules.json"
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    found = json.loads(out.read_text())
    assert found["code"] == 0, proc.stderr
    return set(found["modules"])


def among(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """The names in ``modules``, a package counting with its submodules."""
    return [n for n in names if n in modules or any(m.startswith(n + ".") for m in modules)]


@pytest.mark.parametrize("option", ["--version", "--help"])
def test_the_command_line_alone_imports_no_library(option: str, tmp_path: Path) -> None:
    modules = imported(tmp_path, option)
    assert {"recstack.commands.show", "recstack.render.show"} <= modules  # the app was built
    assert among(modules, LIBRARY) == []
    assert among(modules, HEAVY) == []
    if option == "--version":  # typer draws its help with rich (which brings decimal)
        assert among(modules, ("rich", "decimal")) == []


def test_show_as_a_textconv_imports_what_show_uses(tmp_path: Path) -> None:
    modules = imported(tmp_path, "show", "--format", "text", "examples/chat.json")
    uses = (
        "recstack.config",
        "recstack.selection",
        "recstack.loading",
        "recstack.reassembly",
        "recstack.showing",
        "recstack.parallel",
        "recstack.render.show_view",
    )
    assert set(uses) <= modules
    assert among(modules, tuple(name for name in LIBRARY if name not in uses)) == []
    assert among(modules, ("jsonschema", "jsonschema_rs", "deepdiff", "rich")) == []
    assert among(modules, ("multiprocessing",)) == []  # one file: no worker processes


def test_validate_imports_no_diff_and_no_reassembly(tmp_path: Path) -> None:
    modules = imported(tmp_path, "validate", "examples/chat.json")
    assert "recstack.validation" in modules
    unused = ("recstack.reassembly", "recstack.diffing.compare", "recstack.normalization")
    assert among(modules, unused) == []
    assert among(modules, ("jsonschema", "deepdiff", "rich", "multiprocessing")) == []
