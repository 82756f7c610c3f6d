"""What a Fieldnote study's git tree may hold, and reading it without touching the data folder.

A study's tree holds `.gitignore`, `.gitattributes`, `codebook.json` and `sessions/<id>.json`,
all plain files. Anything else a remote offers (a symbolic link, a path outside these, a
submodule, a file too large to be a session, a name with terminal escapes) is refused before
any of it reaches the data folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tui.domain.display_text import visible
from tui.services.sync.git import Git, SyncError
from tui.store.errors import UnreadableFileError
from tui.store.schema import check_codebook_fields
from tui.store.session import SESSION_ID, validate_session_data
from tui.store.storage import parse_tables

CODEBOOK = "codebook.json"
SETTINGS_FILES = (".gitattributes", ".gitignore")
FILE_MODES = ("100644", "100755")
MAX_FILE_BYTES = 32 * 1024 * 1024
"""A 10,000-note session is about 6 MB; a larger file is not one Fieldnote wrote."""


@dataclass(frozen=True)
class Entry:
    mode: str
    oid: str
    size: int


Listing = dict[str, Entry]


@dataclass(frozen=True)
class Side:
    """Where a tree comes from: how a sentence names it, and what to do there about a path
    that is not part of a study (`stranger`), a file Fieldnote will not take (`remove`) or
    one that is not valid Fieldnote data (`mend`)."""

    name: str
    stranger: str
    remove: str
    mend: str


IN_THIS_FOLDER = Side(
    "This data folder",
    "move it out of the data folder",
    "move it out of the data folder",
    "fix it or move it out of the data folder",
)
ON_THE_REMOTE = Side(
    "The remote", "check the remote's URL", "remove it from the remote", "fix or remove it there"
)


def is_study_path(path: str) -> bool:
    if path in (CODEBOOK, *SETTINGS_FILES):
        return True
    folder, _, name = path.partition("/")
    return folder == "sessions" and name.endswith(".json") and bool(SESSION_ID.fullmatch(name[:-5]))


def listing(git: Git, treeish: str | None) -> Listing:
    """Every path of a tree with its mode, blob and size; {} for None (no commit yet)."""
    if treeish is None:
        return {}
    raw = git.run("ls-tree", "-r", "-l", "-z", "--full-tree", treeish).stdout
    out: Listing = {}
    for record in raw.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, oid, size = meta.decode().split()
        path = name.decode("utf-8", "surrogateescape")
        out[path] = Entry(mode, oid, int(size) if size.isdigit() else -1 if kind == "blob" else 0)
    return out


def refuse_strangers(entries: Listing, side: Side) -> None:
    """A sentence for the first entry that is not part of a Fieldnote study, saying what to
    do about it where it is (`side`: this data folder, or the remote)."""
    where = side.name
    for path, entry in sorted(entries.items()):
        shown = visible(path)
        if not is_study_path(path):
            raise SyncError(
                f"{where} holds '{shown}', which is not part of a Fieldnote study; "
                f"{side.stranger} (a Fieldnote study holds only codebook.json and "
                "sessions/*.json), nothing was changed here."
            )
        if entry.mode not in FILE_MODES:
            kind = "a symbolic link" if entry.mode == "120000" else "not a plain file"
            raise SyncError(
                f"{where} holds '{shown}' as {kind}, which Fieldnote does not follow; "
                f"{side.remove}, nothing was changed here."
            )
        if entry.size > MAX_FILE_BYTES:
            raise SyncError(
                f"{where} holds '{shown}' of {entry.size // (1024 * 1024)} MB, far larger than "
                f"any session; {side.remove}, nothing was changed here."
            )


def read_blobs(git: Git, oids: list[str]) -> dict[str, bytes]:
    """The contents of many blobs in one `git cat-file --batch`."""
    wanted = list(dict.fromkeys(oids))
    if not wanted:
        return {}
    raw = git.run("cat-file", "--batch", input="".join(f"{o}\n" for o in wanted).encode()).stdout
    out, at = {}, 0
    for oid in wanted:
        end = raw.index(b"\n", at)
        header = raw[at:end].split()
        if len(header) != 3:
            raise SyncError(f"git has no object {oid[:12]}; run `git fsck` in the data folder.")
        size = int(header[2])
        out[oid] = raw[end + 1 : end + 1 + size]
        at = end + 1 + size + 1
    return out


def check_files(
    git: Git,
    entries: Listing,
    paths: list[str],
    side: Side,
    read: Callable[[str, dict[str, Any]], None] | None = None,
) -> dict[str, bytes]:
    """The contents of `paths` (blob id -> bytes), each checked as the store checks it; a
    sentence for the first that is not valid Fieldnote data, with what to do where it is.
    `read(path, tables)` is given each file's tables as its check parsed them, so a caller
    needs no second parse; they are not kept (a whole study's documents at once)."""
    blobs = read_blobs(git, [entries[p].oid for p in paths])
    for path in paths:
        tables = parse_study_file(path, blobs[entries[path].oid], side.name, side.mend)
        if read is not None:
            read(path, tables)
    return blobs


def parse_study_file(
    path: str, raw: bytes, where: str, mend: str = ON_THE_REMOTE.mend
) -> dict[str, Any]:
    """A study file's tables, checked as the store checks them; a sentence otherwise."""
    if path in SETTINGS_FILES:
        return {}
    location = Path(path)
    try:
        data = parse_tables(raw, location)
        if path == CODEBOOK:
            check_codebook_fields(location, data)
        else:
            validate_session_data(location)(data)
        try:
            # orjson reads 1,024 levels and writes 255: a file nested between the two would
            # be taken in, and the store could then never write it again (every fold of its
            # journal, every sync after, would fail).
            orjson.dumps(data)
        except orjson.JSONEncodeError:
            raise UnreadableFileError(
                location, "it is nested deeper than Fieldnote can write back"
            ) from None
    except UnreadableFileError as error:
        raise SyncError(
            f"{where} holds {visible(path)}, which is not valid Fieldnote data "
            f"({visible(error.problem)}); {mend}, nothing was changed here."
        ) from None
    return data
