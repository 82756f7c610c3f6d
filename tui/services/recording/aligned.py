"""A session's notes over its attached recording: each note's cue and each quote's verbatim."""

from __future__ import annotations

from typing import Any

from tui.domain.quotes import quote_words, recording_time
from tui.domain.recording import Link, QuoteCheck, SessionTranscript, link
from tui.store import DataStore

UNLINKED_KINDS = ("transcript", "asked")
"""Notes never linked to a cue: an imported transcript's cues are the words themselves, and a
note that only marks a guide question asked has no words to link."""


class SessionRecording(SessionTranscript):
    """One session's notes (documents, in stream order), its record and its recording: each
    quote's check (`SessionTranscript`), each note's cue and where to play it from."""

    @property
    def session_id(self) -> str:
        return str(self.session.get("id") or "")

    def time_code(self, note: dict[str, Any]) -> str:
        return recording_time(float(note.get("elapsed") or 0.0), self.offset)

    def link(self, note: dict[str, Any]) -> Link | None:
        if note.get("kind") in UNLINKED_KINDS:
            return None
        return link(quote_words(str(note.get("text") or "")), self.moment(note), self.timeline)

    def links(self) -> dict[str, Link]:
        found = {}
        for note in self.notes:
            linked = self.link(note)
            if linked is not None:
                found[str(note.get("id"))] = linked
        return found

    def play_from(self, note: dict[str, Any], linked: Link | None) -> float:
        """Where on the recording to play a note from: its moment, or the start of the cue it
        was `linked` to by its words, when that was said earlier (the note was typed after)."""
        at = self.moment(note)
        if linked is not None and linked.by == "text":
            at = min(at, linked.cue.start)
        return at

    def quote_checks(self) -> dict[str, QuoteCheck]:
        found = {}
        for note in self.notes:
            checked = self.check(note)
            if checked is not None:
                found[str(note.get("id"))] = checked
        return found


def load(store: DataStore, session_id: str) -> SessionRecording | None:
    """The session as on disk now with its recording; None when no transcript is attached."""
    snapshot, doc = store.read_session(session_id)
    return None if doc is None else SessionRecording.of(snapshot.session, snapshot.notes, doc)
