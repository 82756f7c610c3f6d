"""Turning user text into something safe to draw.

Notes are shown exactly as typed, but control characters (an ANSI escape pasted from a
terminal, a C1 control some terminals obey as an escape, a stray tab or newline) would move the
cursor or recolour the screen if written raw, so they are drawn as visible symbols instead.
Markup is never parsed: callers build `Text`/`Content` objects, never markup strings.
"""

from __future__ import annotations

import unicodedata

_CONTROL_PICTURES = {code: 0x2400 + code for code in range(0x20)}
_CONTROL_PICTURES[0x7F] = 0x2421
_CONTROL_PICTURES[0x09] = ord(" ")
_CONTROL_PICTURES[0x0A] = 0x23CE  # newline shown as ⏎ inside a note line
_REPLACEMENT = "\ufffd"
# Characters `isprintable()` rejects but that draw harmlessly: format marks such as the
# zero-width joiner in emoji sequences and right-to-left marks in Hebrew or Arabic text.
_HARMLESS = {"Cf", "Zs"}


def visible(text: str) -> str:
    """`text` with every control character replaced by a visible symbol."""
    if text.isprintable():
        return text
    return "".join(_visible_char(char) for char in text)


def _visible_char(char: str) -> str:
    if char.isprintable():
        return char
    code = ord(char)
    if code in _CONTROL_PICTURES:
        return chr(_CONTROL_PICTURES[code])
    if unicodedata.category(char) in _HARMLESS:
        return char
    return _REPLACEMENT  # C1 controls, line/paragraph separators, surrogates, unassigned
