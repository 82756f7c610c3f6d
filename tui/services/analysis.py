"""The analysis of one study (or of every session), read through the store.

`StudyAnalysis.refresh()` takes the study's sessions from the study index and returns the
synthesis (`tui.domain.analysis`), or None when nothing changed on disk since the last call:
the analysis screen polls it from a worker to follow other instances' writes, the index
reading again only the files another process wrote. `fieldnote report` calls it once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from tui.domain.analysis import Analysis, Evidence, SessionInput, analyse
from tui.domain.clock import utc_now
from tui.domain.notes import tag_key
from tui.domain.recording import moment
from tui.services.recording.view import RecordingView
from tui.services.study_index import SessionWords, study_index
from tui.store import DataStore, StoreError


@dataclass
class StudyView:
    """One read of a study: the synthesis and what it was made from."""

    study: str | None
    """The study's name; None: every session."""
    analysis: Analysis
    sessions: list[SessionInput]
    """Oldest first."""
    problems: list[str] = field(default_factory=list)
    """Files that could not be read: one sentence each."""

    @property
    def scope_label(self) -> str:
        return f"study {self.study}" if self.study else "every session"


def studies(store: DataStore) -> list[str]:
    """The study names in the data folder, sorted (from the study index)."""
    names = {s.study for s in study_index(store).refresh().sessions if s.study}
    return sorted(names, key=str.casefold)


def study_of(store: DataStore, session_id: str) -> str | None:
    """The study a session belongs to; None if none (or its file cannot be read)."""
    found = study_index(store).refresh().get(session_id)
    return (found.study or None) if found is not None else None


class StudyAnalysis:
    """Analyses a study's sessions from the study index (tui/services/study_index.py): a
    session's notes are read only when an excerpt's words are shown. No session file stays
    open between reads. `close()` may come from another thread while a refresh runs (the
    screen quits while its worker reads): the refresh then returns None."""

    def __init__(
        self, store: DataStore, study: str | None = None, now: Callable[[], datetime] = utc_now
    ) -> None:
        self.store = store
        self.study = study or None
        self.now = now
        """Reads a running interview clock (time per question)."""
        self.index = study_index(store)
        self._seen: tuple | None = None
        self._closed = False

    def refresh(self, force: bool = False) -> StudyView | None:
        """The study as it is on disk now; None if nothing changed since the last refresh, or
        if `close()` came meanwhile."""
        scan = self.index.refresh(digests=True)
        problems = [str(problem) for problem in scan.problems]
        sessions = [s for s in reversed(scan.sessions) if self.study in (None, s.study)]
        state = (tuple((s.id, s.signature) for s in sessions), self.store.codebook.signature())
        if self._closed or not force and state == self._seen:
            return None
        inputs = [s.analysis_input(SessionWords(self.store, s.id)) for s in sessions]
        try:
            names = {tag_key(t["name"]): t["name"] for t in self.store.codebook.tags()}
        except StoreError as error:
            names = {}
            problems.append(str(error))
        self._seen = state
        if self._closed:
            return None
        return StudyView(self.study, analyse(inputs, names, self.now()), inputs, problems)

    def play_target(self, item: Evidence) -> tuple[str | None, float]:
        """(the media file, the second on the recording) to play a piece of evidence from, read
        from its session's attached recording (no media: None). Reads the file: call it off the UI
        thread."""
        at = moment(item.elapsed, item.recording_offset)
        try:
            session_file = self.store.open_session(item.session_id)
            try:
                doc = session_file.read_recording()
                snap = session_file.read() if doc is not None else None
            finally:
                session_file.close()
        except StoreError:
            return None, at
        if doc is None or snap is None:
            return None, at
        note = next((n for n in snap.notes if n.get("id") == item.note_id), None)
        view = RecordingView.of(doc, snap.session, [note] if note is not None else [])
        return view.media, view.play_from(note) if note is not None else at

    def close(self) -> None:
        """A refresh running in another thread returns None."""
        self._closed = True
