"""A study exported as a REFI-QDA project and imported into another Fieldnote data folder is the
same study there: the same analysis (themes, participants, severities) and the same report.

The study is tests/record_study.py's pet shop (two co-interviewers, follow-ups asked and
dismissed, an asked mark, a debrief, a paused clock, a transcript session) with what a team
adds to it: two coders' ratings of a quote and of a span, a rating over one from before coders
were recorded, a question skipped, and the recording's transcript attached to the live
interview with a span of a cue coded and rated by both coders; the participant's name is
written in capitals in the phone call's session. REFI-QDA has no place for a
rating, a follow-up's status, the guide or an attached transcript: the project carries them
in a memo of each session (tui/services/exchange/refi_memo.py), which only a project
Fieldnote wrote is read by.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime

import pytest
import xmlschema

from tests.exchange_data import schema_folder, without_memos
from tests.record_study import (
    FOLLOWUPS,
    LAST_QUOTE,
    PARAPHRASE,
    QUOTE,
    STAGE,
    STUDY,
    pet_shop,
)
from tui.domain.codings import with_coding
from tui.domain.ratings import ratings_of, with_rating
from tui.domain.recording import Recording, RecordingCue
from tui.services.analysis import StudyAnalysis
from tui.services.exchange.errors import ExchangeError
from tui.services.exchange.exporting import export
from tui.services.exchange.importing import import_files
from tui.services.exchange.study import read_study
from tui.services.report import render
from tui.store import DataStore

AT = "2026-11-28T09:00:00.000Z"
"""When the coders coded and rated, the day after."""
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
OFFSET = 3.0
"""The recording started 3 s before the interview clock."""
CUES = (
    ("k1", 1.0, 5.0, "Praline", "I wish to complain about this parrot what I purchased."),
    ("k2", 6.0, 12.0, "Shopkeeper", "Oh yes, the Norwegian Blue. What's wrong with it?"),
    ("k3", 58.0, 66.0, "Praline", "It's not pining, it's passed on! This parrot is no more!"),
)
CUE_WORDS = "This parrot is no more"


def _rated(doc: dict, *ratings: tuple[str, int]) -> dict:
    """The fields of `doc` with each (coder, severity) rating added."""
    fields: dict = {}
    for coder, severity in ratings:
        fields.update(with_rating({**doc, **fields}, severity, coder, AT) or {})
    return fields


def _coded(doc: dict, tag: str, *coders: str) -> dict:
    fields: dict = {}
    for coder in coders:
        fields.update(with_coding({**doc, **fields}, tag, coder, AT) or {})
    return fields


@pytest.fixture
def study(store, clock):
    live, call = pet_shop(store, clock)
    session_file = store.open_session(call)
    try:  # one person, spelled two ways: a Case has one name, each session keeps its own
        session_file.update_session({"participant": "PRALINE"})
    finally:
        session_file.close()
    session_file = store.open_session(live)
    try:
        notes = {n["text"]: n for n in session_file.read().notes}
        quote, paraphrase = notes[QUOTE], notes[PARAPHRASE]
        session_file.update_note(quote["id"], _rated(quote, ("Ana", 4), ("Bo", 2)))
        # Rated 5 before coders were recorded; Ana rates it beside that rating.
        session_file.update_note(paraphrase["id"], _rated(paraphrase, ("Ana", 3)))
        words = paraphrase["text"].index("two days")
        span = {"id": "span-1", "note_id": paraphrase["id"], "start": words, "end": words + 8}
        span |= {"tags": [], "severity": None, **_coded(span, "pain/timing", "Ana", "Bo")}
        session_file.add_excerpt({**span, **_rated(span, ("Ana", 5), ("Bo", 4))})
        session_file.update_guide_state(marks={"q1": "skipped"})
        cues = tuple(RecordingCue(*cue) for cue in CUES)
        recording = Recording("shop-visit.vtt", "/media/shop-visit.m4a", AT, cues)
        session_file.attach_recording(recording.to_doc(), OFFSET)
        start = CUES[2][4].index(CUE_WORDS)
        cue_span = {"id": "span-2", "note_id": "k3", "start": start}
        cue_span |= {"end": start + len(CUE_WORDS), "tags": [], "severity": None}
        cue_span |= _coded(cue_span, "pain/quality", "Ana", "Bo")
        session_file.add_excerpt({**cue_span, **_rated(cue_span, ("Ana", 5), ("Bo", 3))})
    finally:
        session_file.close()
    store.codebook.ensure(["pain/timing"], AT)
    return live


def _round_trip(store: DataStore, tmp_path, **options) -> DataStore:
    ids = [s.id for s in _sessions(store)]
    data, _ = export(store, ids, "qdpx", **options)
    qde = zipfile.ZipFile(io.BytesIO(data)).read("project.qde").decode("utf-8")
    xmlschema.XMLSchema(str(schema_folder() / "Project.xsd")).validate(qde)
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "study.qdpx"
    path.write_bytes(data)
    other = DataStore(tmp_path / "other")
    import_files(other, [path], now=NOW)
    return other


def _sessions(store: DataStore):
    from tui.services.study_index import study_index

    return list(reversed(study_index(store).refresh(light=True).sessions))


def _numbers(store: DataStore) -> dict:
    service = StudyAnalysis(store, STUDY)
    try:
        view = service.refresh(force=True)
    finally:
        service.close()
    analysis = view.analysis
    return {
        "sessions": analysis.session_count,
        "participants": [(p.name, p.sessions) for p in analysis.participants],
        "evidence": len(analysis.evidence),
        "themes": [
            (t.key, t.excerpts, t.sessions, t.participants, t.total_participants)
            + (t.mean_severity, t.max_severity, t.emotions)
            for t in analysis.themes
        ],
        "followups": [(f.text, f.author, f.elapsed, f.status) for f in analysis.followups],
        "coverage": analysis.coverage,
        "report": render(view, "md", NOW),
    }


def test_a_round_trip_through_qdpx_gives_the_same_analysis_and_report(study, store, tmp_path):
    """Before, the imported study had every severity unrated, every follow-up open, no
    guide, and the attached transcript as a session of its own: one participant more, and
    each typed quote 'not checked'."""
    before = _numbers(store)
    assert before["sessions"] == 2 and len(before["participants"]) == 1
    after = _numbers(_round_trip(store, tmp_path))
    for key in ("sessions", "participants", "evidence", "themes", "followups", "coverage"):
        assert after[key] == before[key], key
    assert after["report"] == before["report"]
    # The numbers the round trip must keep are there to keep.
    themes = {t[0]: t for t in before["themes"]}
    assert themes["pain/timing"][5:7] == (4.0, 4)  # Ana 5, Bo 4: the lower middle
    assert {f[3] for f in before["followups"]} == {"asked", "dismissed", "open"}
    assert [(c.asked, c.skipped) for c in before["coverage"]] == [(0, 1), (1, 0), (0, 0)]
    assert "Verbatim, Praline at 00:01" in before["report"]


def test_each_coders_rating_the_guide_and_the_attached_transcript_come_back(study, store, tmp_path):
    other = _round_trip(store, tmp_path)
    (live,) = [
        s for s in read_study(other, [s.id for s in _sessions(other)]).sessions if s.recording
    ]
    notes = {n["text"]: n for n in live.notes}
    assert [(r["coder"], r["severity"]) for r in ratings_of(notes[QUOTE])] == [
        ("Ana", 4),
        ("Bo", 2),
    ]
    assert [(r["coder"], r["severity"]) for r in ratings_of(notes[PARAPHRASE])] == [
        ("unknown", 5),
        ("Ana", 3),
    ]
    assert live.guide_state["marks"] == {"q1": "skipped", "q2": "asked"}
    assert [q for q in live.question_texts().values()][0] == "What happened?"
    assert [n["kind"] for n in live.notes].count("asked") == 1
    cues = {c["id"]: c for c in live.cues}
    assert [(c["start"], c["end"], c["speaker"], c["text"]) for c in cues.values()] == [
        cue[1:] for cue in CUES
    ]
    assert live.recording["media"] == "/media/shop-visit.m4a"
    assert live.session["clock"]["recording_offset"] == OFFSET
    (on_cue,) = [e for e in live.excerpts if e["note_id"] in cues]
    words = cues[on_cue["note_id"]]["text"][on_cue["start"] : on_cue["end"]]
    assert words == CUE_WORDS
    assert [(c["tag"], c["coder"]) for c in on_cue["codings"]] == [
        ("pain/quality", "Ana"),
        ("pain/quality", "Bo"),
    ]
    assert [(r["coder"], r["severity"]) for r in ratings_of(on_cue)] == [("Ana", 5), ("Bo", 3)]
    statuses = {
        n["text"]: live.session["followups"].get(n["id"], {}).get("status")
        for n in live.notes
        if n["kind"] == "followup"
    }
    assert statuses == dict(zip(FOLLOWUPS, ("asked", "dismissed", None), strict=True))
    assert notes[LAST_QUOTE]["elapsed"] == 60.0


def test_a_pseudonymised_round_trip_names_nobody_and_keeps_the_numbers(study, store, tmp_path):
    before = _numbers(store)
    data, _ = export(store, [s.id for s in _sessions(store)], "qdpx", pseudonymised=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.namelist():
            text = archive.read(member).decode("utf-8")
            for name in ("Praline", "Maya", "Sam", "Ana", "Bo", "shop-visit"):
                assert not re.search(rf"\b{name}\b", text), (member, name)
    other = _round_trip(store, tmp_path, pseudonymised=True)
    after = _numbers(other)
    # The study's name is no person's: it stays, and so does every number.
    for key in ("sessions", "evidence", "themes", "coverage"):
        assert after[key] == before[key], key
    assert [f[2:] for f in after["followups"]] == [f[2:] for f in before["followups"]]


def test_a_study_imported_then_exported_again_is_still_the_same(study, store, tmp_path):
    """The second trip starts from sessions the first one imported (their source GUIDs
    kept): it keeps what the first kept."""
    before = _numbers(store)
    between = _round_trip(store, tmp_path / "first")
    after = _numbers(_round_trip(between, tmp_path / "second"))
    assert after == before


def _project(store: DataStore) -> bytes:
    data, _ = export(store, [s.id for s in _sessions(store)], "qdpx")
    return data


def _imported(data: bytes, tmp_path, name: str) -> DataStore:
    path = tmp_path / f"{name}.qdpx"
    path.write_bytes(data)
    other = DataStore(tmp_path / name)
    import_files(other, [path], now=NOW)
    return other


def _with_project(data: bytes, change) -> bytes:
    """The project with `change` made to its project.qde's text."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as project, zipfile.ZipFile(out, "w") as changed:
        for member in project.namelist():
            found = project.read(member)
            if member == "project.qde":
                found = change(found.decode("utf-8")).encode("utf-8")
            changed.writestr(member, found)
    return out.getvalue()


