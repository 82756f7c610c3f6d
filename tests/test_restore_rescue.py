"""`fieldnote restore`: what a rescue file holds goes back into its session once the data
folder takes writes again. The rescue files here are written by the app itself, quitting with
`s` on a real fault: a tmpfs remounted read-only, or filled to the last page."""

from __future__ import annotations

import json

from tests.conftest import GUIDE, FrozenClock
from tests.disk_faults import fill, remount
from tests.test_tagging_faults import make_session as make_tagged_session
from tests.test_tagging_faults import on_disk, pick_onboarding, ready
from tests.waiting import shows, wait_until
from tui.app import FieldnoteApp
from tui.cli import main
from tui.domain.guide import parse_guide
from tui.screens.debrief_screen import DebriefScreen
from tui.screens.quit_screen import QuitScreen
from tui.services.session_setup import create_session
from tui.store import DataStore
from tui.store.storage import journal_path


def by_id(notes: list[dict]) -> list[dict]:
    return sorted(notes, key=lambda note: note["id"])


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


async def test_notes_rescued_from_a_read_only_folder_are_put_back(
    tmpfs, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmpfs / "data"))
    store = DataStore(tmpfs / "data")
    clock = FrozenClock()
    session_id = create_session(
        store, title="Full disk", guide=parse_guide(GUIDE), goal="G", now=clock()
    )
    app = FieldnoteApp(store, author="Maya", now=clock, session_id=session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        remount(tmpfs, read_only=True)
        await pilot.press(*"kept safe #pain/disk", "enter", *"and a second", "enter")
        header = app.screen.query_one("#session-header")
        await wait_until(pilot, lambda: shows(header, "kept in memory"))
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, DebriefScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitScreen))
        await pilot.press("s")
        await pilot.pause()
    (rescue,) = tmp_path.glob("fieldnote-unsaved-*.json")
    rescued = json.loads(rescue.read_text())["notes"]
    assert [n["text"] for n in DataStore(store.home).open_session(session_id).read().notes] == []

    remount(tmpfs, read_only=False)  # the folder takes writes again
    code, out, err = run(capsys, "restore", str(rescue))
    assert (code, err) == (0, "")
    assert "2 note(s)" in out and "fieldnote restore" not in out
    fresh = DataStore(store.home)
    assert by_id(fresh.open_session(session_id).read().notes) == by_id(rescued)  # as typed
    assert fresh.codebook.get("pain/disk") is not None  # no note names a tag the codebook lacks

    code, _, _ = run(capsys, "restore", str(rescue))  # twice: nothing doubles
    assert code == 0
    assert by_id(DataStore(store.home).open_session(session_id).read().notes) == by_id(rescued)


async def test_tag_changes_rescued_on_a_full_disk_are_put_back(
    tmpfs, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmpfs / "data"))
    store, clock, session_id, ids = make_tagged_session(tmpfs)
    app = FieldnoteApp(store, author="Maya", now=clock, tagging=("session", session_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        filler = fill(tmpfs)
        await pick_onboarding(pilot)
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitScreen))
        await pilot.press("s")
        await pilot.pause()
    (rescue,) = tmp_path.glob("fieldnote-unsaved-*.json")
    assert on_disk(store, session_id)[0][ids[0]]["tags"] == []

    filler.unlink()
    code, out, _ = run(capsys, "restore", str(rescue))
    assert code == 0 and "1 tag change(s)" in out
    note = on_disk(store, session_id)[0][ids[0]]
    assert note["tags"] == ["pain/onboarding"]
    assert [(c["tag"], c["coder"]) for c in note["codings"]] == [("pain/onboarding", "Maya")]


