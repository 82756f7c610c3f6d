"""Notice the moment another process replaces a file: a file-change notification (watchfiles,
inotify on Linux) on the file's folder, filtered to that one file.

The notification only says "look now": whoever is told still compares the file's signature, so
a missed or spurious event costs nothing but a stat, and a slower poll stays as the fallback
(on file systems without notifications, or when the watch cannot be set up). No Textual here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

STEP_MS = 20
"""watchfiles wakes this often to look for changes and for `stop()` (taking the GIL for a
moment), and reports a change once this long passed without another: a write is one rename."""


class FileWatch:
    """Calls `on_change()` on its own thread each time `path` (or a file named in `also`, in
    the same folder: a session's journal) is written or replaced."""

    def __init__(
        self, path: Path, on_change: Callable[[], None], *, also: Iterable[Path] = ()
    ) -> None:
        self.path = Path(path)
        self.names = {self.path.name, *(Path(other).name for other in also)}
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

        names = self.names
        try:
            for _changes in watchfiles.watch(
                self.path.parent,
                watch_filter=lambda _change, changed: Path(changed).name in names,
                debounce=STEP_MS * 5,
                step=STEP_MS,
                stop_event=self._stop,
                recursive=False,
                raise_interrupt=False,
            ):
                if self._stop.is_set():
                    return
                self.on_change()
        except Exception as error:  # noqa: BLE001 - a watch that fails leaves the poll to it
            self.error = error

    def stop(self) -> None:
        """The thread ends within a step; nobody waits for it (it holds nothing)."""
        self._stop.set()
