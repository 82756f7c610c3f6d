"""Another process's write is noticed by a file-change notification; a watch that cannot be set
up leaves the poll to do it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
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


def wait_until_watching(path: Path, seen: threading.Event) -> None:
    """The watch is set up on its own thread, and a change made before that goes unseen (on
    a loaded machine the thread starts late): replace the file until a change is reported."""
    deadline = time.monotonic() + 60
    while True:
        tmp = path.with_name(f".{path.name}.warm.tmp")
        tmp.write_text("{}")
        os.replace(tmp, path)
        if seen.wait(1):
            seen.clear()
            return
        assert time.monotonic() < deadline, "the watch never reported a change"


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
        wait_until_watching(path, seen)
        calls.clear()
        # Another file in the folder first (another session): it would have been reported
        # before the session's own replace, which comes a process start later.
        replace_from_another_process(tmp_path / "other.json")
        replace_from_another_process(path)
        assert seen.wait(10), "no notification for the replaced file"
        assert calls == [1] and watch.error is None
    finally:
        watch.stop()
    watch._thread.join(10)
    assert not watch._thread.is_alive()


def test_a_watch_that_cannot_start_ends_quietly_and_says_why(tmp_path):
    watch = FileWatch(tmp_path / "no such folder" / "session.json", lambda: None)
    watch._thread.join(10)
    assert not watch._thread.is_alive()
    assert watch.error is not None
    watch.stop()


def test_read_changes_copies_only_what_differs_from_the_last_read(tmp_path):
    from tui.domain.notes import Note
    from tui.services.session_setup import create_session
    from tui.store import DataStore

    store = DataStore(tmp_path / "data")
    session_id = create_session(store, title="Changes")
    mine = store.open_session(session_id)
    docs = [
        Note.from_typed(
            f"note {i}",
            session_id=session_id,
            author="Maya",
            started_at=f"2026-11-27T10:00:0{i}.000Z",
            elapsed=float(i),
            question_id=None,
        ).to_doc()
        for i in range(3)
    ]
    mine.append_notes(docs)
    known = {doc["id"]: doc for doc in mine.read().notes}
    # Another process edits one note, deletes another and adds a fourth.
    other = DataStore(store.home).open_session(session_id)
    other.update_note(docs[0]["id"], {"starred": True})
    other.delete_note(docs[1]["id"])
    added = {**docs[2], "id": "f" * 32, "text": "arrived"}
    other.append_note(added)
    read = mine.read_changes(known)
    assert sorted(doc["id"] for doc in read.changed) == sorted([docs[0]["id"], added["id"]])
    assert read.removed == [docs[1]["id"]]
    assert read.session["title"] == "Changes"
    # What it hands out is a copy: changing it changes nothing the store keeps.
    read.changed[0]["text"] = "scribbled on"
    assert "scribbled on" not in [doc["text"] for doc in mine.read().notes]
    again = mine.read_changes({doc["id"]: doc for doc in mine.read().notes})
    assert again.changed == [] and again.removed == []
