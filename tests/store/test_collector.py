"""The collector pause around large reads (opening a session, the tagging screen's read) gives
the collector back as it found it, also when the read fails half way: a process must not be
left without collection."""

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


def test_the_tagging_read_leaves_the_collector_on_when_a_session_fails(
    store, session_id, monkeypatch
):
    from tui.services import tagging
    from tui.services.tag_writes import TagWrites

    def broken(*args, **kwargs):
        raise MemoryError("the read fails half way")

    monkeypatch.setattr(tagging, "session_rows", broken)
    writes = TagWrites(store)
    try:
        model = tagging.TaggingModel(writes, scope="all")
        with pytest.raises(MemoryError):
            model.read(model.begin_read(resolve=True))
    finally:
        writes.close()  # its writer thread ends: a later test may fork
    assert gc.isenabled()
