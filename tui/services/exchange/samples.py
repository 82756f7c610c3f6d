"""Load the shipped example studies (sample_sessions/) into a data folder, for `fieldnote demo`.

Layout: `<study>/study.json` ({"study", "goal", "guide", "sessions": [file, ...]}), the guide
in Markdown, and one JSON file per interview:
{"title", "participant", "interviewers", "started_at", "recording_offset", "transcript"
 (optional: a WebVTT file beside it, attached to the session as its recording's transcript),
 "notes": [{"at": "mm:ss", "author", "q": question number, "text", "severity" (optional:
 1-5, as rated on the tagging screen)}], "asked", "skipped", "current"}
Question numbers are 1-based across the whole guide.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from tui.domain.clock import InterviewClock, from_iso, to_iso
from tui.domain.guide import GuideState, parse_guide
from tui.domain.notes import Note, new_id, parse_elapsed
from tui.domain.ratings import with_rating
from tui.services.recording import attach
from tui.services.resources import shipped_folder
from tui.services.session_setup import create_session
from tui.store import DataStore


def sample_studies(folder: Path | None = None) -> list[Path]:
    folder = folder or shipped_folder("sample_sessions")
    return sorted(path.parent for path in folder.glob("*/study.json"))


def load_study(store: DataStore, study_dir: Path) -> list[str]:
    """Create every session of one study; returns their ids in the study's order."""
    study = json.loads((study_dir / "study.json").read_text(encoding="utf-8"))
    guide_path = study_dir / study["guide"]
    guide = parse_guide(guide_path.read_text(encoding="utf-8"), source=str(guide_path))
    ids = [q.id for q in guide.questions]
    created = []
    for name in study["sessions"]:
        data = json.loads((study_dir / name).read_text(encoding="utf-8"))
        began = from_iso(data["started_at"])
        notes = []
        first_at: dict[str, float] = {}
        for raw in data["notes"]:
            elapsed = parse_elapsed(raw["at"])
            question = ids[raw["q"] - 1] if raw.get("q") else None
            if question:
                first_at.setdefault(question, elapsed)
            note = Note.from_typed(
                raw["text"],
                session_id="",
                author=raw["author"],
                started_at=to_iso(began + timedelta(seconds=elapsed)),
                elapsed=elapsed,
                question_id=question,
            )
            rated = with_rating({}, raw.get("severity"), note.author, note.started_at)
            if rated is not None:  # rated by the note's author, as the tagging screen records
                note.severity, note.kept["ratings"] = rated["severity"], rated["ratings"]
            notes.append(note)
        state = GuideState(current=ids[data["current"] - 1] if data.get("current") else ids[0])
        for number in data.get("asked", []):
            state.mark(ids[number - 1], "asked")
        for number in data.get("skipped", []):
            state.mark(ids[number - 1], "skipped")
        for qid, mark in state.marks.items():
            if mark == "asked" and qid in first_at:
                at = max(0.0, first_at[qid] - 5)
                notes.append(
                    Note(
                        new_id(),
                        "",
                        data["interviewers"][0],
                        guide.question(qid).text,
                        "asked",
                        to_iso(began + timedelta(seconds=at)),
                        at,
                        qid,
                    )
                )
        end = max((n.elapsed for n in notes), default=0.0)
        clock = InterviewClock(
            banked=end + 30, recording_offset=float(data.get("recording_offset", 0))
        )
        session_id = create_session(
            store,
            title=data["title"],
            participant=data["participant"],
            goal=study["goal"],
            guide=guide,
            now=began,
            extra={
                "study": study["study"],
                "interviewers": data["interviewers"],
                "clock": clock.to_doc(),
            },
        )
        session_file = store.open_session(session_id)
        session_file.update_guide_state(current=state.current, marks=dict(state.marks))
        docs = []
        for note in sorted(notes, key=lambda n: n.elapsed):
            note.session_id = session_id
            docs.append(note.to_doc())
        session_file.append_notes(docs)
        tags = sorted({t for n in notes for t in n.tags})
        if tags:
            store.codebook.ensure(tags, to_iso(began))
            for note in notes:
                if note.tags:
                    store.codebook.record_use(list(note.tags), note.started_at)
        if data.get("transcript"):
            transcript = study_dir / data["transcript"]
            attach(store, session_id, transcript, now=began + timedelta(seconds=end))
        created.append(session_id)
    return created
