"""Big sessions and small terminals: the stream stays virtual, the input stays visible."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tui.domain.clock import to_iso
from tui.domain.notes import Note
from tui.screens.interview_screen import InterviewScreen
from tui.widgets.note_input import NoteInput
from tui.widgets.note_stream import NoteStream, wrap


def seed_notes(store, session_id, clock, count: int) -> None:
    kinds = [
        '"I keep a spreadsheet next to it #workaround/spreadsheet',
        "?ask about exports",
        "Logs in every morning before the drivers arrive !anxious",
        "* Pricing page confused her",
    ]
    notes = [
        Note.from_typed(
            f"{kinds[i % 4]} ({i})",
            session_id=session_id,
            author="Maya" if i % 3 else "Jonas",
            started_at=to_iso(clock() + timedelta(seconds=i)),
            elapsed=float(i),
            question_id="q1",
        ).to_doc()
        for i in range(count)
    ]
    store.open_session(session_id).append_notes(notes)


def shown(stream: NoteStream) -> str:
    return "\n".join(stream.render_line(y).text for y in range(stream.size.height))


def shown_text(widget) -> str:
    """What a padded widget draws, a line a row, without its one-cell padding or blank rows."""
    strips = widget.render_lines(widget.region.reset_offset)
    return "\n".join(strip.text[1:].rstrip() for strip in strips if strip.text.strip())


async def scroll_to_the_oldest(pilot, stream: NoteStream) -> None:
    """Scroll to the top until the oldest note is laid out and shown (each time, older notes
    are laid out above and the view stays on the note it showed)."""
    for _ in range(200):
        stream.scroll_to(y=0, animate=False, immediate=True)
        await pilot.pause()
        if stream.scroll_y == 0:
            return
    raise AssertionError("scrolling up never reached the oldest note")


async def test_ten_thousand_notes_open_at_the_newest_and_scroll_up_to_every_note(
    make_app, store, session_id, clock
):
    seed_notes(store, session_id, clock, 10_000)
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        stream = app.screen.query_one(NoteStream)
        assert len(stream.notes) == 10_000
        assert stream.scroll_y == stream.max_scroll_y  # opens at the newest note
        assert "(9999)" in shown(stream)
        assert len(stream._layouts) < 1_000  # the newest notes alone are laid out
        await pilot.press("pageup", "pageup")
        assert stream.scroll_y < stream.max_scroll_y
        # Near the top of what is laid out, older notes are laid out above it and the view
        # stays on the row it showed.
        row = stream.render_row(3).text
        stream.scroll_to(y=3, animate=False, immediate=True)
        await pilot.pause()
        assert stream.render_line(0).text == row and stream.scroll_y > 3
        await scroll_to_the_oldest(pilot, stream)
        assert "(0)" in "".join(stream.render_line(y).text for y in range(3))
        assert len(stream._layouts) == 10_000
        numbers = [
            int(text.rsplit("(", 1)[1].split(")")[0])
            for text in (stream.render_row(r).text for r in range(stream._rows_total))
            if "(" in text and text.rstrip().endswith(")")
        ]
        assert numbers == list(range(10_000))  # every note once, in order
        # Appending while scrolled back does not yank the view to the end.
        await pilot.press(*"late note", "enter")
        await pilot.pause()
        assert stream.scroll_y == 0
        assert len(stream.notes) == 10_001
    assert not app.query("ListView")


@pytest.mark.parametrize("size", [(80, 24), (40, 24), (100, 30)])
async def test_small_terminals_keep_the_input_visible(make_app, store, session_id, clock, size):
    seed_notes(store, session_id, clock, 50)
    app = make_app(session_id)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        note_input = screen.query_one(NoteInput)
        stream = screen.query_one(NoteStream)
        header = screen.query_one("#session-header")
        width, height = size
        assert note_input.region.height >= 3
        assert note_input.region.bottom <= height
        assert stream.region.height >= 5
        regions = [
            header.region,
            stream.region,
            note_input.region,
            screen.query_one("KeyBar").region,
        ]
        for i, a in enumerate(regions):
            assert a.right <= width
            for b in regions[i + 1 :]:
                assert not a.overlaps(b), (a, b)
        guide = screen.query_one("#guide")
        current = screen.query_one("#current-question")
        if width < 100:  # folded to the current question
            assert not guide.display and current.display
            assert "Q1/4" in shown_text(current)
        else:
            assert guide.display and not guide.region.overlaps(stream.region)
        clock.advance(60)  # after the seeded notes, which are one a second from the start
        await pilot.press(*"typed at this size", "enter")
        await pilot.pause()
        assert app.live.notes[-1].text == "typed at this size"


def test_wrap_respects_cells_and_words():
    assert wrap("alpha beta gamma", 10) == [(0, 10), (11, 16)]
    assert wrap("x" * 25, 10) == [(0, 10), (10, 20), (20, 25)]
    rows = wrap("\u5bbf\u984c" * 6, 5)  # wide characters: two cells each
    assert all(end - start <= 2 for start, end in rows)
    assert wrap("", 10) == [(0, 0)]
