"""`fieldnote note` from two shells at once: every note lands, once, in a valid file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.store import DataStore
from tui.store.storage import read_tables

ROOT = Path(__file__).resolve().parents[1]
EACH = 40


@pytest.mark.slow
def test_fieldnote_note_from_two_shells_in_parallel(store: DataStore, session_id: str) -> None:
    env = {**os.environ, "FIELDNOTE_HOME": str(store.home)}
    loop = (
        'for i in $(seq 1 {n}); do "{py}" -m tui note {sid} "{who} note $i #shell" --as {who}'
        " || exit 1; done"
    )
    shells = [
        subprocess.Popen(
            ["bash", "-c", loop.format(n=EACH, py=sys.executable, sid=session_id, who=who)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("ana", "ben")
    ]
    printed: list[str] = []
    for shell in shells:
        out, err = shell.communicate(timeout=120)
        assert shell.returncode == 0, err
        printed += out.split()
    data = read_tables(store.sessions_dir / f"{session_id}.json")  # valid JSON, journal too
    notes = list(data["notes"].values())
    assert len(printed) == len(set(printed)) == 2 * EACH
    assert {n["id"] for n in notes} == set(printed)
    assert len(notes) == 2 * EACH
    assert sorted(map(int, data["notes"])) == list(range(1, 2 * EACH + 1))  # doc ids distinct
    for who in ("ana", "ben"):
        texts = sorted(n["text"] for n in notes if n["author"] == who)
        assert texts == sorted(f"{who} note {i} #shell" for i in range(1, EACH + 1))
    # The shared codebook got the tag from both, counted once per use and still valid.
    assert [t["name"] for t in store.codebook.tags()] == ["shell"]
