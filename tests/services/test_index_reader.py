"""A cold study index shares its reads with a forked second process
(tui/services/index_reader.py): the results are the same as a read by one process, and the
same again when that process dies, talks nonsense or meets a file it cannot read. It is never
forked while another thread runs, and one the app stood by is always ended."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from tests.analysis_study import write_study
from tests.services.test_study_index import with_index, without_index
from tui.services import index_reader
from tui.services import study_index as study_index_module
from tui.services.sessions import SessionsService
from tui.services.study_index import INDEX_VERSION, StudyIndex, study_index
from tui.store import DataStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(store: DataStore) -> Path:
    write_study(store)
    return store.home


def only_this_thread() -> None:
    """Wait for the threads an earlier test left (a tag writer closed, still ending): a
    process with another thread is never forked. Skipped where no fork is ever made."""
    if not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2:
        pytest.skip("a second reader is forked on Linux with two cores only")
    deadline = time.monotonic() + 10
    while threading.active_count() > 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert index_reader.can_fork(), threading.enumerate()


def share_every_read(monkeypatch, tmp_path: Path, serve=None) -> None:
    """Every refresh that reads a file whole shares it, and the second process (running
    `serve(home, paths, light, out, said)`, which touches `said` when it has said all it will)
    is done before this one reads a file of its own: its share is sure, whatever the load."""
    monkeypatch.setattr(index_reader, "READ_FROM", 1)
    only_this_thread()
    said = tmp_path / "second-reader-said"
    said.unlink(missing_ok=True)
    real = index_reader.serve

    def serve_then_say(*args) -> None:
        if serve is not None:
            serve(*args, said)
            return
        try:
            real(*args)
        finally:
            said.touch()

    monkeypatch.setattr(index_reader, "serve", serve_then_say)
    close = index_reader.SecondReader.close

    def close_then_say(self) -> None:
        # Ended (SIGKILL) before it served, as when a file came since its fork, it says
        # nothing more: this process's reads waited 30 s each for it.
        close(self)
        said.touch()

    monkeypatch.setattr(index_reader.SecondReader, "close", close_then_say)
    read_one = StudyIndex._read_one

    def after_the_second(self, path: Path, light: bool):
        deadline = time.monotonic() + 30
        while not said.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return read_one(self, path, light)

    monkeypatch.setattr(StudyIndex, "_read_one", after_the_second)


def test_a_second_reader_gives_the_same_results(home: Path, monkeypatch, tmp_path: Path) -> None:
    share_every_read(monkeypatch, tmp_path)
    found, index = with_index(home)
    assert index.reads == 4 and index.second_reads >= 3  # the list's first is this one's
    assert found == without_index(home)
    warm, index = with_index(home)
    assert warm == found and index.reads == 0


def one_line_then_killed(home, paths, light, out, said: Path) -> None:
    os.write(out, next(index_reader.read_lines(home, paths, light)))
    said.touch()
    os.kill(os.getpid(), signal.SIGKILL)


def nonsense(home, paths, light, out, said: Path) -> None:
    os.write(out, b"Segmentation fault (core dumped)\n")
    said.touch()


def failed_each(home, paths, light, out, said: Path) -> None:
    for i in reversed(range(len(paths))):
        os.write(out, orjson.dumps([i, "failed"]) + b"\n")
    said.touch()


@pytest.mark.parametrize(
    ("serve", "shared"), [(one_line_then_killed, 1), (nonsense, 0), (failed_each, 0)]
)
def test_what_the_second_reader_did_not_read_is_read_here(
    home: Path, monkeypatch, tmp_path: Path, serve, shared: int
) -> None:
    """Killed after one file, speaking no line of its own, or failing each file: this
    process reads the rest, and nothing differs."""
    share_every_read(monkeypatch, tmp_path, serve)
    found, index = with_index(home)
    assert index.reads == 4 and index.second_reads == shared
    assert found == without_index(home)


def test_a_file_the_second_reader_cannot_read_is_reported_the_same(
    home: Path, monkeypatch, tmp_path: Path
) -> None:
    sessions = sorted((home / "sessions").glob("*.json"))
    sessions[-1].write_text('{"session": {"1": {"id": "broken"')  # not JSON
    session_file = DataStore(home).open_session(sessions[-2].stem)
    session_file.fold_journal()  # its notes in the file itself
    session_file.close()
    twice = orjson.loads(sessions[-2].read_bytes())
    notes = twice["notes"]
    notes["99"] = next(iter(notes.values()))  # a note stored twice: `fieldnote repair` mends it
    sessions[-2].write_bytes(orjson.dumps(twice))
    with sessions[-3].with_name(sessions[-3].name + ".journal").open("ab") as journal:
        journal.write(b"{not a change\n")  # named as the journal, mended by `fieldnote repair`
    expected = [str(problem) for problem in DataStore(home).list_sessions()[1]]
    assert len(expected) == 3 and sum("fieldnote repair" in p for p in expected) == 2
    assert any(".json.journal" in p for p in expected)

    share_every_read(monkeypatch, tmp_path)
    index = StudyIndex(DataStore(home))
    scan = index.refresh()
    # The second process read the list's last three, the three broken files.
    assert index.second_reads == 3 and index.reads == 1
    assert sorted(str(problem) for problem in scan.problems) == sorted(expected)


def test_no_fork_while_another_thread_runs(home: Path, monkeypatch) -> None:
    """A fork would copy the locks the other thread holds, never to be released."""
    monkeypatch.setattr(index_reader, "READ_FROM", 1)

    def no_fork() -> int:
        raise AssertionError("forked while another thread ran")

    monkeypatch.setattr(os, "fork", no_fork)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        found, index = with_index(home)
    finally:
        stop.set()
        other.join()
    assert index.reads == 4 and index.second_reads == 0
    assert found == without_index(home)


def ended(pid: int) -> bool:
    """The process is gone and reaped: not this process's child any more."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_app_stands_a_reader_by_for_a_cold_index_only(
    home: Path, monkeypatch, tmp_path: Path
) -> None:
    share_every_read(monkeypatch, tmp_path)
    store = DataStore(home)
    SessionsService(store).stand_by()
    index = study_index(store)
    standby = index._standby
    assert standby is not None and not ended(standby.pid)
    listing, _ = SessionsService(store).listing()
    assert index.second_reads >= 3 and len(listing) == 4
    assert index._standby is None and standby.pid is None

    warm = DataStore(home)
    SessionsService(warm).stand_by(analysis=True)  # the index and its digests are saved
    assert study_index(warm)._standby is None


