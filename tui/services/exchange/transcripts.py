"""Transcripts in: WebVTT, SRT and plain `Name: text` lines, each cue a note of kind transcript.

webvtt-py and srt parse the files and their timings. Added on top of them here:
- speakers: WebVTT `<v Name>` voice spans (several in one cue make several notes), SRT
  `[SPEAKER_00]:` labels (WhisperX), and `Name: text` lines as Zoom and Teams write them, or
  plain lines with an optional `[h:mm:ss]` time. A `Name:` label is a speaker only when it
  looks like a name (at most four words, no sentence punctuation) and the file is written that
  way: the label recurs, or nearly every cue carries a recurring label and this one is
  capitalised like a name. "then we hit the problem: how to make the" stays text;
- non-speech cues (`[Music]`, `(laughs)`, `[action] she bangs it`): kept as notes with
  `speech: false`, their author the speaker only when the cue names one;
- cue end times, kept as `ends_elapsed`;
- multi-line cues joined into one line, cue tags stripped, entities (`&amp;`) unescaped;
- errors with a line number: bad UTF-8, broken, backwards or impossible timings (minutes past
  59, times past 1,000 hours), checked before the library sees them, as webvtt-py reports no
  lines and srt overflows; a missing header;
- limits no real recording reaches (`MAX_CUES` cues, `MAX_LINES` lines), checked before
  parsing, so a hostile file costs little memory;
- a BOM and CRLF line ends are accepted;
- an SRT block with no timing line after a cue, which srt appends to that cue (its number
  too), is a cue of its own between its neighbours, with a notice naming its line.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tui.domain.clock import InterviewClock, to_iso
from tui.domain.display_text import visible
from tui.domain.guide import Guide
from tui.domain.notes import Note, format_elapsed, new_id
from tui.services.exchange.errors import ExchangeError, bad_file
from tui.services.exchange.study import SessionData

TRANSCRIPT_SUFFIXES = (".vtt", ".srt", ".txt", ".text", ".md")
MAX_HOURS = 1000
"""A cue time past this many hours is refused (no recording is that long)."""
MAX_CUES = 50_000
"""Cues (or plain-text notes) one transcript may hold: a cue every two seconds for 27 hours."""
MAX_LINES = 8 * MAX_CUES
MAX_TRANSCRIPT_BYTES = 16 * 1024 * 1024
"""Bytes a transcript file (or a REFI-QDA source text) may have; hours of talk take ~1 MB."""

_NAME = r"[^\W\d_][\w .'\-]{0,39}?"
_SPEAKER_LINE = re.compile(rf"^(?P<name>{_NAME}):\s+(?P<text>\S.*)$")
_LABEL_LINE = re.compile(r"^\[(?P<name>[^\]\n]{1,40})\]:\s*(?P<text>.*)$")
_TIME = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_PLAIN_LINE = re.compile(
    rf"^(?:\[(?P<time>{_TIME})\][ \t]*|(?P<bare>{_TIME})[ \t]+)?"
    rf"(?P<name>{_NAME}):[ \t]+(?P<text>\S)"
)
_VTT_TIMING = re.compile(
    r"^\s*(?P<start>(?:\d+:)?\d{2}:\d{2}\.\d{3})\s+-->\s+(?P<end>(?:\d+:)?\d{2}:\d{2}\.\d{3})"
    r"(?:\s.*)?$"
)
_SRT_TIMING = re.compile(
    r"^\s*(?P<start>\d+:\d+:\d+(?:[,.]\d+)?)\s*-->\s*(?P<end>\d+:\d+:\d+(?:[,.]\d+)?)"
)
_VOICE = re.compile(r"<v(?:\.[\w.-]+)*\s+([^>]*)>")
_TAG = re.compile(r"<[^>]*>")
_NON_SPEECH = re.compile(r"^(?:\[[^\]]*\].*|\([^)]*\)|\u266a.*)$", re.DOTALL)
"""A cue wholly in parentheses (`(laughs)`), opening with a bracketed label (`[Music]`,
`[action] ...`, `[caption] ...`) or a music note: no one's words."""
_SENTENCE_MARKS = re.compile(r"[.!?]\s")


class TranscriptError(ValueError):
    """A transcript that cannot be read: `problem` is a phrase, `where` says the line."""

    def __init__(self, problem: str, where: str = "") -> None:
        super().__init__(problem)
        self.problem, self.where = problem, where


