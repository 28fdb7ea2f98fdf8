"""recstack.manifest (which tests exist) and recstack.nodeid (node ids, ``--test`` globs).

The collect-only texts below are pytest's own output shapes (checked against pytest 8
and 9), the JSON is pytest-json-report's (``collectors`` filled by ``--collect-only``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from recstack import nodeid
from recstack.manifest import (
    Manifest,
    ManifestError,
    ManifestFormat,
    looks_renamed,
    read_manifest,
)

CHAT = "tests/integration/inference/test_openai_completion.py"
P1 = "[txt=ollama/llama3.2:3b-instruct-fp16-inference:chat_completion:stream=True]"
P2 = "[txt=openai/gpt-4o-inference:chat_completion:stream=True]"
IDS = [
    f"{CHAT}::test_openai_chat_completion{P1}",
    f"{CHAT}::test_openai_chat_completion{P2}",
    f"{CHAT}::TestEmbeddings::test_embed[emb=ollama/all-minilm:l6-v2]",
    "tests/integration/agents/test_agents.py::test_agent_simple[a b]",
    "tests/integration/agents/test_agents.py::test_agent_turn",
]

COLLECT_ONLY_Q = "\n".join(IDS) + "\n\n5 tests collected in 0.12s\n"

COLLECT_ONLY_TREE = f"""\
============================= test session starts ==============================
platform linux -- Python 3.12.3, pytest-8.4.2, pluggy-1.6.0
rootdir: /home/runner/work/llama-stack/llama-stack
configfile: pyproject.toml
collected 5 items

<Dir llama-stack>
  <Dir tests>
    <Package integration>
      <Package inference>
        <Module test_openai_completion.py>
          <Function test_openai_chat_completion{P1}>
          <Function test_openai_chat_completion{P2}>
          <Class TestEmbeddings>
            <Function test_embed[emb=ollama/all-minilm:l6-v2]>
      <Package agents>
        <Module test_agents.py>
          <Function test_agent_simple[a b]>
          <Function test_agent_turn>

