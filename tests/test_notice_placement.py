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
