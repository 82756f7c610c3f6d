"""Copying text: the system clipboard through pyperclip where it works, else the terminal.

pyperclip needs a copy mechanism on this machine (a desktop session, xclip/xsel, wl-copy,
pbcopy); on a headless server or over SSH it has none and raises. Then the UI sends the text
through the terminal instead, as an OSC 52 escape (Textual's `App.copy_to_clipboard`), which
reaches the clipboard of the machine the terminal runs on, if the terminal allows it (and, in
tmux, only with `set-clipboard on`: tmux drops it otherwise, so `copy` asks tmux and the
notice says nothing was copied). `copy` tries the first and says which path is left; the UI
takes the second and shows `CopyResult.notice`. No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.services.tmux import Runner, drops_copies

SYSTEM = "system"
TERMINAL = "terminal"
DROPPED = "dropped"


@dataclass(frozen=True)
class CopyResult:
    path: str
    """SYSTEM: pyperclip copied it. TERMINAL: it did not; the text must go through OSC 52.
    DROPPED: neither can: tmux drops what goes through the terminal."""
    problem: str = ""
    """Why the system clipboard could not be used (pyperclip's words), for a log or a bug."""

    @property
    def needs_terminal(self) -> bool:
        # Sent even when tmux drops it: it costs nothing, and tmux may have been set since.
        return self.path != SYSTEM

    @property
    def copied(self) -> bool:
        return self.path != DROPPED

    def notice(self) -> str:
        """The one sentence that tells the user which path the copy took."""
        if self.path == SYSTEM:
            return "Copied to the system clipboard."
        if self.path == DROPPED:
            # Short: a notice in a 40-column pane is some 16 columns wide.
            return "Not copied: tmux drops it. Run tmux set -g set-clipboard on, then copy again."
        return (
            "Copied through the terminal (OSC 52); if nothing pastes, "
            "your terminal does not allow OSC 52."
        )


def copy(text: str, *, tmux: Runner | None = None) -> CopyResult:
    """Put `text` on the system clipboard if this machine has a way to; never raises for a
    missing or failing mechanism. `tmux`: inside tmux, how to ask it whether it passes a copy
    through the terminal on. May run helper programs, so call it off the UI thread."""
    try:
        import pyperclip  # imported here: it probes the system on first use, not on import
    except ImportError as error:  # pragma: no cover - a declared dependency
        return _through_terminal(str(error), tmux)
    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException as error:
        return _through_terminal(str(error) or type(error).__name__, tmux)
    except (OSError, UnicodeError) as error:  # a helper program that failed or choked
        return _through_terminal(str(error) or type(error).__name__, tmux)
    return CopyResult(SYSTEM)


def _through_terminal(problem: str, tmux: Runner | None) -> CopyResult:
    """Asked at each copy, not once: a setting fixed after the advice counts at once."""
    dropped = tmux is not None and drops_copies(tmux) is not None
    return CopyResult(DROPPED if dropped else TERMINAL, problem)
