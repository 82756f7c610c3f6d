"""Reopening a session whose clock the last instance paused on closing: does the time away
count (the interview went on without Fieldnote open), or does the clock go on from the pause?"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from tui.domain.notes import format_elapsed
from tui.widgets.bindings import bindings_for


class ResumeClockScreen(ModalScreen[bool | None]):
    """Dismisses True (count the time away), False (continue from the pause) or None (keep
    the clock paused; ctrl+r starts it when the interview does)."""

    BINDINGS = bindings_for("resume")

    def __init__(self, reading: float, closed_at: datetime, now: datetime) -> None:
        super().__init__()
        self.reading = reading
        self.away = max(0.0, (now - closed_at).total_seconds())

    def compose(self) -> ComposeResult:
        reading, away = format_elapsed(self.reading), format_elapsed(self.away)
        counted = format_elapsed(self.reading + self.away)
        with Vertical(classes="dialog"):
            yield Label("The clock paused when everyone closed", classes="dialog-title")
            yield Label(
                Text(
                    f"It reads {reading}; the session was closed {away} ago. If the interview "
                    f"went on meanwhile, count the time away ({counted} now); else continue "
                    f"from {reading}."
                )
            )
            yield Label(
                f"a count the time away \u00b7 c or Enter continue from {reading} "
                "\u00b7 Esc keep it paused",
                classes="dialog-keys",
            )

    def action_count_away(self) -> None:
        self.dismiss(True)

    def action_from_pause(self) -> None:
        self.dismiss(False)

    def action_keep_paused(self) -> None:
        self.dismiss(None)
