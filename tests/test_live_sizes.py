"""The live screen at 80x24 and smaller (issue 12): the guide folds to the current question,
notes get the width and the rows, the header's essentials stay whole, and a resize leaves no
blank rows."""

from __future__ import annotations

import os

from rich.text import Text

from tests.test_layout import seed_notes, shown_text
from tui.screens.interview_screen import InterviewScreen
from tui.store.presence import Presence
from tui.widgets.key_bar import KeyBar
from tui.widgets.note_stream import NoteStream


def shown_rows(stream: NoteStream) -> list[str]:
    return [stream.render_line(y).text for y in range(stream.size.height)]


def header_lines(screen) -> list[str]:
    header = screen.query_one("#session-header")
    return [
        "".join(s.text for s in header.render_line(y)).strip() for y in range(header.size.height)
    ]


def key_bar_lines(screen) -> list[str]:
    rendered = screen.query_one(KeyBar).render()
    return str(rendered.plain if isinstance(rendered, Text) else rendered).splitlines()


def jonas_is_in(store, session_id) -> Presence:
    """Another instance's heartbeat, as `fieldnote open --as Jonas` writes it (a live pid)."""
    other = Presence(store.open_session(session_id).path, "Jonas", pid=os.getppid())
    other.beat()
    return other


async def test_at_80x24_the_guide_folds_and_the_notes_get_the_width(
    make_app, store, session_id, clock
):
    seed_notes(store, session_id, clock, 40)
    jonas_is_in(store, session_id)
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        guide, current = screen.query_one("#guide"), screen.query_one("#current-question")
        stream = screen.query_one(NoteStream)
        assert not guide.display and current.display
        # The current question with its probe, full width.
        assert shown_text(current).splitlines() == [
            "Q1/4 Tell me about your role.",
            "  \u00b7 What does a normal week look like?",
        ]
        assert stream.region.width == 80
        rows = shown_rows(stream)
        assert sum("(" in row for row in rows) >= 12, rows  # one note a row: at least 12
        assert "(39)" in "".join(rows)
        first = header_lines(screen)[0]
        essentials = ("\u23f1 --:-- starts with the first note", "0/4 asked", "Maya with Jonas")
        for essential in essentials:
            assert essential in first, first
        # The guide key unfolds the guide and folds it again.
        await pilot.press("f7")
        assert guide.display and not current.display
        assert stream.region.width < 60
        await pilot.press("f7")
        assert not guide.display and current.display


async def test_at_40x12_the_last_three_notes_show_above_one_line_of_keys(
    make_app, store, session_id, clock
):
    seed_notes(store, session_id, clock, 40)
    app = make_app(session_id)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        screen = app.screen
        text = "".join(shown_rows(screen.query_one(NoteStream)))
        for number in (37, 38, 39):
            assert f"({number})" in text, text
        assert screen.query_one(KeyBar).region.height == 1
        (keys,) = key_bar_lines(screen)
        assert keys.endswith("f1 more") and "^n Next" in keys
        assert screen.query_one("#note-input").region.bottom <= 11
        await pilot.press("f1")  # the rest of the keys
        assert type(app.screen).__name__ == "HelpScreen"


async def test_at_40_columns_the_keys_say_what_they_do_in_one_word(make_app, session_id):
    # Cut to its first word, the talk meter's key read "f5 Who".
    app = make_app(session_id)
    async with app.run_test(size=(40, 24)) as pilot:
        await pilot.pause()
        keys = " ".join(key_bar_lines(app.screen))
        assert "f5 Speaker" in keys and "f5 Who" not in keys, keys
        assert "^s Star " in keys, keys  # a first word that says what the key does stays


async def test_at_40_columns_the_header_names_you_and_who_else_is_in(make_app, store, session_id):
    jonas_is_in(store, session_id)
    app = make_app(session_id)
    async with app.run_test(size=(40, 24)) as pilot:
        await pilot.pause()
        first = header_lines(app.screen)[0]
        assert first.startswith("\u23f1 --:--  0/4  Maya+Jonas"), first


