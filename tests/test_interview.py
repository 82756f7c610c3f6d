"""The live interview screen, driven by keys as a note-taker would, asserting disk and screen."""

from __future__ import annotations

import pytest
from textual import events

from tests.bursts import queue_keys
from tests.waiting import wait_until
from tui.screens.interview_screen import InterviewScreen
from tui.widgets.guide_panel import GuidePanel
from tui.widgets.note_stream import NoteStream


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[("space" if ch == " " else ch) for ch in text])


async def commit(pilot, text: str) -> None:
    await type_text(pilot, text)
    await pilot.press("enter")
    await pilot.pause()


def stored_notes(app) -> list[dict]:
    assert app.live.flush(), "writes did not reach the disk"
    return app.store.open_session(app.live.session_id).read().notes


def stream_text(app) -> str:
    """Every row the note stream draws, as on screen, oldest first."""
    stream = app.screen.query_one(NoteStream)
    return "\n".join(stream.render_row(row).text for row in range(stream._rows_total))


async def test_typed_notes_are_parsed_stored_and_shown(make_app, session_id, clock):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, InterviewScreen)
        samples = [
            ('"It took me three days to find the import', "quote"),
            ("> We export to a spreadsheet every Friday", "quote"),
            ("?ask how the team shares schedules", "followup"),
            ("Gave up on SSO setup !frustrated #pain/onboarding", "note"),
            ("* Wants a bulk edit for recurring slots #need/bulk-edit", "note"),
        ]
        for text, _kind in samples:
            await commit(pilot, text)
            clock.advance(30)
        notes = stored_notes(app)
        assert [n["text"] for n in notes] == [t for t, _ in samples]
        assert [n["kind"] for n in notes] == [k for _, k in samples]
        assert notes[3]["emotions"] == ["frustrated"]
        assert notes[3]["tags"] == ["pain/onboarding"]
        assert notes[4]["starred"] is True and notes[4]["tags"] == ["need/bulk-edit"]
        assert all(n["author"] == "Maya" and n["question_id"] == "q1" for n in notes)
        # Inline tags land in the shared codebook.
        app.live.flush()
        names = {t["name"] for t in app.store.codebook.tags()}
        assert {"pain/onboarding", "need/bulk-edit"} <= names
        shown = stream_text(app)
        assert "We export to a spreadsheet every Friday" in shown
        assert "\u2605" in shown  # the starred note's star


async def test_timestamp_is_the_first_keystroke_not_enter(make_app, session_id, clock):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "warming up")
        await pilot.press("enter")
        clock.advance(65)  # a minute later the participant says something quotable...
        await type_text(pilot, '"I never')
        clock.advance(20)  # ...and it takes 20 s to type it out
        await type_text(pilot, " read the onboarding emails")
        await pilot.press("enter")
        await pilot.pause()
        first, quote = stored_notes(app)
        assert first["elapsed"] == 0
        assert quote["elapsed"] == 65
        assert quote["started_at"] == "2026-11-27T10:01:05.000Z"
        assert "01:05" in stream_text(app)


async def test_a_note_links_to_the_question_of_its_first_keystroke(make_app, session_id, clock):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "said during the first question")
        await pilot.press("ctrl+n")  # the interviewer moves on before the note is finished
        await type_text(pilot, ", finished later")
        await pilot.press("enter")
        await pilot.pause()
        (note,) = stored_notes(app)
        assert note["question_id"] == "q1"
        assert app.live.guide_state.current == "q2"


async def test_the_stream_stays_in_first_keystroke_order(make_app, session_id, clock):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "answer to the first question")
        clock.advance(2)
        await pilot.press("ctrl+t")  # marked asked before the note was finished
        await pilot.press("enter")
        await pilot.pause()
        kinds = [n.kind for n in app.live.notes]
        assert kinds == ["note", "asked"]
        assert [n.kind for n in app.screen.stream.notes] == kinds
        assert [n["kind"] for n in stored_notes(app)] == kinds


