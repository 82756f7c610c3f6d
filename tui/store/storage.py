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

A session file grows by one note at a time, and rewriting (and, in every other instance,
re-parsing) the whole file for each note makes a note's cost grow with the session. So a
storage made with `journal=True` appends a change to `<name>.journal` instead, one JSON line
per write naming the documents it set and removed, fsynced. The file's data is the main file
with the journal's complete lines replayed over it; a reader follows the journal from where it
last read, so a change costs work in proportion to the change. Once the journal outgrows the
main file, a write folds it in: the journal first gets the change itself (or, for a write whose
documents are not known, the whole data), then the main file is replaced, then the journal is
emptied. Once the journal has the change the write has succeeded: a fold that then fails (a
full disk) is tried again by the next write. Replaying the journal over a main file that
already holds it changes nothing, so a crash between any two steps loses nothing. A torn
last line (a crash or a full disk mid-append) has no newline: readers ignore it and the next
writer cuts it off before it appends.
The writer says which documents it changes (`will_change`); a write that does not is a whole
write.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
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
JOURNAL_SUFFIX = ".journal"
JOURNAL_MIN_FOLD_BYTES = 256 * 1024
"""A journal is folded into the main file once it is longer than this and than the file."""
CHANGE_LOG_LIMIT = 4096
Signature = tuple[int, int, int]
JournalSignature = tuple[int, int]
Validator = Callable[[dict[str, Any]], None]
Change = tuple[str, str | None]
"""(table, the document's "id" field, or None for a document without one)."""


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
    check_tables(data, path)
    return data


def check_tables(data: Any, path: Path) -> None:
    """The shape TinyDB reads: {table: {"<doc id>": {document}}}."""
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


# -- the journal ----------------------------------------------------------------------------------
def read_tables(path: Path) -> dict[str, Any]:
    """A journaled file's data as a reader sees it: the file with its journal replayed."""
    with open(open_data_file(path), "rb") as handle:
        data = parse_tables(handle.read(), path)
    journal = journal_path(path)
    replay_journal(data, read_journal(journal), journal, changes_wanted=False)
    return data


def journal_path(path: Path) -> Path:
    return path.with_name(path.name + JOURNAL_SUFFIX)


def journal_signature(path: Path) -> JournalSignature | None:
    """(st_ino, st_size) of a journal, or None when there is none."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size)


def read_journal(path: Path, offset: int = 0) -> bytes:
    """The journal's bytes from `offset` on (b"" when there is none); a link is refused."""
    try:
        fd = open_to_read(path)
    except FileNotFoundError:
        return b""
    except OSError as error:
        raise UnreadableFileError(path, open_problem(error)) from None
    try:
        chunks = []
        while chunk := os.pread(fd, 1 << 20, offset):
            chunks.append(chunk)
            offset += len(chunk)
        return b"".join(chunks)
    except OSError as error:
        raise UnreadableFileError(path, f"reading it failed ({describe_os_error(error)})") from None
    finally:
        os.close(fd)


JournalEntry = tuple[dict[str, Any], dict[str, list[str]]] | dict[str, Any]
"""One journal line: (documents set by table, doc ids removed by table), or, for a line that
replaced everything, the whole data (a dict)."""


def journal_entries(raw: bytes, path: Path) -> tuple[int, list[JournalEntry]]:
    """The complete lines of `raw` (journal bytes from some offset), checked: how many bytes
    they took (a torn last line is left) and each line's change (`JournalEntry`). A reader
    that keeps something derived from a file (the study index) applies them to it."""
    end = raw.rfind(b"\n") + 1
    entries: list[JournalEntry] = []
    for number, line in enumerate(raw[:end].splitlines(), start=1):
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            problem = f"its line {number} is not valid JSON ({error})"
            raise UnreadableFileError(path, problem) from None
        if not isinstance(entry, dict):
            raise UnreadableFileError(path, f"its line {number} is not a change")
        if "all" in entry:
            check_tables(entry["all"], path)
            entries.append(entry["all"])
            continue
        sets, removes = entry.get("set") or {}, entry.get("del") or {}
        check_tables(sets, path)
        if not isinstance(removes, dict) or not all(
            isinstance(ids, list) and all(isinstance(i, str) for i in ids)
            for ids in removes.values()
        ):
            raise UnreadableFileError(path, f"its line {number} removes no list of documents")
        entries.append((sets, removes))
    return end, entries


