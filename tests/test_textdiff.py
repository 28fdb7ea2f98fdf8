"""Word and line diffs stay correct, and bounded in time and size on pathological pairs.

No timing asserts: the pathological pairs below took minutes with an unbounded
difflib (50k repetitive words); here each test runs in a fraction of a second, and
the output size is asserted.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from diff_fixtures import stream_recording, write
from recstack.render.textdiff import MAX_LINES, MAX_RUN, Line, line_diff, word_diff

from cli_helpers import run

HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def plain(line: Line) -> str:
    return "".join(text for text, _ in line)


def sides(line: Line) -> tuple[str, str]:
    """Before and after, rebuilt from a word diff that elided nothing."""
    old = new = ""
    for text, style in line:
        if style == "red":
            old += text[2:-2]
        elif style == "green":
            new += text[2:-2]
        else:
            assert style == "", line  # nothing elided or clipped
            old, new = old + text, new + text
    return old, new


def lines_of(text: str) -> list[str]:
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n") if text else []


def apply(before: str, diff: list[Line]) -> list[str]:
    """Apply a line diff (its hunks) to ``before``: the lines of the after text."""
    old, out, pos = lines_of(before), [], 0
    rows = [plain(line) for line in diff]
    i = 0
    while i < len(rows):
        match = HUNK.match(rows[i])
        assert match, rows[i]
        length = int(match.group(2)) if match.group(2) is not None else 1
        start = int(match.group(1)) - 1 if length else int(match.group(1))
        assert start >= pos
        out += old[pos:start]
        pos = start
        i += 1
        while i < len(rows) and not rows[i].startswith("@@"):
            mark, text = rows[i][:1], rows[i][1:]
            if mark in " -":
                assert old[pos] == text, (old[pos], text)
                pos += 1
            if mark in " +":
                out.append(text)
            i += 1
    return out + old[pos:]


def mutate(rnd: random.Random, pieces: list[str], alphabet: list[str]) -> list[str]:
    out = list(pieces)
    for _ in range(rnd.randrange(1, 5)):
        k = rnd.randrange(len(out) + 1)
        roll = rnd.random()
        if roll < 0.3 and out:
            del out[min(k, len(out) - 1)]
        elif roll < 0.6 or not out:
            out.insert(k, rnd.choice(alphabet))
        else:
            out[min(k, len(out) - 1)] = rnd.choice(alphabet)
    return out


def test_word_diffs_of_random_small_pairs_rebuild_both_texts() -> None:
    rnd = random.Random(7)
    alphabet = ["a", "b", "cc", " ", "  ", "\t", "d.", "e!"]
    checked = 0
    for _ in range(400):
        pieces = [rnd.choice(alphabet) for _ in range(rnd.randrange(12))]
        before, after = "".join(pieces), "".join(mutate(rnd, pieces, alphabet))
        if before == after:
            continue
        line = word_diff(before, after)
        if all(style != "dim" for _, style in line):
            assert sides(line) == (before, after)
            checked += 1
    assert checked > 200


def test_line_diffs_of_random_small_pairs_apply_to_the_after_text() -> None:
    rnd = random.Random(8)
    alphabet = ["a\n", "b\n", "\n", "c", "a\r\n", "x y\n"]
    for _ in range(400):
        pieces = [rnd.choice(alphabet) for _ in range(rnd.randrange(15))]
        before, after = "".join(pieces), "".join(mutate(rnd, pieces, alphabet))
        if lines_of(before) != lines_of(after):
            assert apply(before, line_diff(before, after)) == lines_of(after)


def test_fifty_thousand_repetitive_words_with_a_few_changes() -> None:
    words = ["word"] * 50_000
    changed = list(words)
    for k in (10, 20_000, 49_990):
        changed[k] = "other"
    line = word_diff(" ".join(words), " ".join(changed))
    out = plain(line)
    assert len(out) < 3 * MAX_RUN + 200  # bounded: the changed region is clipped
    assert out.startswith("…word word word word word word word word [-word")  # 8 words context
    assert "{+other word" in out
    assert "characters …" in out  # how much was left out
    assert "(too large to diff word by word)" in out
    assert out.count("other") == 2  # the first and last change; the middle was clipped


def test_repetitive_sentences_are_diffed_sentence_then_word() -> None:
    sentences = [f"Step {i} is done." for i in range(20_000)]  # 60k repetitive words
    changed = list(sentences)
    for k in (5, 7_000, 19_000):
        changed[k] = changed[k].replace("done", "skipped")
    line = word_diff(" ".join(sentences), " ".join(changed))
    out = plain(line)
    assert out.count("[-done.-]{+skipped.+}") == 3  # every change, word by word
    assert "too large" not in out
    assert len(out) < 2_000  # unchanged sentences elided


def test_one_huge_changed_word_is_clipped() -> None:
    before = "start " + "x" * 1_000_000 + " end"
    after = "start " + "x" * 500_000 + "y" + "x" * 500_000 + " end"
    assert plain(word_diff(before, after)) == "…{+y+}…"  # the change, inside the word
    after = "start " + "y" * 1_000_000 + " end"
    out = plain(word_diff(before, after))
    assert out.startswith("start [-xxx") and out.endswith(
        "yyy+} end  (too large to diff word by word)"
    )
    assert len(out) < 3 * MAX_RUN


def test_long_repetitive_texts_with_many_lines() -> None:
    before = "".join(f"line {i % 5}\n" for i in range(200_000))
    after = "first\n" + before[len("line 0\n") : -len("line 4\n")] + "last\n"
    diff = line_diff(before, after)
    rows = [plain(line) for line in diff]
    assert rows[0] == "@@ -1,200000 +1,200000 @@ too large to diff line by line"
    assert rows[1] == "-line 0" and "+first" in rows and rows[-1] == "+last"
    assert len(rows) <= 2 * (MAX_LINES + 1) + 1  # each side: head, "… N more lines …", tail
    assert any("199970 more lines" in row for row in rows)


def test_long_texts_with_changes_near_each_other_are_diffed_exactly() -> None:
    before = "".join(f"line {i}\n" for i in range(100_000))
    after = before.replace("line 50000\n", "line fifty thousand\n").replace(
        "line 50003\n", "line 50003 changed\n"
    )
    diff = line_diff(before, after)
    assert [plain(line) for line in diff] == [
        "@@ -49999,8 +49999,8 @@",
        " line 49998",
        " line 49999",
        "-line 50000",
        "+line fifty thousand",
        " line 50001",
        " line 50002",
        "-line 50003",
        "+line 50003 changed",
        " line 50004",
        " line 50005",
    ]


def test_diff_command_on_a_pathological_pair_is_bounded(tmp_path: Path) -> None:
    words = ["word"] * 30_000
    changed = list(words)
    changed[15_000] = "other"
    old = write(tmp_path / "a.json", stream_recording(" ".join(words), parts=20))
    new = write(tmp_path / "b.json", stream_recording(" ".join(changed), parts=20))
    for fmt in ("text", "markdown", "rich"):
        result = run("diff", old, new, "--format", fmt)
        assert result.exit_code == 1
        assert "other" in result.stdout
        assert len(result.stdout) < 8 * MAX_RUN, fmt