========================== 5 tests collected in 0.14s ==========================
"""


def json_report(**extra: Any) -> dict[str, Any]:
    """What ``pytest --collect-only --json-report`` writes (``tests`` empty), trimmed."""
    inference = "tests/integration/inference"
    return {
        "created": 1759312345.6,
        "exitcode": 0,
        "root": "/home/runner/work/llama-stack/llama-stack",
        "summary": {"total": 0, "collected": 5, "deselected": 1},
        "collectors": [
            {"nodeid": "", "outcome": "passed", "result": [{"nodeid": ".", "type": "Dir"}]},
            {
                "nodeid": f"{CHAT}::TestEmbeddings",
                "outcome": "passed",
                "result": [{"nodeid": IDS[2], "type": "Function", "lineno": 40}],
            },
            {
                "nodeid": CHAT,
                "outcome": "passed",
                "result": [
                    {"nodeid": IDS[0], "type": "Function", "lineno": 12},
                    {"nodeid": IDS[1], "type": "Function", "lineno": 12, "deselected": True},
                    {"nodeid": f"{CHAT}::TestEmbeddings", "type": "Class"},
                ],
            },
            {
                "nodeid": "tests/integration/agents/test_agents.py",
                "outcome": "passed",
                "result": [
                    {"nodeid": IDS[3], "type": "Function", "lineno": 7},
                    {"nodeid": IDS[4], "type": "Function", "lineno": 20},
                ],
            },
            {
                "nodeid": inference,
                "outcome": "passed",
                "result": [{"nodeid": CHAT, "type": "Module"}],
            },
        ],
        "tests": [],
        **extra,
    }


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (COLLECT_ONLY_Q, ManifestFormat.COLLECT_ONLY),
        (COLLECT_ONLY_TREE, ManifestFormat.COLLECT_TREE),
        (json.dumps(json_report(), indent=2), ManifestFormat.JSON_REPORT),
        ("# CI tests\n\n" + "\n".join(IDS) + "\n", ManifestFormat.NODE_IDS),
    ],
    ids=["collect-only-q", "collect-only-tree", "json-report", "plain"],
)
def test_each_form_gives_the_same_ids(text: str, kind: ManifestFormat) -> None:
    manifest = read_manifest(text)
    assert manifest.format is kind
    assert manifest.ids == frozenset(IDS)
    assert list(manifest) == sorted(IDS)
    assert len(manifest) == 5


def test_colour_codes_crlf_and_a_bom_are_read_through() -> None:
    coloured = "\ufeff" + COLLECT_ONLY_Q.replace("5 tests", "\x1b[32m5 tests").replace(
        "0.12s", "0.12s\x1b[0m"
    )
    assert read_manifest(coloured.replace("\n", "\r\n")).ids == frozenset(IDS)


def test_deselected_counts_and_several_runs() -> None:
    """``-k`` prints K/N; two runs pasted together (two suites) are read as one list."""
    first = IDS[0] + "\n" + IDS[3] + "\n\n2/5 tests collected (3 deselected) in 0.10s\n"
    second = IDS[4] + "\n\n1 test collected in 0.01s\n"
    manifest = read_manifest(first + second)
    assert manifest.ids == frozenset({IDS[0], IDS[3], IDS[4]})


def test_warnings_after_the_ids_are_not_ids() -> None:
    text = (
        IDS[0]
        + "\n\n"
        + "=============================== warnings summary ===============================\n"
        + f"{IDS[1]}\n  /x/conftest.py:12: DeprecationWarning: old\n\n"
        + "-- Docs: https://docs.pytest.org/en/stable/how-to/capture-warnings.html\n"
        + "1 test collected in 0.00s\n"
    )
    assert read_manifest(text).ids == frozenset({IDS[0]})


def test_json_tests_are_taken_too_and_collectors_may_be_omitted() -> None:
    """A report of a real run (``--json-report-omit collectors``) lists its tests."""
    report = {"summary": {"total": 1}, "tests": [{"nodeid": IDS[4], "outcome": "passed"}]}
    assert read_manifest(json.dumps(report)).ids == frozenset({IDS[4]})


# --- what is refused -----------------------------------------------------------------

COLLECTION_ERROR = f"""\
{IDS[0]}

