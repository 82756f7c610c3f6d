"""A large REFI-QDA project is written by two processes (`refi_qda._SecondWriter`: the later
half of the sessions in a forked one) to the very bytes one process writes: the golden export,
a pseudonymised one, a study whose later half codes with a tag only the first half uses, and
when the second process dies, fails, or finds the disk full or read-only. Here every project
is split (`SPLIT_FROM` = 1)."""

from __future__ import annotations

import io
import os
import random
import signal
import tempfile
import zipfile
from pathlib import Path

import orjson
import pytest

from tests.disk_faults import fill, remount
from tests.services.test_index_reader import only_this_thread
from tests.test_export_streaming import GOLDEN, golden, members  # noqa: F401 - a fixture
from tui.services.exchange import refi_qda
from tui.services.exchange.errors import ExchangeError
from tui.services.exchange.exporting import ExportJob, export
from tui.services.exchange.pseudonyms import pseudonymise
from tui.services.exchange.study import SessionData, Study, read_study
from tui.store import DataStore, StoreError


@pytest.fixture
def halves(monkeypatch) -> list[bool]:
    """Every project split in two; what each second writer's `result` said, in order."""
    only_this_thread()
    monkeypatch.setattr(refi_qda, "SPLIT_FROM", 1)
    said: list[bool] = []
    real = refi_qda._SecondWriter.result

    def result(self, before):
        said.append(real(self, before))
        return said[-1]

    monkeypatch.setattr(refi_qda._SecondWriter, "result", result)
    return said


def one_process(study) -> bytes:
    """The project as a single process writes it (one that cannot fork)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(refi_qda, "can_fork", lambda: False)
        out = io.BytesIO()
        refi_qda.write_qdpx(study, out)
    return out.getvalue()


def exports_the_golden_bytes(golden, halves: list[bool], said: list[bool]) -> None:  # noqa: F811
    """The golden study exports to what one process writes, whose members are `all.qdpx`'s,
    its second writers having said `said`."""
    store, ids = golden
    data, _ = export(store, ids, "qdpx")
    assert halves == said
    assert members(data) == members((GOLDEN / "all.qdpx").read_bytes())
    assert data == one_process(read_study(DataStore(store.home), ids))


def test_the_golden_project_split_in_two_is_the_same_bytes(golden, halves) -> None:  # noqa: F811
    exports_the_golden_bytes(golden, halves, [True])  # the later two sessions: the second


def test_a_pseudonymised_project_split_in_two_is_the_same_bytes(golden, halves) -> None:  # noqa: F811
    store, ids = golden
    study = pseudonymise(read_study(store, ids, with_others=True), key=b"k" * 32)  # marked
    out = io.BytesIO()
    refi_qda.write_qdpx(study, out)
    assert halves == [True]
    assert out.getvalue() == one_process(study)


TAGS = ["pain", "Pain", "pain/pricing", "PAIN/Pricing", "delight", "x/y/z", "X/y", "a b"]
PEOPLE = ["Ana", "ana", " Ana ", "Bo", "BO", "", "Cy"]
AUTHORS = ["Maya", "maya", "", "Zed", "unknown"]


def random_session(rng: random.Random, number: int) -> SessionData:
    """A session whose participant, tags and authors are spelled as another session's may be,
    with codings that are and are not among their document's tags."""
    notes, excerpts = [], []
    for k in range(rng.randint(0, 4)):
        note = {
            "id": f"n{number}-{k}",
            "text": f"words {k} of {number}",
            "kind": rng.choice(["quote", "note", "asked"]),
            "author": rng.choice(AUTHORS),
            "started_at": f"2026-01-01T00:00:{k:02d}Z",
            "tags": rng.sample(TAGS, rng.randint(0, 2)),
        }
        if rng.random() < 0.4:
            note["codings"] = [
                {"tag": rng.choice(TAGS), "coder": rng.choice(["Maya", "Zed", "Kim"]), "at": None}
                for _ in range(rng.randint(0, 2))
            ]
        notes.append(note)
        if rng.random() < 0.3:
            excerpts.append(
                {
                    "id": f"e{number}-{k}",
                    "note_id": note["id"],
                    "tags": rng.sample(TAGS, 1),
                    "start": 0,
                    "end": 3,
                }
            )
    session = {
        "id": f"id{number:03d}",
        "title": rng.choice(["T", f"title {number}", ""]),
        "participant": rng.choice(PEOPLE),
        "study": rng.choice(["s1", "S1", "", "s2"]),
        "created_at": "2026-01-01T00:00:00Z",
    }
    return SessionData(session=session, notes=notes, excerpts=excerpts)


