"""Codebook work and study reads keep no session file open, counted in /proc/self/fd; a
report on more sessions than descriptors works (a real `ulimit -n` in a subprocess)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
from datetime import UTC, datetime

from tui.cli import main
from tui.services.analysis import StudyAnalysis
from tui.services.session_setup import append_note_now, create_session
from tui.services.tag_ops import merge_preview, rename_tag, tag_usage
from tui.services.tag_writes import TagWrites
from tui.services.tagging import TaggingModel, scope_session_ids
from tui.store import DataStore

NOW = "2026-01-01T00:00:00.000Z"


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_descriptors_stay_flat_over_1000_codebook_edits_on_200_sessions(tmp_path):
    store = DataStore(tmp_path)
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for n in range(200):
        sid = create_session(store, title=f"S{n}", extra={"study": f"study-{n % 20}"})
        if n % 10 == 0:
            append_note_now(store, sid, "gave up #pain/onboarding", "Ana", now=lambda: moment)
        ids.append(sid)
    tag_usage(store)  # first use opens the codebook for good
    before = open_descriptors()
    for edit in range(1000):
        # What the codebook screen does: an edit, then usage recounted for what it shows.
        store.codebook.update("pain/onboarding", {"description": f"edit {edit}"})
        scope = scope_session_ids(store, "study", ids[edit % 200])
        assert len(scope) == 10
        usage = tag_usage(store, scope)
        if edit % 100 == 0:
            usage = tag_usage(store)
            assert usage["pain/onboarding"].excerpts == 20
            rename_tag(store, "pain/onboarding", "pain/onboarding", NOW)
        assert open_descriptors() <= before, f"descriptors grew by edit {edit}"


def test_asking_before_a_merge_holds_no_session_file_open(tmp_path):
    # The codebook's m counts what a merge would change before it asks: once per target
    # tried, over every session. Each count kept one descriptor per session open.
    store = DataStore(tmp_path)
    ids = many_sessions(store, 30)
    store.codebook.ensure(["pain/setup"], NOW)
    merge_preview(store, "pain/onboarding", "pain/setup")  # the codebook is opened for good
    before = open_descriptors()
    for _ in range(20):
        preview = merge_preview(store, "pain/onboarding", "pain/setup")
        assert (preview.changes, preview.sessions) == (len(ids), len(ids))
    assert open_descriptors() <= before


def many_sessions(store: DataStore, count: int) -> list[str]:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for n in range(count):
        sid = create_session(store, title=f"S{n}", participant=f"P{n}", study="Big")
        append_note_now(store, sid, f"note {n} #pain/onboarding", "Ana", now=lambda: moment)
        ids.append(sid)
    return ids


def test_a_study_read_holds_no_session_file_open(tmp_path):
    store = DataStore(tmp_path)
    many_sessions(store, 60)
    service = StudyAnalysis(store, "Big")
    service.refresh(force=True)  # the codebook is opened for good on first use
    before = open_descriptors()
    peak = before
    real_open = store.open_session

    def counting_open(session_id):
        nonlocal peak
        peak = max(peak, open_descriptors())
        return real_open(session_id)

    store.open_session = counting_open
    append_note_now(store, many_sessions(store, 1)[0], "one more", "Ana")
    view = service.refresh()
    assert view.analysis.session_count == 61 and not view.problems
    assert peak <= before + 1 and open_descriptors() <= before
    service.close()


def run_limited(argv: list[str], home, limit: int) -> subprocess.CompletedProcess:
    def limit_descriptors() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "tui", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "FIELDNOTE_HOME": str(home)},
        preexec_fn=limit_descriptors,
    )


def test_a_report_on_more_sessions_than_descriptors(tmp_path):
    many_sessions(DataStore(tmp_path), 200)
    done = run_limited(["report", "--study", "Big"], tmp_path, 64)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "200 sessions, 200 participants, 200 notes" in done.stdout


def test_a_report_missing_a_session_is_no_report(tmp_path, capsys, monkeypatch):
    store = DataStore(tmp_path)
    ids = many_sessions(store, 3)
    (tmp_path / "sessions" / f"{ids[1]}.json.journal").write_bytes(b"not json\n")
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path))
    out = tmp_path / "report.md"
    assert main(["report", "-o", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and err[0].startswith("fieldnote: left out: Cannot read ")
    assert "so no report was made" in err[1] and not out.exists()


def test_closing_while_the_loader_is_mid_way(tmp_path):
    """The screen quits while its worker reads: nothing fails, nothing leaks, and the refresh
    gives nothing to draw. The worker is held inside its third file read (an injected hold,
    not a sleep) while closing. The study index it is filling is shared, so its scan of the
    files goes on to the end (the next screen starts from it)."""
    store = DataStore(tmp_path)
    many_sessions(store, 10)
    service = StudyAnalysis(store, "Big")
    store.codebook.tags()
    before = open_descriptors()
    mid_way, go_on = threading.Event(), threading.Event()
    read = []
    real_read = store.read_session_data

    def held_read(path):
        read.append(path)
        if len(read) == 3:
            mid_way.set()
            assert go_on.wait(30)
        return real_read(path)

    store.read_session_data = held_read
    results, errors = [], []

    def load() -> None:
        try:
            results.append(service.refresh(force=True))
        except BaseException as error:  # what the worker would die of
            errors.append(error)

    loader = threading.Thread(target=load)
    loader.start()
    assert mid_way.wait(30)
    service.close()
    go_on.set()
    loader.join(30)
    assert not loader.is_alive() and errors == [] and results == [None]
    assert open_descriptors() <= before


def test_a_tagging_scope_over_every_session_holds_no_file_open(tmp_path):
    """The tagging screen over all sessions reads each file and lets its descriptors go; a
    tag written to one of them opens that one only while writing."""
    store = DataStore(tmp_path)
    many_sessions(store, 1)
    writes = TagWrites(store)
    warm = TaggingModel(writes, scope="all", origin=None, session_ids=None)
    warm.take(warm.read(warm.begin_read(resolve=True, with_index=True)))  # codebook opened
    many_sessions(store, 80)
    before = open_descriptors()
    model = TaggingModel(writes, scope="all", origin=None, session_ids=None)
    loaded = model.read(model.begin_read(resolve=True, with_index=True))
    assert len(loaded.session_ids) == 81 and not loaded.problems
    assert open_descriptors() <= before + 1
    model.take(loaded)
    first = model.shown[0]
    model.apply_tag(first, "pain/onboarding", datetime(2026, 1, 2, tzinfo=UTC))
    assert writes.flush()
    assert open_descriptors() <= before + 1
    writes.close()
