"""Another process's write is noticed by a file-change notification; a watch that cannot be set
up leaves the poll to do it."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from tui.store.watch import FileWatch

REPLACE = """
import os, sys
folder, name = sys.argv[1], sys.argv[2]
tmp = os.path.join(folder, "." + name + ".x.tmp")
with open(tmp, "w") as f:
    f.write("{}")
os.replace(tmp, os.path.join(folder, name))
"""


def replace_from_another_process(path: Path) -> None:
    subprocess.run([sys.executable, "-c", REPLACE, str(path.parent), path.name], check=True)


def test_a_replace_by_another_process_is_reported_and_other_files_are_not(tmp_path):
    path = tmp_path / "session.json"
    path.write_text("{}")
    seen = threading.Event()
    calls: list[int] = []

    def changed() -> None:
        calls.append(1)
        seen.set()

    watch = FileWatch(path, changed)
    try:
        # Another file in the folder first (another session): it would have been reported
        # before the session's own replace, which comes a process start later.
        replace_from_another_process(tmp_path / "other.json")
        replace_from_another_process(path)
        assert seen.wait(10), "no notification for the replaced file"
        assert calls == [1] and watch.error is None
    finally:
        watch.stop()
    assert not watch._thread.is_alive()


def test_a_watch_that_cannot_start_ends_quietly_and_says_why(tmp_path):
    watch = FileWatch(tmp_path / "no such folder" / "session.json", lambda: None)
    watch._thread.join(10)
    assert not watch._thread.is_alive()
    assert watch.error is not None
    watch.stop()
