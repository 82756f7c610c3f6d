"""`fieldnote sync` of a study of 200 sessions x 100 notes, beside git alone on the same change.

Two laptops share the study through a bare repository. Each round, both code 50 notes (two in
each of the same 25 sessions, so 25 files changed on both sides and merged by document id);
one syncs, then the other's sync is timed: fold the journals, commit, fetch, merge, check what
came, write the merged files, push. The floor is git alone doing the same round on a copy of
the same repositories taken just before: `git add`, `git commit`, `git pull` (its merge driver
set to keep ours, the cheapest merge git can do) and `git push`. Budget: under 2 s.
Then a sync that only receives is timed: the other laptop coded a note in every session, and
this one takes in all of them (each file checked, and read for the values left undecided).
Run: python -m benchmarks.bench_sync [--quick]
"""

from __future__ import annotations

import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.fixtures import seed_session
from benchmarks.targets import record
from tui.services.sync.study import Study
from tui.store import DataStore
from tui.store.storage import AtomicJSONStorage

SESSIONS = 200
NOTES = 100
CODINGS = 50
SHARED_SESSIONS = 25
BUDGET_MS = 2000.0


def _git(home: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(home), *args], check=True, capture_output=True)


def _code(home: Path, coder: str, session_ids: list[str], rng: random.Random, round_: int) -> None:
    """`CODINGS` codings by `coder`, spread evenly over `session_ids`."""
    store = DataStore(home)
    at = f"2026-12-0{round_ + 1}T10:00:00.000Z"
    for n in range(CODINGS):
        session = store.open_session(session_ids[n % len(session_ids)])
        note = rng.choice(session.read().notes)
        tag = f"theme-{rng.randrange(40)}"

        def add(doc: dict, tag: str = tag) -> dict:
            codings = doc.get("codings") or [
                {"tag": t, "coder": "unknown", "at": None} for t in doc["tags"]
            ]
            if any(c["tag"] == tag and c["coder"] == coder for c in codings):
                return {}
            codings = [*codings, {"tag": tag, "coder": coder, "at": at}]
            return {"codings": codings, "tags": list(dict.fromkeys(c["tag"] for c in codings))}

        session.change_note(note["id"], add)
        session.close()
    store.codebook.record_use([f"theme-{round_}"], at)
    store.codebook.close()


def _code_every_session(home: Path, coder: str, session_ids: list[str], round_: int) -> None:
    """One coding by `coder` on the first note of each session: every file changes."""
    store = DataStore(home)
    coding = {"tag": f"every-{round_}", "coder": coder, "at": "2026-12-07T10:00:00.000Z"}
    for session_id in session_ids:
        session = store.open_session(session_id)
        note = session.read().notes[0]
        codings = [*(note.get("codings") or []), coding]
        tags = list(dict.fromkeys([*note["tags"], coding["tag"]]))
        session.change_note(note["id"], lambda doc, c=codings, t=tags: {"codings": c, "tags": t})
        session.close()
    store.codebook.close()


def _fold_all(home: Path) -> None:
    for path in sorted((home / "sessions").glob("*.json")):
        storage = AtomicJSONStorage(path, journal=True)
        with storage.locked():
            storage.fold_journal()
        storage.close()


def _git_alone_ms(home: Path, remote: Path) -> float:
    """The floor: git's own commit, pull and push of the same change (journals folded first,
    untimed: that is Fieldnote's work)."""
    _fold_all(home)
    _git(home, "remote", "set-url", "origin", str(remote))
    began = time.perf_counter()
    _git(home, "add", "-A")
    _git(home, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "git alone")
    _git(
        home,
        "-c", "merge.fieldnote.driver=true",
        "-c", "user.name=b",
        "-c", "user.email=b@b",
        "pull", "-q", "--no-rebase", "--no-edit", "origin", "main",
    )  # fmt: skip
    _git(home, "push", "-q", "origin", "HEAD:main")
    return (time.perf_counter() - began) * 1000


def run(quick: bool = False) -> dict:
    sessions = SESSIONS // 4 if quick else SESSIONS
    rounds = 1 if quick else 3
    rng = random.Random(7)
    sync_ms, floor_ms, receive_ms = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        remote = root / "study.git"
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
        ana, bo = root / "ana", root / "bo"
        store = DataStore(ana)
        ids = [
            seed_session(store, NOTES, lambda i: f"note {i} about the trial #setup", title=f"P{s}")
            for s in range(sessions)
        ]
        store.codebook.close()
        Study(ana, "ana").init(str(remote))
        DataStore(bo).codebook.close()  # the data folder, as the CLI makes it
        Study(bo, "bo").init(str(remote))
        for round_ in range(rounds):
            shared = rng.sample(ids, SHARED_SESSIONS)
            _code(ana, "ana", shared, rng, round_)
            _code(bo, "bo", shared, rng, round_)
            Study(ana, "ana").sync()
            copy = root / f"copy-{round_}"
            shutil.copytree(bo, copy / "bo", symlinks=True)
            shutil.copytree(remote, copy / "study.git", symlinks=True)
            floor_ms.append(_git_alone_ms(copy / "bo", copy / "study.git"))
            began = time.perf_counter()
            outcome = Study(bo, "bo").sync()
            sync_ms.append((time.perf_counter() - began) * 1000)
            assert outcome.pushed and len(outcome.received) >= SHARED_SESSIONS
        for round_ in range(rounds):
            _code_every_session(ana, "ana", ids, round_)
            Study(ana, "ana").sync()
            began = time.perf_counter()
            outcome = Study(bo, "bo").sync()
            receive_ms.append((time.perf_counter() - began) * 1000)
            assert len(outcome.received) >= sessions and not outcome.pushed
    sync, floor = statistics.median(sync_ms), statistics.median(floor_ms)
    print(
        f"sync of {sessions} sessions x {NOTES} notes, {CODINGS} new codings on each side "
        f"({SHARED_SESSIONS} files changed on both sides), median of {rounds}:"
    )
    print(
        f"  fieldnote sync: {sync:.0f} ms (budget {BUDGET_MS:.0f}) "
        + ("met" if sync < BUDGET_MS else "MISSED")
    )
    print(f"  git alone (add, commit, pull, push of the same change): {floor:.0f} ms")
    receive = statistics.median(receive_ms)
    print(f"  fieldnote sync taking in all {sessions} sessions, nothing to push: {receive:.0f} ms")
    record(
        f"sync, {sessions} sessions, 50+50 codings < 2 s",
        f"{sync:.0f} ms",
        f"git alone {floor:.0f} ms",
        sync < BUDGET_MS,
    )
    return {"sync_ms": sync, "git_alone_ms": floor, "receive_ms": receive}


if __name__ == "__main__":
    run(quick="--quick" in sys.argv[1:])
