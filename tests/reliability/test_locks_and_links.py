"""A held lock is a bounded wait and a sentence naming the holder (item 5); symbolic links in
the data folder are refused, never followed or replaced (item 6). The lock is held by a real
second process; the links are real links."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap

import pytest

import tui.store.storage
from tui.cli import main
from tui.screens.interview_screen import InterviewScreen
from tui.store import DataStore

HOLD = textwrap.dedent(
    """
    import fcntl, os, sys
    fd = os.open(sys.argv[1], os.O_RDONLY | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    print("held", flush=True)
    sys.stdin.read()  # until the test closes our stdin
    """
)


class Holder:
    """Another process holding a file's flock until released."""

    def __init__(self, lock_path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(lock_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline() == "held\n"

    def release(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(tui.store.storage, "LOCK_WAIT_SECONDS", 0.3)
    return tmp_path / "home"


def new(capsys, title: str = "P7") -> str:
    assert main(["new", title]) == 0
    return capsys.readouterr().out.strip()


def texts(home, session_id) -> list[str]:
    return [n["text"] for n in DataStore(home).open_session(session_id).read().notes]


def test_a_held_lock_names_the_holder_then_the_retry_lands(home, capsys):
    session_id = new(capsys)
    holder = Holder(home / "sessions" / f"{session_id}.json.lock")
    try:
        assert main(["note", session_id, "while it is held"]) == 1
        err = capsys.readouterr().err
        assert f"pid {holder.process.pid} (python" in err and "HOLD" not in err
        assert "has held the lock" in err and "try again" in err and err.count("\n") == 1
        assert texts(home, session_id) == []
    finally:
        holder.release()
    assert main(["note", session_id, "after it was let go"]) == 0
    assert texts(home, session_id) == ["after it was let go"]


async def test_the_live_screen_says_who_holds_the_lock_and_keeps_retrying(
    store, session_id, make_app, monkeypatch
):
    monkeypatch.setattr(tui.store.storage, "LOCK_WAIT_SECONDS", 0.3)
    monkeypatch.setattr("tui.services.write_queue.RETRY_SECONDS", 0.2)
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(500):
            if isinstance(app.screen, InterviewScreen):
                break
            await pilot.pause(0.02)
        holder = Holder(store.session_path(session_id).with_name(f"{session_id}.json.lock"))
        try:
            await pilot.press(*"typed while locked", "enter")
            needle = f"pid {holder.process.pid}"
            for _ in range(500):
                if any(needle in n.message for n in app._notifications):
                    break
                await pilot.pause(0.02)
            else:
                raise AssertionError("the screen never named the lock's holder")
            header = str(app.screen.query_one("#session-header").render())
            assert "retrying" in header and app.live.unsaved >= 1  # the clock start and the note
        finally:
            holder.release()
        for _ in range(1000):
            if app.live.unsaved == 0:
                break
            await pilot.pause(0.02)
        assert app.live.unsaved == 0
    assert [n["text"] for n in store.open_session(session_id).read().notes] == [
        "typed while locked"
    ]


def test_a_lock_link_creates_nothing_outside_the_folder(home, tmp_path, capsys):
    session_id = new(capsys)
    outside = tmp_path / "outside" / "planted"
    outside.parent.mkdir()
    lock = home / "sessions" / f"{session_id}.json.lock"
    lock.unlink(missing_ok=True)
    lock.symlink_to(outside)
    assert main(["note", session_id, "a note"]) == 1
    err = capsys.readouterr().err
    assert "is a symbolic link" in err and str(lock) in err
    assert not outside.exists() and lock.is_symlink()


def test_a_pipe_in_place_of_the_lock_is_a_sentence_not_a_wait(home, capsys):
    """A FIFO where the lock goes held the writer's open forever, waiting for a writer of
    its own: a real process, so a hang is a timeout, not a stuck suite."""
    session_id = new(capsys)
    lock = home / "sessions" / f"{session_id}.json.lock"
    lock.unlink(missing_ok=True)
    os.mkfifo(lock)
    wrote = subprocess.run(
        [sys.executable, "-m", "tui", "note", session_id, "a note"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "FIELDNOTE_HOME": str(home)},
    )
    assert wrote.returncode == 1
    assert "lock file" in wrote.stderr and "pipe" in wrote.stderr, wrote.stderr
    assert stat.S_ISFIFO(lock.stat().st_mode)
    assert texts(home, session_id) == []


def test_a_linked_session_file_is_refused_and_left_a_link(home, tmp_path, capsys):
    session_id = new(capsys)
    path = home / "sessions" / f"{session_id}.json"
    real = tmp_path / "elsewhere.json"
    path.rename(real)
    path.symlink_to(real)
    before = real.read_bytes()
    assert main(["note", session_id, "a note"]) == 1
    assert "symbolic link" in capsys.readouterr().err
    assert main(["list"]) == 1
    out = capsys.readouterr().out
    assert f"{session_id[:8]}  unreadable: it is a symbolic link" in out
    assert path.is_symlink() and real.read_bytes() == before


def test_a_linked_codebook_is_refused_and_the_note_still_saved(home, tmp_path, capsys):
    session_id = new(capsys)
    real = tmp_path / "shared-codebook.json"
    real.write_text('{"tags": {}}', encoding="utf-8")
    (home / "codebook.json").symlink_to(real)
    assert main(["note", session_id, "#pain a note"]) == 0
    assert "symbolic link" in capsys.readouterr().err
    assert (home / "codebook.json").is_symlink() and real.read_text() == '{"tags": {}}'
    assert texts(home, session_id) == ["#pain a note"]
