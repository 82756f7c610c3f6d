"""Turning user text into something safe to draw.

Notes are shown exactly as typed, but control characters (an ANSI escape pasted from a
terminal, a stray tab or newline) would move the cursor or recolour the screen if written raw,
so they are drawn as their visible Unicode "control picture" instead. Markup is never parsed:
callers build `Text`/`Content` objects, never markup strings.
"""

from __future__ import annotations

_CONTROL_PICTURES = {code: 0x2400 + code for code in range(0x20)}
_CONTROL_PICTURES[0x7F] = 0x2421
_CONTROL_PICTURES[0x09] = ord(" ")
_CONTROL_PICTURES[0x0A] = 0x23CE  # newline shown as ⏎ inside a note line


def visible(text: str) -> str:
    """`text` with control characters replaced by visible symbols."""
    if text.isprintable():
        return text
    return text.translate(_CONTROL_PICTURES)
