"""The question guide: sections, questions with their probes, the current one highlighted."""

from __future__ import annotations

from functools import lru_cache

from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.reactive import var
from textual.widgets import Static

from tui.domain.display_text import cut, visible
from tui.domain.guide import Guide, GuideState
from tui.domain.notes import format_elapsed
from tui.services.guide_lint import GuideFinding

MARK_SYMBOLS = {"asked": "\u2713", "skipped": "\u2192"}
QUESTION_CELLS = 280
"""A question, probe or note longer than this is cut with … (a question of 15,000 characters
filled the guide pane, the questions after it out of reach); the guide file keeps it whole,
and the guide says so under it. A scenario question a researcher reads aloud runs to about
250 characters and stays whole; 280 fills four rows of the folded question at 80 columns, which
leaves its fifth to a probe."""


# Kept per text: the once-a-second tick redraws the current question for its time, and its
# words, note and probes are cut the same until their text changes (a cut counts cells, not
# the pane's width).
@lru_cache(maxsize=1024)
def guide_line(text: str) -> str:
    return cut(text, QUESTION_CELLS)


@lru_cache(maxsize=1024)
def _was_cut(text: str) -> bool:
    return guide_line(text) != visible(text)  # by cells: wide characters count two


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
    """Rebuilt when the guide changes; restyled (classes only) when `state` changes."""

    state: var[GuideState | None] = var(None, init=False)
    """Where the interview is in the guide: the current question and the marks."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.guide: Guide | None = None
        self._items: dict[str, QuestionItem] = {}
        self._findings: dict[str, list[GuideFinding]] = {}
        self._times: dict[str, str] = {}

    def show_guide(self, guide: Guide, findings: list[GuideFinding] | None = None) -> None:
        self.guide = guide
        self._findings = {}
        for found in findings or []:
            self._findings.setdefault(found.question_id, []).append(found)
        self.remove_children()
        self._items = {}
        widgets: list[Static] = []
        number = 0
        empty = {id(section) for section in guide.empty_sections()}
        for section in guide.sections:
            heading = "guide-section" if section.level <= 2 else "guide-subsection"
            title = Text(visible(section.title))
            if id(section) in empty:
                # Said, so it reads as the guide's gap, not a place: the cursor moves between
                # questions and never stops on it (`fieldnote lint` names its line).
                title.append(" (no questions)", style="not bold italic")
                heading += " -empty"
            widgets.append(Static(title, classes=heading))
            if section.intro:
                widgets.append(Static(Text(visible(section.intro)), classes="guide-intro"))
            for question in section.questions:
                number += 1
                item = QuestionItem(number, question.id)
                self._items[question.id] = item
                widgets.append(item)
        self.mount_all(widgets)
        self.watch_state(self.state)

    def watch_state(self, state: GuideState | None) -> None:
        if self.guide is None or state is None:
            return
        for question in self.guide.questions:
            item = self._items[question.id]
            mark = state.marks.get(question.id)
            current = question.id == state.current
            item.set_class(current, "-current")
            item.set_class(mark == "asked", "-asked")
            item.set_class(mark == "skipped", "-skipped")
            self._draw(item, question)
        self._scroll_to_current()

    def on_resize(self) -> None:
        # Shown (unfolded, or first laid out) or resized: the current question in view again.
        self._scroll_to_current()

    def _scroll_to_current(self) -> None:
        current_item = self._items.get(self.state.current or "") if self.state else None
        if current_item is not None:
            self.call_after_refresh(self.scroll_to_center, current_item, animate=False)

    def show_times(self, seconds: dict[str, float]) -> None:
        """Time spent on each question (the current one's still running); redraws only the
        questions whose shown time changed, so the once-a-second tick stays cheap."""
        if self.guide is None or self.state is None:
            return
        for question in self.guide.questions:
            shown = format_elapsed(seconds[question.id]) if seconds.get(question.id) else ""
            before = self._times.get(question.id, "")
            if before != shown:
                self._times[question.id] = shown
                item = self._items[question.id]
                if len(before) == len(shown):
                    # The same rows: no layout of the screen (a reflow and a repaint of every
                    # widget) once a second.
                    self._draw(item, question, layout=False)
                else:
                    # A time's row comes or goes: the screen is laid out again, a frame after
                    # whatever asked for the times (the first note) is drawn.
                    self.call_after_refresh(self._draw, item, question)

    def _draw(self, item: QuestionItem, question, layout: bool = True) -> None:
        state = self.state
        mark = state.marks.get(question.id)
        current = question.id == state.current
        found = self._findings.get(question.id, [])
        time = self._times.get(question.id, "")
        text = self._question_text(item.number, question, mark, current, found, time)
        item.update(text, layout=layout)

    @staticmethod
    def _question_text(number, question, mark, current, found, time) -> Table:
        """A two-column grid, so wrapped lines hang under the question, not under its number."""
        symbol = MARK_SYMBOLS.get(mark or "", "\u25b6" if current else " ")
        grid = Table.grid(expand=True)
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_row(
            Text(f"{symbol}{number:>3}. ", style="bold" if current else ""),
            Text(guide_line(question.text), style="bold" if current else ""),
        )
        texts = (question.text, question.note, *question.probes)
        if any(_was_cut(t) for t in texts):
            grid.add_row("", Text("(cut: the guide file has it whole)", style="dim italic"))
        if time:
            # Under the question, so it never takes width from the question's words.
            grid.add_row("", Text(f"\u23f1 {time}" + (" so far" if current else ""), style="dim"))
        if flags := lint_flags(found, None):
            grid.add_row("", flags)
        if question.note:
            grid.add_row("", note_text(question.note))
        for index, probe in enumerate(question.probes):
            grid.add_row("", Text(f"\u00b7 {guide_line(probe)}", style="dim"))
            if flags := lint_flags(found, index):
                grid.add_row("", flags)
        return grid


def note_text(note: str, *, one_line: bool = False) -> Text:
    """An interviewer note as the guide shows it: dimmed, unnumbered, never like a question."""
    text = Text(f"\u203a {guide_line(note)}", style="dim italic", no_wrap=one_line)
    if one_line:
        text.overflow = "ellipsis"
    return text


def lint_flags(found: list[GuideFinding], probe: int | None) -> Text | None:
    """The lint's rules for the question (or one probe), kept to one short line in a narrow
    pane; `fieldnote lint` gives each reason and a rewrite."""
    rules = [item.finding.rule for item in found if item.probe == probe]
    if not rules:
        return None
    return Text("\u26a0 " + " \u00b7 ".join(visible(rule) for rule in rules), style="italic")
