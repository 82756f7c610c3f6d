"""The study index is a cache: the analysis, the report and the tagging scope come out the
same from a cold index, a warm one, a stale one (files changed behind its back, a journal
appended by another process) and none; so does the analysis screen's first frame, drawn from
the overview the index kept of the last analysis while nothing changed since; a bad index file
or folder is rebuilt or skipped."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import astuple, replace
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.analysis_study import write_study
from tui.domain.analysis import Overview, SessionInput, analyse
from tui.domain.clock import recording_offset
from tui.domain.notes import tag_key
from tui.domain.ratings import with_rating
from tui.domain.recording import cue_notes
from tui.services.analysis import StudyAnalysis, StudyView
from tui.services.report import render
from tui.services.sessions import SessionsService
from tui.services.study_index import (
    DIGEST_SHARDS,
    INDEX_VERSION,
    StudyIndex,
    _in_order,
    digest_shard,
    study_index,
)
from tui.services.tag_writes import TagWrites
from tui.services.tagging import TaggingModel, scope_session_ids
from tui.store import DataStore, datastore
from tui.store.index_file import IndexFile
from tui.store.session import note_doc_order

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]

APPEND = """
import sys
import time
from tui.store import DataStore
store = DataStore(sys.argv[1])
session_file = store.open_session(sys.argv[2])
session_file.append_note({
    "id": "from-another-process", "text": '"It never remembers my slots #pain/pricing',
    "kind": "quote", "author": "Maya",
    "started_at": (sys.argv[3:] or ["2026-11-27T10:59:00.000Z"])[0],
    "elapsed": 3540.0, "question_id": "q1", "starred": True, "emotions": ["angry"],
    "tags": ["pain/pricing"], "severity": 5,
})
session_file.close()
"""


def fingerprint(view: StudyView, store: DataStore) -> dict:
    """Everything the analysis screen, the report and the tagging scope show."""
    a = view.analysis
    evidence = a.evidence_of(range(len(a.evidence)))
    return {
        "themes": [astuple(t) for t in a.themes],
        "matrix": [(p.theme.key, p.quadrant) for p in a.matrix],
        "pairs": [(p.first, p.second, p.count, p.evidence) for p in a.pairs],
        "coverage": [astuple(c) for c in a.coverage],
        "followups": [astuple(f) for f in a.followups],
        "participants": [astuple(p) for p in a.participants],
        "notes": a.note_count,
        "evidence": [(e.ref, e.text, e.quote_length, e.citation()) for e in evidence],
        "md": render(view, "md", NOW),
        # pygal names each chart with a random id
        "html": re.sub(r"chart-[0-9a-f-]{36}", "chart", render(view, "html", NOW)),
        "scope all": scope_session_ids(store, "all"),
        "scope study": scope_session_ids(store, "study", view.sessions[0].id),
        "tagging": tagging_rows(store),
        "listing": [
            (s.id, s.title, s.note_count, s.coded_count, s.study)
            for s in SessionsService(store).listing()[0]
        ],
    }


def tagging_rows(store: DataStore) -> list:
    """The tagging screen over every session: the cursor's session first, then the rest."""
    writes = TagWrites(store)
    model = TaggingModel(writes, scope="all")
    ahead: list = []

    def first(loaded) -> None:
        ahead.append(model.take(loaded, ahead=True))

    try:
        assert model.take(model.read(model.begin_read(resolve=True), first=first)) is True
    finally:
        writes.close()  # its writer thread ends
    assert ahead == [True]  # the first session was listed before the others were read
    return [(e.session_id, e.note["id"], e.span and e.span["id"]) for e in model.all_excerpts]


def first_frame(home: Path) -> Overview | None:
    """What a fresh process's analysis screen draws before analysing: the kept overview. Made
    on a copy of the cache folder, so that the next process starts from the same index."""
    folder = Path(os.environ["FIELDNOTE_CACHE"])
    copy = folder.with_name(f"{folder.name}-copy")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(folder, copy)
    os.environ["FIELDNOTE_CACHE"] = str(copy)
    try:
        found = StudyAnalysis(DataStore(home), now=lambda: NOW).overview()
    finally:
        os.environ["FIELDNOTE_CACHE"] = str(folder)
    return found.overview if found is not None else None


def with_index(home: Path, store: DataStore | None = None) -> tuple[dict, StudyIndex]:
    """A fresh process's view: a new store (or `store`, new to the index), the index from the
    cache folder alone. Its first frame, when drawn from a kept overview, shows what the
    analysis then does."""
    store = store or DataStore(home)
    service = StudyAnalysis(store, now=lambda: NOW)
    first = service.overview()
    view = service.refresh(force=True)
    if first is not None:
        themes = [replace(theme, evidence=()) for theme in view.overview.themes]
        assert first.overview == replace(view.overview, themes=themes)
    return fingerprint(view, store), service.index


