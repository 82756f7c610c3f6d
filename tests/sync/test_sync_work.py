"""A sync does each piece of its work once: every file it takes in from the remote is parsed
once (checked, and read for the values its merge left undecided, from one parse), and git is
asked for the push URL once however many times the push is tried."""

from __future__ import annotations

import hashlib
import sys
from collections import Counter

import tui.services.sync.tree
import tui.store.storage
from tests.sync.laptops import Laptop, environment
from tests.sync.test_sync_faults import _git_wrapper, shared_study

AT = "2026-12-07T10:00:00.000Z"


def test_each_file_taken_in_is_parsed_once(tmp_path, monkeypatch):
    _, ana, bo, first = shared_study(tmp_path, tmp_path / "ana")
    sessions = [first, *(ana.ok("new", f"P{n}").strip() for n in range(3))]
    for session_id in sessions[1:]:
        ana.note(session_id, "the invite never arrived")
    assert ana.sync().code == 0 and bo.sync().code == 0
    for session_id in sessions:
        ana.note(session_id, "a second thought")
    assert ana.sync().code == 0

    parsed: Counter[tuple[str, str]] = Counter()
    parse = tui.store.storage.parse_tables

    def counted(raw: bytes, path):
        parsed[(path.name, hashlib.sha1(raw).hexdigest())] += 1
        return parse(raw, path)

    monkeypatch.setattr(tui.store.storage, "parse_tables", counted)
    monkeypatch.setattr(tui.services.sync.tree, "parse_tables", counted)
    assert bo.sync().code == 0
    received = {
        (f"{session_id}.json", hashlib.sha1(raw).hexdigest())
        for session_id in sessions
        for raw in [(bo.home / "sessions" / f"{session_id}.json").read_bytes()]
    }
    assert len(received) == len(sessions)
    assert {key: parsed[key] for key in received} == dict.fromkeys(received, 1)


def test_the_push_url_is_asked_once_however_many_pushes(tmp_path):
    _, ana, bo, session_id = shared_study(tmp_path, tmp_path / "ana")
    carl = Laptop(tmp_path / "carl", "carl")
    carl.ok("sync", "init", "--remote", str(tmp_path / "study.git"), "--as", "carl")
    ana.note(session_id, "ana's note")
    carl.note(session_id, "carl's note")
    # Between ana's fetch and her push, carl's sync pushes: her first push is rejected.
    log, flag = tmp_path / "git.log", tmp_path / "carl-pushed"
    carl_sync = f'FIELDNOTE_HOME="{carl.home}" {sys.executable} -m tui sync --as carl'
    env = _git_wrapper(
        tmp_path / "bin",
        f'echo "$*" >> "{log}"\n'
        f'if [ "$3" = push ] && [ ! -e "{flag}" ]; then touch "{flag}"; '
        f"{carl_sync} >/dev/null 2>&1; fi",
    )
    with environment(**env):
        ran = ana.sync()
    assert ran.code == 0, ran.err
    said = log.read_text().splitlines()
    ana_said = [line for line in said if line.startswith(f"-C {ana.home} ")]
    assert sum(" push " in line for line in ana_said) == 2, ana_said
    assert sum("get-url --push" in line for line in ana_said) == 1, ana_said


def test_a_sync_that_pushes_twice_counts_every_file_it_took_in(tmp_path):
    remote, ana, bo, session_id = shared_study(tmp_path, tmp_path / "ana")
    carl = Laptop(tmp_path / "carl", "carl")
    carl.ok("sync", "init", "--remote", str(remote), "--as", "carl")
    bo.note(session_id, "bo's note")
    assert bo.sync().code == 0  # ana's first merge takes this in
    ana.note(session_id, "ana's note")
    carls = carl.ok("new", "Onboarding - P8").strip()
    # Between ana's fetch and her push, carl's sync pushes his new session: her second
    # merge takes that in too.
    flag = tmp_path / "carl-pushed"
    carl_sync = f'FIELDNOTE_HOME="{carl.home}" {sys.executable} -m tui sync --as carl'
    env = _git_wrapper(
        tmp_path / "bin",
        f'if [ "$3" = push ] && [ ! -e "{flag}" ]; then touch "{flag}"; '
        f"{carl_sync} >/dev/null 2>&1; fi",
    )
    with environment(**env):
        ran = ana.sync()
    assert ran.code == 0 and flag.exists(), ran.err
    assert (ana.home / "sessions" / f"{carls}.json").is_file()
    assert "took in 2 file(s)" in ran.err, ran.err
