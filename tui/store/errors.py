"""What can go wrong with the files on disk, each as one sentence a user can act on."""

from __future__ import annotations

import errno
from pathlib import Path


class StoreError(Exception):
    """Base of every store error; `str(error)` is one sentence a user can act on."""


class UnreadableFileError(StoreError):
    """A file that is not valid JSON or not shaped as expected; it is never overwritten."""

    def __init__(self, path: Path, problem: str, *, repairable: bool = False) -> None:
        """`repairable`: `fieldnote repair` mends it (a journal's damage always is)."""
        self.path = Path(path)
        self.problem = problem
        self.repairable = repairable
        session_id = repairable_session(self.path, repairable)
        if session_id is None:
            advice = "so repair it or move it out of the folder to continue"
        else:
            # Moving a session's file or journal out would drop every note in it.
            advice = (
                f"so run fieldnote repair {session_id}, which keeps every readable change "
                "and the originals beside it"
            )
        super().__init__(f"Cannot read {self.path}: {problem}; it is left untouched, {advice}.")


def repairable_session(path: Path, repairable: bool) -> str | None:
    """The session id when `fieldnote repair` mends `path`'s damage: any in a session's
    journal, and what the caller says is repairable in the session file."""
    if path.parent.name != "sessions" or path.name.startswith("."):
        return None
    if path.name.endswith(".json.journal"):
        return path.name.removesuffix(".json.journal")
    if repairable and path.name.endswith(".json"):
        return path.name.removesuffix(".json")
    return None


class SessionNotFoundError(StoreError):
    """No session matches what the user typed."""


class AmbiguousSessionError(StoreError):
    """More than one session matches what the user typed."""

    def __init__(self, message: str, candidates: list[str]) -> None:
        self.candidates = candidates
        super().__init__(message)


_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the folder is read-only",
    errno.EACCES: "permission was denied",
    errno.EPERM: "permission was denied",
    errno.EIO: "the disk reported an input/output error",
}


def describe_os_error(error: OSError) -> str:
    if error.errno in _REASONS:
        return _REASONS[error.errno]
    return (error.strerror or str(error)).rstrip(".").lower() if error.errno else str(error)


class WriteFailedError(StoreError):
    """A write that did not reach the disk; the file on disk is exactly as it was before."""

    def __init__(self, path: Path, error: OSError, what: str = "change") -> None:
        self.path = Path(path)
        self.errno = error.errno
        self.reason = describe_os_error(error)
        self.advice = write_advice(error.errno, "fix the folder")
        # Nothing here claims the change is "kept in memory": a command is about to exit, and
        # the live screen says so itself while it retries.
        self.kept = (
            "nothing was written" if what == "new session" else "the file on disk is unchanged"
        )
        super().__init__(self.failed(f"save the {what} to"))

    def failed(self, doing: str) -> str:
        """The sentence for what was being done (`save the clock in`): a queue of changes
        to one file names the change that failed, not the one the file was opened for."""
        return (
            f"Could not {doing} {self.path} because {self.reason}; {self.kept}, "
            f"so {self.advice} and retry."
        )


_ADVICE = {
    errno.ENOSPC: "free some space",
    errno.EDQUOT: "free some space",
    errno.EROFS: "make the folder writable again",
    errno.EACCES: "give yourself write permission on the folder",
    errno.EPERM: "give yourself write permission on the folder",
    errno.ENOENT: "create the folder",
}


def write_advice(code: int | None, otherwise: str) -> str:
    """What cures a write that failed with `code` ("free some space"), else `otherwise`."""
    return _ADVICE.get(code, otherwise) if code is not None else otherwise


class DataFolderError(StoreError):
    """The data folder is missing and cannot be created (any command, reading or writing)."""

    def __init__(self, path: Path, error: OSError) -> None:
        self.path = Path(path)
        self.reason = describe_os_error(error)
        super().__init__(
            f"Cannot use the data folder {self.path} because {self.reason}; "
            "set FIELDNOTE_HOME to a folder you can write to."
        )


class LockHeldError(StoreError):
    """Another process held a file's lock for longer than a write waits."""

    def __init__(self, path: Path, waited: float, holder: str | None) -> None:
        self.path = Path(path)
        self.holder = holder
        who = f"another process ({holder})" if holder else "another process"
        super().__init__(
            f"{who} has held the lock on {self.path} for over {waited:g} s; "
            "wait for it to finish (or end it if it hung) and try again."
        )


class SymlinkRefusedError(StoreError):
    """A symbolic link where Fieldnote keeps a file of its own; it is never followed."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        super().__init__(
            f"{self.path} is a symbolic link, which Fieldnote does not follow in its data "
            "folder; remove it (or put the real file there) and retry."
        )