DIGEST_FIELD = "source_sha256"
"""The session record's field holding the SHA-256 of the transcript file it was imported
from: what knows the same transcript imported again, as it has no id of its own."""


@dataclass
class Cue:
    start: float
    end: float | None
    """None when the file gives no end (plain lines)."""
    speaker: str
    text: str


@dataclass
class Segment:
    """One note of a plain-text transcript, and where its text sits in that text."""

    offset: int
    text: str
    speaker: str
    start: float


def is_speech(text: str) -> bool:
    """False for a non-speech cue: `[Music]`, `(laughs)`, `[action] she bangs it`."""
    return _NON_SPEECH.match(text.strip()) is None


def decode(raw: bytes, path: Path) -> str:
    """UTF-8 text (a BOM dropped, line ends made `\\n`); a sentence with the line otherwise."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise bad_file(
            path, "it is not UTF-8 text; save it as UTF-8 and try again.", where=f"line {line}"
        ) from None
    if "\0" in text:
        # UTF-16 without its byte order mark decodes as UTF-8 with a NUL every other byte,
        # and a binary file holds them too: neither is a transcript anyone typed.
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise bad_file(
            path,
            "it is not UTF-8 text (it holds NUL bytes, as UTF-16 text or a binary file does); "
            "save it as UTF-8 and try again.",
            where=f"line {line}",
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise bad_file(path, "it is empty; it holds no cue.")
    return text


def seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    value = 0.0
    for part in parts:
        value = value * 60 + float(part)
    return value


def time_problem(stamp: str) -> str | None:
    """Why `stamp` is no time a recording has, or None."""
    parts = stamp.replace(",", ".").split(":")
    if any(float(part) >= 60 for part in parts[1:]):
        return f"the time {stamp} is no time (minutes and seconds run to 59)"
    if seconds(stamp) > MAX_HOURS * 3600:
        return f"the time {stamp} is past {MAX_HOURS:,} hours, longer than any recording"
    return None


def _checked_times(text: str, timing: re.Pattern[str]) -> int:
    """Every `start --> end` line of `text` checked (a sentence naming the line otherwise);
    the number of cues. Runs before the library parses, with the limits checked first."""
    if text.count("\n") > MAX_LINES:
        raise TranscriptError(
            f"it has more than {MAX_LINES:,} lines, more than any transcript; split it"
        )
    number, cues, at = 1, 0, 0
    for arrow in re.finditer("-->", text):
        begin = text.rfind("\n", 0, arrow.start()) + 1
        if cues and begin == at:
            continue  # a second arrow on a line already checked
        number += text.count("\n", at, begin)
        stop = text.find("\n", arrow.end())
        line = text[begin : stop if stop >= 0 else len(text)]
        at = begin
        cues += 1
        if cues > MAX_CUES:
            raise TranscriptError(
                f"it holds more than {MAX_CUES:,} cues, more than any recording; split it"
            )
        match = timing.match(line)
        if match is None:
            if timing is _SRT_TIMING:
                continue  # srt says which block is broken
            raise TranscriptError(
                "the cue timing is broken; write it as 00:01:02.000 --> 00:01:05.000",
                f"line {number}",
            )
        for stamp in (match.group("start"), match.group("end")):
            if (problem := time_problem(stamp)) is not None:
                raise TranscriptError(problem, f"line {number}")
        if seconds(match.group("end")) < seconds(match.group("start")):
            raise TranscriptError("the cue ends before it starts", f"line {number}")
    return cues


_VTT_BLOCK_KEYWORD = re.compile(r"^(?:NOTE|STYLE|REGION)(?:[ \t]|$)")
_LOOKS_TIMED = re.compile(r"\d:\d\d")


def _checked_vtt_blocks(text: str) -> None:
    """Every block of a WebVTT file after its header is a comment, a style, a region or a
    cue with its `-->` timing on its first or second line: webvtt-py skips any other block,
    and with it a cue whose timing was mistyped (`->`), so that is a sentence naming the line."""
    number = 1
    for index, block in enumerate(text.split("\n\n")):
        lines = block.split("\n")
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        head = lines[first : first + 2] if first is not None else []
        if index and head and not _VTT_BLOCK_KEYWORD.match(head[0]):
            if not any("-->" in line for line in head):
                timed = [i for i, line in enumerate(head) if _LOOKS_TIMED.search(line)]
                raise TranscriptError(
                    "the cue timing is broken; write it as 00:01:02.000 --> 00:01:05.000",
                    f"line {number + first + (timed[0] if timed else 0)}",
                )
        number += len(lines) + 1


def _looks_like_name(label: str) -> bool:
    return len(label.split()) <= 4 and not _SENTENCE_MARKS.search(label + " ")


def _capitalised(label: str) -> bool:
    return all(not word[0].isalpha() or word[0].isupper() for word in label.split())


def speaker_labels(labels: Iterable[str], units: int) -> frozenset[str]:
    """Which `Name:` labels found at the start of lines are speakers. `units` is how many
    cues (or paragraphs) the file has. A label must look like a name and recur; when some
    label recurs and nearly every unit opens with a label, a label used once counts too if
    it is capitalised like a name (a guest who says one thing)."""
    counts = Counter(label for label in labels if _looks_like_name(label))
    recurring = {label for label, n in counts.items() if n >= 2}
    if recurring and counts.total() * 5 >= units * 4:
        return frozenset(recurring | {label for label in counts if _capitalised(label)})
    return frozenset(recurring)


def _label(line: str) -> str | None:
    match = _SPEAKER_LINE.match(line.strip())
    return match.group("name").strip() if match else None


def _clean(text: str) -> str:
    return html.unescape(_TAG.sub("", text)).strip()


def _joined(lines: list[str]) -> str:
    return " ".join(part for part in (line.strip() for line in lines) if part)


def _split_speakers(
    lines: list[str], start: float, end: float, speakers: frozenset[str], speaker: str = ""
) -> list[Cue]:
    """Cue lines into one cue per speaker: a `[LABEL]: text` line, or a `Name: text` line whose
    name is one of `speakers`, starts a new speaker; other lines continue the current one."""
    cues: list[Cue] = []
    current: list[str] = []

    def close() -> None:
        text = _joined(current)
        if text:
            cues.append(Cue(start, end, speaker, text))

    for line in lines:
        match = _LABEL_LINE.match(line.strip())
        if match is None and _label(line) in speakers:
            match = _SPEAKER_LINE.match(line.strip())
        if match:
            close()
            speaker, current = match.group("name").strip(), [match.group("text")]
        else:
            current.append(line)
    close()
    return cues


def _labelled_cues(pending: list[tuple[float, float, list[str]] | list[Cue]]) -> list[Cue]:
    """Cues in file order: those still as lines are split by the file's speaker labels."""
    line_cues = [item for item in pending if isinstance(item, tuple)]
    labels = [label for _, _, lines in line_cues for line in lines if (label := _label(line))]
    speakers = speaker_labels(labels, len(pending))
    cues: list[Cue] = []
    for item in pending:
        if isinstance(item, tuple):
            cues += _split_speakers(item[2], item[0], item[1], speakers)
        else:
            cues += item
    return cues


