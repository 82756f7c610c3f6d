"""A pseudonymised copy of a study: nobody named, nothing that joins it to the plain export.

People become codes: participants P1, P2 ... (in session order, then those of sessions left
out of the export, as notes mention people from other interviews), every other person I1,
I2 ... (interviewers, note authors, debrief authors, coders). Their names are replaced in every
string of every field, dictionary keys included (`"debrief": {"Dana Fox": ...}`), and in the
codebook: the full name and each capitalised part of it, in any case, in composed or
decomposed form (`Zoë` as one code point or as `e` + U+0308), joined by spaces, `_` or `-`
(`Maya_Chen`, a tag `maya_feedback`). The text itself is left as written, so span excerpts
only move where a name was replaced.

Nothing joins the copy back to the plain export: sessions, notes and excerpts get fresh ids
(a REFI-QDA export's GUIDs, derived from ids, are also salted), and every time is moved by one
random offset, the same for the whole export, so order and durations hold. A transcript's
source file name is dropped, and a title that was that file name becomes `Transcript N`.

Only the data folder it came from knows the copy again: each session carries a `copy_mark`
(`COPY_FIELD`), a random nonce and a keyed hash of the nonce and the real session's id, keyed
by a secret of the data folder's own (`folder_key`) that no export holds. `fieldnote import`
hashes each of the folder's ids with it (`copied_from`), so a pseudonymised export brought back
is refused instead of adding every interview a second time under pseudonyms; without the key
the mark says nothing, and two exports' marks differ.

The copy is made a session at a time as it is written (`Pseudonymised`), after one pass over
the sessions that learns who they name: an export of any size holds one session in memory.
New ids derive from the old ones and a random salt, so going through the copy twice gives the
same copy.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path, PurePath
from typing import Any

from tui.domain.clock import from_iso, to_iso
from tui.domain.codings import UNKNOWN_CODER
from tui.domain.display_text import visible
from tui.domain.notes import tag_key
from tui.services.exchange.errors import ExchangeError
from tui.services.exchange.study import Labeller, SessionData, StoredSessions, Study
from tui.services.exchange.transcripts import DIGEST_FIELD
from tui.store.storage import NotAFileError, open_to_read

_JOIN = re.compile(r"[\s_\-]+")
"""What joins the parts of a name: `Maya Chen`, `Maya_Chen`, `Maya-Chen`."""
_COMBINING = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_BEFORE = r"(?<![^\W_])"
"""A name starts after no letter or digit (`_` and `-` are edges: `maya_feedback`)."""
_AFTER = rf"(?![^\W_]|[{_COMBINING}])"
"""... and ends before none, nor before a combining mark (`Zoe` is not the start of `Zoë`)."""
_TIME_KEY = re.compile(r"(?:^|_)(?:at|since)$")
"""Fields holding a moment: `created_at`, `started_at`, `running_since`, a coding's `at`."""
_SHIFT_DAYS = (365, 3 * 365)
"""Times move back by a random offset in this range of days (and random seconds)."""


COPY_FIELD = "copy_mark"
"""The session record's field marking a pseudonymised copy: `nonce:hash` (module doc)."""
KEY_FILE = "pseudonym-key"
"""The data folder's secret for `copy_mark`, in the folder itself (0600)."""


_NOT_COPIED = ("id", "source", "followups", DIGEST_FIELD)
"""Session fields a copy leaves out: the transcript file's name and hash would tie it to the
original file."""


class NoKey(ExchangeError):
    """The data folder's key could not be made (a read-only folder): a copy made now goes
    unmarked, and the sentence says so (`exporting.export_to`)."""


