"""Whether a screen is on view, for the screens that poll the disk while shown."""

from __future__ import annotations

from textual.screen import ModalScreen, Screen


def on_view(screen: Screen) -> bool:
    """The top screen, or beneath modal dialogs only (they leave it visible around them).

    Not Textual's `Screen.is_current`: that is true of the screen right beneath the top one
    whatever covers it, so a screen polling the disk would go on reading behind a full screen
    (the tagging screen under the analysis screen, each polling every second)."""
    stack = screen.app.screen_stack
    if screen not in stack:
        return False
    return all(isinstance(above, ModalScreen) for above in stack[stack.index(screen) + 1 :])
