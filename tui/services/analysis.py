"""The analysis of one study (or of every session), read through the store.

`StudyAnalysis.refresh()` reads the sessions of the study and returns the synthesis
(`tui.domain.analysis`), or None when nothing changed on disk since the last call: the
analysis screen polls it from a worker to follow other instances' writes, reading again only
the files another process wrote. `fieldnote report` calls it once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from tui.domain.analysis import Analysis, SessionInput, analyse
from tui.domain.clock import utc_now
from tui.domain.notes import tag_key
from tui.store import DataStore, SessionFile, StoreError


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
    """Reads a study's sessions and analyses them; only changed files are read again."""

    def __init__(
        self, store: DataStore, study: str | None = None, now: Callable[[], datetime] = utc_now
    ) -> None:
        self.store = store
        self.study = study or None
        self.now = now
        """Reads a running interview clock (time per question)."""
        self._files: dict[str, SessionFile] = {}
        self._inputs: dict[str, tuple[int, SessionInput]] = {}
        self._seen: tuple | None = None

    def _scope(self) -> tuple[list[str], list[str]]:
        summaries, unreadable = self.store.list_sessions()
        ids = [s.id for s in reversed(summaries) if self.study is None or s.study == self.study]
        return ids, [str(problem) for problem in unreadable]

    def _state(self, ids: list[str]) -> tuple:
        """What, if different, means the analysis must be made again."""
        versions = []
        for session_id in ids:
            session_file = self._files.get(session_id)
            if session_file is None or session_file.changed_on_disk():
                versions.append(None)
            else:
                versions.append(session_file.remote_version)
        return (tuple(ids), tuple(versions), self.store.codebook.signature())

    def refresh(self, force: bool = False) -> StudyView | None:
        """The study as it is on disk now; None if nothing changed since the last refresh."""
        ids, problems = self._scope()
        if not force and self._seen is not None and self._state(ids) == self._seen:
            return None
        inputs: list[SessionInput] = []
        for session_id in ids:
            try:
                inputs.append(self._read(session_id))
            except StoreError as error:
                problems.append(str(error))
        for gone in set(self._files) - set(ids):
            self._files.pop(gone).close()
            self._inputs.pop(gone, None)
        try:
            names = {tag_key(t["name"]): t["name"] for t in self.store.codebook.tags()}
        except StoreError as error:
            names = {}
            problems.append(str(error))
        self._seen = self._state(ids)
        return StudyView(self.study, analyse(inputs, names, self.now()), inputs, problems)

    def _read(self, session_id: str) -> SessionInput:
        session_file = self._files.get(session_id)
        if session_file is None:
            session_file = self._files[session_id] = self.store.open_session(session_id)
        snapshot = session_file.read()
        cached = self._inputs.get(session_id)
        version = session_file.remote_version
        if cached is not None and cached[0] == version and not session_file.changed_on_disk():
            return cached[1]
        made = SessionInput(
            session_id,
            snapshot.session,
            snapshot.notes,
            snapshot.excerpts,
            snapshot.guide,
            snapshot.guide_state,
        )
        self._inputs[session_id] = (version, made)
        return made

    def close(self) -> None:
        for session_file in self._files.values():
            session_file.close()
        self._files.clear()
        self._inputs.clear()
