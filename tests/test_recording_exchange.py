"""A span coded on a cue of the attached transcript, exported and imported: JSON carries the
recording and the span exactly; REFI-QDA makes the transcript a TextSource of its own and the
span a PlainTextSelection in it, with its coder."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest
import xmlschema

from tests.exchange_data import schema_folder, without_memos
from tests.record_session import coded_cue_span, loaded, seed
from tui.domain.clock import to_iso
from tui.domain.notes import Note
from tui.services.exchange.exporting import export
from tui.services.exchange.importing import import_files
from tui.services.exchange.study import read_study
from tui.services.tag_writes import TagWrites
from tui.store import DataStore


@pytest.fixture
def ids(store, clock, session_id, tmp_path):
    media = tmp_path / "interview.m4a"
    media.write_bytes(b"not really audio")
    return seed(store, session_id, clock, media)


def test_a_span_coded_on_a_cue_round_trips_through_json(
    writes, store, clock, session_id, ids, tmp_path
):
    words, cue_id = coded_cue_span(writes, store, clock, session_id)
    first, _ = export(store, [session_id], "json")
    path = tmp_path / "study.json"
    path.write_bytes(first)
    other = DataStore(tmp_path / "other")
    import_files(other, [path], now=clock())
    session_file = other.open_session(session_id)
    recording = session_file.read_recording()
    (excerpt,) = session_file.read().excerpts
    cue = next(c for c in recording["cues"] if c["id"] == excerpt["note_id"])
    assert cue["id"] == cue_id and cue["text"][excerpt["start"] : excerpt["end"]] == words
    assert [(c["tag"], c["coder"]) for c in excerpt["codings"]] == [("said/verbatim", "Ana")]
    assert recording["media"] == store.open_session(session_id).read_recording()["media"]
    # Exported again, byte for byte the same; and the tagging screen lists the span again.
    again, _ = export(other, [session_id], "json")
    assert again == first
    other_writes = TagWrites(other)
    try:
        model = loaded(other_writes, session_id)
        assert [e.text for e in model.shown if e.linked and e.span] == [words]
    finally:
        other_writes.close()


def test_a_span_coded_on_a_cue_round_trips_through_qdpx(
    writes, store, clock, session_id, ids, tmp_path
):
    words, _ = coded_cue_span(writes, store, clock, session_id)
    data, _ = export(store, [session_id], "qdpx")
    archive = zipfile.ZipFile(io.BytesIO(data))
    qde = archive.read("project.qde").decode("utf-8")
    xmlschema.XMLSchema(str(schema_folder() / "Project.xsd")).validate(qde)
    ns = {"q": "urn:QDA-XML:project:1.0"}
    root = ET.fromstring(qde)
    users = {u.get("guid"): u.get("name") for u in root.iterfind(".//q:User", ns)}
    (source,) = [
        s for s in root.iterfind(".//q:TextSource", ns) if "interview.vtt" in s.get("name")
    ]
    text = archive.read("sources/" + source.get("plainTextPath").removeprefix("internal://"))
    text = text.decode("utf-8")
    (selection,) = source.iterfind("q:PlainTextSelection", ns)
    start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
    assert text[start:end] == words
    (coding,) = selection.iterfind("q:Coding", ns)
    assert users[coding.get("creatingUser")] == "Ana"
    # Read back: the transcript attached to its session again, its cue's span coded by Ana.
    path = tmp_path / "study.qdpx"
    path.write_bytes(data)
    other = DataStore(tmp_path / "other")
    ((back_id, _, _),) = import_files(other, [path], now=clock()).sessions
    (back,) = read_study(other, [back_id]).sessions
    cues = {c["id"]: c for c in back.cues}
    found = [
        (cues[e["note_id"]]["text"][e["start"] : e["end"]], e["codings"])
        for e in back.excerpts
        if e["note_id"] in cues
    ]
    assert [(w, [(c["tag"], c["coder"]) for c in cs]) for w, cs in found] == [
        (words, [("said/verbatim", "Ana")])
    ]
    # An older Fieldnote's export (no memo): the transcript is a source like any.
    path.write_bytes(without_memos(data))
    older = DataStore(tmp_path / "older")
    result = import_files(older, [path], now=clock())
    back_sessions = read_study(older, [sid for sid, _, _ in result.sessions]).sessions
    found = [
        (note["text"][e["start"] : e["end"]], [(c["tag"], c["coder"]) for c in e["codings"]])
        for s in back_sessions
        for e in s.excerpts
        for note in s.notes
        if note["id"] == e["note_id"]
    ]
    assert len(back_sessions) == 2 and (words, [("said/verbatim", "Ana")]) in found


def test_the_transcripts_source_carries_the_study_and_comes_back_in_it(
    writes, store, clock, session_id, ids, tmp_path
):
    """The attached transcript is a TextSource of its own, which another tool (and an older
    Fieldnote) reads as a source of its own: its cues' codings are evidence of the study
    only with the session's `Study` variable (without it, it came back outside the study and
    the study's analysis lost those codings). Fieldnote's import attaches it to its session
    again, in the study."""
    coded_cue_span(writes, store, clock, session_id)
    session_file = store.open_session(session_id)
    session_file.update_session({"study": "Onboarding"})
    session_file.close()
    data, _ = export(store, [session_id], "qdpx")
    qde = zipfile.ZipFile(io.BytesIO(data)).read("project.qde").decode("utf-8")
    xmlschema.XMLSchema(str(schema_folder() / "Project.xsd")).validate(qde)
    path = tmp_path / "study.qdpx"
    for folder, project, sessions in (("other", data, 1), ("older", without_memos(data), 2)):
        path.write_bytes(project)
        other = DataStore(tmp_path / folder)
        result = import_files(other, [path], now=clock())
        studies = {
            snapshot.session["title"]: snapshot.session.get("study")
            for snapshot, _ in (other.read_session(sid) for sid, _, _ in result.sessions)
        }
        assert len(studies) == sessions and set(studies.values()) == {"Onboarding"}, studies


def test_a_pseudonymised_export_names_no_speaker_and_keeps_the_cue_span(
    writes, store, clock, session_id, ids, tmp_path
):
    import orjson

    words, _ = coded_cue_span(writes, store, clock, session_id)
    data, _ = export(store, [session_id], "json", pseudonymised=True)
    for name in ("Praline", "Maya", "interview.m4a", "interview.vtt", str(tmp_path)):
        assert name.encode() not in data
    (entry,) = orjson.loads(data)["sessions"]
    cues = {c["id"]: c for c in entry["recording"]["cues"]}
    assert all(re.fullmatch(r"[IP]\d+", c["speaker"]) for c in cues.values())
    assert entry["recording"]["media"] is None
    (excerpt,) = entry["excerpts"]
    assert cues[excerpt["note_id"]]["text"][excerpt["start"] : excerpt["end"]] == words


def test_the_csv_has_a_row_for_a_span_coded_on_a_cue(writes, store, clock, session_id, ids):
    import csv

    words, _ = coded_cue_span(writes, store, clock, session_id)
    data, _ = export(store, [session_id], "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    (row,) = [r for r in rows if r["kind"] == "transcript"]
    assert (row["author"], row["recording_time"], row["excerpt_text"]) == (
        "Praline",
        "00:08",
        words,
    )
    assert (row["tags"], row["coders"]) == ("said/verbatim", "Ana")


def test_a_span_on_a_note_whose_id_a_cue_has_too_is_the_notes_in_every_export(
    store, clock, session_id, tmp_path
):
    # A span names the note of its id, else the cue (spans.span_owners): the codebook's
    # counts and the analysis take a span on note X, where a cue X is attached too, as the
    # note's, once. The exports wrote it under the cue as well (CSV, qdpx), moved it onto
    # the cue (pseudonymised), or counted a span coded on nothing at all (Markdown).
    import csv

    import orjson

    from tui.domain.recording import Recording, RecordingCue
    from tui.services.tag_ops import tag_usage

    session_file = store.open_session(session_id)
    note = Note.from_typed(
        "Praline gave up on the invite flow",
        session_id=session_id,
        author="Maya",
        started_at=to_iso(clock()),
        elapsed=10.0,
        question_id=None,
    ).to_doc()
    session_file.append_notes([note])
    cue_text = "Honestly the invite email never came through"
    cues = (RecordingCue(note["id"], 8.0, 20.0, "Praline", cue_text),)
    session_file.attach_recording(Recording("x.vtt", None, "t", cues).to_doc(), 0)
    span = {"id": "span1", "note_id": note["id"], "start": 0, "end": 7, "tags": ["who"]}
    session_file.add_excerpt({**span, "severity": None})
    # A span whose note was deleted, with no cue of its id: coded on nothing, counted nowhere.
    orphan = {**span, "id": "span2", "note_id": "gone", "severity": None}
    session_file.add_excerpt(orphan)
    session_file.close()
    assert tag_usage(store, [session_id])["who"].excerpts == 1

    data, _ = export(store, [session_id], "csv")
    coded = [r for r in csv.DictReader(io.StringIO(data.decode("utf-8"))) if r["tags"]]
    assert [(r["kind"], r["excerpt_text"]) for r in coded] == [("note", "Praline")]

    data, _ = export(store, [session_id], "md")
    assert "| who | 1 |" in data.decode("utf-8")

    data, _ = export(store, [session_id], "qdpx")
    root = ET.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("project.qde"))
    ns = {"q": "urn:QDA-XML:project:1.0"}
    selections = [
        (source.get("name"), int(s.get("endPosition")) - int(s.get("startPosition")))
        for source in root.iterfind(".//q:TextSource", ns)
        for s in source.iterfind("q:PlainTextSelection", ns)
        if s.find("q:Coding", ns) is not None and s.get("startPosition") != "0"
    ]
    assert selections == [("Onboarding study - P7", 7)]

    data, _ = export(store, [session_id], "json", pseudonymised=True)
    (entry,) = orjson.loads(data)["sessions"]
    owners = {d["id"]: d for d in [*entry["recording"]["cues"], *entry["notes"]]}
    (kept,) = [e for e in entry["excerpts"] if e["note_id"] in owners]
    assert owners[kept["note_id"]]["text"].endswith("gave up on the invite flow")


def test_the_csv_and_markdown_exports_mark_each_quote_with_its_transcript_check(
    store, session_id, ids
):
    """The report said of the invented quote 'Not found in the transcript', while the CSV and
    Markdown exports gave it as the participant's words like the exact one: nothing in them
    told a checked quote from an unchecked or a refuted one."""
    import csv

    data, _ = export(store, [session_id], "csv")
    rows = {r["note_text"]: r for r in csv.DictReader(io.StringIO(data.decode("utf-8")))}
    assert rows['"I would pay double for a mobile app"']["quote_check"] == (
        "Not found in the transcript near 01:00."
    )
    assert rows["> Support answered within an hour"]["quote_check"] == (
        "Verbatim, Praline at 00:45: \u201cSupport answered within an hour\u201d"
    )
    assert rows["Exports to a sheet, weekly"]["quote_check"] == ""  # no quote
    md, _ = export(store, [session_id], "md")
    text = md.decode("utf-8")
    invented = text[text.index("> I would pay double") :].split("\n- ")[0]
    assert "> Not found in the transcript near 01:00." in invented


def test_a_quote_of_a_session_without_a_transcript_is_exported_as_not_checked(store, clock):
    from tests.analysis_study import write_study

    write_study(store)
    data, _ = export(store, ["s1"], "csv")
    rows = {r["note_text"]: r for r in csv_rows(data)}
    assert rows['"We keep a spreadsheet']["quote_check"] == "Not checked: no transcript attached."
    assert rows["Pricing page confused me"]["quote_check"] == ""


def csv_rows(data: bytes) -> list[dict]:
    import csv

    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
