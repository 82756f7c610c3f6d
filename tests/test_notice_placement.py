"""Notifications never cover the note input, however many and at any size."""

from __future__ import annotations

import pytest

from tests.test_interview import type_text
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
