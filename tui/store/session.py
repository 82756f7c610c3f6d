"""One interview session: a TinyDB file with tables `session`, `guide`, `notes` and `excerpts`,
and `recording` once a transcript is attached (one document: tui/domain/recording.py)."""

from __future__ import annotations

import re
from bisect import insort
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import repeat
from operator import itemgetter, methodcaller
from pathlib import Path
from typing import Any

import orjson
from tinydb.table import Document, Table

from tui.domain.guide import GuideState
from tui.store.errors import SessionNotFoundError, UnreadableFileError
from tui.store.schema import check_session_fields
from tui.store.storage import AtomicJSONStorage, Signature
from tui.store.tables import DirectTinyDB

SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
KEYED_TABLES = ("notes", "excerpts")
RECORDING_TABLE = "recording"


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()
"""Default of `update_guide_state(current=...)`: leave the current question as it is."""


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


DELETE: Any = _Delete()
"""What a `change_note` / `change_excerpt` function returns to remove the document."""


def default_guide_state() -> dict[str, Any]:
    return {"current": None, "marks": {}}


def plain(doc: dict[str, Any]) -> dict[str, Any]:
    """A deep, JSON-only copy: fails early on what cannot be stored, and shares nothing."""
    if not isinstance(doc, dict):
        raise TypeError(f"a document must be a dict, not {type(doc).__name__}")
    return orjson.loads(orjson.dumps(doc))


