"""Notifications never cover the note input, however many and at any size."""

from __future__ import annotations

import pytest

from tests.test_interview import type_text
from tests.test_layout import shown_text
from tests.waiting import wait_until
from tui.widgets.note_input import NoteInput


@pytest.mark.parametrize("size", [(80, 24), (40, 12)])
async def test_notices_leave_the_note_input_uncovered(make_app, session_id, size):
    app = make_app(session_id)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.pause()
        for number in range(4):
            app.notify(f"Notice {number}: " + "a sentence that wraps over lines " * 3, timeout=30)
        await type_text(pilot, "typing on")
        await pilot.pause()
        note_input = app.screen.query_one(NoteInput)
        await wait_until(pilot, lambda: len(app.screen.query("Toast")) == 4)
        assert any(toast.region for toast in app.screen.query("Toast"))
        area = note_input.region
        covered = {
            (x, y)
            for y in range(area.y, area.bottom)
            for x in range(area.x, area.right)
            if app.screen.get_widget_at(x, y)[0] is not note_input
        }
        assert not covered


@pytest.mark.parametrize("size", [(80, 24), (40, 12), (99, 30)])
async def test_notices_leave_the_folded_question_uncovered(make_app, session_id, size):
    """Below 100 columns the guide folds to the current question above the notes: a notice
    (a save, a sync) at the top right hid the question being asked."""
    app = make_app(session_id)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.pause()
        question = app.screen.query_one("#current-question")
        assert question.display and "Q1/4" in shown_text(question)
        for number in range(3):
            app.notify(f"Notice {number}: " + "a sentence that wraps over lines " * 3, timeout=30)
        await type_text(pilot, "typing on")
        await wait_until(pilot, lambda: len(app.screen.query("Toast")) == 3)
        await pilot.pause()
        assert any(toast.region for toast in app.screen.query("Toast"))
        for widget in (question, app.screen.query_one(NoteInput)):
            area = widget.region
            covered = {
                (x, y)
                for y in range(area.y, area.bottom)
                for x in range(area.x, area.right)
                if app.screen.get_widget_at(x, y)[0] is not widget
            }
            assert not covered, (widget, sorted(covered)[:3])


REFUSED = (
    "Could not fetch from the remote (Permission denied (publickey).); the remote did not "
    "accept the credentials: check the user name, the key or the token it was given, and "
    "that you may read it, then run fieldnote sync again."
)


@pytest.mark.parametrize(
    ("size", "session"), [((40, 24), False), ((40, 24), True), ((30, 24), False)]
)
async def test_a_long_notice_is_read_whole_in_a_narrow_pane(make_app, session_id, size, session):
    """At 40 columns a notice took half the width, 16 columns of words: a sync error's
    sentence ran past the half-height notices may take, and its way out ("run fieldnote sync
    again") was cut. In a narrow pane a notice takes the width its words need."""
    from tests.test_keymap_mistakes import drawn

    app = make_app(session_id if session else None)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.pause()
        app.notify(REFUSED, severity="error", timeout=30, markup=False)
        await wait_until(pilot, lambda: app.screen.query("Toast"))
        await pilot.pause()
        [toast] = app.screen.query("Toast")
        assert "run fieldnote sync again." in drawn(toast)
        app.notify("Copied.", timeout=30)
        await wait_until(pilot, lambda: len(app.screen.query("Toast")) == 2)
        await pilot.pause()
        short = app.screen.query("Toast").last()
        assert short.region.width < size[0] - 4  # a short notice stays as small as its words


async def test_every_notice_shows_escape_sequences_as_symbols(make_app, session_id):
    """A notice may quote what a file or a user wrote (a file's name, git's words, a stored
    problem): sent raw, an escape sequence in it reached the terminal (it renamed the tmux
    window). Every notice, whoever makes it, shows control characters as symbols."""
    from tests.test_keymap_mistakes import drawn

    app = make_app(session_id)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        app.screen.notify("Could not read \x1b]0;pwned\x07.json", title="Bad\x1b[2J", markup=False)
        await wait_until(pilot, lambda: app.screen.query("Toast"))
        await pilot.pause()
        [toast] = app.screen.query("Toast")
        shown = drawn(toast)
        assert "\x1b" not in shown and "\x07" not in shown
        assert "\u241b]0;pwned\u2407.json" in shown and "Bad\u241b[2J" in shown


async def _debrief(pilot) -> None:
    await pilot.press("ctrl+r")  # the clock runs: its notice is up as the debrief opens
    await pilot.press("f12")


async def _sessions_key(pilot, key: str) -> None:
    await pilot.press("f10")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "HomeScreen")
    await pilot.pause()
    await pilot.press(key)


DIALOGS = {
    "debrief": _debrief,
    "offset": lambda pilot: pilot.press("ctrl+o"),
    "keys": lambda pilot: pilot.press("f1"),
    "new session": lambda pilot: _sessions_key(pilot, "n"),
    "goal": lambda pilot: _sessions_key(pilot, "g"),
    "export": lambda pilot: _sessions_key(pilot, "e"),
}


@pytest.mark.parametrize("size", [(40, 24), (80, 24)])
@pytest.mark.parametrize("dialog", list(DIALOGS))
async def test_notices_leave_a_dialogs_title_and_field_uncovered(
    make_app, session_id, size, dialog
):
    """At 40 columns "Clock running." (ctrl+r, then f12 within its two seconds) covered the
    debrief's title, and notices came down over the keys' help's, the export's and the offset's
    titles and over the new session's first field: on any screen notices keep clear of its
    title and of the field being typed in."""
    from textual.screen import ModalScreen
    from textual.widgets import Input

    app = make_app(session_id)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.pause()
        await DIALOGS[dialog](pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, ModalScreen))
        await pilot.pause()
        if dialog != "debrief":
            app.notify("Clock running.", timeout=30)
        app.notify("Copied: " + "a sentence that wraps over lines " * 3, timeout=30)
        await wait_until(pilot, lambda: len(app.screen.query("Toast")) == 2)
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        kept = [*screen.query(".dialog-title")]
        if isinstance(screen.focused, Input):
            kept.append(screen.focused)
        assert kept
        for widget in kept:
            geometry = screen.find_widget(widget)
            area = geometry.region.intersection(geometry.clip)  # what its dialog shows of it
            covered = {
                (x, y)
                for y in range(area.y, area.bottom)
                for x in range(area.x, area.right)
                if screen.get_widget_at(x, y)[0] is not widget
            }
            assert not covered, (widget, sorted(covered)[:3])


def test_notices_take_the_first_band_that_holds_them_else_the_tallest():
    from tui.screens.notices import choose_band, free_bands

    # A title on rows 1-2 and a field on rows 10-12 of 24: bands 3-9 and 13 down.
    bands = free_bands(24, [(10, 13), (1, 3)])
    assert bands == [(3, 7), (13, None)]
    assert choose_band(bands, 24, 5) == (3, 7)
    assert choose_band(bands, 24, 9) == (13, None)  # 11 rows below the field
    assert choose_band(bands, 24, 20) == (13, None)  # none holds them: the tallest
    assert choose_band(free_bands(24, [(2, 5), (17, 20)]), 24, 30) == (5, 12)
