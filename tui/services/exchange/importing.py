"""`fieldnote import`: read every file first, then write it all, or nothing.

A file that fails to parse stops the import before anything is written. The sessions are
then written one whole file each (`DataStore.create_session` with their notes), and the
codebook last; if any of those writes fails, the session files already written are removed
again, so the data folder is as it was.
"""

from __future__ import annotations

import hashlib
import stat
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.domain.clock import to_iso
from tui.domain.codings import SET_ASIDE
from tui.domain.display_text import cut, visible
from tui.domain.notes import MAX_NOTE_CHARS, format_elapsed, note_counts, note_parts, tag_key
from tui.domain.tags import tag_limit
from tui.services.exchange import archive, pseudonyms, refi_qda, transcripts
from tui.services.exchange.errors import ExchangeError, bad_file
from tui.services.exchange.study import Progress, Study
from tui.store import DataStore, StoreError, new_session_problem, new_tag_problem
from tui.store.codebook import new_tag
from tui.store.storage import NOT_A_FILE, open_to_read

SUFFIXES = (".json", ".qdc", ".qdpx", *transcripts.TRANSCRIPT_SUFFIXES)


MAX_JSON_BYTES = 32 * 1024 * 1024
"""Bytes a JSON export may have: a study of 30 hour-long transcripts takes ~15 MB."""


TITLE_CELLS = 80
"""A session's title in a sentence is cut to this many cells: a title of 100,000 characters
(a hand edit, another tool's file) still leaves a sentence one can read."""


@dataclass
class ImportResult:
    sessions: list[tuple[str, str, int]] = field(default_factory=list)
    """(id, title, notes) of each session created."""
    tags_added: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    """Sentences about what a file did not bring (a project with codes but no sources), or
    brought with a doubt to check (a transcript's block with no timing)."""