def without_index(home: Path) -> dict:
    """The same read straight from the session files: every note, no index involved."""
    store = DataStore(home)
    inputs = []
    for summary in reversed(store.list_sessions()[0]):
        snap, recording = store.read_session(summary.id)
        cues = cue_notes(recording, recording_offset(snap.session))
        inputs.append(
            SessionInput(
                summary.id,
                snap.session,
                snap.notes,
                snap.excerpts,
                snap.guide,
                snap.guide_state,
                attached=lambda recording=recording: recording,
                cues=cues,
            )
        )
    names = {tag_key(t["name"]): t["name"] for t in store.codebook.tags()}
    view = StudyView(None, analyse(inputs, names, NOW), inputs)
    found = fingerprint(view, store)
    ordered = [s.id for s in reversed(store.list_sessions()[0])]
    assert found["scope all"] == ordered
    return found


@pytest.fixture
def home(store: DataStore) -> Path:
    ids = write_study(store)
    code_cues(store, ids[0])
    return store.home


CUES = [
    {"id": "cue-ana", "start": 20.0, "end": 28.0, "speaker": "Ana", "text": "We gave up on it"},
    {"id": "cue-maya", "start": 31.0, "end": 35.0, "speaker": "Maya", "text": "Why was that?"},
]


def code_cues(store: DataStore, session_id: str) -> None:
    """A transcript attached to the session, 5 s ahead of its clock, and a span coded on two
    of its cues: the participant's words (they count for her) and the interviewer's."""
    session_file = store.open_session(session_id)
    recording = {"id": "recording", "source": "ana.vtt", "media": None, "cues": CUES}
    session_file.attach_recording({**recording, "attached_at": "2026-11-27T12:00:00.000Z"}, 5.0)
    for cue, tag in zip(CUES, ["pain/onboarding", "idea"], strict=True):
        at = "2026-11-27T12:00:00.000Z"
        session_file.add_excerpt(
            {
                "id": f"span-{cue['id']}",
                "note_id": cue["id"],
                "start": 0,
                "end": 7,
                "tags": [tag],
                "codings": [{"tag": tag, "coder": "Maya", "at": at}],
                "severity": 4,
            }
        )
    session_file.close()


def test_a_span_coded_on_a_transcripts_cue_is_evidence_in_every_read(home: Path) -> None:
    """A cue's coded span was in the codebook's counts and the exports, and nowhere in the
    analysis or the report: the words said were the evidence left out."""
    view = StudyAnalysis(DataStore(home), now=lambda: NOW).refresh(force=True)
    said = {
        e.ref: (e.kind, e.attribution, e.text, e.participant_key, e.time)
        for e in view.analysis.evidence_of(range(len(view.analysis.evidence)))
        if e.kind == "transcript"
    }
    first = DataStore(home).list_sessions()[0][-1].id
    assert said == {
        (first, "cue-ana", "span-cue-ana"): ("transcript", "Ana", "We gave", "ana", "00:20"),
        (first, "cue-maya", "span-cue-maya"): ("transcript", "Maya", "Why was", "", "00:31"),
    }
    assert view.analysis.theme("idea").excerpts == 2  # a note's, and the interviewer's cue
    listed = sum(s.note_count for s in DataStore(home).list_sessions()[0])  # no cue in it
    assert view.analysis.note_count == listed == 9
    assert "We gave" in render(view, "md", NOW)


def test_a_long_lived_index_follows_a_cue_coded_and_a_transcript_attached_again(
    home: Path,
) -> None:
    """Both come as journal lines another store appends: a span whose cue the entry does
    not know, and a recording whose cues may be other ones, each read the file again."""
    store = DataStore(home)
    service = StudyAnalysis(store, now=lambda: NOW)
    service.refresh(force=True)
    first = store.list_sessions()[0][-1].id
    other = DataStore(home).open_session(first)
    tag = "pain/pricing"
    at = "2026-11-27T12:05:00.000Z"
    span = {"id": "span-2", "note_id": "cue-maya", "start": 8, "end": 13, "tags": [tag]}
    other.add_excerpt({**span, "codings": [{"tag": tag, "coder": "Bo", "at": at}]})
    view = service.refresh()
    assert view is not None and fingerprint(view, store) == without_index(home)
    assert "that?" in {e.text for e in view.analysis.evidence_of(view.analysis.theme(tag).evidence)}
    later = [{**CUES[0], "start": 50.0}, CUES[1]]
    recording = {"id": "recording", "source": "ana.vtt", "media": None, "cues": later}
    other.attach_recording({**recording, "attached_at": at}, None)
    other.close()
    view = service.refresh()
    assert view is not None and fingerprint(view, store) == without_index(home)
    assert "00:50" in {
        e.time for e in view.analysis.evidence_of(range(len(view.analysis.evidence)))
    }


def test_a_long_lived_index_follows_a_note_deleted_whose_id_a_coded_cue_has(home: Path) -> None:
    """A span names a note or a cue by id, the note first. Once another process deletes the
    note, the span left (kept for the undo) is the cue's: a read of the file counts it, so
    the index following the journal must too."""
    store = DataStore(home)
    first = store.list_sessions()[0][-1].id
    session_file = store.open_session(first)
    note_id = session_file.read().notes[0]["id"]
    cues = [{**CUES[0], "id": note_id}, CUES[1]]
    recording = {"id": "recording", "source": "ana.vtt", "media": None, "cues": cues}
    session_file.attach_recording({**recording, "attached_at": "2026-11-27T12:00:00.000Z"}, None)
    span = {"id": "span-same", "note_id": note_id, "start": 0, "end": 7, "tags": ["idea"]}
    session_file.add_excerpt(span)
    session_file.close()
    service = StudyAnalysis(store, now=lambda: NOW)
    service.refresh(force=True)
    other = DataStore(home).open_session(first)
    other.delete_note(note_id)
    other.close()
    view = service.refresh()
    assert view is not None and fingerprint(view, store) == without_index(home)
    assert (first, note_id, "span-same") in {
        e.ref for e in view.analysis.evidence_of(view.analysis.theme("idea").evidence)
    }