def test_a_file_that_is_no_rescue_is_one_sentence(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "data"))
    stranger = tmp_path / "export.json"
    stranger.write_text('{"format": "fieldnote", "version": 1, "sessions": []}')
    code, out, err = run(capsys, "restore", str(stranger))
    assert code == 1 and out == ""
    assert "is not a rescue file" in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_a_rescue_file_that_cannot_be_read_says_where_rescue_files_are(
    tmp_path, monkeypatch, capsys
):
    """A mistyped path said "Cannot read x.json: no such file or directory." and no more: not
    where a rescue file is, nor what it is called."""
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path))
    for path in (tmp_path / "fieldnote-unsaved-nope.json", tmp_path):
        code, _, err = run(capsys, "restore", str(path))
        assert code == 1 and err.count("\n") == 1, err
        assert f"Cannot read {path}" in err, err
        assert "give the rescue file the quit or crash named" in err, err
        assert f"fieldnote-unsaved-*.json in {tmp_path}" in err, err


def test_a_rescue_for_a_session_that_is_gone_names_it_and_writes_nothing(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "data"))
    rescue = tmp_path / "fieldnote-unsaved-x.json"
    note = {"id": "n1", "session_id": "gone0000", "text": "lost?", "tags": []}
    rescue.write_text(json.dumps({"session_id": "gone0000", "notes": [note]}))
    code, _, err = run(capsys, "restore", str(rescue))
    assert code == 1 and "gone0000" in err and "Nothing was written" in err


def test_drafts_of_a_crash_are_notes_once_however_often_restored(
    store, clock, tmp_path, monkeypatch, capsys
):
    """The drafts a crash leaves in note inputs are written by the app's own rescue writer."""
    from tui.app import _Drafts
    from tui.services.live_session import LiveSession
    from tui.services.rescue import write_rescue

    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    session_id = create_session(store, title="Crashed", guide=parse_guide(GUIDE), now=clock())
    live = LiveSession(store, session_id, "Maya", now=clock)
    try:
        _, rescue = write_rescue([live, _Drafts(["half typed #pain"])], tmp_path / "r.json")
    finally:
        live.close()
    for _ in range(2):
        code, out, _ = run(capsys, "restore", str(rescue), "--as", "Maya")
        assert code == 0
    (note,) = DataStore(store.home).open_session(session_id).read().notes
    assert (note["text"], note["author"], note["tags"]) == ("half typed #pain", "Maya", ["pain"])
    assert "0 draft(s)" in out  # the second time: already there


def test_a_tag_change_missing_its_fields_is_a_sentence(tmp_path, store, clock, monkeypatch, capsys):
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    session_id = create_session(store, title="S", now=clock())
    rescue = tmp_path / "fieldnote-unsaved-tags.json"
    change = {"session_id": session_id, "table": "notes", "op": "edit"}  # no id, no edit
    rescue.write_text(json.dumps({"tag_changes": [change]}))
    code, _, err = run(capsys, "restore", str(rescue))
    assert code == 1 and "is not a rescue file" in err and "Traceback" not in err


def _stranded_note(session_id: str, **fields) -> dict:
    note = {
        "id": "0123456789abcdef0123456789abcdef",
        "session_id": session_id,
        "text": "rescued",
        "author": "Maya",
        "kind": "note",
        "started_at": "2026-11-27T10:15:00.000Z",
        "elapsed": 12.0,
        "tags": [],
    }
    return {**note, **fields}


def _damaged_rescues(session_id: str) -> dict[str, dict]:
    """Rescue files as a damaged disk, a hand edit or a stranger could leave them: each field
    of the wrong type, and a tag longer than any tag may be."""
    note = _stranded_note(session_id)
    change = {"session_id": session_id, "table": "notes", "id": note["id"]}
    return {
        "a note's time is text": {"notes": [_stranded_note(session_id, elapsed="soon")]},
        "a note's tags are text": {"notes": [_stranded_note(session_id, tags="pain")]},
        "a note's tags are a number": {"notes": [_stranded_note(session_id, tags=7)]},
        "a note without an id": {"notes": [{"session_id": session_id, "text": "x"}]},
        "a note's tag is 100 levels deep": {
            "notes": [_stranded_note(session_id, tags=["/".join(["a"] * 100)])]
        },
        "a span's tags are a number": {
            "tag_changes": [
                {**change, "table": "excerpts", "op": "add", "doc": {"id": "e1", "tags": 7}}
            ]
        },
        "a span without an id": {
            "tag_changes": [{**change, "table": "excerpts", "op": "add", "doc": {"tags": []}}]
        },
        "an edit's tag is a number": {
            "tag_changes": [{**change, "op": "edit", "edit": {"add_tag": 5, "coder": "Bo"}}]
        },
        "an edit's coder is a list": {
            "tag_changes": [{**change, "op": "edit", "edit": {"add_tag": "x", "coder": ["Bo"]}}]
        },
        "an edit's rating is text": {
            "tag_changes": [{**change, "op": "edit", "edit": {"rate": "high", "coder": "Bo"}}]
        },
        "an update sets a note's text to a number": {
            "tag_changes": [{**change, "op": "update", "changes": {"text": 5}}]
        },
    }