class SpeakerNames(dict[str, str]):
    """Speaker label (case-folded) -> the one name to give it; remembers which were used."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__(names)
        self.used: set[str] = set()


def speaker_names(pairs: list[str]) -> SpeakerNames:
    """`--speaker "Mr Praline=Praline"` options as label -> name."""
    names: dict[str, str] = {}
    for pair in pairs:
        label, equals, name = pair.partition("=")
        if not equals or not label.strip() or not name.strip():
            raise ExchangeError(
                f"--speaker '{visible(pair)}' is not LABEL=NAME; write it as "
                '--speaker "Mr Praline=Praline".'
            )
        names[" ".join(label.split()).casefold()] = " ".join(name.split())
    return SpeakerNames(names)


def _renamed(name: str, speakers: SpeakerNames) -> str:
    key = " ".join(name.split()).casefold()
    if key not in speakers:
        return name
    speakers.used.add(key)
    return speakers[key]


def read_capped(path: Path, limit: int, what: str) -> bytes:
    try:
        with open(open_to_read(path, follow_links=True), "rb") as stream:
            raw = stream.read(limit + 1)
    except OSError as error:
        raise bad_file(path, f"it cannot be read ({error.strerror or error}).") from None
    if len(raw) > limit:
        raise bad_file(
            path, f"it is larger than {limit // (1024 * 1024)} MB, more than {what}; split it."
        )
    return raw


def read_file(
    path: Path,
    *,
    now: datetime,
    study: str | None = None,
    participant: str | None = None,
    speakers: SpeakerNames | None = None,
    notices: list[str] | None = None,
) -> Study:
    """One file parsed into what it would add; ExchangeError naming the file otherwise.
    `speakers` renames speaker labels (and participants) before anything else looks at them;
    `notices` hears what was read with a doubt (a transcript's untimed block)."""
    path = Path(path)
    speakers = speakers if speakers is not None else SpeakerNames({})
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise bad_file(
            path,
            "Fieldnote imports .json, .qdc and .qdpx files and transcripts (.vtt, .srt, or "
            f"plain text as {', '.join(transcripts.TRANSCRIPT_SUFFIXES[2:])}); rename it if it "
            "is one of those.",
        )
    try:
        found = path.stat()
    except OSError as error:
        raise bad_file(path, f"it cannot be read ({error.strerror or error}).") from None
    if not stat.S_ISREG(found.st_mode):  # never opened: a pipe would wait for its writer
        raise bad_file(path, f"it is no file but {NOT_A_FILE}; name the file itself.")
    if found.st_size == 0:
        raise bad_file(path, "it is empty; there is nothing to import.")
    if suffix == ".qdc":
        return Study([], refi_qda.read_qdc(path, now), path.stem)
    if suffix == ".qdpx":
        result = refi_qda.read_qdpx(path, now=now, study=study or "", participant=participant)
        _rename(result, speakers)
        return result
    if suffix == ".json":
        raw = read_capped(path, MAX_JSON_BYTES, "a Fieldnote export of any study")
        if not raw.strip():
            raise bad_file(path, "it is empty; there is nothing to import.")
        result = archive.read_json(raw, path)
        _rename(result, speakers)
        if study:
            for data in result.sessions:
                data.session["study"] = study
        return result
    raw = read_capped(path, transcripts.MAX_TRANSCRIPT_BYTES, "any transcript")
    # A cue (or a run of lines no speaker opens) past what a note holds is notes of it at
    # one moment, each within the limit: one note of 16 MB took the tagging screen a minute
    # and 1.7 GB to list.
    cues = [
        replace(cue, text=part)
        for cue in transcripts.read_transcript(raw, path, notices)
        for part in note_parts(cue.text)
    ]
    for cue in cues:
        cue.speaker = _renamed(cue.speaker, speakers)
    names = list(dict.fromkeys(cue.speaker for cue in cues))
    who = transcripts.pick_participant(names, participant, path)
    data = transcripts.transcript_session(
        cues, title=path.stem, now=now, participant=who, study=study or "", source=path.name
    )
    data.session[transcripts.DIGEST_FIELD] = hashlib.sha256(raw).hexdigest()
    return Study([data], [], path.stem)


def _rename(study: Study, speakers: SpeakerNames) -> None:
    if not speakers:
        return
    for data in study.sessions:
        if isinstance(data.session.get("participant"), str):
            data.session["participant"] = _renamed(data.session["participant"], speakers)
        for note in data.notes:
            if isinstance(note.get("author"), str):
                note["author"] = _renamed(note["author"], speakers)


def _speakers_used(speakers: SpeakerNames) -> None:
    """A `--speaker` label that matches no one is a typo, not a no-op: say so."""
    for label in speakers:
        if label not in speakers.used:
            raise ExchangeError(
                f"--speaker '{visible(label)}' names no speaker in the files; check the "
                "spelling (nothing was imported)."
            )


def _in_the_folder(store: DataStore) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The data folder's sessions (id -> title), the REFI-QDA source GUIDs its sessions are
    (each one's as exported, as a project Fieldnote wrote names its sources so, and the one it
    was imported from; GUID -> id) and the transcript files they were imported from (SHA-256
    -> id). One look at the folder, through the study index."""
    from tui.services.study_index import study_index

    ids, sources, digests = {}, {}, {}
    for session in study_index(store).refresh(light=True).sessions:
        ids[session.id] = str(session.session.get("title") or "")
        sources.setdefault(refi_qda.source_guid(session.id), session.id)
        imported = session.session.get(refi_qda.SOURCE_FIELD)
        if isinstance(imported, str):
            sources.setdefault(imported, session.id)
        digest = session.session.get(transcripts.DIGEST_FIELD)
        if isinstance(digest, str):
            digests[digest] = session.id
    return ids, sources, digests


def _check_documents(path: Path, study: Study) -> None:
    """Every document an import would write, checked with the store's own checks (and every
    note's length and tag name against the limits) before anything is written, so an import
    never leaves a session file that later reads refuse, nor a note no screen can list."""
    for number, data in enumerate(study.sessions, start=1):
        where = f"session {number}"
        problem = new_session_problem(
            data.session, data.guide, data.guide_state, data.notes, data.excerpts, data.recording
        )
        if problem is not None:
            raise bad_file(path, f"{problem}; nothing was imported.", where=where)
        for doc in data.notes:
            text = doc.get("text")
            if isinstance(text, str) and len(text) > MAX_NOTE_CHARS:
                at = doc.get("elapsed")
                at = f" at {format_elapsed(at)}" if isinstance(at, int | float) else ""
                raise bad_file(
                    path,
                    f"its note{at} holds {len(text):,} characters, more than the "
                    f"{MAX_NOTE_CHARS:,} a note holds (the tagging screen would take minutes "
                    "and gigabytes to list it); split it into shorter cues or lines. Nothing "
                    "was imported.",
                    where=where,
                )
        # Each tag the session names once: its documents' tags and those of their codings,
        # in force or set aside (the store's checks passed: a coding is an object with a
        # text `tag`).
        named: set[str] = set()
        for doc in [*data.notes, *data.excerpts]:
            named.update(doc.get("tags") or ())
            for listed in ("codings", SET_ASIDE):
                named.update(c["tag"] for c in doc.get(listed) or ())
        for tag in sorted(named):
            if (problem := tag_limit(str(tag))) is not None:
                raise bad_file(path, f"{problem}; nothing was imported.", where=where)
    for number, tag in enumerate(study.codebook, start=1):
        problem = new_tag_problem(tag)
        if problem is not None:
            raise bad_file(path, f"{problem}; nothing was imported.", where=f"tag {number}")
        if (problem := tag_limit(tag["name"])) is not None:
            raise bad_file(path, f"{problem}; nothing was imported.", where=f"tag {number}")


def _tags_to_merge(study: Study, stamp: str, *, exact: bool) -> list[dict[str, Any]]:
    """The codebook documents an import brings: exactly as exported (JSON restores the
    codebook as it was), or every tag the notes use, counting those uses."""
    uses: Counter[str] = Counter()
    names: dict[str, str] = {}
    for data in study.sessions:
        for doc in [*data.notes, *data.excerpts]:
            for tag in doc.get("tags") or []:
                uses[tag_key(tag)] += 1
                names.setdefault(tag_key(tag), tag)
    docs = {tag_key(t["name"]): dict(t) for t in study.codebook}
    if exact:
        return list(docs.values())
    for key, name in names.items():
        docs.setdefault(key, new_tag(name, stamp))
    for key, doc in docs.items():
        if uses[key]:
            doc["uses"], doc["last_used_at"] = uses[key], stamp
    return list(docs.values())


def _refuse_copies(store: DataStore, parsed: list[tuple[Path, Study]]) -> None:
    """Refuse the import, naming why, when it would bring a session the folder has (by id,
    by REFI-QDA source, as a pseudonymised copy, as the same transcript) or brings one twice.
    Called under `store.importing()`, so the folder cannot change between this look and the
    writes."""
    known, sources, digests = _in_the_folder(store)
    given: dict[str, Path] = {}  # the source GUIDs and transcript hashes of this import
    key = pseudonyms.folder_key(store.home, create=False)
    seen: set[str] = set()

    def titled(session_id: str) -> str:
        return cut(known[session_id], TITLE_CELLS)

    for path, result in parsed:
        for data in result.sessions:
            title = cut(data.title, TITLE_CELLS)
            original = pseudonyms.copied_from(data.session, key, known)
            if original is not None:
                raise bad_file(
                    path,
                    f"its session '{title}' is a pseudonymised copy of "
                    f"'{titled(original)}' ({original[:8]}), which is in this data "
                    "folder: importing it would add that interview a second time under "
                    "pseudonyms; nothing was imported. Work on the plain session, or import "
                    "the copy into another data folder (FIELDNOTE_HOME).",
                )
            if data.id in known:
                raise bad_file(
                    path,
                    f"its session '{title}' ({data.id[:8]}) is already in the data "
                    "folder; nothing was imported.",
                )
            if data.id in seen:
                raise bad_file(
                    path,
                    f"its session '{title}' ({data.id[:8]}) comes twice in this "
                    "import (a file named twice, or a session twice in one export); nothing was "
                    "imported. Name each file once.",
                )
            seen.add(data.id)
            twin = sources.get(refi_qda.source_guid(data.id))
            if twin is not None:  # a project Fieldnote exported of this session, imported here
                raise bad_file(
                    path,
                    f"its session '{title}' ({data.id[:8]}) is already in the data "
                    f"folder as '{titled(twin)}' ({twin[:8]}), imported from a REFI-QDA "
                    "project of it: importing it again would count every excerpt twice; "
                    "nothing was imported.",
                )
            source = data.session.get(refi_qda.SOURCE_FIELD)
            if source in sources:
                raise bad_file(
                    path,
                    f"its source '{title}' is already in the data folder (imported "
                    "before, or exported from it); nothing was imported.",
                )
            if source in given:
                raise bad_file(
                    path,
                    f"its source '{title}' comes twice in this import (a file "
                    "named twice); nothing was imported. Name each file once.",
                )
            if source:
                given[source] = path
            digest = data.session.get(transcripts.DIGEST_FIELD)
            if digest in digests:
                twin = digests[digest]
                raise bad_file(
                    path,
                    f"it is the transcript of session '{titled(twin)}' ({twin[:8]}), "
                    "already in the data folder: importing it again would count every quote "
                    "twice; nothing was imported. Work on that session (fieldnote code "
                    f"{twin[:8]}).",
                )
            if digest in given:
                raise bad_file(
                    path,
                    f"it is the same transcript as {visible(given[digest].name)}, named twice; "
                    "nothing was imported. Name it once.",
                )
            if isinstance(digest, str):
                given[digest] = path


def import_files(
    store: DataStore,
    paths: list[Path],
    *,
    now: datetime,
    study: str | None = None,
    participant: str | None = None,
    speakers: SpeakerNames | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """`speakers` (from `speaker_names`) gives several labels of one person one name."""
    if not paths:
        raise ExchangeError("Name at least one file to import.")
    notices: list[str] = []
    parsed = [
        (
            Path(p),
            read_file(
                Path(p),
                now=now,
                study=study,
                participant=participant,
                speakers=speakers,
                notices=notices,
            ),
        )
        for p in paths
    ]
    _speakers_used(speakers or SpeakerNames({}))
    for path, result in parsed:
        _check_documents(path, result)
    stamp = to_iso(now)
    tags: list[dict[str, Any]] = []
    for path, result in parsed:
        tags += _tags_to_merge(result, stamp, exact=path.suffix.lower() == ".json")
    outcome = ImportResult(notices=notices)
    for path, result in parsed:
        if path.suffix.lower() == ".qdpx" and not result.sessions:
            outcome.notices.append(
                f"{visible(path.name)} holds no text sources, so it brought only its "
                f"{len(result.codebook)} code(s)."
            )
    total = sum(len(result.sessions) for _, result in parsed)
    ids = [data.id for _, result in parsed for data in result.sessions]
    try:
        # One import at a time: two at once of one file each found the other's sessions
        # missing. All or nothing: a failed write, Ctrl-C, `kill` or `kill -9` leaves no session.
        with store.importing():
            _refuse_copies(store, parsed)
            with store.creating_sessions(ids) as create_session:
                for _, result in parsed:
                    for data in result.sessions:
                        create_session(
                            data.session,
                            data.guide,
                            data.guide_state,
                            data.notes,
                            data.excerpts,
                            data.recording,
                        )
                        # Counted as the list counts them.
                        notes, _ = note_counts(data.notes, data.excerpts)
                        outcome.sessions.append((data.id, data.title, notes))
                        if progress:
                            progress(len(outcome.sessions), total)
                if tags:
                    outcome.tags_added = store.codebook.merge(tags)
    except (StoreError, OSError) as error:
        raise ExchangeError(f"{error} Nothing was imported.") from None
    return outcome
