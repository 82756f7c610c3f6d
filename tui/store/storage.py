"""A TinyDB storage that survives crashes, full disks and a second process on the same file.

TinyDB's own JSONStorage rewrites the file in place, so a crash or a full disk mid-write leaves
a corrupt file, and two processes lose each other's documents. This storage instead:

- writes the whole database to a temp file in the same folder, fsyncs it, `os.replace`s it onto
  the target and fsyncs the folder: the file on disk is always one complete version;
- runs every read-modify-write under `flock` on a sidecar `<name>.lock` (not the data file,
  whose inode `os.replace` swaps), re-reading the file first when another process changed it;
- keeps the parsed data with the signature (inode, mtime_ns, size) of the version it came from
  and only re-parses when the signature changes. It also keeps that version open, so its inode
  number cannot be reused by a later file and mistaken for it;
- never overwrites a file it could not parse: every write path reads under the lock first.
"""

from __future__ import annotations

import errno
import fcntl
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from tui.store.errors import (
    LockHeldError,
    SymlinkRefusedError,
    UnreadableFileError,
    WriteFailedError,
    describe_os_error,
)

DUMP_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
FILE_MODE = 0o600
DIR_MODE = 0o700

LOCK_WAIT_SECONDS = 10.0
Signature = tuple[int, int, int]
Validator = Callable[[dict[str, Any]], None]