def test_studies_whose_halves_spell_alike_split_to_the_same_bytes(halves) -> None:
    """Participants, tags, coders and studies spelled differently in either half (what the
    joins must take in the order one process meets them), over 60 random studies."""
    for seed in range(60):
        rng = random.Random(seed)
        sessions = [random_session(rng, number) for number in range(rng.randint(2, 9))]
        codebook = [
            {"name": tag, "description": "", "color": None}
            for tag in sorted(set(rng.sample(TAGS, rng.randint(0, 2))), key=str.casefold)
        ]
        study = Study(sessions, codebook, rng.choice([None, "Label"]))
        out = io.BytesIO()
        refi_qda.write_qdpx(study, out)
        assert out.getvalue() == one_process(study), f"seed {seed}"
    assert len(halves) == 60 and halves.count(True) >= 30  # most were written by two


def test_a_source_guid_both_halves_keep_is_the_first_ones_and_written_here(halves) -> None:
    """Two sessions imported from one source (two folders imported one project, then shared
    one folder), one in each half: the first keeps the GUID, which the second process cannot
    know, so this one writes its half, to the bytes one process writes (and one GUID each)."""
    rng = random.Random(7)
    sessions = [random_session(rng, number) for number in range(4)]
    for data in (sessions[0], sessions[3]):
        data.session[refi_qda.SOURCE_FIELD] = "0b3f9a52-1111-4222-8333-444455556666"
    study = Study(sessions, [], None)
    out = io.BytesIO()
    refi_qda.write_qdpx(study, out)
    assert halves == [False]
    assert out.getvalue() == one_process(study)
    with zipfile.ZipFile(out) as project:
        names = project.namelist()
    assert (  # the project, then each session's text and its memo
        len(names) == len(set(names)) == 9
        and "sources/0b3f9a52-1111-4222-8333-444455556666.txt" in names
    )


def test_a_coding_whose_tag_only_the_first_half_uses_is_written_here(
    golden,  # noqa: F811
    halves,
) -> None:
    """A coding that is not among its note's tags (a file edited by hand) has a code only if
    an earlier session used its tag: the second process cannot know, so this one writes its
    half, to the same bytes."""
    store, ids = golden
    first, last = (store.sessions_dir / f"{ids[i]}.json" for i in (0, -1))
    for path in (first, last):
        session_file = store.open_session(path.stem)
        session_file.fold_journal()
        session_file.close()
    data = orjson.loads(first.read_bytes())
    note = next(iter(data["notes"].values()))
    note["tags"] = [*note.get("tags", []), "only-first"]
    first.write_bytes(orjson.dumps(data))
    data = orjson.loads(last.read_bytes())
    note = next(iter(data["notes"].values()))
    note["codings"] = [{"tag": "only-first", "coder": "Maya", "at": "2026-11-27T10:00:00Z"}]
    last.write_bytes(orjson.dumps(data))
    study = read_study(DataStore(store.home), ids)
    out = io.BytesIO()
    refi_qda.write_qdpx(study, out)
    assert halves == [False]
    expected = one_process(read_study(DataStore(store.home), ids))
    assert out.getvalue() == expected
    with zipfile.ZipFile(io.BytesIO(expected)) as project:
        xml = project.read("project.qde").decode()
    code = refi_qda.guid("code", "only-first")
    assert xml.count(f'targetGUID="{code}"') == 2  # the first session's note, the last's coding


@pytest.mark.parametrize("end", ["killed", "failed"])
def test_a_second_writer_that_ends_badly_leaves_its_half_to_this_one(
    golden,  # noqa: F811
    halves,
    monkeypatch,
    end: str,
) -> None:
    def learnt(self):  # called by the second process alone, once its half is written
        if end == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        raise RuntimeError("disk full")

    monkeypatch.setattr(refi_qda._Sources, "learnt", learnt)
    exports_the_golden_bytes(golden, halves, [False])


