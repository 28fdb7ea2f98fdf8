"""`recstack diff --git` with hostile or ambiguous arguments: whatever the user types
reaches git only as a revision or a pathspec, odd file names survive, and a typo is an
error (exit 2), never an empty comparison."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from diff_fixtures import stream_recording, write
from git_fixtures import RECSTACK, TEXT, git, make_repo, needs_git, of_test, statuses
from recstack.diffing import gitsource

from cli_helpers import Result, run, run_process

pytestmark = needs_git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, repo: Path) -> Callable[..., Result]:
    """``recstack ARGS`` in-process, run in ``cwd`` (default: the repository)."""

    def call(*args: str, cwd: Path | None = None) -> Result:
        monkeypatch.chdir(cwd or repo)
        return run(*args)

    return call


def diff_json(
    cli: Callable[..., Result], *args: str, cwd: Path | None = None
) -> tuple[int, dict[str, str], str]:
    result = cli("diff", "--format", "json", "--git", *args, cwd=cwd)
    found = statuses(result.stdout) if result.stdout else {}
    return result.exit_code, found, result.stderr


# -- git options smuggled in as revisions or paths ----------------------------------


def test_output_option_after_double_dash_truncates_nothing(repo: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious\n")
    result = run_process("diff", "--git", "--", f"--output={victim}..HEAD", cwd=repo)
    assert result.exit_code == 2
    assert victim.read_bytes() == b"precious\n"
    assert result.stderr.count("\n") == 1 and "matches no file" in result.stderr


def test_output_option_as_a_range_end_writes_no_file(repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "written"
    result = run_process("diff", "--git", f"HEAD~1..--output={target}", cwd=repo)
    assert result.exit_code == 2
    assert not target.exists()
    assert f"bad revision '--output={target}'" in result.stderr


@pytest.mark.parametrize(
    "args",
    [("-p",), ("HEAD~1..-p",), ("..--stat",), ("main", "HEAD", "--", "--output=x")],
)
def test_a_dash_argument_is_never_a_git_option(
    repo: Path, cli: Callable[..., Result], args: tuple[str, ...]
) -> None:
    result = cli("diff", "--git", *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert "No such option" in result.stderr or result.stderr.count("\n") == 1
    assert not (repo / "x").exists()


def test_every_user_value_reaches_git_after_end_of_options(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Record every git command: a user-typed text appears only after
    ``--end-of-options`` or ``--``, never where git reads options."""
    calls: list[list[str]] = []
    real = gitsource._run

    def spy(
        args: Sequence[str], cwd: Path | None = None, input: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        calls.append(list(args))
        return real(args, cwd, input)

    monkeypatch.setattr(gitsource, "_run", spy)
    hostile = ["main", "rerecord", "tests/recordings", "-x.json"]  # click took the "--"
    with pytest.raises(gitsource.GitError):
        gitsource.git_pairs(hostile, paths_after=2, cwd=repo)
    gitsource.git_pairs(["main...rerecord", "tests/recordings"], cwd=repo)
    with pytest.raises(gitsource.GitError):
        gitsource.git_pairs(["-p..main"], cwd=repo)
    user = {"main", "rerecord", "tests/recordings", "-x.json", "main...rerecord", "-p"}
    assert any("-x.json" in call for call in calls)  # it reached git, as a pathspec
    for call in calls:
        fence = min(
            (i for i, arg in enumerate(call) if arg in ("--", "--end-of-options")), default=-1
        )
        for i, arg in enumerate(call):
            typed = arg.removesuffix("^{commit}")
            if typed in user:
                assert i > fence >= 0, call
            assert not arg.startswith("-p"), call


# -- revisions ---------------------------------------------------------------------------


def test_unknown_revision_is_exit_2_with_gits_words(cli: Callable[..., Result]) -> None:
    result = cli("diff", "--git", "HEAD~1x")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "recstack diff: git: ambiguous argument 'HEAD~1x': unknown revision or path not in "
        "the working tree (put paths after '--')\n"
    )
    ranged = cli("diff", "--git", "main..HEAD~1x")
    assert ranged.exit_code == 2 and "bad revision 'HEAD~1x'" in ranged.stderr
    before_dashes = cli("diff", "--git", "HEAD~1x", "--")
    assert before_dashes.exit_code == 2 and "bad revision 'HEAD~1x'" in before_dashes.stderr
    escape = cli("diff", "--git", "\x1b[2Jmain~9", "--")  # never a control sequence
    assert escape.exit_code == 2 and "\x1b" not in escape.stderr
    assert "bad revision '\\x1b[2Jmain~9'" in escape.stderr


