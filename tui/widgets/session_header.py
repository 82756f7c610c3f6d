"""The interview header: title, participant, goal, clock, guide progress, who else is here."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.reactive import var
from textual.widgets import Static

from tui.domain.display_text import visible
from tui.domain.notes import format_elapsed


@dataclass(frozen=True)
class HeaderFacts:
    """Everything the header shows. Equal facts draw nothing: the clock's tick redraws the
    header once a second only while the shown time changes."""

    title: str = ""
    participant: str = ""
    goal: str = ""
    elapsed: int = 0
    """Whole seconds: what the clock shows."""
    running: bool = False
    started: bool = False
    asked: int = 0
    total: int = 0
    recording_offset: float = 0.0
    others: tuple[str, ...] = ()
    save_problem: str | None = None
    talk: Text | None = None
    """The talk-time meter (tui/widgets/talk_meter.py), or None."""


class SessionHeader(Static):
    DEFAULT_CSS = """
    SessionHeader {
        height: 2;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding: 0 1;
        background: $primary-background;
    }
    """

    facts: var[HeaderFacts] = var(HeaderFacts, init=False)

    def watch_facts(self, facts: HeaderFacts) -> None:
        # Clock and progress first: a long title must never push them off a narrow pane.
        line = Text(no_wrap=True, overflow="ellipsis")
        if not facts.started:
            line.append("\u23f1 --:-- starts with the first note", style="reverse")
        else:
            clock = f"\u23f1 {format_elapsed(facts.elapsed)}" + ("" if facts.running else " paused")
            line.append(clock, style="bold" if facts.running else "reverse")
        if facts.recording_offset:
            sign = "-" if facts.recording_offset < 0 else "+"
            line.append(f" rec{sign}{format_elapsed(abs(facts.recording_offset))}", style="dim")
        line.append(f"  {facts.asked}/{facts.total} asked")
        if facts.talk is not None:
            line.append_text(facts.talk)
        line.append("  ")
        line.append(visible(facts.title), style="bold")
        if facts.participant:
            line.append(f" \u00b7 {visible(facts.participant)}")
        if facts.others:
            line.append(f"  with {', '.join(visible(o) for o in facts.others)}", style="italic")
        second = Text(no_wrap=True, overflow="ellipsis")
        if facts.save_problem:
            second.append(f"\u26a0 {facts.save_problem}", style="bold reverse")
        else:
            second.append("Goal: ", style="dim")
            second.append(visible(facts.goal) if facts.goal else "(none set)", style="italic")
        self.update(Text("\n").join([line, second]), layout=False)  # two rows, always
