"""Presence: heartbeat files beside the session file, expiring when an instance quits or dies."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from tui.store.presence import Presence, presence_folder


def session_path(tmp_path: Path) -> Path:
    sessions = tmp_path / "sessions"
    sessions.mkdir(mode=0o700)
    path = sessions / "abc123.json"
    path.write_bytes(b"{}")
    return path


def test_others_see_each_other_and_the_files_are_private(tmp_path: Path) -> None:
    path = session_path(tmp_path)
    maya = Presence(path, "Maya", pid=os.getpid(), alive=lambda pid: True)
    jonas = Presence(path, "Jonas", pid=os.getpid() + 1, alive=lambda pid: True)
    maya.beat()
    jonas.beat()
    assert maya.scan() == ["Jonas"]
    assert jonas.scan() == ["Maya"]
    folder = presence_folder(path)
    assert folder == tmp_path / "sessions" / "abc123.presence"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(maya.path.stat().st_mode) == 0o600
    size = path.stat().st_size
    maya.beat()
    assert path.stat().st_size == size  # the session file is never touched


def test_quitting_removes_the_entry_and_the_folder(tmp_path: Path) -> None:
    path = session_path(tmp_path)
    maya = Presence(path, "Maya", interval=0.05)
    jonas = Presence(path, "Jonas", pid=os.getpid() + 1, alive=lambda pid: True)
    maya.start()
    jonas.beat()
    assert jonas.scan() == ["Maya"]
    maya.stop()
    assert jonas.scan() == []
    jonas.leave()
    assert not presence_folder(path).exists()


def test_a_dead_process_on_this_host_drops_out_at_once(tmp_path: Path) -> None:
    path = session_path(tmp_path)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a pid that existed and is gone
    ghost = Presence(path, "Ghost", pid=child.pid)
    ghost.beat()
    maya = Presence(path, "Maya")
    assert maya.scan() == []
    assert not ghost.path.exists()  # swept


def test_a_silent_entry_expires_after_the_stale_time(tmp_path: Path) -> None:
    path = session_path(tmp_path)
    remote = Presence(path, "Remote", host="elsewhere", pid=1)  # another host: pid not checked
    remote.beat()
    now = [remote.path.stat().st_mtime + 1]
    maya = Presence(path, "Maya", clock=lambda: now[0])
    assert maya.scan() == ["Remote"]
    now[0] += 30
    assert maya.scan() == []


def test_the_same_name_twice_and_a_broken_entry_are_harmless(tmp_path: Path) -> None:
    path = session_path(tmp_path)
    maya = Presence(path, "Maya", alive=lambda pid: True)
    maya.beat()
    (presence_folder(path) / "junk.json").write_bytes(b"not json")
    again = Presence(path, "Maya", pid=os.getpid() + 7, alive=lambda pid: True)
    again.beat()
    jonas = Presence(path, "Jonas [/b]", pid=os.getpid() + 8, alive=lambda pid: True)
    jonas.beat()
    assert maya.scan() == ["Jonas [/b]"]  # oneself in another window is not "someone else"
    assert jonas.scan() == ["Maya"]
    assert "/" not in jonas.path.name and "[" not in jonas.path.name


def test_a_read_only_folder_does_not_raise(tmp_path: Path) -> None:
    path = session_path(tmp_path)
    os.chmod(path.parent, 0o500)
    try:
        maya = Presence(path, "Maya")
        maya.beat()
        assert maya.scan() == []
        maya.leave()
    finally:
        os.chmod(path.parent, 0o700)


def test_a_presence_folder_that_is_a_link_is_refused(tmp_path: Path) -> None:
    path = session_path(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    stranger = outside / "Old-elsewhere-1.json"
    stranger.write_bytes(b'{"author": "Old", "host": "elsewhere", "pid": 1}')
    os.utime(stranger, (0, 0))  # old enough to be swept, were it followed
    presence_folder(path).symlink_to(outside)
    maya = Presence(path, "Maya", pid=os.getpid(), alive=lambda pid: True)
    maya.start()
    try:
        assert maya.scan() == []
    finally:
        assert maya.stop() is True
    assert os.listdir(outside) == ["Old-elsewhere-1.json"]  # nothing created, nothing swept
    assert presence_folder(path).is_symlink()

    (tmp_path / "second").mkdir()
    link_to_a_file = session_path(tmp_path / "second")
    presence_folder(link_to_a_file).symlink_to(stranger)
    Presence(link_to_a_file, "Maya").beat()
    assert stranger.read_bytes().startswith(b'{"author": "Old"')
