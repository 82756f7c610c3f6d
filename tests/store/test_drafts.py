"""The draft file of each open interview (tui/store/drafts.py)."""

from __future__ import annotations

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