def _copies(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return orjson.loads(orjson.dumps(docs))


def note_doc_order(doc: dict[str, Any]) -> tuple[str, str]:
    """A stored note's place in a session: by (started_at, id)."""
    return (str(doc.get("started_at") or ""), str(doc.get("id") or ""))


def _single(data: dict[str, Any], table: str) -> tuple[str, dict[str, Any]] | None:
    docs = data.get(table) or {}
    if not docs:
        return None
    key = min(docs, key=int)
    return key, docs[key]


def recording_of(data: dict[str, Any]) -> dict[str, Any] | None:
    """The attached recording's document of a file's tables (not a copy), or None."""
    found = _single(data, RECORDING_TABLE)
    return found[1] if found else None


def session_parts(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The session record, guide and guide state of a file's tables (not copies), as a
    snapshot takes them."""
    session = _single(data, "session")
    guide = _single(data, "guide")
    guide_doc = guide[1] if guide else {}
    return (
        session[1] if session else {},
        guide_doc.get("guide") or {},
        guide_doc.get("state") or default_guide_state(),
    )


def validate_session_data(path: Path):
    def validate(data: dict[str, Any]) -> None:
        session = _single(data, "session")
        if session is None:
            raise UnreadableFileError(path, "it has no 'session' table, so it is no session file")
        session_id = session[1].get("id")
        if not isinstance(session_id, str):
            raise UnreadableFileError(path, "its session record has no id")
        if session_id != path.stem:
            # A backup beside the original would list, report and count the session twice.
            raise UnreadableFileError(
                path,
                f"it holds session {session_id}, whose file is "
                f"{session_id}.json, so it is a copy that would count each of its "
                "notes twice; keep copies outside the sessions folder",
            )
        guide = _single(data, "guide")
        if guide is not None and not isinstance(guide[1].get("state", {}), dict | None):
            raise UnreadableFileError(path, "its guide state is not an object")
        for name in KEYED_TABLES:
            docs = data.get(name) or {}
            # Every id text and none twice, checked in C (`map`, `set`); the loop below is
            # for a table that fails it, to name the document.
            ids = list(map(dict.get, docs.values(), repeat("id")))
            if set(map(type, ids)) <= {str} and len(set(ids)) == len(ids):
                continue
            seen: dict[str, str] = {}
            for key, doc in docs.items():
                doc_id = doc.get("id")
                if not isinstance(doc_id, str):
                    raise UnreadableFileError(path, f"a document in its '{name}' table has no id")
                if doc_id in seen:
                    raise UnreadableFileError(
                        path, _twice(name, doc_id, seen[doc_id], key), repairable=True
                    )
                seen[doc_id] = key
        check_session_fields(path, data)

    return validate


def _twice(table: str, doc_id: str, first: str, second: str) -> str:
    """A keyed document stored twice (a journal line that reused its id): shown twice, it
    would be counted and exported twice, so it is a damage to repair, not to guess around."""
    earlier, later = sorted((first, second), key=int)
    what = "note" if table == "notes" else "excerpt"
    return (
        f"its {what} {doc_id} is stored twice, as documents {earlier} and {later} "
        f"(fieldnote repair keeps document {later}, the later write)"
    )


def keep_later_copies(data: dict[str, Any]) -> int:
    """Drop every earlier copy of a keyed document stored twice; how many were dropped."""
    dropped = 0
    for name in KEYED_TABLES:
        docs = data.get(name) or {}
        latest: dict[Any, str] = {}
        for key in sorted(docs, key=int):
            earlier = latest.get(docs[key].get("id"))
            if earlier is not None:
                del docs[earlier]
                dropped += 1
            latest[docs[key].get("id")] = key
    return dropped


@dataclass
class SessionSnapshot:
    """A consistent copy of one session file; notes sorted by (started_at, id)."""

    session: dict[str, Any]
    guide: dict[str, Any]
    guide_state: dict[str, Any]
    notes: list[dict[str, Any]]
    excerpts: list[dict[str, Any]]
    remote_version: int = 0
    """`SessionFile.remote_version` when this was read: compare to see if others wrote since."""


@dataclass
class NoteChanges:
    """What `SessionFile.read_changes` found: copies of the changed notes, the ids removed."""

    changed: list[dict[str, Any]]
    removed: list[str]
    session: dict[str, Any]
    guide_state: dict[str, Any]
    remote_version: int
    version: int
    """The read's version: pass it as `since` to the next `read_changes`."""


def snapshot_of(
    data: dict[str, Any],
    *,
    copy: Callable[[dict[str, Any]], dict[str, Any]] = lambda doc: doc,
    copies: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] = lambda docs: docs,
    checked: bool = False,
) -> SessionSnapshot:
    """A session file's tables as a snapshot: notes sorted by (started_at, id), excerpts in
    the order they were added. It shares the documents of `data` unless given copies.
    `checked`: `data` is as read and checked (none of this process's writes since)."""
    session, guide, guide_state = session_parts(data)
    notes = copies(list((data.get("notes") or {}).values()))
    if checked:
        # By (started_at, id) as `note_doc_order`, in two stable sorts whose keys are taken in
        # C: the checks on read made every id and every started_at there is text.
        notes.sort(key=itemgetter("id"))
        notes.sort(key=methodcaller("get", "started_at", ""))
    else:
        notes.sort(key=note_doc_order)
    excerpt_docs = data.get("excerpts") or {}
    excerpts = copies([excerpt_docs[key] for key in sorted(excerpt_docs, key=int)])
    return SessionSnapshot(
        session=copy(session),
        guide=copy(guide),
        guide_state=copy(guide_state),
        notes=notes,
        excerpts=excerpts,
    )


class _Index:
    """Document "id" -> TinyDB doc id for one keyed table, so lookups skip a Query scan."""

    def __init__(self) -> None:
        self.version = -1
        self.ids: dict[str, int] = {}
        self.max_doc_id = 0
        """The highest doc id this table has held since it was last parsed."""

    def rebuild(self, docs: dict[str, dict[str, Any]], version: int) -> None:
        self.ids = {doc["id"]: int(key) for key, doc in docs.items()}
        self.max_doc_id = max(self.ids.values(), default=0)
        self.version = version


class SessionFile:
    """Reads and writes one session file; every write is locked, atomic and durable."""

    def __init__(self, path: Path, session_id: str) -> None:
        self.path = Path(path)
        self.session_id = session_id
        self._storage = AtomicJSONStorage(
            self.path,
            must_exist=True,
            validate=validate_session_data(self.path),
            write_what="note",
            journal=True,
        )
        self._db = DirectTinyDB(storage=lambda: self._storage)
        self._tables: dict[str, Table] = {
            name: self._db.table(name) for name in ("session", "guide", "notes", "excerpts")
        }
        self._indexes = {name: _Index() for name in KEYED_TABLES}
        self._snapshot: SessionSnapshot | None = None
        self._snapshot_version = -1

    def __repr__(self) -> str:
        return f"SessionFile({str(self.path)!r}, {self.session_id!r})"

    # -- reading ------------------------------------------------------------------------------
    def signature(self) -> Signature | None:
        return self._storage.signature()

    def changed_on_disk(self) -> bool:
        return self._storage.changed_on_disk()

    @property
    def remote_version(self) -> int:
        """Bumps whenever this object parses the file anew: another process wrote it (or it
        was first read). Our own writes re-read the file under the lock, so another process's
        change can be taken in by a write of ours; `changed_on_disk()` then says False, and
        only this counter tells a live view that it has something new to show."""
        return self._storage.external_version

    def _missing(self) -> SessionNotFoundError:
        return SessionNotFoundError(
            f"The session file {self.path} no longer exists; it may have been moved or deleted."
        )

    def _data(self) -> dict[str, Any]:
        try:
            return self._storage.current()
        except FileNotFoundError:
            raise self._missing() from None

    def read(self) -> SessionSnapshot:
        """The session as it is on disk now; parsed again only when another process wrote."""
        with self._storage.mutex:
            data = self._data()
            if self._snapshot is None or self._snapshot_version != self._storage.version:
                self._snapshot = self._build_snapshot(data)
                self._snapshot_version = self._storage.version
            snap = self._snapshot
            # The caller gets its own lists, so appending to them cannot touch the cache.
            return SessionSnapshot(
                session=dict(snap.session),
                guide=snap.guide,
                guide_state=snap.guide_state,
                notes=list(snap.notes),
                excerpts=list(snap.excerpts),
                remote_version=self._storage.external_version,
            )

    def read_changes(
        self, known: dict[str, dict[str, Any]], since: int | None = None
    ) -> NoteChanges:
        """The file as it is on disk now, against `known` (note id -> document, as read at
        version `since`): the notes that differ and the ids gone, copied alone. For a live view
        that keeps the rest from its last read. When the storage knows which notes changed
        after `since` (it followed the journal), only those are compared; else every note."""
        with self._storage.mutex:
            data = self._data()
            docs = data.get("notes") or {}
            changed_ids = None if since is None else self._storage.changes_since(since)
            found = None
            if changed_ids is not None and ("notes", None) not in changed_ids:
                ids = {key for table, key in changed_ids if table == "notes"}
                index = self._index("notes", data)
                found = {i: docs.get(str(index[i])) for i in ids if i in index}
                if any(doc is None or doc["id"] != i for i, doc in found.items()):
                    found = None  # the index was stale (it never should be): compare all
            if found is not None:
                changed = [plain(doc) for doc in found.values() if known.get(doc["id"]) != doc]
                removed = [i for i in ids if i not in found and i in known]
            else:
                changed = [plain(doc) for doc in docs.values() if known.get(doc["id"]) != doc]
                present = {doc["id"] for doc in docs.values()}
                removed = [note_id for note_id in known if note_id not in present]
            session = _single(data, "session")
            guide = _single(data, "guide")
            state = (guide[1].get("state") if guide else None) or default_guide_state()
            return NoteChanges(
                changed=changed,
                removed=removed,
                session=plain(session[1]) if session else {},
                guide_state=plain(state),
                remote_version=self._storage.external_version,
                version=self._storage.version,
            )

    @property
    def watched_paths(self) -> tuple[Path, ...]:
        """The files whose change means the session changed: the file and its journal."""
        return (self.path, self._storage.journal_path)

    def _build_snapshot(self, data: dict[str, Any]) -> SessionSnapshot:
        if self._storage.lend():  # as parsed: the storage parses its own before a change
            return snapshot_of(data)
        # Copies: the storage keeps `data`, and TinyDB changes its documents in place.
        return snapshot_of(data, copy=plain, copies=_copies)

    # -- writing ------------------------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[dict[str, Any]]:
        """Hold the lock with the data as on disk now (TinyDB's query caches cleared: another
        process may have written). New documents get ids we choose (`_add`), never TinyDB's
        cached next id, which knows nothing of other processes."""
        try:
            with self._storage.locked() as data:
                for table in self._tables.values():
                    table.clear_cache()
                yield data
        except FileNotFoundError:
            raise self._missing() from None

    def _index(self, name: str, data: dict[str, Any]) -> dict[str, int]:
        index = self._indexes[name]
        if index.version != self._storage.external_version:
            index.rebuild(data.get(name) or {}, self._storage.external_version)
        return index.ids

    def _find(self, name: str, data: dict[str, Any], doc_id_field: str) -> int | None:
        ids = self._index(name, data)
        doc_id = ids.get(doc_id_field)
        docs = data.get(name) or {}
        if doc_id is None:
            return None
        doc = docs.get(str(doc_id))
        if doc is not None and doc.get("id") == doc_id_field:
            return doc_id
        # The index was stale (it never should be); rebuild it and look once more.
        self._indexes[name].rebuild(docs, self._storage.external_version)
        return self._indexes[name].ids.get(doc_id_field)

    def _add(self, name: str, docs: list[dict[str, Any]]) -> None:
        copies = [plain(doc) for doc in docs]
        for doc in copies:
            if not isinstance(doc.get("id"), str) or not doc["id"]:
                raise ValueError(f"a document added to '{name}' needs a string 'id'")
        with self._transaction() as data:
            before = self._storage.version
            table = self._tables[name]
            fresh: dict[str, dict[str, Any]] = {}
            for doc in copies:
                existing = self._find(name, data, doc["id"])
                if existing is None:
                    fresh[doc["id"]] = doc
                else:
                    # A retry of a write that did land: replace, never duplicate.
                    self._storage.will_change(name, [existing])
                    table.update(_replace_with(doc), doc_ids=[existing])
            if fresh:
                # Ids after the highest this table has held (the index is current: `_find`).
                index = self._indexes[name]
                first = index.max_doc_id + 1
                docs = [Document(doc, doc_id=first + i) for i, doc in enumerate(fresh.values())]
                self._storage.will_change(name, [doc.doc_id for doc in docs])
                doc_ids = table.insert_multiple(docs)
                index.ids.update(zip(fresh, doc_ids, strict=True))
                index.max_doc_id = max(index.max_doc_id, *doc_ids)
                added = [plain(doc) for doc in fresh.values()]
                self._patch_snapshot(before, name, lambda docs: _with_added(name, docs, added))

    def _update(self, name: str, key: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        changes = plain(changes)
        if changes.get("id", key) != key:
            raise ValueError(f"the id of a document in '{name}' cannot change")
        with self._transaction() as data:
            doc_id = self._find(name, data, key)
            if doc_id is None:
                return None
            old = {"text": data[name][str(doc_id)].get("text")}  # what its spans need
            before = self._storage.version
            self._storage.will_change(name, [doc_id])
            self._tables[name].update(changes, doc_ids=[doc_id])
            new = plain(self._storage.current()[name][str(doc_id)])
            self._patch_snapshot(before, name, lambda docs: _with_replaced(name, docs, new))
            if name == "notes":
                self._move_spans(key, old.get("text"), new.get("text"))
            return plain(new)

    def _change(
        self, name: str, key: str, change: Callable[[dict[str, Any]], Any]
    ) -> dict[str, Any] | None:
        """Read-modify-write of one document under the lock (see `change_note`)."""
        with self._transaction() as data:
            doc_id = self._find(name, data, key)
            if doc_id is None:
                return None
            old = plain(data[name][str(doc_id)])
            changes = change(plain(old))
            self._storage.will_change(name, [doc_id])
            if changes is DELETE:
                before = self._storage.version
                self._tables[name].remove(doc_ids=[doc_id])
                self._indexes[name].ids.pop(key, None)
                self._patch_snapshot(before, name, lambda docs: [d for d in docs if d["id"] != key])
                return old
            if not changes:
                return old
            changes = plain(changes)
            if changes.get("id", key) != key:
                raise ValueError(f"the id of a document in '{name}' cannot change")
            before = self._storage.version
            self._tables[name].update(changes, doc_ids=[doc_id])
            new = plain(self._storage.current()[name][str(doc_id)])
            self._patch_snapshot(before, name, lambda docs: _with_replaced(name, docs, new))
            if name == "notes":
                self._move_spans(key, old.get("text"), new.get("text"))
            return plain(new)

    def _move_spans(self, note_id: str, old_text: Any, new_text: Any) -> None:
        """Carry the note's span excerpts across a change of its text, under the same lock,
        so each still covers its words (tui/domain/spans.py)."""
        from tui.domain.spans import move_span, text_edits

        if old_text == new_text or not isinstance(old_text, str) or not isinstance(new_text, str):
            return
        excerpts = self._storage.current().get("excerpts") or {}
        doc_ids = [int(k) for k, doc in excerpts.items() if doc.get("note_id") == note_id]
        if not doc_ids:
            return
        edits = text_edits(old_text, new_text)

        def move(doc: dict[str, Any]) -> None:
            start, end = doc.get("start", 0), doc.get("end", 0)
            doc["start"], doc["end"] = move_span(old_text, new_text, start, end, edits)

        self._storage.will_change("excerpts", doc_ids)
        self._tables["excerpts"].update(move, doc_ids=doc_ids)

    def _delete(self, name: str, key: str) -> dict[str, Any] | None:
        with self._transaction() as data:
            doc_id = self._find(name, data, key)
            if doc_id is None:
                return None
            removed = plain(data[name][str(doc_id)])
            before = self._storage.version
            self._storage.will_change(name, [doc_id])
            self._tables[name].remove(doc_ids=[doc_id])
            self._indexes[name].ids.pop(key, None)
            self._patch_snapshot(before, name, lambda docs: [d for d in docs if d["id"] != key])
            return removed

    def _patch_snapshot(
        self,
        before: int,
        name: str,
        patch: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
    ) -> None:
        """After our own single write, bring the cached snapshot up to date without rebuilding
        it (a rebuild copies every note: ~10 ms at 5,000). New lists; old snapshots stay valid."""
        snap = self._snapshot
        if snap is None or self._snapshot_version != before or self._storage.version != before + 1:
            return
        self._snapshot = replace(snap, **{name: patch(getattr(snap, name))})
        self._snapshot_version = self._storage.version

    def append_note(self, doc: dict[str, Any]) -> None:
        """Add one note; it is durable on disk when this returns (same id again: replaced)."""
        self._add("notes", [doc])

    def append_notes(self, docs: list[dict[str, Any]]) -> None:
        """Add many notes in one write (import, sample data)."""
        if docs:
            self._add("notes", list(docs))

    def update_note(self, note_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        """Merge `changes` into the note with this id; the new note, or None if it is gone."""
        return self._update("notes", note_id, changes)

    def change_note(
        self, note_id: str, change: Callable[[dict[str, Any]], Any]
    ) -> dict[str, Any] | None:
        """Read-modify-write of one note under the lock: `change` gets a copy of the note as it
        is on disk now (another process's edits included) and returns the fields to merge
        (empty or None: no write) or `DELETE`. Returns the note as it now is (as it was, when
        deleted), or None if it is gone. For edits that must build on what others wrote: adding
        one tag to whatever tags the note has by then, not replacing them with an older list."""
        return self._change("notes", note_id, change)

    def delete_note(self, note_id: str) -> dict[str, Any] | None:
        """Remove the note; returns it so the caller can undo with append_note."""
        return self._delete("notes", note_id)

    def add_excerpt(self, doc: dict[str, Any]) -> None:
        self._add("excerpts", [doc])

    def update_excerpt(self, excerpt_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        return self._update("excerpts", excerpt_id, changes)

    def change_excerpt(
        self, excerpt_id: str, change: Callable[[dict[str, Any]], Any]
    ) -> dict[str, Any] | None:
        """`change_note` for a span excerpt."""
        return self._change("excerpts", excerpt_id, change)

    def delete_excerpt(self, excerpt_id: str) -> dict[str, Any] | None:
        return self._delete("excerpts", excerpt_id)

    def retag(
        self,
        mapping: dict[str, str | None],
        record: list[tuple[str, dict[str, Any], dict[str, Any]]] | None = None,
    ) -> int:
        """Rename (or, mapped to None, drop) tags by key in every note and excerpt, in one
        locked write; inline `#tags` in a note's text are renamed too. Returns how many notes
        and excerpts changed; `record` gets (table, before, after) of each, for `restore`.
        See tui/services/tag_ops.py."""
        from tui.domain.codings import retagged
        from tui.domain.tags import apply_edits, retag_edits, retag_span

        changed = 0
        with self._transaction() as data:
            # Notes whose text changes, with the exact replacements: their spans move with them.
            moved: dict[str, tuple[str, str, list]] = {}
            for doc in (data.get("notes") or {}).values():
                text = doc.get("text")
                if retagged(doc, mapping) is None or not isinstance(text, str):
                    continue
                edits = retag_edits(text, mapping)
                if edits:
                    moved[doc["id"]] = (text, apply_edits(text, edits), edits)
            for name in KEYED_TABLES:
                docs = data.get(name) or {}
                doc_ids = [
                    int(key)
                    for key, doc in docs.items()
                    if retagged(doc, mapping) is not None
                    or (name == "excerpts" and doc.get("note_id") in moved)
                ]
                if not doc_ids:
                    continue

                def change(
                    doc: dict[str, Any], notes: bool = name == "notes", table: str = name
                ) -> None:
                    before = plain(doc) if record is not None else None
                    fields = retagged(doc, mapping)
                    if fields is not None:
                        doc.update(fields)
                    if notes and doc["id"] in moved:
                        doc["text"] = moved[doc["id"]][1]
                    elif not notes and doc.get("note_id") in moved:
                        old, new, edits = moved[doc["note_id"]]
                        start, end = doc.get("start", 0), doc.get("end", 0)
                        doc["start"], doc["end"] = retag_span(old, new, start, end, edits, mapping)
                    if record is not None:
                        record.append((table, before, plain(doc)))

                # One write per table: every document changes under the same lock.
                self._storage.will_change(name, doc_ids)
                self._tables[name].update(change, doc_ids=doc_ids)
                changed += len(doc_ids)
        return changed

    def restore(self, changes: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> tuple[int, int]:
        """Put each document back as `before` where it is still as `after` left it (the undo
        of a `retag` that recorded them), in one locked write. Returns (put back, left alone:
        changed since, or gone). One that is `before` already counts as put back: an undo
        cut short and run again finds the files it reached so."""
        restored = skipped = 0
        with self._transaction() as data:
            for name, before, after in changes:
                doc_id = self._find(name, data, before["id"])
                now = plain(data[name][str(doc_id)]) if doc_id is not None else None
                if now == before:
                    restored += 1
                    continue
                if now != after:
                    skipped += 1
                    continue
                self._storage.will_change(name, [doc_id])
                self._tables[name].update(_replace_with(before), doc_ids=[doc_id])
                restored += 1
        return restored, skipped

    def rename_person(
        self,
        is_old: Callable[[Any], bool],
        new: str,
        record_changes: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> int:
        """Give every note whose `author` `is_old` the author `new`, and merge
        `record_changes(record)` into the session record, in one locked write (see
        tui/services/speakers.py). Returns how many notes changed."""
        with self._transaction() as data:
            notes = data.get("notes") or {}
            doc_ids = [int(key) for key, doc in notes.items() if is_old(doc.get("author"))]
            if doc_ids:
                self._storage.will_change("notes", doc_ids)
                self._tables["notes"].update({"author": new}, doc_ids=doc_ids)
            key, record = _single(data, "session")  # the validator guarantees one
            changes = record_changes(plain(record))
            if changes:
                self._storage.will_change("session", [int(key)])
                self._tables["session"].update(plain(changes), doc_ids=[int(key)])
            return len(doc_ids)

    def read_recording(self) -> dict[str, Any] | None:
        """A copy of the attached recording's document (its transcript's cues, media path,
        source name), or None when none is attached."""
        with self._storage.mutex:
            found = recording_of(self._data())
            return plain(found) if found is not None else None

    def attach_recording(self, doc: dict[str, Any], recording_offset: float | None) -> None:
        """Put `doc` in place of any recording attached before and, unless None, set the
        clock's `recording_offset`: one locked write (one journal line), so a reader sees the
        old recording and offset or the new ones, never half. Notes are not touched."""
        doc = plain(doc)
        with self._transaction() as data:
            key, record = _single(data, "session")  # the validator guarantees one
            check_session_fields(self.path, {RECORDING_TABLE: {"1": doc}})
            if recording_offset is not None:
                clock = dict(record.get("clock") or {})
                clock["recording_offset"] = float(recording_offset)
                data["session"][key] = {**record, "clock": clock}
                self._storage.will_change("session", [int(key)])
            old = data.get(RECORDING_TABLE) or {}
            self._storage.will_change(RECORDING_TABLE, [int(k) for k in old if k != "1"])
            self._storage.will_change(RECORDING_TABLE, [1])
            data[RECORDING_TABLE] = {"1": doc}
            # One write of the data as changed above: TinyDB's tables would write each table
            # on its own, and the offset must not land without the transcript it belongs to.
            self._storage.write(data)

    def update_session(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Shallow-merge `changes` into the session record; returns the new record."""
        changes = plain(changes)
        with self._transaction() as data:
            key, _ = _single(data, "session")  # the validator guarantees one
            before = self._storage.version
            self._storage.will_change("session", [int(key)])
            self._tables["session"].update(changes, doc_ids=[int(key)])
            new = plain(self._storage.current()["session"][key])
            self._patch_snapshot(before, "session", lambda _: plain(new))
            return new

    def change_session(
        self, change: Callable[[dict[str, Any]], dict[str, Any] | None]
    ) -> dict[str, Any]:
        """Read-modify-write of the session record under the lock: `change` gets a copy of the
        record as it is on disk now and returns the fields to merge (empty or None: no write).
        For changes that must build on what another process wrote (the shared clock)."""
        with self._transaction() as data:
            key, record = _single(data, "session")  # the validator guarantees one
            changes = change(plain(record))
            if changes:
                self._storage.will_change("session", [int(key)])
                self._tables["session"].update(plain(changes), doc_ids=[int(key)])
            return plain(self._storage.current()["session"][key])

    def update_guide_state(
        self,
        current: str | None | Any = UNCHANGED,
        marks: dict[str, str | None] | None = None,
    ) -> dict[str, Any]:
        """Merge into the shared guide state under the lock: set `current` if given; a mark
        of None removes it. Returns the new state."""
        marks = plain(marks or {})
        with self._transaction() as data:
            found = _single(data, "guide")
            old = (found[1].get("state") if found else None) or default_guide_state()
            merged = GuideState.from_doc(old)
            merged.apply_change(merged.current if current is UNCHANGED else current, marks)
            state = merged.to_doc()
            table = self._tables["guide"]
            before = self._storage.version
            self._storage.will_change("guide", [int(found[0]) if found else 1])
            if found is None:
                table.insert(Document({"guide": {}, "state": state}, doc_id=1))  # the only one
            else:
                table.update({"state": state}, doc_ids=[int(found[0])])
            self._patch_snapshot(before, "guide_state", lambda _: plain(state))
            return plain(state)

    def fold_journal(self) -> bool:
        """Fold the journal into the file now, so the file alone holds every note (plain
        TinyDB, a git commit). True if the journal held anything."""
        with self._transaction():
            return self._storage.fold_journal()

    def release_descriptors(self) -> None:
        """Hold no descriptor until the next read or write; what was read stays cached."""
        self._storage.release_descriptors()

    def close(self) -> None:
        with self._storage.mutex:
            self._snapshot = None
            self._storage.close()


def _with_added(
    name: str, docs: list[dict[str, Any]], added: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    if name != "notes":
        return [*docs, *added]  # excerpts are kept in the order they were added
    result = list(docs)
    for doc in added:
        insort(result, doc, key=note_doc_order)
    return result


def _with_replaced(
    name: str, docs: list[dict[str, Any]], new: dict[str, Any]
) -> list[dict[str, Any]]:
    if name != "notes":
        return [new if d["id"] == new["id"] else d for d in docs]
    return _with_added(name, [d for d in docs if d["id"] != new["id"]], [new])


def _replace_with(doc: dict[str, Any]):
    def replace(stored: dict[str, Any]) -> None:
        stored.clear()
        stored.update(doc)

    return replace
