"""A bug shows no note on the terminal and loses no draft (item 3); signals end every command
cleanly (item 12). Each runs Fieldnote in a process of its own, as a user would meet it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import orjson

from tui.services.session_setup import create_session
from tui.store import DataStore

SECRET = "she said the merger is off"

# A real app, headless, types a draft and then hits a bug whose frame holds a note.
CRASH = textwrap.dedent(
    f"""
    import sys
    from tui.app import FieldnoteApp
    from tui.screens.interview_screen import InterviewScreen
    from tui.store import DataStore

    app = FieldnoteApp(DataStore(sys.argv[1]), author="Ana", session_id=sys.argv[2])

    def bug():
        note_text = {SECRET!r}
        raise RuntimeError("a bug in Fieldnote")

    async def drive(pilot):
        while not isinstance(app.screen, InterviewScreen):
            await pilot.pause()
        await pilot.press(*{SECRET!r})
        await pilot.pause()
        app.call_later(bug)
        await pilot.pause()

    app.run(headless=True, auto_pilot=drive)
    print("rescued:", app.rescued_to and app.rescued_to[1], file=sys.stderr)
    """
)


def test_a_bug_shows_no_locals_and_rescues_the_draft(tmp_path):
    store = DataStore(tmp_path / "home")
    session_id = create_session(store, title="P7", goal="Why do trials stall?")
    result = subprocess.run(
        [sys.executable, "-c", CRASH, str(store.home), session_id],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(tmp_path), "COLUMNS": "200"},
        timeout=120,
    )
    report = result.stdout + result.stderr
    assert "RuntimeError" in report and "a bug in Fieldnote" in report
    assert SECRET not in report, report
    rescued = list(tmp_path.glob("fieldnote-unsaved-*.json"))
    assert len(rescued) == 1 and f"rescued: {rescued[0]}" in result.stderr
    assert orjson.loads(rescued[0].read_bytes())["drafts"] == [SECRET]
    assert rescued[0].stat().st_mode & 0o777 == 0o600


def wait_for_screen(output: Path, process: subprocess.Popen, text: bytes) -> None:
    """Until the app has drawn `text` (an event in the output, not a fixed delay)."""
    import selectors

    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    seen = b""
    while text not in seen:
        assert selector.select(timeout=60), f"no {text!r} on the screen: {seen[-400:]!r}"
        chunk = os.read(process.stdout.fileno(), 65536)
        assert chunk, f"the app ended before drawing {text!r}: {seen[-400:]!r}"
        seen += chunk
    selector.close()


def test_code_and_open_end_cleanly_on_sigterm_sigint_and_sighup(tmp_path):
    store = DataStore(tmp_path / "home")
    session_id = create_session(store, title="P7", goal="Why do trials stall?")
    env = {**os.environ, "FIELDNOTE_HOME": str(store.home), "HOME": str(tmp_path)}
    for command, drawn in ((["code"], b"Tagging"), (["open", session_id], b"P7")):
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            process = subprocess.Popen(
                [sys.executable, "-m", "tui", *command],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                # What a shell does to a job started with `&`: SIGINT ignored.
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
            )
            try:
                wait_for_screen(tmp_path, process, drawn)
                process.send_signal(number)
                process.stdout.read()
                assert process.wait(timeout=60) == 0, (command, number)
            finally:
                process.kill()
                process.wait()


def test_a_draft_rescued_after_a_bug_is_not_also_left_for_the_next_open(tmp_path):
    """After a bug the draft went to the rescue file and stayed in the session's draft file
    too: the next `open` put it back in the input, and `fieldnote restore` (which the crash
    names) saved it as a note as well, so Enter made it two notes."""
    from tui.store.drafts import newest_record

    store = DataStore(tmp_path / "home")
    session_id = create_session(store, title="P7", goal="Why do trials stall?")
    subprocess.run(
        [sys.executable, "-c", CRASH, str(store.home), session_id],
        capture_output=True,
        env={**os.environ, "HOME": str(tmp_path), "COLUMNS": "200"},
        timeout=120,
    )
    (rescued,) = tmp_path.glob("fieldnote-unsaved-*.json")
    assert orjson.loads(rescued.read_bytes())["drafts"] == [SECRET]
    left = [
        newest_record(path.read_bytes())
        for path in (store.home / "sessions").glob("*.drafts/*.draft")
    ]
    assert all(SECRET not in (record or {}).get("text", "") for record in left), left
