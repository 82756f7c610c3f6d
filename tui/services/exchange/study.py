"""What a study looks like for export: its sessions as read through the store, and the codebook.

Every format (markdown, csv, json, refi_qda) writes a `Study` out, going through its sessions
once; importers build one and `importing.apply` writes it; `pseudonyms.pseudonymise` turns one
into a copy that names nobody. An export's study reads its sessions from the store one at a
time as they are written (`StoredSessions`), so an export of any size holds one session in
memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.domain.clock import recording_offset
from tui.domain.guide import Guide
from tui.domain.spans import idle_span, span_owners
from tui.services.exchange.errors import ExchangeError
from tui.services.study_index import no_study_named, study_index
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
        return recording_offset(self.session)

    def question_texts(self) -> dict[str, str]:
        return {q.id: q.text for q in Guide.from_doc(self.guide).questions}

    def quote_checks(self) -> dict[str, str]:
        """Each quote's check against the attached transcript, as the report words it
        (`recording.describe`), by note id; without a transcript, that it was not checked."""
        quotes = [n for n in self.notes if n.get("kind") == "quote"]
        if not quotes:
            return {}
        # Imported here: it brings rapidfuzz, which the json and qdpx exports have no use for.
        from tui.domain.recording import NOT_CHECKED, describe

        if self.recording is None:
            return {str(n.get("id")): NOT_CHECKED for n in quotes}
        from tui.services.recording.aligned import SessionRecording

        aligned = SessionRecording.of(self.session, self.notes, self.recording)
        return {str(n.get("id")): describe(aligned.check(n)) or NOT_CHECKED for n in quotes}

    @property
    def cues(self) -> list[dict[str, Any]]:
        """The attached transcript's cues (none without one)."""
        return list((self.recording or {}).get("cues") or [])

    def coded_spans(self) -> CodedSpans:
        """The span excerpts by what they are coded on, as `spans.span_owners` reads them
        (the analysis, the codebook and agreement too): the note of a span's `note_id`, else
        the cue of it. A span naming neither (its note deleted) is coded on nothing and left
        out, as the codebook and the analysis leave it; so is a span whose codings a settlement
        all set aside (`spans.idle_span`)."""
        coded = CodedSpans()
        if not self.excerpts:  # most sessions: no owners to look up
            return coded
        owners = span_owners(self.notes, self.cues)
        cue_docs = {id(cue) for cue in self.cues}
        for excerpt in self.excerpts:
            note_id = str(excerpt.get("note_id"))
            owner = owners.get(note_id)
            if owner is not None and not idle_span(excerpt):
                coded.spans.append(excerpt)
                side = coded.on_cues if id(owner) in cue_docs else coded.on_notes
                side.setdefault(note_id, []).append(excerpt)
        return coded


@dataclass
class CodedSpans:
    """A session's span excerpts coded on something (`SessionData.coded_spans`)."""

    spans: list[dict[str, Any]] = field(default_factory=list)
    """All of them, in the session's order."""
    on_notes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """By the id of the note each is coded on."""
    on_cues: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """By the id of the cue each is coded on."""

    def coded_on_cue(self, excerpt: dict[str, Any]) -> bool:
        return any(e is excerpt for e in self.on_cues.get(str(excerpt.get("note_id")), ()))


@dataclass
class Study:
    """What one export holds."""

    sessions: Sequence[SessionData]
    """A list, or the store's sessions read as they are iterated (`StoredSessions`)."""
    codebook: list[dict[str, Any]]
    """Every tag of the codebook, sorted by name (case-insensitively)."""
    label: str | None = "fieldnote"
    """A name for the whole (a study name, a session title, "all sessions"); None: named
    after its sessions (`Labeller`), which a format learns once it has gone through them."""
    other_participants: list[str] = field(default_factory=list)
    """Participants of sessions not in the export: a note may name them too, so a
    pseudonymised export replaces their names as well."""
    guid_salt: str = ""
    """Mixed into every GUID a REFI-QDA export derives: empty for a plain export (the same
    data always gets the same GUIDs), random for a pseudonymised one."""
    notices: list[str] = field(default_factory=list)
    """Sentences about the export as written (a pseudonymised copy that carries no mark)."""


