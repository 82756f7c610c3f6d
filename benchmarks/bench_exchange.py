"""Exporting 500 sessions x 100 notes to each format, and importing a 2-hour transcript.

Each export is the command a person runs (`fieldnote export --all --format X -o FILE`) in a
process of its own, so its wall time includes start-up and its peak RSS (VmHWM, read by the
process as it ends: `benchmarks.fixtures.run_command`) is the export's alone, with the peak of
the second process a qdpx export forks added; their CPU time is printed beside it. Beside
it, in the same run: the floor (issue 22), reading and orjson-parsing every session file once
in one process (benchmarks/fixtures.py), and the start-up of `fieldnote --version`. Targets:
each export under 2 s of wall time (issue 8); peak RSS of each under 250 MB; the qdpx export
within 3x the floor beyond start-up (issue 22). Beside the import, webvtt-py parsing the file
alone.
Run: python -m benchmarks.bench_exchange [--quick]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import webvtt

from benchmarks.fixtures import child_env, parse_floor_s, run_command, seed_session
from benchmarks.targets import record
from tui.services.exchange.exporting import FORMATS
from tui.services.exchange.importing import import_files
from tui.store import DataStore

SESSIONS = 500
NOTES = 100
CUES = 2400  # one every 3 seconds for two hours
BUDGET_S = 2.0
RSS_BUDGET_MB = 250
FLOOR_TIMES = 3
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


def floor_in_child(home: Path) -> float:
    """The floor, measured in a process of its own (as each export runs)."""
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_exchange", "--floor", str(home)],
        env=child_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])["floor_s"]


def run(quick: bool = False) -> dict:
    sessions = 50 if quick else SESSIONS
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        build(home, sessions)
        env = child_env(FIELDNOTE_HOME=str(home))
        run_command(["export", "--all", "--format", "qdpx", "-o", str(Path(tmp) / "warm")], env)
        startup = min(run_command(["--version"], env)[0] for _ in range(3))
        startup_rss = run_command(["--version"], env)[2]
        floor = min(floor_in_child(home) for _ in range(3))
        print(
            f"floor: reading and orjson-parsing {sessions} session files once: "
            f"{floor * 1000:.0f} ms; start-up (fieldnote --version): {startup * 1000:.0f} ms, "
            f"{startup_rss:.0f} MB"
        )
        for name in FORMATS:
            if name == "qdc":
                continue  # the codebook alone: no session is written
            out = Path(tmp) / f"export.{name}"
            args = ["export", "--all", "--format", name, "-o", str(out), "--force"]
            took, cpu, rss = run_command(args, env)
            results[name] = took
            beyond = took - startup
            print(
                f"export {sessions} x {NOTES} notes as {name:>4}: {took * 1000:6.0f} ms "
                f"(CPU {cpu * 1000:.0f} ms; {beyond * 1000:.0f} ms beyond start-up, "
                f"{beyond / floor:.1f}x the floor; peak RSS {rss:.0f} MB; "
                f"{out.stat().st_size / 1e6:.1f} MB written)"
            )
            baseline = f"floor {floor * 1000:.0f} ms, start-up {startup * 1000:.0f} ms"
            record(
                f"export --all {sessions} x {NOTES} as {name}: < {BUDGET_S:g} s",
                f"{took * 1000:.0f} ms",
                baseline,
                took < BUDGET_S,
            )
            record(
                f"export --all {sessions} x {NOTES} as {name}: peak RSS < {RSS_BUDGET_MB} MB",
                f"{rss:.0f} MB",
                f"--version {startup_rss:.0f} MB",
                rss < RSS_BUDGET_MB,
            )
            if name == "qdpx":
                record(
                    f"export --all {sessions} x {NOTES} as qdpx: <= {FLOOR_TIMES}x the floor "
                    "beyond start-up",
                    f"{beyond * 1000:.0f} ms ({beyond / floor:.1f}x)",
                    baseline,
                    beyond <= FLOOR_TIMES * floor,
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
    if sys.argv[1:2] == ["--floor"]:
        print(json.dumps({"floor_s": parse_floor_s(Path(sys.argv[2]))}))
    else:
        run(quick="--quick" in sys.argv[1:])
