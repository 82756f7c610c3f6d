"""tmux: the settings that spoil a keyboard-first app, and opening a pair of instances.

No Textual here. Every tmux call goes through `run`, which tests replace with a fake.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ESCAPE_TIME_LIMIT_MS = 50

Runner = Callable[[Sequence[str]], str | None]
"""Runs a tmux command (argv without "tmux") and returns its stdout, or None if it failed."""


class TmuxError(Exception):
    """tmux is missing, not running here, or refused a command; the message is a sentence."""


def inside_tmux(env: Mapping[str, str] | None = None) -> bool:
    return bool((os.environ if env is None else env).get("TMUX"))


def run_tmux(args: Sequence[str], timeout: float = 2.0) -> str | None:
    try:
        done = subprocess.run(
            ["tmux", *args], capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def show_option(name: str, run: Runner = run_tmux) -> str | None:
    """A global server or session option's value as tmux prints it, or None."""
    for scope in (["-gv"], ["-sv"]):  # escape-time is a server option, set-clipboard too
        out = run(["show-options", *scope, name])
        if out is not None and out.strip():
            return out.strip()
    return None


@dataclass(frozen=True)
class Advice:
    sentence: str
    """The problem and its fix, in full (the sessions screen)."""
    line: str
    """The same in about 75 columns (the interview header)."""


def setting_advice(run: Runner = run_tmux) -> list[Advice]:
    """What to tell the user about this tmux, each with the fix in it."""
    advice = []
    escape = show_option("escape-time", run)
    if escape is not None and escape.isdigit() and int(escape) > ESCAPE_TIME_LIMIT_MS:
        advice.append(
            Advice(
                f"Esc would lag: tmux waits {escape} ms after Esc. "
                "Run tmux set -g escape-time 10, and add it to ~/.tmux.conf.",
                f"Esc lags {escape} ms: tmux set -g escape-time 10 (and in ~/.tmux.conf)",
            )
        )
    clipboard = drops_copies(run)
    if clipboard is not None:
        advice.append(
            Advice(
                "Copying would not reach your terminal: tmux's set-clipboard is "
                f"{clipboard}. Run tmux set -g set-clipboard on, and add it to ~/.tmux.conf.",
                "Copies are lost: tmux set -g set-clipboard on (and in ~/.tmux.conf)",
            )
        )
    return advice


def drops_copies(run: Runner = run_tmux) -> str | None:
    """tmux's set-clipboard when it drops the copies applications send (OSC 52), else None."""
    clipboard = show_option("set-clipboard", run)
    # "external" (tmux's default) ignores the copies applications send; only "on" takes them.
    return clipboard if clipboard in ("off", "external") else None


def setting_warnings(run: Runner = run_tmux) -> list[str]:
    """The advice as sentences."""
    return [advice.sentence for advice in setting_advice(run)]


# -- fieldnote pair ---------------------------------------------------------------------------

PASSED_ENV = ("FIELDNOTE_HOME", "FIELDNOTE_DEMO_HOME", "PYTHONPATH")
"""Passed to the new panes: tmux starts them with the server's environment, not ours."""


def open_command(session_id: str, author: str, extra: Sequence[str] = ()) -> list[str]:
    """`fieldnote open` as this very interpreter runs it, so it works from a venv too."""
    return [sys.executable, "-m", "tui", "open", session_id, "--as", author, *extra]


def pair_commands(
    session_id: str,
    title: str,
    authors: tuple[str, str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    extra: Sequence[str] = (),
) -> tuple[list[str], list[str]]:
    """The two tmux commands: a new window with the first instance, split beside it the second.
    The window is named after the session; the split targets the new window's pane by id."""
    env = os.environ if env is None else env
    where = ["-c", str(cwd or Path.cwd())]
    passed: list[str] = []
    for name in PASSED_ENV:
        if env.get(name):
            passed += ["-e", f"{name}={env[name]}"]
    first = open_command(session_id, authors[0], extra)
    second = open_command(session_id, authors[1], extra)
    window = ["new-window", "-P", "-F", "#{pane_id}", "-n", _window_name(title), *where]
    split = ["split-window", "-h", *where]
    return [*window, *passed, shlex.join(first)], [*split, *passed, shlex.join(second)]


def _window_name(title: str) -> str:
    name = "".join(c if c.isprintable() else " " for c in title).strip()[:20]
    return name or "fieldnote"


def open_pair(
    session_id: str,
    title: str,
    authors: tuple[str, str],
    *,
    env: Mapping[str, str] | None = None,
    run: Runner = run_tmux,
    which: Callable[[str], str | None] = shutil.which,
    extra: Sequence[str] = (),
) -> str:
    """Open the pair in a new tmux window of the current tmux; returns the first pane's id."""
    env = os.environ if env is None else env
    if which("tmux") is None:
        raise TmuxError(
            "pair needs tmux, which is not installed; "
            "install it, or run fieldnote open in two terminals."
        )
    if not inside_tmux(env):
        raise TmuxError(
            "pair works only inside tmux, and this terminal is not in tmux; "
            "start it (tmux new -s interview) and run pair there."
        )
    window, split = pair_commands(session_id, title, authors, env=env, extra=extra)
    pane = run(window)
    if pane is None or not pane.strip():
        raise TmuxError("tmux would not open a new window; check that the tmux server is running.")
    pane = pane.strip()
    if run([*split[:2], "-t", pane, *split[2:]]) is None:
        raise TmuxError("tmux would not split the new window; is the terminal too small?")
    run(["select-pane", "-t", pane])
    return pane
