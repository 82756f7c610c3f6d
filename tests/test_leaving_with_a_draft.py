"""Every way out of an interview keeps the note being typed: ctrl+q (with or without the
debrief), f10 back to the sessions, the command palette's Quit, as a lost terminal does."""

from __future__ import annotations

import pytest
from textual.command import CommandList

from tests.test_interview import commit, stored_notes, type_text
from tests.waiting import wait_until
from tui.screens.debrief_screen import DebriefScreen
from tui.screens.home_screen import HomeScreen
from tui.widgets.note_input import NoteInput


def saved_texts(store, session_id) -> list[str]:
    return [n["text"] for n in store.open_session(session_id).read().notes]


async def leave(pilot) -> None:
    """Until the app has ended; the debrief it offers first (a note was taken) is "not now"."""
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, DebriefScreen) or not app.is_running)
    if app.is_running:
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.is_running)


@pytest.mark.parametrize("started", [False, True], ids=["first note", "after a note"])
async def test_ctrl_q_saves_the_draft_as_a_note(make_app, session_id, store, started):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        if started:
            await commit(pilot, "first note starts the clock")
        await type_text(pilot, "half a sentence #pricing")
        await pilot.press("ctrl+q")
        await leave(pilot)
    assert "half a sentence #pricing" in saved_texts(store, session_id)


async def test_keys_typed_just_before_ctrl_q_are_in_the_saved_draft(make_app, session_id, store):
    from tests.test_terminal_input import feed

    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        feed(app, "typed fast\x11")  # one read: the characters, then ctrl+q
        await leave(pilot)
    assert saved_texts(store, session_id) == ["typed fast"]


async def test_f10_back_to_the_sessions_saves_the_draft_and_says_so(make_app, session_id, store):
    app = make_app(session_id)
    shown: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.notify = lambda message, **kw: shown.append(message)
        await type_text(pilot, "not finished")
        await pilot.press("f10")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert "The note you were typing was saved." in shown
    assert saved_texts(store, session_id) == ["not finished"]


async def test_the_palettes_quit_saves_the_draft(make_app, session_id, store):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "from the palette")
        await pilot.press("ctrl+backslash")
        await pilot.pause()
        await type_text(pilot, "Quit")
        results = app.screen.query_one(CommandList)
        await wait_until(pilot, lambda: results.highlighted is not None)
        assert "Quit" in str(results.get_option_at_index(results.highlighted).prompt)
        await pilot.press("enter")
        await leave(pilot)
    assert saved_texts(store, session_id) == ["from the palette"]


async def test_a_draft_saved_on_the_way_out_is_not_offered_twice(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "once")
        assert app.screen.save_draft()
        assert app.screen.query_one(NoteInput).text == ""
        assert not app.screen.save_draft()
        assert [n["text"] for n in stored_notes(app)] == ["once"]
