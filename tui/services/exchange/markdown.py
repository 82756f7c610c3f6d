"""The Markdown debrief: what a researcher pastes into a report.

Per session: title, participant, date, goal, guide coverage (asked / skipped / not reached and
the time spent on each question), starred moments first, then the notes under their question
with clock and recording time codes, quotes as block quotes, emotions, a tag summary and the
open and closed follow-ups (as the parking lot and the debrief left them), and each
note-taker's debrief answers. Times per question and follow-up statuses come from
tui/domain/interview_record.py, as on the live guide, the analysis and the report. Several
sessions make one document, a section each, and a study-level tag table at the end, written
a session at a time (the sections go to a temporary file while the study's label, which heads
the document, is still to learn). Note text is escaped so a `#`, `>` or `*` a note starts with
stays text, and a line of `~~~` (a code fence, which would swallow the rest of the document)
or a `~~word~~` (struck through) is text too, as is an entity reference (`&#8238;` would
become a right-to-left override in the viewer).
"""

from __future__ import annotations

import functools
import re
import shutil
from collections import Counter
from typing import Any, BinaryIO

from tui.domain.analysis import counts_for, minutes_text, participant_key
from tui.domain.clock import utc_now
from tui.domain.display_text import count_of
from tui.domain.guide import Guide, GuideState
from tui.domain.interview_record import (
    DEBRIEF_PROMPTS,
    OPEN,
    clock_elapsed,
    debrief_answers,
    followup_status,
    followup_words,
    open_followups,
    seconds_per_question,
)
from tui.domain.notes import MARK_KINDS, format_elapsed, tag_key
from tui.domain.quotes import quote_words, recording_time
from tui.domain.spans import whole_note_tags
from tui.services.exchange.output import Spool
from tui.services.exchange.study import Labeller, SessionData, Study

_SPECIAL = re.compile(r"([\\`*_~&\[\]<>|])")
_LINE_START = re.compile(r"^(\s*)([#+\-=]|\d+(?=[.)]))")
_NEEDS_ESCAPE = re.compile(r"[\\`*_~&\[\]<>|\n\r]|^\s*(?:[#+\-=]|\d+[.)])")
_key = functools.lru_cache(maxsize=8192)(tag_key)
"""Tag names folded once per spelling: a study repeats a few tags thousands of times."""


LINK = re.compile(
    r"(?:(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://|(?<![a-z0-9])www\.)"
    r"[^\s<>`|\"]*[^\s<>`|\"'.,:;!?)\]*_~]"
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    re.IGNORECASE,
)
"""A web address (`https://…`, `www.…`) or an e-mail address in someone's words, as a Markdown
viewer would link it (GitHub's autolinks, which an `_` before does not stop), without the
punctuation that ends a sentence. A scheme or an address's name starts where its run of
characters does (the lookbehinds): tried from every character of a long run (a pasted blob,
Japanese text, `a.a.a…`), each try reading to the run's end, a 40,000-character note took
20 s of CPU."""


def _may_link(text: str) -> bool:
    """Whether `text` holds what every `LINK` holds: most texts do not, known without the
    pattern (the cheapest of the ways measured, a third of a microsecond a note)."""
    return "://" in text or "@" in text or "www." in text.lower()


def links(text: str) -> list[re.Match[str]]:
    """The addresses (`LINK`) in `text`."""
    return list(LINK.finditer(text)) if _may_link(text) else []


def md_text(text: str) -> str:
    """Text as Markdown shows it literally, line breaks kept; a web or e-mail address in it is
    a code span, shown as typed, which no viewer makes a link of: an export or a report
    vouches for no address someone typed or said."""
    if not _NEEDS_ESCAPE.search(text) and not _may_link(text):
        return text  # most notes: nothing to escape, and a study has thousands
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        parts, start = [], 0
        for link in links(line):
            parts += [_SPECIAL.sub(r"\\\1", line[start : link.start()]), f"`{link.group()}`"]
            start = link.end()
        line = "".join([*parts, _SPECIAL.sub(r"\\\1", line[start:])])
        lines.append(_LINE_START.sub(_escape_line_start, line))
    return "  \n".join(lines)


def md_line(text: str) -> str:
    """Text for a one-line place (a heading, a table cell, a name): its line breaks and runs
    of spaces folded to one space, then escaped as `md_text` does, so a line break another
    tool wrote into a field cannot end a table row or start a block of its own."""
    return md_text(" ".join(text.split()))


def _escape_line_start(match: re.Match[str]) -> str:
    """`# x` -> `\\# x`; `1. x` -> `1\\. x` (a list number is escaped at its dot)."""
    lead, mark = match.group(1), match.group(2)
    return lead + (mark + "\\" if mark[0].isdigit() else "\\" + mark)


def _heading(text: str) -> str:
    return md_line(text) or "Untitled"


