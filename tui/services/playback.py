"""Playing a note's moment of the recording in an outside player (mpv, else ffplay).

The player is started detached: in its own session, with no terminal (its input, output and
errors go nowhere, so it can neither take the screen over nor print on it), and a thread
waits on it so it never lingers as a zombie. Starting a new moment ends the one this process
started before, so a second key press moves on rather than playing two recordings at once.
Where no player is installed, the caller gets a sentence naming one to install and the time
code to copy instead (whether the copy arrives is for the copy to say). No Textual here: the
screens call `Player.play` from a worker thread (it may wait a moment to see whether the
player stays up).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tui.domain.display_text import visible
from tui.domain.notes import format_elapsed

PLAYERS = ("mpv", "ffplay")
"""Looked for on PATH in this order."""
LEAD_SECONDS = 3.0
"""Playing starts this long before the moment: the words a note was typed after are heard."""
SETTLE_SECONDS = 0.5
"""How long a just-started player is watched: one that exits in error by then failed."""
INSTALL_HINT = "install mpv (or ffmpeg's ffplay)"


def start_second(moment: float, lead: float = LEAD_SECONDS) -> float:
    """Where playing starts for a moment on the recording: `lead` seconds before, not before 0."""
    return max(0.0, float(moment) - lead)


def find_player(which: Callable[[str], str | None] = shutil.which) -> tuple[str, str] | None:
    """(name, path) of the first player on PATH, or None."""
    for name in PLAYERS:
        found = which(name)
        if found:
            return name, found
    return None


def player_command(name: str, program: str, media: Path, start: float) -> list[str]:
    """The command line that plays `media` from `start` seconds."""
    at = f"{start:.3f}"
    if name == "mpv":
        # --no-terminal: mpv neither reads keys from nor writes to the terminal it came from.
        return [program, "--no-terminal", f"--start={at}", "--", str(media)]
    return [program, "-hide_banner", "-loglevel", "quiet", "-autoexit", "-ss", at, str(media)]


@dataclass(frozen=True)
class PlayOutcome:
    """What a play key did, for the screen to say."""

    notice: str
    """One sentence: what plays, or why nothing does and what to do."""
    played: bool = False
    copy: str | None = None
    """A time code to put on the clipboard instead (no player installed): the notice is said
    with the copy's own, which says whether it arrived."""
    error: bool = False


class Player:
    """Starts the player; remembers the one it started last, to end it before the next."""

    def __init__(
        self,
        *,
        which: Callable[[str], str | None] = shutil.which,
        settle: float = SETTLE_SECONDS,
    ) -> None:
        self.which = which
        self.settle = settle
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def play(self, media: str | Path | None, moment: float, lead: float = LEAD_SECONDS):
        """Play `media` from `moment` (seconds on the recording) less `lead`."""
        timecode = format_elapsed(moment)
        if not media:
            return PlayOutcome(
                "No audio or video file is attached to this session: attach it with "
                "`fieldnote attach SESSION TRANSCRIPT --media FILE` (or m on the sessions screen).",
                error=True,
            )
        path = Path(media)
        if not path.is_file():
            return PlayOutcome(
                f"The recording {visible(str(path))} is not there any more: attach it again "
                "with --media, or put the file back.",
                error=True,
            )
        found = find_player(self.which)
        if found is None:
            return PlayOutcome(
                f"No player to play the recording: {INSTALL_HINT}. Its time code is {timecode}.",
                copy=timecode,
            )
        name, program = found
        start = start_second(moment, lead)
        command = player_command(name, program, path.resolve(), start)
        with self._lock:
            self._stop_locked()
            try:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                    close_fds=True,
                )
            except OSError as error:
                return PlayOutcome(
                    f"{name} could not be started ({visible(error.strerror or str(error))}): "
                    f"check that {visible(program)} runs, or {INSTALL_HINT} again.",
                    error=True,
                )
            self._process = process
        threading.Thread(target=process.wait, name="fieldnote-player-reaper", daemon=True).start()
        try:
            status = process.wait(timeout=self.settle)
        except subprocess.TimeoutExpired:
            status = None  # still playing: as it should be
        if status:
            return PlayOutcome(
                f"{name} stopped at once (exit status {status}): check that "
                f"{visible(path.name)} plays in {name}.",
                error=True,
            )
        return PlayOutcome(
            f"Playing {visible(path.name)} in {name} from {format_elapsed(start)}.", played=True
        )

    def stop(self) -> None:
        """End the player this process started last, if it still plays."""
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
