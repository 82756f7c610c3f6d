"""The guide collapsed to what is being asked: the current question, the time spent on it so
far and its probes, full width above the notes. Shown instead of the guide column in a narrow
pane or when the guide is folded.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from tui.domain.display_text import visible
from tui.domain.guide import Guide, GuideState
from tui.domain.notes import format_elapsed
from tui.services.guide_lint import GuideFinding
from tui.widgets.guide_panel import guide_line, lint_flags, note_text


class CurrentQuestion(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple | None = None
        """What `show` was last given, for `show_time` to draw again with."""
        self._time = ""
        """The current question's time as shown (`00:42`), "" before it has any."""

    def show(
        self,
        guide: Guide,
        state: GuideState,
        *,
        probes: bool,
        findings: list[GuideFinding] | None = None,
    ) -> None:
        """`probes`: list the probes under the question (no room for them on a short screen).
        `findings`: the guide's lint, marked before the words so no width cuts the mark."""
        self._shown = (guide, state, probes, findings)
        self._draw()

    def show_time(self, seconds: float | None) -> None:
        """The time spent on the current question so far, in its first line (the guide column,
        which shows it under the question, is hidden here). Drawn only when the shown time
        changes: at most once a second while the clock runs, never while it is paused."""
        shown = format_elapsed(seconds) if seconds else ""
        if shown == self._time:
            return
        layout = len(shown) != len(self._time)  # the same cells: the same rows
        self._time = shown
        if self._shown is not None and self.display:
            self._draw(layout=layout)

    def _draw(self, layout: bool = True) -> None:
        guide, state, probes, findings = self._shown
        question = guide.question(state.current)
        if question is None:
            self.update(Text("No guide question", style="italic"), layout=layout)
            return
        # Wrapped when there is room; one line with an ellipsis on a short screen.
        first = Text(no_wrap=not probes, overflow="ellipsis")
        number = guide.questions.index(question) + 1
        first.append(f"Q{number}/{len(guide.questions)} ", style="bold")
        if self._time:
            # Before the words, so a line cut with an ellipsis keeps it.
            first.append(f"\u23f1 {self._time} ", style="dim")
        if mark := state.marks.get(question.id):
            first.append(f"({mark}) ", style="italic")
        found = [item for item in findings or [] if item.question_id == question.id]
        if flags := lint_flags(found, None):
            first.append_text(flags)
            first.append(" ")
        first.append(guide_line(question.text))  # cut: the probes stay in its five rows
        lines = [first]
        if probes:
            if question.note:
                # Before the probes: with five rows at most, the instruction stays in view.
                lines.append(note_text(question.note, one_line=True))
            for index, probe in enumerate(question.probes):
                line = Text(no_wrap=True, overflow="ellipsis", style="dim")
                line.append("  \u00b7 ")
                if flags := lint_flags(found, index):
                    line.append_text(flags)
                    line.append(" ")
                line.append(visible(probe))
                lines.append(line)
        # A group, not one joined Text, so each line keeps its own no_wrap and ellipsis.
        self.update(Group(*lines), layout=layout)
