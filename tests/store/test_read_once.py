"""A file read through the store is checked once per version: read again unchanged its checks
are skipped (an export lists each file, then reads it to write it), and any change behind
the store's back (another process's journal line, a torn line completed, a replaced file) is
checked again and refused with the same sentence as a first read."""

from __future__ import annotations

import os
import re

import orjson
import pytest

from tests.store.helpers import guide_doc, note_doc, session_doc
from tui.store import DataStore, SessionNotFoundError, UnreadableFileError
from tui.store import datastore as datastore_module
from tui.store.storage import journal_path, read_tables

WRONG = "in its 'notes' table, document 9 (id bad) has a field 'elapsed' that is not a number"


@pytest.fixture
def session_id(store: DataStore) -> str:
    record = session_doc()
    session = store.create_session(record, guide_doc())
    session.append_notes([note_doc(record["id"]), note_doc(record["id"], text="second")])
    session.close()
    return record["id"]


def bad_line(session_id: str) -> bytes:
    note = {**note_doc(session_id), "id": "bad", "elapsed": "soon"}
    return orjson.dumps({"set": {"notes": {"9": note}}, "del": {}})


def counting_checks(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = datastore_module.validate_session_data

    def counted(path):
        check = real(path)
        return lambda data: (calls.append(1), check(data))

    monkeypatch.setattr(datastore_module, "validate_session_data", counted)
    return calls


def test_an_unchanged_file_is_checked_once(store, session_id, monkeypatch) -> None:
    calls = counting_checks(monkeypatch)
    summaries, problems = store.list_sessions()
    first, _ = store.read_session(session_id)
    again, recording = store.read_session(session_id)
    assert (summaries[0].note_count, problems, len(calls), recording) == (2, [], 1, None)
    assert first == again and "second" in [note["text"] for note in first.notes]


def test_a_journal_line_added_behind_the_store_is_checked(store, session_id) -> None:
    store.read_session(session_id)
    with open(journal_path(store.session_path(session_id)), "ab") as journal:
        journal.write(bad_line(session_id) + b"\n")  # another process, or a script
    with pytest.raises(UnreadableFileError, match=re.escape(WRONG)):
        store.read_session(session_id)
    assert WRONG in str(store.list_sessions()[1][0])


def test_a_torn_line_completed_later_is_checked(store, session_id) -> None:
    with open(journal_path(store.session_path(session_id)), "ab") as journal:
        journal.write(bad_line(session_id))  # torn: no newline yet, so not read
    assert len(store.read_session(session_id)[0].notes) == 2
    with open(journal_path(store.session_path(session_id)), "ab") as journal:
        journal.write(b"\n")
    with pytest.raises(UnreadableFileError, match=re.escape(WRONG)):
        store.read_session(session_id)


def test_a_file_replaced_behind_the_store_is_checked(store, session_id) -> None:
    path = store.session_path(session_id)
    store.read_session(session_id)
    data = orjson.loads(path.read_bytes())
    data["notes"] = {"9": {**note_doc(session_id), "id": "bad", "elapsed": "soon"}}
    replacement = path.with_name("replacement.tmp")
    replacement.write_bytes(orjson.dumps(data))
    os.replace(replacement, path)
    with pytest.raises(UnreadableFileError, match=re.escape(WRONG)):
        store.read_session(session_id)


def test_a_missing_session_is_a_sentence(store) -> None:
    with pytest.raises(SessionNotFoundError, match="list the sessions to see their ids"):
        store.read_session("nosuchsession")


def test_a_snapshot_of_a_fresh_read_and_the_file_never_share_a_change(store, session_id) -> None:
    """The first read of a file hands out the parsed documents uncopied (`lend`): a reader's
    change to them never reaches the file, and the store's writes never reach them, including
    after another process's journal line was followed."""
    session = store.open_session(session_id)  # a fresh parse: its documents are lent
    before = session.read()
    kept = orjson.loads(orjson.dumps(before.notes))
    other = store.open_session(session_id)
    other.append_note(note_doc(session_id, text="from another process"))
    assert len(session.read().notes) == 3  # followed from the journal
    by_text = {note["text"]: note for note in before.notes}
    first, second = by_text["second"]["id"], by_text[note_doc(session_id)["text"]]["id"]
    by_text[note_doc(session_id)["text"]]["tags"].append("changed-by-a-reader")
    session.change_note(first, lambda note: {"tags": [*note["tags"], "new"], "starred": True})
    session.retag({"pain/onboarding": "pain/invites"})
    session.update_note(first, {"text": "rewritten"})
    session.fold_journal()
    by_text[note_doc(session_id)["text"]]["tags"].remove("changed-by-a-reader")
    assert before.notes == kept
    on_disk = {doc["id"]: doc for doc in read_tables(session.path)["notes"].values()}
    assert on_disk[second]["tags"] == ["pain/invites"]  # retagged, and no reader's tag
    assert on_disk[first]["text"] == "rewritten" and len(on_disk) == 3
    session.close()
    other.close()


def test_an_export_read_orders_notes_as_a_session_file_does(store) -> None:
    record = session_doc()
    session = store.create_session(record, guide_doc())
    times = ["2024-05-01T10:02:00.000Z", "2024-05-01T10:01:00.000Z", "2024-05-01T10:01:00.000Z"]
    docs = [
        {**note_doc(record["id"], started_at=at), "id": f"n{3 - n}"} for n, at in enumerate(times)
    ]
    del docs[0]["started_at"]  # a note a script wrote without a time: it sorts first
    session.append_notes(docs)
    snapshot, _ = store.read_session(record["id"])
    assert [note["id"] for note in snapshot.notes] == ["n3", "n1", "n2"]
    assert snapshot.notes == session.read().notes
    session.close()
