"""The study under plain git: the registered merge driver, and an open session noticing a file
that git (through `fieldnote sync`) replaced."""

from __future__ import annotations

import os
import subprocess
import threading
import time

import orjson
import pytest
import tinydb

from tests.sync.laptops import Laptop, assert_whole_and_plain, bare_remote
from tui.store import DataStore
from tui.store.watch import FileWatch

WAIT_SECONDS = 30


def test_a_plain_git_pull_merges_by_document_id_through_the_driver(tmp_path):
    remote = bare_remote(tmp_path / "study.git")
    ana, bo = Laptop(tmp_path / "ana", "ana"), Laptop(tmp_path / "bo", "bo")
    session_id = ana.ok("new", "Onboarding - P7").strip()
    ana.ok("sync", "init", "--remote", str(remote))
    bo.ok("sync", "init", "--remote", str(remote))
    # Both add a note: each file calls its new note document "1", which a line merge would
    # either conflict on or mix up.
    ana.note(session_id, "ana's note")
    bo.note(session_id, "bo's note")
    assert bo.sync().code == 0
    ana.ok("sync", "status")  # fetches
    _fold(ana, session_id)  # as `sync` would before its commit; from here git works alone
    ana.git("-c", "user.name=a", "-c", "user.email=a@a", "commit", "-qam", "ana by hand")
    merged = subprocess.run(
        [
            "git",
            "-C",
            str(ana.home),
            "-c",
            "user.name=a",
            "-c",
            "user.email=a@a",
            "merge",
            "-q",
            "--no-edit",
            "origin/main",
        ],
        capture_output=True,
        text=True,
    )
    assert merged.returncode == 0, merged.stderr
    assert_whole_and_plain(ana)
    texts = {n["text"] for s in ana.export()["sessions"] for n in s["notes"]}
    assert {"ana's note", "bo's note"} <= texts


def _merge_by_hand(laptop: Laptop, session_ids: list[str], how: str = "merge") -> None:
    """The remote's work taken in by hand, with no `fieldnote sync`: the journals folded (as
    closing the sessions does), a commit of what changed here, then `git pull` or a fetch
    and a `git merge`, through the registered driver."""
    for session_id in session_ids:
        _fold(laptop, session_id)
    who = ("-c", "user.name=a", "-c", "user.email=a@a")
    laptop.git(*who, "commit", "-qam", "by hand")
    if how in ("pull", "rebase"):
        command = ["pull", "-q", f"--{'' if how == 'rebase' else 'no-'}rebase", "origin", "main"]
    else:  # a merge, or a cherry-pick of the remote's last commit
        laptop.git("fetch", "-q", "origin")
        command = [how, *(["-q", "--no-edit"] if how == "merge" else []), "origin/main"]
    merged = subprocess.run(
        ["git", "-C", str(laptop.home), *who, *command], capture_output=True, text=True
    )
    assert merged.returncode == 0, merged.stderr


