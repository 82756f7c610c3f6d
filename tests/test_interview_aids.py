"""The live screen's interview aids, driven by keys: the goal prompt, the parking lot, the
talk-time meter, time per question, the debrief, and the lint marks in the guide pane."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.widgets import Input

from tests.bursts import fields_typed, queue_keys
from tests.conftest import GUIDE
from tests.test_interview import commit, type_text
from tests.test_layout import shown_text
from tests.waiting import wait_until, workers_done
from tui.domain.guide import parse_guide
from tui.screens.debrief_screen import DebriefScreen
from tui.screens.home_screen import HomeScreen
from tui.screens.interview_screen import InterviewScreen
from tui.screens.prompt_screen import PromptScreen
from tui.services.session_setup import create_session
from tui.widgets.guide_panel import GuidePanel
from tui.widgets.note_input import NoteInput
from tui.widgets.parking_lot import ParkingLot
from tui.widgets.session_header import SessionHeader


def header_text(app) -> str:
    return str(app.screen.query_one(SessionHeader).render())


def question_text(app, question_id: str) -> str:
    item = app.screen.query_one(f"#question-{question_id}")
    return "\n".join(
        strip.text for strip in item.render_lines(item.region.reset_offset) if strip.text.strip()
    )


def saved_session(app) -> dict:
    assert app.live.flush(), "writes did not reach the disk"
    return app.store.open_session(app.live.session_id).read().session


@pytest.fixture
def goalless(store, clock) -> str:
    return create_session(
        store, title="Pricing - P9", participant="P9", guide=parse_guide(GUIDE), now=clock()
    )


# -- the goal prompt -------------------------------------------------------------------------


async def test_a_session_without_a_goal_opens_straight_into_typing(make_app, goalless):
    """No dialog on opening: the first keys typed are the first note."""
    from tests.test_terminal_input import feed

    app = make_app(goalless)
    async with app.run_test(size=(80, 24)) as pilot:
        feed(app, "she said it twice\r")  # typed as the screen appears
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen)
        assert [n.text for n in app.live.notes] == ["she said it twice"]
        assert "Goal: (none set)" in header_text(app)


async def test_the_goal_is_set_on_the_sessions_screen_and_shown_in_the_interview(
    make_app, goalless
):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        home = app.screen
        await wait_until(pilot, lambda: home.summaries)
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await type_text(pilot, "Why do teams [/b] stop paying?")
        await pilot.press("enter")
        await wait_until(pilot, lambda: home.summaries and home.summaries[0].goal)
        assert home.summaries[0].goal == "Why do teams [/b] stop paying?"
        await pilot.press("g")  # asked again, it shows the goal to change
        await pilot.pause()
        assert app.screen.query_one(Input).value == "Why do teams [/b] stop paying?"
        await pilot.press("escape")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, InterviewScreen))
        assert "Goal: Why do teams [/b] stop paying?" in header_text(app)


async def test_a_session_with_a_goal_is_not_asked(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen)
        assert "Goal: Why do trials stall in week one?" in header_text(app)


# -- the parking lot -------------------------------------------------------------------------


async def test_parking_lot_collects_follow_ups_to_mark_asked_or_dismiss(
    make_app, session_id, clock
):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        lot = app.screen.query_one(ParkingLot)
        assert not lot.display  # hidden until its key
        await commit(pilot, "?ask how the team shares schedules")
        clock.advance(20)
        await commit(pilot, "not a follow-up")
        await commit(pilot, "?who approves the [bold]rota")
        await pilot.press("f2")
        await pilot.pause()
        assert lot.display and lot.has_focus
        assert lot.option_count == 2 and "2 open" in str(lot.border_title)
        assert "who approves the [bold]rota" in str(lot.get_option_at_index(1).prompt)
        clock.advance(40)
        await pilot.press("enter")  # the first: asked, recorded with the moment
        await pilot.pause()
        assert lot.option_count == 1
        await pilot.press("delete")  # the other: dismissed
        await pilot.pause()
        assert lot.option_count == 0
        followups = saved_session(app)["followups"]
        first, second = (n.id for n in app.live.notes if n.kind == "followup")
        assert followups[first] == {"status": "asked", "elapsed": 60.0, "question_id": "q1"}
        assert followups[second]["status"] == "dismissed"
        await pilot.press("escape")  # back to typing, the lot still in view
        assert app.screen.query_one(NoteInput).has_focus and lot.display
        await commit(pilot, "?a new one")
        assert lot.option_count == 1
        await pilot.press("f2")  # it takes the keys, then the same key gives them back
        await pilot.pause()
        assert lot.has_focus and "HAS THE KEYS" in str(lot.border_title)
        await pilot.press("f2")
        await pilot.pause()
        assert not lot.display and app.screen.query_one(NoteInput).has_focus


async def test_notes_typed_while_the_lot_has_the_keys_go_to_the_input_and_close_nothing(
    make_app, session_id, store, clock
):
    """The reported case: Esc, then f2 (meant to hide the lot) gave it the keys again, and the
    notes typed next were lost while their letters closed follow-ups."""
    other, _ = co_interviewers_follow_up(store, session_id, clock)
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        lot = app.screen.query_one(ParkingLot)
        note_input = app.screen.query_one(NoteInput)
        await commit(pilot, "?ask who approves")
        await pilot.press("f2", "escape")
        await pilot.pause()
        assert note_input.has_focus and lot.display
        assert "typing goes to the note" in str(lot.border_title)
        await pilot.press("f2")
        await pilot.pause()
        assert lot.has_focus and "HAS THE KEYS" in str(lot.border_title)
        await commit(pilot, "and da dd a adds up")  # every old key letter, then Enter
        clock.advance(5)
        await commit(pilot, "a second note")
        assert note_input.has_focus and note_input.text == ""
        assert [n.text for n in app.live.notes if n.kind == "note"] == [
            "and da dd a adds up",
            "a second note",
        ]
        assert lot.option_count == 2 and not saved_session(app).get("followups")
    other.close()


async def open_lot(pilot) -> ParkingLot:
    """The parking lot, given the keys by its key (f2)."""
    await pilot.press("f2")
    await pilot.pause()
    return pilot.app.screen.query_one(ParkingLot)


def co_interviewers_follow_up(store, session_id, clock):
    """Jonas, still in the interview, with a follow-up in the lot: (his session, the note)."""
    from tui.services.live_session import LiveSession

    other = LiveSession(store, session_id, "Jonas", now=clock)
    theirs = other.commit_typed("?ask about the dashboard")
    assert other.flush()
    return other, theirs


async def test_a_co_interviewers_follow_up_is_marked_only_by_its_key_pressed_twice(
    make_app, session_id, store, clock
):
    other, theirs = co_interviewers_follow_up(store, session_id, clock)
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        lot = await open_lot(pilot)
        assert "Jonas: ask about the dashboard" in str(lot.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await pilot.pause()
        assert lot.option_count == 1 and "Jonas's" in str(lot.border_title)
        await pilot.press("enter")
        await pilot.pause()
        assert lot.option_count == 0
        assert saved_session(app)["followups"][theirs.id]["status"] == "asked"
    other.close()


async def test_parking_lot_key_works_while_typing_and_keeps_the_draft(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await commit(pilot, "?parked")
        await type_text(pilot, "half a note")
        await pilot.press("f2")
        await pilot.press("escape")
        await type_text(pilot, " more")
        assert app.screen.query_one(NoteInput).text == "half a note more"


# -- the talk-time meter ---------------------------------------------------------------------


async def test_talk_meter_is_off_until_its_key_then_shows_the_share(make_app, session_id, clock):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        assert "talk" not in header_text(app)
        await pilot.press("f5")  # the interviewer asks (the clock starts with it)
        await pilot.pause()
        assert app.live.clock.running and "\u25b8I" in header_text(app)
        clock.advance(20)
        await pilot.press("f5")  # the participant answers
        clock.advance(80)
        app.screen._mirror()  # the clock tick
        text = header_text(app)
        assert "talk P 80%" in text and "\u25b8P" in text
        assert not amber(app)
        clock.advance(100)  # 180 of 200 s: 90%, above the target
        app.screen._mirror()  # the clock tick
        assert "talk P 90%" in header_text(app) and amber(app)
        await pilot.press("f5")
        await pilot.pause()
        talk = saved_session(app)["talk"]
        assert talk["participant_seconds"] == 180.0 and talk["interviewer_seconds"] == 20.0
        assert talk["participant_share"] == 0.9
        assert [who for _, who in talk["switches"]] == ["interviewer", "participant", "interviewer"]


def amber(app) -> bool:
    """Is the share drawn on screen in the theme's warning colour?"""
    from rich.color import Color

    warning = Color.parse(app.theme_variables["warning"])
    header = app.screen.query_one(SessionHeader)
    segments = [seg for strip in header.render_lines(header.region.reset_offset) for seg in strip]
    (share,) = [seg for seg in segments if "%" in seg.text]
    return share.style.color.triplet == warning.triplet


