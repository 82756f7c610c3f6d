"""Checking every field's type on load, beside parsing the same file (its baseline).

A session file is validated each time it is parsed (first open, and after another process
wrote it), so the check must stay small next to the JSON parse it follows.
Run: python -m benchmarks.bench_load_checks
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.bench_open import TEXTS
from benchmarks.fixtures import seed_session
from tui.store import DataStore
from tui.store.schema import check_session_fields
from tui.store.storage import journal_path, read_tables


def _median_ms(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(quick: bool = False) -> dict:
    notes = 1_000 if quick else 10_000
    with tempfile.TemporaryDirectory() as folder:
        store = DataStore(Path(folder))
        session_id = seed_session(store, notes, lambda i: f"{TEXTS[i % 4]} ({i})")
        path = store.session_path(session_id)
        # The notes are in the journal (one line per write): the parse is of both.
        size = path.stat().st_size + journal_path(path).stat().st_size
        data = read_tables(path)
        repeats = 5 if quick else 15
        parse = _median_ms(lambda: read_tables(path), repeats)
        check = _median_ms(lambda: check_session_fields(path, data), repeats)
    print(f"{notes:,} notes ({size / 1e6:.1f} MB): parse {parse:.1f} ms (baseline), ")
    print(f"  type check of every field {check:.1f} ms ({100 * check / parse:.0f}% of the parse)")
    return {"notes": notes, "parse_ms": parse, "check_ms": check}


if __name__ == "__main__":
    run()
