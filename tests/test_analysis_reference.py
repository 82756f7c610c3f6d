"""The analysis against a plain reference: a varied study (spans, cues of an attached
transcript, several coders' ratings, codings set aside, parent tags, notes with 0-4 tags,
emotions, follow-ups) counted the slow, obvious way, piece by piece, must come out exactly as
`analyse` counts it, from whole documents and from the study index's digests alike."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import astuple
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.analysis_study import write_study
from tui.domain.analysis import (
    MAX_PAIRS,
    TOP_EMOTIONS,
    Analysis,
    FollowUp,
    SessionInput,
    Theme,
    analyse,
    participant_key,
)
from tui.domain.interview_record import followup_status, followup_words
from tui.domain.notes import tag_key
from tui.domain.people import same_person
from tui.domain.quotes import is_said, quote_words, span_words
from tui.domain.ratings import counted, rating_fields, ratings_of
from tui.domain.recording import cue_note
from tui.services.analysis import StudyAnalysis
from tui.store import DataStore

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TAGS = [
    "pain/onboarding",
    "Pain/Onboarding",
    "pain/pricing",
    "pain/pricing/annual",
    "workaround",
    "idea",
    "idea/export",
    "IDEA/Export",
    "trust",
]
"""Parents and sub-tags, one three deep, and spellings that differ only in case."""
EMOTIONS = ["frustrated", "anxious", "pleased", "confused"]
CODERS = ["Maya", "Ana", "Bo"]
PEOPLE = ["Ana", "ana ", "Ben", "Chidi", ""]
"""Ana twice spelled differently; one session without a participant."""


def _severity(rng: random.Random) -> dict[str, Any]:
    """No rating, a bare severity (from before ratings), or several coders' ratings."""
    choice = rng.randrange(4)
    if choice == 0:
        return {}
    if choice == 1:
        return {"severity": rng.randint(1, 5)}
    ratings = [
        {"severity": rng.randint(1, 5), "coder": coder, "at": "2026-11-27T10:00:00.000Z"}
        for coder in rng.sample(CODERS, rng.randint(1, 3))
    ]
    return rating_fields(ratings)


def _tags(rng: random.Random, most: int = 4) -> list[str]:
    return rng.sample(TAGS, rng.randint(0, most))


def _notes(rng: random.Random, session: int) -> list[dict[str, Any]]:
    notes = []
    for n in range(24):
        kind = rng.choice(["note", "note", "quote", "quote", "followup", "asked"])
        text = {
            "quote": '"We copy it all by hand every week, twice',
            "followup": "? ask about the export",
        }.get(kind, "They keep a spreadsheet of every order")
        elapsed = float(n * 30 + rng.randint(0, 20))
        notes.append(
            {
                "id": f"s{session}-n{n}",
                "text": text if kind != "asked" else "",
                "kind": kind,
                "author": rng.choice(["Maya", "Maya", " Jo  "]),
                "started_at": f"2026-11-2{session % 10}T10:{n:02d}:00.000Z",
                "elapsed": elapsed,
                "question_id": None,
                "starred": rng.random() < 0.2,
                "emotions": rng.sample(EMOTIONS, rng.randint(0, 2)) * rng.randint(1, 2),
                "tags": _tags(rng) if kind != "asked" else [],
                "edited_at": None,
                **_severity(rng),
            }
        )
    return notes


def _span(rng: random.Random, span_id: str, owner: str) -> dict[str, Any]:
    """A span with tags, a rated one without tags, or one whose codings a settlement all set
    aside (no tag, no severity: counted nowhere)."""
    tags = _tags(rng, 2) if rng.random() < 0.75 else []
    start = rng.randint(0, 10)
    span = {"id": span_id, "note_id": owner, "start": start, "end": start + rng.randint(3, 15)}
    span["tags"] = tags
    span["codings"] = [{"tag": t, "coder": "Maya", "at": "2026-11-27T10:00:00.000Z"} for t in tags]
    return {**span, **_severity(rng)}


