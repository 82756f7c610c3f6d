"""Small dialogs: ask for one line of text, or a yes/no question. Texts are never markup,
and are drawn `visible`: a title or question names a tag or a session as a shared folder
stores it, and an error sentence quotes what was typed."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.domain.display_text import visible, visible_lines
from tui.textual_compat import TextField
from tui.widgets.bindings import bindings_for, cancel_only
from tui.widgets.key_bar import KeyBar


class PromptScreen(ModalScreen[str | None]):
    """One line of text; Enter returns it (after `check`, which may return an error sentence)."""

    BINDINGS = cancel_only()

    def __init__(
        self,
        title: str,
        help_text: str = "",
        value: str = "",
        check: Callable[[str], str | None] | None = None,
        cancel_label: str = "cancels",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.help_text = help_text
        self.value = value
        self.check = check
        self.cancel_label = cancel_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(visible(self.title_text)), classes="dialog-title")
            if self.help_text:
                yield Static(Text(visible_lines(self.help_text)), classes="dialog-help")
            yield TextField(value=self.value, id="prompt-input")
            yield Static("", id="prompt-error", classes="dialog-error")
            esc = self.app.key_word("dialog.cancel")
            yield Static(
                Text(f"Enter saves \u00b7 {esc} {self.cancel_label}"), classes="dialog-keys"
            )
        yield KeyBar(("enter", "Save"))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        problem = self.check(event.value) if self.check else None
        if problem:
            self.query_one("#prompt-error", Static).update(Text(visible_lines(problem)))
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: y confirms, Esc declines."""

    BINDINGS = bindings_for("dialog")

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        yes = self.app.key_for("dialog.confirm")
        no = self.app.key_for("dialog.cancel")
        with Vertical(classes="dialog"):
            yield Static(Text(visible(self.title_text)), classes="dialog-title")
            yield Static(Text(visible_lines(self.question)), classes="dialog-help")
            yield Static(Text(f"{yes} yes \u00b7 {no} no"), classes="dialog-keys")
        yield KeyBar()

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
