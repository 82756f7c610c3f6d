"""Typed characters shown as they are read, ahead of the app's frame (tui/terminal_input.py
EarlyEcho, the note input's `echo_slot`): where the slot holds and where it must not, the
codes matching what the app then draws, and the echo going out first through the real
driver in a pseudo-terminal."""

from __future__ import annotations

import os
import re

import pytest
from textual import events
from textual.geometry import Region

from tests.test_terminal_loss import open_in_pty, read_until, read_until_drawn
from tui.terminal_input import EarlyEcho, EchoSlot, TypedText
from tui.widgets.note_input import ECHO_ROOM, NoteInput, _codes

SLOT = EchoSlot(
    drawn_through=0,
    x=5,
    y=18,
    room=4,
    text_codes=("<t>", "</t>"),
    cursor_codes=("<c>", "</c>"),
)


def echo_with(slot: EchoSlot | None) -> tuple[EarlyEcho, list[str]]:
    written: list[str] = []
    echo = EarlyEcho(written.append)
    echo.frame("FRAME", slot)
    return echo, written


def test_typed_text_is_written_at_the_slot_after_the_frame_and_the_slot_moves_on():
    echo, written = echo_with(SLOT)
    first, second = TypedText("ab"), TypedText("c")
    echo.read(first)
    echo.read(second)
    assert (first.number, second.number) == (1, 2)
    assert written == [
        "FRAME",
        "\x1b[19;6H<t>ab</t><c> </c>\x1b[19;8H",
        "\x1b[19;8H<t>c</t><c> </c>\x1b[19;9H",
    ]


def test_any_other_input_clears_the_slot_until_the_next_frame():
    echo, written = echo_with(SLOT)
    echo.read(events.Key("backspace", None))
    echo.read(TypedText("a"))
    assert written == ["FRAME"]
    echo.frame("FRAME2", SLOT.after("", 2))  # the frame after both were handled
    echo.read(TypedText("b"))
    assert written[-1].startswith("\x1b[19;6H<t>b")


def test_a_frame_that_has_not_handled_every_key_read_offers_nothing():
    echo, written = echo_with(SLOT)
    echo.read(events.Key("enter", None))  # read, not yet handled when the next frame is made
    echo.frame("FRAME2", SLOT)  # drawn through message 0 only
    echo.read(TypedText("a"))
    assert written == ["FRAME", "FRAME2"]


@pytest.mark.parametrize("text", ["abcde", "漢", "e\u0301"])
def test_what_does_not_fit_or_is_not_one_cell_a_character_is_left_to_the_frame(text):
    echo, written = echo_with(SLOT)
    echo.read(TypedText(text))
    echo.read(TypedText("a"))
    assert written == ["FRAME"]


def test_a_frames_synchronized_update_brackets_keep_the_slot():
    echo, written = echo_with(SLOT)
    echo.passthrough("\x1b[?2026l")
    echo.read(TypedText("a"))
    assert written[-1].startswith("\x1b[19;6H<t>a")


def test_no_slot_no_echo():
    echo, written = echo_with(None)
    echo.read(TypedText("a"))
    assert written == ["FRAME"]


# -- the note input's slot, in the app at 80x24 ---------------------------------------------


async def typed(app, pilot, text: str, number: int) -> None:
    app.post_message(TypedText(text, number))
    await pilot.pause()
    await pilot.pause()


def drawn_row(note_input: NoteInput, y: int):
    region = note_input.region
    (row,) = note_input.render_lines(Region(0, y - region.y, region.width, 1))
    return row


async def test_the_slot_is_the_cursor_as_drawn_and_its_codes_are_what_the_app_draws(
    make_app, session_id
):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        note_input = app.screen.query_one(NoteInput)
        assert app.echo_slot() is None  # the placeholder is showing: nothing to extend
        await typed(app, pilot, "she said", 1)
        slot = app.echo_slot()
        assert slot is not None and slot.drawn_through == 1
        cursor = note_input.cursor_screen_offset
        assert (slot.x, slot.y) == (cursor.x, cursor.y)
        assert slot.room == min(ECHO_ROOM, note_input.content_region.right - 2 - cursor.x)

        await typed(app, pilot, "d", 2)  # what the frame draws where the echo put "d"
        row = drawn_row(note_input, slot.y)
        x = slot.x - note_input.region.x
        assert row.crop(x, x + 1).text == "d"
        assert _codes(row.crop(x, x + 1), app.console) == slot.text_codes
        assert _codes(row.crop(x + 1, x + 2), app.console) == slot.cursor_codes
        assert app.echo_slot().drawn_through == 2


