"""Documents and a data folder for the store tests."""

from __future__ import annotations

import uuid
from typing import Any

from tui.domain.clock import InterviewClock
from tui.domain.guide import parse_guide
from tui.domain.notes import Note

GUIDE = """# Onboarding study
## Warm-up
- Tell me about your role.
  - What does a normal week look like?
## Onboarding
- How did you first set the product up?
- What happened the last time an invite failed?
"""


def session_doc(
    title: str = "Onboarding with Ana",
    created_at: str = "2024-05-01T10:00:00.000Z",
    participant: str = "Ana",
    session_id: str | None = None,
) -> dict[str, Any]:
    return {
        "id": session_id or uuid.uuid4().hex,
        "title": title,
        "participant": participant,
        "goal": "Learn why invites fail",
        "created_at": created_at,
        "clock": InterviewClock().to_doc(),
    }


def guide_doc() -> dict[str, Any]:
    return parse_guide(GUIDE).to_doc()


def note_doc(
    session_id: str,
    text: str = "they gave up on the invite #pain/onboarding",
    started_at: str = "2024-05-01T10:01:00.000Z",
    author: str = "ana",
) -> dict[str, Any]:
    return Note.from_typed(
        text,
        session_id=session_id,
        author=author,
        started_at=started_at,
        elapsed=60.0,
        question_id="q1",
    ).to_doc()