def _cues(rng: random.Random, participant: str, note_ids: list[str]) -> list[dict[str, Any]]:
    """A transcript's cues: the participant's, the interviewer's, one unattributed, and one
    whose id a note has too (a span naming it is the note's)."""
    cues = [
        {
            "id": f"cue-{c}",
            "start": float(c * 75 + rng.randint(0, 40)),
            "end": float(c * 75 + 60),
            "speaker": rng.choice([participant.upper() or "Ana", "Maya", ""]),
            "text": "We gave up on it and kept the paper list",
        }
        for c in range(8)
    ]
    cues.append({**cues[0], "id": note_ids[3], "start": 5.0})
    return cues


def varied_study(seed: int = 7) -> tuple[list[SessionInput], list[list[dict[str, Any]]]]:
    """The sessions as the analysis reads whole documents, and each one's transcript cues."""
    rng = random.Random(seed)
    sessions, transcripts = [], []
    for s in range(8):
        participant = PEOPLE[s % len(PEOPLE)]
        notes = _notes(rng, s)
        ids = [n["id"] for n in notes]
        cues = _cues(rng, participant, ids) if s % 2 == 0 else []
        owners = ids + [c["id"] for c in cues]
        excerpts = [_span(rng, f"s{s}-x{x}", rng.choice(owners)) for x in range(rng.randint(6, 14))]
        offset = 5.0 if cues else 0.0
        record = {
            "id": f"session-{s}",
            "title": f"Interview {s}",
            "participant": participant,
            "study": "Varied",
            "clock": {"banked": 900.0, "running_since": None, "recording_offset": offset},
            "followups": {ids[k]: {"status": "asked"} for k in range(0, 24, 5)},
        }
        sessions.append(
            SessionInput(
                record["id"],
                record,
                notes,
                excerpts,
                cues=[cue_note(cue, offset) for cue in cues],
            )
        )
        transcripts.append(cues)
    return sessions, transcripts


def odd_session(lists: bool = False) -> SessionInput:
    """Documents no Fieldnote writes (hand edits): emotions that are no list (but `lists`)
    or hold a dict, tags that are no string or unhashable, one tag spelt twice in a list, a
    number as an id."""
    notes = [
        {"id": "o1", "kind": "note", "text": "a", "tags": ["idea", "IDEA"], "emotions": "sad"},
        {"id": "o2", "kind": "quote", "text": '"b', "tags": ["trust", 3, ""], "emotions": None},
        {"id": 5, "kind": "note", "text": "cc", "tags": [{"x": 1}, "idea"], "emotions": [{}]},
        {"id": "o4", "kind": "note", "text": "d", "tags": "idea", "severity": True},
        {"id": "o5", "kind": "note", "text": "e", "tags": ["a/b/c", "A/B/D", "a"]},
        {"id": "o6", "kind": "note", "text": "f", "tags": [["idea"]], "emotions": ["sad", 1]},
    ]
    if lists:
        notes = [{**note, "emotions": [*(note.get("emotions") or []), "sad"]} for note in notes]
    excerpts = [{"id": "ox", "note_id": "5", "start": 0, "end": 1, "tags": ["trust"]}]
    record = {"id": "odd", "title": "Odd", "participant": "Zed"}
    return SessionInput("odd", record, notes, excerpts)


# The reference: every piece of evidence listed first, each count then read off the list.


def _keyed(tags: Any, spelled: dict[str, str]) -> dict[str, str]:
    """key -> the tag as stored; each spelling met names its key and its ancestors, the first
    met winning (after the codebook's)."""
    found: dict[str, str] = {}
    for tag in tags if isinstance(tags, list) else []:
        if not isinstance(tag, str) or not tag_key(tag):
            continue
        key = tag_key(tag)
        parts, named = key.split("/"), tag.split("/")
        for depth in range(len(parts)):
            up = "/".join(parts[: len(parts) - depth])
            spelled.setdefault(up, "/".join(named[: len(named) - depth]))
        found.setdefault(key, tag)
    return found