def test_an_export_without_memos_imports_as_before(study, store, tmp_path):
    """An older Fieldnote's project (no memo) comes back as it did: typed notes as typed
    notes, but no rating, no guide, every follow-up open, and the attached transcript a
    session of its own, one participant more."""
    other = _imported(without_memos(_project(store)), tmp_path, "older")
    after = _numbers(other)
    assert after["sessions"] == 3 and len(after["participants"]) == 2
    assert all(t[5] is None for t in after["themes"])
    assert {f[3] for f in after["followups"]} == {"open"}
    assert after["coverage"] == []
    live = next(s for s in _sessions(other) if s.session.get("kind") != "transcript")
    assert live.session["title"] == "Praline - shop visit"


def test_another_tools_project_is_read_without_the_memos(study, store, tmp_path):
    """A memo is read in a project Fieldnote wrote alone: one whose origin another tool
    gave it (a project edited there and exported again) is read as any tool's."""
    data = _with_project(
        _project(store), lambda qde: qde.replace('origin="Fieldnote"', 'origin="QualCoder"', 1)
    )
    other = _imported(data, tmp_path, "other-tool")
    sessions = _sessions(other)
    assert len(sessions) == 3
    assert {s.session.get("kind") for s in sessions} == {"transcript"}


def test_a_damaged_memo_is_named_and_nothing_is_imported(study, store, tmp_path):
    data = _project(store)
    with zipfile.ZipFile(io.BytesIO(data)) as project:
        qde = project.read("project.qde").decode("utf-8")
    memo = re.findall(r'<Note guid="([^"]+)"', qde)[0]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as project, zipfile.ZipFile(out, "w") as changed:
        for member in project.namelist():
            found = project.read(member)
            if member == f"sources/{memo}.txt":
                found = found.replace(b'"text":[', b'"text":[99999999,')
            changed.writestr(member, found)
    path = tmp_path / "damaged.qdpx"
    path.write_bytes(out.getvalue())
    other = DataStore(tmp_path / "damaged")
    with pytest.raises(ExchangeError) as error:
        import_files(other, [path], now=NOW)
    assert str(error.value) == (
        f"Cannot import {path} (source Praline - shop visit): the memo Fieldnote wrote of this "
        "source cannot be read (one of its notes lies outside the source's text); export the "
        "project again (nothing was imported)."
    )
    assert not list(other.sessions_dir.glob("*.json"))