def test_two_revisions_are_a_range(cli: Callable[..., Result]) -> None:
    spaced = cli("diff", "--git", "main", "rerecord", "--format", "json")
    dotted = cli("diff", "--git", "main..rerecord", "--format", "json")
    assert spaced.exit_code == dotted.exit_code == 1
    assert spaced.stdout == dotted.stdout
    assert statuses(spaced.stdout)["tests/recordings/gone.json"] == "removed"
    assert "tests/recordings/untracked.json" not in statuses(spaced.stdout)


def test_two_revisions_then_paths_and_a_deleted_path_after_dashes(
    cli: Callable[..., Result],
) -> None:
    code, found, _ = diff_json(cli, "main", "rerecord", "tests/recordings/answer.json")
    assert (code, found) == (1, {"tests/recordings/answer.json": "changed"})
    code, found, _ = diff_json(cli, "main", "--", "tests/recordings/gone.json")
    assert (code, found) == (1, {"tests/recordings/gone.json": "removed"})
    code, _, err = diff_json(cli, "tests/recordings/gone.json")  # gone: not a path here
    assert code == 2 and "put paths after '--'" in err


def test_merge_base_range(repo: Path, cli: Callable[..., Result]) -> None:
    """A...B: from the merge base of A and B to B, whatever happened on A since."""
    git(repo, "checkout", "-q", "main")
    write(repo / "tests/recordings/answer.json", stream_recording("Moved on."))
    git(repo, "commit", "-q", "-am", "main moves on")
    code, found, _ = diff_json(cli, "main...rerecord")
    assert code == 1 and found["tests/recordings/answer.json"] == "changed"
    assert found["tests/recordings/gone.json"] == "removed"
    code, found, _ = diff_json(cli, "main..rerecord")  # here main's own edit shows
    assert found["tests/recordings/answer.json"] == "changed"
    plain = cli("diff", "--git", "main...rerecord", "--format", "text")
    assert "[-Seine.-]{+Loire.+}" in plain.stdout  # the merge base still has Seine


def test_a_tree_is_not_a_revision(cli: Callable[..., Result]) -> None:
    result = cli("diff", "--git", "HEAD^{tree}", "--")
    assert result.exit_code == 2 and "bad revision 'HEAD^{tree}'" in result.stderr


def test_too_many_revisions_and_a_range_with_a_second_revision(cli: Callable[..., Result]) -> None:
    three = cli("diff", "--git", "main", "rerecord", "HEAD", "--")
    assert three.exit_code == 2 and "at most two revisions" in three.stderr
    mixed = cli("diff", "--git", "main..rerecord", "HEAD", "--")
    assert mixed.exit_code == 2 and "not both" in mixed.stderr


# -- paths -------------------------------------------------------------------------------


def test_glob_pathspecs_work_as_in_git_diff(repo: Path, cli: Callable[..., Result]) -> None:
    for suite in ("inference", "agents"):
        write(repo / f"tests/integration/{suite}/recordings/r.json", stream_recording(suite))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "integration recordings")
    code, found, _ = diff_json(cli, "main", "tests/integration/*/recordings")
    assert code == 1 and set(found) == {
        "tests/integration/inference/recordings/r.json",
        "tests/integration/agents/recordings/r.json",
    }
    code, found, _ = diff_json(cli, "tests/integration/*/recordings")  # no REV
    assert code == 1 and len(found) == 2
    code, found, _ = diff_json(cli, "main", "tests/*/answer.json")
    assert (code, found) == (1, {"tests/recordings/answer.json": "changed"})
    code, found, _ = diff_json(cli, "main..rerecord", ":(glob)**/new.json")
    assert (code, found) == (1, {"tests/recordings/new.json": "added"})
    code, found, _ = diff_json(cli, "main..rerecord", "*.json", ":!*/gone.json")
    assert "tests/recordings/gone.json" not in found and "tests/recordings/new.json" in found