def _ancestors(key: str) -> list[str]:
    parts = key.split("/")
    return ["/".join(parts[:n]) for n in range(len(parts), 0, -1)]


def _severity_of(doc: dict[str, Any]) -> int | None:
    return counted(ratings_of(doc))


def reference(sessions: list[SessionInput], names: dict[str, str]) -> dict[str, Any]:
    spelled = dict(names)
    pieces: list[dict[str, Any]] = []
    by_key: dict[str, list[int]] = {}
    applied: set[str] = set()
    pairs: list[tuple[int, tuple[str, ...]]] = []
    people: dict[str, list] = {}
    per_session: dict[str, tuple[int, int]] = {}
    followups = []
    for session in sessions:
        who = participant_key(session.session)
        named = people.setdefault(who, [session.participant or session.title or session.id[:8], 0])
        named[1] += 1
        live = [x for x in session.excerpts if x.get("tags") or _severity_of(x) is not None]
        note_ids = {str(n.get("id")) for n in session.notes}
        coded_cues = sorted(
            (
                c
                for c in session.cues
                if c["id"] not in note_ids and any(str(x.get("note_id")) == c["id"] for x in live)
            ),
            key=lambda cue: float(cue.get("elapsed") or 0.0),
        )
        order = []  # (note or cue, whether a cue)
        for note in session.notes:
            at = float(note.get("elapsed") or 0.0)
            while coded_cues and float(coded_cues[0].get("elapsed") or 0.0) <= at:
                order.append((coded_cues.pop(0), True))
            order.append((note, False))
        order += [(cue, True) for cue in coded_cues]
        counted_notes = coded = 0
        spanned = {x.get("note_id") for x in session.excerpts if x.get("tags")}
        for note, cue in order:
            if note.get("kind") == "asked":
                continue
            if not cue:
                counted_notes += 1
                coded += bool(note.get("tags") or note.get("id") in spanned)
            if note.get("kind") == "followup":
                followups.append(
                    FollowUp(
                        session.id,
                        session.title,
                        str(note["id"]),
                        followup_words(str(note.get("text") or "")),
                        " ".join(str(note.get("author") or "").split()),
                        float(note.get("elapsed") or 0.0),
                        followup_status(session.session, str(note["id"])),
                        session.recording_offset,
                    )
                )
            whole = {} if cue else _keyed(note.get("tags"), spelled)
            spans = [
                (x, _keyed(x.get("tags"), spelled))
                for x in live
                if str(x.get("note_id")) == str(note.get("id"))
            ]
            spans = [(x, keys) for x, keys in spans if keys]
            person = who
            speaker = str(note.get("author") or "")
            if note.get("kind") == "transcript" and session.participant:
                person = who if same_person(speaker, session.participant) else ""
            mine = []
            for doc, keys in ([(note, whole)] if whole else []) + spans:
                severity = _severity_of(doc)
                if doc is not note and severity is None:
                    severity = _severity_of(note)
                mine.append((len(pieces), doc, keys))
                pieces.append(
                    {
                        "session": session,
                        "note": note,
                        "span": None if doc is note else doc,
                        "keys": keys,
                        "person": person,
                        "severity": severity,
                    }
                )
            reach = {up for _, _, keys in mine for key in keys for up in _ancestors(key)}
            for up in sorted(reach):
                by_span = [i for i, doc, keys in mine if doc is not note and up in _all_up(keys)]
                by_note = [i for i, doc, keys in mine if doc is note and up in _all_up(keys)]
                by_key.setdefault(up, []).extend(by_span or by_note)
            on_note = {key for _, _, keys in mine for key in keys}
            applied |= on_note
            if len(on_note) > 1:
                pairs.append((mine[0][0], tuple(sorted(on_note))))
        per_session[session.id] = (counted_notes, coded)
    for indexes in by_key.values():
        indexes.sort()
    total = len(people)
    parents = {up for key in applied for up in _ancestors(key)[1:]}
    themes = []
    for key, indexes in sorted(by_key.items()):
        rated = [pieces[i]["severity"] for i in indexes if pieces[i]["severity"] is not None]
        emotions = Counter(e for i in indexes for e in set(_emotions(pieces[i]["note"])))
        top = sorted(emotions.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_EMOTIONS]
        themes.append(
            Theme(
                key=key,
                name=spelled[key],
                excerpts=len(indexes),
                sessions=len({pieces[i]["session"].id for i in indexes}),
                participants=len({pieces[i]["person"] for i in indexes} - {""}),
                total_participants=total,
                mean_severity=sum(rated) / len(rated) if rated else None,
                max_severity=max(rated) if rated else None,
                emotions=tuple(name for name, _ in top),
                evidence=tuple(indexes),
                rolled_up=key in parents,
                applied=key in applied,
            )
        )
    pair_counts = Counter(pair for _, keys in pairs for pair in _pairs_of(keys))
    kept = sorted(pair_counts, key=lambda pair: (-pair_counts[pair], pair))[:MAX_PAIRS]
    return {
        "pieces": pieces,
        "themes": themes,
        "pairs": [
            (
                spelled[a],
                spelled[b],
                pair_counts[(a, b)],
                tuple(i for i, keys in pairs if (a, b) in _pairs_of(keys)),
            )
            for a, b in kept
        ],
        "participants": sorted(
            ((key, name, count) for key, (name, count) in people.items()),
            key=lambda p: (p[1].casefold(), p[0]),
        ),
        "notes": per_session,
        "followups": followups,
    }


