"""Ask how far the recording is ahead of the interview clock."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tui.domain.display_text import visible_lines
from tui.domain.notes import format_elapsed, parse_elapsed
from tui.textual_compat import TextField
from tui.widgets.bindings import cancel_only
from tui.widgets.key_bar import KeyBar
from tui.widgets.note_input import NoteInput

TIME_CHARACTERS = frozenset("0123456789:+-")
"""What a time is typed with (`parse_elapsed`); any other character is a note's."""


class OffsetField(TextField):
    """The offset's input, which hands a note typed into it on to the note input."""

    def on_key(self, event: events.Key) -> None:
        # Dispatched before Input's own key handler (a base class's), which a prevented
        # default skips: the key is the note's, not the field's.
        screen = self.screen
        if isinstance(screen, OffsetScreen) and screen.hands_on(event):
            event.stop()
            event.prevent_default()


class OffsetScreen(ModalScreen[float | None]):
    """Dismisses the offset typed, or None (Esc). A character no time holds (a letter, a
    space) is a note-taker typing on after pressing the key by mistake: the dialog closes
    as Esc would, and what was typed into it, that key and the keys after it go to the note."""

    BINDINGS = cancel_only()

    def __init__(self, current: float, typing_goes_to: NoteInput | None = None) -> None:
        super().__init__()
        self.current = current
        self.shown = ("-" if current < 0 else "") + format_elapsed(abs(current))
        self.typing_goes_to = typing_goes_to
        self._handing_over = False

    def hands_on(self, event: events.Key) -> bool:
        """Whether `event` goes to the note input (then it has been handed on)."""
        note_input = self.typing_goes_to
        if note_input is None:
            return False
        if not self._handing_over:
            if not (event.is_printable and event.character):
                return False
            if event.character in TIME_CHARACTERS:
                return False
            self._handing_over = True
            typed = self.query_one(OffsetField).value
            if typed != self.shown:  # the digits typed before the first letter
                note_input.call_later(note_input.type_text, typed)
            self.dismiss(None)
        note_input.take_handed_key(event)
        return True

    def compose(self) -> ComposeResult:
        shown = self.shown
        with Vertical(classes="dialog"):
            yield Label("Recording offset", classes="dialog-title")
            yield Label(
                "How long had the recording been running when the clock read 00:00? "
                "Type seconds (45), mm:ss (0:45), or a negative time if it began later.",
                classes="dialog-help",
            )
            yield OffsetField(value=shown, id="offset-input")
            yield Label("", id="offset-error", classes="dialog-error")
            esc = self.app.key_word("dialog.cancel")
            yield Label(Text(f"Enter saves \u00b7 {esc} cancels"), classes="dialog-keys")
        yield KeyBar(("enter", "Save"))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self._handing_over:
            return
        try:
            seconds = parse_elapsed(event.value)
        except ValueError as error:
            self.query_one("#offset-error", Label).update(Text(visible_lines(str(error))))
            return
        self.dismiss(seconds)

    def action_cancel(self) -> None:
        self.dismiss(None)
