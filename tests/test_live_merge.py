"""Two LiveSessions on one session file, as two co-interviewers' instances: what one writes the
other takes in, and nothing typed meanwhile is lost, duplicated or reverted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tui.services.live_session import LiveSession


def type_note(live: LiveSession, text: str, clock) -> str:
    clock.advance(1)
    at = clock()
    note = live.commit_note(text, at, live.clock.elapsed(at), live.guide_state.current)
    return note.id


def texts(live: LiveSession) -> list[str]:
    return [n.text for n in live.notes if n.kind != "asked"]


def test_each_sees_the_others_notes_with_their_author(pair, clock):
    a, b = pair
    type_note(a, "from maya", clock)
    type_note(b, "from jonas", clock)
    assert a.flush() and b.flush()
    assert a.reload_from_disk() and b.reload_from_disk()
    assert texts(a) == texts(b) == ["from maya", "from jonas"]
    assert [n.author for n in b.notes] == ["Maya", "Jonas"]
    assert a.authors == ["Jonas", "Maya"]


def test_a_remote_note_taken_in_by_our_own_write_is_still_shown(pair, clock):
    """B writes, then A writes before polling: A's write re-reads the file under the lock and
    adopts its signature, so `changed_on_disk()` is False; B's note must still show up."""
    a, b = pair
    type_note(b, "from jonas", clock)
    assert b.flush()
    type_note(a, "from maya", clock)
    assert a.flush()
    assert not a.file.changed_on_disk()
    assert a.remote_changed()
    assert a.reload_from_disk()
    assert texts(a) == ["from jonas", "from maya"]
    assert not a.remote_changed()


def test_a_note_typed_between_read_and_merge_is_kept(pair, clock):
    a, b = pair
    type_note(b, "from jonas", clock)
    assert b.flush()
    remote = a.fetch_remote()  # the worker read the file...
    typed = type_note(a, "typed meanwhile", clock)  # ...while the UI thread took a note
    assert a.flush()  # and it even reached the disk before the merge
    a.apply_remote(remote)
    assert texts(a) == ["from jonas", "typed meanwhile"]
    assert typed in {n.id for n in a.notes}
    # and a later merge (nothing new from others) does not lose or double it
    type_note(b, "again", clock)
    assert b.flush()
    assert a.reload_from_disk()
    assert texts(a) == ["from jonas", "typed meanwhile", "again"]


def test_a_read_older_than_a_merged_one_is_ignored(pair, clock):
    a, b = pair
    type_note(b, "one", clock)
    assert b.flush()
    old = a.fetch_remote()
    type_note(b, "two", clock)
    assert b.flush()
    assert a.reload_from_disk()
    assert not a.apply_remote(old)
    assert texts(a) == ["one", "two"]


def test_deletes_and_edits_propagate_and_later_edit_wins(pair, clock):
    a, b = pair
    type_note(a, "keep me", clock)
    type_note(a, "delete me", clock)
    assert a.flush()
    b.reload_from_disk()
    # A deletes one; B (not yet knowing) stars it: no crash, the delete stands.
    doomed = a.notes[-1]
    a.delete_note(doomed)
    assert a.flush()
    b.toggle_star(next(n for n in b.notes if n.id == doomed.id))
    assert b.flush()
    b.reload_from_disk()
    assert texts(b) == ["keep me"]
    # Both edit the same note; the later edit wins everywhere.
    kept_a = a.notes[0]
    kept_b = b.notes[0]
    a.edit_note(kept_a, "maya's version")
    assert a.flush()
    clock.advance(1)
    b.edit_note(kept_b, "jonas's version")
    assert b.flush()
    a.reload_from_disk()
    b.reload_from_disk()
    assert texts(a) == texts(b) == ["jonas's version"]


def test_a_local_delete_not_yet_written_is_not_resurrected(pair, clock):
    a, b = pair
    type_note(a, "gone soon", clock)
    assert a.flush()
    type_note(b, "from jonas", clock)
    assert b.flush()
    remote = a.fetch_remote()  # still has "gone soon"
    a.delete_note(next(n for n in a.notes if n.text == "gone soon"))
    a.apply_remote(remote)
    assert texts(a) == ["from jonas"]


def test_guide_moves_and_marks_propagate_and_merge(pair, clock):
    a, b = pair
    a.move_question(+1)
    a.mark_current("skipped")
    assert a.flush()
    b.reload_from_disk()
    assert b.guide_state == a.guide_state
    assert list(b.guide_state.marks.values()) == ["skipped"]
    # B marks another question; A moves on while its read of that is on its way: both stay.
    b.mark_current("asked")
    assert b.flush()
    remote = a.fetch_remote()
    a.move_question(+1)
    a.apply_remote(remote)
    assert a.guide_state.current == a.guide.questions[3].id  # A's own move is kept
    a.flush()
    a.reload_from_disk()
    b.reload_from_disk()
    assert a.guide_state.marks == b.guide_state.marks
    assert sorted(a.guide_state.marks.values()) == ["asked", "skipped"]
    assert "asked" in [n.kind for n in a.notes]  # B's asked note reached A


def test_the_shared_clock_starts_once_and_a_pause_sticks(pair, clock):
    a, b = pair
    type_note(a, "first", clock)  # starts the clock at A's first keystroke
    started = a.clock.running_since
    type_note(b, "also first, here", clock)  # B had not seen it: must not restart it
    assert a.flush() and b.flush()
    a.reload_from_disk()
    b.reload_from_disk()
    assert a.clock.running_since == b.clock.running_since == started
    # Both pause at the same time without having seen each other: it stays paused.
    clock.advance(10)
    assert a.toggle_clock() is False
    assert b.toggle_clock() is False
    assert a.flush() and b.flush()
    a.reload_from_disk()
    b.reload_from_disk()
    assert not a.clock.running and not b.clock.running
    assert a.clock.elapsed(clock()) == pytest.approx(11.0)
    assert b.clock == a.clock
    clock.moment += timedelta(seconds=5)
    assert a.elapsed() == b.elapsed() == pytest.approx(11.0)


def test_a_note_begun_before_the_other_moved_the_guide_stays_under_your_question(pair, clock):
    """The rule docs/interviewing.md gives an interviewer: a note belongs to the question your
    own window showed at its first key. Jonas moves on while Maya types (his move reaches her
    window within a second); her note stays under the question she began it under."""
    from pathlib import Path

    a, b = pair
    assert a.guide_state.current == "q1"
    a.typing_started(clock())  # Maya's first key
    clock.advance(0.5)
    b.move_question(+1)
    assert b.flush()
    assert a.reload_from_disk()  # her window follows before her Enter
    assert a.guide_state.current == "q2"
    assert a.commit_typed("said as Jonas moved on").question_id == "q1"
    a.typing_started(clock())
    assert a.commit_typed("the next one").question_id == "q2"

    doc = Path(__file__).resolve().parent.parent / "docs" / "interviewing.md"
    together = doc.read_text(encoding="utf-8").split("## Interviewing together")[1]
    together = " ".join(together.split("\n## ")[0].split())
    assert "the question your own window shows at its first key" in together
