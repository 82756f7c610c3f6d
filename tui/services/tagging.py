"""The tagging model: what the tagging screen lists, what a key changes, and how it is read.

Every note of the scope's sessions is an excerpt, each followed by its span excerpts. A change
(a tag, a severity, a span) is applied here in memory at once and queued on `TagWrites`, whose
writer makes it durable off the UI thread; a read made while changes were queued has them
replayed over it. The sessions are read in a worker (`read`); everything else runs on the
caller's thread. No Textual here: the screen binds keys and draws (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tui.domain.clock import recording_offset, to_iso
from tui.domain.codings import (
    UNKNOWN_CODER,
    coder_marks,
    coders_of,
    coding,
    codings_of,
    held_by,
    settlers_of,
    tag_holders,
    tags_by,
    with_coding,
    without_coding,
)
from tui.domain.display_text import count_of, tag_label, visible
from tui.domain.excerpts import Excerpt
from tui.domain.notes import MARK_KINDS, clean_tag_name, inline_tokens, new_id, note_kind, tag_key
from tui.domain.quotes import cite, with_verbatim
from tui.domain.ratings import rating_by, ratings_of, severity_of
from tui.domain.recording import Link, QuoteCheck, marked_citation
from tui.domain.spans import idle_span, move_span, text_edits, whole_note_tags
from tui.domain.tags import (
    SEVERITIES,
    edit_changes,
    inline_name_problem,
    word_end_after,
    word_end_before,
    word_start_after,
    word_start_before,
)
from tui.services.analysis import study_of
from tui.services.codebook import CodebookService
from tui.services.exchange.exporting import ExportJob
from tui.services.recording.view import RecordingView
from tui.services.search import TIMES_APPLIED, TagIndex, TagStats
from tui.services.study_index import study_index
from tui.services.tag_ops import read_snapshot
from tui.services.tag_writes import TagWrites
from tui.services.team.agreement_model import AgreementModel
from tui.store import SessionFile, StoreError
from tui.store.collector import collector_paused

SCOPES = ("session", "study", "all")
"""What the tagging screen walks: one session, every session of its study, or every session."""
SCOPE_LOADING = {
    "session": "Loading this session\u2026",
    "study": "Loading the study\u2019s sessions\u2026",
    "all": "Loading every session\u2026",
}

Key = tuple[str, str]
"""(session id, note or span id)."""


def codebook_index(tags: list[dict]) -> TagIndex:
    """One index over the whole codebook, built once per read and kept up to date."""
    return TagIndex(
        TagStats(t["name"], int(t.get("uses") or 0), t.get("last_used_at")) for t in tags
    )


def own_index(tags: TagIndex, excerpts: list[Excerpt], coder: str) -> TagIndex:
    """`tags` with the uses and the last use of `coder`'s own codings among `excerpts` alone
    (not their settlements): what a blind coder's picker ranks by and the number keys come
    from."""
    uses: dict[str, int] = {}
    last: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    for excerpt in excerpts:
        doc = excerpt.doc
        key = (excerpt.session_id, str(doc.get("id")))
        if key in seen:
            continue
        seen.add(key)
        for c in codings_of(doc):
            if c["coder"] != coder or c.get("settlement"):  # a settlement is no one's coding
                continue
            tag = tag_key(c["tag"])
            uses[tag] = uses.get(tag, 0) + 1
            if c["at"] and c["at"] > last.get(tag, ""):
                last[tag] = c["at"]
    return TagIndex(
        TagStats(name, uses.get(tag_key(name), 0), last.get(tag_key(name))) for name in tags.names()
    )


def scope_session_ids(store, scope: str, session_id: str | None = None) -> list[str]:
    """The sessions of a scope, oldest first: one session, every session of that session's
    study (its `study` field), or every session in the data folder."""
    if scope not in SCOPES:
        raise ValueError(f"scope is one of {SCOPES}, not {scope!r}")
    # No notes read: the index has each session's study; a cold index makes only its small
    # part (the screen reads every note anyway), not the digests the analysis counts with.
    scan = study_index(store).refresh(light=True)
    summaries, problems = scan.sessions, scan.problems
    ordered = [s.id for s in reversed(summaries)]  # newest first there
    if scope == "all" or session_id is None:
        # Unreadable files too, last: reading them says why, instead of leaving them out.
        return ordered + [problem.path.stem for problem in problems]
    if scope == "session":
        return [session_id]
    own = next((s for s in summaries if s.id == session_id), None)
    if own is None:
        read_snapshot(store, session_id)  # says why the session cannot be read
        return [session_id]
    if not own.study:
        return [session_id]
    return [s.id for s in reversed(summaries) if s.study == own.study]


@dataclass
class SessionRows:
    """One session's excerpts as listed: its notes, each followed by its span excerpts and,
    with a transcript attached, by the cue it is linked to (and that cue's span excerpts)."""

    excerpts: list[Excerpt]
    note_rows: dict[Key, Excerpt]
    """Notes and cues by id."""
    span_rows: dict[Key, Excerpt]
    coded: int
    notes: int
    recording: RecordingView | None = None
    recording_offset: float = 0.0
    """The session clock's recording offset as read (`when` gives the rows' times by it)."""


@dataclass
class Loaded:
    """One read of the scope's sessions, made by the loading worker. Only the sessions that
    changed since the model last read them are read and parsed again (`rows`); the others keep
    the rows already listed, so another instance typing into one session of twenty costs one
    session's read, not twenty."""

    generation: int
    session_ids: list[str] = field(default_factory=list)
    rows: dict[str, SessionRows] = field(default_factory=dict)
    """The sessions read afresh; a session of `session_ids` missing here keeps its rows."""
    full: bool = True
    """Every session was read: rows of sessions missing from `rows` are dropped."""
    titles: dict[str, str] = field(default_factory=dict)
    studies: dict[str, str] = field(default_factory=dict)
    """Each session read's study ("" for none), for the analysis key to open without a read."""
    files: dict[str, SessionFile] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    index: TagIndex | None = None
    codebook: list[dict] | None = None
    """With the index: the codebook's tags as read (the screen draws their colours)."""
    since: int = 0
    """Changes numbered from here on may be missing from this read: replayed over it."""
    versions: dict[str, int] = field(default_factory=dict)
    """Each file's `remote_version` as read: a poll compares, to see what others wrote since."""


@dataclass(frozen=True)
class ReadRequest:
    """What one read is to fetch; made on the UI thread, run in a worker (`TaggingModel.read`)."""

    generation: int
    scope: str
    session_ids: list[str] | None
    """None: find the scope's sessions first."""
    with_index: bool
    known: dict[str, int]


def read_sessions(
    writes: TagWrites,
    session_ids: list[str],
    loaded: Loaded,
    known: dict[str, int] | None = None,
) -> None:
    """Every note of the sessions as an excerpt, with its span excerpts beneath it (worker).
    A session in `known` (id -> the `remote_version` its listed rows were read at) that no
    other process has written since is not read again."""
    known = known or {}
    with collector_paused():  # the rows live as long as the screen (tui/store/collector.py)
        for session_id in session_ids:
            _read_session_rows(writes, session_id, loaded, known)


def _read_session_rows(
    writes: TagWrites, session_id: str, loaded: Loaded, known: dict[str, int]
) -> None:
    """One session of `read_sessions`."""
    session_file = None
    try:
        session_file = writes.file(session_id)
        seen = known.get(session_id)
        if (
            seen is not None
            and session_file.remote_version == seen
            and not session_file.changed_on_disk()
        ):
            loaded.files[session_id] = session_file
            loaded.versions[session_id] = seen
            return  # only our own writes since: the listed rows already have them
        snap = session_file.read()
        recording = session_file.read_recording()
    except StoreError as error:
        loaded.problems.append(str(error))
        return
    finally:
        # A scope may hold more sessions than the process has descriptors.
        if session_file is not None:
            session_file.release_descriptors()
    loaded.files[session_id] = session_file
    loaded.versions[session_id] = snap.remote_version
    loaded.rows[session_id] = session_rows(session_id, snap, recording)
    loaded.titles[session_id] = str(snap.session.get("title") or session_id)
    study = snap.session.get("study")
    loaded.studies[session_id] = study.strip() if isinstance(study, str) else ""


def session_rows(session_id: str, snap, recording: dict | None = None) -> SessionRows:
    rows = SessionRows([], {}, {}, 0, 0, recording_offset=recording_offset(snap.session))
    participant = str(snap.session.get("participant") or "")
    by_note: dict[str, list[dict]] = {}
    for doc in snap.excerpts:
        if not idle_span(doc):  # its codings all set aside by a settlement: nothing to show
            by_note.setdefault(doc.get("note_id"), []).append(dict(doc))
    view = rows.recording = (
        RecordingView.of(recording, snap.session, snap.notes) if recording else None
    )
    listed_cues: set[str] = set()
    # A coded cue no note links to (the offset was corrected, the notes were edited) is
    # listed by its time among the notes, under the note before it: the codebook, the exports
    # and the analysis count its spans, so they are here to be seen and taken back.
    strays: list[dict] = []
    if view is not None:
        noted = {doc.get("id") for doc in snap.notes}
        linked_to = {found.cue.id for found in view.links.values()}
        strays = [
            view.cue_note(cue, session_id)
            for cue in sorted(view.aligned.recording.cues, key=lambda cue: cue.start)
            if cue.id in by_note and cue.id not in noted and cue.id not in linked_to
        ]
    under = ""

    def add(note: dict, linked: str | None = None) -> None:
        spans = sorted(by_note.get(note["id"], []), key=lambda d: (d["start"], d["end"]))
        row = Excerpt(session_id, participant, note, spans=spans, linked=linked)
        rows.excerpts.append(row)
        rows.note_rows[(session_id, note["id"])] = row
        for span in spans:
            span_row = Excerpt(session_id, participant, note, span, spans, linked)
            rows.excerpts.append(span_row)
            rows.span_rows[(session_id, span["id"])] = span_row
        if linked is None:
            rows.notes += 1
            rows.coded += row.note_coded

    for stored in snap.notes:
        if stored.get("kind") in MARK_KINDS:
            continue
        note = dict(stored)  # one copy, shared by the note's row and its span rows
        elapsed = float(note.get("elapsed") or 0.0)
        while strays and strays[0]["elapsed"] < elapsed:
            add(strays.pop(0), linked=under)
        add(note)
        under = note["id"]
        found = view.links.get(note["id"]) if view is not None else None
        # A cue is listed once, under the first note linked to it.
        if found is not None and found.cue.id not in listed_cues:
            listed_cues.add(found.cue.id)
            add(view.cue_note(found.cue, session_id), linked=note["id"])
    for cue in strays:
        add(cue, linked=under)
    return rows


@dataclass(frozen=True)
class Outcome:
    """What a key's change did: the row the cursor belongs on (None: stays), whether the list
    changed (the filter runs again), and a sentence to tell the user, if any."""

    row: Excerpt | None = None
    relist: bool = False
    notice: str | None = None
    severity: str = "information"


class TaggingModel:
    """The excerpts of a scope, the cursor, the filters and the span being selected; changes
    through `TagWrites`. After every change a screen would show, it calls `on_change` (the
    screen bumps a reactive attribute, whose watcher draws): screens never redraw by hand."""

    def __init__(
        self,
        writes: TagWrites,
        *,
        scope: str = "session",
        origin: str | None = None,
        session_ids: list[str] | None = None,
        focus: tuple[str, str, str | None] | None = None,
        coder: str = UNKNOWN_CODER,
        blind: bool = False,
    ) -> None:
        self.writes = writes
        self.coder = coder
        """Whose codings the keys apply and remove."""
        self.blind = blind
        """Show only `coder`'s codings, so a second coder is not led by the first."""
        self._focus = focus
        """(session id, note id, span id or None) to put the cursor on once read."""
        self.store = writes.store
        self.scope = scope
        self.origin = origin or (session_ids[0] if session_ids else None)
        self.session_ids = list(session_ids or ([origin] if scope == "session" and origin else []))
        self.resolve_ids = session_ids is None
        self.files: dict[str, SessionFile] = {}
        self._seen: dict[str, int] = {}
        """Each file's `remote_version` when it was last read for the list."""
        self.all_excerpts: list[Excerpt] = []
        """Every session's rows (`_rows`) one after the other, in `session_ids` order."""
        self._rows: dict[str, list[Excerpt]] = {}
        self.shown: list[Excerpt] = []
        self._note_rows: dict[Key, Excerpt] = {}
        self._span_rows: dict[Key, Excerpt] = {}
        self.recordings: dict[str, RecordingView] = {}
        """Each session's attached recording, aligned when the session was read."""
        self.offsets: dict[str, float] = {}
        """Each session's recording offset, as read with its rows (none kept for 0)."""
        self.index = TagIndex()
        """Every codebook tag, with every coder's uses (the codebook's counts)."""
        self._codebook_asked: object = None
        """The codebook file's signature when a change of it was last read for."""
        self._own_index: TagIndex | None = None
        """Blind: `index` with the coder's own uses, built when first wanted."""
        self.last_tag: str | None = None
        self.filter_untagged = False
        self.filter_tag: str | None = None
        self.filter_text = ""
        self.span: tuple[int, int] | None = None
        """(start, end) being selected in the current note, or None outside span mode."""
        self.titles: dict[str, str] = {}
        self.studies: dict[str, str] = {}
        self.coded_count = 0
        self.note_count = 0
        self._recent: list[str] | None = None
        self.reading_note: str | None = self.loading_text()
        """Shown until the first read arrives; None once the excerpts are listed."""
        self.generation = 0
        self.reading = False
        self.scope_changed = False
        self.cursor = 0
        """Where the cursor is in `shown`."""
        self.listed = 0
        """Bumped whenever `shown` is a new list (the screen hands it to its list widget)."""
        self._edits = 0
        """Bumped by every change made here to a row's tags (`_shown_changed`)."""
        self._counted: tuple[tuple[int, int], int] | None = None
        """`excerpts_shown` as of (`listed`, `_edits`): the header asks at every cursor move."""
        self.on_change: Callable[[], None] = lambda: None

    def _changed(self) -> None:
        self.on_change()

    # -- reading -------------------------------------------------------------------------------

    def loading_text(self, count: int | None = None) -> str:
        if count is None:
            if self.resolve_ids and self.scope != "session" or not self.session_ids:
                return "Loading the sessions\u2026"
            count = len(self.session_ids)
        return f"Loading {count_of(count, 'session')}\u2026"

    def begin_read(
        self, *, resolve: bool = False, with_index: bool = False, full: bool = False
    ) -> ReadRequest:
        """A newer read supersedes an older one. Sessions no other process wrote since they
        were listed are not read again, unless `full` (after a codebook rename, which rewrote
        every file)."""
        self.generation += 1
        self.reading = True
        ids = None if resolve else list(self.session_ids)
        return ReadRequest(
            self.generation, self.scope, ids, with_index, {} if full else dict(self._seen)
        )

    def read(
        self,
        request: ReadRequest,
        counted: Callable[[list[str]], None] = lambda ids: None,
        first: Callable[[Loaded], None] | None = None,
    ) -> Loaded:
        """The request's sessions (found first when it names none) read from disk; those in
        `known` that no one else wrote since are skipped (see `read_sessions`). With `first`,
        a first read of many sessions hands it the session the cursor starts on, read alone,
        before reading the rest: the screen lists it at once. Worker thread: touches nothing
        of the model's but `writes`, which is thread-safe."""
        loaded = Loaded(request.generation, full=not request.known)
        session_ids = request.session_ids
        if session_ids is None:
            try:
                session_ids = scope_session_ids(self.store, request.scope, self.origin)
            except StoreError as error:
                loaded.problems.append(str(error))
                session_ids = [self.origin] if self.origin else []
            counted(session_ids)
        loaded.session_ids = session_ids
        # Captured BEFORE the read: a change that lands during it is replayed (harmlessly).
        loaded.since = self.writes.stale_from()
        if request.with_index:
            try:
                tags = self.store.codebook.tags()
            except StoreError as error:  # the notes can still be read and shown
                loaded.problems.append(str(error))
                tags = []
            loaded.index, loaded.codebook = codebook_index(tags), tags
        if first is not None and not request.known and len(session_ids) > 1:
            start = self._start_session(session_ids)
            ahead = Loaded(loaded.generation, list(session_ids), since=loaded.since)
            ahead.index, ahead.codebook = loaded.index, loaded.codebook
            read_sessions(self.writes, [start], ahead)
            first(ahead)
            for name in ("rows", "files", "versions", "titles", "studies"):
                getattr(loaded, name).update(getattr(ahead, name))
            loaded.problems += ahead.problems
            rest = [sid for sid in session_ids if sid != start]
            read_sessions(self.writes, rest, loaded, request.known)
            return loaded
        read_sessions(self.writes, session_ids, loaded, request.known)
        return loaded

    def _start_session(self, session_ids: list[str]) -> str:
        """The session the cursor starts on: the one to focus, the origin, else the first."""
        for wanted in (self._focus[0] if self._focus else None, self.origin):
            if wanted in session_ids:
                return wanted
        return session_ids[0]

    def counted(self, generation: int, session_ids: list[str]) -> bool:
        """The scope's sessions are known (before they are read); True when that shows."""
        if generation != self.generation:
            return False
        self.session_ids = session_ids
        if self.reading_note is None:
            return False
        self.reading_note = self.loading_text(len(session_ids))
        self._changed()
        return True

    def take(self, loaded: Loaded, *, ahead: bool = False) -> bool | None:
        """Swap in a read, with the changes it may lack replayed over it. None: a newer read
        is on its way (ignore this one); False: more changes happened meanwhile than the log
        keeps (read again); True: taken. `ahead`: the first session of a read still going
        on (`read`'s `first`), listed while the rest is read."""
        if loaded.generation != self.generation:
            return None
        self.reading = ahead
        replay = self.writes.jobs_since(loaded.since)
        if replay is None:
            return False
        keep = self.current
        self.session_ids = loaded.session_ids
        self.files = loaded.files
        self._seen = loaded.versions
        self.titles.update(loaded.titles)
        self.studies.update(loaded.studies)
        self._take_rows(loaded)
        if loaded.index is not None:
            self.index = loaded.index  # the number keys keep their tags (`recent`)
        self._own_index = None  # the coder's codings as read now
        for payload in replay:
            self.apply(payload)
        if self._focus is not None:
            session_id, note_id, span_id = self._focus
            self._focus = None
            rows = self._span_rows if span_id else self._note_rows
            keep = rows.get((session_id, span_id or note_id), keep)
        self.reading_note = None
        if ahead:
            rest = len(loaded.session_ids) - len(loaded.rows)
            self.reading_note = f"Reading {count_of(rest, 'more session')}\u2026"
        self.refilter(keep)
        return True

    def _take_rows(self, loaded: Loaded) -> None:
        """Swap in the sessions read afresh; the others keep their rows (and objects, so the
        cursor and the list's drawing find them unchanged). O(changed sessions) apart from one
        flat list copy."""
        scope = set(loaded.session_ids)
        for session_id in list(self._rows):
            if loaded.full or session_id not in scope or session_id in loaded.rows:
                self._drop_rows(session_id)
        for session_id, rows in loaded.rows.items():
            self._rows[session_id] = rows.excerpts
            self._note_rows.update(rows.note_rows)
            self._span_rows.update(rows.span_rows)
            if rows.recording is not None:
                self.recordings[session_id] = rows.recording
            if rows.recording_offset:
                self.offsets[session_id] = rows.recording_offset
            self.coded_count += rows.coded
            self.note_count += rows.notes
        self.all_excerpts = [e for sid in self.session_ids for e in self._rows.get(sid, ())]

    def _drop_rows(self, session_id: str) -> None:
        self.recordings.pop(session_id, None)
        self.offsets.pop(session_id, None)
        for row in self._rows.pop(session_id, []):
            if row.span is None:
                self._note_rows.pop((session_id, row.note["id"]), None)
                self.note_count -= row.linked is None
                self.coded_count -= _counted(row)
            else:
                self._span_rows.pop((session_id, row.span["id"]), None)

    def remote_changed(self) -> bool:
        """Did another process write one of the files since it was listed? One stat per file.
        Our tag writes re-read a file under the lock, taking in what others wrote; its
        signature then matches the disk and only `remote_version` tells."""
        return any(
            f.changed_on_disk() or f.remote_version != self._seen.get(sid)
            for sid, f in self.files.items()
        )

    def codebook_changed(self) -> bool:
        """Did another process write the codebook since it was read (a rename, a merge, a tag
        made or counted in another window)? One stat. Our own writes are not news, nor a
        change already answered by a read: a file that cannot be read stays changed, and its
        error is said once, not at every look."""
        try:
            codebook = self.store.codebook
            if not codebook.changed_on_disk():
                return False
            seen = codebook.signature()
        except StoreError:
            return False  # the read that follows says what is wrong
        if seen == self._codebook_asked:
            return False
        self._codebook_asked = seen
        return True

    # -- what is shown -------------------------------------------------------------------------

    @property
    def filtered(self) -> bool:
        return bool(self.filter_untagged or self.filter_tag or self.filter_text)

    def set_filter(
        self,
        *,
        untagged: bool | None = None,
        tag: str | None = None,
        text: str | None = None,
    ) -> None:
        """Change one or more filters (None leaves one as it is); the cursor stays on its
        excerpt if that is still shown."""
        if untagged is not None:
            self.filter_untagged = untagged
        if tag is not None:
            self.filter_tag = tag_key(tag)
        if text is not None:
            self.filter_text = text.strip()
        self.refilter(self.current)

    def clear_filters(self) -> None:
        self.filter_untagged, self.filter_tag, self.filter_text = False, None, ""
        self.refilter(self.current)

    def refilter(self, keep: Excerpt | None = None) -> int:
        """Apply the filters to every excerpt; the cursor goes to `keep` (or its fresh copy
        from a reload), else the first. Returns the cursor."""
        self.shown = self._filtered()
        self.cursor = self._find(keep) if keep is not None else 0
        self.listed += 1
        self._changed()
        return self.cursor

    def _find(self, keep: Excerpt) -> int:
        if not self.filtered and not self.blind:
            return self._position(keep)
        return next((i for i, e in enumerate(self.shown) if e.same(keep)), 0)

    def excerpts_shown(self) -> int:
        """How many excerpts of the filter's tag `shown` holds, as the codebook and the
        analysis count them: a note listed with a span of it that carries the tag too is one
        excerpt, the span (`whole_note_tags`); without a tag filter, the rows."""
        if not self.filter_tag:
            return len(self.shown)
        as_of = (self.listed, self._edits)
        if self._counted is not None and self._counted[0] == as_of:
            return self._counted[1]
        counted = 0
        for excerpt in self.shown:
            if excerpt.span is None and excerpt.spans:  # most notes have no span: a row each
                spans = [s for s in excerpt.spans if self.span_shown(s)]
                whole = whole_note_tags(self.tags_of(excerpt), map(self.tags_of, spans))
                if self.filter_tag not in {tag_key(t) for t in whole}:
                    continue
            counted += 1
        self._counted = (as_of, counted)
        return counted

    def _filtered(self) -> list[Excerpt]:
        if not self.filtered and not self.blind:  # no per-row work for 50,000 excerpts
            return list(self.all_excerpts)
        text = self.filter_text.casefold()
        shown = []
        for excerpt in self.all_excerpts:
            if excerpt.span is not None and not self.span_shown(excerpt.span):
                continue
            if self.filter_untagged and not self._untagged_note(excerpt):
                continue
            if self.filter_tag and self.filter_tag not in {
                tag_key(t) for t in self.tags_of(excerpt)
            }:
                continue
            if text and text not in excerpt.text.casefold():
                continue
            shown.append(excerpt)
        return shown

    def _position(self, keep: Excerpt) -> int:
        """Where `keep` is in the unfiltered list: the offset of its session plus its place
        there, without a scan of every session."""
        offset = 0
        for session_id in self.session_ids:
            rows = self._rows.get(session_id, ())
            if session_id == keep.session_id:
                found = next((i for i, e in enumerate(rows) if e.same(keep)), None)
                return offset + found if found is not None else 0
            offset += len(rows)
        return 0

    @property
    def current(self) -> Excerpt | None:
        if not self.shown:
            return None
        return self.shown[min(self.cursor, len(self.shown) - 1)]

    def at(self, index: int) -> Excerpt | None:
        return self.shown[index] if 0 <= index < len(self.shown) else None

    def move_to(self, index: int) -> None:
        """Put the cursor on `index` (kept within the list); moving ends a span selection."""
        if not self.shown:
            return
        self.span = None
        self.cursor = max(0, min(index, len(self.shown) - 1))
        self._changed()

    def end_span(self) -> None:
        self.span = None
        self._changed()

    def index_of(self, excerpt: Excerpt) -> int | None:
        return next((i for i, e in enumerate(self.shown) if e is excerpt), None)

    def next_untagged(self) -> int | None:
        """The next shown note with no tag after the cursor, wrapping; None if there is none."""
        count = len(self.shown)
        for step in range(1, count + 1):
            excerpt = self.shown[(self.cursor + step) % count]
            if self._untagged_note(excerpt):
                return (self.cursor + step) % count
        return None

    def next_alike(self) -> int | None:
        """The next shown note after the cursor (from a cue, the next cue), for `.`: not a
        span of this one, nor the cue listed under it, which nobody chose to code. None at
        the end."""
        current = self.current
        if current is None:
            return None
        cue = current.linked is not None
        for index in range(self.cursor + 1, len(self.shown)):
            excerpt = self.shown[index]
            if excerpt.span is None and (excerpt.linked is not None) == cue:
                return index
        return None

    def _untagged_note(self, excerpt: Excerpt) -> bool:
        """A note's own row with no tag: not a span of it, not a cue listed under it."""
        return excerpt.span is None and excerpt.linked is None and not self.coded(excerpt)

    # -- codings as shown ----------------------------------------------------------------------

    def tags_of(self, excerpt: Excerpt | dict) -> list[str]:
        """The excerpt's (or a span document's) tags as shown: only the coder's when blind."""
        doc = excerpt.doc if isinstance(excerpt, Excerpt) else excerpt
        if self.blind:
            return tags_by(doc, self.coder)
        return list(doc.get("tags") or [])

    def span_shown(self, span: dict) -> bool:
        """Whether a span is listed: blind, only one the coder coded (where another coder cut
        a span would lead them to the same words)."""
        return not self.blind or bool(self.tags_of(span))

    def coded(self, excerpt: Excerpt) -> bool:
        """Tagged itself or, for a note, through a span: by the coder alone when blind."""
        if not self.blind:
            return excerpt.coded
        if self.tags_of(excerpt):
            return True
        return excerpt.span is None and any(self.tags_of(s) for s in excerpt.spans or [])

    def tag_marks(self, doc: dict) -> dict[str, list[tuple[str, bool]]]:
        """Tag key -> who holds it, (name, settlement) (`tag_holders`), for a document more
        than one coder coded or a settlement holds a tag of (and not blind); empty otherwise,
        when the tags alone say it all. Tags from before coders were recorded do not count as
        a second coder. A settlement is the team's word, no one's coding: the screen marks it
        so, as the codebook counts it."""
        holders = tag_holders(doc)
        settles = any(settlement for found in holders.values() for _, settlement in found)
        if self.blind or (len(set(coders_of(doc)) - {UNKNOWN_CODER}) < 2 and not settles):
            return {}
        return holders

    def recording_offset_of(self, excerpt: Excerpt) -> float:
        """The recording offset of the excerpt's session, as read with its rows: a row gives
        its place on the recording beside its clock time by it (`clock_and_recording`)."""
        return self.offsets.get(excerpt.session_id, 0.0)

    def severity_of(self, excerpt: Excerpt | dict) -> int | None:
        """The excerpt's (or a span document's) severity as shown: the counted one
        (tui/domain/ratings.py), or only the coder's own rating when blind."""
        doc = excerpt.doc if isinstance(excerpt, Excerpt) else excerpt
        return rating_by(doc, self.coder) if self.blind else severity_of(doc)

    @staticmethod
    def coder_marks(doc: dict) -> dict[str, str]:
        """Each coder of the document (its codings and ratings) -> how the screen marks
        them: their initials, told apart where two share them."""
        return coder_marks([*coders_of(doc), *(r["coder"] for r in ratings_of(doc))])

    def rating_marks(self, doc: dict) -> dict[str, int]:
        """Coder -> rating, for a document more than one coder rated (and not blind); empty
        otherwise, when the severity alone says it all."""
        if self.blind:
            return {}
        ratings = ratings_of(doc)
        return {r["coder"]: r["severity"] for r in ratings} if len(ratings) > 1 else {}

    def toggle_blind(self) -> bool:
        """Show only the coder's codings, or everyone's again; True when now blind."""
        self.blind = not self.blind
        self._own_index = None
        self._recent = None  # the number keys from the uses now shown (`tag_index`)
        self.refilter(self.current)
        return self.blind

    @property
    def tag_index(self) -> TagIndex:
        """What the picker searches, its counts and order, and the number keys' tags: every
        coder's uses, or blind, the coder's own (how often and how lately the others reached
        for a tag would lead a blind coder as their marks in the list would)."""
        if not self.blind:
            return self.index
        if self._own_index is None:
            self._own_index = own_index(self.index, self.all_excerpts, self.coder)
        return self._own_index

    @property
    def tag_counts(self) -> str:
        """What `tag_index`'s counts are, as the picker says it beside them."""
        return "your codings here" if self.blind else TIMES_APPLIED

    def recent(self) -> list[str | None]:
        """The tags on the number keys 1-9: the most recent, newest first, as of the first look
        or the last `renumber_recent`. Fixed in between, so a key tags what it tagged a moment
        ago (a researcher tags by habit); a tag used for the first time takes the next free
        key; a tag renamed or deleted since leaves its key empty (None) rather than moving
        the others up."""
        if self._recent is None:
            self._recent = self.tag_index.recent(9)
        return [name if name in self.index else None for name in self._recent]

    def renumber_recent(self) -> None:
        """Number the recent tags afresh, newest first."""
        self._recent = None

    def unsaved(self, excerpt: Excerpt) -> bool:
        """Whether a change to the excerpt (or one of its spans) is still only in memory."""
        if not self.writes.unsaved:
            return False
        keys = {excerpt.doc.get("id")} | {s.get("id") for s in excerpt.spans or []}
        return any(
            p.get("session_id") == excerpt.session_id and p.get("id") in keys
            for p in self.writes.pending_payloads()
        )

    def cycle_scope(self) -> bool:
        """session -> study -> all -> session; False when there is no session to scope from."""
        if self.origin is None:
            return False
        self.scope = SCOPES[(SCOPES.index(self.scope) + 1) % len(SCOPES)]
        self.scope_changed = True
        # Said at once: the rows stay until the new scope is read (seconds, on an archive),
        # and the key would seem not to have been pressed. `counted` gives the number next.
        self.reading_note = SCOPE_LOADING[self.scope]
        self._changed()
        return True

    def export_job(self) -> ExportJob | None:
        """The sessions in view (this session, its study or all) as an export to offer."""
        if not self.session_ids:
            return None
        label = {"session": self.titles.get(self.session_ids[0], ""), "all": "all sessions"}
        return ExportJob(self.store, list(self.session_ids), label.get(self.scope, ""))

    def study(self) -> str | None:
        """The study to analyse: the origin session's, or None (every session) for "all"."""
        if self.scope == "all" or not self.origin:
            return None
        if self.origin in self.studies:  # read with the scope, off the UI thread
            return self.studies[self.origin] or None
        return study_of(self.store, self.origin)  # pressed before the first read landed

    def codebook(self) -> CodebookService:
        return CodebookService(self.store, blind_coder=self.coder if self.blind else None)

    def agreement(self) -> AgreementModel:
        """Agreement between the coders of the sessions in view, settled as this coder."""
        return AgreementModel(self.store, list(self.session_ids), self.coder)

    def quote(self, excerpt: Excerpt) -> str:
        """The excerpt as a citable line: a span excerpt (or the span being selected) just
        the span, with who said it (a paraphrase: who wrote it, labelled) and the time on the
        recording (tui/domain/quotes.py)."""
        text = excerpt.text
        if self.span is not None:
            start, end = self.span
            text = excerpt.note_text[start:end]
        cited = cite(
            text,
            note_kind(excerpt.note),
            author=str(excerpt.note.get("author") or ""),
            participant=excerpt.participant,
            elapsed=float(excerpt.note.get("elapsed") or 0.0),
            recording_offset=self._recording_offset(excerpt.session_id),
        )
        return marked_citation(cited, self.check_of(excerpt))  # as the analysis screen's y

    def _recording_offset(self, session_id: str) -> float:
        """The session clock's recording offset, from the open (cached) session file."""
        try:
            session_file = self.writes.file(session_id)
            try:
                session = session_file.read().session
            finally:
                session_file.release_descriptors()
            return recording_offset(session)
        except StoreError:
            return 0.0  # the time is then the interview clock's; the words are what matter

    # -- the attached recording ----------------------------------------------------------------

    def link_of(self, excerpt: Excerpt) -> Link | None:
        """The cue a note (or a span of it) is linked to; None for a cue, or without one."""
        view = self.recordings.get(excerpt.session_id)
        if view is None or excerpt.linked is not None:
            return None
        return view.links.get(excerpt.note["id"])

    def check_of(self, excerpt: Excerpt) -> QuoteCheck | None:
        """A quote's words against what was said around its moment; None for anything else."""
        view = self.recordings.get(excerpt.session_id)
        if view is None or excerpt.linked is not None:
            return None
        return view.checks.get(excerpt.note["id"])

    def play_target(self, excerpt: Excerpt) -> tuple[str | None, float]:
        """(the media file, the second on the recording) to play for the excerpt: a cue from
        its start, a note from its moment, or from its cue's start when it was linked by its
        words to a cue said earlier (it was typed after them). No media: None."""
        view = self.recordings.get(excerpt.session_id)
        if view is None:
            return None, 0.0
        return view.media, view.play_from(excerpt.note)

    def use_verbatim(self, excerpt: Excerpt, now) -> Outcome:
        """Put the transcript's verbatim in place of a quote's words (its inline syntax kept,
        the typed text kept in the note's `typed`), or, on a quote that shows the verbatim
        already, the typed words back."""
        check = self.check_of(excerpt)
        if check is None:
            if excerpt.linked is not None:
                problem = "This is the transcript itself; V works on a quote typed as a note."
            elif excerpt.note.get("kind") != "quote":
                problem = 'Only a quote (a note typed with " or >) has a verbatim to compare.'
            else:
                problem = (
                    "No transcript is attached to this session to take a verbatim from: "
                    "attach it with `fieldnote attach SESSION TRANSCRIPT` (or m on the sessions "
                    "screen)."
                )
            return Outcome(notice=problem, severity="warning")
        note, text = excerpt.note, excerpt.note_text
        typed = note.get("typed")
        if typed and typed != text:
            new, what = str(typed), "put back the typed quote"
        elif check.not_theirs:
            return Outcome(
                notice="The words it matches are not the participant's "
                f"({visible(check.not_theirs)}); it stays as typed.",
                severity="warning",
            )
        elif not check.found and not check.differs:  # a quote turned around takes the words said
            return Outcome(
                notice=f"The quote was not found near this moment (best match {check.score:g}); "
                "it stays as typed.",
                severity="warning",
            )
        else:
            marks = [
                check.verbatim[token.start : token.end] for token in inline_tokens(check.verbatim)
            ]
            if marks:
                return Outcome(
                    notice=f"The verbatim holds {visible(', '.join(marks))}, which in a note "
                    "would be a tag or an emotion, not the speaker's words; edit the quote by "
                    "hand.",
                    severity="warning",
                )
            new, what = with_verbatim(text, check.verbatim), "use the verbatim"
            if new == text:
                return Outcome(notice="The quote is word for word what was said already.")
        edit = {"text_from": text, "text_to": new, "at": to_iso(now)}
        note_row = self._note_rows.get((excerpt.session_id, note["id"]), excerpt)
        self._edit(note_row, edit, f"{what} in {_quote(text)}")
        self._changed()
        return Outcome()

    # -- changes: memory now, disk through the writer ----------------------------------------

    def apply_tag(self, excerpt: Excerpt, name: str, now, *, create: bool = False) -> Outcome:
        """Tag the excerpt (or the selected span): in memory now, on disk shortly."""
        if self.span is not None and self.span[1] <= self.span[0]:
            return Outcome(
                notice="The span is empty; extend it before tagging.", severity="warning"
            )
        if self.span is None and excerpt.linked is not None and excerpt.span is None:
            # A cue is no note of the session: the whole cue is coded as a span excerpt of it.
            whole = self._whole_cue(excerpt)
            if whole is None:
                self.span = (0, len(excerpt.note_text))
            else:
                excerpt = whole
        now_iso = to_iso(now)
        known = self.index.stats(name)
        name = known.name if known is not None else clean_tag_name(name)
        if known is None and create:
            problem = inline_name_problem(name)
            if problem is not None:  # `#new name` typed in a note would read back as `#new`
                return Outcome(notice=problem, severity="error")
            # Queued before the change that uses it: no note on disk names a missing tag.
            self.writes.create_tag(name, now_iso)
            self.index.add(TagStats(name))
        outcome = Outcome()
        if self.span is not None:
            start, end = self.span
            doc = {
                "id": new_id(),
                "note_id": excerpt.note["id"],
                "start": start,
                "end": end,
                "tags": [name],
                "codings": [coding(name, self.coder, now_iso)],
                "severity": None,
            }
            self.span = None
            piece = excerpt.note_text[start:end]
            what = f"tag {_quote(piece)} #{tag_label(name)}"
            row = self._change(excerpt, "excerpts", "add", doc["id"], doc=doc, what=what)
            outcome = Outcome(row=row, relist=True)
        else:
            if with_coding(excerpt.doc, name, self.coder, now_iso) is None:
                return Outcome(notice=f"Already tagged #{name}.")
            if self.coder in settlers_of(excerpt.doc, name):  # the tag reads the same after
                outcome = Outcome(
                    notice=f"Tagged #{visible(name)} as your own coding; your settlement of "
                    "it here stays."
                )
            edit = {"add_tag": name, "coder": self.coder, "at": now_iso}
            self._edit(excerpt, edit, f"tag {_quote(excerpt.text)} #{tag_label(name)}")
        self.writes.record_use([name], now_iso)
        self.index.record_use(name, now_iso)
        if self._own_index is not None:
            self._own_index.record_use(name, now_iso)
        recent = self.recent()
        if len(recent) < 9 and tag_key(name) not in {tag_key(n) for n in recent if n}:
            self._recent = [*(self._recent or []), name]
        self.last_tag = name
        self._shown_changed(outcome)
        return outcome

    def _shown_changed(self, outcome: Outcome) -> None:
        """After a change: list again when a row came or went (the cursor to `outcome.row`)."""
        self._edits += 1
        if outcome.relist:
            self.refilter(outcome.row)
        else:
            self._changed()

    def remove_tag(self, excerpt: Excerpt, name: str | None) -> Outcome:
        """Remove the coder's coding of one tag (None: all of a span's, clearing it); a span
        left with no tags and no severity goes, and the cursor with it to its note. Another
        coder's coding stays theirs to remove."""
        what = f"untag {_quote(excerpt.text)}" + (f" #{tag_label(name)}" if name else "")
        notice = None
        if name is not None:
            left = without_coding(excerpt.doc, name, self.coder)
            if left is None:
                return self._not_yours(excerpt, name)
            # A settlement and one's own coding are two things: `d` takes the own one first.
            mine = self.coder in settlers_of(excerpt.doc, name)
            if mine and self.coder in settlers_of(left, name):
                notice = (
                    f"Removed your own coding of #{visible(name)}; your settlement of it here "
                    "stays."
                )
            elif mine:
                notice = (
                    f"Removed your settlement of #{visible(name)} here; the codings it set "
                    "aside stay aside."
                )
        edit: dict = {"remove_tag": name} if name is not None else {"clear_tags": True}
        edit["coder"] = self.coder
        if excerpt.span is not None:
            edit["drop_if_empty"] = True
        row = self._edit(excerpt, edit, what)
        moved = row not in (None, excerpt)
        outcome = Outcome(row=row, relist=True, notice=notice) if moved else Outcome(notice=notice)
        self._shown_changed(outcome)
        return outcome

    def _not_yours(self, excerpt: Excerpt, name: str) -> Outcome:
        """What `d` says of a tag only others coded or settled here (nothing when no one)."""
        said = held_by(excerpt.doc, name)
        if said is None:
            return Outcome()
        mine = "not your coding" if settlers_of(excerpt.doc, name) else "not by you"
        return Outcome(
            notice=f"#{visible(name)} here {visible(said)}, {mine} "
            f"({visible(self.coder)}); only they can remove it.",
            severity="warning",
        )

    def _whole_cue(self, excerpt: Excerpt) -> Excerpt | None:
        """The span excerpt of a cue row that covers the whole cue, if it was coded so."""
        length = len(excerpt.note_text)
        whole = next(
            (s for s in excerpt.spans or [] if s["start"] == 0 and s["end"] == length), None
        )
        return None if whole is None else self._span_rows.get((excerpt.session_id, whole["id"]))

    def step_severity(self, excerpt: Excerpt, step: int, now) -> Outcome:
        """Step the coder's own rating of the excerpt (another coder's stays theirs)."""
        if excerpt.linked is not None and excerpt.span is None:
            whole = self._whole_cue(excerpt)
            if whole is not None and not self.span_shown(whole.doc):
                whole = None  # blind: another coder's span is neither rated nor hinted at
            if whole is None:
                return Outcome(
                    notice="Tag the cue (or a span of it, v) first; then rate it.",
                    severity="warning",
                )
            excerpt = whole
        # The coder's own rating steps; without one, from the severity shown (none when
        # blind), and a rating from before coders were recorded gives way to it.
        own = rating_by(excerpt.doc, self.coder)
        start = own if own is not None else self.severity_of(excerpt)
        new = max(0, min(SEVERITIES[-1], (start or 0) + step))
        over_unknown = own is None and not self.blind
        # `-` from such a rating of 1 takes it away, though the coder has none to remove.
        if new == (own or 0) and not (over_unknown and rating_by(excerpt.doc, UNKNOWN_CODER)):
            return Outcome()
        what = f"rate {_quote(excerpt.text)} {new or 'none'}"
        edit = {
            "rate": new or None,
            "coder": self.coder,
            "at": to_iso(now),
            "over_unknown": over_unknown,
        }
        self._edit(excerpt, edit, what)
        self._changed()
        return Outcome()

    def _edit(self, excerpt: Excerpt, edit: dict, what: str) -> Excerpt | None:
        """A delta (`edit_changes`) on the excerpt's note or span, never a whole tag list: the
        writer applies it under the lock to the document as it is on disk by then, so a tag
        someone else added meanwhile is kept. Returns the row the cursor belongs on."""
        table = "notes" if excerpt.span is None else "excerpts"
        return self._change(excerpt, table, "edit", excerpt.doc["id"], edit=edit, what=what)

    def _change(
        self,
        excerpt: Excerpt,
        table: str,
        op: str,
        key: str,
        *,
        what: str,
        doc: dict | None = None,
        edit: dict | None = None,
    ) -> Excerpt | None:
        """Apply one change to memory and queue it for the disk; returns the row it leaves
        the cursor on (a new span, or the note of a removed one)."""
        payload = {"session_id": excerpt.session_id, "table": table, "op": op, "id": key}
        if doc is not None:
            payload["doc"] = _copy(doc)
        if edit is not None:
            payload["edit"] = dict(edit)
        row = self.apply(payload)
        self.writes.change(payload, what)
        return row

    def apply(self, payload: dict) -> Excerpt | None:
        """One change to the excerpts in memory (a fresh edit, or one replayed over a read
        that lacks it). Idempotent: applying it twice changes nothing more."""
        session_id, table, op, key = (payload[k] for k in ("session_id", "table", "op", "id"))
        if op == "edit":
            rows = self._note_rows if table == "notes" else self._span_rows
            row = rows.get((session_id, key))
            if row is None:
                return None
            edit = payload["edit"]
            was, old_text = _counted(row), row.note_text
            changes = edit_changes(row.doc, edit)
            row.doc.update(changes)
            self.coded_count += _counted(row) - was
            if "text" in changes and row.span is None:
                self._retexted(row, old_text)
            # Left untagged and unrated, the span leaves the view; on disk it goes too unless a
            # settlement set codings of it aside (`edit_empties`), and then shows nowhere.
            if row.span is not None and edit.get("drop_if_empty") and idle_span(row.doc):
                return self.apply({**payload, "op": "delete"})
            return row
        if op == "update":
            rows = self._note_rows if table == "notes" else self._span_rows
            row = rows.get((session_id, key))
            if row is not None:
                was = _counted(row)
                row.doc.update(_copy(payload["changes"]))
                self.coded_count += _counted(row) - was
            return row
        if op == "add":
            doc = _copy(payload["doc"])
            found = self._span_rows.get((session_id, key))
            note_row = self._note_rows.get((session_id, doc.get("note_id")))
            if found is not None or note_row is None:
                return found
            was = _counted(note_row)
            spans = note_row.spans if note_row.spans is not None else []
            note_row.spans = spans
            spans.append(doc)
            spans.sort(key=lambda d: (d["start"], d["end"]))
            row = Excerpt(
                session_id, note_row.participant, note_row.note, doc, spans, note_row.linked
            )
            session_rows = self._rows[session_id]
            at = _index_of(session_rows, note_row) + 1 + _index_of(spans, doc)
            session_rows.insert(at, row)
            self.all_excerpts.insert(self._offset(session_id) + at, row)
            self._span_rows[(session_id, key)] = row
            self.coded_count += _counted(note_row) - was
            return row
        if op == "delete":
            row = self._span_rows.pop((session_id, key), None)
            if row is None:
                return None
            note_row = self._note_rows.get((session_id, row.note["id"]))
            was = _counted(row)
            if row.spans is not None:
                row.spans[:] = [s for s in row.spans if s is not row.span]  # shared list
            session_rows = self._rows[session_id]
            at = _index_of(session_rows, row)
            session_rows.pop(at)
            self.all_excerpts.pop(self._offset(session_id) + at)
            self.coded_count += _counted(row) - was
            return note_row
        return None

    def _retexted(self, row: Excerpt, old_text: str) -> None:
        """After a note's text changed: its spans keep their words (as the store moves them
        on disk), and a quote is checked again. Its cue stays the one listed under it."""
        new_text = row.note_text
        if row.spans:
            edits = text_edits(old_text, new_text)  # once for every span, as the store does
            for span in row.spans:
                start, end = span["start"], span["end"]
                span["start"], span["end"] = move_span(old_text, new_text, start, end, edits)
        view = self.recordings.get(row.session_id)
        if view is not None:
            view.check(row.note)

    def _offset(self, session_id: str) -> int:
        """Where the session's rows start in `all_excerpts`."""
        offset = 0
        for sid in self.session_ids:
            if sid == session_id:
                return offset
            offset += len(self._rows.get(sid, ()))
        return offset

    # -- spans ---------------------------------------------------------------------------------

    def toggle_span(self) -> None:
        """Start selecting a span of the current excerpt's note (from the span the cursor is
        on, or the note's first word), or stop. Spans are selected on their note's row, so a
        tag makes a new span excerpt: from a span row the cursor goes to its note."""
        excerpt = self.current
        if excerpt is None:
            return
        if self.span is not None:
            self.span = None
        elif excerpt.span is None:
            self.span = (0, word_end_after(excerpt.note_text, 0))
        else:
            self.span = (excerpt.span["start"], excerpt.span["end"])
            self.cursor = next(
                (
                    i
                    for i, e in enumerate(self.shown)
                    if e.span is None and e.note["id"] == excerpt.note["id"]
                ),
                self.cursor,
            )
        self._changed()

    def _note_text(self) -> str:
        excerpt = self.current
        return excerpt.note_text if excerpt is not None else ""

    def set_span(self, start: int, end: int) -> None:
        text = self._note_text()
        start = max(0, min(start, len(text)))
        self.span = (start, max(start, min(end, len(text))))
        self._changed()

    def span_end(self, step: int) -> None:
        if self.span is not None:
            self.set_span(self.span[0], self.span[1] + step)

    def span_end_word(self, step: int) -> None:
        if self.span is None:
            return
        start, end = self.span
        text = self._note_text()
        end = word_end_after(text, end) if step > 0 else word_end_before(text, end, start)
        self.set_span(start, end)

    def span_start(self, step: int) -> None:
        if self.span is not None:
            start, end = self.span
            self.set_span(start + step, max(end, start + step))

    def span_start_word(self, step: int) -> None:
        if self.span is None:
            return
        start, end = self.span
        text = self._note_text()
        start = word_start_after(text, start) if step > 0 else word_start_before(text, start)
        self.set_span(start, max(end, word_end_after(text, start)))


def _quote(text: str, width: int = 30) -> str:
    text = visible(" ".join(text.split()))
    return "\u201c" + (text if len(text) <= width else text[: width - 1] + "\u2026") + "\u201d"


def _copy(doc: dict) -> dict:
    """A copy deep enough for change payloads: their lists are never shared with memory."""
    return {k: list(v) if isinstance(v, list) else v for k, v in doc.items()}


def _counted(row: Excerpt) -> int:
    """What the row's note adds to the coded count: a cue row (`linked`) is no note."""
    return 0 if row.linked is not None else int(row.note_coded)


def _index_of(items: list, item: object) -> int:
    return next(i for i, candidate in enumerate(items) if candidate is item)