def test_glob_pathspec_from_a_subdirectory(repo: Path, cli: Callable[..., Result]) -> None:
    sub = repo / "tests" / "recordings"
    code, found, _ = diff_json(cli, "main", "a*.json", cwd=sub)
    assert (code, found) == (1, {"tests/recordings/answer.json": "changed"})
    code, found, _ = diff_json(cli, "main", "../rec*/g*", cwd=sub)
    assert (code, found) == (1, {"tests/recordings/gone.json": "removed"})


def test_a_path_matching_nothing_is_exit_2_not_an_empty_report(cli: Callable[..., Result]) -> None:
    for args in (("tests/recordingz/*",), ("main", "nope/"), ("main..rerecord", "*.jsn")):
        result = cli("diff", "--git", *args)
        assert result.exit_code == 2, args
        assert result.stdout == "" and result.stderr.count("\n") == 1
        assert "matches no file in" in result.stderr
    # it exists on one side only: that is a match (and the file is removed)
    _, found, _ = diff_json(cli, "main", "rerecord", "tests/recordings/gone.json")
    assert found == {"tests/recordings/gone.json": "removed"}
    # matching files that did not change is a truthful "nothing to compare", exit 0
    same = cli("diff", "--git", "main..rerecord", "notes.txt")
    assert same.exit_code == 0 and "0 recordings" in same.stdout


def test_a_path_outside_the_repository_is_gits_error(cli: Callable[..., Result]) -> None:
    result = cli("diff", "--git", "main", "--", "../elsewhere")
    assert result.exit_code == 2 and "outside repository" in result.stderr


# -- telling revisions from paths ----------------------------------------------------


def test_an_existing_path_beats_a_revision_of_the_same_name(
    repo: Path, cli: Callable[..., Result]
) -> None:
    """A directory called `main`: the path wins; `main --` makes it the revision."""
    write(repo / "main" / "x.json", of_test("In a folder called main.", "test_main", "Where?"))
    code, found, _ = diff_json(cli, "main")
    assert (code, found) == (1, {"main/x.json": "added"})
    code, found, _ = diff_json(cli, "main", "--")
    assert found["tests/recordings/answer.json"] == "changed"
    assert found["main/x.json"] == "added"  # vs main: everything in the working tree


def test_second_argument_is_a_revision_only_when_it_names_a_commit(
    repo: Path, cli: Callable[..., Result]
) -> None:
    (repo / "rerecord").mkdir()  # a directory named like the branch: a path
    write(repo / "rerecord" / "y.json", stream_recording("Y."))
    code, found, _ = diff_json(cli, "main", "rerecord")
    assert (code, found) == (1, {"rerecord/y.json": "added"})
    code, found, _ = diff_json(cli, "main", "rerecord", "--")
    assert "tests/recordings/gone.json" in found and "rerecord/y.json" not in found


def test_double_dash_as_an_option_value_does_not_end_the_options(
    cli: Callable[..., Result],
) -> None:
    """`--ignore --` ignores a path called "--": the next argument is still a revision."""
    a = cli("diff", "--git", "--ignore", "--", "main..rerecord", "-f", "json")
    b = cli("diff", "--git", "main..rerecord", "-f", "json")
    assert a.exit_code == b.exit_code == 1 and a.stdout == b.stdout


