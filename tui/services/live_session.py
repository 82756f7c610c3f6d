"""One open interview session: its notes, guide and clock, and the queue that makes them durable.

The UI calls these methods on its own thread and they return at once: the change is applied to
memory first (so the screen shows it within the keystroke) and a single writer thread makes it
durable in order. A write that fails (disk full, read-only folder) stays at the head of the queue
and is retried; nothing is dropped, and `unsaved` says what is still only in memory.

No Textual here: the app passes `on_event`, a callback it marshals onto its own thread.
"""

from __future__ import annotations

import contextlib
import copy
import time
from bisect import bisect_left, insort
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.domain.clock import InterviewClock, from_iso, to_iso, utc_now
from tui.domain.guide import Guide, GuideState, within_limits
from tui.domain.notes import Note, new_id
from tui.domain.quotes import cite
from tui.services.guide_lint import GuideFinding, lint_guide, rules_for_session
from tui.services.interview_aids import InterviewAids
from tui.services.write_queue import RETRY_SECONDS, SaveState, WriteJob, WriteQueue
from tui.store import DataStore, SessionFile, StoreError
from tui.store.collector import collector_paused
from tui.store.drafts import DraftKeeper
from tui.store.presence import Presence
from tui.store.watch import FileWatch

__all__ = [
    "RETRY_SECONDS",
    "LiveSession",
    "RemoteChanges",
    "RemoteState",
    "SaveState",
    "WriteJob",
]


CLOSE_PAUSE_SECONDS = 2.0
"""How long closing waits for the clock's pause to reach the disk."""
WRITE_HOLD_SECONDS = 0.05
"""The longest a note's write waits for the frame that shows it (`hold_writes`)."""


def note_order(note: Note) -> tuple[str, str]:
    """Notes are kept in the order of their first keystroke, as the session file sorts them: a
    note finished after a guide key was pressed still goes before the `asked` mark it preceded."""
    return (note.started_at, note.id)


SESSION_FIELD = "session."
"""Prefix of a `touches` key naming one field of the session record (`session.goal`)."""

_EDITED_FIELDS = ("text", "kind", "starred", "emotions", "tags", "codings", "edited_at")
"""What editing a note's text can change; everything else is left as it is on disk."""


@dataclass
class RemoteState:
    """The session as another instance left it on disk, read and parsed off the UI thread."""

    docs: dict[str, dict]
    """Every note document on disk, by id (shared, never changed)."""
    changed: list[Note]
    """The notes added or changed on disk since the read `base` was made from."""
    removed: list[str]
    """The ids of notes gone from disk since then."""
    base: dict[str, dict]
    session: dict
    guide_state: GuideState
    stale_from: int
    """Local changes numbered from here on may be missing from this read: they win the merge."""
    remote_version: int
    version: int
    """The file's version as read: the next read asks what changed after it."""


@dataclass
class RemoteChanges:
    """What merging a read changed in memory: the notes to draw again, the notes gone, and
    whether the guide, clock or session record changed."""

    notes: list[Note] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    other: bool = False

    def __bool__(self) -> bool:
        return bool(self.notes or self.removed or self.other)