def test_a_memo_of_more_values_than_any_session_is_refused_before_it_is_read(
    study, store, tmp_path, monkeypatch
):
    """Parsed, 16 MB of `{},` take 470 MB: a memo is refused by its count of values first
    (benchmarks/bench_import_memory.py measures one just under the count)."""
    from tui.services.exchange import refi_memo

    data = _project(store)
    monkeypatch.setattr(refi_memo, "MAX_VALUES", 20)
    path = tmp_path / "many.qdpx"
    path.write_bytes(data)
    with pytest.raises(ExchangeError) as error:
        import_files(DataStore(tmp_path / "many"), [path], now=NOW)
    assert str(error.value).endswith(
        "cannot be read (it holds more than 20 values, more than any session needs); move "
        "this session with --format json instead (nothing was imported)."
    )


def test_a_star_the_goal_the_debrief_and_the_study_come_back(study, store, tmp_path):
    """A note starred with ctrl+s (no `*` in its words), the session's goal, each
    note-taker's debrief answers and the study."""
    from tui.services.live_session import LiveSession
    from tui.services.session_setup import set_goal

    set_goal(store, study, "Why the parrot came back")
    live = LiveSession(store, study, "Maya", now=lambda: NOW)
    try:
        (stage,) = [n for n in live.notes if n.text.startswith("bangs it")]
        live.toggle_star(stage)
        assert live.flush()
    finally:
        live.close()
    other = _round_trip(store, tmp_path)
    (back,) = [
        s for s in read_study(other, [s.id for s in _sessions(other)]).sessions if s.recording
    ]
    notes = {n["text"]: n for n in back.notes}
    assert notes[stage.text]["starred"] is True and "*" not in stage.text
    assert back.session["goal"] == "Why the parrot came back"
    original = store.open_session(study).read().session
    assert back.session["debrief"] == original["debrief"]
    assert {s.study for s in read_study(other, [s.id for s in _sessions(other)]).sessions} == {
        STUDY
    }


