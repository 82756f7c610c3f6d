"""Talk time and time per question: pure arithmetic over a fake clock's moments."""

from __future__ import annotations

import pytest

from tests.conftest import FrozenClock
from tui.domain.clock import InterviewClock
from tui.domain.pacing import (
    INTERVIEWER,
    PARTICIPANT,
    TalkTime,
    current_speaker,
    next_speaker,
    question_times,
    talk_time,
)


def test_talk_time_adds_each_speakers_turns_up_to_now():
    switches = [(0.0, INTERVIEWER), (20.0, PARTICIPANT), (90.0, INTERVIEWER), (100.0, PARTICIPANT)]
    talk = talk_time(switches, now=130.0)
    assert (talk.interviewer, talk.participant) == (30.0, 100.0)
    assert talk.participant_share == pytest.approx(100 / 130)
    assert talk.on_target is True


def test_a_stopped_meter_times_nobody_and_an_empty_one_has_no_share():
    assert talk_time([(0.0, PARTICIPANT), (10.0, None)], now=500.0) == TalkTime(10.0, 0.0)
    assert talk_time([], now=99.0).participant_share is None
    assert talk_time([], now=99.0).on_target is None


@pytest.mark.parametrize(
    "participant, on_target", [(69.0, False), (70.0, True), (80.0, True), (81.0, False)]
)
def test_the_target_is_70_to_80_percent(participant, on_target):
    assert TalkTime(participant=participant, interviewer=100 - participant).on_target is on_target


def test_talk_time_follows_the_interview_clock_through_a_pause():
    """With a fake clock: a paused interview clock counts for nobody."""
    wall = FrozenClock()
    clock = InterviewClock()
    clock.start(wall())
    switches = [(clock.elapsed(wall()), INTERVIEWER)]
    wall.advance(10)
    switches.append((clock.elapsed(wall()), PARTICIPANT))
    wall.advance(30)
    clock.pause(wall())
    wall.advance(600)  # a coffee break
    assert talk_time(switches, clock.elapsed(wall())) == TalkTime(30.0, 10.0)
    clock.start(wall())
    wall.advance(5)
    assert talk_time(switches, clock.elapsed(wall())) == TalkTime(35.0, 10.0)


def test_switches_written_out_of_order_are_read_in_time_order():
    switches = [(30.0, INTERVIEWER), (0.0, PARTICIPANT)]
    assert talk_time(switches, now=40.0) == TalkTime(30.0, 10.0)
    assert current_speaker(switches) == INTERVIEWER


def test_the_talk_key_starts_with_the_interviewer_and_alternates():
    assert next_speaker(None) == INTERVIEWER
    assert next_speaker(INTERVIEWER) == PARTICIPANT
    assert next_speaker(PARTICIPANT) == INTERVIEWER


def test_talk_time_is_saved_as_seconds_and_a_share():
    assert TalkTime(75.0, 25.0).to_doc() == {
        "participant_seconds": 75.0,
        "interviewer_seconds": 25.0,
        "participant_share": 0.75,
    }


def test_question_times_sum_visits_and_the_current_one_runs():
    wall = FrozenClock()
    clock = InterviewClock()
    clock.start(wall())
    visits = [(0.0, "q1")]
    wall.advance(95)
    visits.append((clock.elapsed(wall()), "q2"))
    wall.advance(40)
    visits.append((clock.elapsed(wall()), "q1"))  # back to q1 for a moment
    wall.advance(5)
    visits.append((clock.elapsed(wall()), "q3"))
    wall.advance(12)
    assert question_times(visits, clock.elapsed(wall())) == {"q1": 100.0, "q2": 40.0, "q3": 12.0}
    wall.advance(8)
    assert question_times(visits, clock.elapsed(wall()))["q3"] == 20.0
