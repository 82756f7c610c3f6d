"""The live interview: the guide beside the timestamped note stream, the note input below.

Every key here works while the note input has focus (the bindings have priority), so the
note-taker never leaves it.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from datetime import datetime

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import var
from textual.screen import ModalScreen, Screen

from tui.domain.clock import from_iso
from tui.domain.display_text import visible
from tui.domain.guide import GuideState
from tui.domain.notes import Note, format_elapsed, note_parts
from tui.domain.tags import kept_as_text_notice
from tui.screens.debrief_screen import DebriefScreen
from tui.screens.offset_screen import OffsetScreen
from tui.screens.resume_clock_screen import ResumeClockScreen
from tui.screens.visibility import on_view
from tui.services.live_session import LiveSession, RemoteState, SaveState
from tui.store import StoreError
from tui.widgets.bindings import bindings_for
from tui.widgets.current_question import CurrentQuestion
from tui.widgets.guide_panel import GuidePanel
from tui.widgets.key_bar import KeyBar
from tui.widgets.note_input import NoteInput
from tui.widgets.note_stream import NoteStream
from tui.widgets.parking_lot import ParkingLot
from tui.widgets.session_header import HeaderFacts, SessionHeader
from tui.widgets.talk_meter import talk_meter

NARROW_WIDTH = 70
"""Below this many columns the guide column never shows: the current question sits above."""
FOLD_WIDTH = 100
"""Below this many columns the guide starts folded to the current question (its key unfolds)."""
SHORT_HEIGHT = 20
"""Below this many rows: one header line, no probes, a borderless input, a one-line key bar."""
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
        self._keys_waiting += 1
        self.note_input.after_typed(acted, self, *args)

    def acted(self: InterviewScreen, *args: object) -> None:
        self._keys_waiting -= 1
        action(self, *args)
        if on_view(self):  # not when the action left for another screen
            self._mirror()

    return in_keystroke_order


class InterviewScreen(Screen):
    """Keys and drawing over a `LiveSession`. After each change the screen mirrors the session
    into reactive attributes (`_mirror`); the widgets bound to them redraw what differs."""

    BINDINGS = bindings_for("interview")
    NOTICES_KEEP_CLEAR = "#session-header, CurrentQuestion, NoteInput"
    """Notices show between what the note-taker reads while typing (tui/screens/notices.py):
    below the header and the folded question (a notice after a save hid the question being
    asked), above the note input."""

    guide_state: var[GuideState | None] = var(None, init=False)
    header_facts: var[HeaderFacts] = var(HeaderFacts, init=False)
    save_problem: var[str | None] = var(None, init=False)
    """Why writes fail (they are retried), or None."""
    header_problem: str | None = None
    """The same for the header, which says it for as long as they fail."""

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
        self._tmux_lines: list[str] = []
        """tmux advice for the header, until the first note of this visit."""
        self._guide_folded: bool | None = None
        """The guide key's choice; None: folded below FOLD_WIDTH columns."""
        self._keeping_draft = False
        """The input changed: its state goes to the draft file after the frame showing it."""
        self._debrief_typed: dict[str, str] | None = None
        """The answers of the debrief open over this screen, as typed."""
        self._keys_waiting = 0
        """Key actions deferred behind the typed keys (`after_typed_keys`), not run yet."""

    def compose(self) -> ComposeResult:
        yield SessionHeader(id="session-header").data_bind(facts=InterviewScreen.header_facts)
        with Horizontal(id="interview-body"):
            yield GuidePanel(id="guide").data_bind(state=InterviewScreen.guide_state)
            with Vertical(id="stream-column"):
                yield CurrentQuestion(id="current-question")
                yield ParkingLot(author=self.live.author, id="parking-lot")
                yield NoteStream(id="stream")
        yield NoteInput(id="note-input", on_started=self._typing_started, on_submit=self._submitted)
        yield KeyBar()

    @property
    def stream(self) -> NoteStream:
        return self.query_one(NoteStream)

    @property
    def note_input(self) -> NoteInput:
        return self.query_one(NoteInput)

    def show_tmux_advice(self, advice) -> None:
        self._tmux_lines = [f"tmux: {item.line}" for item in advice]
        if self.is_mounted:  # else on_mount shows it
            self._mirror()

    def on_mount(self) -> None:
        self._tmux_lines = [f"tmux: {item.line}" for item in self.app.tmux_advice]
        self.title = self.live.session.get("title", "")
        self.query_one(GuidePanel).show_guide(self.live.guide, self.live.guide_findings)
        for problem in (self.live.guide_problem, self.live.lint_problem):
            if problem:
                self.notify(problem, severity="warning", timeout=10, markup=False)
        self.stream.set_notes(self.live.notes)
        self._mirror()
        self.note_input.focus()
        self.query_one(ParkingLot).typing_goes_to = self.note_input
        self.set_interval(1.0, self._mirror)  # the clock, the talk meter, who else is here
        # What exists now (the app, this screen, every note) lives as long as the interview:
        # left to the cyclic GC, each full collection walked it all, ~45 ms on the UI thread in
        # the middle of typing. Frozen, a collection walks only what came since.
        self.call_after_refresh(gc.freeze)
        self.set_interval(self.poll_seconds, self._poll_disk)
        self.live.watch_disk(lambda: self.post_message(self.DiskChanged()))
        # No goal prompt here: a dialog as the interview opens catches the first note typed.
        # The goal is asked by `fieldnote new`, the new-session form and the sessions screen.
        self._put_back_left_behind()
        self._ask_about_the_pause()

    def on_unmount(self) -> None:
        self.app.write_problem = None
        self.live.stop_watching()  # the session may outlive the screen (a test, a crash)
        gc.unfreeze()  # this screen's widgets are garbage now: let the collector see them

    def on_screen_resume(self) -> None:
        gc.freeze()  # again: a screen shown over this one may have undone it when it closed

    def on_note_stream_laid_out(self, event: NoteStream.LaidOut) -> None:
        # A layout of every note made after the freeze (the stream's width settles after the
        # first frame) was walked by each full collection: 7-12 ms at 5,000 notes, in a frame.
        self.call_after_refresh(gc.freeze)

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        width, height = self.size
        folded = self._guide_folded if self._guide_folded is not None else width < FOLD_WIDTH
        self.set_class(width < NARROW_WIDTH or folded, "-folded")
        self.set_class(height < SHORT_HEIGHT, "-short")
        self.query_one(KeyBar).refit()
        self._show_current_question(self.live.guide_state)
        self._mirror()

    def action_toggle_guide(self) -> None:
        self._guide_folded = not self.has_class("-folded")
        if self.size.width < NARROW_WIDTH and not self._guide_folded:
            self.notify("The guide needs a wider pane; it stays folded.", timeout=3)
        self._fit()

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
            save_problem=self.header_problem,
            talk=talk_meter(live.aids, self.app.theme_variables.get("warning", "yellow")),
            author=live.author,
            advice=tuple(self._tmux_lines),
            one_line=self.has_class("-short"),
        )
        self._show_aids()

    def watch_guide_state(self, state: GuideState | None) -> None:
        if state is not None:
            self._show_current_question(state)

    def _show_current_question(self, state: GuideState) -> None:
        self.query_one(CurrentQuestion).show(
            self.live.guide,
            state,
            probes=self.size.height >= SHORT_HEIGHT,
            findings=self.live.guide_findings,
        )

    def watch_save_problem(self, problem: str | None) -> None:
        # Not while a dialog is open over the interview: at 80x24 the notice covered it (the
        # debrief, the quit question); the dialog's key bar says that saving fails instead.
        if problem and self.app.screen is self:
            self.notify(problem, severity="error", timeout=6, markup=False)
        self._mirror()

    def on_screen_suspend(self) -> None:
        if self.save_problem and isinstance(self.app.screen, ModalScreen):
            self.app.clear_notifications()  # the failing write's, which would cover the dialog

    # -- typing ------------------------------------------------------------------------------

    def _typing_started(self, at: datetime) -> None:
        self.live.typing_started(at)

    def _submitted(self, text: str, editing: Note | None) -> None:
        # Drawn at once, marked unsaved until the writer thread says it is on disk; the write
        # begins once the frame showing the note is out (asked of the stream after its own
        # update, so that frame is the one with the note in it).
        self.live.hold_writes()
        note = self._save_typed(text, editing)
        if editing is not None:
            self.stream.highlight_id = None
        self._show_changed(note)
        self.stream.call_after_refresh(self.live.release_writes)
        if (kept := kept_as_text_notice(text)) is not None:
            self.notify(kept, severity="warning", timeout=10, markup=False)
        self._mirror()  # the first note starts the clock
        if self._tmux_lines:
            # Seen: the interview is under way. Its rows go a frame after the note is drawn:
            # giving them back lays out the whole screen, which the note need not wait for.
            self.call_after_refresh(self._drop_tmux_advice)

    def _drop_tmux_advice(self) -> None:
        self._tmux_lines = []
        self._mirror()

    def _save_typed(self, text: str, editing: Note | None) -> Note:
        """A typed note (its moment is its first keystroke), or the edit of an earlier one."""
        if editing is not None:
            return self.live.edit_note(editing, text)
        return self.live.commit_typed(text)

    def save_draft(self) -> bool:
        """Leaving (or the terminal went away): what is in the input is saved as if Enter had
        been pressed, and the input emptied. Whether there was a draft."""
        note_input = self.note_input
        note_input.flush_typed()
        if not note_input.text.strip():
            return False
        editing = note_input.editing
        # Too long for one note (Enter refused it): kept whole, as notes of at most the limit.
        first, *rest = note_parts(note_input.text)
        note = self._save_typed(first, editing)
        if editing is None:  # staying after all (a failing disk) must not offer it twice
            note_input.load_text("")
        self._show_changed(note)
        for part in rest:
            note = self.live.commit_following(note, part)
            self._show_changed(note)
        self._keep_draft()  # now: leaving may not wait for another frame
        return True

    def on_text_area_changed(self, event: NoteInput.Changed) -> None:
        self._draft_changed()

    def _draft_changed(self) -> None:
        # Once a frame at most, after it is drawn: a burst of keys is one write, and the
        # echo of a key never waits for it.
        if not self._keeping_draft:
            self._keeping_draft = True
            self.call_after_refresh(self._keep_draft)

    def _keep_draft(self) -> None:
        self._keeping_draft = False
        self.live.keep_draft(*self.note_input.in_progress(), debrief=self._debrief_typed)

    def _put_back_left_behind(self) -> None:
        """What this author was typing when an instance of theirs was killed: the newest back
        in the input as it was (an edit included), any older one saved as a note."""
        records = self.live.left_behind
        if not records:
            return
        if self.live.debrief_left_behind:
            self.notify(
                "Fieldnote was stopped while you answered the debrief; the answers you had "
                "typed are saved.",
                timeout=8,
            )
        *older, newest = records
        for record in older:
            self._save_left_behind(record)
        text, edit = str(newest.get("text") or ""), newest.get("edit")
        note = self.live.note_by_id(str(edit.get("note_id"))) if edit else None
        if edit and note is None:  # the note it edited is gone: its text is a note of its own
            self._save_left_behind({"text": str(edit.get("text") or "")})
        self.live.resume_typing(newest.get("started_at"), newest.get("question_id"))
        self.note_input.put_back(text, note, str(edit.get("text") or "") if edit else "")
        if note is not None:
            self.stream.highlight_id = note.id
        if text.strip() or note is not None:
            self.notify(
                "Fieldnote was stopped while you typed; what you were typing is back in the input.",
                timeout=8,
            )

    def _save_left_behind(self, record: dict) -> None:
        edit = record.get("edit")
        note = self.live.note_by_id(str(edit.get("note_id"))) if edit else None
        if note is not None:
            self._show_changed(self.live.edit_note(note, str(edit.get("text") or "")))
        elif edit and str(edit.get("text") or "").strip():
            self._show_changed(self.live.commit_typed(str(edit.get("text"))))
        text = str(record.get("text") or "")
        if text.strip():
            self.live.resume_typing(record.get("started_at"), record.get("question_id"))
            self._show_changed(self.live.commit_typed(text))

    def on_note_input_cancelled(self, event: NoteInput.Cancelled) -> None:
        self.stream.highlight_id = None
        if event.changed:  # an Esc by habit (vim's) must not lose a correction unsaid
            key = self.app.key_for("interview.edit_last")
            self.notify(
                f"Edit cancelled, the note unchanged; {key} brings your change back.",
                timeout=6,
                markup=False,
            )

    def _show_changed(self, note: Note) -> None:
        """`note` was added or changed here just now: its write is queued, so it is unsaved
        (even if the writer was quicker: its "saved" message is handled after this)."""
        self.stream.pending_ids = self.live.unsaved_note_ids() | {note.id}
        self.stream.put_note(note)

    def on_save_state(self, state: SaveState) -> None:
        """From the writer thread (via the app): show or clear a failing-write warning."""
        kept = f"{state.pending} change(s) kept in memory; retrying."
        problem = f"{state.error} {kept}" if state.error else None
        self.app.write_problem = (
            f"\u26a0 Saving fails: {state.pending} change(s) kept in memory; retrying."
            if state.error
            else None
        )
        # The writer's last word can come while this screen is closing, its widgets gone (a
        # retry failing as the app quits): nothing is left to draw it on.
        streams = self.query(NoteStream)
        if not streams:
            return
        # The header keeps saying it once the notice is gone, in a line or two of the pane:
        # the cause and the cure, without the path that begins the notice's sentence.
        self.header_problem = f"Not saved: {state.brief}. {kept}" if state.brief else problem
        self.save_problem = problem  # drawn by its watcher
        streams.first().pending_ids = self.live.unsaved_note_ids()
        self._keep_draft()  # the notes written drop out of the draft file

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
        if self._no_current_question("mark asked"):
            return
        note = self.live.mark_current("asked")
        if note is not None:
            self._show_changed(note)

    @after_typed_keys
    def action_skip_question(self) -> None:
        if not self._no_current_question("skip"):
            self.live.mark_current("skipped")

    def _no_current_question(self, doing: str) -> bool:
        """Whether there is no question to `doing`; then says why, and what to do."""
        guide, state = self.live.guide, self.live.guide_state
        if guide.question(state.current) is not None:
            return False
        if not guide.questions:
            problem = (
                f"This session has no guide, so there is no question to {doing}. "
                "Start the next one with a guide: fieldnote new TITLE --guide FILE.md"
            )
        else:
            keys = [self.app.key_for(f"interview.{way}_question") for way in ("next", "previous")]
            problem = f"No question is current: {' or '.join(keys)} picks one."
        self.notify(problem, severity="warning", markup=False)
        return True

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
        self.refresh_bindings()  # the key bar offers the undo (check_action)
        # The notice says what happened, not which key undoes it: Textual has no public way
        # to take one notice back, and "f9 brings it back" stayed beside "Restored".
        preview = visible(note.text)[:40]
        self.notify(f"Deleted \u201c{preview}\u201d.", title="Note deleted", markup=False)

    @after_typed_keys
    def action_undo_delete(self) -> None:
        note = self.live.undo_delete()
        if note is None:
            self.notify("Nothing to bring back.", severity="warning")
            return
        self._show_changed(note)
        self.refresh_bindings()
        self.notify(f"Restored the note from {format_elapsed(note.elapsed)}.", markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The undo key is lit while a deleted note can be brought back, dimmed (None) when
        # none can; a key still waiting its turn may be the delete, so it counts as one.
        if action == "undo_delete" and not self.live.deleted and not self._keys_waiting:
            return None
        return True

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

    def _ask_about_the_pause(self) -> None:
        """The last one to close paused the clock: ask whether the time away counts."""
        closed_at = self.live.paused_by_close
        if closed_at is None:
            return

        def decided(count_time_away: bool | None) -> None:
            if count_time_away is not None:
                self.live.resume_after_close(count_time_away)
            self._mirror()
            self.note_input.focus()

        now = self.app.now()
        screen = ResumeClockScreen(
            self.live.clock.elapsed(now), from_iso(closed_at), now, typing_goes_to=self.note_input
        )
        self.app.push_screen(screen, decided)

    def action_set_offset(self) -> None:
        def apply(seconds: float | None) -> None:
            if seconds is not None:
                self.live.set_recording_offset(seconds)
                self._mirror()
            self.note_input.focus()

        offset = self.live.clock.recording_offset
        self.app.push_screen(OffsetScreen(offset, typing_goes_to=self.note_input), apply)

    @after_typed_keys
    def action_open_tagging(self) -> None:
        self.app.open_tagging("session", self.live.session_id)

    @after_typed_keys
    def action_sessions(self) -> None:
        self.app.action_show_sessions()

    # -- interview aids: talk time, time per question, parking lot, debrief ---------------------

    def _show_aids(self) -> None:
        aids = self.live.aids
        times = aids.question_times()
        self.query_one(GuidePanel).show_times(times)
        self.query_one(CurrentQuestion).show_time(times.get(self.live.guide_state.current or ""))
        self.query_one(ParkingLot).show_followups(aids.open_followups())

    @after_typed_keys
    def action_switch_speaker(self) -> None:
        self.live.aids.switch_speaker()

    def action_parking_lot(self) -> None:
        """The lot's key gives it the keys, and the same key gives them back (and hides it)."""
        lot = self.query_one(ParkingLot)
        if lot.has_focus:
            lot.close()
            self.set_focus(self.note_input)
            return
        lot.show_followups(self.live.aids.open_followups())
        lot.open()

    def on_parking_lot_marked(self, event: ParkingLot.Marked) -> None:
        self.live.aids.mark_followup(event.note, event.status)
        self._mirror()

    def on_parking_lot_back(self, event: ParkingLot.Back) -> None:
        self.set_focus(self.note_input)

    @after_typed_keys
    def action_end_interview(self) -> None:
        self.open_debrief()

    def open_debrief(self, then: Callable[[], None] | None = None) -> None:
        """End the interview (the clock and the talk meter stop) and ask the debrief's
        questions; `then` runs once it is closed, saved or not (quitting goes on)."""
        summary = self.live.aids.end_interview()
        self._mirror()

        def typed(answers: dict[str, str]) -> None:
            self._debrief_typed = answers
            self._draft_changed()

        def closed(answers: dict[str, str] | None) -> None:
            self._debrief_typed = None
            self._draft_changed()
            if answers is not None:
                self.live.aids.save_debrief(answers)
                self.notify("Debrief saved with the session.", timeout=3)
            if then is not None:
                then()
            else:
                self.note_input.focus()

        participant = str(self.live.session.get("participant") or "")
        # Keys typed straight on after the debrief go to the note, unless leaving (`then`).
        goes_to = self.note_input if then is None else None
        debrief = DebriefScreen(summary, participant, on_typed=typed, typing_goes_to=goes_to)
        self.app.push_screen(debrief, closed)