def test_cold_warm_stale_and_no_index_give_the_same_results(home: Path, cache_folder) -> None:
    assert first_frame(home) is None
    cold, index = with_index(home)
    assert cold == without_index(home)
    assert index.reads == 4 and list(cache_folder.glob("index-*.json"))

    assert first_frame(home) is not None  # checked against the analysis by with_index
    warm, index = with_index(home)
    assert warm == cold
    assert index.reads == 0  # no session file is read on a warm start

    # A file changed behind the index's back: a tag on a note rewrites its entry.
    store = DataStore(home)
    first = store.list_sessions()[0][-1].id
    session_file = store.open_session(first)
    note = session_file.read().notes[0]
    session_file.update_note(note["id"], {"tags": ["idea"], "severity": 2})
    session_file.fold_journal()  # the main file itself is replaced
    session_file.close()
    assert first_frame(home) is None  # the kept overview is of the files as they were
    stale, index = with_index(home)
    assert stale == without_index(home) and stale != warm
    assert index.reads == 1

    # Another process appends a note to a journal: only its new line is applied.
    subprocess.run(
        [sys.executable, "-c", APPEND, str(home), first], cwd=ROOT, check=True, timeout=60
    )
    assert first_frame(home) is None
    appended, index = with_index(home)
    assert appended == without_index(home) and appended != stale
    assert (index.reads, index.followed) == (0, 1)
    assert "It never remembers my slots" in appended["md"]

    # A session file removed: its entry goes with it.
    (home / "sessions" / f"{first}.json").unlink()
    (home / "sessions" / f"{first}.json.journal").unlink(missing_ok=True)
    assert first_frame(home) is None
    gone, _ = with_index(home)
    assert gone == without_index(home)
    assert first_frame(home) is not None


def test_two_coders_ratings_count_the_same_with_any_index(home: Path, cache_folder) -> None:
    """Two coders rate a note rated 4 before ratings had coders (journal lines the index
    follows), then an older Fieldnote sets its `severity` over their ratings: every read
    counts one severity, the rule's."""
    with_index(home)
    store = DataStore(home)
    first = store.list_sessions()[0][-1].id
    session_file = store.open_session(first)
    note_id = session_file.read().notes[0]["id"]
    session_file.update_note(note_id, {"tags": ["idea"]})
    for rating, coder in ((5, "Ana"), (2, "Bo")):
        (doc,) = [n for n in session_file.read().notes if n["id"] == note_id]
        session_file.update_note(note_id, with_rating(doc, rating, coder, NOW.isoformat()))

    rated, index = with_index(home)
    assert rated == without_index(home) and index.followed == 1
    view = StudyAnalysis(DataStore(home), now=lambda: NOW).refresh(force=True)
    (evidence,) = [
        e
        for e in view.analysis.evidence_of(view.analysis.theme("idea").evidence)
        if e.ref[1] == note_id
    ]
    assert evidence.severity == 4  # the median of unknown's 4, Ana's 5 and Bo's 2

    session_file.update_note(note_id, {"severity": 5})  # an older Fieldnote's +
    session_file.fold_journal()
    session_file.close()
    stale, _ = with_index(home)
    assert stale == without_index(home) and stale != rated
    view = StudyAnalysis(DataStore(home), now=lambda: NOW).refresh(force=True)
    (evidence,) = [
        e
        for e in view.analysis.evidence_of(view.analysis.theme("idea").evidence)
        if e.ref[1] == note_id
    ]
    assert evidence.severity == 5  # unknown's is now 5: the median of 5, 5 and 2


