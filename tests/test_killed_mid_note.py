"""`kill -9` of an interview mid-note or mid-edit loses no key: the next instance of the same
author puts what was being typed back in the note input (tui/store/drafts.py). Each instance
killed is a real process running the real app."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.test_interview import commit, type_text
from tests.waiting import wait_until
from tui.screens.interview_screen import InterviewScreen

# A real app, headless: does what argv[3] says, prints "ready" once it is drawn, and then
# waits to be killed. At a "pause" step it says so and waits for a line on stdin. Its Pilot
# presses keys as the suite's does (tests/pilot_keys.py), the repository being its folder.
TYPIST = textwrap.dedent(
    """
    import asyncio, sys
    import pytest
    from tests import pilot_keys
    from tui.app import FieldnoteApp
    from tui.screens.interview_screen import InterviewScreen
    from tui.store import DataStore

    app = FieldnoteApp(DataStore(sys.argv[1]), author=sys.argv[4], session_id=sys.argv[2])

    pilot_keys.install(pytest.MonkeyPatch())

    async def drive(pilot):
        # (under the question about the clock, when an earlier one was killed: typing closes it)
        while not any(isinstance(s, InterviewScreen) for s in app.screen_stack):
            await pilot.pause()
        await pilot.pause()
        for step in sys.argv[3].split("|"):
            key, _, text = step.partition(":")
            if key == "pause":  # until the test has done its part (filled the disk)
                print("paused", flush=True)
                await asyncio.to_thread(sys.stdin.readline)
            elif key == "type":
                await pilot.press(*["space" if c == " " else c for c in text])
            else:
                await pilot.press(key)
            await pilot.pause()
        await asyncio.sleep(0.5)  # a person takes longer than this to reach for kill -9
        print("ready", flush=True)
        await asyncio.sleep(600)

    app.run(headless=True, auto_pilot=drive)
    """
)


def interview_of(app) -> InterviewScreen:
    """The interview screen, under the question about the clock a kill left running."""
    (interview,) = [s for s in app.screen_stack if isinstance(s, InterviewScreen)]
    return interview


def stored_notes(store, session_id) -> list[dict]:
    return store.open_session(session_id).read().notes


def run_and_kill(store, session_id, steps: str, author: str = "Maya", at_pause=None) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", TYPIST, str(store.home), session_id, steps, author],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "80", "LINES": "24"},
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        if at_pause is not None:
            assert process.stdout.readline() == b"paused\n"
            at_pause()
            process.stdin.write(b"go\n")
            process.stdin.flush()
        assert process.stdout.readline() == b"ready\n"
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def killed_on_a_full_disk(tmpfs, clock, steps: str):
    """A session in a small tmpfs, an app killed after `steps` typed with the disk full from
    their `pause` on, and the disk then freed: (store, session id)."""
    from tests.disk_faults import fill
    from tui.services.session_setup import create_session
    from tui.store import DataStore

    store = DataStore(tmpfs / "home")
    session_id = create_session(store, title="P7", goal="Why?", now=clock())
    filler: list = []
    run_and_kill(store, session_id, steps, at_pause=lambda: filler.append(fill(tmpfs)))
    assert stored_notes(store, session_id) == []  # the disk took nothing
    filler[0].unlink()
    return store, session_id


async def test_a_note_half_typed_when_killed_is_back_in_the_input(make_app, session_id, store):
    run_and_kill(store, session_id, "type:first note #pricing|enter|type:half a sentence !angry")
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        note_input = interview_of(app).note_input
        await wait_until(pilot, lambda: note_input.text == "half a sentence !angry")
        await type_text(pilot, " and more")  # typing closes the question about the clock
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(stored_notes(store, session_id)) == 2)
    notes = stored_notes(store, session_id)
    assert [n["text"] for n in notes] == ["first note #pricing", "half a sentence !angry and more"]
    # Its moment is its first key, typed before the kill (this app's clock stands in 2026-11).
    assert notes[1]["started_at"] >= notes[0]["started_at"] > "2026-11-28"
    assert not list(store.home.rglob("*.drafts/*")), "the draft file outlived the note"


async def test_an_edit_open_when_killed_is_back_with_the_draft_under_it(
    make_app, session_id, store
):
    steps = "type:we use a spreadsheet|enter|type:the next note|ctrl+l|type: for tracking"
    run_and_kill(store, session_id, steps)
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        note_input = interview_of(app).note_input
        await wait_until(pilot, lambda: note_input.editing is not None)
        await pilot.press("escape")  # the question about the clock: keep it paused
        assert note_input.text == "we use a spreadsheet for tracking"
        await pilot.press("enter")  # the edit saved: the draft under it comes back
        await wait_until(pilot, lambda: note_input.text == "the next note")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(stored_notes(store, session_id)) == 2)
    assert [n["text"] for n in stored_notes(store, session_id)] == [
        "we use a spreadsheet for tracking",
        "the next note",
    ]


async def test_both_interviewers_killed_each_get_their_own_draft_back(make_app, session_id, store):
    run_and_kill(store, session_id, "type:Maya was typing this", author="Maya")
    run_and_kill(store, session_id, "type:Jonas was typing that", author="Jonas")
    for author, text in [("Jonas", "Jonas was typing that"), ("Maya", "Maya was typing this")]:
        app = make_app(session_id, author=author)
        async with app.run_test(size=(80, 24)) as pilot:
            # Maya's comes back under the question about the clock Jonas's quitting paused.
            await pilot.pause()
            note_input = interview_of(app).note_input
            await wait_until(pilot, lambda: note_input.text == text)  # noqa: B023
            await commit(pilot, " (kept)")
    assert sorted(n["text"] for n in stored_notes(store, session_id)) == [
        "Jonas was typing that (kept)",
        "Maya was typing this (kept)",
    ]


async def test_killed_on_a_full_disk_the_draft_and_the_queued_note_come_back(tmpfs, clock):
    from tui.app import FieldnoteApp

    steps = "pause|type:said on a full disk|enter|type:typed on a full disk"
    store, session_id = killed_on_a_full_disk(tmpfs, clock, steps)
    app = FieldnoteApp(store, author="Maya", now=clock, session_id=session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        note_input = app.screen.note_input
        await wait_until(pilot, lambda: note_input.text == "typed on a full disk")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(stored_notes(store, session_id)) == 2)
    assert [n["text"] for n in stored_notes(store, session_id)] == [
        "said on a full disk",
        "typed on a full disk",
    ]
    store.codebook.close()


async def test_debrief_answers_typed_when_killed_are_saved(make_app, session_id, store):
    steps = "type:first note|enter|f12|type:how fast they gave up|tab|type:We gave up"
    run_and_kill(store, session_id, steps)
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: not app.live.unsaved)
        assert app.live.flush()
    debrief = store.open_session(session_id).read().session["debrief"]["Maya"]
    assert (debrief["surprised"], debrief["quote"]) == ("how fast they gave up", "We gave up")


async def test_an_interview_killed_everywhere_asks_about_the_time_away_on_reopening(
    session_id, store
):
    """Nobody closed the session, so nobody paused its clock: the last heartbeat of the
    instances gone stands for the close, and reopening asks whether the time away counts."""
    from datetime import UTC, datetime

    from tui.app import FieldnoteApp
    from tui.domain.clock import from_iso
    from tui.screens.resume_clock_screen import ResumeClockScreen

    run_and_kill(store, session_id, "type:the clock starts here|enter", author="Maya")
    run_and_kill(store, session_id, "type:and runs on|enter", author="Jonas")
    killed = datetime.now(UTC)
    app = FieldnoteApp(store, author="Maya", session_id=session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ResumeClockScreen))
        clock = app.live.clock
        assert not clock.running
        assert 0 <= (killed - from_iso(clock.closed_at)).total_seconds() < 5
        await pilot.press("enter")  # continue from the pause
        await pilot.pause()
        assert app.live.clock.running


async def test_a_new_tag_of_a_note_kept_through_a_kill_reaches_the_codebook(tmpfs, clock):
    # The full disk took neither the note nor its new tag's codebook entry; the note came back
    # from the drafts but its tag did not: the picker never offered it, though a note held it.
    from tui.app import FieldnoteApp

    steps = "pause|type:gave up on invites #onboarding/invites|enter"
    store, session_id = killed_on_a_full_disk(tmpfs, clock, steps)
    assert "onboarding/invites" not in [t["name"] for t in store.codebook.tags()]
    app = FieldnoteApp(store, author="Maya", now=clock, session_id=session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: len(stored_notes(store, session_id)) == 1)
        await wait_until(
            pilot, lambda: "onboarding/invites" in [t["name"] for t in store.codebook.tags()]
        )
    store.codebook.close()
