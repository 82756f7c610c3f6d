"""Copying quotes: the citation's text, the choice between pyperclip and OSC 52, and the keys."""

from __future__ import annotations

import pyperclip
import pytest

import tui.app
from tests.test_interview import commit
from tests.test_tagging import NOTES, add_notes, pick, ready, tagging_app
from tests.waiting import workers_done
from tui.domain.quotes import citation, quote_words, recording_time
from tui.services import clipboard

# -- the words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, words",
    [
        ('"It took me three days to find the import', "It took me three days to find the import"),
        ('"We gave up on day two"', "We gave up on day two"),
        ("\u201cWe gave up\u201d", "We gave up"),
        ("\u00abOn a abandonn\u00e9\u00bb", "On a abandonn\u00e9"),
        ("> We export every Friday", "We export every Friday"),
        ('* "Starred and quoted" #pain', "Starred and quoted"),
        ("*plain starred note", "plain starred note"),
        ("Gave up on SSO setup !frustrated #pain/onboarding", "Gave up on SSO setup"),
        ("I #really hate this #pain.", "I hate this."),
        ("#pain #ux", "#pain #ux"),  # nothing but tags: keep them rather than copy nothing
        ("C# and wow!great stay: they are words", "C# and wow!great stay: they are words"),
        ('He said "no" twice', 'He said "no" twice'),  # quote marks inside the words stay
        ("  line one #a\n  line two  ", "line one\nline two"),
    ],
)
def test_quote_words_drop_the_inline_syntax_only(typed, words):
    assert quote_words(typed) == words


@pytest.mark.parametrize(
    "typed",
    [
        "Straße café 😀 — naïve",
        "Всё сломалось в первый день",
        "[/",
        "[bold]x",
        "[@click=app.quit]x[/]",
        "\x1b[31mred\x1b[0m",
        "50% of <b>users</b> & $vars {x}",
    ],
)
def test_unicode_and_markup_characters_are_copied_exactly(typed):
    assert citation(typed, "P7", 5) == f"{typed} \u2014 P7, 00:05"


def test_the_citation_names_the_participant_and_the_recording_time():
    quote = '* "We gave up on day two" #pain/onboarding !frustrated'
    assert citation(quote, "P7 (ops lead)", 754.9) == (
        "We gave up on day two \u2014 P7 (ops lead), 12:34"
    )
    # The recording started 30 s before the interview clock: the quote is 30 s later on it.
    assert citation(quote, "P7 (ops lead)", 754.9, 30) == (
        "We gave up on day two \u2014 P7 (ops lead), 13:04"
    )


@pytest.mark.parametrize(
    "elapsed, offset, shown",
    [
        (0, 0, "00:00"),
        (65, 0, "01:05"),
        (65, 90, "02:35"),
        (65, -60, "00:05"),
        (5, -60, "-00:55"),  # said before the recording began: its seconds before it
        (5, -5.5, "-00:01"),  # half a second before: before it all the same, never 00:00
        (3599, 1, "1:00:00"),
        (3700.7, 0, "1:01:40"),
    ],
)
def test_recording_time_adds_the_offset(elapsed, offset, shown):
    assert recording_time(elapsed, offset) == shown


def test_no_participant_means_just_the_time():
    assert citation("> hi", "", 61) == "hi \u2014 01:01"
    assert citation("> hi", "  Ana\n Silva ", 61) == "hi \u2014 Ana Silva, 01:01"


# -- system clipboard or terminal ---------------------------------------------------------------


def no_mechanism(text: str) -> None:
    raise pyperclip.PyperclipException("Pyperclip could not find a copy/paste mechanism.")


@pytest.fixture
def headless(monkeypatch):
    """pyperclip as on a server or over SSH: no way to the system clipboard."""
    monkeypatch.setattr(pyperclip, "copy", no_mechanism)
    monkeypatch.delenv("TMUX", raising=False)


@pytest.fixture
def desktop(monkeypatch) -> list[str]:
    """pyperclip with a working mechanism: what it was given."""
    copied: list[str] = []
    monkeypatch.setattr(pyperclip, "copy", copied.append)
    monkeypatch.delenv("TMUX", raising=False)
    return copied


def test_pyperclip_first(desktop):
    result = clipboard.copy("Straße 😀 [bold]x")
    assert desktop == ["Straße 😀 [bold]x"]
    assert result.path == clipboard.SYSTEM and not result.needs_terminal
    assert result.notice() == "Copied to the system clipboard."


def test_no_mechanism_falls_back_to_the_terminal(headless):
    result = clipboard.copy("x")
    assert result.path == clipboard.TERMINAL and result.needs_terminal
    assert "mechanism" in result.problem
    assert "OSC 52" in result.notice()
    assert result.notice() == (
        "Copied through the terminal (OSC 52); if nothing pastes, "
        "your terminal does not allow OSC 52."
    )


