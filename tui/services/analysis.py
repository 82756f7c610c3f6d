"""The analysis of one study (or of every session), read through the store.

`StudyAnalysis.refresh()` reads the sessions of the study and returns the synthesis
(`tui.domain.analysis`), or None when nothing changed on disk since the last call: the
analysis screen polls it from a worker to follow other instances' writes, reading again only
the files another process wrote. `fieldnote report` calls it once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from tui.domain.analysis import Analysis, Evidence, SessionInput, analyse
from tui.domain.clock import utc_now
from tui.domain.notes import tag_key
from tui.domain.recording import moment
from tui.services.recording.view import RecordingView
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
    """The study names in the data folder, sorted."""
    names = {s.study for s in store.list_sessions()[0] if s.study}
    return sorted(names, key=str.casefold)


def study_of(store: DataStore, session_id: str) -> str | None:
    """The study a session belongs to; None if none (or its file cannot be read)."""
    try:
        session_file = store.open_session(session_id)
    except StoreError:
        return None
    try:
        return str(session_file.read().session.get("study") or "").strip() or None
    except StoreError:
        return None
    finally:
        session_file.close()


class StudyAnalysis:
    """Reads a study's sessions and analyses them; only changed files are read again.

    No session file stays open between reads (a study of 10,000 sessions would need 10,000
    descriptors): each is opened, read and closed, and its stat signature tells the next
    refresh whether to read it again. `close()` may come from another thread while a refresh
    runs (the screen quits while its worker reads): the refresh then stops at the next session
    and returns None."""

    def __init__(
        self, store: DataStore, study: str | None = None, now: Callable[[], datetime] = utc_now
    ) -> None:
        self.store = store
        self.study = study or None
        self.now = now
        """Reads a running interview clock (time per question)."""
        self._inputs: dict[str, tuple[tuple, SessionInput]] = {}
        """Session id -> (its file's state when read, what was read)."""
        self._seen: tuple | None = None
        self._lock = threading.Lock()
        self._closed = False

    def _scope(self) -> tuple[list[str], list[str]]:
        summaries, unreadable = self.store.list_sessions()
        ids = [s.id for s in reversed(summaries) if self.study is None or s.study == self.study]
        return ids, [str(problem) for problem in unreadable]

    def _state(self, ids: list[str]) -> tuple:
        """What, if different, means the analysis must be made again."""
        states = tuple(self.store.session_state(session_id) for session_id in ids)
        return (tuple(ids), states, self.store.codebook.signature())

    def refresh(self, force: bool = False) -> StudyView | None:
        """The study as it is on disk now; None if nothing changed since the last refresh, or
        if `close()` came meanwhile."""
        ids, problems = self._scope()
        if not force and self._seen is not None and self._state(ids) == self._seen:
            return None
        inputs: list[SessionInput] = []
        for session_id in ids:
            if self._closed:
                return None
            try:
                inputs.append(self._read(session_id))
            except StoreError as error:
                problems.append(str(error))
        with self._lock:
            if self._closed:
                return None
            for gone in set(self._inputs) - set(ids):
                del self._inputs[gone]
        try:
            names = {tag_key(t["name"]): t["name"] for t in self.store.codebook.tags()}
        except StoreError as error:
            names = {}
            problems.append(str(error))
        self._seen = self._state(ids)
        return StudyView(self.study, analyse(inputs, names, self.now()), inputs, problems)

    def _read(self, session_id: str) -> SessionInput:
        # The state is taken before the read: a write in between makes the next refresh
        # read again, never miss it.
        state = self.store.session_state(session_id)
        cached = self._inputs.get(session_id)
        if cached is not None and cached[0] == state:
            return cached[1]
        session_file = self.store.open_session(session_id)
        try:
            snapshot = session_file.read()
            recording = session_file.read_recording()
        finally:
            session_file.close()
        made = SessionInput(
            session_id,
            snapshot.session,
            snapshot.notes,
            snapshot.excerpts,
            snapshot.guide,
            snapshot.guide_state,
            recording,
        )
        with self._lock:
            if not self._closed:
                self._inputs[session_id] = (state, made)
        return made

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
        """Drop what was read; a refresh running in another thread stops early."""
        with self._lock:
            self._closed = True
            self._inputs = {}
