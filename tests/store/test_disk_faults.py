"""Real disk faults on a small tmpfs: a full disk and a read-only folder."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from tests.disk_faults import fill, remount
from tests.store.helpers import guide_doc, note_doc, session_doc
from tui.store import DataStore, SessionFile, WriteFailedError
from tui.store.storage import journal_path


def setup_session(home: Path, notes: int = 20) -> tuple[DataStore, SessionFile, list[str]]:
    store = DataStore(home)
    session = store.create_session(session_doc(), guide_doc())
    docs = [note_doc(session.session_id, f"note {i}") for i in range(notes)]
    session.append_notes(docs[:-1])
    session.append_note(docs[-1])
    store.codebook.ensure(["pain"], "t0")
    return store, session, [d["id"] for d in docs]


def disk_bytes(session: SessionFile) -> tuple[bytes, bytes]:
    """The session file and its journal."""
    return session.path.read_bytes(), journal_path(session.path).read_bytes()


def assert_intact(store: DataStore, session: SessionFile, before, ids: list[str]) -> None:
    assert disk_bytes(session) == before
    assert not [p for p in store.sessions_dir.iterdir() if p.name.endswith(".tmp")]
    assert not [p for p in store.home.iterdir() if p.name.endswith(".tmp")]
    fresh = SessionFile(session.path, session.session_id)
    assert sorted(n["id"] for n in fresh.read().notes) == sorted(ids)
    assert sorted(n["id"] for n in session.read().notes) == sorted(ids)


def test_full_disk_keeps_the_file_and_recovers(tmpfs: Path) -> None:
    store, session, ids = setup_session(tmpfs / "home")
    session.read()  # warm the cache: a failed write must drop it
    filler = fill(tmpfs)
    before = disk_bytes(session)

    extra = note_doc(session.session_id, "said while the disk was full")
    with pytest.raises(WriteFailedError) as failed:
        session.append_note(extra)
    assert failed.value.errno == errno.ENOSPC
    message = str(failed.value)
    assert "disk is full" in message and "the file on disk is unchanged" in message
    assert str(session.path) in message
    assert_intact(store, session, before, ids)

    for write in (
        lambda: session.append_notes([note_doc(session.session_id) for _ in range(3)]),
        lambda: session.update_note(ids[0], {"text": "x" * 5000}),
        lambda: session.delete_note(ids[0]),
        lambda: session.update_guide_state(current="q2", marks={"q1": "asked"}),
        lambda: session.update_session({"title": "renamed " * 100}),
    ):
        with pytest.raises(WriteFailedError):
            write()
        assert_intact(store, session, before, ids)
    codebook_before = store.codebook.path.read_bytes()
    with pytest.raises(WriteFailedError):
        store.codebook.record_use(["pain", "more"], "t1")
    assert store.codebook.path.read_bytes() == codebook_before
    assert [t["uses"] for t in store.codebook.tags()] == [0]

    filler.unlink()
    session.append_note(extra)
    assert sorted(n["id"] for n in session.read().notes) == sorted(ids + [extra["id"]])
    assert session.update_note(ids[0], {"starred": True})["starred"] is True
    store.codebook.record_use(["pain"], "t2")
    assert store.codebook.tags()[0]["uses"] == 1


def test_read_only_folder_keeps_the_file(tmpfs: Path) -> None:
    store, session, ids = setup_session(tmpfs / "home")
    before = disk_bytes(session)
    remount(tmpfs, read_only=True)
    try:
        with pytest.raises(WriteFailedError) as failed:
            session.append_note(note_doc(session.session_id))
        assert failed.value.errno == errno.EROFS
        assert "read-only" in str(failed.value)
        # A fresh object has no lock file open yet: the lock must not be the thing that breaks.
        fresh = SessionFile(session.path, session.session_id)
        with pytest.raises(WriteFailedError):
            fresh.update_guide_state(current="q1")
        assert_intact(store, session, before, ids)
        assert DataStore(store.home).list_sessions()[0][0].note_count == len(ids)
        with pytest.raises(WriteFailedError):
            DataStore(store.home).codebook.ensure(["new"], "t1")
    finally:
        remount(tmpfs, read_only=False)
    session.append_note(note_doc(session.session_id))
    assert len(session.read().notes) == len(ids) + 1
