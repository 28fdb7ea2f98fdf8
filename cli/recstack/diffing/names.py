"""How ``recstack diff`` names a recording to a reader: its test id shortened, and a
changed test id told by the part that differs.

Pure string work, bounded: a test id comes from a recording (untrusted, maybe huge),
so every piece shown is clipped.
"""

from __future__ import annotations

from recstack.nodeid import split_node_id

TEST_ID_LIMIT = 100  # characters of a shortened test id
CONTEXT = 24  # characters of unchanged text kept on each side of a changed part
PART_LIMIT = 200  # characters of a changed part shown (head … tail)


def _clip_middle(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = (limit - 1) * 3 // 5
    return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]


def short_test_id(test_id: str, limit: int = TEST_ID_LIMIT) -> str:
    """The test id without the test file's folders (``test_chat.py::test_x[p]``), its
    middle cut (``…``) when still longer than ``limit``."""
    parts = split_node_id(test_id)
    if parts.name:
        short = f"{parts.path.rsplit('/', 1)[-1]}::{parts.function}{parts.params}"
    else:
        short = test_id
    return _clip_middle(short, limit)


def test_file(test_id: str) -> str:
    """The test file a test id names (``tests/integration/test_chat.py``)."""
    return split_node_id(test_id).path


def _word(char: str) -> bool:
    return char.isalnum()


def _inside(text: str, i: int) -> bool:
    """Position ``i`` of ``text`` falls between two letters or digits."""
    return 0 < i < len(text) and _word(text[i - 1]) and _word(text[i])


def changed_part(before: str, after: str, context: int = CONTEXT) -> str:
    """The part of two ids that differs, with some context:
    ``…test_chat.py::test_[-answer-]{+reply+}[txt=ollama/llama3.2:3b]``.

    The common start and end are cut back to word boundaries (letters and digits),
    so a changed word is shown whole."""
    n = min(len(before), len(after))
    p = 0
    while p < n and before[p] == after[p]:
        p += 1
    while p and (_inside(before, p) or _inside(after, p)):
        p -= 1
    s = 0
    while s < n - p and before[-1 - s] == after[-1 - s]:
        s += 1
    while s and (_inside(before, len(before) - s) or _inside(after, len(after) - s)):
        s -= 1
    old, new = before[p : len(before) - s], after[p : len(after) - s]
    lead = before[max(0, p - context) : p]
    if p > context:
        cut = next((i + 1 for i, ch in enumerate(lead) if not _word(ch)), 0)
        lead = "…" + lead[cut:]
    tail = before[len(before) - s : len(before) - s + context]
    if s > context:
        cut = next((i for i in range(len(tail) - 1, -1, -1) if not _word(tail[i])), len(tail))
        tail = tail[: cut + 1] + "…"
    shown = [lead]
    if old:
        shown.append(f"[-{_clip_middle(old, PART_LIMIT)}-]")
    if new:
        shown.append(f"{{+{_clip_middle(new, PART_LIMIT)}+}}")
    return "".join(shown) + tail
