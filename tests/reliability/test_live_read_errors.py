"""The live screen keeps running and keeps the draft when its file turns unreadable (item 2):
another process writes valid JSON of the wrong shape while a note is being typed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tui.screens.interview_screen import InterviewScreen
from tui.store.storage import journal_path, read_tables


async def until(pilot, condition, what: str, limit: int = 500) -> None:
    for _ in range(limit):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"never: {what}")


BREAK = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    from tui.store.storage import journal_path, read_tables
    path = Path(sys.argv[1])
    data = read_tables(path)  # the file with its journal folded in, then the journal gone
    data["session"]["1"]["clock"] = "10:00"
    data["notes"]["999"] = {"id": "from-a-script", "text": "x", "elapsed": "x"}
    tmp = str(path) + ".other"
    with open(tmp, "w") as out:
        json.dump(data, out)
    os.replace(tmp, path)
    journal_path(path).unlink(missing_ok=True)
    """
)


async def test_a_wrong_shape_from_another_process_keeps_the_screen_and_the_draft(
    store, session_id, make_app
):
    app = make_app(session_id)
    path = store.session_path(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, InterviewScreen), "interview")
        screen = app.screen
        await pilot.press(*"a first note", "enter")
        await until(pilot, lambda: app.live.unsaved == 0, "first note saved")
        await pilot.press(*"typed while it broke")
        subprocess.run([sys.executable, "-c", BREAK, str(path)], check=True)
        broken = path.read_bytes()

        def told() -> bool:
            return any("'clock'" in n.message for n in app._notifications)

        await until(pilot, told, "the sentence naming the field")
        assert app.screen is screen and app.is_running
        assert screen.note_input.text == "typed while it broke"
        await pilot.press("enter")  # the write cannot land on a file it cannot read
        await until(pilot, lambda: app.live.last_error is not None, "the write failing")
        assert app.live.unsaved == 1 and path.read_bytes() == broken
        # Repaired by hand: the retry lands the note, nothing was lost.
        data = json.loads(broken)
        data["session"]["1"]["clock"] = None
        del data["notes"]["999"]
        path.write_text(json.dumps(data), encoding="utf-8")
        await until(pilot, lambda: app.live.unsaved == 0, "the retry landing", limit=1000)
    texts = [n["text"] for n in store.open_session(session_id).read().notes]
    assert sorted(texts) == ["a first note", "typed while it broke"]


async def test_the_tagging_screen_lists_the_readable_sessions_and_names_the_bad_field(store, clock):
    from tests.test_tagging import add_notes, ready, tagging_app
    from tui.services.session_setup import create_session

    good = create_session(store, title="Good", now=clock())
    bad = create_session(store, title="Bad", now=clock())
    add_notes(store, good, clock, ["kept on screen"])
    add_notes(store, bad, clock, ["in the broken file"])
    path = store.session_path(bad)
    data = read_tables(path)
    next(iter(data["notes"].values()))["elapsed"] = "x"
    path.write_text(json.dumps(data), encoding="utf-8")
    journal_path(path).unlink(missing_ok=True)
    before = path.read_bytes()
    app = tagging_app(store, clock, None, scope="all")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        assert [e.note["text"] for e in app.screen.shown] == ["kept on screen"]
        messages = [n.message for n in app._notifications]
        assert any("'elapsed'" in m and str(path) in m for m in messages), messages
    assert path.read_bytes() == before
