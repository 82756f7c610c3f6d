"""Every stored string a screen draws is shown, never obeyed by the terminal.

A shared study folder is written by others: a goal, a study name, a tag's description or a
debrief answer can hold an OSC sequence that renames the terminal's window, a CSI that
clears the screen, a right-to-left override or a C1 control. Each test stores such a string
the way a file would, opens the screen that shows it and checks the rendered cells hold
none of it.
"""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Input

from tests.waiting import wait_until, workers_done
from tui.screens.prompt_screen import PromptScreen
from tui.services.session_setup import create_session

OSC_TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
RLO = "\u202e"
C1_CSI = "\x9b"
HOSTILE = f"Why{OSC_TITLE}{CLEAR} do{RLO} trials{C1_CSI} stall?"
SHOWN = "Why\u241b]0;pwned\u2407\u241b[2J do\ufffd trials\ufffd stall?"
RAW = ("\x1b", "\x07", C1_CSI, RLO)


def rendered(widget: Widget) -> str:
    """The text of the cells `widget` draws."""
    return "\n".join(strip.text for strip in widget.render_lines(widget.region.reset_offset))


def assert_inert(text: str) -> None:
    assert not any(raw in text for raw in RAW), repr(text)


async def test_a_prefilled_field_shows_a_stored_goals_escapes_as_symbols(make_app, store, clock):
    session_id = create_session(store, title="P1", participant="Ana", goal=HOSTILE, now=clock())
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await workers_done(app)
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.pause()
        field = app.screen.query_one(Input)
        assert field.value == HOSTILE  # the field edits the stored goal itself
        assert_inert(rendered(field))
        assert SHOWN[:20] in rendered(field)
        await pilot.press("end", "!", "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, PromptScreen))
    # Saved as typed over what was stored: nothing but the `!` changed.
    assert store.open_session(session_id).read().session["goal"] == HOSTILE + "!"


def screen_text(app) -> str:
    """The text of every widget the current screen draws."""
    return "\n".join(rendered(widget) for widget in app.screen.query("*") if widget.region)


async def test_the_codebooks_dialogs_show_a_stored_tag_names_escapes_as_symbols(store, clock):
    from tui.app import FieldnoteApp
    from tui.screens.codebook_screen import CodebookScreen
    from tui.screens.prompt_screen import ConfirmScreen

    session_id = create_session(store, title="P1", participant="Ana", now=clock())
    name = f"pain{OSC_TITLE}{CLEAR}{RLO}{C1_CSI}"  # as a hand-edited or imported file holds it
    store.codebook.create(name, "2026-01-01T00:00:00.000Z")
    store.codebook.create(f"{name}/sub", "2026-01-01T00:00:00.000Z")  # so delete asks first
    app = FieldnoteApp(store, author="Maya", now=clock, tagging=("session", session_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await workers_done(app)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CodebookScreen))
        await workers_done(app)
        for key, dialog in (("r", PromptScreen), ("e", PromptScreen), ("x", ConfirmScreen)):
            await pilot.press(key)
            await wait_until(pilot, lambda d=dialog: isinstance(app.screen, d))
            await pilot.pause()
            shown = screen_text(app)
            assert "pain\u241b]0;pwned" in shown, shown  # the title names the tag
            assert_inert(shown)
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, CodebookScreen))


async def test_unsaved_tag_changes_name_a_stored_tag_with_its_escapes_as_symbols(tmpfs):
    from tests.conftest import FrozenClock
    from tests.disk_faults import fill
    from tests.test_tagging import add_notes, ready
    from tui.app import FieldnoteApp
    from tui.screens.quit_screen import QuitScreen
    from tui.screens.tag_picker_screen import TagPickerScreen
    from tui.screens.tagging_screen import TaggingScreen
    from tui.store import DataStore

    store, clock = DataStore(tmpfs / "data"), FrozenClock()
    session_id = create_session(store, title="P1", participant="Ana", now=clock())
    add_notes(store, session_id, clock)
    store.codebook.create(f"zeta{OSC_TITLE}{CLEAR}{RLO}{C1_CSI}", "2026-01-01T00:00:00.000Z")
    app = FieldnoteApp(store, author="Maya", now=clock, tagging=("session", session_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        assert isinstance(screen, TaggingScreen)
        fill(tmpfs)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, TagPickerScreen))
        await pilot.press(*"zeta", "enter")
        status = screen.query_one("#tagging-status")
        await wait_until(pilot, lambda: status.display)
        await pilot.pause()
        said = rendered(status)
        assert "zeta\u241b]0;pwned" in said  # the pending change names the tag
        assert_inert(said)
        await pilot.press("ctrl+q")  # waits a second for the writes, then asks
        await wait_until(pilot, lambda: isinstance(app.screen, QuitScreen))
        await pilot.pause()
        shown = screen_text(app)
        assert "zeta\u241b]0;pwned" in shown  # the failed write names the change
        assert_inert(shown)
        await pilot.press("escape")


