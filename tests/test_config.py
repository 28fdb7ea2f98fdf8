"""Project configuration (``[tool.recstack]`` / ``recstack.toml``) and the file globs it uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import recstack.config as config_module
from recstack.config import Config, ConfigError, find_config, load_config, resolve_config
from recstack.fileglob import GlobSet

from cli_helpers import run
from conftest import ROOT


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("package.json", "package.json", True),
        ("package.json", "web/app/package.json", True),
        ("node_modules", "web/node_modules/x/y.json", True),
        ("*.tmp.json", "a/b/c.tmp.json", True),
        ("*.json", "a/b/c.json", True),
        ("*.json", "a/b/c.jsonl", False),
        ("tests/*/recordings", "tests/agents/recordings/x.json", True),
        ("tests/*/recordings", "tests/a/b/recordings/x.json", False),
        ("tests/**/recordings", "tests/a/b/recordings/x.json", True),
        ("tests/**/recordings", "tests/recordings/x.json", True),
        ("tests/**/recordings/*.json", "tests/a/recordings/x.json", True),
        ("tests/**/recordings/*.json", "tests/a/recordings/sub/x.json", False),
        ("./tests/integration/", "tests/integration/a.json", True),
        ("tests/integration", "other/tests/integration/a.json", False),
        ("rec-?.json", "rec-1.json", True),
        ("rec-[0-9].json", "rec-a.json", False),
        ("rec-[!0-9].json", "rec-a.json", True),
        ("a.b", "axb", False),
    ],
)
def test_globs(tmp_path: Path, pattern: str, path: str, expected: bool) -> None:
    globs = GlobSet(tmp_path, (pattern,))
    assert globs.matches(tmp_path / path) is expected


def test_globs_outside_the_base_match_only_names(tmp_path: Path) -> None:
    base = tmp_path / "project"
    globs = GlobSet(base, ("node_modules", "tests/x"))
    assert globs.matches(tmp_path / "elsewhere" / "node_modules" / "a.json")
    assert not globs.matches(tmp_path / "tests" / "x" / "a.json")
    assert not GlobSet(base, ()).matches(base / "a.json")
    assert not GlobSet(base, ("*",)).matches(base)


PYPROJECT = """\
[project]
name = "suite"

[tool.recstack]
include = ["tests/integration/**/recordings"]
exclude = ["**/fixtures"]

[tool.recstack.validate]
ignore = ["duplicate-key"]

[tool.recstack.normalize]
profile = "llama-stack"

[tool.recstack.diff]
ignore = ["response.body[*].__data__.usage"]

[tool.recstack.replay]
fallback-dir = "tests/common/recordings"
"""


def test_pyproject_is_found_from_a_subdirectory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    sub = tmp_path / "tests" / "integration"
    sub.mkdir(parents=True)
    config = resolve_config(cwd=sub)
    assert config == Config(
        path=tmp_path / "pyproject.toml",
        include=("tests/integration/**/recordings",),
        exclude=("**/fixtures",),
        validate_ignore=("duplicate-key",),
        normalize_profile="llama-stack",
        diff_ignore=("response.body[*].__data__.usage",),
        fallback_dir="tests/common/recordings",
    )
    assert config.root == tmp_path


def test_recstack_toml_wins_in_its_folder_and_a_plain_pyproject_is_passed_over(
    tmp_path: Path,
) -> None:
    (tmp_path / "recstack.toml").write_text('include = ["recordings"]\n')
    inner = tmp_path / "pkg"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config(inner) == tmp_path / "recstack.toml"
    assert resolve_config(cwd=inner).include == ("recordings",)
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    assert find_config(tmp_path) == tmp_path / "recstack.toml"


def test_isolated_and_explicit_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    assert resolve_config(isolated=True, cwd=tmp_path) == Config()
    other = tmp_path / "other.toml"
    other.write_text('exclude = ["x"]\n')
    assert resolve_config(other, cwd=tmp_path).exclude == ("x",)
    assert resolve_config(cwd=tmp_path / "..").path != tmp_path / "pyproject.toml"
    with pytest.raises(ConfigError, match=r"other\.toml: cannot be used with --isolated"):
        resolve_config(other, isolated=True, cwd=tmp_path)


def test_no_config_gives_defaults(tmp_path: Path) -> None:
    config = resolve_config(cwd=tmp_path)
    assert config.path is None
    assert config.include == ()
    assert config.fallback_dir == "tests/integration/common/recordings"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('inclde = ["x"]\n', "unknown key 'inclde' in the top level"),
        ('include = "x"\n', "include: expected a list of strings"),
        ("include = [1]\n", "include: expected a list of strings"),
        ('[validate]\nignored = ["x"]\n', "unknown key 'ignored' in [validate]"),
        ("validate = 3\n", "[validate] must be a table"),
        ('[normalize]\nprofile = ""\n', "[normalize] profile: '' is not a profile (choose from"),
        (
            '[normalize]\nprofile = "llama"\n',
            "[normalize] profile: 'llama' is not a profile (choose from default, llama-stack)",
        ),
        ("include = [\n", "not valid TOML"),
    ],
)
def test_bad_files_are_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "recstack.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in info.value.problem.message
    assert info.value.problem.path == str(path)


def test_pyproject_errors_name_the_tool_table(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.recstack]\nexclude = "x"\n')
    with pytest.raises(ConfigError, match=r"\[tool.recstack\] exclude: expected a list"):
        load_config(path)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        resolve_config(tmp_path / "nope.toml")


def test_the_documented_configurations_load(tmp_path: Path) -> None:
    """Every ``toml`` block of README.md and docs/*.md, and the module's own example, is a
    configuration recstack accepts (an unknown key there would fail every user who
    copies it)."""

    blocks = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        blocks += [m for m in re.findall(r"^```toml\n(.*?)^```", text, re.M | re.S)]
    docstring = config_module.__doc__ or ""
    example = re.search(r"::\n\n((?:    .*\n|\n)+)", docstring)
    assert example is not None and blocks
    blocks.append("\n".join(line[4:] for line in example.group(1).splitlines()))
    for i, block in enumerate(blocks):
        path = tmp_path / str(i) / "pyproject.toml"
        path.parent.mkdir()
        path.write_text(block)
        config = load_config(path)
        assert config.include and config.exclude, block
        assert config.validate_ignore and config.normalize_profile and config.diff_ignore


def test_a_bad_setting_fails_every_command_and_names_its_key(tmp_path: Path) -> None:
    """A typo in a setting one command uses is found by every command (as ruff checks its
    whole configuration); an unknown rule to ignore names the key it came from."""
    (tmp_path / "pyproject.toml").write_text('[tool.recstack.normalize]\nprofile = "llama"\n')
    shown = run("show", tmp_path / "x.json", "--config", tmp_path / "pyproject.toml")
    assert shown.exit_code == 2
    assert "[tool.recstack.normalize] profile: 'llama' is not a profile" in shown.stderr
    (tmp_path / "recstack.toml").write_text('[validate]\nignore = ["no-such-rule"]\n')
    result = run("validate", tmp_path, "--config", tmp_path / "recstack.toml")
    assert (result.exit_code, result.stderr) == (
        2,
        f"recstack validate: {tmp_path / 'recstack.toml'}: [validate] ignore: unknown rule "
        "'no-such-rule' (see recstack validate --list-rules)\n",
    )