@pytest.mark.parametrize("how", ["merge", "pull", "rebase", "cherry-pick"])
@pytest.mark.parametrize("deletion_stands", [True, False])
def test_a_plain_git_merge_marks_the_codings_a_merge_kept_over_a_deletion(
    tmp_path, deletion_stands, how
):
    """Ana deletes `setup` while Bo merges it into `onboarding`; Ana merges Bo's work with a
    plain `git merge`. The driver merged the session file without the codebook's renames, so
    it marked none of the codings Bo's merge moved: the tag came back undecided, and taking
    the deletion (`o`) took nothing off. The driver reads the codebook of the two commits and
    their base (a rebase: the commit it picks and its parent), as `fieldnote sync` does, and
    the same line settles the same way. A cherry-pick names no commit it takes in, so its
    driver cannot: there `o` says it took nothing off, and that `fieldnote sync` is the way
    to merge (it said nothing)."""
    from tui.services.sync.undecided import TeamSync
    from tui.services.tag_ops import delete_tag, merge_tags

    remote = bare_remote(tmp_path / "study.git")
    ana, bo = Laptop(tmp_path / "ana", "ana"), Laptop(tmp_path / "bo", "bo")
    session_id = ana.ok("new", "Onboarding - P7").strip()
    first = ana.note(session_id, "the invite never arrived #setup")
    second = ana.note(session_id, "they compare us with a spreadsheet")
    ana.ok("sync", "init", "--remote", str(remote))
    ana.code(session_id, second, "onboarding", "2026-12-01T09:00:00.000Z")
    assert ana.sync().code == 0
    bo.ok("sync", "init", "--remote", str(remote))
    store = ana.store()
    delete_tag(store, "setup")
    store.codebook.close()
    store = bo.store()
    merge_tags(store, "setup", "onboarding", "2026-12-01T10:00:00.000Z")
    store.codebook.close()
    assert bo.sync().code == 0

    _merge_by_hand(ana, [session_id], how)
    assert_whole_and_plain(ana)
    line = (
        "codebook tags onboarding: 'setup' was deleted on one laptop and merged into "
        "'onboarding' on another; the codings the merge moved stay in 'onboarding'"
    )
    assert line in ana.ok("sync", "status")
    notes = {n["id"]: n for n in ana.export()["sessions"][0]["notes"]}
    assert notes[first]["tags"] == ["onboarding"]  # kept: a change outweighs a removal

    store = ana.store()
    team = TeamSync(store, "ana")
    (item,) = team.undecided()
    said = team.settle(item, take_other=deletion_stands)
    store.codebook.close()
    assert team.undecided() == []
    notes = {n["id"]: n for n in ana.export()["sessions"][0]["notes"]}
    if how == "cherry-pick" and deletion_stands:
        assert said is not None and "Nothing was taken off" in said
        assert "`fieldnote sync`" in said
        assert notes[first]["tags"] == ["onboarding"]
        return
    assert said is None
    word = "setup" if deletion_stands else "onboarding"
    assert notes[first]["tags"] == ([] if deletion_stands else ["onboarding"])
    assert notes[first]["text"] == f"the invite never arrived #{word}"
    assert notes[second]["tags"] == ["onboarding"]  # onboarding's own coding stays
    assert not any(n.get("conflicts") for n in notes.values())


def _fold(laptop: Laptop, session_id: str) -> None:
    from tui.store.storage import AtomicJSONStorage

    storage = AtomicJSONStorage(laptop.home / "sessions" / f"{session_id}.json", journal=True)
    with storage.locked():
        assert storage.fold_journal()
    storage.close()
    laptop.git("add", "-A")


def test_an_open_session_notices_the_file_a_sync_replaced(tmp_path):
    remote = bare_remote(tmp_path / "study.git")
    ana, bo = Laptop(tmp_path / "ana", "ana"), Laptop(tmp_path / "bo", "bo")
    session_id = ana.ok("new", "Onboarding - P7").strip()
    ana.ok("sync", "init", "--remote", str(remote))
    bo.ok("sync", "init", "--remote", str(remote))
    bo.note(session_id, "bo's note")
    assert bo.sync().code == 0

    store = DataStore(ana.home)
    session = store.open_session(session_id)  # ana's app, open on the session
    seen = session.read()
    assert [n["text"] for n in seen.notes] == []
    changed = threading.Event()
    watch = FileWatch(session.path, changed.set, also=session.watched_paths)
    try:
        # The watch is live once it reports a touch of the session's journal.
        journal = session.path.with_name(session.path.name + ".journal")
        deadline = time.monotonic() + WAIT_SECONDS
        while not changed.wait(0.05):
            assert time.monotonic() < deadline and watch.error is None
            journal.touch()
        changed.clear()
        assert ana.sync().code == 0
        assert changed.wait(WAIT_SECONDS)
        assert session.changed_on_disk()
        assert [n["text"] for n in session.read().notes] == ["bo's note"]
        assert session.remote_version > seen.remote_version
    finally:
        watch.stop()
        session.close()
        store.codebook.close()


def test_the_last_instance_to_close_a_session_folds_its_journal(store, session_id, clock):
    from tui.services.live_session import LiveSession

    maya = LiveSession(store, session_id, "Maya", now=clock)
    jonas = LiveSession(store, session_id, "Jonas", now=clock)
    maya.commit_note("first note", clock(), 0.0, None)
    assert maya.flush()
    path = store.session_path(session_id)
    journal = path.with_name(path.name + ".journal")
    maya.close()
    assert journal.stat().st_size > 0  # jonas is still in: the journal stays
    jonas.close()
    assert not journal.exists() or journal.stat().st_size == 0
    db = tinydb.TinyDB(path, access_mode="r")
    assert [doc["text"] for doc in db.table("notes").all()] == ["first note"]
    db.close()


