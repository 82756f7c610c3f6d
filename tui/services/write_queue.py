"""One writer thread that makes changes durable in order, off the UI thread.

The UI applies a change to memory first and queues a `WriteJob`; the writer runs the jobs one at
a time, oldest first. A job that fails with a `StoreError` (disk full, read-only folder) stays at
the head of the queue and is retried every `RETRY_SECONDS` (or at once on `flush`), so nothing is
dropped and nothing overtakes it; `unsaved` says how much is still only in memory. A job whose
target no longer exists raises `Skipped`: it is dropped and reported, never retried forever.

Apply, queue, replay: the one way a change is made durable. The owner applies the change to
its memory, then `enqueue`s it. Before reading the file again (to see what another instance
wrote) it takes `stale_from()`; after the read, `since(that)` lists its own changes the read may
lack (still queued, or written during the read), and the owner replays them over what it read.
Replaying must be idempotent. The live interview (tui/services/live_session.py) and tagging
(tui/services/tag_writes.py, tui/services/tagging.py) both work this way.

No Textual here: the owner passes `on_event`, a callback it marshals onto its own thread (the
app posts a message).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.store import StoreError
from tui.store.errors import WriteFailedError

RETRY_SECONDS = 2.0
LOG_LENGTH = 5_000
"""Written changes kept for replay over a read; a read older than this many changes is redone
(`since` says None). Changes not written yet are always kept."""


@dataclass
class WriteJob:
    """One change to make durable. `apply` runs on the writer thread."""

    describe: str
    apply: Callable[[], Any]
    note_ids: tuple[str, ...] = ()
    payload: dict = field(default_factory=dict)
    touches: tuple[str, ...] = ()
    """What the change is to, for merging what others wrote: note ids, "guide", "clock"."""
    seq: int = 0
    """Order of the change in this queue (set when queued)."""


@dataclass(frozen=True)
class SaveState:
    """What the writer thread reports after a failed attempt, a skipped job, or draining."""

    pending: int
    error: str | None
    skipped: str | None = None
    """A change dropped because what it changed is gone (a note deleted elsewhere)."""
    brief: str | None = None
    """The failure's cause and its cure alone (`the disk is full, so free some space`), for a
    line of a narrow pane: `error` begins with the file's path. None when there is no cause
    to name."""


class Skipped(Exception):
    """Raised by a job whose target is gone: retrying cannot help. `str()` is a sentence."""


class WriteQueue:
    def __init__(
        self,
        on_event: Callable[[SaveState], None] | None = None,
        *,
        name: str = "fieldnote-writer",
        retry_seconds: float | None = None,
        log_length: int = LOG_LENGTH,
    ) -> None:
        self.on_event = on_event or (lambda state: None)
        # RETRY_SECONDS as it is when the queue is made (a test sets it shorter), not as it
        # was when this module was imported.
        self.retry_seconds = RETRY_SECONDS if retry_seconds is None else retry_seconds
        self.last_error: str | None = None
        self.last_failure: StoreError | None = None
        self._jobs: deque[WriteJob] = deque()
        self._wake = threading.Condition()
        self._closing = False
        self._not_before = 0.0
        """`time.monotonic()` before which no job starts (`hold`)."""
        self._seq = 0
        self._log: deque[WriteJob] = deque()
        """Every job queued, oldest first, less written ones beyond `log_length` (`since`)."""
        self._log_length = log_length
        self._dropped_through = 0
        """The highest sequence number dropped from the log."""
        self._thread = threading.Thread(target=self._write_loop, name=name, daemon=True)
        self._thread.start()

    # -- the UI's side -------------------------------------------------------------------------

    def enqueue(self, job: WriteJob) -> int:
        """Queue `job` after every earlier one; returns its sequence number."""
        with self._wake:
            self._seq += 1
            job.seq = self._seq
            self._jobs.append(job)
            self._log.append(job)
            self._trim_log()
            self._wake.notify_all()
        return job.seq

    def hold(self, seconds: float) -> None:
        """Start no job for up to `seconds`, or until `release`: the UI draws a change before
        its write begins. Each system call of a write takes the GIL back from the UI thread,
        stretching the frame that shows the change (docs/ARCHITECTURE.md, "The path of a
        note"). `flush` releases it."""
        with self._wake:
            self._not_before = time.monotonic() + seconds

    def release(self) -> None:
        with self._wake:
            self._not_before = 0.0
            self._wake.notify_all()

    def since(self, seq: int) -> list[WriteJob] | None:
        """The jobs numbered `seq` or later, oldest first: what a read made after
        `stale_from()` returned `seq` may lack, to replay over it. None when the log no longer
        reaches back that far: read again."""
        with self._wake:
            if self._dropped_through >= seq:
                return None
            return [job for job in self._log if job.seq >= seq]

    def _trim_log(self) -> None:
        oldest_pending = self._jobs[0].seq if self._jobs else self._seq + 1
        while len(self._log) > self._log_length and self._log[0].seq < oldest_pending:
            self._dropped_through = self._log.popleft().seq

    @property
    def unsaved(self) -> int:
        with self._wake:
            return len(self._jobs)

    def pending(self) -> list[WriteJob]:
        """The jobs not yet on disk, oldest first (a copy)."""
        with self._wake:
            return list(self._jobs)

    def stale_from(self) -> int:
        """The first sequence number that may be missing from a read made after this call:
        the oldest job still queued, or the next one to be queued."""
        with self._wake:
            return self._jobs[0].seq if self._jobs else self._seq + 1

    @property
    def last_seq(self) -> int:
        with self._wake:
            return self._seq

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every job is on disk (retrying a failing one at once).
        False if writes are still failing at the timeout."""
        deadline = time.monotonic() + timeout
        with self._wake:
            self._not_before = 0.0
            self._wake.notify_all()
            while self._jobs:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(min(left, 0.05))
        return True

    def close(self) -> None:
        """Stop the writer after the job in hand; what is still queued stays unwritten."""
        with self._wake:
            self._closing = True
            self._wake.notify_all()

    # -- the writer thread ---------------------------------------------------------------------

    def _write_loop(self) -> None:
        while True:
            with self._wake:
                while not self._closing:
                    held = self._not_before - time.monotonic()
                    if self._jobs and held <= 0:
                        break
                    self._wake.wait(held if self._jobs else None)
                if not self._jobs:
                    return
                job = self._jobs[0]
            skipped = None
            try:
                job.apply()
            except Skipped as gone:
                skipped = str(gone)
            except Exception as error:  # noqa: BLE001 - the writer must outlive any failure
                # A StoreError is a sentence already; anything else (an OSError the store did
                # not expect, a bug) still must not kill the thread and strand every later note.
                brief = None
                if isinstance(error, WriteFailedError):
                    self.last_error = error.failed(f"{job.describe} in")
                    brief = f"{error.reason}, so {error.advice}"
                else:
                    reason = error if isinstance(error, StoreError) else _describe(error)
                    self.last_error = f"Could not {job.describe}: {reason}"
                self.last_failure = error if isinstance(error, StoreError) else None
                self.on_event(SaveState(self.unsaved, self.last_error, brief=brief))
                with self._wake:
                    if self._closing:
                        return
                    self._wake.wait(self.retry_seconds)
                continue
            with self._wake:
                self._jobs.popleft()
                self._trim_log()
                pending = len(self._jobs)
                self._wake.notify_all()
            if self.last_error is not None or pending == 0 or skipped is not None:
                self.last_error = self.last_failure = None
                self.on_event(SaveState(pending, None, skipped))


async def flushed(holders: list, timeout: float) -> list:
    """Wait, in threads, until each holder's changes are on disk (its `flush`): an event loop
    (the UI's) keeps running meanwhile. Returns the holders whose writes were still failing."""
    holders = [h for h in holders if h is not None]
    done = await asyncio.gather(*(asyncio.to_thread(h.flush, timeout) for h in holders))
    return [holder for holder, ok in zip(holders, done, strict=True) if not ok]


def _describe(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror.lower()} ({error.__class__.__name__}); retrying."
    return f"an unexpected {error.__class__.__name__}: {error}; retrying."
