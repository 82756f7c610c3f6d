"""Data the benchmarks build: sessions of many notes, written in one go."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from tui.domain.clock import to_iso
from tui.domain.guide import parse_guide
from tui.domain.notes import Note
from tui.services.session_setup import create_session
from tui.store import DataStore

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
GUIDE = "## Warm-up\n- Tell me about your role.\n- Walk me through your last week.\n"


def seed_session(
    store: DataStore,
    notes: int,
    text: Callable[[int], str],
    *,
    title: str = "Big session",
    start: datetime = START,
) -> str:
    """A session of `notes` notes, one a second, note i reading `text(i)`; returns its id."""
    session_id = create_session(
        store, title=title, goal="Why do trials stall?", guide=parse_guide(GUIDE), now=start
    )
    store.open_session(session_id).append_notes(
        [
            Note.from_typed(
                text(i),
                session_id=session_id,
                author="Maya",
                started_at=to_iso(start + timedelta(seconds=i)),
                elapsed=float(i),
                question_id="q1",
            ).to_doc()
            for i in range(notes)
        ]
    )
    return session_id


def parse_floor_s(home: Path) -> float:
    """The floor of any command that looks at every session: reading every session file and
    its journal once and parsing them with orjson (a line of the journal at a time), in
    this process. Seconds."""
    began = time.perf_counter()
    for path in sorted((home / "sessions").glob("*.json")):
        orjson.loads(path.read_bytes())
        journal = path.with_name(path.name + ".journal")
        if journal.exists():
            for line in journal.read_bytes().splitlines():
                orjson.loads(line)
    return time.perf_counter() - began


_PYCACHE = tempfile.mkdtemp(prefix="fieldnote-bench-pycache-")


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a measured child process: as a person's, whose Python keeps the
    compiled modules (this machine's environment may say PYTHONDONTWRITEBYTECODE, which would
    compile every module at every start-up); kept in a folder of the run's own."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": _PYCACHE, **extra}


PEAK_OF_RUN = """
import resource, sys
from tui.cli import main
try:
    code = main(sys.argv[1:])
finally:
    # The peak of this process's own memory: VmHWM starts anew at exec, where ru_maxrss
    # (os.wait4) keeps the high-water mark of the parent it was forked from. Beside it, the
    # largest of the processes it forked and reaped (a second reader or writer), whose
    # ru_maxrss counts the pages it shared with this one at the fork too.
    with open("/proc/self/status") as status:
        peak = next(line for line in status if line.startswith("VmHWM:"))
    forked = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stderr.write(f"\\npeak-kB {peak.split()[1]} {forked}\\n")
raise SystemExit(code)
"""
"""`python -c PEAK_OF_RUN ARGS` runs `fieldnote ARGS` and ends its stderr with its peak RSS,
then its forked processes' largest."""


def run_command(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of `fieldnote ARGS` in a process of its own
    (with a process it forks: their CPU time, and their peaks added).
    CPU time (user + system) is printed beside the wall time: other processes on a shared
    machine stretch the wall time, not the CPU time."""
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", PEAK_OF_RUN, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    err = child.stderr.read().decode("utf-8", "replace") if child.stderr else ""
    _, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"fieldnote {' '.join(args)} failed: {err.strip()[-300:]}")
    # Both processes' peaks added: the most the command can hold at once.
    peak_kb = sum(int(kb) for kb in err.strip().splitlines()[-1].split()[1:])
    return took, usage.ru_utime + usage.ru_stime, peak_kb / 1024
