"""What an interview's record says, worked out once for every place that shows it.

The live guide, the Markdown export, the analysis screen and the report all ask these
functions, so a question's time or a follow-up's status reads the same in each:
- Time per question: how long each question was the current one on the interview clock,
  from the session's `question_visits` log (tui/domain/pacing.py does the arithmetic). The
  guide's first question is current from 0:00 until the guide first moves; the last visit
  runs to the clock's reading (`clock_elapsed`: where a paused clock stopped).
- Follow-up status: a `?` note is open until it is marked asked or dismissed (the parking
  lot, the debrief) in the session's `followups` record.
- The debrief: each note-taker's answers, keyed by author.
Pure functions over plain session documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from tui.domain.clock import InterviewClock
from tui.domain.pacing import question_times
from tui.domain.quotes import quote_words

OPEN = "open"
FOLLOWUP_STATUSES = ("asked", "dismissed")
"""What closes a follow-up."""
DEBRIEF_PROMPTS = (
    ("surprised", "What surprised you?"),
    ("quote", "The strongest quote?"),
    ("change", "What would you change in the guide?"),
)


def question_visits(
    session: Mapping[str, Any], question_ids: Sequence[str]
) -> list[tuple[float, str | None]]:
    """(elapsed, question id) each time a question became the current one, the guide's first
    question from 0:00 included."""
    logged = []
    for visit in session.get("question_visits") or []:
        try:
            at, question_id = visit
            logged.append((float(at), question_id))
        except (TypeError, ValueError):
            continue  # a hand-edited file: one bad entry does not hide the rest
    return ([(0.0, question_ids[0])] if question_ids else []) + logged


def clock_elapsed(session: Mapping[str, Any], now: datetime | None = None) -> float:
    """The interview clock's reading: where it stopped, or (running) at `now`."""
    try:
        clock = InterviewClock.from_doc(session.get("clock"))
    except (TypeError, ValueError, AttributeError):
        return 0.0
    return clock.elapsed(now) if now is not None else clock.banked


def seconds_per_question(
    session: Mapping[str, Any], question_ids: Sequence[str], elapsed: float
) -> dict[str, float]:
    """Seconds each question was the current one, up to `elapsed` on the interview clock
    (only questions of this guide)."""
    known = set(question_ids)
    times = question_times(question_visits(session, question_ids), elapsed)
    return {qid: seconds for qid, seconds in times.items() if qid in known}


def followup_status(session: Mapping[str, Any], note_id: str) -> str:
    """`open`, or how the follow-up was closed (`asked`, `dismissed`)."""
    record = (session.get("followups") or {}).get(note_id)
    status = record.get("status") if isinstance(record, Mapping) else None
    return status if status in FOLLOWUP_STATUSES else OPEN


def open_followups(session: Mapping[str, Any], notes: Iterable[Any]) -> list[Any]:
    """The follow-ups (`?` notes, as documents or `Note`s) still open, in the order given."""
    found = []
    for note in notes:
        # An attribute first: a session's notes are `Note`s, and telling a Mapping apart
        # costs an ABC check a note, which 10,000 notes felt every second of an interview.
        kind = getattr(note, "kind", _NO_KIND)
        if kind is _NO_KIND:
            kind = note.get("kind")
        if kind != "followup":
            continue
        note_id = note.get("id") if isinstance(note, Mapping) else note.id
        if followup_status(session, str(note_id)) == OPEN:
            found.append(note)
    return found


_NO_KIND = object()


def followup_words(text: str) -> str:
    """A follow-up as a to-do: its words without the `?` and the inline syntax."""
    return quote_words(text).lstrip("?").strip() or text.strip()


def debrief_answers(session: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """author -> {prompt key: answer} for every note-taker who answered something."""
    found = {}
    for author, saved in (session.get("debrief") or {}).items():
        if not isinstance(saved, Mapping):
            continue
        answers = {key: str(saved.get(key) or "").strip() for key, _ in DEBRIEF_PROMPTS}
        if any(answers.values()):
            found[str(author)] = answers
    return found
