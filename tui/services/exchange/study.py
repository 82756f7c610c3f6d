"""What a study looks like for export: its sessions as read through the store, and the codebook.

Every format (markdown, csv, json, refi_qda) renders a `Study`; importers build one and
`importing.apply` writes it. `pseudonymise` turns one into a copy where participants are P1,
P2 ... and authors I1, I2 ..., their names replaced in every text, consistently across it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tui.domain.codings import UNKNOWN_CODER, codings_of
from tui.domain.display_text import visible
from tui.domain.guide import Guide
from tui.domain.notes import tag_key
from tui.services.exchange.errors import ExchangeError
from tui.store import DataStore, StoreError

Progress = Callable[[int, int], None]
"""Called with (done, total) while sessions are read or written."""


@dataclass
class SessionData:
    """One session as its file holds it: records, guide, notes (in stream order), excerpts."""

    session: dict[str, Any]
    guide: dict[str, Any] = field(default_factory=dict)
    guide_state: dict[str, Any] = field(default_factory=lambda: {"current": None, "marks": {}})
    notes: list[dict[str, Any]] = field(default_factory=list)
    excerpts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.session.get("id") or "")

    @property
    def title(self) -> str:
        return str(self.session.get("title") or "")

    @property
    def participant(self) -> str:
        return str(self.session.get("participant") or "")

    @property
    def study(self) -> str:
        """The session's study (the `study` field; old files have none)."""
        value = self.session.get("study")
        return value.strip() if isinstance(value, str) else ""

    @property
    def recording_offset(self) -> float:
        clock = self.session.get("clock") or {}
        try:
            return float(clock.get("recording_offset") or 0.0)
        except (TypeError, ValueError, AttributeError):
            return 0.0

    def question_texts(self) -> dict[str, str]:
        return {q.id: q.text for q in Guide.from_doc(self.guide).questions}

    def excerpts_by_note(self) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for excerpt in self.excerpts:
            found.setdefault(str(excerpt.get("note_id")), []).append(excerpt)
        return found


@dataclass
class Study:
    """What one export holds."""

    sessions: list[SessionData]
    codebook: list[dict[str, Any]]
    """Every tag of the codebook, sorted by name (case-insensitively)."""
    label: str = "fieldnote"
    """A name for the whole (a study name, a session title, "all sessions")."""
    other_participants: list[str] = field(default_factory=list)
    """Participants of sessions not in the export: a note may name them too, so a
    pseudonymised export replaces their names as well."""

    def used_tags(self) -> list[str]:
        """The tags the sessions use, with their stored spelling, sorted."""
        spellings = {
            tag
            for data in self.sessions
            for doc in [*data.notes, *data.excerpts]
            for tag in doc.get("tags") or []
        }
        names: dict[str, str] = {}
        for tag in sorted(spellings):
            names.setdefault(tag_key(tag), tag)
        return [names[key] for key in sorted(names)]


def select_sessions(
    store: DataStore,
    refs: Iterable[str] = (),
    *,
    study: str | None = None,
    every: bool = False,
) -> list[str]:
    """The ids an export names: sessions by id/prefix/title, a study by name, or all."""
    refs = list(refs)
    chosen = sum(1 for given in (refs, study, every) if given)
    if chosen != 1:
        raise ExchangeError("Name the sessions to export, or give --study NAME or --all (one).")
    summaries, problems = store.list_sessions()
    if problems and (every or study):
        raise ExchangeError(f"{problems[0]} The export would leave that session out.")
    ordered = [s.id for s in reversed(summaries)]  # oldest first
    if every:
        if not ordered:
            raise ExchangeError("There are no sessions to export yet; create one first.")
        return ordered
    if study is not None:
        wanted = study.strip().casefold()
        ids = [sid for sid in ordered if _study_of(store, sid).casefold() == wanted]
        if not ids:
            raise ExchangeError(
                f"No session belongs to the study '{visible(study)}'; check its name "
                "(fieldnote new --study NAME sets it)."
            )
        return ids
    ids: list[str] = []
    for ref in refs:
        session_id = store.resolve(ref)
        if session_id not in ids:
            ids.append(session_id)
    return ids


def _study_of(store: DataStore, session_id: str) -> str:
    value = store.open_session(session_id).read().session.get("study")
    return value.strip() if isinstance(value, str) else ""


def read_study(
    store: DataStore,
    session_ids: list[str],
    *,
    label: str | None = None,
    progress: Progress | None = None,
    with_others: bool = False,
) -> Study:
    """Read the sessions (in this order) and the codebook: one consistent copy of each file.
    `with_others`: also the participants of every other session (for pseudonymising)."""
    sessions = []
    for done, session_id in enumerate(session_ids, start=1):
        session_file = store.open_session(session_id)
        try:
            snap = session_file.read()
        finally:
            session_file.close()
        sessions.append(
            SessionData(
                session=snap.session,
                guide=snap.guide,
                guide_state=snap.guide_state,
                notes=snap.notes,
                excerpts=snap.excerpts,
            )
        )
        if progress:
            progress(done, len(session_ids))
    try:
        codebook = store.codebook.tags()
    except StoreError as error:
        raise ExchangeError(str(error)) from None
    others: list[str] = []
    if with_others:
        chosen = set(session_ids)
        summaries, _ = store.list_sessions()
        others = [
            s.participant for s in reversed(summaries) if s.id not in chosen and s.participant
        ]
    return Study(sessions, codebook, label or _label(sessions), others)


