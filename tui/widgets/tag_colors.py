"""A tag's codebook colour as a Rich style, built from a parsed `Color`, never from markup.

The colour is whatever the user typed in the codebook (or another tool wrote to
codebook.json): a name (`green`), `#2a9d8f`, `rgb(…)` or `color(33)`. Anything else, and
anything that is not a string, is ignored: the tag is then drawn in the default tag style.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from rich.color import Color, ColorParseError
from rich.style import Style

from tui.domain.notes import tag_key


@lru_cache(maxsize=512)
def _parsed(color: str) -> Style | None:
    try:
        return Style(color=Color.parse(color))
    except ColorParseError:
        return None


def color_style(color: Any) -> Style | None:
    """The style for a stored colour, or None when there is none or it is not a colour."""
    if not isinstance(color, str) or not color.strip():
        return None
    return _parsed(color.strip())


def tag_styles(tags: Iterable[Mapping[str, Any]]) -> dict[str, Style]:
    """`tag_key` -> style, for the codebook tags that have a valid colour."""
    styles = {}
    for tag in tags:
        style = color_style(tag.get("color"))
        if style is not None and isinstance(tag.get("name"), str):
            styles[tag_key(tag["name"])] = style
    return styles
