"""The study index's file: a cache under the user's cache folder, never in the data folder.

What it holds is the services' business (tui/services/study_index.py); this module only finds
the file for a data folder, reads it and replaces it. It is derived from the session files, so
nothing here is ever an error a user sees: a file that is missing, unreadable, not JSON, written
for another data folder or by a newer Fieldnote, or whose entries fail the CRC-32 saved after
them (damaged, or edited by hand), reads as no index (a debug log says why), and a folder that
cannot be written to leaves the index unsaved. The session files stay the truth.

Two processes may save at once: each writes a temp file of its own and renames it over the
index, so the file is always one whole version, the last writer's. Nothing is lost by that:
every entry carries the signature of the session file it came from, and a reader trusts an
entry only while that signature still matches the file.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import time
import zlib
from pathlib import Path
from typing import Any

import orjson

from tui.store.storage import DIR_MODE, FILE_MODE, open_to_read

ENV_CACHE = "FIELDNOTE_CACHE"
"""The cache folder, when set (tests point it at a temp folder); else the platform's."""
FORMAT = "fieldnote-study-index"
CHECK_KEY = b',"check":'
"""Ends a saved index, before the CRC-32 of its entries' bytes."""
STALE_TEMP_SECONDS = 600
"""A temp file of a save older than this was left by a process killed while saving."""

log = logging.getLogger(__name__)


def cache_folder() -> Path:
    """`$FIELDNOTE_CACHE` if set, else the platform's user cache folder for Fieldnote."""
    folder = os.environ.get(ENV_CACHE)
    if folder:
        return Path(folder).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("fieldnote"))


class IndexFile:
    """One part of the index of one data folder:
    `<cache>/index-<hash of the folder's path>-<part>.json`."""

    def __init__(self, home: Path, version: int, part: str, folder: Path | None = None) -> None:
        self.home = str(Path(home).resolve())
        self.version = version
        """The layout of the entries this Fieldnote writes; a file with another is not read."""
        digest = hashlib.sha256(self.home.encode()).hexdigest()[:16]
        self.path = (folder or cache_folder()) / f"index-{digest}-{part}.json"

    def __repr__(self) -> str:
        return f"IndexFile({str(self.path)!r})"

    def load(self) -> dict[str, Any] | None:
        """The entries as last saved, or None when there is no usable index (logged)."""
        expected = self._head()
        try:
            with open(open_to_read(self.path), "rb") as handle:
                head = handle.read(len(expected))
                if head != expected:
                    # Told from the head alone, the rest not even read: after an upgrade,
                    # the old index of a large study is megabytes that could not be used.
                    log.debug(
                        "study index %s is not one of version %s for %s (another program's, "
                        "another Fieldnote's or damaged); rebuilding it",
                        self.path,
                        self.version,
                        self.home,
                    )
                    return None
                handle.seek(0)
                raw = handle.read()
                check = raw.rfind(CHECK_KEY)
        except FileNotFoundError:
            return None
        except OSError as error:
            log.debug("study index %s not read: %s", self.path, error)
            return None
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            log.debug("study index %s is not JSON (%s); rebuilding it", self.path, error)
            return None
        # Entries whose bytes are not the ones saved (a file damaged, or edited by hand, yet
        # still JSON) could hold anything in any field: not read at all.
        if check < 0 or data.get("check") != zlib.crc32(memoryview(raw)[len(expected) : check]):
            log.debug("study index %s fails its check sum; rebuilding it", self.path)
            return None
        entries = data.get("entries")
        # The head again, as parsed: a key written twice would have the last word.
        if (data.get("format"), data.get("version"), data.get("home")) != (
            FORMAT,
            self.version,
            self.home,
        ):
            log.debug("study index %s names another index; rebuilding it", self.path)
            return None
        if not isinstance(entries, dict):
            log.debug("study index %s holds no entries; rebuilding it", self.path)
            return None
        return entries

    def current(self) -> bool:
        """Whether the file is an index of this layout for this data folder, told from its
        head and its last byte alone (nothing parsed, as `load` tells it first): a file of an
        older Fieldnote, after an upgrade, is not, nor one cut short. Its entries may still
        turn out unusable when loaded."""
        head = self._head()
        try:
            with open(open_to_read(self.path), "rb") as handle:
                if handle.read(len(head)) != head:
                    return False
                handle.seek(-1, os.SEEK_END)
                return handle.read(1) == b"}"
        except OSError:
            return False

    def _head(self) -> bytes:
        """What `save` writes before the entries: the one JSON object's other fields."""
        payload = {"format": FORMAT, "version": self.version, "home": self.home}
        return orjson.dumps(payload)[:-1] + b',"entries":'

    def remove(self) -> None:
        """Delete the file, if there is one (a part no longer written)."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as error:
            log.debug("study index %s not removed: %s", self.path, error)

    def save(self, entries: dict[str, Any]) -> bool:
        """Replace the index with these entries (atomic; last writer wins). False, logged,
        when the cache folder cannot take it: the index is then simply not kept."""
        folder = self.path.parent
        tmp = folder / f".{self.path.name}.{os.urandom(6).hex()}.tmp"
        try:
            folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            self._sweep(folder)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
            try:
                # The head first, as `load` and `current` tell a file by it; the entries'
                # check sum last.
                body = orjson.dumps(entries)
                for part in (self._head(), body, b"%s%d}" % (CHECK_KEY, zlib.crc32(body))):
                    view = memoryview(part)
                    while view:
                        view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
        except OSError as error:
            log.debug("study index %s not saved: %s", self.path, error)
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
            return False
        return True

    def _sweep(self, folder: Path) -> None:
        """Remove this part's temp files that a process killed while saving left behind:
        those older than any save takes."""
        stale = time.time() - STALE_TEMP_SECONDS
        for tmp in folder.glob(f".{glob.escape(self.path.name)}.*.tmp"):
            try:
                if tmp.lstat().st_mtime < stale:
                    tmp.unlink()
            except OSError:
                pass  # gone already, or not ours to remove
