"""The analysis of a study of 200 sessions x 100 notes with 300 tags: the analysis screen's
first frame, a re-sort of its themes, and `fieldnote report`, beside a naive baseline.

Budgets (issue 9): first frame under 1 s, a re-sort under 50 ms, the report under 3 s.
The first frame is measured in a fresh process (imports and reading every session included),
up to the frame that shows the themes; the report as the command a user runs.
The naive baseline reads every file through TinyDB's default JSONStorage and counts each tag
by scanning every note, which is what a first version of such a screen would do.
Run: python -m benchmarks.bench_analysis [--quick]
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from tinydb import TinyDB

from benchmarks.fixtures import GUIDE, START, child_env, parse_floor_s
from benchmarks.targets import record
from tui.domain.clock import to_iso
from tui.domain.guide import parse_guide
from tui.domain.notes import Note
from tui.services.session_setup import create_session
from tui.store import DataStore

SESSIONS = 200
NOTES = 100
TAGS = 300
STUDY = "Bench"
PARENTS = 30
WORDS = "the tool forgets recurring slots so she keeps a spreadsheet beside it every morning"


def tag_names() -> list[str]:
    return [f"area{i % PARENTS}/topic-{i}" for i in range(TAGS)]


def build(home: Path, sessions: int = SESSIONS) -> None:
    store = DataStore(home)
    names = tag_names()
    rng = random.Random(9)
    guide = parse_guide(GUIDE)
    for s in range(sessions):
        start = START + timedelta(days=s)
        session_id = create_session(
            store,
            title=f"Bench session {s}",
            participant=f"P{s % 150}",  # some people are interviewed twice
            guide=guide,
            now=start,
            study=STUDY,
        )
        notes = []
        for i in range(NOTES):
            tags = rng.sample(names, rng.choice((0, 1, 1, 2, 3)))
            note = Note.from_typed(
                f"{WORDS} ({s}.{i}) !{rng.choice(('frustrated', 'anxious', 'pleased'))}",
                session_id=session_id,
                author="Maya",
                started_at=to_iso(start + timedelta(seconds=30 * i)),
                elapsed=30.0 * i,
                question_id="q1" if i < NOTES // 2 else "q2",
            ).to_doc()
            note["tags"] = tags
            note["severity"] = rng.choice((None, 1, 2, 3, 4, 5))
            notes.append(note)
        session_file = store.open_session(session_id)
        session_file.append_notes(notes)
        for i in range(0, NOTES, 25):  # a few span excerpts per session
            session_file.add_excerpt(
                {
                    "id": f"x{s}-{i}",
                    "note_id": notes[i]["id"],
                    "start": 4,
                    "end": 20,
                    "tags": [rng.choice(names)],
                    "severity": rng.choice((None, 4, 5)),
                }
            )
        session_file.update_guide_state(
            marks={"q1": "asked", "q2": rng.choice(("asked", "skipped"))}
        )
        session_file.close()
    store.codebook.ensure(names, to_iso(START))


async def screen_times(home: Path, sorts: int) -> dict:
    from tui.app import FieldnoteApp
    from tui.screens.analysis_screen import AnalysisScreen
    from tui.widgets.theme_table import ThemeTable

    began, cpu = time.perf_counter(), time.process_time()
    app = FieldnoteApp(DataStore(home), author="Maya", analysis=STUDY)
    async with app.run_test(size=(120, 40)) as pilot:
        while not (isinstance(app.screen, AnalysisScreen) and app.screen.reads):
            await pilot.pause()
        screen = app.screen
        table = screen.query_one(ThemeTable)
        paint(table)
        first_frame = (time.perf_counter() - began) * 1000
        first_frame_cpu = (time.process_time() - cpu) * 1000
        rows = len(table.keys)
        resorts = []
        for _ in range(sorts):
            t0 = time.perf_counter()
            screen.action_cycle_sort()
            paint(table)
            resorts.append((time.perf_counter() - t0) * 1000)
            await pilot.pause()
    return {
        "first_frame_ms": first_frame,
        "first_frame_cpu_ms": first_frame_cpu,
        "resort_ms": resorts,
        "theme_rows": rows,
    }


def paint(table) -> None:
    """Render the table's visible lines, as the next frame does."""
    for y in range(table.size.height):
        table.render_line(y)


