"""Real disk faults for tests: a small tmpfs that can be filled or remounted read-only."""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

MS_RDONLY = 1
MS_REMOUNT = 32
_libc = ctypes.CDLL(None, use_errno=True)


def _mount(target: Path, flags: int = 0, options: str = "size=256k") -> None:
    if _libc.mount(b"tmpfs", os.fsencode(target), b"tmpfs", flags, options.encode()) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"mount {target}: {os.strerror(code)}")


def tmpfs_at(target: Path, size: str = "256k") -> Iterator[Path]:
    """Mount a tmpfs of `size` (256 KiB) on `target` for the duration (skips the test without
    root)."""
    target.mkdir(exist_ok=True)
    try:
        _mount(target, options=f"size={size}")
    except OSError as error:
        if error.errno == errno.EPERM:
            pytest.skip("mounting a tmpfs needs root (CAP_SYS_ADMIN); mount returned EPERM")
        raise
    try:
        yield target
    finally:
        if _libc.umount2(os.fsencode(target), 0) != 0:
            _libc.umount2(os.fsencode(target), 2)  # MNT_DETACH if something still holds it


def remount(target: Path, read_only: bool) -> None:
    _mount(target, MS_REMOUNT | (MS_RDONLY if read_only else 0))


PAGE = 4096
NO_CHANGE = b"{}\n"
"""A journal line that changes nothing (tui/store/storage.py)."""


def fill(folder: Path) -> Path:
    """Fill the tmpfs at `folder` page by page. A full tmpfs still takes a write that fits in
    the last page a file already has, so each session journal is then topped up to its page's
    end with lines that change nothing: no change fits any more, as on a disk truly full."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * PAGE)
    except OSError as error:
        assert error.errno == errno.ENOSPC
    finally:
        os.close(fd)
    for journal in folder.rglob("*.journal"):
        slack = -journal.stat().st_size % PAGE
        with open(journal, "ab") as handle:
            handle.write(NO_CHANGE * (slack // len(NO_CHANGE)))
    return filler
