"""The memo a REFI-QDA project written by Fieldnote keeps of each session: what the format has
no place for, so that the project imported into another Fieldnote data folder is the same study
there (docs/exchange.md, "What a round trip keeps").

A project holds a session's notes as lines of its source text, each tagged note and span as a
selection coded by its coders (each Coding's creatingUser and time), the participant as a Case
and the study as a variable. It has no place for a coder's rating, a follow-up's status, the
guide and its asked and skipped marks, the interview clock and the time spent on each question,
a note's exact moment and question, a resolver's settlement and the codings it set aside, nor
for a transcript attached to a session (it becomes a source of its own). The memo holds those:
JSON (`FORMAT`, `VERSION`) in a Note of the project, which the session's TextSource names by a
NoteRef and whose Description opens with `ABOUT`. Another tool shows it as a memo of that
source. Fieldnote's import reads it in a project whose
`origin` is Fieldnote alone; a project without memos (an older export, another tool's) imports
as before.

What a memo holds, each document but what the project holds of it:
- `session`: the session record but its id, study, copy mark and source GUID (its source's
  variables and GUID) and a sync's undecided values, with `followups` keyed by the place of
  its note in `notes` instead of the note's id (its title, participant and creation time are
  the source's name, Case and creationDateTime too, as another tool reads them);
- `guide` and `guide_state` as stored;
- `notes`: every note in order, but its id, words, tags and codings in force: `text` is
  [start, end] of its words in the source text (where its PlainTextSelection lies, when it
  has tags), or `words` holds them where they are no line of it (an `asked` mark); the
  codings a settlement set aside (`set_aside`, each with who settled it and when), which no
  selection may carry (another tool would count them as in force), are kept as stored;
- `excerpts`: each span coded on a note or a cue (`note` or `cue`: its place in `notes` or in
  the recording's `cues`), with `selection`, the GUID of its PlainTextSelection (a span may
  lie where its note does, or where another span does), and its set-aside codings (a span
  whose codings a settlement all set aside is kept for them: agreement compares it);
- `recording` (a transcript attached): its document with each cue's words as a note's are
  (`text` in the transcript's source text, or `words`), and `transcript`, that source's GUID;
- `settlements` (when a resolver settled a disagreement): the GUIDs of the Codings that are
  a resolver's settlement (`settlement: true`), which REFI-QDA cannot mark: without it they
  would come back as the resolver's own codings, a coder more for agreement.
The tags come back from the selections, with their coders and times, so agreement over the
imported study gives the figures, and the settled count, it gave before.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from tui.domain.codings import SET_ASIDE
from tui.domain.notes import new_id
from tui.domain.spans import idle_span
from tui.services.exchange.study import SessionData

FORMAT = "fieldnote-memo"
VERSION = 1
ABOUT = (
    "Fieldnote's memo of this session: what REFI-QDA has no place for (ratings, follow-ups, "
    "the guide and its marks, the attached transcript), read back by Fieldnote's import."
)
"""The first line of a memo Note's Description: with the project's origin, what marks it."""

MAX_VALUES = 1_000_000
"""JSON values one memo may hold (counted as its `{`, `[` and `,`): a note takes 14, 23 when
two coders rated it, a cue of an attached transcript 7, so a session of 10,000 notes rated by
two coders with a transcript of 10,000 cues takes 300,000. Parsed, a million values of the
costliest kind (small objects holding a string) take some 160 MB."""

HELD_SESSION = ("id", "study", "copy_mark", "refi_source")
"""Session fields the import gives from the project itself: a fresh id, the source's variables
(the study, which `--study` may replace; a pseudonymised copy's mark) and its GUID."""
_SESSION_LEFT = (*HELD_SESSION, "followups", "conflicts")
"""A session's fields the memo leaves out (`followups` goes in keyed by place)."""
_NOTE_LEFT = ("id", "session_id", "text", "tags", "codings", "conflicts")
"""A note's fields the memo leaves to the source text and the selections (and a sync's
undecided values)."""
_SPAN_LEFT = ("id", "note_id", "tags", "codings", "conflicts")
_CUE_LEFT = ("id", "text")
_PLACED = ("text", "words", "selection", "note", "cue")
"""The memo's own keys in an entry: where its words are, its selection, what it is on."""


def session_memo(
    data: SessionData,
    text: tuple[str, Mapping[str, int]],
    transcript: tuple[str, str, Mapping[str, int]] | None,
    selection: Callable[[str], str],
    settlements: list[str],
) -> bytes:
    """The memo of `data` as JSON (keys sorted: the same data, the same bytes). `text`: the
    source text and where each note's words start in it; `transcript`: the attached
    transcript's source GUID, text, and where each cue's words start; `selection`: the GUID
    of the PlainTextSelection of a span by its id; `settlements`: the GUIDs of the Codings
    written for a resolver's settlements."""
    source, starts = text
    place: dict[str, int] = {}
    notes = []
    for number, note in enumerate(data.notes):
        note_id = str(note.get("id"))
        place.setdefault(note_id, number)
        notes.append(_placed(note, _NOTE_LEFT, source, starts.get(note_id)))
    session = {k: v for k, v in data.session.items() if k not in _SESSION_LEFT}
    followups = data.session.get("followups")
    if isinstance(followups, dict):  # a follow-up of a deleted note is no one's: left out
        session["followups"] = {str(place[k]): v for k, v in followups.items() if k in place}
    memo: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "session": session,
        "guide": data.guide,
        "guide_state": data.guide_state,
        "notes": notes,
    }
    cue_place: dict[str, int] = {}
    if data.recording is not None and transcript is not None:
        guid, words, cue_starts = transcript
        cues = []
        for number, cue in enumerate(data.cues):
            cue_place.setdefault(str(cue.get("id")), number)
            cues.append(_placed(cue, _CUE_LEFT, words, cue_starts.get(str(cue.get("id")))))
        memo["recording"] = {**data.recording, "cues": cues}
        memo["transcript"] = guid
    excerpts = []
    for excerpt in data.excerpts:
        owner = str(excerpt.get("note_id"))
        # What it is coded on: the note of its id, else the cue (`spans.span_owners`); on
        # neither (its note deleted), or idle, it shows nowhere and is left out, unless
        # agreement compares it (codings a settlement set aside).
        if idle_span(excerpt) and not excerpt.get(SET_ASIDE):
            continue
        if owner in place:
            on = {"note": place[owner]}
        elif owner in cue_place:
            on = {"cue": cue_place[owner]}
        else:
            continue
        entry = {k: v for k, v in excerpt.items() if k not in _SPAN_LEFT} | on
        if excerpt.get("tags"):
            entry["selection"] = selection(str(excerpt.get("id")))
        excerpts.append(entry)
    memo["excerpts"] = excerpts
    if settlements:  # absent otherwise: a study no one settled exports as it did
        memo["settlements"] = settlements
    return orjson.dumps(memo, option=orjson.OPT_SORT_KEYS)


