"""The live interview: the guide beside the timestamped note stream, the note input below.

Every key here works while the note input has focus (the bindings have priority), so the
note-taker never leaves it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Static

from tui.domain.display_text import visible
from tui.domain.guide import GuideState
from tui.domain.notes import Note, format_elapsed
from tui.screens.debrief_screen import DebriefScreen
from tui.screens.offset_screen import OffsetScreen
from tui.screens.prompt_screen import PromptScreen
from tui.screens.quit_screen import QuitScreen
from tui.services.live_session import LiveSession, RemoteState, SaveState
from tui.store import StoreError
from tui.widgets.bindings import bindings_for
from tui.widgets.guide_panel import GuidePanel
from tui.widgets.key_bar import KeyBar
from tui.widgets.note_input import NoteInput
from tui.widgets.note_stream import NoteStream
from tui.widgets.parking_lot import ParkingLot
from tui.widgets.session_header import HeaderFacts, SessionHeader
from tui.widgets.talk_meter import talk_meter

NARROW_WIDTH = 70
"""Below this many columns the guide collapses to a one-line current question."""
DISK_POLL_SECONDS = 0.5
"""The fallback for another instance's writes: a file-change notification comes first."""


def after_typed_keys(action: Callable[..., None]) -> Callable[..., None]:
    """Run a key's action after the keys the note input has already queued.

    The interview keys are priority bindings (they must work while typing), and Textual runs
    those as soon as they arrive, ahead of an Enter or letters still queued for the input: type,
    Enter, ctrl+s would star the note before the one just typed. Deferring the action into the
    input's own queue puts it back in keystroke order.
    """

    @functools.wraps(action)
    def in_keystroke_order(self: InterviewScreen, *args: object) -> None:
        self.note_input.call_later(acted, self, *args)

    def acted(self: InterviewScreen, *args: object) -> None:
        action(self, *args)
        if self.is_current:  # not when the action left for another screen
            self._mirror()

    return in_keystroke_order


