"""Tagging's changes, made durable off the UI thread: tags, severities, spans, codebook counts.

Applying a tag used to cost two fsynced writes on the UI thread (the session file and the codebook:
25-38 ms with 10,000 notes and 10,000 tags, over the 16 ms frame). The tagging screen now changes
its memory at once and queues the change here; one writer thread (tui/services/write_queue.py,
shared with the live interview) writes the changes in order, keeps a failing one (disk full) at the
head of the queue and retries it, and reports through `on_event`.

A change is a small plain `payload` (session, table, op, id, changes or doc), so a model that
reads the files again can replay what is not on disk yet over what it read (`jobs_since`, over
the queue's log: the one apply-queue-replay mechanism of tui/services/write_queue.py).

No Textual here: the app passes `on_event` and marshals it onto its own thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from tui.domain.tags import edit_changes, edit_empties
from tui.services.write_queue import RETRY_SECONDS, SaveState, Skipped, WriteJob, WriteQueue
from tui.store import DataStore, SessionFile
from tui.store.errors import WriteFailedError
from tui.store.session import DELETE


class TagWrites:
    def __init__(
        self, store: DataStore, on_event: Callable[[SaveState], None] | None = None
    ) -> None:
        self.store = store
        self.on_event = on_event or (lambda state: None)
        self._files: dict[str, SessionFile] = {}
        self._files_lock = threading.Lock()
        self._queue = WriteQueue(lambda state: self.on_event(state), name="fieldnote-tag-writer")

    # -- files ---------------------------------------------------------------------------------

    def file(self, session_id: str) -> SessionFile:
        """The session's file, opened once and shared by readers and the writer (so our own
        writes are not mistaken for another process's). Safe from any thread."""
        with self._files_lock:
            found = self._files.get(session_id)
        if found is not None:
            return found
        opened = self.store.open_session(session_id)
        with self._files_lock:
            found = self._files.setdefault(session_id, opened)
        if found is not opened:
            opened.close()
        return found

    def files(self) -> list[SessionFile]:
        with self._files_lock:
            return list(self._files.values())

    # -- changes (UI thread; memory is already changed) ----------------------------------------

    def change(self, payload: dict[str, Any], describe: str) -> int:
        """Queue one change to a note or excerpt of a session: op `edit` (a delta, see
        `tui.domain.tags.edit_changes`), `add` or `delete` of a span excerpt, or `update`
        (fields replaced as given: only for fields no one else edits)."""
        payload = {**payload}
        session_id = payload["session_id"]
        job = WriteJob(
            describe,
            lambda: self._write(session_id, payload, describe),
            payload=payload,
            touches=(str(payload.get("id")),),
        )
        return self._queue.enqueue(job)

    def _write(self, session_id: str, payload: dict[str, Any], describe: str) -> None:
        session_file = self.file(session_id)
        try:
            apply_change(session_file, payload, describe)
        finally:
            session_file.release_descriptors()  # one scope may span every session

    def create_tag(self, name: str, now_iso: str) -> None:
        """The picker's explicit "create": queued before the change that uses the tag, so no
        note on disk ever names a tag the codebook lacks."""
        codebook = self.store.codebook
        self._queue.enqueue(
            WriteJob(f"add #{name} to the codebook", lambda: codebook.create(name, now_iso))
        )

    def record_use(self, names: list[str], now_iso: str) -> None:
        codebook = self.store.codebook
        names = list(names)
        self._queue.enqueue(
            WriteJob("count the tag's use", lambda: codebook.record_use(names, now_iso))
        )

    # -- what is not on disk yet ---------------------------------------------------------------

    def stale_from(self) -> int:
        """Call BEFORE reading the files: changes numbered from here on may be missing from
        the read, so replay `jobs_since(stale_from)` over it (replaying is idempotent)."""
        return self._queue.stale_from()

    def jobs_since(self, seq: int) -> list[dict[str, Any]] | None:
        """Payloads of the session changes numbered `seq` or later, oldest first; None when
        the log no longer reaches back that far (read again)."""
        jobs = self._queue.since(seq)
        return None if jobs is None else [job.payload for job in jobs if job.payload]

    def pending_payloads(self) -> list[dict[str, Any]]:
        return [job.payload for job in self._queue.pending() if job.payload]

    def pending_describes(self) -> list[str]:
        """What the queued changes to notes and spans do, oldest first ("tag “…” #x")."""
        return [job.describe for job in self._queue.pending() if job.payload]

    @property
    def unsaved(self) -> int:
        return self._queue.unsaved

    @property
    def last_error(self) -> str | None:
        return self._queue.last_error

    def problem(self) -> str | None:
        """The failing write as one sentence with what to do, or None while writes land."""
        error = self._queue.last_error
        if error is None:
            return None
        failure = self._queue.last_failure
        written = isinstance(failure, WriteFailedError)
        reason = failure.reason if written else str(failure or error)
        advice = failure.advice if written else "fix the folder"
        count = len(self.pending_describes()) or self.unsaved
        return (
            f"Not saved yet: {count} tag change(s) are only in memory because {reason}. "
            f"Retrying every {RETRY_SECONDS:g} s; {advice}, and they land in order."
        )

    def flush(self, timeout: float = 10.0) -> bool:
        return self._queue.flush(timeout)

    # -- quitting with changes not on disk (tui/screens/quit_screen.py) ------------------------

    def unsaved_summary(self) -> str:
        return f"{len(self.pending_describes()) or self.unsaved} tag change(s)"

    def kept_and_lost(self) -> tuple[int, int]:
        """No drafts file keeps a tag change: all of them are lost on quitting."""
        return 0, self.unsaved

    def unsaved_record(self) -> tuple[dict[str, Any], int]:
        """What a rescue file gets: every queued change to a note or excerpt, as applied."""
        changes = self.pending_payloads()
        return {"tag_changes": changes}, len(changes)

    def close(self) -> None:
        self._queue.close()
        for session_file in self.files():
            session_file.close()


def apply_change(session_file: SessionFile, payload: dict[str, Any], describe: str) -> None:
    """Write one queued change (`TagWrites.change`) to its session file: here from the writer
    thread, and from `fieldnote restore` for a change a rescue file kept. Applying it twice is
    harmless. `Skipped` when its note or span was deleted meanwhile."""
    table, op, key = payload["table"], payload["op"], payload["id"]
    if op == "add":
        session_file.add_excerpt(payload["doc"])
        return
    if op == "delete":
        session_file.delete_excerpt(key)  # already gone is as good as deleted
        return
    if op == "edit":
        # A delta applied under the lock to the document as it is on disk now: a tag
        # another instance (or `fieldnote note`) added meanwhile stays.
        edit = payload["edit"]

        def change(doc: dict[str, Any]) -> Any:
            changes = edit_changes(doc, edit)
            return DELETE if edit_empties({**doc, **changes}, edit) else changes

        changer = session_file.change_note if table == "notes" else session_file.change_excerpt
        if changer(key, change) is None:
            _gone(table, describe)
        return
    update = session_file.update_note if table == "notes" else session_file.update_excerpt
    if update(key, payload["changes"]) is None:
        _gone(table, describe)


def _gone(table: str, describe: str) -> None:
    what = "note" if table == "notes" else "span"
    raise Skipped(
        f"The {what} was deleted elsewhere meanwhile, so this change was dropped: {describe}."
    )
