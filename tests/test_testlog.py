"""recstack.testlog: replay misses read out of pytest logs, attributed to their tests.

The logs below are written by hand in pytest's own output format (checked against
pytest 8 and 9): session header, ``-v`` progress lines, ``ERRORS`` / ``FAILURES``
sections with ``____ name ____`` headers, ``E`` lines, captured logs and the short
test summary, with the replay error's real wording.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from recstack.testlog import Miss, find_misses, misses_in_file, read_misses

H1 = "5f3c" + "1" * 60
H2 = "9e2a" + "2" * 60
H3 = "0b7d" + "3" * 60
H4 = "c4d1" + "4" * 60
H5 = "77ab" + "5" * 60
SHORT = "a1b2c3d4e5f6"

CHAT = "tests/integration/inference/test_openai_completion.py"
AGENTS = "tests/integration/agents/test_agents.py"
PARAMS = "[txt=ollama/llama3.2:3b-instruct-fp16-inference:chat_completion:stream=True]"
OLLAMA = "http://0.0.0.0:11434/v1/chat/completions"
SEP = "_ " * 39 + "_"  # a traceback's frame separator
HINT = (
    "Run './scripts/integration-tests.sh --inference-mode record-if-missing' "
    "with required API keys to generate."
)


def error_lines(digest: str, model: str, method: str, url: str, prefix: str = "E       ") -> str:
    """The replay error as pytest shows it in a traceback (``E`` before each line)."""
    lines = [
        f"RuntimeError: Recording not found for request hash: {digest}",
        f"Model: {model} | Request: {method} {url}",
        "",
        HINT,
    ]
    return "\n".join((prefix + line).rstrip() for line in lines)


RUN = f"""\
============================= test session starts ==============================
platform linux -- Python 3.12.3, pytest-8.4.2, pluggy-1.6.0
rootdir: /home/runner/work/llama-stack/llama-stack
configfile: pyproject.toml
plugins: asyncio-1.1.0, anyio-4.9.0
collected 5 items

tests/integration/inference/test_openai_completion.py FF.                [ 60%]
tests/integration/agents/test_agents.py EF                               [100%]

==================================== ERRORS ====================================
_____________________ ERROR at setup of test_agent_simple ______________________

    @pytest.fixture(scope="module")
    def agent_config(llama_stack_client):
>       models = llama_stack_client.models.list()

tests/integration/agents/conftest.py:31:
{SEP}

{error_lines(H4, "unknown", "GET", "http://0.0.0.0:11434/v1/models")}

llama_stack/testing/api_recorder.py:612: RuntimeError
=================================== FAILURES ===================================
_ TestChat.test_openai_chat_completion{PARAMS} _

self = <tests.integration.inference.test_openai_completion.TestChat object at 0x7f>
client = <llama_stack.core.library_client.LlamaStackAsLibraryClient object at 0x7f>

    def test_openai_chat_completion(self, client, model):
>       first = client.chat.completions.create(model=model, messages=MESSAGES)

{CHAT}:118:
{SEP}

{error_lines(H1, "llama3.2:3b-instruct-fp16", "POST", OLLAMA)}

llama_stack/testing/api_recorder.py:612: RuntimeError
------------------------------ Captured log call -------------------------------
ERROR    llama_stack.core.server:server.py:231 Error executing endpoint
Traceback (most recent call last):
  File "/home/runner/work/llama-stack/llama_stack/core/server.py", line 229, in route
    return await func(**kwargs)
RuntimeError: Recording not found for request hash: {H2}
Model: llama3.2:3b-instruct-fp16 | Request: POST http://0.0.0.0:11434/v1/embeddings

{HINT}
ERROR    llama_stack.core.server:server.py:231 Error executing endpoint
RuntimeError: Recording not found for request hash: {H1}
Model: llama3.2:3b-instruct-fp16 | Request: POST {OLLAMA}
________________________ test_openai_completion_stream _________________________

client = <llama_stack.core.library_client.LlamaStackAsLibraryClient object at 0x7f>

    def test_openai_completion_stream(client):
>       stream = client.completions.create(model="m", prompt="hi", stream=True)

{CHAT}:151:
{SEP}

{error_lines(H1, "llama3.2:3b-instruct-fp16", "POST", OLLAMA)}

