"""Turning user text into something safe to draw on a terminal: the one function for it.

Notes are shown exactly as typed, but control characters (an ANSI escape pasted from a
terminal, a C1 control some terminals obey as an escape, a stray tab or newline) would move the
cursor or recolour the screen if written raw, so they are drawn as visible symbols instead.
Bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069) would reorder the rest of a
line (a title could make a listing lie about what follows it), so they are replaced too; the
plain direction marks (U+200E, U+200F) that right-to-left text needs are kept.
The UI draws with it and every CLI line that echoes a user string goes through it.
Markup is never parsed: callers build `Text`/`Content` objects, never markup strings.
"""

from __future__ import annotations

import unicodedata

TAG_LABEL_CHARS = 200
"""A tag name is cut to this on screens and in reports: a stored name of any length (an old
file, another tool) takes at most a few lines."""

_CONTROL_PICTURES = {code: 0x2400 + code for code in range(0x20)}
_CONTROL_PICTURES[0x7F] = 0x2421
_CONTROL_PICTURES[0x09] = ord(" ")
_CONTROL_PICTURES[0x0A] = 0x23CE  # newline shown as ⏎ inside a note line
_REPLACEMENT = "\ufffd"
# Characters `isprintable()` rejects but that draw harmlessly: format marks such as the
# zero-width joiner in emoji sequences and right-to-left marks in Hebrew or Arabic text.
_HARMLESS = {"Cf", "Zs"}
_BIDI_CONTROLS = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))


def visible(text: str) -> str:
    """`text` with every control character replaced by a visible symbol."""
    if text.isprintable():
        return text  # bidi controls are not printable, so this never skips them
    return "".join(_visible_char(char) for char in text)


def visible_lines(text: str) -> str:
    """`text` made `visible` line by line: its own line breaks kept, every other control
    character shown as a symbol (a message of several sentences, one a line)."""
    return "\n".join(visible(line) for line in text.split("\n"))


def tag_label(name: str, limit: int = TAG_LABEL_CHARS) -> str:
    """A tag name made `visible`, cut to `limit` characters with `…`: a file written before
    tags had a limit (or by another tool) may hold a name of any length, and no screen or
    report line should be given all of it."""
    if len(name) > limit:
        name = name[: max(limit - 1, 1)] + "\u2026"
    return visible(name)


def _visible_char(char: str) -> str:
    if char.isprintable():
        return char
    code = ord(char)
    if code in _BIDI_CONTROLS:
        return _REPLACEMENT
    if code in _CONTROL_PICTURES:
        return chr(_CONTROL_PICTURES[code])
    if unicodedata.category(char) in _HARMLESS:
        return char
    return _REPLACEMENT  # C1 controls, line/paragraph separators, surrogates, unassigned


def cut(text: str, cells: int) -> str:
    """`text` made `visible`, cut to at most `cells` terminal cells with an ellipsis: one
    field of a listing (a title of 100,000 characters) keeps to its line."""
    # A character takes a cell at least, so no more than `cells + 1` of them can matter:
    # a huge text costs no more than a short one.
    shown = visible(text[: cells + 1])
    used = 0
    for index, char in enumerate(shown):
        used += _cells(char)
        if used > cells:
            kept = shown[:index]
            used -= _cells(char)
            while kept and used > cells - 1:  # room for the ellipsis
                used -= _cells(kept[-1])
                kept = kept[:-1]
            return kept + "\u2026"
    return shown


def cut_start(text: str, cells: int) -> str:
    """`text` made `visible`, its start cut off with an ellipsis so that it takes at most
    `cells` terminal cells: for a name whose end tells it apart (`workaround/spreadsheet`)."""
    return cut(text[::-1], cells)[::-1]  # the ellipsis `cut` puts at the end goes first


def cut_words(text: str, limit: int) -> str:
    """`text` whole when it has at most `limit` characters, else its words up to the last
    break at or before `limit` (`_breaks_before`), without the space or a `,;:` before it;
    never part of a word, but for a first "word" longer than `limit` (a pasted blob, an
    address), which no reader reads as one: it is cut at `limit`, between whole characters
    (`_joins`); kept whole, a 1 MB run took the report seconds and megabytes. The caller
    marks the cut (a report's `[…]`): a `…` of the text's own may be someone trailing off."""
    if len(text) <= limit:
        return text
    at = next((i for i in range(limit, 0, -1) if _breaks_before(text, i)), None)
    if at is None:
        at = next((i for i in range(limit, 0, -1) if _between_characters(text, i)), limit)
    return text[:at].rstrip().rstrip(",;:").rstrip() or text[:at]


def _between_characters(text: str, at: int) -> bool:
    """Whether `text[at]` starts a character of its own (not part of the one before it)."""
    return not _joins(text[at]) and text[at - 1] != ZWJ


def _breaks_before(text: str, at: int) -> bool:
    """Whether a line may break before `text[at]`: at any space (a tab, an ideographic space),
    and beside a wide character, which Japanese and Chinese write with no space between
    words; never inside a character drawn from several (`_joins`)."""
    if not _between_characters(text, at):
        return False
    return text[at].isspace() or _cells(text[at]) == 2 or _cells(text[at - 1]) == 2


ZWJ = "\u200d"
"""The zero-width joiner: the emoji either side of it are drawn as one (👩‍💻)."""


def _joins(char: str) -> bool:
    """Whether `char` belongs to the character before it: a combining mark (`が` typed as
    `か` and its voiced mark), a joiner, a variation selector or an emoji's skin tone."""
    point = ord(char)
    return (
        unicodedata.combining(char) != 0
        or char == ZWJ
        or 0xFE00 <= point <= 0xFE0F
        or 0x1F3FB <= point <= 0x1F3FF
        or 0xE0020 <= point <= 0xE007F
    )


def _cells(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def count_of(number: int, noun: str) -> str:
    """`1 session`, `3 sessions`: a count with its noun (one that takes an s)."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
