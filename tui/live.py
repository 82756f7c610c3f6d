"""One open interview session: its notes, guide and clock, and the queue that makes them durable.

The UI calls these methods on its own thread and they return at once: the change is applied to
memory first (so the screen shows it within the keystroke) and a single writer thread makes it
durable in order. A write that fails (disk full, read-only folder) stays at the head of the queue
and is retried; nothing is dropped, and `unsaved` says what is still only in memory.

No Textual here: the app passes `on_event`, a callback it marshals onto its own thread.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from tui.domain.clock import InterviewClock, to_iso, utc_now
from tui.domain.guide import Guide, GuideState
from tui.domain.notes import Note, new_id
from tui.store import DataStore, SessionFile, StoreError

RETRY_SECONDS = 2.0


@dataclass
class WriteJob:
    """One change to make durable. `apply` runs on the writer thread."""

    describe: str
    apply: Callable[[], Any]
    note_ids: tuple[str, ...] = ()
    payload: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SaveState:
    """What the writer thread reports after each attempt."""

    pending: int
    error: str | None


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
        self._jobs: deque[WriteJob] = deque()
        self._wake = threading.Condition()
        self._closing = False
        self.last_error: str | None = None
        self.deleted: list[Note] = []
        self._load()
        self._writer = threading.Thread(
            target=self._write_loop, name="fieldnote-writer", daemon=True
        )
        self._writer.start()

    # -- reading ----------------------------------------------------------------------------

    def _load(self) -> None:
        snapshot = self.file.read()
        self.session: dict = snapshot.session
        self.guide = Guide.from_doc(snapshot.guide)
        self.guide_state = GuideState.from_doc(snapshot.guide_state)
        if self.guide_state.current is None and self.guide.questions:
            self.guide_state.current = self.guide.questions[0].id
        self.clock = InterviewClock.from_doc(self.session.get("clock"))
        self.notes: list[Note] = [Note.from_doc(doc) for doc in snapshot.notes]

    def reload_from_disk(self) -> bool:
        """Take in what another instance wrote. Keeps this instance's unsaved changes on top.

        Returns True when anything visible changed. Runs on a worker thread.
        """
        if not self.file.changed_on_disk():
            return False
        with self._wake:
            unsaved_notes = {
                nid: self._note_by_id(nid) for job in self._jobs for nid in job.note_ids
            }
            pending_guide = [job.payload for job in self._jobs if job.payload.get("guide")]
        snapshot = self.file.read()
        notes = [Note.from_doc(doc) for doc in snapshot.notes]
        on_disk = {note.id for note in notes}
        notes += [n for nid, n in unsaved_notes.items() if n is not None and nid not in on_disk]
        notes.sort(key=lambda n: (n.started_at, n.id))
        self.notes = notes
        self.session = snapshot.session
        self.clock = InterviewClock.from_doc(self.session.get("clock"))
        state = GuideState.from_doc(snapshot.guide_state)
        for payload in pending_guide:
            if payload.get("current"):
                state.current = payload["current"]
            state.marks.update(payload.get("marks", {}))
        self.guide_state = state
        return True

    def _note_by_id(self, note_id: str) -> Note | None:
        for note in reversed(self.notes):
            if note.id == note_id:
                return note
        return None

    @property
    def authors(self) -> list[str]:
        return sorted({note.author for note in self.notes if note.kind != "transcript"})

    def elapsed(self) -> float:
        return self.clock.elapsed(self.now())

    # -- notes -------------------------------------------------------------------------------

    def commit_note(
        self, text: str, started_at: datetime, elapsed: float, question_id: str | None
    ) -> Note:
        """A typed note: in memory now, durable shortly. Its moment is its first keystroke."""
        if not self.clock.started:
            self._set_clock(lambda clock: clock.start(started_at))
        note = Note.from_typed(
            text,
            session_id=self.session_id,
            author=self.author,
            started_at=to_iso(started_at),
            elapsed=elapsed,
            question_id=question_id,
        )
        self.notes.append(note)
        doc = note.to_doc()
        self._enqueue(WriteJob("save the note", lambda: self.file.append_note(doc), (note.id,)))
        if note.tags:
            self._record_tag_use(list(note.tags))
        return note

    def edit_note(self, note: Note, text: str) -> Note:
        edited = note.retyped(text, to_iso(self.now()))
        self._replace(edited)
        changes = {k: v for k, v in edited.to_doc().items() if k != "id"}
        self._enqueue(
            WriteJob("save the edit", lambda: self.file.update_note(note.id, changes), (note.id,))
        )
        new_tags = [t for t in edited.tags if t not in note.tags]
        if new_tags:
            self._record_tag_use(new_tags)
        return edited

    def toggle_star(self, note: Note) -> Note:
        starred = Note.from_doc({**note.to_doc(), "starred": not note.starred})
        self._replace(starred)
        self._enqueue(
            WriteJob(
                "save the star",
                lambda: self.file.update_note(note.id, {"starred": starred.starred}),
                (note.id,),
            )
        )
        return starred

    def delete_note(self, note: Note) -> None:
        self.notes = [n for n in self.notes if n.id != note.id]
        self.deleted.append(note)
        self._enqueue(WriteJob("delete the note", lambda: self.file.delete_note(note.id)))

    def undo_delete(self) -> Note | None:
        if not self.deleted:
            return None
        note = self.deleted.pop()
        self.notes.append(note)
        self.notes.sort(key=lambda n: (n.started_at, n.id))
        doc = note.to_doc()
        self._enqueue(WriteJob("restore the note", lambda: self.file.append_note(doc), (note.id,)))
        return note

    def last_own_note(self) -> Note | None:
        """The newest note this author typed (asked marks and transcript cues are not edited)."""
        for note in reversed(self.notes):
            if note.author == self.author and note.kind not in ("asked", "transcript"):
                return note
        return None

    def _replace(self, note: Note) -> None:
        self.notes = [note if n.id == note.id else n for n in self.notes]

    def _record_tag_use(self, tags: list[str]) -> None:
        when = to_iso(self.now())
        codebook = self.store.codebook
        self._enqueue(
            WriteJob("add the tags to the codebook", lambda: codebook.record_use(tags, when))
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
                self._set_clock(lambda clock: clock.start(now))
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
            self.notes.append(note)
            doc = note.to_doc()
            self._enqueue(
                WriteJob("save the asked mark", lambda: self.file.append_note(doc), (note.id,))
            )
        following = self.guide_state.next_open(self.guide)
        if following:
            self.guide_state.current = following
        self._save_guide(current=self.guide_state.current, marks={question.id: mark})
        return note

    def _save_guide(self, current: str | None, marks: dict[str, str] | None = None) -> None:
        payload = {"guide": True, "current": current, "marks": marks or {}}
        self._enqueue(
            WriteJob(
                "save the guide position",
                lambda: self.file.update_guide_state(current=current, marks=marks or {}),
                payload=payload,
            )
        )

    # -- clock -------------------------------------------------------------------------------

    def toggle_clock(self) -> bool:
        now = self.now()
        self._set_clock(lambda clock: clock.toggle(now))
        return self.clock.running

    def set_recording_offset(self, seconds: float) -> None:
        self._set_clock(lambda clock: setattr(clock, "recording_offset", seconds))

    def _set_clock(self, change: Callable[[InterviewClock], Any]) -> None:
        change(self.clock)
        doc = self.clock.to_doc()
        self.session["clock"] = doc
        self._enqueue(WriteJob("save the clock", lambda: self.file.update_session({"clock": doc})))

    # -- the writer --------------------------------------------------------------------------

    @property
    def unsaved(self) -> int:
        with self._wake:
            return len(self._jobs)

    def unsaved_notes(self) -> list[Note]:
        with self._wake:
            ids = [nid for job in self._jobs for nid in job.note_ids]
        return [n for nid in ids if (n := self._note_by_id(nid)) is not None]

    def _enqueue(self, job: WriteJob) -> None:
        with self._wake:
            self._jobs.append(job)
            self._wake.notify()

    def _write_loop(self) -> None:
        while True:
            with self._wake:
                while not self._jobs and not self._closing:
                    self._wake.wait()
                if not self._jobs:
                    return
                job = self._jobs[0]
            try:
                job.apply()
            except StoreError as error:
                self.last_error = f"Could not {job.describe}: {error}"
                self.on_event(SaveState(self.unsaved, self.last_error))
                with self._wake:
                    if self._closing:
                        return
                    self._wake.wait(RETRY_SECONDS)
                continue
            with self._wake:
                self._jobs.popleft()
                pending = len(self._jobs)
                self._wake.notify_all()
            if self.last_error is not None or pending == 0:
                self.last_error = None
                self.on_event(SaveState(pending, None))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every change is on disk. False if writes are still failing at the timeout."""
        deadline = time.monotonic() + timeout
        with self._wake:
            self._wake.notify_all()
            while self._jobs:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(min(left, 0.05))
        return True

    def save_unsaved_to(self, path: Path) -> int:
        """Write the notes still only in memory to `path` (JSON), for when the data folder fails."""
        notes = [note.to_doc() for note in self.unsaved_notes()]
        path.write_bytes(
            orjson.dumps(
                {"session_id": self.session_id, "notes": notes}, option=orjson.OPT_INDENT_2
            )
        )
        return len(notes)

    def close(self) -> None:
        with self._wake:
            self._closing = True
            self._wake.notify_all()