def parse_vtt(text: str, path: Path) -> list[Cue]:
    if not text.startswith("WEBVTT"):
        raise bad_file(
            path, "it does not start with WEBVTT, so it is no WebVTT file.", where="line 1"
        )
    _checked_times(text, _VTT_TIMING)
    _checked_vtt_blocks(text)
    # Imported here: only an import of a WebVTT file needs them, not every start-up.
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    try:
        captions = webvtt.from_string(text).captions
    except (MalformedFileError, MalformedCaptionError) as error:
        raise bad_file(path, f"it is not valid WebVTT ({error}).") from None
    pending: list[tuple[float, float, list[str]] | list[Cue]] = []
    for caption in captions:
        start, end = seconds(caption.start), seconds(caption.end)
        raw = caption.raw_text
        voices = list(_VOICE.finditer(raw))
        if not voices:
            pending.append((start, end, [_clean(line) for line in raw.split("\n")]))
            continue
        cues = []
        before = _joined([_clean(line) for line in raw[: voices[0].start()].split("\n")])
        if before:
            cues.append(Cue(start, end, "", before))
        for index, voice in enumerate(voices):
            stop = voices[index + 1].start() if index + 1 < len(voices) else len(raw)
            words = _joined([_clean(line) for line in raw[voice.end() : stop].split("\n")])
            if words:
                cues.append(Cue(start, end, html.unescape(voice.group(1)).strip(), words))
        pending.append(cues)
    return _labelled_cues(pending)


