"""The clock pauses when the last instance closes, and reopening asks whether the time away
counts (issue 12). Textual-free with a fake clock, then the question on screen at 80x24."""

from __future__ import annotations

from tests.conftest import FrozenClock
from tui.domain.clock import to_iso
from tui.screens.resume_clock_screen import ResumeClockScreen
from tui.services.live_session import LiveSession
from tui.store.presence import Presence


def live(store, session_id, clock, author) -> LiveSession:
    return LiveSession(store, session_id, author, now=clock)


def on_disk(store, session_id) -> dict:
    return store.open_session(session_id).read().session["clock"]


def started_interview(store, session_id, clock: FrozenClock) -> tuple[LiveSession, LiveSession]:
    maya, jonas = live(store, session_id, clock, "Maya"), live(store, session_id, clock, "Jonas")
    maya.commit_note("first note", clock(), 0.0, None)  # starts the clock
    assert maya.flush()
    jonas.reload_from_disk()
    return maya, jonas


def test_the_clock_runs_on_while_someone_is_still_in(store, session_id, clock):
    maya, jonas = started_interview(store, session_id, clock)
    clock.advance(600)
    jonas.close()
    assert on_disk(store, session_id)["running_since"] is not None
    clock.advance(60)
    assert maya.elapsed() == 660
    maya.close()


def test_the_last_to_close_pauses_the_clock_and_the_hours_away_do_not_count(
    store, session_id, clock
):
    maya, jonas = started_interview(store, session_id, clock)
    clock.advance(600)
    jonas.close()
    clock.advance(300)
    closed = clock()
    maya.close()
    saved = on_disk(store, session_id)
    assert saved["running_since"] is None and saved["banked"] == 900
    assert saved["closed_at"] == to_iso(closed)

    clock.advance(3600)  # an hour later
    again = live(store, session_id, clock, "Maya")
    assert again.paused_by_close == to_iso(closed)
    assert again.elapsed() == 900
    again.resume_after_close(count_time_away=False)
    clock.advance(60)
    note = again.commit_note("after the break", clock(), again.clock.elapsed(clock()), None)
    assert note.elapsed == 960
    assert again.flush()
    assert on_disk(store, session_id)["closed_at"] is None
    again.close()


def test_counting_the_time_away_resumes_from_the_moment_of_closing(store, session_id, clock):
    maya, jonas = started_interview(store, session_id, clock)
    jonas.close()
    clock.advance(900)
    maya.close()
    clock.advance(300)
    again = live(store, session_id, clock, "Jonas")
    again.resume_after_close(count_time_away=True)
    assert again.elapsed() == 1200
    assert again.paused_by_close is None
    again.close()


def test_a_clock_paused_by_hand_is_left_alone_on_close(store, session_id, clock):
    maya, jonas = started_interview(store, session_id, clock)
    jonas.close()
    clock.advance(120)
    maya.toggle_clock()  # paused by hand
    clock.advance(60)
    assert maya.flush()  # as the app does before closing
    maya.close()
    saved = on_disk(store, session_id)
    assert saved["banked"] == 120 and saved["closed_at"] is None
    again = live(store, session_id, clock, "Maya")
    assert again.paused_by_close is None  # nothing to ask
    again.close()


def test_of_two_leaving_the_later_one_knows_it_was_last(store, session_id):
    path = store.open_session(session_id).path
    maya, jonas = Presence(path, "Maya", pid=1), Presence(path, "Jonas", pid=1)
    maya.beat()
    jonas.beat()
    assert maya.leave() is False
    assert jonas.leave() is True


def closed_at_12_34(store, session_id, clock) -> None:
    """An interview whose clock read 12:34 when the last of its two note-takers closed it."""
    maya, jonas = started_interview(store, session_id, clock)
    jonas.close()
    clock.advance(754)
    maya.close()


async def test_reopening_asks_whether_the_time_away_counts(make_app, store, session_id, clock):
    closed_at_12_34(store, session_id, clock)
    clock.advance(3600)
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ResumeClockScreen)
        shown = " ".join(str(label.render()) for label in app.screen.query("Label"))
        assert "It reads 12:34" in shown and "closed 1:00:00 ago" in shown
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ResumeClockScreen)
        assert app.live.clock.running and app.live.elapsed() == 754
        clock.advance(6)
        await pilot.press(*"back", "enter")
        await pilot.pause()
        assert app.live.notes[-1].elapsed == 760


async def test_ctrl_t_on_reopening_counts_the_time_away(make_app, store, session_id, clock):
    closed_at_12_34(store, session_id, clock)
    clock.advance(60)
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ResumeClockScreen)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not isinstance(app.screen, ResumeClockScreen)
        assert app.live.clock.running and app.live.elapsed() == 814


async def test_a_note_typed_into_the_reopening_question_is_not_eaten(
    make_app, store, session_id, clock
):
    """The note-taker reopens mid-interview and types straight away, the dialog's own letters
    included: every character lands in the note, in order, and the clock continues from the
    pause as Enter would have it."""
    closed_at_12_34(store, session_id, clock)
    clock.advance(3600)
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ResumeClockScreen)
        await pilot.press(*"ask a cost question", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, ResumeClockScreen)
        assert app.live.notes[-1].text == "ask a cost question"
        assert app.live.clock.running and app.live.notes[-1].elapsed == 754
