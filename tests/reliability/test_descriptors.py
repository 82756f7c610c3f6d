"""Codebook work keeps no session file open (issue 11, item 9), counted in /proc/self/fd."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from tui.services.session_setup import append_note_now, create_session
from tui.services.tag_ops import rename_tag, tag_usage
from tui.services.tagging import scope_session_ids
from tui.store import DataStore

NOW = "2026-01-01T00:00:00.000Z"


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_descriptors_stay_flat_over_1000_codebook_edits_on_200_sessions(tmp_path):
    store = DataStore(tmp_path)
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for n in range(200):
        sid = create_session(store, title=f"S{n}", extra={"study": f"study-{n % 20}"})
        if n % 10 == 0:
            append_note_now(store, sid, "gave up #pain/onboarding", "Ana", now=lambda: moment)
        ids.append(sid)
    tag_usage(store)  # first use opens the codebook for good
    before = open_descriptors()
    for edit in range(1000):
        # What the codebook screen does: an edit, then usage recounted for what it shows.
        store.codebook.update("pain/onboarding", {"description": f"edit {edit}"})
        scope = scope_session_ids(store, "study", ids[edit % 200])
        assert len(scope) == 10
        usage = tag_usage(store, scope)
        if edit % 100 == 0:
            usage = tag_usage(store)
            assert usage["pain/onboarding"].excerpts == 20
            rename_tag(store, "pain/onboarding", "pain/onboarding", NOW)
        assert open_descriptors() <= before, f"descriptors grew by edit {edit}"