async def test_no_slot_after_a_key_the_input_has_not_typed_or_with_text_after_the_cursor(
    make_app, session_id
):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await typed(app, pilot, "abc", 1)
        await pilot.press("left")
        assert app.echo_slot() is None  # the key is not typed text: no number matches
        await typed(app, pilot, "x", 3)
        assert app.echo_slot() is None  # the cursor is inside the text, not at its end
        await pilot.press("end")
        await typed(app, pilot, "y", 5)
        assert app.echo_slot() is not None


async def test_no_slot_while_another_screen_is_over_the_input(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await typed(app, pilot, "abc", 1)
        assert app.echo_slot() is not None
        await pilot.press("f1")
        await pilot.pause()
        assert not isinstance(app.focused, NoteInput)
        assert app.echo_slot() is None


async def test_a_notification_over_the_input_ends_the_room_where_it_begins(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        await typed(app, pilot, "a", 1)
        row = app.echo_slot().y
        # Notifications sit at the top (app.tcss); put them back where Textual docks them, at
        # the bottom right, as anything drawn over the input: the echo must stop at it.
        rack = app.screen.query_one("ToastRack")
        rack.styles.dock = "bottom"
        rack.styles.align = ("right", "bottom")
        rack.styles.max_height = None
        # Tall enough to reach up from the bottom right over the input's line.
        app.notify("Copied the quote.\nIt is on the clipboard.\n" * 3, timeout=30)
        for _ in range(5):
            await pilot.pause()
        note_input = app.screen.query_one(NoteInput)
        edge = next(x for x in range(80) if app.screen.get_widget_at(x, row)[0] is not note_input)
        assert edge > 10, "the notification should lie over the input's right part at 80x24"
        await typed(app, pilot, "b" * (edge - 5 - note_input.cursor_screen_offset.x), 2)
        slot = app.echo_slot()
        assert slot.x == edge - 5
        assert slot.x + slot.room < edge  # the echo's text and cursor stay left of it


# -- through the real driver --------------------------------------------------------------


@pytest.mark.slow
def test_a_typed_character_goes_out_before_the_frame_that_draws_it(store, session_id):
    master, app = open_in_pty(store, session_id)
    try:
        assert b"asked" in read_until(master, b"asked", 20), "the interview screen never drew"
        os.write(master, b"abc")
        read_until_drawn(master, b"abc", 10)  # the frame for "abc" is out: the slot is after it
        read_until(master, b"\x00", 0.1)  # the rest of it: `out` below holds what "d" made
        os.write(master, b"d")
        out = read_until(master, b"d", 5)
        out += read_until(master, b"\x00", 0.3)
        # The echo: the cursor cell's row and column, "d", the cursor after it.
        echoed = re.search(rb"\x1b\[(\d+);(\d+)H(?:\x1b\[[\d;]*m)*d", out)
        assert echoed, out
        frame = out.find(b"\x1b[18;1H")  # the frame redraws the input from its top border
        assert frame == -1 or echoed.start() < frame, out
        assert (int(echoed[1]), int(echoed[2])) == (19, 6)  # after "▊ abc" at 80x24
    finally:
        app.kill()
        app.wait()
        os.close(master)


async def test_no_slot_on_a_line_holding_a_pasted_control_character(make_app, session_id):
    """Drawn as a symbol a cell wide, a control character moves the cursor's cell from where
    the input counts it: an echo there would overwrite the text before it."""
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        note_input = app.screen.query_one(NoteInput)
        app.post_message(events.Paste("a\x1b[31mb"))
        await pilot.pause()
        await typed(app, pilot, "c", 1)
        assert note_input.text == "a\x1b[31mbc"
        slot = app.echo_slot()
        if slot is not None:  # only where the next character would really be drawn
            await typed(app, pilot, "d", 2)
            x = slot.x - note_input.region.x
            assert drawn_row(note_input, slot.y).crop(x, x + 1).text == "d"