def replay_journal(
    data: dict[str, Any], raw: bytes, path: Path, *, changes_wanted: bool = True
) -> tuple[int, list[Change] | None]:
    """Apply the complete lines of `raw` (journal bytes) to `data` in place. Returns how many
    bytes they took (a torn last line is left) and the documents they changed, or None when a
    line replaced everything (or the caller wanted no changes: a whole read)."""
    end, entries = journal_entries(raw, path)
    changes: list[Change] | None = [] if changes_wanted else None
    for entry in entries:
        if isinstance(entry, dict):
            data.clear()
            data.update(entry)
            changes = None
            continue
        sets, removes = entry
        for table, docs in sets.items():
            data.setdefault(table, {}).update(docs)
            if changes is not None:
                changes.extend((table, doc.get("id")) for doc in docs.values())
        for table, ids in removes.items():
            docs = data.get(table) or {}
            for doc_id in ids:
                gone = docs.pop(doc_id, None)
                if changes is not None and gone is not None:
                    changes.append((table, gone.get("id")))
    return end, changes


NOT_A_FILE = "a pipe, a device or a folder"


class NotAFileError(OSError):
    """What `open_to_read` raises for a pipe, a device or a folder."""


def open_to_read(path: Path, *, follow_links: bool = False) -> int:
    """A read-only descriptor of the file at `path`, as the readers of the data folder open
    one: a symbolic link is refused (ELOOP), and so is anything that is no regular file (a
    pipe above all: opened as a file, it would wait for a writer forever). A file the user
    names (a guide, a transcript) may be a link: `follow_links`."""
    flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | (0 if follow_links else os.O_NOFOLLOW)
    return _regular(os.open(path, flags), path)


def _regular(fd: int, path: Path) -> int:
    """`fd`, when it is a regular file's; else it is closed and NotAFileError raised."""
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        os.close(fd)
        raise
    if not regular:
        os.close(fd)
        raise NotAFileError(errno.EINVAL, f"it is no file but {NOT_A_FILE}", str(path))
    return fd


def open_lock_file(path: Path) -> int:
    """A descriptor to `flock` the lock file at `path` by, created if missing. Read-only: a
    write descriptor would keep the folder from being remounted read-only. A link in its place
    is refused (ELOOP: creating "the lock" would create a file wherever it points), and so is
    anything that is no regular file (NotAFileError), opened without waiting: a pipe would
    otherwise hold the writer for a writer of its own, forever."""
    flags = os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
    return _regular(os.open(path, flags, FILE_MODE), path)


def open_data_file(path: Path) -> int:
    """`open_to_read` for a file of the data folder: FileNotFoundError when it is gone, an
    UnreadableFileError naming why when it cannot be opened."""
    try:
        return open_to_read(path)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise UnreadableFileError(path, open_problem(error)) from None


def open_problem(error: OSError) -> str:
    if isinstance(error, NotAFileError):
        return f"it is no file but {NOT_A_FILE}, which Fieldnote does not read"
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


