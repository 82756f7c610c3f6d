"""The recording as the tagging and analysis screens show it: each note's cue and each quote's
verbatim (`SessionRecording`), worked out once per read of the session and kept, so drawing and
moving the cursor never align again; and where on the recording a note plays from. No Textual,
no I/O: the screens' models build it from what they read."""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.domain.recording import Link, QuoteCheck, RecordingCue, cue_note
from tui.services.recording.aligned import SessionRecording


@dataclass
class RecordingView:
    """One session's attached recording, its notes' links and its quotes' checks."""

    aligned: SessionRecording
    links: dict[str, Link] = field(default_factory=dict)
    """Note id -> the cue it is linked to."""
    checks: dict[str, QuoteCheck] = field(default_factory=dict)
    """Quote's note id -> its words against what was said around its moment."""

    @classmethod
    def of(cls, doc: dict, session: dict, notes: list[dict]) -> RecordingView:
        aligned = SessionRecording.of(session, notes, doc)
        return cls(aligned, aligned.links(), aligned.quote_checks())

    @property
    def media(self) -> str | None:
        return self.aligned.recording.media

    @property
    def offset(self) -> float:
        """The session clock's recording offset: a note's moment is its elapsed plus this."""
        return self.aligned.offset

    def moment(self, note: dict) -> float:
        """The note's moment on the recording, seconds."""
        return self.aligned.moment(note)

    def check(self, note: dict) -> None:
        """Check a quote's words against what was said around its moment (again after an
        edit); a note that is no quote has no check."""
        checked = self.aligned.check(note)
        if checked is not None:
            self.checks[str(note.get("id"))] = checked
        else:
            self.checks.pop(str(note.get("id")), None)

    def play_from(self, note: dict) -> float:
        """Where on the recording to play a note (or a cue as a note) from: its moment, or
        the start of the cue it was linked to by its words, when that was said earlier (the
        note was typed after the words)."""
        return self.aligned.play_from(note, self.links.get(str(note.get("id"))))

    def cue_note(self, cue: RecordingCue, session_id: str) -> dict:
        """A cue as the note of its row: words, speaker (as its author), interview time."""
        return {**cue_note(cue.to_doc(), self.offset), "session_id": session_id}