async def test_talk_key_works_while_typing(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "typing")
        await pilot.press("f5")
        await pilot.pause()
        assert app.live.aids.speaker == "interviewer"
        assert app.screen.query_one(NoteInput).text == "typing"


# -- time per question -----------------------------------------------------------------------


async def test_the_guide_shows_time_per_question_and_the_current_one_runs(
    make_app, session_id, clock
):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await commit(pilot, "the clock starts")
        clock.advance(95)
        await pilot.press("ctrl+t")  # q1 asked: on to q2
        await pilot.pause()
        clock.advance(30)
        app.screen._mirror()  # the clock tick
        await pilot.pause()
        assert "\u23f1 01:35" in question_text(app, "q1")
        assert "\u23f1 00:30 so far" in question_text(app, "q2")
        clock.advance(12)
        app.screen._mirror()  # the clock tick
        await pilot.pause()
        assert "\u23f1 00:42 so far" in question_text(app, "q2")
        assert "\u23f1" not in question_text(app, "q3")
        visits = saved_session(app)["question_visits"]
        assert visits == [[95.0, "q2"]]


async def test_the_clock_tick_does_not_cut_the_guide_again(make_app, store, clock, monkeypatch):
    """The tick redraws the current question for its time; whether its question, note or
    probes are cut (and how) changes only with their text, so the tick cuts nothing again."""
    import tui.widgets.guide_panel as guide_panel

    long = "Walk me through it " * 20 + "?"  # past QUESTION_CELLS: cut, and said so
    guide = parse_guide(f"# G\n## One\n- {long}\n  - And then?\n  - Who else?\n- Next?\n")
    session_id = create_session(store, title="Cut", guide=guide, goal="G", now=clock())
    app = make_app(session_id)
    async with app.run_test(size=(120, 30)) as pilot:
        await commit(pilot, "the clock starts")
        cuts = []
        real_cut = guide_panel.cut
        monkeypatch.setattr(
            guide_panel, "cut", lambda text, cells: cuts.append(text) or real_cut(text, cells)
        )
        question_id = app.live.guide.questions[0].id
        for seconds in (11, 12, 13):
            clock.advance(1 if seconds > 11 else 11)
            app.screen._mirror()  # the clock tick
            await pilot.pause()
            shown = question_text(app, question_id)
            assert f"\u23f1 00:{seconds} so far" in shown
            assert "guide file has it whole" in shown and "\u00b7 Who else?" in shown
        assert cuts == []


