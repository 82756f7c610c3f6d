"""A note as a citable line: the words, then who said them (or wrote them) and when.

Only words that were said are cited as someone's words: a quote (`"…`, `> …`) is the
participant's, a transcript cue its speaker's. Anything else (a paraphrase, a follow-up) is
the note-taker's, and its line says so:

    "We gave up on day two        → `We gave up on day two — P7 (ops lead), 12:34`
    Gave up on day two (a note)   → `Gave up on day two (note by Maya, interview with P7, 12:34)`

What is kept and what goes:
- The inline syntax that says what kind of note it is goes: a leading `*` (starred), a
  follow-up's leading `?`, then a leading quote mark (`"`, `“`, `„`, `«`) with its matching
  closing mark at the end, or a leading `>`. Quote marks inside the words stay. A note of
  several quoted parts (`"Does it talk?" - "Not really."`) keeps every mark, so no part loses
  one of its pair; a last part left unclosed is closed.
- Inline `#tags` and `!emotions` go: they are the note-taker's coding, not the participant's
  words, and a quote pasted into a report should not carry them. If nothing but tags is left,
  the text is kept with them rather than copying an empty quote.
- Everything else is copied exactly as typed: Unicode, `[brackets]` and any markup-looking
  characters (the clipboard is plain text); only the spaces before a removed tag go with it.
- The time is the recording's time (the interview clock's elapsed plus the session clock's
  recording offset), so the quote can be found in the recording; `mm:ss`, `h:mm:ss` past the
  hour, and signed (`-00:05`) for a note taken before the recording started.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from tui.domain.notes import NO_TIME, format_elapsed, inline_tokens, without_marks

_CLOSERS = {'"': '"', "\u201c": "\u201d", "\u201e": "\u201c", "\u00ab": "\u00bb"}
"""Each opening quote mark and the mark that closes it."""
_OPENERS = ("*", "?", ">", *_CLOSERS)
"""What a note's words may open with to say its kind (`quote_words` takes them off)."""
SAID_KINDS = ("quote", "transcript")
"""Notes whose words were said by someone: a quote (the participant's), a transcript cue (its
speaker's). Every other kind holds the note-taker's words."""
_NOTE_LABELS = {"followup": "follow-up"}
QUOTE_MARKS = frozenset({*_CLOSERS, *_CLOSERS.values()})


def is_said(kind: str | None) -> bool:
    """Whether a note of this kind may be cited as someone's words."""
    return kind in SAID_KINDS


def span_words(text: str, span: Mapping[str, Any]) -> str:
    """The characters of a note's `text` a span excerpt covers (its `start` and `end`, kept
    within the note as the REFI-QDA export keeps them: a negative start would slice from the
    note's end); the whole text when they are not offsets."""
    start, end = span.get("start"), span.get("end")
    if isinstance(start, int) and isinstance(end, int):
        start = max(0, min(start, len(text)))
        return text[start : max(start, end)]
    return text


def quote_words(text: str) -> str:
    """The words of a note (or of a span of one) without its inline syntax."""
    body = text.strip()
    if body.startswith("*"):
        body = body[1:].lstrip()
    if body.startswith("?"):  # a follow-up's mark
        body = body[1:].lstrip()
    opener = body[:1]
    if opener in _CLOSERS:
        closer = _CLOSERS[opener]
        words = _strip_marks(body[1:])
        inner = words[: -len(closer)] if words.endswith(closer) else words
        if closer in inner:
            return _closed(opener + words, opener, closer)
        return inner.rstrip() or body[1:].strip()
    if opener == ">":
        body = body[1:]
    return _strip_marks(body) or body.strip()


def with_verbatim(text: str, verbatim: str) -> str:
    """A quote's text with its words replaced by `verbatim` (what the transcript says was
    said), its inline syntax kept: a leading `*`, the opening mark (and the closing one, if it
    was closed), and every `#tag` and `!emotion`, after the words in the order typed."""
    head = len(text) - len(text.lstrip())
    if text[head : head + 1] == "*":
        head += 1
        head += len(text[head:]) - len(text[head:].lstrip())
    opener = text[head : head + 1]
    closer = _CLOSERS.get(opener)
    if closer is not None:
        head += 1
    elif opener == ">":
        head += 1
        head += len(text[head:]) - len(text[head:].lstrip(" \t"))
    body = text[head:]
    marks = [body[token.start : token.end] for token in inline_tokens(body)]
    closed = closer is not None and _strip_marks(body).endswith(closer)
    return (
        text[:head]
        + " ".join(verbatim.split())
        + (closer if closed else "")
        + "".join(" " + mark for mark in marks)
    )


def _closed(words: str, opener: str, closer: str) -> str:
    """Several quoted parts, as typed, with a last part left open given its closing mark."""
    if opener == closer:
        unclosed = words.count(opener) % 2 == 1
    else:
        unclosed = words.count(opener) > words.count(closer)
    return words + closer if unclosed else words


