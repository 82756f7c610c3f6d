"""The interview clock: start, pause, resume, and the offset to a recording.

The clock is stored as wall time (when it last started running, and the seconds banked before
that) so it survives a restart and reads the same in every co-interviewer's instance. `now` is
always passed in: the app injects a clock function, tests freeze it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class InterviewClock:
    banked: float = 0.0
    """Seconds counted before the current run."""
    running_since: str | None = None
    """UTC ISO time the clock last started or resumed; None while paused or not started."""
    recording_offset: float = 0.0
    """Seconds the recording had been running when the clock read 0 (positive: it began earlier)."""
    closed_at: str | None = None
    """UTC ISO time the last open instance closed and so paused the clock; None otherwise. The
    next one to open asks whether the time away counts."""

    @property
    def running(self) -> bool:
        return self.running_since is not None

    @property
    def started(self) -> bool:
        # Paused by the last instance closing counts too, even if no second had passed yet.
        return self.running or self.banked > 0 or self.closed_at is not None

    def elapsed(self, now: datetime) -> float:
        if self.running_since is None:
            return self.banked
        return self.banked + max(0.0, (now - from_iso(self.running_since)).total_seconds())

    def start(self, now: datetime) -> None:
        if not self.running:
            self.running_since = to_iso(now)
        self.closed_at = None

    def pause(self, now: datetime) -> None:
        if self.running:
            self.banked = round(self.elapsed(now), 3)
            self.running_since = None
        self.closed_at = None

    def pause_on_close(self, now: datetime) -> None:
        """Everyone left: stop counting, and remember when, for the next one to open."""
        if self.running:
            self.pause(now)
            self.closed_at = to_iso(now)

    def resume_after_close(self, now: datetime, *, count_time_away: bool) -> None:
        """Back after a close: count the time away (the interview went on), or continue from
        the reading at the pause."""
        if self.closed_at is None or self.running:
            return
        self.running_since = self.closed_at if count_time_away else to_iso(now)
        self.closed_at = None

    def to_doc(self) -> dict:
        return {
            "banked": self.banked,
            "running_since": self.running_since,
            "recording_offset": self.recording_offset,
            "closed_at": self.closed_at,
        }

    @classmethod
    def from_doc(cls, doc: dict | None) -> InterviewClock:
        doc = doc or {}
        return cls(
            banked=float(doc.get("banked", 0.0)),
            running_since=doc.get("running_since"),
            recording_offset=float(doc.get("recording_offset", 0.0)),
            closed_at=doc.get("closed_at"),
        )


def recording_offset(session: Mapping[str, Any]) -> float:
    """A session document's recording offset in seconds (its clock's `recording_offset`): 0
    when it has none or a script wrote one that is no number."""
    clock = session.get("clock") or {}
    try:
        return float(clock.get("recording_offset") or 0.0)
    except (TypeError, ValueError, AttributeError):
        return 0.0
