"""A DataTable whose cursor is a row: home and end go to the first and last row.

DataTable binds home/end to scroll sideways (to the first or last column), which a table sized
to fit its columns never needs; as the focused widget, it would take those keys from the
screen's own first/last bindings.
"""

from __future__ import annotations

from textual.widgets import DataTable


class RowTable(DataTable):
    def action_scroll_home(self) -> None:
        self.move_cursor(row=0)

    def action_scroll_end(self) -> None:
        self.move_cursor(row=max(0, self.row_count - 1))
