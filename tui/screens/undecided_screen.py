"""The values a sync could not decide (a field both laptops changed), to settle one by one:
keep the value the merge kept, or take the other side's."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.domain.display_text import visible
from tui.services.sync.undecided import TeamSync, Undecided
from tui.store import StoreError
from tui.widgets.bindings import bindings_for
from tui.widgets.key_bar import KeyBar


class UndecidedScreen(ModalScreen[None]):
    BINDINGS = bindings_for("undecided")

    def __init__(self, team: TeamSync) -> None:
        super().__init__()
        self.team = team
        self.items: list[Undecided] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="undecided-dialog"):
            yield Static(Text("Undecided after a sync"), classes="dialog-title")
            yield OptionList(id="undecided", compact=True)
            yield Static("", id="undecided-status", classes="dialog-help")
            yield Static(self._keys_said(), classes="dialog-keys")
        yield KeyBar()

    def _keys_said(self) -> Text:
        """The dialog's keys: how to settle the value under the cursor while there is one."""
        back = self.app.key_for("undecided.back")
        if not self.items:
            return Text(f"{back} closes")
        keep, other = self.app.key_for("undecided.keep"), self.app.key_for("undecided.take_other")
        return Text(
            f"{keep} keeps the merged value \u00b7 {other} takes the other side's"
            f" \u00b7 {back} closes"
        )

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Keep and take are offered only while a value is left to settle."""
        return bool(self.items) if action == "settle" else True

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._load()

    @work(thread=True, exclusive=True, group="undecided")
    def _load(self) -> None:
        self.app.call_from_thread(self._show, self.team.undecided())

    def _show(self, items: list[Undecided]) -> None:
        self.items = items
        options = self.query_one(OptionList)
        at = options.highlighted or 0
        options.clear_options()
        options.add_options([Option(Text(visible(item.line()))) for item in items])
        if items:
            options.highlighted = min(at, len(items) - 1)
        status = "Nothing undecided." if not items else f"{len(items)} value(s) to settle."
        self.query_one("#undecided-status", Static).update(Text(status))
        self.query_one(".dialog-keys", Static).update(self._keys_said())
        self.refresh_bindings()

    def action_settle(self, take_other: bool) -> None:
        at = self.query_one(OptionList).highlighted
        if at is None or not 0 <= at < len(self.items):
            return
        self._settle(self.items[at], take_other)

    @work(thread=True, exclusive=True, group="undecided")
    def _settle(self, item: Undecided, take_other: bool) -> None:
        try:
            said = self.team.settle(item, take_other=take_other)
        except StoreError as error:
            self.app.call_from_thread(
                self.notify, str(error), severity="error", timeout=8, markup=False
            )
        else:
            if said is not None:
                self.app.call_from_thread(
                    self.notify, said, severity="warning", timeout=12, markup=False
                )
        self.app.call_from_thread(self._show, self.team.undecided())

    def action_back(self) -> None:
        self.dismiss(None)
