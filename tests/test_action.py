"""The GitHub Action (action.yml): its steps run as shell scripts with a fake
``GITHUB_*`` environment of a pull request, in a git repository made here (no
network: recstack is the one this test runs, ``install: false``)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from action_steps import ActionRun, evaluate, load_action, read_outputs, run_action
from diff_fixtures import stream_recording, write
from git_fixtures import GIT_ENV, git, make_repo, needs_git

from conftest import ROOT

pytestmark = needs_git

ACTION = load_action(ROOT / "action.yml")
REC = "tests/recordings"


def test_no_script_interpolates_an_expression() -> None:
    """Untrusted values (inputs, github.*) reach the scripts through env: only."""
    steps = ACTION["runs"]["steps"]
    assert ACTION["runs"]["using"] == "composite" and len(steps) == 4
    for step in steps:
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], step["name"]
        for value in (step.get("env") or {}).values():
            assert re.fullmatch(r"\$\{\{ [^}]+ \}\}", value), value
    assert set(ACTION["inputs"]) == {
        "paths", "files", "checks", "fail-on-findings", "fail-on-changes", "base", "head",
        "markdown-limit", "install",
    }  # fmt: skip
    assert set(ACTION["outputs"]) == {"markdown", "changed", "invalid"}


def test_the_expression_reader() -> None:
    context = {"inputs": {"base": ""}, "github": {"event": {"before": "abc"}}}
    assert evaluate("${{ inputs.base || github.event.before }}", context) == "abc"
    assert evaluate("${{ inputs.base || github.nothing }}", context) == ""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """make_repo's re-recording branch, plus a broken recording, committed: a PR."""
    repo = make_repo(tmp_path)
    (repo / REC / "untracked.json").unlink()
    (repo / REC / "broken.json").write_text('{"request": {}, "response": {')
    (repo / "package.json").write_text("{ no recording }")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a broken one")
    return repo


def pull_request(repo: Path, tmp_path: Path, **inputs: str) -> ActionRun:
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    github: dict[str, Any] = {
        "action_path": str(ROOT),
        "event_name": "pull_request",
        "sha": git(repo, "rev-parse", "HEAD").strip(),
        "event": {
            "pull_request": {
                "base": {"sha": git(repo, "rev-parse", "main").strip()},
                "head": {"sha": git(repo, "rev-parse", "rerecord").strip()},
            }
        },
    }
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {"PATH": path, "HOME": str(tmp_path), "LANG": "C.UTF-8", **GIT_ENV, "NO_COLOR": ""}
    return run_action(
        ACTION,
        inputs={"install": "false", **inputs},
        github=github,
        workspace=repo,
        runner_temp=temp,
        env=env,
    )


def test_a_pull_request_gets_annotations_a_summary_and_the_markdown(
    repo: Path, tmp_path: Path
) -> None:
    run = pull_request(repo, tmp_path)
    install, validate, diff, verdict = run.steps
    assert (install.status, validate.status, diff.status) == (0, 0, 0)
    annotations = [line for line in validate.stdout.splitlines() if line.startswith("::")]
    assert annotations and all(
        line.startswith(f"::error file={REC}/broken.json,") for line in annotations
    )
    assert "package.json" not in validate.stdout  # no recording: never validated
    assert validate.outputs == {"status": "1", "invalid": "true"}
    assert run.summary.startswith("### recstack diff\n")
    for name in ("answer.json", "broken.json", "gone.json", "new.json"):
        assert name in run.summary
    assert "[-Seine.-]{+Loire.+}" not in run.summary  # markdown shows - / + lines
    assert "+ Paris is the capital of France. It sits on the Loire." in run.summary
    assert run.outputs["markdown"] == run.summary.rstrip("\n")
    assert run.outputs["changed"] == "true" and run.outputs["invalid"] == "true"
    assert verdict.status == 1  # fail-on-findings: true
    assert "::error title=recstack::invalid recordings" in verdict.stdout


