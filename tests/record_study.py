"""A study whose record must be right before it goes in front of stakeholders.

"Pet shop" has two sessions with one participant, Praline:
- A live interview by two co-interviewers (Maya and Sam), typed through the live session
  model: quotes, paraphrases (one a stage direction), a quote of several quoted parts, three
  follow-ups of which the parking lot closes two, an `asked` mark, Maya's debrief, the guide
  moved twice, the clock paused at the end. The paraphrases are rated more severe than the
  quotes, so a report ranking by severity alone would quote them; `refund` is only on a
  paraphrase.
- A transcript of a phone call with two speakers: the shopkeeper, and Praline, whose cues are
  labelled "Praline" once and "Mr Praline" once (the same person under two names).
"""

from __future__ import annotations

from tests.conftest import FrozenClock
from tui.domain.guide import parse_guide
from tui.services.live_session import LiveSession
from tui.services.session_setup import create_session
from tui.store import DataStore

GUIDE = parse_guide(
    "## The complaint\n- What happened?\n- What did the shop say?\n- What would make it right?\n"
)
STUDY = "Pet shop"
QUOTE = '"I wish to complain about this parrot #pain/quality !angry'
PARAPHRASE = "Hamster died two days after purchase #pain/quality #refund"
STAGE = "bangs it against counter #pain/quality"
TWO_PARTS = '"Does it talk?" - "Not really, no." #pain/quality'
FOLLOWUPS = ("?ask about the warranty #pain/quality", "?what did the shop promise", "?receipt")
LAST_QUOTE = "> It's not pining, it's passed on #pain/quality"
SHOPKEEPER = "It's pining for the fjords #excuse"
SHOPKEEPER_2 = "Remarkable bird, the Norwegian Blue #excuse #pain/quality"
PRALINE_CUE = "This parrot is no more #pain/quality"
MR_PRALINE_CUE = "It's stone dead #pain/quality"


def type_note(live: LiveSession, text: str, clock: FrozenClock, after: float = 1.0) -> str:
    clock.advance(after)
    at = clock()
    return live.commit_note(text, at, live.clock.elapsed(at), live.guide_state.current).id


def live_interview(store: DataStore, clock: FrozenClock) -> str:
    """The live interview, written through two co-interviewers' live sessions; its id."""
    session_id = create_session(
        store,
        title="Praline - shop visit",
        participant="Praline",
        guide=GUIDE,
        now=clock(),
        study=STUDY,
    )
    maya = LiveSession(store, session_id, "Maya", now=clock)
    sams_store = DataStore(store.home)  # Sam's instance, as another process would be
    sam = LiveSession(sams_store, session_id, "Sam", now=clock)
    try:
        type_note(maya, QUOTE, clock)  # the clock starts at this first note: 00:00
        assert maya.flush() and sam.reload_from_disk()  # Sam's pane sees the clock start
        paraphrase = type_note(sam, PARAPHRASE, clock, after=10)
        stage = type_note(maya, STAGE, clock, after=5)
        clock.advance(12)
        maya.move_question(+1)  # q2 from 00:27
        type_note(maya, TWO_PARTS, clock, after=3)
        type_note(sam, FOLLOWUPS[0], clock, after=2)
        type_note(maya, FOLLOWUPS[1], clock, after=2)
        type_note(maya, FOLLOWUPS[2], clock, after=2)
        clock.advance(20)
        maya.mark_current("asked")  # q3 from 00:56
        type_note(maya, LAST_QUOTE, clock, after=4)
        assert maya.flush() and sam.flush()
        maya.reload_from_disk()
        asked, dismissed, _still_open = [n for n in maya.notes if n.kind == "followup"]
        maya.aids.mark_followup(asked, "asked")
        maya.aids.mark_followup(dismissed, "dismissed")
        maya.aids.save_debrief(
            {"surprised": "He brought the bird", "quote": "passed on", "change": "ask sooner"}
        )
        clock.advance(30)
        maya.toggle_clock()  # paused at 01:31
        assert maya.flush()
        for note_id in (paraphrase, stage):
            maya.file.update_note(note_id, {"severity": 5})
    finally:
        for live in (maya, sam):
            live.flush()
            live.close()
        sams_store.codebook.close()
    return session_id


def transcript(store: DataStore, clock: FrozenClock) -> str:
    """The phone call, as a transcript import writes it: one cue a note, its speaker the
    author; the participant named Praline."""
    session_id = create_session(
        store,
        title="Praline - phone call",
        participant="Praline",
        now=clock(),
        study=STUDY,
        extra={"kind": "transcript"},
    )
    cues = [
        ("Shopkeeper", SHOPKEEPER, 4),
        ("Praline", PRALINE_CUE, 2),
        ("Shopkeeper", SHOPKEEPER_2, None),
        ("Mr Praline", MR_PRALINE_CUE, 3),
    ]
    session_file = store.open_session(session_id)
    try:
        session_file.append_notes(
            [
                {
                    "id": f"cue{number}",
                    "session_id": session_id,
                    "author": speaker,
                    "text": text,
                    "kind": "transcript",
                    "started_at": "2026-11-30T10:00:00.000Z",
                    "elapsed": float(10 * number),
                    "question_id": None,
                    "starred": False,
                    "emotions": [],
                    "tags": [t.lstrip("#") for t in text.split() if t.startswith("#")],
                    "edited_at": None,
                    "severity": severity,
                }
                for number, (speaker, text, severity) in enumerate(cues, start=1)
            ]
        )
    finally:
        session_file.close()
    return session_id


def pet_shop(store: DataStore, clock: FrozenClock) -> tuple[str, str]:
    """Both sessions; (live interview id, transcript id)."""
    return live_interview(store, clock), transcript(store, clock)