def test_an_index_an_older_fieldnote_saved_stands_a_reader_by(
    home: Path, monkeypatch, tmp_path: Path
) -> None:
    """After an upgrade the index on disk is of another version: it is rebuilt as a cold one
    is, with a second reader."""
    SessionsService(DataStore(home)).listing()  # an index of this version, saved
    monkeypatch.setattr(study_index_module, "INDEX_VERSION", INDEX_VERSION + 1)
    share_every_read(monkeypatch, tmp_path)
    store = DataStore(home)
    SessionsService(store).stand_by()
    index = study_index(store)
    assert index._standby is not None
    listing, _ = SessionsService(store).listing()
    assert len(listing) == 4 and index.second_reads >= 3

    upgraded = DataStore(home)
    SessionsService(upgraded).stand_by()  # now saved by this version
    assert study_index(upgraded)._standby is None


def wait_for(path: Path) -> bool:
    deadline = time.monotonic() + 30
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return path.exists()


def test_a_reader_stood_by_reads_before_it_is_asked(
    home: Path, monkeypatch, tmp_path: Path
) -> None:
    """It starts at its fork, while the app sets up its screens: it has read every file
    before the first refresh asks."""
    share_every_read(monkeypatch, tmp_path)
    store = DataStore(home)
    SessionsService(store).stand_by()
    assert wait_for(tmp_path / "second-reader-said")  # no refresh yet
    listing, _ = SessionsService(store).listing()
    index = study_index(store)
    assert len(listing) == 4 and index.second_reads == 4 and index.reads == 4


def test_a_file_written_after_the_reader_stood_by_read_it_is_read_again(
    home: Path, monkeypatch, tmp_path: Path
) -> None:
    """Another instance adds a note while the app sets up its screens, after the reader read
    that file: the first listing counts the note (it reads that file itself)."""
    share_every_read(monkeypatch, tmp_path)
    store = DataStore(home)
    SessionsService(store).stand_by()
    assert wait_for(tmp_path / "second-reader-said")
    changed = sorted(path.stem for path in store.session_paths())[-1]  # read by the reader
    other = DataStore(home).open_session(changed)
    before = len(other.read().notes)
    other.append_note(
        {
            "id": "typed-meanwhile",
            "text": "Logs in before the drivers arrive",
            "kind": "note",
            "author": "Kim",
            "started_at": "2026-11-27T10:58:00.000Z",
            "elapsed": 3480.0,
        }
    )
    other.close()
    listing, _ = SessionsService(store).listing()
    counts = {summary.id: summary.note_count for summary in listing}
    index = study_index(store)
    assert counts[changed] == before + 1
    assert index.second_reads == 3 and index.reads == 4