def _placed(
    doc: Mapping[str, Any], left: tuple[str, ...], text: str, start: int | None
) -> dict[str, Any]:
    """A note's or cue's entry: its fields but `left`, and where its words are in `text`
    (`text`: [start, end]) or, when they are no slice of it, the words themselves."""
    entry = dict(doc)  # a copy less a few keys: a study has tens of thousands of notes
    for key in left:
        entry.pop(key, None)
    words = str(doc.get("text") or "")
    if start is not None and text.startswith(words, start):
        entry["text"] = [start, start + len(words)]
    else:  # an `asked` mark, or a cue whose line break the source made a space
        entry["words"] = words
    return entry


class MemoError(ValueError):
    """A memo that cannot be read; `str(error)` says what is wrong, as a phrase."""


class MemoTooLarge(MemoError):
    """A memo of more values than `MAX_VALUES`: exporting it again would not help."""


@dataclass
class Selected:
    """What each selection of a session's sources is coded on, as its memo says."""

    spans: dict[str, dict[str, Any]]
    """A span by the GUID of its selection (lower case), in either source."""
    notes: dict[tuple[int, int], dict[str, Any]]
    """A note by where its words lie in the session's source text."""

    def of(self, guid: str, start: str, end: str, *, transcript: bool) -> dict[str, Any] | None:
        """The span or note a selection (its GUID and positions as written) is on, if any;
        a selection of the `transcript`'s source is on a span alone."""
        if (span := self.spans.get(guid)) is not None or transcript:
            return span
        try:
            return self.notes.get((int(start), int(end)))
        except ValueError:
            return None


@dataclass
class Memo:
    """A session's memo as read (`read_memo`): nothing built yet."""

    doc: dict[str, Any]

    @property
    def transcript(self) -> str:
        """The GUID of the attached transcript's source (lower case); "" when none."""
        return str(self.doc.get("transcript") or "").lower()

    @functools.cached_property
    def settlements(self) -> frozenset[str]:
        """The GUIDs of the Codings that are a resolver's settlement (lower case)."""
        return frozenset(guid.lower() for guid in self.doc.get("settlements") or ())

    def session(
        self, text: str, transcript: str | None, base: dict[str, Any]
    ) -> tuple[SessionData, Selected]:
        """The session the memo describes, over the source text `text` (and the attached
        transcript's source text); its record is the memo's over `base` (id, title,
        participant, creation time and study as the project gives them; the memo gives
        neither id nor study). Also what each selection is coded on, for its codings.
        MemoError when the memo does not fit the texts."""
        memo = self.doc
        _check(memo, len(text), len(transcript) if transcript is not None else None)
        session_id = base["id"]
        selected = Selected({}, {})
        notes = []
        for entry in memo["notes"]:
            note = _document(entry, text)
            note.update(session_id=session_id, tags=[], codings=[])
            if (span := entry.get("text")) is not None:
                selected.notes[(span[0], span[1])] = note
            notes.append(note)
        session = base | {k: v for k, v in memo["session"].items() if k not in HELD_SESSION}
        if isinstance(followups := memo["session"].get("followups"), dict):
            session["followups"] = {notes[int(k)]["id"]: v for k, v in followups.items()}
        recording = None
        cues: list[dict[str, Any]] = []
        if (found := memo.get("recording")) is not None:
            cues = [_document(entry, transcript or "") for entry in found["cues"]]
            recording = {**found, "cues": cues}
        excerpts = []
        for entry in memo["excerpts"]:
            owner = notes[entry["note"]] if "note" in entry else cues[entry["cue"]]
            excerpt = {k: v for k, v in entry.items() if k not in _PLACED}
            excerpt.update(id=new_id(), note_id=owner["id"], tags=[], codings=[])
            if isinstance(guid := entry.get("selection"), str):
                selected.spans[guid.lower()] = excerpt
            excerpts.append(excerpt)
        data = SessionData(
            session=session,
            guide=memo["guide"],
            guide_state=memo["guide_state"],
            notes=notes,
            excerpts=excerpts,
            recording=recording,
        )
        return data, selected