def test_a_damaged_rescue_is_refused_whole_and_the_session_still_opens(
    tmp_path, store, clock, monkeypatch, capsys
):
    """A rescued note or tag change with a field of the wrong type was written as it was, and
    the session file then refused every read (or restore crashed half-way): each is now one
    sentence, nothing is written, and the session reads as before."""
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    session_id = create_session(store, title="S", now=clock())
    session_file = store.open_session(session_id)
    session_file.append_notes([_stranded_note(session_id, text="kept")])
    session_file.close()
    files = [store.session_path(session_id), journal_path(store.session_path(session_id))]
    before = [path.read_bytes() if path.exists() else None for path in files]
    for what, record in _damaged_rescues(session_id).items():
        rescue = tmp_path / "fieldnote-unsaved-damaged.json"
        rescue.write_text(json.dumps(record))
        code, out, err = run(capsys, "restore", str(rescue))
        assert (code, out) == (1, ""), what
        assert "Traceback" not in err and err.count("\n") == 1, (what, err)
        assert "nothing was written" in err.lower(), (what, err)
        assert [path.read_bytes() if path.exists() else None for path in files] == before, what
        reread = DataStore(store.home).open_session(session_id)
        assert [n["text"] for n in reread.read().notes] == ["kept"], what
        reread.close()


def test_a_rescue_of_more_drafts_than_the_app_writes_is_refused(
    tmp_path, store, clock, monkeypatch, capsys
):
    """Each draft is a write of its own (and one of the codebook for its tags), about 6 ms:
    a rescue file filled to its 64 MB with drafts took hours to restore. The app writes one
    draft per interview open when it crashes; a file of more is no rescue it wrote."""
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    session_id = create_session(store, title="S", now=clock())
    rescue = tmp_path / "fieldnote-unsaved-drafts.json"
    drafts = [f"draft {n}" for n in range(101)]
    rescue.write_text(json.dumps({"session_id": session_id, "drafts": drafts}))
    code, out, err = run(capsys, "restore", str(rescue))
    assert (code, out) == (1, "") and "is not a rescue file" in err and "101 drafts" in err
    assert DataStore(store.home).open_session(session_id).read().notes == []


def test_a_rescue_holding_only_a_span_deletion_is_put_back(
    tmp_path, store, clock, monkeypatch, capsys
):
    """A rescue whose first tag change deletes a span (no notes before it): checking it for
    damage read a variable only the other kinds of change set, and restore ended in an
    UnboundLocalError traceback. A deletion names only an id: it goes back, and again."""
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    session_id = create_session(store, title="S", now=clock())
    session_file = store.open_session(session_id)
    session_file.append_notes([_stranded_note(session_id, text="kept")])
    session_file.close()
    change = {"session_id": session_id, "table": "excerpts", "op": "delete", "id": "e1"}
    rescue = tmp_path / "fieldnote-unsaved-tags.json"
    rescue.write_text(json.dumps({"tag_changes": [change]}))
    for _ in range(2):
        code, out, err = run(capsys, "restore", str(rescue))
        assert (code, err) == (0, "") and "1 tag change(s)" in out, err
    reread = DataStore(store.home).open_session(session_id)
    assert [n["text"] for n in reread.read().notes] == ["kept"]
    reread.close()
