"""The engine on every real upstream recording: it never fails, and it gets them right."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from recstack.reassembly import Answer, reassemble
from recstack.recording import Recording

from conftest import REAL, needs_shared, pair_dirs, real_files

SATURN = "responses-65d741c677a8891c1cc74d362bf66f99960df529a09b08922385e30bc6172bfc.json"


def answer_for(path: Path) -> Answer:
    return reassemble(Recording(str(path), orjson.loads(path.read_bytes())))


def all_real() -> list[Path]:
    return real_files() + [p for d in pair_dirs() for p in sorted(d.glob("*.json"))]


@needs_shared
def test_saturn_stream_reassembles_to_its_one_sentence_answer() -> None:
    answer = answer_for(REAL / SATURN)
    assert answer.meta.chunks == 34
    assert answer.meta.streaming is True
    [only] = answer.choices
    assert only.content == (
        'The planet with rings around it and a name starting with the letter "S" is Saturn.'
        " Saturn is well known for its prominent and complex ring system."
    )
    assert (only.role, only.finish_reason, only.tool_calls) == ("assistant", "stop", [])
    assert answer.usage["completion_tokens"] == 31


@needs_shared
@pytest.mark.parametrize("path", all_real(), ids=lambda p: f"{p.parent.name}/{p.name[:40]}")
def test_every_real_recording_reassembles(path: Path) -> None:
    answer = answer_for(path)
    assert not any(note.startswith("reassembly failed") for note in answer.notes), answer.notes
    assert answer.meta.path == str(path)
