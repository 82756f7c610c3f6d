"""Start-up: `fieldnote --version`, and the sessions screen's first frame, each the wall time of
a process of its own (as a person starts it, with the modules compiled once before), beside
the floor of a Python that starts and does nothing (`python -c pass`). Then what the time is
spent on: the biggest imports by cumulative time, from `python -X importtime`.
Run: python -m benchmarks.bench_startup [--quick]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.fixtures import child_env, seed_session
from benchmarks.targets import record
from tui.store import DataStore

SESSIONS = 50
NOTES = 100
RUNS = 5
VERSION_MS = 250
SCREEN_MS = 1000
FIRST_FRAME = """
import asyncio, sys
from pathlib import Path
from tui.app import FieldnoteApp
from tui.screens.home_screen import HomeScreen
from tui.store import DataStore

async def show():
    app = FieldnoteApp(DataStore(Path(sys.argv[1])), author="Maya")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)

asyncio.run(show())
"""


def wall(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one process."""
    began = time.perf_counter()
    child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = child.stderr.read().decode("utf-8", "replace") if child.stderr else ""
    _, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed: {err.strip()[-200:]}")
    return took, usage.ru_maxrss / 1024


def best(args: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    wall(args, env)  # compiles the modules, as an installed copy has them
    times = [wall(args, env) for _ in range(runs)]
    return min(t for t, _ in times), max(r for _, r in times)


def biggest_imports(args: list[str], env: dict[str, str], count: int = 8) -> list[str]:
    """The top-level imports (below the command's own module) by cumulative time."""
    child = subprocess.run(
        [sys.executable, "-X", "importtime", *args], env=env, capture_output=True, text=True
    )
    rows = []
    for line in child.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        if depth <= 1:
            rows.append((int(cumulative), name.strip(), depth))
    rows.sort(reverse=True)
    return [f"{micro / 1000:6.1f} ms  {name}" for micro, name, _ in rows[:count]]


def run(quick: bool = False) -> dict:
    runs = 2 if quick else RUNS
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        store = DataStore(home)
        for number in range(10 if quick else SESSIONS):
            seed_session(store, NOTES, lambda i: f"note {i} #pain", title=f"Interview {number}")
        store.codebook.close()
        env = child_env(FIELDNOTE_HOME=str(home))
        floor, floor_rss = best([sys.executable, "-c", "pass"], env, runs)
        version, version_rss = best([sys.executable, "-m", "tui", "--version"], env, runs)
        screen, screen_rss = best([sys.executable, "-c", FIRST_FRAME, str(home)], env, runs)
        print(f"floor (python -c pass): {floor * 1000:.0f} ms, {floor_rss:.0f} MB")
        print(f"fieldnote --version: {version * 1000:.0f} ms, {version_rss:.0f} MB")
        print(
            f"the sessions screen's first frame ({SESSIONS} sessions x {NOTES} notes, headless, "
            f"in a new process): {screen * 1000:.0f} ms, {screen_rss:.0f} MB"
        )
        print("fieldnote --version spends its imports on:")
        for line in biggest_imports(["-m", "tui", "--version"], env):
            print("  " + line)
        print("the sessions screen spends its imports on:")
        for line in biggest_imports(["-c", FIRST_FRAME, str(home)], env):
            print("  " + line)
    baseline = f"python -c pass {floor * 1000:.0f} ms"
    record(
        f"start-up: fieldnote --version < {VERSION_MS} ms",
        f"{version * 1000:.0f} ms",
        baseline,
        version * 1000 < VERSION_MS,
    )
    record(
        f"start-up: the sessions screen's first frame < {SCREEN_MS} ms",
        f"{screen * 1000:.0f} ms",
        baseline,
        screen * 1000 < SCREEN_MS,
    )
    return {"floor": floor, "version": version, "screen": screen}


if __name__ == "__main__":
    run(quick="--quick" in sys.argv[1:])