def test_a_failing_helper_program_falls_back_too(monkeypatch):
    def broken(text: str) -> None:
        raise OSError("xclip: cannot open display")

    monkeypatch.setattr(pyperclip, "copy", broken)
    assert clipboard.copy("x").needs_terminal


# -- the keys -----------------------------------------------------------------------------------


def notices(app) -> list[str]:
    return [n.message for n in app._notifications]


async def copied(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await workers_done(pilot.app)
    await pilot.pause()


async def test_f4_copies_your_last_quote_through_the_terminal(
    headless, make_app, session_id, clock
):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await commit(pilot, "warming up")
        clock.advance(65)
        await commit(pilot, '"I never read the onboarding emails" #pain/onboarding')
        clock.advance(20)
        await commit(pilot, "?ask who set up the trial")
        await commit(pilot, "* Wants bulk edit #need/bulk-edit")
        app.live.set_recording_offset(90)
        await copied(pilot, "f4")
        # The newest quote, not the newer notes; its time is on the recording (65 s + 90 s).
        assert app.clipboard == "I never read the onboarding emails \u2014 P7 (ops lead), 02:35"
        assert notices(app)[-1] == clipboard.CopyResult(clipboard.TERMINAL).notice()
        assert "OSC 52" in notices(app)[-1]


async def test_f4_inside_a_tmux_that_drops_copies_says_nothing_was_copied(
    headless, monkeypatch, make_app, session_id
):
    # tmux's default set-clipboard, external, drops the OSC 52 an application sends: the copy
    # never arrived, yet the notice said "Copied". tmux is asked at each copy, so a setting
    # fixed after the advice counts at once.
    clipboard_setting = ["external"]

    def tmux(args):
        return clipboard_setting[0] + "\n" if args[-1] == "set-clipboard" else None

    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    monkeypatch.setattr(tui.app, "run_tmux", tmux)
    monkeypatch.setattr(tui.app, "setting_advice", lambda: [])
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await commit(pilot, '"We gave up on day two"')
        await copied(pilot, "f4")
        said = list(app._notifications)[-1]
        assert (said.title, said.severity) == ("Not copied", "warning")
        assert said.message == (
            "Not copied: tmux drops it. Run tmux set -g set-clipboard on, then copy again."
        )
        clipboard_setting[0] = "on"
        await copied(pilot, "f4")
        said = list(app._notifications)[-1]
        assert (said.title, said.severity) == ("Copied", "information")
        assert said.message == clipboard.CopyResult(clipboard.TERMINAL).notice()
        assert app.clipboard == "We gave up on day two \u2014 P7 (ops lead), 00:00"


async def test_f4_uses_the_system_clipboard_when_there_is_one(desktop, make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await commit(pilot, "no quote yet, just a note #ux")
        await copied(pilot, "f4")
        # No quote: the newest note, labelled as yours. Nothing went through the terminal.
        assert desktop == [
            "no quote yet, just a note (note by Maya, interview with P7 (ops lead), 00:00)"
        ]
        assert app.clipboard == ""
        assert notices(app)[-1] == "Copied to the system clipboard."


async def test_f4_with_no_note_says_so(desktop, make_app, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await copied(pilot, "f4")
        assert desktop == []
        assert notices(app) == ["There is no note of yours to copy yet."]


async def test_y_copies_the_excerpt_and_a_span_just_the_span(headless, store, clock, session_id):
    add_notes(store, session_id, clock)
    session_file = store.open_session(session_id)
    clock_doc = session_file.read().session["clock"]
    session_file.update_session({"clock": {**clock_doc, "recording_offset": 15.0}})
    session_file.close()
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)  # the sessions are read in a worker
        await copied(pilot, "j")  # "Pricing page was confusing #pain/pricing", at 01:00 + 15 s
        await copied(pilot, "y")  # a paraphrase: labelled as the note-taker's, not a quote
        assert app.clipboard == (
            "Pricing page was confusing (note by Maya, interview with P7 (ops lead), 01:15)"
        )
        assert "OSC 52" in notices(app)[-1]
        # A span of "Straße café 😀 unclear on the pricing tiers" (02:00 + 15 s), tagged: its row
        # copies the span alone.
        await pilot.press("j", "v", "W", "w")
        assert NOTES[2][slice(*app.screen.span)] == "café 😀"
        await copied(pilot, "y")  # the selection being made copies just it
        assert app.clipboard == "café 😀 (note by Maya, interview with P7 (ops lead), 02:15)"
        await pick(pilot, "pricing")
        assert app.screen.current.span is not None
        await pilot.press("k")
        await copied(pilot, "y")  # the whole note again...
        assert app.clipboard.startswith("Straße café 😀 unclear")
        await pilot.press("j")
        await copied(pilot, "y")  # ...and its span row, just the span
        assert app.clipboard == "café 😀 (note by Maya, interview with P7 (ops lead), 02:15)"
