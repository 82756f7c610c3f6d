"""The new-session form: title, participant, goal and an optional guide file."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tui.domain.guide import GuideError
from tui.services.session_setup import create_session, read_guide
from tui.store import StoreError
from tui.widgets.bindings import bindings_for


class NewSessionScreen(ModalScreen[str | None]):
    """Dismisses with the new session's id, or None when cancelled."""

    BINDINGS = bindings_for("dialog")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label("New session", classes="dialog-title")
            yield Input(placeholder="Title, e.g. Onboarding study - P7", id="new-title")
            yield Input(placeholder="Participant, e.g. P7 (ops lead)", id="new-participant")
            yield Input(placeholder="Goal, e.g. Why do trials stall in week one?", id="new-goal")
            yield Input(placeholder="Guide file (Markdown), optional", id="new-guide")
            yield Label("", id="new-error", classes="dialog-error")
            yield Label("Tab moves \u00b7 Enter creates \u00b7 Esc cancels", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#new-title", Input).focus()

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def _error(self, message: str) -> None:
        self.query_one("#new-error", Label).update(Text(message))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        title = self._value("new-title")
        if not title:
            self._error("Give the session a title first.")
            self.query_one("#new-title", Input).focus()
            return
        guide = None
        guide_path = self._value("new-guide")
        if guide_path:
            try:
                guide = read_guide(Path(guide_path).expanduser())
            except GuideError as error:
                self._error(f"{error} Fix the guide, or clear the field to start without one.")
                return
            except OSError as error:
                self._error(f"Cannot read the guide {guide_path}: {error.strerror}.")
                return
        try:
            session_id = create_session(
                self.app.store,
                title=title,
                participant=self._value("new-participant"),
                goal=self._value("new-goal"),
                guide=guide,
                now=self.app.now(),
            )
        except StoreError as error:
            self._error(str(error))
            return
        self.dismiss(session_id)

    def action_cancel(self) -> None:
        self.dismiss(None)
