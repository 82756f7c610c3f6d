"""The data folder: created private at any umask, errors that fit the command (items 12, 13)."""

from __future__ import annotations

import os
import stat

from tests.disk_faults import fill, remount
from tui.cli import main


def test_missing_parents_are_created_private_at_umask_000(tmp_path, monkeypatch, capsys):
    home = tmp_path / "a" / "b" / "home"
    monkeypatch.setenv("FIELDNOTE_HOME", str(home))
    old = os.umask(0)
    try:
        assert main(["list"]) == 0
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", tmp_path / "a" / "b", home, home / "sessions"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_an_unusable_data_folder_is_one_sentence_for_a_read_only_command(monkeypatch, capsys):
    monkeypatch.setenv("FIELDNOTE_HOME", "/proc/nope")
    assert main(["list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("fieldnote: Cannot use the data folder /proc/nope because ")
    assert "FIELDNOTE_HOME" in err and err.count("\n") == 1
    assert "save" not in err.lower() and "memory" not in err and "space" not in err


def test_a_new_session_on_a_full_disk_leaves_no_lock_file(tmpfs, monkeypatch, capsys):
    home = tmpfs / "home"
    monkeypatch.setenv("FIELDNOTE_HOME", str(home))
    assert main(["list"]) == 0
    fill(tmpfs)
    assert main(["new", "P7"]) == 1
    err = capsys.readouterr().err
    assert "the disk is full" in err and "memory" not in err
    assert os.listdir(home / "sessions") == []


def test_new_and_import_in_a_read_only_data_folder_are_one_sentence(tmpfs, monkeypatch, capsys):
    home = tmpfs / "home"
    monkeypatch.setenv("FIELDNOTE_HOME", str(home))
    assert main(["list"]) == 0
    capsys.readouterr()
    transcript = tmpfs.parent / "call.txt"
    transcript.write_text("[00:00:01] Maya: the export is hidden\n", encoding="utf-8")
    remount(tmpfs, read_only=True)
    try:
        for argv in (["new", "P7"], ["import", str(transcript)]):
            assert main(argv) == 1
            err = capsys.readouterr().err
            assert err.startswith("fieldnote: Could not save the new session to ")
            assert "the folder is read-only; nothing was written" in err and err.count("\n") == 1
            assert "Errno" not in err and "Traceback" not in err
    finally:
        remount(tmpfs, read_only=False)
    assert os.listdir(home / "sessions") == []
