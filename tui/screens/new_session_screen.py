"""The new-session form: title, participant, goal and an optional guide file."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tui.domain.display_text import visible, visible_lines
from tui.domain.guide import GuideError
from tui.services.session_setup import read_guide
from tui.store import StoreError
from tui.textual_compat import TextField
from tui.widgets.bindings import cancel_only, field_focus_keys
from tui.widgets.key_bar import KeyBar


class NewSessionScreen(ModalScreen[str | None]):
    """Dismisses with the new session's id, or None when cancelled."""

    BINDINGS = [*cancel_only(), *field_focus_keys()]
    AUTO_FOCUS = ""  # none: `on_mount` focuses the first field without scrolling to it

    def compose(self) -> ComposeResult:
        form = VerticalScroll(classes="dialog", id="new-session-form")
        form.can_focus = False  # Tab goes round the fields; each comes into view when focused
        with form:
            yield Label("New session", classes="dialog-title")
            yield TextField(placeholder="Title, e.g. Onboarding study - P7", id="new-title")
            yield TextField(placeholder="Participant, e.g. P7 (ops lead)", id="new-participant")
            yield TextField(
                placeholder="Goal, e.g. Why do trials stall in week one?", id="new-goal"
            )
            yield TextField(placeholder="Guide file (Markdown), optional", id="new-guide")
            yield Label("", id="new-error", classes="dialog-error")
            esc = self.app.key_word("dialog.cancel")
            yield Label(
                Text(f"Tab moves \u00b7 Enter creates \u00b7 {esc} cancels"), classes="dialog-keys"
            )
        yield KeyBar(("enter", "Create"), ("tab", "Next field"))

    def on_mount(self) -> None:
        # Not scrolled to: in a pane shorter than the form (40x24, where the keys' line wraps)
        # that scrolled the form's title out of view. The first field sits just under it.
        self.query_one("#new-title", Input).focus(scroll_visible=False)

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def _error(self, message: str) -> None:
        error = self.query_one("#new-error", Label)
        error.update(Text(visible_lines(message)))  # it may quote a pasted path
        # Below the last field, out of view in a 24-row terminal: brought into it with the line
        # of keys under it (the keys first, so a sentence too tall for both still shows whole).
        keys = self.query_one(".dialog-keys", Label)

        def show() -> None:
            keys.scroll_visible(animate=False, immediate=True)
            error.scroll_visible(animate=False, immediate=True)

        self.call_after_refresh(show)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        title = self._value("new-title")
        if not title:
            self._error("Give the session a title first.")
            self.query_one("#new-title", Input).focus()
            return
        fields = {name: self._value(f"new-{name}") for name in ("participant", "goal", "guide")}
        self._create(title, **fields)

    @work(thread=True, exclusive=True, group="new-session")
    def _create(self, title: str, participant: str, goal: str, guide: str) -> None:
        """Read the guide and write the new file off the UI thread; report back on it."""
        problem, session_id = None, None
        try:
            parsed = read_guide(Path(guide).expanduser()) if guide else None
            session_id = self.app.sessions.create(
                title=title, participant=participant, goal=goal, guide=parsed, now=self.app.now()
            )
        except GuideError as error:
            problem = f"{error} Fix the guide, or clear the field to start without one."
        except OSError as error:
            problem = (
                f"Cannot read the guide {visible(guide)}: {error.strerror}; check the path, "
                "or clear the field to start without one."
            )
        except StoreError as error:
            problem = str(error)
        if problem is not None:
            self.app.call_from_thread(self._error, problem)
        else:
            self.app.call_from_thread(self.dismiss, session_id)

    def action_cancel(self) -> None:
        self.dismiss(None)
