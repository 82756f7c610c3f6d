"""Pilot's key presses, each key handled before the next, without a fixed wait between them.

Textual's `Pilot.press` waits for the process to look idle after every key: two or more
20 ms sleeps a key, so typing a 40-character note costs about 2.5 s, most of the suite's
time. Between the keys of one `press(...)` this waits instead until the app and every widget
of its screen have handled every message they hold, and what those set off: the key is
handled as a typist's key is, one at a time, not queued behind the others as a burst is (the
burst tests queue their keys themselves, tests/bursts.py). After the last key of a press,
Textual's own idle wait runs as before, so what a test reads after `press` is as settled
as it was.
"""

from __future__ import annotations

from contextvars import ContextVar

import textual.app
from textual._wait import wait_for_idle
from textual.pilot import Pilot

_SETTLE_ROUNDS = 50
"""Rounds of handling a key may set off; past them the next key goes on (still in order)."""

_more_keys: ContextVar[Pilot | None] = ContextVar("more_keys", default=None)
"""The pilot whose press has more keys to send after this one, in this task."""

_press = Pilot.press


async def _handled(pilot: Pilot) -> None:
    """Until no message waits in the app or a widget of its screen (the screen a key opened
    included): every message a key set off is handled."""
    app = pilot.app
    for _ in range(_SETTLE_ROUNDS):
        await pilot._wait_for_screen()
        nodes = [app, *app.screen.walk_children(with_self=True)]
        if not any(node.message_queue_size for node in nodes):
            return


async def _wait_after_key(min_sleep: float = 0, max_sleep: float = 1) -> None:
    """Textual's wait after each key (`App._press_keys`): the idle wait, or, when more keys
    of the same press follow, until the key is handled."""
    pilot = _more_keys.get()
    if pilot is None:
        await wait_for_idle(min_sleep, max_sleep)
    else:
        await _handled(pilot)


async def press(self: Pilot, *keys: str) -> None:
    """`Pilot.press`: every key but the last waits until it is handled, the last as before."""
    for key in keys[:-1]:
        more = _more_keys.set(self)
        try:
            await self.app._press_keys([key])
        finally:
            _more_keys.reset(more)
    await _press(self, *keys[-1:])


def install(monkeypatch) -> None:
    """Against a Textual without the names this borrows (CI also runs the newest release),
    keys are pressed Textual's own way: slower, the same keys."""
    if not all(
        (
            hasattr(textual.app, "wait_for_idle"),
            hasattr(textual.app.App, "_press_keys"),
            hasattr(Pilot, "_wait_for_screen"),
        )
    ):
        return
    monkeypatch.setattr(textual.app, "wait_for_idle", _wait_after_key)
    monkeypatch.setattr(Pilot, "press", press)