async def test_an_enter_the_terminal_made_a_newline_saves_the_note(make_app, session_id, clock):
    """Typed while `fieldnote open` starts, before the terminal is raw, Enter reaches the app
    as a newline (ctrl+j): the note stood in the input, unsaved."""
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "resumed after the call")
        app.post_message(events.Key("ctrl+j", "\n"))
        await wait_until(pilot, lambda: len(app.live.notes) == 1)
        assert [n["text"] for n in stored_notes(app)] == ["resumed after the call"]


async def test_keys_arriving_together_act_in_the_order_typed(make_app, session_id, clock):
    """A terminal can deliver a burst of keys at once (a fast typist, a busy frame): the
    priority keys must not overtake the Enter and letters queued before them."""
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await commit(pilot, "first note")
        clock.advance(5)
        burst = [*"second note", "enter", "ctrl+s", *"third", "ctrl+n", "enter"]
        for key in burst:
            char = key if len(key) == 1 else None
            app.post_message(events.Key(key, char))  # all queued before any is handled
        await wait_until(
            pilot,
            lambda: {n.text for n in app.live.notes if n.starred} == {"second note"}
            and len(app.live.notes) == 3,
        )
        notes = {n["text"]: n for n in stored_notes(app)}  # the burst shares one frozen moment
        assert {text: n["starred"] for text, n in notes.items()} == {
            "first note": False,
            "second note": True,
            "third": False,
        }
        assert notes["third"]["question_id"] == "q1"  # its first key came before ctrl+n
        assert app.live.guide_state.current == "q2"


async def test_guide_keys_work_from_the_note_input(make_app, session_id, clock):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert screen.focused is screen.note_input
        await pilot.press("ctrl+n")
        assert app.live.guide_state.current == "q2"
        await pilot.press("ctrl+p")
        assert app.live.guide_state.current == "q1"
        await pilot.press("ctrl+t")  # asked: writes an asked note, moves on
        assert app.live.guide_state.current == "q2"
        await pilot.press("ctrl+g")  # skipped
        assert app.live.guide_state.current == "q3"
        clock.advance(5)
        await commit(pilot, "Started with the CSV import")
        assert screen.focused is screen.note_input
        notes = stored_notes(app)
        assert [n["kind"] for n in notes] == ["asked", "note"]
        assert notes[0]["question_id"] == "q1"
        assert notes[0]["text"] == "Tell me about your role."
        assert notes[1]["question_id"] == "q3"
        state = app.store.open_session(session_id).read().guide_state
        assert state["current"] == "q3"
        assert state["marks"] == {"q1": "asked", "q2": "skipped"}
        panel = screen.query_one(GuidePanel)
        assert panel.query_one("#question-q3").has_class("-current")
        assert panel.query_one("#question-q1").has_class("-asked")
        assert panel.query_one("#question-q2").has_class("-skipped")
        header = str(screen.query_one("#session-header").render())
        assert "1/4 asked" in header


async def test_clock_pause_resume_and_offset(make_app, session_id, clock):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+r")  # start
        clock.advance(100)
        await pilot.press("ctrl+r")  # pause at 100 s
        clock.advance(500)  # paused: does not count
        await commit(pilot, "said while paused")
        await pilot.press("ctrl+r")  # resume
        clock.advance(20)
        await commit(pilot, "after resuming")
        notes = stored_notes(app)
        assert [n["elapsed"] for n in notes] == [100, 120]
        await pilot.press("ctrl+o")
        await pilot.pause()
        offset_input = app.screen.query_one("#offset-input")
        offset_input.value = ""
        await type_text(pilot, "1:2:3:4")
        await pilot.press("enter")
        assert "is not a time" in str(app.screen.query_one("#offset-error").render())
        offset_input.value = ""
        await type_text(pilot, "0:45")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen)
        assert app.live.flush()
        clock_doc = app.store.open_session(session_id).read().session["clock"]
        assert clock_doc["recording_offset"] == 45
        assert clock_doc["banked"] == 100 and clock_doc["running_since"] is not None
        assert "rec+00:45" in str(app.screen.query_one("#session-header").render())


