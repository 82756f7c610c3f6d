"""Writing an export file: never over an existing file unless asked, 0600, all or nothing; a
device, or a pipe something reads (`-o /dev/stdout`, a FIFO), is written into as it is.

The bytes (or what a writer writes, a part at a time) go to a temp file in the target's folder
(created 0600, so interview notes are never readable by others, not even for a moment), are
fsynced, and `os.replace` puts them in place: a full disk, a crash or a writer that fails leaves
either the old file or none, never half an export. On Linux the temp file has no name until it
is whole (O_TMPFILE), so even a SIGKILL mid-write leaves nothing beside the target.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from tui.domain.display_text import visible
from tui.services.exchange.errors import ExchangeError
from tui.store.errors import describe_os_error, write_advice
from tui.store.storage import FILE_MODE, fsync_folder

SPOOL_BYTES = 8 * 1024 * 1024
"""What a temporary file of an export keeps in memory before it goes to disk."""


class SpoolError(OSError):
    """An export's temporary file failed: the temporary folder's fault, not the target's."""


class Spool(tempfile.SpooledTemporaryFile):
    """An export's temporary file: in memory up to SPOOL_BYTES, then in the temporary folder.
    What fails it (a full temporary folder, met on a write or on the flush a seek, a read or
    closing makes) is a SpoolError, so the sentence names that folder and not the file being
    written."""

    def __init__(self) -> None:
        super().__init__(SPOOL_BYTES)

    def write(self, data: Any) -> int:
        with _as_spool_error():
            return super().write(data)

    def seek(self, *args: Any) -> int:
        with _as_spool_error():
            return super().seek(*args)

    def flush(self) -> None:
        with _as_spool_error():
            super().flush()

    def read(self, *args: Any) -> bytes:
        with _as_spool_error():  # what was written is flushed first
            return super().read(*args)

    def close(self) -> None:
        with _as_spool_error():
            super().close()

    def __exit__(self, *exc_info: Any) -> None:
        with _as_spool_error():  # closes its file, not by `close`
            super().__exit__(*exc_info)


@contextmanager
def _as_spool_error() -> Iterator[None]:
    try:
        yield
    except SpoolError:
        raise
    except OSError as error:
        raise SpoolError(error.errno, error.strerror) from error


def spool_problem(error: SpoolError, command: str) -> str:
    """The sentence for an export whose temporary file failed."""
    folder = visible(tempfile.gettempdir())
    return (
        f"Could not {command}: its temporary file in {folder} failed because "
        f"{describe_os_error(error)}; nothing was written, so free some space there (or set "
        f"TMPDIR to a folder with room) and {command} again."
    )


def write_export(
    path: Path,
    data: bytes | Callable[[BinaryIO], Any],
    *,
    force: bool = False,
    command: str = "export",
) -> Path:
    """Write `data` to `path`, or let `data` write into the file as it goes; ExchangeError
    with a sentence when it cannot or may not (nothing is left behind when the writer fails
    either). `command` names what to run again (`export`, `report`)."""
    path = Path(path).expanduser()
    shown = visible(str(path))
    if path.is_dir():
        raise ExchangeError(f"{shown} is a folder; give a file name to {command} to.")
    target = _open_device(path, force)
    if target is not None:
        # A device, or a pipe something reads (/dev/null, /dev/stdout, a FIFO): written into,
        # as a shell's `>` would. Replaced by a temp file, it would be a device no more.
        _write_into(target, data, shown, command)
        return path
    if not force and (path.exists() or path.is_symlink()):
        raise ExchangeError(
            f"{shown} already exists; choose another name or add --force to replace it."
        )
    folder = path.parent if str(path.parent) else Path(".")
    temp = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        fd, named = _open_temp(folder, temp)
        try:
            with open(fd, "wb", closefd=False) as handle:
                if callable(data):
                    data(handle)
                else:
                    handle.write(data)
            os.fsync(fd)
            if not named:  # whole now: named beside the target only to be renamed over it
                _name(fd, temp)
        finally:
            os.close(fd)
        os.replace(temp, path)
        fsync_folder(folder)
    except SpoolError as error:
        _discard(temp)
        raise ExchangeError(spool_problem(error, command)) from None
    except OSError as error:
        _discard(temp)
        missing = error.errno == errno.ENOENT  # the temp file's open: the folder is not there
        reason = "its folder does not exist" if missing else describe_os_error(error)
        cure = write_advice(error.errno, "free some space")
        raise ExchangeError(
            f"Could not write {shown} because {reason}; nothing was written, "
            f"so {cure} or choose another folder and {command} again."
        ) from None
    except BaseException:  # the writer failed (a session it reads is unreadable): no file
        _discard(temp)
        raise
    return path