async def test_resizing_from_40x12_back_to_80x24_leaves_no_blank_rows(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        for _ in range(3):
            for size in ((80, 24), (40, 12), (80, 24)):
                await pilot.resize_terminal(*size)
                await pilot.pause()
                bar = app.screen.query_one(KeyBar)
                assert bar.region.bottom == size[1]
                assert bar.region.height == len(key_bar_lines(app.screen)), size


async def test_a_huge_guide_question_is_cut_so_its_probe_and_the_next_question_show(
    make_app, store, clock
):
    """A 15,000-character question filled the folded question's five rows (its probe out of
    sight) and, unfolded, the whole guide pane, the questions after it out of reach. It is cut
    with … (past 280 characters: a long scenario question stays whole) and a line saying the
    rest is in the guide file."""
    from tui.domain.guide import parse_guide
    from tui.services.session_setup import create_session

    huge = " ".join(["word"] * 3000) + "?"
    guide = parse_guide(f"# G\n## One\n- {huge}\n  - a probe\n- The next question?\n")
    session_id = create_session(store, title="Huge", guide=guide, goal="G", now=clock())
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        current = screen.query_one("#current-question")
        shown = shown_text(current)
        assert "\u2026" in shown and "\u00b7 a probe" in shown, shown
        await pilot.press("f7")
        await pilot.pause()
        guide_pane = screen.query_one("#guide")
        (item,) = [i for i in guide_pane.query("QuestionItem") if i.number == 1]
        assert item.region.height <= 18, item.region  # 280 characters in a 29-column pane
        text = " ".join(shown_text(item).split())
        assert "\u2026" in text and "guide file" in text and "a probe" in text, text
        assert screen.query_one("#note-input").region.bottom <= 24 - 3
        # In a wider pane the question after it is in view too (at 80x24 the 29-column pane
        # gives the cut question its 17 rows: ctrl+n reaches the next).
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        (after,) = [i for i in guide_pane.query("QuestionItem") if i.number == 2]
        assert screen.find_widget(after).visible_region.height > 0


async def test_a_long_scenario_question_is_read_whole_in_the_folded_guide(make_app, store, clock):
    """The question read aloud is never cut at a length real guides use (about 250
    characters for a scenario question): only a runaway one is."""
    from tui.domain.guide import parse_guide
    from tui.services.session_setup import create_session

    long = (
        "Think back to the last time a bill arrived that you share with your flatmates: walk "
        "me through what happened, from the moment it came in to when everyone had paid their "
        "part, including the messages you sent and anything that felt awkward along the way?"
    )
    assert 240 < len(long) < 280
    guide = parse_guide(f"# G\n## One\n- {long}\n  - a probe\n")
    session_id = create_session(store, title="Long", guide=guide, goal="G", now=clock())
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = " ".join(shown_text(app.screen.query_one("#current-question")).split())
        assert long in shown and "\u2026" not in shown and "\u00b7 a probe" in shown, shown


async def test_a_question_cut_for_its_wide_characters_says_so(make_app, store, clock):
    """The cut counts terminal cells (a CJK character takes two): a question of 200 such
    characters is cut, and the pane must say the guide file has it whole."""
    from tui.domain.guide import parse_guide
    from tui.services.session_setup import create_session

    wide = "\u4e0a\u6b21" * 100 + "?"
    guide = parse_guide(f"# G\n## One\n- {wide}\n- The next question?\n")
    session_id = create_session(store, title="Wide", guide=guide, goal="G", now=clock())
    app = make_app(session_id)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        guide_pane = app.screen.query_one("#guide")
        (item,) = [i for i in guide_pane.query("QuestionItem") if i.number == 1]
        text = " ".join(shown_text(item).split())
        assert "\u2026" in text and "guide file" in text, text


async def test_a_draft_that_grows_keeps_the_newest_note_in_view(make_app, store, session_id, clock):
    # A draft wrapping onto more lines takes rows from the stream; the stream kept its scroll
    # position, so the newest note (a co-interviewer's just arrived) slid below its edge.
    seed_notes(store, session_id, clock, 40)
    app = make_app(session_id)
    async with app.run_test(size=(40, 24)) as pilot:
        await pilot.pause()
        stream = app.screen.query_one(NoteStream)
        assert stream.scroll_y == stream.max_scroll_y
        await pilot.press(*"Rafael nods and says an income split feels fairer to both")
        await pilot.pause()
        assert app.screen.note_input.region.height > 3  # the draft wrapped
        assert stream.scroll_y == stream.max_scroll_y
        assert "(39)" in "".join(shown_rows(stream))


async def test_a_pane_squeezed_to_a_few_columns_keeps_the_interview_open(
    make_app, store, session_id
):
    # A co-interviewer dragging the tmux divider squeezes this pane to a column or two: the
    # empty input's placeholder, wrapped to no width at all, raised and the instance ended.
    app = make_app(session_id)
    async with app.run_test(size=(40, 24)) as pilot:
        await pilot.pause()
        for height in (24, 12):  # with the input's border, and without it (a short pane)
            for width in range(1, 7):
                await pilot.resize_terminal(width, height)
                await pilot.pause()
        await pilot.resize_terminal(40, 24)
        await pilot.press(*"still here", "enter")
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen)
        assert [note.text for note in app.live.notes] == ["still here"]


async def test_in_a_26_column_pane_the_keys_leave_the_notes_rows_with_the_lot_open(
    make_app, store, session_id, clock
):
    # Three co-interviewers side by side in an 80-column tmux window: at 26x24 the key bar took
    # ten rows, and with the parking lot open the stream had none left, not one note in view.
    seed_notes(store, session_id, clock, 40)
    app = make_app(session_id)
    async with app.run_test(size=(26, 24)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        screen = app.screen
        bar = screen.query_one(KeyBar)
        assert bar.region.height <= 24 // 4
        keys = key_bar_lines(screen)
        assert keys[-1].endswith("f1 more") and "\u23ce Asked" in keys[0], keys
        assert "(39)" in "".join(shown_rows(screen.query_one(NoteStream)))
        await pilot.press("f1")  # the rest of the keys
        assert type(app.screen).__name__ == "HelpScreen"


async def test_at_80x24_the_empty_input_shows_the_whole_note_syntax(make_app, session_id):
    # The placeholder is the only place a first-time note-taker sees the syntax: at 80 columns
    # its last mark was cut to a bare `*`, with nothing saying it stars a note.
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        note_input = app.screen.note_input
        rows = range(note_input.size.height)
        shown = "".join("".join(s.text for s in note_input.render_line(y)) for y in rows)
        assert "#tag" in shown and "*star" in shown
