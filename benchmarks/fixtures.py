"""Data the benchmarks build: sessions of many notes, written in one go."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tui.domain.clock import to_iso
from tui.domain.guide import parse_guide
from tui.domain.notes import Note
from tui.services.session_setup import create_session
from tui.store import DataStore

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
GUIDE = "## Warm-up\n- Tell me about your role.\n- Walk me through your last week.\n"


def seed_session(
    store: DataStore,
    notes: int,
    text: Callable[[int], str],
    *,
    title: str = "Big session",
    start: datetime = START,
) -> str:
    """A session of `notes` notes, one a second, note i reading `text(i)`; returns its id."""
    session_id = create_session(
        store, title=title, goal="Why do trials stall?", guide=parse_guide(GUIDE), now=start
    )
    store.open_session(session_id).append_notes(
        [
            Note.from_typed(
                text(i),
                session_id=session_id,
                author="Maya",
                started_at=to_iso(start + timedelta(seconds=i)),
                elapsed=float(i),
                question_id="q1",
            ).to_doc()
            for i in range(notes)
        ]
    )
    return session_id