@pytest.mark.parametrize(
    "started_at",
    ["2026-11-27T10:59:00.000Z", "2026-11-27T09:00:00.000Z"],
    ids=["after every note", "before every note"],
)
def test_a_long_lived_index_follows_another_process(home: Path, started_at: str) -> None:
    """One process's index in memory (the analysis screen's poll) sees another's append, and
    keeps the notes in a snapshot's order wherever the new one falls."""
    store = DataStore(home)
    service = StudyAnalysis(store, now=lambda: NOW)
    service.refresh(force=True)
    assert service.refresh() is None  # nothing changed
    first = store.list_sessions()[0][-1].id
    subprocess.run(
        [sys.executable, "-c", APPEND, str(home), first, started_at],
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    view = service.refresh()
    assert view is not None and service.index.followed == 1
    assert fingerprint(view, store) == without_index(home)


def sessions_read(monkeypatch) -> list[str]:
    """The ids of the sessions read whole through `DataStore.read_session` from now on."""
    opened: list[str] = []
    real = DataStore.read_session

    def spy(self, session_id):
        opened.append(session_id)
        return real(self, session_id)

    monkeypatch.setattr(DataStore, "read_session", spy)
    return opened


def test_words_read_once_stay_while_their_session_is_unchanged(home: Path, monkeypatch) -> None:
    """A drill-down shown again after another session changed reads no file of the sessions
    that did not (the analysis screen analyses anew as another instance types)."""
    store = DataStore(home)
    service = StudyAnalysis(store, now=lambda: NOW)
    view = service.refresh(force=True)
    every = range(len(view.analysis.evidence))
    [e.text for e in view.analysis.evidence_of(every)]  # every session's words read once
    opened = sessions_read(monkeypatch)
    changed = store.list_sessions()[0][-1].id
    subprocess.run(
        [sys.executable, "-c", APPEND, str(home), changed], cwd=ROOT, check=True, timeout=60
    )
    again = service.refresh()
    assert again is not None and again.analysis is not view.analysis
    [e.text for e in again.analysis.evidence_of(range(len(again.analysis.evidence)))]
    assert opened == [changed]


def test_a_report_reads_only_the_sessions_it_quotes(home: Path, monkeypatch) -> None:
    from tui.services.report import QUOTES_PER_THEME, quoted_themes

    picked = StudyAnalysis(DataStore(home), now=lambda: NOW).refresh(force=True).analysis
    quoted = {
        item.session_id
        for theme in quoted_themes(picked)
        for items in picked.strongest_of(theme.evidence, QUOTES_PER_THEME)
        for item in items
    }
    view = StudyAnalysis(DataStore(home), now=lambda: NOW).refresh(force=True)
    opened = sessions_read(monkeypatch)
    render(view, "md", NOW)
    assert quoted and sorted(opened) == sorted(quoted)  # each quoted session once, no other


def _index_paths(home: Path, folder: Path, parts=("sessions",)) -> list[Path]:
    return [IndexFile(home, INDEX_VERSION, part, folder).path for part in parts]


def _digest_paths(home: Path, folder: Path) -> list[Path]:
    """The large part's files (its shards)."""
    return _index_paths(home, folder, [f"digests-{shard:x}" for shard in range(DIGEST_SHARDS)])


def _saved_digests(home: Path, folder: Path) -> dict[Path, dict]:
    """Each shard of the large part that was saved, with its file's data."""
    return {p: orjson.loads(p.read_bytes()) for p in _digest_paths(home, folder) if p.exists()}


def _saved_as_fieldnote_saves(home: Path, folder: Path, path: Path, entries: dict) -> None:
    """`entries` saved into `path` as `IndexFile.save` writes them, check sum and all: an
    entry no Fieldnote wrote that still passes the file's own checks."""
    part = path.stem.split("-", 2)[2]
    assert IndexFile(home, INDEX_VERSION, part, folder).save(entries)


def _ours(**fields) -> dict:
    return {"format": "fieldnote-study-index", "version": INDEX_VERSION, "entries": {}, **fields}


@pytest.mark.parametrize(
    "content",
    [
        lambda home: b"\x00not json{",
        lambda home: b'{"some": "other program"}',
        lambda home: orjson.dumps(_ours(home=str(home.resolve()), version=INDEX_VERSION + 1)),
        lambda home: orjson.dumps(_ours(home="/another/data/folder")),
        lambda home: orjson.dumps(_ours(home=str(home.resolve()), entries=["not", "a", "map"])),
        lambda home: orjson.dumps(_ours(home=str(home.resolve()), entries={"x": "bogus"})),
    ],
    ids=["corrupt", "foreign", "newer", "other-folder", "no-entries", "bogus-entry"],
)
def test_a_bad_index_file_is_rebuilt_quietly(
    home: Path, cache_folder: Path, content, caplog, capfd
) -> None:
    expected = without_index(home)
    parts = [*_index_paths(home, cache_folder, ("sessions", "overviews"))]
    for path in parts + _digest_paths(home, cache_folder):
        path.write_bytes(content(home))
    with caplog.at_level(logging.DEBUG):
        found, index = with_index(home)
    assert found == expected and index.reads == 4
    (sessions,) = _index_paths(home, cache_folder)
    saved = orjson.loads(sessions.read_bytes())
    assert saved["version"] == INDEX_VERSION and len(saved["entries"]) == 4  # rebuilt
    digests = _saved_digests(home, cache_folder).values()
    assert all(saved["version"] == INDEX_VERSION for saved in digests)
    assert sum(len(saved["entries"]) for saved in digests) == 4
    (overviews,) = _index_paths(home, cache_folder, ("overviews",))
    assert "all" in orjson.loads(overviews.read_bytes())["entries"]
    assert first_frame(home) is not None
    assert capfd.readouterr() == ("", "")


def test_only_an_index_of_this_version_for_this_folder_is_current(
    home: Path, cache_folder: Path
) -> None:
    """What `stand_by` looks at before the index is loaded: the file's head alone."""
    index = IndexFile(home, INDEX_VERSION, "sessions", cache_folder)
    assert not index.current()  # none yet
    saved_by = [  # what `save` writes: format, version, home, then the entries
        {"format": "fieldnote-study-index", "version": version, "home": folder, "entries": {}}
        for version, folder in [
            (INDEX_VERSION - 1, str(home.resolve())),
            (INDEX_VERSION, "/another/data/folder"),
        ]
    ]
    for content in (b"\x00not json{", b'{"some": "other program"}', *map(orjson.dumps, saved_by)):
        index.path.write_bytes(content)
        assert not index.current()
    assert index.save({"one": {"sig": [1, 2, 3, None]}})
    assert index.current() and index.load() == {"one": {"sig": [1, 2, 3, None]}}
    whole = index.path.read_bytes()
    index.path.write_bytes(whole[: len(whole) // 2])  # cut short
    assert not index.current() and index.load() is None
    index.path.write_bytes(whole[:-1] + b',"home":"/another/data/folder"}')  # named twice
    assert index.current() and index.load() is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda kept: kept["overview"]["themes"][0].__setitem__(2, "five"),
        lambda kept: kept["overview"]["themes"][0].__setitem__(6, "high"),
        lambda kept: kept["overview"]["themes"][0].pop(),
        lambda kept: kept["overview"].pop("counts"),
        lambda kept: kept["overview"].__setitem__("themes", "none"),
    ],
    ids=["count", "severity", "short-theme", "no-counts", "no-themes"],
)
def test_a_kept_overview_that_is_not_one_is_not_drawn(home: Path, cache_folder, damage):
    """A hand-edited overview whose state still matches: the screen waits for the analysis."""
    expected, _ = with_index(home)
    (path,) = _index_paths(home, cache_folder, ("overviews",))
    data = orjson.loads(path.read_bytes())
    damage(data["entries"]["all"])
    _saved_as_fieldnote_saves(home, cache_folder, path, data["entries"])
    assert first_frame(home) is None
    found, _ = with_index(home)
    assert found == expected and first_frame(home) is not None  # kept anew


NOT_DIGESTS = {
    "notes": lambda entry: entry.__setitem__("notes", "not a table"),
    "note": lambda entry: entry["notes"].__setitem__("1", ["not", "a", "note"]),
    "key": lambda entry: entry["excerpts"].__setitem__("one", {}),
    "cue": lambda entry: entry["cues"].__setitem__("cue", {"start": "soon"}),
}


@pytest.mark.parametrize("damage", NOT_DIGESTS.values(), ids=NOT_DIGESTS.keys())
def test_an_entry_of_a_session_that_is_not_the_file_is_read_again(home: Path, cache_folder, damage):
    """An entry whose fields are not what the index writes (hand-edited, half a version)."""
    with_index(home)
    path, data = next((p, d) for p, d in _saved_digests(home, cache_folder).items() if d["entries"])
    some = next(iter(data["entries"]))
    damage(data["entries"][some])
    _saved_as_fieldnote_saves(home, cache_folder, path, data["entries"])
    found, index = with_index(home)
    assert found == without_index(home) and index.reads == 1


def test_a_cache_folder_that_cannot_be_written_is_skipped(
    home: Path, tmp_path: Path, monkeypatch, capfd
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("FIELDNOTE_CACHE", str(blocker / "cache"))
    expected = without_index(home)
    for _ in range(2):  # nothing saved: each start is cold, and still right
        found, index = with_index(home)
        assert found == expected and index.reads == 4
    assert capfd.readouterr() == ("", "")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a 0500 folder")
def test_a_read_only_cache_folder_is_skipped(home: Path, tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o500)
    monkeypatch.setenv("FIELDNOTE_CACHE", str(folder))
    try:
        found, index = with_index(home)
        assert found == without_index(home) and index.reads == 4
        assert not list(folder.iterdir())
    finally:
        folder.chmod(0o700)


def test_the_index_is_not_in_the_data_folder(home: Path, cache_folder: Path) -> None:
    """Never synced: it lives in the cache folder, nothing of it beside the sessions."""
    before = sorted(p.relative_to(home) for p in home.rglob("*"))
    study_index(DataStore(home)).refresh()
    assert sorted(p.relative_to(home) for p in home.rglob("*")) == before
    assert list(cache_folder.glob("index-*.json"))


def test_the_list_reads_only_the_small_part(home: Path, cache_folder: Path) -> None:
    """The sessions list needs no digest; a large part gone (or another process's, of other
    signatures) makes the analysis read the files again, and come out the same."""
    expected, _ = with_index(home)
    for path in _saved_digests(home, cache_folder):
        path.unlink()
    store = DataStore(home)
    SessionsService(store).listing()
    assert study_index(store).reads == 0 and not _saved_digests(home, cache_folder)
    found, index = with_index(home)
    assert found == expected and index.reads == 4
    for path, data in _saved_digests(home, cache_folder).items():
        for entry in data["entries"].values():
            entry["sig"][1] += 1  # as if saved for another version of each file
        _saved_as_fieldnote_saves(home, cache_folder, path, data["entries"])
    found, index = with_index(home)
    assert found == expected and index.reads == 4


def test_a_light_refresh_then_the_analysis(home: Path) -> None:
    """`fieldnote list` makes only the small part; the analysis after it reads the files
    and comes out the same, then a warm start reads none."""
    store = DataStore(home)
    light = study_index(store).refresh(light=True)
    assert [s.summary() for s in light.sessions] == store.list_sessions()[0]
    assert all("notes" not in s.entry for s in light.sessions)
    found, index = with_index(home)
    assert found == without_index(home) and index.reads == 4
    again, index = with_index(home)
    assert again == found and index.reads == 0


def test_a_change_rewrites_only_its_sessions_shard_of_the_digests(home: Path, cache_folder):
    """Another process appends a note: the analysis's next refresh follows it and saves the
    one file of the large part that holds that session, no other."""
    store = DataStore(home)
    StudyAnalysis(store, now=lambda: NOW).refresh(force=True)
    saved = {p: p.stat().st_mtime_ns for p in _saved_digests(home, cache_folder)}
    assert len(saved) > 1  # the study's sessions spread over several shards
    first = scope_session_ids(store, "all")[0]
    subprocess.run(
        [sys.executable, "-c", APPEND, str(home), first], cwd=ROOT, check=True, timeout=60
    )
    index = study_index(store)
    index.refresh(digests=True)
    assert index.followed == 1 and index.reads == 4
    changed = [p for p, mtime in saved.items() if p.stat().st_mtime_ns != mtime]
    (owner,) = _index_paths(home, cache_folder, [f"digests-{digest_shard(first):x}"])
    assert changed == [owner]
    assert first in orjson.loads(owner.read_bytes())["entries"]
    found, _ = with_index(home)
    assert found == without_index(home)


def test_what_a_refresh_left_unsaved_is_saved_later(home: Path, cache_folder: Path) -> None:
    """By `save()` (the analysis screen, once its first frame is drawn), or by the next
    refresh that saves, even with nothing new to read."""
    for later in (lambda index: index.save(), lambda index: index.refresh(digests=True)):
        for path in cache_folder.glob("index-*.json"):
            path.unlink()
        index = StudyIndex(DataStore(home))
        index.refresh(digests=True, save=False)
        assert not list(cache_folder.glob("index-*.json"))
        later(index)
        assert index.reads == 4 and _saved_digests(home, cache_folder)
        warm = StudyIndex(DataStore(home))
        warm.refresh(digests=True)
        assert warm.reads == 0


def test_the_digests_kept_in_one_file_are_removed(home: Path, cache_folder: Path) -> None:
    """An index saved before the large part was split leaves no 11 MB file behind."""
    (unsplit,) = _index_paths(home, cache_folder, ("digests",))
    unsplit.write_bytes(orjson.dumps(_ours(home=str(home.resolve()))))
    found, _ = with_index(home)
    assert found == without_index(home) and not unsplit.exists()


def test_entries_made_at_once_are_kept_out_of_the_collectors_walks(home: Path, monkeypatch):
    """A refresh that reads or loads the entries freezes what it made (the collector would
    walk it all, again and again, as the analysis after it allocates); one that finds them
    made already does not."""
    import gc

    from tui.services import study_index as module

    monkeypatch.setattr(module, "FREEZE_FROM", 2)
    gc.unfreeze()
    try:
        index = StudyIndex(DataStore(home))
        index.refresh(digests=True)
        assert gc.get_freeze_count() > 0 and index.reads == 4
        gc.unfreeze()
        index.refresh(digests=True)
        assert gc.get_freeze_count() == 0
        StudyIndex(DataStore(home)).refresh(digests=True)  # loaded from the cache folder
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_link_in_the_sessions_folder_is_reported_as_the_store_reports_it(home: Path) -> None:
    """A dangling link is no session, but a problem to name, with the index as without it."""
    (home / "sessions" / "elsewhere.json").symlink_to(home / "no-such-file.json")
    expected = [str(problem) for problem in DataStore(home).list_sessions()[1]]
    assert len(expected) == 1 and "symbolic link" in expected[0]
    for _ in ("cold", "warm"):
        scan = StudyIndex(DataStore(home)).refresh()
        assert [str(problem) for problem in scan.problems] == expected


def test_a_note_appended_while_its_journal_is_read_is_never_lost(
    home: Path, cache_folder: Path, monkeypatch
) -> None:
    """Another process appends a note between a read's stat of the journal and its read of
    it. Two processes' saves then meet: the one that read the note saves the small part last
    (`fieldnote list`), one that read the file before saves the large part last. The next
    start must still count and analyse the note (the parts join only when they read alike)."""
    store = DataStore(home)
    first = store.list_sessions()[0][-1].id
    StudyIndex(DataStore(home)).refresh(digests=True)  # read before the append
    before = {path: path.read_bytes() for path in cache_folder.glob("index-*-digests-*.json")}
    for path in cache_folder.glob("index-*.json"):
        path.unlink()

    journal = home / "sessions" / f"{first}.json.journal"
    real_read = datastore.read_journal

    def read_after_an_append(path: Path, offset: int = 0) -> bytes:
        if path == journal and not appended:
            appended.append(True)
            subprocess.run(
                [sys.executable, "-c", APPEND, str(home), first], cwd=ROOT, check=True, timeout=60
            )
        return real_read(path, offset)

    appended: list[bool] = []
    monkeypatch.setattr(datastore, "read_journal", read_after_an_append)
    StudyIndex(DataStore(home)).refresh(light=True)  # `fieldnote list`, the small part
    monkeypatch.setattr(datastore, "read_journal", real_read)
    assert appended
    for path, saved in before.items():
        path.write_bytes(saved)  # the first process's large part, saved last

    found, _ = with_index(home)
    assert found == without_index(home)
    assert "It never remembers my slots" in found["md"]
    listed = {s.id: s for s in StudyIndex(DataStore(home)).refresh().summaries()}
    assert listed == {s.id: s for s in DataStore(home).list_sessions()[0]}


def test_a_torn_last_line_is_left_for_later_and_the_index_is_not_saved_again(
    home: Path, cache_folder: Path
) -> None:
    """A writer killed mid-line leaves a torn journal line: what is whole is indexed, and a
    warm start neither reads the file again nor rewrites the index for it."""
    first = DataStore(home).list_sessions()[0][-1].id
    with open(home / "sessions" / f"{first}.json.journal", "ab") as journal:
        journal.write(b'{"set": {"notes": {"9')
    cold, _ = with_index(home)
    assert cold == without_index(home)
    saved = {path: path.stat().st_mtime_ns for path in cache_folder.glob("index-*.json")}
    index = StudyIndex(DataStore(home))
    index.refresh(digests=True)
    assert (index.reads, index.followed) == (0, 0)
    listing = StudyIndex(DataStore(home))  # `fieldnote list`, which follows no journal
    listing.refresh(light=True)
    assert listing.reads == 0
    assert {path: path.stat().st_mtime_ns for path in cache_folder.glob("index-*.json")} == saved


def test_a_damaged_journal_line_is_named_by_its_line_with_a_warm_index_too(home: Path) -> None:
    first = DataStore(home).list_sessions()[0][-1].id
    StudyIndex(DataStore(home)).refresh(digests=True)
    with open(home / "sessions" / f"{first}.json.journal", "ab") as journal:
        journal.write(b'{"set": garbage\n')
    expected = [str(problem) for problem in DataStore(home).list_sessions()[1]]
    assert len(expected) == 1 and "line" in expected[0]
    warm = StudyIndex(DataStore(home)).refresh(digests=True)
    assert [str(problem) for problem in warm.problems] == expected


def test_a_second_session_record_in_a_journal_reads_as_the_whole_file_reads(home: Path) -> None:
    """A hand-edited (or another tool's) journal line setting the session under another key:
    a read of the whole file keeps the record of the lowest key, and so does a warm index."""
    first = DataStore(home).list_sessions()[0][-1].id
    StudyIndex(DataStore(home)).refresh(digests=True)
    record = {"id": first, "title": "Second record", "participant": "Zed"}
    line = orjson.dumps({"set": {"session": {"2": record}}, "del": {}})
    with open(home / "sessions" / f"{first}.json.journal", "ab") as journal:
        journal.write(line + b"\n")
    warm = StudyIndex(DataStore(home)).refresh(digests=True).summaries()
    assert warm == DataStore(home).list_sessions()[0]
    assert "Second record" not in {s.title for s in warm}


def test_every_list_counts_a_sessions_notes_as_the_report_does(home: Path) -> None:
    """A mark of a question asked is no note, and a span without tags codes nothing: the
    sessions list (with no index, a cold one, a warm one brought up to date) counts as
    the analysis and the report do."""
    store = DataStore(home)
    first = store.list_sessions()[0][-1].id
    StudyIndex(DataStore(home)).refresh(digests=True)
    session_file = store.open_session(first)
    note = {"author": "Maya", "started_at": "2026-11-27T10:58:00.000Z", "elapsed": 3500.0}
    session_file.append_note({**note, "id": "mark", "kind": "asked", "text": "Your role?"})
    session_file.append_note({**note, "id": "plain", "kind": "note", "text": "Logs in early"})
    session_file.add_excerpt({"id": "bare", "note_id": "plain", "start": 0, "end": 4, "tags": []})
    session_file.close()
    warm = StudyIndex(DataStore(home))
    followed = {s.id: (s.note_count, s.coded_count) for s in warm.refresh().summaries()}
    assert warm.reads + warm.followed == 1  # the one file changed, and no other
    view = StudyAnalysis(DataStore(home), now=lambda: NOW).refresh(force=True)
    expected = dict(view.analysis.notes_per_session)
    assert followed == expected
    listed = {s.id: (s.note_count, s.coded_count) for s in DataStore(home).list_sessions()[0]}
    assert listed == expected
    for path in Path(os.environ["FIELDNOTE_CACHE"]).glob("index-*.json"):
        path.unlink()
    cold = StudyIndex(DataStore(home)).refresh().summaries()
    assert {s.id: (s.note_count, s.coded_count) for s in cold} == expected


HAND_EDITS = {
    "quote length": lambda entry: next(iter(entry["notes"].values())).__setitem__("qlen", "x"),
    "guide state": lambda entry: entry.__setitem__("state", {"marks": 5}),
    "guide": lambda entry: entry.__setitem__("guide", {"sections": 5}),
    "tags": lambda entry: next(iter(entry["notes"].values())).__setitem__("tags", 5),
    "title": lambda entry: entry["session"].__setitem__("title", 5),
    "count": lambda entry: entry.__setitem__("count", True),
}


@pytest.mark.parametrize("edit", HAND_EDITS.values(), ids=HAND_EDITS.keys())
def test_an_index_file_edited_by_hand_is_rebuilt(home: Path, cache_folder: Path, edit) -> None:
    """Still JSON, still of this version, but its entries' bytes are not the ones saved: not
    one of its fields is trusted (any could be anything), so nothing fails and nothing shown
    differs from the session files."""
    expected, _ = with_index(home)
    edited = 0
    for path in cache_folder.glob("index-*.json"):
        data = orjson.loads(path.read_bytes())
        for entry in data["entries"].values():
            if set(entry) & {"session", "notes"}:  # an entry's small or large part
                with contextlib.suppress(KeyError):  # the field is in the other part
                    edit(entry)
                    edited += 1
        path.write_bytes(orjson.dumps(data))
    assert edited
    found, index = with_index(home)
    assert found == expected and index.reads == 4
    assert StudyIndex(DataStore(home)).refresh().summaries() == DataStore(home).list_sessions()[0]


def test_a_save_cut_short_by_a_kill_leaves_no_temp_file_for_long(
    home: Path, cache_folder: Path
) -> None:
    """A process killed while it saved left its temp file: the next save of that part
    removes it once it is older than any save takes, and leaves a young one (another
    process's save under way) alone."""
    with_index(home)
    (sessions,) = _index_paths(home, cache_folder)
    left = cache_folder / f".{sessions.name}.0123456789ab.tmp"
    young = cache_folder / f".{sessions.name}.ba9876543210.tmp"
    for path in (left, young):
        path.write_bytes(sessions.read_bytes()[:100])
    hour_ago = time.time() - 3600
    os.utime(left, (hour_ago, hour_ago))
    (home / "sessions" / "s1.json").touch()  # a change, so the index is saved
    with_index(home)
    assert not left.exists() and young.exists()


@pytest.mark.parametrize("where", ["{}.json", "{}.json.journal"], ids=["file", "journal"])
def test_a_pipe_in_the_sessions_folder_is_named_not_waited_on(home: Path, where: str) -> None:
    """A FIFO opened as a file waits for a writer forever: `fieldnote list` hung. It is a
    problem to name, with the index and without, in a command as in the app."""
    name = where.format("zz-pipe")
    if where.endswith("journal"):
        (home / "sessions" / "zz-pipe.json").write_bytes(
            (home / "sessions" / "s1.json").read_bytes()
        )
    os.mkfifo(home / "sessions" / name)
    listed = subprocess.run(
        [sys.executable, "-m", "tui", "list"],
        cwd=ROOT,
        env={**os.environ, "FIELDNOTE_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "no file but a pipe" in listed.stderr + listed.stdout
    problems = [str(p) for p in DataStore(home).list_sessions()[1]]
    assert len(problems) == 1 and name in problems[0] and "pipe" in problems[0]
    for _ in ("cold", "warm"):
        assert [str(p) for p in StudyIndex(DataStore(home)).refresh().problems] == problems


def test_what_sync_reads_passes_a_pipe_by(home: Path) -> None:
    """`fieldnote sync status` lists undecided values from every file: a FIFO named like a
    session file hung it, as it hung the list."""
    from tui.services.sync.undecided import undecided

    os.mkfifo(home / "sessions" / "zz-pipe.json")
    assert undecided(home) == []


def test_a_pipe_in_place_of_the_index_is_passed_by(home: Path, cache_folder: Path) -> None:
    """The cache folder is the user's: a FIFO where an index part goes would have held every
    start waiting for a writer."""
    expected, _ = with_index(home)
    for path in cache_folder.glob("index-*-sessions.json"):
        path.unlink()
        os.mkfifo(path)
    assert StudyIndex(DataStore(home)).refresh().summaries() == DataStore(home).list_sessions()[0]
    found, _ = with_index(home)
    assert found == expected


MOMENTS = st.one_of(
    st.sampled_from(["2026-11-27T10:00:00.000Z", "2026-11-27T10:00:30.000Z", "2026-11-27T11:00"]),
    st.text(max_size=3),
    st.integers(),
    st.lists(st.integers(), max_size=1),
)
DIGESTS = st.lists(
    st.fixed_dictionaries(
        {}, optional={"started_at": MOMENTS, "id": st.sampled_from(["a", "b", "c", 7])}
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(digests=DIGESTS, in_order=st.booleans())
def test_an_entrys_notes_are_kept_in_a_snapshots_order(digests: list, in_order: bool) -> None:
    """As the key says, whether they came in order (most sessions: checked in C) or not."""
    if in_order:
        digests.sort(key=note_doc_order)
    notes = {str(key): digest for key, digest in enumerate(digests, 1)}
    expected = sorted(notes.items(), key=lambda item: note_doc_order(item[1]))
    assert list(_in_order(notes).items()) == expected