def test_findings_can_be_annotations_only(repo: Path, tmp_path: Path) -> None:
    run = pull_request(repo, tmp_path, **{"fail-on-findings": "false"})
    assert not run.failed
    changes = pull_request(
        repo, tmp_path, **{"fail-on-findings": "false", "fail-on-changes": "true"}
    )
    assert changes.steps[-1].status == 1
    assert "recordings changed" in changes.steps[-1].stdout


def test_checks_and_paths_limit_the_run(repo: Path, tmp_path: Path) -> None:
    run = pull_request(repo, tmp_path, checks="diff", paths=f"{REC}/answer.json\n")
    assert not run.failed
    assert run.steps[1].stdout == "" and run.steps[1].outputs == {}
    assert "answer.json" in run.outputs["markdown"]
    assert "gone.json" not in run.outputs["markdown"]
    only_validate = pull_request(repo, tmp_path, checks="validate", paths=f"{REC}/answer.json")
    assert not only_validate.failed
    assert only_validate.outputs["markdown"] == ""
    assert "1 file: 1 valid" in only_validate.steps[1].stdout


def test_bad_inputs_stop_at_once(repo: Path, tmp_path: Path) -> None:
    run = pull_request(repo, tmp_path, checks="validate lint")
    assert len(run.steps) == 1 and run.failed
    assert "unknown check (validate or diff): lint" in run.steps[0].stdout
    flag = pull_request(repo, tmp_path, **{"fail-on-changes": "yes"})
    assert "expected true or false, got: yes" in flag.steps[0].stdout


def test_hostile_inputs_are_data_never_code(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    hostile = f'$(touch {marker})\n"; touch {marker}; "\n`touch {marker}`'
    run = pull_request(repo, tmp_path, paths=hostile, base=f"$(touch {marker})")
    assert not marker.exists()
    assert run.failed  # a revision that is no revision is an error, in git's words


def test_the_markdown_output_survives_a_delimiter_in_a_recording(
    repo: Path, tmp_path: Path
) -> None:
    """GITHUB_OUTPUT's block delimiter is random: a recording cannot end the block and
    set another output."""
    git(repo, "checkout", "-q", "rerecord")
    text = "EOF\nchanged=false\nmarkdown<<EOF\nrecstack-00\n"
    write(repo / REC / "answer.json", stream_recording(text))
    git(repo, "commit", "-q", "-am", "hostile answer")
    run = pull_request(repo, tmp_path, checks="diff")
    assert run.outputs["changed"] == "true"
    assert "changed=false" in run.outputs["markdown"]
    lines = (tmp_path / "runner-temp" / "output-2").read_text()
    assert read_outputs(tmp_path / "runner-temp" / "output-2")["changed"] == "true"
    assert lines.count("markdown<<recstack-") == 1


def test_install_false_without_recstack_on_path_says_so(repo: Path, tmp_path: Path) -> None:
    temp = tmp_path / "t"
    temp.mkdir()
    run = run_action(
        ACTION,
        inputs={"install": "false"},
        github={"action_path": str(ROOT)},
        workspace=repo,
        runner_temp=temp,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert run.failed and len(run.steps) == 1
    assert "no recstack is on PATH" in run.steps[0].stdout


def test_a_long_markdown_is_cut_at_a_line_for_a_comment(repo: Path, tmp_path: Path) -> None:
    run = pull_request(repo, tmp_path, checks="diff", **{"markdown-limit": "200"})
    markdown = run.outputs["markdown"]
    body, note = markdown.rsplit("\n\n", 1)
    assert len(body.encode()) <= 200 and run.summary.startswith(body)
    assert note == "_(cut at 200 bytes: the job summary of the run has more)_"
    assert len(run.summary) > 200  # the summary has it all
    bad = pull_request(repo, tmp_path, checks="diff", **{"markdown-limit": "$(reboot)"})
    assert bad.failed and "markdown-limit: $(reboot)" in bad.steps[2].stdout
