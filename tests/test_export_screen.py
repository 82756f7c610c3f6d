"""Exporting from the sessions screen, the tagging screen and the command palette."""

from __future__ import annotations

import stat

from textual.widgets import Checkbox, Input, OptionList, ProgressBar, Static

from tests.bursts import queue_keys
from tests.exchange_data import seed
from tests.test_tagging import ready, tagging_app
from tests.waiting import workers_done
from tui.app import FieldnoteApp
from tui.screens.export_screen import ExportScreen
from tui.screens.home_screen import HomeScreen


async def settle(pilot) -> None:
    for _ in range(3):
        await workers_done(pilot.app)
        await pilot.pause()


async def open_export(pilot, key: str) -> ExportScreen:
    """The export dialog, opened from the sessions screen by `key` (e: one session, E: all)."""
    await settle(pilot)
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(pilot.app.screen, ExportScreen)
    return pilot.app.screen


def status(app) -> str:
    return str(app.screen.query_one("#export-status", Static).render())


async def test_export_from_the_sessions_screen_writes_the_file(store, clock, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ids = seed(store)
    app = FieldnoteApp(store, author="Maya", now=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("E")  # every session
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen) and screen.job.session_ids == ids
        await pilot.press("down", "down")  # md, csv, json
        await pilot.pause()
        assert screen.query_one(Input).value == str(tmp_path / "all-sessions.json")
        bar = screen.query_one(ProgressBar)
        seen = []
        update = bar.update
        bar.update = lambda **kw: (seen.append(kw.get("progress")), update(**kw))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ExportScreen), status(app)
        written = tmp_path / "all-sessions.json"
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
        assert b'"format": "fieldnote"' in written.read_bytes()
        # From empty, through each session read, to full once the file is written.
        assert seen[0] == 0 and seen[-1] == 3 and {1, 2} <= set(seen) and seen == sorted(seen)


async def test_an_existing_file_is_replaced_only_on_a_second_press(store, clock, tmp_path):
    seed(store)
    app = FieldnoteApp(store, author="Maya", now=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_export(pilot, "e")  # the selected session
        target = tmp_path / "mine.md"
        target.write_text("keep me", encoding="utf-8")
        screen.query_one(Input).value = str(target)
        screen.query_one(Checkbox).value = True
        await pilot.pause()
        assert screen.query_one(Input).value == str(target)  # typed names are not replaced
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "exists" in status(app) and target.read_text(encoding="utf-8") == "keep me"
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = target.read_text(encoding="utf-8")
        assert text.startswith("# Interview with P1")
        # The other session's participant, named in this one's notes, is replaced too.
        assert "Okonkwo" not in text and "Maya" not in text and "P2 here" in text


async def test_a_failed_export_is_a_sentence_on_the_dialog(store, clock, tmp_path):
    seed(store)
    app = FieldnoteApp(store, author="Maya", now=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_export(pilot, "e")
        app.screen.query_one(Input).value = str(tmp_path / "no" / "such" / "folder.md")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        assert "Could not write" in status(app) and "nothing was written" in status(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_export_from_tagging_takes_its_scope_and_the_palette_lists_it(store, clock, tmp_path):
    ids = seed(store)
    app = tagging_app(store, clock, ids[0], scope="study")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+backslash")
        await pilot.pause()
        await pilot.press(*"export")
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert screen.job.session_ids == ids  # the study: both sessions
        assert screen.query_one(OptionList).highlighted == 0


async def test_a_file_name_typed_with_its_save_key_in_one_burst_is_the_one_written(
    store, clock, tmp_path, monkeypatch
):
    """The save key is bound above the path field: in a burst it came before the letters and
    exported to the name the field held before (or said none was typed)."""
    monkeypatch.chdir(tmp_path)
    seed(store)
    app = FieldnoteApp(store, author="Maya", now=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        field = (await open_export(pilot, "E")).query_one(Input)
        field.value = ""
        field.focus()
        await pilot.pause()
        queue_keys(app, [*"mine.md", "ctrl+s"])
        await settle(pilot)
        assert not isinstance(app.screen, ExportScreen), status(app)
        assert (tmp_path / "mine.md").read_text(encoding="utf-8").startswith("# ")
