"""The tagging screen's list of excerpts: a Line-API scroll view drawing only visible rows.

One row per note (a whole-note excerpt) followed by one row per span excerpt of that note.
Each row is built when drawn, so ten thousand notes cost what ten do (docs/ARCHITECTURE.md,
"Budgets").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.domain.display_text import tag_label, visible
from tui.domain.excerpts import Excerpt
from tui.domain.notes import (
    InlineToken,
    hide_typed_tags,
    inline_tokens,
    tag_key,
    tags_beside,
)
from tui.domain.quotes import clock_and_recording


class ExcerptList(ScrollView, can_focus=True, inherit_bindings=False):
    """Keys come from the screen's `tagging.*` bindings (ids, keymaps, help). ScrollView's own
    bindings (no ids) would take up/down/page/home/end while the list has focus and scroll the
    view instead of moving the cursor, so `t` could tag a note off screen."""

    DEFAULT_CSS = """
        ExcerptList > .excerpt-list--cursor {
            background: $accent 40%;
        }
        ExcerptList > .excerpt-list--time {
            color: $text-muted;
        }
        ExcerptList > .excerpt-list--who {
            color: $secondary;
        }
        ExcerptList > .excerpt-list--author {
            color: $text-muted;
        }
        ExcerptList > .excerpt-list--tag {
            color: $accent;
            text-style: bold;
        }
        ExcerptList > .excerpt-list--untagged {
            color: $text-muted;
        }
        ExcerptList > .excerpt-list--span {
            color: $text-muted;
            text-style: italic;
        }
        ExcerptList > .excerpt-list--cue {
            color: $secondary;
        }
    """
    """The colours of its parts; its width in the tagging layout is the app's (app.tcss)."""

    COMPONENT_CLASSES = {
        "excerpt-list--cursor",
        "excerpt-list--time",
        "excerpt-list--who",
        "excerpt-list--author",
        "excerpt-list--tag",
        "excerpt-list--untagged",
        "excerpt-list--span",
        "excerpt-list--cue",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.excerpts: list[Excerpt] = []
        self.cursor = 0
        self.show_who = False
        self.tag_styles: dict[str, Style] = {}
        """`tag_key` -> the tag's codebook colour (tui/widgets/tag_colors.py)."""
        self.tags_of: Callable[[Excerpt], list[str]] = lambda excerpt: excerpt.tags
        self.coded: Callable[[Excerpt], bool] = lambda excerpt: excerpt.coded
        self.severity_of: Callable[[Excerpt], int | None] = lambda excerpt: excerpt.severity
        """Which tags a row shows, whether it counts as coded and its severity (one coder's,
        when blind)."""
        self.blind: Callable[[], bool] = lambda: False
        """Whether a tag another coder typed into a note is hidden (`hide_typed_tags`)."""
        self.recording_offset_of: Callable[[Excerpt], float] = lambda excerpt: 0.0
        """The recording offset of the excerpt's session: where it is not 0, a row gives its
        place on the recording beside its clock time (`clock_and_recording`)."""

    def set_excerpts(self, excerpts: list[Excerpt], cursor: int = 0, show_who: bool = False):
        self.excerpts = excerpts
        self.show_who = show_who
        self.cursor = max(0, min(cursor, len(excerpts) - 1))
        # Rows are cut to the pane's width, never scrolled sideways: a virtual width equal to
        # the pane's made a horizontal scrollbar appear once the vertical one took two
        # columns, and it covered the last row (End put the cursor on a hidden row).
        self.virtual_size = Size(0, len(excerpts))
        self.refresh()
        self.call_after_refresh(self._keep_cursor_visible)

    def move_to(self, index: int) -> None:
        if not self.excerpts:
            return
        self.cursor = max(0, min(index, len(self.excerpts) - 1))
        self._keep_cursor_visible()
        self.refresh()

    @property
    def rows_shown(self) -> int:
        """How many rows the pane shows (its height less any scrollbar)."""
        return max(1, self.scrollable_content_region.height)

    @property
    def page(self) -> int:
        return max(1, self.rows_shown - 1)

    def _keep_cursor_visible(self) -> None:
        height = self.rows_shown
        if self.cursor < self.scroll_y:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= self.scroll_y + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def row_text(self, excerpt: Excerpt, *, recording: bool = True) -> Text:
        """`recording`: the row has room for the recording's time (`_room_for_recording`)."""
        text = Text(no_wrap=True, overflow="ellipsis")
        style = self.get_component_rich_style
        tags = self.tags_of(excerpt)
        shown = {tag_key(tag) for tag in tags}
        typed = _typed_tags(excerpt, shown)
        if excerpt.span is None and excerpt.linked is not None:
            # The transcript's cue the note above is linked to: who said what, then.
            cue = style("excerpt-list--cue")
            text.append("  \u25b8 " + self._when(excerpt, recording))
            text.stylize(style("excerpt-list--time"))
            text.append(" " + said_by(excerpt.note) + " ", cue)
            self._append_words(text, excerpt, typed, shown, cue)
        elif excerpt.span is None:
            text.append(self._when(excerpt, recording).rjust(5) + " ")
            text.stylize(style("excerpt-list--time"))
            if self.show_who:
                who = _crop(visible(excerpt.participant), WHO_CELLS)
                text.append(who + " ", style("excerpt-list--who"))
            text.append(said_by(excerpt.note) + " ", style("excerpt-list--author"))
            coded = self.coded(excerpt)
            mark = "\u25cf" if coded else "\u25cb"
            text.append(
                mark + " ",
                style("excerpt-list--tag" if coded else "excerpt-list--untagged"),
            )
            self._append_words(text, excerpt, typed, shown, Style())
        else:
            span = style("excerpt-list--span")
            text.append("      \u21b3 \u201c", span)
            self._append_words(text, excerpt, typed, shown, span)
            text.append("\u201d", span)
        severity = self.severity_of(excerpt)
        if severity:
            # As the analysis heads its column (Sev): `!2` read as an emotion (`!angry`).
            text.append(f" sev {severity}", style("excerpt-list--untagged"))
        for tag in tags_beside(tags, typed):
            text.append(" ")
            text.append("#" + tag_label(tag), self._tag_style(tag))
        return text

    def _when(self, excerpt: Excerpt, recording: bool) -> str:
        """The row's moment on the session's clock and, where the recording is offset and the
        row has room, its place on the recording (a cue's: where it was said), as `fieldnote
        agree` gives it and the report cites it: `01:25 (rec 01:33)`."""
        offset = self.recording_offset_of(excerpt) if recording else 0.0
        return clock_and_recording(float(excerpt.note.get("elapsed") or 0), offset)

    def _room_for_recording(self, width: int) -> bool:
        """Whether a note's row of `width` cells keeps `WORD_CELLS` for its words after both
        times, its participant (a study's list) and its writer; else the row gives the clock
        alone (the excerpt's detail gives both)."""
        fixed = cell_len("00:00 (rec 00:00) ") + AUTHOR_CELLS + 3  # and the coded mark
        if self.show_who:
            fixed += WHO_CELLS + 1
        return width - fixed >= WORD_CELLS

    def _append_words(
        self,
        text: Text,
        excerpt: Excerpt,
        typed: list[InlineToken],
        shown: set[str],
        style: Style,
    ) -> None:
        """The excerpt's words, each `#tag` typed in them that the row shows drawn as a tag,
        and, blind, each other one hidden (`visible` keeps every character's place, so the
        tokens' offsets hold)."""
        start = len(text)
        words, hidden = hide_typed_tags(excerpt.text, shown) if self.blind() else (excerpt.text, [])
        text.append(visible(words), style)
        for token in typed:
            text.stylize(self._tag_style(token.value), start + token.start, start + token.end)
        untagged = self.get_component_rich_style("excerpt-list--untagged")
        for token in hidden:
            text.stylize(untagged, start + token.start, start + token.end)

    def _tag_style(self, tag: str) -> Style:
        colour = self.tag_styles.get(tag_key(tag))
        tag_style = self.get_component_rich_style("excerpt-list--tag")
        return tag_style + colour if colour else tag_style

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if row >= len(self.excerpts):
            return Strip.blank(width, base)
        recording = self._room_for_recording(width)
        text = self.row_text(self.excerpts[row], recording=recording)
        text.truncate(width, overflow="ellipsis", pad=True)
        if row == self.cursor:
            text.stylize(self.get_component_rich_style("excerpt-list--cursor"))
        segments = [
            Segment(seg.text, base + seg.style if seg.style else base)
            for seg in text.render(self.app.console, end="")
        ]
        return Strip(segments).crop_extend(0, width, base)


AUTHOR_CELLS = 8
"""Who spoke a cue or wrote a note, in this many cells: enough to tell people apart."""
WHO_CELLS = 10
"""The participant of a note, in the list of a study's sessions: at most this many cells."""
WORD_CELLS = 20
"""A row gives the recording's time beside the clock's only where this many cells are left
for its words: the words are what a coder reads down the list, and the excerpt's detail gives
both times. At 80 columns (the list beside the detail) and in a 40-column pane a row keeps
the clock alone; from about 92 columns it has both."""


def _typed_tags(excerpt: Excerpt, shown: set[str]) -> list[InlineToken]:
    """The `#tag`s typed in the excerpt's words (a span's: those wholly inside it) whose tag
    key is in `shown`, at offsets in those words. A typed tag the row does not show (blind,
    another coder's; or set aside by a settlement) stays plain words."""
    if not shown:
        return []
    start = int(excerpt.span.get("start", 0)) if excerpt.span is not None else 0
    end = start + len(excerpt.text)
    return [
        replace(token, start=token.start - start, end=token.end - start)
        for token in inline_tokens(excerpt.note_text)
        if token.kind == "tag"
        and start <= token.start
        and token.end <= end
        and tag_key(token.value) in shown
    ]


def said_by(note: dict) -> str:
    """`Praline:` for a transcript cue (its speaker), `\u270eMaya` for a typed note (its
    writer): the speaker's words and the note-taker's are never mistaken for each other."""
    name = _crop(visible(str(note.get("author") or "?")), AUTHOR_CELLS - 1)
    label = name + ":" if note.get("kind") == "transcript" else "\u270e" + name
    return set_cell_size(label, AUTHOR_CELLS)  # padded by cells, so the rows line up


def _crop(name: str, cells: int) -> str:
    """`name` in at most `cells` terminal cells: a wide character (CJK) takes two."""
    return name if cell_len(name) <= cells else set_cell_size(name, cells)
