"""Commit a note: the store against the naive baseline, side by side.

    python -m benchmarks.bench_commit [--quick]

Builds, in a temp folder, a data folder with a 5,000-note session and 100 other sessions of 500
notes each (50,000 notes), then times `SessionFile.append_note` (durable on disk when it returns).
The baseline is what TinyDB does out of the box: every note of every session in ONE file with
the default JSONStorage, timing one `insert` the same way. Budget: p99 under 16 ms (one frame).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from tinydb import TinyDB

from benchmarks.targets import record
from tui.domain.clock import InterviewClock
from tui.domain.notes import Note
from tui.store import DataStore

TARGET_NOTES = 5_000
OTHER_SESSIONS = 100
NOTES_PER_OTHER = 500
BUDGET_MS = 16.0

_TEXTS = [
    '"I gave up on the invite after the third try, honestly" #pain/onboarding !frustrated',
    "asked about pricing tiers; they compare us with the spreadsheet they already have #pricing",
    "?follow up: who approves new tools in their team, and how long does that take",
    "* they export everything to CSV every Friday for the weekly report #reporting",
    "setup took two days because SSO was not documented anywhere they could find",
]


def _note(session_id: str, n: int) -> dict[str, Any]:
    return Note.from_typed(
        _TEXTS[n % len(_TEXTS)],
        session_id=session_id,
        author="ana",
        started_at=f"2024-05-01T{10 + n // 3600 % 10:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000Z",
        elapsed=float(n),
        question_id=f"q{n % 12 + 1}",
    ).to_doc()


def _session(title: str, created_at: str) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex,
        "title": title,
        "participant": title.split()[-1],
        "goal": "Learn why invites fail",
        "created_at": created_at,
        "clock": InterviewClock().to_doc(),
    }


def _percentiles(samples_ns: list[int]) -> dict[str, float]:
    ms = sorted(s / 1e6 for s in samples_ns)
    p99 = ms[min(len(ms) - 1, max(0, round(0.99 * len(ms)) - 1))]
    return {
        "n": len(ms),
        "p50_ms": statistics.median(ms),
        "p99_ms": p99,
        "max_ms": ms[-1],
    }


def build_data_folder(home: Path) -> tuple[DataStore, Any, list[Path]]:
    store = DataStore(home)
    others = []
    for i in range(OTHER_SESSIONS):
        other = store.create_session(_session(f"Interview {i}", f"2024-04-{i % 28 + 1:02d}"), {})
        other.append_notes([_note(other.session_id, n) for n in range(NOTES_PER_OTHER)])
        others.append(other.path)
        other.close()
    target = store.create_session(_session("Onboarding with Ana", "2024-05-01"), {})
    target.append_notes([_note(target.session_id, n) for n in range(TARGET_NOTES)])
    return store, target, others


def bench_store(tmp: Path, iterations: int) -> dict[str, Any]:
    store, target, others = build_data_folder(tmp / "home")
    before = {path: path.stat().st_mtime_ns for path in others}
    target.read()
    samples = []
    for n in range(iterations):
        doc = _note(target.session_id, TARGET_NOTES + n)
        start = time.perf_counter_ns()
        target.append_note(doc)
        samples.append(time.perf_counter_ns() - start)
    untouched = all(path.stat().st_mtime_ns == before[path] for path in others)
    result = _percentiles(samples)
    result["file_mb"] = target.path.stat().st_size / 1e6
    result["other_files_untouched"] = untouched
    target.close()
    return result


def bench_baseline(tmp: Path, iterations: int) -> dict[str, Any]:
    path = tmp / "everything.json"
    db = TinyDB(path)
    notes = db.table("notes")
    docs = [_note("other", n) for n in range(OTHER_SESSIONS * NOTES_PER_OTHER)]
    docs += [_note("target", n) for n in range(TARGET_NOTES)]
    notes.insert_multiple(docs)
    samples = []
    for n in range(iterations):
        doc = _note("target", TARGET_NOTES + n)
        start = time.perf_counter_ns()
        notes.insert(doc)
        samples.append(time.perf_counter_ns() - start)
    result = _percentiles(samples)
    result["file_mb"] = path.stat().st_size / 1e6
    db.close()
    return result


def run(quick: bool = False) -> dict[str, Any]:
    """Measure both and print them; returns {"store": ..., "baseline": ..., "ratio_p50": ...}."""
    store_n, baseline_n = (50, 5) if quick else (300, 30)
    with tempfile.TemporaryDirectory(prefix="fieldnote-bench-") as tmp:
        ours = bench_store(Path(tmp), store_n)
        naive = bench_baseline(Path(tmp), baseline_n)
    result = {
        "store": ours,
        "baseline": naive,
        "ratio_p50": naive["p50_ms"] / ours["p50_ms"],
        "ratio_p99": naive["p99_ms"] / ours["p99_ms"],
        "budget_ms": BUDGET_MS,
        "within_budget": ours["p99_ms"] < BUDGET_MS,
    }
    _print(result)
    record(
        f"commit a note in a {TARGET_NOTES:,}-note session: p99 < {BUDGET_MS:g} ms",
        f"{ours['p99_ms']:.1f} ms",
        f"naive one-file TinyDB {naive['p99_ms']:.0f} ms",
        result["within_budget"],
    )
    return result


def _print(result: dict[str, Any]) -> None:
    ours, naive = result["store"], result["baseline"]
    print("Commit a note (append, durable on disk), in ms")
    print(f"{'':34} {'n':>4} {'p50':>8} {'p99':>8} {'max':>8} {'file MB':>8}")
    for label, row in (
        (f"store: session of {TARGET_NOTES:,} notes", ours),
        (f"baseline: one file, {OTHER_SESSIONS * NOTES_PER_OTHER + TARGET_NOTES:,} notes", naive),
    ):
        print(
            f"{label:34} {row['n']:>4} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} "
            f"{row['max_ms']:>8.2f} {row['file_mb']:>8.1f}"
        )
    print(
        f"baseline / store: {result['ratio_p50']:.0f}x at p50, {result['ratio_p99']:.0f}x at p99; "
        f"store p99 {'within' if result['within_budget'] else 'OVER'} the "
        f"{result['budget_ms']:.0f} ms budget; "
        f"other {OTHER_SESSIONS} session files untouched: {ours['other_files_untouched']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    run(quick=parser.parse_args().quick)


if __name__ == "__main__":
    main()
