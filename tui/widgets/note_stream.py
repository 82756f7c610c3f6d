"""The timestamped note stream: a Line-API scroll view that draws only the rows on screen.

Each note is laid out once per width (its body wrapped into row ranges, cached) and the rows of
the notes laid out are addressed through a running total, so drawing a frame costs the same in
a 10,000-note session as in a 10-note one. Only the newest notes are laid out at first (a few
screens' worth, `FIRST_ROWS`): the older ones are laid out a batch at a time as scrolling up
comes near the top of what is laid out, and the view stays on the note it showed. Adding,
changing or removing a note lays out just that note and moves the row totals of the notes
after it.

Scrolled back, the view stays put as notes arrive below it (one's own saved with Enter, a
co-interviewer's): its bottom row says how many have (`↓ 2 new notes · pgdn`) until the view
reaches the end.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field

from rich.cells import cell_len, get_character_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.domain.display_text import tag_label, visible
from tui.domain.notes import Note, format_elapsed, inline_tokens, tags_beside
from tui.services.live_session import note_order

FIRST_ROWS = 500
"""Rows laid out from the newest note back when the stream is laid out (at least the screens
shown; a session this short is laid out whole), and rows laid out at a time as scrolling up
reaches the notes not laid out yet."""

# Quotes and follow-ups show their own opening `"` or `?`, so only asked marks get a marker.
_KIND_MARKERS = {"asked": "\u2713 asked: "}


@dataclass
class _Layout:
    """One note, ready to draw at one width."""

    body: str
    spans: list[tuple[int, int, str]]
    """(start, end, component class) over `body`."""
    rows: list[tuple[int, int]]
    """(start, end) of each wrapped row over `body`."""
    note: Note | None = None
    """The note object laid out: a new object (an edit, a merge) is laid out again."""
    pending: bool = False
    drawn: dict[tuple, tuple[Strip, Style]] = field(default_factory=dict)
    """Rows already drawn, by (row, highlighted, base style, theme): a scroll redraws every
    visible row, and drawing one styles it character by character."""


def wrap(text: str, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap by terminal cells; returns row ranges (end exclusive) over `text`."""
    width = max(1, width)
    if text.isascii():
        rows, start, end = [], 0, len(text)
        while end - start > width:
            cut = text.rfind(" ", start, start + width + 1)
            if cut <= start:
                rows.append((start, start + width))
                start += width
            else:
                rows.append((start, cut))
                start = cut + 1
        rows.append((start, end))
        return rows
    rows, start, cells, last_space = [], 0, 0, -1
    for index, char in enumerate(text):
        size = get_character_cell_size(char)
        if cells + size > width and index > start:
            if last_space > start:
                rows.append((start, last_space))
                start = last_space + 1
                cells = cell_len(text[start:index])
            else:
                rows.append((start, index))
                start, cells = index, 0
            last_space = -1
        if char == " ":
            last_space = index
        cells += size
    rows.append((start, len(text)))
    return rows


