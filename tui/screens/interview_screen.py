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
from textual.screen import Screen
from textual.widgets import Static

from tui.domain.display_text import visible
from tui.domain.notes import Note, format_elapsed
from tui.screens.debrief_screen import DebriefScreen
from tui.screens.offset_screen import OffsetScreen
from tui.screens.prompt_screen import PromptScreen
from tui.services.live_session import LiveSession, RemoteState, SaveState
from tui.store import StoreError
from tui.widgets.bindings import bindings_for
from tui.widgets.guide_panel import GuidePanel
from tui.widgets.key_bar import KeyBar
from tui.widgets.note_input import NoteInput
from tui.widgets.note_stream import NoteStream
from tui.widgets.parking_lot import ParkingLot
from tui.widgets.session_header import SessionHeader
from tui.widgets.talk_meter import talk_meter

NARROW_WIDTH = 70
"""Below this many columns the guide collapses to a one-line current question."""
DISK_POLL_SECONDS = 0.5


def after_typed_keys(action: Callable[..., None]) -> Callable[..., None]:
    """Run a key's action after the keys the note input has already queued.

    The interview keys are priority bindings (they must work while typing), and Textual runs
    those as soon as they arrive, ahead of an Enter or letters still queued for the input: type,
    Enter, ctrl+s would star the note before the one just typed. Deferring the action into the
    input's own queue puts it back in keystroke order.
    """

    @functools.wraps(action)
    def in_keystroke_order(self: InterviewScreen, *args: object) -> None:
        self.note_input.call_later(action, self, *args)

    return in_keystroke_order