def _measure(home: Path, sorts: int) -> None:
    print(json.dumps(asyncio.run(screen_times(home, sorts))))


def measure_in_child(home: Path, sorts: int) -> dict:
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_analysis", "--measure", str(home), str(sorts)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def report_ms(home: Path, fmt: str) -> tuple[float, float]:
    """Wall and CPU time of `fieldnote report` as a user runs it (a fresh process)."""
    out = home / f"report.{fmt}"
    env = child_env(FIELDNOTE_HOME=str(home))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tui", "report", "--study", STUDY, "--format", fmt, "-o", str(out)],
        env=env,
        check=True,
        capture_output=True,
    )
    wall = (time.perf_counter() - began) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
    return wall, cpu


def naive_ms(home: Path) -> float:
    """Every file through TinyDB's default storage; each tag counted by a scan of every note."""
    began = time.perf_counter()
    notes = []
    people = {}
    for path in sorted((home / "sessions").glob("*.json")):
        db = TinyDB(path)
        session = db.table("session").all()[0]
        for note in db.table("notes").all():
            notes.append(note)
            people[note["session_id"]] = session.get("participant")
        db.close()
    counts = {}
    for tag in tag_names():
        tagged = [n for n in notes if tag in n.get("tags", [])]
        counts[tag] = (len(tagged), len({people[n["session_id"]] for n in tagged}))
    return (time.perf_counter() - began) * 1000


def run(quick: bool = False) -> dict:
    sorts = 7 if quick else 14
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        build(home, SESSIONS // 4 if quick else SESSIONS)
        screen = measure_in_child(home, sorts)
        html_ms, html_cpu = report_ms(home, "html")
        md_ms, md_cpu = report_ms(home, "md")
        naive = naive_ms(home)
    sessions = SESSIONS // 4 if quick else SESSIONS
    resort = screen["resort_ms"]
    print(
        f"analysis of {sessions} sessions x {NOTES} notes, {TAGS} tags "
        f"({screen['theme_rows']} theme rows with the parents):"
    )
    print(
        f"  first frame of the analysis screen: {screen['first_frame_ms']:.0f} ms "
        f"(CPU {screen['first_frame_cpu_ms']:.0f} ms; budget 1000)"
    )
    print(
        f"  re-sort of the themes: median {statistics.median(resort):.1f} ms, "
        f"max {max(resort):.1f} ms over {len(resort)} (budget 50)"
    )
    print(
        f"  fieldnote report --format html: {html_ms:.0f} ms (CPU {html_cpu:.0f} ms), "
        f"md: {md_ms:.0f} ms (CPU {md_cpu:.0f} ms) (budget 3000)"
    )
    print(
        f"  naive baseline (default TinyDB storage, a scan of every note per tag): {naive:.0f} ms"
        f"; ratio to the first frame {naive / screen['first_frame_ms']:.1f}x"
    )
    baseline = f"naive TinyDB + scan per tag {naive:.0f} ms"
    first = screen["first_frame_ms"]
    study = f"{sessions} sessions x {NOTES} notes"
    record(
        f"analysis screen, {study}: first frame < 1000 ms",
        f"{first:.0f} ms",
        baseline,
        first < 1000,
    )
    record(
        f"analysis screen, {study}: re-sort < 50 ms",
        f"max {max(resort):.1f} ms",
        baseline,
        max(resort) < 50,
    )
    for fmt, took in (("html", html_ms), ("md", md_ms)):
        record(
            f"fieldnote report --format {fmt}, {study}: < 3000 ms",
            f"{took:.0f} ms",
            baseline,
            took < 3000,
        )
    return {**screen, "report_html_ms": html_ms, "report_md_ms": md_ms, "naive_ms": naive}


# -- a large team archive, from the study index (issue 22) --------------------------------------

ARCHIVE_SESSIONS = 500
ARCHIVE_BUDGET_MS = 150.0
"""A warm index: `list` and each screen's first frame, beyond the process's own start-up."""


def floor_ms(home: Path) -> float:
    """The least a look at every session costs (`fixtures.parse_floor_s`), in ms."""
    return parse_floor_s(home) * 1000


def command_ms(home: Path, cache: Path, *words: str) -> tuple[float, float]:
    """Wall time and peak RSS (MB) of `fieldnote WORDS...` in a fresh process."""
    env = child_env(FIELDNOTE_HOME=str(home), FIELDNOTE_CACHE=str(cache))
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "tui", *words],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = (time.perf_counter() - began) * 1000
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise RuntimeError(f"fieldnote {' '.join(words)} exited {child.returncode}")
    return wall, usage.ru_maxrss / 1024


