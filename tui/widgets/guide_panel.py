"""The question guide: sections, questions with their probes, the current one highlighted."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.domain.display_text import visible
from tui.domain.guide import Guide, GuideState

MARK_SYMBOLS = {"asked": "\u2713", "skipped": "\u2192"}


class QuestionItem(Static):
    DEFAULT_CSS = """
        QuestionItem {
            padding: 0 0 0 1;
        }
        QuestionItem.-current {
            background: $accent 30%;
        }
        QuestionItem.-asked {
            color: $text-muted;
        }
        QuestionItem.-skipped {
            color: $text-disabled;
        }
    """
    """A question as the guide marks it: current, asked or skipped."""

    def __init__(self, number: int, question_id: str) -> None:
        super().__init__(id=f"question-{question_id}")
        self.number = number
        self.question_id = question_id


class GuidePanel(VerticalScroll, can_focus=False):
    """Rebuilt when the guide changes; restyled (classes only) when the position moves."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.guide: Guide | None = None
        self._items: dict[str, QuestionItem] = {}

    def show_guide(self, guide: Guide, state: GuideState) -> None:
        self.guide = guide
        self.remove_children()
        self._items = {}
        widgets: list[Static] = []
        number = 0
        for section in guide.sections:
            widgets.append(Static(Text(visible(section.title)), classes="guide-section"))
            if section.intro:
                widgets.append(Static(Text(visible(section.intro)), classes="guide-intro"))
            for question in section.questions:
                number += 1
                item = QuestionItem(number, question.id)
                self._items[question.id] = item
                widgets.append(item)
        self.mount_all(widgets)
        self.show_state(state)

    def show_state(self, state: GuideState) -> None:
        if self.guide is None:
            return
        for question in self.guide.questions:
            item = self._items[question.id]
            mark = state.marks.get(question.id)
            current = question.id == state.current
            item.set_class(current, "-current")
            item.set_class(mark == "asked", "-asked")
            item.set_class(mark == "skipped", "-skipped")
            item.update(self._question_text(item.number, question, mark, current))
        current_item = self._items.get(state.current or "")
        if current_item is not None:
            self.call_after_refresh(self.scroll_to_center, current_item, animate=False)

    @staticmethod
    def _question_text(number, question, mark, current) -> Table:
        """A two-column grid, so wrapped lines hang under the question, not under its number."""
        symbol = MARK_SYMBOLS.get(mark or "", "\u25b6" if current else " ")
        grid = Table.grid(expand=True)
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_row(
            Text(f"{symbol}{number:>3}. ", style="bold" if current else ""),
            Text(visible(question.text), style="bold" if current else ""),
        )
        for warning in question.warnings:
            grid.add_row("", Text(f"\u26a0 {warning}", style="italic"))
        for probe in question.probes:
            grid.add_row("", Text(f"\u00b7 {visible(probe)}", style="dim"))
        return grid
