"""Table columns that fit the terminal: no sideways scrolling at 80 columns, essentials at 40."""

from __future__ import annotations

from dataclasses import dataclass

NARROW = 60
CELL_PADDING = 2  # a DataTable cell's padding, left and right
SCROLLBAR = 2


@dataclass(frozen=True)
class Column:
    label: str
    width: int = 0
    """Fixed width; 0 for a column that takes a `share` of what is left."""
    share: int = 0
    essential: bool = True
    """Kept below NARROW columns; the others are dropped there."""


def fit(columns: list[Column], width: int) -> list[tuple[str, int]]:
    """(label, width) for each column shown at `width`, the flexible ones sharing the rest."""
    shown = [c for c in columns if c.essential or width >= NARROW]
    spare = width - SCROLLBAR - CELL_PADDING * len(shown) - sum(c.width for c in shown)
    shares = sum(c.share for c in shown) or 1
    return [(c.label, c.width or max(6, spare * c.share // shares)) for c in shown]