def quote_lengths(texts: Sequence[str]) -> list[int]:
    """`len(quote_words(text))` of each text (a study index measures every tagged note's
    quote). Texts of one line that open with no mark of a kind of note (most) are cut of
    their marks together, as one text of many lines: neither a mark nor the spaces cut
    before it go past a line break."""
    bodies = [text.strip() for text in texts]
    lengths = [0] * len(texts)
    plain = []
    for i, body in enumerate(bodies):
        if "\n" in body or body.startswith(_OPENERS):
            lengths[i] = len(quote_words(texts[i]))
        else:
            plain.append(i)
    if plain:
        cut = without_marks("\n".join([bodies[i] for i in plain])).split("\n")
        for i, words in zip(plain, cut, strict=True):
            lengths[i] = len(words.strip()) or len(bodies[i])  # all marks: the text as typed
    return lengths


def _strip_marks(text: str) -> str:
    """`text` without its `#tags` and `!emotions` (as the note parser reads them), each with
    the spaces before it and a tag's trailing `-` or `/`; each line trimmed."""
    words = without_marks(text)
    if "\n" not in words:  # most notes: one line
        return words.strip()
    return "\n".join(line.strip() for line in words.split("\n")).strip()


def signed_time(seconds: float) -> str:
    """A moment as `mm:ss` (or `h:mm:ss`) from a zero it may fall before: a moment before it is
    its whole seconds before it, signed (`-00:05` for 4.5 s before), never `00:00`, the zero
    itself; so two moments a whole number of seconds apart read that far apart."""
    seconds = float(seconds or 0.0)
    if seconds >= 0:
        return format_elapsed(seconds)
    before = format_elapsed(-math.floor(seconds)) if math.isfinite(seconds) else NO_TIME
    return before if before == NO_TIME else "-" + before  # no time at all: no sign either


def recording_time(elapsed: float, recording_offset: float = 0.0) -> str:
    """Where on the recording a note's moment is, as `mm:ss` (or `h:mm:ss`); a note taken
    before the recording started (the recording offset puts it before the recording's zero)
    is signed, `-00:05`, never `00:00`, which would say it was at the recording's start."""
    return signed_time(float(elapsed or 0.0) + float(recording_offset or 0.0))


def signed_offset(seconds: float) -> str:
    """A recording's offset from the session's clock as attach takes it: `+00:30`, `-00:45`."""
    return ("-" if seconds < 0 else "+") + format_elapsed(abs(float(seconds or 0.0)))


def recording_times_said(recording_offset: float) -> str:
    """Which time a list of the recording's times gives, against the tagging screen's clock:
    `times on the recording, 00:08 after the session's clock (offset +00:08)`."""
    offset = float(recording_offset or 0.0)
    if not offset:
        return "times on the recording, which the session's clock keeps (offset +00:00)"
    how = "after" if offset > 0 else "before"
    return (
        f"times on the recording, {format_elapsed(abs(offset))} {how} the session's clock "
        f"(offset {signed_offset(offset)})"
    )


def clock_and_recording(elapsed: float, recording_offset: float = 0.0) -> str:
    """A note's moment on the session's clock (as the tagging screen and `fieldnote agree`
    list it) and, where the recording is offset from that clock, its place on the recording,
    which the report and the analysis cite: `01:25 (rec 01:33)`; `01:25` with no offset.
    A moment before either zero is the whole seconds before it, signed (`signed_time`), so
    the two times differ by the offset as a later moment's do: a cue said before the clock
    started is `-00:05 (rec 00:00)`, a note taken before the recording started
    `00:10 (rec -00:05)`, never `00:00`, which would say it was at that zero."""
    clock = signed_time(elapsed)
    if not recording_offset:
        return clock
    return f"{clock} (rec {recording_time(elapsed, recording_offset)})"


def citation(text: str, speaker: str, elapsed: float, recording_offset: float = 0.0) -> str:
    """`words — SPEAKER, mm:ss`: words that were said, with who said them."""
    who = " ".join(speaker.split())
    when = recording_time(elapsed, recording_offset)
    source = f"{who}, {when}" if who else when
    return f"{quote_words(text)} \u2014 {source}"


def note_label(kind: str | None, author: str) -> str:
    """`note by Maya`, `follow-up by Maya`: whose words a note that is not a quote holds."""
    what = _NOTE_LABELS.get(kind or "", "note")
    who = " ".join(author.split())
    return f"{what} by {who}" if who else what


def note_citation(
    text: str,
    kind: str | None,
    author: str,
    participant: str,
    elapsed: float,
    recording_offset: float = 0.0,
) -> str:
    """`words (note by AUTHOR, interview with PARTICIPANT, mm:ss)`: a note-taker's words,
    labelled as theirs and never as the participant's."""
    parts = [note_label(kind, author)]
    who = " ".join(participant.split())
    if who:
        parts.append(f"interview with {who}")
    parts.append(recording_time(elapsed, recording_offset))
    return f"{quote_words(text)} ({', '.join(parts)})"


def cite(
    text: str,
    kind: str | None,
    *,
    author: str,
    participant: str,
    elapsed: float,
    recording_offset: float = 0.0,
) -> str:
    """What the copy keys put on the clipboard for a note (or a span of one): a quote with
    the participant, a transcript cue with its speaker (its author), anything else labelled
    as the note-taker's."""
    if kind == "transcript":
        return citation(text, author, elapsed, recording_offset)
    if kind == "quote":
        return citation(text, participant, elapsed, recording_offset)
    return note_citation(text, kind, author, participant, elapsed, recording_offset)
