"""Sessions belong to a study: `new --study`, the sessions screen's column, filter and prompt."""

from __future__ import annotations

import json

import pytest
from textual.widgets import DataTable, Input

from tests.waiting import workers_done
from tui.cli import main
from tui.screens.home_screen import HomeScreen
from tui.services.session_setup import create_session, set_study
from tui.store import DataStore


def test_new_with_a_study_records_it_and_old_files_have_none(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    monkeypatch.setenv("FIELDNOTE_HOME", str(home))
    assert main(["new", "P1", "--participant", "Ana", "--study", "  Onboarding  "]) == 0
    with_study = capsys.readouterr().out.strip()
    assert main(["new", "P2", "--participant", "Ben"]) == 0
    without = capsys.readouterr().out.strip()
    store = DataStore(home)
    assert store.open_session(with_study).read().session["study"] == "Onboarding"
    assert "study" not in store.open_session(without).read().session
    by_id = {s.id: s for s in store.list_sessions()[0]}
    assert by_id[with_study].study == "Onboarding" and by_id[without].study == ""


def test_a_file_written_before_studies_reads_as_no_study(store):
    session_id = create_session(store, title="Old", participant="P0")
    path = store.session_path(session_id)
    data = json.loads(path.read_text())
    data["session"]["1"].pop("study", None)
    data["session"]["1"]["study"] = None  # a hand-edited file
    path.write_text(json.dumps(data))
    (summary,) = store.list_sessions()[0]
    assert summary.study == ""
    assert set_study(store, session_id, " Pricing ") == "Pricing"
    assert store.list_sessions()[0][0].study == "Pricing"


def _rows(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_study_column_filter_and_prompt(make_app, store, clock):
    create_session(store, title="Alpha one", participant="Ana", study="Alpha", now=clock())
    clock.advance(60)
    create_session(store, title="Beta one", participant="Ben", study="Beta", now=clock())
    clock.advance(60)
    loose = create_session(store, title="Loose", participant="Cy", now=clock())
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await workers_done(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        table = screen.query_one(DataTable)
        assert "Study" in [str(c.label) for c in table.columns.values()]
        assert any("Alpha" in row for row in _rows(table))
        assert screen.studies() == ["Alpha", "Beta", ""]

        await pilot.press("f")
        assert [s.title for s in screen.summaries] == ["Alpha one"]
        assert "study: Alpha" in str(screen.query_one("#home-title").render())
        await pilot.press("f")
        assert [s.title for s in screen.summaries] == ["Beta one"]
        await pilot.press("f")
        assert [s.title for s in screen.summaries] == ["Loose"]
        # Put the loose session into Alpha from the prompt; the filter ("no study") empties
        # and falls back to every session.
        await pilot.press("s")
        prompt = app.screen.query_one(Input)
        assert prompt.value == ""
        prompt.value = "Alpha"
        await pilot.press("enter")
        await workers_done(app)
        await pilot.pause()
        assert store.open_session(loose).read().session["study"] == "Alpha"
        assert screen.study_filter is None
        assert screen.studies() == ["Alpha", "Beta"]
        await pilot.press("f")
        assert sorted(s.title for s in screen.summaries) == ["Alpha one", "Loose"]
        await pilot.press("f", "f")
        assert screen.study_filter is None and len(screen.summaries) == 3


async def test_study_names_are_never_markup(make_app, store, clock):
    create_session(store, title="T", participant="P", study="[bold]x[/] [@click=app.quit]q[/]")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await workers_done(app)
        await pilot.pause()
        await pilot.press("f")
        assert "[bold]x[/]" in str(app.screen.query_one("#home-title").render())
        assert app.is_running


async def test_the_sessions_screen_lists_once_and_only_when_shown(store, clock, monkeypatch):
    """One listing at start-up (not one on mount and one on the first resume), none while a
    screen opened at start-up covers it, one when it is back."""
    from tests.waiting import wait_until
    from tui.app import FieldnoteApp
    from tui.screens.tagging_screen import TaggingScreen
    from tui.services.sessions import SessionsService

    create_session(store, title="Alpha one", participant="Ana", study="Alpha", now=clock())
    listed: list[int] = []
    real = SessionsService.listing

    def counted(self):
        listed.append(1)
        return real(self)

    monkeypatch.setattr(SessionsService, "listing", counted)
    app = FieldnoteApp(store, author="Maya", now=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.screen.summaries)
        await workers_done(app)
        assert len(listed) == 1

    listed.clear()
    app = FieldnoteApp(store, author="Maya", now=clock, tagging=("all", None))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, TaggingScreen)
        await wait_until(pilot, lambda: screen.model.reading_note is None)  # listed
        await workers_done(app)
        assert listed == []
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.screen.summaries)
        assert len(listed) == 1
        assert [s.title for s in app.screen.summaries] == ["Alpha one"]


async def test_the_sessions_screen_says_it_is_reading_until_its_first_listing(
    store, clock, monkeypatch
):
    """A large study's first index takes a second: meanwhile the screen says it is reading,
    never "No sessions yet", which it says of a folder truly empty once listed."""
    import threading

    from tests.waiting import wait_until
    from tui.app import FieldnoteApp
    from tui.services.sessions import SessionsService

    release = threading.Event()
    real = SessionsService.listing

    def held(self):
        release.wait(30)
        return real(self)

    monkeypatch.setattr(SessionsService, "listing", held)
    app = FieldnoteApp(store, author="Maya", now=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        empty = app.screen.query_one("#home-empty")
        await wait_until(pilot, lambda: "Reading the sessions" in str(empty.render()))
        release.set()
        await wait_until(pilot, lambda: "No sessions yet" in str(empty.render()))


async def test_the_sessions_list_follows_another_process_while_shown(make_app, store, clock):
    """A co-interviewer's notes, `fieldnote note` and `fieldnote new` from another shell (or a
    sync) showed only after leaving the screen and coming back: the counts stayed stale. A
    session listed above the cursor does not move the cursor to another session."""
    import os
    import subprocess
    import sys

    from tests.waiting import wait_until

    session_id = create_session(store, title="Alpha one", participant="Ana", now=clock())
    app = make_app()
    env = {**os.environ, "FIELDNOTE_HOME": str(store.home), "FIELDNOTE_AUTHOR": "Jonas"}

    def fieldnote(*argv: str) -> None:
        command = [sys.executable, "-m", "tui", *argv]
        subprocess.run(command, env=env, check=True, capture_output=True)

    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.summaries)
        assert screen.summaries[0].note_count == 0
        fieldnote("note", session_id, "said elsewhere #pain")
        await wait_until(pilot, lambda: screen.summaries[0].note_count == 1)
        assert "1" in _rows(screen.query_one(DataTable))[0]
        fieldnote("new", "Beta one")
        await wait_until(pilot, lambda: len(screen.summaries) == 2)
        assert screen.summaries[0].title == "Beta one"  # the newest first, above the cursor
        assert screen._selected().title == "Alpha one"  # Enter still opens the one chosen


HOSTILE_NAME = "\x1b]0;pwned\x07\x1b[41mx"


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_an_unreadable_file_s_name_is_shown_made_safe(make_app, store, clock, size):
    # The line naming a file the list could not read sent the name to the terminal as it
    # was: a session file named with an OSC 0 retitled the terminal window.
    create_session(store, title="Readable", participant="P", now=clock())
    (store.sessions_dir / f"{HOSTILE_NAME}.json").write_bytes(b"not json")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await workers_done(app)
        await pilot.pause()
        said = str(app.screen.query_one("#home-problems").render())
        assert "Cannot read" in said and "\u241b]0;pwned" in said, said
        assert "\x1b" not in said, said


async def test_a_filter_or_a_relisting_that_shows_the_same_rows_does_not_rebuild_them(
    make_app, store, clock
):
    # On 300 sessions of one study, f took 130-300 ms to show 'study: Bench': the table was
    # emptied and its 300 rows added and measured again, though they were the same rows; so
    # was every relisting after another process's write.
    for n in range(3):
        create_session(store, title=f"S{n}", participant=f"P{n}", study="Bench", now=clock())
        clock.advance(60)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await workers_done(app)
        await pilot.pause()
        screen = app.screen
        table = screen.query_one(DataTable)
        cleared = []
        real_clear = table.clear
        table.clear = lambda *a, **k: cleared.append(1) or real_clear(*a, **k)
        await pilot.press("f")
        assert "study: Bench" in str(screen.query_one("#home-title").render())
        assert len(screen.summaries) == 3 and cleared == []
        screen.action_refresh()
        await workers_done(app)
        await pilot.pause()
        assert cleared == []
        # A change does rebuild them.
        create_session(store, title="S3", participant="P3", study="Other", now=clock())
        screen.action_refresh()
        await workers_done(app)
        await pilot.pause()
        assert cleared == []  # Bench's rows, as they were
        await pilot.press("f")  # Other
        await pilot.pause()
        assert [s.title for s in screen.summaries] == ["S3"] and cleared == [1]
        assert _rows(table)[0][0] == "S3"
