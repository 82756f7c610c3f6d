"""The key bar under a dialog shows the dialog's keys: the bottom lines of the terminal never
name a key of the screen below, which does nothing while the dialog is open."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.screen import ModalScreen

from tests.waiting import wait_until
from tui.domain.pacing import TalkTime
from tui.screens.debrief_screen import DebriefScreen
from tui.screens.export_screen import ExportScreen
from tui.screens.help_screen import HelpScreen
from tui.screens.new_session_screen import NewSessionScreen
from tui.screens.offset_screen import OffsetScreen
from tui.screens.prompt_screen import ConfirmScreen, PromptScreen
from tui.screens.quit_screen import QuitScreen
from tui.screens.resume_clock_screen import ResumeClockScreen
from tui.screens.tag_picker_screen import TagPickerScreen
from tui.screens.undecided_screen import UndecidedScreen
from tui.services.actions import ACTIONS
from tui.services.interview_aids import DebriefSummary
from tui.services.search import TagIndex, TagStats
from tui.services.sync.undecided import TeamSync
from tui.widgets.key_bar import KeyBar


class Pending:
    """One unsaved change that the data folder refuses (the quit dialog's holder)."""

    unsaved = 1
    last_error = "The disk is full."

    def flush(self, timeout: float = 0) -> bool:
        return True

    def unsaved_summary(self) -> str:
        return "1 note"

    def kept_and_lost(self) -> tuple[int, int]:
        return 0, 1

    def unsaved_record(self):
        return {}, 1


DIALOGS = {
    "prompt": (lambda app: PromptScreen("Study", "Its name."), ["Save", "Cancel"]),
    "confirm": (lambda app: ConfirmScreen("Delete?", "Sure?"), ["Yes", "Cancel"]),
    "offset": (lambda app: OffsetScreen(0.0), ["Save", "Cancel"]),
    "quit": (
        lambda app: QuitScreen(Pending(), Path("/tmp/rescue.json")),
        ["Retry", "Save elsewhere", "Quit anyway", "Stay"],
    ),
    "export": (
        lambda app: ExportScreen(app.sessions.export_job([], "x"), Path("/tmp")),
        ["Export", "Close"],
    ),
    # Nothing undecided in a fresh folder: nothing to keep or take, only a way back.
    "undecided": (lambda app: UndecidedScreen(TeamSync(app.sessions.store, "Maya")), ["Back"]),
    "resume": (
        lambda app: ResumeClockScreen(60.0, app.now() - timedelta(minutes=5), app.now()),
        ["Count the time away", "Continue from the pause", "Keep it paused"],
    ),
    "debrief": (
        lambda app: DebriefScreen(DebriefSummary([], [], [], TalkTime(), {})),
        ["Next answer", "Save debrief", "Later"],
    ),
    "help": (lambda app: HelpScreen("home"), ["Close"]),
    "new session": (lambda app: NewSessionScreen(), ["Create", "Next field", "Cancel"]),
    "tag picker": (
        lambda app: TagPickerScreen(TagIndex(), "Tag this excerpt"),
        ["Apply", "Next match", "Cancel", "New tag"],
    ),
    # A dialog opened for another purpose names its keys by what they do then.
    "quit, leaving a screen": (
        lambda app: QuitScreen(Pending(), Path("/tmp/rescue.json"), leaving=True),
        ["Retry", "Leave", "Stay"],
    ),
    "tag picker removing": (
        lambda app: TagPickerScreen(TagIndex(), "Remove which tag?", does="removes"),
        ["Remove", "Next match", "Cancel"],
    ),
}

NOT_SAID = {
    "quit, leaving a screen": "Quit anyway",
    "tag picker removing": "Apply",
    "help": "Cancel",
    "undecided": "Keep",
}
"""What the bar said of a key that does otherwise in that dialog: its text said "q leave",
"Enter removes", "Esc closes"."""

NARROW = {spec.description: spec.narrow for spec in ACTIONS}
NARROW.update({"Create": "Create", "Save": "Save", "Leave": "Leave", "Remove": "Remove"})
"""Each description's one word in a narrow pane (those the dialogs say themselves too)."""

HOME_KEYS = ["Attach", "Filter", "Analysis", "Goal", "Study"]
"""Keys of the sessions screen below the dialogs (as at 40 columns too)."""


def bar_text(bar: KeyBar) -> str:
    return str(bar.render())


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
@pytest.mark.parametrize("name", list(DIALOGS))
async def test_the_key_bar_under_a_dialog_shows_the_dialogs_keys(make_app, name, size):
    make, shown = DIALOGS[name]
    app = make_app()
    async with app.run_test(size=size) as pilot:
        home_bar = app.screen.query_one(KeyBar)
        await wait_until(pilot, lambda: "New" in bar_text(home_bar))
        dialog = make(app)
        app.push_screen(dialog)
        await wait_until(pilot, lambda: app.screen is dialog and dialog.query(KeyBar))
        await pilot.pause()
        bar = dialog.query_one(KeyBar)
        text = bar_text(bar)
        for description in shown:
            # At 40 columns a description shortens to one word: its first, or its own.
            assert (description if size[0] >= 80 else NARROW.get(description)) in text, text
        for description in [*HOME_KEYS, NOT_SAID.get(name, "\0")]:
            assert description not in text, text
        # The dialog's bar is on the last lines, the screen's hidden under it.
        assert bar.region.bottom == size[1] and bar.region.width == size[0]
        assert not home_bar.visible
        dialog.dismiss(None)
        await wait_until(pilot, lambda: app.screen is not dialog)
        await pilot.pause()
        assert home_bar.visible


async def test_at_40_columns_the_debriefs_bar_says_what_esc_does(make_app):
    # A description shortens to its first word in a narrow pane: "Not now" read "esc Not",
    # the opposite of what Esc does there (it keeps the answers and closes the debrief).
    app = make_app()
    async with app.run_test(size=(40, 24)) as pilot:
        dialog = DebriefScreen(DebriefSummary([], [], [], TalkTime(), {}))
        app.push_screen(dialog)
        await wait_until(pilot, lambda: app.screen is dialog and dialog.query(KeyBar))
        await pilot.pause()
        text = bar_text(dialog.query_one(KeyBar))
        assert "esc Later" in text and "esc Not" not in text, text


async def test_the_help_over_a_dialog_hides_the_dialogs_bar_until_it_closes(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(PromptScreen("Study", "Its name."))
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        prompt = app.screen
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        assert not prompt.query_one(KeyBar).visible
        assert "Save" not in bar_text(app.screen.query_one(KeyBar))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is prompt)
        await pilot.pause()
        assert prompt.query_one(KeyBar).visible


async def test_a_dialog_from_the_interview_shows_its_keys_not_the_interviews(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.screen.query(KeyBar))
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, ModalScreen))
        await pilot.pause()
        text = bar_text(app.screen.query_one(KeyBar))
        assert "Save" in text and "Cancel" in text
        assert "Star" not in text and "Next Q" not in text
        assert all(not bar.visible for bar in app.screen_stack[-2].query(KeyBar))


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_the_sessions_screen_shows_that_enter_opens_a_session(make_app, session_id, size):
    """The focused sessions table binds Enter itself (a DataTable selects its row with it,
    unnamed), which hid the screen's own `Enter Open` from the bar: a newcomer saw no key that
    opens a session. The bar names it, and Enter still opens the session."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        bar = app.screen.query_one(KeyBar)
        await wait_until(pilot, lambda: "New" in bar_text(bar))
        assert "\u23ce Open" in bar_text(bar), bar_text(bar)
        await wait_until(pilot, lambda: app.screen.query_one("#sessions").row_count == 1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.__class__.__name__ == "InterviewScreen")


@pytest.mark.parametrize("size, lines", [((80, 24), 2), ((40, 24), 3)])
async def test_the_sessions_screen_shows_its_export_key(make_app, session_id, size, lines):
    """Export was left out of the sessions screen's bar to keep it one line at 80 columns;
    the bar has since grown to two, with room for it, and a newcomer looking for how to get
    the notes out found no key there. It fits without another line."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        bar = app.screen.query_one(KeyBar)
        await wait_until(pilot, lambda: "New" in bar_text(bar))
        assert "e Export" in bar_text(bar), bar_text(bar)
        assert len(bar_text(bar).splitlines()) == lines, bar_text(bar)


