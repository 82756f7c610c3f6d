"""A full disk while tagging: the tag shows at once, stays in memory, is reported as a sentence
with what is pending, and lands in order once there is space; leaving or quitting asks first."""

from __future__ import annotations

import json

from tests.conftest import FrozenClock
from tests.disk_faults import fill
from tests.test_tagging import NOTES, add_notes, after_looks, ready, tagging_app
from tests.waiting import until, wait_until, workers_done
from tui.app import FieldnoteApp
from tui.domain.guide import parse_guide
from tui.screens.quit_screen import QuitScreen
from tui.screens.tag_picker_screen import TagPickerScreen
from tui.screens.tagging_screen import TaggingScreen
from tui.services.session_setup import create_session
from tui.services.tag_writes import TagWrites
from tui.store import DataStore


def make_session(home):
    store = DataStore(home / "data")
    clock = FrozenClock()
    session_id = create_session(
        store, title="Full disk", guide=parse_guide("# G\n## S\n- Why?\n"), now=clock()
    )
    ids = add_notes(store, session_id, clock)
    store.codebook.ensure(["pain/onboarding", "need/export"], "2026-01-01T00:00:00Z")
    return store, clock, session_id, ids


def on_disk(store, session_id):
    fresh = DataStore(store.home)  # a reader of its own, as another process would be
    notes = {n["id"]: n for n in fresh.open_session(session_id).read().notes}
    return notes, fresh.codebook.get("pain/onboarding")


def test_tag_writes_keep_a_change_in_memory_and_land_it_when_space_returns(tmpfs):
    store, clock, session_id, ids = make_session(tmpfs)
    events = []
    writes = TagWrites(store, on_event=events.append)
    try:
        writes.file(session_id)  # opened while there is space, as the screen does
        filler = fill(tmpfs)
        payload = {"session_id": session_id, "table": "notes", "op": "update", "id": ids[0]}
        writes.change({**payload, "changes": {"tags": ["pain/onboarding"]}}, "tag it")
        writes.record_use(["pain/onboarding"], "2026-11-27T10:00:00.000Z")
        assert not writes.flush(timeout=0.5)
        until(lambda: writes.problem() is not None)  # the writer's first attempt has failed
        assert writes.unsaved == 2
        assert "disk is full" in writes.problem()
        assert any(e.error for e in events)
        assert on_disk(store, session_id)[0][ids[0]]["tags"] == []
        filler.unlink()
        assert writes.flush(timeout=10)
        notes, tag = on_disk(store, session_id)
        assert notes[ids[0]]["tags"] == ["pain/onboarding"]
        assert tag["uses"] == 1
        assert writes.problem() is None and events[-1].error is None
    finally:
        writes.close()


async def pick_onboarding(pilot) -> None:
    await pilot.press("t")
    await pilot.pause()
    assert isinstance(pilot.app.screen, TagPickerScreen)
    await pilot.press(*"onbord", "enter")
    await pilot.pause()