@pytest.mark.parametrize("burst", [False, True], ids=["typed", "in one read"])
async def test_a_note_typed_on_into_the_offset_question_is_not_eaten(make_app, session_id, burst):
    """ctrl+o pressed by mistake mid-note: the words typed on, a number among them, go to the
    note, with the Enter after them; the offset stays as it was."""
    from tests.test_terminal_input import feed
    from tui.screens.offset_screen import OffsetScreen

    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "she counted ")
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, OffsetScreen)
        if burst:
            feed(app, "3 tools, then gave up\r")
        else:
            await type_text(pilot, "3 tools, then gave up")
            await pilot.press("enter")
        await wait_until(pilot, lambda: app.live.notes)
        assert isinstance(app.screen, InterviewScreen)
        assert [n.text for n in app.live.notes] == ["she counted 3 tools, then gave up"]
        assert app.live.clock.recording_offset == 0


async def test_star_edit_delete_and_undo(make_app, session_id, clock):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await commit(pilot, "first note")
        clock.advance(10)
        await commit(pilot, "secnod note #tpyo")
        await pilot.press("ctrl+s")  # star the last note
        notes = stored_notes(app)
        assert [n["starred"] for n in notes] == [False, True]
        await pilot.press("ctrl+l")  # edit the last note: its text comes back into the input
        note_input = app.screen.note_input
        assert note_input.text == "secnod note #tpyo"
        note_input.load_text("")
        await type_text(pilot, "second note #typo-fixed")
        await pilot.press("enter")
        await pilot.pause()
        notes = stored_notes(app)
        assert notes[1]["text"] == "second note #typo-fixed"
        assert notes[1]["tags"] == ["typo-fixed"]
        assert notes[1]["edited_at"] is not None
        assert notes[1]["starred"] is True
        assert notes[1]["elapsed"] == 10  # an edit keeps the note's moment
        await pilot.press("f8")  # delete the last note
        assert [n["text"] for n in stored_notes(app)] == ["first note"]
        assert "second note" not in stream_text(app)
        await pilot.press("f9")  # undo
        notes = stored_notes(app)
        assert [n["text"] for n in notes] == ["first note", "second note #typo-fixed"]
        assert "second note" in stream_text(app)


async def test_the_star_key_on_a_note_typed_with_a_star_takes_its_mark_out(
    make_app, session_id, clock
):
    """ctrl+s on a note typed `*…` unstarred it and left the `*` in its words: the stream
    showed `*…` unstarred, and the text parsed again (an edit, a qdpx import) starred it."""
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await commit(pilot, "*she gave up #pain/setup")
        [note] = stored_notes(app)
        assert note["starred"] is True
        await pilot.press("ctrl+s")  # unstar it
        await pilot.pause()
        [note] = stored_notes(app)
        assert (note["starred"], note["text"]) == (False, "she gave up #pain/setup")
        assert note["tags"] == ["pain/setup"] and note.get("edited_at") is None
        assert [n.text for n in app.live.notes] == ["she gave up #pain/setup"]
        shown = stream_text(app)
        assert "she gave up" in shown and "*" not in shown and "\u2605" not in shown
        await pilot.press("ctrl+s")  # starred again: the flag, the words as they are
        await pilot.pause()
        [note] = stored_notes(app)
        assert (note["starred"], note["text"]) == (True, "she gave up #pain/setup")
        assert "\u2605" in stream_text(app)


