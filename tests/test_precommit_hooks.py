"""The hooks of .pre-commit-hooks.yaml, run by `pre-commit try-repo` against a temporary
suite, as a suite's own .pre-commit-config.yaml would run them.

Runs only where pre-commit is installed (it is no dependency of recstack): skipped
cleanly otherwise. pre-commit installs the hooks' environment with pip (the first
time, from the package index; later from pip's cache).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from diff_fixtures import stream_recording, write
from git_fixtures import GIT_ENV, git, needs_git

from conftest import EXAMPLES, ROOT

PRE_COMMIT = shutil.which("pre-commit")
pytestmark = [
    needs_git,
    pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed"),
]

HOOKS = ROOT / ".pre-commit-hooks.yaml"
# What a copy of the repository needs to be installed by pip.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml", "cli", "schemas")


def test_each_hook_is_declared_with_the_documented_default_files() -> None:
    """Read without a YAML parser: three hooks, each on recordings/.*\\.json$."""
    text = HOOKS.read_text()
    ids = re.findall(r"^- id: (\S+)$", text, re.MULTILINE)
    assert ids == ["recstack-validate", "recstack-normalize", "recstack-normalize-check"]
    assert text.count("  files: recordings/.*\\.json$\n") == 3
    assert text.count("  language: python\n") == 3
    readme = (ROOT / "README.md").read_text()
    for hook in ids:
        assert f"`{hook}`" in readme


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository as committed files in a new git repository (try-repo installs it)."""
    repo = tmp_path_factory.mktemp("hooks") / "recstack"
    repo.mkdir()
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, repo / name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "recstack")
    return repo


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """A suite: a valid recording, one that normalize would rewrite, and a package.json
    that is no recording (and that no hook may be given)."""
    suite = tmp_path / "suite"
    suite.mkdir()
    git(suite, "init", "-q", "-b", "main")
    rec = suite / "tests" / "integration" / "recordings"
    rec.mkdir(parents=True)
    shutil.copy(EXAMPLES / "models.json", rec / "models.json")
    write(rec / "chat.json", stream_recording("Hi there."))
    (suite / "package.json").write_text("{ not json")
    git(suite, "add", "-A")
    return suite


def pre_commit(suite: Path, home: Path, *args: str) -> tuple[int, str]:
    proc = subprocess.run(
        [PRE_COMMIT or "pre-commit", *args],
        cwd=suite,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home)},
        timeout=600,
        check=False,
    )
    output = proc.stdout + proc.stderr
    if "Could not find a version that satisfies" in output or "No matching distribution" in output:
        pytest.skip("pre-commit could not install the hook's dependencies (no package index)")
    return proc.returncode, output


def test_try_repo_validate_reports_a_broken_recording(
    suite: Path, hooks_repo: Path, pre_commit_home: Path
) -> None:
    bad = suite / "tests/integration/recordings/bad.json"
    bad.write_text('{"request": {')
    git(suite, "add", "-A")
    status, output = pre_commit(
        suite, pre_commit_home, "try-repo", str(hooks_repo), "recstack-validate", "--all-files"
    )
    assert status == 1, output
    assert re.search(r"recstack validate\.+Failed", output)
    assert "tests/integration/recordings/bad.json:1:" in output
    assert "3 files: 2 valid, 1 invalid" in output  # the recordings, and only them
    assert "package.json" not in output


def test_normalize_rewrites_and_check_only_fails(
    suite: Path, hooks_repo: Path, pre_commit_home: Path
) -> None:
    """As a suite uses them: from its .pre-commit-config.yaml (one environment, reused)."""
    rev = git(hooks_repo, "rev-parse", "HEAD").strip()
    (suite / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hooks_repo}\n  rev: {rev}\n  hooks:\n"
        "  - id: recstack-normalize\n  - id: recstack-normalize-check\n"
        "  - id: recstack-validate\n"
    )
    git(suite, "add", "-A")
    chat = suite / "tests/integration/recordings/chat.json"
    original = chat.read_bytes()
    status, output = pre_commit(suite, pre_commit_home, "run", "recstack-normalize-check", "-a")
    assert status == 1
    assert re.search(r"recstack normalize --check\.+Failed", output)
    assert "would normalize tests/integration/recordings/chat.json" in output
    assert chat.read_bytes() == original

    status, output = pre_commit(suite, pre_commit_home, "run", "recstack-normalize", "-a")
    assert status == 1  # pre-commit fails a hook that modified files: the fix is shown
    assert "files were modified by this hook" in output
    assert chat.read_bytes() != original
    git(suite, "add", "-A")
    status, output = pre_commit(suite, pre_commit_home, "run", "-a")
    assert status == 0, output
    assert len(re.findall(r"\.Passed$", output, re.MULTILINE)) == 3
