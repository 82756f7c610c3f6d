"""What a merge could not decide: every `conflicts` entry in the study, and settling one.

A field two laptops changed to different values keeps one value (`merge.py`) and lists the
other in the document's `conflicts`. `fieldnote sync status` prints one line per entry; the
undecided screen lists the same entries and settles each: keep the value the merge kept, or
take the other side's. Either way the entry leaves the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tui.domain.clock import to_iso, utc_now
from tui.domain.codings import without_matching
from tui.domain.display_text import visible
from tui.domain.notes import tag_key
from tui.domain.spans import idle_span
from tui.domain.tags import retag_text
from tui.services.sync.merge import (
    CONFLICTS,
    DELETED,
    MERGED_DELETED,
    MERGED_INTO,
    SET_ASIDE,
    canonical,
    conflicts_in,
)
from tui.services.tag_ops import delete_tag, drop_twins, rename_tag
from tui.store import DataStore, StoreError, UnreadableFileError
from tui.store.session import DELETE
from tui.store.storage import read_tables

CODEBOOK = "codebook.json"


@dataclass(frozen=True)
class Undecided:
    session_id: str | None
    """The session the document is in; None for a codebook tag."""
    table: str
    key: str
    """The note's or excerpt's id, the tag's name, or the table for the session record."""
    field: str
    """Dotted for a nested field (`clock.banked`)."""
    kept: Any
    other: Any
    other_edited_at: str | None
    entry: dict[str, Any]

    def line(self) -> str:
        where = "codebook" if self.session_id is None else f"session {self.session_id[:8]}"
        key = visible(self.key if self.table == "tags" else self.key[:8])
        if self.field == MERGED_INTO:
            return (
                f"{where} {self.table} {key}: {_short(self.entry.get('tag'))} was merged into "
                f"{_short(key)} on one laptop and into {_short(self.other)} on another; its "
                f"excerpts carry both until one is kept: keeping leaves them in {_short(key)}, "
                f"taking the other in {_short(self.other)}"
            )
        if self.field == DELETED:
            return (
                f"{where} {self.table} {key}: {_short(self.entry.get('tag'))} was deleted on "
                f"one laptop and {self._used()} on another; it stays, with {self._kept()} (a "
                f"change outweighs a removal): keeping leaves it, taking the other deletes it "
                f"from every session"
            )
        if self.field == MERGED_DELETED:
            return (
                f"{where} {self.table} {key}: {_short(self.entry.get('tag'))} was deleted on "
                f"one laptop and merged into {_short(key)} on another; the codings the merge "
                f"moved stay in {_short(key)} (a change outweighs a removal): keeping leaves "
                f"them, taking the other takes them off every session (codings of "
                f"{_short(self.entry.get('tag'))} made since the laptops last synced stay in "
                f"{_short(key)})"
            )
        return (
            f"{where} {self.table} {key}: {self.field} is {_short(self.kept, self.other)}; "
            f"the other side had {_short(self.other, self.kept)}"
        )

    def _used(self) -> str:
        """What the other laptop did with a tag this one deleted (`DELETED`)."""
        done = []
        if self.renamed():
            done.append(f"renamed to {_short(self.key)}")
        uses = self.entry.get("uses")
        if isinstance(uses, int) and uses > 0:
            done.append(f"coded {uses} more time(s)")
        return " and ".join(done) or "edited"

    def _kept(self) -> str:
        """The codings a tag this laptop deleted came back with (`DELETED`)."""
        if not self.renamed():
            return "the codings made since"
        uses = self.entry.get("uses")
        since = " and those made since" if isinstance(uses, int) and uses > 0 else ""
        return f"the codings the rename moved{since}"

    def renamed(self) -> bool:
        """Whether a tag deleted on one laptop (`DELETED`) was renamed on the other: it came
        back with the codings the rename moved, each marked (`MERGED_DELETED`)."""
        return tag_key(str(self.entry.get("tag"))) != tag_key(self.key)


def undecided(home: Path, only: list[str] | None = None) -> list[Undecided]:
    """Every entry (or those in the files `only` names, relative to the folder), the
    codebook's first, then by session file; unreadable files are skipped (the sessions list
    reports them)."""
    items = []
    paths = sorted((Path(home) / "sessions").glob("*.json"))
    wanted = [Path(home) / CODEBOOK, *paths]
    if only is not None:
        wanted = [p for p in wanted if p.relative_to(home).as_posix() in only]
    for path in wanted:
        if path.name.startswith(".") or not path.exists():
            continue
        try:
            tables = read_tables(path)
        except (UnreadableFileError, OSError):
            continue
        items += undecided_in(tables, path.relative_to(home).as_posix())
    return items


