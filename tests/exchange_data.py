"""A small study for the exchange tests: two sessions, named people, emoji, combining marks,
CJK, span excerpts, a nested tag with a description and a colour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from tui.domain.clock import to_iso
from tui.domain.guide import parse_guide
from tui.domain.notes import Note, new_id
from tui.services.session_setup import create_session
from tui.store import DataStore

if TYPE_CHECKING:
    from tui.services.exchange.study import Study

START = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
GUIDE = "## Warm-up\n- Tell me about your role.\n- Walk me through your week.\n"
PARTICIPANTS = ("Maya Okonkwo", "Łukasz Brzęczyszczykiewicz")
AUTHORS = ("Jonas Berg", "Aiko Tanaka")
TEXTS = (
    '"Maya Okonkwo here: I gave up on day two 😤👩🏽‍💻 #pain/onboarding !frustrated',
    "Café ordering: e\u0301 with a combining accent, 東京の倉庫 #pain/import",
    "*=SUM(A1:A9) typed as a note, then a [/bold] and \x1b[31mred\x1b[0m",
    "?ask Maya about the spreadsheet",
    "Maya said Łukasz keeps the 'Doors' sheet; 日本語テキスト and 🙂 again",
    "Plain note with no tags",
)


def seed(store: DataStore, study: str = "Onboarding") -> list[str]:
    ids = []
    for number, participant in enumerate(PARTICIPANTS):
        began = START + timedelta(days=number)
        session_id = create_session(
            store,
            title=f"Interview with {participant}",
            participant=participant,
            goal=f"Why {participant.split()[0]} stalled in week one",
            guide=parse_guide(GUIDE),
            now=began,
            extra={"study": study, "interviewers": list(AUTHORS)},
        )
        session_file = store.open_session(session_id)
        notes = [
            Note.from_typed(
                text,
                session_id=session_id,
                author=AUTHORS[i % 2],
                started_at=to_iso(began + timedelta(seconds=30 * i)),
                elapsed=30.0 * i,
                question_id="q1" if i < 3 else "q2",
            )
            for i, text in enumerate(TEXTS)
        ]
        session_file.append_notes([n.to_doc() for n in notes])
        session_file.update_guide_state(marks={"q1": "asked"})
        cjk = notes[1].text.index("東京")
        emoji = notes[4].text.index("🙂")
        session_file.add_excerpt(
            {
                "id": new_id(),
                "note_id": notes[1].id,
                "start": cjk,
                "end": cjk + 5,
                "tags": ["place/warehouse"],
                "severity": 3,
            }
        )
        session_file.add_excerpt(
            {
                "id": new_id(),
                "note_id": notes[4].id,
                "start": notes[4].text.index("Łukasz"),
                "end": emoji + 1,
                "tags": ["workaround/spreadsheet"],
                "severity": None,
            }
        )
        session_file.close()
        ids.append(session_id)
    store.codebook.ensure(["pain/onboarding", "pain/import", "place/warehouse"], to_iso(START))
    store.codebook.update("pain/onboarding", {"description": "Stuck in week one", "color": "red"})
    store.codebook.update("pain/import", {"color": "#2a9d8f"})
    return ids


def schema_folder() -> Path:
    """The REFI-QDA schemas shipped with the tests (tests/data/refi-qda/README.md)."""
    return Path(__file__).resolve().parent / "data" / "refi-qda"


def without_memos(data: bytes) -> bytes:
    """A qdpx as an older Fieldnote exported it: its sessions' memos (the project's Notes, the
    NoteRefs naming them and their texts: tui/services/exchange/refi_memo.py) left out."""
    import io
    import re
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as project, zipfile.ZipFile(out, "w") as older:
        qde = project.read("project.qde").decode("utf-8")
        notes = set(re.findall(r'<Note guid="([^"]+)"', qde))
        qde = re.sub(r"<NoteRef [^>]*/>", "", re.sub(r"<Notes>.*</Notes>", "", qde, flags=re.S))
        for member in project.namelist():
            if member == "project.qde":
                older.writestr(member, qde)
            elif member.removeprefix("sources/").removesuffix(".txt") not in notes:
                older.writestr(member, project.read(member))
    return out.getvalue()


def read_back(data: bytes, folder: Path, now: datetime = START) -> tuple[DataStore, Study]:
    """An exported qdpx imported into a new data folder, and the study it made there."""
    from tui.services.exchange.importing import import_files
    from tui.services.exchange.study import read_study

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "study.qdpx"
    path.write_bytes(data)
    other = DataStore(folder / "other")
    result = import_files(other, [path], now=now)
    return other, read_study(other, [sid for sid, _, _ in result.sessions])