def test_the_driver_merges_a_file_both_sides_added_and_refuses_one_that_is_not_json(tmp_path):
    from tui.cli import main

    base, ours, theirs = (tmp_path / name for name in ("base", "ours", "theirs"))
    base.write_bytes(b"")
    ours.write_bytes(orjson.dumps({"tags": {"1": _tag("pricing")}}))
    theirs.write_bytes(orjson.dumps({"tags": {"1": _tag("setup")}}))
    argv = ["merge-driver", str(base), str(ours), str(theirs), "codebook.json"]
    assert main(argv) == 0
    merged = orjson.loads(ours.read_bytes())
    assert [t["name"] for t in merged["tags"].values()] == ["pricing", "setup"]
    theirs.write_bytes(b"<<<<<<< not json")
    before = ours.read_bytes()
    assert main(argv) != 0
    assert ours.read_bytes() == before  # ours untouched: git reports a conflict, no markers


def _tag(name: str) -> dict:
    return {
        "name": name,
        "description": "",
        "color": "",
        "created_at": "2026-12-01",
        "uses": 1,
        "last_used_at": None,
    }


@pytest.mark.parametrize("how", ["merge", "rebase"])
def test_a_plain_git_merge_follows_a_rename_in_the_session_files(tmp_path, how):
    """Bo renames `setup` to `install` while Ana codes another note `setup`; Ana takes Bo's
    work in by hand. The driver merged the session without the codebook, so Ana's coding
    stayed under `setup`, a name the codebook no longer had; it follows the rename now."""
    from tui.services.tag_ops import rename_tag

    remote = bare_remote(tmp_path / "study.git")
    ana, bo = Laptop(tmp_path / "ana", "ana"), Laptop(tmp_path / "bo", "bo")
    session_id = ana.ok("new", "Onboarding - P7").strip()
    ana.note(session_id, "the invite never arrived #setup")
    second = ana.note(session_id, "they compare us with a spreadsheet")
    ana.ok("sync", "init", "--remote", str(remote))
    bo.ok("sync", "init", "--remote", str(remote))
    ana.code(session_id, second, "setup", "2026-12-01T10:00:00.000Z")
    store = bo.store()
    rename_tag(store, "setup", "install", "2026-12-01T10:00:00.000Z")
    store.codebook.close()
    assert bo.sync().code == 0

    _merge_by_hand(ana, [session_id], how)
    export = ana.export()
    assert [t["name"] for t in export["codebook"]] == ["install"]
    tags = [n["tags"] for n in export["sessions"][0]["notes"]]
    assert tags == [["install"], ["install"]]


def _renamed_study(tmp_path, monkeypatch) -> tuple[Laptop, str, str, bytes]:
    """A study whose last commit renamed `setup` to `install` (its session's note coded
    `setup` follows), as a rebase stopped on that commit leaves it, with no `git merge`
    running: the study, its session's path, the rename's commit, and the session file as it
    was before the rename."""
    from tui.services.tag_ops import rename_tag

    for name in [name for name in os.environ if name.startswith("GITHEAD_")]:
        monkeypatch.delenv(name)
    ana = Laptop(tmp_path / "ana", "ana")
    session_id = ana.ok("new", "Onboarding - P7").strip()
    ana.note(session_id, "the invite never arrived #setup")
    ana.ok("sync", "init", "--remote", str(bare_remote(tmp_path / "study.git")))
    path = f"sessions/{session_id}.json"
    before = (ana.home / path).read_bytes()
    store = ana.store()
    rename_tag(store, "setup", "install", "2026-12-01T10:00:00.000Z")
    store.codebook.close()
    _fold(ana, session_id)
    ana.git("-c", "user.name=a", "-c", "user.email=a@a", "commit", "-qam", "rename")
    monkeypatch.chdir(ana.home)
    return ana, path, ana.git("rev-parse", "HEAD").strip(), before