async def test_a_damaged_codebooks_sentence_quotes_its_entry_with_escapes_as_symbols(store, clock):
    import json

    from tui.app import FieldnoteApp
    from tui.screens.codebook_screen import CodebookScreen

    session_id = create_session(store, title="P1", participant="Ana", now=clock())
    store.codebook.create("pain", "2026-01-01T00:00:00.000Z")
    path = store.home / "codebook.json"
    data = json.loads(path.read_text())
    # A hand edit or a bad merge: an entry that is no document, under a key with escapes.
    data["tags"] = {f"1{OSC_TITLE}{RLO}": "pain"}
    path.write_text(json.dumps(data))
    app = FieldnoteApp(store, author="Maya", now=clock, tagging=("session", session_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await workers_done(app)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CodebookScreen))
        status = app.screen.query_one("#codebook-status")
        await wait_until(pilot, lambda: "Cannot read" in str(status.render()))
        await pilot.pause()
        said = rendered(status)
        assert "1\u241b]0;pwned" in said
        assert_inert(said)


async def test_a_guide_errors_sentence_shows_the_paths_escapes_as_symbols(make_app, tmp_path):
    from tui.screens.new_session_screen import NewSessionScreen

    guide = tmp_path / f"guide{OSC_TITLE}{RLO}.md"
    guide.write_bytes(b"## A\n- \xff\xfe?\n")  # not UTF-8: its sentence names the file
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await workers_done(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NewSessionScreen))
        form = app.screen
        form.query_one("#new-title", Input).value = "P1"
        form.query_one("#new-guide", Input).value = str(guide)  # as pasted
        await pilot.press("enter")
        error = form.query_one("#new-error")
        await wait_until(pilot, lambda: "UTF-8" in str(error.render()))
        await pilot.pause()
        said = rendered(error)
        assert "guide\u241b]0;pwned" in said
        assert_inert(said)


async def test_an_offset_refused_quotes_what_was_pasted_with_escapes_as_symbols(
    make_app, session_id
):
    from tui.screens.offset_screen import OffsetScreen

    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await workers_done(app)
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, OffsetScreen))
        dialog = app.screen
        dialog.query_one(Input).value = f"1:{OSC_TITLE}{RLO}30"  # as pasted
        await pilot.press("enter")
        error = dialog.query_one("#offset-error")
        await wait_until(pilot, lambda: "is not a time" in str(error.render()))
        said = rendered(error)
        assert "1:\u241b]0;pwned" in said
        assert_inert(said)


async def test_the_tag_pickers_hint_quotes_a_pasted_name_with_escapes_as_symbols(store, clock):
    from tests.test_tagging import add_notes, ready
    from tui.app import FieldnoteApp
    from tui.screens.tag_picker_screen import TagPickerScreen

    session_id = create_session(store, title="P1", participant="Ana", now=clock())
    add_notes(store, session_id, clock)
    app = FieldnoteApp(store, author="Maya", now=clock, tagging=("session", session_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, TagPickerScreen))
        picker = app.screen
        picker.query_one(Input).value = f"new{OSC_TITLE}{RLO}"  # as pasted
        hint = picker.query_one("#picker-hint")
        await wait_until(pilot, lambda: "A tag name" in str(hint.render()))
        said = screen_text(app)
        assert "\u2018\u241b\u2019" in said  # the character the name cannot hold, shown
        assert_inert(said)


def test_a_crash_reports_an_error_quoting_stored_text_with_escapes_as_symbols(tmp_path):
    """A bug whose error quotes a stored string (a title, a path): the report is printed
    to the terminal after the app has left it, so an escape in it would be obeyed there."""
    import os
    import subprocess
    import sys

    from tests.reliability.test_crash_and_signals import CRASH
    from tui.store import DataStore

    store = DataStore(tmp_path / "home")
    session_id = create_session(store, title="P7")
    quoting = 'raise RuntimeError("a bug in Fieldnote quoting " + sys.argv[3])'
    code = CRASH.replace('raise RuntimeError("a bug in Fieldnote")', quoting)
    assert code != CRASH
    result = subprocess.run(
        [sys.executable, "-c", code, str(store.home), session_id, HOSTILE],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(tmp_path), "COLUMNS": "200"},
        timeout=120,
    )
    report = result.stdout + result.stderr
    assert "a bug in Fieldnote quoting Why\u241b]0;pwned" in report, report
    assert_inert(report)


