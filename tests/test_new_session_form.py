"""The new-session form at 80x24: keys typed in one burst fill the fields they were typed for,
and what went wrong is said in view."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.bursts import fields_typed, queue_keys
from tests.waiting import wait_until
from tui.screens.new_session_screen import NewSessionScreen

SIZE = (80, 24)


def fields(screen: NewSessionScreen) -> list[str]:
    return [field.value for field in screen.query(Input)]


async def open_form(pilot) -> NewSessionScreen:
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, NewSessionScreen))
    return pilot.app.screen


async def test_a_burst_of_fields_and_tabs_fills_each_field(make_app, store, tmp_path: Path):
    """All queued before any is handled, as a paste or a slow link delivers them."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        missing = tmp_path / "no-such-guide.md"
        typed = ["Onboarding - P7", "P7 (ops lead)", "Why do trials stall?", str(missing)]
        queue_keys(app, [*fields_typed(typed, "tab"), "enter"])
        error = form.query_one("#new-error")
        await wait_until(pilot, lambda: "Cannot read the guide" in str(error.render()))
        assert fields(form) == typed
        assert store.list_sessions()[0] == []
        # The sentence is whole and in view, below the last field of a form taller than 24 rows.
        await pilot.pause()
        assert "No such file or directory;" in str(error.render()).replace("\n", " ")
        assert form.screen.find_widget(error).visible_region.height == error.region.height
        assert error.size.width <= form.query_one(".dialog").scrollable_content_region.width


async def test_tab_goes_round_the_fields_only(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        inputs = list(form.query(Input))
        seen = []
        for _ in range(len(inputs) + 1):
            seen.append(app.focused)
            await pilot.press("tab")
        assert seen == [*inputs, inputs[0]]


async def test_a_pipe_as_the_guide_is_said_and_the_app_can_still_quit(make_app, store, tmp_path):
    """Read as a file, a pipe held the form's worker until some writer came, so the form said
    nothing and quitting waited on the worker forever."""
    pipe = tmp_path / "guide.md"
    os.mkfifo(pipe)
    app = make_app()
    try:
        async with app.run_test(size=SIZE) as pilot:
            form = await open_form(pilot)
            queue_keys(app, [*fields_typed(["P1", "", "", str(pipe)], "tab"), "enter"])
            error = form.query_one("#new-error")
            await wait_until(pilot, lambda: "no file but a pipe" in str(error.render()))
            assert store.list_sessions()[0] == []
    finally:  # a reader still waiting on the pipe is let go, so a failure is not a hang
        with contextlib.suppress(OSError):
            os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))


async def test_the_forms_keys_are_in_view_as_it_opens_at_80x24(make_app):
    """The line saying Enter creates and Esc cancels sat below the fold of a 24-row terminal,
    while the key bar under the form still showed the sessions screen's keys."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        await pilot.pause()
        keys = form.query_one(".dialog-keys")
        assert "Enter creates" in str(keys.render())
        assert form.screen.find_widget(keys).visible_region.height == keys.region.height == 1
        for field in form.query(Input):
            assert form.screen.find_widget(field).visible_region.height == field.region.height


async def test_a_guide_that_cannot_be_read_is_a_sentence_with_a_way_out(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        missing = tmp_path / "gone\x1b[2J.md"
        form.query_one("#new-title", Input).value = "P1"
        form.query_one("#new-guide", Input).value = str(missing)  # as pasted: the Esc kept
        await pilot.press("enter")
        error = form.query_one("#new-error")
        await wait_until(pilot, lambda: "Cannot read the guide" in str(error.render()))
        said = " ".join(str(error.render()).split())
        assert "gone\u241b[2J.md" in said
        assert said.endswith("check the path, or clear the field to start without one.")


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_a_guide_error_leaves_the_forms_keys_in_view(make_app, tmp_path, size):
    """The error was scrolled into view alone: the line of keys under it went below the fold,
    so the form no longer said that Enter creates and Esc cancels."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        form = await open_form(pilot)
        form.query_one("#new-title", Input).value = "P1"
        missing = tmp_path / "a-guide-file-with-a-rather-long-name-to-wrap.md"
        form.query_one("#new-guide", Input).value = str(missing)
        await pilot.press("enter")
        error = form.query_one("#new-error")
        await wait_until(pilot, lambda: "Cannot read the guide" in str(error.render()))
        await pilot.pause()
        await pilot.pause()
        keys = form.query_one(".dialog-keys")
        for said in (error, keys):
            assert form.screen.find_widget(said).visible_region.height == said.region.height
        # Whole at 40 columns too: the line wraps rather than losing "Esc cancels".
        assert keys.size.width <= form.query_one(".dialog").scrollable_content_region.width


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_the_form_opens_with_its_title_and_first_field_in_view(make_app, size):
    """At 40x24 the form is taller than the pane: focusing the first field scrolled the form's
    "New session" title out of view, so nothing said what the four fields were for."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        form = await open_form(pilot)
        await pilot.pause()
        await pilot.pause()
        for shown in (form.query_one(".dialog-title"), form.query_one("#new-title")):
            assert form.screen.find_widget(shown).visible_region.height == shown.region.height
        assert form.focused is form.query_one("#new-title")
