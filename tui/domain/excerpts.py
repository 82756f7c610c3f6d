"""Excerpts: a note, or a span of one, as tagging walks them (docs/ARCHITECTURE.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.domain.ratings import severity_of


@dataclass
class Excerpt:
    """A note, or a span of one, as the tagging screen walks them."""

    session_id: str
    participant: str
    note: dict[str, Any]
    span: dict[str, Any] | None = None
    """The `excerpts` document when this is a span of the note."""
    spans: list[dict[str, Any]] | None = None
    """For a note row: the note's span excerpts, sorted by start (shared with its span rows)."""
    linked: str | None = None
    """For a cue of the session's attached transcript (and its span excerpts): the id of the
    note it is linked to, under which it is listed (a coded cue no note links to: the note
    listed before it, "" for none). `note` is then the cue as a note of kind
    `transcript` (its speaker the author), and its spans are excerpts of the cue."""

    @property
    def doc(self) -> dict[str, Any]:
        return self.span if self.span is not None else self.note

    @property
    def tags(self) -> list[str]:
        return list(self.doc.get("tags") or [])

    @property
    def severity(self) -> int | None:
        """The counted severity of its coders' ratings (tui/domain/ratings.py)."""
        return severity_of(self.doc)

    @property
    def note_text(self) -> str:
        return str(self.note.get("text") or "")

    @property
    def text(self) -> str:
        text = self.note_text
        if self.span is None:
            return text
        return text[int(self.span.get("start", 0)) : int(self.span.get("end", 0))]

    @property
    def coded(self) -> bool:
        """Tagged itself or, for a note, through one of its spans."""
        if self.tags:
            return True
        return self.span is None and any(s.get("tags") for s in self.spans or [])

    @property
    def note_coded(self) -> bool:
        """Whether the excerpt's note counts as coded (its own tags or a tagged span)."""
        return bool(self.note.get("tags")) or any(s.get("tags") for s in self.spans or [])

    def same(self, other: Excerpt) -> bool:
        """The same note or span, possibly a fresh copy from a later read."""
        if self.session_id != other.session_id or self.note.get("id") != other.note.get("id"):
            return False
        if (self.span is None) != (other.span is None):
            return False
        return self.span is None or self.span.get("id") == other.span.get("id")
