"""A hand-built study whose counts are known, for the analysis, its screen and the report.

Ana is interviewed twice (the second time spelled "ana "), Ben once, and one walk-in has no
name. `workaround` is on a span and on that span's whole note; `pain/onboarding` and
`pain/pricing` roll up into `pain`; several notes have no severity. Ana's sessions logged when
the guide moved (`question_visits`) and stopped their clocks: q1 took 60 s and 50 s, q2 30 s
each, q3 30 s and 20 s. Two notes are quotes (`n1`, `n2`); the others are the note-taker's
paraphrases.
"""

from __future__ import annotations

from tui.domain.analysis import SessionInput
from tui.domain.guide import parse_guide
from tui.store import DataStore

GUIDE = parse_guide(
    "## Warm-up\n- Tell me about your role.\n- Do you use spreadsheets?\n"
    "## First week\n- Walk me through day one.\n"
)


def _note(nid, text, elapsed, question_id, tags=(), severity=None, emotions=(), kind="note"):
    return {
        "id": nid,
        "text": text,
        "kind": kind,
        "author": "Maya",
        "started_at": f"2026-11-27T10:{int(elapsed) // 60:02d}:{int(elapsed) % 60:02d}.000Z",
        "elapsed": float(elapsed),
        "question_id": question_id,
        "starred": False,
        "emotions": list(emotions),
        "tags": list(tags),
        "edited_at": None,
        "severity": severity,
    }


def study_sessions() -> list[SessionInput]:
    guide = GUIDE.to_doc()
    s1 = SessionInput(
        "s1",
        {
            "id": "s1",
            "title": "Ana - 1",
            "participant": "Ana",
            "study": "Onboarding",
            "clock": {"banked": 120.0, "running_since": None, "recording_offset": 0},
            "question_visits": [[60.0, "q2"], [90.0, "q3"]],
        },
        [
            _note(
                "n1",
                '"Setup took all week #pain/onboarding !frustrated',
                10,
                "q1",
                ["pain/onboarding"],
                4,
                ["frustrated"],
                kind="quote",
            ),
            _note("a1", "Tell me about your role.", 30, "q1", kind="asked"),
            _note("n2", '"We keep a spreadsheet', 40, "q1", ["workaround"], kind="quote"),
            _note(
                "n4", "Pricing page confused me", 100, "q3", ["pain/pricing"], None, ["confused"]
            ),
        ],
        [
            {
                "id": "e1",
                "note_id": "n2",
                "start": 9,
                "end": 22,
                "tags": ["workaround"],
                "severity": 2,
            },
            {
                "id": "e2",
                "note_id": "n4",
                "start": 0,
                "end": 12,
                "tags": ["pain/onboarding"],
                "severity": 5,
            },
        ],
        guide,
        {"current": "q3", "marks": {"q1": "asked", "q2": "skipped"}},
    )
    s2 = SessionInput(
        "s2",
        {
            "id": "s2",
            "title": "Ana - 2",
            "participant": "ana ",
            "study": "Onboarding",
            "clock": {"banked": 100.0, "running_since": None, "recording_offset": 0},
            "question_visits": [[50.0, "q2"], [80.0, "q3"]],
        },
        [
            _note(
                "m1",
                "Still stuck on setup",
                5,
                "q1",
                ["pain/onboarding"],
                2,
                ["frustrated", "anxious"],
            ),
            _note("m2", "Uses a shared sheet", 65, "q2"),
        ],
        [],
        guide,
        {"current": "q3", "marks": {"q1": "asked", "q2": "asked"}},
    )
    s3 = SessionInput(
        "s3",
        {"id": "s3", "title": "Ben", "participant": "Ben", "study": "Onboarding"},
        [
            _note(
                "k1",
                "Exports to Excel every night",
                12,
                None,
                ["workaround", "pain/onboarding"],
                None,
                ["anxious"],
            ),
            _note("k2", "Wants a dark mode", 20, None, ["idea"]),
            _note("k3", "Coffee break", 30, None),
        ],
    )
    s4 = SessionInput(
        "s4",
        {"id": "s4", "title": "Walk-in", "participant": "", "study": "Onboarding"},
        [_note("w1", "Too expensive for us", 8, "q1", ["Pain/Pricing"], 3)],
        [],
        guide,
        {"current": "q1", "marks": {}},
    )
    return [s1, s2, s3, s4]


def write_study(store: DataStore, sessions: list[SessionInput] | None = None) -> list[str]:
    """The study as session files in `store`, oldest first; returns their ids."""
    ids = []
    for number, session in enumerate(sessions or study_sessions()):
        record = {**session.session, "created_at": f"2026-11-2{number}T09:00:00.000Z"}
        record.setdefault("clock", {"banked": 0, "running_since": None, "recording_offset": 0})
        state = session.guide_state or {"current": None, "marks": {}}
        session_file = store.create_session(record, session.guide or {}, state)
        notes = [{**n, "session_id": session.id} for n in session.notes]
        session_file.append_notes(notes)
        for excerpt in session.excerpts:
            session_file.add_excerpt(dict(excerpt))
        session_file.close()
        ids.append(session.id)
    store.codebook.ensure(
        ["pain/onboarding", "pain/pricing", "workaround", "idea"], "2026-11-27T09:00:00.000Z"
    )
    return ids
