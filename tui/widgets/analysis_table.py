"""A DataTable for the analysis screen that leaves Enter to the screen.

DataTable binds Enter itself (select the row), which would hide the screen's "Evidence" key
from the key bar and keep a keymap from moving it elsewhere. Disabling that one action passes
the key on to the screen; every other key of the table stays.
"""

from __future__ import annotations

from textual.widgets import DataTable

from tui.widgets.bindings import left_to_screen


class AnalysisTable(DataTable):
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The other keys the screen binds are the screen's too, as on a RowTable.
        if action == "select_cursor" or left_to_screen(self, action):
            return False
        return super().check_action(action, parameters)
