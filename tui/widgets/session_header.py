"""The interview header: title, participant, goal, clock, guide progress, who else is here."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.domain.display_text import visible
from tui.domain.notes import format_elapsed


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
    ) -> None:
        # Clock and progress first: a long title must never push them off a narrow pane.
        line = Text(no_wrap=True, overflow="ellipsis")
        if not started:
            line.append("\u23f1 --:-- starts with the first note", style="reverse")
        else:
            clock = f"\u23f1 {format_elapsed(elapsed)}" + ("" if running else " paused")
            line.append(clock, style="bold" if running else "reverse")
        if recording_offset:
            sign = "-" if recording_offset < 0 else "+"
            line.append(f" rec{sign}{format_elapsed(abs(recording_offset))}", style="dim")
        line.append(f"  {asked}/{total} asked")
        if talk is not None:
            line.append_text(talk)
        line.append("  ")
        line.append(visible(title), style="bold")
        if participant:
            line.append(f" \u00b7 {visible(participant)}")
        if others:
            line.append(f"  with {', '.join(visible(o) for o in others)}", style="italic")
        second = Text(no_wrap=True, overflow="ellipsis")
        if save_problem:
            second.append(f"\u26a0 {save_problem}", style="bold reverse")
        else:
            second.append("Goal: ", style="dim")
            second.append(visible(goal) if goal else "(none set)", style="italic")
        self.update(Text("\n").join([line, second]))