class InterviewScreen(Screen):
    BINDINGS = bindings_for("interview")

    def __init__(self, live: LiveSession) -> None:
        super().__init__()
        self.live = live
        self._save_problem: str | None = None
        self._fetching = False
        self._reload_problem: str | None = None

    def compose(self) -> ComposeResult:
        yield SessionHeader(id="session-header")
        with Horizontal(id="interview-body"):
            yield GuidePanel(id="guide")
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
        self.query_one(GuidePanel).show_guide(
            self.live.guide, self.live.guide_state, self.live.guide_findings
        )
        if self.live.lint_problem:
            self.notify(self.live.lint_problem, severity="warning", timeout=10, markup=False)
        self._show_notes()
        self._show_guide_state()
        self._show_header()
        self.note_input.focus()
        self.set_interval(1.0, self._show_header)
        self.set_interval(DISK_POLL_SECONDS, self._poll_disk)
        if self.live.aids.needs_goal():
            self._ask_goal()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")

    # -- showing state -----------------------------------------------------------------------

    def _show_notes(self) -> None:
        self.stream.set_notes(self.live.notes, show_authors=len(self.live.authors) > 1)

    def _show_header(self) -> None:
        live = self.live
        asked, total = live.guide_state.progress(live.guide)
        self.query_one(SessionHeader).show(
            title=live.session.get("title", ""),
            participant=live.session.get("participant", ""),
            goal=live.session.get("goal", ""),
            elapsed=live.elapsed(),
            running=live.clock.running,
            started=live.clock.started,
            asked=asked,
            total=total,
            recording_offset=live.clock.recording_offset,
            others=live.presence.others,
            save_problem=self._save_problem,
            talk=talk_meter(live.aids, self.app.theme_variables.get("warning", "yellow")),
        )
        self._show_aids()

    def _show_guide_state(self) -> None:
        state = self.live.guide_state
        self.query_one(GuidePanel).show_state(state)
        question = self.live.guide.question(state.current)
        bar = Text(no_wrap=True, overflow="ellipsis")
        if question is not None:
            number = self.live.guide.questions.index(question) + 1
            mark = state.marks.get(question.id)
            bar.append(f"Q{number}/{len(self.live.guide.questions)} ", style="bold")
            if mark:
                bar.append(f"({mark}) ", style="italic")
            bar.append(visible(question.text))
        self.query_one("#current-question", Static).update(bar)
        self._show_header()

    # -- typing ------------------------------------------------------------------------------

    def _typing_started(self, at: datetime) -> None:
        self.live.typing_started(at)

    def _submitted(self, text: str, editing: Note | None) -> None:
        note = self._save_typed(text, editing)
        if editing is not None:
            self.stream.highlight_id = None
            self._after_change()
            return
        self._mark_pending(note)
        self._show_new(note)
        self._show_header()

    def _show_new(self, note: Note) -> None:
        if self.live.notes and self.live.notes[-1] is note:
            self.stream.append_note(note)
        else:  # typed before a note already shown (Enter, then a guide key at once)
            self._show_notes()

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
        self.stream.refresh()

    def _mark_pending(self, note: Note) -> None:
        self.stream.pending_ids = {n.id for n in self.live.unsaved_notes()} | {note.id}

    def _after_change(self) -> None:
        self.stream.pending_ids = {n.id for n in self.live.unsaved_notes()}
        self._show_notes()

    def on_save_state(self, state: SaveState) -> None:
        """From the writer thread (via the app): show or clear a failing-write warning."""
        self._save_problem = (
            f"{state.error} {state.pending} change(s) kept in memory; retrying."
            if state.error
            else None
        )
        if state.error:
            self.notify(self._save_problem, severity="error", timeout=6, markup=False)
        self.stream.pending_ids = {n.id for n in self.live.unsaved_notes()}
        self._show_notes()
        self._show_header()

    # -- other instances ---------------------------------------------------------------------

    def _poll_disk(self) -> None:
        # One stat (and a counter) on the UI thread; the read and parse go to a worker, and
        # only one at a time, so an older read can never be merged after a newer one.
        if not self._fetching and self.live.remote_changed():
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

    def _reload_failed(self, problem: str) -> None:
        self._fetching = False
        if problem != self._reload_problem:
            self._reload_problem = problem
            self.notify(problem, severity="error", timeout=6, markup=False)

    def _after_reload(self, remote: RemoteState | None) -> None:
        self._fetching = False
        self._reload_problem = None
        if remote is not None and self.live.apply_remote(remote):
            self.stream.pending_ids = {n.id for n in self.live.unsaved_notes()}
            self._show_notes()
            self._show_guide_state()

    # -- guide -------------------------------------------------------------------------------

    @after_typed_keys
    def action_next_question(self) -> None:
        self.live.move_question(+1)
        self._show_guide_state()

    @after_typed_keys
    def action_previous_question(self) -> None:
        self.live.move_question(-1)
        self._show_guide_state()

    @after_typed_keys
    def action_mark_asked(self) -> None:
        note = self.live.mark_current("asked")
        if note is not None:
            self._mark_pending(note)
            self._show_new(note)
        self._show_guide_state()

    @after_typed_keys
    def action_skip_question(self) -> None:
        self.live.mark_current("skipped")
        self._show_guide_state()

    # -- notes -------------------------------------------------------------------------------

    @after_typed_keys
    def action_star_last(self) -> None:
        note = self.live.last_own_note()
        if note is None:
            self.notify("There is no note of yours to star yet.", severity="warning")
            return
        self.live.toggle_star(note)
        self._after_change()

    @after_typed_keys
    def action_edit_last(self) -> None:
        note = self.live.last_own_note()
        if note is None:
            self.notify("There is no note of yours to edit yet.", severity="warning")
            return
        self.stream.highlight_id = note.id
        self.stream.refresh()
        self.note_input.start_edit(note)

    @after_typed_keys
    def action_delete_last(self) -> None:
        note = self.live.last_own_note()
        if note is None:
            self.notify("There is no note of yours to delete.", severity="warning")
            return
        self.live.delete_note(note)
        self._after_change()
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
        self._after_change()
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
        self._show_header()
        self.notify("Clock running." if running else "Clock paused.", timeout=2)

    def action_set_offset(self) -> None:
        def apply(seconds: float | None) -> None:
            if seconds is not None:
                self.live.set_recording_offset(seconds)
                self._show_header()
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
                self._show_header()
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
        self._show_header()

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
        self._show_header()

    def on_parking_lot_back(self, event: ParkingLot.Back) -> None:
        self.note_input.focus()

    @after_typed_keys
    def action_end_interview(self) -> None:
        self.open_debrief()

    def open_debrief(self, then: Callable[[], None] | None = None) -> None:
        """End the interview (the clock and the talk meter stop) and ask the debrief's
        questions; `then` runs once it is closed, saved or not (quitting goes on)."""
        summary = self.live.aids.end_interview()
        self._show_header()

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
