"""F1: every key of every screen, generated from the binding registry and the active keymap."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from tui.domain.display_text import visible
from tui.services.actions import SCREENS, actions_for
from tui.services.keymap import mistakes_said, sources_text
from tui.widgets.bindings import cancel_only
from tui.widgets.key_bar import KeyBar
from tui.widgets.note_input import HandsTypingOn, NoteInput

MIN_DOES = 12
"""Below this much room for the descriptions beside whole ids, the id column is left out."""


@dataclass(frozen=True)
class KeyRow:
    keys: str
    does: str
    id: str


class KeyTable:
    """The help's table, laid out for the width it is drawn at: ids never wrap (an id cut
    mid-word cannot be copied into a keymap), keys only past a third of the width, descriptions
    wrap at words, and each screen's title is a line of its own so a long title does not widen
    the key column."""

    def __init__(self, sections: list[tuple[str, list[KeyRow]]]) -> None:
        self.sections = sections

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rows = [row for _, section in self.sections for row in section]
        # As wide as the widest keys, up to a third of the width: one long key of a keymap
        # (alt+ctrl+shift+pagedown) folds rather than cut every description to "…".
        key_width = min(
            max([3, *(cell_len(row.keys) for row in rows)]), max(3, options.max_width // 3)
        )
        id_width = max([2, *(cell_len(row.id) for row in rows)])
        show_ids = options.max_width >= key_width + id_width + MIN_DOES + 4

        def table(header: bool) -> Table:
            grid = Table(box=None, expand=True, show_header=header, pad_edge=False)
            grid.add_column("Key", width=key_width, overflow="fold")
            grid.add_column("Does", ratio=1)
            if show_ids:
                grid.add_column("Id", width=id_width, no_wrap=True, style="dim")
            return grid

        yield table(header=True)
        for title, section in self.sections:
            yield Text(title, style="bold underline")
            grid = table(header=False)
            for row in section:
                ids = [Text(row.id)] if show_ids else []
                grid.add_row(Text(row.keys), Text(row.does), *ids)
            yield grid
        if not show_ids:
            yield Text("Wider, this lists each key's id; `fieldnote keys` prints them.", "dim")


SCROLL_KEYS = (("up,down", "Scroll"), ("pageup,pagedown", "Page"))
"""The keys the help's focused body takes while it overflows (Textual's own, not a keymap's)."""


class HelpScreen(HandsTypingOn, ModalScreen[None]):
    BINDINGS = cancel_only()

    def __init__(self, first: str | None = None, typing_goes_to: NoteInput | None = None) -> None:
        super().__init__()
        self.first = first
        """The screen (`SCREENS` key) it was opened from: its keys come right after the keys
        that work everywhere, in view as the help opens."""
        self.typing_goes_to = typing_goes_to
        """The interview's note input, when opened over it: a character typed over the help
        closes it and goes into the note, with the keys after it, as do the keys read while
        an Esc closes it (a note typed straight on, within a frame or two of the Esc)."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help-dialog"):
            yield Label("Keys", classes="dialog-title")
            if mistakes := self.keymap_mistakes():
                yield Label(mistakes, id="help-mistakes", classes="dialog-error", markup=False)
            yield Static(KeyTable(self.sections()), id="help-table")
            yield Label(self.keymap_said(), id="help-keymap", classes="dialog-keys", markup=False)
            yield Label(
                'Inline while typing a note: "quote  > quote  ?follow-up  !emotion  #tag  '
                f"* at the start stars it.  {self.app.key_word('dialog.cancel')} closes.",
                classes="dialog-keys",
                markup=False,
            )
        yield KeyBar()

    def on_mount(self) -> None:
        self.watch(
            self.query_one(".help-dialog"), "show_vertical_scrollbar", self._say_how_to_scroll
        )

    def _say_how_to_scroll(self, scrolls: bool) -> None:
        """The key bar names the keys that scroll the help while it overflows (its table
        lists pgup/pgdn only as the interview's keys, which scroll the notes)."""
        self.query_one(KeyBar).show_typed(*(SCROLL_KEYS if scrolls else ()))

    def key_description(self, action: str) -> str | None:
        """The key bar's word for Esc: it closes the help, which cancels nothing."""
        return "Close" if action == "cancel" else None

    def sections(self) -> list[tuple[str, list[KeyRow]]]:
        """Each screen's title and its keys in the active keymap, as shown: those of every
        screen, then those of the screen it was opened from, then the others."""
        order = sorted(SCREENS, key=lambda screen: (screen != "app", screen != self.first))
        sections = [
            (title, [KeyRow(self.app.keys_for(s.id), s.description, s.id) for s in specs])
            for title, specs in ((SCREENS[screen], actions_for(screen)) for screen in order)
            if specs
        ]
        palette = KeyRow(self.app.get_key_display_for_palette(), "Command palette", "")
        return [*sections, ("Palette", [palette])]

    def keymap_mistakes(self) -> str | None:
        """The keymap's mistakes whole, first, or those that kept the last reload from
        applying: the notice at start or on a reload only counts them. Each is a file's line
        and words: shown, not obeyed."""
        keymap, failed = self.app.keymap, self.app.reload_mistakes
        if failed is not None:
            said = f"Keymap not reloaded: {mistakes_said(failed)}; the keys from before stay:"
            problems = failed.lines
        elif keymap is not None and (counted := mistakes_said(keymap)) is not None:
            said = f"{counted}; the keys they touch stay the defaults:"
            problems = keymap.problems
        else:
            return None
        return "\n".join(
            [
                said,
                *(visible(problem) for problem in problems),
                "Fix them, then run Reload keymap from the palette "
                f"({self.app.get_key_display_for_palette()}).",
            ]
        )

    def keymap_said(self) -> str:
        """Which keymap is in force and where one's own keys go (the file's path is the
        user's: shown, not obeyed)."""
        keymap = self.app.keymap
        if keymap is None:
            return "Keys: the defaults."
        said = f"Keys from {visible(sources_text(keymap))}."
        if keymap.own is not None:
            said += (
                f" Your own keys go in {visible(str(keymap.own))}; after editing it, run "
                f"Reload keymap from the palette ({self.app.get_key_display_for_palette()})."
            )
        return said

    def action_cancel(self) -> None:
        self._handing_over = self.typing_goes_to is not None
        self.dismiss(None)
