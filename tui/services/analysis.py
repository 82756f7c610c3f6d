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

from tui.domain.analysis import Analysis, Evidence, Overview, SessionInput, analyse
from tui.domain.clock import utc_now
from tui.domain.notes import tag_key
from tui.domain.recording import (
    NOT_CHECKED,
    QuoteCheck,
    SessionTranscript,
    describe,
    marked_citation,
    moment,
)
from tui.services.study_index import IndexedSession, IndexScan, SessionWords, study_index
from tui.store import DataStore, StoreError

Progress = Callable[[int, int], None]
"""Told (files looked at, files) while the study index reads session files."""


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
        return scope_label(self.study)

    @property
    def overview(self) -> Overview:
        return self.analysis.overview


@dataclass
class StudyOverview:
    """The first view of a study, drawn before it is analysed: the themes and counts of
    its last analysis, kept by the study index while no session and no tag changed since."""

    study: str | None
    overview: Overview
    problems: list[str] = field(default_factory=list)

    @property
    def scope_label(self) -> str:
        return scope_label(self.study)


def scope_label(study: str | None) -> str:
    return f"study {study}" if study else "every session"


def studies(store: DataStore) -> list[str]:
    """The study names in the data folder, sorted (from the study index)."""
    names = {s.study for s in study_index(store).refresh().sessions if s.study}
    return sorted(names, key=str.casefold)


def study_of(store: DataStore, session_id: str) -> str | None:
    """The study a session belongs to; None if none (or its file cannot be read). One file
    read, not the study index's refresh: the tagging screen asks on the UI thread."""
    try:
        snapshot, _ = store.read_session(session_id)
    except StoreError:
        return None
    study = snapshot.session.get("study")
    return (study.strip() or None) if isinstance(study, str) else None


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
        self._words: dict[str, tuple[list, SessionWords]] = {}
        """Each session's words as last read, under the signature its file had: an unchanged
        session keeps them from one refresh to the next (a drill-down shown again reads no
        file)."""
        self._seen: list | None = None
        """What the last refresh analysed (`_scope_sessions`' state): the same is no change."""
        self._kept: list | None = None
        """The state of the overview the index holds of this scope, as far as known."""
        self._closed = False

    @property
    def scope(self) -> str:
        """The name the study index keeps this analysis's overview under."""
        return "all" if self.study is None else f"study:{self.study}"

    def _scope_sessions(self, scan: IndexScan) -> tuple[list[IndexedSession], list]:
        """The scope's sessions, oldest first, and what they and the codebook are on disk
        (each file's signature, the codebook's): what an analysis of them is made from."""
        sessions = [s for s in reversed(scan.sessions) if self.study in (None, s.study)]
        codebook = self.store.codebook.signature()
        state = [[s.id, s.entry["sig"]] for s in sessions]
        return sessions, [state, list(codebook) if codebook is not None else None]

    def overview(self, progress: Progress | None = None, save: bool = True) -> StudyOverview | None:
        """The first view without analysing: the overview the index kept of this scope's
        last analysis, when no session and no tag changed since (only the index's small
        part and one stat per file are read). None: there is none that is still true.
        `save`: False leaves the index unsaved (`StudyIndex.refresh`)."""
        scan = self.index.refresh(progress=progress, save=save)
        _, state = self._scope_sessions(scan)
        found = self.index.overview(self.scope, state)
        if found is None or self._closed:
            return None
        self._kept = state
        return StudyOverview(self.study, found, [str(problem) for problem in scan.problems])

    def refresh(
        self, force: bool = False, progress: Progress | None = None, save: bool = True
    ) -> StudyView | None:
        """The study as it is on disk now; None if nothing changed since the last refresh, or
        if `close()` came meanwhile. Its overview is kept in the index for the next start.
        `progress` hears how far the index is while it reads files (a cold start). `save`:
        False leaves the index unsaved until `save_index()` (its overview is kept)."""
        scan = self.index.refresh(digests=True, progress=progress, save=save)
        problems = [str(problem) for problem in scan.problems]
        sessions, kept = self._scope_sessions(scan)
        if self._closed or not force and kept == self._seen:
            return None
        words = {}
        for s in sessions:
            kept_words = self._words.get(s.id)
            if kept_words is None or kept_words[0] != s.entry["sig"]:
                kept_words = (s.entry["sig"], SessionWords(self.store, s.id))
            words[s.id] = kept_words
        self._words = words
        inputs = [s.analysis_input(words[s.id][1]) for s in sessions]
        try:
            names = {tag_key(t["name"]): t["name"] for t in self.store.codebook.tags()}
        except StoreError as error:
            names = {}
            problems.append(str(error))
        self._seen = kept
        if self._closed:
            return None
        view = StudyView(self.study, analyse(inputs, names, self.now()), inputs, problems)
        if kept != self._kept:
            self.index.keep_overview(self.scope, kept, view.overview)
            self._kept = kept
        return view

    def save_index(self) -> None:
        """Save what refreshes told not to save left unsaved (`refresh`'s `save`)."""
        self.index.save()

    def play_target(self, item: Evidence) -> tuple[str | None, float]:
        """(the media file, the second on the recording) to play a piece of evidence from, read
        from its session's attached recording (no media: None). Reads the file: call it off the UI
        thread."""
        # Imported here: the recording's parsers and matching are not needed to analyse.
        from tui.services.recording.aligned import load

        at = moment(item.elapsed, item.recording_offset)
        try:
            aligned = load(self.store, item.session_id)
        except StoreError:
            return None, at
        if aligned is None:
            return None, at
        note = next((n for n in aligned.notes if n.get("id") == item.note_id), None)
        if note is None:
            return aligned.recording.media, at
        # Only the note's link matters here (no quote check), as the tagging screen's view has it.
        linked = aligned.link(note)
        return aligned.recording.media, aligned.play_from(note, linked)

    def close(self) -> None:
        """A refresh running in another thread returns None."""
        self._closed = True


