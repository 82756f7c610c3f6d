"""A DataTable whose cursor is a row: home and end go to the first and last row, and the
keys its screen binds are the screen's.

DataTable binds home/end to scroll sideways (to the first or last column), which a table sized
to fit its columns never needs. As the focused widget it would also take Enter, the arrows,
home and end from the screen's own bindings, even once a keymap gave those keys to other
actions of the screen: a key the screen binds is declined here and goes on to the screen.
"""

from __future__ import annotations

from textual.widgets import DataTable

from tui.widgets.bindings import left_to_screen


class RowTable(DataTable):
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if left_to_screen(self, action):
            return False
        return super().check_action(action, parameters)

    def action_scroll_home(self) -> None:
        self.move_cursor(row=0)

    def action_scroll_end(self) -> None:
        self.move_cursor(row=max(0, self.row_count - 1))
