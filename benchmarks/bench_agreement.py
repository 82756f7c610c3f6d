"""Agreement of two coders over a study of 200 sessions x 100 notes: `fieldnote agree --study`'s
work (find the study's sessions, read them, compute kappa, alpha, overlaps and disagreements),
beside a floor: reading and parsing every session file once, with nothing computed.

Budget (issue 20): under 2 s.
Run: python -m benchmarks.bench_agreement [--quick]
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import orjson

from benchmarks.fixtures import START
from benchmarks.targets import record
from tui.domain.clock import to_iso
from tui.domain.codings import with_coding
from tui.domain.notes import Note
from tui.services.session_setup import create_session
from tui.services.team.agreement import compute, load, study_sessions
from tui.store import DataStore

SESSIONS = 200
NOTES = 100
CODES = 30
STUDY = "Bench"
BUDGET_SECONDS = 2.0
WORDS = "the tool forgets recurring slots so she keeps a spreadsheet beside it every morning"


def build(home: Path, sessions: int = SESSIONS) -> None:
    """Two coders: ana codes 0-2 codes a note; bo agrees with most of them and adds a few."""
    store = DataStore(home)
    names = [f"area{i % 6}/code-{i}" for i in range(CODES)]
    rng = random.Random(20)
    at = to_iso(START)
    for s in range(sessions):
        start = START + timedelta(days=s)
        session_id = create_session(store, title=f"Bench {s}", now=start, study=STUDY)
        notes = []
        for i in range(NOTES):
            doc = Note.from_typed(
                f"{WORDS} ({s}.{i})",
                session_id=session_id,
                author="ana",
                started_at=to_iso(start + timedelta(seconds=30 * i)),
                elapsed=30.0 * i,
                question_id=None,
            ).to_doc()
            for tag in rng.sample(names, rng.choice((0, 1, 1, 2))):
                doc.update(with_coding(doc, tag, "ana", at))
                if rng.random() < 0.75:
                    doc.update(with_coding(doc, tag, "bo", at))
            if rng.random() < 0.1:
                doc.update(with_coding(doc, rng.choice(names), "bo", at) or {})
            notes.append(doc)
        session_file = store.open_session(session_id)
        session_file.append_notes(notes)
        for i in range(0, NOTES, 25):  # a span each on a few notes, overlapping
            for coder, (lo, hi) in (("ana", (4, 30)), ("bo", (10, 40))):
                span = {"id": f"{coder}{s}.{i}", "note_id": notes[i]["id"], "start": lo, "end": hi}
                span.update({"tags": [], "severity": None})
                span.update(with_coding(span, names[i % CODES], coder, at))
                session_file.add_excerpt(span)
        session_file.close()
    store.codebook.ensure(names, at)
    store.codebook.close()


def floor(home: Path) -> float:
    """Read and parse every session file once (their journals folded in), nothing else."""
    folder = home / "sessions"
    began = time.perf_counter()
    for path in sorted(folder.glob("*.json")):
        orjson.loads(path.read_bytes())
        journal = path.with_name(path.name + ".journal")
        if journal.exists():
            [orjson.loads(line) for line in journal.read_bytes().splitlines() if line]
    return time.perf_counter() - began


def agreement(home: Path) -> tuple[float, object]:
    store = DataStore(home)
    began = time.perf_counter()
    result = compute(load(store, study_sessions(store, STUDY)))
    took = time.perf_counter() - began
    store.codebook.close()
    return took, result


def run(quick: bool = False) -> None:
    sessions = 20 if quick else SESSIONS
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "data"
        build(home, sessions)
        floors, takes = [], []
        for _ in range(3):
            floors.append(floor(home))
            took, result = agreement(home)
            takes.append(took)
        pain = result.study.pairs[0]
        print(
            f"study: {sessions} sessions x {NOTES} notes, {CODES} codes, coders {result.coders}; "
            f"kappa {pain.kappa:.3f}, alpha {result.study.alpha:.3f}, "
            f"{len(result.disagreements)} disagreements"
        )
        floor_took, took = statistics.median(floors), statistics.median(takes)
        print(f"floor (read + parse each file once): median {floor_took:.3f} s")
        verdict = "met" if took < BUDGET_SECONDS else "MISSED"
        print(
            f"agreement of two coders: median {took:.3f} s (budget {BUDGET_SECONDS} s: {verdict})"
        )
        record(
            f"agreement of 2 coders, {sessions} x {NOTES} notes: < {BUDGET_SECONDS:g} s",
            f"{took:.2f} s",
            f"floor: read + parse each file once {floor_took:.2f} s",
            met=took < BUDGET_SECONDS,
        )


if __name__ == "__main__":
    run(quick="--quick" in sys.argv[1:])
