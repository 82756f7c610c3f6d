"""The Fieldnote app: screens over one data folder, handed in so tests can use a temp one."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from weakref import WeakSet

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.screen import Screen

from tui.commands import KeymapCommands, ScreenActions
from tui.domain.clock import utc_now
from tui.domain.display_text import visible, visible_lines
from tui.screens.help_screen import HelpScreen
from tui.screens.home_screen import HomeScreen
from tui.screens.interview_screen import DISK_POLL_SECONDS, InterviewScreen
from tui.screens.notices import place_notices
from tui.screens.quit_screen import QuitScreen
from tui.services import clipboard
from tui.services.actions import COMMAND_PALETTE_KEY, action_spec
from tui.services.keymap import Keymap, KeymapError, mistakes_said, sources_text, typed_key
from tui.services.live_session import LiveSession, SaveState
from tui.services.playback import Player, PlayOutcome
from tui.services.rescue import rescue_path, write_rescue
from tui.services.sessions import SessionsService
from tui.services.tag_writes import TagWrites
from tui.services.tmux import Advice, inside_tmux, run_tmux, setting_advice
from tui.services.write_queue import flushed
from tui.store import DataStore
from tui.terminal_input import EchoSlot, TerminalClosed, TypedText, UnknownSequence
from tui.textual_compat import CrashHookApp
from tui.widgets.bindings import bindings_for
from tui.widgets.note_input import NoteInput

# Default keys as the dialogs' sentences, the README and the docs write them.
KEY_WORDS = {"enter": "Enter", "escape": "Esc", "delete": "Del", "tab": "Tab"}

FLUSH_WAIT_SECONDS = 1.0
CLOSE_WAIT_SECONDS = 2.0
NARROW_NOTICES = 64
"""Columns below which a notice's half of the width leaves too few for its words."""


class SaveStateChanged(Message):
    """Posted from a writer thread when a write fails, is skipped, or the queue drains."""

    def __init__(self, state: SaveState, source: str = "live") -> None:
        self.state = state
        self.source = source
        """Whose writer: "live" (the interview) or "tags" (tagging)."""
        super().__init__()


class _Drafts:
    """Text still in a note input, for a rescue file written after a bug."""

    def __init__(self, drafts: list[str]) -> None:
        self.drafts = drafts

    def unsaved_record(self) -> tuple[dict, int]:
        return ({"drafts": self.drafts} if self.drafts else {}), len(self.drafts)


