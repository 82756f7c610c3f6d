"""tmux advice (issue 12): shown once, both items together, where it covers nothing: the
interview header until the first note, and the sessions screen. tmux's answers are faked."""

from __future__ import annotations

import pytest

import tui.app
from tests.test_live_sizes import header_lines
from tests.test_pair_live import wait_for
from tests.test_tmux import fake_tmux
from tui.screens.home_screen import HomeScreen
from tui.services.tmux import setting_advice

BAD = {"escape-time": "500", "set-clipboard": "external"}


@pytest.fixture
def in_tmux(monkeypatch):
    calls = []

    def advice():
        calls.append(1)
        return setting_advice(fake_tmux(BAD))

    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    monkeypatch.setattr(tui.app, "setting_advice", advice)
    return calls


async def test_both_items_show_in_the_header_until_the_first_note_and_cover_nothing(
    make_app, session_id, in_tmux
):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(header_lines(app.screen)) == 4)
        header = header_lines(app.screen)
        assert "Esc lags 500 ms: tmux set -g escape-time 10" in header[2]
        assert "Copies are lost: tmux set -g set-clipboard on" in header[3]
        assert not app._notifications  # no toast over the input and the key bar
        stream, note_input = app.screen.query_one("#stream"), app.screen.query_one("#note-input")
        header_region = app.screen.query_one("#session-header").region
        assert not header_region.overlaps(stream.region)
        assert not header_region.overlaps(note_input.region)
        await pilot.press(*"first", "enter")
        await pilot.pause()
        assert len(header_lines(app.screen)) == 2
        assert in_tmux == [1]  # asked once


async def test_the_sessions_screen_keeps_the_advice_in_full(make_app, in_tmux):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: bool(app.tmux_advice))
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        text = str(app.screen.query_one("#tmux-advice").render())
        assert "tmux set -g escape-time 10" in text and "tmux set -g set-clipboard on" in text
        assert "~/.tmux.conf" in text


async def test_outside_tmux_nothing_is_asked(make_app, session_id, monkeypatch):
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.setattr(tui.app, "setting_advice", lambda: pytest.fail("tmux was asked"))
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert len(header_lines(app.screen)) == 2
