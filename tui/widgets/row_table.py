"""A DataTable whose cursor is a row: home and end go to the first and last row, and Enter is
the screen's.

DataTable binds home/end to scroll sideways (to the first or last column), which a table sized
to fit its columns never needs; as the focused widget, it would take those keys from the
screen's own first/last bindings. It binds Enter too, unnamed (it selects the row): as the
focused widget's, that binding hid the screen's own Enter (`Enter Open`) from the key bar.
"""

from __future__ import annotations

from textual.widgets import DataTable


class RowTable(DataTable):
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Off, DataTable's select leaves Enter to the next binding of the key, the screen's:
        # the key bar names it and Enter runs it.
        return action != "select_cursor" and super().check_action(action, parameters)

    def action_scroll_home(self) -> None:
        self.move_cursor(row=0)

    def action_scroll_end(self) -> None:
        self.move_cursor(row=max(0, self.row_count - 1))
