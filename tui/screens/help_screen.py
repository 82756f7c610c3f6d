"""F1: every key of every screen, generated from the binding registry and the active keymap."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from tui.services.actions import SCREENS, actions_for
from tui.widgets.bindings import bindings_for


class HelpScreen(ModalScreen[None]):
    BINDINGS = bindings_for("dialog")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help-dialog"):
            yield Label("Keys", classes="dialog-title")
            yield Static(self._table(), id="help-table")
            yield Label(
                'Inline while typing a note: "quote  > quote  ?follow-up  !emotion  #tag  '
                "* at the start stars it.  Esc closes.",
                classes="dialog-keys",
                markup=False,
            )

    def _table(self) -> Table:
        table = Table(box=None, expand=True, show_header=True, pad_edge=False)
        table.add_column("Key", no_wrap=True)
        table.add_column("Does")
        table.add_column("Id", style="dim", overflow="fold")
        for screen, title in SCREENS.items():
            specs = actions_for(screen)
            if not specs:
                continue
            table.add_row(Text(title, style="bold underline"), "", "")
            for spec in specs:
                table.add_row(Text(self.app.keys_for(spec.id)), Text(spec.description), spec.id)
        table.add_row(Text("Palette", style="bold underline"), "", "")
        table.add_row(Text(self.app.get_key_display_for_palette()), "Command palette", "")
        return table

    def action_cancel(self) -> None:
        self.dismiss(None)