def _note_line(
    note: dict[str, Any], data: SessionData, show_author: bool, checks: dict[str, str]
) -> list[str]:
    elapsed = float(note.get("elapsed") or 0.0)
    clock = format_elapsed(elapsed)
    rec = recording_time(elapsed, data.recording_offset)
    stamp = f"`{clock}` (rec `{rec}`)"
    who = f" **{md_line(note.get('author') or '')}**:" if show_author and note.get("author") else ""
    star = " \u2605" if note.get("starred") else ""
    extras = []
    if note.get("emotions"):
        extras.append("emotions: " + ", ".join(md_line(e) for e in note["emotions"]))
    tags = list(note.get("tags") or [])
    if tags:
        extras.append("tags: " + ", ".join(md_line(t) for t in tags))
    tail = f" _({'; '.join(extras)})_" if extras else ""
    if note.get("kind") == "quote":
        words = md_text(quote_words(str(note.get("text") or "")))
        quoted = "\n".join(f"  > {line}" for line in words.split("\n"))
        # Whose words these are (the participant's); the author above only typed them.
        said_by = [f"  > \u2014 {md_line(data.participant)}"] if data.participant else []
        # Against the attached transcript, as the report gives it.
        check = checks.get(str(note.get("id")))
        checked = ["  >", f"  > {md_line(check)}"] if check else []
        return [f"- {stamp}{star}{who}{tail}", quoted, *said_by, *checked]
    body = md_text(str(note.get("text") or "")).replace("\n", "\n  ")
    return [f"- {stamp}{star}{who} {body}{tail}"]


def session_section(data: SessionData, level: int = 1, study: TagTally | None = None) -> list[str]:
    """A session's part of the export, headings at `level`; its tag counts are added to the
    `study`'s too, so a study's table counts each session once."""
    h = "#" * level
    guide = Guide.from_doc(data.guide)
    state = GuideState.from_doc(data.guide_state)
    authors = {n.get("author") for n in data.notes if n.get("kind") != "asked"}
    show_author = len(authors) > 1 or data.session.get("kind") == "transcript"
    out = [f"{h} {_heading(data.title)}", ""]
    facts = [
        ("Participant", data.participant),
        ("Date", str(data.session.get("created_at") or "")[:10]),
        ("Study", data.study),
        ("Goal", str(data.session.get("goal") or "")),
    ]
    out += [f"- **{label}:** {md_line(value)}" for label, value in facts if value]
    out.append("")
    ids = [q.id for q in guide.questions]
    spent = seconds_per_question(data.session, ids, clock_elapsed(data.session, utc_now()))
    notes = [n for n in data.notes if n.get("kind") != "asked"]
    checks = data.quote_checks()
    if guide.questions:
        marks = state.marks
        asked = [q for q in guide.questions if marks.get(q.id) == "asked"]
        skipped = [q for q in guide.questions if marks.get(q.id) == "skipped"]
        out += [
            f"{h}# Guide coverage",
            "",
            f"{len(asked)} asked, {len(skipped)} skipped, "
            f"{len(guide.questions) - len(asked) - len(skipped)} not reached "
            f"of {len(guide.questions)} questions.",
            "",
            "| Question | Status | Time |",
            "| --- | --- | --- |",
        ]
        for q in guide.questions:
            # A mark is asked or skipped; anything else a file holds is not reached, as counted.
            status = mark if (mark := marks.get(q.id)) in ("asked", "skipped") else "not reached"
            # Never the current question: no time, as the analysis and the report say it.
            took = minutes_text(spent.get(q.id) or None)
            out.append(f"| {md_line(q.text)} | {status} | {took} |")
        out.append("")
    starred = [n for n in notes if n.get("starred")]
    if starred:
        out += [f"{h}# Starred moments", ""]
        for note in starred:
            out += _note_line(note, data, show_author, checks)
        out.append("")
    out += [f"{h}# Notes", ""]
    if not notes:
        out += ["_No notes._", ""]
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for note in notes:
        groups.setdefault(note.get("question_id"), []).append(note)
    order = [q.id for q in guide.questions if q.id in groups]
    order += [qid for qid in groups if qid not in order]
    for qid in order:
        question = guide.question(qid)
        if guide.questions:  # a transcript or a session without a guide: no subheadings
            title = md_line(question.text) if question else "Before or outside the guide"
            out += [f"{h}## {title}", ""]
        for note in groups[qid]:
            out += _note_line(note, data, show_author, checks)
        out.append("")
    tally = TagTally()
    tally.add(data)
    if study is not None:
        study.update(tally)
    counts = tally.counts()
    if counts:
        out += [f"{h}# Tags", "", "| Tag | Excerpts |", "| --- | --- |"]
        out += [f"| {md_line(name)} | {count} |" for name, count, _, _ in counts]
        out.append("")
    out += _followups(data, notes, h)
    out += _debrief(data, h)
    return out


