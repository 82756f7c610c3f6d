"""`fieldnote import`: read every file first, then write it all, or nothing.

A file that fails to parse stops the import before anything is written. The sessions are
then written one whole file each (`DataStore.create_session` with their notes), and the
codebook last; if any of those writes fails, the session files already written are removed
again, so the data folder is as it was.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.domain.clock import to_iso
from tui.domain.display_text import visible
from tui.domain.notes import tag_key
from tui.domain.tags import MAX_TAG_DEPTH, tag_depth
from tui.services.exchange import archive, refi_qda, transcripts
from tui.services.exchange.errors import ExchangeError, bad_file
from tui.services.exchange.study import Progress, Study
from tui.store import DataStore, StoreError, new_session_problem, new_tag_problem
from tui.store.codebook import new_tag

SUFFIXES = (".json", ".qdc", ".qdpx", *transcripts.TRANSCRIPT_SUFFIXES)


@dataclass
class ImportResult:
    sessions: list[tuple[str, str, int]] = field(default_factory=list)
    """(id, title, notes) of each session created."""
    tags_added: list[str] = field(default_factory=list)


def read_file(
    path: Path, *, now: datetime, study: str | None = None, participant: str | None = None
) -> Study:
    """One file parsed into what it would add; ExchangeError naming the file otherwise."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise bad_file(
            path,
            "Fieldnote imports .json, .qdc, .qdpx, .vtt, .srt and .txt files; "
            "rename it if it is one of those.",
        )
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise bad_file(path, f"it cannot be read ({error.strerror or error}).") from None
    if not raw.strip():
        raise bad_file(path, "it is empty; there is nothing to import.")
    if suffix == ".json":
        result = archive.read_json(raw, path)
        if study:
            for data in result.sessions:
                data.session["study"] = study
        return result
    if suffix == ".qdc":
        return Study([], refi_qda.read_qdc(raw, path, now), path.stem)
    if suffix == ".qdpx":
        return refi_qda.read_qdpx(raw, path, now=now, study=study or "", participant=participant)
    cues = transcripts.read_transcript(raw, path)
    speakers = list(dict.fromkeys(cue.speaker for cue in cues))
    who = transcripts.pick_participant(speakers, participant, path)
    data = transcripts.transcript_session(
        cues, title=path.stem, now=now, participant=who, study=study or "", source=path.name
    )
    return Study([data], [], path.stem)


def _check_documents(path: Path, study: Study) -> None:
    """Every document an import would write, checked with the store's own checks (and every
    tag name against the depth cap) before anything is written, so an import never leaves a
    session file that later reads refuse."""
    for number, data in enumerate(study.sessions, start=1):
        where = f"session {number}"
        problem = new_session_problem(
            data.session, data.guide, data.guide_state, data.notes, data.excerpts
        )
        if problem is not None:
            raise bad_file(path, f"{problem}; nothing was imported.", where=where)
        for doc in [*data.notes, *data.excerpts]:
            for tag in doc.get("tags") or []:
                if tag_depth(tag) > MAX_TAG_DEPTH:
                    raise _too_deep(path, tag, where)
    for number, tag in enumerate(study.codebook, start=1):
        problem = new_tag_problem(tag)
        if problem is not None:
            raise bad_file(path, f"{problem}; nothing was imported.", where=f"tag {number}")
        if tag_depth(tag["name"]) > MAX_TAG_DEPTH:
            raise _too_deep(path, tag["name"], f"tag {number}")


def _too_deep(path: Path, tag: str, where: str) -> ExchangeError:
    return bad_file(
        path,
        f"a tag has {tag_depth(tag)} levels, more than the {MAX_TAG_DEPTH} Fieldnote allows "
        "(no codebook needs that many); nothing was imported.",
        where=where,
    )


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


def import_files(
    store: DataStore,
    paths: list[Path],
    *,
    now: datetime,
    study: str | None = None,
    participant: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    if not paths:
        raise ExchangeError("Name at least one file to import.")
    parsed = [
        (Path(p), read_file(Path(p), now=now, study=study, participant=participant)) for p in paths
    ]
    for path, result in parsed:
        _check_documents(path, result)
    known = {s.id for s in store.list_sessions()[0]}
    seen: set[str] = set()
    for path, result in parsed:
        for data in result.sessions:
            if data.id in known or data.id in seen:
                raise bad_file(
                    path,
                    f"its session '{visible(data.title)}' ({data.id[:8]}) is already in the data "
                    "folder; nothing was imported.",
                )
            seen.add(data.id)
    stamp = to_iso(now)
    tags: list[dict[str, Any]] = []
    for path, result in parsed:
        tags += _tags_to_merge(result, stamp, exact=path.suffix.lower() == ".json")
    outcome = ImportResult()
    total = sum(len(result.sessions) for _, result in parsed)
    try:
        for _, result in parsed:
            for data in result.sessions:
                store.create_session(
                    data.session, data.guide, data.guide_state, data.notes, data.excerpts
                )
                outcome.sessions.append((data.id, data.title, len(data.notes)))
                if progress:
                    progress(len(outcome.sessions), total)
        if tags:
            outcome.tags_added = store.codebook.merge(tags)
    except (StoreError, OSError) as error:
        for session_id, _, _ in outcome.sessions:
            store.discard_session(session_id)
        raise ExchangeError(f"{error} Nothing was imported.") from None
    return outcome
