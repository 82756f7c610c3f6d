"""The interview header: clock, guide progress, you and who else is here, then title and
participant; the goal (or a failing save) on the second line, which a short terminal hides."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from rich.text import Text
from textual.reactive import var
from textual.widgets import Static

from tui.domain.display_text import visible, visible_lines
from tui.domain.notes import format_elapsed
from tui.domain.quotes import signed_offset

NARROW = 60
"""Below this many columns the header uses short forms (`0/13` for `0/13 asked`)."""


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
    author: str = ""
    """Who this instance is: shown beside who else is in."""
    advice: tuple[str, ...] = ()
    """Lines under the header: tmux settings to fix."""
    one_line: bool = False
    """A short terminal: the goal line is left out."""


class SessionHeader(Static):
    DEFAULT_CSS = """
    SessionHeader {
        height: auto;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding: 0 1;
        background: $primary-background;
    }
    """

    facts: var[HeaderFacts] = var(HeaderFacts, init=False)

    def on_resize(self) -> None:
        # The short forms and the advice's wrapping depend on the width. After this layout:
        # a height found during it (advice wrapped anew) would not be applied.
        self.call_after_refresh(lambda: self.watch_facts(self.facts))

    def watch_facts(self, facts: HeaderFacts) -> None:
        # Clock, progress and who is here first, whole: a long title must never push them off a
        # narrow pane; the title takes what is left.
        narrow = 0 < self.size.width < NARROW
        line = Text(no_wrap=True, overflow="ellipsis")
        if not facts.started:
            line.append(
                "\u23f1 --:--" if narrow else "\u23f1 --:-- starts with the first note",
                style="reverse",
            )
        else:
            clock = f"\u23f1 {format_elapsed(facts.elapsed)}" + ("" if facts.running else " paused")
            line.append(clock, style="bold" if facts.running else "reverse")
        if facts.recording_offset and not narrow:
            line.append(f" rec{signed_offset(facts.recording_offset)}", style="dim")
        line.append(f"  {facts.asked}/{facts.total}" + ("" if narrow else " asked"))
        if facts.author:
            line.append("  ")
            line.append(visible(facts.author), style="bold")
        if facts.others:
            joiner = "+" if narrow else " with "
            line.append(joiner + ", ".join(visible(o) for o in facts.others), style="italic")
        if facts.talk is not None:
            line.append_text(facts.talk)
        line.append("  ")
        if facts.save_problem and facts.one_line:  # no second line to say it on
            line.append(f"\u26a0 {facts.save_problem}", style="bold reverse")
        else:
            line.append(visible(facts.title), style="bold")
            if facts.participant:
                line.append(f" \u00b7 {visible(facts.participant)}")
        width = self.size.width or 80
        if facts.save_problem:
            # Wrapped, not cut: its cure is what a narrow pane would cut off. A sentence longer
            # than three lines is cut on one (the notice has it whole).
            # It names the lock's holder by its command line, which is anyone's.
            said = f"\u26a0 {visible_lines(facts.save_problem)}"
            problem = textwrap.wrap(said, max(width - 2, 20))
            seconds = [
                Text(part, style="bold reverse", no_wrap=True, overflow="ellipsis")
                for part in (problem if len(problem) <= 3 else [said])
            ]
        else:
            second = Text(no_wrap=True, overflow="ellipsis")
            second.append("Goal: ", style="dim")
            second.append(visible(facts.goal) if facts.goal else "(none set)", style="italic")
            seconds = [second]
        lines = [line] if facts.one_line else [line, *seconds]
        for text in facts.advice:
            # Wrapped, not cut: the line ends in the command that fixes it.
            for part in textwrap.wrap(f"\u26a0 {text}", max(width - 1, 20)):
                lines.append(Text(part, style="bold", no_wrap=True, overflow="ellipsis"))
        # A layout only when the number of rows changes (tmux advice, a short terminal).
        self.update(Text("\n").join(lines), layout=len(lines) != self.size.height)
