"""People in a session: one person, one name.

A person is named in a session as its participant, as the author of notes (a note-taker, or a
transcript cue's speaker) and as a key of the debrief. Names are compared with spacing and case
ignored (`Praline` and ` praline` are one person); `Mr Praline` is another name, and
`renamed_record` is how a researcher says it is the same person: renaming onto a name the
session already uses merges the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def person_key(name: str) -> str:
    """A person's name as one identity: spacing and case do not make two people."""
    return " ".join(name.split()).casefold()


def same_person(first: str, second: str) -> bool:
    return bool(person_key(first)) and person_key(first) == person_key(second)


def clean_name(name: str) -> str:
    """A name as stored: single spaces, trimmed."""
    return " ".join(name.split())


def people(record: Mapping[str, Any], authors: Iterable[str]) -> list[str]:
    """Every name the session uses for a person, the participant first, one spelling each."""
    names: dict[str, str] = {}
    for name in [str(record.get("participant") or ""), *authors, *(record.get("debrief") or {})]:
        if isinstance(name, str) and person_key(name):
            names.setdefault(person_key(name), clean_name(name))
    return list(names.values())


def renamed_record(record: Mapping[str, Any], old: str, new: str) -> dict[str, Any]:
    """The changes to a session record that rename `old` to `new`: the participant when it is
    `old`, and `old`'s debrief (merged into `new`'s when both debriefed: `new`'s answers stay
    where both answered)."""
    changes: dict[str, Any] = {}
    if same_person(str(record.get("participant") or ""), old):
        changes["participant"] = new
    debrief = record.get("debrief")
    if isinstance(debrief, Mapping) and any(same_person(str(k), old) for k in debrief):
        merged: dict[str, Any] = {}
        moved: dict[str, Any] = {}
        for author, answers in debrief.items():
            if same_person(str(author), old):
                moved = {**moved, **(answers if isinstance(answers, Mapping) else {})}
            else:
                merged[author] = answers
        target = next((k for k in merged if same_person(str(k), new)), new)
        kept = merged.get(target) if isinstance(merged.get(target), Mapping) else {}
        merged[target] = {**moved, **{k: v for k, v in kept.items() if v}}
        changes["debrief"] = merged
    return changes
