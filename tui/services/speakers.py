"""One person, one name: rename or merge a speaker or participant in a session.

`rename_speaker(store, session_id, "Mr Praline", "Praline")` rewrites, in one locked write,
every note whose author is `Mr Praline` (a transcript cue's speaker, or a note-taker), the
session's participant when it is `Mr Praline`, and the debrief kept under that name. Renaming
onto a name the session already uses merges the two people. Names match with spacing and case
ignored (tui/domain/people.py). The sessions screen (`p`) and `fieldnote rename-speaker` use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.domain.display_text import count_of, visible
from tui.domain.people import clean_name, people, renamed_record, same_person
from tui.store import DataStore


class RenameError(ValueError):
    """A rename that cannot be done, as one sentence saying what to do."""


@dataclass(frozen=True)
class Renamed:
    title: str
    """The session's title."""
    old: str
    new: str
    notes: int
    participant: bool
    """The session's participant was the old name."""
    merged: bool
    """The new name was already someone's in the session."""

    def summary(self) -> str:
        what = [count_of(self.notes, "note")]
        if self.participant:
            what.append("the participant")
        verb = "Merged" if self.merged else "Renamed"
        # One line whatever the file holds: a line break in the title shows as ⏎.
        old, new, title = visible(self.old), visible(self.new), visible(self.title)
        return f"{verb} {old} into {new} in \u201c{title}\u201d: {', '.join(what)}."


def session_people(store: DataStore, session_id: str) -> tuple[str, list[str]]:
    """The session's title, and the names of the people in it, the participant first."""
    session_file = store.open_session(session_id)
    try:
        snapshot = session_file.read()
    finally:
        session_file.close()
    names = people(snapshot.session, (str(n.get("author") or "") for n in snapshot.notes))
    return str(snapshot.session.get("title") or ""), names


def parse_rename(text: str) -> tuple[str, str]:
    """`OLD=NEW` as the sessions screen's prompt takes it."""
    old, equals, new = text.partition("=")
    if not equals or not old.strip() or not new.strip():
        raise RenameError("Type the name used now, =, and the name to use: Mr Praline=Praline.")
    return old.strip(), new.strip()


def rename_speaker(store: DataStore, session_id: str, old: str, new: str) -> Renamed:
    """Rename (or merge) `old` to `new` in the session; RenameError if `old` is nobody there."""
    new = clean_name(new)
    if not new:
        raise RenameError("The new name is empty; type the name to use.")
    title, known = session_people(store, session_id)
    match = next((name for name in known if same_person(name, old)), None)
    if match is None:
        listed = ", ".join(known) or "nobody yet"
        raise RenameError(f"Nobody is called {clean_name(old)} in this session (it has: {listed}).")
    merged = any(same_person(name, new) for name in known) and not same_person(match, new)
    participant = False

    def record_changes(record: dict) -> dict:
        nonlocal participant
        changes = renamed_record(record, match, new)
        participant = "participant" in changes
        return changes

    session_file = store.open_session(session_id)
    try:
        notes = session_file.rename_person(
            lambda author: isinstance(author, str) and same_person(author, match),
            new,
            record_changes,
        )
    finally:
        session_file.close()
    return Renamed(title, match, new, notes, participant, merged)
