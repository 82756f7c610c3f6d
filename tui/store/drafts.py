"""What is typed in a note input, on disk as it is typed: a killed instance loses nothing.

Beside `sessions/<id>.json` sits a folder `sessions/<id>.drafts/` (0700) holding one file per
open interview, `<author>-<host>-<pid>-<n>.draft` (0600): the note being typed, an edit in progress
and the notes whose write has not landed yet. A background thread writes the newest state given
to `keep` into the half of the file not holding the newest (each half checksummed, the file's
space taken when the session opens, so a write cut short or a disk that filled since loses
nothing); the file stays while the session is open, and goes when it closes with nothing in
it (`stop`). The UI thread never waits on the writes.
An instance that is killed (`kill -9`, a power cut of the terminal, the OOM killer) leaves
its file behind, and the next instance of the same author on this host adopts it
(`left_behind`). Not fsynced: a killed process's writes are in the page cache already; only
the machine losing power could lose the last few keys.
The folder is not shared by `fieldnote sync`. No Textual here.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from tui.store.presence import _safe, open_folder, pid_alive
from tui.store.storage import FILE_MODE

MAX_DRAFT_BYTES = 64 * 1024 * 1024
"""Larger than any draft (a note holds at most 2,000,000 characters): a file past it is none."""
SLOT_BYTES = 32 * 1024
"""Each half of a draft file at least: a long note's worth of typing."""
_HEADER = struct.Struct("<4sQII")
"""A half's header: magic, sequence number, payload length, CRC-32 of the payload."""
_MAGIC = b"FND1"
_KEEPERS = itertools.count(1)
_IDENTITY = {"author", "host", "pid"}
"""The keys of a record that holds nothing in progress."""


def _slot(seq: int, payload: bytes) -> bytes:
    return _HEADER.pack(_MAGIC, seq, len(payload), zlib.crc32(payload)) + payload


