"""A note that was saved is reported saved, whatever happens to the codebook (item 1).

`fieldnote note` writes the note, then counts its tags in the codebook. When that second write
fails, the note is already on disk: the command must exit 0 with the id (the codebook problem
a warning), or a script that retries on failure stores the note again. The faults are real: a
corrupt codebook file, and the data folder on its own tmpfs (full, or read-only) while the
sessions folder is a second, healthy tmpfs mounted inside it.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.disk_faults import NO_CHANGE, PAGE, fill, remount, tmpfs_at
from tui.cli import main
from tui.store import DataStore


@contextmanager
def mounted(target: Path):
    mounts = tmpfs_at(target)
    yield next(mounts)
    next(mounts, None)


def retry_until_ok(argv: list[str], attempts: int = 3) -> int:
    """What a careful script does: retry a failed command."""
    for attempt in range(1, attempts + 1):
        if main(argv) == 0:
            return attempt
    return attempts


def notes_in(home: Path) -> list[str]:
    (summary,) = DataStore(home).list_sessions()[0]
    return [n["text"] for n in DataStore(home).open_session(summary.id).read().notes]


def new_session(capsys) -> str:
    assert main(["new", "P7"]) == 0
    return capsys.readouterr().out.strip()


def assert_saved_once(home: Path, capsys, session_id: str, reason: str) -> None:
    assert retry_until_ok(["note", session_id, "gave up #pain/setup"]) == 1
    out, err = capsys.readouterr()
    assert len(out.strip()) == 32  # the id, for the script
    assert "the note is saved, but its tags were not counted in the codebook" in err
    assert reason in err and "Traceback" not in err
    assert notes_in(home) == ["gave up #pain/setup"]


def test_corrupt_codebook(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    monkeypatch.setenv("FIELDNOTE_HOME", str(home))
    session_id = new_session(capsys)
    (home / "codebook.json").write_text("{ not json", encoding="utf-8")
    assert_saved_once(home, capsys, session_id, "not valid JSON")
    assert (home / "codebook.json").read_text(encoding="utf-8") == "{ not json"


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_codebook_folder_full_or_read_only(tmp_path, monkeypatch, capsys, fault):
    with mounted(tmp_path / "home") as home:
        monkeypatch.setenv("FIELDNOTE_HOME", str(home))
        DataStore(home)
        with mounted(home / "sessions"):
            session_id = new_session(capsys)
            if fault == "full":
                fill(home)
                reason = "the disk is full"
            else:
                remount(home, read_only=True)
                reason = "the folder is read-only"
            try:
                assert_saved_once(home, capsys, session_id, reason)
            finally:
                if fault == "read-only":
                    remount(home, read_only=False)


def test_a_fold_failing_on_a_full_disk_still_reports_the_note_saved(tmpfs, monkeypatch, capsys):
    """The journal has the note, then folding it into the main file finds the disk full: the
    note is saved, so `note` exits 0, and the script has nothing to retry."""
    import os

    import tui.store.storage

    home = tmpfs / "home"
    monkeypatch.setenv("FIELDNOTE_HOME", str(home))
    monkeypatch.setattr(tui.store.storage, "JOURNAL_MIN_FOLD_BYTES", 0)
    session_id = new_session(capsys)
    path = home / "sessions" / f"{session_id}.json"
    journal = path.with_name(path.name + ".journal")
    count = 0
    while not journal.exists() or journal.stat().st_size <= path.stat().st_size:
        count += 1
        assert main(["note", session_id, f"before the fold {count}"]) == 0
    # Room in the journal's last page for one more line, and not one free page for the fold.
    with open(journal, "ab") as handle:
        handle.write(NO_CHANGE * (((2048 - journal.stat().st_size) % PAGE) // len(NO_CHANGE)))
    filler = home / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * PAGE)
    except OSError:
        pass
    finally:
        os.close(fd)
    capsys.readouterr()
    file_before = path.read_bytes()
    assert retry_until_ok(["note", session_id, "said during the full disk"]) == 1
    out, err = capsys.readouterr()
    assert len(out.strip()) == 32 and err == ""
    assert path.read_bytes() == file_before  # the fold failed: the note is in the journal
    assert notes_in(home).count("said during the full disk") == 1
    filler.unlink()
    assert main(["note", session_id, "after the space came back"]) == 0
    texts = notes_in(home)
    assert len(texts) == count + 2 and len(set(texts)) == count + 2
    assert texts.count("said during the full disk") == 1
