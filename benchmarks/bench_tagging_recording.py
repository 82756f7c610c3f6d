"""The tagging screen over a session with a transcript attached: 500 notes and a 2-hour
transcript of 2,400 cues (bench_recording's session). The read that lists the excerpts aligns
every note and checks every quote once (in the loading worker); moving the cursor then only
looks the note's cue and verbatim up, so a keypress costs what it costs without a recording.

Targets: the read with the recording under 1 s (the first frame's budget for opening a big
session), beside the same read of the session without it (the floor); a cursor move's lookups
(cue, verbatim, where to play from) well under a frame (16 ms), beside aligning that one note
afresh (what a redraw would cost if it aligned).
Run: python -m benchmarks.bench_tagging_recording [--quick]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_recording import build
from benchmarks.targets import record
from tui.services.recording import load
from tui.services.tag_writes import TagWrites
from tui.services.tagging import TaggingModel
from tui.store import DataStore

READ_BUDGET = 1.0
MOVE_BUDGET = 0.016


def _read(store: DataStore, session_id: str) -> tuple[float, TaggingModel]:
    writes = TagWrites(store)
    try:
        model = TaggingModel(writes, origin=session_id)
        began = time.perf_counter()
        assert model.take(model.read(model.begin_read(with_index=True))) is True
        return time.perf_counter() - began, model
    finally:
        writes.close()


def run(quick: bool = False) -> None:
    runs = 3 if quick else 5
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "data"
        session_id, _ = build(home)
        with_recording, without = [], []
        model = None
        for _ in range(runs):
            seconds, model = _read(DataStore(home), session_id)
            with_recording.append(seconds)
        aligned = load(DataStore(home), session_id)
        plain = Path(folder) / "plain"
        session_file = DataStore(home).open_session(session_id)
        snap = session_file.read()
        session_file.close()
        DataStore(plain).create_session(snap.session, snap.guide, notes=snap.notes).close()
        for _ in range(runs):
            without.append(_read(DataStore(plain), session_id)[0])
        assert model is not None and aligned is not None
        rows = model.shown
        began = time.perf_counter()
        for row in rows:
            model.link_of(row), model.check_of(row), model.play_target(row)
        per_move = (time.perf_counter() - began) / len(rows)
        notes = [row.note for row in rows if row.linked is None][:100]
        began = time.perf_counter()
        for note in notes:
            aligned.link(note), aligned.check({**note, "id": "again"})
        afresh = (time.perf_counter() - began) / len(notes)
    read, floor = statistics.median(with_recording), statistics.median(without)
    print(
        f"{len(rows)} rows: read with the recording {read * 1000:.0f} ms, without "
        f"{floor * 1000:.0f} ms; a move's lookups {per_move * 1e6:.1f} µs, aligning a note "
        f"afresh {afresh * 1e6:.0f} µs"
    )
    record(
        f"tagging read, 500 notes + 2,400 cues aligned: < {READ_BUDGET:g} s",
        f"{read * 1000:.0f} ms",
        f"same read without the recording {floor * 1000:.0f} ms",
        read < READ_BUDGET,
    )
    record(
        "tagging cursor move's cue/verbatim lookups: < 16 ms",
        f"{per_move * 1e6:.1f} µs",
        f"aligning the note afresh {afresh * 1e6:.0f} µs",
        per_move < MOVE_BUDGET,
    )


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