def _agree(store: DataStore, fmt: str) -> str:
    """`fieldnote agree --study` in `fmt`; as JSON, without the ids each disagreement names
    (a round trip gives fresh ones)."""
    from tui.services.team.agreement import compute, load, study_sessions
    from tui.services.team.agreement_output import render as render_agreement

    out = render_agreement(compute(load(store, study_sessions(store, STUDY))), fmt)
    if fmt != "json":
        return out
    doc = json.loads(out)
    for found in doc["disagreements"]:
        assert found.pop("session_id") and found.pop("note_id")
    return json.dumps(doc, indent=1)


@pytest.fixture
def settled(study, store):
    """The study coded by Ana and Bo apart where they disagree, and `team` settling three of
    the disagreements: keeping Ana's on a note, neither on a span (whose codings are then all
    set aside: it shows nowhere, and agreement still compares it), both on a cue's span."""
    from tui.services.team.agreement import compute, load, resolve, study_sessions

    session_file = store.open_session(study)
    try:
        notes = {n["text"]: n for n in session_file.read().notes}
        for text, tag, coder in (
            (QUOTE, "pain/delay", "Ana"),
            (PARAPHRASE, "pain/delay", "Ana"),
            (LAST_QUOTE, "pain/timing", "Bo"),
            (FOLLOWUPS[0], "pain/timing", "Ana"),
        ):
            note = notes[text]
            session_file.update_note(note["id"], _coded(note, tag, coder))
        stage = notes[STAGE]
        span = {"id": "span-3", "note_id": stage["id"], "start": 0, "end": 8, "tags": []}
        session_file.add_excerpt({**span, "severity": None, **_coded(span, "pain/delay", "Bo")})
        cue_span = session_file.read().excerpts[1]
        session_file.update_excerpt(cue_span["id"], _coded(cue_span, "pain/delay", "Ana"))
    finally:
        session_file.close()
    found = compute(load(store, study_sessions(store, STUDY))).between("Ana", "Bo")
    by_words = {(d.unit.note.get("text"), d.key): d for d in found}
    resolve(store, by_words[(QUOTE, "pain/delay")], "Ana", "Bo", "first", "team", AT)
    resolve(store, by_words[(STAGE, "pain/delay")], "Ana", "Bo", "neither", "team", AT)
    resolve(store, by_words[(CUES[2][4], "pain/delay")], "Ana", "Bo", "both", "team", AT)
    return study


