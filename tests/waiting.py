"""Waiting for what a test expects, not for a stretch of time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from textual.worker import WorkerCancelled

LIMIT_SECONDS = 15.0
"""Only stops a test that hangs; a passing test waits no longer than its event takes."""


async def wait_until(pilot, condition: Callable[[], object], limit: float = LIMIT_SECONDS) -> None:
    """Let the app run until `condition()` holds; fail (naming nothing slow) past `limit`."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > limit:
            raise AssertionError(f"still not so after {limit} s")
        await pilot.pause(0.01)


def until(condition: Callable[[], object], limit: float = LIMIT_SECONDS) -> None:
    """Wait outside an app until `condition()` holds (a writer thread's first failed attempt,
    say: a flush that timed out only says the queue has not drained); fail past `limit`."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > limit:
            raise AssertionError(f"still not so after {limit} s")
        time.sleep(0.01)


def shows(widget, words: str) -> bool:
    """Whether `widget` shows `words`, read across its lines: a sentence wrapped to the pane."""
    return words in " ".join(str(widget.render()).split())


async def workers_done(app) -> None:
    """Let the app's workers end. Textual's `wait_for_complete` raises WorkerCancelled for a
    worker cancelled while it waits (an exclusive worker started afresh, as the analysis's
    poll is, which a loaded machine makes likelier): that one is waited past, not raised."""
    while True:
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            await asyncio.sleep(0.01)  # the cancelled worker leaves the manager when done
        else:
            return
