"""Run the steps of the repository's action.yml (a composite GitHub Action) as the
runner would, with a fake ``GITHUB_*`` environment and no network.

Enough of the runner for this one file: a reader for the YAML it is written in
(block mappings and sequences, ``|`` scripts, plain and double-quoted scalars; no
YAML library is a dependency), ``${{ }}`` expressions of the form ``a || b || c`` over
``inputs.*``, ``github.*`` and ``steps.<id>.outputs.*``, each step's ``env:``, and the
files ``GITHUB_OUTPUT`` (``name=value`` and ``name<<DELIMITER`` blocks),
``GITHUB_STEP_SUMMARY`` and ``GITHUB_PATH``. A step runs as GitHub runs a ``bash``
step: ``bash --noprofile --norc -eo pipefail FILE``.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# -- the YAML subset ------------------------------------------------------------------


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped and not stripped.startswith("#"):
            out.append((len(raw) - len(raw.lstrip(" ")), raw.rstrip()))
        elif not stripped:
            out.append((-1, ""))  # blank: kept inside scripts
    return out


def _scalar(text: str) -> str:
    text = text.strip()
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        return bytes(text[1:-1], "utf-8").decode("unicode_escape")
    return text


class _Reader:
    def __init__(self, text: str) -> None:
        self.lines = _lines(text)
        self.i = 0

    def _skip_blank(self) -> None:
        while self.i < len(self.lines) and self.lines[self.i][0] < 0:
            self.i += 1

    def block(self, indent: int) -> Any:
        self._skip_blank()
        if self.i >= len(self.lines):
            return None
        _, line = self.lines[self.i]
        if line.strip().startswith("- "):
            return self._sequence(indent)
        return self._mapping(indent)

    def _sequence(self, indent: int) -> list[Any]:
        items: list[Any] = []
        while True:
            self._skip_blank()
            if self.i >= len(self.lines):
                return items
            level, line = self.lines[self.i]
            if level != indent or not line.strip().startswith("- "):
                return items
            # "- key: value" opens a mapping whose keys sit two columns further in
            self.lines[self.i] = (level + 2, " " * (level + 2) + line.strip()[2:])
            items.append(self._mapping(level + 2))

    def _mapping(self, indent: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        while True:
            self._skip_blank()
            if self.i >= len(self.lines):
                return out
            level, line = self.lines[self.i]
            if level != indent or line.strip().startswith("- "):
                return out
            key, _, value = line.strip().partition(":")
            self.i += 1
            value = value.strip()
            if value == "|":
                out[key] = self._literal(indent)
            elif value:
                out[key] = _scalar(value)
            else:
                self._skip_blank()
                child = self.lines[self.i][0] if self.i < len(self.lines) else indent
                out[key] = self.block(child) if child > indent else None
        return out

    def _literal(self, indent: int) -> str:
        body: list[str] = []
        start: int | None = None
        while self.i < len(self.lines):
            level, line = self.lines[self.i]
            if level >= 0 and level <= indent:
                break
            if level >= 0 and start is None:
                start = level
            body.append(line[start or 0 :] if level >= 0 else "")
            self.i += 1
        return "\n".join(body).rstrip("\n") + "\n"


def load_action(path: Path) -> dict[str, Any]:
    result = _Reader(path.read_text()).block(0)
    assert isinstance(result, dict)
    return result


# -- expressions ----------------------------------------------------------------------

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _lookup(name: str, context: dict[str, Any]) -> str:
    if name.startswith("'") and name.endswith("'"):
        return name[1:-1]
    value: Any = context
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)


def evaluate(text: str, context: dict[str, Any]) -> str:
    """``${{ a || b }}`` inside ``text``: the first operand that is not empty."""

    def one(match: re.Match[str]) -> str:
        for operand in match.group(1).split("||"):
            value = _lookup(operand.strip(), context)
            if value:
                return value
        return ""

    return EXPRESSION.sub(one, text)


def read_outputs(path: Path) -> dict[str, str]:
    """A ``GITHUB_OUTPUT`` file: ``name=value`` lines and ``name<<DELIM`` blocks."""
    outputs: dict[str, str] = {}
    lines = path.read_text().split("\n") if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            while lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            i += 1
            outputs[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


# -- running --------------------------------------------------------------------------


@dataclass
class StepRun:
    name: str
    id: str | None
    status: int
    stdout: str
    stderr: str
    outputs: dict[str, str]


@dataclass
class ActionRun:
    steps: list[StepRun] = field(default_factory=list)
    summary: str = ""
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(step.status != 0 for step in self.steps)

    @property
    def stdout(self) -> str:
        return "".join(step.stdout for step in self.steps)


def run_action(
    action: dict[str, Any],
    *,
    inputs: dict[str, str],
    github: dict[str, Any],
    workspace: Path,
    runner_temp: Path,
    env: dict[str, str],
) -> ActionRun:
    """Run every step in order, as a composite action does (stopping at a failure)."""
    declared = action.get("inputs") or {}
    values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    unknown = set(inputs) - set(values)
    assert not unknown, f"inputs the action does not declare: {unknown}"
    values.update(inputs)
    context: dict[str, Any] = {"inputs": values, "github": github, "steps": {}}
    summary = runner_temp / "step-summary.md"
    github_path = runner_temp / "github-path"
    summary.write_text("")
    github_path.write_text("")
    result = ActionRun()
    for number, step in enumerate(action["runs"]["steps"]):
        output_file = runner_temp / f"output-{number}"
        output_file.write_text("")
        script = runner_temp / f"step-{number}.sh"
        script.write_text(step["run"])
        extra = [p for p in github_path.read_text().splitlines() if p]
        step_env = {
            **env,
            "PATH": os.pathsep.join([*reversed(extra), env["PATH"]]),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_PATH": str(github_path),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_ACTION_PATH": github["action_path"],
            "RUNNER_TEMP": str(runner_temp),
        }
        for key, value in (step.get("env") or {}).items():
            step_env[key] = evaluate(value, context)
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        outputs = read_outputs(output_file)
        if step.get("id"):
            context["steps"][step["id"]] = {"outputs": outputs}
        result.steps.append(
            StepRun(
                step.get("name", ""),
                step.get("id"),
                proc.returncode,
                proc.stdout,
                proc.stderr,
                outputs,
            )
        )
        if proc.returncode != 0:
            break
    result.summary = summary.read_text()
    for name, spec in (action.get("outputs") or {}).items():
        result.outputs[name] = evaluate(spec["value"], context)
    return result
