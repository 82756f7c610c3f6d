"""Codings in the exchange formats: REFI-QDA's creatingUser round trip, CSV's coders column."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

import xmlschema

from tests.exchange_data import schema_folder, seed
from tui.domain.codings import codings_of, with_coding
from tui.domain.notes import tag_key
from tui.domain.ratings import with_rating
from tui.services.exchange.exporting import export
from tui.services.exchange.importing import import_files
from tui.services.exchange.study import read_study
from tui.store import DataStore

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AT = "2026-11-30T08:00:00.000Z"


def second_coder(store: DataStore, session_ids: list[str]) -> None:
    """Bo codes a tagged note and a span too, and a tag of his own on the note."""
    session_file = store.open_session(session_ids[0])
    snapshot = session_file.read()
    note = next(n for n in snapshot.notes if n["tags"])
    span = next(e for e in snapshot.excerpts if e["tags"])
    store.codebook.ensure(["need/export"], AT)
    for tag in (note["tags"][0], "need/export"):
        session_file.change_note(note["id"], lambda doc, t=tag: with_coding(doc, t, "Bo", AT))
    session_file.change_excerpt(span["id"], lambda doc: with_coding(doc, span["tags"][0], "Bo", AT))
    session_file.close()


def codings_by_text(study) -> set[tuple[str, str, str]]:
    """(text coded, tag, coder) for every coding of a note or span."""
    found = set()
    for session in study.sessions:
        by_id = {n["id"]: n for n in session.notes}
        for note in session.notes:
            for c in codings_of(note):
                found.add((note["text"], tag_key(c["tag"]), c["coder"]))
        for excerpt in session.excerpts:
            text = by_id[excerpt["note_id"]]["text"][excerpt["start"] : excerpt["end"]]
            for c in codings_of(excerpt):
                found.add((text, tag_key(c["tag"]), c["coder"]))
    return found


def test_qdpx_writes_each_codings_coder_as_creating_user_and_reads_it_back(tmp_path, store):
    ids = seed(store)
    second_coder(store, ids)
    data, study = export(store, ids, "qdpx")
    qde = zipfile.ZipFile(io.BytesIO(data)).read("project.qde").decode("utf-8")
    xmlschema.XMLSchema(str(schema_folder() / "Project.xsd")).validate(qde)
    assert qde.count('creationDateTime="2026-11-30T08:00:00.000Z"') == 3
    path = tmp_path / "study.qdpx"
    path.write_bytes(data)
    other = DataStore(tmp_path / "other")
    result = import_files(other, [path], now=NOW)
    back = read_study(other, [sid for sid, _, _ in result.sessions])
    expected = codings_by_text(study)
    assert ("Bo", "need/export") in {(coder, tag) for _, tag, coder in expected}
    assert codings_by_text(back) == expected
    bo = [c for n in back.sessions[0].notes for c in n.get("codings") or [] if c["coder"] == "Bo"]
    assert {c["at"] for c in bo} == {AT}


def test_a_coding_from_before_coders_travels_as_unknown(tmp_path, store):
    ids = seed(store)
    session_file = store.open_session(ids[0])
    note = dict(session_file.read().notes[2])
    del note["codings"]  # as a file from before codings holds it
    note["tags"] = ["legacy"]
    session_file.append_note(note)  # the same id: replaced
    session_file.close()
    store.codebook.ensure(["legacy"], AT)
    data, study = export(store, ids, "qdpx")
    path = tmp_path / "study.qdpx"
    path.write_bytes(data)
    other = DataStore(tmp_path / "other")
    back = read_study(other, [sid for sid, _, _ in import_files(other, [path], now=NOW).sessions])
    assert (note["text"], "legacy", "unknown") in codings_by_text(back)


def test_csv_has_a_coders_column_lined_up_with_the_tags(store):
    ids = seed(store)
    second_coder(store, ids)
    rows = list(csv.DictReader(io.StringIO(export(store, ids, "csv")[0].decode("utf-8"))))
    both = next(r for r in rows if "need/export" in r["tags"])
    tags, coders = both["tags"].split(";"), both["coders"].split(";")
    assert len(tags) == len(coders)
    by_tag = dict(zip(tags, coders, strict=True))
    assert by_tag["need/export"] == "Bo" and by_tag[tags[0]].endswith("+Bo")
    plain = next(r for r in rows if not r["tags"])
    assert plain["coders"] == ""


def test_csv_names_a_settlement_as_one_and_json_keeps_its_mark(tmp_path, store):
    """Lead settled how the note's coders differ on Bo's need/export, keeping Bo's: the csv's
    `coders` said `lead`, one of the tag's coders, where a settlement is the team's word
    recorded under the resolver's name and no one's coding (docs/coding.md), as the codebook
    and the tagging screen mark it. It is `✓lead`, and `lead+✓lead` beside lead's own coding;
    json, the exact copy, keeps the mark itself and brings it back."""
    from tui.domain.codings import settled

    ids = seed(store)
    second_coder(store, ids)
    session_file = store.open_session(ids[0])
    note = next(n for n in session_file.read().notes if "need/export" in n["tags"])
    coders = {c["coder"] for c in codings_of(note)}
    session_file.change_note(
        note["id"], lambda doc: settled(doc, "need/export", coders, {"Bo"}, "lead", AT)
    )
    session_file.close()

    def coders_of_export() -> dict[str, str]:
        rows = csv.DictReader(io.StringIO(export(store, ids, "csv")[0].decode("utf-8")))
        row = next(r for r in rows if "need/export" in r["tags"])
        return dict(zip(row["tags"].split(";"), row["coders"].split(";"), strict=True))

    assert coders_of_export()["need/export"] == "\u2713lead"
    session_file = store.open_session(ids[0])
    session_file.change_note(note["id"], lambda doc: with_coding(doc, "need/export", "lead", AT))
    session_file.close()
    assert coders_of_export()["need/export"] == "lead+\u2713lead"

    data, _ = export(store, ids, "json")
    path = tmp_path / "study.json"
    path.write_bytes(data)
    other = DataStore(tmp_path / "other")
    back = read_study(other, [sid for sid, _, _ in import_files(other, [path], now=NOW).sessions])
    for study in (read_study(store, ids), back):
        (again,) = [n for s in study.sessions for n in s.notes if n["id"] == note["id"]]
        held = [c for c in again["codings"] if tag_key(c["tag"]) == "need/export"]
        assert [(c["coder"], c.get("settlement")) for c in held] == [
            ("lead", True),
            ("lead", None),
        ]


def test_two_coders_ratings_travel_in_csv_and_json(tmp_path, store):
    ids = seed(store)
    session_file = store.open_session(ids[0])
    note = next(n for n in session_file.read().notes if n["tags"])
    for value, coder in ((5, "Ana"), (2, "Bo")):
        session_file.change_note(
            note["id"], lambda doc, v=value, c=coder: with_rating(doc, v, c, AT, over_unknown=True)
        )
    session_file.close()
    rows = list(csv.DictReader(io.StringIO(export(store, ids, "csv")[0].decode("utf-8"))))
    rated = [(r["severity"], r["ratings"]) for r in rows if "Bo" in r["ratings"]]
    assert rated == [("2", "Ana=5;Bo=2")]  # the lower middle of 5 and 2, and each rating
    data, _ = export(store, ids, "json")
    path = tmp_path / "study.json"
    path.write_bytes(data)
    other = DataStore(tmp_path / "other")
    back = read_study(other, [sid for sid, _, _ in import_files(other, [path], now=NOW).sessions])
    (again,) = [n for s in back.sessions for n in s.notes if n.get("ratings")]
    assert [(r["coder"], r["severity"]) for r in again["ratings"]] == [("Ana", 5), ("Bo", 2)]
    assert again["severity"] == 2


def test_codings_a_settlement_set_aside_are_in_the_file_and_on_no_surface(tmp_path, store):
    """Bo's codings that a settlement set aside (a tag of his own on a note, a span only he
    coded) stay in the file for agreement, and no surface shows or counts them: the tags,
    the tagging screen, the codebook's counts, the analysis, the CSV and the qdpx project;
    the JSON export, a copy of the data, keeps them and brings them back."""
    from tui.services.analysis import StudyAnalysis
    from tui.services.tag_ops import tag_usage
    from tui.services.tagging import session_rows
    from tui.services.team.agreement import compute, load, resolve

    ids = seed(store)
    rows_before = list(csv.DictReader(io.StringIO(export(store, ids, "csv")[0].decode("utf-8"))))
    second_coder(store, ids)
    session_file = store.open_session(ids[0])
    note = next(n for n in session_file.read().notes if not n["tags"])
    span = {"id": "bo-late", "note_id": note["id"], "start": 0, "end": 4, "tags": []}
    session_file.add_excerpt({**span, **with_coding(span, "late", "Bo", AT)})
    session_file.close()
    coding_set = load(store, ids)
    first = next(c for c in coding_set.coders if c != "Bo")
    result = compute(coding_set, [first, "Bo"])
    settled = [d for d in result.disagreements if d.key in ("need/export", "late")]
    assert len(settled) == 2
    for found in settled:
        resolve(store, found, first, "Bo", "first", "team", "2026-12-01T10:00:00.000Z")

    snapshot = store.open_session(ids[0]).read()
    late = next(e for e in snapshot.excerpts if e["id"] == "bo-late")
    assert (late["tags"], late["codings"]) == ([], [])
    assert [(c["tag"], c["settled"]["by"]) for c in late["set_aside"]] == [("late", "team")]
    aside = [c for n in snapshot.notes for c in n.get("set_aside") or []]
    assert [(c["tag"], c["coder"]) for c in aside] == [("need/export", "Bo")]
    gone = {"need/export", "late"}
    assert not gone & {tag_key(t) for d in [*snapshot.notes, *snapshot.excerpts] for t in d["tags"]}
    # The tagging screen: no row for the span, no initials of Bo's for the tags set aside.
    rows = session_rows(ids[0], snapshot)
    assert (ids[0], "bo-late") not in rows.span_rows
    assert "need/export" not in {tag_key(t) for r in rows.excerpts for t in r.tags}
    # The codebook's counts and the analysis.
    assert not gone & set(tag_usage(store))
    view = StudyAnalysis(store, "Onboarding").refresh()
    assert not gone & {t.key for t in view.analysis.themes}
    # CSV: the rows there were before Bo coded, none of his set aside.
    rows_after = list(csv.DictReader(io.StringIO(export(store, ids, "csv")[0].decode("utf-8"))))
    assert len(rows_after) == len(rows_before)
    assert not gone & {tag_key(t) for r in rows_after for t in r["tags"].split(";") if t}
    # qdpx: no coding of them, in the project or read back.
    data, study = export(store, ids, "qdpx")
    path = tmp_path / "study.qdpx"
    path.write_bytes(data)
    other = DataStore(tmp_path / "other")
    back = read_study(other, [sid for sid, _, _ in import_files(other, [path], now=NOW).sessions])
    assert not gone & {tag for _, tag, _ in codings_by_text(back)}
    assert not gone & {tag for _, tag, _ in codings_by_text(study)}
    # JSON keeps them, and they come back set aside.
    data, _ = export(store, ids, "json")
    path = tmp_path / "study.json"
    path.write_bytes(data)
    third = DataStore(tmp_path / "third")
    back = read_study(third, [sid for sid, _, _ in import_files(third, [path], now=NOW).sessions])
    kept = [
        c for s in back.sessions for d in [*s.notes, *s.excerpts] for c in d.get("set_aside") or []
    ]
    assert sorted((c["tag"], c["coder"]) for c in kept) == [("late", "Bo"), ("need/export", "Bo")]


def test_a_pseudonymised_export_names_no_one_who_settled_or_was_set_aside(store):
    # The resolver of a settlement that kept neither coding is named only in the mark of
    # the codings set aside.
    from tui.services.team.agreement import compute, load, resolve

    ids = seed(store)
    session_file = store.open_session(ids[0])
    note = next(n for n in session_file.read().notes if not n["tags"])
    session_file.change_note(note["id"], lambda doc: with_coding(doc, "late", "Bo Tanaka", AT))
    session_file.close()
    coding_set = load(store, ids)
    first = next(c for c in coding_set.coders if c != "Bo Tanaka")
    (late,) = [
        d for d in compute(coding_set, [first, "Bo Tanaka"]).disagreements if d.key == "late"
    ]
    resolve(store, late, first, "Bo Tanaka", "neither", "Lena Park", "2026-12-01T10:00:00.000Z")
    data, study = export(store, ids, "json", pseudonymised=True)
    text = data.decode("utf-8")
    assert "Lena" not in text and "Park" not in text and "Tanaka" not in text
    (aside,) = [c for s in study.sessions for n in s.notes for c in n.get("set_aside") or []]
    assert aside["settled"]["at"] != "2026-12-01T10:00:00.000Z"  # times move with the rest