class InterviewScreen(Screen):
    """Keys and drawing over a `LiveSession`. After each change the screen mirrors the session
    into reactive attributes (`_mirror`); the widgets bound to them redraw what differs."""

    BINDINGS = bindings_for("interview")

    guide_state: var[GuideState | None] = var(None, init=False)
    header_facts: var[HeaderFacts] = var(HeaderFacts, init=False)
    save_problem: var[str | None] = var(None, init=False)
    """Why writes fail (they are retried), or None."""

    class DiskChanged(Message):
        """The session file was replaced (from the watcher thread): maybe another's write."""

    def __init__(self, live: LiveSession, *, poll_seconds: float = DISK_POLL_SECONDS) -> None:
        super().__init__()
        self.live = live
        self.poll_seconds = poll_seconds
        self._fetching = False
        self._look_again = False
        """A change was noticed while a read was on its way: look once more after it."""
        self._reload_problem: str | None = None

    def compose(self) -> ComposeResult:
        yield SessionHeader(id="session-header").data_bind(facts=InterviewScreen.header_facts)
        with Horizontal(id="interview-body"):
            yield GuidePanel(id="guide").data_bind(state=InterviewScreen.guide_state)
            with Vertical(id="stream-column"):
                yield Static(id="current-question")
                yield ParkingLot(id="parking-lot")
                yield NoteStream(id="stream")
        yield NoteInput(id="note-input", on_started=self._typing_started, on_submit=self._submitted)
        yield KeyBar()

    @property
    def stream(self) -> NoteStream:
        return self.query_one(NoteStream)

    @property
    def note_input(self) -> NoteInput:
        return self.query_one(NoteInput)

    def on_mount(self) -> None:
        self.title = self.live.session.get("title", "")
        self.query_one(GuidePanel).show_guide(self.live.guide, self.live.guide_findings)
        if self.live.lint_problem:
            self.notify(self.live.lint_problem, severity="warning", timeout=10, markup=False)
        self.stream.set_notes(self.live.notes)
        self._mirror()
        self.note_input.focus()
        self.set_interval(1.0, self._mirror)  # the clock, the talk meter, who else is here
        self.set_interval(self.poll_seconds, self._poll_disk)
        self.live.watch_disk(lambda: self.post_message(self.DiskChanged()))
        if self.live.aids.needs_goal():
            self._ask_goal()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")

    # -- showing state -----------------------------------------------------------------------

    def _mirror(self) -> None:
        """The live session's state into the reactive attributes (equal values draw nothing)."""
        live = self.live
        self.guide_state = GuideState.from_doc(live.guide_state.to_doc())
        asked, total = live.guide_state.progress(live.guide)
        self.header_facts = HeaderFacts(
            title=live.session.get("title", ""),
            participant=live.session.get("participant", ""),
            goal=live.session.get("goal", ""),
            elapsed=int(live.elapsed()),
            running=live.clock.running,
            started=live.clock.started,
            asked=asked,
            total=total,
            recording_offset=live.clock.recording_offset,
            others=tuple(live.presence.others),
            save_problem=self.save_problem,
            talk=talk_meter(live.aids, self.app.theme_variables.get("warning", "yellow")),
        )
        self._show_aids()

    def watch_guide_state(self, state: GuideState | None) -> None:
        if state is None:
            return
        question = self.live.guide.question(state.current)
        bar = Text(no_wrap=True, overflow="ellipsis")
        if question is not None:
            number = self.live.guide.questions.index(question) + 1
            mark = state.marks.get(question.id)
            bar.append(f"Q{number}/{len(self.live.guide.questions)} ", style="bold")
            if mark:
                bar.append(f"({mark}) ", style="italic")
            bar.append(visible(question.text))
        self.query_one("#current-question", Static).update(bar, layout=False)  # one row

    def watch_save_problem(self, problem: str | None) -> None:
        # Not while the quit dialog is up: at 80x24 the notices would cover its question.
        if problem and not isinstance(self.app.screen, QuitScreen):
            self.notify(problem, severity="error", timeout=6, markup=False)
        self._mirror()

    # -- typing ------------------------------------------------------------------------------

    def _typing_started(self, at: datetime) -> None:
        self.live.typing_started(at)

    def _submitted(self, text: str, editing: Note | None) -> None:
        # Drawn at once, marked unsaved until the writer thread says it is on disk.
        note = self._save_typed(text, editing)
        if editing is not None:
            self.stream.highlight_id = None
        self._show_changed(note)
        self._mirror()  # the first note starts the clock

    def _save_typed(self, text: str, editing: Note | None) -> Note:
        """A typed note (its moment is its first keystroke), or the edit of an earlier one."""
        if editing is not None:
            return self.live.edit_note(editing, text)
        return self.live.commit_typed(text)

    def save_draft(self) -> None:
        """The terminal went away: what is in the input is saved as if Enter had been pressed."""
        note_input = self.note_input
        if note_input.text.strip():
            self._save_typed(note_input.text, note_input.editing)

    def on_note_input_cancelled(self, event: NoteInput.Cancelled) -> None:
        self.stream.highlight_id = None

    def _show_changed(self, note: Note) -> None:
        """`note` was added or changed here just now: its write is queued, so it is unsaved
        (even if the writer was quicker: its "saved" message is handled after this)."""
        self.stream.pending_ids = self.live.unsaved_note_ids() | {note.id}
        self.stream.put_note(note)

    def on_save_state(self, state: SaveState) -> None:
        """From the writer thread (via the app): show or clear a failing-write warning."""
        self.save_problem = (
            f"{state.error} {state.pending} change(s) kept in memory; retrying."
            if state.error
            else None
        )
        self.stream.pending_ids = self.live.unsaved_note_ids()

    # -- other instances ---------------------------------------------------------------------

    def on_interview_screen_disk_changed(self, event: DiskChanged) -> None:
        self._poll_disk()

    def _poll_disk(self) -> None:
        # One stat (and a counter) on the UI thread; the read and parse go to a worker, and
        # only one at a time, so an older read can never be merged after a newer one.
        if self._fetching:
            self._look_again = True
        elif self.live.remote_changed():
            self._fetching = True
            self._reload_from_disk()

    @work(thread=True, group="reload")
    def _reload_from_disk(self) -> None:
        try:
            remote = self.live.fetch_remote()
        except StoreError as error:
            self._from_worker(self._reload_failed, str(error))
            return
        self._from_worker(self._after_reload, remote)

    def _from_worker(self, callback, *args) -> None:
        try:
            self.app.call_from_thread(callback, *args)
        except RuntimeError:
            pass  # the app is closing; the next instance reads the file anyway

    def _read_done(self) -> None:
        self._fetching = False
        if self._look_again:
            self._look_again = False
            self.call_later(self._poll_disk)

    def _reload_failed(self, problem: str) -> None:
        self._read_done()
        if problem != self._reload_problem:
            self._reload_problem = problem
            self.notify(problem, severity="error", timeout=6, markup=False)

    def _after_reload(self, remote: RemoteState | None) -> None:
        self._read_done()
        self._reload_problem = None
        if remote is None:
            return
        changes = self.live.apply_remote(remote)
        for note_id in changes.removed:
            self.stream.remove_note(note_id)
        for note in changes.notes:
            self.stream.put_note(note)
        if changes.other:
            self._mirror()

    # -- guide -------------------------------------------------------------------------------

    @after_typed_keys
    def action_next_question(self) -> None:
        self.live.move_question(+1)

    @after_typed_keys
    def action_previous_question(self) -> None:
        self.live.move_question(-1)

    @after_typed_keys
    def action_mark_asked(self) -> None:
        note = self.live.mark_current("asked")
        if note is not None:
            self._show_changed(note)

    @after_typed_keys
    def action_skip_question(self) -> None:
        self.live.mark_current("skipped")

    # -- notes -------------------------------------------------------------------------------

    @after_typed_keys
    def action_star_last(self) -> None:
        note = self.live.last_own_note()
        if note is None:
            self.notify("There is no note of yours to star yet.", severity="warning")
            return
        self._show_changed(self.live.toggle_star(note))

    @after_typed_keys
    def action_edit_last(self) -> None:
        note = self.live.last_own_note()
        if note is None:
            self.notify("There is no note of yours to edit yet.", severity="warning")
            return
        self.stream.highlight_id = note.id
        self.note_input.start_edit(note)

    @after_typed_keys
    def action_delete_last(self) -> None:
        note = self.live.last_own_note()
        if note is None:
            self.notify("There is no note of yours to delete.", severity="warning")
            return
        self.live.delete_note(note)
        self.stream.remove_note(note.id)
        key = self.app.key_for("interview.undo_delete")
        preview = visible(note.text)[:40]
        self.notify(
            f"Deleted \u201c{preview}\u201d. {key} brings it back.",
            title="Note deleted",
            markup=False,
        )

    @after_typed_keys
    def action_undo_delete(self) -> None:
        note = self.live.undo_delete()
        if note is None:
            self.notify("Nothing to bring back.", severity="warning")
            return
        self._show_changed(note)
        self.notify(f"Restored the note from {format_elapsed(note.elapsed)}.", markup=False)

    @after_typed_keys
    def action_copy_quote(self) -> None:
        """Copy your newest quote (else your newest note) as a citable line: the words, the
        participant and the time on the recording (tui/domain/quotes.py)."""
        quote = self.live.quote_to_copy()
        if quote is None:
            self.notify("There is no note of yours to copy yet.", severity="warning")
            return
        self.app.copy_text(quote)

    def action_scroll_stream(self, pages: int) -> None:
        stream = self.stream
        stream.scroll_to(y=stream.scroll_y + pages * max(1, stream.size.height - 1), animate=False)

    # -- clock -------------------------------------------------------------------------------

    @after_typed_keys
    def action_toggle_clock(self) -> None:
        running = self.live.toggle_clock()
        self.notify("Clock running." if running else "Clock paused.", timeout=2)

    def action_set_offset(self) -> None:
        def apply(seconds: float | None) -> None:
            if seconds is not None:
                self.live.set_recording_offset(seconds)
                self._mirror()
            self.note_input.focus()

        self.app.push_screen(OffsetScreen(self.live.clock.recording_offset), apply)

    @after_typed_keys
    def action_open_tagging(self) -> None:
        self.app.open_tagging("session", self.live.session_id)

    @after_typed_keys
    def action_sessions(self) -> None:
        self.app.action_show_sessions()

    # -- interview aids: goal, talk time, time per question, parking lot, debrief ---------------

    def _show_aids(self) -> None:
        aids = self.live.aids
        self.query_one(GuidePanel).show_times(aids.question_times())
        self.query_one(ParkingLot).show_followups(aids.open_followups())

    def _ask_goal(self) -> None:
        def chosen(goal: str | None) -> None:
            if goal:
                self.live.aids.set_goal(goal)
                self._mirror()
            self.note_input.focus()

        self.app.push_screen(
            PromptScreen(
                "What is this interview's goal?",
                "One sentence: what you want to learn. It stays in the header while you talk.",
                check=lambda text: None if text.strip() else "Type the goal, or press Esc to skip.",
                cancel_label="skips",
            ),
            chosen,
        )

    @after_typed_keys
    def action_switch_speaker(self) -> None:
        self.live.aids.switch_speaker()

    def action_parking_lot(self) -> None:
        lot = self.query_one(ParkingLot)
        if lot.is_open and lot.has_focus:
            lot.close()
            self.note_input.focus()
            return
        lot.show_followups(self.live.aids.open_followups())
        lot.open()

    def on_parking_lot_marked(self, event: ParkingLot.Marked) -> None:
        self.live.aids.mark_followup(event.note, event.status)
        self._mirror()

    def on_parking_lot_back(self, event: ParkingLot.Back) -> None:
        self.note_input.focus()

    @after_typed_keys
    def action_end_interview(self) -> None:
        self.open_debrief()

    def open_debrief(self, then: Callable[[], None] | None = None) -> None:
        """End the interview (the clock and the talk meter stop) and ask the debrief's
        questions; `then` runs once it is closed, saved or not (quitting goes on)."""
        summary = self.live.aids.end_interview()
        self._mirror()

        def closed(answers: dict[str, str] | None) -> None:
            if answers is not None:
                self.live.aids.save_debrief(answers)
                self.notify("Debrief saved with the session.", timeout=3)
            if then is not None:
                then()
            else:
                self.note_input.focus()

        participant = str(self.live.session.get("participant") or "")
        self.app.push_screen(DebriefScreen(summary, participant), closed)
