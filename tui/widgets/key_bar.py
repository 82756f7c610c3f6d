"""The key bar: every shown binding of the current screen, packed onto as many lines as needed.

Textual's Footer is one line that scrolls sideways, so at 80 columns most interview keys would
be out of sight; a note-taker must see them all without scrolling. Items are packed whole (a
key is never split from its description) and repacked when the width changes. Follows keymap
changes through the screen's bindings signal, as the Footer does.

A dialog (a modal screen) has a bar of its own, docked at the bottom over the bar of the screen
below, which hides while it is covered (`app.tcss`): the bottom lines show only keys that work
while the dialog is open. While the interview's writes fail, a dialog's bar says so on a line
above its keys (`app.write_problem`), where a notice would have covered the dialog.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.services.actions import ACTIONS

GAP = "  "
NARROW = 60
"""Below this many columns each description shortens to one word, its first (`Star last` ->
`Star`) or the binding's own short label where the first says nothing (`Who talks` ->
`Speaker`), so a half-width pane keeps most of its height for the notes."""
SHORT = 20
"""Below this many rows the bar is one line, ending with the help key for the rest."""
SHARE = 4
"""Else the bar takes at most a quarter of the rows, the last ending with the help key: three
co-interviewers' panes side by side are some 26 columns wide, where every key took ten rows
of 24 and the notes had none left beside the parking lot."""
REGISTRY_ORDER = {spec.id: index for index, spec in enumerate(ACTIONS)}
NARROW_WORDS = {spec.id: spec.narrow for spec in ACTIONS}


class KeyBar(Static):
    DEFAULT_CSS = """
        KeyBar {
            height: auto;
            background: $footer-background;
            color: $footer-foreground;
            padding: 0 1;
        }
    """
    """Drawn like Textual's footer, in the theme's footer colours."""

    def __init__(self, *typed: tuple[str, str]) -> None:
        """`typed`: (key, description) of keys the focused field handles itself, not a
        binding (Enter in a dialog's one-line field saves it), listed first; keys joined by
        a comma are shown together (`up,down` as \u2191\u2193, `pageup,pagedown` as
        pgup/pgdn)."""
        super().__init__()
        self._typed = typed
        self._items: list[tuple[str, str, str, bool]] = []
        """(key, description, its one word for a narrow pane, enabled)."""
        self._problem: str | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)
        # A dialog that explains the failing writes itself (the quit question) sets
        # SAYS_WRITE_PROBLEM.
        screen = self.screen
        if isinstance(screen, ModalScreen) and not getattr(screen, "SAYS_WRITE_PROBLEM", False):
            self.watch(self.app, "write_problem", self._problem_changed)

    def show_typed(self, *typed: tuple[str, str]) -> bool:
        """Change the keys the focused field handles itself (they may work only at times: a
        dialog's message scrolls only while it overflows). Whether they changed."""
        if typed == self._typed:
            return False
        self._typed = typed
        self._bindings_changed(self.screen)
        return True

    def _problem_changed(self, problem: str | None) -> None:
        self._problem = problem
        self.refit()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self) -> None:
        self.refit()

    def on_screen_resume(self) -> None:
        self.refit()

    def _bindings_changed(self, screen: Screen) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        items = [
            (
                _together([self.app.get_key_display(Binding(k, "")) for k in keys.split(",")]),
                does,
                _first_word(does),
                True,
            )
            for keys, does in self._typed
        ]
        seen: set[tuple[str, str]] = set()
        # A screen may say what a key does this time (a dialog opened for another purpose).
        says = getattr(screen, "key_description", None)
        for _node, binding, enabled, _tooltip in _in_registry_order(screen):
            if not binding.show or (binding.action, binding.description) in seen:
                continue
            seen.add((binding.action, binding.description))
            does = says(binding.action) if says is not None else None
            word = _first_word(does) if does else NARROW_WORDS.get(binding.id or "")
            description = does or binding.description
            key = self.app.get_key_display(binding)
            items.append((key, description, word or _first_word(description), enabled))
        palette = getattr(self.app, "get_key_display_for_palette", None)
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            items.append((palette(), "palette", "palette", True))
        self._items = items
        self.refit()

    def refit(self) -> None:
        """Pack the items for the bar's width and the terminal's height (a screen calls this
        when the terminal changes height, which may leave the bar's own size as it was)."""
        # The terminal's width, not the bar's own: a screen refits on its resize, before the
        # layout gives the bar its new size.
        width = max(1, self.app.size.width - self.styles.gutter.width)
        narrow = width < NARROW
        gap = GAP[:1] if narrow else GAP
        lines: list[Text] = []
        for key, description, word, enabled in self._items:
            item = self._item(
                key, self._short(description, word) if narrow else description, enabled
            )
            if lines and cell_len(lines[-1].plain + gap + item.plain) <= width:
                lines[-1].append(gap)
                lines[-1].append_text(item)
            else:
                lines.append(item)
        height = self.app.size.height
        most = 1 if height < SHORT else max(1, height // SHARE)
        if len(lines) > most:
            lines = self._cut(width, gap, narrow, most)
        if self._problem:
            lines.insert(0, Text(self._problem, style=self.app.theme_variables.get("error", "red")))
        self.update(Text("\n").join(lines))

    def _cut(self, width: int, gap: str, narrow: bool, rows: int) -> list[Text]:
        """As many keys as fit on `rows` lines, then the help key, which lists every key."""
        key_for = getattr(self.app, "key_for", None)
        help_key = key_for("app.help") if key_for else "f1"
        more = self._item(help_key, "more", True)
        lines = [Text(no_wrap=True, overflow="ellipsis")]
        for key, description, word, enabled in self._items:
            if key == help_key:
                continue
            item = self._item(
                key, self._short(description, word) if narrow else description, enabled
            )
            line = lines[-1]
            if line and cell_len(line.plain + gap + item.plain) > width and len(lines) < rows:
                line = Text(no_wrap=True, overflow="ellipsis")
                lines.append(line)
            room = width - (cell_len(gap + more.plain) if len(lines) == rows else 0)
            if cell_len(line.plain + (gap if line else "") + item.plain) > room:
                break
            if line:
                line.append(gap)
            line.append_text(item)
        last = lines[-1]
        if last:
            last.append(gap)
        last.append_text(more)
        return lines

    def _short(self, description: str, word: str) -> str:
        """A description's one word (`word`), unless another key's is the same (`Keep A's`,
        `Keep B's`): then the words that tell the keys apart stay."""
        alike = sum(1 for _, _, other, _ in self._items if other == word)
        return word if alike < 2 else description

    @staticmethod
    def _item(key: str, description: str, enabled: bool) -> Text:
        item = Text(no_wrap=True, overflow="ellipsis")
        item.append(key, style="bold reverse" if enabled else "dim")
        item.append(f" {description}", style="" if enabled else "dim")
        return item


def _together(keys: list[str]) -> str:
    """Keys shown as one: arrows side by side (\u2191\u2193), named keys apart (pgup/pgdn)."""
    return "".join(keys) if all(len(key) == 1 for key in keys) else "/".join(keys)


def _first_word(description: str) -> str:
    return (description.split() or [description])[0]


def _in_registry_order(screen: Screen) -> list:
    """The screen's active bindings, each node's in the registry's order: Textual puts a
    binding a keymap remapped after the others, which would move the keys a user chose to
    the end of the bar, the part cut first."""
    active = list(screen.active_bindings.values())
    nodes = {id(binding.node): rank for rank, binding in reversed(list(enumerate(active)))}
    return sorted(
        active,
        key=lambda binding: (nodes[id(binding.node)], REGISTRY_ORDER.get(binding.binding.id, -1)),
    )
