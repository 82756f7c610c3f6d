"""`kill -TSTP` suspends the app as a shell's job control expects: the process stops (state
T) with the terminal given back in cooked mode, and SIGCONT brings the screen back. Textual's
Linux driver does this (it leaves application mode, then stops itself with SIGSTOP); the test
holds Fieldnote to it on a real pseudo-terminal."""

from __future__ import annotations

import os
import select
import signal
import termios
import time

import pytest

from tests.test_terminal_loss import open_in_pty, read_until

LIMIT_SECONDS = 30.0


def state_of(pid: int) -> str:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


def wait_for_state(pid: int, wanted) -> str:
    """Until the process's state satisfies `wanted` (the kernel's word, read each 10 ms)."""
    deadline = time.monotonic() + LIMIT_SECONDS
    while not wanted(state := state_of(pid)):
        assert time.monotonic() < deadline, f"still in state {state}"
        time.sleep(0.01)
    return state


def drain(fd: int) -> None:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while poller.poll(0):
        os.read(fd, 65536)


@pytest.mark.slow
def test_tstp_stops_the_app_in_cooked_mode_and_cont_brings_it_back(store, session_id):
    master, app = open_in_pty(store, session_id)
    try:
        assert b"asked" in read_until(master, b"asked", 20), "the interview screen never drew"
        assert not termios.tcgetattr(master)[3] & termios.ICANON  # the app's raw mode
        os.kill(app.pid, signal.SIGTSTP)
        wait_for_state(app.pid, lambda state: state == "T")
        lflag = termios.tcgetattr(master)[3]
        assert lflag & termios.ICANON and lflag & termios.ECHO  # cooked, for the shell
        drain(master)  # all the app wrote before it stopped: a stopped process writes no more
        os.kill(app.pid, signal.SIGCONT)
        wait_for_state(app.pid, lambda state: state != "T")
        assert b"asked" in read_until(master, b"asked", 20), "the screen was not redrawn"
        assert not termios.tcgetattr(master)[3] & termios.ICANON
    finally:
        app.terminate()
        app.wait(timeout=60)
        os.close(master)
