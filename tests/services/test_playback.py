"""Playing a note's moment: a stand-in player on PATH records how it was started."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from tests.waiting import LIMIT_SECONDS
from tui.services.playback import LEAD_SECONDS, Player, player_command, start_second

PATIENT = 30.0
"""How long a test's player is watched: a stand-in that exits returns at once, never slower."""


def stand_in(folder: Path, name: str, body: str) -> Path:
    """An executable `name` in `folder` (put first on PATH by the test)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / name
    script.write_text("#!/bin/sh\nPATH=/usr/bin:/bin\n" + body, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


def recording_player(folder: Path, name: str = "mpv") -> Path:
    """A player that writes its pid, then its arguments one per line, into `args.txt`, and
    whether it has a terminal (it must not)."""
    log = folder / "args.txt"
    stand_in(
        folder / "bin",
        name,
        f'{{ echo "$$"; if [ -t 0 ] || [ -t 1 ]; then echo tty; else echo no-tty; fi; '
        f'printf "%s\\n" "$@"; }} > "{log}.tmp" && mv "{log}.tmp" "{log}"\n',
    )
    return log


@pytest.fixture
def media(tmp_path: Path) -> Path:
    path = tmp_path / "interview 7.m4a"
    path.write_bytes(b"not really audio")
    return path


def only_on_path(monkeypatch, folder: Path) -> None:
    monkeypatch.setenv("PATH", str(folder))


def test_the_player_starts_at_the_moment_less_the_lead(tmp_path, media, monkeypatch):
    log = recording_player(tmp_path)
    only_on_path(monkeypatch, tmp_path / "bin")
    outcome = Player(settle=PATIENT).play(media, 754.0)
    assert outcome.played and not outcome.error, outcome.notice
    pid, tty, *args = log.read_text(encoding="utf-8").splitlines()
    assert args[-1] == str(media.resolve()) and args[-2] == "--"
    assert f"--start={754.0 - LEAD_SECONDS:.3f}" in args
    assert "--no-terminal" in args
    assert tty == "no-tty"  # no terminal takeover: it cannot read keys or print on the screen
    assert "12:31" in outcome.notice and "mpv" in outcome.notice
    assert_reaped(pid)  # no zombie left behind once it exits


def wait_for_lines(path: Path, count: int) -> list[str]:
    """The lines of `path` once it has `count` of them (the stand-in writes them)."""
    start = time.monotonic()
    while True:
        lines = path.read_text(encoding="utf-8").split() if path.exists() else []
        if len(lines) >= count:
            return lines
        assert time.monotonic() - start < LIMIT_SECONDS, f"{path} has {len(lines)} line(s)"
        time.sleep(0.01)


def assert_reaped(pid: str) -> None:
    """The process is gone from the process table (exited and waited for, not a zombie)."""
    start = time.monotonic()
    while Path(f"/proc/{pid}").exists():
        assert time.monotonic() - start < LIMIT_SECONDS, f"process {pid} still there"
        time.sleep(0.01)


def test_ffplay_is_the_fallback(tmp_path, media, monkeypatch):
    log = recording_player(tmp_path, "ffplay")
    only_on_path(monkeypatch, tmp_path / "bin")
    outcome = Player(settle=PATIENT).play(media, 10.0)
    assert outcome.played, outcome.notice
    args = log.read_text(encoding="utf-8").splitlines()[2:]
    assert args[args.index("-ss") + 1] == "7.000"
    assert args[-1] == str(media.resolve())


def test_mpv_is_preferred_over_ffplay(tmp_path, media, monkeypatch):
    log = recording_player(tmp_path, "mpv")
    stand_in(tmp_path / "bin", "ffplay", "exit 9\n")
    only_on_path(monkeypatch, tmp_path / "bin")
    assert Player(settle=PATIENT).play(media, 10.0).played
    assert "--start=7.000" in log.read_text(encoding="utf-8")


def test_no_player_names_one_to_install_and_gives_the_time_code(tmp_path, media, monkeypatch):
    only_on_path(monkeypatch, tmp_path / "empty")
    outcome = Player().play(media, 3723.4)
    assert not outcome.played
    assert outcome.copy == "1:02:03"
    assert "install mpv" in outcome.notice and "1:02:03" in outcome.notice


def test_a_missing_recording_is_one_sentence(tmp_path, monkeypatch):
    recording_player(tmp_path)
    only_on_path(monkeypatch, tmp_path / "bin")
    outcome = Player().play(tmp_path / "gone.mp4", 5.0)
    assert outcome.error and not outcome.played
    assert "gone.mp4" in outcome.notice and "attach it again" in outcome.notice
    assert not (tmp_path / "args.txt").exists()


def test_no_recording_attached_says_how_to_attach(tmp_path):
    outcome = Player().play(None, 5.0)
    assert outcome.error and "--media" in outcome.notice


def test_a_player_that_fails_at_once_is_one_sentence(tmp_path, media, monkeypatch):
    stand_in(tmp_path / "bin", "mpv", "echo 'cannot open' >&2\nexit 2\n")
    only_on_path(monkeypatch, tmp_path / "bin")
    outcome = Player(settle=PATIENT).play(media, 5.0)
    assert outcome.error and not outcome.played
    assert "exit status 2" in outcome.notice and media.name in outcome.notice


def test_a_player_that_cannot_start_is_one_sentence(tmp_path, media, monkeypatch):
    # Executable, so PATH finds it, but its interpreter does not exist: exec fails.
    stand_in(tmp_path / "bin", "mpv", "")
    script = tmp_path / "bin" / "mpv"
    script.write_text("#!/nonexistent/interpreter\n", encoding="utf-8")
    only_on_path(monkeypatch, tmp_path / "bin")
    outcome = Player(settle=PATIENT).play(media, 5.0)
    assert outcome.error and "could not be started" in outcome.notice


def test_a_second_play_ends_the_first(tmp_path, media, monkeypatch):
    started = tmp_path / "started"
    stand_in(tmp_path / "bin", "mpv", f'echo "$$" >> "{started}"\nexec sleep 60\n')
    only_on_path(monkeypatch, tmp_path / "bin")
    player = Player(settle=0.0)
    assert player.play(media, 5.0).played
    wait_for_lines(started, 1)
    assert player.play(media, 50.0).played
    first, second = wait_for_lines(started, 2)
    assert_reaped(first)  # ended by the second, and waited for
    player.stop()
    assert_reaped(second)


def test_the_start_is_never_before_the_recording():
    assert start_second(1.0) == 0.0
    assert start_second(100.0, lead=5) == 95.0


def test_the_media_path_cannot_pass_for_an_option():
    command = player_command("mpv", "mpv", Path("/x/-v.mp4"), 1.0)
    assert command.index("--") == len(command) - 2
    assert os.path.isabs(player_command("ffplay", "ffplay", Path("/x/-v.mp4"), 1.0)[-1])
