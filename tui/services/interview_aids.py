"""What helps a live interview go well, over one live session: the goal, the talk-time meter,
time per guide question, the parking lot of follow-ups, and the debrief at the end.

Each is a field of the session record, changed through `LiveSession.change_session_field` (so
it is durable, and co-interviewers build on each other's changes):
  `goal`             the research goal, one sentence
  `talk`             {"switches": [[elapsed, speaker or null]], "participant_seconds",
                      "interviewer_seconds", "participant_share"}: the meter, off until used
  `question_visits`  [[elapsed, question id]]: when each question became the current one
  `followups`        {note id: {"status": "asked" | "dismissed", "elapsed", "question_id"}}
  `debrief`          {author: {"surprised", "quote", "change", "saved_at"}}: co-interviewers
                     each debrief
The arithmetic is tui/domain/pacing.py. No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.domain.clock import to_iso
from tui.domain.guide import Question
from tui.domain.interview_record import (
    DEBRIEF_PROMPTS,
    FOLLOWUP_STATUSES,
    followup_status,
    open_followups,
    seconds_per_question,
)
from tui.domain.notes import Note
from tui.domain.pacing import TalkTime, current_speaker, next_speaker, talk_time

if TYPE_CHECKING:
    from tui.services.live_session import LiveSession


@dataclass(frozen=True)
class DebriefSummary:
    starred: list[Note]
    open_followups: list[Note]
    not_reached: list[Question]
    talk: TalkTime
    answers: dict[str, str]


class InterviewAids:
    def __init__(self, live: LiveSession) -> None:
        self.live = live

    def _now(self) -> float:
        return self.live.elapsed()

    # -- the goal ----------------------------------------------------------------------------

    @property
    def goal(self) -> str:
        return str(self.live.session.get("goal") or "")

    def set_goal(self, text: str) -> None:
        goal = text.strip()
        self.live.change_session_field("goal", lambda _old: goal, "save the goal")

    # -- the talk-time meter -----------------------------------------------------------------

    def _switches(self) -> list[tuple[float, str | None]]:
        talk = self.live.session.get("talk") or {}
        return [(float(at), who) for at, who in talk.get("switches", [])]

    @property
    def talk_on(self) -> bool:
        return bool(self._switches())

    @property
    def speaker(self) -> str | None:
        return current_speaker(self._switches())

    def talk(self) -> TalkTime:
        return talk_time(self._switches(), self._now())

    def switch_speaker(self) -> str:
        """The talk key: the meter starts (with the interviewer) or hands over to the other
        side. The interview clock starts with it, as with a first note."""
        if not self.live.clock.started:
            self.live.toggle_clock()
        speaker = next_speaker(self.speaker)
        self._add_switch(speaker)
        return speaker

    def stop_talk(self) -> None:
        """Nobody is timed any more (the interview ended); the totals are saved as they are."""
        if self.speaker is not None:
            self._add_switch(None)

    def _add_switch(self, speaker: str | None) -> None:
        at = round(self._now(), 3)

        def add(talk: dict | None) -> dict:
            switches = [*(talk or {}).get("switches", []), [at, speaker]]
            totals = talk_time([(float(t), who) for t, who in switches], at)
            return {"switches": switches, **totals.to_doc()}

        self.live.change_session_field("talk", add, "save the talk time")

    # -- time per question -------------------------------------------------------------------

    def question_became_current(self, question_id: str | None) -> None:
        if question_id is None:
            return
        visits = self.live.session.get("question_visits") or []
        first = self.live.guide.questions[:1]
        if (visits[-1][1] if visits else first[0].id if first else None) == question_id:
            return
        at = round(self._now(), 3)

        def add(old: list | None) -> list:
            old = list(old or [])
            if old and old[-1][1] == question_id:
                return old  # a co-interviewer moved there already
            return [*old, [at, question_id]]

        self.live.change_session_field("question_visits", add, "save the question time")

    def question_times(self) -> dict[str, float]:
        """Seconds each question was the current one, the current one up to now: the same
        computation as the export, the analysis and the report (tui/domain/interview_record.py)."""
        ids = [q.id for q in self.live.guide.questions]
        return seconds_per_question(self.live.session, ids, self._now())

    # -- the parking lot ---------------------------------------------------------------------

    def open_followups(self) -> list[Note]:
        """Follow-ups typed with `?` (by anyone) not yet asked or dismissed, oldest first."""
        return open_followups(self.live.session, self.live.notes)

    def followup_status(self, note_id: str) -> str | None:
        """How the follow-up was closed (`asked`, `dismissed`); None while it is open."""
        status = followup_status(self.live.session, note_id)
        return status if status in FOLLOWUP_STATUSES else None

    def mark_followup(self, note: Note, status: str) -> None:
        """Asked (recorded with the moment and the question it was asked under) or dismissed."""
        if status not in FOLLOWUP_STATUSES:
            raise ValueError(status)
        record = {
            "status": status,
            "elapsed": round(self._now(), 3),
            "question_id": self.live.guide_state.current,
        }

        def add(old: dict | None) -> dict:
            return {**(old or {}), note.id: record}

        self.live.change_session_field("followups", add, "save the follow-up")

    # -- the debrief -------------------------------------------------------------------------

    def debrief_answers(self) -> dict[str, str]:
        saved = (self.live.session.get("debrief") or {}).get(self.live.author) or {}
        return {key: str(saved.get(key) or "") for key, _ in DEBRIEF_PROMPTS}

    @property
    def debriefed(self) -> bool:
        return any(self.debrief_answers().values())

    def wants_debrief(self) -> bool:
        """Quitting offers the debrief once an interview took place and has none yet."""
        return self.live.clock.started and not self.debriefed

    def end_interview(self) -> DebriefSummary:
        """Stop the clock and the meter, unless a co-interviewer is still in the session, and
        gather what the debrief shows."""
        live = self.live
        if not live.presence.others:
            if live.clock.running:
                live.toggle_clock()
            self.stop_talk()
        marks = live.guide_state.marks
        return DebriefSummary(
            starred=[n for n in live.notes if n.starred],
            open_followups=self.open_followups(),
            not_reached=[q for q in live.guide.questions if q.id not in marks],
            talk=self.talk(),
            answers=self.debrief_answers(),
        )

    def save_debrief(self, answers: dict[str, str]) -> None:
        record = {key: answers.get(key, "").strip() for key, _ in DEBRIEF_PROMPTS}
        record["saved_at"] = to_iso(self.live.now())
        author = self.live.author

        def add(old: dict | None) -> dict:
            return {**(old or {}), author: record}

        self.live.change_session_field("debrief", add, "save the debrief")
