"""The README's key tables are where a newcomer learns the keys: each names every key of its
screen, so a binding added to the registry (`tui/services/actions.py`) and left out of the
README fails here rather than staying a key only F1 shows."""

from pathlib import Path

import pytest

from tui.services.actions import actions_for
from tui.services.keymap import typed_key

README = Path(__file__).resolve().parent.parent / "README.md"
TABLES = {
    "home": "### Sessions screen keys",
    "interview": "### Interview keys",
    "tagging": "### Tagging keys",
}
SPELLED = {
    "down": "↓",
    "up": "↑",
    "enter": "Enter",
    "escape": "Esc",
    "pagedown": "pgdn",
    "pageup": "pgup",
}
"""Textual's key names as the README writes them."""
IN_ANOTHER_ROW = {"tagging.span_": "v"}
"""Keys the README gives in the description of another key's row: a span's keys under `v`."""


def rows(heading: str) -> dict[str, str]:
    """The table under `heading`: its key cells, each with its description."""
    section = README.read_text(encoding="utf-8").split(heading, 1)[1].split("\n#", 1)[0]
    cells = (line.split(" | ", 1) for line in section.splitlines() if line.startswith("| "))
    return {key[2:]: what for key, what in cells if key not in ("| key", "| ---")}


def tokens(text: str) -> set[str]:
    words = {word.strip("(),") for word in text.split()}
    if "…" in words:  # "1 … 9"
        words |= {str(digit) for digit in range(1, 10)}
    return words


@pytest.mark.parametrize("screen", sorted(TABLES))
def test_every_key_of_a_screen_is_in_its_readme_table(screen):
    table = rows(TABLES[screen])
    named = set().union(*(tokens(key) for key in table))
    missing = []
    for spec in actions_for(screen):
        written = {SPELLED.get(key, typed_key(key)) for key in spec.keys.split(",")}
        row = next((r for prefix, r in IN_ANOTHER_ROW.items() if spec.id.startswith(prefix)), None)
        here = named if row is None else tokens(table[row]) | named
        if not written & here:
            missing.append(f"{spec.id} ({spec.keys})")
    assert not missing, f"README's {TABLES[screen]!r} table lacks: {', '.join(missing)}"


def test_the_tables_are_found_without_their_header_rows():
    for heading in TABLES.values():
        table = rows(heading)
        assert len(table) > 5 and not {"key", "---"} & set(table)
