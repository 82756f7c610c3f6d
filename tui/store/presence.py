"""Who else has a session open: one small heartbeat file per running instance.

Beside `sessions/<id>.json` sits a folder `sessions/<id>.presence/` (0700) holding one file per
open instance, `<author>-<host>-<pid>.json` (0600), whose mtime a background thread touches
every few seconds. An entry counts as alive while its mtime is recent and, when it was written
on this host, its process still exists; so an instance that quits removes its file, and one
that is killed drops out at once on this machine and within `STALE_SECONDS` elsewhere.
The 2 MB session file is never rewritten for a heartbeat. No Textual here.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from tui.store.storage import DIR_MODE, FILE_MODE

HEARTBEAT_SECONDS = 3.0
STALE_SECONDS = 10.0
"""An entry not touched for this long is gone (its instance hung, or died on another host)."""
SWEEP_SECONDS = 300.0
"""Entries this old are removed by whoever sees them."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def presence_folder(session_path: Path) -> Path:
    return session_path.with_name(session_path.stem + ".presence")


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text)[:40].strip("._") or "x"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class Entry:
    author: str
    host: str
    pid: int
    age: float
    """Seconds since its last heartbeat."""
    file: str = ""


def open_folder(folder: Path, create: bool = False) -> int | None:
    """A folder of Fieldnote's own (the presence folder, a session's drafts) as a descriptor,
    never through a link: a link in its place is refused like a linked session file or
    journal, so nothing is written, read or swept wherever it points. None when it is missing
    (and not to be created) or refused."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(folder, flags)
    except FileNotFoundError:
        if not create:
            return None
    except OSError:
        return None  # a link (ELOOP, or ENOTDIR for a link to a file), or unreadable
    try:
        os.mkdir(folder, DIR_MODE)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        return os.open(folder, flags)
    except OSError:
        return None


class Presence:
    """This instance's heartbeat in a session's presence folder, and who else is there.

    `start()` writes the entry and starts a daemon thread that beats and re-reads the folder
    every `interval` seconds; `others` is then a plain attribute the UI can read for free.
    `stop()` removes the entry. Everything also works without the thread (`beat`, `scan`).
    """

    def __init__(
        self,
        session_path: Path,
        author: str,
        *,
        pid: int | None = None,
        host: str | None = None,
        interval: float = HEARTBEAT_SECONDS,
        stale: float = STALE_SECONDS,
        clock: Callable[[], float] = time.time,
        alive: Callable[[int], bool] = pid_alive,
    ) -> None:
        self.folder = presence_folder(Path(session_path))
        self.author = author
        self.pid = os.getpid() if pid is None else pid
        self.host = host or socket.gethostname()
        self.interval = interval
        self.stale = stale
        self.clock = clock
        self.alive = alive
        self.path = self.folder / f"{_safe(author)}-{_safe(self.host)}-{self.pid}.json"
        self.others: list[str] = []
        """Names of the other people with the session open, sorted; kept fresh by the thread."""
        self.last_gone: float | None = None
        """The newest last heartbeat (epoch seconds) of an instance seen gone: killed, or hung,
        as it left no entry to say it closed."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- this instance ------------------------------------------------------------------------

    def beat(self) -> None:
        """Say we are here: touch our entry, writing it first if it is missing."""
        folder = open_folder(self.folder, create=True)
        if folder is None:
            return  # presence is a courtesy: a read-only folder must not stop the interview
        name = self.path.name
        try:
            try:
                os.utime(name, dir_fd=folder, follow_symlinks=False)
                return
            except FileNotFoundError:
                pass
            payload = orjson.dumps({"author": self.author, "host": self.host, "pid": self.pid})
            tmp = f".{name}.tmp"
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW
            fd = os.open(tmp, flags, FILE_MODE, dir_fd=folder)
            try:
                os.write(fd, payload)
            finally:
                os.close(fd)
            os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
        except OSError:
            pass
        finally:
            os.close(folder)

    def leave(self) -> bool:
        """Remove our entry; True when nobody else is left on the session.

        The entry goes first and the others are looked at after: of two instances leaving at
        once, the one that looks last sees nobody, so at least one of them knows it was last.
        """
        folder = open_folder(self.folder)
        if folder is None:
            return True
        try:
            os.unlink(self.path.name, dir_fd=folder)
        except OSError:
            pass
        finally:
            os.close(folder)
        last = not any(e.file != self.path.name for e in self.entries())
        try:
            self.folder.rmdir()  # only succeeds when nobody else is left (never a link)
        except OSError:
            pass
        return last

    # -- everyone -----------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        """Every live instance on the session, this one included; sweeps long-dead entries."""
        folder = open_folder(self.folder)
        if folder is None:
            return []
        try:
            return self._entries_in(folder)
        finally:
            os.close(folder)

    def _entries_in(self, folder: int) -> list[Entry]:
        now = self.clock()
        found: list[Entry] = []
        try:
            names = os.listdir(folder)
        except OSError:
            return []
        for name in names:
            if not name.endswith(".json") or name.startswith("."):
                continue
            try:
                age = now - os.stat(name, dir_fd=folder, follow_symlinks=False).st_mtime
                # Not blocking: a pipe of that name would wait for a writer forever.
                flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
                fd = os.open(name, flags, dir_fd=folder)
                try:
                    doc = orjson.loads(os.read(fd, 1 << 16))
                finally:
                    os.close(fd)
                entry = Entry(str(doc["author"]), str(doc["host"]), int(doc["pid"]), age, name)
            except (OSError, ValueError, KeyError, TypeError):
                continue
            dead = entry.host == self.host and not self.alive(entry.pid)
            if (dead or age > self.stale) and name != self.path.name:
                beat = now - age
                self.last_gone = beat if self.last_gone is None else max(self.last_gone, beat)
            if dead or age > SWEEP_SECONDS:
                try:
                    os.unlink(name, dir_fd=folder)
                except OSError:
                    pass
                continue
            if age <= self.stale:
                found.append(entry)
        return found

    def scan(self) -> list[str]:
        """Update and return `others`: the names of everyone else here, this author left out."""
        names = {
            e.author for e in self.entries() if e.file != self.path.name and e.author != self.author
        }
        self.others = sorted(names, key=str.casefold)
        return self.others

    # -- the heartbeat thread -----------------------------------------------------------------

    def start(self) -> None:
        self.beat()
        self.scan()
        self._thread = threading.Thread(target=self._run, name="fieldnote-presence", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.beat()
            self.scan()

    def stop(self) -> bool:
        """Stop the heartbeat and leave; True when nobody else is left on the session."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        return self.leave()