def folder_key(home: Path, *, create: bool) -> bytes | None:
    """The data folder's secret for copy marks; made on first need when `create` (written
    whole to a temp file, then linked into place, so two exports at once agree on one)."""
    path = Path(home) / KEY_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        if not create:
            return None
    except (OSError, ValueError):
        return None  # unreadable or damaged: nothing to recognise copies by
    temp = path.with_name(f".{KEY_FILE}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as stream:
                stream.write(secrets.token_hex(32) + "\n")
                stream.flush()
                os.fsync(stream.fileno())
            try:
                os.link(temp, path)
            except FileExistsError:
                pass  # another export made it first: use that one
        finally:
            temp.unlink(missing_ok=True)
    except OSError as error:
        raise NoKey(
            f"Could not write {visible(str(path))} ({error.strerror or error}), the key by "
            "which this data folder knows its pseudonymised exports again, so this export "
            "carries no copy mark: imported into this folder, it would not be known for a "
            "copy. Make the folder writable and export again for a marked one."
        ) from None
    return folder_key(home, create=False)


def _read_key(path: Path) -> bytes | None:
    """The key in `path`, read without waiting: a FIFO in its place would hold every import
    and export until something wrote into it, and a device (a link to /dev/zero) never ends.
    A key is a small plain file; anything else is none."""
    try:
        fd = open_to_read(path, follow_links=True)
    except NotAFileError:
        return None
    try:
        return bytes.fromhex(os.read(fd, 256).decode("ascii").strip())
    finally:
        os.close(fd)


def _mark(key: bytes, nonce: str, session_id: str) -> str:
    digest = hmac.new(key, f"{nonce}\x1f{session_id}".encode(), hashlib.blake2b)
    return digest.hexdigest()[:32]


def copy_mark(key: bytes, nonce: str, session_id: str) -> str:
    """The mark of a pseudonymised copy of the session `session_id` (`nonce`: random)."""
    return f"{nonce}:{_mark(key, nonce, session_id)}"


def copied_from(session: dict[str, Any], key: bytes | None, ids: Iterable[str]) -> str | None:
    """The id among `ids` of which `session` is a pseudonymised copy made with `key`, if any."""
    mark = session.get(COPY_FIELD)
    if key is None or not isinstance(mark, str) or mark.count(":") != 1:
        return None
    nonce, digest = mark.split(":")
    return next((i for i in ids if hmac.compare_digest(_mark(key, nonce, i), digest)), None)


def person_key(name: str) -> str:
    """One identity per person however the name is written: composed, case-folded, parts
    joined by single spaces (`Kim_Lee` is `Kim Lee`)."""
    return " ".join(_JOIN.split(unicodedata.normalize("NFC", name).casefold())).strip()


def _loose(term: str) -> str:
    """A pattern for `term` (composed) that also matches it decomposed, and its parts joined
    by any of `_JOIN`."""
    parts = []
    for part in _JOIN.split(term):
        chars = []
        for char in part:
            decomposed = unicodedata.normalize("NFD", char)
            if decomposed == char:
                chars.append(re.escape(char))
            else:
                chars.append(f"(?:{re.escape(char)}|{re.escape(decomposed)})")
        parts.append("".join(chars))
    return r"[\s_\-]+".join(p for p in parts if p)


class Names:
    """Real names -> codes, and the replacing of those names inside any text."""

    def __init__(self, codes: dict[str, str]) -> None:
        self.codes = {person_key(name): code for name, code in codes.items()}
        terms: dict[str, str] = {}
        for name, code in codes.items():
            terms.setdefault(person_key(name), code)
        # "Maya Chen" is also "Maya" or "Chen" in a note: each capitalised part of a name,
        # too, but not a role after it ("P7 (ops lead)") nor particles such as "de" or "van".
        for name, code in codes.items():
            composed = unicodedata.normalize("NFC", name)
            for part in re.findall(r"[^\W_]+", re.split(r"[(,;]", composed)[0]):
                if len(part) > 1 and part[0].isupper():
                    terms.setdefault(part.casefold(), code)
        self._codes_by_group: list[str] = []
        alternatives = []
        for term in sorted(terms, key=len, reverse=True):  # "Maya Chen" before "Maya"
            pattern = _loose(term)
            if pattern:
                alternatives.append(f"(?P<n{len(self._codes_by_group)}>{pattern})")
                self._codes_by_group.append(terms[term])
        self._pattern = (
            re.compile(_BEFORE + "(?:" + "|".join(alternatives) + ")" + _AFTER, re.IGNORECASE)
            if alternatives
            else None
        )

    def code(self, name: str) -> str:
        return self.codes.get(person_key(name), self.text(name))

    def text(self, text: str) -> str:
        return self.edit(text)[0]

    def edit(self, text: str) -> tuple[str, list[tuple[int, int, int, int]]]:
        """The text with names replaced, and each replacement as (old start, old end, new
        start, new end), so positions inside the text (span excerpts) can follow."""
        if self._pattern is None or not text:
            return text, []
        parts: list[str] = []
        edits: list[tuple[int, int, int, int]] = []
        last = 0
        length = 0
        for match in self._pattern.finditer(text):
            code = self._codes_by_group[int(match.lastgroup[1:])]
            parts.append(text[last : match.start()])
            length += match.start() - last
            edits.append((match.start(), match.end(), length, length + len(code)))
            parts.append(code)
            length += len(code)
            last = match.end()
        parts.append(text[last:])
        return "".join(parts), edits

    def deep(self, value: Any) -> Any:
        """Every string inside a JSON-like value with names replaced, keys included."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        if isinstance(value, dict):
            return {self.deep(k): self.deep(v) for k, v in value.items()}
        return value


def moved(position: int, edits: list[tuple[int, int, int, int]], *, end: bool) -> int:
    """Where a position in the old text lands in the new one. Inside a replaced name it
    snaps to the name's start (a span start) or end (a span end)."""
    shift = 0
    for old_start, old_end, new_start, new_end in edits:
        if position >= old_end:
            shift = new_end - old_end
            continue
        if position > old_start:
            return new_end if end else new_start
        break
    return position + shift


def _people(data: SessionData) -> list[Any]:
    """Everyone a session names in a field meant for a person, other than its participant."""
    session = data.session
    people: list[Any] = list(session.get("interviewers") or [])
    debrief = session.get("debrief")
    if isinstance(debrief, dict):
        people += list(debrief)
    for doc in [*data.notes, *data.excerpts]:
        people.append(doc.get("author"))
        # Who coded it (codings a settlement set aside too, and who settled them), who rated it.
        for field in ("codings", "set_aside", "ratings"):
            given = doc.get(field)
            if isinstance(given, list):
                # `unknown` (a tag or rating from before coders were recorded) is nobody: as
                # a name it would replace the word in every note that says it.
                coders = [c.get("coder") for c in given if isinstance(c, dict)]
                coders += [
                    c["settled"].get("by")
                    for c in given
                    if isinstance(c, dict) and isinstance(c.get("settled"), dict)
                ]
                people += [c for c in coders if c != UNKNOWN_CODER]
    if data.recording is not None:  # an attached transcript's speakers
        people += [
            c.get("speaker") for c in data.recording.get("cues") or [] if isinstance(c, dict)
        ]
    talk = session.get("talk")
    if isinstance(talk, dict) and isinstance(talk.get("switches"), list):
        people += [s[1] for s in talk["switches"] if isinstance(s, list) and len(s) > 1]
    return people


class _Census:
    """What a pass over the sessions learns before any is pseudonymised: everyone they name
    (participants P1, P2 ... in session order, then those of sessions left out of the export;
    every other person I1, I2 ...), and what names the study."""

    def __init__(self, study: Study) -> None:
        self.labeller = Labeller()
        self.titles: dict[str, tuple[int, bool]] = {}
        """Title -> (number of the first session with it, whether that title was its
        transcript's file name)."""
        participants: list[str] = []
        people: list[Any] = []
        sessions = study.sessions
        for number, data in enumerate(
            sessions.quiet() if isinstance(sessions, StoredSessions) else sessions, start=1
        ):
            self.labeller.see(data)
            participants.append(data.participant)
            people += _people(data)
            if data.title not in self.titles:
                self.titles[data.title] = (number, _titled_after_source(data))
        self.codes: dict[str, str] = {}
        seen: set[str] = set()
        for name in [*participants, *study.other_participants]:
            if name.strip() and person_key(name) not in seen:
                seen.add(person_key(name))
                self.codes[name.strip()] = f"P{len(seen)}"
        authors = 0
        for name in people:
            if isinstance(name, str) and name.strip() and person_key(name) not in seen:
                seen.add(person_key(name))
                authors += 1
                self.codes[name.strip()] = f"I{authors}"


def _titled_after_source(data: SessionData) -> bool:
    source = data.session.get("source")
    return isinstance(source, str) and data.title == PurePath(source).stem


def _shifted(value: Any, offset: timedelta) -> Any:
    """`value` with every moment in a time field (`_TIME_KEY`) moved back by `offset`."""
    if isinstance(value, list):
        return [_shifted(v, offset) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if isinstance(item, str) and item and isinstance(key, str) and _TIME_KEY.search(key):
            try:
                item = to_iso(from_iso(item) - offset)
            except (ValueError, OverflowError):
                item = ""  # not a time Fieldnote wrote: dropped rather than kept as it was
        out[key] = _shifted(item, offset)
    return out


def pseudonymise(study: Study, key: bytes | None = None) -> Study:
    """A copy of `study` that names nobody and shares no id or time with it (module doc);
    with the data folder's `key`, each session carries its copy mark."""
    census = _Census(study)
    names = Names(census.codes)
    offset = timedelta(
        days=_SHIFT_DAYS[0] + secrets.randbelow(_SHIFT_DAYS[1] - _SHIFT_DAYS[0]),
        seconds=secrets.randbelow(86400),
    )
    label = study.label if study.label is not None else census.labeller.label()
    new_label = names.text(label)
    if label in census.titles:  # named after a session: it follows the new title
        number, after_source = census.titles[label]
        new_label = f"Transcript {number}" if after_source else names.text(label)
    sessions = Pseudonymised(study.sessions, names, offset, secrets.token_hex(16), key)
    codebook = _shifted([names.deep(tag) for tag in study.codebook], offset)
    codebook.sort(key=lambda tag: tag_key(tag["name"]))
    return Study(sessions, codebook, new_label, guid_salt=secrets.token_hex(16))


class Pseudonymised(Sequence[SessionData]):
    """The pseudonymised copy of each session, made as it is reached."""

    def __init__(
        self,
        sessions: Sequence[SessionData],
        names: Names,
        offset: timedelta,
        salt: str,
        key: bytes | None = None,
    ) -> None:
        self.sessions = sessions
        self.names = names
        self.offset = offset
        self.salt = salt
        self.key = key

    def __len__(self) -> int:
        return len(self.sessions)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return list(self)[index]
        index = range(len(self))[index]
        return self._copy(self.sessions[index], index + 1)

    def __iter__(self) -> Iterator[SessionData]:
        for number, data in enumerate(self.sessions, start=1):
            yield self._copy(data, number)

    def _id(self, *parts: str) -> str:
        """A fresh id for `parts`: the same within this copy, unrelated to anything else."""
        joined = "\x1f".join((self.salt, *parts)).encode("utf-8")
        return hashlib.blake2b(joined, digest_size=16).hexdigest()

    def _copy(self, data: SessionData, number: int) -> SessionData:
        names, offset = self.names, self.offset
        session_id = self._id("session", data.id)
        note_ids = {
            str(n.get("id")): self._id("note", data.id, str(n.get("id"))) for n in data.notes
        }
        session = names.deep({k: v for k, v in data.session.items() if k not in _NOT_COPIED})
        session["id"] = session_id
        session.pop(COPY_FIELD, None)  # a copy's copy is marked for this folder alone
        if self.key is not None:
            session[COPY_FIELD] = copy_mark(self.key, self._id("mark", data.id), data.id)
        if _titled_after_source(data):
            session["title"] = f"Transcript {number}"
        if data.participant.strip():
            session["participant"] = names.code(data.participant)
        interviewers = data.session.get("interviewers")
        if isinstance(interviewers, list):
            session["interviewers"] = [
                names.code(i) if isinstance(i, str) else i for i in interviewers
            ]
        debrief = data.session.get("debrief")
        if isinstance(debrief, dict):
            session["debrief"] = {names.code(k): names.deep(v) for k, v in debrief.items()}
        followups = data.session.get("followups")
        if isinstance(followups, dict):  # keyed by note id
            session["followups"] = {
                note_ids.get(k) or self._id("gone", data.id, str(k)): names.deep(v)
                for k, v in followups.items()
            }
        notes, edits_by_note = [], {}
        for note in data.notes:
            text, edits = names.edit(str(note.get("text") or ""))
            edits_by_note[str(note.get("id"))] = edits
            new = names.deep({k: v for k, v in note.items() if k not in ("id", "text", "author")})
            new.update(id=note_ids[str(note.get("id"))], session_id=session_id, text=text)
            if isinstance(note.get("author"), str):
                new["author"] = names.code(note["author"])
            notes.append(new)
        recording = None
        if data.recording is not None:
            # Its cues as the notes are: names replaced in the words (spans coded on a cue
            # follow), speakers coded, fresh ids; the file names (transcript, media) left out.
            cues = []
            for cue in data.recording.get("cues") or []:
                cue_id = self._id("cue", data.id, str(cue.get("id")))
                text, edits = names.edit(str(cue.get("text") or ""))
                # A span naming a note and a cue of one id is the note's (spans.span_owners).
                note_ids.setdefault(str(cue.get("id")), cue_id)
                edits_by_note.setdefault(str(cue.get("id")), edits)
                speaker = cue.get("speaker")
                speaker = names.code(speaker) if isinstance(speaker, str) and speaker else ""
                cues.append({**cue, "id": cue_id, "text": text, "speaker": speaker})
            recording = {**data.recording, "source": "transcript", "media": None, "cues": cues}
        excerpts = []
        for excerpt in data.excerpts:
            edits = edits_by_note.get(str(excerpt.get("note_id")), [])
            new = names.deep({k: v for k, v in excerpt.items() if k not in ("id", "note_id")})
            new["id"] = self._id("excerpt", data.id, str(excerpt.get("id")))
            new["note_id"] = note_ids.get(str(excerpt.get("note_id"))) or self._id(
                "gone", data.id, str(excerpt.get("note_id"))
            )
            if isinstance(excerpt.get("start"), int) and isinstance(excerpt.get("end"), int):
                new["start"] = moved(excerpt["start"], edits, end=False)
                new["end"] = moved(excerpt["end"], edits, end=True)
            excerpts.append(new)
        return SessionData(
            session=_shifted(session, offset),
            guide=names.deep(data.guide),
            guide_state=names.deep(data.guide_state),
            notes=_shifted(notes, offset),
            excerpts=_shifted(excerpts, offset),
            recording=_shifted(recording, offset),
        )
