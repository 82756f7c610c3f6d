"""The layers are a test, not a hope: domain and the services load without Textual."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "tui.domain.notes",
        "tui.domain.guide",
        "tui.domain.clock",
        "tui.domain.quotes",
        "tui.clipboard",
        "tui.store",
        "tui.live",
        "tui.write_queue",
        "tui.tag_writes",
        "tui.session_setup",
        "tui.cli",
    ],
)
def test_module_loads_without_textual(module):
    code = f"import sys, {module}; assert 'textual' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)
