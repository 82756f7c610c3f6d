"""Labels of a pygal scatter chart that are never clipped and never overlap.

pygal prints each point's label at one fixed offset from its dot: a dot near the right edge
has its label cut by the edge ("pai" for "pain"), and dots close together print their labels
on top of each other. `place_labels` takes the chart pygal drew and moves each label to the
first free spot around its dot (right, left, above, below, then the corners), inside the
chart and clear of every dot and every label placed before it. Points at the same place share
one label. A label too long for any free spot is shortened to its short form (the tag's rank
in the table beside the chart); one for which even that finds no spot is left off, and the
caller says so under the chart.

Text widths are estimated (no font metrics without a browser): `CHAR_WIDTH` is on the wide
side for a sans-serif font, so a label takes at least the room it is given.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

CHAR_WIDTH = 0.62
"""An average character's width, in font sizes (sans-serif text runs 0.5-0.6)."""
GAP = 3.0
"""Room between a dot and its label, and around each label."""
LABEL_STYLE = (
    "text-anchor: start; font-size: {size}px; paint-order: stroke; stroke: #fff !important; "
    "stroke-width: 3px; stroke-linejoin: round"
)
"""A white halo under each label, so a guide line through it does not read as striking it out;
important, as pygal's style sheet takes every text's stroke off with `stroke: none !important`
(an important declaration in a style attribute outranks one in a style sheet)."""
_TRANSLATE = re.compile(r"translate\(\s*([-\d.]+)")


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return not (
            self.right + GAP <= other.left
            or other.right + GAP <= self.left
            or self.bottom + GAP <= other.top
            or other.bottom + GAP <= self.top
        )


class _Taken:
    """The boxes placed so far (dots and labels), filed under the cells of a grid that each
    reaches with GAP around it: a spot is tested against the boxes near it, not every one.
    Kept as plain (left, top, right, bottom) tuples: a crowded matrix tests thousands of
    spots, most of them taken."""

    CELL = 16.0
    """About a label's height: a spot then meets few boxes besides the ones it overlaps."""

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def add(self, box: Box) -> None:
        size, cells = self.CELL, self._cells
        edges = (box.left, box.top, box.right, box.bottom)
        for x in range(
            math.floor((box.left - GAP) / size), math.floor((box.right + GAP) / size) + 1
        ):
            for y in range(
                math.floor((box.top - GAP) / size), math.floor((box.bottom + GAP) / size) + 1
            ):
                cells.setdefault((x, y), []).append(edges)

    def overlaps(self, left: float, top: float, right: float, bottom: float) -> bool:
        """Whether a box with these edges overlaps one placed (as `Box.overlaps` tests)."""
        size, cells = self.CELL, self._cells
        for x in range(math.floor(left / size), math.floor(right / size) + 1):
            for y in range(math.floor(top / size), math.floor(bottom / size) + 1):
                for other_left, other_top, other_right, other_bottom in cells.get((x, y), ()):
                    if not (
                        right + GAP <= other_left
                        or other_right + GAP <= left
                        or bottom + GAP <= other_top
                        or other_bottom + GAP <= top
                    ):
                        return True
        return False


def _classes(node: ET.Element) -> set[str]:
    return set(node.get("class", "").split())


def _plot_groups(root: ET.Element) -> dict[str, ET.Element]:
    """The plot's groups by their role: `plot`, `overlay` (dots), `text-overlay` (labels)."""
    found = {}
    for node in root.iter("g"):
        classes = _classes(node)
        if "plot" in classes:
            role = next(
                (c for c in ("overlay", "text-overlay", "tooltip-overlay") if c in classes), "plot"
            )
            found.setdefault(role, node)
    return found


def place_labels(
    root: ET.Element,
    short: Callable[[str], str],
    *,
    font_size: float,
    dot_radius: float,
    label_offset: float,
) -> list[str]:
    """Move the labels pygal printed on `root` (its `print_labels`, drawn `label_offset` right
    of and below their dot) to free spots; `short(label)` is a label's short form. Returns the
    labels left off for want of room."""
    groups = _plot_groups(root)
    plot, texts = groups.get("plot"), groups.get("text-overlay")
    if plot is None or texts is None:
        return []
    origin = _TRANSLATE.search(plot.get("transform", ""))
    ox = float(origin.group(1)) if origin else 0.0
    background = next((n for n in plot if "background" in _classes(n)), None)
    height = float(background.get("height", 0)) if background is not None else 0.0
    width = float(root.get("viewBox", "0 0 0 0").split()[2])
    # Inside the plot (the axes' labels and titles are around it), and on the right as far as
    # the chart's own edge.
    bounds = Box(0.0, 0.0, width - ox - GAP, height)

    labelled: dict[tuple[float, float], list[ET.Element]] = {}
    parents: dict[ET.Element, ET.Element] = {}
    for parent in texts.iter("g"):
        for node in parent.findall("text"):
            if "label" in _classes(node):
                dot = (
                    round(float(node.get("x", 0)) - label_offset, 1),
                    round(float(node.get("y", 0)) - label_offset - label_offset / 3, 1),
                )
                labelled.setdefault(dot, []).append(node)
                parents[node] = parent

    taken = _Taken()
    for x, y in labelled:
        taken.add(Box(x - dot_radius, y - dot_radius, x + dot_radius, y + dot_radius))
    left_off: list[str] = []
    for (x, y), nodes in labelled.items():
        names = [node.text or "" for node in nodes]
        keep, *rest = nodes
        for node in rest:
            parents[node].remove(node)
        for text in (", ".join(names), ", ".join(short(name) for name in names)):
            box = _free_spot(x, y, text, font_size, dot_radius, bounds, taken)
            if box is not None:
                taken.add(box)
                keep.text = text
                keep.set("x", f"{box.left:.1f}")
                keep.set("y", f"{box.bottom - 0.2 * font_size:.1f}")
                # Inline, so pygal's stylesheet (which centres overlay text) does not move it;
                # a white halo keeps it readable across the grid lines.
                keep.set("style", LABEL_STYLE.format(size=font_size))
                break
        else:
            parents[keep].remove(keep)
            left_off += names
    return left_off


def _free_spot(
    x: float,
    y: float,
    text: str,
    font_size: float,
    radius: float,
    bounds: Box,
    taken: _Taken,
) -> Box | None:
    w, h = len(text) * CHAR_WIDTH * font_size, font_size
    near = radius + GAP
    spots = (
        (x + near, y - h / 2),  # right
        (x - near - w, y - h / 2),  # left
        (x - w / 2, y - near - h),  # above
        (x - w / 2, y + near),  # below
        (x + near, y - near - h),  # the corners
        (x + near, y + near),
        (x - near - w, y - near - h),
        (x - near - w, y + near),
    )
    for left, top in spots:
        right, bottom = left + w, top + h
        if (
            left >= bounds.left
            and right <= bounds.right
            and top >= bounds.top
            and bottom <= bounds.bottom
            and not taken.overlaps(left, top, right, bottom)
        ):
            return Box(left, top, right, bottom)
    return None