async def archive_frame(home: Path, kind: str) -> float:
    """ms from the app's start (modules imported) to the first frame of `kind`: the analysis
    screen's themes, the tagging screen's first excerpts over every session, or (`empty`) the
    sessions screen of an empty folder, the app's own start-up."""
    from tui.app import FieldnoteApp
    from tui.screens.analysis_screen import AnalysisScreen
    from tui.screens.home_screen import HomeScreen
    from tui.screens.tagging_screen import TaggingScreen
    from tui.widgets.theme_table import ThemeTable

    began = time.perf_counter()
    options = {
        "analysis": {"analysis": ""},
        "tagging": {"tagging": ("all", None)},
        "empty": {},
    }[kind]
    app = FieldnoteApp(DataStore(home), author="Maya", **options)
    async with app.run_test(size=(80, 24)):
        # Checked each millisecond with a bare sleep, not `pilot.pause`: a pause waits for the
        # screen to process its messages, Python work that took the interpreter from the
        # worker being timed (a cold analysis measured 2.5-2.7 s so, 1.4 s without).
        while True:
            screen = app.screen
            if kind == "analysis" and isinstance(screen, AnalysisScreen) and screen.themes:
                paint(screen.query_one(ThemeTable))
                break
            if kind == "tagging" and isinstance(screen, TaggingScreen) and screen.shown:
                screen.excerpt_list.render_line(0)
                break
            if kind == "empty" and isinstance(screen, HomeScreen):
                break
            await asyncio.sleep(0.001)
        return (time.perf_counter() - began) * 1000


def frame_in_child(home: Path, cache: Path, kind: str) -> float:
    env = child_env(FIELDNOTE_CACHE=str(cache))
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_analysis", "--frame", str(home), kind],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return float(child.stdout.strip().splitlines()[-1])


