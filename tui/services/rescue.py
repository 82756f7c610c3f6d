"""Rescue files: where unsaved work goes when the data folder will not take it.

Written when the user chooses "save elsewhere" on quitting, and without asking when the
terminal goes away with writes still failing. Each rescue gets a file of its own (never
overwriting an earlier one), created 0600 like every file of interview notes.
`fieldnote restore FILE` puts what it holds back into its sessions (`restore_rescue`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

from tui.domain.clock import to_iso
from tui.domain.display_text import visible
from tui.domain.tags import tag_limit
from tui.services.session_setup import append_note_now
from tui.services.tag_writes import apply_change
from tui.services.write_queue import Skipped
from tui.store import DataStore, SessionFile, StoreError, new_document_problem
from tui.store.errors import UnreadableFileError, describe_os_error
from tui.store.storage import open_to_read


class HoldsUnsavedWork(Protocol):
    def unsaved_record(self) -> tuple[dict[str, Any], int]: ...


def rescue_path(folder: Path, label: str, moment: datetime) -> Path:
    return folder / f"fieldnote-unsaved-{label}-{moment:%Y%m%d-%H%M%S}.json"


def write_rescue(holders: Iterable[HoldsUnsavedWork], path: Path) -> tuple[int, Path]:
    """Write every holder's unsaved work to `path` (or, if that exists, a numbered sibling).

    Returns how many items were written and where. OSError if the folder cannot be written.
    """
    record: dict[str, Any] = {}
    count = 0
    for holder in holders:
        part, items = holder.unsaved_record()
        record.update(part)
        count += items
    data = orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    candidate, number = path, 1
    while True:
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:
            number += 1
            candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return count, candidate


MAX_RESCUE_BYTES = 64 * 1024 * 1024
"""A rescue holds what one sitting typed or tagged; no real one comes near this."""
MAX_DRAFTS = 100
"""The app writes one draft per interview open when it crashes; each is restored by a write of
its own, so a file of many more (no rescue it wrote) would take hours."""

_PARTS = {"session_id", "notes", "tag_changes", "drafts"}
_TABLES = {"notes", "excerpts"}
_OPS = {"add": "doc", "delete": "id", "edit": "edit", "update": "changes"}
"""Each kind of tag change and the field it needs (`tui.services.tag_writes.apply_change`)."""
_EDIT_FIELDS = {
    "add_tag": (str,),
    "remove_tag": (str,),
    "coder": (str, type(None)),
    "at": (str, type(None)),
    "rate": (int, type(None)),
    "text_from": (str,),
    "text_to": (str,),
}
"""The fields of a tag edit (`tui.domain.tags.edit_changes`) and the types each may have."""


class RescueError(Exception):
    """A rescue file that cannot be put back; `str(error)` is one sentence saying why."""


@dataclass
class Restored:
    notes: int = 0
    changes: int = 0
    drafts: int = 0
    dropped: list[str] = field(default_factory=list)
    """One sentence per tag change whose note or span was deleted meanwhile."""


def restore_rescue(store: DataStore, path: Path, author: str, now: datetime) -> Restored:
    """Put what a rescue file holds back into its sessions: the notes (a note stored already
    is replaced by the rescued copy, so restoring twice changes nothing), the queued tag
    changes (deltas, harmless twice) and the drafts a crash left in a note input (each a note
    by `author`, stamped now, unless a note of that text is stored). Every session it names is
    opened before anything is written."""
    record = _read_rescue(path)
    notes: list[dict[str, Any]] = record.get("notes", [])
    changes: list[dict[str, Any]] = record.get("tag_changes", [])
    drafts: list[str] = record.get("drafts", [])
    if drafts and not isinstance(record.get("session_id"), str):
        raise RescueError(f"{visible(str(path))} holds drafts but names no session for them.")
    wanted = {doc["session_id"] for doc in (*notes, *changes)}
    if drafts:
        wanted.add(record["session_id"])
    files: dict[str, SessionFile] = {}
    try:
        for session_id in sorted(wanted):
            try:
                files[session_id] = store.open_session(session_id)
            except StoreError as error:
                shown = visible(str(path))
                raise RescueError(f"{error} Nothing was written from {shown}.") from None
        now_iso = to_iso(now)
        # The codebook first: no note on disk names a tag the codebook lacks.
        store.codebook.ensure(_tags_named(notes, changes), now_iso)
        restored = Restored()
        by_session: dict[str, list[dict[str, Any]]] = {}
        for doc in notes:
            by_session.setdefault(doc["session_id"], []).append(doc)
        for session_id, docs in by_session.items():
            try:
                files[session_id].append_notes(docs)
            except UnreadableFileError as error:  # checked before the write: nothing written
                raise RescueError(
                    f"The notes {visible(str(path))} holds for session {session_id} do not fit "
                    f"it ({error.problem}); none of them was written."
                ) from None
            restored.notes += len(docs)
        for payload in changes:
            try:
                apply_change(files[payload["session_id"]], payload, "a rescued tag change")
            except Skipped as gone:
                restored.dropped.append(str(gone))
            else:
                restored.changes += 1
    finally:
        for session_file in files.values():
            session_file.close()
    if drafts:
        # A draft gets a new id each time: one already stored (restored before) is not again.
        session_file = store.open_session(record["session_id"])
        try:
            stored = {note.get("text") for note in session_file.read().notes}
        finally:
            session_file.close()
        for text in drafts:
            if text.strip() and text not in stored:
                append_note_now(store, record["session_id"], text, author, now=lambda: now)
                stored.add(text)
                restored.drafts += 1
    return restored


def _read_rescue(path: Path) -> dict[str, Any]:
    shown = visible(str(path))
    not_one = f"{shown} is not a rescue file Fieldnote wrote (fieldnote-unsaved-*.json)"
    try:
        with open(open_to_read(path, follow_links=True), "rb") as stream:
            raw = stream.read(MAX_RESCUE_BYTES + 1)
    except OSError as error:
        where = visible(str(Path.home()))  # where the app writes them (rescue_path)
        raise RescueError(
            f"Cannot read {shown}: {describe_os_error(error)}; give the rescue file the quit or "
            f"crash named (fieldnote-unsaved-*.json in {where})."
        ) from None
    if len(raw) > MAX_RESCUE_BYTES:
        raise RescueError(f"{not_one}: it is larger than any rescue.")
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RescueError(f"{not_one}: it is not JSON.") from None
    if not isinstance(record, dict) or not record or not set(record) <= _PARTS:
        raise RescueError(f"{not_one}.")
    notes, changes = record.get("notes", []), record.get("tag_changes", [])
    drafts = record.get("drafts", [])
    if not (isinstance(notes, list) and isinstance(changes, list) and isinstance(drafts, list)):
        raise RescueError(f"{not_one}: its notes, tag changes or drafts are not lists.")
    for doc in (*notes, *changes):
        if not isinstance(doc, dict) or not isinstance(doc.get("session_id"), str):
            raise RescueError(f"{not_one}: a note or change names no session.")
    for payload in changes:
        op = payload.get("op")
        if (
            payload.get("table") not in _TABLES
            or op not in _OPS
            or not isinstance(payload.get("id"), str)
            or not isinstance(payload.get(_OPS[op]), str if op == "delete" else dict)
        ):
            raise RescueError(f"{not_one}: a tag change is of no kind Fieldnote writes.")
    if not all(isinstance(text, str) for text in drafts):
        raise RescueError(f"{not_one}: a draft is not text.")
    if len(drafts) > MAX_DRAFTS:
        raise RescueError(
            f"{not_one}: it holds {len(drafts):,} drafts, where Fieldnote writes one for each "
            "interview open."
        )
    problem = _damage(notes, changes)
    if problem is not None:
        raise RescueError(
            f"{shown} cannot be put back: {problem}, so it is damaged; nothing was written. "
            "Correct that field in the file (or take that note or change out) and restore it "
            "again."
        )
    return record


def _damage(notes: list[dict[str, Any]], changes: list[dict[str, Any]]) -> str | None:
    """What in a rescue's notes and tag changes would stop the restore half-way or leave a
    session file that every later read refuses (the store's own checks), as a phrase; None
    when everything fits."""
    for number, doc in enumerate(notes, start=1):
        problem = _document_problem("notes", doc)
        if problem is not None:
            return f"note {number} {problem}"
    for number, payload in enumerate(changes, start=1):
        op, table = payload["op"], payload["table"]
        problem = None  # a deletion names only its document's id, checked on reading
        if op == "add":
            problem = _document_problem("excerpts", payload["doc"])
        elif op == "update":
            problem = new_document_problem(table, payload["changes"])
        elif op == "edit":
            problem = next(
                (
                    f"has an edit whose '{name}' is not {'a number' if name == 'rate' else 'text'}"
                    for name, kinds in _EDIT_FIELDS.items()
                    if name in payload["edit"]
                    and (
                        not isinstance(payload["edit"][name], kinds)
                        or isinstance(payload["edit"][name], bool)
                    )
                ),
                None,
            )
        if problem is not None:
            return f"tag change {number} {problem}"
    for tag in _tags_named(notes, changes):
        if (said := tag_limit(tag)) is not None:
            return said[0].lower() + said[1:]
    return None


def _document_problem(table: str, doc: dict[str, Any]) -> str | None:
    if not isinstance(doc.get("id"), str) or not doc["id"]:
        return "has no id"
    return new_document_problem(table, doc)


def _tags_named(notes: list[dict[str, Any]], changes: list[dict[str, Any]]) -> list[str]:
    tags = [tag for doc in notes for tag in doc.get("tags") or [] if isinstance(tag, str)]
    for payload in changes:
        if payload["op"] == "edit" and isinstance(payload["edit"].get("add_tag"), str):
            tags.append(payload["edit"]["add_tag"])
        elif payload["op"] == "add":
            doc = payload["doc"]
            tags.extend(tag for tag in doc.get("tags") or [] if isinstance(tag, str))
    return tags
