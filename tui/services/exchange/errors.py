"""What can go wrong in an export or an import, as one sentence a user can act on."""

from __future__ import annotations

from pathlib import Path

from tui.domain.display_text import visible


class ExchangeError(Exception):
    """An export or import that cannot go ahead; `str(error)` is one sentence."""


def bad_file(path: Path | str, problem: str, *, where: str = "") -> ExchangeError:
    """`Cannot import FILE (line 3): PROBLEM.` Names are made safe to print."""
    place = f" ({visible(where)})" if where else ""
    return ExchangeError(f"Cannot import {visible(str(path))}{place}: {problem}")
