"""Test-run logs written in pytest's own output format, for ``recstack explain``.

What pytest 8 prints for a run whose tests fail on a replay miss: the session header,
the progress lines, a ``FAILURES`` section with a ``____ name ____`` header per test
(pytest's short name: ``TestC.test_x[p]``), the frames, the ``E`` lines of the error
with the recorder's real wording, and the short test summary (one ``FAILED <node id> -
message`` line each, cut to the terminal's width). Separator lines are centred the way
pytest's terminal writer centres them, for 80 columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from recstack.nodeid import head_line, split_node_id

WIDTH = 80
HINT = (
    "Run './scripts/integration-tests.sh --inference-mode record-if-missing' "
    "with required API keys to generate."
)


def sep(char: str, title: str = "") -> str:
    """A separator line as pytest's ``TerminalWriter.sep`` draws it."""
    if title:
        fill = char * max((WIDTH - len(title) - 2) // (2 * len(char)), 1)
        line = f"{fill} {title} {fill}"
    else:
        line = char * (WIDTH // len(char))
    if len(line) + len(char.rstrip()) <= WIDTH:
        line += char.rstrip()
    return line


@dataclass(frozen=True)
class Failure:
    """One test that failed on a replay miss."""

    test_id: str
    digest: str  # the request hash the recorder printed
    model: str = "gpt-4o-mini"
    method: str = "POST"
    url: str = "https://api.openai.com/v1/chat/completions"


def miss_lines(
    digest: str, model: str, method: str, url: str, prefix: str = "E       "
) -> list[str]:
    """The recorder's error, as pytest shows it in a traceback (``E`` before each line)."""
    lines = [
        f"RuntimeError: Recording not found for request hash: {digest}",
        f"Model: {model} | Request: {method} {url}",
        "",
        HINT,
    ]
    return [(prefix + line).rstrip() for line in lines]


def _section(failure: Failure) -> list[str]:
    parts = split_node_id(failure.test_id)
    return [
        sep("_", head_line(failure.test_id)),
        "",
        "client = <llama_stack.core.library_client.LlamaStackAsLibraryClient object at 0x7f3a>",
        "",
        f"    def {parts.name}(client, text_model_id):",
        ">       response = client.chat.completions.create(model=text_model_id, messages=MESSAGES)",
        "",
        f"{parts.path}:42: ",
        "_ " * 39 + "_",
        "",
        *miss_lines(failure.digest, failure.model, failure.method, failure.url),
        "",
        "llama_stack/testing/api_recorder.py:612: RuntimeError",
    ]


def _summary(failure: Failure) -> str:
    line = (
        f"FAILED {failure.test_id} - RuntimeError: Recording not found for request hash: "
        f"{failure.digest}"
    )
    return line if len(line) <= WIDTH else line[: WIDTH - 3] + "..."


def pytest_log(*failures: Failure, passed: int = 1, before: list[str] | None = None) -> str:
    """The output of a run where ``failures`` failed and ``passed`` tests passed;
    ``before``: lines printed before the first test (session fixtures with ``-s``)."""
    total = len(failures) + passed
    files: dict[str, str] = {}
    for failure in failures:
        path = split_node_id(failure.test_id).path
        files[path] = files.get(path, "") + "F"
    lines = [
        sep("=", "test session starts"),
        "platform linux -- Python 3.12.3, pytest-8.4.2, pluggy-1.6.0",
        "rootdir: /home/runner/work/llama-stack/llama-stack",
        "configfile: pyproject.toml",
        "plugins: asyncio-1.1.0, anyio-4.9.0, json-report-1.5.0",
        f"collected {total} items",
        *(before or []),
        "",
    ]
    done = 0
    for path, marks in files.items():
        done += len(marks)
        lines.append(f"{path} {marks}".ljust(WIDTH - 6) + f"[{100 * done // total:3d}%]")
    lines += ["", sep("=", "FAILURES")]
    for failure in failures:
        lines += _section(failure)
    lines.append(sep("=", "short test summary info"))
    lines += [_summary(failure) for failure in failures]
    lines.append(sep("=", f"{len(failures)} failed, {passed} passed in 12.34s"))
    return "\n".join(lines) + "\n"
