"""Packaging: the wheel holds the package, the schema, the license and the console script;
the sdist holds what its tests and docs need; both entry points (``recstack`` and
``python -m recstack``) work, from any directory."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from recstack import __version__
from recstack.app import COMMANDS as APP_COMMANDS

from cli_helpers import run_process
from conftest import EXAMPLES, ROOT

SCHEMA = ROOT / "schemas" / "recording.schema.json"
LICENSE = ROOT / "LICENSE"
COMMANDS = [module.__name__.rsplit(".", 1)[-1] for module in APP_COMMANDS]
DIST_INFO = f"recstack-{__version__}.dist-info"

# What pip prints when it cannot download the build backend (no network, no index).
OFFLINE = re.compile(
    r"No matching distribution found for hatchling|Could not find a version that satisfies"
    r"|NewConnectionError|Max retries exceeded|Temporary failure in name resolution"
    r"|Network is unreachable|Name or service not known",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    """``pip wheel --no-deps`` of the checkout, built once (hatchling fetched by pip)."""
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet"]
    command += ["--retries", "1", "--timeout", "20", "-w", str(out), str(ROOT)]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired:
        pytest.skip("pip wheel timed out: the build backend could not be fetched")
    if proc.returncode != 0 and OFFLINE.search(proc.stdout + proc.stderr):
        pytest.skip("the build backend (hatchling) could not be fetched: no network?")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = list(out.glob("recstack-*.whl"))
    assert [w.name for w in wheels] == [f"recstack-{__version__}-py3-none-any.whl"]
    with zipfile.ZipFile(wheels[0]) as archive:
        yield archive


def script(name: str = "recstack") -> str:
    """The console script installed next to this interpreter."""
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is not installed next to {sys.executable}: pip install -e ."
    return found


def run_script(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    return subprocess.run(
        [script(), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def command_summaries(help_text: str) -> dict[str, str]:
    """``name -> one-line summary`` from the Commands panel of ``--help``."""
    _, _, panel = help_text.partition("Commands")
    rows = re.findall(r"^\W*([a-z][\w-]*)\s{2,}(\S.*?)\W*$", panel, flags=re.M)
    return dict(rows)


def test_wheel_holds_the_package_under_its_import_name(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    assert all(n.startswith(("recstack/", f"{DIST_INFO}/")) for n in names), names
    for module in ("__init__", "__main__", "app", "loading", "recording"):
        assert f"recstack/{module}.py" in names
    for command in COMMANDS:
        assert f"recstack/commands/{command}.py" in names
    assert not any(n.startswith(("tests/", "examples/", "cli/")) for n in names)


def test_wheel_declares_the_console_script_and_metadata(wheel: zipfile.ZipFile) -> None:
    entry_points = wheel.read(f"{DIST_INFO}/entry_points.txt").decode()
    assert re.search(r"^\[console_scripts\]\s*^recstack = recstack\.app:main$", entry_points, re.M)
    metadata = wheel.read(f"{DIST_INFO}/METADATA").decode()
    assert f"\nVersion: {__version__}\n" in metadata
    assert "\nRequires-Python: >=3.10\n" in metadata
    assert "Provides-Extra: test" in metadata


def test_wheel_ships_the_license(wheel: zipfile.ZipFile) -> None:
    assert wheel.read(f"{DIST_INFO}/licenses/LICENSE") == LICENSE.read_bytes()
    assert LICENSE.read_text(encoding="utf-8").startswith("MIT License\n")
    metadata = wheel.read(f"{DIST_INFO}/METADATA").decode()
    assert "\nLicense-Expression: MIT\n" in metadata
    assert "\nLicense-File: LICENSE\n" in metadata


def test_sdist_ships_the_license_docs_and_what_the_tests_read(tmp_path: Path) -> None:
    pytest.importorskip("hatchling.build", reason="hatchling (the test extra) is missing")
    # hatchling builds the project of the current directory.
    code = "import sys; from hatchling.build import build_sdist; print(build_sdist(sys.argv[1]))"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    with tarfile.open(tmp_path / proc.stdout.strip()) as archive:
        prefix = f"recstack-{__version__}/"
        members = {m.name.removeprefix(prefix) for m in archive.getmembers()}
        license_file = archive.extractfile(prefix + "LICENSE")
        assert license_file is not None and license_file.read() == LICENSE.read_bytes()
    tracked = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "examples").iterdir()]
    tracked += [*(ROOT / "tests").glob("*.py"), *(ROOT / "benchmarks").glob("*.py"), SCHEMA]
    missing = {str(p.relative_to(ROOT)) for p in tracked} - members
    assert missing == set()
    assert not any(m.startswith((".venv/", "benchmarks/.data/")) for m in members)


def test_wheel_ships_the_recording_schema(wheel: zipfile.ZipFile) -> None:
    if not SCHEMA.is_file():
        pytest.skip("schemas/recording.schema.json does not exist yet")
    assert wheel.read("recstack/schemas/recording.schema.json") == SCHEMA.read_bytes()


def test_unpacked_wheel_runs_without_the_checkout(wheel: zipfile.ZipFile, tmp_path: Path) -> None:
    site = tmp_path / "site"
    wheel.extractall(site)
    env = {"PYTHONPATH": str(site)}
    where = run_process("--version", env=env, cwd=tmp_path)
    assert (where.exit_code, where.stdout) == (0, f"recstack {__version__}\n")
    probe = "import recstack; print(recstack.__file__)"
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=tmp_path,
        check=True,
    )
    assert Path(proc.stdout.strip()).is_relative_to(site)
    if SCHEMA.is_file():
        # The installed package finds its own copy of the schema, not the repository's.
        result = run_process("validate", EXAMPLES / "chat-stream.json", env=env, cwd=tmp_path)
        assert result.exit_code == 0, result.stdout + result.stderr


@pytest.mark.parametrize("how", ["python -m recstack", "recstack"])
def test_version_flag_prints_the_version(how: str, tmp_path: Path) -> None:
    if how == "recstack":
        proc = run_script("--version", cwd=tmp_path)
        result = (proc.returncode, proc.stdout, proc.stderr)
    else:
        res = run_process("--version", cwd=tmp_path)
        result = (res.exit_code, res.stdout, res.stderr)
    assert result == (0, f"recstack {__version__}\n", "")


def test_console_script_help_lists_every_command_with_a_summary() -> None:
    proc = run_script("--help")
    assert proc.returncode == 0, proc.stderr
    summaries = command_summaries(proc.stdout)
    assert set(COMMANDS) <= set(summaries), proc.stdout
    assert all(summaries[c] for c in COMMANDS)
    assert "Examples" in proc.stdout


def test_module_help_works_from_an_unrelated_directory(tmp_path: Path) -> None:
    result = run_process("--help", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert set(COMMANDS) <= set(command_summaries(result.stdout))
    assert result.stderr == ""
