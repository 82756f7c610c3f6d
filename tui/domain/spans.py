"""Span excerpts: what a span is coded on, and keeping it on its words when its text changes.

A span's `note_id` names a note of its session or, failing one, a cue of the attached
transcript of that id (`span_owners`): the analysis, the study index, the codebook, the
agreement and every export (`SessionData.coded_spans`) read a span so.

A span is stored as character offsets into its note's text. When the text changes (a tag renamed
inside it, the note edited), each offset is carried across the change: text before a change
shifts by what the change added or removed, and a span boundary that falls inside a replaced
stretch widens to take the whole replacement. If the span's words still read differently
afterwards (an ambiguous diff), the nearest place where they still occur is taken instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from difflib import SequenceMatcher
from typing import Any

from tui.domain.notes import tag_key
from tui.domain.ratings import severity_of

Edit = tuple[int, int, str]
"""old_text[start:end] replaced by the string; a list of them is sorted and non-overlapping."""


def idle_span(span: Mapping[str, Any]) -> bool:
    """Whether a span has no tag in force and no severity: one whose codings a settlement all
    set aside. It stays in its file (where it lies is part of what its coder did, and agreement
    compares it) but no surface shows or counts it."""
    return not span.get("tags") and severity_of(span) is None


def span_owners(
    notes: Iterable[Mapping[str, Any]], cues: Iterable[Mapping[str, Any]] = ()
) -> dict[str, Mapping[str, Any]]:
    """By id, what a span naming that id is coded on: the note, else the cue (a note and a
    cue that share an id are the note's)."""
    owners = {str(cue.get("id")): cue for cue in cues}
    owners.update((str(note.get("id")), note) for note in notes)
    return owners


def whole_note_tags(note_tags: Iterable[str], span_tags: Iterable[Iterable[str]]) -> list[str]:
    """The tags a whole note is an excerpt of, besides its spans: its own (`note_tags`), less
    those one of its spans carries (`span_tags`: each span's, the spans `span_owners` gives the
    note). A tag on a span and on that span's whole note is one piece of evidence, the span
    (the sharper quote): the analysis counts it so, with a parent's sub-tags rolled up, and
    the codebook and the exports' tag counts go through this, so a tag's excerpts are one
    number on every surface."""
    tags = list(note_tags)
    if not tags:
        return tags
    on_spans = {tag_key(tag) for tags_of_span in span_tags for tag in tags_of_span}
    if not on_spans:  # most notes: no span to share a tag with, and no key worked out
        return tags
    return [tag for tag in tags if tag_key(tag) not in on_spans]


def text_edits(old: str, new: str) -> list[Edit]:
    """The replacements that turn `old` into `new`."""
    if old == new:
        return []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    return [(i1, i2, new[j1:j2]) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]


def _carry(position: int, edits: list[Edit], *, as_end: bool) -> int:
    delta = 0
    for start, end, replacement in edits:
        if start < position < end:  # inside a replaced stretch: widen to take all of it
            return start + delta + (len(replacement) if as_end else 0)
        before = end < position or (end == position and start < end)
        # Text inserted exactly at a boundary stays outside the span.
        before = before or (start == end == position and not as_end)
        if not before:
            break
        delta += len(replacement) - (end - start)
    return position + delta


def move_span(
    old_text: str, new_text: str, start: int, end: int, edits: list[Edit] | None = None
) -> tuple[int, int]:
    """Where the span `old_text[start:end]` is in `new_text`. `edits`: the replacements that
    made it, when known exactly (a tag rename); else they are worked out from the two texts."""
    if old_text == new_text:
        return start, end
    words = old_text[start:end]
    if edits is None:
        edits = text_edits(old_text, new_text)
    moved_start = _carry(start, edits, as_end=False)
    moved_end = max(moved_start, _carry(end, edits, as_end=True))
    if new_text[moved_start:moved_end] == words or not words:
        return moved_start, moved_end
    found = _nearest(new_text, words, moved_start)
    return (found, found + len(words)) if found is not None else (moved_start, moved_end)


def _nearest(text: str, words: str, near: int) -> int | None:
    best: int | None = None
    at = text.find(words)
    while at != -1:
        if best is None or abs(at - near) < abs(best - near):
            best = at
        at = text.find(words, at + 1)
    return best