def _label(sessions: list[SessionData]) -> str:
    studies = {s.study for s in sessions}
    if len(studies) == 1 and (only := studies.pop()):
        return only
    if len(sessions) == 1:
        return sessions[0].title or "session"
    return "fieldnote"


def file_stem(label: str) -> str:
    """A file name from a label: letters, digits, `-` and `_` only."""
    stem = re.sub(r"[^\w-]+", "-", label, flags=re.UNICODE).strip("-_")
    return stem[:60] or "fieldnote"


# -- pseudonymisation -------------------------------------------------------------------------


class Names:
    """Real names -> codes, and the replacing of those names inside any text."""

    def __init__(self, codes: dict[str, str]) -> None:
        self.codes = {name.casefold(): code for name, code in codes.items()}
        terms: dict[str, str] = {}
        for name, code in codes.items():
            terms.setdefault(name.casefold(), code)
        # "Maya Chen" is also "Maya" or "Chen" in a note: each capitalised part of a name,
        # too, but not a role after it ("P7 (ops lead)") nor particles such as "de" or "van".
        for name, code in codes.items():
            for part in re.findall(r"\w+", re.split(r"[(,;]", name)[0]):
                if len(part) > 1 and part[0].isupper():
                    terms.setdefault(part.casefold(), code)
        self._terms = terms
        alternatives = sorted(terms, key=len, reverse=True)
        self._pattern = (
            re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(t) for t in alternatives) + r")(?!\w)",
                re.IGNORECASE,
            )
            if alternatives
            else None
        )

    def code(self, name: str) -> str:
        return self.codes.get(name.strip().casefold(), self.text(name))

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
            code = self._terms[match.group(0).casefold()]
            parts.append(text[last : match.start()])
            length += match.start() - last
            edits.append((match.start(), match.end(), length, length + len(code)))
            parts.append(code)
            length += len(code)
            last = match.end()
        parts.append(text[last:])
        return "".join(parts), edits

    def deep(self, value: Any) -> Any:
        """Every string inside a JSON-like value with names replaced."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
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


def pseudonym_codes(study: Study) -> dict[str, str]:
    """Participants P1, P2 ... in session order (then those of sessions left out of the
    export); every other author I1, I2 ..."""
    codes: dict[str, str] = {}
    seen: set[str] = set()
    participants = 0
    for name in [*(d.participant for d in study.sessions), *study.other_participants]:
        name = name.strip()
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            participants += 1
            codes[name] = f"P{participants}"
    authors = 0
    for data in study.sessions:
        people = [*(data.session.get("interviewers") or []), *(n.get("author") for n in data.notes)]
        people += [c["coder"] for d in [*data.notes, *data.excerpts] for c in codings_of(d)]
        for name in people:
            if name == UNKNOWN_CODER:
                continue
            if isinstance(name, str) and name.strip() and name.strip().casefold() not in seen:
                seen.add(name.strip().casefold())
                authors += 1
                codes[name.strip()] = f"I{authors}"
    return codes


def _pseudonymise_codings(doc: dict, names: Names) -> None:
    """Each coder by their code, each tag as `tags` has it (tui/domain/codings.py)."""
    if "codings" in doc:
        doc["codings"] = [
            dict(c, tag=names.text(c["tag"]), coder=_coder_code(c["coder"], names))
            for c in codings_of(doc)
        ]


def _coder_code(coder: str, names: Names) -> str:
    return coder if coder == UNKNOWN_CODER else names.code(coder)


def pseudonymise(study: Study) -> Study:
    """A copy of `study` that names nobody: see the module docstring."""
    names = Names(pseudonym_codes(study))
    sessions = []
    for data in study.sessions:
        session = names.deep({k: v for k, v in data.session.items() if k != "id"})
        session["id"] = data.id
        if data.participant.strip():
            session["participant"] = names.code(data.participant)
        interviewers = data.session.get("interviewers")
        if isinstance(interviewers, list):
            session["interviewers"] = [
                names.code(i) if isinstance(i, str) else i for i in interviewers
            ]
        notes, edits_by_note = [], {}
        for note in data.notes:
            text, edits = names.edit(str(note.get("text") or ""))
            edits_by_note[note.get("id")] = edits
            new = dict(note, text=text)
            if isinstance(note.get("author"), str):
                new["author"] = names.code(note["author"])
            for key in ("tags", "emotions"):
                if isinstance(note.get(key), list):
                    new[key] = [names.text(t) if isinstance(t, str) else t for t in note[key]]
            _pseudonymise_codings(new, names)
            notes.append(new)
        excerpts = []
        for excerpt in data.excerpts:
            edits = edits_by_note.get(excerpt.get("note_id"), [])
            new = dict(excerpt)
            if isinstance(excerpt.get("start"), int) and isinstance(excerpt.get("end"), int):
                new["start"] = moved(excerpt["start"], edits, end=False)
                new["end"] = moved(excerpt["end"], edits, end=True)
            if isinstance(excerpt.get("tags"), list):
                new["tags"] = [names.text(t) if isinstance(t, str) else t for t in excerpt["tags"]]
            _pseudonymise_codings(new, names)
            excerpts.append(new)
        sessions.append(
            SessionData(
                session=session,
                guide=names.deep(data.guide),
                guide_state=data.guide_state,
                notes=notes,
                excerpts=excerpts,
            )
        )
    codebook = [
        dict(tag, name=names.text(tag["name"]), description=names.text(tag.get("description", "")))
        for tag in study.codebook
    ]
    codebook.sort(key=lambda tag: tag_key(tag["name"]))
    return Study(sessions, codebook, names.text(study.label))
