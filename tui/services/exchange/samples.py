"""Load the shipped example studies (sample_sessions/) into a data folder, for `fieldnote demo`.

Layout: `<study>/study.json` ({"study", "goal", "guide", "sessions": [file, ...]}), the guide
in Markdown, and one JSON file per interview:
{"title", "participant", "interviewers", "started_at", "recording_offset", "transcript"
 (optional: a WebVTT file beside it, attached to the session as its recording's transcript),
 "notes": [{"at": "mm:ss", "author", "q": question number, "text", "severity" (optional:
 1-5, the author's rating during the interview), "codings", "ratings", "excerpts" (optional:
 what coders did after the interview, in the shapes of docs/data.md: codings `{"tag",
 "coder", "at"}` and ratings `{"severity", "coder", "at"}` of the whole note, beside its
 inline #tags (its author's); excerpts `{"start", "end", "codings", "ratings"}`, spans of
 the note's text)}], "asked", "skipped", "current"}
Question numbers are 1-based across the whole guide.
"""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

from tui.domain.clock import InterviewClock, from_iso, to_iso
from tui.domain.codings import with_coding
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


def _coded(doc: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """`doc` (a note's or span's fields) with the codings and ratings `raw` lists, each
    through the writers every screen uses, so `tags` and `severity` agree with them."""
    for c in raw.get("codings", []):
        doc.update(with_coding(doc, c["tag"], c["coder"], c["at"]) or {})
    for r in raw.get("ratings", []):
        doc.update(with_rating(doc, r["severity"], r["coder"], r["at"]) or {})
    return doc


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
        spans: list[dict[str, Any]] = []
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
            # Rated by the note's author, as the tagging screen records; then coded after.
            coded = {"codings": note.codings, "tags": note.tags}
            coded.update(with_rating({}, raw.get("severity"), note.author, note.started_at) or {})
            _coded(coded, raw)
            note.codings, note.tags = coded["codings"], coded["tags"]
            if "ratings" in coded:
                note.severity, note.kept["ratings"] = coded["severity"], coded["ratings"]
            notes.append(note)
            spans += [
                _coded(
                    {"id": new_id(), "note_id": note.id, "start": span["start"]}
                    | {"end": span["end"], "tags": [], "codings": [], "severity": None},
                    span,
                )
                for span in raw.get("excerpts", [])
            ]
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
        # The guide moved to each question as its first note was taken (the asked marks'
        # moment): without these visits the first question was current all interview long.
        visits: list[list[Any]] = []
        for at, qid in sorted((max(0.0, at - 5), qid) for qid, at in first_at.items()):
            if (visits[-1][1] if visits else ids[0]) != qid:
                visits.append([at, qid])
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
                "question_visits": visits,
            },
        )
        session_file = store.open_session(session_id)
        session_file.update_guide_state(current=state.current, marks=dict(state.marks))
        docs = []
        for note in sorted(notes, key=lambda n: n.elapsed):
            note.session_id = session_id
            docs.append(note.to_doc())
        session_file.append_notes(docs)
        for span in spans:
            session_file.add_excerpt(span)
        codings = [c for doc in [*docs, *spans] for c in doc["codings"]]
        if codings:
            store.codebook.ensure(sorted({c["tag"] for c in codings}), to_iso(began))
            # Each coding counts one use, in the order applied (as the tagging screen counts).
            codings.sort(key=lambda c: c["at"])
            for at, same in groupby(codings, key=lambda c: c["at"]):
                store.codebook.record_use([c["tag"] for c in same], at)
        if data.get("transcript"):
            transcript = study_dir / data["transcript"]
            attach(store, session_id, transcript, now=began + timedelta(seconds=end))
        created.append(session_id)
    return created
