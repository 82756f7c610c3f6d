"""The codebook every session shares: `codebook.json`, one TinyDB table `tags`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tui.domain.notes import clean_tag_name, tag_key
from tui.store.errors import StoreError, UnreadableFileError
from tui.store.session import plain
from tui.store.storage import AtomicJSONStorage, Signature, StoreDB

EDITABLE = ("name", "description", "color")


def _validate_codebook(path: Path):
    def validate(data: dict[str, Any]) -> None:
        for doc in (data.get("tags") or {}).values():
            if not isinstance(doc.get("name"), str):
                raise UnreadableFileError(path, "a tag in its 'tags' table has no name")

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


class Codebook:
    """Tags by case-insensitive name (`tui.domain.notes.tag_key`), with usage counts."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._storage = AtomicJSONStorage(
            self.path, validate=_validate_codebook(self.path), write_what="tag change"
        )
        self._db = StoreDB(storage=lambda: self._storage)
        self._table = self._db.table("tags")
        self._tags: list[dict[str, Any]] = []
        self._tags_version = -1

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

    def _by_key(self, data: dict[str, Any]) -> dict[str, tuple[int, dict[str, Any]]]:
        return {tag_key(doc["name"]): (int(k), doc) for k, doc in (data.get("tags") or {}).items()}

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        with self._storage.locked() as data:
            # TinyDB caches the next doc id per Table; another process may have used it.
            self._table._next_id = None
            self._table.clear_cache()
            yield data

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
                self._table.insert_multiple(list(created.values()))
        return resolved

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
            self._table.update(changes, doc_ids=[doc_id])
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
            self._table.insert(doc)
            return plain(doc)

    def delete(self, name: str) -> dict[str, Any] | None:
        """Remove a tag from the codebook; returns it, or None if there was none. The caller
        (tui/store/tag_ops.py) has removed it from the sessions first."""
        with self._locked() as data:
            found = self._by_key(data).get(tag_key(name))
            if found is None:
                return None
            self._table.remove(doc_ids=[found[0]])
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

            self._table.update(fold, doc_ids=[dst[0]])
            self._table.remove(doc_ids=[src[0]])
            return plain(self._storage.current()["tags"][str(dst[0])])

    def close(self) -> None:
        self._storage.close()
