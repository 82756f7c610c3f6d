"""A TinyDB table whose writes by document id cost what they change, through TinyDB's public
extension point for tables (`TinyDB.table_class`).

TinyDB's own `Table` rebuilds the whole table twice for every write (its keys turned to ints
and back to strings), in Python, under the GIL: at 5,000 notes a note's write took the writer
thread 3-20 ms, most of it stealing frames from the UI thread. The store only ever writes by
document id, so here those writes go straight to the documents named; a write by query is
TinyDB's own. Reads are TinyDB's own throughout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

from tinydb import TinyDB
from tinydb.table import Document, Table


class DirectTable(Table):
    def _write(self, change: Callable[[dict[str, Any]], None]) -> None:
        """Run `change` on this table's stored documents ({"<doc id>": document}), then hand
        the whole data to the storage to write, as TinyDB does."""
        tables = self.storage.read() or {}
        change(tables.setdefault(self.name, {}))
        self.storage.write(tables)
        self.clear_cache()

    def insert(self, document: Mapping) -> int:
        if not isinstance(document, Document):
            return super().insert(document)
        return self.insert_multiple([document])[0]

    def insert_multiple(self, documents: Iterable[Mapping]) -> list[int]:
        documents = list(documents)
        if not all(isinstance(doc, Document) for doc in documents):
            return super().insert_multiple(documents)  # ids chosen by TinyDB: its own way

        def insert(table: dict[str, Any]) -> None:
            for doc in documents:
                if str(doc.doc_id) in table:
                    raise ValueError(f"Document with ID {doc.doc_id} already exists")
            for doc in documents:
                table[str(doc.doc_id)] = dict(doc)

        self._write(insert)
        return [doc.doc_id for doc in documents]

    def update(
        self,
        fields: Mapping | Callable[[MutableMapping], None],
        cond: Any = None,
        doc_ids: Iterable[int] | None = None,
    ) -> list[int]:
        if doc_ids is None:
            return super().update(fields, cond)
        requested = list(doc_ids)
        updated: list[int] = []

        def update(table: dict[str, Any]) -> None:
            # As TinyDB does: ids that are not there are skipped, every other one is updated.
            updated.extend(doc_id for doc_id in requested if str(doc_id) in table)
            for doc_id in updated:
                doc = table[str(doc_id)]
                if callable(fields):
                    fields(doc)
                else:
                    doc.update(fields)

        self._write(update)
        return updated

    def remove(self, cond: Any = None, doc_ids: Iterable[int] | None = None) -> list[int]:
        if doc_ids is None:
            return super().remove(cond)
        requested = list(doc_ids)
        removed: list[int] = []

        def remove(table: dict[str, Any]) -> None:
            removed.extend(doc_id for doc_id in requested if str(doc_id) in table)
            for doc_id in removed:
                del table[str(doc_id)]

        self._write(remove)
        return removed


class DirectTinyDB(TinyDB):
    table_class = DirectTable