def file_signature(path: Path) -> Signature | None:
    """(st_ino, st_mtime_ns, st_size) of `path`, or None if it does not exist: one stat."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def parse_tables(raw: bytes, path: Path) -> dict[str, Any]:
    """Parse a TinyDB file's bytes, checking the shape {table: {"<doc id>": {document}}}."""
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise UnreadableFileError(path, f"it is not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise UnreadableFileError(path, "it holds JSON that is not a set of tables")
    for name, table in data.items():
        if not isinstance(table, dict):
            raise UnreadableFileError(path, f"its table '{name}' is not a set of documents")
        for doc_id, doc in table.items():
            if not doc_id.isdigit() or not isinstance(doc, dict):
                raise UnreadableFileError(
                    path, f"its table '{name}' has an entry '{doc_id[:20]}' that is no document"
                )
    return data


def open_problem(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "it is a symbolic link, which Fieldnote does not follow in its data folder"
    return f"it cannot be opened ({describe_os_error(error)})"


def lock_holder(fd: int) -> str | None:
    """'pid 123 (fieldnote open P7)' for the process holding the flock on `fd`'s file, from
    /proc/locks (Linux); None where that cannot be known."""
    try:
        st = os.fstat(fd)
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            lines = locks.read().splitlines()
    except OSError:
        return None
    wanted = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in lines:
        fields = line.split()
        if "->" in fields or len(fields) < 6 or fields[1] != "FLOCK":
            continue  # "->" marks a waiter, not the holder
        pid, where = fields[4], fields[5]
        if where != wanted or not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                words = cmdline.read().rstrip(b"\0").split(b"\0")
        except OSError:
            return f"pid {pid}"
        command = " ".join(
            os.path.basename(w.decode(errors="replace")) if i == 0 else w.decode(errors="replace")
            for i, w in enumerate(words[:6])
        )
        return f"pid {pid} ({' '.join(command.split())[:60]})"
    return None


def fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    except OSError as error:
        # Some file systems cannot fsync a folder; the rename is then as durable as it gets.
        if error.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


class AtomicJSONStorage(Storage):
    """TinyDB storage: cached reads, locked atomic writes. Use writes only inside `locked()`."""

    def __init__(
        self,
        path: str | Path,
        *,
        must_exist: bool = False,
        validate: Validator | None = None,
        write_what: str = "change",
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.must_exist = must_exist
        self.write_what = write_what
        self._validate = validate
        self._data: dict[str, Any] | None = None
        self._signature: Signature | None = None
        self._held_fd: int | None = None
        self._lock_fd: int | None = None
        self._lock_depth = 0
        self._swept = False
        self.lock_wait = LOCK_WAIT_SECONDS
        """How long a write waits for another process's lock before saying who holds it."""
        self.mutex = threading.RLock()
        self.version = 0
        """Bumps whenever the cached data is replaced or dropped; derived caches key on it."""
        self.external_version = 0
        """Bumps only when the data comes from a parse (another process, or first read)."""

    # -- signature and cache ------------------------------------------------------------------
    def signature(self) -> Signature | None:
        return file_signature(self.path)

    def changed_on_disk(self) -> bool:
        return self.signature() != self._signature

    def invalidate(self) -> None:
        """Forget the cached data, so memory never claims what the disk lacks."""
        with self.mutex:
            self._data = None
            self._signature = None
            self._hold(None)
            self.version += 1
            self.external_version += 1

    def _hold(self, fd: int | None) -> None:
        if self._held_fd is not None:
            os.close(self._held_fd)
        self._held_fd = fd

    def current(self) -> dict[str, Any]:
        """The parsed data of the file as it is on disk now (from the cache when unchanged)."""
        with self.mutex:
            if self._data is not None and self.signature() == self._signature:
                return self._data
            return self._load()

    def _load(self) -> dict[str, Any]:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except FileNotFoundError:
            if self.must_exist:
                self.invalidate()
                raise
            data: dict[str, Any] = {}
            self._adopt(data, None, None)
            return data
        except OSError as error:
            self.invalidate()
            raise UnreadableFileError(self.path, open_problem(error)) from None
        try:
            st = os.fstat(fd)
            chunks = []
            while chunk := os.read(fd, max(st.st_size, 1 << 16)):
                chunks.append(chunk)
            data = parse_tables(b"".join(chunks), self.path)
            if self._validate is not None:
                self._validate(data)
        except OSError as error:  # an I/O error mid-read is a sentence too, never a traceback
            os.close(fd)
            self.invalidate()
            problem = f"reading it failed ({describe_os_error(error)})"
            raise UnreadableFileError(self.path, problem) from None
        except BaseException:
            os.close(fd)
            self.invalidate()
            raise
        self._adopt(data, (st.st_ino, st.st_mtime_ns, st.st_size), fd)
        return data

    def _adopt(self, data: dict[str, Any], signature: Signature | None, fd: int | None) -> None:
        self._data = data
        self._signature = signature
        self._hold(fd)
        self.version += 1
        self.external_version += 1

    # -- TinyDB's Storage interface -----------------------------------------------------------
    def read(self) -> dict[str, Any] | None:
        # TinyDB mutates the returned dict before write(); write() failing drops the cache.
        return self.current()

    def write(self, data: dict[str, Any]) -> None:
        if self._lock_depth == 0:
            raise RuntimeError("AtomicJSONStorage.write() called outside locked()")
        try:
            payload = orjson.dumps(data, option=DUMP_OPTIONS)
        except TypeError:
            self.invalidate()
            raise
        folder = self.path.parent
        tmp = folder / f".{self.path.name}.{secrets.token_hex(6)}.tmp"
        fd = -1
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
            st = os.fstat(fd)
            os.replace(tmp, self.path)
        except OSError as error:
            if fd >= 0:
                os.close(fd)
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
            self.invalidate()
            raise WriteFailedError(self.path, error, self.write_what) from error
        # The new version is in place; from here on the cache describes it. Hold it open
        # read-only (a write fd would keep the folder from being remounted read-only); no one
        # else can replace it before we reopen it, since every writer holds the lock.
        os.close(fd)
        self._data = data
        self._signature = (st.st_ino, st.st_mtime_ns, st.st_size)
        try:
            held = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            held = None
        if held is not None and os.fstat(held).st_ino != st.st_ino:
            os.close(held)
            held = None
        self._hold(held)
        self.version += 1
        try:
            fsync_folder(folder)
        except OSError as error:
            self.invalidate()
            raise WriteFailedError(self.path, error, self.write_what) from error

    def close(self) -> None:
        with self.mutex:
            self._hold(None)
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
            self._data = None
            self._signature = None

    # -- locking ------------------------------------------------------------------------------
    def _open_lock(self) -> int:
        if self._lock_fd is None:
            # flock works on a read-only descriptor; a write one would keep the folder from
            # being remounted read-only. In a read-only folder an existing lock file still
            # opens, and the write itself then reports the folder as read-only. A link in its
            # place is refused: creating "the lock" would create a file wherever it points.
            flags = os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
            try:
                fd = os.open(self.lock_path, flags, FILE_MODE)
            except OSError as error:
                if error.errno == errno.ELOOP:
                    raise SymlinkRefusedError(self.lock_path) from None
                raise WriteFailedError(self.path, error, self.write_what) from error
            self._lock_fd = fd
        return self._lock_fd

    def _acquire(self, fd: int) -> None:
        """flock, waiting at most `lock_wait` seconds, then a sentence naming the holder."""
        deadline = time.monotonic() + self.lock_wait
        pause = 0.001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockHeldError(self.path, self.lock_wait, lock_holder(fd)) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.05)

    @contextmanager
    def locked(self) -> Iterator[dict[str, Any]]:
        """Hold the cross-process lock; yields the data as it is on disk now."""
        with self.mutex:
            if self._lock_depth == 0:
                self._acquire(self._open_lock())
            self._lock_depth += 1
            try:
                if not self._swept:
                    self._sweep_temp_files()
                yield self.current()
            except BaseException:
                # A change that failed half-way (TinyDB updates documents in place) must not
                # stay in the cache: memory never claims what the disk lacks.
                self.invalidate()
                raise
            finally:
                self._lock_depth -= 1
                if self._lock_depth == 0 and self._lock_fd is not None:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _sweep_temp_files(self) -> None:
        """Remove temp files a killed writer left behind (safe: every writer holds the lock)."""
        self._swept = True
        try:
            for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
                stale.unlink(missing_ok=True)
        except OSError:
            pass