_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")
"""What ends a block: one blank line or more, as `_untimed_blocks` reads them."""
_BLOCK_NUMBER = re.compile(r"\s*\d+\s*")


def _untimed_blocks(text: str) -> list[int]:
    """The first line of each SRT block, after a timed one, with no `-->` timing on its first
    two lines: srt takes such a block for more text of the cue before it."""
    found: list[int] = []
    block: list[tuple[int, str]] = []
    timed = False
    for number, line in enumerate([*text.split("\n"), ""], start=1):
        if line.strip():
            block.append((number, line))
            continue
        if block:
            if any("-->" in each for _, each in block[:2]):
                timed = True
            elif timed:
                found.append(block[0][0])
            block = []
    return found


def parse_srt(text: str, path: Path, notices: list[str] | None = None) -> list[Cue]:
    """The cues of an SRT file. A block with no timing after a cue (which players skip, and
    srt appends to that cue's words) becomes a cue of its own between its neighbours, and a
    sentence in `notices` names its line to check."""
    _checked_times(text, _SRT_TIMING)
    import srt  # here, not at start-up: only an import of an SRT file needs it

    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as error:
        skipped = len(text[error.expected_start :]) - len(text[error.expected_start :].lstrip())
        line = text[: error.expected_start + skipped].count("\n") + 1
        raise bad_file(
            path,
            "the subtitle block is broken (a number, a 00:01:02,000 --> 00:01:05,000 timing, "
            "then its text).",
            where=f"line {line}",
        ) from None
    except (ValueError, TypeError, OverflowError) as error:
        raise bad_file(path, f"it is not valid SRT ({error}).") from None
    untimed = iter(_untimed_blocks(text))
    pending: list[tuple[float, float, list[str]] | list[Cue]] = []
    for index, subtitle in enumerate(subtitles):
        start, end = subtitle.start.total_seconds(), subtitle.end.total_seconds()
        own, *strays = _BLANK_LINES.split(subtitle.content)
        pending.append((start, end, [_clean(line) for line in own.split("\n")]))
        following = (
            subtitles[index + 1].start.total_seconds() if index + 1 < len(subtitles) else end
        )
        for stray in strays:
            line = next(untimed, None)
            lines = stray.split("\n")
            if _BLOCK_NUMBER.fullmatch(lines[0]):
                lines = lines[1:]  # its number, not anyone's words
            if not any(each.strip() for each in lines):
                continue
            pending.append((end, max(end, following), [_clean(each) for each in lines]))
            if notices is not None:
                where = f" (line {line})" if line is not None else ""
                notices.append(
                    f"{visible(path.name)}{where}: a block with no timing, which players skip, "
                    f"is a cue of its own from {format_elapsed(end)} to "
                    f"{format_elapsed(max(end, following))}; check its time."
                )
    return _labelled_cues(pending)


def segments(text: str) -> list[Segment]:
    """Plain `Name: text` lines (optionally `[h:mm:ss] Name: text`); a line without a speaker
    continues the note before it, a blank line ends it, a non-speech line is a note of its
    own. Offsets are code points in `text`, so a REFI-QDA selection on the source maps onto
    the notes. TranscriptError for an impossible time or past the limits."""
    if text.count("\n") > MAX_LINES:
        raise TranscriptError(
            f"it has more than {MAX_LINES:,} lines, more than any transcript; split it"
        )
    lines = text.split("\n")
    labels: list[str] = []
    timed: set[str] = set()
    units, after_blank = 0, True
    for line in lines:
        match = _PLAIN_LINE.match(line)
        if match:
            name = match.group("name").strip()
            labels.append(name)
            if match.group("time") or match.group("bare"):
                timed.add(name)  # `[12:03] Name:` is a label by its form
        units += bool(line.strip()) and (after_blank or match is not None)
        after_blank = not line.strip()
    speakers = speaker_labels(labels, units) | timed
    found: list[Segment] = []
    open_segment: Segment | None = None
    ends: dict[int, int] = {}
    """Where each continued segment's text ends (by its place in `found`): its text is cut
    from `text` once at the end; cut at every line, a long note cost quadratic time."""
    offset = 0
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        match = _PLAIN_LINE.match(line)
        if match and match.group("name").strip() not in speakers:
            match = None
        if match:
            stamp = match.group("time") or match.group("bare")
            if stamp and (problem := time_problem(stamp)) is not None:
                raise TranscriptError(problem, f"line {number}")
            start = seconds(stamp) if stamp else (found[-1].start if found else 0.0)
            open_segment = Segment(
                offset + match.start("text"),
                line[match.start("text") :].rstrip(),
                match.group("name").strip(),
                start,
            )
            found.append(open_segment)
        elif not stripped:
            open_segment = None
        elif open_segment is not None and is_speech(stripped):
            ends[len(found) - 1] = offset + len(line.rstrip())
        else:
            lead = len(line) - len(line.lstrip())
            start = found[-1].start if found else 0.0
            open_segment = Segment(offset + lead, stripped, "", start)
            found.append(open_segment)
            if not is_speech(stripped):
                open_segment = None  # what follows is not part of a stage direction
        if len(found) > MAX_CUES:
            raise TranscriptError(
                f"it holds more than {MAX_CUES:,} notes, more than any transcript; split it"
            )
        offset += len(line) + 1
    for index, end in ends.items():
        found[index].text = text[found[index].offset : end]
    return found


