"""Home: every session in the data folder, newest first; open one or start a new one.

The sessions come from the app's `SessionsService` in a worker; the table is drawn by the
watchers of `listing` and `study_filter` (set them, and the screen shows it)."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tui.domain.display_text import visible
from tui.screens.new_session_screen import NewSessionScreen
from tui.screens.prompt_screen import PromptScreen
from tui.screens.visibility import on_view
from tui.services.interview_aids import DEBRIEF_PROMPTS
from tui.store import SessionSummary, StoreError
from tui.store.storage import NOT_A_FILE
from tui.widgets.bindings import bindings_for
from tui.widgets.key_bar import KeyBar
from tui.widgets.row_table import RowTable
from tui.widgets.table_columns import Column, fit

SESSION_COLUMNS = [
    Column("Title", share=55),
    Column("Participant", share=45, essential=False),
    Column("Study", share=30, essential=False),
    Column("Date", 10, essential=False),
    Column("Notes", 5),
    Column("Coded", 5),
]


POLL_SECONDS = 2.0
"""How often the list looks for what other processes changed (when nothing did: two stats per
session file)."""


ON_A_SESSION = {
    "open_session",
    "code_session",
    "export_session",
    "export_all",
    "set_study",
    "set_goal",
    "filter_study",
    "rename_person",
    "attach_transcript",
    "analyse",
}
"""The actions that need a listed session: with none they would do nothing when pressed."""


class HomeScreen(Screen):
    BINDINGS = bindings_for("home")

    listing: reactive[tuple[list[SessionSummary], list[StoreError]]] = reactive(
        lambda: ([], []), always_update=True, init=False
    )
    """Every session and the files that could not be read, as last listed."""
    study_filter: reactive[str | None] = reactive(None, init=False)
    """Show only this study's sessions ("" for those without one); None: every session."""
    syncing: reactive[bool] = reactive(False, init=False)
    """A sync of the data folder with its git remote is running (docs/team.md)."""

    def __init__(self) -> None:
        super().__init__()
        self.summaries: list[SessionSummary] = []
        """The sessions shown: those of `study_filter`, or all."""
        self._listed = False
        """A listing has come: until then an empty list means not read yet, not no sessions."""
        self._drawn: tuple | None = None
        """The columns and rows the table holds, as plain values."""

    @property
    def _all(self) -> list[SessionSummary]:
        return self.listing[0]

    def compose(self) -> ComposeResult:
        yield Static(Text("Fieldnote \u00b7 sessions", style="bold"), id="home-title")
        yield Static(id="tmux-advice")
        yield RowTable(id="sessions", cursor_type="row", zebra_stripes=True)
        yield Static(id="home-debrief")
        yield Static(id="home-problems")
        yield Static(id="home-empty")
        yield KeyBar()

    def show_tmux_advice(self, advice) -> None:
        """tmux settings to fix (from the app's check), each a sentence with the command."""
        if self.is_mounted:  # else on_mount shows it
            self._show_advice(advice)

    def _show_advice(self, advice) -> None:
        lines = [f"\u26a0 tmux: {item.sentence}" for item in advice]
        box = self.query_one("#tmux-advice", Static)
        box.update(Text("\n".join(lines)))
        box.display = bool(lines)

    def on_mount(self) -> None:
        self._show_advice(self.app.tmux_advice)
        self.query_one(DataTable).focus()
        self.set_interval(POLL_SECONDS, self._poll)

    def on_screen_resume(self) -> None:
        # Shown first, or back from another screen: list what is on disk now. (The app may
        # have pushed another screen over this one before it was ever shown: nothing to list
        # then until it is, so a start on the analysis or the tagging screen reads the index
        # once, for that screen.)
        if on_view(self):
            self.action_refresh()

    def _poll(self) -> None:
        """What another process writes (a co-interviewer's notes, `fieldnote note` or `new`
        in another shell, a sync) is listed while the screen is shown: two stats per file."""
        if self._listed and on_view(self):
            self._relist()

    @work(thread=True, exclusive=True, group="home-poll")
    def _relist(self) -> None:
        listing = self.app.sessions.relisting(self.listing)
        if listing is not None:
            self.app.call_from_thread(setattr, self, "listing", listing)

    def on_resize(self) -> None:
        self._show()
        self._show_debrief()  # whole or a line each: by the new width

    @work(thread=True, exclusive=True, group="home-list")
    def action_refresh(self) -> None:
        self.app.call_from_thread(setattr, self, "listing", self.app.sessions.listing())

    def watch_listing(self) -> None:
        self._listed = True
        if not on_view(self):
            return  # drawn when the screen is back: it lists again then
        if self.study_filter is not None and self.study_filter not in self.studies():
            self.study_filter = None  # the last session left that study (its watcher draws)
        else:
            self._show()

    def watch_study_filter(self) -> None:
        self._show()

    def _columns(self) -> list[tuple[str, int]]:
        return fit(SESSION_COLUMNS, max(self.size.width, 20))

    def _show(self) -> None:
        every, problems = self.listing
        summaries = [s for s in every if self.study_filter is None or s.study == self.study_filter]
        previous, self.summaries = self.summaries, summaries
        if bool(previous) != bool(summaries):
            self.refresh_bindings()  # the keys of a session light up or dim (check_action)
        self._show_title()
        table = self.query_one(DataTable)
        row = table.cursor_row
        # The cursor stays on its session when one appears above it (another process's).
        selected = previous[row].id if 0 <= row < len(previous) else None
        columns = self._columns()
        rows = [(summary.id, self._cells(summary)) for summary in summaries]
        # The same rows again (f over one study's sessions, a relisting after a write to
        # another file): emptied and added again, 300 of them took 130-300 ms to measure.
        if (columns, rows) != self._drawn:
            self._drawn = (columns, rows)
            table.clear(columns=True)
            for label, width in columns:
                table.add_column(label, width=width, key=label)
            names = [label for label, _ in columns]
            for key, cells in rows:
                table.add_row(*(self._cell(name, cells[name]) for name in names), key=key)
        if summaries:
            ids = [summary.id for summary in summaries]
            row = ids.index(selected) if selected in ids else min(row, len(summaries) - 1)
            table.move_cursor(row=row)
        new_key = self.app.key_for("home.new")
        empty = f"No sessions yet. Press {new_key} to start one."
        if not self._listed:
            empty = "Reading the sessions\u2026"  # a large study's first index takes a second
        self.query_one("#home-empty", Static).update(
            Text("") if summaries else Text(empty, style="italic")
        )
        self.query_one("#home-problems", Static).update(
            # A file's name is in the sentence: made safe.
            Text("\n".join(f"\u26a0 {visible(str(problem))}" for problem in problems))
        )

    @staticmethod
    def _cells(summary: SessionSummary) -> dict[str, str]:
        """A session's row as plain values (compared to tell whether it changed)."""
        coded = (
            f"{round(100 * summary.coded_count / summary.note_count)}%"
            if summary.note_count
            else "-"
        )
        return {
            "Title": visible(summary.title),
            "Participant": visible(summary.participant),
            "Study": visible(summary.study),
            "Date": summary.created_at[:10],
            "Notes": str(summary.note_count),
            "Coded": coded,
        }

    @staticmethod
    def _cell(name: str, value: str) -> str | Text:
        if name in ("Title", "Participant", "Study"):  # a user's words: never markup
            return Text(value, no_wrap=True, overflow="ellipsis")
        return value

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # With no session listed, its keys show dimmed (None) rather than do nothing unsaid.
        return None if action in ON_A_SESSION and not self.summaries else True

    def _selected(self) -> SessionSummary | None:
        table = self.query_one(DataTable)
        if not self.summaries or table.cursor_row < 0:
            return None
        return self.summaries[min(table.cursor_row, len(self.summaries) - 1)]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_debrief()

    def _show_debrief(self) -> None:
        """The highlighted session's debrief answers: whole where they fit in DEBRIEF_LINES,
        else a line per interviewer, each cut with an ellipsis (a cut at the panel's edge hid
        the next interviewer's answers without a sign)."""
        summary = self._selected()
        lines = debrief_lines(summary.debrief) if summary is not None else []
        width = max(1, self.size.width - 2)  # its padding (app.tcss)
        whole = Text("\n").join(lines)
        if len(whole.wrap(self.app.console, width)) > DEBRIEF_LINES:
            for line in lines:
                line.no_wrap, line.overflow = True, "ellipsis"
                line.truncate(width, overflow="ellipsis")
            whole = Text("\n").join(lines[:DEBRIEF_LINES])
        self.query_one("#home-debrief", Static).update(whole)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_session()

    def action_open_session(self) -> None:
        summary = self._selected()
        if summary is not None:
            self.app.open_interview(summary.id)

    def action_code_session(self) -> None:
        summary = self._selected()
        if summary is not None:
            self.app.open_tagging("session", summary.id)

    def action_export_session(self) -> None:
        summary = self._selected()
        if summary is not None:
            self._export([summary.id], summary.title or summary.id[:8])

    def action_export_all(self) -> None:
        if self.summaries:
            self._export([s.id for s in reversed(self.summaries)], "all sessions")

    def _export(self, session_ids: list[str], label: str) -> None:
        from tui.screens.export_screen import ExportScreen

        self.app.push_screen(ExportScreen(self.app.sessions.export_job(session_ids, label)))

    def action_new_session(self) -> None:
        def created(session_id: str | None) -> None:
            if session_id:
                self.app.open_interview(session_id)

        self.app.push_screen(NewSessionScreen(), created)

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    # -- studies ------------------------------------------------------------------------------

    def studies(self) -> list[str]:
        """The studies of every session, sorted; "" (no study) last when some have none."""
        names = {s.study for s in self._all}
        return sorted(names - {""}, key=str.casefold) + ([""] if "" in names else [])

    def _show_title(self) -> None:
        title = Text("Fieldnote \u00b7 sessions", style="bold")
        if self.study_filter is not None:
            shown = visible(self.study_filter) if self.study_filter else "no study"
            title.append(f" \u00b7 study: {shown}", style="bold")
        if self.syncing:
            title.append(" \u00b7 syncing\u2026", style="italic")
        self.query_one("#home-title", Static).update(title)

    def action_filter_study(self) -> None:
        """Cycle the filter: every session, then each study in turn, then back."""
        cycle: list[str | None] = [None, *self.studies()]
        if len(cycle) == 1:
            return
        index = cycle.index(self.study_filter) if self.study_filter in cycle else 0
        self.study_filter = cycle[(index + 1) % len(cycle)]

    def action_set_study(self) -> None:
        summary = self._selected()
        if summary is None:
            return
        known = [name for name in self.studies() if name]
        help_text = "Empty: no study."
        if known:
            help_text = f"Studies so far: {', '.join(visible(n) for n in known[:8])}. {help_text}"

        def chosen(name: str | None) -> None:
            if name is not None:
                self._write_study(summary.id, name)

        self.app.push_screen(
            PromptScreen(
                f"Study of \u201c{visible(summary.title)}\u201d", help_text, summary.study
            ),
            chosen,
        )

    @work(thread=True, group="home-study")
    def _write_study(self, session_id: str, name: str) -> None:
        self._write_line(self.app.sessions.set_study, session_id, name)

    def action_set_goal(self) -> None:
        """The goal is asked here and when a session is made, never over a live interview,
        where a dialog would catch the first note typed."""
        summary = self._selected()
        if summary is None:
            return

        def chosen(goal: str | None) -> None:
            if goal is not None:
                self._write_goal(summary.id, goal)

        self.app.push_screen(
            PromptScreen(
                f"Goal of \u201c{visible(summary.title)}\u201d",
                "One sentence: what you want to learn. It stays in the header while you talk.",
                summary.goal,
            ),
            chosen,
        )

    @work(thread=True, group="home-goal")
    def _write_goal(self, session_id: str, goal: str) -> None:
        self._write_line(self.app.sessions.set_goal, session_id, goal)

    def _write_line(self, write, session_id: str, text: str) -> None:
        """From a worker: write one line of a session, say why not, then list again."""
        try:
            write(session_id, text)
        except StoreError as error:
            self.app.call_from_thread(
                self.notify, str(error), severity="error", timeout=8, markup=False
            )
        self.app.call_from_thread(self.action_refresh)

    def action_rename_person(self) -> None:
        """Rename or merge a speaker or participant of the selected session (OLD=NEW)."""
        summary = self._selected()
        if summary is not None:
            self._ask_rename(summary.id)

    @work(thread=True, group="home-rename")
    def _ask_rename(self, session_id: str) -> None:
        from tui.domain.people import same_person
        from tui.services.speakers import RenameError, parse_rename

        try:
            title, names = self.app.sessions.people(session_id)
        except StoreError as error:
            self.app.call_from_thread(
                self.notify, str(error), severity="error", timeout=8, markup=False
            )
            return
        listed = ", ".join(visible(name) for name in names[:12]) or "nobody yet"
        help_text = f"People: {listed}. Type OLD=NEW; onto an existing name merges them."

        def check(text: str) -> str | None:
            try:
                old, _ = parse_rename(text)
            except RenameError as error:
                return str(error)
            if not any(same_person(old, name) for name in names):
                return f"Nobody is called {visible(old)} here."
            return None

        def chosen(text: str | None) -> None:
            if text:
                self._write_rename(session_id, *parse_rename(text))

        prompt = PromptScreen(
            f"Rename a person in \u201c{visible(title)}\u201d", help_text, "", check
        )
        self.app.call_from_thread(self.app.push_screen, prompt, chosen)

    @work(thread=True, group="home-rename")
    def _write_rename(self, session_id: str, old: str, new: str) -> None:
        from tui.services.speakers import RenameError

        try:
            renamed = self.app.sessions.rename_person(session_id, old, new)
        except (StoreError, RenameError) as error:
            self.app.call_from_thread(
                self.notify, str(error), severity="error", timeout=8, markup=False
            )
            return
        self.app.call_from_thread(self.notify, visible(renamed.summary()), markup=False)
        self.app.call_from_thread(self.action_refresh)

    def action_attach_transcript(self) -> None:
        """Attach the interview's transcript (and its media file) to the selected session;
        asks first when one is attached already."""
        summary = self._selected()
        if summary is not None:
            self._ask_attach(summary.id, summary.title)

    @work(thread=True, group="home-attach")
    def _ask_attach(self, session_id: str, title: str) -> None:
        from tui.screens.prompt_screen import ConfirmScreen

        try:
            attached = self.app.sessions.attached_transcript(session_id)
        except StoreError as error:
            self.app.call_from_thread(
                self.notify, str(error), severity="error", timeout=8, markup=False
            )
            return

        def replace(yes: bool | None) -> None:
            if yes:
                self._ask_transcript(session_id, title, attached[1])

        if attached is None:
            self.app.call_from_thread(self._ask_transcript, session_id, title)
        else:
            confirm = ConfirmScreen(
                "Replace the transcript?",
                f"\u201c{visible(title)}\u201d has {visible(attached[0])} attached. Attach "
                "another in its place? The notes stay as they are.",
            )
            self.app.call_from_thread(self.app.push_screen, confirm, replace)

    def _ask_transcript(self, session_id: str, title: str, media: str | None = None) -> None:
        """The transcript's path, then the media file's: on an attach again, the one attached
        now is in the field (Enter keeps it, as `fieldnote attach` without --media does)."""
        from pathlib import Path

        def exists(text: str, *, optional: bool = False) -> str | None:
            if not text.strip():
                # An empty path is the current folder: say what to type, not "is no file".
                return None if optional else "Type the path of the transcript's file first."
            path = Path(text.strip()).expanduser()
            if path.exists() and not path.is_file():
                return f"{visible(text.strip())} is no file but {NOT_A_FILE}; type a file's path."
            if not path.is_file():
                clear = ", or clear the field for none" if optional else ""
                return f"There is no file {visible(text.strip())}; type its path{clear}."
            return None

        def media_chosen(transcript: Path, text: str | None) -> None:
            if text is not None:
                media = Path(text.strip()).expanduser() if text.strip() else None
                self._write_attach(session_id, transcript, media)

        def transcript_chosen(text: str | None) -> None:
            if not text:
                return
            transcript = Path(text.strip()).expanduser()
            help_text = (
                "Its path, for playing a note's moment: the one attached now (Enter keeps it); "
                "clear the field for none."
                if media
                else "Its path, for playing a note's moment; leave it empty for none."
            )
            self.app.push_screen(
                PromptScreen(
                    "The recording's audio or video file",
                    help_text,
                    media or "",
                    lambda value: exists(value, optional=True),
                ),
                lambda value: media_chosen(transcript, value),
            )

        offset_key = self.app.key_for("interview.set_offset")
        self.app.push_screen(
            PromptScreen(
                f"Attach a transcript to \u201c{visible(title)}\u201d",
                "The path of its .vtt, .srt or plain-text file. Each note is linked to what was "
                f"said at its moment (the session's recording offset: {offset_key} in the "
                "interview).",
                "",
                exists,
            ),
            transcript_chosen,
        )

    @work(thread=True, group="home-attach")
    def _write_attach(self, session_id: str, transcript, media) -> None:
        from tui.services.recording import RecordingError

        try:
            done = self.app.sessions.attach_transcript(
                session_id, transcript, media, self.app.now()
            )
        except (StoreError, RecordingError) as error:
            self.app.call_from_thread(
                self.notify, visible(str(error)), severity="error", timeout=10, markup=False
            )
            return
        self.app.call_from_thread(self.notify, visible(done.summary()), markup=False, timeout=8)
        for notice in done.notices:
            self.app.call_from_thread(
                self.notify, visible(notice), severity="warning", timeout=15, markup=False
            )

    def action_analyse(self) -> None:
        """The analysis of the study filtered on, else of the selected session's study, else
        of every session."""
        if self.study_filter:
            self.app.open_analysis(self.study_filter)
            return
        summary = self._selected()
        self.app.open_analysis(summary.study if summary is not None and summary.study else None)

    # -- the study on git ----------------------------------------------------------------------

    def _team(self):
        from tui.services.sync.undecided import TeamSync

        return TeamSync(self.app.sessions.store, self.app.author)

    def watch_syncing(self) -> None:
        self._show_title()

    def action_sync(self) -> None:
        if not self.syncing:
            self.syncing = True
            self._sync()

    @work(thread=True, exclusive=True, group="home-sync")
    def _sync(self) -> None:
        try:
            said = self._team().sync(self.app.key_for("home.undecided"))
            severity = "information"
        except StoreError as error:
            said, severity = str(error), "error"
        # The outcome is on screen before "syncing…" leaves the title. It may quote git,
        # and so the remote: shown made safe, as the CLI prints it.
        self.app.call_from_thread(
            self.notify, visible(said), severity=severity, timeout=8, markup=False
        )
        self.app.call_from_thread(setattr, self, "syncing", False)
        self.app.call_from_thread(self.action_refresh)

    def action_undecided(self) -> None:
        from tui.screens.undecided_screen import UndecidedScreen

        self.app.push_screen(UndecidedScreen(self._team()))


DEBRIEF_LINES = 6
"""Lines the debrief panel under the sessions takes at most (app.tcss)."""


def debrief_lines(debrief: dict) -> list[Text]:
    """A session's debrief answers, a paragraph per interviewer who gave them."""
    shown = []
    for author, answers in debrief.items():
        if not isinstance(answers, dict):
            continue
        parts = [(label, str(answers.get(key) or "")) for key, label in DEBRIEF_PROMPTS]
        parts = [(label, answer) for label, answer in parts if answer]
        if not parts:
            continue
        line = Text()
        line.append(f"Debrief ({visible(str(author))}) ", style="bold")
        for label, answer in parts:
            line.append(f" {label} ", style="dim")
            line.append(visible(answer))
        shown.append(line)
    return shown
