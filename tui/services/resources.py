"""Where the shipped keymaps and sample studies are: inside the wheel, or the source tree."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def shipped_folder(name: str) -> Path:
    """`keymaps` or `sample_sessions`: packaged as tui/<name> in the wheel, top-level in git."""
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name
