"""A full disk during a live interview: the note stays on screen and in memory, the user is
told, writes are retried, and quitting offers to put the notes somewhere else."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Label

from tests.conftest import GUIDE, FrozenClock
from tests.disk_faults import fill, remount
from tests.test_live_sizes import header_lines
from tests.waiting import shows, until, wait_until
from tui.app import FieldnoteApp
from tui.domain.guide import parse_guide
from tui.screens.debrief_screen import DebriefScreen
from tui.screens.quit_screen import QuitScreen
from tui.services.live_session import LiveSession
from tui.services.session_setup import create_session
from tui.store import DataStore


def make_session(home):
    store = DataStore(home / "data")
    clock = FrozenClock()
    session_id = create_session(
        store, title="Full disk", guide=parse_guide(GUIDE), goal="G", now=clock()
    )
    return store, clock, session_id


def test_a_full_disk_keeps_notes_in_memory_and_retries(tmpfs):
    store, clock, session_id = make_session(tmpfs)
    live = LiveSession(store, session_id, "Maya", now=clock)
    try:
        filler = fill(tmpfs)
        note = live.commit_note("said while the disk was full", clock(), 0.0, "q1")
        assert not live.flush(timeout=0.5)
        until(lambda: live.last_error is not None)  # the writer's first attempt has failed
        assert live.unsaved >= 1 and [n.id for n in live.unsaved_notes()] == [note.id]
        assert "full" in live.last_error.lower() or "space" in live.last_error.lower()
        assert store.open_session(session_id).read().notes == []
        filler.unlink()  # space comes back: the retry lands it
        assert live.flush(timeout=10)
        assert [n["text"] for n in store.open_session(session_id).read().notes] == [note.text]
        assert live.last_error is None
    finally:
        live.close()


def test_typing_while_writes_fail_builds_each_unsaved_note_once(tmpfs, monkeypatch):
    """Each key typed while the disk is full keeps the draft, with every note not written
    yet: their documents are built when a note is added or changed, not again on each key
    (2,000 unsaved notes took 68 ms a key, several frames of typing)."""
    from tui.domain.notes import Note
    from tui.store.drafts import drafts_folder, newest_record

    store, clock, session_id = make_session(tmpfs)
    live = LiveSession(store, session_id, "Maya", now=clock)
    try:
        fill(tmpfs)
        notes = [live.commit_note(f"unsaved {i}", clock(), 0.0, "q1") for i in range(3)]
        live.keep_draft("t", None)
        built = []
        to_doc = Note.to_doc
        monkeypatch.setattr(Note, "to_doc", lambda note: built.append(note.id) or to_doc(note))
        for typed in ("ty", "typ", "typi"):
            live.keep_draft(typed, None)
        assert built == []
        edited = live.edit_note(notes[1], "unsaved 1, edited")
        live.keep_draft("typin", None)
        assert built == [edited.id]  # only the note that changed
        live.drafts.stop()  # the last state kept, written
        (draft,) = drafts_folder(store.session_path(session_id)).glob("*.draft")
        record = newest_record(draft.read_bytes())
        assert live.unsaved_notes() == [notes[0], edited, notes[2]]  # the disk is still full
    finally:
        live.close()
    assert record["text"] == "typin"
    assert [n["text"] for n in record["notes"]] == ["unsaved 0", "unsaved 1, edited", "unsaved 2"]


async def test_quitting_with_unsaved_notes_offers_another_place(tmpfs, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    store, clock, session_id = make_session(tmpfs)
    app = FieldnoteApp(store, author="Maya", now=clock, session_id=session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        fill(tmpfs)
        await pilot.press(*"kept safe", "enter")
        header = app.screen.query_one("#session-header")
        await wait_until(pilot, lambda: shows(header, "kept in memory"))
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)  # ending the interview debriefs first
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitScreen))
        await pilot.press("s")
        await pilot.pause()
    (rescue,) = tmp_path.glob("fieldnote-unsaved-*.json")
    saved = json.loads(rescue.read_text())
    assert [n["text"] for n in saved["notes"]] == ["kept safe"]
    assert app.rescued_to == (1, rescue)


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_the_header_says_why_saving_fails_and_what_to_do_in_any_pane(
    tmpfs, tmp_path, monkeypatch, size
):
    """The header's line was the store's sentence, which begins with the session file's path:
    cut at the pane's edge (at 80 columns as at 40) once the notice was gone, it said where
    saving failed and never why, nor what to do."""
    monkeypatch.setenv("HOME", str(tmp_path))
    store, clock, session_id = make_session(tmpfs)
    app = FieldnoteApp(store, author="Maya", now=clock, session_id=session_id)
    async with app.run_test(size=size) as pilot:
        filler = fill(tmpfs)
        await pilot.press(*"kept safe", "enter")
        await wait_until(pilot, lambda: app.live.last_error)
        await pilot.pause()
        shown = " ".join(header_lines(app.screen))
        assert "\u26a0 Not saved: the disk is full, so free some space." in shown, shown
        filler.unlink()  # space comes back: the retry lands the note, the goal is back
        await wait_until(pilot, lambda: "Goal: G" in " ".join(header_lines(app.screen)))
    assert [n["text"] for n in store.open_session(session_id).read().notes] == ["kept safe"]


def test_a_failing_write_is_one_sentence_with_advice_for_its_cause(tmpfs):
    """The header said "Could not save the clock: Could not save the note to ... free some
    space": another thing than the one failing, twice, and the wrong cure for a read-only
    folder."""
    store, clock, session_id = make_session(tmpfs)
    live = LiveSession(store, session_id, "Maya", now=clock)
    try:
        remount(tmpfs, read_only=True)
        live.toggle_clock()
        assert not live.flush(timeout=0.5)
        until(lambda: live.last_error is not None)
        error = live.last_error
        assert error.startswith("Could not save the clock ") and error.count("Could not") == 1
        assert "the note" not in error and "read-only" in error and "space" not in error
        remount(tmpfs, read_only=False)
        assert live.flush(timeout=10)
        filler = fill(tmpfs)
        live.toggle_clock()
        assert not live.flush(timeout=0.5)
        until(lambda: live.last_error is not None)
        assert live.last_error.startswith("Could not save the clock ")
        assert "free some space" in live.last_error
        filler.unlink()
    finally:
        live.close()


async def test_notices_of_failing_writes_leave_the_debrief_in_view(tmpfs, tmp_path, monkeypatch):
    """At 80x24 on a read-only folder, ctrl+q opened the debrief under the write error's
    notice: its questions were hidden. The dialog says itself that saving fails, in its key
    bar, and no notice covers it."""
    from textual.widgets._toast import Toast

    from tui.widgets.key_bar import KeyBar

    monkeypatch.setenv("HOME", str(tmp_path))
    store, clock, session_id = make_session(tmpfs)
    app = FieldnoteApp(store, author="Maya", now=clock, session_id=session_id)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        remount(tmpfs, read_only=True)
        await pilot.press(*"kept safe", "enter")
        header = app.screen.query_one("#session-header")
        await wait_until(pilot, lambda: shows(header, "kept in memory"))
        await wait_until(pilot, lambda: app.screen.query(Toast))  # the notice, as before
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, DebriefScreen))
        debrief = app.screen
        bar = debrief.query_one(KeyBar)
        await wait_until(pilot, lambda: "Saving fails" in str(bar.render()))
        await pilot.pause()
        assert not debrief.query(Toast)
        assert "Next answer" in str(bar.render())  # the keys are still there
        # A further failure while the dialog is open adds no notice either.
        app.live.toggle_clock()
        await wait_until(pilot, lambda: "Could not save the clock" in (app.live.last_error or ""))
        await pilot.pause()
        assert not debrief.query(Toast)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitScreen))
        assert "Saving fails" not in str(app.screen.query_one(KeyBar).render())  # it says more
        remount(tmpfs, read_only=False)


def _dialog(app) -> str:
    return " ".join(
        str(label.render())
        for label in app.screen.query(Label).filter("#quit-message, .dialog-keys")
    )


async def _quit_dialog_over(pilot, app) -> str:
    await pilot.press(*"kept safe", "enter")
    header = app.screen.query_one("#session-header")
    await wait_until(pilot, lambda: shows(header, "kept in memory"))
    await pilot.press("ctrl+q")
    await wait_until(pilot, lambda: isinstance(app.screen, DebriefScreen))
    await pilot.press("escape")
    await wait_until(pilot, lambda: isinstance(app.screen, QuitScreen))
    await wait_until(pilot, lambda: "r retry now" in _dialog(app))
    return " ".join(_dialog(app).split())


async def test_the_quit_dialog_says_the_drafts_file_brings_the_notes_back(
    tmpfs, tmp_path, monkeypatch
):
    """On a full disk the drafts file (its space taken when the session opened) holds the
    unsaved note, and the next open brings it back; the dialog said "quit and lose them"."""
    from tui.store.drafts import drafts_folder, newest_record

    monkeypatch.setenv("HOME", str(tmp_path))
    store, clock, session_id = make_session(tmpfs)
    app = FieldnoteApp(store, author="Maya", now=clock, session_id=session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        filler = fill(tmpfs)
        said = await _quit_dialog_over(pilot, app)
        assert "lose" not in said and "only in memory" not in said, said
        assert "come back when you open it again" in said, said
        await pilot.press("q")
        await pilot.pause()
    filler.unlink()
    (draft,) = drafts_folder(store.session_path(session_id)).glob("*.draft")
    assert [n["text"] for n in newest_record(draft.read_bytes())["notes"]] == ["kept safe"]


async def test_the_quit_dialog_says_they_are_lost_where_no_draft_can_be_written(
    tmpfs, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOME", str(tmp_path))
    store, clock, session_id = make_session(tmpfs)
    app = FieldnoteApp(store, author="Maya", now=clock, session_id=session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        remount(tmpfs, read_only=True)  # the drafts folder takes nothing either
        said = await _quit_dialog_over(pilot, app)
        assert "only in memory" in said and "q quit and lose them" in said, said
        remount(tmpfs, read_only=False)
        await pilot.press("escape")


async def test_a_failed_retry_reaching_a_closing_interview_is_no_crash(make_app, session_id):
    """A retry that fails as the app quits reaches the interview screen with its widgets gone:
    query_one(GuidePanel) raised, and the app ended in a traceback over the quit. The app
    still hears that saving fails (the quit dialog says so); the screen draws nothing."""
    from tui.screens.interview_screen import InterviewScreen
    from tui.services.write_queue import SaveState

    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, InterviewScreen))
        screen = app.screen
        await screen.remove_children()  # as the app's shutdown leaves it
        screen.on_save_state(SaveState(1, "/data/x.json: the disk is full.", brief="full"))
        await pilot.pause()
        assert app.write_problem and "Saving fails" in app.write_problem
