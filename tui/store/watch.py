"""Notice the moment another process replaces a file: a file-change notification (watchfiles,
inotify on Linux) on the file's folder, filtered to that one file.

The notification only says "look now": whoever is told still compares the file's signature, so
a missed or spurious event costs nothing but a stat, and a slower poll stays as the fallback
(on file systems without notifications, or when the watch cannot be set up). No Textual here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

STEP_MS = 5
"""How long the watcher waits for a quiet moment before reporting: writes are one rename."""
STOP_CHECK_MS = 200
"""How often the watcher thread looks whether it was stopped while nothing happens."""


class FileWatch:
    """Calls `on_change()` on its own thread each time `path` is written or replaced."""

    def __init__(self, path: Path, on_change: Callable[[], None]) -> None:
        self.path = Path(path)
        self.on_change = on_change
        self.error: Exception | None = None
        """Why the watch stopped early (the poll then carries on alone), or None."""
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"fieldnote-watch-{self.path.name}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        import watchfiles

        name = self.path.name
        try:
            for _changes in watchfiles.watch(
                self.path.parent,
                watch_filter=lambda _change, changed: Path(changed).name == name,
                debounce=STEP_MS * 10,
                step=STEP_MS,
                rust_timeout=STOP_CHECK_MS,
                stop_event=self._stop,
                recursive=False,
                raise_interrupt=False,
            ):
                if self._stop.is_set():
                    return
                self.on_change()
        except Exception as error:  # noqa: BLE001 - a watch that fails leaves the poll to it
            self.error = error

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
