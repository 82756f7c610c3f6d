"""Ask how far the recording is ahead of the interview clock."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tui.domain.notes import format_elapsed, parse_elapsed
from tui.widgets.bindings import cancel_only
from tui.widgets.key_bar import KeyBar


class OffsetScreen(ModalScreen[float | None]):
    BINDINGS = cancel_only()

    def __init__(self, current: float) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        shown = ("-" if self.current < 0 else "") + format_elapsed(abs(self.current))
        with Vertical(classes="dialog"):
            yield Label("Recording offset", classes="dialog-title")
            yield Label(
                "How long had the recording been running when the clock read 00:00? "
                "Type seconds (45), mm:ss (0:45), or a negative time if it began later.",
                classes="dialog-help",
            )
            yield Input(value=shown, id="offset-input")
            yield Label("", id="offset-error", classes="dialog-error")
            yield Label("Enter saves \u00b7 Esc cancels", classes="dialog-keys")
        yield KeyBar(("enter", "Save"))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            seconds = parse_elapsed(event.value)
        except ValueError as error:
            self.query_one("#offset-error", Label).update(Text(str(error)))
            return
        self.dismiss(seconds)

    def action_cancel(self) -> None:
        self.dismiss(None)
