"""Sync under faults injected for real: a remote that moves during the sync, a sync killed
half-way, a hostile remote, no network, a push refused, no git, a full disk. Each ends in one
sentence and a non-zero exit with the local data as it was, or in a finished sync that lost
nothing."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import pytest

from tests.sync.laptops import (
    Laptop,
    assert_whole_and_plain,
    bare_remote,
    copy_of,
    environment,
)
from tui.store.storage import DUMP_OPTIONS, read_tables

REAL_GIT = shutil.which("git")
WAIT_SECONDS = 60


def shared_study(tmp_path: Path, ana_folder: Path) -> tuple[Path, Laptop, Laptop, str]:
    """A study Ana started in `ana_folder` with one note, shared with Bo through a remote."""
    remote = bare_remote(tmp_path / "study.git")
    ana, bo = Laptop(ana_folder, "ana"), Laptop(tmp_path / "bo", "bo")
    session_id = ana.ok("new", "Onboarding - P7", "--participant", "P7").strip()
    ana.note(session_id, "the invite never arrived #setup")
    ana.ok("sync", "init", "--remote", str(remote), "--as", "ana")
    bo.ok("sync", "init", "--remote", str(remote), "--as", "bo")
    return remote, ana, bo, session_id


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> tuple[Path, str]:
    """`shared_study` once a module (its own study index): each test gets a copy."""
    template = tmp_path_factory.mktemp("shared-study")
    with environment(FIELDNOTE_CACHE=str(tmp_path_factory.mktemp("cache"))):
        _, _, _, session_id = shared_study(template, template / "ana")
    return template, session_id


@pytest.fixture
def study(shared, tmp_path):
    template, session_id = shared
    copy_of(template, tmp_path)
    ana, bo = Laptop(tmp_path / "ana", "ana"), Laptop(tmp_path / "bo", "bo")
    return tmp_path / "study.git", ana, bo, session_id


def _git_wrapper(folder: Path, script: str) -> dict[str, str]:
    """A `git` first on PATH that runs `script` (sh) before handing over to the real git."""
    folder.mkdir()
    wrapper = folder / "git"
    wrapper.write_text(f'#!/bin/sh\n{script}\nexec "{REAL_GIT}" "$@"\n')
    wrapper.chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def _notes(laptop: Laptop, session_id: str) -> set[str]:
    tables = read_tables(laptop.home / "sessions" / f"{session_id}.json")
    return {doc["text"] for doc in tables["notes"].values()}


def _state(laptop: Laptop, session_id: str) -> tuple:
    """What "the local data exactly as it was" compares: every note, the branch."""
    return (_notes(laptop, session_id), laptop.git("rev-parse", "HEAD"), laptop.export())


def _one_sentence(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fieldnote: "), err
    assert "Traceback" not in err and "\x1b" not in err
    return lines[0]


def test_a_push_rejected_by_a_newer_remote_fetches_merges_and_pushes_again(study, tmp_path):
    remote, ana, bo, session_id = study
    ana.note(session_id, "ana's note")
    bo.note(session_id, "bo's note")
    # Between ana's fetch and her push, bo's sync pushes: her first push is rejected.
    flag = tmp_path / "bo-pushed"
    bo_sync = f"{sys.executable} -m tui sync --as bo"
    env = _git_wrapper(
        tmp_path / "bin",
        f'if [ "$3" = push ] && [ ! -e "{flag}" ]; then touch "{flag}"; '
        f'FIELDNOTE_HOME="{bo.home}" {bo_sync} >/dev/null 2>&1; fi',
    )
    with environment(**env):
        ran = ana.sync()
    assert flag.exists()
    assert ran.code == 0, ran.err
    assert bo.sync().code == 0
    assert ana.export() == bo.export()
    assert {"ana's note", "bo's note"} <= _notes(ana, session_id)
    assert ana.git("rev-parse", "HEAD") == bo.git("rev-parse", "HEAD")
    assert ana.git("rev-list", "--merges", "--count", "HEAD").strip() == "0"


@pytest.mark.parametrize(
    ("killed_at", "git_holds"),
    [
        # taking in this folder's changes: git holds the index's lock (killed, it stays)
        ("add", "index.lock"),
        ("hash-object", None),  # writing a merged file's blob: mid-merge, nothing written yet
        ("update-ref", None),  # the merged files are written, the branch has not moved
        ("read-tree", "index.lock"),  # the branch has moved, the index is being rewritten
    ],
)
def test_a_sync_killed_half_way_loses_nothing_and_the_next_one_finishes(
    study, tmp_path, killed_at, git_holds
):
    remote, ana, bo, session_id = study
    bo.note(session_id, "bo's note")
    assert bo.sync().code == 0
    ana.note(session_id, "ana's note")
    reached = tmp_path / "reached"
    # The git command stops where it is: having taken its lock file, as git does first.
    holds = f': > "{ana.home / ".git" / git_holds}"; ' if git_holds else ""
    env = _git_wrapper(
        tmp_path / "bin",
        f'if [ "$3" = {killed_at} ]; then {holds}touch "{reached}"; exec sleep {WAIT_SECONDS}; fi',
    )
    sync = subprocess.Popen(
        [sys.executable, "-m", "tui", "sync", "--as", "ana"],
        env={**os.environ, **env, "FIELDNOTE_HOME": str(ana.home)},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while not reached.exists():
        assert sync.poll() is None, "the sync ended before it reached the point to kill it at"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.killpg(sync.pid, signal.SIGKILL)
    sync.wait()
    for path in ana.study_files():  # every file whole, old or merged
        read_tables(path)
    assert "ana's note" in _notes(ana, session_id)

    again = ana.sync()
    assert again.code == 0, again.err
    assert bo.sync().code == 0
    assert {"ana's note", "bo's note"} <= _notes(ana, session_id)
    assert ana.export() == bo.export()
    assert_whole_and_plain(ana)
    assert ana.git("status", "--porcelain") == ""


def _plant(remote: Path, entry: str) -> None:
    """A commit on the remote's main whose tree also holds `entry` (an `ls-tree` line whose
    path is relative to the top or to sessions/; at the top, it replaces a file of that name),
    pushed as a newer study would be."""

    def git(*args: str, data: bytes | None = None) -> str:
        done = subprocess.run(
            [REAL_GIT, "--git-dir", str(remote), *args], input=data, capture_output=True, check=True
        )
        return done.stdout.decode().strip()

    top = git("ls-tree", "main").splitlines()
    where, _, line = entry.partition(":")
    if where == "sessions":
        sessions = next(t for t in top if t.endswith("\tsessions"))
        inner = git("ls-tree", sessions.split()[2]).splitlines()
        folder = git("mktree", data="\n".join([*inner, line]).encode() + b"\n")
        top = [t for t in top if t != sessions] + [f"040000 tree {folder}\tsessions"]
    else:  # in place of a file of that name
        name = line.partition("\t")[2]
        top = [t for t in top if t.partition("\t")[2] != name] + [line]
    tree = git("mktree", data="\n".join(top).encode() + b"\n")
    commit = git(
        "-c", "user.name=x", "-c", "user.email=x@x", "commit-tree", tree, "-p", "main", "-m", "x"
    )
    git("update-ref", "refs/heads/main", commit)


def _blob(remote: Path, data: bytes) -> str:
    done = subprocess.run(
        [REAL_GIT, "--git-dir", str(remote), "hash-object", "-w", "--stdin"],
        input=data,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode().strip()


SESSION_NAME = "0123456789abcdef0123456789abcdef.json"


def _hostile(remote: Path, kind: str) -> str:
    if kind == "symlink":
        return f"sessions:120000 blob {_blob(remote, b'/etc/passwd')}\t{SESSION_NAME}"
    if kind == "dotdot":
        inner = subprocess.run(
            [REAL_GIT, "--git-dir", str(remote), "mktree"],
            input=f"100644 blob {_blob(remote, b'{}')}\tevil.json\n".encode(),
            capture_output=True,
            check=True,
        ).stdout.decode()
        return f"top:040000 tree {inner.strip()}\t.."
    if kind == "huge":
        return f"sessions:100644 blob {_blob(remote, b' ' * (100 * 1024 * 1024))}\t{SESSION_NAME}"
    if kind == "not-json":
        return f"sessions:100644 blob {_blob(remote, b'{not json')}\t{SESSION_NAME}"
    if kind == "deep":  # JSON that parses, and that nothing can write back (orjson stops at 255)
        deep = b"[" * 300 + b"]" * 300
        record = b'{"session": {"1": {"id": "%s", "title": "x", "x": %s}}}' % (
            SESSION_NAME.removesuffix(".json").encode(),
            deep,
        )
        return f"sessions:100644 blob {_blob(remote, record)}\t{SESSION_NAME}"
    if kind == "escape":
        return f"sessions:100644 blob {_blob(remote, b'{}')}\t\x1b[31mred.json"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("symlink", "as a symbolic link"),
        ("dotdot", "'../evil.json', which is not part of a Fieldnote study"),
        ("huge", "100 MB"),
        ("not-json", "not valid Fieldnote data"),
        ("deep", "nested deeper than Fieldnote can write back"),
        ("escape", "not part of a Fieldnote study"),
    ],
)
def test_a_hostile_remote_is_refused_before_anything_changes_here(study, kind, said):
    remote, ana, bo, session_id = study
    _plant(remote, _hostile(remote, kind))
    ana.note(session_id, "written before the sync")
    before = _state(ana, session_id)
    ran = ana.sync()
    assert ran.code != 0
    sentence = _one_sentence(ran.err)
    assert said in sentence and "nothing was changed" in sentence
    assert _state(ana, session_id) == before
    assert not (ana.home / "sessions" / SESSION_NAME).exists()
    assert not (ana.home.parent / "evil.json").exists()
    assert_whole_and_plain(ana)


@pytest.mark.parametrize(
    ("file", "table", "field", "value"),
    [
        ("session", "notes", "conflicts", 5),
        ("session", "notes", "conflicts", ["not an object"]),
        ("session", "session", "conflicts", {"field": "title"}),
        ("codebook", "tags", "renamed_from", 5),
        ("codebook", "tags", "renamed_from", [["setup"]]),
    ],
)
def test_a_merge_field_of_the_wrong_shape_is_refused_in_a_sentence(
    study, file, table, field, value
):
    """The fields only a merge reads (a document's undecided `conflicts`, a tag's
    `renamed_from`) were never checked: a remote holding `"conflicts": 5` ended the sync
    in a TypeError traceback. They are checked as every other field is."""
    remote, ana, bo, session_id = study
    path = bo.home / ("codebook.json" if file == "codebook" else f"sessions/{session_id}.json")
    data = orjson.loads(path.read_bytes())
    for doc in data[table].values():
        doc[field] = value
    raw = orjson.dumps(data, option=DUMP_OPTIONS)
    where = "top" if file == "codebook" else "sessions"
    _plant(remote, f"{where}:100644 blob {_blob(remote, raw)}\t{path.name}")
    ana.note(session_id, "written before the sync")
    before = _state(ana, session_id)
    ran = ana.sync()
    assert ran.code != 0
    sentence = _one_sentence(ran.err)
    assert "not valid Fieldnote data" in sentence and f"field '{field}" in sentence
    assert _state(ana, session_id) == before


def test_a_remote_that_is_not_a_study_is_refused(tmp_path):
    remote = bare_remote(tmp_path / "code.git")
    scratch = tmp_path / "scratch"
    subprocess.run([REAL_GIT, "clone", "-q", str(remote), str(scratch)], check=True)
    (scratch / "README.md").write_text("a project\n")
    for args in (
        ["add", "README.md"],
        ["-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "x"],
        ["push", "-q", "origin", "HEAD:main"],
    ):
        subprocess.run([REAL_GIT, "-C", str(scratch), *args], check=True)
    ana = Laptop(tmp_path / "ana", "ana")
    session_id = ana.ok("new", "Onboarding - P7").strip()
    ana.note(session_id, "mine")
    ran = ana.cli("sync", "init", "--remote", str(remote))
    assert ran.code != 0
    assert "not part of a Fieldnote study" in _one_sentence(ran.err)
    assert _notes(ana, session_id) == {"mine"}
    assert not (ana.home / "README.md").exists()


def test_an_empty_remote_is_refused_not_taken_for_none(tmp_path):
    """`sync init --remote "$REMOTE"` with the variable unset made the folder a repository
    with no remote and said it synced: the study the user meant to share stayed here."""
    ana = Laptop(tmp_path / "ana", "ana")
    ana.ok("new", "Onboarding - P7")
    ran = ana.cli("sync", "init", "--remote", " ")
    assert ran.code != 0
    assert "--remote is empty" in _one_sentence(ran.err)
    assert not (ana.home / ".git").exists()


def test_no_network_is_one_sentence_and_changes_nothing(study):
    remote, ana, bo, session_id = study
    ana.git("remote", "set-url", "origin", "ssh://fieldnote.invalid/study.git")
    ana.note(session_id, "offline note")
    before = _state(ana, session_id)
    ran = ana.sync()
    assert ran.code != 0
    assert "Could not fetch" in _one_sentence(ran.err)
    assert _state(ana, session_id) == before


def test_a_remote_folder_that_vanished_is_named_as_the_reason(study):
    """git's last line for a path that is no repository is the tail of its advice ("and the
    repository exists."): the sentence gave that as the reason. It gives git's first."""
    remote, ana, bo, session_id = study
    moved = remote.with_name("moved.git")
    remote.rename(moved)
    ana.note(session_id, "written while the drive is away")
    before = _state(ana, session_id)
    ran = ana.sync()
    assert ran.code != 0
    said = _one_sentence(ran.err)
    assert f"Could not fetch from the remote ('{remote}' does not appear to be a git " in said
    assert _state(ana, session_id) == before
    # The way out names the command that sets another URL (status only shows the URL),
    # and status says why the remote is out of reach, not only that it is.
    assert "set the right URL with `fieldnote sync init --remote URL`" in said
    status = ana.ok("sync", "status")
    assert f"Not reachable now ('{remote}' does not appear to be a git repository)" in status
    assert "fieldnote sync init --remote URL" in status
    ana.ok("sync", "init", "--remote", str(moved))
    assert "Not reachable" not in ana.ok("sync", "status")


