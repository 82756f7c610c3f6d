"""Fieldnote in a real tmux pane, as a note-taker runs it: Textual's Linux driver under a real
terminal emulator, with Fieldnote's input loop and early echo in it (tui/textual_compat.py).
`.ci/run` runs this against the newest Textual too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tui.store import DataStore

LIMIT_SECONDS = 20.0
"""Only stops a test that hangs; each wait ends as soon as the pane shows what it waits for."""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Pane:
    """An 80x24 pane on a tmux server of its own (its socket in the test's temp folder)."""

    def __init__(self, socket: Path, command: list[str], env: dict[str, str]) -> None:
        self.tmux = ["tmux", "-S", str(socket), "-f", "/dev/null"]
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-s", "app", "-x", "80", "-y", "24", *command],
            check=True,
            env=env,
        )
        subprocess.run([*self.tmux, "set-option", "-g", "escape-time", "10"], check=True)

    def screen(self) -> str:
        shown = subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-t", "app"], capture_output=True, text=True
        )
        return shown.stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", "app", *(["-l"] if literal else []), *keys])

    def wait_for(self, condition: Callable[[str], bool], what: str) -> str:
        end = time.monotonic() + LIMIT_SECONDS
        while time.monotonic() < end:
            screen = self.screen()
            if condition(screen):
                return screen
            time.sleep(0.05)  # a look at the grid, not a guess at how long the app takes
        raise AssertionError(f"{what} not on screen within {LIMIT_SECONDS} s:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], check=False, capture_output=True)


def test_a_note_typed_in_a_tmux_pane_shows_is_stored_and_a_stray_code_is_refused(
    store, session_id, tmp_path
):
    env = {**os.environ, "FIELDNOTE_HOME": str(store.home), "TERM": "xterm-256color"}
    env.pop("TMUX", None)
    pane = Pane(
        tmp_path / "tmux.sock",
        [sys.executable, "-m", "tui", "open", session_id, "--as", "Maya"],
        env,
    )
    try:
        pane.wait_for(lambda screen: "Enter saves" in screen, "the interview screen")
        pane.keys("said in a tmux pane", literal=True)
        pane.wait_for(lambda screen: "said in a tmux pane" in screen, "the typed text")
        pane.keys("Enter")
        session = DataStore(store.home).open_session(session_id)
        end = time.monotonic() + LIMIT_SECONDS
        while not session.read().notes and time.monotonic() < end:
            time.sleep(0.05)
        assert [n["text"] for n in session.read().notes] == ["said in a tmux pane"]
        # tmux passes an unknown code on as bytes: Fieldnote's input loop refuses it whole.
        pane.keys("\x1b[31m", literal=True)
        screen = pane.wait_for(lambda screen: "Nothing of it" in screen, "the refusal")
        assert "[31m" in screen
    finally:
        pane.close()
