"""A remote whose study is on its default branch `master` (a bare repository made with an
older git's `git init --bare`, a hosted one created that way) rather than `main`."""

from __future__ import annotations

import subprocess

from tests.sync.laptops import Laptop
from tests.sync.test_sync_faults import _notes


def _remote_on_master(tmp_path) -> tuple[str, Laptop, str]:
    """A real bare remote whose HEAD is master, holding ana's study there."""
    remote = tmp_path / "study.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "master", str(remote)], check=True)
    ana = Laptop(tmp_path / "ana", "ana")
    session_id = ana.ok("new", "Onboarding - P7").strip()
    ana.note(session_id, "ana's note")
    ana.ok("sync", "init")
    ana.git("push", "-q", str(remote), "HEAD:refs/heads/master")
    return str(remote), ana, session_id


def _branches(remote: str) -> list[str]:
    done = subprocess.run(
        ["git", "--git-dir", remote, "for-each-ref", "--format=%(refname)", "refs/heads"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split()


def test_a_new_laptop_joins_the_study_on_the_remotes_default_branch(tmp_path):
    remote, ana, session_id = _remote_on_master(tmp_path)
    bo = Laptop(tmp_path / "bo", "bo")
    own = bo.ok("new", "Onboarding - P8").strip()  # sessions, but no history of its own yet
    joined = bo.cli("sync", "init", "--remote", remote, "--as", "bo")
    assert joined.code == 0, joined.err
    assert _notes(bo, session_id) == {"ana's note"}
    assert _branches(remote) == ["refs/heads/master"]  # no `main` beside it
    assert bo.git("symbolic-ref", "--short", "HEAD").strip() == "master"

    bo.note(session_id, "bo's note")
    assert bo.sync().code == 0
    assert _branches(remote) == ["refs/heads/master"]
    ana.git("fetch", "-q", remote, "master")
    shown = ana.git("show", "FETCH_HEAD:sessions/" + session_id + ".json")
    assert "bo's note" in shown
    assert own in ana.git("ls-tree", "-r", "--name-only", "FETCH_HEAD")


def test_a_laptop_with_history_of_its_own_is_told_how_to_join(tmp_path):
    remote, ana, session_id = _remote_on_master(tmp_path)
    carl = Laptop(tmp_path / "carl", "carl")
    own = carl.ok("new", "Onboarding - P9").strip()
    carl.ok("sync", "init")  # a first commit here, on main
    ran = carl.cli("sync", "init", "--remote", remote, "--as", "carl")
    assert ran.code == 1
    said = " ".join(ran.err.split())
    assert "on its branch master" in said, said
    assert "fieldnote.branch master" in said, said
    assert _branches(remote) == ["refs/heads/master"]

    carl.git("config", "fieldnote.branch", "master")  # as the sentence says
    ran = carl.cli("sync", "init", "--remote", remote, "--as", "carl")
    assert ran.code == 0, ran.err
    assert _branches(remote) == ["refs/heads/master"]
    assert _notes(carl, session_id) == {"ana's note"}
    assert own in carl.git("ls-tree", "-r", "--name-only", "origin/master")


def test_joining_a_default_branch_that_is_not_a_study_changes_nothing(tmp_path):
    remote = tmp_path / "code.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "master", str(remote)], check=True)
    code = tmp_path / "code"
    subprocess.run(["git", "init", "-q", "-b", "master", str(code)], check=True)
    (code / "README.md").write_text("a project\n")
    for args in (
        ["add", "README.md"],
        ["-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "x"],
        ["push", "-q", str(remote), "master"],
    ):
        subprocess.run(["git", "-C", str(code), *args], check=True)
    bo = Laptop(tmp_path / "bo", "bo")
    bo.ok("new", "Onboarding - P8")
    ran = bo.cli("sync", "init", "--remote", str(remote), "--as", "bo")
    assert ran.code == 1
    assert "not part of a Fieldnote study" in ran.err
    assert bo.git("symbolic-ref", "HEAD").strip() == "refs/heads/main"
    setting = ["git", "-C", str(bo.home), "config", "--get", "fieldnote.branch"]
    assert subprocess.run(setting, capture_output=True).returncode == 1  # not set
    assert _branches(str(remote)) == ["refs/heads/master"]


def _empty_remote_on_master(tmp_path) -> str:
    """A real empty bare remote whose HEAD names master, as an older git's `init --bare`
    or a server set to that default makes it."""
    remote = tmp_path / "study.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    subprocess.run(
        ["git", "--git-dir", str(remote), "symbolic-ref", "HEAD", "refs/heads/master"], check=True
    )
    return str(remote)


def test_an_empty_remote_receives_the_study_on_its_own_default_branch(tmp_path):
    remote = _empty_remote_on_master(tmp_path)
    ana = Laptop(tmp_path / "ana", "ana")
    session_id = ana.ok("new", "Onboarding - P7").strip()
    ana.note(session_id, "ana's note")
    ran = ana.cli("sync", "init", "--remote", remote, "--as", "ana")
    assert ran.code == 0, ran.err
    # Pushed as `main` beside a HEAD naming master, a plain clone of the remote checked
    # out nothing (its HEAD named no branch), and a hosting site showed it empty.
    assert _branches(remote) == ["refs/heads/master"]
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", remote, str(clone)], check=True)
    assert (clone / "sessions" / f"{session_id}.json").is_file()
    assert not any(
        p.name.startswith("fieldnote") for p in (ana.home / ".git").iterdir() if p.is_dir()
    )

    ana.note(session_id, "ana's second note")
    assert ana.sync().code == 0
    assert _branches(remote) == ["refs/heads/master"]
    bo = Laptop(tmp_path / "bo", "bo")
    assert bo.cli("sync", "init", "--remote", remote, "--as", "bo").code == 0
    assert _notes(bo, session_id) == {"ana's note", "ana's second note"}
    bo.note(session_id, "bo's note")
    assert bo.sync().code == 0 and ana.sync().code == 0
    assert "bo's note" in _notes(ana, session_id)
    assert _branches(remote) == ["refs/heads/master"]


def test_a_folder_with_history_shares_it_on_an_empty_remotes_default_branch(tmp_path):
    remote = _empty_remote_on_master(tmp_path)
    ana = Laptop(tmp_path / "ana", "ana")
    session_id = ana.ok("new", "Onboarding - P7").strip()
    ana.ok("sync", "init")  # commits here first, on main
    ana.git("remote", "add", "origin", remote)
    assert ana.sync().code == 0
    assert _branches(remote) == ["refs/heads/master"]
    assert session_id in ana.git("ls-tree", "-r", "--name-only", "origin/master")
