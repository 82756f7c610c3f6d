"""The live screen's keys through a real pseudo-terminal at 80x24 (the real driver, a real
process): the parking lot gives the keys back, ctrl+q keeps a draft, a note typed as a
goalless session opens is the first note."""

from __future__ import annotations

import os
import time

import pytest

from tests.conftest import GUIDE
from tests.test_terminal_loss import open_in_pty, read_until
from tui.domain.guide import parse_guide
from tui.services.session_setup import create_session

pytestmark = pytest.mark.slow


def quit_through_the_debrief(master: int, app) -> None:
    os.write(master, b"\x11")  # ctrl+q offers the debrief first: Esc is "not now"
    read_until(master, b"not now", 10)
    os.write(master, b"\x1b")
    deadline = time.monotonic() + 15
    while app.poll() is None and time.monotonic() < deadline:
        read_until(master, b"\x00", 0.2)  # keep reading: a full terminal blocks its exit
    assert app.poll() is not None, "the app did not exit"


def run(store, session_id, steps) -> None:
    master, app = open_in_pty(store, session_id)
    try:
        assert b"asked" in read_until(master, b"asked", 20), "the interview screen never drew"
        steps(master)
        quit_through_the_debrief(master, app)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        os.close(master)


def saved(store, session_id) -> tuple[list[str], dict]:
    snapshot = store.open_session(session_id).read()
    return [n["text"] for n in snapshot.notes], snapshot.session.get("followups") or {}


def test_the_parking_lot_gives_the_keys_back_in_a_real_terminal(store, session_id):
    def steps(master: int) -> None:
        os.write(master, b"?ask who approves\r")
        read_until(master, b"who approves", 10)
        os.write(master, b"\x1bOQ")  # f2: the lot takes the keys
        assert b"HAS THE KEYS" in read_until(master, b"HAS THE KEYS", 10)
        os.write(master, b"\x1b")  # Esc: back to typing, the lot in view
        assert b"typing goes to" in read_until(master, b"typing goes to", 10)
        os.write(master, b"\x1bOQ")  # f2 again (meant to hide it): the keys go to it
        assert b"HAS THE KEYS" in read_until(master, b"HAS THE KEYS", 10)
        os.write(master, b"and a dad said\rdone\r")  # typed by habit, in one read
        read_until(master, b"done", 10)

    run(store, session_id, steps)
    texts, followups = saved(store, session_id)
    assert texts == ["?ask who approves", "and a dad said", "done"]
    assert followups == {}


def test_ctrl_q_with_a_draft_in_a_real_terminal_saves_it(store, session_id):
    def steps(master: int) -> None:
        os.write(master, b"half a thought")
        read_until(master, b"thought", 10)

    run(store, session_id, steps)
    assert saved(store, session_id)[0] == ["half a thought"]


def test_a_note_typed_as_a_goalless_session_opens_is_the_first_note(store, clock):
    session_id = create_session(
        store, title="No goal", participant="P9", guide=parse_guide(GUIDE), now=clock()
    )
    master, app = open_in_pty(store, session_id)
    try:
        os.write(master, b"typed at once\r")  # before the screen has even drawn
        assert b"asked" in read_until(master, b"asked", 20), "the interview screen never drew"
        read_until(master, b"typed at once", 10)
        quit_through_the_debrief(master, app)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        os.close(master)
    assert saved(store, session_id)[0] == ["typed at once"]
