"""validate's ``replay-stale`` rule: a file named like an upstream recording that replay
would never open, with the name replay looks up and why; the directory judged only in
a tree laid out like the suite's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import recstack
from recstack import rules
from recstack.recording import Recording
from recstack.replay import ReplayStatus
from recstack.replay_rules import build_key, stored_request
from recstack.suite_layout import suite_like
from suite_trees import CHAT_TEST, FALLBACK, OWN_DIR, chat, edited, place, replay_name, write
from test_replay import _expected as expected_verdict

from cli_helpers import run
from conftest import EXAMPLES

RULE = "replay-stale"


def _validate(*args: str | Path) -> tuple[int, list[dict[str, Any]]]:
    """Exit code and the errors of ``recstack validate --format json ARGS``."""
    result = run("validate", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)["errors"]


def _stale(errors: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The replay-stale findings by file name."""
    return {Path(e["path"]).name: e for e in errors if e["rule"] == RULE}


def test_listed_by_list_rules() -> None:
    result = run("validate", "--list-rules")
    line = next(x for x in result.stdout.splitlines() if x.startswith(RULE))
    assert "replay would never open" in line
    rows = json.loads(run("validate", "--list-rules", "--format", "json").stdout)
    assert RULE in {row["rule"] for row in rows}


def test_a_file_in_its_place_under_its_name_is_valid(tmp_path: Path) -> None:
    own = place(tmp_path, chat("Hi"))
    shared = place(tmp_path, chat("Hello", test_id=None), directory=FALLBACK)
    assert _validate(own, shared) == (0, [])


def test_an_edited_request_fires_with_the_name_replay_looks_up(tmp_path: Path) -> None:
    original = chat("What is the capital of France?")
    path = place(tmp_path, edited(original, "What is the capital of Italy?"), name=None)
    path = path.rename(path.with_name(replay_name(original)))
    wanted = replay_name(edited(original, "What is the capital of Italy?"))
    code, errors = _validate(path)
    assert code == 1
    assert errors == [
        {
            "path": str(path),
            "line": 1,
            "column": 1,
            "pointer": "",
            "message": "replay would not find this file (edited): the name matches no known "
            f"rule (edited after recording?); replay looks for {wanted}",
            "rule": RULE,
        }
    ]


def test_the_oldest_layout_fires(tmp_path: Path) -> None:
    data = chat("Hi")
    del data["test_id"]
    old = build_key(stored_request(data), with_test_id=False, short=True).name
    path = write(tmp_path / "tests/integration/recordings/responses" / old, data)
    (error,) = _validate(path)[1]
    assert "(oldest-layout)" in error["message"]
    assert f"replay looks for {replay_name(data)}" in error["message"]


def test_a_renamed_test_id_points_at_the_test_id(tmp_path: Path) -> None:
    renamed = CHAT_TEST.replace("[", "[ogx_client-")
    data = chat("Hi", test_id=renamed)
    before = build_key(
        stored_request(data), test_id=renamed.replace("ogx_client", "llama_stack_client")
    )
    path = place(tmp_path, data, name=before.name)
    (error,) = _validate(path)[1]
    assert (error["pointer"], error["line"], error["column"]) == ("/test_id", 2, 14)
    assert "(test-id-renamed)" in error["message"]


def test_a_missing_test_id_points_at_the_file(tmp_path: Path) -> None:
    data = chat("Hi")
    name = replay_name(data)
    del data["test_id"]  # the name was made with the test id the file no longer keeps
    (error,) = _validate(place(tmp_path, data, directory=FALLBACK, name=name))[1]
    assert (error["pointer"], error["line"]) == ("", 1)
    assert "(missing-test-id)" in error["message"]


def test_the_wrong_directory_of_a_suite_fires(tmp_path: Path) -> None:
    path = place(tmp_path, chat("Hi"), directory="tests/integration/agents/recordings")
    (error,) = _validate(path)[1]
    assert error["message"] == (
        f"replay would not find this file (wrong-directory): replay looks in {OWN_DIR} or "
        f"{FALLBACK}"
    )


