"""The parking lot: follow-ups typed with `?`, parked until there is a moment to ask them.

Opened (and focused) from the note input with its toggle key; each follow-up can be marked
asked (recorded with the moment) or dismissed; Esc goes back to typing with the lot still in
view. Texts are never markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.domain.display_text import visible
from tui.domain.notes import Note, format_elapsed
from tui.widgets.bindings import bindings_for


class ParkingLot(OptionList):
    BINDINGS = bindings_for("parking")
    DEFAULT_CSS = """
    ParkingLot {
        display: none;
        height: auto;
        max-height: 8;
        border: round $warning 60%;
        border-title-color: $warning;
        padding: 0;
    }
    ParkingLot.-open {
        display: block;
    }
    ParkingLot:focus {
        border: round $warning;
    }
    """

    class Marked(Message):
        """A follow-up was marked asked or dismissed."""

        def __init__(self, note: Note, status: str) -> None:
            self.note = note
            self.status = status
            super().__init__()

    class Back(Message):
        """Back to typing."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.followups: list[Note] = []

    def show_followups(self, followups: list[Note]) -> None:
        if [n.id for n in followups] == [n.id for n in self.followups]:
            return
        highlighted = self.highlighted
        self.followups = list(followups)
        self.clear_options()
        self.add_options(Option(_line(note), id=note.id) for note in followups)
        self.border_title = f"Parking lot \u00b7 {len(followups)} open"
        if followups:
            self.highlighted = min(highlighted or 0, len(followups) - 1)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self) -> None:
        self.add_class("-open")
        self.focus()

    def close(self) -> None:
        self.remove_class("-open")

    def action_mark(self, status: str) -> None:
        if self.highlighted is None or not self.followups:
            return
        self.post_message(self.Marked(self.followups[self.highlighted], status))

    def action_back(self) -> None:
        self.post_message(self.Back())


def _line(note: Note) -> Text:
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f"{format_elapsed(note.elapsed)} ", style="dim")
    line.append(visible(note.text.lstrip().removeprefix("?").strip()))
    return line