def _limit_pushes(remote: Path, size: str) -> None:
    """The remote's own limit on what a push may send ("0": none)."""
    config = [REAL_GIT, "--git-dir", str(remote), "config", "receive.maxInputSize", size]
    subprocess.run(config, check=True)


def test_a_push_the_remote_refuses_rolls_the_merge_back(study):
    remote, ana, bo, session_id = study
    bo.note(session_id, "bo's note")
    assert bo.sync().code == 0
    _limit_pushes(remote, "1")  # a quota: the remote refuses any push
    ana.note(session_id, "ana's note")
    before = _state(ana, session_id)
    ran = ana.sync()
    assert ran.code != 0
    said = _one_sentence(ran.err)
    assert "refused the push (remote: fatal: pack exceeds maximum allowed size)" in said
    assert _state(ana, session_id) == before  # bo's note was merged, then rolled back
    assert "bo's note" not in _notes(ana, session_id)
    _limit_pushes(remote, "0")
    assert ana.sync().code == 0
    assert {"ana's note", "bo's note"} <= _notes(ana, session_id)


def test_a_refused_push_whose_branch_cannot_move_back_loses_nothing(study, tmp_path):
    """The remote refuses the push, and putting the branch back fails too (another git
    process holds HEAD's lock). The files were put back first: this folder's old versions
    beside a branch still on the merge, which the next sync took for changes made here and
    pushed, deleting the other laptop's note everywhere. The branch goes back first, and the
    files stay merged while it cannot."""
    remote, ana, bo, session_id = study
    bo.note(session_id, "bo's note")
    assert bo.sync().code == 0
    _limit_pushes(remote, "1")  # a quota: the remote refuses any push
    ana.note(session_id, "ana's note")
    head_lock = ana.home / ".git" / "HEAD.lock"
    env = _git_wrapper(tmp_path / "bin", f'if [ "$3" = push ]; then : > "{head_lock}"; fi')
    with environment(**env):
        ran = ana.sync()
    assert ran.code != 0
    assert "could not put this folder back as it was" in _one_sentence(ran.err)
    for path in ana.study_files():
        read_tables(path)
    assert "ana's note" in _notes(ana, session_id)

    head_lock.unlink()  # the other git process ends
    _limit_pushes(remote, "0")
    assert ana.sync().code == 0
    assert bo.sync().code == 0
    for laptop in (ana, bo):
        assert {"ana's note", "bo's note"} <= _notes(laptop, session_id)