@dataclass(frozen=True)
class Checked:
    """A piece of evidence as the analysis screen lists and copies it."""

    item: Evidence
    line: str | None
    """Its quote's check (`recording.describe`, or `NOT_CHECKED`); None: no typed quote."""
    verified: bool | None
    """Whether the transcript bears the quote out; None: nothing to check it against."""
    cited: str


class Verbatims:
    """Each typed quote of a session with an attached transcript, checked against what was
    said around its moment as every surface checks it (`SessionTranscript.check`); one per
    session, its transcript read and its timeline built once."""

    def __init__(self, view: StudyView, passage: Callable[[str], str] = str) -> None:
        self._sessions = {s.id: s for s in view.sessions}
        self._passage = passage
        """How a check's line gives the transcript's words (`recording.describe`)."""
        self._transcripts: dict[str, SessionTranscript | None] = {}
        self._checks: dict[tuple[str, str, str | None], QuoteCheck | None] = {}
        """Each quote's check, by its ref: the report ranks by it, then shows it."""

    def check(self, item: Evidence) -> QuoteCheck | None:
        if item.kind != "quote":
            return None
        if item.ref not in self._checks:
            self._checks[item.ref] = self._check(item)
        return self._checks[item.ref]

    def _check(self, item: Evidence) -> QuoteCheck | None:
        if item.session_id not in self._transcripts:
            self._transcripts[item.session_id] = self._transcript(item.session_id)
        transcript = self._transcripts[item.session_id]
        if transcript is None:
            return None
        # A span of a quote is checked by its own words (`text`), the words it is cited by.
        return transcript.check({"kind": item.kind, "text": item.text, "elapsed": item.elapsed})

    def doubtful(self, item: Evidence) -> bool:
        """Whether a quote's session has a transcript that does not bear it out (`check`)."""
        check = self.check(item)
        return check is not None and not check.found

    def _transcript(self, session_id: str) -> SessionTranscript | None:
        """The session over its attached transcript, read only for a quoted session (its
        notes are the study index's digests: each note's kind and author, what the check
        reads of them)."""
        session = self._sessions.get(session_id)
        read = session.attached if session is not None else None
        doc = read() if read is not None else None
        if session is None or not doc:
            return None
        return SessionTranscript.of(session.session, session.notes, dict(doc))

    def checked(self, item: Evidence) -> Checked:
        """The evidence with its quote's check described (`line`) and as a citable line
        (`Evidence.citation`) that, for a quote the attached transcript does not bear out,
        says what the check found: it is never pasted as the participant's words unmarked."""
        check = self.check(item)
        line = self._described(item, check)
        cited = marked_citation(item.citation(), check)
        return Checked(item, line, None if check is None else check.found, cited)

    def _described(self, item: Evidence, check: QuoteCheck | None) -> str | None:
        if check is None:
            return NOT_CHECKED if item.kind == "quote" else None
        return describe(check, self._passage)
