"""The CSV export: one row per excerpt and per untagged note, safe to open in a spreadsheet.

A note's own tags make it one excerpt (the whole note); each span excerpt is another, with the
span's text (a span coded on a cue of an attached transcript too, as its speaker's words, at the
cue's recording time). A note with neither is a row with no tags. `coders` says who applied each
tag, in the order of `tags`, a settlement marked as one (`✓lead`). `quote_check` gives a typed
quote's check against the attached transcript, as the report words it (or that there was none
to check it by). A cell a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
`@`, a tab, a carriage return, a line feed or a NUL) gets a leading `'`.
"""

from __future__ import annotations

import csv
import io
from typing import Any, BinaryIO

from tui.domain.analysis import rated_span
from tui.domain.codings import holder_label, tag_holders, tag_key  # tag_key: remembered
from tui.domain.notes import note_kind
from tui.domain.quotes import recording_time, span_words
from tui.domain.ratings import ratings_of, severity_of
from tui.services.exchange.study import SessionData, Study

COLUMNS = (
    "session",
    "study",
    "participant",
    "author",
    "started_at",
    "recording_time",
    "kind",
    "question",
    "note_text",
    "excerpt_text",
    "tags",
    "coders",
    "emotions",
    "severity",
    "ratings",
    "starred",
    "quote_check",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
"""OWASP's CSV injection list (the line feed with the carriage return), and the NUL that
OWASP ASVS 1.2.10 adds."""


def neutralise(cell: str) -> str:
    """A cell a spreadsheet shows as text, never evaluates."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def coders_cell(doc: dict[str, Any]) -> str:
    """Who applied each tag, lined up with the `tags` cell: `Ana+Bo;Bo` for `pain;price`; a
    settlement, the team's word and no one's coding, as `✓lead` (`Ana+✓lead`)."""
    by_tag = tag_holders(doc)
    return ";".join(
        "+".join(holder_label(*held) for held in by_tag.get(tag_key(tag), []))
        for tag in doc.get("tags") or []
    )


def ratings_cell(doc: dict[str, Any]) -> str:
    """Each coder's own rating, from which `severity` is counted: `Ana=4;Bo=2`."""
    return ";".join(f"{r['coder']}={r['severity']}" for r in ratings_of(doc))


def rows(data: SessionData):
    """The rows of one session."""
    questions = data.question_texts()
    spans = data.coded_spans()
    checks = data.quote_checks()
    for note in data.notes:
        if note.get("kind") == "asked":
            continue  # a guide mark, shown as coverage in the debrief, not a note
        text = str(note.get("text") or "")
        base = {
            "session": data.title,
            "study": data.study,
            "participant": data.participant,
            "author": str(note.get("author") or ""),
            "started_at": str(note.get("started_at") or ""),
            "recording_time": recording_time(
                float(note.get("elapsed") or 0.0), data.recording_offset
            ),
            "kind": note_kind(note),
            "question": questions.get(note.get("question_id") or "", ""),
            "note_text": text,
            "emotions": ";".join(note.get("emotions") or []),
            "starred": "yes" if note.get("starred") else "",
            "quote_check": checks.get(str(note.get("id")), ""),
        }
        excerpts = spans.on_notes.get(str(note.get("id")), [])
        if note.get("tags") or not excerpts:
            severity = severity_of(note)
            yield {
                **base,
                "excerpt_text": text if note.get("tags") else "",
                "tags": ";".join(note.get("tags") or []),
                "coders": coders_cell(note),
                "severity": str(severity) if severity else "",
                "ratings": ratings_cell(note),
            }
        yield from _span_rows(base, text, excerpts, note)
    # Spans coded on a cue of the attached transcript: its speaker's words, at its time.
    for cue in data.cues:
        excerpts = spans.on_cues.get(str(cue.get("id")), [])
        if not excerpts:
            continue
        text = str(cue.get("text") or "")
        base = {
            "session": data.title,
            "study": data.study,
            "participant": data.participant,
            "author": str(cue.get("speaker") or ""),
            "started_at": "",
            "recording_time": recording_time(float(cue.get("start") or 0.0)),
            "kind": "transcript",
            "question": "",
            "note_text": text,
            "emotions": "",
            "starred": "",
            "quote_check": "",
        }
        yield from _span_rows(base, text, excerpts, {})


def _span_rows(
    base: dict[str, str], text: str, excerpts: list[dict[str, Any]], note: dict[str, Any]
):
    for excerpt in excerpts:
        # An unrated span is counted with its note's severity (`rated_span`), so it says so.
        severity = rated_span(excerpt, note)
        yield {
            **base,
            "excerpt_text": span_words(text, excerpt),
            "tags": ";".join(excerpt.get("tags") or []),
            "coders": coders_cell(excerpt),
            "severity": str(severity) if severity else "",
            "ratings": ratings_cell(excerpt),
        }


def write_csv(study: Study, out: BinaryIO) -> None:
    """The header, then each session's rows as it is read."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for data in study.sessions:
        for row in rows(data):
            writer.writerow([neutralise(row[column]) for column in COLUMNS])
        out.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
    out.write(buffer.getvalue().encode("utf-8"))
