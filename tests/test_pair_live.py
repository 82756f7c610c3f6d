"""Two app instances on one session, as two co-interviewers in two tmux panes."""

from __future__ import annotations

from tests.waiting import wait_until as wait_for
from tui.domain.notes import Note
from tui.store import DataStore
from tui.widgets.note_stream import NoteStream
from tui.widgets.session_header import SessionHeader


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[("space" if ch == " " else ch) for ch in text])


def two_apps(store: DataStore, session_id: str, clock):
    """Two instances, as two processes (each its own DataStore, no cache shared), that hear of
    each other's writes only by the file-change notification: their polls never come."""
    from tui.app import FieldnoteApp

    maya = FieldnoteApp(
        store, author="Maya", now=clock, session_id=session_id, disk_poll_seconds=3600
    )
    jonas = FieldnoteApp(
        DataStore(store.home),
        author="Jonas",
        now=clock,
        session_id=session_id,
        disk_poll_seconds=3600,
    )
    return maya, jonas


def texts(notes: list[Note]) -> list[str]:
    return [n.text for n in notes if n.kind != "asked"]


def header_text(app) -> str:
    return str(app.screen.query_one(SessionHeader).render())


async def test_notes_and_guide_moves_reach_the_other_instance_when_written(
    store: DataStore, session_id: str, clock
):
    maya, jonas = two_apps(store, session_id, clock)
    async with maya.run_test(size=(100, 30)) as pm, jonas.run_test(size=(100, 30)) as pj:
        # Presence: each header names the other.
        for live in (maya.live, jonas.live):
            live.presence.scan()
        await wait_for(pm, lambda: "with Jonas" in header_text(maya))
        await wait_for(pj, lambda: "with Maya" in header_text(jonas))

        await type_text(pm, "maya saw the import fail")
        await pm.press("enter")
        await wait_for(pj, lambda: "maya saw the import fail" in texts(jonas.live.notes))
        stream = jonas.screen.query_one(NoteStream)
        await wait_for(pj, lambda: "maya saw the import fail" in texts(stream.notes))
        note = next(n for n in stream.notes if n.text == "maya saw the import fail")
        assert note.author == "Maya"
        assert stream.show_authors is False  # one author so far: no names in the stream

        clock.advance(5)
        await type_text(pj, "jonas: pricing confusion")
        await pj.press("enter")
        await wait_for(pm, lambda: "jonas: pricing confusion" in texts(maya.live.notes))
        maya_stream = maya.screen.query_one(NoteStream)
        await wait_for(pm, lambda: maya_stream.show_authors)  # two authors: each note is marked
        row_texts = [maya_stream.render_row(r).text for r in range(maya_stream._rows_total)]
        assert any("Jonas: jonas: pricing confusion" in row for row in row_texts)
        assert any("Maya: maya saw the import fail" in row for row in row_texts)

        # Guide: Maya moves on and skips; Jonas (typing) follows, and his next note attaches there.
        await pm.press("ctrl+n")
        await pm.press("ctrl+g")
        expected = maya.live.guide_state
        await wait_for(pj, lambda: jonas.live.guide_state == expected)
        assert list(jonas.live.guide_state.marks.values()) == ["skipped"]
        await type_text(pj, "on the new question")
        await pj.press("enter")
        jonas_note = next(n for n in jonas.live.notes if n.text == "on the new question")
        assert jonas_note.question_id == expected.current
        # Jonas marks it asked: Maya sees the mark and the asked note.
        await pj.press("ctrl+t")
        await wait_for(pm, lambda: "asked" in maya.live.guide_state.marks.values())
        await wait_for(pm, lambda: "asked" in [n.kind for n in maya_stream.notes])
        assert maya.live.guide_state == jonas.live.guide_state

        # Both type at once: nothing lost or doubled on either side or on disk.
        for i in range(5):
            await type_text(pm, f"m{i}")
            await pm.press("enter")
            await type_text(pj, f"j{i}")
            await pj.press("enter")
        want = {f"m{i}" for i in range(5)} | {f"j{i}" for i in range(5)}
        for app, pilot in ((maya, pm), (jonas, pj)):
            await wait_for(pilot, lambda app=app: want <= set(texts(app.live.notes)))
        assert maya.live.flush() and jonas.live.flush()
        on_disk = store.open_session(session_id).read().notes
        ids = [n["id"] for n in on_disk]
        for app, pilot in ((maya, pm), (jonas, pj)):
            await wait_for(pilot, lambda app=app: {n.id for n in app.live.notes} == set(ids))
        assert len(ids) == len(set(ids))
        for app in (maya, jonas):  # the same notes, once each (order: ties on the frozen clock)
            mine = [n.id for n in app.live.notes]
            assert len(mine) == len(set(mine)) and set(mine) == set(ids)
        await pm.press("ctrl+q", "escape")  # the debrief: not now
        await pj.press("ctrl+q", "escape")
    # Quitting removed both presence entries.
    assert not list(store.sessions_dir.glob(f"{session_id}.presence/*.json"))


def stream_rows(app) -> str:
    stream = app.screen.query_one(NoteStream)
    return "\n".join(stream.render_row(r).text for r in range(stream._rows_total))


async def test_edits_stars_and_deletes_show_in_the_other_stream(
    store: DataStore, session_id: str, clock
):
    maya, jonas = two_apps(store, session_id, clock)
    async with maya.run_test(size=(100, 30)) as pm, jonas.run_test(size=(100, 30)) as pj:
        await type_text(pm, "first draft")
        await pm.press("enter")
        clock.advance(2)
        await type_text(pm, "doomed note")
        await pm.press("enter")
        await wait_for(pj, lambda: "doomed note" in stream_rows(jonas))
        await pm.press("f8")  # delete the last note
        await wait_for(pj, lambda: "doomed note" not in stream_rows(jonas))
        await pm.press("ctrl+l")  # edit the last one
        await pm.press(*["backspace"] * 5, *"final")
        await pm.press("enter")
        await wait_for(pj, lambda: "first final" in stream_rows(jonas))
        assert "first draft" not in stream_rows(jonas)
        await pm.press("ctrl+s")  # star it
        await wait_for(pj, lambda: "\u2605 first final" in stream_rows(jonas))
        await pm.press("ctrl+q", "escape")  # the debrief: not now
        await pj.press("ctrl+q", "escape")


async def test_without_notifications_the_poll_still_brings_the_other_note(
    store: DataStore, session_id: str, clock, monkeypatch
):
    import tui.services.live_session
    from tui.app import FieldnoteApp
    from tui.services.session_setup import append_note_now

    class NoWatch:  # a file system without change notifications
        def __init__(self, path, on_change, also=()) -> None:
            pass

        def stop(self) -> None:
            pass

    monkeypatch.setattr(tui.services.live_session, "FileWatch", NoWatch)
    app = FieldnoteApp(
        store, author="Maya", now=clock, session_id=session_id, disk_poll_seconds=0.05
    )
    async with app.run_test(size=(100, 30)) as pilot:
        append_note_now(DataStore(store.home), session_id, "written by a script", "Jonas")
        await wait_for(pilot, lambda: "written by a script" in stream_rows(app))


async def test_the_file_watch_ends_with_the_interview_screen(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)):
        watch = app.live._watch
        assert watch is not None and watch._thread.is_alive()
    # The app ended without closing its live session (as a test or a crash may): the watch
    # thread, which wakes every step, must not outlive the screen.
    watch._thread.join(10)
    assert not watch._thread.is_alive()
