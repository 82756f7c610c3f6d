"""A separate writer process for the concurrency and crash tests.

    python -m tests.store.writer PATH SESSION_ID COUNT AUTHOR [--go FILE]

Appends COUNT notes (COUNT 0: until killed), printing each note id, flushed, once append_note
has returned: every id printed is a promise that the note is on disk. With --go it waits until
FILE exists, so several writers start together.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from pathlib import Path

from tests.store.helpers import note_doc
from tui.store import SessionFile


def main(argv: list[str]) -> None:
    path, session_id, count, author = Path(argv[0]), argv[1], int(argv[2]), argv[3]
    go = Path(argv[5]) if len(argv) > 5 and argv[4] == "--go" else None
    session = SessionFile(path, session_id)
    print("ready", flush=True)
    while go is not None and not go.exists():
        time.sleep(0.001)
    numbers = range(count) if count else itertools.count()
    for n in numbers:
        note = note_doc(session_id, f"{author} note {n}", author=author)
        session.append_note(note)
        os.write(1, f"{note['id']}\n".encode())
    session.close()


if __name__ == "__main__":
    main(sys.argv[1:])
