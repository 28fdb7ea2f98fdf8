"""`recstack review` at a terminal, driven through a pseudo-terminal: one recording at a
time, a key each; quitting or Ctrl-C halfway leaves every file done or untouched; the
terminal's settings are always given back."""

from __future__ import annotations

import signal
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest

from diff_fixtures import stream_recording, write
from git_fixtures import TEXT, git, needs_git
from pty_session import PtySession

pytestmark = [
    needs_git,
    pytest.mark.skipif(not hasattr(termios, "tcgetattr"), reason="no terminals here"),
]

PROMPT = "? keys > "
HERE = Path(__file__).resolve().parent


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """HEAD: four recordings; the working tree changes each of them (one moved)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo / "rec/a.json", stream_recording(TEXT))
    write(repo / "rec/b.json", stream_recording("Bonjour."))
    write(repo / "rec/c.json", stream_recording("Ciao."))  # removed
    write(
        repo / "rec/old.json",
        {**stream_recording("Moved.", parts=2), "test_id": "tests/test_x.py::test_move"},
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "recordings")
    write(repo / "rec/a.json", stream_recording(TEXT.replace("Seine", "Loire")))
    write(repo / "rec/b.json", stream_recording("Bonjour.", parts=3, seed=9))  # equivalent
    (repo / "rec/c.json").unlink()
    # added: another test's, another request: not c.json moved
    write(
        repo / "rec/d.json",
        {
            **stream_recording("New.", question="Name a new colour."),
            "test_id": "tests/test_x.py::test_new",
        },
    )
    (repo / "rec/old.json").unlink()
    write(
        repo / "rec/new.json",
        {**stream_recording("Moved.", parts=4, seed=3), "test_id": "tests/test_x.py::test_move"},
    )
    return repo


@pytest.fixture
def sessions() -> Iterator[list[PtySession]]:
    started: list[PtySession] = []
    yield started
    for session in started:
        session.kill()


def start(sessions: list[PtySession], repo: Path, *args: str) -> PtySession:
    session = PtySession(["review", *args], repo)
    sessions.append(session)
    return session


def head(repo: Path, path: str) -> bytes:
    return git(repo, "show", f"HEAD:{path}").encode()


def snapshot(repo: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((repo / "rec").iterdir())}


def terminal_given_back(session: PtySession) -> bool:
    lflag = termios.tcgetattr(session.fd)[3]
    return bool(lflag & termios.ECHO and lflag & termios.ICANON and lflag & termios.ISIG)


def test_accept_reject_skip_one_at_a_time(repo: Path, sessions: list[PtySession]) -> None:
    before = snapshot(repo)
    session = start(sessions, repo)
    page = session.expect(PROMPT)
    assert "1 of 5  changed    rec/a.json" in page
    assert "[-Seine.-]{+Loire.+}" in page  # recstack diff's word diff
    session.send("a")
    page = session.expect(PROMPT, 2)
    assert "kept  rec/a.json" in page and "2 of 5  equivalent rec/b.json" in page
    assert "only ignored fields differ" in page
    session.send("r")
    page = session.expect(PROMPT, 3)
    assert "restored  rec/b.json" in page and "3 of 5  removed    rec/c.json" in page
    assert "deleted: reject brings back HEAD's file" in page
    session.send("s")
    page = session.expect(PROMPT, 4)
    assert "4 of 5  added      rec/d.json" in page and "new file: reject removes it" in page
    session.send("r")
    session.expect(PROMPT, 5)
    session.send("a")
    assert session.wait() == 0
    assert session.text.splitlines()[-6:] == [
        "kept          changed    rec/a.json",
        "restored      equivalent rec/b.json",
        "skipped       removed    rec/c.json",
        "restored      added      rec/d.json  (removed)",
        "kept          equivalent rec/old.json -> rec/new.json",
        "5 recordings differ from HEAD: 2 restored, 2 kept, 1 skipped",
    ]
    after = snapshot(repo)
    assert after["a.json"] == before["a.json"]
    assert after["b.json"] == head(repo, "rec/b.json")
    assert "c.json" not in after and "d.json" not in after
    assert after["new.json"] == before["new.json"]
    assert terminal_given_back(session)


def test_quit_halfway_leaves_the_rest_untouched(repo: Path, sessions: list[PtySession]) -> None:
    before = snapshot(repo)
    session = start(sessions, repo, "rec/a.json", "rec/c.json", "rec/d.json")
    session.expect(PROMPT)
    session.send("r")
    session.expect(PROMPT, 2)
    session.send("q")
    assert session.wait() == 0
    assert session.text.splitlines()[-4:] == [
        "restored      changed    rec/a.json",
        "skipped       removed    rec/c.json",
        "skipped       added      rec/d.json",
        "3 recordings differ from HEAD: 1 restored, 2 skipped",
    ]
    after = snapshot(repo)
    assert after["a.json"] == head(repo, "rec/a.json")
    assert {k: v for k, v in after.items() if k != "a.json"} == {
        k: v for k, v in before.items() if k != "a.json"
    }
    assert terminal_given_back(session)


def test_ctrl_c_stops_like_quit_and_says_so(repo: Path, sessions: list[PtySession]) -> None:
    before = snapshot(repo)
    session = start(sessions, repo)
    session.expect(PROMPT)
    session.send("\x03")
    assert session.wait() == 130
    assert "5 recordings differ from HEAD: 5 skipped; interrupted" in session.text
    assert session.text.rstrip().endswith("recstack review: interrupted")
    assert "Traceback" not in session.text
    assert snapshot(repo) == before
    assert terminal_given_back(session)


def test_sigterm_while_waiting_for_a_key_gives_the_terminal_back(
    repo: Path, sessions: list[PtySession]
) -> None:
    session = start(sessions, repo)
    session.expect(PROMPT)
    session.signal(signal.SIGTERM)
    assert session.wait() == 128 + signal.SIGTERM
    assert "Traceback" not in session.text
    assert terminal_given_back(session)


def test_reject_all_that_remain(repo: Path, sessions: list[PtySession]) -> None:
    session = start(sessions, repo)
    session.expect(PROMPT)
    session.send("a")
    session.expect(PROMPT, 2)
    session.send("R")
    assert session.wait() == 0
    assert session.text.splitlines()[-1] == "5 recordings differ from HEAD: 4 restored, 1 kept"
    assert git(repo, "status", "--porcelain") == " M rec/a.json\n"


def test_accept_all_that_remain_and_the_keys(repo: Path, sessions: list[PtySession]) -> None:
    before = snapshot(repo)
    session = start(sessions, repo)
    session.expect(PROMPT)
    session.send("x")  # means nothing: the keys are shown
    page = session.expect(PROMPT, 2)
    assert "  r  reject: restore HEAD's bytes" in page
    session.send("?")
    session.expect(PROMPT, 3)
    session.send("A")
    assert session.wait() == 0
    assert session.text.splitlines()[-1] == "5 recordings differ from HEAD: 5 kept"
    assert snapshot(repo) == before


def test_a_moved_recording_is_reviewed_as_one(repo: Path, sessions: list[PtySession]) -> None:
    session = start(sessions, repo, "rec/new.json", "rec/old.json")
    page = session.expect(PROMPT)
    assert "1 of 1  moved      rec/old.json -> rec/new.json  (equivalent" in page
    assert "moved from rec/old.json: reject moves it back" in page
    session.send("r")
    assert session.wait() == 0
    assert session.text.splitlines()[-2:] == [
        "restored      equivalent rec/old.json -> rec/new.json  (moved back)",
        "1 recording differs from HEAD: 1 restored",
    ]
    assert (repo / "rec/old.json").read_bytes() == head(repo, "rec/old.json")
    assert not (repo / "rec/new.json").exists()


def test_nothing_to_review_asks_nothing(repo: Path, sessions: list[PtySession]) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "all")
    session = start(sessions, repo)
    assert session.wait() == 0
    assert session.text.strip() == "nothing to review: no recording differs from HEAD"