def _emotions(note: dict[str, Any]) -> list[str]:
    found = note.get("emotions")
    return [e for e in found if isinstance(e, str)] if isinstance(found, list) else []


def _all_up(keys: dict[str, str]) -> set[str]:
    return {up for key in keys for up in _ancestors(key)}


def _pairs_of(keys: tuple[str, ...]) -> set[tuple[str, str]]:
    return {(a, b) for a in keys for b in keys if a < b}


def _strength(piece: dict[str, Any]) -> tuple:
    note, span = piece["note"], piece["span"]
    text = str(note.get("text") or "")
    return (
        -(piece["severity"] or 0),
        not note.get("starred"),
        -len(quote_words(span_words(text, span) if span else text)),
        str(note.get("started_at") or ""),
    )


def _strongest(ranked: list[int], count: int, person) -> list[int]:
    picked: list[int] = []
    for i in ranked:
        if len(picked) < count and person(i) not in {person(p) for p in picked}:
            picked.append(i)
    return picked + [i for i in ranked if i not in picked][: max(0, count - len(picked))]


def reference_strongest(ref: dict[str, Any], indexes: tuple[int, ...], count: int) -> tuple:
    pieces = ref["pieces"]
    ranked = sorted(indexes, key=lambda i: _strength(pieces[i]))

    def kind(i: int) -> str:
        found = pieces[i]["note"].get("kind")
        return found if found in ("quote", "transcript", "followup") else "note"

    def person(i: int) -> str:
        return pieces[i]["person"]

    said = [i for i in ranked if is_said(kind(i))]
    quotes = _strongest([i for i in said if person(i)], count, person)
    quotes += _strongest(
        [i for i in said if not person(i)],
        count - len(quotes),
        lambda i: " ".join(str(pieces[i]["note"].get("author") or "").split()).casefold(),
    )
    notes = _strongest([i for i in ranked if kind(i) == "note"], count - len(quotes), person)
    return quotes, notes


