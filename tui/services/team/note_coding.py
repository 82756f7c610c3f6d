"""Coding one note from a script (`fieldnote tag`): apply or remove one coder's codings.

The change goes through `edit_changes`, as the tagging screen's writer does, under the file's
lock on the note as it is on disk then; a new tag enters the codebook first, so no note names a
tag the codebook lacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.domain.codings import held_by, own_coders_of, settlers_of
from tui.domain.notes import MARK_KINDS, clean_tag_name
from tui.domain.tags import edit_changes, inline_name_problem
from tui.store import DataStore, StoreError


@dataclass
class NoteCoded:
    note_id: str
    changed: list[str] = field(default_factory=list)
    """The tags whose coding was applied (or removed)."""
    unchanged: list[str] = field(default_factory=list)
    """Already applied by the coder (or, removing, not theirs to remove)."""
    tags: list[str] = field(default_factory=list)
    """The note's tags afterwards."""


def find_note(notes: list[dict], ref: str) -> dict:
    """The note whose id is `ref` or starts with it (one only); StoreError otherwise."""
    wanted = ref.strip().lower()
    if not wanted:
        raise StoreError("No note was named; give a note id or a unique id prefix.")
    exact = [n for n in notes if str(n.get("id", "")).lower() == wanted]
    found = exact or [n for n in notes if str(n.get("id", "")).lower().startswith(wanted)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise StoreError(
            f"No note of this session has an id starting '{ref}'; "
            "fieldnote export --format json lists each note's id."
        )
    raise StoreError(f"{len(found)} notes have ids starting '{ref}'; give more of the id.")


def refuse_lookalikes(new: list[str], existing: list[str]) -> None:
    """StoreError naming the first of the `new` tags that reads as an `existing` one: two such
    tags split the codings between them, and nothing on the command line asks first."""
    from tui.services.search import lookalike

    for name in new:
        alike = lookalike(name, existing)
        if alike is not None:
            raise StoreError(
                f"#{alike} exists and differs only in case, accents or separators from "
                f"#{name}; give #{alike}, or add --new-tag to create #{name} anyway. "
                "Nothing was changed."
            )


def code_note(
    store: DataStore,
    session_id: str,
    note_ref: str,
    tags: list[str],
    coder: str,
    now_iso: str,
    *,
    remove: bool = False,
    new_tag: bool = False,
) -> NoteCoded:
    """`new_tag`: create a tag even where one differing only in case, accents or separators
    exists (otherwise that is refused, as the tag picker asks first)."""
    names = [clean_tag_name(t) for t in tags]
    for raw, name in zip(tags, names, strict=True):
        if not name:
            raise StoreError(f"'{raw}' is not a tag name; use letters, digits, -, _ and /.")
        problem = inline_name_problem(name)
        if problem is not None and not remove:
            raise StoreError(problem)
    session_file = store.open_session(session_id)
    try:
        note = find_note(session_file.read().notes, note_ref)
        if note.get("kind") in MARK_KINDS and not remove:
            # No surface counts or lists it (no words: no excerpt), so a coding would be lost.
            raise StoreError(
                f"The note {str(note['id'])[:12]} only marks a guide question asked and holds "
                "no words; code a note (or a span of one) taken while it was asked instead."
            )
        codebook = store.codebook
        if not remove:
            spelled = [(known or {}).get("name") for known in map(codebook.get, names)]
            if not new_tag:
                refuse_lookalikes(
                    [n for n, known in zip(names, spelled, strict=True) if known is None],
                    [t["name"] for t in codebook.tags()],
                )
            for name, known in zip(names, spelled, strict=True):
                if known is None:
                    codebook.create(name, now_iso)
            names = [known or name for name, known in zip(names, spelled, strict=True)]
        result = NoteCoded(str(note["id"]))

        def change(doc: dict) -> dict:
            result.changed, result.unchanged = [], []
            changes: dict = {}
            for name in names:
                edit = {"remove_tag": name} if remove else {"add_tag": name, "at": now_iso}
                step = edit_changes({**doc, **changes}, {**edit, "coder": coder})
                (result.changed if step else result.unchanged).append(name)
                changes.update(step)
            return changes

        after = session_file.change_note(result.note_id, change)
        if after is None:
            raise StoreError("The note was deleted meanwhile; nothing was changed.")
        result.tags = list(after.get("tags") or [])
        if remove and result.unchanged:
            for name in result.unchanged:
                said = held_by(after, name)
                if said is None:
                    continue
                # A settlement is the team's word recorded under its resolver's name, not
                # their coding: it is called what it is, as the tagging screen's `d` does.
                settlers = settlers_of(after, name)
                mine = f"not a coding by {coder}" if settlers else f"not by {coder}"
                who = dict.fromkeys([*own_coders_of(after, name), *settlers])
                raise StoreError(
                    f"#{name} on this note {said}, {mine}; remove it with "
                    + " and ".join(f"--as {w}" for w in who)
                    + "."
                    + (f" Removed: {', '.join(result.changed)}." if result.changed else "")
                )
        if result.changed and not remove:
            codebook.record_use(result.changed, now_iso)
        return result
    finally:
        session_file.close()
