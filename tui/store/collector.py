"""Python's cyclic garbage collector, paused while a large read builds what stays alive.

Reading a session of 10,000 notes makes hundreds of thousands of containers, none of them
garbage. Each allocation counts towards the collector's next pass, and as the heap grows it
runs full passes over everything alive, again and again during the read (50-80 ms of a
10,000-note session's first frame). Paused, it walks the new objects once afterwards at most;
the screens then `gc.freeze()` them out of its walks for good.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off for the block (as it was again afterwards)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