==================================== ERRORS ====================================
______________ ERROR collecting tests/integration/vision/test_x.py _____________
E   ModuleNotFoundError: No module named 'PIL'
=========================== short test summary info ============================
ERROR tests/integration/vision/test_x.py
!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!
1 test collected, 1 error in 0.14s
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty: expected `pytest --collect-only -q` output"),
        (" \n\n", "empty: expected"),
        (COLLECTION_ERROR, "collection had errors"),
        (IDS[0] + "\n\n3 tests collected in 0.10s\n", "line 3: pytest says 3 tests collected"),
        ("no tests collected in 0.01s\n", "no test ids in it (pytest --collect-only -q)"),
        ("no tests collected (12 deselected) in 0.01s\n", "no test ids in it"),
        (
            "tests/a/test_x.py: 3\ntests/b/test_y.py: 1\n",
            "per-file counts (pytest --collect-only -qq) name no tests: use -q",
        ),
        (IDS[0] + "\ntests/a/test_x.py\n", "line 2: not a pytest node id: 'tests/a/test_x.py'"),
        ("hello world\n", "line 1: not a pytest node id: 'hello world'"),
        ("# only comments\n", "no test ids in it (node ids)"),
        ("{not json", "not valid JSON"),
        ('{"summary": {"passed": 3}}', "not a pytest-json-report report"),
        ('["a.py::b"]', "not a pytest-json-report report"),
        ('{"collectors": {}}', "collectors is not a list"),
        ('{"tests": [{"outcome": "passed"}]}', "tests[0] has no string nodeid"),
        ('{"collectors": [], "tests": []}', "no test ids in it (pytest-json-report)"),
        (
            COLLECT_ONLY_TREE.replace("5 tests", "6 tests"),
            "pytest says 6 tests collected, but 5 tests are listed",
        ),
    ],
)
def test_what_is_refused_says_why_on_one_line(text: str, message: str) -> None:
    with pytest.raises(ManifestError) as caught:
        read_manifest(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_failed_collector_in_json_is_refused() -> None:
    report = json_report()
    report["collectors"][3]["outcome"] = "failed"
    with pytest.raises(ManifestError, match=r"collection failed in 1 place:"):
        read_manifest(json.dumps(report))


# --- contains ------------------------------------------------------------------------


@pytest.fixture
def manifest() -> Manifest:
    return read_manifest(COLLECT_ONLY_Q)


def test_contains_exact_ids(manifest: Manifest) -> None:
    assert manifest.contains(IDS[0])
    assert manifest.contains(IDS[3])
    assert not manifest.contains(f"{CHAT}::test_openai_chat_completion[txt=other]")
    assert not manifest.contains(f"{CHAT}::test_openai_chat_completion")  # no params
    assert not manifest.contains(IDS[0][:-1])  # parameters must match exactly


def test_contains_across_rootdirs() -> None:
    """Listed from ``tests/`` as rootdir: the recorded ``tests/...`` ids still match."""
    short = read_manifest("\n".join(i.removeprefix("tests/") for i in IDS))
    assert short.contains(IDS[0])
    assert short.contains(IDS[2])
    assert not short.contains(IDS[0], exact=True)
    assert not short.contains(
        "tests/integration/other/test_openai_completion.py" + IDS[0][len(CHAT) :]
    )
    assert not short.contains("tests/x" + IDS[0][6:])  # "xintegration" is another directory
    longer = read_manifest("\n".join("repo/" + i for i in IDS))
    assert longer.contains(IDS[4])
    assert not longer.contains("test_agents.py::test_agent_turn[p]")


def test_contains_a_class_moved_is_not_the_same_test(manifest: Manifest) -> None:
    assert not manifest.contains(f"{CHAT}::test_embed[emb=ollama/all-minilm:l6-v2]")
    assert not manifest.contains(f"{CHAT}::TestOther::test_embed[emb=ollama/all-minilm:l6-v2]")


def test_union(manifest: Manifest) -> None:
    other = read_manifest("tests/x/test_y.py::test_z\n")
    both = manifest.union(other)
    assert len(both) == 6 and both.contains("tests/x/test_y.py::test_z")
    assert both.format is ManifestFormat.NODE_IDS
    assert manifest.union(manifest).format is ManifestFormat.COLLECT_ONLY


# --- looks_renamed -------------------------------------------------------------------


def test_looks_renamed_moved_first_then_other_parameters() -> None:
    recorded = f"{CHAT}::test_openai_chat_completion[txt=ollama/llama3.2:3b-inference:chat]"
    known = [
        f"{CHAT}::test_openai_chat_completion[txt=openai/gpt-4o-inference:chat]",
        f"{CHAT}::test_openai_chat_completion[txt=ollama/llama3.2:3b-instruct-fp16-inference:chat]",
        "tests/integration/chat/test_openai_completion.py::test_openai_chat_completion"
        "[txt=ollama/llama3.2:3b-inference:chat]",
        "tests/integration/chat/test_chat.py::test_openai_chat_completion"
        "[txt=ollama/llama3.2:3b-inference:chat]",
        f"{CHAT}::test_other[txt=ollama/llama3.2:3b-inference:chat]",
        recorded,
        "integration/inference/test_openai_completion.py::test_openai_chat_completion"
        "[txt=ollama/llama3.2:3b-inference:chat]",
    ]
    assert looks_renamed(recorded, known) == [
        known[2],  # same file name elsewhere
        known[3],  # another file
        known[1],  # same place, closest parameters
        known[0],
    ]


def test_looks_renamed_a_class_moved_and_nothing_alike() -> None:
    recorded = f"{CHAT}::TestEmbeddings::test_embed[emb=x]"
    assert looks_renamed(recorded, [f"{CHAT}::test_embed[emb=x]", f"{CHAT}::test_embed"]) == [
        f"{CHAT}::test_embed[emb=x]"
    ]
    assert looks_renamed(recorded, ["tests/a.py::test_other[emb=x]"]) == []
    assert looks_renamed("tests/a.py", ["tests/a.py::test_b"]) == []


# --- node ids ------------------------------------------------------------------------


def test_split_node_id_and_head_line() -> None:
    parts = nodeid.split_node_id(f"{CHAT}::TestA::TestB::test_x[a::b.c]")
    assert parts == nodeid.NodeId(CHAT, ("TestA", "TestB"), "test_x", "[a::b.c]")
    assert parts.function == "TestA::TestB::test_x"
    assert str(parts) == f"{CHAT}::TestA::TestB::test_x[a::b.c]"
    assert nodeid.head_line(f"{CHAT}::TestA::test_x[a::b.c]") == "TestA.test_x[a::b.c]"
    assert nodeid.head_line("tests/a.py") == "tests/a.py"
    assert str(nodeid.split_node_id("tests/a.py")) == "tests/a.py"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tests/a.py::test_b[p q] FAILED [ 50%]", "tests/a.py::test_b[p q]"),
        ("tests/a.py::test_b[p - q] - RuntimeError: x", "tests/a.py::test_b[p - q]"),
        ("tests/a.py::test_b[p q]", "tests/a.py::test_b[p q]"),
        ("tests/a.py::test_b hello", "tests/a.py::test_b"),
        ("tests/a.py - ImportError", "tests/a.py"),
        ("tests/a.py::test_b[unclosed", None),
        ("llama_stack::core hello", None),
        ("std::vector<int>", None),
    ],
)
def test_node_id_at(text: str, expected: str | None) -> None:
    assert nodeid.node_id_at(text) == expected


