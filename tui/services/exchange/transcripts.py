"""Transcripts in: WebVTT, SRT and plain `Name: text` lines, each cue a note of kind transcript.

webvtt-py and srt parse the files and their timings. Added on top of them here:
- speakers: WebVTT `<v Name>` voice spans (several in one cue make several notes), `Name: text`
  cue lines as Zoom and Teams write them, SRT `[SPEAKER_00]:` labels (WhisperX), and plain
  `Name: text` lines with an optional `[h:mm:ss]` time;
- multi-line cues joined into one line, cue tags stripped, entities (`&amp;`) unescaped;
- errors with a line number: bad UTF-8, broken or backwards timings (checked before the
  library sees them, as webvtt-py reports no lines), a missing header;
- a BOM and CRLF line ends are accepted.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import srt
import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from tui.domain.clock import InterviewClock, to_iso
from tui.domain.display_text import visible
from tui.domain.guide import Guide
from tui.domain.notes import Note, new_id
from tui.services.exchange.errors import ExchangeError, bad_file
from tui.services.exchange.study import SessionData

TRANSCRIPT_SUFFIXES = (".vtt", ".srt", ".txt", ".text", ".md")

_NAME = r"[^\W\d_][\w .'\-]{0,39}?"
_SPEAKER_LINE = re.compile(rf"^(?P<name>{_NAME}):\s+(?P<text>\S.*)$")
_LABEL_LINE = re.compile(r"^\[(?P<name>[^\]\n]{1,40})\]:?\s*(?P<text>.*)$")
_TIME = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_PLAIN_LINE = re.compile(
    rf"^(?:\[(?P<time>{_TIME})\][ \t]*|(?P<bare>{_TIME})[ \t]+)?"
    rf"(?P<name>{_NAME}):[ \t]+(?P<text>\S)"
)
_VTT_TIMING = re.compile(
    r"^\s*(?P<start>(?:\d+:)?\d{2}:\d{2}\.\d{3})\s+-->\s+(?P<end>(?:\d+:)?\d{2}:\d{2}\.\d{3})"
    r"(?:\s.*)?$"
)
_VOICE = re.compile(r"<v(?:\.[\w.-]+)*\s+([^>]*)>")
_TAG = re.compile(r"<[^>]*>")


@dataclass
class Cue:
    start: float
    end: float
    speaker: str
    text: str


@dataclass
class Segment:
    """One note of a plain-text transcript, and where its text sits in that text."""

    offset: int
    text: str
    speaker: str
    start: float


def decode(raw: bytes, path: Path) -> str:
    """UTF-8 text (a BOM dropped, line ends made `\\n`); a sentence with the line otherwise."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise bad_file(
            path, "it is not UTF-8 text; save it as UTF-8 and import again.", where=f"line {line}"
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise bad_file(path, "it is empty; there is nothing to import.")
    return text


def seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    value = 0.0
    for part in parts:
        value = value * 60 + float(part)
    return value


def _clean(text: str) -> str:
    return html.unescape(_TAG.sub("", text)).strip()


def _joined(lines: list[str]) -> str:
    return " ".join(part for part in (line.strip() for line in lines) if part)


def _split_speakers(lines: list[str], start: float, end: float, speaker: str = "") -> list[Cue]:
    """Cue lines into one cue per speaker: a `Name: text` or `[LABEL]: text` line starts a
    new speaker, other lines continue the current one."""
    cues: list[Cue] = []
    current: list[str] = []

    def close() -> None:
        text = _joined(current)
        if text:
            cues.append(Cue(start, end, speaker, text))

    for line in lines:
        match = _LABEL_LINE.match(line.strip()) or _SPEAKER_LINE.match(line.strip())
        if match:
            close()
            speaker, current = match.group("name").strip(), [match.group("text")]
        else:
            current.append(line)
    close()
    return cues


