"""The analysis screen's themes: a Line-API scroll view of rows of cells, drawn only when seen.

A DataTable re-renders every visible cell after a sort (about 65 ms of CPU for 36 rows of 8
cells here), over the 50 ms a re-sort may take. Here each row is drawn once into a strip kept
by its key, so a re-sort only reorders the keys and the next frame copies strips.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

CELL_PADDING = 1


class ThemeTable(ScrollView, can_focus=True, inherit_bindings=False):
    """Keys come from the screen's `analysis.*` bindings (ids, keymaps, help)."""

    COMPONENT_CLASSES = {"theme-table--cursor", "theme-table--bar"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.keys: list[str] = []
        """The rows' keys, in the order shown."""
        self.cells: dict[str, list[Text]] = {}
        self.widths: list[int] = []
        self.cursor = 0
        self._strips: dict[str, Strip] = {}

    @property
    def current_key(self) -> str | None:
        return self.keys[self.cursor] if self.keys else None

    def set_rows(
        self, widths: list[int], rows: dict[str, list[Text]], keep: str | None = None
    ) -> None:
        """New rows (key -> cells, in order), each cell cut to its column's width."""
        self.widths = widths
        self.cells = rows
        self._strips.clear()
        self._place(list(rows), keep)

    def reorder(self, keys: list[str]) -> None:
        """The same rows in a new order; the cursor stays on its row."""
        self._place(keys, self.current_key)

    def _place(self, keys: list[str], keep: str | None) -> None:
        self.keys = keys
        self.cursor = keys.index(keep) if keep in self.cells and keep in keys else 0
        self.virtual_size = Size(0, len(keys))
        self.refresh()
        self.call_after_refresh(self._keep_cursor_visible)

    def row_text(self, key: str) -> list[str]:
        """The row's cells as plain text."""
        return [cell.plain for cell in self.cells[key]]

    def move_to(self, index: int) -> None:
        if not self.keys:
            return
        self.cursor = max(0, min(index, len(self.keys) - 1))
        self._keep_cursor_visible()
        self.refresh()

    @property
    def page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _keep_cursor_visible(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        if self.cursor < self.scroll_y:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= self.scroll_y + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def on_click(self, event: events.Click) -> None:
        self.move_to(self.scroll_offset.y + event.y)

    def _strip(self, key: str) -> Strip:
        strip = self._strips.get(key)
        if strip is None:
            line = Text(no_wrap=True)
            pad = " " * CELL_PADDING
            for cell, width in zip(self.cells[key], self.widths, strict=False):
                cut = cell.copy()
                cut.truncate(width, overflow="ellipsis", pad=True)
                line.append(pad)
                line.append_text(cut)
                line.append(pad)
            base = self.rich_style
            strip = self._strips[key] = Strip(
                Segment(seg.text, base + seg.style if seg.style else base)
                for seg in line.render(self.app.console, end="")
            )
        return strip

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if row >= len(self.keys):
            return Strip.blank(width, base)
        strip = self._strip(self.keys[row])
        if row == self.cursor:
            # Over each cell's own style: applied under it (`Strip.apply_style`), the cells'
            # background hid the cursor's, and no row looked chosen.
            cursor = self.get_component_rich_style("theme-table--cursor")
            strip = Strip(Segment.apply_style(strip, post_style=cursor), strip.cell_length)
        return strip.crop_extend(0, width, base)
