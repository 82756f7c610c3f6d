"""The guide column opens scrolled to the current question, and unfolds to it."""

from __future__ import annotations

import pytest

from tests.waiting import wait_until
from tui.domain.guide import parse_guide
from tui.services.live_session import LiveSession
from tui.services.session_setup import create_session
from tui.widgets.guide_panel import GuidePanel

LONG_GUIDE = "# A long guide\n" + "".join(
    f"## Part {part}\n"
    + "".join(f"- Question {part}.{n}?\n  - A probe for it\n" for n in range(1, 6))
    for part in range(1, 5)
)


@pytest.fixture
def deep_session(store, clock) -> str:
    session_id = create_session(
        store, title="Deep", participant="P1", goal="g", guide=parse_guide(LONG_GUIDE), now=clock()
    )
    live = LiveSession(store, session_id, "Maya", now=clock)
    for _ in range(16):
        live.move_question(+1)
    assert live.flush()
    live.close()
    return session_id


def current_is_shown(app) -> bool:
    panel = app.screen.query_one(GuidePanel)
    item = app.screen.query_one(".-current")
    return panel.scroll_y > 0 and panel.region.contains_region(item.region)


async def test_the_guide_opens_at_the_current_question(make_app, deep_session):
    app = make_app(deep_session)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: current_is_shown(app))


async def test_the_guide_unfolded_shows_the_current_question(make_app, deep_session):
    app = make_app(deep_session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f7")
        await wait_until(pilot, lambda: current_is_shown(app))
