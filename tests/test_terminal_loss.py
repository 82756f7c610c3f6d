"""A terminal that disappears mid-interview (tmux pane killed, SSH dropped): the half-typed
note is saved, every change reaches the disk, and the app exits instead of spinning."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import shlex
import signal
import struct
import subprocess
import sys
import termios
import time

import pytest

from tui.store import DataStore


def read_until(fd: int, needle: bytes, seconds: float) -> bytes:
    seen = b""
    end = time.monotonic() + seconds
    # poll, not select: after a long suite the pty's descriptor can be past select's 1024.
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while needle not in seen and time.monotonic() < end:
        if poller.poll(100):
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen


def read_until_drawn(fd: int, text: bytes, seconds: float) -> bytes:
    """Read until the app's own frame has drawn `text`: a line the frame writes from its first
    column, holding `text` before any other cursor move. Seeing `text` alone proves nothing:
    the early echo (tui/terminal_input.py) shows typed text before the app has it, at the
    cursor, never at column 1. The frame is out once the app holds the text."""
    frame = re.compile(rb"\x1b\[\d+;1H(?:(?!\x1b\[\d+;\d+H).)*?" + re.escape(text), re.DOTALL)
    seen = b""
    end = time.monotonic() + seconds
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while not frame.search(seen) and time.monotonic() < end:
        if poller.poll(100):
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    assert frame.search(seen), f"no frame drew {text!r} within {seconds} s: {seen[-500:]!r}"
    return seen


def open_in_pty(
    store: DataStore, session_id: str, through_shell: bool = False
) -> tuple[int, subprocess.Popen]:
    """`fieldnote open` on a fresh 80x24 pseudo-terminal, as its controlling terminal: the
    pty's master end and the app's process (or, `through_shell`, the shell that started it,
    as tmux and `make` start it: then the app is not the session leader)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "FIELDNOTE_HOME": str(store.home), "TERM": "xterm-256color"}
    env.pop("TMUX", None)
    command = [sys.executable, "-m", "tui", "open", session_id, "--as", "Maya"]
    if through_shell:
        command = ["sh", "-c", shlex.join(command) + "; exit $?"]
    app = subprocess.Popen(
        command,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    return master, app


@pytest.mark.slow
@pytest.mark.parametrize("hangup", ["close the terminal", "SIGHUP"])
def test_closing_the_terminal_saves_the_draft_and_exits(store, session_id, hangup):
    master, app = open_in_pty(store, session_id)
    try:
        assert b"asked" in read_until(master, b"asked", 20), "the interview screen never drew"
        os.write(master, b"said just before the pane died")
        read_until_drawn(master, b"pane died", 10)  # the app holds the draft
        if hangup == "SIGHUP":
            app.send_signal(1)
        else:
            os.close(master)
            master = -1
        app.wait(timeout=15)  # it leaves; it does not spin on the dead terminal
    finally:
        if master >= 0:
            os.close(master)
        if app.poll() is None:
            app.kill()
    notes = DataStore(store.home).open_session(session_id).read().notes
    assert [n["text"] for n in notes] == ["said just before the pane died"]


@pytest.mark.slow
@pytest.mark.parametrize("sigcont", ["before the terminal closes", "after it closed"])
def test_a_pane_killed_under_a_shell_saves_the_draft_and_exits(store, session_id, sigcont):
    """tmux and `make` start the app from a shell. When tmux kills the pane, the app gets a
    SIGCONT with the hangup. Textual's driver answers it by starting its terminal mode again:
    while the input thread still ran, that started a second one that nothing stopped,
    spinning on the dead terminal at 90% of a core after the app had ended; once the input
    thread had ended, it started a new output thread that died on the dead terminal, and the
    app hung for good as it left, waiting for that thread to take its last write."""
    master, shell = open_in_pty(store, session_id, through_shell=True)
    app_pid = None
    try:
        assert b"asked" in read_until(master, b"asked", 20), "the interview screen never drew"
        children = f"/proc/{shell.pid}/task/{shell.pid}/children"
        app_pid = int(open(children).read().split()[0])
        os.write(master, b"said as the pane was killed")
        read_until_drawn(master, b"was killed", 10)
        if sigcont == "before the terminal closes":
            os.kill(app_pid, signal.SIGCONT)
            # Python runs the handler on the app's thread before its next frame: a key typed
            # now and drawn by the app shows the SIGCONT was handled.
            os.write(master, b"!")
            read_until_drawn(master, b"was killed!", 10)
        os.close(master)
        master = -1
        if sigcont == "after it closed":
            # Through the app's whole way out: one landing after it stopped its terminal mode
            # started that again, with an output thread that died on the dead terminal.
            end = time.monotonic() + 3
            while time.monotonic() < end and os.path.exists(f"/proc/{app_pid}"):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(app_pid, signal.SIGCONT)
                time.sleep(0.005)
        end = time.monotonic() + 15
        while time.monotonic() < end and os.path.exists(f"/proc/{app_pid}"):
            if open(f"/proc/{app_pid}/stat").read().split(") ")[1].startswith("Z"):
                break  # ended, waiting for the shell to collect it
            time.sleep(0.1)
        else:
            if os.path.exists(f"/proc/{app_pid}"):
                pytest.fail("the app is still running 15 s after its terminal went away")
    finally:
        if master >= 0:
            os.close(master)
        for pid in (app_pid, shell.pid):
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 9)
        shell.wait(timeout=5)
    notes = DataStore(store.home).open_session(session_id).read().notes
    typed = "said as the pane was killed" + ("!" if sigcont == "before the terminal closes" else "")
    assert [n["text"] for n in notes] == [typed]


def test_waiting_for_the_frame_is_not_fooled_by_the_early_echo():
    echo = b"\x1b[19;6H\x1b[38;5;253mabc\x1b[0m\x1b[7m \x1b[0m\x1b[19;9H"
    frame = b"\x1b[19;1H\x1b[7;38;5;32m\xe2\x96\x8a\x1b[0m\x1b[48;5;234m abc\x1b[0m\r\n"
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, echo)
        with pytest.raises(AssertionError, match="no frame drew"):
            read_until_drawn(read_end, b"abc", 0.2)
        os.write(write_end, frame)
        assert read_until_drawn(read_end, b"abc", 5).endswith(frame)
    finally:
        os.close(read_end)
        os.close(write_end)
