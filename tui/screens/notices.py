"""Where notices show, on every screen: clear of its title and of what is being typed.

Textual stacks notices at the top right of the screen on view. Over a dialog that is where the
dialog's title is: at 40 columns a notice takes the width its words need, and "Clock running."
carried over from the interview covered the debrief's title; on a short dialog the notices
came down over its field. A screen names what notices keep clear of in `NOTICES_KEEP_CLEAR`
(a selector: a dialog's title unless it says otherwise), and the input that has the keys is
kept clear always. The notices take the first band of rows between those that holds them all,
else the tallest band (where they are cut, as a long list of them always was).
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, TextArea

KEEP_CLEAR = ".dialog-title"
"""What a screen that names nothing keeps clear of: its dialog's title."""
TOP = 1
"""The first row notices may take: the row above is a screen's header or a dialog's border."""

_placed: WeakKeyDictionary[Screen, tuple[int, int | None]] = WeakKeyDictionary()
"""Where each screen's notices were last put: placing them again lays the screen out again,
which places them again."""
_matched: WeakKeyDictionary[Screen, tuple[tuple[int, ...], list[Widget]]] = WeakKeyDictionary()
"""Each screen's widgets (by identity) and those of them its notices keep clear of."""


def free_bands(height: int, taken: list[tuple[int, int]]) -> list[tuple[int, int | None]]:
    """The bands of rows from TOP down that no `taken` span (first row, row after) touches, as
    (first row, rows); the last band, down to the bottom, has None rows: the stylesheet's
    limit holds there."""
    bands: list[tuple[int, int | None]] = []
    top = TOP
    for first, after in sorted(taken):
        if first > top:
            bands.append((top, first - top))
        top = max(top, after)
    if top < height:
        bands.append((top, None))
    return bands


def choose_band(
    bands: list[tuple[int, int | None]], height: int, rows: int
) -> tuple[int, int | None]:
    """The first band that holds `rows`, else the tallest (TOP when there is none)."""
    if not bands:
        return TOP, None
    for top, room in bands:
        if (height - top if room is None else room) >= rows:
            return top, room
    return max(bands, key=lambda band: height - band[0] if band[1] is None else band[1])


def place_notices(screen: Screen) -> None:
    """Move the screen's notices to the first band of rows clear of what it keeps clear of.
    Called at each layout of the screen, so it matches the selector only when the screen's
    widgets changed: matching took 0.25 ms a layout, walking them takes 0.01 ms."""
    try:
        rack = screen.get_child_by_id("textual-toastrack")
    except NoMatches:
        return  # no notices on this screen, or it is closing
    keep_clear = list(_keep_clear(screen))
    focused = screen.focused
    if isinstance(focused, Input | TextArea):
        keep_clear.append(focused)
    taken = [
        (widget.region.y, widget.region.bottom)
        for widget in keep_clear
        if widget.display and widget.region.height
    ]
    height = screen.size.height
    rows = sum(
        toast.outer_size.height + toast.styles.margin.top + toast.styles.margin.bottom
        for toast in rack.children
    )
    area = choose_band(free_bands(height, taken), height, max(1, rows))
    if _placed.get(screen) == area:
        return
    _placed[screen] = area
    top, room = area
    rack.styles.margin = (top, 0, 0, 0)
    rack.styles.max_height = room  # None: the stylesheet's share of the screen


def _keep_clear(screen: Screen) -> list[Widget]:
    """The widgets matching the screen's NOTICES_KEEP_CLEAR, matched again when its widgets
    are not the ones they were matched among."""
    widgets = tuple(map(id, screen.walk_children()))
    matched = _matched.get(screen)
    if matched is None or matched[0] != widgets:
        found = list(screen.query(getattr(screen, "NOTICES_KEEP_CLEAR", KEEP_CLEAR)))
        matched = _matched[screen] = (widgets, found)
    return matched[1]