class FieldnoteApp(CrashHookApp, inherit_bindings=False):
    CSS_PATH = "app.tcss"
    TITLE = "Fieldnote"
    COMMAND_PALETTE_BINDING = COMMAND_PALETTE_KEY
    BINDINGS = bindings_for("app")
    COMMANDS = App.COMMANDS | {ScreenActions, KeymapCommands}
    SUSPENDED_SCREEN_CLASS = "-suspended"
    """On a screen under another: the key bar under a dialog hides (app.tcss)."""
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow-notices"), (NARROW_NOTICES, "-wide-notices")]
    """Below NARROW_NOTICES columns a notice takes the width its words need (app.tcss)."""
    write_problem: var[str | None] = var(None)
    """One line saying the interview's writes fail, for a dialog's key bar to show: over a
    dialog a notice would hide it (the interview adds none while one is open)."""

    def __init__(
        self,
        store: DataStore,
        *,
        author: str,
        now: Callable[[], datetime] = utc_now,
        session_id: str | None = None,
        keymap: Keymap | None = None,
        keymap_loader: Callable[[], Keymap] | None = None,
        tagging: tuple[str, str | None] | None = None,
        analysis: str | None = None,
        disk_poll_seconds: float = DISK_POLL_SECONDS,
        tagging_poll_seconds: float | None = None,
        blind: bool = False,
    ) -> None:
        super().__init__()
        self.disk_poll_seconds = disk_poll_seconds
        """The interview's fallback look for other instances' writes (tests make it long)."""
        self.tagging_poll_seconds = tagging_poll_seconds
        """How often the tagging screen looks for other instances' writes (None: its own
        default; tests make it short and wait for the look instead of sleeping)."""
        self.keymap: Keymap | None = None
        self._screen_keys: dict[type, frozenset[str]] = {}
        """`screen_keys` by screen class, for the keymap in force."""
        self.keymap_loader = keymap_loader
        """Reads the keymap files again for "Reload keymap"; None: nothing to reload."""
        self.reload_mistakes: KeymapError | None = None
        """The mistakes that kept the last "Reload keymap" from applying, the keymap from
        before staying in force; the help lists them until a reload succeeds."""
        if keymap is not None:
            self.apply_keymap(keymap)
        self.store = store
        self.sessions = SessionsService(store)
        """What the sessions screens list and change (they never reach the store)."""
        if session_id is None:  # an interview lists no sessions: nothing would ask it
            self.sessions.stand_by(analysis=analysis is not None, tagging=tagging is not None)
        self.author = author
        """Who types the notes and applies the codings."""
        self.blind = blind
        """The tagging screen opens showing only the author's codings (`fieldnote code --blind`)."""
        self.now = now
        self.initial_session_id = session_id
        self.initial_tagging = tagging
        """(scope, session id) to open the tagging screen on (`fieldnote code`)."""
        self.initial_analysis = analysis
        """The study to open the analysis screen on (`fieldnote analyse`); "": every session."""
        self.live: LiveSession | None = None
        self.tag_writes: TagWrites | None = None
        """Tagging's writer; outlives a tagging screen left with changes still failing."""
        self.rescued_to: tuple[int, Path] | None = None
        self.tmux_advice: list[Advice] = []
        """What the tmux settings check found (tui/services/tmux.py)."""
        self.flush_wait = FLUSH_WAIT_SECONDS
        """How long leaving waits for the writers before asking what to do."""
        self._retiring: list = []
        """Live sessions left, still writing what they hold before they close."""
        self._saved_to_exit = False
        """`save_and_exit` ran: a second signal must not save the draft twice."""
        self.player = Player()
        """Plays a note's moment of the recording (the tagging and analysis screens' key)."""
        self._notices_placed: WeakSet[Screen] = WeakSet()
        """The screens whose notices keep clear of their title and field (`_place_notices`)."""

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, self._place_notices)
        said = mistakes_said(self.keymap) if self.keymap is not None else None
        if said is not None:
            self._say_mistakes(said, "Keymap")
        if self.keymap is not None:
            self._show_keymap_warnings(self.keymap)
        if inside_tmux():
            self._check_tmux()
        if not self.is_headless:
            self._watch_terminal()
        self._finish_tag_changes()
        self.push_screen(HomeScreen())
        if self.initial_analysis is not None:
            self.open_analysis(self.initial_analysis or None)
        elif self.initial_tagging:
            # Nothing typed yet to wait for: the tagging screen goes over the sessions screen
            # before that one is shown, so only the tagging screen reads the index.
            self._push_tagging(*self.initial_tagging)
        elif self.initial_session_id:
            self.open_interview(self.initial_session_id)

    def _place_notices(self, screen: Screen) -> None:
        """A screen comes on view: its notices, now and whenever it is laid out again or the
        keys move to another field, go where they cover neither its title nor the field being
        typed in (tui/screens/notices.py)."""
        if not self.is_running:
            return  # closing: a screen shown on the way out has no notices to place
        if screen not in self._notices_placed:
            self._notices_placed.add(screen)
            screen.screen_layout_refresh_signal.subscribe(self, place_notices)
            self.watch(screen, "focused", lambda _focused: place_notices(screen), init=False)
        place_notices(screen)

    @work(thread=True, group="tag-changes")
    def _finish_tag_changes(self) -> None:
        """A rename, merge or delete of a tag that Fieldnote stopped in the middle of (killed,
        or a disk that filled) is finished now, with a notice: until then some sessions had
        the new tag and some the old (tui/services/tag_ops.py). The screens' polls take in
        the files it rewrites."""
        if not self.store.tag_changes_left():
            return  # one look at the folder, before the codebook's modules are imported
        from tui.services.codebook import finish_cut_short

        for sentence, failed in finish_cut_short(self.store):
            severity = "error" if failed else "information"
            self.call_from_thread(
                self.notify, sentence, severity=severity, timeout=12, markup=False
            )

    @work(thread=True, group="tmux-check")
    def _check_tmux(self) -> None:
        """Look once at tmux settings that lag Esc or lose copies. Runs tmux twice or so, so
        it stays off the UI thread; the advice goes where it covers nothing."""
        advice = setting_advice()
        if advice:
            try:
                self.call_from_thread(self._show_tmux_advice, advice)
            except RuntimeError:
                return  # closing already

    def _show_tmux_advice(self, advice: list[Advice]) -> None:
        """On the sessions screen for good, in the interview header until the first note."""
        self.tmux_advice = advice
        for screen in self.screen_stack:
            if hasattr(screen, "show_tmux_advice"):
                screen.show_tmux_advice(advice)

    # -- terminal input (tui/terminal_input.py) ---------------------------------------------

    def get_driver_class(self):
        driver = super().get_driver_class()
        from textual.drivers.linux_driver import LinuxDriver

        if driver is LinuxDriver:
            from tui.terminal_input import FieldnoteDriver

            return FieldnoteDriver
        return driver

    async def on_typed_text(self, message: TypedText) -> None:
        """A burst of characters goes to the note input in one piece (no key that works while
        typing is a character: the keymap refuses one); anywhere else each is a key press as
        usual."""
        focused = self.focused
        if isinstance(focused, NoteInput):
            focused.call_later(focused.type_text, message.text, message.number)
            return
        for key in message.keys:
            await self.on_event(key)

    def echo_slot(self) -> EchoSlot | None:
        """Where the terminal may show typed characters before the next frame: the note
        input's cursor, when the input takes them (asked by `FieldnoteDriver` per write)."""
        if not self.screen_stack:  # starting or stopping: no screen to ask
            return None
        focused = self.focused
        if isinstance(focused, NoteInput):
            return focused.echo_slot()
        return None

    def on_unknown_sequence(self, message: UnknownSequence) -> None:
        self.notify(
            f"Ignored a terminal code that is no key: {visible(message.sequence)}. "
            "Nothing of it was typed; paste it if it belongs in a note.",
            title="Input",
            severity="warning",
            timeout=6,
            markup=False,
        )

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notice, a screen's or a widget's too, with control characters shown as
        symbols: a notice may quote a file's name, git's words or a stored problem, and an
        escape sequence in one reached the terminal (it renamed the tmux window)."""
        super().notify(
            visible_lines(message),
            title=visible(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    # -- copying -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="clipboard")
    def copy_text(self, text: str, about: str = "", title: str = "") -> None:
        """Copy `text` (a quote) and say how: the system clipboard if pyperclip has a way to
        it, else the terminal's OSC 52. pyperclip may run a helper program, hence the thread.
        `about`: a sentence saying why it was copied, said first in the same notice (titled
        `title`), so the notice that says why never claims a copy that did not arrive."""
        result = clipboard.copy(text, tmux=run_tmux if inside_tmux() else None)
        try:
            self.call_from_thread(self._copied, text, result, about, title)
        except RuntimeError:
            pass  # closing already

    def _copied(
        self, text: str, result: clipboard.CopyResult, about: str = "", title: str = ""
    ) -> None:
        if result.needs_terminal:
            self.copy_to_clipboard(text)
        if about:
            # A warning: what was asked for (playing, say) did not happen.
            message = f"{about} {result.notice()}"
            self.notify(message, title=title, severity="warning", timeout=8, markup=False)
        elif result.copied:
            self.notify(result.notice(), title="Copied", timeout=4, markup=False)
        else:
            self.notify(
                result.notice(), title="Not copied", severity="warning", timeout=8, markup=False
            )

    # -- playing the recording ---------------------------------------------------------------

    @work(thread=True, exclusive=True, group="player")
    def play_moment(self, target: Callable[[], tuple[str | None, float]]) -> None:
        """Play the recording a few seconds before a note's moment: `target` gives (the media
        file, the second on the recording) and may read the session file, and the player may
        take a moment to show it started, hence the thread. With no player installed, the
        time code goes to the clipboard instead."""
        outcome = self.player.play(*target())
        try:
            self.call_from_thread(self._played, outcome)
        except RuntimeError:
            pass  # closing already

    def _played(self, outcome: PlayOutcome) -> None:
        if outcome.copy is not None:  # one notice: why, and whether the copy arrived
            self.copy_text(outcome.copy, about=outcome.notice, title="Recording")
            return
        severity = "error" if outcome.error else "information"
        self.notify(outcome.notice, title="Recording", severity=severity, timeout=6, markup=False)

    # -- navigation --------------------------------------------------------------------------

    @work(exclusive=True, group="navigation")
    async def open_tagging(
        self,
        scope: str,
        session_id: str | None,
        focus: tuple[str, str, str | None] | None = None,
    ) -> None:
        """The tagging screen over one session, its study or every session; `focus`
        (session id, note id, span id or None) puts the cursor on that note or span."""
        # Tag what was typed, not what was on disk before (waited for off the UI thread).
        await flushed([self.live], self.flush_wait)
        self._push_tagging(scope, session_id, focus)

    def _push_tagging(
        self,
        scope: str,
        session_id: str | None,
        focus: tuple[str, str, str | None] | None = None,
    ) -> None:
        from tui.screens.tagging_screen import TaggingScreen

        if self.tag_writes is None:
            self.tag_writes = TagWrites(
                self.store,
                on_event=lambda state: self.post_message(SaveStateChanged(state, "tags")),
            )
        # The screen finds the sessions of the scope and reads them in a worker.
        poll = (
            {} if self.tagging_poll_seconds is None else {"poll_seconds": self.tagging_poll_seconds}
        )
        self.push_screen(
            TaggingScreen(
                self.tag_writes,
                scope=scope,
                origin=session_id,
                focus=focus,
                coder=self.author,
                blind=self.blind,
                **poll,
            )
        )

    def open_analysis(self, study: str | None) -> None:
        """The analysis screen over one study, or every session (None)."""
        from tui.screens.analysis_screen import AnalysisScreen
        from tui.services.analysis import StudyAnalysis

        self.push_screen(AnalysisScreen(StudyAnalysis(self.store, study, self.now)))

    def leave_tagging(self) -> None:
        """Back from the tagging screen once its changes are on disk, or the user chose."""
        self._confirm_unsaved_then(self._left_tagging, [self.tag_writes], leaving=True)

    def _left_tagging(self) -> None:
        self.pop_screen()
        writes = self.tag_writes
        if writes is not None and not writes.unsaved and not self._tagging_screens():
            writes.close()
            self.tag_writes = None

    def _tagging_screens(self) -> list:
        return [s for s in self.screen_stack if hasattr(s, "on_tag_save_state")]

    def open_interview(self, session_id: str) -> None:
        if self.live is not None:
            self._retire_live()
        self.live = LiveSession(
            self.store,
            session_id,
            self.author,
            now=self.now,
            on_event=lambda state: self.post_message(SaveStateChanged(state, "live")),
        )
        self.push_screen(InterviewScreen(self.live, poll_seconds=self.disk_poll_seconds))

    def action_show_sessions(self) -> None:
        if isinstance(self.screen, InterviewScreen):
            if self.save_drafts():
                self.notify("The note you were typing was saved.", timeout=4)
            self._confirm_unsaved_then(self._back_to_sessions)

    def _back_to_sessions(self) -> None:
        self._retire_live()
        self.pop_screen()

    def _retire_live(self) -> None:
        """Close the live session once what it holds is written (a worker waits for that)."""
        live, self.live = self.live, None
        if live is not None:
            self._retiring.append(live)
            self._close_when_written(live)

    def on_unmount(self) -> None:
        """However the app ends (quit, a lost terminal, or a test leaving it), what the sessions
        hold is written and their writers, heartbeats and file descriptors are closed. No key
        waits any more, so this is the one place that may wait for the disk. A recording
        this app started playing stops with it."""
        self.player.stop()
        if self.live is not None:
            self._retiring.append(self.live)
            self.live = None
        for holder in self._retiring:
            holder.flush(timeout=CLOSE_WAIT_SECONDS)
            holder.close()
        self._retiring.clear()
        if self.tag_writes is not None:
            self.tag_writes.flush(timeout=CLOSE_WAIT_SECONDS)
            self.tag_writes.close()
            self.tag_writes = None

    @work(group="closing")
    async def _close_when_written(self, holder) -> None:
        await flushed([holder], CLOSE_WAIT_SECONDS)
        holder.close()
        if holder in self._retiring:
            self._retiring.remove(holder)

    def on_save_state_changed(self, message: SaveStateChanged) -> None:
        if message.source == "tags":
            screens = self._tagging_screens()
            for screen in screens:
                screen.on_tag_save_state(message.state)
            problem = self.tag_writes.problem() if self.tag_writes else None
            if not screens and (problem or message.state.skipped):
                # Left the tagging screen with changes still failing: they retry meanwhile.
                text = problem or message.state.skipped
                self.notify(text, severity="error", timeout=8, markup=False)
        else:
            # The interview may be under a dialog: it must still hear that writes recovered.
            for screen in self.screen_stack:
                if isinstance(screen, InterviewScreen):
                    screen.on_save_state(message.state)

    # -- keys --------------------------------------------------------------------------------

    def get_key_display(self, binding: Binding) -> str:
        # shift as ⇧, as ctrl is ^: `shift+tab` widened the help screen's key column until a
        # 60-column terminal had no room left for the ids.
        return super().get_key_display(binding).replace("shift+", "\u21e7")

    def key_for(self, binding_id: str) -> str:
        """How the active keymap's first key for `binding_id` is shown (`^n`, `f8`)."""
        keys = self.keys_in_force(binding_id)
        return self.get_key_display(Binding(keys.split(",")[0].strip(), ""))

    def key_word(self, binding_id: str) -> str:
        """The key in force for `binding_id` as a dialog's sentence names it: as the docs do
        (`Enter`, `Esc`, `ctrl+t`) while the keymap leaves it on its default key, else as the
        key bar shows it (`key_for`), so a sentence never names a key that does nothing."""
        first = self.keys_in_force(binding_id).split(",")[0].strip()
        if first != action_spec(binding_id).keys.split(",")[0].strip():
            return self.key_for(binding_id)
        return KEY_WORDS.get(first) or typed_key(first)

    def keys_for(self, binding_id: str) -> str:
        """Every key of the active keymap for `binding_id`, as shown (`^n f6`)."""
        keys = self.keys_in_force(binding_id)
        return " ".join(self.get_key_display(Binding(key.strip(), "")) for key in keys.split(","))

    def keys_in_force(self, binding_id: str) -> str:
        """The keys the active keymap gives `binding_id` (the registry's without one)."""
        keys = self.keymap.keys.get(binding_id) if self.keymap is not None else None
        return keys or action_spec(binding_id).keys

    def screen_keys(self, screen: type) -> frozenset[str]:
        """Every key the keymap in force gives a binding of the screen class `screen`. A
        table asks on each refresh of the key bar (`left_to_screen`): worked out once per
        class until the keymap changes."""
        keys = self._screen_keys.get(screen)
        if keys is None:
            keys = self._screen_keys[screen] = frozenset(
                key
                for binding in screen.BINDINGS
                if isinstance(binding, Binding) and binding.id
                for key in self.keys_in_force(binding.id).split(",")
            )
        return keys

    def apply_keymap(self, keymap: Keymap) -> None:
        self.keymap = keymap
        self._screen_keys.clear()
        self.set_keymap(keymap.overrides())

    def action_reload_keymap(self) -> None:
        """Read the keymap files again; an invalid one is reported and the current one stays."""
        if self.keymap_loader is None:
            self.notify("This window was started without keymap files to reload.", title="Keymap")
            return
        try:
            keymap = self.keymap_loader()
        except KeymapError as error:
            self.reload_mistakes = error  # the help says the keys from before stay
            self._say_mistakes(mistakes_said(error) or visible(str(error)), "Keymap not reloaded")
            return
        self.reload_mistakes = None
        self.apply_keymap(keymap)
        self._show_keymap_warnings(keymap)
        self.notify(
            f"Keymap reloaded from {visible(sources_text(keymap))}.", title="Keymap", markup=False
        )

    def _say_mistakes(self, said: str, title: str) -> None:
        """The keymap's mistakes at start or on a reload: two lines at most, for a notice's
        usual time (a list of them covered half an 80x24 interview for 15 to 20 s). The help
        lists them whole, as `fieldnote keys` does; the file's path is shown, not obeyed."""
        self.notify(
            f"{said}; {self.key_for('app.help')} or `fieldnote keys` lists them.",
            title=title,
            severity="error",
            timeout=8,
            markup=False,
        )

    def _show_keymap_warnings(self, keymap: Keymap) -> None:
        for warning in keymap.warnings:
            self.notify(
                visible_lines(warning), title="Keymap", severity="warning", timeout=10, markup=False
            )

    def get_system_commands(self, screen):
        """Textual's, less Quit and Keys: the registry's app.quit and app.help (F1) are listed
        with the screen's actions (tui/commands.py), with their active keys."""
        for command in super().get_system_commands(screen):
            if command.title not in ("Quit", "Keys"):
                yield command

    def get_key_display_for_palette(self) -> str:
        return self.get_key_display(Binding(self.COMMAND_PALETTE_BINDING, ""))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            ids = [b.id for b in getattr(self.screen, "BINDINGS", ()) if getattr(b, "id", None)]
            focused = self.focused
            note_input = focused if isinstance(focused, NoteInput) else None
            self.push_screen(HelpScreen(ids[0].split(".")[0] if ids else None, note_input))

    # -- a terminal that goes away -----------------------------------------------------------

    def _watch_terminal(self) -> None:
        """Save and leave when the terminal goes away (tmux pane killed, SSH dropped): on a
        signal, or when the input thread finds the terminal ended (`on_terminal_closed`), as
        SIGHUP does not always arrive (an app started by `make` in a killed pane gets none)."""
        loop = asyncio.get_running_loop()
        # SIGINT too: a shell starts a background job with SIGINT ignored, and a handler of
        # our own is the only way `kill -INT` still saves and ends it.
        for number in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
                loop.add_signal_handler(number, self.save_and_exit)

    def on_terminal_closed(self, message: TerminalClosed) -> None:
        self.save_and_exit()

    def save_drafts(self) -> bool:
        """Save what is typed in every interview's note input, as if Enter had been pressed
        (leaving never throws a draft away). Whether there was one."""
        return any([s.save_draft() for s in self.screen_stack if isinstance(s, InterviewScreen)])

    def save_and_exit(self) -> None:
        """Keep whatever was typed, make every change durable, and exit without asking: there
        is nobody left to ask. What the data folder will not take goes to a rescue file."""
        if self._saved_to_exit:
            return
        self._saved_to_exit = True
        self.save_drafts()
        # The terminal is gone: nobody is waiting for a key, so this may block.
        holders = [h for h in (self.live, self.tag_writes, *self._retiring) if h is not None]
        failing = [h for h in holders if not h.flush(timeout=CLOSE_WAIT_SECONDS)]
        if failing:
            with contextlib.suppress(OSError):
                self.rescued_to = write_rescue(failing, self._rescue_path())
        for holder in holders:
            holder.close()
        self.live = self.tag_writes = None
        self.exit()

    # -- a bug (tui/textual_compat.py: the report shows no local variables) -------------------

    def before_crash_exit(self) -> None:
        """Whatever was typed goes to a rescue file before the app exits on a bug."""
        drafts = [
            screen.note_input.draft
            for screen in self.screen_stack
            if isinstance(screen, InterviewScreen) and screen.note_input.draft.strip()
        ]
        holders = [h for h in (self.live, self.tag_writes) if h is not None]
        if drafts or any(h.unsaved_record()[1] for h in holders):
            self.rescued_to = write_rescue([*holders, _Drafts(drafts)], self._rescue_path())
            if self.live is not None:
                # The rescue holds the draft now: left in the draft file as well, the next
                # `open` would put it back in the input while `fieldnote restore` saves it.
                self.live.keep_draft("", None)

    def _rescue_path(self) -> Path:
        label = self.live.session_id[:8] if self.live is not None else "tags"
        return rescue_path(Path.home(), label, self.now())

    # -- quitting ----------------------------------------------------------------------------

    async def action_quit(self) -> None:
        screen = self.screen
        if isinstance(screen, InterviewScreen):  # after the keys typed before ctrl+q
            screen.note_input.after_typed(self._quit_after_typing)
        else:
            self._quit_after_typing()

    def _quit_after_typing(self) -> None:
        def confirm_then_quit() -> None:
            self._confirm_unsaved_then(self._quit_now, [self.live, self.tag_writes])

        self.save_drafts()  # every way out keeps what was typed, as a lost terminal does
        screen = self.screen
        if isinstance(screen, InterviewScreen) and screen.live.aids.wants_debrief():
            screen.open_debrief(then=confirm_then_quit)  # ending an interview debriefs it
            return
        confirm_then_quit()

    @work(exclusive=True, group="quitting")
    async def _quit_now(self) -> None:
        holders = [h for h in (self.live, self.tag_writes, *self._retiring) if h is not None]
        await flushed(holders, CLOSE_WAIT_SECONDS)
        for holder in holders:
            holder.close()
        self.live = self.tag_writes = None
        self._retiring.clear()
        self.exit()

    def _confirm_unsaved_then(
        self, then: Callable[[], None], holders: list | None = None, *, leaving: bool = False
    ) -> None:
        """Run `then` once every change is on disk (waiting `flush_wait` for the writers), or
        after the user chose what to do. `holders`: the live session by default; `leaving`:
        only a screen is left, so what is pending keeps retrying instead of being dropped."""
        holders = [h for h in (holders if holders is not None else [self.live]) if h is not None]
        self._when_written(then, holders, leaving)

    @work(exclusive=True, group="leaving")
    async def _when_written(self, then: Callable[[], None], holders: list, leaving: bool) -> None:
        # Waited for in threads: keys keep echoing however slow the disk is (issue 11).
        waiting = await flushed(holders, self.flush_wait)
        if not waiting:
            then()
            return

        def decided(go: bool | None) -> None:
            if not go:
                return
            if not leaving:
                for holder in waiting:
                    holder.close()
                    if holder is self.live:
                        self.live = None
                    if holder is self.tag_writes:
                        self.tag_writes = None
            then()

        self.push_screen(QuitScreen(waiting, self._rescue_path(), leaving=leaving), decided)
