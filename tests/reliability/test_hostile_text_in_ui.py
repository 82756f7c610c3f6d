"""The tagging list draws a right-to-left override or an escape as one symbol each, so its
rows stay aligned (item 4, the UI part)."""

from __future__ import annotations

from rich.cells import cell_len

from tests.test_tagging import add_notes, ready, tagging_app
from tui.services.session_setup import create_session
from tui.widgets.excerpt_list import ExcerptList


async def test_tagging_rows_hold_no_raw_controls_and_keep_their_width(store, clock):
    plain_id = create_session(store, title="Plain", participant="Ana", now=clock())
    hostile_id = create_session(store, title="Hostile", participant="B\u202eob", now=clock())
    add_notes(store, plain_id, clock, ["it was resting"])
    add_notes(store, hostile_id, clock, ["it wa\u202es resting", "it was\x1b[2J rest"])
    app = tagging_app(store, clock, None, scope="all")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        listing = app.screen.query_one(ExcerptList)
        rows = [listing.row_text(excerpt) for excerpt in app.screen.shown]
        assert len(rows) == 3
        for row in rows:
            assert not any(ch in row.plain for ch in "\u202e\x1b")
            # One cell per character: nothing invisible that shifts what follows it.
            assert cell_len(row.plain) == len(row.plain), repr(row.plain)
        lines = [listing.render_line(y).text for y in range(3)]
        assert all("\u202e" not in line and "\x1b" not in line for line in lines)


async def test_an_author_name_in_the_note_stream_reaches_the_terminal_as_symbols(
    make_app, store, session_id, clock
):
    """A name given with --as (or arriving in a synced session) went to the terminal raw in
    the stream's "author: " prefix: ESC[31m turned the rest of the line red."""
    from tui.services.session_setup import append_note_now
    from tui.widgets.note_stream import NoteStream

    append_note_now(store, session_id, "first", "Kim\x1b[31m\u202e", now=clock)
    append_note_now(store, session_id, "second", "Maya", now=clock)
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        stream = app.screen.query_one(NoteStream)
        lines = [stream.render_row(row).text for row in range(stream._rows_total)]
        assert any("Kim\u241b[31m" in line for line in lines), lines
        assert not any("\x1b" in line or "\u202e" in line for line in lines)
