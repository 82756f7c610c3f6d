"""The Python snippet in docs/data.md runs as written, on a session whose newest notes are
still only in its journal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import GUIDE
from tui.domain.guide import parse_guide
from tui.services.session_setup import append_note_now, create_session
from tui.store import DataStore

DOC = Path(__file__).resolve().parent.parent / "docs" / "data.md"


def snippet() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    (block,) = [b for b in blocks if "read_tables" in b]
    return block


def test_the_read_tables_snippet_counts_the_notes_in_the_journal_too(tmp_path, clock):
    home = tmp_path / "home"
    store = DataStore(home / ".local" / "share" / "fieldnote")
    session_id = create_session(
        store, title="Doc check", participant="P1", goal="g", guide=parse_guide(GUIDE), now=clock()
    )
    for text in ("first", "second", "third"):
        append_note_now(store, session_id, text, "Maya", now=clock)
    (journal,) = store.home.glob(f"sessions/{session_id}*.journal")
    assert journal.stat().st_size > 0, "the notes should still be in the journal"
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(DOC.parent.parent)}
    env.pop("FIELDNOTE_HOME", None)
    result = subprocess.run(
        [sys.executable, "-c", snippet()], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == [f"{session_id} 3 notes"]
