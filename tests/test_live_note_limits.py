"""The live note input holds a note to the rules `fieldnote note` holds it to: at most
`MAX_NOTE_CHARS` characters (a longer paste is not put in, a longer note is not saved but
kept in the input, a longer draft left behind is kept as several notes), and a `#word` too
long or deep to be a tag stays text."""

from __future__ import annotations

import pytest
from textual import events

from tests.test_interview import stored_notes, type_text
from tests.waiting import wait_until
from tui.domain.notes import MAX_NOTE_CHARS, note_parts
from tui.widgets.note_input import NoteInput

LINE = "the dock plan changes every morning and nobody tells the drivers\n"
HUGE = LINE * (MAX_NOTE_CHARS // len(LINE) + 2) + "end"  # a transcript, just over the limit


def said(app, words: str) -> bool:
    return any(words in n.message for n in app._notifications)


def test_a_draft_too_long_for_one_note_is_cut_at_line_breaks_and_loses_nothing():
    parts = note_parts(HUGE)
    assert len(parts) == 2 and all(len(p) <= MAX_NOTE_CHARS for p in parts)
    assert "\n".join(parts) == HUGE and parts[0].endswith("drivers")
    unbroken = "x" * (MAX_NOTE_CHARS + 5)
    assert note_parts(unbroken) == ["x" * MAX_NOTE_CHARS, "x" * 5]
    assert note_parts("short") == ["short"]


async def test_a_paste_over_the_limit_is_not_put_in_and_says_why(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        note_input = app.screen.query_one(NoteInput)
        await type_text(pilot, "typed first")
        app.post_message(events.Paste(HUGE))
        await wait_until(pilot, lambda: said(app, "it was not put in"))
        assert note_input.text == "typed first"  # what was typed stays; the paste is refused
        app.post_message(events.Paste(" and a short paste"))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert [n["text"] for n in stored_notes(app)] == ["typed first and a short paste"]


async def test_a_note_over_the_limit_stays_in_the_input_on_enter(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        note_input = app.screen.query_one(NoteInput)
        note_input.type_text(HUGE)  # a burst of keys, as a paste without brackets arrives
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: said(app, "it is not saved yet and stays here"))
        assert note_input.text == HUGE and stored_notes(app) == []
        # Leaving keeps it all, as notes within the limit.
        assert app.screen.save_draft()
        notes = stored_notes(app)
        texts = [n["text"] for n in notes]
        assert "\n".join(texts) == HUGE and all(len(t) <= MAX_NOTE_CHARS for t in texts)
        starts = [n["started_at"] for n in notes]  # the clock stands still: parts keep order
        assert starts == sorted(set(starts))
        # The writer's "saved" reaches the screen before it closes.
        await wait_until(pilot, lambda: not app.screen.stream.pending_ids)


@pytest.mark.parametrize("word", ["/".join(["deep"] * 65), "long" * 30])
async def test_a_live_tag_too_deep_or_long_stays_text(make_app, session_id, word):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_message(events.Paste(f"x #{word} #fine"))
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: said(app, "saved with it as text"))
        (note,) = stored_notes(app)
        assert note["text"] == f"x #{word} #fine" and note["tags"] == ["fine"]