def test_a_reader_stood_by_for_other_files_is_not_used(
    home: Path, monkeypatch, tmp_path: Path
) -> None:
    """A session created between the fork and the refresh: the refresh reads alone, and lists
    it."""
    share_every_read(monkeypatch, tmp_path)
    store = DataStore(home)
    SessionsService(store).stand_by()
    pid = study_index(store)._standby.pid
    created = SessionsService(store).create(
        title="Kickoff", participant="Ana", goal="", guide=None, now=datetime.now(UTC)
    )
    listing, _ = SessionsService(store).listing()
    index = study_index(store)
    assert created in {s.id for s in listing} and len(listing) == 5
    assert index.second_reads == 0 and ended(pid)


def test_a_reader_of_the_small_parts_serves_no_refresh_that_wants_the_whole(
    home: Path, monkeypatch, tmp_path: Path
) -> None:
    """Stood by for the tagging screen (its scope reads the small part), it does not serve
    the analysis's refresh, which needs each file's digests."""
    share_every_read(monkeypatch, tmp_path)
    store = DataStore(home)
    SessionsService(store).stand_by(tagging=True)
    assert wait_for(tmp_path / "second-reader-said")
    found, index = with_index(home, store)
    assert index.second_reads == 0 and index.reads == 4
    assert found == without_index(home)


def test_the_second_reader_reads_on_while_the_refresh_takes_no_line(
    home: Path, monkeypatch, tmp_path: Path
) -> None:
    """More than a pipe holds (the app's refresh may not have begun): it keeps what the pipe
    cannot take and reads on; every line arrives whole once the refresh reads."""
    only_this_thread()
    done = tmp_path / "all-read"
    lines = [orjson.dumps([i, "failed", "x" * 8000]) + b"\n" for i in range(300)]  # 2.4 MB

    def read_lines(home, paths, light):
        yield from reversed(lines)
        done.touch()

    monkeypatch.setattr(index_reader, "read_lines", read_lines)
    paths = [home / f"{i}.json" for i in range(300)]
    second = index_reader.SecondReader(home, paths)
    try:
        assert wait_for(done)  # nothing taken from the pipe yet
        said: list = []
        deadline = time.monotonic() + 30
        while second.pid is not None and time.monotonic() < deadline:
            said += second.ready()
            time.sleep(0.01)
    finally:
        second.close()
    assert [line[0] for line in said] == list(reversed(range(300)))
    assert all(line[2] == "x" * 8000 for line in said)


def test_a_reader_stood_by_and_not_needed_is_ended(home: Path, monkeypatch) -> None:
    monkeypatch.setattr(index_reader, "READ_FROM", 1)
    only_this_thread()
    store = DataStore(home)
    index = StudyIndex(store)
    index.stand_by()
    assert index._standby is not None
    pid = index._standby.pid
    monkeypatch.setattr(index_reader, "READ_FROM", 100)  # four files: read here alone
    index.refresh()
    assert index._standby is None and ended(pid) and index.second_reads == 0


def test_a_reader_stood_by_for_the_analysis_waits_for_its_refresh(
    home: Path, monkeypatch, tmp_path: Path
) -> None:
    """After `fieldnote list` (the small part alone), the analysis screen's first refresh
    reads nothing; the reader stood by for the digests waits for the one after it."""
    StudyIndex(DataStore(home)).refresh(light=True)
    share_every_read(monkeypatch, tmp_path)
    index = StudyIndex(DataStore(home))
    index.stand_by(digests=True)
    assert index._standby is not None
    index.refresh()
    assert index._standby is not None and index.reads == 0
    index.refresh(digests=True)
    assert index._standby is None and index.reads == 4 and index.second_reads >= 3


STOOD_BY_WHEN = """
import sys
from tui import cli
from tui.services.study_index import StudyIndex

def stand_by(self, digests=False, light=False):
    print(sorted(name for name in ("tui.app", "tui.services.report") if name in sys.modules))
    print(digests, light)
    raise SystemExit(0)

StudyIndex.stand_by = stand_by
cli.main(sys.argv[1:])
"""


@pytest.mark.parametrize(
    ("words", "digests", "light"),
    [
        (["report", "--format", "md"], True, False),
        (["analyse"], True, False),
        (["code"], False, True),
        ([], False, False),
    ],
    ids=["report", "analyse", "code", "home"],
)
def test_a_command_stands_its_reader_by_before_it_imports_the_app_or_the_report(
    home: Path, words: list[str], digests: bool, light: bool
) -> None:
    """Their imports take over 100 ms, which a cold index's second reader spends reading."""
    child = subprocess.run(
        [sys.executable, "-c", STOOD_BY_WHEN, *words],
        cwd=ROOT,
        env={**os.environ, "FIELDNOTE_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert child.stdout.splitlines() == ["[]", f"{digests} {light}"]