llama_stack/testing/api_recorder.py:612: RuntimeError
_______________________________ test_agent_turn ________________________________

    def test_agent_turn(llama_stack_client):
>       assert turn.output_message.content == "Paris"
E       AssertionError: assert 'London' == 'Paris'

{AGENTS}:88: AssertionError
----------------------------- Captured stdout call -----------------------------
fetching weather
=========================== short test summary info ============================
ERROR {AGENTS}::test_agent_simple - RuntimeError: Recording not found for request hash: 0b7d3...
FAILED {CHAT}::TestChat::test_openai_chat_completion{PARAMS}
FAILED {CHAT}::test_openai_completion_stream - RuntimeError: Recording not fo...
FAILED {AGENTS}::test_agent_turn - AssertionError: assert 'London' == 'Paris'
==================== 3 failed, 1 passed, 1 error in 12.34s =====================
"""

CHAT_TEST = f"{CHAT}::TestChat::test_openai_chat_completion{PARAMS}"

EXPECTED = [
    Miss(
        H4,
        f"{AGENTS}::test_agent_simple",
        None,
        "GET",
        "http://0.0.0.0:11434/v1/models",
        "/v1/models",
        line=21,
    ),
    Miss(H1, CHAT_TEST, "llama3.2:3b-instruct-fp16", "POST", OLLAMA, "/v1/chat/completions", 39),
    Miss(
        H2,
        CHAT_TEST,
        "llama3.2:3b-instruct-fp16",
        "POST",
        "http://0.0.0.0:11434/v1/embeddings",
        "/v1/embeddings",
        50,
    ),
    Miss(
        H1,
        f"{CHAT}::test_openai_completion_stream",
        "llama3.2:3b-instruct-fp16",
        "POST",
        OLLAMA,
        "/v1/chat/completions",
        67,
    ),
]


def lines_of(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def test_a_run_with_errors_failures_and_captured_logs() -> None:
    assert find_misses(lines_of(RUN)) == EXPECTED


def test_the_line_is_where_the_message_starts() -> None:
    lines = RUN.splitlines()
    for miss in EXPECTED:
        assert miss.hash in lines[miss.line - 1]
        assert "Recording not found" in lines[miss.line - 1]


def test_colour_codes_and_windows_line_ends_change_nothing() -> None:
    coloured = (
        RUN.replace("FAILED ", "\x1b[31mFAILED\x1b[0m ")
        .replace("E       ", "\x1b[1m\x1b[31mE       ")
        .replace("=====\n", "=====\x1b[0m\n")
        .replace("\n_", "\n\x1b[31m\x1b[1m_")
        .replace("RuntimeError: Recording", "\x1b[1mRuntimeError\x1b[0m: Recording")
    )
    assert coloured.count("\x1b[") > 30
    crlf = coloured.replace("\n", "\r\n")
    assert find_misses(lines_of(crlf)) == EXPECTED
    assert read_misses(io.BytesIO(crlf.encode())) == EXPECTED


def test_github_actions_timestamps_are_taken_off() -> None:
    stamped = "".join(
        f"2025-10-01T12:34:{n % 60:02d}.{n:07d}Z {line}" for n, line in enumerate(lines_of(RUN))
    )
    assert find_misses(lines_of(stamped)) == EXPECTED
    assert read_misses(io.BytesIO(stamped.encode())) == EXPECTED


def test_a_file_and_a_utf16_file(tmp_path: Path) -> None:
    plain = tmp_path / "run.log"
    plain.write_bytes(RUN.encode())
    assert misses_in_file(plain) == EXPECTED
    windows = tmp_path / "powershell.log"
    windows.write_bytes(RUN.replace("\n", "\r\n").encode("utf-16"))  # with its BOM
    assert misses_in_file(windows) == EXPECTED


def test_undecodable_bytes_do_not_stop_the_reading() -> None:
    raw = b"garbage \xff\xfe\x80 here\n" + RUN.encode()
    misses = read_misses(io.BytesIO(raw))
    assert [(m.hash, m.line) for m in misses] == [(m.hash, m.line + 1) for m in EXPECTED]


def test_chunked_reading_keeps_line_numbers_across_chunks() -> None:
    filler = "INFO     llama_stack.core:server.py:10 " + "x" * 80 + "\n"
    log = filler * 20_000 + RUN  # about 2.4 MB: several chunks
    misses = read_misses(io.BytesIO(log.encode()))
    assert [m.line for m in misses] == [m.line + 20_000 for m in EXPECTED]
    assert misses == find_misses(lines_of(log))


# --- attribution ---------------------------------------------------------------------

VERBOSE_INLINE = f"""\
============================= test session starts ==============================
platform linux -- Python 3.12.3, pytest-8.4.2, pluggy-1.6.0 -- /usr/bin/python3
cachedir: .pytest_cache
rootdir: /home/runner/work/llama-stack/llama-stack
collecting ... collected 3 items

