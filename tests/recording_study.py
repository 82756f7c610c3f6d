"""A live session built for the recording tests, and the transcript written for it.

`tests/data/recording/interview.vtt` has nine cues (recording time, seconds):

    1   5-12   Maya  Thanks for joining. Could you tell me about your first week ...
    2  14-24   P7    Sure. So honestly we basically gave up on it by day two because ...
    3  25-33   Maya  What did you do instead?
    4  34-45   P7    We went back to spreadsheets, the old shared sheet on the drive, ...
    5  47-55   P7    And the invite email landed in spam for half of us.
    6  90-100  Maya  How did your manager react to that?
    7 102-118  P7    She said the tool costs more than it saves and asked me to ...
    8 160-170  P7    Pricing was never the problem, the problem was setup.
    9 190-200  Maya  Thanks, that is all from me.

`NOTES` are (recording time, text, the cue number it links to or None, how). A session made
with `make_session(store, shift=S)` has its notes at elapsed = recording time - S, so it
lines up with the transcript at offset S.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui.domain.clock import InterviewClock, to_iso
from tui.domain.guide import Guide
from tui.domain.notes import Note, new_id
from tui.store import DataStore

TRANSCRIPT = Path(__file__).parent / "data" / "recording" / "interview.vtt"
START = datetime(2026, 11, 27, 10, 0, 0, tzinfo=UTC)

NOTES = [
    (44.0, "Looks tired, long pause", 4, "time"),
    (26.0, '"we gave up on it by day two because no one could find export #pain', 2, "text"),
    (46.0, '"We went back to spreadsheets #workaround', 4, "text"),
    (100.0, "invite email went to spam for half of them #onboarding", 5, "text"),
    (115.0, "> She said the tool costs more than it saves #cost", 7, "text"),
    (172.0, '"Pricing was never the problme, the problem was the setup #cost', 8, "text"),
    (175.0, '"I would pay double for a good dashboard #cost', 8, "time"),
    (400.0, "Wrap-up: send the survey", None, None),
]
EXACT = (NOTES[2][1], NOTES[4][1])
SLIGHTLY_WRONG = [
    # (the quote as typed, words its verbatim must hold)
    (NOTES[1][1], "gave up on it by day two because nobody could find the export"),
    (NOTES[5][1], "Pricing was never the problem, the problem was setup"),
]
INVENTED = NOTES[6][1]


def make_session(store: DataStore, *, shift: float = 0.0, offset: float = 0.0) -> str:
    """A live session whose notes sit `shift` seconds earlier on its clock than on the
    recording; its clock's recording offset is `offset`. Returns its id."""
    session_id = new_id()
    notes = []
    for at, text, _, _ in NOTES:
        elapsed = at - shift
        notes.append(
            Note.from_typed(
                text,
                session_id=session_id,
                author="Maya",
                started_at=to_iso(START + timedelta(seconds=elapsed)),
                elapsed=elapsed,
                question_id=None,
            ).to_doc()
        )
    session = {
        "id": session_id,
        "title": "Onboarding - P7",
        "participant": "P7",
        "goal": "",
        "created_at": to_iso(START),
        "clock": InterviewClock(banked=420.0 - shift, recording_offset=offset).to_doc(),
    }
    store.create_session(session, Guide().to_doc(), notes=notes).close()
    return session_id


CUE_TEXTS = [
    "Thanks for joining. Could you tell me about your first week with the product?",
    "Sure. So honestly we basically gave up on it by day two because nobody could find the "
    "export button.",
    "What did you do instead?",
    "We went back to spreadsheets, the old shared sheet on the drive, it was faster for the "
    "whole team.",
    "And the invite email landed in spam for half of us.",
    "How did your manager react to that?",
    "She said the tool costs more than it saves and asked me to write up the alternatives.",
    "Pricing was never the problem, the problem was setup.",
    "Thanks, that is all from me.",
]
