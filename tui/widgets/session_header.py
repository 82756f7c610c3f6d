"""The interview header: clock, guide progress, you and who else is here, then title and
participant; the goal (or a failing save) on the second line, which a short terminal hides."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.domain.display_text import visible
from tui.domain.notes import format_elapsed

NARROW = 60
"""Below this many columns the header uses short forms (`0/13` for `0/13 asked`)."""


class SessionHeader(Static):
    def show(
        self,
        *,
        title: str,
        participant: str,
        goal: str,
        elapsed: float,
        running: bool,
        started: bool,
        asked: int,
        total: int,
        recording_offset: float = 0.0,
        others: list[str] | None = None,
        save_problem: str | None = None,
        talk: Text | None = None,
        author: str = "",
        advice: list[str] | None = None,
        one_line: bool = False,
    ) -> None:
        """`advice`: lines shown under the header (tmux settings to fix); `one_line`: a short
        terminal, where the goal line is left out."""
        # Clock, progress and who is here first, whole: a long title must never push them off a
        # narrow pane; the title takes what is left.
        narrow = 0 < self.size.width < NARROW
        line = Text(no_wrap=True, overflow="ellipsis")
        if not started:
            line.append(
                "\u23f1 --:--" if narrow else "\u23f1 --:-- starts with the first note",
                style="reverse",
            )
        else:
            clock = f"\u23f1 {format_elapsed(elapsed)}" + ("" if running else " paused")
            line.append(clock, style="bold" if running else "reverse")
        if recording_offset and not narrow:
            sign = "-" if recording_offset < 0 else "+"
            line.append(f" rec{sign}{format_elapsed(abs(recording_offset))}", style="dim")
        line.append(f"  {asked}/{total}" + ("" if narrow else " asked"))
        if author:
            line.append("  ")
            line.append(visible(author), style="bold")
        if others:
            joiner = "+" if narrow else " with "
            line.append(joiner + ", ".join(visible(o) for o in others), style="italic")
        if talk is not None:
            line.append_text(talk)
        line.append("  ")
        if save_problem and one_line:  # no second line to say it on
            line.append(f"\u26a0 {save_problem}", style="bold reverse")
        else:
            line.append(visible(title), style="bold")
            if participant:
                line.append(f" \u00b7 {visible(participant)}")
        second = Text(no_wrap=True, overflow="ellipsis")
        if save_problem:
            second.append(f"\u26a0 {save_problem}", style="bold reverse")
        else:
            second.append("Goal: ", style="dim")
            second.append(visible(goal) if goal else "(none set)", style="italic")
        lines = [line] if one_line else [line, second]
        for text in advice or []:
            lines.append(Text(f"\u26a0 {text}", style="bold", no_wrap=True, overflow="ellipsis"))
        self.update(Text("\n").join(lines))
