"""Reopening a session whose clock the last instance paused on closing: does the time away
count (the interview went on without Fieldnote open), or does the clock go on from the pause?

A note-taker who reopens mid-interview starts typing at once, so the dialog's choices are keys
no one types in a note (Enter, ctrl+t, Esc), and a typed character is never eaten: it answers
as Enter does (continue from the pause) and goes into the note input, with the characters
typed after it, in order."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from tui.domain.notes import format_elapsed
from tui.widgets.bindings import bindings_for
from tui.widgets.key_bar import KeyBar
from tui.widgets.note_input import HandsTypingOn, NoteInput


class ResumeClockScreen(HandsTypingOn, ModalScreen[bool | None]):
    """Dismisses True (count the time away), False (continue from the pause) or None (keep
    the clock paused; ctrl+r starts it when the interview does)."""

    BINDINGS = bindings_for("resume")
    HANDED_ON = False
    """Typing a note continues from the pause."""

    def __init__(
        self,
        reading: float,
        closed_at: datetime,
        now: datetime,
        typing_goes_to: NoteInput | None = None,
    ) -> None:
        super().__init__()
        self.reading = reading
        self.away = max(0.0, (now - closed_at).total_seconds())
        self.typing_goes_to = typing_goes_to

    def compose(self) -> ComposeResult:
        reading, away = format_elapsed(self.reading), format_elapsed(self.away)
        counted = format_elapsed(self.reading + self.away)
        key = self.app.key_word
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
                Text(
                    f"{key('resume.from_pause')} continue from {reading} \u00b7 "
                    f"{key('resume.count_away')} count the time away \u00b7 "
                    f"{key('resume.keep_paused')} keep it paused \u00b7 typing a note continues "
                    "from the pause"
                ),
                classes="dialog-keys",
            )
        yield KeyBar()

    def action_count_away(self) -> None:
        self.dismiss(True)

    def action_from_pause(self) -> None:
        self.dismiss(False)

    def action_keep_paused(self) -> None:
        self.dismiss(None)
