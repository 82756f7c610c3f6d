"""Notes meet the recording: align 500 notes and check their quotes against a 2-hour transcript
of 2,400 cues (`fieldnote align` and `fieldnote quotes`' work, the session and its recording
read from disk), beside a naive scan that scores every cue for every note and every quote.

Fieldnote searches only the cues of the minute around each note's moment (bisection over the
cue times), so a note costs the same in a short and a long recording; the naive scan's cost
grows with the recording.

Budget (issue 21): under 1 s.
Run: python -m benchmarks.bench_recording [--quick]
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from rapidfuzz import fuzz

from benchmarks.fixtures import START
from benchmarks.targets import record
from tui.domain.clock import InterviewClock, to_iso
from tui.domain.guide import Guide
from tui.domain.notes import Note, new_id
from tui.domain.quotes import quote_words
from tui.domain.recording import LINK_SCORE, Recording, RecordingCue, fold
from tui.services import recording
from tui.store import DataStore

CUES = 2400
SECONDS_PER_CUE = 3.0
NOTES = 500
BUDGET_SECONDS = 1.0
WORDS = (
    "we the tool spreadsheet export invite team week trial setup manager pricing data report "
    "calendar slot morning sheet login password email support onboarding dashboard customer "
    "account billing meeting schedule import folder sync laptop phone reminder project shift"
).split()


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))).capitalize() + "."


def _misquoted(words: str, rng: random.Random) -> str:
    parts = words.rstrip(".").split()
    parts.pop(rng.randrange(len(parts)))  # a word left out, as a note-taker does
    return " ".join(parts)


def build(home: Path) -> tuple[str, list[dict]]:
    """A session of `NOTES` notes spread over two hours (a third quotes, some invented), and a
    transcript of `CUES` cues attached to it. Returns its id and the notes."""
    rng = random.Random(21)
    store = DataStore(home)
    cues = [
        RecordingCue(new_id(), i * SECONDS_PER_CUE, (i + 1) * SECONDS_PER_CUE - 0.2, "P", "")
        for i in range(CUES)
    ]
    cues = [
        RecordingCue(c.id, c.start, c.end, rng.choice(("P7", "Maya")), _sentence(rng)) for c in cues
    ]
    session_id = new_id()
    notes = []
    span = CUES * SECONDS_PER_CUE
    for n in range(NOTES):
        elapsed = 20.0 + n * (span - 40.0) / NOTES
        said = cues[int((elapsed - 8.0) // SECONDS_PER_CUE)].text
        kind = n % 6
        if kind == 0:
            text = f'"{said.rstrip(".")}'
        elif kind == 1:
            text = f'"{_misquoted(said, rng)} #pain'
        elif kind == 2:
            text = f'"{_sentence(rng)}'  # invented
        else:
            text = f"{_misquoted(said, rng)} (paraphrase)"
        notes.append(
            Note.from_typed(
                text,
                session_id=session_id,
                author="Maya",
                started_at=to_iso(START + timedelta(seconds=elapsed)),
                elapsed=elapsed,
                question_id=None,
            ).to_doc()
        )
    session = {
        "id": session_id,
        "title": "Bench recording",
        "participant": "P7",
        "goal": "",
        "created_at": to_iso(START),
        "clock": InterviewClock(banked=span).to_doc(),
    }
    store.create_session(session, Guide().to_doc(), notes=notes).close()
    doc = Recording("bench.vtt", None, to_iso(START), tuple(cues)).to_doc()
    session_file = store.open_session(session_id)
    session_file.attach_recording(doc, None)
    session_file.close()
    return session_id, notes


def fieldnote_pass(store: DataStore, session_id: str) -> tuple[int, int]:
    loaded = recording.load(store, session_id)
    assert loaded is not None
    links = loaded.links()
    checks = loaded.quote_checks()
    return len(links), sum(check.found for check in checks.values())


def naive_pass(notes: list[dict], cues: tuple[RecordingCue, ...]) -> int:
    """Every cue scored for every note (its link) and aligned for every quote."""
    texts = [fold(cue.text) for cue in cues]
    found = 0
    for note in notes:
        needle = fold(quote_words(note["text"]))
        best = max(
            max(fuzz.partial_ratio(needle, text), fuzz.token_set_ratio(needle, text))
            for text in texts
        )
        found += best >= LINK_SCORE
        if note["kind"] == "quote":
            max((fuzz.partial_ratio_alignment(needle, text) for text in texts), key=_score)
    return found


def _score(alignment) -> float:
    return alignment.score if alignment is not None else 0.0


def run(quick: bool = False) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = DataStore(Path(folder) / "data")
        session_id, notes = build(store.home)
        runs = 3 if quick else 7
        times, counts = [], (0, 0)
        for _ in range(runs):
            began = time.perf_counter()
            counts = fieldnote_pass(store, session_id)
            times.append(time.perf_counter() - began)
        median = statistics.median(times)
        store.codebook.close()
        cues = recording.load(DataStore(store.home), session_id).recording.cues
    sample = notes[: NOTES // 5] if quick else notes
    began = time.perf_counter()
    naive_pass(sample, cues)
    naive = (time.perf_counter() - began) * len(notes) / len(sample)
    scaled = " (a fifth run, scaled)" if quick else ""
    print(
        f"{NOTES} notes, {CUES} cues: {counts[0]} linked, {counts[1]} quotes found; "
        f"median {median * 1000:.0f} ms over {runs} runs; naive scan {naive:.2f} s{scaled}"
    )
    record(
        f"align + quote-check {NOTES} notes, {CUES} cues: < {BUDGET_SECONDS:g} s",
        f"{median * 1000:.0f} ms",
        f"naive scan of every cue {naive:.2f} s{scaled}",
        median < BUDGET_SECONDS,
    )


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