def undecided_in(tables: dict[str, Any], path: str) -> list[Undecided]:
    """The entries of one file's tables (`path`: relative to the data folder)."""
    session_id = None if path == CODEBOOK else Path(path).stem
    items = []
    for table, doc, entry in conflicts_in(tables):
        field = str(entry.get("field") or "")
        if session_id is not None and field == MERGED_DELETED:
            continue  # the codings a merge kept against a deletion: the tag's entry lists them
        key = doc.get("name") if table == "tags" else doc.get("id") or table
        items.append(
            Undecided(
                session_id,
                table,
                str(key),
                field,
                _get(doc, field),
                entry.get("other"),
                entry.get("other_edited_at"),
                entry,
            )
        )
    return items


def settle(store: DataStore, item: Undecided, *, take_other: bool) -> str | None:
    """Keep the merged value or take the other side's; the entry leaves `conflicts`. What
    the user must know of it, as a sentence, where there is something (else None)."""

    def change(doc: dict[str, Any]) -> dict[str, Any]:
        changes: dict[str, Any] = {CONFLICTS: _left(doc, item)}
        if take_other and item.field not in (MERGED_INTO, MERGED_DELETED):
            top, _, rest = item.field.partition(".")
            changes[top] = _with(doc.get(top), rest, item.other) if rest else item.other
        return changes

    if item.session_id is None:
        found = store.codebook.get(item.key)
        if found is None:
            raise StoreError(f"The tag '{item.key}' is no longer in the codebook.")
        if item.field == MERGED_INTO:
            # Which of the two merges stands: the other tag's twins of each coding go.
            kept, dropped = (item.other, item.key) if take_other else (item.key, item.other)
            drop_twins(store, str(kept), str(dropped))
            store.codebook.update(found["name"], change(found))
            return None
        if item.field == MERGED_DELETED:
            old = str(item.entry.get("tag"))
            marked = _settle_moved(store, found["name"], old, take_other)
            store.codebook.update(found["name"], change(found))
            return None if marked or not take_other else _none_marked(old, found["name"])
        if item.field == DELETED and item.renamed():
            # The codings the rename moved against the deletion (`MERGED_DELETED` marks).
            _settle_moved(store, found["name"], str(item.entry.get("tag")), take_other)
        if take_other and item.field == DELETED:
            # The deletion stands after all: through every session, as the codebook's own.
            delete_tag(store, found["name"])
            return None
        if take_other and item.field == "name":
            # Both laptops renamed one tag: taking the other name is a rename of its own,
            # through every session (the renamed tag leaves with its conflicts list).
            rename_tag(store, found["name"], str(item.other), utc_now_iso())
            return None
        store.codebook.update(found["name"], change(found))
        return None
    session = store.open_session(item.session_id)
    try:
        if item.table == "notes":
            session.change_note(item.key, change)
        elif item.table == "excerpts":
            session.change_excerpt(item.key, change)
        else:
            session.change_session(change)
    finally:
        session.close()
    return None


def _none_marked(old: str, tag: str) -> str:
    """What `o` on a tag merged over a deletion says when no note or excerpt marked a coding
    the merge moved. Either the old tag had none (nothing to take off), or a merge that could
    not read the codebooks (a cherry-pick by hand) moved them unmarked: which, no file says,
    so the sentence names both rather than blame a cherry-pick nobody ran."""
    was, into = _short(old), _short(tag)
    return (
        f"Nothing was taken off {into}: no note or excerpt marks a coding the merge of {was} "
        f"into it moved. If {was} had codings, a merge made without the codebook (a `git "
        f"cherry-pick` by hand) moved them unmarked: take them off on the tagging screen, and "
        f"merge with `fieldnote sync` (or `git pull`)."
    )


