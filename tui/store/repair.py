"""`fieldnote repair SESSION`: a session whose journal is damaged, made readable again.

The recovered file is the session file with every readable journal line replayed in order;
a damaged line (not JSON, not a change, a torn last line) is skipped and counted, and of a
note or excerpt stored twice the later write is kept. Before anything is replaced, the
originals are copied beside it (`<id>.json.before-repair`, `<id>.json.journal.before-repair`),
and all of it happens under the session's lock, so no writer interleaves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tui.store.errors import StoreError, UnreadableFileError, WriteFailedError
from tui.store.session import keep_later_copies, validate_session_data
from tui.store.storage import FILE_MODE, AtomicJSONStorage, fsync_folder, replay_journal
from tui.store.storage import read_journal as read_journal_bytes

KEPT_SUFFIX = ".before-repair"


@dataclass
class Repair:
    path: Path
    replayed: int
    """Journal lines replayed."""
    skipped: int
    """Damaged journal lines left out."""
    duplicates: int
    """Earlier copies of notes or excerpts stored twice, left out."""
    kept: list[Path]
    """The originals, copied beside the file; empty when nothing needed repair."""


def repair_session(path: Path) -> Repair:
    """Repair the session file at `path` (see the module docstring). A file that needs no
    repair is left alone (`kept` empty)."""
    path = Path(path)
    journal = path.with_name(path.name + ".journal")
    storage = AtomicJSONStorage(path, must_exist=True, write_what="repaired session")
    try:
        with storage.locked() as data:  # the main file alone: this storage reads no journal
            raw = read_journal_bytes(journal)
            replayed, skipped = replay_readable(data, raw, journal)
            duplicates = keep_later_copies(data)
            validate_session_data(path)(data)  # what is left must read, or nothing changes
            if not skipped and not duplicates:
                return Repair(path, replayed, 0, 0, [])
            kept = [keep_copy(path, path.read_bytes())]
            if raw:
                try:
                    kept.append(keep_copy(journal, raw))
                except StoreError:
                    kept[0].unlink(missing_ok=True)  # nothing was repaired: no half a backup
                    raise
            storage.write(data)
            # The file now holds every readable line: the journal's job is done.
            try:
                journal.unlink(missing_ok=True)
                fsync_folder(path.parent)
            except OSError as error:
                raise WriteFailedError(journal, error, "repaired session") from error
    except FileNotFoundError:
        raise StoreError(f"There is no session file {path} to repair.") from None
    except UnreadableFileError as error:
        if error.path != path:
            raise
        # Damage in the session file itself, or a journal line whose change reads but holds
        # a field of the wrong type: replaying cannot mend those.
        raise StoreError(
            f"Cannot repair {path}: {error.problem}; fieldnote repair mends damaged journal "
            "lines and notes stored twice only, so restore the file from a backup (nothing "
            "was changed)."
        ) from None
    finally:
        storage.close()
    return Repair(path, replayed, skipped, duplicates, kept)


def replay_readable(data: dict, raw: bytes, journal: Path) -> tuple[int, int]:
    """Replay each journal line that reads; (lines replayed, lines skipped)."""
    replayed = skipped = 0
    lines = raw.split(b"\n")
    torn = lines.pop()  # after the last newline: b"" or a line a crash cut short
    skipped += bool(torn.strip())
    for line in lines:
        if not line.strip():
            continue
        try:
            replay_journal(data, line + b"\n", journal)  # checks a line whole before applying
        except UnreadableFileError:
            skipped += 1
            continue
        replayed += 1
    return replayed, skipped


def keep_copy(original: Path, content: bytes) -> Path:
    """`<name>.before-repair` holding `content`, 0600, durable; never over an earlier one."""
    kept = original.with_name(original.name + KEPT_SUFFIX)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(kept, flags, FILE_MODE)
    except FileExistsError:
        raise StoreError(
            f"{kept} is already there from an earlier repair; move it elsewhere and repair again."
        ) from None
    except OSError as error:
        raise WriteFailedError(kept, error, "copy of the original") from error
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except OSError as error:
        os.close(fd)
        kept.unlink(missing_ok=True)
        raise WriteFailedError(kept, error, "copy of the original") from error
    os.close(fd)
    fsync_folder(original.parent)
    return kept
