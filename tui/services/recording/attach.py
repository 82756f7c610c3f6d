"""Attach a transcript (and the path of its audio or video) to a live session, or refuse.

Everything is read and checked before the one write (`SessionFile.attach_recording`), so a
refused attach leaves the session exactly as it was: a transcript that cannot be read, holds
no spoken words, or whose times meet none of the session's notes at the offset (the wrong
file, or the wrong offset), and a media file that does not exist.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tui.domain.clock import recording_offset, to_iso
from tui.domain.display_text import visible
from tui.domain.notes import format_elapsed
from tui.domain.quotes import signed_offset
from tui.domain.recording import LOOKBACK, Recording, RecordingCue, moment
from tui.services.exchange import transcripts
from tui.services.exchange.errors import ExchangeError
from tui.services.exchange.importing import read_capped
from tui.services.recording.aligned import UNLINKED_KINDS
from tui.store import DataStore
from tui.store.storage import NOT_A_FILE


class RecordingError(ValueError):
    """An attach that cannot go ahead, as one sentence saying what to do; nothing was written."""


@dataclass(frozen=True)
class Attached:
    title: str
    source: str
    cues: int
    speakers: tuple[str, ...]
    offset: float
    media: str | None
    replaced: str | None
    """The file name of the transcript this one replaced, or None."""
    notes_within: int
    """Notes whose moment falls within the transcript's times."""
    notes: int
    notices: tuple[str, ...] = ()
    """Sentences about cues read with a doubt (an SRT block with no timing), to check: said
    apart from `summary`, as warnings."""

    def summary(self) -> str:
        # One line whatever the files hold: a line break in a name or title shows as ⏎.
        cues = "1 cue" if self.cues == 1 else f"{self.cues} cues"
        what = f"Attached {visible(self.source)} ({cues}"
        if self.speakers:
            what += f"; {', '.join(map(visible, self.speakers))}"
        what += f") to \u201c{visible(self.title)}\u201d at offset {signed_offset(self.offset)}"
        if self.replaced:
            what += f", replacing {visible(self.replaced)}"
        what += f": {self.notes_within} of {self.notes} notes fall within its times."
        if self.media:
            what += f" Media: {visible(str(self.media))}."
        return what


def attached_files(store: DataStore, session_id: str) -> tuple[str, str | None] | None:
    """The file name of the transcript attached now and the path of its media file (None
    for none); None when no transcript is attached."""
    doc = store.read_session(session_id)[1]
    if doc is None:
        return None
    media = doc.get("media")
    return str(doc.get("source") or ""), media if isinstance(media, str) and media else None


def attached_source(store: DataStore, session_id: str) -> str | None:
    attached = attached_files(store, session_id)
    return None if attached is None else attached[0]


def _cues(path: Path, notices: list[str]) -> list[RecordingCue]:
    try:
        raw = read_capped(path, transcripts.MAX_TRANSCRIPT_BYTES, "any transcript")
        parsed = transcripts.read_transcript(raw, path, notices)
    except ExchangeError as error:
        message = str(error).replace("Cannot import", "Cannot attach", 1)
        raise RecordingError(message.replace("nothing to import", "nothing to attach")) from None
    spoken = [cue for cue in parsed if transcripts.is_speech(cue.text)]
    if not spoken:
        raise RecordingError(
            f"Cannot attach {visible(str(path))}: it holds no spoken words, only sounds and "
            "stage directions; attach the transcript of what was said."
        )
    if all(cue.start == 0 and cue.end is None for cue in spoken):
        # Plain lines with no `[h:mm:ss]` (a guide, notes, a transcript saved without its
        # times): every cue at 0:00, so no note could meet what was said when it was said.
        raise RecordingError(
            f"Cannot attach {visible(str(path))}: none of its lines has a time, so no note "
            "can be matched with what was said then; attach the .vtt or .srt, or give each "
            "line its time ([0:05] Name: words)."
        )
    spoken.sort(key=lambda cue: cue.start)
    ids: set[str] = set()
    cues = []
    for c in spoken:
        start, end = round(c.start, 3), None if c.end is None else round(c.end, 3)
        cues.append(
            RecordingCue(_cue_id(start, c.speaker, c.text, ids), start, end, c.speaker, c.text)
        )
    return cues


def _cue_id(start: float, speaker: str, text: str, taken: set[str]) -> str:
    """An id made from the cue itself, so attaching the same transcript again (at another
    offset, with another media file) keeps every cue's id, and what refers to a cue by it (a
    span coded on its words) still finds it. The same cue twice gets a counter."""
    digest = hashlib.blake2b(f"{start}\n{speaker}\n{text}".encode(), digest_size=8).hexdigest()
    cue_id, n = f"cue-{digest}", 1
    while cue_id in taken:
        n += 1
        cue_id = f"cue-{digest}-{n}"
    taken.add(cue_id)
    return cue_id


def _media(media: Path | None) -> str | None:
    if media is None:
        return None
    path = media.expanduser()
    if not path.is_file():
        problem = f"is no file but {NOT_A_FILE}" if path.exists() else "does not exist"
        raise RecordingError(
            f"The media file {visible(str(media))} {problem}; give the path of the "
            "recording's audio or video file, or leave the media out."
        )
    return str(path.resolve())


def attach(
    store: DataStore,
    session_id: str,
    transcript: Path,
    *,
    media: Path | None = None,
    keep_media: bool = False,
    offset: float | None = None,
    now: datetime,
) -> Attached:
    """Attach `transcript` to the session in place of any attached before (see the module).
    `keep_media`: with no `media`, the media file attached before stays (an attach again to
    correct the offset or the transcript is no reason to forget where the recording is)."""
    transcript = Path(transcript)
    media_path = _media(media)
    notices: list[str] = []
    cues = _cues(transcript, notices)
    session_file = store.open_session(session_id)
    try:
        snapshot = session_file.read()
        session = snapshot.session
        title = str(session.get("title") or "")
        if session.get("kind") == "transcript":
            raise RecordingError(
                f"\u201c{visible(title)}\u201d is an imported transcript, not a live session; "
                "attach the transcript to the session whose notes were taken in the interview."
            )
        at = recording_offset(session) if offset is None else float(offset)
        old = session_file.read_recording()
        if media_path is None and keep_media and old is not None:
            media_path = old.get("media") or None
        recording = Recording(transcript.name, media_path, to_iso(now), tuple(cues))
        notes = [n for n in snapshot.notes if n.get("kind") not in UNLINKED_KINDS]
        first, last = recording.span()
        within = sum(
            first <= moment(float(n.get("elapsed") or 0.0), at) <= last + LOOKBACK for n in notes
        )
        if notes and not within:
            raise RecordingError(
                f"None of the {len(notes)} notes of \u201c{visible(title)}\u201d falls within "
                f"{visible(transcript.name)}'s times ({format_elapsed(first)} to "
                f"{format_elapsed(last)}) at offset {signed_offset(at)}; check that it is this "
                "interview's transcript, or give the offset (the recording's time when the "
                "interview clock read 0:00)."
            )
        session_file.attach_recording(recording.to_doc(), offset)
    finally:
        session_file.close()
    return Attached(
        title=title,
        source=transcript.name,
        cues=len(cues),
        speakers=tuple(dict.fromkeys(c.speaker for c in cues if c.speaker)),
        offset=at,
        media=media_path,
        replaced=None if old is None else str(old.get("source") or ""),
        notes_within=within,
        notes=len(notes),
        notices=tuple(notices),
    )
