"""Unit tests of the store: every method of DataStore, SessionFile and Codebook."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.store.helpers import guide_doc, note_doc, session_doc
from tui.store import (
    UNCHANGED,
    AmbiguousSessionError,
    DataStore,
    SessionFile,
    SessionNotFoundError,
    SessionSnapshot,
    StoreError,
    UnreadableFileError,
)
from tui.store.storage import read_tables


@pytest.fixture
def store(tmp_path: Path) -> DataStore:
    return DataStore(tmp_path / "home")


@pytest.fixture
def session(store: DataStore) -> SessionFile:
    return store.create_session(session_doc(), guide_doc())


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# -- the data folder ---------------------------------------------------------------------------
def test_data_store_creates_private_folders(tmp_path: Path) -> None:
    store = DataStore(tmp_path / "a" / "home")
    assert store.sessions_dir == store.home / "sessions"
    assert mode(store.home) == 0o700
    assert mode(store.sessions_dir) == 0o700


def test_from_environment_uses_fieldnote_home(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "fh"))
    assert DataStore.from_environment().home == tmp_path / "fh"


def test_from_environment_falls_back_to_the_user_data_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("FIELDNOTE_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert DataStore.from_environment().home == tmp_path / "xdg" / "fieldnote"


def test_files_are_private_sorted_and_indented(store: DataStore, session: SessionFile) -> None:
    session.append_note(note_doc(session.session_id))
    store.codebook.ensure(["pain"], "2024-05-01T10:00:00.000Z")
    for path in (session.path, store.codebook.path):
        assert mode(path) == 0o600
        assert mode(path.with_name(path.name + ".lock")) == 0o600
        raw = path.read_bytes()
        data = json.loads(raw)
        assert raw.decode() == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
    assert not list(store.sessions_dir.glob(".*.tmp"))


# -- sessions ----------------------------------------------------------------------------------
def test_create_session_writes_the_four_tables(store: DataStore) -> None:
    doc = session_doc()
    session = store.create_session(doc, guide_doc())
    assert session.path == store.sessions_dir / f"{doc['id']}.json"
    data = json.loads(session.path.read_text())
    assert set(data) == {"session", "guide", "notes", "excerpts"}
    assert data["session"] == {"1": doc}
    assert data["guide"]["1"] == {"guide": guide_doc(), "state": {"current": None, "marks": {}}}
    snap = session.read()
    assert isinstance(snap, SessionSnapshot)
    assert snap.session == doc and snap.guide == guide_doc()
    assert snap.guide_state == {"current": None, "marks": {}}
    assert snap.notes == [] and snap.excerpts == []


def test_create_session_keeps_a_given_guide_state(store: DataStore) -> None:
    state = {"current": "q2", "marks": {"q1": "asked"}}
    session = store.create_session(session_doc(), guide_doc(), state)
    assert session.read().guide_state == state


def test_create_session_refuses_a_bad_id_or_an_existing_one(store: DataStore) -> None:
    with pytest.raises(ValueError):
        store.create_session(session_doc(session_id="../escape"), guide_doc())
    doc = session_doc()
    store.create_session(doc, guide_doc())
    with pytest.raises(StoreError, match="already exists"):
        store.create_session(doc, guide_doc())


def test_list_sessions_newest_first_with_counts(store: DataStore) -> None:
    old = store.create_session(session_doc("Old", "2024-01-01T00:00:00.000Z"), guide_doc())
    new = store.create_session(session_doc("New", "2024-06-01T00:00:00.000Z"), guide_doc())
    tagged = note_doc(new.session_id, "#pricing too high")
    plain_note = note_doc(new.session_id, "no tag here")
    excerpted = note_doc(new.session_id, "span only")
    new.append_notes([tagged, plain_note, excerpted])
    new.add_excerpt({"id": "e1", "note_id": excerpted["id"], "start": 0, "end": 4, "tags": ["x"]})
    summaries, problems = store.list_sessions()
    assert problems == []
    assert [s.title for s in summaries] == ["New", "Old"]
    first = summaries[0]
    assert (first.id, first.participant, first.note_count, first.coded_count) == (
        new.session_id,
        "Ana",
        3,
        2,
    )
    assert first.path == new.path and first.created_at == "2024-06-01T00:00:00.000Z"
    assert summaries[1].id == old.session_id and summaries[1].note_count == 0
    # A later change is seen (the summary cache is keyed by the file signature).
    new.delete_note(tagged["id"])
    assert store.list_sessions()[0][0].note_count == 2


def test_resolve_by_id_prefix_and_title(store: DataStore) -> None:
    a = store.create_session(session_doc("Onboarding with Ana", session_id="ab" + "0" * 30), {})
    b = store.create_session(session_doc("Onboarding with Ben", session_id="ac" + "1" * 30), {})
    c = store.create_session(session_doc("Pricing", session_id="cd" + "2" * 30), {})
    assert store.resolve(a.session_id) == a.session_id
    assert store.resolve("ab00") == a.session_id
    assert store.resolve("onboarding with BEN") == b.session_id
    # Opening a screen (which then shows the title) also takes short prefixes and parts.
    assert store.resolve("ab", loose=True) == a.session_id
    assert store.resolve("C", loose=True) == c.session_id
    assert store.resolve("pric", loose=True) == c.session_id
    for short in ("ab", "C", "pric"):
        with pytest.raises(AmbiguousSessionError, match="could mean 1 session"):
            store.resolve(short)
    with pytest.raises(AmbiguousSessionError) as ambiguous:
        store.resolve("a", loose=True)
    assert set(ambiguous.value.candidates) == {a.session_id, b.session_id}
    assert "Onboarding with Ana" in str(ambiguous.value)
    # A loose look takes a prefix of any length: its sentence asked for 4 or more characters.
    assert "a unique id prefix or a title" in str(ambiguous.value)
    with pytest.raises(AmbiguousSessionError, match="prefix of 4 or more characters"):
        store.resolve("onboarding")
    with pytest.raises(AmbiguousSessionError, match="Onboarding with Ben"):
        store.resolve("onboarding", loose=True)
    with pytest.raises(SessionNotFoundError, match="'zebra'"):
        store.resolve("zebra")


def test_resolve_prefers_an_exact_title_over_substrings(store: DataStore) -> None:
    exact = store.create_session(session_doc("Ana"), {})
    store.create_session(session_doc("Ana again"), {})
    assert store.resolve("ana") == exact.session_id


def test_open_session(store: DataStore, session: SessionFile) -> None:
    opened = store.open_session(session.session_id)
    assert opened.read().session["id"] == session.session_id
    with pytest.raises(SessionNotFoundError):
        store.open_session("f" * 32)


# -- notes -------------------------------------------------------------------------------------
def test_append_and_read_notes_sorted(session: SessionFile) -> None:
    sid = session.session_id
    late = note_doc(sid, "late", "2024-05-01T10:05:00.000Z")
    early = note_doc(sid, "early", "2024-05-01T10:01:00.000Z")
    session.append_note(late)
    session.append_notes([early])
    notes = session.read().notes
    assert [n["text"] for n in notes] == ["early", "late"]
    assert notes[0] == early
    # A second object on the file (another process, say) sees both.
    assert len(SessionFile(session.path, sid).read().notes) == 2


def test_append_same_id_twice_replaces_rather_than_duplicates(session: SessionFile) -> None:
    note = note_doc(session.session_id)
    session.append_note(note)
    session.append_note({**note, "text": "retried"})
    notes = session.read().notes
    assert [n["text"] for n in notes] == ["retried"]


def test_append_refuses_a_note_without_id(session: SessionFile) -> None:
    with pytest.raises(ValueError):
        session.append_note({"text": "no id"})
    with pytest.raises(TypeError):
        session.append_note({"id": "x", "bad": object()})
    assert session.read().notes == []


def test_update_note(session: SessionFile) -> None:
    note = note_doc(session.session_id)
    session.append_note(note)
    updated = session.update_note(note["id"], {"starred": True, "tags": ["a"]})
    assert updated == {**note, "starred": True, "tags": ["a"]}
    assert session.read().notes == [updated]
    assert session.update_note("missing", {"starred": True}) is None
    with pytest.raises(ValueError):
        session.update_note(note["id"], {"id": "other"})


def test_delete_note_returns_it_for_undo(session: SessionFile) -> None:
    keep, drop = note_doc(session.session_id, "keep"), note_doc(session.session_id, "drop")
    session.append_notes([keep, drop])
    removed = session.delete_note(drop["id"])
    assert removed == drop
    assert [n["id"] for n in session.read().notes] == [keep["id"]]
    assert session.delete_note(drop["id"]) is None
    session.append_note(removed)
    assert {n["id"] for n in session.read().notes} == {keep["id"], drop["id"]}


def test_snapshots_are_copies(session: SessionFile) -> None:
    note = note_doc(session.session_id)
    session.append_note(note)
    note["tags"].append("mutated-by-caller")
    snap = session.read()
    assert "mutated-by-caller" not in snap.notes[0]["tags"]
    snap.notes.append({"id": "fake"})
    snap.notes[0]["tags"].append("mutated-snapshot")
    session.update_note(note["id"], {"starred": True})
    on_disk = read_tables(session.path)["notes"]
    assert [d["tags"] for d in on_disk.values()] == [["pain/onboarding"]]
    assert len(session.read().notes) == 1


def test_read_is_served_from_cache_until_the_file_changes(session: SessionFile) -> None:
    session.append_note(note_doc(session.session_id))
    first = session.read()
    assert session.read().notes[0] is first.notes[0]  # nothing re-parsed
    assert not session.changed_on_disk()
    other = SessionFile(session.path, session.session_id)
    other.append_note(note_doc(session.session_id, "from elsewhere"))
    assert session.changed_on_disk()
    assert len(session.read().notes) == 2
    assert not session.changed_on_disk()


def test_signature_is_inode_mtime_size(session: SessionFile) -> None:
    st = os.stat(session.path)
    assert session.signature() == (st.st_ino, st.st_mtime_ns, st.st_size)
    session.append_note(note_doc(session.session_id))
    st = os.stat(session.path)
    assert session.signature() == (st.st_ino, st.st_mtime_ns, st.st_size)
    assert not session.changed_on_disk()  # our own write is what we know
    os.unlink(session.path)
    assert session.signature() is None and session.changed_on_disk()
    with pytest.raises(SessionNotFoundError):
        session.read()
    with pytest.raises(SessionNotFoundError):
        session.append_note(note_doc(session.session_id))
    assert not session.path.exists()  # a moved session is not recreated half-empty


def test_doc_ids_continue_after_another_writer(session: SessionFile) -> None:
    other = SessionFile(session.path, session.session_id)
    session.append_note(note_doc(session.session_id, "one"))
    other.append_note(note_doc(session.session_id, "two"))
    session.append_note(note_doc(session.session_id, "three"))
    notes = read_tables(session.path)["notes"]
    assert sorted(notes, key=int) == ["1", "2", "3"]


def test_change_note_builds_on_what_another_writer_wrote(session: SessionFile) -> None:
    """A read-modify-write of one note under the lock: the function sees the note as it is on
    disk now, so a tag another writer added after our read is kept, not overwritten."""
    from tui.store.session import DELETE

    note = note_doc(session.session_id, "they gave up")
    session.append_note(note)
    assert session.read().notes[0]["tags"] == []  # what our screen last saw
    other = SessionFile(session.path, session.session_id)
    other.update_note(note["id"], {"tags": ["alpha"]})
    seen = []

    def add_beta(doc):
        seen.append(list(doc["tags"]))
        return {"tags": [*doc["tags"], "beta"]}

    assert session.change_note(note["id"], add_beta)["tags"] == ["alpha", "beta"]
    assert seen == [["alpha"]]
    assert other.read().notes[0]["tags"] == ["alpha", "beta"]
    assert session.read().notes[0]["tags"] == ["alpha", "beta"]
    before = session.path.stat().st_mtime_ns
    assert session.change_note(note["id"], lambda doc: {})["tags"] == ["alpha", "beta"]
    assert session.path.stat().st_mtime_ns == before  # nothing to change: no write
    assert session.change_note("missing", add_beta) is None
    session.add_excerpt({"id": "e1", "note_id": note["id"], "start": 0, "end": 4, "tags": []})
    assert session.change_excerpt("e1", lambda doc: DELETE)["id"] == "e1"
    assert other.read().excerpts == [] and session.read().excerpts == []


# -- session, guide state, excerpts -------------------------------------------------------------
def test_update_session_merges(session: SessionFile) -> None:
    before = session.read().session
    after = session.update_session({"title": "Renamed", "clock": {"banked": 5.0}})
    assert after == {**before, "title": "Renamed", "clock": {"banked": 5.0}}
    assert session.read().session == after


def test_update_guide_state_merges_under_the_lock(session: SessionFile) -> None:
    other = SessionFile(session.path, session.session_id)
    assert session.update_guide_state(current="q1") == {"current": "q1", "marks": {}}
    other.update_guide_state(marks={"q1": "asked"})
    state = session.update_guide_state(marks={"q2": "skipped"})
    assert state == {"current": "q1", "marks": {"q1": "asked", "q2": "skipped"}}
    state = session.update_guide_state(current=None, marks={"q1": None})
    assert state == {"current": None, "marks": {"q2": "skipped"}}
    assert session.update_guide_state(UNCHANGED) == state
    assert other.read().guide_state == state
    assert other.read().guide == guide_doc()


def test_excerpts(session: SessionFile) -> None:
    note = note_doc(session.session_id)
    session.append_note(note)
    excerpt = {"id": "e1", "note_id": note["id"], "start": 0, "end": 4, "tags": ["pain"]}
    session.add_excerpt(excerpt)
    assert session.read().excerpts == [excerpt]
    changed = session.update_excerpt("e1", {"severity": 3})
    assert changed == {**excerpt, "severity": 3}
    assert session.update_excerpt("missing", {"severity": 1}) is None
    assert session.delete_excerpt("e1") == changed
    assert session.delete_excerpt("e1") is None
    assert session.read().excerpts == []


def test_close_then_use_again(session: SessionFile) -> None:
    session.close()
    session.append_note(note_doc(session.session_id))
    assert len(session.read().notes) == 1
    session.close()


# -- codebook ----------------------------------------------------------------------------------
def test_codebook_ensure_is_case_insensitive(store: DataStore) -> None:
    book = store.codebook
    assert store.codebook is book
    now = "2024-05-01T10:00:00.000Z"
    assert book.tags() == []
    mapping = book.ensure(["Pain/Onboarding", "pain/onboarding", " pricing ", ""], now)
    assert mapping == {
        "Pain/Onboarding": "Pain/Onboarding",
        "pain/onboarding": "Pain/Onboarding",
        " pricing ": "pricing",
    }
    assert book.ensure(["PRICING"], now) == {"PRICING": "pricing"}
    tags = book.tags()
    assert [t["name"] for t in tags] == ["Pain/Onboarding", "pricing"]
    assert tags[0] == {
        "name": "Pain/Onboarding",
        "description": "",
        "color": "",
        "created_at": now,
        "uses": 0,
        "last_used_at": None,
    }


def test_codebook_record_use_counts_and_creates(store: DataStore) -> None:
    book = store.codebook
    book.ensure(["pain"], "t0")
    book.record_use(["Pain", "new-tag"], "t1")
    book.record_use(["PAIN"], "t2")
    tags = {t["name"]: t for t in book.tags()}
    assert (tags["pain"]["uses"], tags["pain"]["last_used_at"]) == (2, "t2")
    assert (tags["new-tag"]["uses"], tags["new-tag"]["created_at"]) == (1, "t1")


def test_codebook_update(store: DataStore) -> None:
    book = store.codebook
    book.ensure(["pain", "pricing"], "t0")
    tag = book.update("PAIN", {"description": "Something hurts", "color": "red"})
    assert (tag["name"], tag["description"], tag["color"]) == ("pain", "Something hurts", "red")
    assert book.update("pain", {"name": "Pain"})["name"] == "Pain"
    with pytest.raises(StoreError, match="already exists"):
        book.update("pain", {"name": "PRICING"})
    with pytest.raises(StoreError, match="no tag 'nope'"):
        book.update("nope", {"color": "blue"})
    with pytest.raises(ValueError):
        book.update("pain", {"uses": 100})


def test_codebook_sees_other_writers(store: DataStore) -> None:
    book = store.codebook
    book.ensure(["a"], "t0")
    other = DataStore(store.home).codebook
    assert not book.changed_on_disk()
    other.ensure(["b"], "t1")
    assert book.changed_on_disk()
    assert [t["name"] for t in book.tags()] == ["a", "b"]
    assert book.signature() == other.signature()
    ids = json.loads(book.path.read_text())["tags"]
    assert sorted(ids) == ["1", "2"]


# -- unreadable files --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content",
    [
        b'{"session": {"1": {"id": "x", "title": "cut',
        b"[1, 2, 3]",
        b'{"session": {"1": {"id": "x"}}, "notes": [1, 2]}',
        b'{"session": {"1": {"id": "x"}}, "notes": {"1": "not a document"}}',
        b'{"notes": {}}',
        b"\xff\xfe not utf-8",
    ],
    ids=["truncated", "list", "table-is-list", "doc-is-string", "no-session", "bad-bytes"],
)
def test_unreadable_session_file_is_reported_and_never_overwritten(
    store: DataStore, content: bytes
) -> None:
    good = store.create_session(session_doc("Good"), guide_doc())
    broken = store.create_session(session_doc("Broken"), guide_doc())
    broken.append_note(note_doc(broken.session_id))
    broken.path.write_bytes(content)

    with pytest.raises(UnreadableFileError) as error:
        store.open_session(broken.session_id)
    assert error.value.path == broken.path
    assert str(broken.path) in str(error.value)
    with pytest.raises(UnreadableFileError):
        broken.read()

    summaries, problems = store.list_sessions()
    assert [s.title for s in summaries] == ["Good"]
    assert [p.path for p in problems] == [broken.path]
    assert store.resolve(broken.session_id) == broken.session_id

    writes = [
        lambda: broken.append_note(note_doc(broken.session_id)),
        lambda: broken.append_notes([note_doc(broken.session_id)]),
        lambda: broken.update_note("x", {"starred": True}),
        lambda: broken.delete_note("x"),
        lambda: broken.update_session({"title": "t"}),
        lambda: broken.update_guide_state(current="q1"),
        lambda: broken.add_excerpt({"id": "e"}),
    ]
    for write in writes:
        with pytest.raises(UnreadableFileError):
            write()
        assert broken.path.read_bytes() == content
    with pytest.raises(StoreError):
        store.create_session(session_doc(session_id=broken.session_id), guide_doc())
    assert broken.path.read_bytes() == content
    good.append_note(note_doc(good.session_id))  # other sessions keep working
    assert len(good.read().notes) == 1


def test_unreadable_codebook_is_never_overwritten(store: DataStore) -> None:
    store.codebook.path.write_bytes(b'{"tags": {"1": {"colour": "no name"}}}')
    with pytest.raises(UnreadableFileError, match="codebook.json"):
        store.codebook.tags()
    with pytest.raises(UnreadableFileError):
        store.codebook.ensure(["a"], "t")
    assert store.codebook.path.read_bytes() == b'{"tags": {"1": {"colour": "no name"}}}'


def test_a_repaired_file_works_again(store: DataStore, session: SessionFile) -> None:
    good = session.path.read_bytes()
    session.path.write_bytes(b"{oops")
    with pytest.raises(UnreadableFileError):
        session.append_note(note_doc(session.session_id))
    session.path.write_bytes(good)
    session.append_note(note_doc(session.session_id))
    assert len(read_tables(session.path)["notes"]) == 1


def test_own_writes_patch_the_cached_snapshot_exactly(session: SessionFile) -> None:
    sid = session.session_id
    first = note_doc(sid, "first", "2024-05-01T10:01:00.000Z")
    session.append_note(first)
    kept = session.read().notes[0]

    def same_as_a_fresh_read() -> None:
        fresh = SessionFile(session.path, sid).read()
        assert session.read() == fresh

    later = note_doc(sid, "later", "2024-05-01T10:09:00.000Z")
    middle = note_doc(sid, "middle", "2024-05-01T10:05:00.000Z")
    session.append_note(later)
    session.append_notes([middle])
    same_as_a_fresh_read()
    assert session.read().notes[0] is kept  # patched, not rebuilt
    session.update_note(later["id"], {"started_at": "2024-05-01T10:00:00.000Z", "starred": True})
    same_as_a_fresh_read()
    assert [n["text"] for n in session.read().notes] == ["later", "first", "middle"]
    session.delete_note(first["id"])
    session.add_excerpt({"id": "e1", "note_id": middle["id"], "start": 0, "end": 2, "tags": []})
    session.add_excerpt({"id": "e0", "note_id": middle["id"], "start": 2, "end": 4, "tags": []})
    session.update_excerpt("e1", {"tags": ["x"]})
    same_as_a_fresh_read()
    session.delete_excerpt("e0")
    kept = session.read().notes[0]
    session.update_session({"title": "t"})
    session.update_guide_state(current="q3", marks={"q1": "asked"})
    same_as_a_fresh_read()
    assert session.read().notes[0] is kept


def test_a_failed_import_keeps_a_session_someone_worked_on_meanwhile(store: DataStore) -> None:
    # An import that fails (a full disk, Ctrl-C) removes the sessions it wrote; one that
    # someone opened and typed into meanwhile has a journal, and the kill -9 clean-up already
    # keeps such a session: this path removed it, with the note typed into it.
    first, second = session_doc(title="Imported 1"), session_doc(title="Imported 2")
    with pytest.raises(OSError), store.creating_sessions([first["id"], second["id"]]) as create:
        create(first, guide_doc())
        store.open_session(first["id"]).append_note(note_doc(first["id"], "typed meanwhile"))
        create(second, guide_doc())
        raise OSError(28, "No space left on device")
    kept = [s.id for s in store.list_sessions()[0]]
    assert kept == [first["id"]]
    assert [n["text"] for n in store.open_session(first["id"]).read().notes] == ["typed meanwhile"]