def run_archive(quick: bool = False) -> dict:
    """500 sessions x 100 notes: `list`, the analysis and tagging screens' first frames and
    `report`, from a cold study index (none) and a warm one, beside the floor."""
    sessions = ARCHIVE_SESSIONS // 4 if quick else ARCHIVE_SESSIONS
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        home, empty = Path(tmp) / "home", Path(tmp) / "empty"
        build(home, sessions)
        DataStore(empty)
        floor = min(floor_ms(home) for _ in range(3))
        version = min(command_ms(empty, Path(tmp) / "c0", "--help")[0] for _ in range(3))
        startup = min(frame_in_child(empty, Path(tmp) / "c0", "empty") for _ in range(3))
        runs = 0

        def cold() -> Path:
            nonlocal runs
            runs += 1
            return Path(tmp) / f"cold{runs}"

        warm = Path(tmp) / "warm"
        # Each command once before any is measured: it makes the warm index, and Python's
        # compiled modules, as a person's machine has them after the first run.
        command_ms(home, warm, "list")
        for kind in ("analysis", "tagging"):
            frame_in_child(home, warm, kind)
        for fmt in ("html", "md"):
            command_ms(home, warm, "report", "--format", fmt, "-o", str(Path(tmp) / f"first.{fmt}"))
        # Every figure is the best of 3 (a cold one from a new cache folder each time): on a
        # shared machine one run of a cold case varied by half between runs of the benchmark.
        results["list cold"] = min(command_ms(home, cold(), "list")[0] for _ in range(3))
        results["list warm"] = min(command_ms(home, warm, "list")[0] for _ in range(3))
        for kind in ("analysis", "tagging"):
            results[f"{kind} cold"] = min(frame_in_child(home, cold(), kind) for _ in range(3))
            results[f"{kind} warm"] = min(frame_in_child(home, warm, kind) for _ in range(3))
        rss: dict[str, float] = {}
        for fmt in ("html", "md"):
            out = str(Path(tmp) / f"report.{fmt}")
            words = ("report", "--format", fmt, "-o", out, "--force")
            for state, cache in (("cold", cold), ("warm", lambda: warm)):
                runs_of = [command_ms(home, cache(), *words) for _ in range(3)]
                results[f"report {fmt} {state}"] = min(took for took, _ in runs_of)
                rss[f"{fmt} {state}"] = max(peak for _, peak in runs_of)
    study = f"{sessions} sessions x {NOTES} notes"
    floor_text = f"floor {floor:.0f} ms; start-up: --help {version:.0f} ms, app {startup:.0f} ms"
    print(f"archive of {study}: {floor_text}")
    for name, took in results.items():
        print(f"  {name}: {took:.0f} ms")
    for name, peak in rss.items():
        print(f"  report {name}: peak RSS {peak:.0f} MB")
    for name, took, base in (
        ("list", results["list warm"], version),
        ("analysis screen first frame", results["analysis warm"], startup),
        ("tagging screen first frame (every session)", results["tagging warm"], startup),
    ):
        record(
            f"{name}, {study}, warm index: < {ARCHIVE_BUDGET_MS:.0f} ms beyond start-up",
            f"{took - base:.0f} ms ({took:.0f} - {base:.0f})",
            floor_text,
            took - base < ARCHIVE_BUDGET_MS,
        )
    for name, took, base in (
        ("list", results["list cold"], version),
        ("analysis screen first frame", results["analysis cold"], startup),
        ("tagging screen first frame (every session)", results["tagging cold"], startup),
    ):
        record(
            f"{name}, {study}, no index: < 2x floor + start-up",
            f"{took:.0f} ms (bound {2 * floor + base:.0f})",
            floor_text,
            took < 2 * floor + base,
        )
    for fmt in ("html", "md"):
        for state in ("cold", "warm"):
            took = results[f"report {fmt} {state}"]
            record(
                f"report --format {fmt}, {study}, {state} index: < 3x floor beyond start-up",
                f"{took - version:.0f} ms ({took:.0f} - {version:.0f}; bound {3 * floor:.0f})",
                floor_text,
                took - version < 3 * floor,
            )
            peak = rss[f"{fmt} {state}"]
            record(
                f"report --format {fmt}, {study}, {state} index: peak RSS < 250 MB",
                f"{peak:.0f} MB",
                floor_text,
                peak < 250,
            )
    return {**results, "floor": floor, "version": version, "startup": startup}


# CPU time is printed beside wall time because the machine these run on is shared: with other
# work on both cores, wall time measures the queue as much as Fieldnote.


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        _measure(Path(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1:2] == ["--frame"]:
        print(asyncio.run(archive_frame(Path(sys.argv[2]), sys.argv[3])))
    elif sys.argv[1:2] == ["--archive"]:
        run_archive(quick="--quick" in sys.argv[1:])
    else:
        run(quick="--quick" in sys.argv[1:])