def test_a_settled_study_agrees_as_it_did_after_a_round_trip(settled, store, tmp_path):
    """A resolver's settlement came back as the resolver's own coding and the codings it set
    aside were lost: the resolver read as a coder, the settled count was gone and the
    figures were those of the team's consensus."""
    text, data = _agree(store, "text"), _agree(store, "json")
    assert text.startswith("Agreement of Ana, Bo over 2 session(s)")
    assert "3 disagreements settled by team" in text
    other = _round_trip(store, tmp_path)
    assert _agree(other, "text") == text
    assert _agree(other, "json") == data
    assert _numbers(other) == _numbers(store)
    # And again from there: the second trip keeps what the first kept.
    assert _agree(_round_trip(other, tmp_path / "again"), "json") == data
    # Pseudonymised: the same figures and settlements, under other names.
    pseudonymised = _agree(_round_trip(store, tmp_path / "pseudo", pseudonymised=True), "text")
    assert "settled by I" in pseudonymised
    anyone = re.compile(r"\b(Ana|Bo|team|Maya|Sam|Praline|[IP]\d)\b| +")  # columns too
    assert anyone.sub("X", pseudonymised) == anyone.sub("X", text)


def test_a_resolvers_own_coding_beside_their_settlement_comes_back_as_both(
    settled, store, tmp_path
):
    """The resolver coding as their own the tag they settled (`t` on the tagging screen):
    two codings of one tag by one person on one span, each a Coding of its own GUID."""
    session_file = store.open_session(settled)
    try:
        cue_span = session_file.read().excerpts[1]
        session_file.update_excerpt(cue_span["id"], _coded(cue_span, "pain/delay", "team"))
    finally:
        session_file.close()
    text = _agree(store, "text")
    assert text.startswith("Agreement of Ana, Bo, team over")
    with zipfile.ZipFile(io.BytesIO(_project(store))) as project:
        qde = project.read("project.qde").decode("utf-8")
    codings = re.findall(r'<Coding guid="([^"]+)"', qde)
    assert len(codings) == len(set(codings))
    other = _round_trip(store, tmp_path)
    assert _agree(other, "text") == text
    assert _agree(other, "json") == _agree(store, "json")