class Labeller:
    """The label of a study that was given none, learnt a session at a time: its sessions'
    study when they share one, a lone session's title, else "fieldnote"."""

    def __init__(self) -> None:
        self.studies: set[str] = set()
        self.count = 0
        self.first_title = ""

    def see(self, data: SessionData) -> None:
        if not self.count:
            self.first_title = data.title
        self.count += 1
        self.studies.add(data.study)

    def learnt(self) -> list[Any]:
        """What it saw, as JSON: another process's labeller `join`s it."""
        return [sorted(self.studies), self.count, self.first_title]

    def join(self, later: list[Any]) -> None:
        """Add what a labeller of the sessions after these saw (its `learnt`)."""
        studies, count, first_title = later
        if not self.count:
            self.first_title = first_title
        self.studies.update(studies)
        self.count += count

    def label(self) -> str:
        if len(self.studies) == 1 and (only := next(iter(self.studies))):
            return only
        if self.count == 1:
            return self.first_title or "session"
        return "fieldnote"


class StoredSessions(Sequence[SessionData]):
    """Sessions of the store, each read (one consistent copy of its file) when it is reached
    and let go after: iterating holds one session at a time, however many there are.
    `progress` hears (done, total) as each is read."""

    def __init__(
        self, store: DataStore, session_ids: list[str], progress: Progress | None = None
    ) -> None:
        self.store = store
        self.ids = list(session_ids)
        self.progress = progress

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._read(session_id) for session_id in self.ids[index]]
        return self._read(self.ids[index])

    def __iter__(self) -> Iterator[SessionData]:
        for done, session_id in enumerate(self.ids, start=1):
            yield self._read(session_id)
            if self.progress:
                self.progress(done, len(self.ids))

    def quiet(self) -> StoredSessions:
        """The same sessions, read without reporting progress (a pass before the export's)."""
        return StoredSessions(self.store, self.ids)

    def _read(self, session_id: str) -> SessionData:
        snap, recording = self.store.read_session(session_id)
        return SessionData(
            session=snap.session,
            guide=snap.guide,
            guide_state=snap.guide_state,
            notes=snap.notes,
            excerpts=snap.excerpts,
            recording=recording,
        )


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
    if refs:
        ids: list[str] = []
        for ref in refs:
            session_id = store.resolve(ref)
            if session_id not in ids:
                ids.append(session_id)
        return ids
    # From the study index: a warm one reads no file here, so each is read once, by the export.
    scan = study_index(store).refresh(light=True)
    if scan.problems:
        raise ExchangeError(f"{scan.problems[0]} The export would leave that session out.")
    oldest_first = list(reversed(scan.sessions))
    if every:
        if not oldest_first:
            raise ExchangeError("There are no sessions to export yet; create one first.")
        return [s.id for s in oldest_first]
    wanted = str(study).strip().casefold()
    ids = [s.id for s in oldest_first if s.study.casefold() == wanted]
    if not ids:
        raise ExchangeError(no_study_named(str(study), (s.study for s in oldest_first)))
    return ids


def read_study(
    store: DataStore,
    session_ids: list[str],
    *,
    label: str | None = None,
    progress: Progress | None = None,
    with_others: bool = False,
) -> Study:
    """The sessions (in this order, each read as the export reaches it: `StoredSessions`) and
    the codebook. `with_others`: also the participants of every other session (for
    pseudonymising)."""
    try:
        codebook = store.codebook.tags()
    except StoreError as error:
        raise ExchangeError(str(error)) from None
    others: list[str] = []
    if with_others:
        chosen = set(session_ids)
        summaries = study_index(store).refresh(light=True).summaries()
        others = [
            s.participant for s in reversed(summaries) if s.id not in chosen and s.participant
        ]
    return Study(StoredSessions(store, session_ids, progress), codebook, label, others)


def file_stem(label: str) -> str:
    """A file name from a label: letters, digits, `-` and `_` only."""
    stem = re.sub(r"[^\w-]+", "-", label, flags=re.UNICODE).strip("-_")
    return stem[:60] or "fieldnote"