SESSION_KEYS = ["enter", "c", "e", "E", "s", "g", "f", "p", "m", "A"]
"""The sessions screen's keys that act on a listed session: open, tag, export, export all,
study, goal, filter, rename a person, attach, analysis."""


async def test_with_no_session_the_keys_that_need_one_are_dimmed(make_app, store, clock):
    """With no session yet the bar offered Open, Tag, Export, Study, Goal and Attach, and each
    did nothing when pressed, without a word: a newcomer pressing them learned nothing. They
    show dimmed until a session is listed; n (new) stays lit."""
    from tui.services.session_setup import create_session

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_until(
            pilot, lambda: "No sessions yet" in str(screen.query_one("#home-empty").render())
        )
        active = screen.active_bindings
        assert [key for key in SESSION_KEYS if active[key].enabled] == []
        assert active["n"].enabled
        create_session(store, title="First", participant="P1", now=clock())
        screen.action_refresh()
        await wait_until(pilot, lambda: screen.summaries)
        await pilot.pause()
        active = screen.active_bindings
        assert [key for key in SESSION_KEYS if not active[key].enabled] == []


MOVED = {
    "dialog.cancel": "f6",
    "quit.stay": "f6",
    "resume.from_pause": "f5",
    "resume.keep_paused": "f6",
    "picker.apply": "f5",
    "picker.cancel": "f6",
}
"""A keymap that moves the dialogs' Enter and Esc actions to function keys."""

