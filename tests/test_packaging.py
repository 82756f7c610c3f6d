"""`pip install .` must carry the stylesheet, the keymaps and the sample studies."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_ships_styles_keymaps_and_samples(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
    )
    (wheel,) = tmp_path.glob("fieldnote-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "tui/app.tcss" in names
    assert {f"tui/keymaps/{n}.toml" for n in ("default", "vim", "emacs")} <= names
    studies = {
        n for n in names if n.startswith("tui/sample_sessions/") and n.endswith("study.json")
    }
    assert len(studies) >= 2
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "fieldnote = tui.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