def test_git_missing_from_path_is_one_sentence(study, tmp_path):
    remote, ana, bo, session_id = study
    empty = tmp_path / "no-git"
    empty.mkdir()
    before = _state(ana, session_id)
    with environment(PATH=str(empty)):
        ran = ana.sync()
    assert ran.code != 0
    assert "install git" in _one_sentence(ran.err)
    assert _state(ana, session_id) == before


def test_a_second_sync_on_the_same_folder_is_told_to_wait(study):
    remote, ana, bo, session_id = study
    with open(ana.home / ".git" / "fieldnote-sync.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a sync running in another process
        ran = ana.sync()
    assert ran.code != 0
    assert "Another `fieldnote sync` is running" in _one_sentence(ran.err)


def test_a_settings_file_deleted_here_is_written_again_and_the_sync_goes_on(study):
    """With `.gitignore` gone, `git add` took every lock file and journal, and the sync
    stopped on "codebook.json.lock is not part of a Fieldnote study; move it out"."""
    remote, ana, bo, session_id = study
    (ana.home / ".gitignore").unlink()
    ana.note(session_id, "typed after the file went")
    ran = ana.sync()
    assert ran.code == 0, ran.err
    assert (ana.home / ".gitignore").is_file()
    assert bo.sync().code == 0
    assert "typed after the file went" in _notes(bo, session_id)


def test_sync_before_init_says_how_to_start(tmp_path):
    ana = Laptop(tmp_path / "ana", "ana")
    ana.ok("new", "Onboarding - P7")
    ran = ana.sync()
    assert ran.code != 0
    assert "fieldnote sync init --remote URL" in _one_sentence(ran.err)


def test_a_session_another_process_keeps_locked_stops_the_sync_unchanged(study, monkeypatch):
    remote, ana, bo, session_id = study
    bo.note(session_id, "bo's note")
    assert bo.sync().code == 0
    monkeypatch.setattr("tui.services.sync.study.LOCK_WAIT_SECONDS", 0.2)
    before = _state(ana, session_id)
    lock = ana.home / "sessions" / f"{session_id}.json.lock"
    with open(lock) as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a writer that does not let go
        ran = ana.sync()
    assert ran.code != 0
    assert "stays locked by" in _one_sentence(ran.err)
    assert _state(ana, session_id) == before
    assert ana.sync().code == 0
    assert "bo's note" in _notes(ana, session_id)


def test_a_pipe_in_place_of_a_sessions_lock_stops_the_sync_unchanged(study):
    """A FIFO where a session's lock goes held the sync's open forever, waiting for a writer
    of its own. The sync runs in a thread here, so a hang fails the test: the pipe is then
    opened for writing to let it go."""
    remote, ana, bo, session_id = study
    bo.note(session_id, "bo's note")
    assert bo.sync().code == 0
    before = _state(ana, session_id)
    lock = ana.home / "sessions" / f"{session_id}.json.lock"
    lock.unlink(missing_ok=True)
    os.mkfifo(lock)
    ran: list = []
    syncing = threading.Thread(target=lambda: ran.append(ana.sync()), daemon=True)
    syncing.start()
    syncing.join(30)
    if syncing.is_alive():
        os.close(os.open(lock, os.O_WRONLY | os.O_NONBLOCK))
        syncing.join(30)
        pytest.fail("the sync waited on the pipe")
    assert ran[0].code != 0
    said = _one_sentence(ran[0].err)
    assert "Cannot take the lock" in said and "pipe" in said
    assert _state(ana, session_id) == before
    lock.unlink()
    assert ana.sync().code == 0
    assert "bo's note" in _notes(ana, session_id)


def test_a_disk_that_fills_during_a_sync_loses_nothing_and_the_next_one_finishes(tmp_path):
    """The laptop's data folder on a small tmpfs, filled after the other laptop pushed: the
    sync's fetch finds no room. It ends in one sentence that says the disk is full (git's own
    last line, "unpack-objects failed", was shown as a network problem), the local study
    whole, and once there is room again the next sync brings both notes together."""
    from tests.disk_faults import fill, tmpfs_at

    with contextlib.contextmanager(tmpfs_at)(tmp_path / "disk", "4m") as disk:
        _, ana, bo, session_id = shared_study(tmp_path, disk / "ana")
        for number in range(40):  # enough new objects that the fetch needs room
            bo.note(session_id, f"bo's note {number}: " + "the export button was hidden " * 20)
        assert bo.sync().code == 0
        ana.note(session_id, "ana's note")
        before = _notes(ana, session_id)
        filler = fill(disk)

        full = ana.sync()
        assert full.code != 0
        said = _one_sentence(full.err)
        assert "space" in said.lower() or "full" in said.lower(), said
        for path in ana.study_files():  # every file whole, as it was
            read_tables(path)
        assert _notes(ana, session_id) == before

        filler.unlink()
        again = ana.sync()
        assert again.code == 0, again.err
        assert "ana's note" in _notes(ana, session_id)
        assert "bo's note 39: " + "the export button was hidden " * 20 in _notes(ana, session_id)
        assert_whole_and_plain(ana)


def test_a_disk_that_fills_while_the_merged_files_are_written_ends_in_a_sentence(tmp_path):
    """The fetch and the merge fit; then the disk fills (another program's download), and
    writing the merged file fails. Putting this folder's version back needs room too: that
    second failure escaped as a traceback. Now: one sentence, every file whole, and once
    there is room the next sync finishes with both notes."""
    from tests.disk_faults import tmpfs_at

    with contextlib.contextmanager(tmpfs_at)(tmp_path / "disk", "4m") as disk:
        _, ana, bo, session_id = shared_study(tmp_path, disk / "ana")
        bo.note(session_id, "bo's note")
        assert bo.sync().code == 0
        ana.note(session_id, "ana's note")
        head = ana.git("rev-parse", "HEAD")
        filler = disk / "filler"
        env = _git_wrapper(  # the merge commit is made, then the disk is full
            tmp_path / "bin",
            f'if [ "$3" = commit-tree ]; then "{REAL_GIT}" "$@"; done=$?; '
            f'dd if=/dev/zero of="{filler}" bs=4k >/dev/null 2>&1; exit $done; fi',
        )
        with environment(**env):
            full = ana.sync()
        assert full.code != 0
        said = _one_sentence(full.err)
        assert "free some space" in said and "run `fieldnote sync` again" in said
        for path in ana.study_files():  # every file whole, old or merged
            read_tables(path)
        assert "ana's note" in _notes(ana, session_id)
        assert ana.git("rev-parse", "HEAD") == head

        filler.unlink()
        again = ana.sync()
        assert again.code == 0, again.err
        assert {"ana's note", "bo's note"} <= _notes(ana, session_id)
        assert bo.sync().code == 0
        assert ana.export() == bo.export()
        assert_whole_and_plain(ana)


def test_a_remote_that_rewrites_the_gitignore_cannot_stop_a_session_being_shared(study):
    """Someone with push access replaces `.gitignore` so that `sessions/` is ignored. Each
    laptop keeps the settings `sync init` wrote: a session started here after that sync still
    reaches the other laptop (it stayed on this one, with "Synced" said and nothing pushed)."""
    remote, ana, bo, session_id = study
    own = (bo.home / ".gitignore").read_bytes()
    shuts_out = b"/*\n!/.gitignore\n!/.gitattributes\n!/codebook.json\n"
    _plant(remote, f"top:100644 blob {_blob(remote, shuts_out)}\t.gitignore")
    assert bo.sync().code == 0
    assert (bo.home / ".gitignore").read_bytes() == own
    new_session = bo.ok("new", "Onboarding - P8").strip()
    bo.note(new_session, "started after the remote changed its settings")
    assert bo.sync().code == 0
    assert ana.sync().code == 0
    assert _notes(ana, new_session) == {"started after the remote changed its settings"}
    assert_whole_and_plain(ana)


def test_a_symbolic_link_in_this_data_folder_is_refused_with_what_to_do_here(study, tmp_path):
    """A link put among this laptop's sessions (pointing out of the folder) stops the sync
    with a way out that works: it is here, so the sentence says to move it out of the data
    folder, not to remove it from the remote (where it is not)."""
    remote, ana, bo, session_id = study
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    (ana.home / "sessions" / SESSION_NAME).symlink_to(outside)
    ran = ana.sync()
    assert ran.code != 0
    sentence = _one_sentence(ran.err)
    assert "as a symbolic link" in sentence and "move it out of the data folder" in sentence
    assert "remote" not in sentence
    assert outside.read_text() == "{}"
    (ana.home / "sessions" / SESSION_NAME).unlink()
    assert ana.sync().code == 0


def test_a_damaged_file_here_is_refused_before_it_reaches_the_remote(study):
    """A session file damaged in this folder (an editor, a half-copied backup) was committed
    and pushed as it was, since only the remote's files were checked: every other laptop's
    sync then stopped on "the remote holds ... not valid Fieldnote data", which none of them
    could fix. The sync refuses it here, where it can be mended, and pushes nothing."""
    remote, ana, bo, session_id = study
    path = ana.home / "sessions" / f"{session_id}.json"
    whole = path.read_bytes()
    remote_head = subprocess.run(
        [REAL_GIT, "--git-dir", str(remote), "rev-parse", "main"], capture_output=True, text=True
    ).stdout
    path.write_bytes(whole[: len(whole) // 2])
    ran = ana.sync()
    assert ran.code != 0
    sentence = _one_sentence(ran.err)
    assert "This data folder holds" in sentence and "not valid Fieldnote data" in sentence
    assert "remote" not in sentence  # the way out is here
    after = subprocess.run(
        [REAL_GIT, "--git-dir", str(remote), "rev-parse", "main"], capture_output=True, text=True
    ).stdout
    assert after == remote_head
    assert bo.sync().code == 0
    path.write_bytes(whole)
    ana.note(session_id, "after the mend")
    assert ana.sync().code == 0
    assert bo.sync().code == 0
    assert "after the mend" in _notes(bo, session_id)


def test_a_study_moved_to_a_new_empty_remote_is_pushed_there(study, tmp_path):
    """The team moves its study to a new, empty remote. The fetch from it left the old
    remote's branch behind as if it were the new one's, so `sync init --remote NEW` said
    "already up to date" and pushed nothing: the new remote stayed empty, and `sync status`
    counted nothing to push."""
    remote, ana, bo, session_id = study
    moved = bare_remote(tmp_path / "moved.git")
    ran = ana.cli("sync", "init", "--remote", str(moved), "--as", "ana")
    assert ran.code == 0, ran.err
    assert "pushed" in ran.err
    assert subprocess.run(
        [REAL_GIT, "--git-dir", str(moved), "rev-parse", "main"], capture_output=True, text=True
    ).stdout == ana.git("rev-parse", "HEAD")
    assert bo.cli("sync", "init", "--remote", str(moved), "--as", "bo").code == 0
    bo.note(session_id, "bo's note on the new remote")
    assert bo.sync().code == 0
    assert ana.sync().code == 0
    assert "bo's note on the new remote" in _notes(ana, session_id)


def test_a_sync_run_from_inside_another_repository_leaves_it_alone(study, tmp_path):
    """git sets GIT_DIR, GIT_WORK_TREE and GIT_INDEX_FILE for the hooks it runs (and some
    keep GIT_DIR exported for their dotfiles). The sync's git took them over `-C`: it staged
    the study in that other repository's index and moved its branch onto a study commit."""
    remote, ana, bo, session_id = study
    project = tmp_path / "project"
    subprocess.run([REAL_GIT, "init", "-q", "-b", "main", str(project)], check=True)
    (project / "code.py").write_text("print('hi')\n")
    for args in (
        ["add", "code.py"],
        ["-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "x"],
    ):
        subprocess.run([REAL_GIT, "-C", str(project), *args], check=True)

    def project_state() -> tuple[bytes, bytes]:
        head = (project / ".git" / "refs" / "heads" / "main").read_bytes()
        return head, (project / ".git" / "index").read_bytes()

    before = project_state()
    ana.note(session_id, "synced from a hook")
    hook = {
        "GIT_DIR": str(project / ".git"),
        "GIT_WORK_TREE": str(project),
        "GIT_INDEX_FILE": str(project / ".git" / "index"),
    }
    with environment(**hook):
        ran = ana.sync()
    assert ran.code == 0, ran.err
    assert "pushed" in ran.err
    assert project_state() == before
    assert bo.sync().code == 0
    assert "synced from a hook" in _notes(bo, session_id)


def test_a_remote_folder_runs_none_of_its_programs_on_this_laptop(study, tmp_path):
    """A bare repository on a shared drive is pushed to by a git started here, as this user,
    with that folder's hooks and config: anyone who may write to the drive could have every
    laptop that syncs run a program of theirs (a hook, or the alternate-refs command). The
    push takes the study and runs neither."""
    remote, ana, bo, session_id = study
    ran_here = tmp_path / "ran-on-ana's-laptop"
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(f'#!/bin/sh\necho hook >> "{ran_here}"\n')
    hook.chmod(0o755)
    elsewhere = bare_remote(tmp_path / "elsewhere.git")
    (remote / "objects" / "info" / "alternates").write_text(f"{elsewhere / 'objects'}\n")
    subprocess.run(
        [
            REAL_GIT,
            "--git-dir",
            str(remote),
            "config",
            "core.alternateRefsCommand",
            f'echo alternates >> "{ran_here}"; true',
        ],
        check=True,
    )
    ana.note(session_id, "pushed to the shared drive")
    ran = ana.sync()
    assert ran.code == 0, ran.err
    assert "pushed" in ran.err
    assert not ran_here.exists(), ran_here.read_text()
    assert bo.sync().code == 0
    assert "pushed to the shared drive" in _notes(bo, session_id)


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("/shared/drive/onboarding.git", True),
        ("../onboarding.git", True),
        ("file:///shared/drive/onboarding.git", True),
        ("./a:b.git", True),
        ("git@github.com:team/onboarding.git", False),
        ("ssh://git@host/team/onboarding.git", False),
        ("https://host/team/onboarding.git", False),
    ],
)
def test_only_a_folder_remote_has_its_receiving_end_run_here(url, local):
    """A server's receiving end is its own: only a folder's gets the switches (sent to a
    server, `git -c ... receive-pack` would be refused)."""
    from tui.services.sync.study import reached_as_folder

    assert reached_as_folder(url) is local


def test_status_shows_the_remote_without_the_password_in_its_url(study):
    """A hosted remote is often set with a token in its URL. git leaves it out of what it
    says; `sync status` printed the URL whole, token and all, on a screen that may be shared."""
    remote, ana, bo, session_id = study
    ana.git("remote", "set-url", "origin", "https://ana:s3cret-token@fieldnote.invalid/x.git")
    status = ana.ok("sync", "status")
    assert "s3cret-token" not in status
    assert "Remote: https://ana:***@fieldnote.invalid/x.git" in status


def test_a_name_git_cannot_sign_with_still_syncs(study, tmp_path):
    """Without a git identity of the user's own, the commits carry the `--as` name. A name
    made only of characters git strips ("...", "<>") stopped every sync with "git -c failed
    (name consists only of disallowed characters)", naming an option as the command."""
    remote, ana, bo, session_id = study
    bare_home = tmp_path / "no-git-identity"
    bare_home.mkdir()
    ana.note(session_id, "from a laptop without a git identity")
    with environment(HOME=str(bare_home), XDG_CONFIG_HOME=str(bare_home), GIT_CONFIG_NOSYSTEM="1"):
        ran = ana.cli("sync", "--as", "...")
    assert ran.code == 0, ran.err
    assert bo.sync().code == 0
    assert "from a laptop without a git identity" in _notes(bo, session_id)


def test_sync_init_with_a_bad_remote_keeps_the_remote_it_had(study, tmp_path):
    """`sync init --remote BAD` set the remote, then failed saying "nothing was changed": the
    remote stayed BAD and every later sync failed to fetch from it."""
    remote, ana, bo, session_id = study
    ana.note(session_id, "written before the typo")
    before = _state(ana, session_id)
    ran = ana.cli("sync", "init", "--remote", str(tmp_path / "typo.git"), "--as", "ana")
    assert ran.code != 0
    assert "nothing was changed" in _one_sentence(ran.err)
    assert ana.git("remote", "get-url", "origin").strip() == str(remote)
    assert _state(ana, session_id) == before
    assert ana.sync().code == 0


def test_a_first_sync_init_with_a_bad_remote_adds_no_remote(tmp_path):
    carl = Laptop(tmp_path / "carl", "carl")
    carl.ok("new", "Onboarding - P9")
    ran = carl.cli("sync", "init", "--remote", str(tmp_path / "typo.git"), "--as", "carl")
    assert ran.code != 0
    assert "nothing was changed" in _one_sentence(ran.err)
    assert carl.git("remote").strip() == ""
    assert "No remote" in carl.ok("sync", "status")