SENTENCES = {
    "prompt": ("Enter saves \u00b7 Esc cancels", "Enter saves \u00b7 f6 cancels"),
    "offset": ("Enter saves \u00b7 Esc cancels", "Enter saves \u00b7 f6 cancels"),
    "new session": ("Enter creates \u00b7 Esc cancels", "Enter creates \u00b7 f6 cancels"),
    "help": ("Esc closes", "f6 closes"),
    "quit": ("\u00b7 Esc stay", "\u00b7 f6 stay"),
    "resume": ("Enter continue", "f5 continue"),
    "tag picker": ("Enter applies \u00b7 Esc cancels", "f5 applies \u00b7 f6 cancels"),
}
"""Each dialog's sentence of keys under the default keymap and under MOVED: the keys moved
(Enter of a text field is the field's own and stays)."""


def dialog_sentences(screen) -> str:
    return " ".join(str(label.render()) for label in screen.query(".dialog-keys"))


@pytest.mark.parametrize("moved", [False, True], ids=["default keys", "keys moved"])
@pytest.mark.parametrize("name", list(SENTENCES))
async def test_a_dialogs_sentence_names_the_keys_in_force(store, clock, tmp_path, name, moved):
    # The sentences said "Esc cancels" and "Enter applies" whatever keys a keymap gave them.
    from tui.app import FieldnoteApp
    from tui.services.keymap import layer_keymaps

    mine = tmp_path / "mine.toml"
    mine.write_text("".join(f'"{id}" = "{key}"\n' for id, key in MOVED.items()), "utf-8")
    keymap = layer_keymaps([mine]) if moved else None
    app = FieldnoteApp(store, author="Maya", now=clock, keymap=keymap)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.screen.query(KeyBar))
        dialog = DIALOGS[name][0](app)
        app.push_screen(dialog)
        await wait_until(pilot, lambda: app.screen is dialog and dialog.query(KeyBar))
        if name == "tag picker":
            dialog.index.add(TagStats("pricing", 1))
            await pilot.press("p")
        await pilot.pause()
        default, remapped = SENTENCES[name]
        said = dialog_sentences(dialog)
        assert (remapped if moved else default) in said, said
        if moved:
            assert default not in said, said


class DiskFull(Pending):
    """Notes kept in the drafts file, other changes lost, and a long error naming a file."""

    last_error = (
        "Could not save the clock in /home/maya/.local/share/fieldnote/sessions/"
        "f2f2058c2f9146edadf6c22765f75fa4.json because the disk is full; the file on disk is "
        "unchanged, so free some space and retry."
    )

    def unsaved_summary(self) -> str:
        return "2 note(s) and 4 change(s)"

    def kept_and_lost(self) -> tuple[int, int]:
        return 2, 2


RESCUE = Path("/home/maya/fieldnote-unsaved-2026-12-07T04-10-00.json")


async def open_quit_dialog(pilot, app) -> QuitScreen:
    """The quit dialog over the sessions screen, its writes failing on a full disk."""
    await wait_until(pilot, lambda: app.screen.query(KeyBar))
    dialog = QuitScreen(DiskFull(), RESCUE)
    app.push_screen(dialog)
    await wait_until(pilot, lambda: app.screen is dialog and dialog.query(KeyBar))
    return dialog


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_the_quit_dialog_keeps_its_keys_in_view_and_its_message_whole(make_app, size):
    # In a 40-column pane the message about unsaved notes pushed the line of keys below the
    # dialog's bottom edge, cut off.
    app = make_app()
    async with app.run_test(size=size) as pilot:
        dialog = await open_quit_dialog(pilot, app)
        await pilot.pause()
        frame = dialog.query_one(".dialog").content_region
        for part in (".dialog-title", ".dialog-keys"):
            assert frame.contains_region(dialog.query_one(part).region), part
        assert "Esc stay" in str(dialog.query_one(".dialog-keys").render())
        # The message scrolls within the dialog down to its last line, the rescue file.
        message = dialog.query_one("#quit-message")
        await pilot.press("end")
        await pilot.pause()
        assert frame.contains_region(message.region.intersection(frame)), message.region
        assert message.region.bottom <= frame.bottom
        assert RESCUE.name in str(message.render())


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_the_quit_dialog_says_how_to_scroll_a_message_it_cannot_show_whole(make_app, size):
    # In a 40-column pane the message scrolls (its end is where the notes can be saved), but
    # neither the key bar nor the dialog said that the arrows scroll it.
    app = make_app()
    async with app.run_test(size=size) as pilot:
        dialog = await open_quit_dialog(pilot, app)
        body = dialog.query_one("#quit-body")
        bar = dialog.query_one(KeyBar)
        if size == (80, 24):
            await pilot.pause()
            assert body.max_scroll_y == 0 and "Scroll" not in str(bar.render())
            return
        await wait_until(pilot, lambda: "\u2191\u2193 Scroll" in str(bar.render()))
        assert body.max_scroll_y > 0
        frame = dialog.query_one(".dialog").content_region
        assert frame.contains_region(dialog.query_one(".dialog-keys").region)  # fitted again
        await pilot.press("down")
        await pilot.pause()
        assert body.scroll_y > 0  # the keys it names do scroll it