# -- the debrief -----------------------------------------------------------------------------


async def test_a_debrief_without_talk_time_names_the_key_that_times_it(make_app, session_id):
    """It said "not measured (the talk key times who speaks)": which key that is, the debrief
    did not say, and it is a key of the screen below, not shown while the debrief is open."""
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await commit(pilot, "a note")
        await pilot.press("f12")
        await wait_until(pilot, lambda: isinstance(app.screen, DebriefScreen))
        talk = str(app.screen.query_one("#debrief-talk").render())
        assert "not measured: f5 times who speaks" in talk, talk


async def test_ending_opens_a_debrief_whose_answers_are_saved_and_listed(
    make_app, session_id, clock
):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await commit(pilot, "* the strongest moment")
        await commit(pilot, "?ask about the export")
        await pilot.press("f5")
        clock.advance(60)
        await pilot.press("ctrl+t")
        await pilot.press("f12")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebriefScreen)
        assert not app.live.clock.running and app.live.aids.speaker is None
        summary = screen.summary
        assert [n.text for n in summary.starred] == ["* the strongest moment"]
        assert [n.text for n in summary.open_followups] == ["?ask about the export"]
        assert [q.id for q in summary.not_reached] == ["q2", "q3", "q4"]
        assert "Talk time: participant 0%" in str(screen.query_one("#debrief-talk").render())
        await type_text(pilot, "They [@click=app.quit]x[/] export daily")
        await pilot.press("enter")  # on to the next prompt
        await type_text(pilot, "I gave up on day three")
        await pilot.press("tab")
        await type_text(pilot, "Drop question 2")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen)
        debrief = saved_session(app)["debrief"]["Maya"]
        assert debrief["surprised"] == "They [@click=app.quit]x[/] export daily"
        assert debrief["quote"] == "I gave up on day three"
        assert debrief["change"] == "Drop question 2"
        await pilot.press("f10")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await workers_done(app)
        await pilot.pause()
        shown = str(app.screen.query_one("#home-debrief").render())
        assert "Debrief (Maya)" in shown and "export daily" in shown and app.is_running


