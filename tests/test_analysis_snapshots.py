"""SVG snapshots of the analysis screen's themes and priority matrix at 80x24 and 120x40.

The data is the hand-built study of tests/analysis_study.py; nothing drawn depends on the run.
Accept a deliberate change with `--snapshot-update` (see tests/test_snapshots.py).
"""

from __future__ import annotations

import pytest
import pytest_textual_snapshot

from tests.analysis_study import write_study
from tests.waiting import workers_done
from tui.app import FieldnoteApp

pytest_textual_snapshot.SVGImageExtension.file_extension = "svg"


@pytest.fixture(autouse=True)
def outside_tmux(monkeypatch):
    monkeypatch.delenv("TMUX", raising=False)


def shown(*keys: str):
    async def run_before(pilot) -> None:
        for _ in range(3):
            await workers_done(pilot.app)
            await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("part", ["themes", "matrix"])
def test_analysis_part(snap_compare, store, clock, size, part):
    write_study(store)
    app = FieldnoteApp(store, author="Maya", now=clock, analysis="Onboarding")
    keys = {"themes": "1", "matrix": "2"}[part]
    assert snap_compare(app, terminal_size=size, run_before=shown(keys))
