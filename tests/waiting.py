"""Waiting for what a test expects, not for a stretch of time."""

from __future__ import annotations

import time
from collections.abc import Callable

LIMIT_SECONDS = 15.0
"""Only stops a test that hangs; a passing test waits no longer than its event takes."""


async def wait_until(pilot, condition: Callable[[], object], limit: float = LIMIT_SECONDS) -> None:
    """Let the app run until `condition()` holds; fail (naming nothing slow) past `limit`."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > limit:
            raise AssertionError(f"still not so after {limit} s")
        await pilot.pause(0.01)