def test_the_driver_takes_no_rename_from_a_commit_that_is_not_the_one_merged(tmp_path, monkeypatch):
    """A rebase stopped on the commit that renamed `setup` (an `edit`), and a cherry-pick or
    a stash run meanwhile: the rebase's `done` still names that commit, which is not the one
    git hands over. The driver took its codebook all the same and renamed `setup` in a file
    whose merge renamed nothing; a commit whose version of the file is not the one merged
    is none of the merge's, and the file merges without the codebook."""
    from tui.services.sync.driver import merge_files

    ana, path, renamed, before = _renamed_study(tmp_path, monkeypatch)
    done = ana.home / ".git" / "rebase-merge" / "done"
    done.parent.mkdir()
    done.write_text(f"edit {renamed} rename\n")
    files = [tmp_path / name for name in ("base", "ours", "theirs")]
    for file in files:
        file.write_bytes(before)  # the version before the rename: not the edited commit's
    merge_files(*files, path)
    (note,) = orjson.loads(files[1].read_bytes())["notes"].values()
    assert note["tags"] == ["setup"]
    assert note["text"] == "the invite never arrived #setup"


@pytest.mark.parametrize("line", ["label {branch}", "exec git log {branch}", "pick -{commit}"])
def test_the_driver_takes_a_commit_only_by_its_id(tmp_path, monkeypatch, line):
    """A rebase's `done` list names a commit by its id; its other lines name labels, refs and
    commands, which are not commits taken in even where a branch of that name exists."""
    from tui.services.sync.driver import codebooks_merged

    ana, path, renamed, _ = _renamed_study(tmp_path, monkeypatch)
    ana.git("branch", "rename-branch")
    done = ana.home / ".git" / "rebase-merge" / "done"
    done.parent.mkdir()
    theirs = (ana.home / path).read_bytes()  # the renaming commit's own version
    done.write_text(f"pick {renamed} rename\n")
    assert codebooks_merged(ana.home, path, theirs) is not None  # an id: read
    done.write_text(line.format(branch="rename-branch", commit=renamed) + "\n")
    assert codebooks_merged(ana.home, path, theirs) is None
    monkeypatch.setenv("GITHEAD_rename-branch", "rename-branch")
    assert codebooks_merged(ana.home, path, theirs) is None


def test_the_driver_reads_no_codebook_larger_than_a_study_file(tmp_path, monkeypatch):
    """A commit taken in by a plain `git merge` may hold a codebook.json of hundreds of
    megabytes (a shared study is anyone's to push to), which `fieldnote sync` refuses as
    far larger than any study file. The driver read it from git and parsed it for every
    session file git merged, 200 MB taking 5.7 s and a gigabyte each; now it merges the
    session without a codebook that size, and refuses to merge the codebook itself (git
    reports a conflict, ours left as it was)."""
    from tui.cli import main
    from tui.services.sync.driver import codebooks_merged
    from tui.services.sync.tree import MAX_FILE_BYTES

    ana, path, renamed, _ = _renamed_study(tmp_path, monkeypatch)
    theirs = (ana.home / path).read_bytes()
    codebook = orjson.loads((ana.home / "codebook.json").read_bytes())
    (tag,) = codebook["tags"].values()
    tag["description"] = "x" * MAX_FILE_BYTES
    huge = orjson.dumps(codebook)
    (ana.home / "codebook.json").write_bytes(huge)
    ana.git("-c", "user.name=a", "-c", "user.email=a@a", "commit", "-qam", "huge")
    huge_commit = ana.git("rev-parse", "HEAD").strip()
    ana.git("reset", "-q", "--hard", renamed)
    monkeypatch.setenv(f"GITHEAD_{huge_commit}", "huge")
    mine = (ana.home / path).read_bytes()
    assert theirs == mine
    assert codebooks_merged(ana.home, path, theirs) is None

    base, ours, their_file = (tmp_path / name for name in ("base", "ours", "theirs"))
    base.write_bytes((ana.home / "codebook.json").read_bytes())
    ours.write_bytes(base.read_bytes())
    their_file.write_bytes(huge)
    assert main(["merge-driver", str(base), str(ours), str(their_file), "codebook.json"]) != 0
    assert ours.read_bytes() == base.read_bytes()
