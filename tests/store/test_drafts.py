"""The draft file of each open interview (tui/store/drafts.py)."""

from __future__ import annotations

import os
import time

from tui.store.drafts import DraftKeeper, drafts_folder, newest_record


def _held(keeper: DraftKeeper) -> dict | None:
    path = keeper.folder / keeper.name
    return newest_record(path.read_bytes()) if path.exists() else None


def _wait_for(check, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the draft writer did not get there"
        time.sleep(0.01)


def test_two_keepers_of_one_session_in_one_process_keep_two_files(tmp_path):
    # An interview reopened while the one just left still retires (its writes failing) has
    # two keepers in one process, for one author and session: one file between them, the old
    # one's stop removed the new one's draft, and its in-place writes failed from then on.
    session = tmp_path / "sessions" / "s1.json"
    session.parent.mkdir()
    old = DraftKeeper(session, "Maya")
    new = DraftKeeper(session, "Maya")
    try:
        assert old.name != new.name
        new.keep({"text": "she said the export is hidden"})
        _wait_for(lambda: (_held(new) or {}).get("text") == "she said the export is hidden")
        old.stop()
        assert _held(new)["text"] == "she said the export is hidden"
        new.keep({"text": "she said the export is hidden twice"})
        _wait_for(lambda: (_held(new) or {}).get("text") == "she said the export is hidden twice")
        new.keep(None)  # the note saved: nothing left in progress
    finally:
        new.stop()
    assert not drafts_folder(session).exists()


def test_a_temp_left_by_a_kill_while_the_file_was_made_is_swept(tmp_path):
    # kill -9 inside the moment a draft file is first made leaves its temp, which no keeper
    # adopted or removed, and which kept the drafts folder for good.
    session = tmp_path / "sessions" / "s1.json"
    folder = drafts_folder(session)
    folder.mkdir(parents=True)
    stale, fresh = folder / ".Maya-host-4242-1.draft.tmp", folder / ".Jonas-host-77-1.draft.tmp"
    for each in (stale, fresh):
        each.write_bytes(b"\0" * 64)
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    keeper = DraftKeeper(session, "Maya")
    try:
        assert keeper.left_behind() == []
        assert not stale.exists()
        assert fresh.exists()  # another instance's, maybe being made now
    finally:
        keeper.stop()
