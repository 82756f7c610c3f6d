"""A full disk while tagging: the tag shows at once, stays in memory, is reported as a sentence
with what is pending, and lands in order once there is space; leaving or quitting asks first."""

from __future__ import annotations

import json

from tests.conftest import FrozenClock
from tests.disk_faults import fill
from tests.test_tagging import NOTES, add_notes, ready
from tui.app import FieldnoteApp
from tui.domain.guide import parse_guide
from tui.screens.quit_screen import QuitScreen
from tui.screens.tag_picker_screen import TagPickerScreen
from tui.screens.tagging_screen import TaggingScreen
from tui.session_setup import create_session
from tui.store import DataStore
from tui.tag_writes import TagWrites


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
    app = FieldnoteApp(store, author="Maya", now=clock, tagging=("session", session_id))
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
        await pilot.pause(0.3)
        # Reported as a sentence naming the cause and what is pending; not on disk.
        status = screen.query_one("#tagging-status")
        assert status.display
        said = str(status.render())
        assert "disk is full" in said and "#pain/onboarding" in said and NOTES[0][:10] in said
        assert on_disk(store, session_id)[0][ids[0]]["tags"] == []
        # A second change queues behind the first; a read of the file (the poll) keeps both.
        await pilot.press("plus")
        await pilot.pause(1.5)
        await ready_reads(pilot)
        assert screen.current.tags == ["pain/onboarding"] and screen.current.severity == 1
        # Space comes back: the retry lands both, in order, and the warning goes.
        filler.unlink()
        assert app.tag_writes.flush(timeout=10)
        await pilot.pause(0.3)
        notes, tag = on_disk(store, session_id)
        assert notes[ids[0]]["tags"] == ["pain/onboarding"] and notes[ids[0]]["severity"] == 1
        assert tag["uses"] == 1
        assert not status.display
        assert "not saved yet" not in screen.detail_text(screen.current).plain


async def ready_reads(pilot) -> None:
    """Wait for the screen's reads only (the writes are failing on purpose)."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def test_leaving_tagging_with_unsaved_tags_asks_and_they_keep_retrying(tmpfs):
    store, clock, session_id, ids = make_session(tmpfs)
    app = FieldnoteApp(store, author="Maya", now=clock, tagging=("session", session_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        filler = fill(tmpfs)
        await pick_onboarding(pilot)
        await pilot.press("escape")  # back: waits a second for the writes, then asks
        await pilot.pause(1.3)
        assert isinstance(app.screen, QuitScreen)
        await pilot.press("escape")  # stay
        await pilot.pause()
        assert isinstance(app.screen, TaggingScreen)
        await pilot.press("escape")
        await pilot.pause(1.3)
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
        await pilot.press("ctrl+q")
        await pilot.pause(1.3)
        assert isinstance(app.screen, QuitScreen)
        await pilot.press("s")
        await pilot.pause()
    (rescue,) = tmp_path.glob("fieldnote-unsaved-*.json")
    saved = json.loads(rescue.read_text())
    (change,) = saved["tag_changes"]
    assert change["id"] == ids[0] and change["changes"] == {"tags": ["pain/onboarding"]}
    assert app.rescued_to == (1, rescue)
