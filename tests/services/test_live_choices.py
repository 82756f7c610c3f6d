"""The interview's choices, without Textual: a note's moment, and which quote a copy takes."""

from __future__ import annotations

import pytest

from tui.services.live_session import LiveSession


@pytest.fixture
def live(store, session_id, clock):
    live = LiveSession(store, session_id, "Maya", now=clock)
    yield live
    live.flush()
    live.close()


def test_a_note_belongs_to_its_first_keystroke_and_its_question(live, clock):
    first_question = live.guide_state.current
    live.typing_started(clock())
    clock.advance(30)
    live.move_question(1)  # a guide key while typing
    note = live.commit_typed("they gave up on day two")
    assert note.question_id == first_question
    assert note.started_at == "2026-11-27T10:00:00.000Z" and note.elapsed == 0
    clock.advance(15)
    untyped = live.commit_typed("pasted whole")  # no keystroke seen: now, current question
    assert untyped.question_id == live.guide_state.current != first_question
    assert untyped.elapsed == 45  # the clock started with the first note


def test_a_note_keeps_its_first_keystrokes_time_across_a_pause_of_the_clock(live, clock):
    """ctrl+r pressed mid-note: the clock's reading at the first key, not at the pause. Read at
    Enter, a note begun at 00:10 and saved after a pause at 00:40 said 00:40, out of order
    with the notes saved between."""
    live.commit_typed("first")  # starts the clock at 00:00
    clock.advance(10)
    live.typing_started(clock())
    clock.advance(30)
    live.toggle_clock()  # paused at 00:40
    clock.advance(20)
    live.toggle_clock()  # running again, still 00:40
    clock.advance(5)
    note = live.commit_typed("begun at 00:10")
    assert note.elapsed == 10
    assert live.elapsed() == 45


def test_the_copy_takes_the_newest_own_quote_else_the_newest_note(live, store, clock):
    assert live.quote_to_copy() is None
    live.commit_typed('"We gave up on day two" #pain')
    clock.advance(60)
    live.commit_typed("newer plain note")
    live.mark_current("asked")  # asked marks are never copied
    assert live.quote_to_copy() == "We gave up on day two \u2014 P7 (ops lead), 00:00"
    live.set_recording_offset(90)
    assert live.quote_to_copy().endswith("01:30")
    other = LiveSession(store, live.session_id, "Jonas", now=clock)
    try:
        assert other.quote_to_copy() is None  # Maya's notes are not Jonas's to copy
    finally:
        other.close()


def test_without_a_quote_the_newest_note_is_copied(live, clock):
    live.commit_typed("first")
    clock.advance(5)
    live.commit_typed("second")
    clock.advance(5)
    live.commit_typed("?a follow-up is never copied")
    # The note-taker's words, labelled so: never as the participant's.
    assert live.quote_to_copy() == "second (note by Maya, interview with P7 (ops lead), 00:05)"


def test_a_deleted_transcript_cue_comes_back_whole(store, session_id, clock):
    """Undo after deleting an imported cue writes back its end and speech, which the
    interview's notes do not show."""
    cue = {
        "id": "cue-1",
        "session_id": session_id,
        "author": "P7",
        "text": "we keep a spreadsheet",
        "kind": "transcript",
        "started_at": "2026-11-27T10:00:05.000Z",
        "elapsed": 5.0,
        "question_id": None,
        "ends_elapsed": 9.5,
        "speech": True,
    }
    session_file = store.open_session(session_id)
    session_file.append_note(cue)
    session_file.close()
    live = LiveSession(store, session_id, "Maya", now=clock)
    try:
        (note,) = [n for n in live.notes if n.id == "cue-1"]
        live.delete_note(note)
        live.flush()
        live.undo_delete()
        live.flush()
    finally:
        live.close()
    (stored,) = [n for n in store.open_session(session_id).read().notes if n["id"] == "cue-1"]
    assert (stored["ends_elapsed"], stored["speech"]) == (9.5, True)