async def test_undo_delete_is_offered_by_the_key_bar_not_by_a_notice(make_app, session_id):
    # The deletion's notice said "f9 brings it back" and stayed a few seconds beside
    # "Restored": Textual has no public way to take one notice back. The key bar offers f9
    # while there is a note to bring back, and the notices only say what happened.
    app = make_app(session_id)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        screen = app.screen

        def undo_lit() -> bool:
            return screen.active_bindings["f9"].enabled

        await pilot.press("ctrl+s")  # nothing to star: a warning notice, which must stay
        await commit(pilot, "the note")
        assert not undo_lit()
        await pilot.press("f8")
        await pilot.pause()
        assert undo_lit()
        await pilot.press("f9")
        await pilot.pause()
        assert not undo_lit()
        assert [n["text"] for n in stored_notes(app)] == ["the note"]
        said = [str(n.message) for n in app._notifications]
        assert said[0] == "There is no note of yours to star yet."
        assert said[1:] == ["Deleted \u201cthe note\u201d.", "Restored the note from 00:00."]
        await pilot.press("f9")  # dimmed: nothing is brought back, nothing more is said
        await pilot.pause()
        assert len(app._notifications) == 3
        assert [n["text"] for n in stored_notes(app)] == ["the note"]
        # Typed, saved, deleted and brought back in one burst: f9 arrives before the delete
        # has run (it waits behind the typed keys), and still brings the note back.
        queue_keys(app, [*"two", "enter", "f8", "f9"])
        await wait_until(pilot, lambda: len(app._notifications) == 5)
        assert sorted(n["text"] for n in stored_notes(app)) == ["the note", "two"]
        assert not undo_lit()


