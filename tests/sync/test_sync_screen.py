"""The sessions screen runs a sync and shows it running; the undecided screen settles what a
merge could not decide."""

from __future__ import annotations

import fcntl

from tests.conftest import FrozenClock
from tests.sync.laptops import Laptop, bare_remote
from tests.waiting import wait_until
from tui.app import FieldnoteApp
from tui.screens.home_screen import HomeScreen
from tui.screens.undecided_screen import UndecidedScreen
from tui.store import DataStore


def _both_edit_one_note(tmp_path):
    remote = bare_remote(tmp_path / "study.git")
    ana, bo = Laptop(tmp_path / "ana", "ana"), Laptop(tmp_path / "bo", "bo")
    session_id = ana.ok("new", "Onboarding - P7").strip()
    note = ana.note(session_id, "the invite never arrived")
    ana.ok("sync", "init", "--remote", str(remote))
    bo.ok("sync", "init", "--remote", str(remote))
    for laptop, text, at in (
        (ana, "ana's wording [bold]x", "2026-12-01T11:00:00.000Z"),
        (bo, "bo's wording", "2026-12-01T09:00:00.000Z"),
    ):
        laptop.edit(session_id, note, text, at)
    assert bo.sync().code == 0
    return ana, session_id, note


def _title(app: FieldnoteApp) -> str:
    return str(app.screen.query_one("#home-title").render())


async def test_sync_from_the_sessions_screen_then_settle_what_is_undecided(tmp_path):
    ana, session_id, note = _both_edit_one_note(tmp_path)
    store = DataStore(ana.home)
    app = FieldnoteApp(store, author="ana", now=FrozenClock())
    lock_path = ana.home / "sessions" / f"{session_id}.json.lock"
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        with open(lock_path) as held:
            fcntl.flock(held, fcntl.LOCK_EX)  # the sync waits for this session's lock
            await pilot.press("S")
            await wait_until(pilot, lambda: "syncing\u2026" in _title(app))
        await wait_until(pilot, lambda: "syncing" not in _title(app))
        messages = [n.message for n in app._notifications]
        assert any("Synced" in m for m in messages), messages
        assert any("1 value(s) undecided: settle them with U" in m for m in messages)

        await pilot.press("U")
        await wait_until(pilot, lambda: isinstance(app.screen, UndecidedScreen))
        screen = app.screen
        await wait_until(pilot, lambda: len(screen.items) == 1)
        shown = str(screen.query_one("#undecided").get_option_at_index(0).prompt)
        assert 'text is "ana\'s wording [bold]x"' in shown and "bo's wording" in shown
        await pilot.press("o")  # take bo's wording after all
        await wait_until(pilot, lambda: not screen.items)
        await pilot.pause()
        # Nothing left to keep or take: the dialog's keys and its key bar say only how to close.
        keys = str(screen.query_one(".dialog-keys").render())
        assert "keeps" not in keys and "takes" not in keys and "closes" in keys, keys
        assert screen.check_action("settle", (False,)) is False
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
    session = store.open_session(session_id)
    saved = next(n for n in session.read().notes if n["id"] == note)
    session.close()
    store.codebook.close()
    assert saved["text"] == "bo's wording" and not saved["conflicts"]
    assert "undecided" not in ana.ok("sync", "status")


async def test_a_failed_syncs_sentence_is_shown_made_safe(tmp_path, monkeypatch):
    """A sync's sentence may quote git's last line, and git's words hold what the remote or
    the URL said (git of this machine puts `?` for escapes, another may not): the notice
    shows them as symbols, as the CLI prints them."""
    from tui.services.sync.git import SyncError
    from tui.services.sync.undecided import TeamSync

    def refused(self, settle_key: str) -> str:
        raise SyncError("The remote refused the push (remote: \x1b]0;owned\x07\x1b[2J).")

    monkeypatch.setattr(TeamSync, "sync", refused)
    app = FieldnoteApp(DataStore(tmp_path / "ana"), author="ana", now=FrozenClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("S")
        await wait_until(pilot, lambda: any(n.severity == "error" for n in app._notifications))
        said = next(n.message for n in app._notifications if n.severity == "error")
    assert "owned" in said and "\x1b" not in said and "\x07" not in said, said


async def test_the_count_and_the_keys_stay_in_view_over_many_undecided_values(tmp_path):
    """With a few long values to settle (here eight notes both laptops edited), the list took
    the whole dialog at 80x24 and pushed the count and the line of keys out of it."""
    remote = bare_remote(tmp_path / "study.git")
    ana, bo = Laptop(tmp_path / "ana", "ana"), Laptop(tmp_path / "bo", "bo")
    session_id = ana.ok("new", "Onboarding - P7").strip()
    notes = [ana.note(session_id, f"note {n} about the invite that never came") for n in range(8)]
    ana.ok("sync", "init", "--remote", str(remote))
    bo.ok("sync", "init", "--remote", str(remote))
    for laptop, who in ((ana, "ana"), (bo, "bo")):
        store = laptop.store()
        session = store.open_session(session_id)
        for note in notes:
            text = f"{who}'s much longer wording of what was said about the invite, {note}"
            session.update_note(note, {"text": text, "edited_at": "2026-12-01T11:00:00.000Z"})
        session.close()
    assert ana.sync().code == 0 and bo.sync().code == 0
    store = DataStore(bo.home)
    app = FieldnoteApp(store, author="bo", now=FrozenClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("U")
        await wait_until(pilot, lambda: isinstance(app.screen, UndecidedScreen))
        screen = app.screen
        await wait_until(pilot, lambda: len(screen.items) == 8)
        await pilot.pause()
        dialog = screen.query_one("#undecided-dialog").region
        for widget in (screen.query_one("#undecided-status"), screen.query_one(".dialog-keys")):
            assert widget.region.height >= 1
            assert dialog.contains_region(widget.region), (widget, widget.region, dialog)
        assert "8 value(s) to settle." in str(screen.query_one("#undecided-status").render())
    store.codebook.close()