{CHAT}::test_openai_chat_completion_non_streaming[txt=ollama/llama3.2:3b] INFO     server started
INFO     2025-10-01 12:00:00,000 llama_stack.core.server:231 server: POST /v1/chat/completions
ERROR    2025-10-01 12:00:00,001 llama_stack.core.server:231 server: Error executing endpoint
RuntimeError: Recording not found for request hash: {H3}
Model: ollama/llama3.2:3b | Request: POST {OLLAMA}

{HINT}
FAILED                                                                   [ 33%]
{CHAT}::test_openai_embeddings[emb=ollama/all-minilm:l6-v2] PASSED       [ 66%]
{AGENTS}::test_agent_simple[txt=ollama/llama3.2:3b] Recording not found for request hash: {H5}
Model: ollama/llama3.2:3b | Request: POST {OLLAMA}
PASSED                                                                   [100%]

=========================== short test summary info ============================
FAILED {CHAT}::test_openai_chat_completion_non_streaming[txt=ollama/llama3.2:3b] - Runtim...
==================== 1 failed, 2 passed in 4.56s =====================
"""


def test_inline_output_goes_to_the_test_that_v_announced() -> None:
    """``-s -v``: the output of a test follows its node id (the failing and the passing)."""
    assert find_misses(lines_of(VERBOSE_INLINE)) == [
        Miss(
            H3,
            f"{CHAT}::test_openai_chat_completion_non_streaming[txt=ollama/llama3.2:3b]",
            "ollama/llama3.2:3b",
            "POST",
            OLLAMA,
            "/v1/chat/completions",
            10,
        ),
        Miss(
            H5,
            f"{AGENTS}::test_agent_simple[txt=ollama/llama3.2:3b]",
            "ollama/llama3.2:3b",
            "POST",
            OLLAMA,
            "/v1/chat/completions",
            16,
        ),
    ]


def test_misses_outside_any_test_have_none() -> None:
    log = f"""\
=== Starting Llama Stack Server ===
ERROR    startup: Recording not found for request hash: {H2}
Model: all-minilm | Request: POST http://0.0.0.0:11434/api/embed
============================= test session starts ==============================
collected 2 items

tests/integration/inference/test_a.py ..                                 [100%]
Recording not found for request hash: {H3}
============================== 2 passed in 0.12s ===============================
"""
    misses = find_misses(lines_of(log))
    assert [(m.hash, m.test_id, m.endpoint, m.line) for m in misses] == [
        (H2, None, "/api/embed", 2),
        (H3, None, None, 8),
    ]


def test_summary_line_alone_names_the_test() -> None:
    """``--tb=no``: only the summary carries the message (one line, no model)."""
    log = f"""\
tests/x/test_a.py::test_b[p1] FAILED                                     [ 50%]
=========================== short test summary info ============================
FAILED tests/x/test_a.py::test_b[p1] - RuntimeError: Recording not found for request hash: {H1}
FAILED tests/x/test_a.py::test_b[p 2] - RuntimeError: Recording not found for request hash: {H2}
FAILED tests/x/test_a.py::test_c - RuntimeError: Recording not found for request hash: {H3[:20]}...
FAILED tests/x/test_a.py::test_d - RuntimeError: Recording not found for request hash: {H3[:12]}...
"""
    misses = find_misses(lines_of(log))
    assert [(m.hash, m.test_id, m.model, m.line) for m in misses] == [
        (H1, "tests/x/test_a.py::test_b[p1]", None, 3),
        (H2, "tests/x/test_a.py::test_b[p 2]", None, 4),
    ]


def test_same_short_name_in_two_files_goes_by_order() -> None:
    """Two failing ``test_chat[p1]``: the n-th header is the n-th summary line of that name."""
    log = f"""\