async def test_escape_cancels_an_edit_and_keeps_the_draft(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await commit(pilot, "the note")
        await type_text(pilot, "half-typed draft")
        await pilot.press("ctrl+l")
        assert app.screen.note_input.text == "the note"
        await pilot.press("escape")
        assert app.screen.note_input.text == "half-typed draft"
        assert [n["text"] for n in stored_notes(app)] == ["the note"]


HOSTILE = [
    "[/",
    "[bold]x",
    "[@click=app.quit]x[/]",
    "\x1b[31mred\x1b[0m and a bell\x07",
    "emoji \U0001f600\U0001f44d\U0001f3fd and a family \U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd \u0645\u0631\u062d\u0628\u0627",
]


async def test_hostile_text_is_stored_byte_exact_and_renders_safely(make_app, session_id, clock):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        for text in HOSTILE:
            clock.advance(1)
            app.post_message(events.Paste(text))  # as the terminal driver delivers a paste
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
        big = ("Pasted transcript line with [markup] and \u00e9\u00e8 \U0001f600.\n" * 2200)[
            :100_000
        ]
        clock.advance(1)
        app.post_message(events.Paste(big))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running  # [@click=app.quit] ran nothing
        texts = [n["text"] for n in stored_notes(app)]
        assert texts == [*HOSTILE, big]
        assert len(big) == 100_000
        reread = app.store.open_session(session_id).read().notes
        assert [n["text"] for n in reread] == texts
        shown = stream_text(app)
        assert "[@click=app.quit]x[/]" in shown
        assert "\x1b" not in shown and "\u241b[31mred" in shown  # ESC drawn, not obeyed
        await pilot.resize_terminal(40, 24)
        await pilot.pause()
        assert app.is_running


async def test_reopening_shows_everything_as_left(make_app, session_id, clock):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+t")
        clock.advance(3)
        await commit(pilot, '"quote one #pricing')
        await pilot.press("ctrl+s")
        await pilot.press("ctrl+n")
        await pilot.press("ctrl+q")
    again = make_app(session_id)
    async with again.run_test(size=(100, 30)):
        live = again.live
        assert [n.text for n in live.notes] == ["Tell me about your role.", '"quote one #pricing']
        assert live.notes[1].starred
        assert live.guide_state.current == "q3"
        assert live.guide_state.marks == {"q1": "asked"}
        assert "quote one" in stream_text(again)


async def test_home_lists_sessions_and_creates_one(make_app, session_id, tmp_path):
    guide = tmp_path / "guide.md"
    guide.write_text("## Intro\n- How did you hear about us?\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#sessions")
        assert table.row_count == 1
        await pilot.press("n")
        await type_text(pilot, "Pricing study - P2")
        await pilot.press("tab")
        await type_text(pilot, "P2")
        await pilot.press("tab")
        await type_text(pilot, "Why do teams switch?")  # else the interview asks for one
        await pilot.press("tab")
        await type_text(pilot, str(guide))
        await pilot.press("enter")
        # The session is created off the UI thread: on a loaded machine after a pause or two.
        await wait_until(pilot, lambda: isinstance(app.screen, InterviewScreen))
        assert app.live.session["goal"] == "Why do teams switch?"
        assert app.live.session["title"] == "Pricing study - P2"
        assert app.live.guide.questions[0].text == "How did you hear about us?"
        await pilot.press("f10")
        await pilot.pause()
        assert app.screen.query_one("#sessions").row_count == 2


async def test_a_malformed_guide_in_the_form_names_the_line(make_app, tmp_path):
    guide = tmp_path / "bad.md"
    guide.write_text("## Intro\n  - a probe with no question\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await type_text(pilot, "Study")
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, str(guide))
        await pilot.press("enter")
        await pilot.pause()
        error = str(app.screen.query_one("#new-error").render())
        assert "line 2" in error and "probe" in error


async def test_a_notes_write_begins_once_the_frame_showing_it_is_drawn(
    make_app, session_id, monkeypatch
):
    """The write is held while the note's frame is drawn (its system calls would take the
    GIL from that frame), then released by that frame, not by the hold running out."""
    monkeypatch.setattr("tui.services.live_session.WRITE_HOLD_SECONDS", 60.0)
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await commit(pilot, "she keeps a paper list")
        assert "she keeps a paper list" in stream_text(app)
        await wait_until(pilot, lambda: app.live.unsaved == 0, limit=5)


async def test_the_offset_dialog_says_its_whole_question_at_80x24(make_app, session_id):
    """Its help was one line cut at the dialog's edge: "...when the clock read 00:0"."""
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        helps = list(app.screen.query(".dialog-help"))
        assert helps
        for help_text in helps:
            words = str(help_text.render())
            assert "began later." in words
            width = help_text.parent.scrollable_content_region.width
            assert help_text.region.width <= width
            assert help_text.region.height * width >= len(words)


async def test_the_writers_last_word_while_the_interview_closes_is_no_crash(make_app, session_id):
    # The writer thread reports after its last write; when that report reaches a screen being
    # closed, its note stream is already gone (NoMatches was raised on the UI thread).
    from tui.screens.interview_screen import InterviewScreen
    from tui.services.write_queue import SaveState

    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        await screen.query_one(NoteStream).remove()
        screen.on_save_state(SaveState(pending=0, error=None))
        await pilot.pause()
        assert app.return_code is None and app._exception is None


async def test_escape_on_a_changed_edit_says_so_and_ctrl_l_brings_the_change_back(
    make_app, session_id
):
    """A vim user's Esc after fixing a note dropped the fix with no word and no way back: the
    edit is set aside, a notice says how to have it again, and ctrl+l starts from it."""
    app = make_app(session_id)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await commit(pilot, "the onbaording took a week")
        await pilot.press("ctrl+l", "escape")  # unchanged: nothing set aside, nothing said
        assert not app._notifications
        await pilot.press("ctrl+l")
        note_input = app.screen.note_input
        note_input.load_text("")
        await type_text(pilot, "the onboarding took a week")
        await pilot.press("escape")
        await pilot.pause()
        assert note_input.text == ""
        assert [n["text"] for n in stored_notes(app)] == ["the onbaording took a week"]
        said = [str(n.message) for n in app._notifications]
        assert said == ["Edit cancelled, the note unchanged; ^l brings your change back."]
        await pilot.press("ctrl+l")
        assert note_input.text == "the onboarding took a week"
        await pilot.press("enter")
        await pilot.pause()
        assert [n["text"] for n in stored_notes(app)] == ["the onboarding took a week"]
        await pilot.press("ctrl+l")  # saved: the next edit starts from the note again
        assert note_input.text == "the onboarding took a week"
