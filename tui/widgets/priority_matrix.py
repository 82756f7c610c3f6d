"""The priority matrix drawn in the terminal: how widespread (share of participants, across)
against how painful (mean severity, up), split into four quadrants.

Each tag is drawn as its rank in the ranked list beside it (1-9, then a-z); where two land on
one cell a `+` stands for both. The axes and quadrant names are drawn in the space left (a
name a tag is in the way of, a row further in).
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from tui.domain.analysis import PAINFUL_SEVERITY, QUADRANTS, WIDESPREAD_SHARE, MatrixPoint

MARKS = "123456789abcdefghijklmnopqrstuvwxyz"
"""The symbol of each rank; tags ranked beyond these are left out of the drawing."""
Y_AXIS = 3
"""Columns for the severity labels and the axis line."""


def mark(rank: int) -> str:
    """The symbol drawn for the tag ranked `rank` (0-based), or "" if beyond the drawing."""
    return MARKS[rank] if rank < len(MARKS) else ""


class PriorityMatrix(Widget):
    """Draws `points` (in rank order) to its size; `show` hands it new ones."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.points: list[MatrixPoint] = []

    def show(self, points: list[MatrixPoint]) -> None:
        self.points = points
        self.refresh()

    def render(self) -> Text:
        return draw(self.points, self.size.width, self.size.height)


def draw(points: list[MatrixPoint], width: int, height: int) -> Text:
    """The matrix as `height` lines of `width` cells."""
    cols = max(width - Y_AXIS, 8)
    rows = max(height - 2, 5)
    cells: list[list[tuple[str, str]]] = [[(" ", "")] * cols for _ in range(rows)]

    def col_of(share: float) -> int:
        return min(cols - 1, max(0, round(share * (cols - 1))))

    def row_of(severity: float) -> int:
        return min(rows - 1, max(0, round((5.0 - severity) / 4.0 * (rows - 1))))

    mid_col, mid_row = col_of(WIDESPREAD_SHARE), row_of(PAINFUL_SEVERITY)
    for r in range(rows):
        cells[r][mid_col] = ("\u2502", "dim")
    for c in range(cols):
        cells[mid_row][c] = ("\u253c" if c == mid_col else "\u2500", "dim")

    act, few, mild, watch = QUADRANTS
    marked: set[tuple[int, int]] = set()
    for rank, point in enumerate(points):
        symbol = mark(rank)
        if not symbol:
            break
        r = row_of(point.theme.mean_severity or 0.0)
        c = col_of(point.theme.share)
        style = "bold reverse" if point.quadrant == act else "bold"
        cells[r][c] = ("+" if (r, c) in marked else symbol, style)
        marked.add((r, c))

    def label(rows_to_try: tuple[int, ...], text: str, right: bool) -> None:
        """The quadrant's name in its corner, or a row further in where a tag is in the way
        (drawn over, "painful for a few" read "painful f9r a few"); none if no row is free."""
        start = cols - len(text) if right else 0
        span = range(mid_col + 1, cols) if right else range(0, mid_col)
        if len(text) > len(span):
            return
        for row in rows_to_try:
            taken = any((row, start + i) in marked for i in range(len(text)))
            if row != mid_row and not taken:
                for i, ch in enumerate(text):
                    cells[row][start + i] = (ch, "dim italic")
                return

    top, bottom = (0, 1), (rows - 1, rows - 2)
    label(top, act, right=True)
    label(top, few, right=False)
    label(bottom, mild, right=True)
    label(bottom, watch, right=False)

    ticks = {row_of(level): f"{level}\u2524" for level in range(1, 6)}
    text = Text(no_wrap=True, overflow="crop")
    for r in range(rows):
        text.append(ticks.get(r, "\u2502").rjust(Y_AXIS), style="dim")
        for ch, style in cells[r]:
            text.append(ch, style=style)
        text.append("\n")
    text.append(" " * (Y_AXIS - 1) + "\u2514" + "\u2500" * cols + "\n", style="dim")
    axis = f"0%{'share of participants':^{max(cols - 6, 0)}}100%"
    text.append(" " * Y_AXIS + axis[:cols], style="dim")
    return text
