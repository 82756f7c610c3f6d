"""The key bar: every shown binding of the current screen, wrapped onto as many lines as needed.

Textual's Footer is one line that scrolls sideways, so at 80 columns most interview keys would
be out of sight; a note-taker must see them all without scrolling. Follows keymap changes
through the screen's bindings signal, as the Footer does.
"""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static

NBSP = "\u00a0"


class KeyBar(Static):
    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        text = Text(justify="left")
        seen: set[tuple[str, str]] = set()
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if not binding.show or (binding.action, binding.description) in seen:
                continue
            seen.add((binding.action, binding.description))
            self._append(text, self.app.get_key_display(binding), binding.description, enabled)
        palette = getattr(self.app, "get_key_display_for_palette", None)
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            self._append(text, palette(), "palette", True)
        self.update(text)

    @staticmethod
    def _append(text: Text, key: str, description: str, enabled: bool) -> None:
        if text:
            text.append("  ")
        text.append(key.replace(" ", NBSP), style="bold reverse" if enabled else "dim")
        text.append(NBSP + description.replace(" ", NBSP), style="" if enabled else "dim")
