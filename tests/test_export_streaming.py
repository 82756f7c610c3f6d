"""Exports stream a session at a time and write the same bytes as the exporter that built the
whole study in memory first.

tests/data/export-golden/ holds a small data folder (tests/exchange_data.py's study and a
session with no study) and what that earlier exporter wrote for it: every format of all three
sessions (`all.*`), of one (`one.*`), and of the two of one study (`study.*`). The `.qdpx` ones
were written again when each source gained its session's Study variable, and the `.csv` ones
when the CSV gained its `quote_check` column, the `.md` ones when a typed quote gained its
check line and when a question never current gave `-` for its time, the `.qdpx` ones again
when a live session's source said in its Description that its lines are typed notes, and
when each session's source gained a NoteRef to the memo of what the format has no place for
(a Note in the project's Notes, its JSON a member under `sources/`:
tui/services/exchange/refi_memo.py); each differs by that alone. A `.qdpx` is compared
member by member: its members hold the same bytes, deflated at another level since
(tui/services/exchange/deflated_zip.py).
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from tui.services.exchange.errors import ExchangeError
from tui.services.exchange.exporting import FORMATS, ExportJob, export, export_to
from tui.store import DataStore, StoreError

GOLDEN = Path(__file__).resolve().parent / "data" / "export-golden"


@pytest.fixture
def golden(tmp_path: Path):
    home = tmp_path / "data"
    shutil.copytree(GOLDEN / "data", home)
    store = DataStore(home)
    yield store, (GOLDEN / "ids.txt").read_text().split()
    store.codebook.close()


def members(project: bytes) -> list[tuple[str, tuple[int, ...], bytes]]:
    """A zip's members in order: name, date and bytes."""
    with zipfile.ZipFile(io.BytesIO(project)) as archive:
        return [(i.filename, i.date_time, archive.read(i)) for i in archive.infolist()]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_writes_the_bytes_the_whole_study_exporter_wrote(golden, name):
    store, ids = golden
    same = members if name == "qdpx" else lambda data: data
    for stem, chosen in (("all", ids), ("one", ids[:1]), ("study", ids[:2])):
        expected = GOLDEN / f"{stem}.{name}"
        if not expected.exists():
            continue
        data, _ = export(store, chosen, name)
        assert same(data) == same(expected.read_bytes()), f"{stem}.{name} changed"
        out = io.BytesIO()
        export_to(store, chosen, name, out)
        assert out.getvalue() == data, f"{stem}.{name} streamed differently"


def test_a_session_unreadable_mid_export_leaves_no_file_behind(golden, tmp_path):
    store, ids = golden
    # The last session to be written turns to garbage after the sessions were chosen.
    (store.sessions_dir / f"{ids[-1]}.json").write_bytes(b"{not json")
    (store.sessions_dir / f"{ids[-1]}.json.journal").unlink(missing_ok=True)
    target = tmp_path / "out" / "study.qdpx"
    target.parent.mkdir()
    job = ExportJob(store, ids, "")
    with pytest.raises((StoreError, ExchangeError)):
        job.run("qdpx", target)
    assert list(target.parent.iterdir()) == []