async def test_the_end_key_works_while_typing_and_keeps_the_draft(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await commit(pilot, "a note")
        await type_text(pilot, "half typed")
        await pilot.press("f12")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one(NoteInput).text == "half typed"
        assert app.screen.query_one(NoteInput).has_focus


@pytest.mark.parametrize("width", [80, 40])
async def test_a_wrapped_item_of_the_debrief_lines_up_under_its_first_line(
    make_app, session_id, width
):
    """A starred note longer than the dialog went on at the dialog's edge, under the dot."""
    app = make_app(session_id)
    async with app.run_test(size=(width, 24)) as pilot:
        words = "they kept the schedule in a shared spreadsheet that nobody trusted " * 2
        await commit(pilot, "* " + words.strip())
        await commit(pilot, "* short one")
        await pilot.press("f12")
        await wait_until(pilot, lambda: isinstance(app.screen, DebriefScreen))
        await pilot.pause()
        starred = app.screen.query_one("#debrief-starred")
        lines = [starred.render_line(y).text.rstrip() for y in range(starred.size.height)]
        assert lines[0].startswith("Starred notes (2)"), lines
        first = next(i for i, line in enumerate(lines) if line.startswith("\u00b7 they kept"))
        wrapped = []
        for line in lines[first + 1 :]:
            if not line or line.startswith("\u00b7 "):
                break
            wrapped.append(line)
        assert len(wrapped) >= 1, lines
        for line in wrapped:
            assert line.startswith("  ") and line[2] != " ", lines


async def test_quitting_a_held_interview_debriefs_first(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await commit(pilot, "a note")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        assert app.screen.query(Input).first().has_focus
        await pilot.press("escape")  # not now: the quit goes on
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_not_now_keeps_the_debrief_answers_already_typed(make_app, session_id):
    """Esc ("not now") threw away what was typed: quitting a held interview opens the debrief,
    and an Esc there, by habit, lost every answer."""
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await commit(pilot, "a note")
        await pilot.press("f12")
        await pilot.pause()
        await type_text(pilot, "They keep a paper list")
        await pilot.press("enter", *"Milk", "escape")
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen)
        debrief = saved_session(app)["debrief"]["Maya"]
        assert debrief["surprised"] == "They keep a paper list" and debrief["quote"] == "Milk"
        await pilot.press("f12")  # and they are there to finish
        await pilot.pause()
        assert app.screen.query_one("#debrief-quote", Input).value == "Milk"
        await pilot.press("escape")  # nothing changed: nothing written again
        await pilot.pause()
        assert saved_session(app)["debrief"]["Maya"] == debrief


@pytest.mark.parametrize("leave", ["escape", "ctrl+s"])
async def test_a_note_typed_right_behind_the_debriefs_esc_goes_to_the_note(
    make_app, session_id, leave
):
    """f12, an answer, Esc (or ctrl+s) and straight on with the next note, as quickly as a
    typist does: the keys read while the debrief closed went into its answer (saved there as
    what surprised you) and none into the note."""
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await commit(pilot, "a note")
        await pilot.press("f12")
        await wait_until(pilot, lambda: isinstance(app.screen, DebriefScreen))
        # Typed ahead of the Esc, the answer; behind it, the note, all read in one go.
        queue_keys(app, [*"They keep a paper list", leave, *"She opens it daily"])
        await wait_until(pilot, lambda: isinstance(app.screen, InterviewScreen))
        await pilot.pause()
        await pilot.pause()
        assert saved_session(app)["debrief"]["Maya"]["surprised"] == "They keep a paper list"
        assert app.screen.note_input.text == "She opens it daily"


async def test_quitting_before_the_interview_began_does_not_debrief(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


# -- the lint in the guide pane --------------------------------------------------------------


async def test_the_guide_pane_marks_flagged_questions(make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "\u26a0 closed" in question_text(app, "q2")  # "Do you use spreadsheets ...?"
        assert "\u26a0" not in question_text(app, "q1")
        assert app.screen.query_one(GuidePanel) is not None


@pytest.mark.parametrize("size", [(80, 24), (40, 12)])
async def test_the_folded_guide_marks_a_flagged_current_question(make_app, session_id, size):
    """Below 100 columns the guide is folded to the current question, which showed no mark:
    at 80x24 the interviewer never saw that the question about to be asked is closed."""
    from tui.widgets.current_question import CurrentQuestion

    app = make_app(session_id)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        current = app.screen.query_one(CurrentQuestion)
        assert "\u26a0" not in shown_text(current)  # q1 is open
        await pilot.press("ctrl+n")  # q2: "Do you use spreadsheets ...?"
        await pilot.pause()
        first_line = shown_text(current).splitlines()[0]
        assert "\u26a0 closed" in first_line
        assert cell_len(first_line[: first_line.index("closed") + 6]) <= size[0]


async def test_a_broken_team_lint_file_is_said_and_the_shipped_rules_mark(
    make_app, session_id, tmp_path, monkeypatch
):
    config = tmp_path / "config"
    config.mkdir()
    (config / "lint.toml").write_text("[[rules]]\nid = 'x'\npatterns = ['(']\n", encoding="utf-8")
    monkeypatch.setenv("FIELDNOTE_CONFIG", str(config))  # the config folder
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("lint.toml" in m and "shipped lint rules" in m for m in said)
        assert "\u26a0 closed" in question_text(app, "q2")


async def test_a_burst_typed_while_the_lot_has_the_keys_lands_whole_and_in_order(
    make_app, session_id, clock
):
    """As a terminal delivers fast typing: characters and Enter read together."""
    from tests.test_terminal_input import feed

    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        lot = app.screen.query_one(ParkingLot)
        await commit(pilot, "?ask who approves")
        await pilot.press("f2")
        await pilot.pause()
        assert lot.has_focus
        feed(app, "dad said\ra")
        feed(app, "nd then")
        await pilot.pause()
        await pilot.pause()
        note_input = app.screen.query_one(NoteInput)
        assert note_input.has_focus and note_input.text == "and then"
        assert [n.text for n in app.live.notes if n.kind == "note"] == ["dad said"]
        assert lot.option_count == 1


async def test_debrief_answers_typed_in_one_burst_go_each_to_its_prompt(
    make_app, session_id, clock
):
    """Keys queued all at once (a paste, a slow link): an Enter moves on as it is read, and
    the save key saves what each answer holds once it has its letters."""
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await commit(pilot, "a note")
        await pilot.press("f12")
        await wait_until(pilot, lambda: isinstance(app.screen, DebriefScreen))
        answers = ["They export daily", "I gave up on day three", "Drop question 2"]
        queue_keys(app, [*fields_typed(answers, "enter"), "ctrl+s"])
        await wait_until(pilot, lambda: isinstance(app.screen, InterviewScreen))
        debrief = saved_session(app)["debrief"]["Maya"]
        assert [debrief[key] for key in ("surprised", "quote", "change")] == answers


@pytest.mark.parametrize("key", ["ctrl+t", "ctrl+g"])
async def test_marking_a_question_with_no_guide_says_why_nothing_happened(make_app, store, key):
    """A session started without a guide: the asked and skip keys say there is no question
    and how to have one, instead of doing nothing."""
    bare = create_session(store, title="Quick chat", participant="P9", now=None)
    app = make_app(bare)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await wait_until(pilot, lambda: list(app._notifications))
        (said,) = [n.message for n in app._notifications]
        assert "no guide" in said and "--guide" in said
        assert app.live.notes == []


async def test_the_lots_title_says_what_to_do_whole_in_a_half_width_pane(
    make_app, session_id, store, clock
):
    """At 39 columns the count gives way to what the keys do, and the ask to press again for
    a co-interviewer's follow-up is whole (it was cut at "Jonas's: t…")."""
    other, _ = co_interviewers_follow_up(store, session_id, clock)
    app = make_app(session_id)
    async with app.run_test(size=(39, 24)) as pilot:
        lot = await open_lot(pilot)
        room = lot.size.width - 4
        assert (
            lot.has_focus
            and str(lot.border_title) == "\u2191\u2193 \u23ce asked Del dismiss Esc back"
        )
        assert len(str(lot.border_title)) <= room
        await pilot.press("delete")
        await pilot.pause()
        title = str(lot.border_title)
        assert title == "Jonas's: again to dismiss it" and len(title) <= room
    other.close()


@pytest.mark.parametrize("when", ["before the screen", "after it"])
async def test_tmux_advice_under_the_header_is_whole_in_a_half_width_pane(
    make_app, session_id, monkeypatch, when
):
    """It ends in the command that fixes it: wrapped at 39 columns, not cut, and the header
    as tall as the wrapped lines whether the advice came before the screen was laid out (the
    usual case: tmux answers first) or after."""
    import tui.app
    from tui.services.tmux import Advice

    line = "Copies are lost: tmux set -g set-clipboard on (and in ~/.tmux.conf)"
    advice = [Advice(sentence=line, line=line)]
    if when == "before the screen":
        monkeypatch.setattr(tui.app, "inside_tmux", lambda: True)
        monkeypatch.setattr(tui.app, "setting_advice", lambda: advice)
    app = make_app(session_id)
    async with app.run_test(size=(39, 24)) as pilot:
        await pilot.pause()
        if when == "after it":
            app._show_tmux_advice(advice)
        await wait_until(pilot, lambda: app.tmux_advice == advice)
        for _ in range(3):
            await pilot.pause()
        header = app.screen.query_one(SessionHeader)
        assert header.size.height == len(str(header.render()).splitlines())
        shown = " ".join(str(header.render()).split())
        assert "tmux set -g set-clipboard on (and in ~/.tmux.conf)" in shown
        rows = str(header.render()).splitlines()
        advice = rows[rows.index(next(r for r in rows if r.startswith("\u26a0 tmux:"))) :]
        assert len(advice) >= 2 and all(len(row) <= header.size.width for row in advice)


async def test_the_lots_title_names_the_keys_a_keymap_gave_it(store, session_id, clock, tmp_path):
    # Its title said "Enter asked ... Esc" whatever keys a keymap gave those.
    from tui.app import FieldnoteApp
    from tui.services.keymap import layer_keymaps

    mine = tmp_path / "mine.toml"
    mine.write_text('"parking.asked" = "insert"\n"parking.back" = "f11"\n', encoding="utf-8")
    app = FieldnoteApp(
        store, author="Maya", now=clock, session_id=session_id, keymap=layer_keymaps([mine])
    )
    async with app.run_test(size=(100, 30)) as pilot:
        lot = app.screen.query_one(ParkingLot)
        await commit(pilot, "?ask who approves")
        await pilot.press("f2")
        await pilot.pause()
        title = str(lot.border_title)
        assert "HAS THE KEYS: \u2191\u2193 insert asked Del dismiss f11" in title, title


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_the_sessions_screen_shows_every_interviewers_debrief(store, make_app, size):
    """The panel under the sessions held four lines and cut the rest without a sign: at 80x24
    the second interviewer's debrief stopped mid-sentence, at 40 columns it was gone. Whole
    where it fits; else a line per interviewer, each cut with an ellipsis."""
    session_id = create_session(store, title="Xero chase", participant="CFO")
    long = "How much of the chasing is done by hand in Xero, every Friday, by two people " * 2
    session_file = store.open_session(session_id)
    debrief = {
        who: {"surprised": f"{who}: {long}", "quote": "Friday is chase day", "change": "Drop Q4"}
        for who in ("Maya", "Jonas")
    }
    session_file.update_session({"debrief": debrief})
    session_file.close()
    other = create_session(store, title="Short one", participant="P2")
    session_file = store.open_session(other)
    session_file.update_session({"debrief": {"Maya": {"surprised": "Nothing much"}}})
    session_file.close()
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await workers_done(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HomeScreen)

        def panel() -> list[str]:
            widget = screen.query_one("#home-debrief")
            strips = widget.render_lines(widget.region.reset_offset)
            return [" ".join(strip.text.split()) for strip in strips if strip.text.strip()]

        table = screen.query_one("DataTable")
        row = next(i for i, s in enumerate(screen.summaries) if s.id == session_id)
        table.move_cursor(row=row)
        await pilot.pause()
        shown = panel()
        assert [line.split(")")[0] for line in shown] == ["Debrief (Maya", "Debrief (Jonas"]
        assert all(line.endswith("\u2026") for line in shown), shown
        table.move_cursor(row=1 - row)  # a debrief that fits is shown whole
        await pilot.pause()
        assert " ".join(panel()) == "Debrief (Maya) What surprised you? Nothing much"


async def test_the_debrief_lists_a_starred_note_by_its_words(make_app, session_id):
    """The debrief's starred list showed the typed syntax: `*"Friday is chase day #ar !tired`.
    It lists the words, a quote in quote marks."""
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await commit(pilot, '*"Friday is chase day #ar !tired')
        await commit(pilot, "* the CFO works remotely")
        await pilot.press("f12")
        await wait_until(pilot, lambda: isinstance(app.screen, DebriefScreen))
        await pilot.pause()
        starred = app.screen.query_one("#debrief-starred")
        text = " ".join(starred.render_line(y).text.strip() for y in range(starred.size.height))
        assert "\u00b7 \u201cFriday is chase day\u201d" in text, text
        assert "\u00b7 the CFO works remotely" in text and "#ar" not in text and "*" not in text


async def test_the_folded_guide_shows_the_current_questions_time_in_its_line(
    make_app, session_id, clock
):
    """At 40 columns (a tmux split) the guide stays folded, and the time on the current question
    showed nowhere: it runs in the folded question's first line, redrawn only when it changes."""
    from tui.widgets.current_question import CurrentQuestion

    app = make_app(session_id)
    async with app.run_test(size=(40, 24)) as pilot:
        current = app.screen.query_one(CurrentQuestion)
        await commit(pilot, "the clock starts")
        clock.advance(95)
        await pilot.press("ctrl+t")  # q1 asked: on to q2
        await pilot.pause()
        rows = shown_text(current).count("\n")
        clock.advance(30)
        app.screen._mirror()  # the clock tick
        await pilot.pause()
        first = shown_text(current).splitlines()[0]
        assert first.startswith("Q2/4 \u23f1 00:30 \u26a0 closed Do you use"), first
        assert shown_text(current).count("\n") == rows  # in the line, no row of its own
        drawn = []
        real_update = current.update
        current.update = lambda *args, **kwargs: drawn.append(1) or real_update(*args, **kwargs)
        for _ in range(3):  # ticks within the same second: nothing to draw
            app.screen._mirror()
        assert drawn == []
        clock.advance(1)
        app.screen._mirror()
        app.screen._mirror()
        await pilot.pause()
        assert len(drawn) == 1
        assert shown_text(current).startswith("Q2/4 \u23f1 00:31 ")
