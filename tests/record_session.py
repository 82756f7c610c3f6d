"""A live session with a transcript attached, written for the tests of the tagging screen's
recording features: notes at known times (quotes exact, slightly wrong and invented) and the
cues they were taken from."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tui.domain.clock import to_iso
from tui.domain.notes import Note
from tui.domain.recording import Recording, RecordingCue
from tui.services.tagging import TaggingModel
from tui.store import DataStore

OFFSET = 5.0
"""The recording started 5 s before the interview clock: a note's moment is its elapsed + 5."""
CUES = [
    ("c1", 0.0, 8.0, "Interviewer", "Tell me about the first week with the product."),
    (
        "c2",
        8.0,
        20.0,
        "Praline",
        "Honestly we gave up on the invite flow on day two because nobody got the email.",
    ),
    ("c3", 20.0, 30.0, "Interviewer", "What did you do then?"),
    (
        "c4",
        30.0,
        45.0,
        "Praline",
        "We exported everything to a spreadsheet every Friday and shared it by hand.",
    ),
    ("c5", 45.0, 60.0, "Praline", "Support answered within an hour, which saved the trial."),
]
NOTES = [
    # (elapsed, text): moments 15, 41, 57, 60 on the recording.
    (10.0, '"We gave up on the invte flow on day two #pain/onboarding'),  # a slip
    (36.0, "Exports to a sheet, weekly"),  # a paraphrase
    (52.0, "> Support answered within an hour"),  # exact
    (55.0, '"I would pay double for a mobile app"'),  # invented
]


def recording_doc(media: Path | None) -> Recording:
    cues = tuple(RecordingCue(*cue) for cue in CUES)
    return Recording("interview.vtt", str(media) if media else None, "2026-11-27T10:00:00Z", cues)


def seed(store: DataStore, session_id: str, clock, media: Path | None) -> list[str]:
    """The notes, and the transcript attached with the recording offset; the notes' ids."""
    session_file = store.open_session(session_id)
    docs = [
        Note.from_typed(
            text,
            session_id=session_id,
            author="Maya",
            started_at=to_iso(clock() + timedelta(seconds=elapsed)),
            elapsed=elapsed,
            question_id=None,
        ).to_doc()
        for elapsed, text in NOTES
    ]
    session_file.append_notes(docs)
    session_file.attach_recording(recording_doc(media).to_doc(), OFFSET)
    store.codebook.ensure(["pain/onboarding", "said/verbatim"], to_iso(clock()))
    return [d["id"] for d in docs]


def loaded(writes, session_id, coder="Ana") -> TaggingModel:
    model = TaggingModel(writes, origin=session_id, coder=coder)
    assert model.take(model.read(model.begin_read(with_index=True))) is True
    return model


def row_of(model: TaggingModel, note_id: str, cue: bool = False):
    return next(
        e
        for e in model.shown
        if e.span is None and e.note["id"] == note_id and (e.linked is not None) == cue
    )


def coded_cue_span(writes, store, clock, session_id) -> tuple[str, str]:
    """`Honestly we` of the quote's cue coded #said/verbatim by Ana on the tagging screen's
    model; (the words, the cue's id)."""
    model = loaded(writes, session_id, coder="Ana")
    cue = row_of(model, "c2", cue=True)
    model.move_to(model.index_of(cue))
    model.toggle_span()
    model.span_end_word(1)
    model.apply_tag(cue, "said/verbatim", clock())
    assert writes.flush(timeout=10)
    return "Honestly we", "c2"
