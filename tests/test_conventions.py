"""What every command owes its users: the same conventions across validate, show, diff, normalize.

Bad input is normal input (one clear line naming the file, never a traceback), exit
codes 0/1/2, NO_COLOR, plain output when piped, help with examples, and large folders.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from recstack import __version__
from recstack.app import COMMANDS as APP_COMMANDS

from cli_helpers import Result, run, run_process
from conftest import EXAMPLES

ANSI = re.compile(r"\x1b\[")
ALL_COMMANDS = tuple(m.__name__.rsplit(".", 1)[-1] for m in APP_COMMANDS)
# Every command that reads recording paths (review reads a git revision: tests/test_review.py).
COMMANDS = tuple(name for name in ALL_COMMANDS if name != "review")

BAD_FILES: dict[str, bytes] = {
    "empty.json": b"",
    "nan.json": b'{"request": {}, "response": {"body": NaN}}',
    "binary.json": b'{"request": "\xff\xfe"}',
    "truncated.json": b'{\n  "request": {\n    "url": "http://x"',
    "garbage.json": b'{"request": {}, "response": {}} trailing',
}
# JSON files that are no recordings: skipped (and counted) when found in a directory,
# reported when named explicitly.
OTHER_JSON: dict[str, bytes] = {
    "array.json": b"[1, 2, 3]\n",
    "package.json": b'{"name": "web", "version": "1.0.0"}\n',
    "tsconfig.json": b'{\n  // comments are not JSON\n  "compilerOptions": {}\n}\n',
}


@pytest.fixture
def bad_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bad"
    folder.mkdir()
    for name, raw in {**BAD_FILES, **OTHER_JSON}.items():
        (folder / name).write_bytes(raw)
    return folder


def _one_line_each(stream: str, folder: Path) -> None:
    for name in BAD_FILES:
        lines = [line for line in stream.splitlines() if name in line]
        assert len(lines) == 1, f"{name}: expected one line, got {lines!r}"


@pytest.mark.parametrize(
    "args",
    [
        ("validate",),
        ("show", "--format", "json"),
        ("normalize", "--check"),
        ("ls", "--format", "json"),
        ("explain", os.devnull),
        ("rekey", "--check"),
        ("prune", "--stale", "--duplicates"),
    ],
    ids=lambda a: a[0],
)
def test_bad_files_get_one_line_each_and_exit_1(args: tuple[str, ...], bad_dir: Path) -> None:
    shutil.copy(EXAMPLES / "chat-stream.json", bad_dir / "good.json")
    result = run_process(*args, bad_dir)
    assert result.exit_code == 1, result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    _one_line_each(output, bad_dir)
    for name in OTHER_JSON:  # found by walking: skipped, counted, not reported
        assert name not in output
    if args[-1] != "json":  # the summary line counts them (JSON Lines have no summary)
        assert "3 other JSON files skipped" in output
    explicit = run_process(*args, *(bad_dir / name for name in OTHER_JSON))
    assert explicit.exit_code == 1
    for name in OTHER_JSON:  # named explicitly: reported
        lines = [line for line in explicit.stderr.splitlines() + explicit.stdout.splitlines()]
        assert len([line for line in lines if name in line]) == 1, (name, lines)


def test_diff_of_bad_files_never_tracebacks(bad_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(bad_dir, other)
    (other / "empty.json").write_bytes(b"{}")
    result = run_process("diff", bad_dir, other, "--format", "text")
    assert result.exit_code == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "empty.json" in result.stdout + result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_path_is_a_usage_error(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    result = run_process(*_args(command, missing))
    assert result.exit_code == 2
    assert "nope.json" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_unknown_option_is_a_usage_error(command: str) -> None:
    result = run(command, "--no-such-option")
    assert result.exit_code == 2


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_help_has_examples(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Examples" in result.stdout or "examples" in result.stdout
    assert f"recstack {command}" in result.stdout


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_help_reads_as_words_not_types(command: str) -> None:
    """No type labels (``<list[str]>``, ``<bool>``) and no braces around a required
    argument in the usage line."""
    result = run(command, "--help")
    usage = next(line for line in result.stdout.splitlines() if "Usage:" in line)
    assert "{" not in usage and "}" not in usage, usage
    assert not re.search(r"<(list|bool|int|str|path)\b", result.stdout), result.stdout


# Values typer itself would convert and word as a type checker does ("Input should be a
# valid integer", "Value error, ..."): every shared option words its refusal itself.
BAD_VALUES = [
    (("--jobs", "x"), "--jobs takes a whole number of at least 0, not 'x'"),
    (("--jobs", "-1"), "--jobs takes a whole number of at least 0, not '-1'"),
    (("--jobs", "1.5"), "--jobs takes a whole number of at least 0, not '1.5'"),
    (("--format", "yaml"), "'yaml' is not a format (choose from "),
    (("--color", "maybe"), "'maybe' is not a colour mode (choose from auto, always, never)"),
]


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_bad_option_values_read_as_words(command: str) -> None:
    for args, message in BAD_VALUES:
        result = run(command, *args, env={"COLUMNS": "400"})
        assert result.exit_code == 2, (args, result.stdout + result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert not re.search(r"Input should|Value error|valid integer", result.stderr), args


def test_version_everywhere() -> None:
    assert run("--version").stdout.strip() == f"recstack {__version__}"
    assert run_process("--version").stdout.strip() == f"recstack {__version__}"


@pytest.mark.parametrize(
    "args",
    [
        ("show", EXAMPLES / "chat-stream.json"),
        ("validate", EXAMPLES),
        ("diff", EXAMPLES / "chat.json", EXAMPLES / "chat-stream.json"),
        ("normalize", "--check", EXAMPLES),
    ],
    ids=lambda a: a[0],
)
def test_colour_only_when_asked_and_never_with_no_color(args: tuple[object, ...]) -> None:
    piped = run_process(*args, env={"NO_COLOR": ""})
    assert not ANSI.search(piped.stdout), "piped output must be plain"
    forced = run_process(*args, env={"NO_COLOR": "", "FORCE_COLOR": "1"})
    assert ANSI.search(forced.stdout), "FORCE_COLOR should give colour"
    both = run_process(*args, env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert not ANSI.search(both.stdout), "NO_COLOR wins"
    assert not ANSI.search(both.stderr)


def test_a_folder_of_ten_thousand_files(tmp_path: Path) -> None:
    """Large folders are normal: every command gets through, counting right."""
    folder = tmp_path / "many"
    raw = (EXAMPLES / "chat.json").read_bytes()
    for i in range(100):
        sub = folder / f"area{i:02d}" / "recordings"
        sub.mkdir(parents=True)
        for j in range(100):
            (sub / f"{i:02d}{j:02d}.json").write_bytes(raw)
    (folder / "area00" / "recordings" / "0000.json").write_bytes(b"{oops")
    validated = run_process("validate", folder, "--format", "json")
    assert validated.exit_code == 1
    assert '"files": 10000' in validated.stdout
    assert '"invalid": 1' in validated.stdout
    shown = run_process("show", folder, "--format", "text")
    assert shown.exit_code == 1
    assert shown.stdout.count("\n==> ") == 9998  # each under a header line naming it
    assert shown.stdout.count("\n") == 9999 * 3 - 1  # header, answer, blank line between
    assert shown.stderr.count("\n") == 1


def test_a_fifo_in_a_tree_is_skipped_not_read(tmp_path: Path) -> None:
    """Reading a FIFO named *.json would block forever: every command walks past it."""
    for side in ("a", "b"):
        (tmp_path / side).mkdir()
        shutil.copy(EXAMPLES / "chat.json", tmp_path / side / "chat.json")
        os.mkfifo(tmp_path / side / "pipe.json")
    assert run_process("diff", tmp_path / "a", tmp_path / "b").exit_code == 0
    assert run_process("validate", tmp_path / "a").exit_code == 0
    assert run_process("show", tmp_path / "a", "--format", "text").exit_code == 0


# --- paths that cannot be read: one line each, exit 2, the run goes on ---------------

SHORT = 30  # seconds: a command that blocks on a FIFO or reads /dev/zero fails, not hangs


def _args(command: str, *paths: Path | str) -> list[str | Path]:
    """The command on ``paths``, plus one good recording it must still handle."""
    good = EXAMPLES / "models.json"
    if command == "diff":
        return ["diff", paths[0], good]
    extra: list[str] = {
        "show": ["--format", "json"],
        "ls": ["--format", "json"],
        "normalize": ["--check"],
        "rekey": ["--check"],
        "explain": [os.devnull],
        "prune": ["--stale", "--duplicates"],
    }.get(command, [])
    return [command, *extra, *paths, good]


def _one_error_line(result: Any, command: str, name: str, message: str) -> None:
    """One line names ``name`` with ``message``: on stderr, prefixed with the command
    (validate lists the problems of the files it read in its report instead)."""
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if name in line]
    if not lines and command == "validate":
        lines = [line for line in result.stdout.splitlines() if name in line]
    else:
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert lines and lines[0].startswith(f"recstack {command}: "), lines
    assert len(lines) == 1, lines
    assert message in lines[0], lines


def _handled_the_good_file(command: str, stdout: str) -> None:
    """The good recording given with the bad path was still handled."""
    pattern = {
        "validate": r"\b([1-9]\d*) valid",
        "show": r'^\{"path":',
        "normalize": r"\b([1-9]\d*) unchanged",
        "diff": r"",
        "ls": r'^\{"path": ".*models\.json"',
        "explain": r"\b([1-9]\d*) recordings? read",
        "rekey": r"\b([1-9]\d*) not fixable",
        "prune": r"\b([1-9]\d*) recordings? read",
    }[command]
    assert re.search(pattern, stdout, re.MULTILINE), stdout


def _deny(monkeypatch: pytest.MonkeyPatch, path: Path, function: str) -> None:
    """Make ``path`` unreadable: by its mode bits, and (root ignores them) by making
    ``os.<function>`` fail on it with EACCES."""
    path.chmod(0)
    if os.geteuid() != 0:
        return
    real = getattr(os, function)

    def denied(target: object, *args: object, **kwargs: object) -> object:
        if os.fspath(target) == os.fspath(path):  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(target, *args, **kwargs)

    monkeypatch.setattr(os, function, denied)


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unreadable_directory_is_an_io_error(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It used to be skipped silently ("0 files", exit 0)."""
    trees = []
    for side in ("a", "b"):
        tree = tmp_path / side
        (tree / "locked").mkdir(parents=True)
        shutil.copy(EXAMPLES / "models.json", tree / "models.json")
        shutil.copy(EXAMPLES / "chat.json", tree / "locked" / "chat.json")
        trees.append(tree)
    locked = trees[0] / "locked"
    _deny(monkeypatch, locked, "scandir")
    try:
        args = ["diff", *trees] if command == "diff" else _args(command, trees[0])
        result = run(*args)
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 2, result.stdout + result.stderr
    _one_error_line(result, command, str(locked), "cannot read directory: permission denied")
    _handled_the_good_file(command, result.stdout)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_path_argument_that_cannot_be_reached_is_one_line(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name too long for the OS, a symlink loop, a folder without search permission:
    pathlib's exists()/is_dir() re-raise some of these (an internal error before)."""
    long_name = tmp_path / ("a" * 300 + ".json")
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop.name)
    (tmp_path / "closed").mkdir()
    closed = tmp_path / "closed" / "chat.json"
    shutil.copy(EXAMPLES / "chat.json", closed)
    _deny(monkeypatch, closed, "stat")
    try:
        cases = [
            (long_name, "file name too long"),
            (loop, "too many levels of symbolic links"),
            (closed, "permission denied"),
        ]
        for path, message in cases:
            result = run(*_args(command, path))
            assert result.exit_code == 2, (path, result.stderr)
            _one_error_line(result, command, str(path)[:40], message)
            _handled_the_good_file(command, result.stdout)
    finally:
        closed.chmod(0o644)


