"""The UI thread never waits on the disk: with every write held back (a disk that takes as long
as it likes), keys still echo at once while leaving, opening the codebook or saving a tag's
description. The writes are held by an event, not a sleep, so the tests wait for nothing."""

from __future__ import annotations

import threading

import pytest

from tests.test_codebook import goto, open_codebook, settle, two_sessions
from tests.test_tagging import ready, tagging_app
from tests.waiting import workers_done
from tui.app import FieldnoteApp
from tui.screens.codebook_screen import CodebookScreen
from tui.screens.home_screen import HomeScreen
from tui.screens.interview_screen import InterviewScreen
from tui.screens.tagging_screen import TaggingScreen
from tui.store.storage import AtomicJSONStorage


class HeldWrites:
    """Every durable write waits until `release()`; `started` is set by the first one."""

    def __init__(self, monkeypatch) -> None:
        self.gate = threading.Event()
        self.started = threading.Event()
        self.holding = False
        write = AtomicJSONStorage.write

        def held(storage, data):
            if self.holding:
                self.started.set()
                assert self.gate.wait(30), "a held write was never released"
            return write(storage, data)

        monkeypatch.setattr(AtomicJSONStorage, "write", held)

    def hold(self) -> None:
        self.holding = True

    def release(self) -> None:
        self.holding = False
        self.gate.set()


@pytest.fixture
def held(monkeypatch):
    held = HeldWrites(monkeypatch)
    yield held
    held.release()


async def test_keys_echo_while_leaving_waits_for_a_slow_write(store, clock, session_id, held):
    app = FieldnoteApp(store, author="Maya", now=clock, session_id=session_id)
    app.flush_wait = 30  # far longer than the test: only a blocked loop would show it
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        held.hold()
        await pilot.press(*"held back", "enter")
        await pilot.press("f10")  # back to the sessions: waits for the note's write, held
        await pilot.press(*"still here")
        await pilot.pause()
        assert held.started.is_set()
        assert app.screen is screen and screen.note_input.text == "still here"
        assert "held back" in str(screen.stream.render_row(0).text)
        held.release()
        await workers_done(app)
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    assert [n["text"] for n in store.open_session(session_id).read().notes] == ["held back"]


async def test_the_cursor_moves_while_the_codebook_waits_for_tag_writes(store, clock, held):
    ids = two_sessions(store, clock)
    app = tagging_app(store, clock, ids[0])
    app.flush_wait = 30
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        assert isinstance(screen, TaggingScreen)
        held.hold()
        await pilot.press("1")  # the most recent tag on the first excerpt: a held write
        await pilot.press("c")  # the codebook waits for it
        await pilot.press("j")
        await pilot.pause()
        assert held.started.is_set()
        assert app.screen is screen and screen.excerpt_list.cursor == 1
        held.release()
        await settle(app, pilot)
        assert isinstance(app.screen, CodebookScreen)


async def test_keys_work_while_a_description_is_written(store, clock, held):
    ids = two_sessions(store, clock)
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_codebook(app, pilot)
        goto(screen, "need/export")
        await pilot.press("e")
        await pilot.pause()
        held.hold()
        await pilot.press(*"data out", "enter")  # the write is held
        await pilot.press("j")
        await pilot.pause()
        assert held.started.is_set()
        assert app.screen is screen
        assert screen.selected["name"] == "pain/onboarding"  # the cursor moved meanwhile
        held.release()
        await settle(app, pilot)
    assert store.codebook.get("need/export")["description"] == "data out"