def test_double_dash_in_process_reaches_the_command(cli: Callable[..., Result]) -> None:
    result = cli("diff", "--git", "main", "--", "tests/recordings/gone.json", "-f", "json")
    assert result.exit_code == 2  # "-f" and "json" are paths after "--": they match nothing
    assert "-f: matches no file" in result.stderr
    ok = cli("diff", "--git", "-f", "json", "main", "--", "tests/recordings/gone.json")
    assert ok.exit_code == 1
    assert statuses(ok.stdout) == {"tests/recordings/gone.json": "removed"}


# -- file names --------------------------------------------------------------------------


ODD_NAMES = [b"new\nline.json", "café ☕.json".encode(), b"\xff\x1b[31mred.json", b" -x .json"]


def test_odd_file_names_in_a_range_and_in_the_working_tree(
    repo: Path, cli: Callable[..., Result]
) -> None:
    rec = os.fsencode(repo / "tests" / "recordings")
    for name in ODD_NAMES:
        write(Path(os.fsdecode(os.path.join(rec, name))), stream_recording(TEXT))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "odd names")
    for name in ODD_NAMES:
        target = Path(os.fsdecode(os.path.join(rec, name)))
        write(target, stream_recording(TEXT.replace("Seine", "Rhine")))
    expected = {
        "tests/recordings/new\\nline.json",
        "tests/recordings/café ☕.json",
        "tests/recordings/\\xff\\x1b[31mred.json",
        "tests/recordings/ -x .json",
    }
    code, found, err = diff_json(cli, "HEAD")  # committed vs the working tree
    assert code == 1, err
    assert {path for path, status in found.items() if status == "changed"} == expected
    git(repo, "commit", "-q", "-am", "rhine")
    code, found, err = diff_json(cli, "HEAD~1..HEAD")
    assert (code, found) == (1, dict.fromkeys(expected, "changed")), err
    code, found, _ = diff_json(cli, "HEAD~2", "HEAD")
    added = {path for path, status in found.items() if status == "added"}
    assert added == {*expected, "tests/recordings/untracked.json"}
    text = cli("diff", "--git", "HEAD~1..HEAD", "--format", "text")
    assert "\x1b" not in text.stdout and "new\nline" not in text.stdout
    assert "[-Seine.-]{+Rhine.+}" in text.stdout


def test_untracked_file_with_a_newline_and_an_unstaged_removal(
    repo: Path, cli: Callable[..., Result]
) -> None:
    write(repo / "tests/recordings/two\nlines.json", stream_recording("Two."))
    git(repo, "rm", "-q", "--cached", "tests/recordings/answer.json")  # now untracked
    code, found, err = diff_json(cli, "HEAD")
    assert code == 1, err
    assert found == {
        "tests/recordings/two\\nlines.json": "added",
        "tests/recordings/untracked.json": "added",
        "tests/recordings/answer.json": "same",
    }


def test_external_diff_with_a_file_name_starting_with_a_dash(repo: Path) -> None:
    """git passes its own paths: `-dash.json` is a file, not an option."""
    write(repo / "-dash.json", stream_recording(TEXT))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "dash")
    write(repo / "-dash.json", stream_recording(TEXT.replace("Seine", "Loire")))
    out = git(repo, "-c", f"diff.external={RECSTACK} diff --git-external --format text", "diff")
    assert "changed    -dash.json" in out and "[-Seine.-]{+Loire.+}" in out
    auto = git(repo, "diff", env={"GIT_EXTERNAL_DIFF": f"{RECSTACK} diff --format text"})
    assert "changed    -dash.json" in auto


# -- no repository, no git -----------------------------------------------------------


def test_not_a_repository_is_one_line_exit_2_even_with_a_revision(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    for args in ((), ("main",), ("main..HEAD", "x")):
        result = run_process("diff", "--git", *args, cwd=plain)
        assert result.exit_code == 2, args
        assert result.stderr.count("\n") == 1 and "not a git repository" in result.stderr


def test_git_not_installed_is_one_line_exit_2(repo: Path, tmp_path: Path) -> None:
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    result = run_process("diff", "--git", cwd=repo, env={"PATH": str(empty)})
    assert result.exit_code == 2
    assert result.stderr == "recstack diff: git: git is not installed\n"