async def test_a_full_disk_while_tagging_is_shown_kept_and_retried(tmpfs):
    store, clock, session_id, ids = make_session(tmpfs)
    app = tagging_app(store, clock, session_id, poll=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        assert isinstance(screen, TaggingScreen)
        filler = fill(tmpfs)
        await pick_onboarding(pilot)
        # On screen at once, in the list and in the detail.
        assert screen.current.tags == ["pain/onboarding"]
        assert "#pain/onboarding" in screen.excerpt_list.row_text(screen.current).plain
        detail = screen.detail_text(screen.current).plain
        assert "#pain/onboarding" in detail and "not saved yet" in detail
        # Reported as a sentence naming the cause and what is pending; not on disk.
        status = screen.query_one("#tagging-status")
        await wait_until(pilot, lambda: status.display)
        said = str(status.render())
        assert "disk is full" in said and "#pain/onboarding" in said and NOTES[0][:10] in said
        assert on_disk(store, session_id)[0][ids[0]]["tags"] == []
        # A second change queues behind the first; a read of the file (the poll) keeps both.
        await pilot.press("plus")
        await after_looks(pilot, screen)
        await ready_reads(pilot)
        assert screen.current.tags == ["pain/onboarding"] and screen.current.severity == 1
        # Space comes back: the retry lands both, in order, and the warning goes.
        filler.unlink()
        assert app.tag_writes.flush(timeout=10)
        await wait_until(pilot, lambda: not status.display)
        notes, tag = on_disk(store, session_id)
        assert notes[ids[0]]["tags"] == ["pain/onboarding"] and notes[ids[0]]["severity"] == 1
        assert tag["uses"] == 1
        assert not status.display
        assert "not saved yet" not in screen.detail_text(screen.current).plain


async def ready_reads(pilot) -> None:
    """Wait for the screen's reads only (the writes are failing on purpose)."""
    for _ in range(3):
        await workers_done(pilot.app)
        await pilot.pause()


async def test_leaving_tagging_with_unsaved_tags_asks_and_they_keep_retrying(tmpfs):
    store, clock, session_id, ids = make_session(tmpfs)
    app = FieldnoteApp(store, author="Maya", now=clock, tagging=("session", session_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        filler = fill(tmpfs)
        await pick_onboarding(pilot)
        await pilot.press("escape")  # back: waits a second for the writes, then asks
        await wait_until(pilot, lambda: isinstance(app.screen, QuitScreen))
        await pilot.press("escape")  # stay
        await pilot.pause()
        assert isinstance(app.screen, TaggingScreen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitScreen))
        await pilot.press("q")  # leave: the change is not dropped, it keeps retrying
        await pilot.pause()
        assert not isinstance(app.screen, (TaggingScreen, QuitScreen))
        assert app.tag_writes is not None and app.tag_writes.unsaved
        filler.unlink()
        assert app.tag_writes.flush(timeout=10)
        assert on_disk(store, session_id)[0][ids[0]]["tags"] == ["pain/onboarding"]


async def test_quitting_with_unsaved_tags_offers_another_place(tmpfs, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    store, clock, session_id, ids = make_session(tmpfs)
    app = FieldnoteApp(store, author="Maya", now=clock, tagging=("session", session_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        fill(tmpfs)
        await pick_onboarding(pilot)
        await pilot.press("ctrl+q")  # waits a second for the writes, then asks
        await wait_until(pilot, lambda: isinstance(app.screen, QuitScreen))
        await pilot.press("s")
        await pilot.pause()
    (rescue,) = tmp_path.glob("fieldnote-unsaved-*.json")
    saved = json.loads(rescue.read_text())
    (change,) = saved["tag_changes"]
    assert change["id"] == ids[0] and change["edit"]["add_tag"] == "pain/onboarding"
    assert change["edit"]["coder"] == "Maya"
    assert app.rescued_to == (1, rescue)


def _other_process(store, session_id: str, code: str) -> None:
    """Run `code` in a second process with `f`, the session's file, opened there."""
    import subprocess
    import sys
    from pathlib import Path

    path = store.open_session(session_id).path
    prelude = (
        "import sys; from tui.store import SessionFile; "
        f"f = SessionFile(sys.argv[1], {session_id!r}); "
    )
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", prelude + code, str(path)], cwd=root, check=True)


def test_tag_writes_are_deltas_that_keep_what_another_process_wrote(tmp_path):
    store, clock, session_id, ids = make_session(tmp_path)
    writes = TagWrites(store)
    try:
        writes.file(session_id).read()  # what the screen saw: no tags anywhere
        writes.file(session_id).add_excerpt(
            {"id": "s1", "note_id": ids[1], "start": 0, "end": 4, "tags": ["mine"]}
        )
        _other_process(
            store,
            session_id,
            f"f.update_note({ids[0]!r}, {{'tags': ['alpha']}}); "
            f"f.update_excerpt('s1', {{'tags': ['mine', 'theirs']}})",
        )
        base = {"session_id": session_id, "op": "edit"}
        writes.change({**base, "table": "notes", "id": ids[0], "edit": {"add_tag": "beta"}}, "a")
        # Removing our last tag from the span drops it only if no one else tagged it meanwhile.
        drop = {"remove_tag": "mine", "drop_if_empty": True}
        writes.change({**base, "table": "excerpts", "id": "s1", "edit": drop}, "b")
        assert writes.flush(timeout=10)
    finally:
        writes.close()
    snap = DataStore(store.home).open_session(session_id).read()
    assert {n["id"]: n["tags"] for n in snap.notes}[ids[0]] == ["alpha", "beta"]
    assert [(e["id"], e["tags"]) for e in snap.excerpts] == [("s1", ["theirs"])]


async def test_tagging_keeps_another_instances_tags_and_shows_what_it_wrote(tmp_path):
    """The reviewer's repro: another process tags N1 #alpha and appends a note while our screen
    still shows N1 untagged; we tag N1 #beta. Disk must keep both tags, and the screen must
    show their note and tag, although our own write is what took their change in."""
    from datetime import timedelta

    from tui.domain.clock import to_iso
    from tui.domain.notes import Note

    store, clock, session_id, ids = make_session(tmp_path)
    store.codebook.ensure(["alpha", "beta"], "2026-01-01T00:00:00Z")
    late = Note.from_typed(
        "late note from Jonas",
        session_id=session_id,
        author="Jonas",
        started_at=to_iso(clock() + timedelta(hours=1)),
        elapsed=3600.0,
        question_id=None,
    ).to_doc()
    app = tagging_app(store, clock, session_id, poll=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        assert len(screen.shown) == len(NOTES) and screen.current.note["id"] == ids[0]
        await pilot.press("t")  # the picker is open: our list is now as stale as it gets
        await pilot.pause()
        assert isinstance(app.screen, TagPickerScreen)
        _other_process(
            store,
            session_id,
            f"f.update_note({ids[0]!r}, {{'tags': ['alpha']}}); f.append_note({late!r})",
        )
        await pilot.press(*"beta", "enter")
        await ready(pilot)
        notes, _ = on_disk(store, session_id)
        assert notes[ids[0]]["tags"] == ["alpha", "beta"]
        await after_looks(pilot, screen)
        await ready(pilot)
        assert [e.text for e in screen.shown] == [*NOTES, "late note from Jonas"]
        assert screen.shown[0].tags == ["alpha", "beta"]
        assert "#alpha #beta" in screen.detail_text(screen.current).plain