class HostileHolder:
    """Another process holding a session's lock, named (argv[0]) with escapes, as a script
    may name itself: the save problem names the holder by its command line."""

    def __init__(self, store, session_id: str) -> None:
        import subprocess
        import sys

        from tests.reliability.test_locks_and_links import HOLD

        lock = store.session_path(session_id).with_name(f"{session_id}.json.lock")
        self.process = subprocess.Popen(
            [f"sync{OSC_TITLE}{RLO}", "-c", HOLD, str(lock)],
            executable=sys.executable,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline() == "held\n"
        self.said = f"pid {self.process.pid}"

    def release(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


async def test_a_save_problem_names_a_lock_holders_command_with_escapes_as_symbols(
    store, session_id, make_app, monkeypatch, tmp_path
):
    import tui.store.storage
    from tui.screens.debrief_screen import DebriefScreen
    from tui.screens.interview_screen import InterviewScreen
    from tui.screens.quit_screen import QuitScreen

    monkeypatch.setenv("HOME", str(tmp_path))  # where a rescue file would go
    monkeypatch.setattr(tui.store.storage, "LOCK_WAIT_SECONDS", 0.3)
    monkeypatch.setattr("tui.services.write_queue.RETRY_SECONDS", 0.2)
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, InterviewScreen))
        holder = HostileHolder(store, session_id)
        try:
            await pilot.press(*"typed while locked", "enter")
            header = app.screen.query_one("#session-header")
            await wait_until(pilot, lambda: holder.said in str(header.render()))
            said = rendered(header)
            assert "sync\u241b]0;pwned" in said
            assert_inert(said)
            await pilot.press("ctrl+q")  # the debrief first, then why the note is not saved
            await wait_until(pilot, lambda: isinstance(app.screen, DebriefScreen))
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, QuitScreen))
            await pilot.pause()
            shown = screen_text(app)
            assert holder.said in shown
            assert_inert(shown)
            await pilot.press("escape")
        finally:
            holder.release()


async def test_the_tagging_status_names_a_lock_holders_command_with_escapes_as_symbols(
    store, clock, monkeypatch, tmp_path
):
    import tui.store.storage
    from tests.test_tagging import add_notes, ready
    from tui.app import FieldnoteApp
    from tui.screens.tag_picker_screen import TagPickerScreen

    monkeypatch.setenv("HOME", str(tmp_path))  # where a rescue file would go
    monkeypatch.setattr(tui.store.storage, "LOCK_WAIT_SECONDS", 0.3)
    monkeypatch.setattr("tui.services.write_queue.RETRY_SECONDS", 0.2)
    session_id = create_session(store, title="P1", participant="Ana", now=clock())
    add_notes(store, session_id, clock)
    app = FieldnoteApp(store, author="Maya", now=clock, tagging=("session", session_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        holder = HostileHolder(store, session_id)
        try:
            await pilot.press("t")
            await wait_until(pilot, lambda: isinstance(app.screen, TagPickerScreen))
            await pilot.press(*"pain", "enter")
            status = screen.query_one("#tagging-status")
            await wait_until(pilot, lambda: holder.said in str(status.render()))
            await pilot.pause()
            said = rendered(status)
            assert "sync\u241b]0;pwned" in said
            assert_inert(said)
        finally:
            holder.release()


async def test_the_export_dialogs_status_shows_a_problems_escapes_as_symbols(make_app):
    """The export dialog's status line shows the problem an export ran into: a study export
    quotes a damaged session's problem, which can quote what that file holds."""
    from pathlib import Path

    from tui.screens.export_screen import ExportScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await workers_done(app)
        dialog = ExportScreen(app.sessions.export_job([], "x"), Path("/tmp"))
        app.push_screen(dialog)
        await wait_until(pilot, lambda: app.screen is dialog and dialog.query("#export-status"))
        dialog._failed(f"Could not read {HOSTILE}")
        await pilot.pause()
        status = dialog.query_one("#export-status")
        assert_inert(rendered(status))
        assert SHOWN[:20] in rendered(status)
