"""The debrief, right after an interview: what to look back on, and three prompts to answer
while it is fresh. The answers are saved with the session and shown on the sessions screen."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.domain.display_text import visible
from tui.domain.notes import format_elapsed
from tui.domain.pacing import TARGET_SHARE
from tui.domain.quotes import quote_words
from tui.services.interview_aids import DEBRIEF_PROMPTS, DebriefSummary
from tui.textual_compat import TextField
from tui.widgets.bindings import bindings_for, field_focus_keys, once_typed
from tui.widgets.key_bar import KeyBar
from tui.widgets.note_input import NoteInput

LISTED = 5
"""At most this many items of each list; the rest is counted."""


class AnswerField(TextField):
    """An answer's input, which hands the keys read once the debrief is left on to the note."""

    def on_key(self, event: events.Key) -> None:
        # Dispatched before Input's own key handler (a base class's), which a prevented
        # default skips.
        screen = self.screen
        if isinstance(screen, DebriefScreen) and screen.hands_on(event):
            event.stop()
            event.prevent_default()


class DebriefScreen(ModalScreen[dict[str, str] | None]):
    """Returns the answers (ctrl+s), or None for "not now" (Esc). "Not now" keeps what was
    typed: answers changed since the debrief opened are returned to be saved, as every way
    out of the interview keeps a note half typed."""

    BINDINGS = [*bindings_for("debrief"), *field_focus_keys()]
    """Enter moves on to the next answer as Tab does, as it is read (`field_focus_keys`); on
    the last one it saves."""

    def __init__(
        self,
        summary: DebriefSummary,
        participant: str = "",
        on_typed: Callable[[dict[str, str]], None] | None = None,
        typing_goes_to: NoteInput | None = None,
    ) -> None:
        super().__init__()
        self.summary = summary
        self.participant = participant
        self.on_typed = on_typed
        self.typing_goes_to = typing_goes_to
        """The note input of the interview it closes onto: the keys read after Esc or the save
        key (a typist going straight on with the next note) are the note's, not an answer's."""
        self._left = False
        """Called with the answers as they are typed (the interview keeps them on disk)."""

    def compose(self) -> ComposeResult:
        summary = self.summary
        next_answer = self.app.key_for("debrief.next")
        save = self.app.key_for("debrief.save")
        later = self.app.key_for("debrief.later")
        with VerticalScroll(classes="dialog debrief-dialog"):
            who = f" with {visible(self.participant)}" if self.participant else ""
            yield Static(Text(f"Debrief: the interview{who}"), classes="dialog-title")
            yield Static(
                Text(f"{next_answer} next answer \u00b7 {save} saves \u00b7 {later} not now"),
                classes="dialog-keys",
            )
            talk_key = self.app.key_for("interview.switch_speaker")
            yield Static(
                _talk_line(summary, talk_key), id="debrief-talk", classes="debrief-section"
            )
            followups = [n.text.lstrip().removeprefix("?").strip() for n in summary.open_followups]
            for name, title, texts in (
                ("starred", "Starred notes", [_words(n) for n in summary.starred]),
                ("followups", "Open follow-ups", followups),
                ("not-reached", "Questions not reached", [q.text for q in summary.not_reached]),
            ):
                yield Static(_listing(title, texts), id=f"debrief-{name}")
            for key, prompt in DEBRIEF_PROMPTS:
                yield Static(Text(prompt), classes="debrief-prompt")
                yield AnswerField(value=summary.answers.get(key, ""), id=f"debrief-{key}")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def hands_on(self, event: events.Key) -> bool:
        """Whether `event` goes to the note input (then it has been handed on)."""
        if not self._left or self.typing_goes_to is None:
            return False
        self.typing_goes_to.take_handed_key(event)
        return True

    def _stop_taking_keys(self) -> None:
        """At the key that leaves: once the answer being typed has the keys queued before it,
        the keys after it are the note's (in a burst they are queued behind it already)."""

        def left() -> None:
            self._left = True

        focused = self.focused
        if isinstance(focused, Input):
            focused.call_later(left)
        else:
            left()

    def on_input_changed(self, event: Input.Changed) -> None:
        if self.on_typed is not None and self.is_mounted:
            self.on_typed(self.answers())

    def answers(self) -> dict[str, str]:
        return {key: self.query_one(f"#debrief-{key}", Input).value for key, _ in DEBRIEF_PROMPTS}

    def action_next_answer(self) -> None:
        fields = list(self.query(Input))
        if self.focused is fields[-1]:
            self.action_save()
        else:
            self.app.action_focus_next()

    def action_save(self) -> None:
        # What every field holds once each has taken the keys typed before this one.
        self._stop_taking_keys()
        once_typed(list(self.query(Input)), lambda: self.dismiss(self.answers()))

    def action_later(self) -> None:
        def leave() -> None:
            answers = self.answers()
            typed = any(answers[key] != self.summary.answers.get(key, "") for key in answers)
            self.dismiss(answers if typed else None)

        self._stop_taking_keys()
        once_typed(list(self.query(Input)), leave)


def _talk_line(summary: DebriefSummary, talk_key: str) -> Text:
    share = summary.talk.participant_share
    line = Text()
    line.append("Talk time: ", style="bold")
    if share is None:
        line.append(
            f"not measured: {talk_key} times who speaks during the interview", style="italic"
        )
        return line
    low, high = (round(100 * bound) for bound in TARGET_SHARE)
    percent = round(100 * share)
    line.append(f"participant {percent}%", style="bold")
    line.append(
        f" of {format_elapsed(summary.talk.total)} timed (target {low}-{high}%)"
        + ("" if low <= percent <= high else ", off target")
    )
    return line


def _listing(title: str, texts: list[str]) -> Group:
    """The title, then each item after a dot; an item that wraps goes on under its own first
    word, not under the dot (a grid of the dot and the words)."""
    heading = Text(f"{title} ({len(texts)})", style="bold")
    if not texts:
        heading.append(": none", style="dim")
    items = Table.grid(padding=(0, 1, 0, 0))
    items.add_column(no_wrap=True)
    items.add_column(ratio=1)
    for text in texts[:LISTED]:
        items.add_row("\u00b7", Text(visible(text)))
    more = len(texts) - LISTED
    rest = [Text(f"\u2026 and {more} more", style="dim")] if more > 0 else []
    return Group(heading, *([items] if texts else []), *rest)


def _words(note) -> str:
    """A starred note as the debrief lists it: its words without the inline syntax (the `*`
    that starred it, `#tags`, `!emotions`), a quote in quote marks."""
    words = quote_words(note.text)
    return f"\u201c{words}\u201d" if note.kind == "quote" else words
