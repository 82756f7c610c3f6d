"""A note as a citable quote: the words, then who said them and when on the recording.

    “We gave up on day two” → `We gave up on day two — P7 (ops lead), 12:34`

What is kept and what goes:
- The inline syntax that says what kind of note it is goes: a leading `*` (starred), then a
  leading quote mark (`"`, `“`, `„`, `«`) with its matching closing mark at the end, or a
  leading `>`. Quote marks inside the words stay.
- Inline `#tags` and `!emotions` go: they are the note-taker's coding, not the participant's
  words, and a quote pasted into a report should not carry them. If nothing but tags is left,
  the text is kept with them rather than copying an empty quote.
- Everything else is copied exactly as typed: Unicode, `[brackets]` and any markup-looking
  characters (the clipboard is plain text); only the spaces before a removed tag go with it.
- The time is the recording's time (the interview clock's elapsed plus the session clock's
  recording offset), so the quote can be found in the recording; `mm:ss`, `h:mm:ss` past the
  hour, never negative.
"""

from __future__ import annotations

from tui.domain.notes import format_elapsed, inline_tokens

_CLOSERS = {'"': '"', "\u201c": "\u201d", "\u201e": "\u201c", "\u00ab": "\u00bb"}
"""Each opening quote mark and the mark that closes it."""


def quote_words(text: str) -> str:
    """The words of a note (or of a span of one) without its inline syntax."""
    body = text.strip()
    if body.startswith("*"):
        body = body[1:].lstrip()
    opener = body[:1]
    if opener in _CLOSERS:
        body = body[1:]
        closer = _CLOSERS[opener]
        words = _strip_marks(body)
        if words.endswith(closer):
            words = words[: -len(closer)].rstrip()
        return words or body.strip()
    if opener == ">":
        body = body[1:]
    return _strip_marks(body) or body.strip()


def _strip_marks(text: str) -> str:
    """`text` without its `#tags` and `!emotions` (as the note parser reads them), each with
    the spaces before it and a tag's trailing `-` or `/`."""
    pieces, at = [], 0
    for token in inline_tokens(text):
        start, end = token.start, token.end
        while start > at and text[start - 1] in " \t":
            start -= 1
        while token.kind == "tag" and end < len(text) and text[end] in "-/":
            end += 1
        pieces.append(text[at:start])
        at = end
    words = "".join(pieces) + text[at:]
    return "\n".join(line.strip() for line in words.split("\n")).strip()


def recording_time(elapsed: float, recording_offset: float = 0.0) -> str:
    """Where on the recording a note's moment is, as `mm:ss` (or `h:mm:ss`)."""
    return format_elapsed(float(elapsed or 0.0) + float(recording_offset or 0.0))


def citation(text: str, participant: str, elapsed: float, recording_offset: float = 0.0) -> str:
    """`words — PARTICIPANT, mm:ss`: what the copy keys put on the clipboard."""
    who = " ".join(participant.split())
    when = recording_time(elapsed, recording_offset)
    source = f"{who}, {when}" if who else when
    return f"{quote_words(text)} \u2014 {source}"