def parse_plain(text: str, path: Path) -> list[Cue]:
    cues = [Cue(s.start, None, s.speaker, " ".join(s.text.split())) for s in segments(text)]
    if not cues:
        raise bad_file(path, "it holds no lines of text to import.")
    return cues


def read_transcript(raw: bytes, path: Path, notices: list[str] | None = None) -> list[Cue]:
    """The cues of a transcript file; sentences about what was imported with a doubt (an
    SRT block with no timing) go to `notices`."""
    text = decode(raw, path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".vtt" or (suffix not in (".srt",) and text.startswith("WEBVTT")):
            cues = parse_vtt(text, path)
        elif suffix == ".srt":
            cues = parse_srt(text, path, notices)
        else:
            cues = parse_plain(text, path)
    except TranscriptError as error:
        raise bad_file(path, f"{error.problem}.", where=error.where) from None
    if not cues:
        raise bad_file(path, "it holds no cues with text; there is nothing to import.")
    if len(cues) > MAX_CUES:  # a cue of several voices is a note for each
        raise bad_file(
            path, f"it holds more than {MAX_CUES:,} notes, more than any transcript; split it."
        )
    return cues


def pick_participant(speakers: list[str], participant: str | None, path: Path) -> str:
    if not participant:
        return ""
    for speaker in speakers:
        if speaker.casefold() == participant.strip().casefold():
            return speaker
    named = ", ".join(visible(s) for s in speakers if s) or "none"
    raise ExchangeError(
        f"{visible(participant)} is not a speaker in {visible(str(path))} (speakers: {named}); "
        "give one of those to --participant."
    )


def transcript_session(
    cues: list[Cue] | list[Segment],
    *,
    title: str,
    now: datetime,
    participant: str = "",
    study: str = "",
    source: str = "",
) -> SessionData:
    """A session of kind `transcript` whose notes are the cues, in time order."""
    session_id = new_id()
    notes = []
    previous: datetime | None = None
    for cue in sorted(cues, key=lambda c: c.start):
        moment = now + timedelta(seconds=cue.start)
        if previous is not None and moment <= previous:
            moment = previous + timedelta(milliseconds=1)  # keeps cues at one time in order
        previous = moment
        note = Note(
            id=new_id(),
            session_id=session_id,
            author=cue.speaker,
            text=cue.text,
            kind="transcript",
            started_at=to_iso(moment),
            elapsed=round(cue.start, 3),
            question_id=None,
        ).to_doc()
        end = getattr(cue, "end", None)
        if end is not None:
            note["ends_elapsed"] = round(end, 3)
        if not is_speech(cue.text):
            note["speech"] = False
        notes.append(note)
    end = max((getattr(c, "end", None) or c.start for c in cues), default=0.0)
    session = {
        "id": session_id,
        "title": title,
        "participant": participant,
        "goal": "",
        "created_at": to_iso(now),
        "clock": InterviewClock(banked=round(end, 3)).to_doc(),
        "kind": "transcript",
    }
    if source:
        session["source"] = source
    if study:
        session["study"] = study
    return SessionData(
        session=session,
        guide=Guide().to_doc(),
        guide_state={"current": None, "marks": {}},
        notes=notes,
    )
