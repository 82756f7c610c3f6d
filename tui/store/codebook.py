"""The codebook every session shares: `codebook.json`, one TinyDB table `tags`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.table import Document

from tui.domain.notes import clean_tag_name, tag_key
from tui.store.errors import StoreError, UnreadableFileError
from tui.store.schema import check_codebook_fields
from tui.store.session import plain
from tui.store.storage import AtomicJSONStorage, Signature

EDITABLE = ("name", "description", "color", "conflicts")


def _validate_codebook(path: Path):
    def validate(data: dict[str, Any]) -> None:
        for doc in (data.get("tags") or {}).values():
            if not isinstance(doc.get("name"), str):
                raise UnreadableFileError(path, "a tag in its 'tags' table has no name")
        check_codebook_fields(path, data)

    return validate


def new_tag(name: str, now_iso: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": "",
        "color": "",
        "created_at": now_iso,
        "uses": 0,
        "last_used_at": None,
    }


class _KeyView:
    """`tag_key` -> (doc id, stored doc), over a cached key index and the current data."""

    def __init__(self, keys: dict[str, int], tags: dict[str, Any]) -> None:
        self._keys, self._tags = keys, tags

    def get(self, key: str, default: Any = None) -> tuple[int, dict[str, Any]] | Any:
        doc_id = self._keys.get(key)
        if doc_id is None:
            return default
        doc = self._tags.get(str(doc_id))
        if doc is None or tag_key(doc["name"]) != key:
            raise RuntimeError("the codebook's key index is stale")  # a bug, never expected
        return (doc_id, doc)

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key: str) -> tuple[int, dict[str, Any]]:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found


class Codebook:
    """Tags by case-insensitive name (`tui.domain.notes.tag_key`), with usage counts."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._storage = AtomicJSONStorage(
            self.path, validate=_validate_codebook(self.path), write_what="tag change"
        )
        self._db = TinyDB(storage=lambda: self._storage)
        self._table = self._db.table("tags")
        self._tags: list[dict[str, Any]] = []
        self._tags_version = -1
        self._keys: dict[str, int] = {}
        self._keys_version = -1

    def signature(self) -> Signature | None:
        return self._storage.signature()

    def changed_on_disk(self) -> bool:
        return self._storage.changed_on_disk()

    def tags(self) -> list[dict[str, Any]]:
        """Every tag, sorted by name (case-insensitively); copies the caller may keep."""
        with self._storage.mutex:
            data = self._storage.current()
            if self._tags_version != self._storage.version:
                docs = list((data.get("tags") or {}).values())
                self._tags = sorted(plain({"t": docs})["t"], key=lambda t: tag_key(t["name"]))
                self._tags_version = self._storage.version
            return [dict(tag) for tag in self._tags]

    def _by_key(self, data: dict[str, Any]) -> _KeyView:
        """Tags by `tag_key`. The key index is rebuilt only when the file was read anew
        (another process wrote it); our own writes patch it (`_keyed`, `_unkeyed`). With
        10,000 tags, rebuilding it for every tag applied cost 40 ms."""
        tags = data.get("tags") or {}
        if self._keys_version != self._storage.external_version or len(self._keys) != len(tags):
            self._keys = {tag_key(doc["name"]): int(k) for k, doc in tags.items()}
            self._keys_version = self._storage.external_version
        return _KeyView(self._keys, tags)

    def _keyed(self, name: str, doc_id: int) -> None:
        self._keys[tag_key(name)] = doc_id

    def _unkeyed(self, name: str) -> None:
        self._keys.pop(tag_key(name), None)

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        with self._storage.locked() as data:
            self._table.clear_cache()  # another process may have written
            yield data

    @staticmethod
    def _new_docs(data: dict[str, Any], docs: list[dict[str, Any]]) -> list[Document]:
        """`docs` with ids after the highest in the file as it is now (under the lock), chosen
        here rather than by TinyDB, whose cached next id knows nothing of other processes."""
        first = max(map(int, data.get("tags") or {}), default=0) + 1
        return [Document(doc, doc_id=first + i) for i, doc in enumerate(docs)]

    def ensure(self, names: list[str], now_iso: str) -> dict[str, str]:
        """Create the tags that do not exist yet; returns typed name -> stored name."""
        return self._apply(names, now_iso, count_use=False)

    def record_use(self, names: list[str], now_iso: str) -> None:
        """Count one more use of each tag (creating missing ones) and stamp when."""
        self._apply(names, now_iso, count_use=True)

    def _apply(self, names: list[str], now_iso: str, *, count_use: bool) -> dict[str, str]:
        resolved: dict[str, str] = {}
        wanted = [(typed, clean_tag_name(typed)) for typed in names]
        wanted = [(typed, clean) for typed, clean in wanted if clean]
        if not wanted:
            return resolved
        with self._locked() as data:
            existing = self._by_key(data)
            created: dict[str, dict[str, Any]] = {}
            used: dict[int, None] = {}
            for typed, clean in wanted:
                key = tag_key(clean)
                if key in existing:
                    doc_id, doc = existing[key]
                    resolved[typed] = doc["name"]
                    used[doc_id] = None
                else:
                    doc = created.setdefault(key, new_tag(clean, now_iso))
                    resolved[typed] = doc["name"]
            if count_use:
                for doc in created.values():
                    doc["uses"] = 1
                    doc["last_used_at"] = now_iso

                def bump(doc: dict[str, Any]) -> None:
                    doc["uses"] = int(doc.get("uses") or 0) + 1
                    doc["last_used_at"] = now_iso

                if used:
                    self._table.update(bump, doc_ids=list(used))
            if created:
                doc_ids = self._table.insert_multiple(self._new_docs(data, [*created.values()]))
                for doc, doc_id in zip(created.values(), doc_ids, strict=True):
                    self._keyed(doc["name"], doc_id)
        return resolved

    def merge(self, docs: list[dict[str, Any]]) -> list[str]:
        """Add whole tag documents (an import) whose names are new, with their counts and
        dates; a tag that exists is kept as it is. Returns the names added."""
        added: list[str] = []
        with self._locked() as data:
            existing = self._by_key(data)
            fresh: dict[str, dict[str, Any]] = {}
            for doc in docs:
                name = clean_tag_name(str(doc.get("name") or ""))
                key = tag_key(name)
                if name and key not in existing and key not in fresh:
                    fresh[key] = plain({**doc, "name": name})
            if fresh:
                doc_ids = self._table.insert_multiple(self._new_docs(data, [*fresh.values()]))
                for doc, doc_id in zip(fresh.values(), doc_ids, strict=True):
                    self._keyed(doc["name"], doc_id)
                    added.append(doc["name"])
        return added

    def update(self, name: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change a tag's description, colour or name; returns the stored tag."""
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise ValueError(f"only {', '.join(EDITABLE)} of a tag can change, not {unknown}")
        changes = plain(changes)
        if "name" in changes:
            changes["name"] = clean_tag_name(str(changes["name"]))
            if not changes["name"]:
                raise StoreError("A tag name cannot be empty; type at least one letter.")
        with self._locked() as data:
            existing = self._by_key(data)
            found = existing.get(tag_key(name))
            if found is None:
                raise StoreError(f"There is no tag '{name}' in the codebook; check the spelling.")
            doc_id, _ = found
            if "name" in changes:
                other = existing.get(tag_key(changes["name"]))
                if other is not None and other[0] != doc_id:
                    raise StoreError(
                        f"A tag named '{other[1]['name']}' already exists; merge into it instead."
                    )
            old_name = found[1]["name"]
            self._table.update(changes, doc_ids=[doc_id])
            if "name" in changes:
                self._unkeyed(old_name)
                self._keyed(changes["name"], doc_id)
            return plain(self._storage.current()["tags"][str(doc_id)])

    def get(self, name: str) -> dict[str, Any] | None:
        """The stored tag with this name (case-insensitively), or None."""
        key = tag_key(name)
        return next((t for t in self.tags() if tag_key(t["name"]) == key), None)

    def create(
        self, name: str, now_iso: str, *, description: str = "", color: str = ""
    ) -> dict[str, Any]:
        """Add a new tag (the picker's explicit "create" entry); an existing one is returned
        unchanged."""
        clean = clean_tag_name(name)
        if not clean:
            raise StoreError("A tag name cannot be empty; type at least one letter.")
        with self._locked() as data:
            found = self._by_key(data).get(tag_key(clean))
            if found is not None:
                return plain(found[1])
            doc = new_tag(clean, now_iso)
            doc["description"], doc["color"] = description, color
            self._keyed(clean, self._table.insert(self._new_docs(data, [doc])[0]))
            return plain(doc)

    def delete(self, name: str) -> dict[str, Any] | None:
        """Remove a tag from the codebook; returns it, or None if there was none. The caller
        (tui/services/tag_ops.py) has removed it from the sessions first."""
        with self._locked() as data:
            found = self._by_key(data).get(tag_key(name))
            if found is None:
                return None
            self._table.remove(doc_ids=[found[0]])
            self._unkeyed(found[1]["name"])
            return plain(found[1])

    def absorb(self, source: str, target: str) -> dict[str, Any]:
        """Fold `source`'s usage counts (and its description or colour where `target` has
        none) into `target`, then remove `source`. Both must exist; returns the target."""
        with self._locked() as data:
            existing = self._by_key(data)
            src, dst = existing.get(tag_key(source)), existing.get(tag_key(target))
            if dst is None:
                raise StoreError(f"There is no tag '{target}' in the codebook; check the spelling.")
            if src is None or src[0] == dst[0]:
                return plain(dst[1])
            src_doc = src[1]

            def fold(doc: dict[str, Any]) -> None:
                doc["uses"] = int(doc.get("uses") or 0) + int(src_doc.get("uses") or 0)
                stamps = [s for s in (doc.get("last_used_at"), src_doc.get("last_used_at")) if s]
                doc["last_used_at"] = max(stamps) if stamps else None
                for field in ("description", "color"):
                    if not doc.get(field) and src_doc.get(field):
                        doc[field] = src_doc[field]
                # How a merge of two copies of the study sees the rename (tui/services/sync).
                names = [*doc.get("renamed_from", []), src_doc["name"]]
                doc["renamed_from"] = sorted({*names, *src_doc.get("renamed_from", [])})

            self._table.update(fold, doc_ids=[dst[0]])
            self._table.remove(doc_ids=[src[0]])
            self._unkeyed(src_doc["name"])
            return plain(self._storage.current()["tags"][str(dst[0])])

    def close(self) -> None:
        self._storage.close()
