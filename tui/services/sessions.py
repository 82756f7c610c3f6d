"""The sessions of the data folder as the sessions screen lists and changes them.

The screens speak to this, never to the store (docs/ARCHITECTURE.md); each call reads or
writes files, so the screens make it from a worker.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tui.domain.guide import Guide
from tui.services.exchange.exporting import ExportJob
from tui.services.session_setup import create_session, set_goal, set_study
from tui.services.speakers import Renamed, rename_speaker, session_people
from tui.services.study_index import study_index
from tui.store import DataStore, SessionSummary, UnreadableFileError

if TYPE_CHECKING:
    from tui.services.recording import Attached


class SessionsService:
    def __init__(self, store: DataStore) -> None:
        self.store = store

    def stand_by(self, analysis: bool = False, tagging: bool = False) -> None:
        """Called before the app starts a thread: a folder of many sessions with no study
        index gets a second process reading for the first listing (`StudyIndex.stand_by`);
        `analysis`: the analysis opens first and reads its part; `tagging`: the tagging
        screen does, and reads the small part only."""
        study_index(self.store).stand_by(digests=analysis, light=tagging and not analysis)

    def listing(self) -> tuple[list[SessionSummary], list[UnreadableFileError]]:
        """Every session, newest first, and the files that could not be read (from the study
        index: only the files changed since it last looked are read)."""
        scan = study_index(self.store).refresh()
        return scan.summaries(), scan.problems

    def relisting(
        self, shown: tuple[list[SessionSummary], list[UnreadableFileError]]
    ) -> tuple[list[SessionSummary], list[UnreadableFileError]] | None:
        """The listing again when it differs from `shown`, else None (nothing to redraw)."""
        scan = study_index(self.store).refresh()
        summaries, problems = scan.summaries(), scan.problems
        if summaries == shown[0] and list(map(str, problems)) == list(map(str, shown[1])):
            return None
        return summaries, problems

    def create(
        self, *, title: str, participant: str, goal: str, guide: Guide | None, now: datetime
    ) -> str:
        """A new session file; returns its id. Raises StoreError with a sentence."""
        return create_session(
            self.store, title=title, participant=participant, goal=goal, guide=guide, now=now
        )

    def export_job(self, session_ids: list[str], label: str) -> ExportJob:
        """An export of these sessions to offer in the export dialog."""
        return ExportJob(self.store, session_ids, label)

    def set_study(self, session_id: str, study: str) -> str:
        return set_study(self.store, session_id, study)

    def set_goal(self, session_id: str, goal: str) -> str:
        return set_goal(self.store, session_id, goal)

    def people(self, session_id: str) -> tuple[str, list[str]]:
        """The session's title and the names of its people (tui/services/speakers.py)."""
        return session_people(self.store, session_id)

    def rename_person(self, session_id: str, old: str, new: str) -> Renamed:
        return rename_speaker(self.store, session_id, old, new)

    def attached_transcript(self, session_id: str) -> tuple[str, str | None] | None:
        """The file name of the transcript attached to the session and its media file's path
        (None for none), or None."""
        from tui.services.recording import attached_files  # rapidfuzz and the parsers: later

        return attached_files(self.store, session_id)

    def attach_transcript(
        self, session_id: str, transcript: Path, media: Path | None, now: datetime
    ) -> Attached:
        """Attach (or replace) the session's transcript at its recording offset
        (tui/services/recording); RecordingError or StoreError with a sentence otherwise."""
        from tui.services.recording import attach

        return attach(self.store, session_id, transcript, media=media, now=now)
