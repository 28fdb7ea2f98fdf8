"""The public Python API is what docs/python-api.md shows: its examples run as they are."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import recstack

from conftest import ROOT

DOC = ROOT / "docs" / "python-api.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _examples() -> list[tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    return [
        (f"python-api.md:{text.count(chr(10), 0, m.start()) + 1}", m.group(1))
        for m in BLOCK.finditer(text)
    ]


@pytest.mark.parametrize(("where", "code"), _examples(), ids=[w for w, _ in _examples()])
def test_documented_example_runs(where: str, code: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, f"{where}\n{proc.stderr}"


def test_the_exports_are_exactly_the_documented_ones() -> None:
    documented = set(re.findall(r"`recstack\.(\w+)", DOC.read_text(encoding="utf-8")))
    public = {name for name in recstack.__all__ if not name.startswith("_")}
    assert {"load", "reassemble", "validate", "diff", "normalize"} <= documented
    assert documented <= public
    for name in public:
        assert getattr(recstack, name) is not None


def test_importing_recstack_loads_no_engine() -> None:
    code = (
        "import sys, recstack\n"
        "heavy = [m for m in sys.modules if m.startswith(('recstack.reassembly', "
        "'recstack.diffing', 'recstack.validation', 'rich', 'jsonschema', 'deepdiff'))]\n"
        "assert not heavy, heavy\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        recstack.nope  # noqa: B018


def test_py_typed_ships_with_the_package() -> None:
    assert (ROOT / "cli" / "recstack" / "py.typed").is_file()