def _open_temp(folder: Path, temp: Path) -> tuple[int, bool]:
    """A descriptor to write the export into, and whether it is `temp` already. On Linux an
    unnamed file in `folder` (O_TMPFILE): a process killed while it writes (SIGKILL, which no
    handler sees) leaves no half an export of interview notes beside the target. Elsewhere,
    or on a file system without unnamed files, `temp` itself."""
    flags = os.O_WRONLY | os.O_CLOEXEC
    if hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd"):
        try:
            return os.open(folder, flags | os.O_TMPFILE, FILE_MODE), False
        except OSError as error:
            if error.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise
    return os.open(temp, flags | os.O_CREAT | os.O_EXCL, FILE_MODE), True


def _name(fd: int, temp: Path) -> None:
    """Give the unnamed file `fd` the name `temp`. (os.link calls linkat, which follows the
    /proc link to the file, only when given a folder's descriptor; plain link(2) would link
    the /proc entry itself.)"""
    folder = os.open(temp.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.link(f"/proc/self/fd/{fd}", temp.name, dst_dir_fd=folder, follow_symlinks=True)
    finally:
        os.close(folder)


STREAM_FOLDERS = ("/dev", "/dev/fd", "/proc/self/fd")
"""Where a name is a stream to write into (`/dev/stdout`, `/dev/null`), never a file to
replace: the name may lead to a terminal, a pipe or the file a shell sent output to."""


def _in_stream_folder(path: Path) -> bool:
    return str(path.absolute().parent) in STREAM_FOLDERS


def is_stream(path: Path) -> bool:
    """Whether `path` is a stream, not a file: a name in STREAM_FOLDERS, a pipe or a device
    (what a report wrote into it is not there to be opened again)."""
    if _in_stream_folder(path):
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def _open_device(path: Path, force: bool) -> int | None:
    """A descriptor to write into `path` when it is a stream or a device it may write into;
    None for anything else, which is a file's business. A pipe no one reads is never waited
    on (its open fails at once, and it is left to a file's checks); a device outside
    STREAM_FOLDERS takes --force, as replacing a file does; a disk is never written."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISBLK(mode):
        shown = visible(str(path))
        raise ExchangeError(f"{shown} is a disk, not a file; give a file name to write to.")
    in_streams = _in_stream_folder(path)
    if stat.S_ISFIFO(mode):
        flags = os.O_WRONLY | os.O_CLOEXEC | os.O_NONBLOCK  # ENXIO at once when no one reads
    elif stat.S_ISCHR(mode) and (in_streams or force):
        flags = os.O_WRONLY | os.O_CLOEXEC
    elif stat.S_ISREG(mode) and in_streams:  # /dev/stdout sent to a file by the shell
        flags = os.O_WRONLY | os.O_CLOEXEC | os.O_TRUNC
    else:
        return None
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    os.set_blocking(fd, True)
    return fd


def _write_into(fd: int, data: bytes | Callable[[BinaryIO], Any], shown: str, command: str) -> None:
    try:
        with open(fd, "wb") as handle:
            if callable(data):
                data(handle)
            else:
                handle.write(data)
    except SpoolError as error:
        raise ExchangeError(spool_problem(error, command)) from None
    except OSError as error:
        problem = describe_os_error(error)
        raise ExchangeError(f"Could not write to {shown} because {problem}.") from None


def _discard(temp: Path) -> None:
    try:
        temp.unlink()
    except OSError:
        pass
