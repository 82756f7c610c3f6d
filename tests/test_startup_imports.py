"""Start-up loads only what it shows: `fieldnote --version` and the sessions screen import none
of the heavy modules that only some commands need (charts, transcript parsers, the file
watcher, XML schemas, agreement statistics, the REFI-QDA writer). Each check runs in a fresh
interpreter, whose `sys.modules` is the whole truth of what was imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = (
    "pygal",
    "webvtt",
    "srt",
    "watchfiles",
    "xmlschema",
    "krippendorff",
    "numpy",
    "markdown_it",
    "zipfile",
    "xml.etree.ElementTree",
    "tui.services.exchange.refi_qda",
    "tui.services.report",
)
REPORT = f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"

VERSION = f"""
import json, sys
from tui.cli import main
try:
    main(["--version"])
except SystemExit:
    pass
{REPORT}
"""

SESSIONS_SCREEN = f"""
import asyncio, json, sys
from pathlib import Path
from tui.app import FieldnoteApp
from tui.screens.home_screen import HomeScreen
from tui.store import DataStore

async def show():
    app = FieldnoteApp(DataStore(Path(sys.argv[1])), author="Kim")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen), app.screen

asyncio.run(show())
{REPORT}
"""


def _imported(code: str, *args: str) -> list[str]:
    child = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    return json.loads(child.stdout.strip().splitlines()[-1])


def test_version_imports_no_heavy_module():
    assert _imported(VERSION) == []


@pytest.mark.parametrize("with_session", [False, True])
def test_the_sessions_screen_imports_no_heavy_module(store, with_session):
    if with_session:
        from tui.services.session_setup import create_session

        create_session(store, title="Kickoff")
    assert _imported(SESSIONS_SCREEN, str(store.home)) == []


QDPX_EXPORT = """
import json, sys
from pathlib import Path
from tui.services.exchange.exporting import export
from tui.store import DataStore

store = DataStore(Path(sys.argv[1]))
export(store, [s.id for s in store.list_sessions()[0]], "qdpx")
print(json.dumps(sorted(m for m in ("rapidfuzz",) if m in sys.modules)))
"""


def test_a_qdpx_export_imports_no_fuzzy_matching(store):
    """rapidfuzz is for checking quotes against a transcript, which a project does not hold."""
    from tests.exchange_data import seed

    seed(store)
    assert _imported(QDPX_EXPORT, str(store.home)) == []