def _document(entry: dict[str, Any], text: str) -> dict[str, Any]:
    """A note or a cue of a memo's entry: its fields, its words from `text` (or the entry),
    a fresh id."""
    doc = {k: v for k, v in entry.items() if k not in _PLACED}
    span = entry.get("text")
    doc["id"] = new_id()
    doc["text"] = text[span[0] : span[1]] if span is not None else entry["words"]
    return doc


def read_memo(raw: bytes) -> Memo:
    """A memo's JSON, of this format and version; MemoError otherwise. Its shape is checked
    against the texts it describes when the session is built (`Memo.session`)."""
    # Counted before parsing: 16 MB of `{},` parse into 470 MB of Python objects. Each value
    # but a container's first follows a comma, so these bound the values (~90 bytes each).
    if raw.count(b"{") + raw.count(b"[") + raw.count(b",") > MAX_VALUES:
        raise MemoTooLarge(f"it holds more than {MAX_VALUES:,} values, more than any session needs")
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise MemoError("it is not JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise MemoError("it is no memo Fieldnote wrote")
    if doc.get("version") != VERSION:
        found = doc.get("version")
        raise MemoError(f"it is of version {found!r}, and this Fieldnote reads {VERSION}")
    return Memo(doc)


def _check(doc: dict[str, Any], text_length: int, transcript_length: int | None) -> None:
    """MemoError unless every place the memo names is in range, over a source text of
    `text_length` (and an attached transcript's of `transcript_length`, None when its source
    is not in the project), so building the session cannot fail. The documents' own fields
    are checked later, as every import's are (`new_session_problem`)."""
    for key in ("session", "guide", "guide_state"):
        if not isinstance(doc.get(key), dict):
            raise MemoError(f"its {key} is not an object")
    notes = _entries(doc.get("notes"), "notes", text_length)
    followups = doc["session"].get("followups")
    if followups is not None:
        if not isinstance(followups, dict) or not all(_place(k, notes) for k in followups):
            raise MemoError("its follow-ups name no note")
    cues = 0
    if "recording" in doc:
        recording = doc["recording"]
        if not isinstance(recording, dict) or not isinstance(doc.get("transcript"), str):
            raise MemoError("its attached transcript is not an object with its source")
        if transcript_length is None:
            raise MemoError("the source of its attached transcript is not in the project")
        cues = _entries(recording.get("cues"), "cues", transcript_length)
    settlements = doc.get("settlements", [])
    if not isinstance(settlements, list) or not all(isinstance(g, str) for g in settlements):
        raise MemoError("its settlements are not a list of GUIDs")
    excerpts = doc.get("excerpts")
    if not isinstance(excerpts, list):
        raise MemoError("its excerpts are not a list")
    for entry in excerpts:
        if not isinstance(entry, dict) or not (
            _index(entry.get("note"), notes) if "note" in entry else _index(entry.get("cue"), cues)
        ):
            raise MemoError("an excerpt is on no note or cue of it")


def _entries(entries: Any, what: str, length: int) -> int:
    """How many notes or cues `entries` holds, each an object whose words are a slice of a text
    of `length` or given; MemoError otherwise."""
    if not isinstance(entries, list):
        raise MemoError(f"its {what} are not a list")
    for entry in entries:
        if not isinstance(entry, dict):
            raise MemoError(f"one of its {what} is not an object")
        span = entry.get("text")
        if span is None:
            if not isinstance(entry.get("words"), str):
                raise MemoError(f"one of its {what} has no words")
        elif not (
            isinstance(span, list)
            and len(span) == 2
            and all(type(n) is int for n in span)
            and 0 <= span[0] <= span[1] <= length
        ):
            raise MemoError(f"one of its {what} lies outside the source's text")
    return len(entries)


def _index(value: Any, count: int) -> bool:
    return type(value) is int and 0 <= value < count


def _place(key: Any, count: int) -> bool:
    return isinstance(key, str) and key.isascii() and key.isdigit() and _index(int(key), count)
