"""Quitting with changes the data folder has not taken: retry, save them elsewhere, or stay."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from tui.live import LiveSession
from tui.widgets.bindings import bindings_for


class QuitScreen(ModalScreen[bool]):
    """Dismisses True when it is safe (or the user chose) to quit."""

    BINDINGS = bindings_for("quit")

    def __init__(self, live: LiveSession, rescue_path: Path) -> None:
        super().__init__()
        self.live = live
        self.rescue_path = rescue_path

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Unsaved notes", classes="dialog-title")
            yield Label(id="quit-message")
            yield Label(
                "r retry now \u00b7 s save them to the file above \u00b7 q quit and lose them "
                "\u00b7 Esc stay",
                classes="dialog-keys",
            )

    def on_mount(self) -> None:
        self._explain()

    def _explain(self, extra: str = "") -> None:
        count = len(self.live.unsaved_notes())
        problem = self.live.last_error or "The data folder has not confirmed the last writes."
        self.query_one("#quit-message", Label).update(
            Text(
                f"{count} note(s) and {self.live.unsaved} change(s) are only in memory. {problem}\n"
                f"They can be written to {self.rescue_path}.{extra}"
            )
        )

    def action_retry(self) -> None:
        if self.live.flush(timeout=3):
            self.dismiss(True)
        else:
            self._explain(" Still failing.")

    def action_save_elsewhere(self) -> None:
        try:
            count = self.live.save_unsaved_to(self.rescue_path)
        except OSError as error:
            self._explain(f" Writing there failed too: {error.strerror}.")
            return
        self.app.rescued_to = (count, self.rescue_path)
        self.dismiss(True)

    def action_quit_anyway(self) -> None:
        self.dismiss(True)

    def action_stay(self) -> None:
        self.dismiss(False)