class LiveSession:
    def __init__(
        self,
        store: DataStore,
        session_id: str,
        author: str,
        now: Callable[[], datetime] = utc_now,
        on_event: Callable[[SaveState], None] | None = None,
    ) -> None:
        self.store = store
        self.file: SessionFile = store.open_session(session_id)
        self.session_id = session_id
        self.author = author
        self.now = now
        self.on_event = on_event or (lambda state: None)
        self.deleted: list[Note] = []
        self._merged_from = 1
        """The `stale_from` of the last read merged: our changes from there on may not have
        been compared with the disk yet (`WriteQueue.since`)."""
        self._typing: tuple[datetime, str | None, float | None] | None = None
        """When the note being typed was started, the guide question current then, and the
        clock's reading then (None: the clock had not started, or the moment came from a draft
        left behind)."""
        self._in_input: tuple[str, tuple[str, str] | None] = ("", None)
        """What the note input held when last kept (`keep_draft`)."""
        self._draft_docs: dict[str, tuple[Note, dict[str, Any]]] = {}
        """The unsaved notes `keep_draft` last kept, each with its document."""
        self._load()
        self.drafts = DraftKeeper(self.file.path, author)
        rules, self.lint_problem = rules_for_session()
        self.guide_findings: list[GuideFinding] = lint_guide(self.guide, rules)
        """What the guide lint flags, for the guide pane to mark."""
        self.aids = InterviewAids(self)
        self.presence = Presence(self.file.path, author)
        self.presence.start()
        self._queue = WriteQueue(lambda state: self.on_event(state), name="fieldnote-writer")
        self._codebook_queue = WriteQueue(
            lambda state: self.on_event(state), name="fieldnote-codebook-writer"
        )
        self._watch: FileWatch | None = None
        self._pause_if_left_running()
        self.debrief_left_behind = False
        """A killed instance's debrief answers were saved (`_adopt_left_behind`)."""
        self.left_behind: list[dict[str, Any]] = self._adopt_left_behind()
        """What killed instances of this author were typing, oldest first (`keep_draft`):
        the screen puts it back in the note input."""

    # -- reading ----------------------------------------------------------------------------

    def _load(self) -> None:
        with collector_paused():  # all of it stays alive: nothing for the collector to find
            snapshot = self.file.read()
            self.notes: list[Note] = [Note.from_doc(doc) for doc in snapshot.notes]
        self.session: dict = snapshot.session
        self.guide, self.guide_problem = within_limits(Guide.from_doc(snapshot.guide))
        self.guide_state = GuideState.from_doc(snapshot.guide_state)
        self.guide_state.settle(self.guide)
        self.clock = InterviewClock.from_doc(self.session.get("clock"))
        self._disk_notes: dict[str, dict] = {doc["id"]: doc for doc in snapshot.notes}
        """The note documents of the last read: the next read is compared with them."""
        self._disk_read: tuple[dict[str, dict], int | None] = (self._disk_notes, None)
        """`_disk_notes` with the file version they were read at (None: not known), set
        together, as a worker reads them while the UI thread merges."""
        self._seen_version = snapshot.remote_version

    # -- what other instances wrote --------------------------------------------------------
    #
    # Reading and parsing the file happens on a worker thread (`fetch_remote`); merging it into
    # memory happens on the UI thread (`apply_remote`), the only thread that changes `notes`,
    # `guide_state` and `clock`, so a note typed meanwhile can never be overwritten by the merge.
    # Every local change is numbered; a change numbered at or after `stale_from` may be missing
    # from the read (still queued, or written after it), so memory wins for it. Anything else
    # on disk is newer than memory: another instance's notes, edits, deletes and guide moves.

    def watch_disk(self, on_change: Callable[[], None]) -> None:
        """Call `on_change` (on a watcher thread) as soon as the session file is replaced: it
        may be another instance's write, so check `remote_changed()`. Until `close()`."""
        if self._watch is None:
            path, *also = self.file.watched_paths
            self._watch = FileWatch(path, on_change, also=also)

    def stop_watching(self) -> None:
        if self._watch is not None:
            self._watch.stop()
            self._watch = None

    def remote_changed(self) -> bool:
        """Did another instance write since we last merged? One stat; cheap enough to poll."""
        return self.file.changed_on_disk() or self.file.remote_version != self._seen_version

    def fetch_remote(self) -> RemoteState | None:
        """Read the file as another instance left it; None if nothing changed. Worker thread.

        Only what another instance appended to the session's journal is read, and only the
        notes it names are compared (tui/store/storage.py); the whole file is parsed only after
        it was folded. Only the notes that differ are copied, become `Note`s and are drawn.
        """
        if not self.remote_changed():
            return None
        # Jobs still queued have not reached the disk; captured BEFORE the read, so a job
        # that lands during it is counted as missing (harmless), never the reverse.
        stale_from = self._queue.stale_from()
        base, since = self._disk_read
        read = self.file.read_changes(base, since)
        docs = dict(base)
        for note_id in read.removed:
            del docs[note_id]
        docs.update((doc["id"], doc) for doc in read.changed)
        return RemoteState(
            docs=docs,
            changed=[Note.from_doc(doc) for doc in read.changed],
            removed=read.removed,
            base=base,
            session=read.session,
            guide_state=GuideState.from_doc(read.guide_state),
            stale_from=stale_from,
            remote_version=read.remote_version,
            version=read.version,
        )

    def apply_remote(self, remote: RemoteState) -> RemoteChanges:
        """Merge a read into memory, keeping local changes the read may lack. UI thread.

        Work in proportion to what changed: the notes that differ from the last read, and the
        notes whose own writes have landed since (their disk version now stands).
        """
        if remote.remote_version < self._seen_version:
            return RemoteChanges()  # an older read than one already merged
        # Our changes since the last merge, from the write queue's log (apply, queue, replay:
        # tui/services/write_queue.py): those numbered from `stale_from` on may be missing from
        # this read, so memory wins for what they touch; the others have landed since.
        jobs = self._queue.since(self._merged_from)
        if jobs is None:
            return RemoteChanges()  # more changes than the log keeps: the next poll reads again
        self._seen_version = remote.remote_version
        ours = {key for job in jobs if job.seq >= remote.stale_from for key in job.touches}
        landed = [key for job in jobs if job.seq < remote.stale_from for key in job.touches]
        disk: dict[str, Note | None] = {note.id: note for note in remote.changed}
        disk.update(dict.fromkeys(remote.removed))
        if remote.base is not self._disk_notes:  # merged out of turn: compare everything
            disk = {nid: Note.from_doc(doc) for nid, doc in remote.docs.items()}
            disk.update(dict.fromkeys(n.id for n in self.notes if n.id not in remote.docs))
        for key in landed:
            if key not in disk and key not in ("guide", "clock"):
                doc = remote.docs.get(key)
                disk[key] = None if doc is None else Note.from_doc(doc)
        changes = RemoteChanges()
        for note_id, on_disk in disk.items():
            if note_id in ours:
                continue  # changed here after the read was made: memory wins
            index = self._index_of(note_id, on_disk or remote.base.get(note_id))
            in_memory = self.notes[index] if index is not None else None
            if on_disk is None:
                if in_memory is not None:
                    del self.notes[index]
                    changes.removed.append(note_id)
            elif in_memory is None or in_memory != on_disk:
                if index is not None:
                    del self.notes[index]
                insort(self.notes, on_disk, key=note_order)
                changes.notes.append(on_disk)
        self._disk_notes = remote.docs
        self._disk_read = (remote.docs, remote.version)

        session = dict(remote.session)
        clock = InterviewClock.from_doc(session.get("clock"))
        if "clock" in ours:
            clock = self.clock
            session["clock"] = clock.to_doc()
        for touched in ours:
            name = touched.removeprefix(SESSION_FIELD)
            if name != touched and name in self.session:
                session[name] = self.session[name]  # our change to it is not on disk yet
        state = remote.guide_state
        for job in jobs:
            if job.seq >= remote.stale_from and job.payload.get("guide"):
                state.apply_change(job.payload["current"], job.payload["marks"])
        state.settle(self.guide)
        changes.other = state != self.guide_state or clock != self.clock or session != self.session
        self.session, self.clock, self.guide_state = session, clock, state
        self._merged_from = remote.stale_from  # what the disk now holds is compared
        return changes

    def reload_from_disk(self) -> bool:
        """Fetch and merge in one go (tests, scripts); the screen splits it across threads."""
        remote = self.fetch_remote()
        return remote is not None and self.apply_remote(remote)

    def note_by_id(self, note_id: str) -> Note | None:
        for note in reversed(self.notes):
            if note.id == note_id:
                return note
        return None

    def _index_of(self, note_id: str, version: Note | dict | None) -> int | None:
        """Where the note with this id is in memory: found by its first keystroke when a
        `version` of it (a note or a document) tells it, else by looking through them all."""
        if version is None:
            return next((i for i, n in enumerate(self.notes) if n.id == note_id), None)
        started = version.started_at if isinstance(version, Note) else version.get("started_at")
        key = (started if isinstance(started, str) else "", note_id)  # as Note.from_doc reads it
        index = bisect_left(self.notes, key, key=note_order)
        if index < len(self.notes) and self.notes[index].id == note_id:
            return index
        return None

    @property
    def authors(self) -> list[str]:
        return sorted({note.author for note in self.notes if note.kind != "transcript"})

    def elapsed(self) -> float:
        return self.clock.elapsed(self.now())

    # -- notes -------------------------------------------------------------------------------

    def hold_writes(self) -> None:
        """The writes queued next wait for `release_writes` (the frame that shows them), for
        `WRITE_HOLD_SECONDS` at most."""
        self._queue.hold(WRITE_HOLD_SECONDS)

    def release_writes(self) -> None:
        self._queue.release()

    def typing_started(self, at: datetime) -> None:
        """The first key of a note: the note belongs to this moment and guide question."""
        # The reading now: read at Enter, a pause and resume in between (ctrl+r) would give
        # the note the moment of the pause.
        reading = self.clock.elapsed(at) if self.clock.started else None
        self._typing = (at, self.guide_state.current, reading)

    def commit_typed(self, text: str) -> Note:
        """The note being typed, at the moment its first key was typed (now if none was)."""
        started, question, reading = self._typing or (self.now(), self.guide_state.current, None)
        self._typing = None
        elapsed = self.clock.elapsed(started) if reading is None else reading
        return self.commit_note(text, started, elapsed, question)

    def commit_note(
        self, text: str, started_at: datetime, elapsed: float, question_id: str | None
    ) -> Note:
        """A typed note: in memory now, durable shortly. Its moment is its first keystroke."""
        if not self.clock.started:
            self._set_clock(lambda clock: _start_unless_started(clock, started_at))
        note = Note.from_typed(
            text,
            session_id=self.session_id,
            author=self.author,
            started_at=to_iso(started_at),
            elapsed=elapsed,
            question_id=question_id,
        )
        self._add_note(note, "save the note")
        if note.tags:
            self._record_tag_use(list(note.tags))
        return note

    def commit_following(self, note: Note, text: str) -> Note:
        """`text` as a note of its own right after `note`: the rest of a draft too long for one
        note (`note_parts`). A millisecond later, the first time a note can differ by, so the
        parts keep their order wherever notes are sorted by their moment."""
        started = from_iso(note.started_at) + timedelta(milliseconds=1)
        return self.commit_note(text, started, note.elapsed + 0.001, note.question_id)

    def _add_note(self, note: Note, describe: str) -> None:
        """Put `note` in its place in memory at once, and queue its append to the file."""
        insort(self.notes, note, key=note_order)
        doc = note.to_doc()
        self._queue.enqueue(
            WriteJob(describe, lambda: self.file.append_note(doc), (note.id,), touches=(note.id,))
        )

    def edit_note(self, note: Note, text: str) -> Note:
        # The note as it is now, not as it was when the edit began: a co-interviewer may have
        # tagged or starred it meanwhile. On disk the edit is re-applied under the lock to the
        # note as it is there, so a tag added by another instance a moment ago survives too.
        note = self.note_by_id(note.id) or note
        when = to_iso(self.now())
        edited = note.retyped(text, when)
        self._replace(edited)

        def on_disk(doc: dict) -> dict:
            again = Note.from_doc(doc).retyped(text, when)
            return {field: getattr(again, field) for field in _EDITED_FIELDS}

        self._queue.enqueue(
            WriteJob(
                "save the edit",
                lambda: self.file.change_note(note.id, on_disk),
                (note.id,),
                touches=(note.id,),
            )
        )
        new_tags = [t for t in edited.tags if t not in note.tags]
        if new_tags:
            self._record_tag_use(new_tags)
        return edited

    def toggle_star(self, note: Note) -> Note:
        """Star the note, or unstar it and take the `*` that starred it out of its text
        (`Note.with_star`). On disk the change is applied under the lock to the note as it is
        there, so an edit another instance saved meanwhile keeps its words; its spans move
        with the text (the store carries them)."""
        note = self.note_by_id(note.id) or note
        want = not note.starred
        starred = note.with_star(want)
        self._replace(starred)

        def on_disk(doc: dict) -> dict:
            again = Note.from_doc(doc).with_star(want)
            moved = isinstance(doc.get("text"), str) and again.text != doc["text"]
            return {"starred": want, **({"text": again.text} if moved else {})}

        self._queue.enqueue(
            WriteJob(
                "save the star",
                lambda: self.file.change_note(note.id, on_disk),
                (note.id,),
                touches=(note.id,),
            )
        )
        return starred

    def delete_note(self, note: Note) -> None:
        self.notes = [n for n in self.notes if n.id != note.id]
        self.deleted.append(note)
        self._queue.enqueue(
            WriteJob("delete the note", lambda: self.file.delete_note(note.id), touches=(note.id,))
        )

    def undo_delete(self) -> Note | None:
        if not self.deleted:
            return None
        note = self.deleted.pop()
        self._add_note(note, "restore the note")
        return note

    def quote_to_copy(self) -> str | None:
        """This author's newest quote as a citable line: the words, the participant and the
        time on the recording; with no quote, the newest note, labelled as this author's
        (tui/domain/quotes.py). Follow-ups are not copied. None if there is nothing."""
        own = [n for n in self.notes if n.author == self.author and n.kind in ("quote", "note")]
        note = next((n for n in reversed(own) if n.kind == "quote"), own[-1] if own else None)
        if note is None:
            return None
        return cite(
            note.text,
            note.kind,
            author=note.author,
            participant=str(self.session.get("participant") or ""),
            elapsed=note.elapsed,
            recording_offset=self.clock.recording_offset,
        )

    def last_own_note(self) -> Note | None:
        """The newest note this author typed (asked marks and transcript cues are not edited)."""
        for note in reversed(self.notes):
            if note.author == self.author and note.kind not in ("asked", "transcript"):
                return note
        return None

    def _replace(self, note: Note) -> None:
        self.notes = [note if n.id == note.id else n for n in self.notes]

    def _record_tag_use(self, tags: list[str], *, count: bool = True) -> None:
        """Add the tags to the codebook, counting one more use of each (`count`), or only
        making the missing ones."""
        # A queue of its own: a codebook that cannot be written must not hold up the notes.
        when = to_iso(self.now())
        write = self.store.codebook.record_use if count else self.store.codebook.ensure
        self._codebook_queue.enqueue(
            WriteJob("add the tags to the codebook", lambda: write(tags, when))
        )

    # -- guide -------------------------------------------------------------------------------

    def move_question(self, step: int) -> str | None:
        current = self.guide_state.move(self.guide, step)
        self._save_guide(current=current)
        return current

    def mark_current(self, mark: str) -> Note | None:
        """Mark the current question asked or skipped and move to the next open one.

        Marking asked writes an `asked` note, so time per question can be read back.
        """
        question = self.guide.question(self.guide_state.current)
        if question is None:
            return None
        self.guide_state.mark(question.id, mark)
        note = None
        if mark == "asked":
            now = self.now()
            if not self.clock.started:
                self._set_clock(lambda clock: _start_unless_started(clock, now))
            note = Note(
                id=new_id(),
                session_id=self.session_id,
                author=self.author,
                text=question.text,
                kind="asked",
                started_at=to_iso(now),
                elapsed=round(self.clock.elapsed(now), 3),
                question_id=question.id,
            )
            self._add_note(note, "save the asked mark")
        following = self.guide_state.next_open(self.guide)
        if following:
            self.guide_state.current = following
        self._save_guide(current=self.guide_state.current, marks={question.id: mark})
        return note

    def _save_guide(self, current: str | None, marks: dict[str, str] | None = None) -> None:
        self.aids.question_became_current(current)
        payload = {"guide": True, "current": current, "marks": marks or {}}
        self._queue.enqueue(
            WriteJob(
                "save the guide position",
                lambda: self.file.update_guide_state(current=current, marks=marks or {}),
                payload=payload,
                touches=("guide",),
            )
        )

    # -- clock -------------------------------------------------------------------------------

    def toggle_clock(self) -> bool:
        now = self.now()
        # An intent, not a flip: two people pausing at once leave it paused.
        if self.clock.running:
            self._set_clock(lambda clock: clock.pause(now))
        else:
            self._set_clock(lambda clock: clock.start(now))
        return self.clock.running

    def change_session_field(self, name: str, change: Callable[[Any], Any], describe: str) -> Any:
        """Set one field of the session record to `change(old value)`: here now, and again
        under the lock to the value on disk, so a co-interviewer's change is built on rather
        than overwritten. `change` must not modify its argument. Returns the new value."""
        self.session[name] = value = change(copy.deepcopy(self.session.get(name)))
        self._queue.enqueue(
            WriteJob(
                describe,
                lambda: self.file.change_session(lambda doc: {name: change(doc.get(name))}),
                touches=(SESSION_FIELD + name,),
            )
        )
        return value

    def set_recording_offset(self, seconds: float) -> None:
        self._set_clock(lambda clock: setattr(clock, "recording_offset", seconds))

    def _set_clock(self, change: Callable[[InterviewClock], Any]) -> None:
        """Apply `change` here now, and again under the lock to the clock as it is on disk, so
        two people's first notes start the shared clock once and a pause by one is not undone
        by the other's stale copy."""
        change(self.clock)
        self.session["clock"] = self.clock.to_doc()

        def on_disk(session: dict) -> dict:
            clock = InterviewClock.from_doc(session.get("clock"))
            change(clock)
            return {"clock": clock.to_doc()}

        self._queue.enqueue(
            WriteJob(
                "save the clock",
                lambda: self.file.change_session(on_disk),
                touches=("clock",),
            )
        )

    # -- the writer --------------------------------------------------------------------------

    @property
    def last_error(self) -> str | None:
        return self._queue.last_error or self._codebook_queue.last_error

    @property
    def unsaved(self) -> int:
        return self._queue.unsaved + self._codebook_queue.unsaved

    def unsaved_note_ids(self) -> frozenset[str]:
        """The ids of notes with a change still only in memory (the queue's, not the notes')."""
        return frozenset(nid for job in self._queue.pending() for nid in job.note_ids)

    def unsaved_notes(self) -> list[Note]:
        """Each note with a change still only in memory, once (a note may have several)."""
        ids = dict.fromkeys(nid for job in self._queue.pending() for nid in job.note_ids)
        if not ids:
            return []
        # One pass over the notes, not one look for each (2,000 unsaved: 51 ms).
        by_id = {note.id: note for note in self.notes}
        return [n for nid in ids if (n := by_id.get(nid)) is not None]

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every change is on disk. False if writes are still failing at the timeout."""
        deadline = time.monotonic() + timeout
        notes_saved = self._queue.flush(timeout)
        return self._codebook_queue.flush(max(0.0, deadline - time.monotonic())) and notes_saved

    def unsaved_summary(self) -> str:
        return f"{len(self.unsaved_notes())} note(s) and {self.unsaved} change(s)"

    def kept_and_lost(self) -> tuple[int, int]:
        """Of what is unsaved: the notes the drafts file holds, which come back when this
        author opens the session again on this machine, and the changes nothing brings back
        (a deletion, the clock, the guide, the codebook's; all of them while no draft can be
        written)."""
        if not self.drafts.writing:
            return 0, self.unsaved
        lost = sum(1 for job in self._queue.pending() if not job.note_ids)
        return len(self.unsaved_notes()), lost + self._codebook_queue.unsaved

    def unsaved_record(self) -> tuple[dict, int]:
        """What a rescue file gets: the notes still only in memory."""
        notes = [note.to_doc() for note in self.unsaved_notes()]
        return {"session_id": self.session_id, "notes": notes}, len(notes)

    # -- what is being typed, on disk as it is typed ------------------------------------------

    def keep_draft(
        self, text: str, edit: tuple[str, str] | None, debrief: dict[str, str] | None = None
    ) -> None:
        """The note input's state, kept on disk off the UI thread (tui/store/drafts.py): `text`
        is the note being typed (set aside while an edit is open), `edit` the id of a note
        being edited and its text as it stands, `debrief` the answers of an open debrief. The
        notes not written yet go with them, so a killed instance loses neither a key nor a note
        Enter had queued."""
        self._in_input = (text, edit)
        # Each key typed while writes fail comes here: a note's document is built once, and
        # kept while the note in memory is the same object (a change to a note puts a new
        # one in its place; none is changed in place).
        docs = {}
        for note in self.unsaved_notes():
            kept = self._draft_docs.get(note.id)
            docs[note.id] = kept if kept is not None and kept[0] is note else (note, note.to_doc())
        self._draft_docs = docs
        notes = [doc for _, doc in docs.values()]
        if not (text.strip() or edit or notes or debrief):
            self.drafts.keep(None)
            return
        started, question, _ = self._typing or (None, None, None)
        self.drafts.keep(
            {
                "session_id": self.session_id,
                "text": text,
                "started_at": None if started is None else to_iso(started),
                "question_id": question,
                "edit": None if edit is None else {"note_id": edit[0], "text": edit[1]},
                "notes": notes,
                "debrief": debrief,
            }
        )

    def _pause_if_left_running(self) -> None:
        """Instances killed (`kill -9`, a crash) never close, so the last of them never paused
        the clock: found running with nobody else in, it is paused at the newest last
        heartbeat of those gone, as if they had closed then, and the opener is asked whether
        the time away counts (`paused_by_close`)."""
        gone = self.presence.last_gone
        if gone is None or not self.clock.running:
            return
        if any(e.file != self.presence.path.name for e in self.presence.entries()):
            return  # someone is still in: the clock runs on
        # A heartbeat is a few seconds apart: a run started after the last one began later.
        at = max(datetime.fromtimestamp(gone, UTC), from_iso(self.clock.running_since))
        self._set_clock(lambda clock: clock.pause_on_close(at))

    def _adopt_left_behind(self) -> list[dict[str, Any]]:
        """Take over the drafts killed instances of this author left: their unsaved notes are
        queued again (a stored copy is replaced, as `fieldnote restore` does), and what they
        were typing is returned for the note input."""
        found = self.drafts.left_behind()
        records = []
        for _name, record in found:
            for doc in record.get("notes") or []:
                try:
                    note = Note.from_doc(doc)
                except (KeyError, TypeError, ValueError):
                    continue
                if note.session_id == self.session_id:
                    self._restore_note(note)
            answers = record.get("debrief")
            if isinstance(answers, dict) and answers != self.aids.debrief_answers():
                self.aids.save_debrief({k: str(v) for k, v in answers.items()})
                self.debrief_left_behind = True
            self._drop_what_was_saved(record)
            if record.get("text") or record.get("edit") or record.get("debrief"):
                records.append(record)
        self.drafts.adopt([name for name, _ in found])
        return records

    def _drop_what_was_saved(self, record: dict[str, Any]) -> None:
        """A draft file the folder would not take (read-only) holds a state from before the
        note or the edit was saved: what a stored note of this author holds is not put back."""
        own = {(n.started_at, n.text) for n in self.notes if n.author == self.author}
        if (record.get("started_at"), record.get("text")) in own:
            record["text"] = ""
        edit = record.get("edit")
        if isinstance(edit, dict):
            note = self.note_by_id(str(edit.get("note_id")))
            if note is not None and note.text == edit.get("text"):
                record["edit"] = None

    def _restore_note(self, note: Note) -> None:
        index = self._index_of(note.id, note)
        if index is None:
            index = self._index_of(note.id, None)
        if index is not None:
            if self.notes[index] == note:
                return
            del self.notes[index]
        self._add_note(note, "save a note kept from before")
        if note.tags:
            # Its use may have been counted before the kill, but its tag must be there to pick.
            self._record_tag_use(list(note.tags), count=False)

    def resume_typing(self, started_at: str | None, question_id: str | None) -> None:
        """A draft put back in the input keeps the moment and question of its first key."""
        if started_at is not None:
            with contextlib.suppress(ValueError):
                self._typing = (from_iso(started_at), question_id, None)

    def close(self) -> None:
        """Leave the session. The last one to leave pauses a running clock, so notes typed
        when someone reopens it hours later do not get the hours in between."""
        last = self.presence.stop()
        if last and self.clock.running:
            now = self.now()
            self._set_clock(lambda clock: clock.pause_on_close(now))
            self._queue.flush(timeout=CLOSE_PAUSE_SECONDS)
        # Leaving saved the draft as a note: the file goes, unless a note is still unsaved or
        # the input still holds text (then the next instance of this author takes it over).
        self.keep_draft(*self._in_input)
        self.drafts.stop()
        self._queue.close()
        self._codebook_queue.close()
        self.stop_watching()
        if last:  # the file alone is the whole session again; the journal is a speed-up
            with contextlib.suppress(StoreError):
                self.file.fold_journal()
        self.file.close()  # its descriptors are plain fds: nothing closes them for us

    @property
    def paused_by_close(self) -> str | None:
        """When the last instance closed and paused the clock (UTC ISO), if it is still so."""
        return None if self.clock.running else self.clock.closed_at

    def resume_after_close(self, count_time_away: bool) -> None:
        now = self.now()
        self._set_clock(
            lambda clock: clock.resume_after_close(now, count_time_away=count_time_away)
        )


def _start_unless_started(clock: InterviewClock, moment: datetime) -> None:
    """The first note starts the clock; if someone else started it, the earlier start stands
    (whichever write lands first), and a clock already paused or resumed is left alone."""
    if not clock.started:
        clock.start(moment)
    elif clock.running and not clock.banked and from_iso(clock.running_since) > moment:
        clock.running_since = to_iso(moment)