class NoteStream(ScrollView, can_focus=False):
    """The notes in first-keystroke order. What changes is told note by note (`put_note`,
    `remove_note`, `pending_ids`), and only that note is laid out again: a saved, edited or
    arriving note costs the same in a 10,000-note session as in a 10-note one."""

    class LaidOut(Message):
        """A batch of notes was laid out (at a new width, say, or older ones reached by
        scrolling): objects that live as long as the stream, one set per note."""

    DEFAULT_CSS = """
    NoteStream {
        height: 1fr;
        scrollbar-size-vertical: 1;
        /* A stable gutter keeps the wrap width fixed when the scrollbar appears. */
        scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    NoteStream > .note-stream--time { color: $text-muted; }
    NoteStream > .note-stream--author { color: $secondary; text-style: bold; }
    NoteStream > .note-stream--quote { color: $success; }
    NoteStream > .note-stream--followup { color: $warning; }
    NoteStream > .note-stream--asked { color: $text-muted; text-style: italic; }
    NoteStream > .note-stream--transcript { color: $text-muted; }
    NoteStream > .note-stream--tag { color: $accent; text-style: bold; }
    NoteStream > .note-stream--emotion { color: $error; text-style: italic; }
    NoteStream > .note-stream--star { color: $warning; text-style: bold; }
    NoteStream > .note-stream--pending { color: $text-disabled; text-style: italic; }
    NoteStream > .note-stream--highlight { background: $accent 25%; }
    NoteStream > .note-stream--arrived { background: $accent 40%; text-style: bold; }
    """

    COMPONENT_CLASSES = {
        "note-stream--time",
        "note-stream--author",
        "note-stream--quote",
        "note-stream--followup",
        "note-stream--asked",
        "note-stream--transcript",
        "note-stream--tag",
        "note-stream--emotion",
        "note-stream--star",
        "note-stream--pending",
        "note-stream--highlight",
        "note-stream--arrived",
    }

    pending_ids: var[frozenset[str]] = var(frozenset(), init=False)
    """Notes with a change still only in memory: drawn marked unsaved."""
    highlight_id: var[str | None] = var(None, init=False)
    """The note being edited."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.notes: list[Note] = []
        self.show_authors = False
        """Names before notes, once more than one person has written here."""
        self._by_id: dict[str, Note] = {}
        self._authors: Counter[str] = Counter()
        self._layouts: dict[str, _Layout] = {}
        self._row_starts: list[int] = []
        """The first row of each note laid out: of `notes[self._first:]`."""
        self._first = 0
        """How many of the oldest notes are not laid out yet (`_reveal_older`)."""
        self._rows_total = 0
        self._layout_width = 0
        self._time_width = 5
        self._follow_end = True
        """Keep the newest note in view; off while the user has scrolled back."""
        self._arrived: set[str] = set()
        """Notes added below the view while scrolled back: counted on its bottom row."""
        self._arrived_drawn: tuple[tuple, Strip] | None = None
        """That row as last drawn, by what it shows: a scroll redraws every row on screen."""
        self._base_style: Style | None = None
        """`rich_style` while a frame's lines are drawn (`render_lines`)."""

    # -- content ------------------------------------------------------------------------------

    def set_notes(self, notes: list[Note]) -> None:
        """Show `notes` (in first-keystroke order), laying out the newest: for opening."""
        self.notes = list(notes)
        self._first = len(self.notes)
        self._by_id = {note.id: note for note in self.notes}
        self._authors = Counter(n.author for n in self.notes if n.kind != "transcript")
        self.show_authors = len(self._authors) > 1
        self._layouts.clear()
        self._arrived.clear()
        self._relayout()

    def put_note(self, note: Note) -> None:
        """Add `note`, or replace the note with its id, in its place; lays out only it."""
        old = self._by_id.get(note.id)
        if old is not None:
            self._drop(old)
        index = bisect_left(self.notes, note_order(note), key=note_order)
        self.notes.insert(index, note)
        self._by_id[note.id] = note
        self._count_author(note, +1)
        if self._authors_changed() or self._time_width_for(note) > self._time_width:
            self._relayout()
        elif not self._layout_width:
            return  # not laid out yet: on_resize lays out the notes once the width is known
        elif index < self._first:
            self._first += 1  # among the notes not laid out yet: laid out when reached
            return
        else:
            at = index - self._first
            starts = self._row_starts
            starts.insert(at, starts[at] if at < len(starts) else self._rows_total)
            self._shift_rows(at + 1, len(self._layout(note).rows))
            self._update_virtual_size()
        if old is None and not self._follow_end:
            self._count_arrived(note)

    def _count_arrived(self, note: Note) -> None:
        """`note` is new: counted if it landed below the view (scrolled back)."""
        index = bisect_left(self.notes, note_order(note), key=note_order) - self._first
        bottom = self.scroll_offset.y + self.scrollable_content_region.height
        if 0 <= index < len(self._row_starts) and self._row_starts[index] >= bottom - 1:
            self._arrived.add(note.id)
            self.refresh()

    def remove_note(self, note_id: str) -> None:
        note = self._by_id.get(note_id)
        if note is None:
            return
        self._drop(note)
        if note_id in self._arrived:
            self._arrived.discard(note_id)
            self.refresh()
        if self._authors_changed():
            self._relayout()
        elif self._layout_width:
            self._update_virtual_size()

    def _drop(self, note: Note) -> None:
        index = bisect_left(self.notes, note_order(note), key=note_order)
        while self.notes[index].id != note.id:  # an equal key: only when ids repeat (never)
            index += 1
        del self.notes[index]
        del self._by_id[note.id]
        self._count_author(note, -1)
        layout = self._layouts.pop(note.id, None)
        if index < self._first:
            self._first -= 1
        elif self._layout_width and layout is not None:
            del self._row_starts[index - self._first]
            self._shift_rows(index - self._first, -len(layout.rows))

    def _shift_rows(self, start: int, delta: int) -> None:
        """The notes from `start` on move `delta` rows: work only for the notes after."""
        starts = self._row_starts
        for i in range(start, len(starts)):
            starts[i] += delta
        self._rows_total += delta

    def _count_author(self, note: Note, step: int) -> None:
        if note.kind != "transcript":
            self._authors[note.author] += step
            if self._authors[note.author] <= 0:
                del self._authors[note.author]

    def _authors_changed(self) -> bool:
        """Whether names are shown changed: then every note is laid out again."""
        show = len(self._authors) > 1
        if show == self.show_authors:
            return False
        self.show_authors = show
        self._layouts.clear()
        return True

    def watch_pending_ids(self, old: frozenset[str], new: frozenset[str]) -> None:
        for note_id in old ^ new:
            note = self._by_id.get(note_id)
            if note is not None:
                self.put_note(note)

    def watch_highlight_id(self) -> None:
        self.refresh()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._rows_total:
            self._follow_end = new_value >= self.max_scroll_y - 1
            if self._follow_end and self._arrived:
                self._arrived.clear()  # the view reached them
        if self._first and new_value < self.scrollable_content_region.height:
            self._reveal_older()

    def _reveal_older(self) -> None:
        """Lay out older notes (about `FIRST_ROWS` rows) above those laid out, and scroll down
        by their rows: the note on screen stays where it was."""
        if not self._layout_width:
            return
        first, older, added = self._lay_out_before(self._first, FIRST_ROWS, self._first)
        self._row_starts = older + [start + added for start in self._row_starts]
        self._rows_total += added
        self._first = first
        y = self.scroll_y + added
        self._update_virtual_size()
        self.scroll_to(y=y, animate=False, force=True)
        self.post_message(self.LaidOut())

    def _lay_out_before(self, first: int, rows: int, keep: int) -> tuple[int, list[int], int]:
        """Lay out the notes before index `first`, newest first, until `rows` rows are laid out
        and every note from index `keep` on is: (the oldest note laid out, the row each note
        starts at counting from it, their rows in all)."""
        sizes, total = [], 0
        while first > 0 and (total < rows or first > keep):
            first -= 1
            size = len(self._layout(self.notes[first]).rows)
            sizes.append(size)
            total += size
        starts, at = [], 0
        for size in reversed(sizes):
            starts.append(at)
            at += size
        return first, starts, total

    def _time_width_for(self, note: Note) -> int:
        return len(format_elapsed(note.elapsed))

    def _relayout(self) -> None:
        width = self.scrollable_content_region.width
        if width != self._layout_width:
            self._layouts.clear()
        self._layout_width = width
        if not width:  # not laid out yet: on_resize lays the notes out once the width is known
            return
        time_width = max([5, *(self._time_width_for(n) for n in self.notes[-1:])])
        if any(n.elapsed >= 3600 for n in self.notes):
            time_width = max(time_width, 7)
        if time_width != self._time_width:
            self._layouts.clear()
        self._time_width = time_width
        # The newest notes, a few screens' worth (and those scrolling had revealed): the older
        # ones are laid out as scrolling up reaches them.
        wanted = max(FIRST_ROWS, 3 * self.scrollable_content_region.height)
        laid_out = self._lay_out_before(len(self.notes), wanted, self._first)
        self._first, self._row_starts, self._rows_total = laid_out
        self._update_virtual_size()
        self.post_message(self.LaidOut())

    def _update_virtual_size(self) -> None:
        size = Size(self._layout_width, self._rows_total)
        height = self.container_size.height - self.scrollbar_size_horizontal
        if (self.virtual_size.height > height) != (size.height > height):
            # The scrollbar comes or goes: the screen is laid out again, which takes about a
            # frame's time, so it follows the frame that shows the change (the gutter is
            # stable: nothing moves meanwhile).
            self.set_reactive(NoteStream.virtual_size, size)
            self.call_after_refresh(self.refresh, layout=True)
        else:
            # The stream's own size does not follow its notes, so a new row needs no layout of
            # the screen (a reflow and a repaint of every widget, about a frame): only the
            # scrollbar is told, as Textual does for a widget whose size it knows is unchanged.
            self.set_reactive(NoteStream.virtual_size, size)
            if self.show_vertical_scrollbar:
                self.vertical_scrollbar.window_virtual_size = size.height
                self.vertical_scrollbar.window_size = height
        if self._follow_end:
            # Now, in the same frame: the virtual size just set is what scrolling clamps to.
            self.scroll_to(y=self.max_scroll_y, animate=False, force=True)
        self.refresh()

    def on_resize(self) -> None:
        if self.scrollable_content_region.width != self._layout_width:
            self._layouts.clear()
            self._relayout()
        elif self._follow_end:  # fewer rows (a draft wrapped): the newest note stays in view
            self.scroll_to(y=self.max_scroll_y, animate=False, force=True)

    # -- layout of one note -------------------------------------------------------------------

    def _layout(self, note: Note) -> _Layout:
        layout = self._layouts.get(note.id)
        if (
            layout is None
            or layout.note is not note
            or layout.pending != (note.id in self.pending_ids)
        ):
            layout = self._layouts[note.id] = self._build_layout(note)
        return layout

    def _build_layout(self, note: Note) -> _Layout:
        parts: list[tuple[str, str]] = []
        if note.starred:
            parts.append(("\u2605 ", "note-stream--star"))
        if self.show_authors and note.author:
            parts.append((f"{visible(note.author)}: ", "note-stream--author"))
        marker = _KIND_MARKERS.get(note.kind, "")
        if marker:
            parts.append((marker, f"note-stream--{note.kind}"))
        text = visible(note.text)
        text_start = sum(len(p) for p, _ in parts)
        body_class = {
            "quote": "note-stream--quote",
            "asked": "note-stream--asked",
            "followup": "note-stream--followup",
        }.get(note.kind, "")
        parts.append((text, body_class))
        # The note parser's tokens: what is highlighted is what was stored (`visible` keeps
        # every character's place, so offsets in the note's text are offsets in `text`).
        tokens = inline_tokens(note.text)
        extra = tags_beside(note.tags, tokens)
        if extra:
            parts.append(("  " + " ".join(f"#{tag_label(t)}" for t in extra), "note-stream--tag"))
        if note.edited_at:
            parts.append(("  (edited)", "note-stream--time"))
        if note.id in self.pending_ids:
            parts.append(("  \u2026unsaved", "note-stream--pending"))
        body = "".join(p for p, _ in parts)
        spans, at = [], 0
        for piece, cls in parts:
            if cls:
                spans.append((at, at + len(piece), cls))
            at += len(piece)
        for token in tokens:
            cls = "note-stream--tag" if token.kind == "tag" else "note-stream--emotion"
            spans.append((text_start + token.start, text_start + token.end, cls))
        body_width = max(1, self._layout_width - self._time_width - 1)
        return _Layout(body, spans, wrap(body, body_width), note, note.id in self.pending_ids)

    # -- drawing ------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's style, worked out once for the lines of this frame, not once a line.
        self._base_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._base_style = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        if self._arrived and y == self.size.height - 1:
            return self._arrived_line()
        return self.render_row(scroll_y + y, scroll_x)

    def _arrived_line(self) -> Strip:
        """The bottom row while notes arrived below the view: how many, and the key that
        scrolls down to them (the keymap's), shorter where the pane is narrow."""
        count, width = len(self._arrived), self.size.width
        key_for = getattr(self.app, "key_for", None)
        key = key_for("interview.scroll_down") if key_for else "pgdn"
        style = (self._base_style or self.rich_style) + self.get_component_rich_style(
            "note-stream--arrived"
        )
        drawn_key = (count, key, width, style)
        if self._arrived_drawn is None or self._arrived_drawn[0] != drawn_key:
            notes = "note" if count == 1 else "notes"
            said = next(
                (
                    text
                    for text in (
                        f"\u2193 {count} new {notes} \u00b7 {key}",
                        f"\u2193 {count} new \u00b7 {key}",
                        f"\u2193 {count} new",
                    )
                    if cell_len(text) <= width
                ),
                f"\u2193 {count}",
            )
            strip = Strip([Segment(said, style)]).crop_extend(0, width, style)
            self._arrived_drawn = (drawn_key, strip)
        return self._arrived_drawn[1]

    def render_row(self, row: int, scroll_x: int = 0) -> Strip:
        """Row `row` of the stream laid out (0 is the first row of the oldest note laid out:
        the oldest note once scrolling up has reached it)."""
        width = self.size.width
        base = self._base_style or self.rich_style
        if row >= self._rows_total or not self.notes:
            return Strip.blank(width, base)
        index = bisect_right(self._row_starts, row) - 1
        note = self.notes[self._first + index]
        layout = self._layout(note)
        line = row - self._row_starts[index]
        start, end = layout.rows[line]
        highlight = note.id == self.highlight_id
        key = (line, highlight, base, self.app.theme, self._time_width)
        drawn = layout.drawn.get(key)
        if drawn is None:
            if highlight:
                base = base + self.get_component_rich_style("note-stream--highlight")
            time_text = format_elapsed(note.elapsed) if line == 0 else ""
            segments = [
                Segment(
                    time_text.rjust(self._time_width) + " ",
                    base + self.get_component_rich_style("note-stream--time"),
                ),
            ]
            segments.extend(self._body_segments(layout, start, end, base))
            drawn = layout.drawn[key] = (Strip(segments), base)
        strip, fill = drawn
        return strip.crop_extend(scroll_x, scroll_x + width, fill).apply_offsets(scroll_x, row)

    def _body_segments(self, layout: _Layout, start: int, end: int, base: Style) -> list[Segment]:
        styles: list[Style | None] = [None] * (end - start)
        for span_start, span_end, cls in layout.spans:
            lo, hi = max(span_start, start), min(span_end, end)
            if lo < hi:
                style = self.get_component_rich_style(cls)
                for i in range(lo - start, hi - start):
                    styles[i] = style if styles[i] is None else styles[i] + style
        segments: list[Segment] = []
        run_start = 0
        for i in range(1, len(styles) + 1):
            if i == len(styles) or styles[i] != styles[run_start]:
                style = styles[run_start]
                segments.append(
                    Segment(
                        layout.body[start + run_start : start + i],
                        base if style is None else base + style,
                    )
                )
                run_start = i
        return segments
