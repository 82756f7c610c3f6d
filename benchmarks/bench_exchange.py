"""Exporting 200 sessions x 100 notes to each format, and importing a 2-hour transcript.

Budget (issue 8): each under 2 s of wall time; CPU time is printed beside it, as other
processes on a shared machine stretch the wall time. The baseline beside each export is
reading the same sessions through TinyDB's default JSONStorage (stdlib json), the cost of just
getting the data out the naive way; beside the import, webvtt-py parsing the file alone.
Run: python -m benchmarks.bench_exchange [--quick]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import webvtt
from tinydb import TinyDB

from benchmarks.fixtures import seed_session
from benchmarks.targets import record
from tui.services.exchange.exporting import FORMATS, export
from tui.services.exchange.importing import import_files
from tui.store import DataStore

SESSIONS = 200
NOTES = 100
CUES = 2400  # one every 3 seconds for two hours
BUDGET_S = 2.0
TEXTS = (
    '"I keep a spreadsheet next to it because the tool forgets slots #workaround/sheet',
    "Logs in every morning before the drivers arrive, checks the dock plan !anxious",
    "* Pricing page confused her: per-dock or per-site? #pricing #pain/onboarding",
    "?ask how they hand over between shifts",
)


def build(home: Path, sessions: int) -> list[str]:
    store = DataStore(home)
    ids = []
    for number in range(sessions):
        ids.append(
            seed_session(
                store,
                NOTES,
                lambda i, n=number: f"{TEXTS[i % 4]} (session {n}, note {i})",
                title=f"Interview {number}",
            )
        )
    store.codebook.ensure(["workaround/sheet", "pricing", "pain/onboarding"], "2026-11-27T09:00Z")
    return ids


def transcript(path: Path) -> None:
    lines = ["WEBVTT", ""]
    for i in range(CUES):
        start, end = i * 3, i * 3 + 2.5
        speaker = "Maya" if i % 2 else "Kim"
        lines += [
            f"{_stamp(start)} --> {_stamp(end)}",
            f"<v {speaker}>Sentence {i} about the dock schedule,",
            "and a second line of the same cue.</v>",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


def _stamp(seconds: float) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours):02d}:{int(minutes):02d}:{secs:06.3f}"


def naive_read_s(home: Path, ids: list[str]) -> float:
    began = time.perf_counter()
    for session_id in ids:
        db = TinyDB(home / "sessions" / f"{session_id}.json")
        db.table("notes").all()
        db.close()
    return time.perf_counter() - began


def run(quick: bool = False) -> dict:
    sessions = 20 if quick else SESSIONS
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        ids = build(home, sessions)
        baseline = naive_read_s(home, ids)
        print(
            f"naive baseline: reading {sessions} sessions x {NOTES} notes with TinyDB's "
            f"default storage: {baseline * 1000:.0f} ms"
        )
        for name in FORMATS:
            began, cpu = time.perf_counter(), time.process_time()
            data, _ = export(DataStore(home), ids, name)
            results[name] = took = time.perf_counter() - began
            cpu = time.process_time() - cpu
            verdict = "ok" if took < BUDGET_S else "OVER BUDGET"
            print(
                f"export {sessions} x {NOTES} notes as {name:>4}: {took * 1000:6.0f} ms "
                f"(CPU {cpu * 1000:.0f} ms; {len(data) / 1e6:.1f} MB; budget {BUDGET_S:.0f} s: "
                f"{verdict}; {took / baseline:.1f}x the naive read)"
            )
            record(
                f"export {sessions} x {NOTES} notes as {name}: < {BUDGET_S:g} s",
                f"{took * 1000:.0f} ms",
                f"naive TinyDB read {baseline * 1000:.0f} ms",
                took < BUDGET_S,
            )
        path = Path(tmp) / "two-hours.vtt"
        transcript(path)
        began = time.perf_counter()
        webvtt.read(str(path))
        parse_only = time.perf_counter() - began
        began, cpu = time.perf_counter(), time.process_time()
        import_files(
            DataStore(Path(tmp) / "empty"),
            [path],
            now=datetime(2026, 12, 1, tzinfo=UTC),
            participant="Kim",
        )
        results["import_vtt"] = took = time.perf_counter() - began
        cpu = time.process_time() - cpu
        verdict = "ok" if took < BUDGET_S else "OVER BUDGET"
        print(
            f"import a 2-hour WebVTT transcript ({CUES} cues): {took * 1000:.0f} ms "
            f"(CPU {cpu * 1000:.0f} ms; budget {BUDGET_S:.0f} s: {verdict}); "
            f"webvtt-py parsing alone {parse_only * 1000:.0f} ms"
        )
        record(
            f"import a 2-hour WebVTT transcript: < {BUDGET_S:g} s",
            f"{took * 1000:.0f} ms",
            f"webvtt-py parse alone {parse_only * 1000:.0f} ms",
            took < BUDGET_S,
        )
    return results


if __name__ == "__main__":
    run(quick="--quick" in sys.argv[1:])
