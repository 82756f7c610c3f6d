"""Interview pacing: who talked how long, and how long each guide question took.

Both are read from logs of moments on the interview clock (seconds of `elapsed`, so a paused
clock counts for nobody): a talk log of (elapsed, speaker) switches and a question log of
(elapsed, question id) moments when a question became the current one. Pure arithmetic: the
caller passes `now` (the clock's elapsed now), and tests move it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

INTERVIEWER = "interviewer"
PARTICIPANT = "participant"
SPEAKERS = (INTERVIEWER, PARTICIPANT)
TARGET_SHARE = (0.70, 0.80)
"""Experienced researchers let the participant talk 70-80% of the time."""


@dataclass(frozen=True)
class TalkTime:
    participant: float = 0.0
    interviewer: float = 0.0

    @property
    def total(self) -> float:
        return self.participant + self.interviewer

    @property
    def participant_share(self) -> float | None:
        """0-1, or None before anyone was timed."""
        return self.participant / self.total if self.total > 0 else None

    @property
    def on_target(self) -> bool | None:
        share = self.participant_share
        if share is None:
            return None
        low, high = TARGET_SHARE
        return low <= share <= high

    def to_doc(self) -> dict:
        share = self.participant_share
        return {
            "participant_seconds": round(self.participant, 3),
            "interviewer_seconds": round(self.interviewer, 3),
            "participant_share": None if share is None else round(share, 4),
        }


def _segments(log: list[tuple[float, str | None]], now: float):
    """(what, start, end) for each entry of a log, each lasting until the next (or `now`)."""
    ordered = sorted(log, key=lambda entry: entry[0])
    ends = [start for start, _ in ordered[1:]] + [now]
    for (start, what), end in zip(ordered, ends, strict=False):  # no log: nothing
        yield what, start, max(start, end)


def talk_time(switches: list[tuple[float, str | None]], now: float) -> TalkTime:
    """Seconds each side spoke. A switch to None stops the meter (nobody is timed)."""
    seconds = dict.fromkeys(SPEAKERS, 0.0)
    for speaker, start, end in _segments(switches, now):
        if speaker in seconds:
            seconds[speaker] += end - start
    return TalkTime(participant=seconds[PARTICIPANT], interviewer=seconds[INTERVIEWER])


def current_speaker(switches: list[tuple[float, str | None]]) -> str | None:
    ordered = sorted(switches, key=lambda entry: entry[0])
    return ordered[-1][1] if ordered else None


def next_speaker(current: str | None) -> str:
    """The talk key's cycle: the interviewer opens, then it alternates."""
    return PARTICIPANT if current == INTERVIEWER else INTERVIEWER


def question_times(visits: list[tuple[float, str | None]], now: float) -> dict[str, float]:
    """Seconds each question was the current one, summed over every visit; the current one
    (the last visit) runs on to `now`."""
    totals: dict[str, float] = {}
    for question_id, start, end in _segments(visits, now):
        if question_id is not None:
            totals[question_id] = totals.get(question_id, 0.0) + end - start
    return totals
