"""Table columns that fit the terminal: no sideways scrolling at 80 columns, essentials at 40."""

from __future__ import annotations

from dataclasses import dataclass

NARROW = 60
CELL_PADDING = 2  # a DataTable cell's padding, left and right
SCROLLBAR = 2
MIN_SHARE = 6


@dataclass(frozen=True)
class Column:
    label: str
    width: int = 0
    """Fixed width; 0 for a column that takes a `share` of what is left."""
    share: int = 0
    essential: bool = True
    """Kept below NARROW columns; the others are dropped there, and wherever a header would be
    cut or a flexible column be narrower than its `least`, the rightmost first (so list
    columns in the order they matter)."""
    narrow: bool = False
    """A column that is not essential but still shown below NARROW columns while there is
    room for it (a chart beside the name it charts)."""
    least: int = MIN_SHARE
    """A flexible column's narrowest useful width: a column that can give way does, sooner
    than leave this one narrower."""
    short: str = ""
    """The header below NARROW columns (`Exc` for `Excerpts`): a fixed column is then as wide
    as it and `width`, and gives the rest to the names."""

    def header(self, narrow: bool) -> str:
        return self.short if narrow and self.short else self.label


def fit(columns: list[Column], width: int) -> list[tuple[str, int]]:
    """(label, width) for each column shown at `width`, the flexible ones sharing the rest.

    A header is never cut, nor a flexible column narrower than its `least`, while a column
    can give way: the rightmost non-essential column is dropped and the rest share its room.
    """
    narrow = width < NARROW
    shown = [c for c in columns if c.essential or c.narrow or not narrow]
    while True:
        widths = _share(shown, width, narrow)
        cut = any(
            w < max(len(c.header(narrow)), 0 if c.width else c.least)
            for c, w in zip(shown, widths, strict=True)
        )
        optional = [c for c in shown if not c.essential]
        if not cut or not optional:
            return [
                (c.label, w if c.width else max(MIN_SHARE, w))
                for c, w in zip(shown, widths, strict=True)
            ]
        shown.remove(optional[-1])


def _share(shown: list[Column], width: int, narrow: bool) -> list[int]:
    """Each column's width; a flexible one's may be below MIN_SHARE here (`fit` checks it)."""
    fixed = [max(c.width, len(c.header(narrow))) if c.width else 0 for c in shown]
    spare = width - SCROLLBAR - CELL_PADDING * len(shown) - sum(fixed)
    shares = sum(c.share for c in shown if not c.width) or 1
    return [w or spare * c.share // shares for c, w in zip(shown, fixed, strict=True)]
