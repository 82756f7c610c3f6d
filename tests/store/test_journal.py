"""A session file's journal (tui/store/storage.py): each write appends its change, readers
follow what was appended, and folding it into the file loses nothing at any step."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.store.helpers import guide_doc, note_doc, session_doc
from tui.store import DataStore, SessionFile, UnreadableFileError
from tui.store import storage as storage_module
from tui.store.session import DELETE
from tui.store.storage import journal_path, read_tables


@pytest.fixture
def session(store: DataStore) -> SessionFile:
    return store.create_session(session_doc(), guide_doc())


def same_as_a_fresh_reader(session: SessionFile) -> None:
    """What the writer holds is what a new reader of the files gets, field for field."""
    mine, fresh = session.read(), SessionFile(session.path, session.session_id).read()
    assert (mine.session, mine.guide_state, mine.notes, mine.excerpts) == (
        fresh.session,
        fresh.guide_state,
        fresh.notes,
        fresh.excerpts,
    )


def test_every_kind_of_write_is_appended_and_read_back(session: SessionFile) -> None:
    sid = session.session_id
    base = session.path.read_bytes()
    one, two = note_doc(sid, "one #pain"), note_doc(sid, "two words here")
    writes = [
        lambda: session.append_note(one),
        lambda: session.append_notes([two, note_doc(sid, "three")]),
        lambda: session.append_note({**one, "text": "one again #pain"}),  # a retry: replaced
        lambda: session.update_note(one["id"], {"starred": True}),
        lambda: session.add_excerpt(
            {"id": "e1", "note_id": two["id"], "start": 4, "end": 9, "tags": ["x"]}
        ),
        lambda: session.update_note(two["id"], {"text": "two more words here"}),  # span moves
        lambda: session.change_note(one["id"], lambda doc: {"tags": [*doc["tags"], "more"]}),
        lambda: session.update_excerpt("e1", {"tags": ["y"]}),
        lambda: session.retag({"pain": "pain/onboarding", "y": None}),
        lambda: session.update_session({"title": "Renamed"}),
        lambda: session.change_session(lambda record: {"goal": record["goal"] + "!"}),
        lambda: session.update_guide_state(current="q2", marks={"q1": "asked"}),
        lambda: session.delete_excerpt("e1"),
        lambda: session.change_note(two["id"], lambda doc: DELETE),
        lambda: session.delete_note(one["id"]),
    ]
    for write in writes:
        write()
        same_as_a_fresh_reader(session)
    assert session.path.read_bytes() == base  # all of it went to the journal
    lines = journal_path(session.path).read_bytes().splitlines()
    assert len(lines) >= len(writes)
    assert [n["text"] for n in session.read().notes] == ["three"]


def test_a_reader_follows_only_what_was_appended(session: SessionFile) -> None:
    sid = session.session_id
    session.append_notes([note_doc(sid, f"note {i}") for i in range(50)])
    reader = SessionFile(session.path, session.session_id)
    known = {doc["id"]: doc for doc in reader.read().notes}
    version = reader.read_changes(known).version
    added = note_doc(sid, "new one")
    session.append_note(added)
    session.update_note(next(iter(known)), {"starred": True})
    changes = reader.read_changes(known, since=version)
    assert {doc["id"] for doc in changes.changed} == {added["id"], next(iter(known))}
    assert reader._storage.changes_since(version) == {
        ("notes", added["id"]),
        ("notes", next(iter(known))),
    }
    assert changes.removed == []


def test_folding_keeps_everything(session: SessionFile, monkeypatch) -> None:
    monkeypatch.setattr(
        storage_module.AtomicJSONStorage,
        "_journal_is_long",
        lambda self: self._journal_used > 2_000,
    )
    sid = session.session_id
    base = session.path.read_bytes()
    reader = SessionFile(session.path, session.session_id)
    reader.read()
    for i in range(40):
        session.append_note(note_doc(sid, f"note {i} " + "x" * 100))
    journal = journal_path(session.path)
    assert session.path.read_bytes() != base  # folded, and the journal emptied each time
    assert journal.stat().st_size < 2_000 + 1_000
    assert len(read_tables(session.path)["notes"]) == 40
    assert len(reader.read().notes) == 40
    same_as_a_fresh_reader(session)


@pytest.mark.parametrize("declared", [True, False])
def test_a_crash_between_folding_and_emptying_loses_nothing(
    session: SessionFile, monkeypatch, declared: bool
) -> None:
    """The main file replaced, the journal not yet emptied: replaying it again over the file
    that already holds it must change nothing (a change it also holds must not go back)."""
    sid = session.session_id
    note = note_doc(sid, "first text")
    session.append_note(note)
    session.update_note(note["id"], {"text": "second text"})
    monkeypatch.setattr(storage_module.AtomicJSONStorage, "_empty_journal", lambda self: None)
    if declared:  # a note write that folds: the journal is long
        monkeypatch.setattr(storage_module.AtomicJSONStorage, "_journal_is_long", lambda _: True)
        session.update_note(note["id"], {"text": "third text"})
    else:  # a write that names no documents (a whole write)
        storage = session._storage
        with storage.locked() as data:
            data["notes"]["1"]["text"] = "third text"
            storage.write(data)
    assert journal_path(session.path).stat().st_size > 0  # the crash: still there
    fresh = SessionFile(session.path, session.session_id).read()
    assert [n["text"] for n in fresh.notes] == ["third text"]


def test_a_torn_last_line_is_ignored_then_cut_off(session: SessionFile) -> None:
    sid = session.session_id
    session.append_note(note_doc(sid, "whole"))
    journal = journal_path(session.path)
    with open(journal, "ab") as handle:
        handle.write(b'{"set": {"notes": {"9": {"id": "half')  # a writer killed mid-line
    reader = SessionFile(session.path, session.session_id)
    assert [n["text"] for n in reader.read().notes] == ["whole"]
    reader.append_note(note_doc(sid, "after"))
    assert b"half" not in journal.read_bytes()
    notes = SessionFile(session.path, sid).read().notes
    assert sorted(n["text"] for n in notes) == ["after", "whole"]


def test_a_damaged_journal_is_reported_and_never_written_over(session: SessionFile) -> None:
    sid = session.session_id
    session.append_note(note_doc(sid, "kept"))
    journal = journal_path(session.path)
    with open(journal, "ab") as handle:
        handle.write(b"not json at all\n")
    damaged = journal.read_bytes()
    fresh = SessionFile(session.path, sid)
    with pytest.raises(UnreadableFileError, match=r"\.journal.*line 2"):
        fresh.read()
    with pytest.raises(UnreadableFileError):
        fresh.append_note(note_doc(sid, "refused"))
    assert journal.read_bytes() == damaged


def test_a_journal_that_is_a_link_is_refused(session: SessionFile, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_bytes(b"")
    os.symlink(target, journal_path(session.path))
    with pytest.raises(UnreadableFileError, match="symbolic link"):
        SessionFile(session.path, session.session_id).read()
    assert target.read_bytes() == b""


def test_a_folded_file_read_by_another_process_is_parsed_whole(
    session: SessionFile, monkeypatch
) -> None:
    """After a fold the journal starts again: a reader that had followed it reads afresh."""
    sid = session.session_id
    reader = SessionFile(session.path, sid)
    session.append_notes([note_doc(sid, f"n{i}") for i in range(3)])
    assert len(reader.read().notes) == 3
    monkeypatch.setattr(storage_module.AtomicJSONStorage, "_journal_is_long", lambda self: True)
    session.append_note(note_doc(sid, "folds"))
    assert journal_path(session.path).stat().st_size == 0
    assert len(reader.read().notes) == 4
    assert reader._storage.changes_since(0) is None  # a whole read: changes not known