def test_a_second_writer_on_a_full_disk_leaves_its_half_to_this_one(
    golden,  # noqa: F811
    halves,
    tmpfs: Path,
    monkeypatch,
) -> None:
    """Its temporary files are on a tmpfs filled to the last page: its writes fail, and this
    process writes that half (its own files are still in memory at this size)."""
    fill(tmpfs)
    monkeypatch.setattr(tempfile, "tempdir", str(tmpfs))
    exports_the_golden_bytes(golden, halves, [False])


def test_no_room_for_a_second_writers_files_writes_in_one_process(
    golden,  # noqa: F811
    halves,
    tmpfs: Path,
    monkeypatch,
) -> None:
    """The temporary folder is read-only: no second process is forked, and the export is
    written as one process writes it."""
    remount(tmpfs, read_only=True)
    monkeypatch.setattr(tempfile, "tempdir", str(tmpfs))
    try:
        exports_the_golden_bytes(golden, halves, [])
    finally:
        remount(tmpfs, read_only=False)


def test_a_session_of_the_later_half_unreadable_fails_the_export_as_it_would(
    golden,  # noqa: F811
    halves,
    tmp_path: Path,
) -> None:
    store, ids = golden
    (store.sessions_dir / f"{ids[-1]}.json").write_bytes(b"{not json")
    (store.sessions_dir / f"{ids[-1]}.json.journal").unlink(missing_ok=True)
    target = tmp_path / "out" / "study.qdpx"
    target.parent.mkdir()
    with pytest.raises((StoreError, ExchangeError)) as raised:
        ExportJob(store, ids, "").run("qdpx", target)
    assert halves == [False] and ids[-1] in str(raised.value)
    assert list(target.parent.iterdir()) == []


ORPHANED_EXPORT = """
import os, sys, time
from tui.services.exchange import refi_qda
from tui.cli import main

refi_qda.SPLIT_FROM = 1
first = os.getpid()
take = refi_qda._Sources.take

def slow_take(self, data):
    if os.getpid() != first:  # the second writer: say so, then take its time
        print("second", os.getpid(), file=sys.stderr, flush=True)
        time.sleep(60)
    take(self, data)

refi_qda._Sources.take = slow_take
sys.exit(main(sys.argv[1:]))
"""


def _running(pid: int) -> bool:
    """Whether `pid` is a process that has not ended (a zombie has: only its reaping is left,
    which its new parent does)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_a_second_writer_whose_export_is_killed_ends_with_it(tmp_path: Path) -> None:
    # SIGKILL of the export alone (an OOM killer, `kill -9` of its pid) left its second
    # writer running on, an orphan reading the whole later half of the study for nothing.
    # It now ends with the process that forked it; the file asked for is not touched.
    import subprocess
    import sys
    import time

    from tests.exchange_data import seed

    if not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2:
        pytest.skip("a second writer is forked on Linux with two cores only")
    home = tmp_path / "home"
    seed(DataStore(home))
    target = tmp_path / "out" / "study.qdpx"
    target.parent.mkdir()
    target.write_bytes(b"the export of last week")
    argv = ["export", "--all", "--format", "qdpx", "-o", str(target), "--force"]
    command = subprocess.Popen(
        [sys.executable, "-c", ORPHANED_EXPORT, *argv],
        env=dict(os.environ, FIELDNOTE_HOME=str(home)),
        stderr=subprocess.PIPE,
    )
    second = None
    try:
        said = command.stderr.readline().split()
        assert said[:1] == [b"second"], said
        second = int(said[1])
        assert _running(second)
        command.kill()
        assert command.wait(timeout=30) == -signal.SIGKILL
        deadline = time.monotonic() + 2
        while _running(second) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _running(second)
    finally:
        command.kill()
        command.wait()
        if second is not None and _running(second):
            os.kill(second, signal.SIGKILL)
    assert target.read_bytes() == b"the export of last week"
    # Nor is half an export of notes left beside it: the export's own file had no name yet.
    assert sorted(p.name for p in target.parent.iterdir()) == ["study.qdpx"]


def test_a_study_of_one_session_is_written_by_one_process(halves) -> None:
    rng = random.Random(3)
    study = Study([random_session(rng, 0)], [], None)
    out = io.BytesIO()
    refi_qda.write_qdpx(study, out)
    assert halves == []
    assert out.getvalue() == one_process(study)
