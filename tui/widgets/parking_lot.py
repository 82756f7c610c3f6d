"""The parking lot: follow-ups typed with `?`, parked until there is a moment to ask them.

Its toggle key opens it and gives it the keys (its border and title say so); the same key, or
Esc, gives them back to the note input, Esc leaving the lot in view. While it has the keys,
only its own keys act (arrows, Enter: asked, Delete: dismissed, Esc): a character typed goes
to the note input instead (`typing_goes_to`), with every key queued after it, so a note typed
by habit is never lost nor read as commands. A co-interviewer's follow-up is marked only by
its key pressed twice. Texts are never markup.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.domain.display_text import visible
from tui.domain.notes import Note, format_elapsed
from tui.widgets.bindings import bindings_for
from tui.widgets.note_input import NoteInput, is_typing

ENTER_SIGN = "\u23ce"  # the narrow title's Enter


class ParkingLot(OptionList):
    BINDINGS = bindings_for("parking")
    DEFAULT_CSS = """
    ParkingLot {
        display: none;
        height: auto;
        max-height: 8;
        border: round $warning 50%;
        border-title-color: $warning 70%;
        padding: 0;
    }
    ParkingLot.-open {
        display: block;
    }
    ParkingLot:focus {
        border: heavy $warning;
        border-title-color: $warning;
        border-title-style: bold;
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

    def __init__(self, *, author: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self.typing_goes_to: NoteInput | None = None
        """The note input: a character typed here goes there, and the keys with it."""
        self.author = author
        """Whose follow-ups these are not when another's name shows (marked by one key)."""
        self.followups: list[Note] = []
        self._filled = True
        """Whether the options are `followups`: not while the lot is out of view."""
        self._handing_over = False
        """A character went to the note input: the keys queued behind it follow it there."""
        self._armed: tuple[str, str] | None = None
        """(note id, status): a co-interviewer's follow-up whose key was pressed once."""
        self._asking: str | None = None
        """What the title asks now, kept across a resize (which fits the title anew)."""

    def show_followups(self, followups: list[Note]) -> None:
        if [n.id for n in followups] == [n.id for n in self.followups]:
            return
        self.followups = list(followups)
        self._show_title()
        if self.is_open:
            self._fill()
        else:  # out of view: its lines are made when it opens (a session may have thousands)
            self._filled = False

    def _fill(self) -> None:
        highlighted = self.highlighted
        self.clear_options()
        self.add_options(Option(_line(note, self.author), id=note.id) for note in self.followups)
        self._armed = None
        self._filled = True
        if self.followups:
            self.highlighted = min(highlighted or 0, len(self.followups) - 1)

    def on_resize(self) -> None:
        self._show_title(self._asking)

    def _show_title(self, ask: str | None = None) -> None:
        self._asking = ask
        if ask:
            says = [ask]
        elif self.screen.focused is self:  # `has_focus` is set after `on_focus` runs
            asked, dismiss, back = (
                self.app.key_word(f"parking.{name}") for name in ("asked", "dismiss", "back")
            )
            says = [
                f"HAS THE KEYS: \u2191\u2193 {asked} asked {dismiss} dismiss {back}",
                f"\u2191\u2193 {ENTER_SIGN if asked == 'Enter' else asked} asked {dismiss} "
                f"dismiss {back} back",
            ]
        else:
            says = ["typing goes to the note"]
        # In a narrow pane the lot's count gives way first, then the longer wording: what to
        # do is the point.
        room = self.size.width - 4 if self.size.width else 80
        open_count = f"{len(self.followups)} open"
        for said in says:
            for count in (f"Parking lot \u00b7 {open_count} \u00b7 ", f"{open_count} \u00b7 ", ""):
                if len(count) + len(said) <= room:
                    self.border_title = count + said
                    return
        self.border_title = says[-1]

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self) -> None:
        self.add_class("-open")
        if not self._filled:
            self._fill()
        self.focus()

    def close(self) -> None:
        self.remove_class("-open")

    def on_focus(self) -> None:
        self._handing_over = False
        self._show_title()

    def on_blur(self) -> None:
        self._armed = None
        self._show_title()

    async def on_key(self, event: events.Key) -> None:
        note_input = self.typing_goes_to
        if note_input is None:
            return
        if self._handing_over or is_typing(self, event):
            if not self._handing_over:
                self._handing_over = True
                # At once: keys still to come go straight to the input, after these.
                self.screen.set_focus(note_input)
            note_input.take_handed_key(event)

    def action_mark(self, status: str) -> None:
        if self.highlighted is None or not self.followups:
            return
        note = self.followups[self.highlighted]
        if note.author != self.author and self._armed != (note.id, status):
            self._armed = (note.id, status)
            verb = "mark it asked" if status == "asked" else "dismiss it"
            self._show_title(f"{visible(note.author)}'s: again to {verb}")
            return
        self._armed = None
        self.post_message(self.Marked(note, status))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self._armed is not None:
            self._armed = None
            self._show_title()

    def action_back(self) -> None:
        self.post_message(self.Back())


def _line(note: Note, author: str) -> Text:
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f"{format_elapsed(note.elapsed)} ", style="dim")
    if note.author != author:
        line.append(f"{visible(note.author)}: ", style="italic")
    line.append(visible(note.text.lstrip().removeprefix("?").strip()))
    return line
