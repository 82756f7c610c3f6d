"""A second process that reads session files for a cold study index.

A refresh that has many files to read whole (a first start, a new cache folder) hands the list
to a second process too: the refresh reads from the start of the list, the second process from
its end, one file at a time, and they stop where they meet. Reading and checking a file is
Python work that holds the interpreter, so a thread would not help; a process is a second core.
Each side takes files until none is left, so neither waits on the other: a second process that
runs slow or dies leaves its share to the refresh, which reads every file it did not get.

The second process is a fork, so it starts at once with every module loaded. It is forked only
while the process has one thread, and only on Linux: a fork copies the locks other threads
hold, and a copy of a lock held by a thread that is not in the copy is never released (macOS
libraries run threads of their own). A command forks when it refreshes and hands it the list;
the app, which runs threads, forks one ahead at its start (`StudyIndex.stand_by`) with the
folder's list of files as it is then, and that one starts reading at once, while the app sets
up its screens (the commands that open the app, and `fieldnote report`, fork it before they
import their modules). The refresh uses it when its list is that one (a file added or removed in
between: it reads alone), and keeps each entry it read only while its file is unchanged (two
stats; another process may have written meanwhile: the refresh reads that file itself). The
second process never waits for the refresh to take its lines: what the pipe cannot hold yet
it keeps, and reads on.

It reports one JSON line a file, in the order it read them (the list's last first):
`[i, "entry", entry]`, `[i, "gone"]` (the file was deleted), `[i, "unreadable", path, problem,
repairable]` (the path: the session file or its journal), or `[i, "failed"]` (anything else:
the refresh reads that file itself and meets the error as it always would).
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

log = logging.getLogger(__name__)

READ_FROM = 64
"""Files to read whole before a second process pays for itself (a fork of a large process
takes some milliseconds, and its lines cost the refresh a parse each)."""


def can_fork() -> bool:
    """Whether a second reader can be forked now: Linux, two cores to run on, one thread to
    copy. Not on macOS, whose system libraries may run threads Python does not know of."""
    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        return False
    return len(os.sched_getaffinity(0)) > 1


_PR_SET_PDEATHSIG = 1
"""prctl(2): the signal a process gets when the thread that forked it ends."""


def end_with(parent: int) -> None:
    """In a forked process: be killed when `parent`, the process (and thread: one, as
    `can_fork` wants) that forked it, ends in any way, SIGKILL included; end now if it
    already has. One whose work goes to temporary files alone never learns otherwise, and
    would run on for nothing. OSError when the kernel cannot promise it."""
    import ctypes  # the forked process alone pays for it

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # it ended before the promise was made
        os._exit(1)


def end_forked(pid: int) -> None:
    """End a forked process now, finished or not, and reap it."""
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def fork_reader(
    home: Path, paths: list[Path] | None = None, light: bool = False
) -> SecondReader | None:
    """A second reader, when one can be forked now (`can_fork`); else None. Given `paths`,
    it reads them at once (`light`: the small part of their entries only); else it waits to
    be asked."""
    if not can_fork():
        return None
    try:
        return SecondReader(home, paths, light)
    except OSError as error:
        log.debug("no second reader for the study index (%s)", error)
        return None


class SecondReader:
    """The refresh's side of a forked second reader: it asks once (`ask`), then takes what
    was read so far without waiting (`ready`). Closed, the process is ended whether or not it
    finished; one never asked ends when it is closed. Forked with `paths`, it reads them
    before it is asked, and serves a refresh of those very files (`ask`)."""

    def __init__(self, home: Path, paths: list[Path] | None = None, light: bool = False) -> None:
        self._reading = paths
        """The files it was given at its fork, if it was."""
        self._light = light
        """It makes the small part of their entries only."""
        self._pid: int | None = None
        self._ask: int | None = None
        self._said: int | None = None
        ask_out, ask_in = os.pipe()
        said_out, said_in = os.pipe()
        with contextlib.suppress(OSError, AttributeError):
            # Room for many entries in the pipe: the second process never waits on a refresh
            # that is busy reading a file of its own.
            fcntl.fcntl(said_in, fcntl.F_SETPIPE_SZ, 1 << 20)
        try:
            pid = os.fork()
        except OSError:
            for fd in (ask_out, ask_in, said_out, said_in):
                os.close(fd)
            raise
        if pid == 0:  # the second process: it never returns
            code = 1
            try:
                os.close(ask_in)
                os.close(said_out)
                gc.disable()  # a short life whose every object is kept to the end
                if paths is not None:
                    _serve(home, [str(path) for path in paths], light, said_in)
                else:
                    _serve_asked(home, ask_out, said_in)
                code = 0
            finally:
                os._exit(code)
        os.close(ask_out)
        os.close(said_in)
        self._pid, self._ask, self._said = pid, ask_in, said_out
        os.set_blocking(said_out, False)
        self._pending = b""

    @property
    def read_ahead(self) -> bool:
        """It began reading before the refresh did (forked with its files): what it read may
        have changed since, so each entry is kept only while its file is as it was read."""
        return self._reading is not None

    @property
    def pid(self) -> int | None:
        """The second process, until it is closed."""
        return self._pid

    def ask(self, paths: list[Path], light: bool) -> bool:
        """Read these files, last first (`light`: the small part of their entries will do).
        False: it cannot (it is closed, or was forked reading other files, or the small parts
        of these when the whole entries are wanted)."""
        if self._reading is not None:
            return self._pid is not None and paths == self._reading and (light or not self._light)
        if self._ask is None:
            return False
        view = memoryview(orjson.dumps({"light": light, "paths": [str(p) for p in paths]}))
        try:
            while view:
                view = view[os.write(self._ask, view) :]
        except OSError:
            self.close()
            return False
        os.close(self._ask)
        self._ask = None
        return True

    def ready(self) -> Iterator[list[Any]]:
        """The lines that arrived since the last look, parsed."""
        if self._said is None:
            return
        chunks = [self._pending]
        while True:
            try:
                chunk = os.read(self._said, 1 << 20)
            except BlockingIOError:
                break
            except OSError:
                chunk = b""
            if not chunk:  # the process ended: what it wrote is all there will be
                self.close()
                break
            chunks.append(chunk)
        *lines, self._pending = b"".join(chunks).split(b"\n")
        for line in lines:
            try:
                said = orjson.loads(line)
            except orjson.JSONDecodeError:
                said = None
            if not isinstance(said, list) or len(said) < 2 or type(said[0]) is not int:
                self.close()  # not a line this module writes: read alone
                return
            yield said

    def close(self) -> None:
        for fd in (self._ask, self._said):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._ask = self._said = None
        if self._pid is not None:
            end_forked(self._pid)
            self._pid = None

    def __del__(self) -> None:
        self.close()


def _serve_asked(home: Path, ask: int, out: int) -> None:
    """The second process asked by the refresh: wait for the list, then serve it."""
    chunks = []
    while chunk := os.read(ask, 1 << 20):
        chunks.append(chunk)
    if not chunks:
        return  # closed unasked
    request = orjson.loads(b"".join(chunks))
    _serve(home, request["paths"], request["light"], out)


def _serve(home: Path, paths: list[str], light: bool, out: int) -> None:
    try:
        serve(home, paths, light, out)
    except BrokenPipeError:  # the refresh has what it needs and closed the pipe
        pass


def serve(home: Path, paths: list[str], light: bool, out: int) -> None:
    """Read `paths` last first and write a line for each to `out`. What the pipe cannot
    take yet is kept and written after the next file, so reading never waits on a refresh
    that is busy elsewhere (or not begun: the app's reader starts before its refresh)."""
    os.set_blocking(out, False)
    kept = bytearray()
    for line in read_lines(home, paths, light):
        kept += line
        try:
            del kept[: os.write(out, kept)]
        except BlockingIOError:
            pass  # full: the refresh reads it later
    os.set_blocking(out, True)
    view = memoryview(kept)
    while view:
        view = view[os.write(out, view) :]


def read_lines(home: Path, paths: list[str], light: bool) -> Iterator[bytes]:
    """The line of each of `paths`, last first, as it is read."""
    # Imported here: this module is imported by the study index.
    from tui.services.study_index import read_entry
    from tui.store import DataStore

    store = DataStore(home)
    for i in reversed(range(len(paths))):
        try:
            read = read_entry(store, Path(paths[i]), light)
            if read is None:
                line = orjson.dumps([i, "gone"])
            elif isinstance(read, dict):
                line = orjson.dumps([i, "entry", read])
            else:  # the path too: a damaged journal is named, and advised on, as itself
                line = orjson.dumps(
                    [i, "unreadable", str(read.path), read.problem, read.repairable]
                )
        except Exception:  # noqa: BLE001 - whatever it is, the refresh meets it itself
            line = orjson.dumps([i, "failed"])
        yield line + b"\n"
