"""Every preset in the running app: on each screen, no key of a binding in force there is
taken by another binding (a widget's own, a priority one, one of another registry screen)."""

from __future__ import annotations

import pytest

from tests.test_keymap_ui import SIZE, build, preset
from tests.waiting import wait_until
from tui.screens.analysis_screen import AnalysisScreen
from tui.screens.codebook_screen import CodebookScreen
from tui.screens.export_screen import ExportScreen
from tui.screens.home_screen import HomeScreen
from tui.screens.interview_screen import InterviewScreen
from tui.screens.new_session_screen import NewSessionScreen
from tui.screens.tagging_screen import TaggingScreen
from tui.services.keymap import preset_names, screen_of
from tui.widgets.parking_lot import ParkingLot


def taken(app, in_force: set[str]) -> list[str]:
    """Each key of the ids `in_force` (registry screens or ids) that another binding holds
    here. A key held by none belongs to an action disabled for now (a span's keys)."""
    active = app.screen.active_bindings
    wrong = []
    for binding_id, keys in app.keymap.keys.items():
        if screen_of(binding_id) not in in_force and binding_id not in in_force:
            continue
        for key in keys.split(","):
            holder = active.get(key)
            if holder is not None and holder.binding.id != binding_id:
                wrong.append(f"{key}: {binding_id} is taken by {holder.binding.action}")
    return wrong


def first_key(app, binding_id: str) -> str:
    return app.keymap.keys[binding_id].split(",")[0]


@pytest.mark.parametrize("name", preset_names())
async def test_no_key_of_a_preset_is_taken_on_the_screens_it_works_on(
    name, store, clock, session_id
):
    app = build(store, clock, preset(name), session_id=session_id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, InterviewScreen))
        assert taken(app, {"app", "interview"}) == []
        await pilot.press(first_key(app, "interview.parking_lot"))
        await wait_until(pilot, lambda: isinstance(app.focused, ParkingLot))
        assert taken(app, {"app", "interview", "parking"}) == []
        await pilot.press(first_key(app, "parking.back"), first_key(app, "interview.sessions"))
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert taken(app, {"app", "home"}) == []
        await pilot.press(first_key(app, "home.new"))
        await wait_until(pilot, lambda: isinstance(app.screen, NewSessionScreen))
        # A dialog leaves the app's keys out of its active bindings; they are priority ones,
        # which Textual checks over the whole chain first.
        assert taken(app, {"dialog.cancel", "form"}) == []
        await pilot.press(first_key(app, "dialog.cancel"))
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press(first_key(app, "home.export"))
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))
        assert taken(app, {"export"}) == []
        await pilot.press(first_key(app, "export.cancel"))
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press(first_key(app, "home.analyse"))
        await wait_until(pilot, lambda: isinstance(app.screen, AnalysisScreen))
        assert taken(app, {"app", "analysis"}) == []
        await pilot.press(first_key(app, "analysis.back"))
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press(first_key(app, "home.code"))
        await wait_until(pilot, lambda: isinstance(app.screen, TaggingScreen))
        assert taken(app, {"app", "tagging"}) == []
        await pilot.press(first_key(app, "tagging.codebook"))
        await wait_until(pilot, lambda: isinstance(app.screen, CodebookScreen))
        assert taken(app, {"app", "codebook"}) == []