def test_same_file() -> None:
    assert nodeid.same_file("tests/integration/x.py", "integration/x.py")
    assert nodeid.same_file("./integration/x.py", "tests\\integration\\x.py")
    assert not nodeid.same_file("tests/integration/x.py", "other/x.py")
    assert not nodeid.same_file("", "x.py")


# --- --test GLOB ---------------------------------------------------------------------

A = "tests/x/test_a.py::test_chat[p1]"
B = "tests/y/test_b.py::TestC::test_chat"
C = "tests/y/test_b.py::TestC::test_chat_stream[txt=ollama/llama3.2:3b]"
D = "tests/x/test_a.py::test_other[test_chat]"
ALL = [A, B, C, D, None]


@pytest.mark.parametrize(
    ("pattern", "matching"),
    [
        ("test_chat", [A, B]),
        ("test_chat*", [A, B, C]),
        ("*chat*", [A, B, C]),
        ("test_chat[p1]", [A]),
        ("test_chat[*]", [A]),
        ("*[*ollama*]", [C]),
        ("test_?hat", [A, B]),
        ("TestC::test_chat", [B]),
        ("TestC::*", [B, C]),
        ("test_a.py::test_chat", [A]),
        ("tests/x/*", [A, D]),
        ("x/*::test_*", [A, D]),
        ("tests/x/test_a.py::test_chat[p1]", [A]),
        ("tests/x/test_a.py::test_chat[p2]", []),
        ("tests/*[txt=ollama/llama3.2:3b]", [C]),
        ("est_a.py::test_chat", []),
        ("*", [A, B, C, D]),
        ("*test_b.py*", [B, C]),  # a bare glob also matches the whole id
        ("*test_a.py::*", [A, D]),
        ("test_b.py", []),
        ("Test_chat", []),
    ],
)
def test_test_id_matcher(pattern: str, matching: list[str]) -> None:
    matches = nodeid.test_id_matcher(pattern)
    assert [test_id for test_id in ALL if matches(test_id)] == matching


def test_glob_match_is_not_exponential() -> None:
    text = "a" * 5000
    assert not nodeid.glob_match("*a*a*a*a*a*a*a*a*b", text)
    assert nodeid.glob_match("*a*a*a*a*a*a*a*a*", text)
