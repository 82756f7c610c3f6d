"""What `fieldnote align` and `fieldnote quotes` print: text for a person, JSON for a script.

Times are the recording's (`mm:ss`, `h:mm:ss` past the hour); JSON gives seconds too. The
text is the user's and the transcript's as stored: the CLI makes every line safe to print.
"""

from __future__ import annotations

import json
from typing import Any

from tui.domain.display_text import visible
from tui.domain.notes import format_elapsed, note_kind
from tui.domain.quotes import quote_words, recording_times_said
from tui.domain.recording import QUOTE_SCORE, Link, QuoteCheck, RecordingCue
from tui.services.recording.aligned import UNLINKED_KINDS, SessionRecording

FORMATS = ("text", "json")
INDENT = " " * 7
ASKED_MARK = "\u2713 asked: "
"""Before a question marked asked, as the interview's note stream shows it: it is the guide's
words, not a note of what was said."""


def _one_line(text: str) -> str:
    """A line break or escape a file holds shown as a symbol (⏎), as `fieldnote list` does."""
    return visible(text)


def _cue_doc(cue: RecordingCue | None) -> dict[str, Any] | None:
    if cue is None:
        return None
    return {
        "id": cue.id,
        "time": format_elapsed(cue.start),
        "start": cue.start,
        "end": cue.end,
        "speaker": cue.speaker,
        "text": cue.text,
    }


def _said(cue: RecordingCue, text: str | None = None) -> str:
    who = f"{_one_line(cue.speaker)}: " if cue.speaker else ""
    return f"{format_elapsed(cue.start)}  {who}{_one_line(cue.text if text is None else text)}"


def _header(recording: SessionRecording) -> str:
    title = _one_line(str(recording.session.get("title") or ""))
    source = _one_line(recording.recording.source)
    return f"\u201c{title}\u201d with {source}: {recording_times_said(recording.offset)}\n"


def render_align(recording: SessionRecording, fmt: str) -> str:
    links = recording.links()
    if fmt == "json":
        rows = []
        for note in recording.notes:
            found: Link | None = links.get(str(note.get("id")))
            rows.append(
                {
                    "note": note.get("id"),
                    "text": note.get("text"),
                    "kind": note_kind(note),
                    "time": recording.time_code(note),
                    "moment": round(recording.moment(note), 3),
                    "cue": _cue_doc(found.cue if found else None),
                    "by": found.by if found else None,
                    "score": found.score if found and found.by == "text" else None,
                }
            )
        return _json(recording, {"notes": rows})
    lines = [_header(recording)]
    for note in recording.notes:
        found = links.get(str(note.get("id")))
        mark = ASKED_MARK if note_kind(note) == "asked" else ""
        text = _one_line(str(note.get("text") or ""))
        lines.append(f"{recording.time_code(note):>5}  {mark}{text}")
        if note.get("kind") in UNLINKED_KINDS:
            continue  # never linked: "nothing said" under it would be untrue
        if found is None:
            lines.append(f"{INDENT}nothing said near this moment")
        else:
            how = "at its time" if found.by == "time" else f"matched {found.score:g}"
            lines.append(f"{INDENT}\u21b3 {_said(found.cue)}  ({how})")
    return "\n".join(lines) + "\n"


def render_quotes(recording: SessionRecording, fmt: str) -> str:
    checks = recording.quote_checks()
    quotes = [note for note in recording.notes if str(note.get("id")) in checks]
    if fmt == "json":
        rows = []
        for note in quotes:
            check: QuoteCheck = checks[str(note.get("id"))]
            rows.append(
                {
                    "note": note.get("id"),
                    "text": note.get("text"),
                    "typed": check.typed,
                    "time": recording.time_code(note),
                    "moment": round(check.moment, 3),
                    "verbatim": check.verbatim,
                    "cue": _cue_doc(check.cue),
                    "score": check.score,
                    "found": check.found,
                    "differs": check.differs,
                    "not_theirs": check.not_theirs,
                }
            )
        return _json(recording, {"threshold": QUOTE_SCORE, "quotes": rows})
    lines = [_header(recording)]
    for note in quotes:
        check = checks[str(note.get("id"))]
        typed = _one_line(quote_words(str(note.get("text") or "")))
        lines.append(f"{recording.time_code(note):>5}  \u201c{typed}\u201d")
        if check.cue is None:
            lines.append(f"{INDENT}not found near this moment (nothing was said near it)")
        elif check.found:
            said = _said(check.cue, check.verbatim)
            lines.append(f"{INDENT}\u21b3 {said}  (score {check.score:g})")
        elif check.not_theirs:
            said = _said(check.cue, check.verbatim)
            lines.append(
                f"{INDENT}not the participant's words: {said}  ({_one_line(check.not_theirs)})"
            )
        elif check.differs:
            said = _said(check.cue, check.verbatim)
            lines.append(f"{INDENT}not what was said: {said}  ({_one_line(check.differs)})")
        else:
            lines.append(
                f"{INDENT}not found near this moment (best: {_said(check.cue, check.verbatim)}, "
                f"score {check.score:g})"
            )
    found = sum(check.found for check in checks.values())
    lines.append(f"{found} of {len(checks)} quotes found in the transcript.")
    return "\n".join(lines) + "\n"


def _json(recording: SessionRecording, body: dict[str, Any]) -> str:
    data = {
        "session": recording.session_id,
        "title": recording.session.get("title"),
        "transcript": recording.recording.source,
        "media": recording.recording.media,
        "offset": recording.offset,
        **body,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
