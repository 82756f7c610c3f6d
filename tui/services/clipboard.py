"""Copying text: the system clipboard through pyperclip where it works, else the terminal.

pyperclip needs a copy mechanism on this machine (a desktop session, xclip/xsel, wl-copy,
pbcopy); on a headless server or over SSH it has none and raises. Then the UI sends the text
through the terminal instead, as an OSC 52 escape (Textual's `App.copy_to_clipboard`), which
reaches the clipboard of the machine the terminal runs on, if the terminal allows it (and, in
tmux, only with `set-clipboard on`). `copy` tries the first and says which path is left; the
UI takes the second and shows `CopyResult.notice`. No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM = "system"
TERMINAL = "terminal"


@dataclass(frozen=True)
class CopyResult:
    path: str
    """SYSTEM: pyperclip copied it. TERMINAL: it did not; the text must go through OSC 52."""
    problem: str = ""
    """Why the system clipboard could not be used (pyperclip's words), for a log or a bug."""

    @property
    def needs_terminal(self) -> bool:
        return self.path == TERMINAL

    def notice(self, *, in_tmux: bool = False) -> str:
        """The one sentence that tells the user which path the copy took."""
        if self.path == SYSTEM:
            return "Copied to the system clipboard."
        if in_tmux:
            return "Copied through the terminal (OSC 52); inside tmux this needs set-clipboard on."
        return (
            "Copied through the terminal (OSC 52); if nothing pastes, "
            "your terminal does not allow OSC 52."
        )


def copy(text: str) -> CopyResult:
    """Put `text` on the system clipboard if this machine has a way to; never raises for a
    missing or failing mechanism. May run a helper program, so call it off the UI thread."""
    try:
        import pyperclip  # imported here: it probes the system on first use, not on import
    except ImportError as error:  # pragma: no cover - a declared dependency
        return CopyResult(TERMINAL, str(error))
    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException as error:
        return CopyResult(TERMINAL, str(error) or type(error).__name__)
    except (OSError, UnicodeError) as error:  # a helper program that failed or choked
        return CopyResult(TERMINAL, str(error) or type(error).__name__)
    return CopyResult(SYSTEM)
