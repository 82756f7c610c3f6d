"""The recording beside a live session: attach its transcript, link notes to cues, check quotes.

No Textual here; the sessions screen, the tagging screen and `fieldnote attach / align /
quotes` sit over it. The pure matching is `tui/domain/recording.py`; the stored form is the
session file's `recording` table (`SessionFile.attach_recording`, `read_recording`).

API (stable; a change is announced in a commit starting "API:"):

- `attach(store, session_id, transcript, *, media=None, keep_media=False, offset=None, now)
  -> Attached`
  (`attach.py`): reads a WebVTT / SRT / `Name: text` transcript (the import's parsers and
  limits), checks it (not empty, some spoken words, its times overlap the session's notes at
  the offset, the media file exists) and stores it in place of any attached before, with the
  offset when given (else the session clock's `recording_offset` stays), in one locked write.
  With `keep_media` and no `media`, the media file attached before stays. The notes are never
  changed. `RecordingError` (one sentence) otherwise, nothing written.
- `attached_source(store, session_id) -> str | None`: the file name of the transcript
  attached now; `attached_files` with the media file's path too (the screen asks before
  replacing it, and offers that media again).
- `load(store, session_id) -> SessionRecording | None` (`aligned.py`): the session's notes,
  offset and recording as read now; None when no transcript is attached.
  `SessionRecording.of(session, notes, recording_doc)` builds one from documents already read
  (the tagging model's). On it:
  - `offset`, `recording` (`domain.recording.Recording`: `cues`, `media`, `source`),
    `timeline` (`Timeline`: `cue_at`, `window`);
  - `moment(note) -> float`: the note's recording time, elapsed + offset, in seconds
    (`time_code(note)`: the same as `mm:ss`, as `quotes.recording_time` writes it);
  - `link(note) -> Link | None`, `links() -> dict[note id, Link]`: the note's cue, `by` "time"
    (spoken at its moment) or "text" (best match of the 60 s before), computed from the
    current offset on every call, so correcting the offset moves every link;
  - `check(note) -> QuoteCheck | None` (None for a note that is no quote),
    `quote_checks() -> dict[note id, QuoteCheck]`: `verbatim`, `cue` (speaker, start),
    `score` (0-100, 100 for exact words only), `differs` (a number, a negation, a name
    or a word the quote turns around), `not_theirs` (the passage is a note-taker's words or
    two speakers'), `found` (`score >= QUOTE_SCORE` and neither).
- `render_align(recording, fmt)`, `render_quotes(recording, fmt)` (`output.py`): what
  `fieldnote align` and `fieldnote quotes` print, `fmt` "text" or "json".
"""

from tui.domain.recording import QUOTE_SCORE, Link, QuoteCheck, Recording, RecordingCue
from tui.services.recording.aligned import SessionRecording, load
from tui.services.recording.attach import (
    Attached,
    RecordingError,
    attach,
    attached_files,
    attached_source,
)
from tui.services.recording.output import render_align, render_quotes

__all__ = [
    "QUOTE_SCORE",
    "Attached",
    "Link",
    "QuoteCheck",
    "Recording",
    "RecordingCue",
    "RecordingError",
    "SessionRecording",
    "attach",
    "attached_files",
    "attached_source",
    "load",
    "render_align",
    "render_quotes",
]
