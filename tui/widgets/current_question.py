"""The guide collapsed to what is being asked: the current question and its probes, full width
above the notes. Shown instead of the guide column in a narrow pane or when the guide is folded.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.domain.display_text import visible
from tui.domain.guide import Guide, GuideState


class CurrentQuestion(Static):
    def show(self, guide: Guide, state: GuideState, *, probes: bool) -> None:
        """`probes`: list the probes under the question (no room for them on a short screen)."""
        question = guide.question(state.current)
        if question is None:
            self.update(Text("No guide question", style="italic"))
            return
        # Wrapped when there is room; one line with an ellipsis on a short screen.
        first = Text(no_wrap=not probes, overflow="ellipsis")
        number = guide.questions.index(question) + 1
        first.append(f"Q{number}/{len(guide.questions)} ", style="bold")
        if mark := state.marks.get(question.id):
            first.append(f"({mark}) ", style="italic")
        first.append(visible(question.text))
        lines = [first]
        if probes:
            for probe in question.probes:
                line = Text(no_wrap=True, overflow="ellipsis", style="dim")
                line.append(f"  \u00b7 {visible(probe)}")
                lines.append(line)
        self.update(Text("\n").join(lines))