def parse_vtt(text: str, path: Path) -> list[Cue]:
    lines = text.split("\n")
    if not lines[0].startswith("WEBVTT"):
        raise bad_file(
            path, "it does not start with WEBVTT, so it is no WebVTT file.", where="line 1"
        )
    for number, line in enumerate(lines, start=1):
        if "-->" not in line:
            continue
        match = _VTT_TIMING.match(line)
        if match is None:
            raise bad_file(
                path,
                "the cue timing is broken; write it as 00:01:02.000 --> 00:01:05.000.",
                where=f"line {number}",
            )
        if seconds(match.group("end")) < seconds(match.group("start")):
            raise bad_file(path, "the cue ends before it starts.", where=f"line {number}")
    try:
        captions = webvtt.from_string(text).captions
    except (MalformedFileError, MalformedCaptionError) as error:
        raise bad_file(path, f"it is not valid WebVTT ({error}).") from None
    cues: list[Cue] = []
    for caption in captions:
        start, end = seconds(caption.start), seconds(caption.end)
        raw = caption.raw_text
        voices = list(_VOICE.finditer(raw))
        if not voices:
            cues += _split_speakers([_clean(line) for line in raw.split("\n")], start, end)
            continue
        before = _joined([_clean(line) for line in raw[: voices[0].start()].split("\n")])
        if before:
            cues.append(Cue(start, end, "", before))
        for index, voice in enumerate(voices):
            stop = voices[index + 1].start() if index + 1 < len(voices) else len(raw)
            words = _joined([_clean(line) for line in raw[voice.end() : stop].split("\n")])
            if words:
                cues.append(Cue(start, end, html.unescape(voice.group(1)).strip(), words))
    return cues


def parse_srt(text: str, path: Path) -> list[Cue]:
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
    except (ValueError, TypeError) as error:
        raise bad_file(path, f"it is not valid SRT ({error}).") from None
    cues: list[Cue] = []
    for subtitle in subtitles:
        start, end = subtitle.start.total_seconds(), subtitle.end.total_seconds()
        if end < start:
            line = text[: text.find(srt.timedelta_to_srt_timestamp(subtitle.start))].count("\n") + 1
            raise bad_file(path, "the subtitle ends before it starts.", where=f"line {line}")
        cues += _split_speakers([_clean(line) for line in subtitle.content.split("\n")], start, end)
    return cues


def segments(text: str) -> list[Segment]:
    """Plain `Name: text` lines (optionally `[h:mm:ss] Name: text`); a line without a name
    continues the note before it, a blank line ends it. Offsets are code points in `text`, so
    a REFI-QDA selection on the source maps onto the notes."""
    found: list[Segment] = []
    open_segment: Segment | None = None
    offset = 0
    for line in text.split("\n"):
        stripped = line.strip()
        match = _PLAIN_LINE.match(line)
        if match:
            stamp = match.group("time") or match.group("bare")
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
        elif open_segment is not None:
            open_segment.text = text[open_segment.offset : offset + len(line.rstrip())]
        else:
            lead = len(line) - len(line.lstrip())
            start = found[-1].start if found else 0.0
            open_segment = Segment(offset + lead, line.strip(), "", start)
            found.append(open_segment)
        offset += len(line) + 1
    return found


def parse_plain(text: str, path: Path) -> list[Cue]:
    cues = [Cue(s.start, s.start, s.speaker, " ".join(s.text.split())) for s in segments(text)]
    if not cues:
        raise bad_file(path, "it holds no lines of text to import.")
    return cues


def read_transcript(raw: bytes, path: Path) -> list[Cue]:
    text = decode(raw, path)
    suffix = path.suffix.lower()
    if suffix == ".vtt" or (suffix not in (".srt",) and text.startswith("WEBVTT")):
        cues = parse_vtt(text, path)
    elif suffix == ".srt":
        cues = parse_srt(text, path)
    else:
        cues = parse_plain(text, path)
    if not cues:
        raise bad_file(path, "it holds no cues with text; there is nothing to import.")
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
        )
        notes.append(note.to_doc())
    end = max((getattr(c, "end", c.start) for c in cues), default=0.0)
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