def test_a_symlink_loop_in_a_tree_is_one_line(tmp_path: Path) -> None:
    for side in ("a", "b"):
        (tmp_path / side).mkdir()
        shutil.copy(EXAMPLES / "models.json", tmp_path / side / "models.json")
    loop = tmp_path / "a" / "loop.json"
    loop.symlink_to(loop.name)
    for command in COMMANDS:
        if command == "diff":
            result = run("diff", tmp_path / "a", tmp_path / "b")
        else:
            result = run(*_args(command, tmp_path / "a"))
        assert result.exit_code == 2, (command, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        # validate reports files' problems on stdout, the others on stderr
        stream = result.stdout if command == "validate" else result.stderr
        message = f"{loop}: cannot read: too many levels of symbolic links"
        assert sum(message in line for line in stream.splitlines()) == 1, stream


@pytest.mark.parametrize("command", COMMANDS)
def test_a_fifo_named_explicitly_or_on_stdin_is_refused_not_read(
    command: str, tmp_path: Path
) -> None:
    """Opening a FIFO to read it blocks until a writer comes: only regular files are read."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    result = run_process(*_args(command, fifo), timeout=SHORT)
    assert result.exit_code == 2, result.stderr
    _one_error_line(result, command, str(fifo), "a FIFO, not a regular file: not read")
    if command == "diff":
        return
    listed = run_process(*_args(command, "-"), input=f"{fifo}\n", timeout=SHORT)
    assert listed.exit_code == 2, listed.stderr
    _one_error_line(listed, command, str(fifo), "a FIFO, not a regular file")
    _handled_the_good_file(command, listed.stdout)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_device_named_explicitly_is_refused_not_read(command: str, device: str) -> None:
    """`validate /dev/zero` used to read until memory ran out."""
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    result = run_process(*_args(command, device), timeout=SHORT)
    assert result.exit_code == 2, result.stderr
    _one_error_line(result, command, device, "a character device, not a regular file")
    _handled_the_good_file(command, result.stdout)


def _bounded(*args: str | Path, stdin: str | None = None) -> Result:
    """``recstack ARGS`` in a process whose memory is capped (a read of /dev/zero fails
    fast instead of filling the machine's memory), stdin from the file ``stdin``."""
    import resource
    import subprocess
    import sys

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    with open(stdin or os.devnull, "rb") as source:
        proc = subprocess.run(
            [sys.executable, "-m", "recstack", *map(str, args)],
            stdin=source,
            capture_output=True,
            timeout=SHORT,
            preexec_fn=cap,
            env={**os.environ, "NO_COLOR": "1"},
        )
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def test_a_device_as_a_log_a_list_or_a_configuration_is_refused(tmp_path: Path) -> None:
    """They were read to the end: `explain /dev/zero`, `prune --unused-by /dev/zero` and
    `--config /dev/zero` ran out of memory, a FIFO configuration blocked. A log or a list
    may still be a pipe (`<(pytest ...)`, `pytest | recstack explain -`) or /dev/null."""
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    fifo = tmp_path / "recstack.toml"
    os.mkfifo(fifo)
    good = EXAMPLES / "models.json"
    device = "a character device, not a regular file: not read"
    cases = [
        (("explain", "/dev/zero", good), None, f"explain: /dev/zero: {device}"),
        (("explain", "-", good), "/dev/zero", f"explain: -: {device}"),
        (("prune", "--unused-by", "/dev/zero", good), None, f"prune: /dev/zero: {device}"),
        (("prune", "--unused-by", "-", good), "/dev/zero", f"prune: -: {device}"),
        (
            ("ls", "--config", "/dev/zero", good),
            None,
            "ls: /dev/zero: cannot read: not a regular file (a character device)",
        ),
        (
            ("validate", "--config", fifo, good),
            None,
            f"validate: {fifo}: cannot read: not a regular file (a FIFO)",
        ),
    ]
    for args, stdin, line in cases:
        result = _bounded(*args, stdin=stdin)
        assert (result.exit_code, result.stderr) == (2, f"recstack {line}\n"), args
    assert _bounded("explain", os.devnull, good).exit_code == 0
    assert _bounded("explain", "-", good, stdin=os.devnull).exit_code == 0


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "diff"])
def test_a_device_on_stdin_for_the_list_of_paths_is_refused(command: str) -> None:
    """`validate - < /dev/zero` read one endless line of paths until memory ran out."""
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    result = _bounded(*_args(command, "-"), stdin="/dev/zero")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"recstack {command}: -: a character device, not a regular file: not read"
    ]
    _handled_the_good_file(command, result.stdout)


