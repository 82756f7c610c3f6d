"""F1 at 80 columns and in a half-width pane: ids whole, descriptions wrapped at words."""

from __future__ import annotations

import pytest
from rich.console import Console
from textual import events

from tui.app import FieldnoteApp
from tui.screens.help_screen import HelpScreen
from tui.screens.interview_screen import InterviewScreen
from tui.services.actions import ACTIONS, SCREENS
from tui.terminal_input import TypedText


async def drawn_help(store, clock, size: tuple[int, int], keymap=None) -> list[str]:
    """The help table's lines as drawn at `size` (all of them, not only those scrolled into
    view), rendered at the width the help screen gives it."""
    app = FieldnoteApp(store, author="Maya", now=clock, keymap=keymap)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-table")
        width = table.content_region.width
        assert 0 < width <= size[0]
        console = Console(width=width, record=True, color_system=None)
        console.print(table.content)
        return console.export_text().splitlines()


async def test_every_id_is_whole_on_one_line_at_80_columns(store, clock):
    lines = await drawn_help(store, clock, (80, 24))
    words = [line.split() for line in lines]
    for spec in ACTIONS:
        assert sum(spec.id in line for line in words) == 1, spec.id
    # The longest id sits beside its key and its whole description.
    row = next(line for line in lines if "tagging.span_start_word_right" in line)
    assert row.split()[:4] == ["W", "Span", "start", "+word"]
    # The longest title is a line of its own and did not widen the key column.
    assert "Quitting with unsaved notes" in lines
    assert next(line for line in lines if "app.quit" in line).startswith("^q    ")


@pytest.mark.parametrize("size", [(60, 20), (120, 40)])
async def test_ids_are_whole_at_other_widths_too(store, clock, size):
    words = [line.split() for line in await drawn_help(store, clock, size)]
    for spec in ACTIONS:
        assert sum(spec.id in line for line in words) == 1, spec.id


async def test_a_half_width_pane_leaves_ids_out_rather_than_cutting_them(store, clock):
    lines = await drawn_help(store, clock, (40, 24))
    text = "\n".join(lines)
    for spec in ACTIONS:
        assert spec.id not in text
    assert "fieldnote keys" in text
    words = " ".join(text.split())
    assert "Repeat on next" in words and "Span start +word" in words


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_f1_on_the_tagging_screen_opens_on_the_tagging_keys(store, clock, size):
    # The keys of every screen follow in a fixed order: from the tagging screen, f1 showed the
    # sessions list's keys and three pages of the interview's before the first tagging key.
    from tests.test_tagging import add_notes, ready, tagging_app
    from tui.services.session_setup import create_session

    session_id = create_session(store, title="Help")
    add_notes(store, session_id, clock)
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        titles = [title for title, _ in app.screen.sections()]
        assert titles[:2] == ["Everywhere", "Tagging"]
        assert sorted(titles) == sorted({*SCREENS.values(), "Palette"})  # every screen still
        table = app.screen.query_one("#help-table")
        console = Console(width=table.content_region.width, record=True, color_system=None)
        console.print(table.content)
        lines = console.export_text().splitlines()
        untag = next(i for i, line in enumerate(lines) if line.split()[:2] == ["d", "Untag"])
        assert untag < table.scrollable_content_region.height  # in view as it opens


@pytest.mark.parametrize("size", [(40, 24), (80, 24)])
async def test_one_long_custom_key_leaves_room_for_every_description(tmp_path, store, clock, size):
    """The key column was as wide as the longest key: one key of 40 characters in a keymap
    left every description in a 40-column pane cut to an ellipsis."""
    from tui.services.keymap import layer_keymaps

    mine = tmp_path / "mine.toml"
    mine.write_text('"home.new" = "alt+ctrl+hyper+meta+shift+super+pagedown,n"\n', encoding="utf-8")
    lines = await drawn_help(store, clock, size, layer_keymaps([mine]))
    words = " ".join(" ".join(lines).split())
    assert "\u2026" not in words  # no description cut
    for description in ("Quit", "New session", "Export all", "Take the other"):
        assert description in words
    assert "pgdn" in words  # the long key is shown, folded if it must be


@pytest.mark.parametrize("esc_first", [True, False])
async def test_a_note_typed_as_the_help_closes_or_over_it_goes_into_the_note(
    make_app, session_id, esc_first
):
    # F1 during an interview, then Esc and straight on with the note: the characters read
    # while the help was still closing went to it and were lost (by hand in tmux, any typed
    # within some 50 ms of the Esc). Typed over the help, they were lost too.
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"We gave ")
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        # As the terminal's reader posts them: the Esc and the text right behind it, in one go.
        if esc_first:
            app.post_message(events.Key("escape", None))
        app.post_message(TypedText("up on day two"))
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen)
        assert app.screen.note_input.text == "We gave up on day two"
        await pilot.press("enter")
        assert [note.text for note in app.live.notes] == ["We gave up on day two"]


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_the_helps_key_bar_over_the_interview_names_the_keys_that_scroll_it(
    make_app, session_id, size
):
    # F1 over the interview: its bar read only "esc Cancel", the keys that scroll the help
    # (pgup/pgdn, the arrows) listed only inside it, under the interview's own scroll keys.
    from tui.widgets.key_bar import KeyBar

    app = make_app(session_id)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        await pilot.pause()
        text = " ".join(str(help_screen.query_one(KeyBar).render()).split())
        assert "pgup/pgdn Page" in text and "\u2191\u2193 Scroll" in text, text
        assert "esc Close" in text and "Cancel" not in text, text
        # They do what the bar says.
        body = help_screen.query_one(".help-dialog")
        await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_y > 0
        await pilot.press("pageup")
        await pilot.pause()
        assert body.scroll_y == 0
        await pilot.press("down")
        await pilot.pause()
        assert body.scroll_y == 1
        assert app.screen is help_screen
