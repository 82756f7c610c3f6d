"""`--pseudonymise` names nobody, in any field of any format, and shares no id or time with
the plain export of the same study."""

from __future__ import annotations

import contextlib
import io
import os
import re
import threading
import unicodedata
import zipfile
from datetime import timedelta

import orjson
import pytest
import xmlschema

from tests.disk_faults import remount, tmpfs_at
from tests.exchange_data import START, schema_folder, seed
from tui.cli import main
from tui.domain.clock import to_iso
from tui.domain.guide import parse_guide
from tui.domain.notes import Note
from tui.domain.ratings import with_rating
from tui.services.exchange.errors import ExchangeError
from tui.services.exchange.exporting import FORMATS, ExportJob, export
from tui.services.exchange.importing import import_files
from tui.services.exchange.pseudonyms import folder_key, pseudonymise
from tui.services.exchange.study import read_study
from tui.services.session_setup import create_session
from tui.store import DataStore

PEOPLE = (
    "Maya Chen",
    "Zoë Kowalski",
    "Kim Lee",
    "Dana Fox",
    "Sam Ortiz",
    "Jonas Berg",
    "Rita Novak",  # named only as a rater
)
VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Sam Ortiz>Thanks for joining, Kim.

00:00:05.000 --> 00:00:09.000
<v Kim Lee>Happy to. Dana_Fox told me about the pilot.
"""


def _note(session_id: str, text: str, number: int, author: str = "Jonas Berg") -> dict:
    return Note.from_typed(
        text,
        session_id=session_id,
        author=author,
        started_at=to_iso(START + timedelta(seconds=30 * number)),
        elapsed=30.0 * number,
        question_id="q1",
    ).to_doc()


def _study_with_names(store: DataStore, tmp_path) -> list[str]:
    """Every way a name hid from the pseudonymiser before: joined by `_` or `-`, in a tag, in
    a codebook description, decomposed, as a debrief's key, in a transcript's file name."""
    decomposed = unicodedata.normalize("NFD", "Zoë")
    assert decomposed != "Zoë"
    maya = create_session(
        store,
        title="Maya_Chen onboarding",
        participant="Maya Chen",
        guide=parse_guide("## Warm-up\n- What did Maya-Chen's team try first?\n"),
        now=START,
        extra={"study": "Names", "interviewers": ["Jonas Berg"]},
    )
    session_file = store.open_session(maya)
    session_file.append_notes(
        [
            _note(maya, "Maya_Chen said the import broke #maya_feedback", 0),
            _note(maya, f"{decomposed} Kowalski joined late #pain/import", 1),
            _note(maya, "MAYA-CHEN asked about pricing", 2, author="Dana Fox"),
        ]
    )
    first = session_file.read().notes[0]
    session_file.update_note(first["id"], with_rating(first, 4, "Rita Novak", to_iso(START)))
    session_file.update_session(
        {"debrief": {"Dana Fox": {"surprised": "Maya knew", "quote": "", "change": ""}}}
    )
    session_file.close()
    zoe = create_session(
        store,
        title=f"Call with {decomposed} Kowalski",
        participant="Zoë Kowalski",
        now=START + timedelta(days=1),
        extra={"study": "Names"},
    )
    session_file = store.open_session(zoe)
    session_file.append_notes([_note(zoe, "zoë_kowalski keeps a sheet #workaround", 0)])
    session_file.close()
    store.codebook.ensure(["maya_feedback", "pain/import", "workaround"], to_iso(START))
    store.codebook.update("maya_feedback", {"description": "What Maya_Chen and Kim-Lee said"})
    transcript = tmp_path / "Kim_Lee_2024.vtt"
    transcript.write_text(VTT, encoding="utf-8")
    result = import_files(store, [transcript], now=START, participant="Kim Lee", study="Names")
    return [maya, zoe, *(sid for sid, _, _ in result.sessions)]


def _spellings(name: str) -> set[str]:
    """The name composed and decomposed, its parts joined by a space, `_` or `-`, and each
    part alone, all case-folded."""
    found = set()
    for form in ("NFC", "NFD"):
        parts = unicodedata.normalize(form, name).casefold().split()
        found |= {joiner.join(parts) for joiner in (" ", "_", "-")}
        found |= set(parts)
    return found


def _blobs(fmt: str, data: bytes) -> list[bytes]:
    if not FORMATS[fmt].binary:
        return [data]
    archive = zipfile.ZipFile(io.BytesIO(data))
    return [archive.read(m) for m in archive.namelist()] + [m.encode() for m in archive.namelist()]


def test_pseudonymised_means_no_name_left_in_any_byte_of_any_format(store, tmp_path):
    ids = _study_with_names(store, tmp_path)
    plain = export(store, ids, "json")[0].decode("utf-8").casefold()
    for person in PEOPLE:  # the names are there to be found in the plain export
        assert unicodedata.normalize("NFC", person).casefold().split()[0] in unicodedata.normalize(
            "NFC", plain
        )
    assert "kim_lee_2024" in plain and '"dana fox"' in plain and "e\u0308" in plain
    for fmt in FORMATS:
        data, _ = export(store, ids, fmt, pseudonymised=True)
        for blob in _blobs(fmt, data):
            text = blob.decode("utf-8").casefold()
            for person in PEOPLE:
                for spelling in _spellings(person):
                    assert spelling not in text, (fmt, person, spelling)
    _, study = export(store, ids, "json", pseudonymised=True)
    assert [s.participant for s in study.sessions] == ["P1", "P2", "P3"]
    assert study.sessions[0].title == "P1 onboarding"
    assert study.sessions[2].title == "Transcript 3"  # it was the file's name
    assert "source" not in study.sessions[2].session
    assert list(study.sessions[0].session["debrief"]) == ["I2"]
    texts = [n["text"] for n in study.sessions[0].notes]
    assert texts == [
        "P1 said the import broke #P1_feedback",
        "P2 joined late #pain/import",
        "P1 asked about pricing",
    ]
    assert {t["name"] for t in study.codebook} >= {"P1_feedback"}
    transcript = read_study(store, ids[2:])
    transcript.label = "Kim_Lee_2024"  # an export named after the session follows its title
    assert pseudonymise(transcript).label == "Transcript 1"


def test_the_cli_pseudonymises_every_format_too(store, tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    _study_with_names(store, tmp_path)
    for fmt in FORMATS:
        out = tmp_path / f"out.{fmt}"
        assert main(["export", "--all", "--format", fmt, "--pseudonymise", "-o", str(out)]) == 0
        for blob in _blobs(fmt, out.read_bytes()):
            text = blob.decode("utf-8").casefold()
            assert not [p for p in PEOPLE for s in _spellings(p) if s in text], fmt


_GUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_ID = re.compile(rb"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
_TIME = re.compile(rb"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z?)?")


def _marks(data: bytes, fmt: str) -> tuple[set[bytes], set[bytes]]:
    """The GUIDs and ids, and the dates and times, anywhere in an export."""
    blobs = _blobs(fmt, data)
    ids = {m for b in blobs for m in [*_GUID.findall(b), *_ID.findall(b)]}
    times = {m for b in blobs for m in _TIME.findall(b)}
    return ids, times


def test_a_pseudonymised_export_shares_no_id_guid_or_time_with_the_plain_one(store):
    ids = seed(store)
    for fmt in FORMATS:
        plain_ids, plain_times = _marks(export(store, ids, fmt)[0], fmt)
        pseudo_ids, pseudo_times = _marks(export(store, ids, fmt, pseudonymised=True)[0], fmt)
        if fmt in ("qdpx", "qdc", "json"):
            assert plain_ids and pseudo_ids, fmt  # there is something to compare
        if fmt in ("qdpx", "json", "md"):
            assert plain_times and pseudo_times, fmt
        assert not plain_ids & pseudo_ids, fmt
        assert not plain_times & pseudo_times, fmt
    # Two pseudonymised exports of the same study cannot be joined to each other either.
    first, _ = _marks(export(store, ids, "qdpx", pseudonymised=True)[0], "qdpx")
    second, _ = _marks(export(store, ids, "qdpx", pseudonymised=True)[0], "qdpx")
    assert not first & second
    # The plain export stays the same from one run to the next.
    assert export(store, ids, "qdpx")[0] == export(store, ids, "qdpx")[0]


def test_pseudonymised_json_imports_and_its_spans_and_followups_hold(store, tmp_path):
    ids = seed(store)
    session_file = store.open_session(ids[0])
    followup = next(n for n in session_file.read().notes if n["kind"] == "followup")
    session_file.update_session(
        {"followups": {followup["id"]: {"status": "asked", "elapsed": 90.0, "question_id": "q2"}}}
    )
    session_file.close()
    data, study = export(store, ids, "json", pseudonymised=True)
    doc = orjson.loads(data)
    first = doc["sessions"][0]
    (key,) = first["session"]["followups"]
    assert key == next(n["id"] for n in first["notes"] if n["kind"] == "followup")
    assert key != followup["id"]
    notes = {n["id"] for n in first["notes"]}
    assert all(e["note_id"] in notes for e in first["excerpts"])
    assert all(n["session_id"] == first["session"]["id"] for n in first["notes"])
    path = tmp_path / "pseudonymised.json"
    path.write_bytes(data)
    other = DataStore(tmp_path / "other")
    result = import_files(other, [path], now=START)
    assert len(result.sessions) == 2


def test_a_pseudonymised_export_brought_back_is_refused_and_elsewhere_welcome(
    store, tmp_path, monkeypatch, capsys
):
    # Imported into the folder it came from, a pseudonymised export made every session
    # again under pseudonyms: the study counted each interview twice. Only this folder
    # can tell (its key is in no export), so elsewhere it imports as before, and from
    # there, exported plain and brought back, it is still known.
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    ids = _study_with_names(store, tmp_path)
    for fmt in ("json", "qdpx"):
        out = tmp_path / f"pseudo.{fmt}"
        assert main(["export", "--all", "--format", fmt, "--pseudonymise", "-o", str(out)]) == 0
        capsys.readouterr()
        assert main(["import", str(out)]) == 1
        err = capsys.readouterr().err
        titles = [s.title for s in store.list_sessions()[0]]
        assert re.search(r"its session '(P\d|Transcript \d)[^']*' is a pseudonymised copy of", err)
        assert any(f"copy of '{title}'" in err for title in titles), err
        assert "nothing was imported" in err and "another data folder" in err
        assert sorted(s.id for s in store.list_sessions()[0]) == sorted(ids)
    qde = zipfile.ZipFile(tmp_path / "pseudo.qdpx").read("project.qde").decode("utf-8")
    xmlschema.XMLSchema(str(schema_folder() / "Project.xsd")).validate(qde)
    key = store.home / "pseudonym-key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert key.read_text().strip().encode() not in (tmp_path / "pseudo.json").read_bytes()
    other = DataStore(tmp_path / "other")
    import_files(other, [tmp_path / "pseudo.json"], now=START)
    plain_again = tmp_path / "plain-from-other.json"
    plain_again.write_bytes(export(other, store_ids(other), "json")[0])
    capsys.readouterr()
    assert main(["import", str(plain_again)]) == 1
    assert "pseudonymised copy" in capsys.readouterr().err


def store_ids(store: DataStore) -> list[str]:
    return [s.id for s in store.list_sessions()[0]]


def test_a_key_file_that_is_a_fifo_or_a_device_is_no_key_and_holds_nothing_up(store, tmp_path):
    # The key was read with read_text: a FIFO in its place blocked every import (and every
    # pseudonymised export) until something wrote into it, and a link to /dev/zero read on
    # until memory ran out. A key is a small plain file; anything else is no key.
    ids = seed(store)
    key = store.home / "pseudonym-key"
    os.mkfifo(key)
    out = tmp_path / "plain.json"
    out.write_bytes(export(store, ids, "json")[0])
    found: list = []
    worker = threading.Thread(
        target=lambda: found.append(folder_key(store.home, create=False)), daemon=True
    )
    worker.start()
    worker.join(timeout=5)
    if worker.is_alive():  # let the blocked read end before failing
        with open(key, "w") as writer:
            writer.write("00\n")
        worker.join(timeout=5)
        raise AssertionError("reading a FIFO as the key blocked")
    assert found == [None]
    with pytest.raises(ExchangeError, match="already in this data folder|is already"):
        import_files(store, [out], now=START)
    assert export(store, ids, "json", pseudonymised=True)[0]
    key.unlink()
    key.symlink_to("/dev/zero")
    assert folder_key(store.home, create=True) is None


def test_the_coder_unknown_is_nobody_and_the_word_stays_in_the_text(store):
    # `unknown` is the coder of a rating or tag from before coders were recorded, kept beside
    # a blind coder's rating: the pseudonymiser took it for a person, so the copy said "I3"
    # for it, as a coder and in every note that used the word ("the cause is I3").
    session_id = create_session(store, title="Old file", participant="Kim Lee", now=START)
    session_file = store.open_session(session_id)
    session_file.append_notes([_note(session_id, "Why it broke is unknown to Kim", 0)])
    note = session_file.read().notes[0]
    # A severity from before ratings (anyone's), then a blind coder's rating beside it.
    session_file.update_note(note["id"], {"severity": 3})
    note = session_file.read().notes[0]
    session_file.update_note(note["id"], with_rating(note, 5, "Jonas Berg", to_iso(START)))
    session_file.close()
    data = orjson.loads(export(store, [session_id], "json", pseudonymised=True)[0])
    (copied,) = data["sessions"][0]["notes"]
    assert copied["text"] == "Why it broke is unknown to P1"
    assert sorted(r["coder"] for r in copied["ratings"]) == ["I1", "unknown"]


def test_a_read_only_data_folder_exports_a_pseudonymised_copy_unmarked_and_says_so(
    tmp_path, monkeypatch, capsys
):
    # The copy mark needs the folder's key, made on the first pseudonymised export. On a
    # read-only data folder (an archived study on a read-only share), where a plain export
    # works, the pseudonymised one was refused outright; it goes out without the mark now,
    # and says that this folder would not know it again.
    with contextlib.contextmanager(tmpfs_at)(tmp_path / "home", size="8m") as home:
        store = DataStore(home)
        seed(store)
        store.codebook.close()
        remount(home, read_only=True)
        try:
            monkeypatch.setenv("FIELDNOTE_HOME", str(home))
            out = tmp_path / "pseudo.json"
            args = ["export", "--all", "--format", "json", "--pseudonymise", "-o", str(out)]
            assert main(args) == 0
            err = capsys.readouterr().err
            assert "no copy mark" in err and "Read-only file system" in err, err
            sessions = orjson.loads(out.read_bytes())["sessions"]
            assert sessions and all("copy_mark" not in s["session"] for s in sessions)
            assert not (home / "pseudonym-key").exists()
            # The export screen's job says it too (the screen shows it as a warning).
            job = ExportJob(store, [s.id for s in store.list_sessions()[0]], "")
            job.run("csv", tmp_path / "pseudo.csv", pseudonymised=True)
            (notice,) = job.notices
            assert "no copy mark" in notice
            job.run("csv", tmp_path / "plain.csv")
            assert job.notices == []
        finally:
            remount(home, read_only=False)
