"""The interview aids as a Textual-free service over two co-interviewers' live sessions: each
aid is a session field both build on, and a change not yet on disk survives a stale read."""

from __future__ import annotations

from tests.test_live_merge import type_note
from tui.services.live_session import LiveSession
from tui.store import DataStore


def followup_ids(live: LiveSession) -> list[str]:
    return [n.id for n in live.notes if n.kind == "followup"]


def test_a_local_change_survives_a_read_taken_before_it_landed(pair, clock):
    a, b = pair
    type_note(a, "?first", clock)
    type_note(a, "?second", clock)
    assert a.flush() and b.reload_from_disk()
    b.aids.set_goal("Jonas's goal")
    assert b.flush()
    remote = a.fetch_remote()  # read on a worker thread ...
    first, second = followup_ids(a)
    a.aids.mark_followup(a.notes[0], "asked")  # ... while the note-taker marks one asked
    assert a.apply_remote(remote)
    assert a.aids.followup_status(first) == "asked"  # kept, though the read lacked it
    assert a.aids.goal == "Jonas's goal"  # and what the other wrote is taken in
    assert [n.id for n in a.aids.open_followups()] == [second]


def test_two_people_marking_follow_ups_at_once_keep_both(pair, clock):
    a, b = pair
    type_note(a, "?first", clock)
    type_note(a, "?second", clock)
    assert a.flush() and b.reload_from_disk()
    a.aids.mark_followup(a.notes[0], "asked")
    b.aids.mark_followup(b.notes[1], "dismissed")
    assert a.flush() and b.flush()
    a.reload_from_disk()
    b.reload_from_disk()
    for live in (a, b):
        assert [live.aids.followup_status(nid) for nid in followup_ids(live)] == [
            "asked",
            "dismissed",
        ]
        assert live.aids.open_followups() == []


def test_each_co_interviewer_keeps_their_own_debrief(pair, clock):
    a, b = pair
    a.aids.save_debrief({"surprised": "the export", "quote": "", "change": ""})
    b.aids.save_debrief({"surprised": "", "quote": "free?", "change": "shorter"})
    assert a.flush() and b.flush()
    debrief = DataStore(a.store.home).open_session(a.session_id).read().session["debrief"]
    assert debrief["Maya"]["surprised"] == "the export"
    assert debrief["Jonas"]["change"] == "shorter"
    a.reload_from_disk()
    assert a.aids.debrief_answers()["surprised"] == "the export" and a.aids.debriefed


def test_ending_while_a_co_interviewer_is_in_keeps_the_clock_and_meter(pair, clock):
    a, b = pair
    a.aids.switch_speaker()
    clock.advance(30)
    a.presence.scan()
    assert a.presence.others == ["Jonas"]
    summary = a.aids.end_interview()
    assert a.clock.running and a.aids.speaker == "interviewer"
    assert summary.talk.interviewer == 30.0
    b.close()
    a.presence.scan()
    a.aids.end_interview()
    assert not a.clock.running and a.aids.speaker is None


def test_time_per_question_is_shared_and_not_logged_twice(pair, clock):
    a, b = pair
    type_note(a, "starts the clock", clock)  # elapsed 0 at the first keystroke
    clock.advance(50)
    a.move_question(+1)
    assert a.flush() and b.reload_from_disk()
    b.move_question(0)  # the same question again: no new visit
    clock.advance(10)
    assert b.aids.question_times() == {"q1": 50.0, "q2": 10.0}
    assert a.flush() and b.flush()
    assert b.session["question_visits"] == [[50.0, "q2"]]