def _write_at(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def newest_record(raw: bytes) -> dict[str, Any] | None:
    """The record of the half with the highest sequence number among those whole."""
    best: tuple[int, bytes] | None = None
    half = len(raw) // 2
    for start in (0, half) if half else ():
        if len(raw) - start < _HEADER.size:
            continue
        magic, seq, length, crc = _HEADER.unpack_from(raw, start)
        payload = raw[start + _HEADER.size : start + _HEADER.size + length]
        if magic == _MAGIC and len(payload) == length and zlib.crc32(payload) == crc:
            if best is None or seq > best[0]:
                best = (seq, payload)
    if best is None:
        return None
    record = orjson.loads(best[1])
    return record if isinstance(record, dict) else None


STALE_TEMP_SECONDS = 60
"""A draft file's temp (`_make_room`) is renamed in place within milliseconds: one this old
is a killed instance's, which nothing else would remove (and which kept the folder)."""


def _sweep_stale(folder: int, name: str) -> None:
    with contextlib.suppress(OSError):
        stat = os.stat(name, dir_fd=folder, follow_symlinks=False)
        if time.time() - stat.st_mtime > STALE_TEMP_SECONDS:
            os.unlink(name, dir_fd=folder)


def drafts_folder(session_path: Path) -> Path:
    return session_path.with_name(session_path.stem + ".drafts")


class DraftKeeper:
    """This instance's draft file, written off the UI thread, and the drafts of dead ones."""

    def __init__(
        self,
        session_path: Path,
        author: str,
        *,
        pid: int | None = None,
        host: str | None = None,
        alive: Callable[[int], bool] = pid_alive,
    ) -> None:
        self.folder = drafts_folder(Path(session_path))
        self.author = author
        self.pid = os.getpid() if pid is None else pid
        self.host = host or socket.gethostname()
        self.alive = alive
        # `n` tells apart two keepers of one process: an interview reopened while the one
        # just left still retires (its writes failing) has two, for one author and session.
        n = next(_KEEPERS)
        self.name = f"{_safe(author)}-{_safe(self.host)}-{self.pid}-{n}.draft"
        self._wanted: dict[str, Any] | None = None
        """The newest record `keep` was given, with who wrote it; None before the first."""
        self._written: dict[str, Any] | None = None
        self._adopted: list[str] = []
        """Files of dead instances taken over: removed once this one's file is written."""
        self.writing: bool | None = None
        """Whether the writer's last attempt landed (None before the first): what `keep` is
        given will be there for the next instance only while it does."""
        self._seq = 0
        self._size = 0
        """The size of this instance's file, once made (`_make_room`)."""
        self._lock = threading.Lock()
        self._changed = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="fieldnote-drafts", daemon=True)
        self._thread.start()
        self.keep(None)  # the file and its space now, while the disk has room

    # -- the UI thread -----------------------------------------------------------------------

    def keep(self, record: dict[str, Any] | None) -> None:
        """Put `record` on disk soon (None: nothing is in progress). Returns at once."""
        record = {**(record or {}), "author": self.author, "host": self.host, "pid": self.pid}
        with self._lock:
            self._wanted = record
        self._changed.set()

    def left_behind(self) -> list[tuple[str, dict[str, Any]]]:
        """The drafts of this author's instances on this host whose process is gone, oldest
        first, as (file name, record). `adopt` them once what they hold is taken over."""
        folder = open_folder(self.folder)
        if folder is None:
            return []
        found: list[tuple[float, str, dict[str, Any]]] = []
        try:
            for name in os.listdir(folder):
                if name.startswith(".") and name.endswith(".draft.tmp"):
                    _sweep_stale(folder, name)
                    continue
                if not name.endswith(".draft") or name.startswith(".") or name == self.name:
                    continue
                try:
                    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
                    fd = os.open(name, flags, dir_fd=folder)
                    try:
                        stat = os.fstat(fd)
                        record = newest_record(os.read(fd, MAX_DRAFT_BYTES))
                    finally:
                        os.close(fd)
                    if record is None:
                        continue
                    ours = record["author"] == self.author and record["host"] == self.host
                    if not ours or self.alive(int(record["pid"])):
                        continue
                except (OSError, ValueError, KeyError, TypeError):
                    continue
                found.append((stat.st_mtime, name, record))
        finally:
            os.close(folder)
        return [(name, record) for _, name, record in sorted(found, key=lambda f: f[:2])]

    def adopt(self, names: list[str]) -> None:
        """These files' drafts are this instance's now: removed once its own file holds them
        (or has nothing left to hold)."""
        with self._lock:
            self._adopted.extend(names)
        self._changed.set()

    def stop(self) -> None:
        """Write what `keep` was last given, then stop; the file goes if it holds nothing."""
        self._stop = True
        self._changed.set()
        self._thread.join(timeout=2)

    # -- the writer thread -------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            self._changed.wait()
            self._changed.clear()
            # Read before the state: `stop` comes after the last `keep`, so once it is seen,
            # the state read next is the last one; seen only after, that state might not be.
            stopping = self._stop
            with self._lock:
                wanted, adopted = self._wanted, list(self._adopted)
            if wanted is not None and (wanted != self._written or adopted):
                self.writing = self._write(wanted)
                if self.writing:
                    self._written = wanted
                    with self._lock:
                        self._adopted = [n for n in self._adopted if n not in adopted]
                    self._remove(adopted)
            if stopping:
                if wanted is not None and set(wanted) <= _IDENTITY:
                    self._remove([self.name])
                return

    def _write(self, record: dict[str, Any]) -> bool:
        folder = open_folder(self.folder, create=True)
        if folder is None:
            return False
        try:
            self._seq += 1
            slot = _slot(self._seq, orjson.dumps(record))
            if self._size < 2 * len(slot):
                return self._make_room(folder, slot)
            # In place, in the half not holding the newest: a full disk still takes it, and a
            # write cut short leaves the other half whole.
            flags = os.O_WRONLY | os.O_CLOEXEC | os.O_NOFOLLOW
            fd = os.open(self.name, flags, dir_fd=folder)
            try:
                _write_at(fd, slot, (self._seq % 2) * (self._size // 2))
            finally:
                os.close(fd)
            return True
        except OSError:
            return False  # a read-only folder: tried again with the next change
        finally:
            os.close(folder)

    def _make_room(self, folder: int, slot: bytes) -> bool:
        """A new file whose halves hold `slot` (at least `SLOT_BYTES` each), its space taken
        now, put in place by rename. The first file is made as the instance opens the
        session, while the disk has room, so a disk that fills later still takes drafts."""
        size = 2 * SLOT_BYTES
        while size < 2 * len(slot):
            size *= 2
        tmp = f".{self.name}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW
        try:
            fd = os.open(tmp, flags, FILE_MODE, dir_fd=folder)
        except OSError:
            return False
        try:
            os.posix_fallocate(fd, 0, size)
            _write_at(fd, slot, (self._seq % 2) * (size // 2))
            os.close(fd)
            fd = -1
            os.replace(tmp, self.name, src_dir_fd=folder, dst_dir_fd=folder)
        except OSError:
            if fd >= 0:
                os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=folder)
            return False
        self._size = size
        return True

    def _remove(self, names: list[str]) -> None:
        folder = open_folder(self.folder)
        if folder is None:
            return
        try:
            for name in names:
                try:
                    os.unlink(name, dir_fd=folder)
                except OSError:
                    pass
        finally:
            os.close(folder)
        try:
            self.folder.rmdir()  # only when empty (never a link)
        except OSError:
            pass
