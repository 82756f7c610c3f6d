"""The collector pause around large reads gives the collector back as it found it, also when
the read fails (an unreadable session file must not leave a process without collection)."""

from __future__ import annotations

import gc

import pytest

from tui.domain.notes import Note
from tui.services.live_session import LiveSession
from tui.store.collector import collector_paused


def test_the_collector_is_off_inside_and_as_it_was_after():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # was off: stays off
    finally:
        gc.enable()


def test_opening_a_session_leaves_the_collector_on_read_or_not(store, session_id, monkeypatch):
    live = LiveSession(store, session_id, "Maya")
    live.commit_typed("a note to read back")
    live.flush()
    live.close()
    assert gc.isenabled()

    def broken(doc):
        raise MemoryError("the read fails half way")

    monkeypatch.setattr(Note, "from_doc", broken)
    with pytest.raises(MemoryError):
        LiveSession(store, session_id, "Maya")
    assert gc.isenabled()