@pytest.mark.parametrize(
    "folder",
    [
        "flat",  # a copy of some recordings
        "corpus/inference3/recordings",  # a folder named recordings, not under the suite's root
        "suite/conformance/recordings",  # another storage dir, not configured
    ],
)
def test_a_tree_not_laid_out_like_the_suite_is_judged_by_name_alone(
    tmp_path: Path, folder: str
) -> None:
    good = place(tmp_path, chat("Hi"), directory=folder)
    bad = place(tmp_path, edited(chat("Hi again"), "Bye"), directory=folder)
    bad = bad.rename(bad.with_name(replay_name(chat("Hi again"))))
    code, errors = _validate(good, bad)
    assert code == 1
    assert list(_stale(errors)) == [bad.name]
    assert "(edited)" in errors[0]["message"]


def test_the_configured_fallback_dir(tmp_path: Path) -> None:
    folder = "tests/integration/conformance/recordings"
    path = place(tmp_path, chat("Hi"), directory=folder)
    assert _validate(path)[0] == 1  # a suite's folder that replay does not search
    config = tmp_path / "recstack.toml"
    config.write_text(f'[replay]\nfallback-dir = "{folder}"\n')
    assert _validate("--config", config, path) == (0, [])


def test_turned_off_by_ignore_and_by_the_configuration(tmp_path: Path) -> None:
    path = place(tmp_path, chat("Hi"), directory="tests/integration/agents/recordings")
    assert _validate(path)[0] == 1
    assert _validate("--ignore", RULE, path) == (0, [])
    config = tmp_path / "pyproject.toml"
    config.write_text(f'[tool.recstack.validate]\nignore = ["{RULE}"]\n')
    assert _validate("--config", config, path) == (0, [])


def test_the_examples_are_not_named_like_recordings() -> None:
    assert _validate(EXAMPLES) == (0, [])


def test_in_memory_data_has_no_file_to_judge() -> None:
    data = chat("Hi")
    found = rules.check(Recording("x.json", data))
    assert found == []
    context = rules.Context(f"{OWN_DIR}/{'0' * 64}.json")
    assert [f.rule for f in rules.check(Recording("", data), context)] == [RULE]
    assert rules.check(Recording("", data), context, skip={RULE}) == []


def test_the_python_api_reports_it(tmp_path: Path) -> None:
    path = place(tmp_path, chat("Hi"), name="0" * 64 + ".json")
    result = recstack.validate(path)
    assert [p.rule for p in result.errors] == [RULE]
    assert recstack.validate(place(tmp_path, chat("Hi"))).valid


def test_suite_like() -> None:
    dirs = (OWN_DIR, FALLBACK)
    assert suite_like(f"/repo/{OWN_DIR}/x.json", dirs)
    assert suite_like(f"/repo/{FALLBACK}/x.json", dirs)
    assert suite_like("/repo/tests/integration/recordings/responses/x.json", dirs)
    assert not suite_like("/repo/recordings/x.json", dirs)
    assert not suite_like("/tmp/flat/x.json", dirs)
    assert suite_like("/any/recordings/x.json", ("recordings", FALLBACK))  # a test at the root


# --- the real upstream recordings --------------------------------------------------


def _expected_stale(names: list[str]) -> set[str]:
    return {n for n in names if expected_verdict(n)[0] is ReplayStatus.STALE}


def test_real_files_at_their_upstream_paths(upstream_tree: dict[str, Path]) -> None:
    by_path = {str(path): name for name, path in upstream_tree.items()}
    code, errors = _validate(*sorted(by_path))
    stale = {by_path[e["path"]]: e for e in errors if e["rule"] == RULE}
    assert code == 1
    assert [e for e in errors if e["rule"] != RULE] == []
    assert set(stale) == _expected_stale(list(upstream_tree))
    assert len(stale) == 32 + 5
    for name, error in stale.items():
        cause = expected_verdict(name)[1]
        assert f"({cause})" in error["message"], name
        assert "replay looks for " in error["message"]


def test_real_files_in_flat_folders_no_directory_findings(
    upstream_tree: dict[str, Path], tmp_path: Path
) -> None:
    flat: dict[str, str] = {}
    for name, path in upstream_tree.items():
        commit = path.relative_to(tmp_path).parts[0]
        target = tmp_path / "flat" / commit / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        flat[str(target)] = name
    _, errors = _validate(*sorted(flat))
    stale = {flat[e["path"]] for e in errors if e["rule"] == RULE}
    assert stale == _expected_stale(list(upstream_tree))
    assert not any("wrong-directory" in e["message"] for e in errors)


def test_the_shared_names_are_not_hash_names(real_dir: Path) -> None:
    assert _validate(real_dir) == (0, [])