def _settle_moved(store: DataStore, tag: str, old: str, take_off: bool) -> int:
    """Every note's and excerpt's mark of the codings a merge (or rename) of `old` into `tag`
    kept against its deletion (`MERGED_DELETED`) goes; `take_off`: so do those codings (the
    deletion stands after all), and a span left with nothing, as deleting a tag removes it.
    Returns how many notes and excerpts were marked."""

    def marked(doc: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            c
            for c in doc.get(CONFLICTS) or []
            if isinstance(c, dict)
            and c.get("field") == MERGED_DELETED
            and tag_key(str(c.get("tag"))) == tag_key(old)
        ]

    def change(doc: dict[str, Any]) -> Any:
        marks = marked(doc)
        if not marks:
            return None
        left = [c for c in doc.get(CONFLICTS) or [] if c not in marks]
        changes: dict[str, Any] = {CONFLICTS: left}
        if take_off:
            gone = [c for m in marks for c in m.get("codings") or [] if isinstance(c, dict)]
            aside = [c for m in marks for c in m.get(SET_ASIDE) or [] if isinstance(c, dict)]
            changes.update(without_matching(doc, tag, gone, aside) or {})
            after = {**doc, **changes}
            if "note_id" in doc and idle_span(after) and not after.get(SET_ASIDE):
                return DELETE
            changes.update(_words_back(after, tag, old))
        return changes

    found = 0
    for summary in store.list_sessions()[0]:
        session = store.open_session(summary.id)
        try:
            snapshot = session.read()
            for docs, write in (
                (snapshot.notes, session.change_note),
                (snapshot.excerpts, session.change_excerpt),
            ):
                for doc in docs:
                    if marked(doc):
                        write(doc["id"], change)
                        found += 1
        finally:
            session.close()
    return found


def _words_back(note: dict[str, Any], tag: str, old: str) -> dict[str, Any]:
    """The text of a note the deletion of `old` stands on, where it no longer carries `tag`:
    its `#tag` words back to `#old`, as the laptop that deleted `old` left them (the merge or
    rename had rewritten them), so they name no tag the note is not coded with. {} for an
    excerpt, or a note that still carries `tag` (coded with it before the merge, or since)."""
    text = note.get("text")
    if "note_id" in note or not isinstance(text, str):
        return {}
    if tag_key(tag) in {tag_key(t) for t in note.get("tags") or [] if isinstance(t, str)}:
        return {}
    words = retag_text(text, {tag_key(tag): old})
    return {"text": words} if words != text else {}


def _left(doc: dict[str, Any], item: Undecided) -> list[dict[str, Any]]:
    """The document's conflicts without the one settled."""
    return [c for c in doc.get(CONFLICTS) or [] if canonical(c) != canonical(item.entry)]


def utc_now_iso() -> str:
    return to_iso(utc_now())


def _get(doc: dict[str, Any], dotted: str) -> Any:
    value: Any = doc
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _with(value: Any, dotted: str, new: Any) -> dict[str, Any]:
    """A copy of the dict `value` with the field at `dotted` set to `new`."""
    out = dict(value) if isinstance(value, dict) else {}
    head, _, rest = dotted.partition(".")
    out[head] = _with(out.get(head), rest, new) if rest else new
    return out


def _text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _short(value: Any, beside: Any = None) -> str:
    """`value` cut to 60 characters; beside another value, from a little before where the two
    part, so two long texts that differ late are not shown as the same words twice."""
    text = _text(value)
    if beside is not None and len(text) > 60:
        other = _text(beside)
        same = next((i for i, (a, b) in enumerate(zip(text, other, strict=False)) if a != b), None)
        same = min(len(text), len(other)) if same is None else same
        if same > 40:
            text = "\u2026" + text[same - 20 :]
    # Quoted and made visible here, not by repr(): its `\x1b` notation is inert but
    # unreadable, and a line break inside a value must not end the undecided line.
    cut = visible(text if len(text) <= 60 else text[:59] + "\u2026")
    quote = '"' if "'" in cut and '"' not in cut else "'"  # as repr() picks
    return f"{quote}{cut}{quote}"


class TeamSync:
    """What the sessions screen asks of sync: run one, list and settle undecided values."""

    def __init__(self, store: DataStore, author: str) -> None:
        self.store = store
        self.author = author

    def sync(self, settle_key: str) -> str:
        """One sync; what it did as a sentence (`settle_key` opens what it left undecided).
        StoreError (a sentence) when it failed."""
        from tui.services.sync.study import Study

        return Study(self.store.home, self.author, prompts=False).sync().summary(settle_key)

    def undecided(self) -> list[Undecided]:
        return undecided(self.store.home)

    def settle(self, item: Undecided, *, take_other: bool) -> str | None:
        """Settles one entry; what the user must know of it, as a sentence, or None."""
        return settle(self.store, item, take_other=take_other)
