"""Project configuration: ``[tool.recstack]`` in ``pyproject.toml``, or ``recstack.toml``.

Found as ruff finds its configuration: from the current directory upwards, the first
folder holding ``recstack.toml``, ``.recstack.toml`` or a ``pyproject.toml`` with a
``[tool.recstack]`` table wins (in that order within one folder). ``--config FILE``
names the file instead; ``--isolated`` ignores every configuration file.

Paths and globs in the file are relative to the folder that holds it::

    [tool.recstack]
    include = ["tests/integration/**/recordings"]  # what a command reads with no PATH
    exclude = ["**/fixtures"]                      # never read (also when walking a PATH)

    [tool.recstack.validate]
    ignore = ["duplicate-key"]                     # rule ids not reported

    [tool.recstack.normalize]
    profile = "llama-stack"

    [tool.recstack.diff]
    ignore = ["response.body[*].__data__.usage"]   # also ignored by diff (value globs)

    [tool.recstack.replay]
    fallback-dir = "tests/integration/common/recordings"

In ``recstack.toml`` the same keys stand at the top level (``[validate]``, ...).
Unknown keys and values of the wrong type are errors (a typo must not pass silently).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recstack.problems import Problem, RecstackError
from recstack.snapshot import read_snapshot

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FILE_NAMES = ("recstack.toml", ".recstack.toml", "pyproject.toml")
DEFAULT_FALLBACK_DIR = "tests/integration/common/recordings"


@dataclass(frozen=True)
class Config:
    """The settings in effect; ``path`` is the file they came from (None: defaults)."""

    path: Path | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    validate_ignore: tuple[str, ...] = ()
    normalize_profile: str | None = None
    diff_ignore: tuple[str, ...] = ()
    fallback_dir: str = DEFAULT_FALLBACK_DIR

    @property
    def root(self) -> Path:
        """The folder the file's relative paths start from (the current one without a file)."""
        return self.path.parent if self.path is not None else Path.cwd()

    def key(self, section: str, key: str) -> str:
        """Where a setting sits, for messages: ``FILE: [tool.recstack.validate] ignore``."""
        in_pyproject = self.path is not None and self.path.name == "pyproject.toml"
        return f"{self.path}: {_table_name('tool.recstack' if in_pyproject else '', section)} {key}"


class ConfigError(RecstackError):
    """A configuration file that cannot be used (always exit 2)."""


def _fail(path: Path, message: str) -> ConfigError:
    return ConfigError(Problem(str(path), message, rule="config"))


def _strings(path: Path, where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(path, f"{where}: expected a list of strings")
    return tuple(value)


def _string(path: Path, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _fail(path, f"{where}: expected a non-empty string")
    return value


def _profile(path: Path, where: str, value: Any) -> str:
    from recstack.volatile import PROFILES  # what normalize --profile accepts

    if value not in PROFILES:
        raise _fail(
            path, f"{where}: {value!r} is not a profile (choose from {', '.join(PROFILES)})"
        )
    return str(value)


# section -> key -> (Config field, reader)
_Reader = Callable[[Path, str, Any], Any]
_SCHEMA: dict[str, dict[str, tuple[str, _Reader]]] = {
    "": {"include": ("include", _strings), "exclude": ("exclude", _strings)},
    "validate": {"ignore": ("validate_ignore", _strings)},
    "normalize": {"profile": ("normalize_profile", _profile)},
    "diff": {"ignore": ("diff_ignore", _strings)},
    "replay": {"fallback-dir": ("fallback_dir", _string)},
}


def _table_name(prefix: str, section: str) -> str:
    name = ".".join(part for part in (prefix, section) if part)
    return f"[{name}]" if name else "the top level"


def parse_table(path: Path, table: dict[str, Any], prefix: str = "") -> Config:
    """A :class:`Config` from the recstack table of ``path`` (already parsed TOML)."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in _SCHEMA[""]:
            field_name, reader = _SCHEMA[""][key]
            values[field_name] = reader(path, f"{_table_name(prefix, '')} {key}", value)
            continue
        if key not in _SCHEMA or key == "":
            known = ", ".join([*_SCHEMA[""], *(k for k in _SCHEMA if k)])
            raise _fail(path, f"unknown key {key!r} in {_table_name(prefix, '')} (known: {known})")
        where = _table_name(prefix, key)
        if not isinstance(value, dict):
            raise _fail(path, f"{where} must be a table")
        for sub, item in value.items():
            if sub not in _SCHEMA[key]:
                known = ", ".join(_SCHEMA[key])
                raise _fail(path, f"unknown key {sub!r} in {where} (known: {known})")
            field_name, reader = _SCHEMA[key][sub]
            values[field_name] = reader(path, f"{where} {sub}", item)
    return Config(path=path, **values)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read_snapshot(path).raw.decode("utf-8"))
    except FileNotFoundError:
        raise _fail(path, "configuration file not found") from None
    except OSError as exc:
        raise _fail(path, f"cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _fail(path, f"not valid TOML: {exc}") from None


def _recstack_table(path: Path, document: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    """The recstack table of a parsed file and its name; None for a pyproject without one."""
    if path.name != "pyproject.toml":
        return document, ""
    tool = document.get("tool")
    table = tool.get("recstack") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise _fail(path, "[tool.recstack] must be a table")
    return table, "tool.recstack"


def load_config(path: Path | str) -> Config:
    """Read one configuration file (``recstack.toml`` or a ``pyproject.toml``)."""
    path = Path(path)
    found = _recstack_table(path, _read_toml(path))
    if found is None:  # a pyproject.toml named explicitly without a recstack table
        return Config(path=path)
    table, prefix = found
    return parse_table(path, table, prefix)


def find_config(start: Path | None = None) -> Path | None:
    """The nearest configuration file from ``start`` (default: cwd) upwards."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        for name in FILE_NAMES:
            path = candidate / name
            if not path.is_file():
                continue
            if name != "pyproject.toml" or _recstack_table(path, _read_toml(path)) is not None:
                return path
    return None


def resolve_config(
    config: Path | str | None = None, *, isolated: bool = False, cwd: Path | None = None
) -> Config:
    """The configuration a command runs with: ``--config``, ``--isolated`` or the nearest
    file. Both options at once contradict each other (as in ruff): an error."""
    if isolated and config is not None:
        raise ConfigError(
            Problem(
                f"--config {config}",
                "cannot be used with --isolated, which ignores every configuration file",
                rule="config",
            )
        )
    if isolated:
        return Config()
    if config is not None:
        return load_config(config)
    found = find_config(cwd)
    return load_config(found) if found is not None else Config()