# --- -j: pmap decides, never more processes than cores ---------------------------------


@pytest.mark.parametrize("command", ["validate", "diff", "normalize"])
@pytest.mark.parametrize("jobs", [None, "0", "1", "200"])
def test_jobs_are_capped_at_the_cores(
    command: str, jobs: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import concurrent.futures

    import recstack.parallel as parallel

    started: list[int] = []

    class Pool:
        """Records its size; runs the work in this process."""

        def __init__(self, max_workers: int, **kwargs: object) -> None:
            started.append(max_workers)

        def map(self, fn: Any, items: Any, chunksize: int = 1) -> Any:
            return map(fn, items)

        def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
            pass

    # pmap imports the pool class when it starts one (start-up time): patched at its source.
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Pool)
    for side in ("a", "b"):
        (tmp_path / side).mkdir()
        for i in range(parallel.MIN_PARALLEL):
            shutil.copy(EXAMPLES / "models.json", tmp_path / side / f"{i:03d}.json")
    where = [tmp_path / "a", tmp_path / "b"] if command == "diff" else [tmp_path / "a"]
    options = ["--check"] if command == "normalize" else []
    result = run(command, *options, *where, *(["-j", jobs] if jobs else []))
    assert result.exit_code == 0, result.stderr
    cores = parallel.default_jobs()
    if jobs == "1" or cores == 1:
        assert started == []
    else:
        assert started == [cores]


