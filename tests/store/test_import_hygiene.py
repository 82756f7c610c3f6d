"""The store is a layer below the UI: importing it must not load Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_store_imports_no_textual() -> None:
    code = (
        "import sys, tui.store, tui.store.storage, tui.store.session, tui.store.codebook, "
        "tui.store.datastore, tui.services.tag_ops, tui.domain.tags; "
        "assert 'tinydb' in sys.modules; "
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')); "
        "assert not bad, bad"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_only_the_store_imports_tinydb() -> None:
    offenders = [
        path.relative_to(ROOT)
        for path in (ROOT / "tui").rglob("*.py")
        if "store" not in path.relative_to(ROOT / "tui").parts[:1]
        and any(
            line.lstrip().startswith(("import tinydb", "from tinydb"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == []
