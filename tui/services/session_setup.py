"""Creating sessions and appending notes outside the live screen (CLI, scripts, sample data)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from tui.domain.clock import InterviewClock, to_iso, utc_now
from tui.domain.guide import Guide, GuideError, GuideState, parse_guide, within_limits
from tui.domain.notes import Note, new_id
from tui.store import DataStore, StoreError
from tui.store.storage import open_to_read

MAX_GUIDE_BYTES = 1024 * 1024
"""Bytes a guide file may have: one at the question and probe limits (`MAX_QUESTIONS`,
`MAX_PROBES`) of a long line each takes about half of this; a real one, some ten thousand."""


def read_guide(path: Path) -> Guide:
    """Parse a guide file; GuideError names the file and line, OSError says it can't be read.
    Opened without waiting and refused unless a regular file: a pipe read as a file waits for
    a writer forever (and a waiting worker keeps the app from exiting). Read no further than
    `MAX_GUIDE_BYTES`, so a file of any size costs no more."""
    with open(open_to_read(path, follow_links=True), "rb") as file:
        data = file.read(MAX_GUIDE_BYTES + 1)
    if len(data) > MAX_GUIDE_BYTES:
        raise GuideError(
            data.count(b"\n", 0, MAX_GUIDE_BYTES) + 1,
            f"the guide is larger than {MAX_GUIDE_BYTES // (1024 * 1024)} MB, more than any "
            "interview guide needs; split it.",
            str(path),
        )
    try:
        text = data.decode("utf-8-sig")  # Windows editors write a byte order mark first
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise GuideError(
            line, "this is not UTF-8 text; save the guide as UTF-8.", str(path)
        ) from None
    return parse_guide(text, source=str(path))


def create_session(
    store: DataStore,
    *,
    title: str,
    participant: str = "",
    goal: str = "",
    guide: Guide | None = None,
    now: datetime | None = None,
    extra: dict | None = None,
    study: str = "",
) -> str:
    guide = guide or Guide()
    questions = guide.questions
    state = GuideState(current=questions[0].id if questions else None)
    session_id = new_id()
    store.create_session(
        {
            "id": session_id,
            "title": title.strip(),
            "participant": participant.strip(),
            "goal": goal.strip(),
            "created_at": to_iso(now or utc_now()),
            "clock": InterviewClock().to_doc(),
            **({"study": study.strip()} if study.strip() else {}),
            **(extra or {}),
        },
        guide.to_doc(),
        state.to_doc(),
    )
    return session_id


def set_study(store: DataStore, session_id: str, study: str) -> str:
    """Put a session in a study (an empty name takes it out of any); returns the name kept."""
    return _set_line(store, session_id, "study", study)


def set_goal(store: DataStore, session_id: str, goal: str) -> str:
    """A session's research goal (empty: none); returns the goal kept."""
    return _set_line(store, session_id, "goal", goal)


def _set_line(store: DataStore, session_id: str, name: str, value: str) -> str:
    value = value.strip()
    session_file = store.open_session(session_id)
    try:
        session_file.update_session({name: value})
    finally:
        session_file.close()
    return value


def append_note_now(
    store: DataStore,
    session_id: str,
    text: str,
    author: str,
    now: Callable[[], datetime] = utc_now,
) -> tuple[Note, StoreError | None]:
    """One note from outside the app (`fieldnote note`): same parsing, stamped now, durable.
    Returns the note and, when its tags could not be counted in the codebook, why: the note
    is saved by then, so that is a warning, never a failure a script would retry (and so
    store the note twice)."""
    session_file = store.open_session(session_id)
    snapshot = session_file.read()
    clock = InterviewClock.from_doc(snapshot.session.get("clock"))
    moment = now()
    state = GuideState.from_doc(snapshot.guide_state)
    state.settle(within_limits(Guide.from_doc(snapshot.guide))[0])  # as the live screen reads it
    note = Note.from_typed(
        text,
        session_id=session_id,
        author=author,
        started_at=to_iso(moment),
        elapsed=clock.elapsed(moment),
        question_id=state.current,
    )
    try:
        session_file.append_note(note.to_doc())
    finally:
        session_file.close()
    if note.tags:
        try:
            store.codebook.record_use(list(note.tags), to_iso(moment))
        except StoreError as error:
            return note, error
    return note, None
