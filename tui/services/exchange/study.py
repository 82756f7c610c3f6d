"""What a study looks like for export: its sessions as read through the store, and the codebook.

Every format (markdown, csv, json, refi_qda) renders a `Study`; importers build one and
`importing.apply` writes it; `pseudonyms.pseudonymise` turns one into a copy that names nobody.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tui.domain.display_text import visible
from tui.domain.guide import Guide
from tui.domain.notes import tag_key
from tui.services.exchange.errors import ExchangeError
from tui.store import DataStore, StoreError

Progress = Callable[[int, int], None]
"""Called with (done, total) while sessions are read or written."""


@dataclass
class SessionData:
    """One session as its file holds it: records, guide, notes (in stream order), excerpts."""

    session: dict[str, Any]
    guide: dict[str, Any] = field(default_factory=dict)
    guide_state: dict[str, Any] = field(default_factory=lambda: {"current": None, "marks": {}})
    notes: list[dict[str, Any]] = field(default_factory=list)
    excerpts: list[dict[str, Any]] = field(default_factory=list)
    recording: dict[str, Any] | None = None
    """The attached transcript and media path (tui/domain/recording.py), if one is; span
    excerpts of its cues name a cue's id as their `note_id`."""

    @property
    def id(self) -> str:
        return str(self.session.get("id") or "")

    @property
    def title(self) -> str:
        return str(self.session.get("title") or "")

    @property
    def participant(self) -> str:
        return str(self.session.get("participant") or "")

    @property
    def study(self) -> str:
        """The session's study (the `study` field; old files have none)."""
        value = self.session.get("study")
        return value.strip() if isinstance(value, str) else ""

    @property
    def recording_offset(self) -> float:
        clock = self.session.get("clock") or {}
        try:
            return float(clock.get("recording_offset") or 0.0)
        except (TypeError, ValueError, AttributeError):
            return 0.0

    def question_texts(self) -> dict[str, str]:
        return {q.id: q.text for q in Guide.from_doc(self.guide).questions}

    def excerpts_by_note(self) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for excerpt in self.excerpts:
            found.setdefault(str(excerpt.get("note_id")), []).append(excerpt)
        return found


@dataclass
class Study:
    """What one export holds."""

    sessions: list[SessionData]
    codebook: list[dict[str, Any]]
    """Every tag of the codebook, sorted by name (case-insensitively)."""
    label: str = "fieldnote"
    """A name for the whole (a study name, a session title, "all sessions")."""
    other_participants: list[str] = field(default_factory=list)
    """Participants of sessions not in the export: a note may name them too, so a
    pseudonymised export replaces their names as well."""
    guid_salt: str = ""
    """Mixed into every GUID a REFI-QDA export derives: empty for a plain export (the same
    data always gets the same GUIDs), random for a pseudonymised one."""

    def used_tags(self) -> list[str]:
        """The tags the sessions use, with their stored spelling, sorted."""
        spellings = {
            tag
            for data in self.sessions
            for doc in [*data.notes, *data.excerpts]
            for tag in doc.get("tags") or []
        }
        names: dict[str, str] = {}
        for tag in sorted(spellings):
            names.setdefault(tag_key(tag), tag)
        return [names[key] for key in sorted(names)]


def select_sessions(
    store: DataStore,
    refs: Iterable[str] = (),
    *,
    study: str | None = None,
    every: bool = False,
) -> list[str]:
    """The ids an export names: sessions by id/prefix/title, a study by name, or all."""
    refs = list(refs)
    chosen = sum(1 for given in (refs, study, every) if given)
    if chosen != 1:
        raise ExchangeError("Name the sessions to export, or give --study NAME or --all (one).")
    summaries, problems = store.list_sessions()
    if problems and (every or study):
        raise ExchangeError(f"{problems[0]} The export would leave that session out.")
    ordered = [s.id for s in reversed(summaries)]  # oldest first
    if every:
        if not ordered:
            raise ExchangeError("There are no sessions to export yet; create one first.")
        return ordered
    if study is not None:
        wanted = study.strip().casefold()
        ids = [sid for sid in ordered if _study_of(store, sid).casefold() == wanted]
        if not ids:
            raise ExchangeError(
                f"No session belongs to the study '{visible(study)}'; check its name "
                "(fieldnote new --study NAME sets it)."
            )
        return ids
    ids: list[str] = []
    for ref in refs:
        session_id = store.resolve(ref)
        if session_id not in ids:
            ids.append(session_id)
    return ids


def _study_of(store: DataStore, session_id: str) -> str:
    value = store.open_session(session_id).read().session.get("study")
    return value.strip() if isinstance(value, str) else ""


def read_study(
    store: DataStore,
    session_ids: list[str],
    *,
    label: str | None = None,
    progress: Progress | None = None,
    with_others: bool = False,
) -> Study:
    """Read the sessions (in this order) and the codebook: one consistent copy of each file.
    `with_others`: also the participants of every other session (for pseudonymising)."""
    sessions = []
    for done, session_id in enumerate(session_ids, start=1):
        session_file = store.open_session(session_id)
        try:
            snap = session_file.read()
            recording = session_file.read_recording()
        finally:
            session_file.close()
        sessions.append(
            SessionData(
                session=snap.session,
                guide=snap.guide,
                guide_state=snap.guide_state,
                notes=snap.notes,
                excerpts=snap.excerpts,
                recording=recording,
            )
        )
        if progress:
            progress(done, len(session_ids))
    try:
        codebook = store.codebook.tags()
    except StoreError as error:
        raise ExchangeError(str(error)) from None
    others: list[str] = []
    if with_others:
        chosen = set(session_ids)
        summaries, _ = store.list_sessions()
        others = [
            s.participant for s in reversed(summaries) if s.id not in chosen and s.participant
        ]
    return Study(sessions, codebook, label or _label(sessions), others)


def _label(sessions: list[SessionData]) -> str:
    studies = {s.study for s in sessions}
    if len(studies) == 1 and (only := studies.pop()):
        return only
    if len(sessions) == 1:
        return sessions[0].title or "session"
    return "fieldnote"


def file_stem(label: str) -> str:
    """A file name from a label: letters, digits, `-` and `_` only."""
    stem = re.sub(r"[^\w-]+", "-", label, flags=re.UNICODE).strip("-_")
    return stem[:60] or "fieldnote"