def assert_as_reference(analysis: Analysis, sessions: list[SessionInput], names: dict) -> None:
    ref = reference(sessions, names)
    assert [astuple(t) for t in analysis.themes] == [astuple(t) for t in ref["themes"]]
    assert len(analysis.evidence) == len(ref["pieces"])
    for index, piece in enumerate(ref["pieces"]):
        item, note, span = analysis.evidence[index], piece["note"], piece["span"]
        text = str(note.get("text") or "")
        words = span_words(text, span) if span else text
        assert (
            item.ref,
            item.text,
            item.participant_key,
            item.severity,
            item.emotions,
            item.tags,
            item.starred,
            item.kind,
            item.quote_length,
            item.elapsed,
        ) == (
            (piece["session"].id, str(note["id"]), span["id"] if span else None),
            words,
            piece["person"],
            piece["severity"],
            tuple(_emotions(note)),
            tuple(piece["keys"].values()),
            bool(note.get("starred")),
            note["kind"] if note["kind"] in ("quote", "transcript", "followup") else "note",
            len(quote_words(words)),
            float(note.get("elapsed") or 0.0),
        )
    assert [(p.first, p.second, p.count, p.evidence) for p in analysis.pairs] == ref["pairs"]
    assert [astuple(p) for p in analysis.participants] == ref["participants"]
    assert analysis.notes_per_session == ref["notes"]
    assert analysis.note_count == sum(count for count, _ in ref["notes"].values())
    assert analysis.followups == ref["followups"]
    for theme in analysis.themes:
        for person in [p.key for p in analysis.participants] + [""]:
            expected = [i for i in theme.evidence if ref["pieces"][i]["person"] == person]
            assert analysis.cell(person, theme.key) == (tuple(expected) if theme.applied else ())
        quotes, notes = analysis.strongest_of(theme.evidence, 4)
        assert ([e.ref for e in quotes], [e.ref for e in notes]) == tuple(
            [analysis.evidence[i].ref for i in found]
            for found in reference_strongest(ref, theme.evidence, 4)
        )


@pytest.mark.parametrize(("seed", "lists"), [(7, False), (11, True), (23, False)])
def test_the_analysis_of_whole_documents_is_the_references(seed: int, lists: bool) -> None:
    sessions, _ = varied_study(seed)
    sessions.append(odd_session(lists))
    names = {"pain/pricing": "Pain/Pricing"}
    analysis = analyse(sessions, names, NOW)
    assert analysis.themes and analysis.pairs and analysis.followups  # the study is varied
    assert any(t.rolled_up for t in analysis.themes)
    assert any(e.kind == "transcript" for e in analysis.evidence)
    assert_as_reference(analysis, sessions, names)


def test_the_analysis_of_the_study_indexs_digests_is_the_references(store: DataStore) -> None:
    sessions, transcripts = varied_study()
    ids = write_study(store, sessions)
    for session_id, cues in zip(ids, transcripts, strict=True):
        if cues:
            session_file = store.open_session(session_id)
            recording = {"id": "recording", "source": "t.vtt", "media": None, "cues": cues}
            session_file.attach_recording(
                {**recording, "attached_at": "2026-11-27T12:00:00.000Z"}, 5.0
            )
            session_file.close()
    view = StudyAnalysis(store, now=lambda: NOW).refresh(force=True)
    assert [s.id for s in view.sessions] == ids
    read = [store.read_session(session_id)[0] for session_id in ids]
    whole = [
        SessionInput(s.id, snap.session, snap.notes, snap.excerpts, cues=s.cues)
        for s, snap in zip(sessions, read, strict=True)
    ]
    names = {tag_key(t["name"]): t["name"] for t in store.codebook.tags()}
    assert_as_reference(view.analysis, whole, names)


def test_the_varied_study_holds_what_the_analysis_tells_apart() -> None:
    """The varied study holds what the analysis has special cases for."""
    sessions, _ = varied_study()
    notes = [n for s in sessions for n in s.notes]
    spans = [x for s in sessions for x in s.excerpts]
    assert {len(n["tags"]) for n in notes} == {0, 1, 2, 3, 4}
    assert any("ratings" in n and len(n["ratings"]) > 1 for n in notes + spans)
    assert any(not x["tags"] and _severity_of(x) is None for x in spans)  # set aside
    assert any(not x["tags"] and _severity_of(x) is not None for x in spans)
    assert any(x["note_id"].startswith("cue-") and x["tags"] for x in spans)