def acquire_lock(fd: int, path: Path, wait: float) -> None:
    """flock `fd`, waiting at most `wait` seconds, then a sentence naming `path` and the
    holder (LockHeldError)."""
    deadline = time.monotonic() + wait
    pause = 0.001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockHeldError(path, wait, lock_holder(fd)) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.05)


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
        journal: bool = False,
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.journal_path = journal_path(self.path)
        self.journaled = journal
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
        self._journal_seen: JournalSignature | None = None
        """The journal as it was when last read: (inode, size)."""
        self._journal_used = 0
        """Bytes of the journal replayed into `_data` (its complete lines)."""
        self._touched: set[tuple[str, int]] | None = None
        """(table, doc id) the write in progress changes, as its caller declared them."""
        self._changes: list[tuple[int, Change]] = []
        """(version, change) for each document changed since `_changes_from`."""
        self._changes_from = 0
        self._source: tuple[bytes, bytes] | None = None
        """While `_data` is as parsed outside a write: the bytes it came from (the file's, and
        the journal lines replayed over it), so that it can be lent (`lend`)."""
        self._lent = False
        """A reader holds documents of `_data` itself: before its first change the storage
        parses its own copy again from `_source` (`_own`)."""

    # -- signature and cache ------------------------------------------------------------------
    def signature(self) -> Signature | None:
        return file_signature(self.path)

    def changed_on_disk(self) -> bool:
        if self.signature() != self._signature:
            return True
        return self.journaled and journal_signature(self.journal_path) != self._journal_seen

    def invalidate(self) -> None:
        """Forget the cached data, so memory never claims what the disk lacks."""
        with self.mutex:
            self._data = None
            self._signature = None
            self._hold(None)
            self._journal_seen, self._journal_used = None, 0
            self._source, self._lent = None, False
            self.version += 1
            self.external_version += 1
            self._forget_changes()

    def changes_since(self, version: int) -> set[Change] | None:
        """The documents changed after `version` (this process's writes and what it read of
        others'), or None when that is not known (a whole read or write came between)."""
        with self.mutex:
            if version < self._changes_from:
                return None
            return {change for at, change in self._changes if at > version}

    def _log_changes(self, changes: list[Change] | None) -> None:
        if changes is None:
            self._forget_changes()
            return
        self._changes.extend((self.version, change) for change in changes)
        if len(self._changes) > CHANGE_LOG_LIMIT:
            half = len(self._changes) // 2
            self._changes_from = self._changes[half - 1][0]
            del self._changes[:half]

    def _forget_changes(self) -> None:
        self._changes.clear()
        self._changes_from = self.version

    def _hold(self, fd: int | None) -> None:
        if self._held_fd is not None:
            os.close(self._held_fd)
        self._held_fd = fd

    def current(self) -> dict[str, Any]:
        """The parsed data of the file as it is on disk now (from the cache when unchanged)."""
        with self.mutex:
            if self._data is not None and self.signature() == self._signature:
                if not self.journaled:
                    return self._data
                seen = journal_signature(self.journal_path)
                if seen == self._journal_seen:
                    return self._data
                if self._can_follow(seen):
                    self._follow_journal(seen)
                    return self._data
            return self._load()

    def _can_follow(self, seen: JournalSignature | None) -> bool:
        """The journal only grew since it was read: its new lines are all there is to read."""
        if seen is None:
            return self._journal_used == 0
        if self._journal_seen is not None and seen[0] != self._journal_seen[0]:
            return False
        return seen[1] >= self._journal_used

    def _follow_journal(self, seen: JournalSignature | None) -> None:
        """Replay the journal's new lines (another process's writes), checking what they set."""
        assert self._data is not None
        raw = read_journal(self.journal_path, self._journal_used) if seen else b""
        try:
            used, changes = replay_journal(self._data, raw, self.journal_path)
            if self._validate is not None and used:
                self._validate(self._data if changes is None else self._subset(changes))
        except BaseException:
            self.invalidate()
            raise
        self._journal_seen = seen
        if used and self._source is not None:
            self._source = (self._source[0], self._source[1] + raw[:used])
        if used:
            self._journal_used += used
            self.version += 1
            self.external_version += 1
            self._log_changes(changes)

    def _subset(self, changes: list[Change]) -> dict[str, Any]:
        """What a validator must see of a replay: the documents it set (a removed one needs no
        check), and the single-record tables (session, guide) whole."""
        assert self._data is not None
        wanted: dict[str, set[str | None]] = {}
        for table, key in changes:
            wanted.setdefault(table, set()).add(key)
        subset: dict[str, Any] = {}
        for table, docs in self._data.items():
            if len(docs) <= 1:
                subset[table] = docs
            elif keys := wanted.get(table):
                subset[table] = {k: d for k, d in docs.items() if d.get("id") in keys}
        return subset

    def _load(self) -> dict[str, Any]:
        try:
            fd = open_to_read(self.path)
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
            main = b"".join(chunks)
            data = parse_tables(main, self.path)
            seen, used, raw = None, 0, b""
            if self.journaled:
                seen = journal_signature(self.journal_path)
                raw = read_journal(self.journal_path) if seen else b""
                used, _ = replay_journal(data, raw, self.journal_path, changes_wanted=False)
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
        self._journal_seen, self._journal_used = seen, used
        if not self._lock_depth:  # read for a writer, it is changed at once: none to lend
            self._source = (main, raw[:used])
        return data

    def _adopt(self, data: dict[str, Any], signature: Signature | None, fd: int | None) -> None:
        self._data = data
        self._source, self._lent = None, False
        self._signature = signature
        self._hold(fd)
        self._journal_seen, self._journal_used = None, 0
        self.version += 1
        self.external_version += 1
        self._forget_changes()

    def lend(self) -> bool:
        """Whether a reader may keep the documents of the data `current()` returned as they
        are, uncopied (a snapshot of 10,000 notes: copying them costs more than parsing them
        did). True while the data is as parsed from the file, whose bytes are then kept: the
        storage parses its own copy from them again before it changes anything (`_own`), so
        neither the reader's changes reach the file nor the storage's the reader."""
        with self.mutex:
            self._lent = self._source is not None
            return self._lent

    def _own(self) -> None:
        """Before a change: data of the storage's own, if the data it holds was lent. The
        same bytes it was parsed and checked from, so no check again."""
        if self._lent and self._source is not None:
            main, journal = self._source
            data = parse_tables(main, self.path)
            replay_journal(data, journal, self.journal_path, changes_wanted=False)
            self._data = data
        self._source, self._lent = None, False

    # -- TinyDB's Storage interface -----------------------------------------------------------
    def read(self) -> dict[str, Any] | None:
        # TinyDB mutates the returned dict before write(); write() failing drops the cache.
        return self.current()

    def will_change(self, table: str, doc_ids: list[int]) -> None:
        """Declare documents the write in progress sets or removes (inside `locked()`): a
        journaled storage then appends just those. Every change of the write must be declared."""
        if self._touched is None:
            self._touched = set()
        self._touched.update((table, doc_id) for doc_id in doc_ids)

    def write(self, data: dict[str, Any]) -> None:
        if self._lock_depth == 0:
            raise RuntimeError("AtomicJSONStorage.write() called outside locked()")
        touched = self._touched
        if not self.journaled:
            self._replace_file(data)
            self.version += 1
            self._log_changes(None)
            return
        change = self._change_entry(data, touched) if touched is not None else None
        if change is not None and not self._journal_is_long():
            self._append(change)
        else:
            # Folding: the journal must end with this write before the main file takes it in
            # (see the module's docstring), unless the journal is empty.
            journaled = bool(self._journal_used)
            if journaled:
                self._append(change if change is not None else {"all": data})
            try:
                self._replace_file(data)
            except WriteFailedError:
                if not journaled:
                    raise
                # The write is durable in the journal: it is saved, and saying otherwise makes
                # a caller retry it. The fold is tried again by the next write; the cache was
                # dropped, so the next read replays the journal.
                self.version += 1
                return
            self._empty_journal()
        self._data = data
        self.version += 1
        self._log_changes(None if change is None else self._named(data, touched or set()))

    def _change_entry(self, data: dict[str, Any], touched: set[tuple[str, int]]) -> dict[str, Any]:
        sets: dict[str, dict[str, Any]] = {}
        removes: dict[str, list[str]] = {}
        for table, doc_id in sorted(touched):
            doc = (data.get(table) or {}).get(str(doc_id))
            if doc is None:
                removes.setdefault(table, []).append(str(doc_id))
            else:
                sets.setdefault(table, {})[str(doc_id)] = doc
        return {"set": sets, "del": removes}

    def _named(self, data: dict[str, Any], touched: set[tuple[str, int]]) -> list[Change]:
        """The declared documents as changes: by their "id" field. A removed document's id is
        gone with it; it is logged by table only (None), which readers compare whole."""
        named: list[Change] = []
        for table, doc_id in touched:
            doc = (data.get(table) or {}).get(str(doc_id))
            named.append((table, doc.get("id") if doc is not None else None))
        return named

    def _journal_is_long(self) -> bool:
        size = self._signature[2] if self._signature else 0
        return self._journal_used > max(JOURNAL_MIN_FOLD_BYTES, size)

    def _append(self, entry: dict[str, Any]) -> None:
        """One line at the journal's end, durable when this returns; on failure the journal is
        cut back to what it held, and the cache dropped."""
        try:
            line = orjson.dumps(entry) + b"\n"
        except TypeError:
            self.invalidate()
            raise
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC | os.O_NOFOLLOW
        try:
            fd = os.open(self.journal_path, flags, FILE_MODE)
        except OSError as error:
            self.invalidate()
            if error.errno == errno.ELOOP:
                raise SymlinkRefusedError(self.journal_path) from None
            raise WriteFailedError(self.path, error, self.write_what) from error
        used = self._journal_used
        try:
            if os.fstat(fd).st_size != used:
                os.ftruncate(fd, used)  # a torn line a crashed writer left, or not ours to keep
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
            st = os.fstat(fd)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, used)
            os.close(fd)
            self.invalidate()
            raise WriteFailedError(self.path, error, self.write_what) from error
        os.close(fd)
        if used == 0:
            try:
                fsync_folder(self.path.parent)  # the journal may be new
            except OSError as error:
                self.invalidate()
                raise WriteFailedError(self.path, error, self.write_what) from error
        self._journal_used = used + len(line)
        self._journal_seen = (st.st_ino, st.st_size)

    def _empty_journal(self) -> None:
        """After a fold: the main file holds everything the journal said. Failing to empty it
        is harmless (replaying it again changes nothing); it is tried at the next fold."""
        if self._journal_seen is None:
            return
        try:
            fd = os.open(self.journal_path, os.O_WRONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            return
        try:
            os.ftruncate(fd, 0)
            os.fsync(fd)
            self._journal_seen, self._journal_used = (os.fstat(fd).st_ino, 0), 0
        except OSError:
            pass
        finally:
            os.close(fd)

    def _replace_file(self, data: dict[str, Any]) -> None:
        """The whole data to a temp file, fsynced, renamed over the main file."""
        try:
            payload = orjson.dumps(data, option=DUMP_OPTIONS)
        except TypeError:
            self.invalidate()
            raise
        folder = self.path.parent
        tmp = folder / f".{self.path.name}.{os.urandom(6).hex()}.tmp"
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
        except BaseException as error:
            # Any way out, Ctrl-C and `kill` included: a new session's temp file would
            # otherwise stay for good, as only a writer of its path sweeps them.
            if fd >= 0:
                os.close(fd)
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
            self.invalidate()
            if isinstance(error, OSError):
                raise WriteFailedError(self.path, error, self.write_what) from error
            raise
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
        try:
            fsync_folder(folder)
        except OSError as error:
            self.invalidate()
            raise WriteFailedError(self.path, error, self.write_what) from error

    def fold_journal(self) -> bool:
        """Fold the journal into the main file now (inside `locked()`), so the file alone is
        the whole data, as plain TinyDB reads it (before a git commit). True if it held any
        change. The order is a fold's (module docstring): the file first, then the journal."""
        if self._lock_depth == 0:
            raise RuntimeError("AtomicJSONStorage.fold_journal() called outside locked()")
        data = self.current()
        if not self.journaled or not self._journal_used:
            return False
        self._replace_file(data)
        self._empty_journal()
        self.version += 1
        self._log_changes(None)
        return True

    def release_descriptors(self) -> None:
        """Close the lock and held file descriptors while keeping the parsed cache, for a file
        that is one of many in view (a tagging scope of 10,000 sessions must not need 10,000
        descriptors). The next lock reopens the lock file; `changed_on_disk()` then compares
        the path's stat signature alone, which a replacement changes through its mtime."""
        with self.mutex:
            if self._lock_depth:
                return
            self._hold(None)
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None

    def close(self) -> None:
        with self.mutex:
            self._hold(None)
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
            self._data = None
            self._signature = None
            self._journal_seen, self._journal_used = None, 0
            self._source, self._lent = None, False

    # -- locking ------------------------------------------------------------------------------
    def _open_lock(self) -> int:
        if self._lock_fd is None:
            # In a read-only folder an existing lock file still opens, and the write itself
            # then reports the folder as read-only.
            try:
                fd = open_lock_file(self.lock_path)
            except NotAFileError:
                problem = f"its lock file {self.lock_path.name} is no file but {NOT_A_FILE}"
                error = NotAFileError(errno.EINVAL, problem)
                raise WriteFailedError(self.path, error, self.write_what) from None
            except OSError as error:
                if error.errno == errno.ELOOP:
                    raise SymlinkRefusedError(self.lock_path) from None
                raise WriteFailedError(self.path, error, self.write_what) from error
            self._lock_fd = fd
        return self._lock_fd

    def _acquire(self, fd: int) -> None:
        acquire_lock(fd, self.path, self.lock_wait)

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
                self.current()
                self._own()
                yield self.current()
            except BaseException:
                # A change that failed half-way (TinyDB updates documents in place) must not
                # stay in the cache: memory never claims what the disk lacks.
                self.invalidate()
                raise
            finally:
                self._lock_depth -= 1
                if self._lock_depth == 0:
                    self._touched = None
                    if self._lock_fd is not None:
                        fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _sweep_temp_files(self) -> None:
        """Remove temp files a killed writer left behind (safe: every writer holds the lock)."""
        self._swept = True
        try:
            for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
                stale.unlink(missing_ok=True)
        except OSError:
            pass
