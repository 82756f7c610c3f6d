"""The paths by which typed work reaches the disk, under the faults that threaten it."""

from __future__ import annotations

import json
import stat
import threading

from tests.conftest import GUIDE, FrozenClock
from tests.disk_faults import fill
from tests.waiting import shows, wait_until
from tui.app import FieldnoteApp
from tui.domain.guide import parse_guide
from tui.screens.help_screen import HelpScreen
from tui.services.live_session import LiveSession
from tui.services.rescue import rescue_path, write_rescue
from tui.services.session_setup import create_session
from tui.services.write_queue import WriteJob, WriteQueue
from tui.store import DataStore


def test_an_unreadable_codebook_does_not_hold_up_the_notes(store, session_id, clock):
    (store.home / "codebook.json").write_text("{ this is not json", encoding="utf-8")
    live = LiveSession(store, session_id, "Maya", now=clock)
    try:
        live.commit_note("first #pain/import", clock(), 0.0, "q1")
        clock.advance(5)
        live.commit_note("second, untagged", clock(), 5.0, "q1")
        assert not live.flush(timeout=1.5)  # the codebook write keeps failing...
        notes = store.open_session(session_id).read().notes
        assert [n["text"] for n in notes] == ["first #pain/import", "second, untagged"]
        assert "codebook" in live.last_error
        assert live.unsaved_notes() == []  # ...but no note is waiting on it
    finally:
        live.close()


def test_the_writer_survives_an_unexpected_error_and_retries():
    attempts, landed, events = [], [], []
    done = threading.Event()

    def flaky() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError(5, "Input/output error")
        landed.append("first")

    queue = WriteQueue(events.append, retry_seconds=0.05)
    try:
        queue.enqueue(WriteJob("save the note", flaky))
        queue.enqueue(WriteJob("save the next note", lambda: (landed.append("next"), done.set())))
        assert queue.flush(timeout=5)
        assert done.is_set() and landed == ["first", "next"] and len(attempts) == 2
        assert "input/output error" in events[0].error.lower()
        assert events[-1].error is None and events[-1].pending == 0
    finally:
        queue.close()


def test_an_edit_keeps_tags_that_arrived_while_editing(store, session_id, clock):
    live = LiveSession(store, session_id, "Maya", now=clock)
    try:
        typed = live.commit_note("import broke", clock(), 0.0, "q1")
        assert live.flush()
        tagged = {"tags": ["pain/import"], "starred": True}
        store.open_session(session_id).update_note(typed.id, tagged)  # a co-interviewer
        live._replace(type(typed).from_doc({**typed.to_doc(), **tagged}))  # merged into memory
        edited = live.edit_note(typed, "import broke twice")  # the note as the edit began
        assert edited.tags == ["pain/import"] and edited.starred
        assert live.flush()
        (doc,) = store.open_session(session_id).read().notes
        assert doc["tags"] == ["pain/import"] and doc["text"] == "import broke twice"
    finally:
        live.close()


def test_rescue_files_never_overwrite_each_other(tmp_path, clock):
    class Holder:
        def unsaved_record(self):
            return {"notes": [{"text": "kept"}]}, 1

    path = rescue_path(tmp_path, "abcd1234", clock())
    first = write_rescue([Holder()], path)
    second = write_rescue([Holder()], path)
    assert first == (1, path) and second[1] != path and second[1].exists()
    for _, written in (first, second):
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
        assert json.loads(written.read_text()) == {"notes": [{"text": "kept"}]}


async def test_a_lost_terminal_under_a_dialog_keeps_the_draft_and_rescues(
    tmpfs, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOME", str(tmp_path))
    store = DataStore(tmpfs / "data")
    clock = FrozenClock()
    session_id = create_session(store, title="T", guide=parse_guide(GUIDE), goal="G", now=clock())
    app = FieldnoteApp(store, author="Maya", now=clock, session_id=session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"saved before the disk filled", "enter")
        assert app.live.flush()
        fill(tmpfs)
        await pilot.press(*"half-typed when the pane died")
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        app.save_and_exit()  # what SIGHUP or a dead tty triggers
        await pilot.pause()
    (rescue,) = tmp_path.glob("fieldnote-unsaved-*.json")
    assert [n["text"] for n in json.loads(rescue.read_text())["notes"]] == [
        "half-typed when the pane died"
    ]
    assert app.rescued_to == (1, rescue)


async def test_the_interview_hears_that_writes_recovered_while_a_dialog_was_open(tmpfs):
    store = DataStore(tmpfs / "data")
    clock = FrozenClock()
    session_id = create_session(store, title="T", guide=parse_guide(GUIDE), goal="G", now=clock())
    app = FieldnoteApp(store, author="Maya", now=clock, session_id=session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        interview = app.screen
        filler = fill(tmpfs)
        await pilot.press(*"kept in memory for now", "enter")
        header = interview.query_one("#session-header")
        await wait_until(pilot, lambda: shows(header, "kept in memory"))
        await pilot.press("f1")
        filler.unlink()
        assert app.live.flush(timeout=10)
        await wait_until(pilot, lambda: interview.stream.pending_ids == set())
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is interview
        assert not shows(interview.query_one("#session-header"), "kept in memory")
        assert interview.stream.pending_ids == set()


def test_an_edit_keeps_a_tag_another_instance_wrote_a_moment_ago(store, session_id, clock):
    live = LiveSession(store, session_id, "Maya", now=clock)
    try:
        typed = live.commit_note("import broke", clock(), 0.0, "q1")
        assert live.flush()
        # Another instance tags the note; this one has not merged that yet.
        store.open_session(session_id).update_note(typed.id, {"tags": ["pain/import"]})
        live.edit_note(typed, "import broke twice #sso")
        assert live.flush()
        (doc,) = store.open_session(session_id).read().notes
        assert doc["text"] == "import broke twice #sso"
        assert doc["tags"] == ["pain/import", "sso"]
    finally:
        live.close()


async def test_tagging_and_codebook_say_so_when_the_codebook_is_unreadable(
    store, session_id, make_app
):
    from tui.services.session_setup import append_note_now

    append_note_now(store, session_id, "a note to tag", "Maya")
    (store.home / "codebook.json").write_text("{ broken", encoding="utf-8")
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f3")
        await wait_until(pilot, lambda: getattr(app.screen, "shown", None))
        assert type(app.screen).__name__ == "TaggingScreen"
        assert [e.note["text"] for e in app.screen.shown] == ["a note to tag"]
        await pilot.press("c")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "CodebookScreen")

        def status() -> str:
            return str(app.screen.query_one("#codebook-status").render())

        await wait_until(pilot, lambda: "codebook.json" in status())
        assert "repair it" in status()
        assert app.is_running