def _followups(data: SessionData, notes: list[dict[str, Any]], h: str) -> list[str]:
    """The open follow-ups, then those asked or dismissed (in the parking lot or the debrief)."""
    out: list[str] = []
    followups = [n for n in notes if n.get("kind") == "followup"]
    still_open = open_followups(data.session, followups)
    closed = [n for n in followups if n not in still_open]
    for title, group in (("Open follow-ups", still_open), ("Closed follow-ups", closed)):
        if not group:
            continue
        out += [f"{h}# {title}", ""]
        for note in group:
            words = followup_words(str(note.get("text") or ""))
            status = followup_status(data.session, str(note.get("id")))
            words = md_text(words).replace("\n", "\n  ")  # its lines stay in its item
            if status == OPEN:
                out.append(f"- [ ] {words}")
            else:
                out.append(f"- [x] {words} _({status})_")
        out.append("")
    return out


def _debrief(data: SessionData, h: str) -> list[str]:
    """Each note-taker's debrief answers, under their name."""
    out: list[str] = []
    answers = debrief_answers(data.session)
    if answers:
        out += [f"{h}# Debrief", ""]
    for author, given in answers.items():
        out += [f"{h}## {_heading(author)}", ""]
        for key, prompt in DEBRIEF_PROMPTS:
            if given[key]:
                answer = md_text(given[key]).replace("\n", "\n  ")
                out.append(f"- **{prompt}** {answer}")
        out.append("")
    return out


class TagTally:
    """Tag uses counted a session at a time: (tag, excerpts, sessions, participants)."""

    def __init__(self) -> None:
        self.uses: Counter[str] = Counter()
        self.names: dict[str, str] = {}
        self.where: dict[str, set[str]] = {}
        self.who: dict[str, set[str]] = {}

    def add(self, data: SessionData) -> None:
        """Counted as the analysis counts them: a tag on a span and on its whole note is one
        excerpt (`whole_note_tags`), and words a transcript gives to someone else than the
        participant raise it for nobody (`counts_for`)."""
        coded = data.coded_spans()
        on_notes = coded.on_notes
        person = participant_key(data.session)
        speakers = {str(cue.get("id")): cue.get("speaker") for cue in data.cues}
        counted: list[tuple[list[str], str]] = []
        for note in data.notes:
            if note.get("kind") in MARK_KINDS:
                continue
            spans = on_notes.get(str(note.get("id")), ()) if on_notes else ()
            tags = note.get("tags")
            if spans:
                tags = whole_note_tags(tags or (), [s.get("tags") or () for s in spans])
                counted += [(list(span.get("tags") or ()), person) for span in spans]
            if tags:  # most notes of an archive carry none: nothing to count
                counted.append((tags, person))
        for cue_id, spans in coded.on_cues.items():
            cue = {"kind": "transcript", "author": speakers.get(cue_id)}
            who = counts_for(data.session, cue)
            counted += [(list(span.get("tags") or ()), who) for span in spans]
        session_id = data.id
        for tags, who in counted:
            for tag in tags:
                key = _key(tag)
                self.names.setdefault(key, tag)
                self.uses[key] += 1
                self.where.setdefault(key, set()).add(session_id)
                people = self.who.setdefault(key, set())
                if who:
                    people.add(who)

    def update(self, other: TagTally) -> None:
        """Add what `other` counted (a session's tally, into its study's)."""
        self.uses.update(other.uses)
        for key, name in other.names.items():
            self.names.setdefault(key, name)
        for mine, theirs in ((self.where, other.where), (self.who, other.who)):
            for key, found in theirs.items():
                mine.setdefault(key, set()).update(found)

    def counts(self) -> list[tuple[str, int, int, int]]:
        """Most used first."""
        ranked = sorted(self.uses.items(), key=lambda item: (-item[1], item[0]))
        return [(self.names[k], n, len(self.where[k]), len(self.who[k])) for k, n in ranked]


def write_markdown(study: Study, out: BinaryIO) -> None:
    if len(study.sessions) == 1:
        for data in study.sessions:
            out.write(("\n".join(session_section(data)).rstrip() + "\n").encode("utf-8"))
        return
    tally, labeller = TagTally(), Labeller()
    with Spool() as body:
        for data in study.sessions:
            labeller.see(data)
            lines = session_section(data, level=2, study=tally)
            body.write(("\n".join(lines) + "\n").encode("utf-8"))
        label = study.label if study.label is not None else labeller.label()
        sessions = count_of(len(study.sessions), "session")
        out.write(f"# {_heading(label)}\n\n{sessions}.\n\n".encode())
        body.seek(0)
        shutil.copyfileobj(body, out)
    tail = ["## Tags across the study", ""]
    counts = tally.counts()
    if counts:
        tail += ["| Tag | Excerpts | Sessions | Participants |", "| --- | --- | --- | --- |"]
        tail += [f"| {md_line(name)} | {n} | {s} | {p} |" for name, n, s, p in counts]
    else:
        tail.append("_No tags yet._")
    out.write(("\n".join(tail).rstrip() + "\n").encode("utf-8"))