def test_a_schema_that_is_a_fifo_or_device_is_refused_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "schema.json"
    os.mkfifo(fifo)
    for schema in (fifo, Path("/dev/zero")):
        if not schema.exists():
            continue
        result = run_process(
            "validate", "--schema", schema, EXAMPLES / "models.json", timeout=SHORT
        )
        assert result.exit_code == 2, result.stderr
        assert result.stderr.splitlines() == [
            f"recstack validate: {schema}: cannot read schema: not a regular file "
            f"({'a FIFO' if schema == fifo else 'a character device'})"
        ]


def test_a_long_value_in_a_message_is_cut_one_way() -> None:
    """normalize --diff, rekey --diff, diff and validate's messages quote values through
    one helper (render.jsontext.short_json): one line, an ellipsis where it is cut."""
    import json

    from recstack.normalization import Rewrite
    from recstack.render.jsontext import short_json
    from recstack.render.normalize import SHORT_VALUE, change_text
    from recstack.schema import short

    value = "x\n" * 200
    cut = json.dumps(value)[: SHORT_VALUE - 1] + "…"
    assert short_json(value, SHORT_VALUE) == cut
    assert (
        change_text(Rewrite("r", "id", value, "rec-1", 1)) == f'id: {cut} -> "rec-1" (in 1 place)'
    )
    assert short(value, SHORT_VALUE) == cut


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "-f", "json"),
        ("normalize", "--check", "-f", "json"),
        ("explain", os.devnull, "-f", "json"),
        ("rekey", "--check", "-f", "json"),
        ("prune", "--stale", "-f", "json"),
        ("ls", "-f", "json"),
        ("show", "-f", "json"),
    ],
    ids=lambda a: a[0],
)
def test_every_json_report_is_written_one_way(args: tuple[str, ...], tmp_path: Path) -> None:
    """One writer for every --format json (render.jsontext): non-ASCII as it is, never
    as \\u escapes that hide a name from grep."""
    (tmp_path / "café-bad.json").write_text('{"request": {}, "response": {')
    shutil.copy(EXAMPLES / "chat.json", tmp_path / "café-ok.json")
    result = run(*args, tmp_path)
    assert "café-" in result.stdout, result.stdout
    assert "\\u00e9" not in result.stdout