=================================== FAILURES ===================================
________________________________ test_chat[p1] _________________________________
{error_lines(H1, "m", "POST", OLLAMA)}
________________________________ test_chat[p1] _________________________________
{error_lines(H2, "m", "POST", OLLAMA)}
=========================== short test summary info ============================
FAILED tests/b/test_x.py::test_chat[p1] - RuntimeError: Recor...
FAILED tests/a/test_x.py::test_chat[p1] - RuntimeError: Recor...
"""
    misses = find_misses(lines_of(log))
    assert [(m.hash, m.test_id) for m in misses] == [
        (H1, "tests/b/test_x.py::test_chat[p1]"),
        (H2, "tests/a/test_x.py::test_chat[p1]"),
    ]


def test_without_a_summary_the_first_frame_names_the_file() -> None:
    """A log cut before the summary: the traceback's first frame is the test's file."""
    log = f"""\
=================================== FAILURES ===================================
___________________________ TestChat.test_chat[p1] ____________________________

    def test_chat(self, p):
>       client.chat.completions.create(model=p)

tests/integration/inference/test_chat.py:16:
{SEP}
llama_stack/testing/api_recorder.py:600: in _patched_inference_method
    raise RuntimeError(
{error_lines(H1, "m", "POST", OLLAMA)}
_________________________________ test_other __________________________________
E       RuntimeError: Recording not found for request hash: {H2}
"""
    misses = find_misses(lines_of(log))
    assert [(m.hash, m.test_id) for m in misses] == [
        (H1, "tests/integration/inference/test_chat.py::TestChat::test_chat[p1]"),
        (H2, "test_other"),  # nothing names its file: pytest's short name stays
    ]


def test_the_frame_that_raised_names_no_test_unless_it_is_a_test_file() -> None:
    """``path:N: RuntimeError`` ends the frame that raised: the recorder's file is no
    test's; a test file there (the frames below it hidden) is the test's."""
    log = f"""\
=================================== FAILURES ===================================
_ TestBatches.test_batch[txt=ollama/llama3.2:3b] _

self = <test_batches.TestBatches object at 0x7f3a>

{error_lines(H1, "m", "POST", OLLAMA)}

llama_stack/testing/api_recorder.py:612: RuntimeError
------------------------------ Captured log call -------------------------------
ERROR    llama_stack.testing.api_recorder:api_recorder.py:600 Recording not found!
_________________________________ test_other __________________________________

    def test_other(client):
>       client.chat.completions.create(model="m")
{error_lines(H2, "m", "POST", OLLAMA)}

tests/integration/inference/test_chat.py:16: RuntimeError
"""
    misses = find_misses(lines_of(log))
    assert [(m.hash, m.test_id) for m in misses] == [
        (H1, "TestBatches.test_batch[txt=ollama/llama3.2:3b]"),  # not api_recorder.py's
        (H2, "tests/integration/inference/test_chat.py::test_other"),
    ]


def test_collection_errors_name_the_file() -> None:
    log = f"""\
==================================== ERRORS ====================================
______ ERROR collecting tests/integration/inference/test_vision.py ______
tests/integration/inference/test_vision.py:12: in <module>
    MODELS = client.models.list()
{error_lines(H5, "unknown", "GET", "http://0.0.0.0:11434/api/tags")}
"""
    misses = find_misses(lines_of(log))
    assert [(m.test_id, m.endpoint) for m in misses] == [
        ("tests/integration/inference/test_vision.py", "/api/tags")
    ]


def test_passes_section_and_xdist() -> None:
    """``-rA`` shows the captured output of passing tests; xdist prints ``[gwN]``."""
    log = f"""\
[gw1] [ 50%] PASSED tests/x/test_a.py::TestK::test_b[p]
[gw0] [100%] PASSED tests/x/test_a.py::test_c
==================================== PASSES ====================================
_______________________________ TestK.test_b[p] ________________________________
[gw1] linux -- Python 3.12.3 /usr/bin/python3
------------------------------ Captured log call -------------------------------
WARNING  llama_stack:retry.py:40 Recording not found for request hash: {H4}
"""
    misses = find_misses(lines_of(log))
    assert [(m.hash, m.test_id) for m in misses] == [(H4, "tests/x/test_a.py::TestK::test_b[p]")]


def test_two_sessions_are_resolved_separately() -> None:
    session = """\
============================= test session starts ==============================
=================================== FAILURES ===================================
________________________________ test_chat[p1] _________________________________
E       RuntimeError: Recording not found for request hash: {digest}
=========================== short test summary info ============================
FAILED {path}::test_chat[p1] - RuntimeError: Recor...
"""
    log = session.format(digest=H1, path="tests/a/test_x.py") + session.format(
        digest=H1, path="tests/b/test_x.py"
    )
    misses = find_misses(lines_of(log))
    assert [(m.hash, m.test_id, m.line) for m in misses] == [
        (H1, "tests/a/test_x.py::test_chat[p1]", 4),
        (H1, "tests/b/test_x.py::test_chat[p1]", 10),
    ]


def test_a_program_s_own_separator_lines_are_not_pytest_sections() -> None:
    log = f"""\
tests/x/test_a.py::test_b INFO start
=== retrying with a fresh client ===
Recording not found for request hash: {H1}
"""
    assert [m.test_id for m in find_misses(lines_of(log))] == ["tests/x/test_a.py::test_b"]


# --- the message's wordings ----------------------------------------------------------


def test_each_wording_of_the_message() -> None:
    log = f"""\
E   RuntimeError: No recorded response found for request hash: {H1}
E   Request: POST http://localhost:11434/api/generate {{'model': 'llama3.2:3b', 'raw': True}}
E   Model: llama3.2:3b
E   To record this response, run with LLAMA_STACK_TEST_INFERENCE_MODE=record
E   RuntimeError: No recorded response found for request hash: {H2}
E   Endpoint: /v1/completions
E   Model: meta-llama/Llama-3.2-3B-Instruct
E   To record this response, run with LLAMA_STACK_INFERENCE_MODE=record
E   RuntimeError: Recording not found for genai request hash: {H3}
E   Model: gemini-2.0-flash | Endpoint: /generate_content_stream
E
E   Run './scripts/integration-tests.sh --inference-mode record-if-missing' with required API keys.
RuntimeError: Recording not found for request hash: {SHORT}
Model: unknown | Request: GET https://api.openai.com/v1/v1/models
"""
    misses = find_misses(lines_of(log))
    assert [(m.hash, m.model, m.method, m.url, m.endpoint, m.line) for m in misses] == [
        (
            H1,
            "llama3.2:3b",
            "POST",
            "http://localhost:11434/api/generate",
            "/api/generate",
            1,
        ),
        (H2, "meta-llama/Llama-3.2-3B-Instruct", None, None, "/v1/completions", 5),
        (H3, "gemini-2.0-flash", None, None, "/generate_content_stream", 9),
        (SHORT, None, "GET", "https://api.openai.com/v1/v1/models", "/v1/v1/models", 13),
    ]


def test_the_message_inside_an_exception_group() -> None:
    """Python 3.11+ draws each exception of a group behind ``|`` (anyio task groups)."""
    log = f"""\
E     | ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)
E     +-+---------------- 1 ----------------
E       | Traceback (most recent call last):
E       |   File "/src/llama_stack/testing/api_recorder.py", line 612, in _patched
E       |     raise RuntimeError(
E       | RuntimeError: Recording not found for request hash: {H2}
E       | Model: gpt-4o | Request: POST https://api.openai.com/v1/chat/completions
E       |
E       | {HINT}
E       +------------------------------------
"""
    assert find_misses(lines_of(log)) == [
        Miss(
            H2,
            None,
            "gpt-4o",
            "POST",
            "https://api.openai.com/v1/chat/completions",
            "/v1/chat/completions",
            6,
        )
    ]


def test_the_message_inside_a_quoted_string() -> None:
    log = (
        "E   AssertionError: assert 'ok' in 'Recording not found for request hash: "
        f"{H1}\\nModel: gpt-4o | Request: POST https://api.openai.com/v1/responses\\n\\nRun ...'\n"
        "Model: not this one | Request: PUT http://elsewhere/x\n"
    )
    assert find_misses(lines_of(log)) == [
        Miss(H1, None, "gpt-4o", "POST", "https://api.openai.com/v1/responses", "/v1/responses", 1)
    ]


def test_what_is_not_a_hash_is_not_taken() -> None:
    log = f"""\
>       raise RuntimeError(f"Recording not found for request hash: {{request_hash}}\\n"
E   RuntimeError: Recording not found for request hash: {H1}0
E   RuntimeError: Recording not found for request hash: {H1[:40]}
E   RuntimeError: Recording not found for request hash: {H1[:12]}xyz
E   RuntimeError: Recording not found for rerank request | URL: http://x/v1/rerank
E   RuntimeError: Recording not found for tavily.web_search | Request: {{'query': 'q'}}
"""
    assert find_misses(lines_of(log)) == []


def test_upper_case_hex_is_read_lower_case_and_lines_far_apart_stay_apart() -> None:
    log = (
        f"Recording not found for request hash: {H1.upper()}\n"
        + "unrelated line\n"
        + "Model: later | Request: POST http://x/v1/embeddings\n"
    )
    assert find_misses(lines_of(log)) == [Miss(H1, None, None, None, None, None, 1)]


def test_a_bad_url_leaves_the_endpoint_unknown() -> None:
    log = f"Recording not found for request hash: {H1}\nModel: m | Request: POST http://[::1\n"
    [miss] = find_misses(lines_of(log))
    assert (miss.url, miss.endpoint) == ("http://[::1", None)


def test_the_url_path_is_what_replay_keys_on() -> None:
    """The endpoint is ``urlparse(url).path``: replay's key holds it (databricks urls too)."""
    log = (
        f"Recording not found for request hash: {H1}\n"
        "Model: databricks-meta-llama | Request: POST __databricks__/serving-endpoints/chat\n"
    )
    [miss] = find_misses(lines_of(log))
    assert miss.endpoint == "__databricks__/serving-endpoints/chat"


def test_a_line_a_progress_bar_rewrote_with_carriage_returns() -> None:
    log = f"x\r\n\r\rRecording not found for request hash: {H1}  \r\nModel: m | Request: GET http://h/a\r\n"
    expected = [Miss(H1, None, "m", "GET", "http://h/a", "/a", 2)]
    assert read_misses(io.BytesIO(log.encode())) == expected
    assert find_misses(log.split("\n")) == expected  # lines end at \n only, as in a file


def test_an_empty_log() -> None:
    assert find_misses([]) == []
    assert read_misses(io.BytesIO(b"")) == []


@pytest.mark.parametrize("tests", [300])
def test_a_larger_generated_run(tests: int) -> None:
    """A run of many tests, one in ten missing two recordings (a small fixed sample)."""
    progress, failures, summary = [], [], []
    for number in range(tests):
        node = f"tests/integration/t{number % 7}/test_m.py::test_f{number}[p{number % 3}]"
        fails = number % 10 == 0
        progress.append(f"{node} {'FAILED' if fails else 'PASSED'}       [ 10%]")
        if fails:
            failures.append(f"_____ test_f{number}[p{number % 3}] _____")
            failures.append(
                f"E   RuntimeError: Recording not found for request hash: {number:064x}"
            )
            failures.append(f"E   Model: m{number} | Request: POST http://h/v1/chat/completions")
            failures.append(f"E   RuntimeError: Recording not found for request hash: {H1}")
            summary.append(f"FAILED {node} - RuntimeError: Recor...")
    log = "\n".join(
        [
            "=" * 29 + " test session starts " + "=" * 30,
            *progress,
            "=" * 35 + " FAILURES " + "=" * 35,
            *failures,
            "=" * 28 + " short test summary info " + "=" * 28,
            *summary,
        ]
    )
    misses = find_misses(lines_of(log))
    assert len(misses) == 2 * (tests // 10)
    assert misses[0] == Miss(
        f"{0:064x}",
        "tests/integration/t0/test_m.py::test_f0[p0]",
        "m0",
        "POST",
        "http://h/v1/chat/completions",
        "/v1/chat/completions",
        tests + 4,
    )
    assert {m.test_id for m in misses if m.hash == H1} == {
        f"tests/integration/t{n % 7}/test_m.py::test_f{n}[p{n % 3}]" for n in range(0, tests, 10)
    }
