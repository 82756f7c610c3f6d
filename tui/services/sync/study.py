"""`fieldnote sync`: the data folder as a git repository, shared through any git remote.

A sync takes the sync lock (`.git/fieldnote-sync.lock`), fetches, then holds every session's
lock and the codebook's while it folds each journal into its file (a commit only ever holds
whole TinyDB files), commits, merges with the remote by document id (`merge.py`, run here in
one process rather than by git's driver once per file), checks everything the remote sent,
writes the changed files one by one atomically, and pushes. A push the remote rejects (someone
pushed meanwhile) fetches and merges again. Any failure puts the files, the branch and the
index back as they were and says so in one sentence. A sync killed half-way leaves each file
whole (old or merged): the next sync commits what it finds and merges again, losing nothing.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import resource
import secrets
import shlex
import shutil
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tui.domain.display_text import visible
from tui.services.sync.git import DISK_FULL, Failure, Git, SyncError, failure, reason
from tui.services.sync.merge import (
    find_renames,
    merge_codebook,
    merge_session,
    moved_over_deletions,
    rename_in_session,
)
from tui.services.sync.tree import (
    CODEBOOK,
    IN_THIS_FOLDER,
    ON_THE_REMOTE,
    SETTINGS_FILES,
    Entry,
    Listing,
    Side,
    check_files,
    listing,
    parse_study_file,
    read_blobs,
    refuse_strangers,
)
from tui.services.sync.undecided import undecided, undecided_in
from tui.store.presence import Presence
from tui.store.storage import (
    DIR_MODE,
    DUMP_OPTIONS,
    FILE_MODE,
    LOCK_WAIT_SECONDS,
    NOT_A_FILE,
    AtomicJSONStorage,
    NotAFileError,
    fsync_folder,
    journal_path,
    journal_signature,
    lock_holder,
    open_lock_file,
)

BRANCH = "main"
BRANCH_SETTING = "fieldnote.branch"
"""The repository's setting naming the remote's branch the study is on, when not `main`."""
REMOTE = "origin"
REMOTE_REFS = f"refs/remotes/{REMOTE}"
DRIVER = "fieldnote"
PUSH_ATTEMPTS = 5
NOT_PUT_BACK = (
    "The sync failed half-way and could not put this folder back as it was (a full disk, a "
    "folder not writable, or another git command running in it); every file is whole and "
    "nothing is lost: free some space or check the folder, then run `fieldnote sync` again "
    "to finish."
)
MARKER = "fieldnote-sync"


def git_locks(branches: set[str]) -> list[str]:
    """The lock files git takes for the commands a sync on `branches` runs (`add`,
    `read-tree`, `update-ref`, `fetch --prune`): git removes them as it ends, so a killed one
    leaves them behind."""
    refs = [f"{ref}/{b}.lock" for b in sorted(branches) for ref in ("refs/heads", REMOTE_REFS)]
    return ["index.lock", "HEAD.lock", *refs, "packed-refs.lock"]


SIDES = ("The history", IN_THIS_FOLDER.name, ON_THE_REMOTE.name)
"""Where each version of a file in a merge comes from, as a sentence names it."""
GITIGNORE = """\
# Written by `fieldnote sync init`: only the study itself is shared. Locks, journals (folded
# into their file before each commit), presence folders, rescue files and caches stay here.
/*
!/.gitignore
!/.gitattributes
!/codebook.json
!/sessions/
/sessions/*
!/sessions/*.json
/sessions/.*
"""
GITATTRIBUTES = f"""\
# Written by `fieldnote sync init`: Fieldnote merges its files by document id, never by line.
sessions/*.json merge={DRIVER}
codebook.json merge={DRIVER}
"""


CHECK_THE_URL = "check the network, or set the right URL with `fieldnote sync init --remote URL`"


REFUSED_CREDENTIALS = (
    "the remote did not accept the credentials: check the user name and the password or token "
    "(a credential helper may hold an old one), or the ssh key (`ssh-add` it if it has a "
    "passphrase)"
)


def way_out(stderr: bytes) -> str:
    """What to do about a remote that could not be reached, from what git said."""
    return REFUSED_CREDENTIALS if failure(stderr) is Failure.REFUSED_CREDENTIALS else CHECK_THE_URL


class Unreachable(SyncError):
    """The fetch failed; `why` is git's reason, `way_out` what to do about it."""

    def __init__(self, stderr: bytes) -> None:
        self.why, self.way_out = reason(stderr), way_out(stderr)
        super().__init__(
            f"Could not fetch from the remote ({self.why}); {self.way_out}; nothing was changed."
        )


@dataclass
class SyncOutcome:
    committed: bool = False
    """Local changes went into a commit."""
    received: list[str] = field(default_factory=list)
    """Files the remote changed here."""
    pushed: bool = False
    remote: bool = True
    conflicts: list[str] = field(default_factory=list)

    def summary(self, settle_key: str) -> str:
        """What the sync did, as a sentence; `settle_key` is the key that opens the undecided
        values on the sessions screen (the footer does not show it)."""
        done = ["committed the changes made here"] if self.committed else []
        if self.received:
            done.append(f"took in {len(self.received)} file(s) from the remote")
        if self.pushed:
            done.append("pushed")
        if not self.remote:
            done.append("no remote to share with yet (fieldnote sync init --remote URL)")
        undecided = (
            f"; {len(self.conflicts)} value(s) undecided: {settle_them(settle_key)}"
            if self.conflicts
            else ""
        )
        return f"Synced: {', '.join(done) or 'already up to date'}{undecided}."


def settle_them(key: str) -> str:
    return f"settle them with {key} on the sessions screen"


@dataclass
class StudyStatus:
    remote: str | None
    unreachable: str | None
    """git's reason the remote could not be fetched from now; None when it could."""
    way_out: str
    """What to do about it (when `unreachable`)."""
    ahead: int
    behind: int
    changed_here: int
    conflicts: list[str]


class Study:
    """The data folder as a git repository: `init`, `sync` and `status`."""

    def __init__(
        self, home: Path, author: str, *, python: str = sys.executable, prompts: bool = True
    ) -> None:
        """`prompts=False` when the app runs the sync: git must not ask on its terminal."""
        self.home = Path(home)
        self.git_dir = self.home / ".git"
        self.git = Git(self.home, author, prompts=prompts)
        self.author = author
        self.python = python
        self.branch = BRANCH
        """The remote's branch the study is on, read from the repository by each command."""
        self._joining = False

    # -- init ---------------------------------------------------------------------------------
    def init(self, remote: str | None) -> SyncOutcome:
        """Make the data folder a repository (or set its remote) and sync once: joining a
        remote that holds a study merges this folder's sessions into it."""
        if not self.git_dir.is_dir():
            if self.git_dir.is_symlink() or self.git_dir.exists():
                raise SyncError(
                    f"{visible(str(self.git_dir))} exists and is not a git folder; "
                    "move it away and run `fieldnote sync init` again."
                )
            self.git.run("init", "-q", "-b", BRANCH)
        self._write_settings(missing_only=False)
        _write_file(self.git_dir / "info" / "attributes", GITATTRIBUTES.encode())
        driver = f"{shlex.quote(self.python)} -m tui merge-driver %O %A %B %P"
        self.git.run("config", f"merge.{DRIVER}.name", "Fieldnote: merge by document id")
        self.git.run("config", f"merge.{DRIVER}.driver", driver)
        if remote is None:
            return self.sync()
        had = self._remote_url()
        self.git.run("remote", "set-url" if had is not None else "add", REMOTE, remote)
        try:
            return self.sync()
        except BaseException:
            # A URL that failed (a typo, a remote that is not a study) is not kept: the
            # sentence says nothing was changed, and the next sync uses the remote it had.
            if had is None:
                self.git.run("remote", "remove", REMOTE, check=False)
            else:
                self.git.run("remote", "set-url", REMOTE, had, check=False)
            raise

    def _remote_url(self) -> str | None:
        done = self.git.run("remote", "get-url", REMOTE, check=False)
        return done.stdout.decode("utf-8", "replace").strip() or None

    def _require_repository(self) -> None:
        if not (self.git_dir / "config").is_file():
            raise SyncError(
                f"The data folder {visible(str(self.home))} is not shared on git yet; "
                "run `fieldnote sync init --remote URL` first."
            )

    # -- sync ---------------------------------------------------------------------------------
    def sync(self) -> SyncOutcome:
        self._require_repository()
        self.branch, self._joining = self._branch(), False
        with self._sync_lock():
            self._recover()
            remote = self._remote_url()
            with self._marked():
                if remote is not None:
                    self._fetch()
                    self._join_default_branch(remote)
                with self._data_locked():
                    return self._sync_locked(remote is not None)

    def _branch(self) -> str:
        done = self.git.run("config", "--get", BRANCH_SETTING, check=False)
        return done.stdout.decode("utf-8", "replace").strip() or BRANCH

    @property
    def _remote_ref(self) -> str:
        return f"{REMOTE_REFS}/{self.branch}"

    def _join_default_branch(self, url: str) -> None:
        """A remote that has no branch of this study's name but holds its study on its
        default branch (`master`, say) is joined there when this folder has no history of its
        own yet (the sync then sets `fieldnote.branch`); a push would start a second study
        beside it. A folder with history is told how to merge into it. An empty remote
        receives the study on its own default branch, where a clone or a hosting site looks
        for it (a `main` beside a HEAD naming `master` shows as an empty repository)."""
        git = self.git
        if git.commit_of(self._remote_ref):
            return  # the study's branch is there
        if not git.out("for-each-ref", "--count=1", REMOTE_REFS):
            default = self._empty_remote_head(url)
            if default != self.branch:
                self.branch, self._joining = default, True
            return
        said = git.run("ls-remote", "--symref", REMOTE, "HEAD", check=False).stdout
        first = said.decode("utf-8", "surrogateescape").partition("\n")[0]
        head, tab, _ = first.removeprefix("ref: refs/heads/").partition("\t")
        if not first.startswith("ref: ") or not tab or not git.commit_of(f"{REMOTE_REFS}/{head}"):
            return
        if git.commit_of("HEAD") is not None:
            raise SyncError(
                f"The remote holds its study on its branch {visible(head)}, not "
                f"{visible(self.branch)}, and this folder already has history of its own, "
                f"which a sync would push beside it; to merge this folder into the remote's "
                f"study, run `git -C {shlex.quote(visible(str(self.home)))} config "
                f"{BRANCH_SETTING} {shlex.quote(visible(head))}` and run this command again; "
                "nothing was changed."
            )
        self.branch, self._joining = head, True

    def _empty_remote_head(self, url: str) -> str:
        """The branch an empty remote's HEAD names. `ls-remote` says nothing of a remote with
        no branch, but a clone learns it (git 2.31 and later); a bare clone of an empty
        remote is quick. When the remote does not say, the study's branch stays."""
        probe = self.git_dir / "fieldnote-probe.git"
        shutil.rmtree(probe, ignore_errors=True)
        try:
            done = self.git.run(
                *("-c", f"init.defaultBranch={self.branch}"),
                *("clone", "-q", "--bare", "--", url, str(probe)),
                check=False,
            )
            said = self.git.run(
                "--git-dir", str(probe), "symbolic-ref", "-q", "HEAD", check=False
            ).stdout.decode("utf-8", "surrogateescape")
        finally:
            shutil.rmtree(probe, ignore_errors=True)
        head = said.strip().removeprefix("refs/heads/")
        if done.returncode != 0 or not said.startswith("refs/heads/") or not head:
            return self.branch
        return head

    def _write_settings(self, *, missing_only: bool) -> None:
        """`.gitignore` and `.gitattributes` as Fieldnote writes them (`missing_only`: just
        the ones that are gone, a user's own edit of one stays)."""
        for name, text in ((".gitignore", GITIGNORE), (".gitattributes", GITATTRIBUTES)):
            if not missing_only or not (self.home / name).exists():
                _write_file(self.home / name, text.encode())

    def _sync_locked(self, has_remote: bool) -> SyncOutcome:
        git = self.git
        head = git.commit_of("HEAD")
        # A settings file deleted here would let `add` take the locks and journals, then be
        # refused as "not part of a study": it is written again first.
        self._write_settings(missing_only=True)
        git.run("add", "-A", "--", ".")
        local_tree = git.out("write-tree")
        local = listing(git, local_tree)
        refuse_strangers(local, IN_THIS_FOLDER)
        # A damaged file is stopped here, where it can be mended: once pushed, it would stop
        # every other laptop's sync with a sentence none of them could act on.
        committed = listing(git, head)
        check_files(
            git, local, [p for p, e in local.items() if committed.get(p) != e], IN_THIS_FOLDER
        )
        outcome = SyncOutcome(remote=has_remote)
        here = local
        self._touched: set[str] = set()
        self._taken_in: dict[str, list[str]] = {}
        # Asked once: every push of this sync goes to the same remote.
        receive_pack = self._receive_pack() if has_remote else []
        if self._joining and head is None:  # no commit here yet: the branch is only a name
            git.run("symbolic-ref", "HEAD", f"refs/heads/{self.branch}")
        try:
            for attempt in range(PUSH_ATTEMPTS):
                if attempt:
                    self._fetch()
                remote = git.commit_of(self._remote_ref) if has_remote else None
                new, target = self._combine(head, local_tree, local, remote)
                outcome.committed = new not in (head, remote)
                self._apply(here, target, ON_THE_REMOTE)
                here = target
                self._move_branch(new)
                if remote is None and not has_remote:
                    break
                if new == remote or self._push(new, receive_pack):
                    outcome.pushed = new != remote
                    break
            else:
                raise SyncError(
                    f"The remote kept changing during {PUSH_ATTEMPTS} tries; "
                    "run `fieldnote sync` again."
                )
            if self._joining:
                git.run("config", BRANCH_SETTING, self.branch)
            # Every file the sync took in, over all its merges: one taken in by a merge whose
            # push was rejected is still one the remote brought.
            outcome.received = [path for paths in _differing(local, here) for path in paths]
        except BaseException as error:
            # The branch first: one left on the merge beside this folder's old files would
            # take them for changes made here, and the next sync would push them, removing
            # what the remote brought. Merged files beside the old branch lose nothing.
            try:
                self._move_branch(head)
                if self._joining and head is None:
                    git.run("symbolic-ref", "HEAD", f"refs/heads/{self._branch()}")
                self._restore(local)
            except (OSError, SyncError):
                raise SyncError(NOT_PUT_BACK) from None
            if isinstance(error, OSError):
                raise SyncError(
                    f"Writing the merged files failed ({error.strerror}); free some space or "
                    "check the folder's permissions, nothing was changed."
                ) from None
            raise
        outcome.conflicts = self._new_undecided(local, outcome.received)
        return outcome

    def _new_undecided(self, local: Listing, received: list[str]) -> list[str]:
        """What the files this sync wrote leave undecided that this folder's versions of them
        did not: a value still unsettled from an earlier sync is not reported again. The
        written files' values were listed from the tables their check parsed (`_apply`)."""
        # Only a file that came with undecided values needs this folder's version read.
        mine = [p for p in received if p in local and self._taken_in.get(p)]
        blobs = read_blobs(self.git, [local[p].oid for p in mine])
        known = set()
        for path in mine:
            with contextlib.suppress(SyncError):  # the sync is done: a file unread counts none
                tables = parse_study_file(path, blobs[local[path].oid], IN_THIS_FOLDER.name)
                known |= {item.line() for item in undecided_in(tables, path)}
        return [
            line for path in received for line in self._taken_in.get(path, ()) if line not in known
        ]

    def _list_undecided(self, path: str, tables: dict[str, Any]) -> None:
        """The undecided values of a file this sync takes in, from the tables its check read."""
        self._taken_in[path] = [item.line() for item in undecided_in(tables, path)]

    def _fetch(self) -> None:
        done = self.git.run(
            "fetch",
            "-q",
            "--no-tags",
            "--prune",  # a branch gone from the remote (or a new, empty remote) is gone here
            REMOTE,
            f"+refs/heads/*:refs/remotes/{REMOTE}/*",
            check=False,
        )
        if done.returncode != 0:
            raise Unreachable(done.stderr)

    def _push(self, commit: str, receive_pack: list[str]) -> bool:
        """True once pushed; False when the remote has commits this one lacks."""
        done = self.git.run(
            "push",
            "-q",
            *receive_pack,
            REMOTE,
            f"{commit}:refs/heads/{self.branch}",
            check=False,
        )
        if done.returncode == 0:
            return True
        said = done.stderr.decode("utf-8", "replace")
        if "[rejected]" in said or "fetch first" in said or "non-fast-forward" in said:
            return False
        raise SyncError(
            f"The remote refused the push ({reason(done.stderr)}); check you may write to "
            "it, nothing was changed here."
        )

    def _receive_pack(self) -> list[str]:
        """For a remote that is a folder (a bare repository on a shared drive), git runs the
        receiving end here, as this user, with that folder's hooks and config: anyone who may
        write to the folder could have every laptop that pushes run a program of theirs. Its
        hooks, alternate-refs command and checkout on push are switched off; a server's own
        (ssh, https) run on the server, as they should."""
        done = self.git.run("remote", "get-url", "--push", REMOTE, check=False)
        if not reached_as_folder(done.stdout.decode("utf-8", "surrogateescape").strip()):
            return []
        command = [
            self.git.exe,
            *("-c", f"core.hooksPath={os.devnull}"),
            *("-c", "core.alternateRefsCommand=true"),
            *("-c", "receive.denyCurrentBranch=refuse"),
            "receive-pack",
        ]
        return [f"--receive-pack={shlex.join(command)}"]

    def _combine(
        self, head: str | None, local_tree: str, local: Listing, remote: str | None
    ) -> tuple[str, Listing]:
        """The commit a sync ends on, and its tree: local changes committed on top of the
        remote (one commit), or a merge commit when this folder has unpushed commits."""
        git = self.git
        if remote is None or remote == head or (head and self._is_ancestor(remote, head)):
            parents, tree, target = [head] if head else [], local_tree, local
        else:
            theirs = listing(git, remote)
            refuse_strangers(theirs, ON_THE_REMOTE)
            target = self._merge(listing(git, self._merge_base(head, remote)), local, theirs)
            tree = self._write_tree(target)
            parents = (
                [remote] if head is None or self._is_ancestor(head, remote) else [head, remote]
            )
        if len(parents) == 1 and git.out("rev-parse", f"{parents[0]}^{{tree}}") == tree:
            return parents[0], target
        message = f"Sync from {self.author} on {socket.gethostname()}"
        args = [arg for parent in parents for arg in ("-p", parent)]
        new = git.out(*git.identity(), "commit-tree", tree, *args, "-m", message)
        return new, target

    def _is_ancestor(self, older: str, newer: str) -> bool:
        return (
            self.git.run("merge-base", "--is-ancestor", older, newer, check=False).returncode == 0
        )

    def _merge_base(self, one: str | None, other: str) -> str | None:
        if one is None:
            return None
        done = self.git.run("merge-base", one, other, check=False)
        return done.stdout.decode().strip() or None

    def _merge(self, base: Listing, ours: Listing, theirs: Listing) -> Listing:
        """Each path merged: one side's change is taken as it is, a change on both sides is
        merged by document id. A tag renamed on one side reaches the other side's files too."""
        paths = sorted(set(base) | set(ours) | set(theirs))
        codebooks = [side.get(CODEBOOK) for side in (base, ours, theirs)]
        blobs = read_blobs(self.git, [e.oid for e in codebooks if e is not None])
        tables = [
            parse_study_file(CODEBOOK, blobs[e.oid], where) if e is not None else {}
            for e, where in zip(codebooks, SIDES, strict=True)
        ]
        renames = find_renames(*tables)
        moved = moved_over_deletions(*tables)
        out: Listing = {}
        both: list[str] = []
        open_here = self._open_here()
        for path in paths:
            b, o, t = base.get(path), ours.get(path), theirs.get(path)
            if o == t or t == b or (path in SETTINGS_FILES and o is not None):
                # Fieldnote writes its own settings: a remote's `.gitignore` cannot stop this
                # folder's sessions being shared, nor a `.gitattributes` switch the merge off.
                chosen = o
            elif t is None and path in open_here:
                # Removed there (by hand: Fieldnote never removes a session) while an
                # interview has it open here: like a change made here, it outweighs the
                # removal, rather than vanish under the notes being typed.
                chosen = o
            elif o == b and not (renames and path.startswith("sessions/")):
                chosen = t
            elif o is None or t is None:
                chosen = o or t  # a change outweighs a removal
            else:
                both.append(path)
                continue
            if chosen is not None:
                out[path] = chosen
        if renames:
            self._rename_in_taken(out, ours, renames)
        wanted = [e.oid for path in both for e in (base.get(path), ours[path], theirs[path]) if e]
        blobs = read_blobs(self.git, wanted)
        for path in both:
            versions = [
                parse_study_file(path, blobs[e.oid], where) if e is not None else {}
                for e, where in zip((base.get(path), ours[path], theirs[path]), SIDES, strict=True)
            ]
            if path == CODEBOOK:
                merged = merge_codebook(*versions)
            else:  # a session (settings files are ours, above)
                merged = merge_session(*versions, renames, moved)
            out[path] = self._stored(orjson.dumps(merged, option=DUMP_OPTIONS))
        return out

    def _rename_in_taken(self, out: Listing, ours: Listing, renames: dict[str, str]) -> None:
        """The renames applied to the sessions taken whole from one side: a file the renaming
        side never changed (it held no such tag then), or a session only one side has, can
        hold a coding applied under the old name meanwhile, which would stay under a name the
        codebook no longer has."""
        taken = [path for path in out if path.startswith("sessions/")]
        blobs = read_blobs(self.git, [out[path].oid for path in taken])
        for path in taken:
            blob = blobs[out[path].oid]
            where = SIDES[1] if out[path] == ours.get(path) else SIDES[2]
            tables = rename_in_session(parse_study_file(path, blob, where), renames)
            raw = orjson.dumps(tables, option=DUMP_OPTIONS)
            if raw != blob:
                out[path] = self._stored(raw)

    def _stored(self, raw: bytes) -> Entry:
        oid = self.git.out("hash-object", "-w", "--stdin", input=raw)
        return Entry("100644", oid, len(raw))

    def _open_here(self) -> set[str]:
        """The sessions an instance on this laptop has open now (a live presence entry)."""
        return {
            f"sessions/{folder.name.removesuffix('.presence')}.json"
            for folder in (self.home / "sessions").glob("*.presence")
            if Presence(folder.with_suffix(".json"), self.author).entries()
        }

    def _write_tree(self, entries: Listing) -> str:
        sessions = [
            f"{e.mode} blob {e.oid}\t{path.partition('/')[2]}"
            for path, e in sorted(entries.items())
            if path.startswith("sessions/")
        ]
        top = [
            f"{e.mode} blob {e.oid}\t{path}"
            for path, e in sorted(entries.items())
            if "/" not in path
        ]
        if sessions:
            folder = self.git.out("mktree", "-z", input=_records(sessions))
            top.append(f"040000 tree {folder}\tsessions")
        return self.git.out("mktree", "-z", input=_records(top))

    def _apply(self, here: Listing, target: Listing, side: Side) -> None:
        """Make the working files `target` (from `here`): every new content is read and
        checked first, then written whole, one file at a time."""
        changed, removed = _differing(here, target)
        if not changed and not removed:
            return
        blobs = check_files(self.git, target, changed, side, read=self._list_undecided)
        for path in changed:
            self._touched.add(path)
            _write_file(self.home / path, blobs[target[path].oid])
        for path in removed:
            self._touched.add(path)
            self._taken_in.pop(path, None)
            _remove_file(self.home / path)

    def _restore(self, local: Listing) -> None:
        """Every file a failed sync wrote, back as it was before the sync."""
        touched = sorted(self._touched)
        blobs = read_blobs(self.git, [local[p].oid for p in touched if p in local])
        for path in touched:
            if path in local:
                _write_file(self.home / path, blobs[local[path].oid])
            else:
                _remove_file(self.home / path)

    def _move_branch(self, commit: str | None) -> None:
        if commit is None:
            self.git.run("update-ref", "-d", "HEAD", check=False)
            self.git.run("read-tree", "--empty")
            return
        self.git.run("update-ref", "HEAD", commit)
        self.git.run("read-tree", commit)
        self.git.run("update-index", "-q", "--refresh", check=False)

    # -- crash safety -------------------------------------------------------------------------
    @contextlib.contextmanager
    def _sync_lock(self) -> Iterator[None]:
        fd = os.open(
            self.git_dir / "fieldnote-sync.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
        )
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SyncError(
                    "Another `fieldnote sync` is running on this data folder; wait for it to end."
                ) from None
            yield
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def _marked(self) -> Iterator[None]:
        """The marker a sync leaves while its git commands write the index, the refs and the
        files; one killed half-way leaves it behind for `_recover`."""
        marker = self.git_dir / MARKER
        try:  # empty: on a full disk there is still room for its name
            os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, FILE_MODE))
        except OSError as error:
            if error.errno == errno.ENOSPC:
                raise SyncError(DISK_FULL) from None
            raise SyncError(
                f"Cannot write in {visible(str(self.git_dir))} ({error.strerror}); check the "
                "folder's permissions, nothing was changed."
            ) from None
        try:
            yield
        finally:
            marker.unlink(missing_ok=True)

    def _recover(self) -> None:
        """A sync that was killed half-way left its marker (no sync runs now: we hold the sync
        lock); the lock files its git commands held are stale. The files are each whole, so
        this sync simply commits what it finds and merges again."""
        marker = self.git_dir / MARKER
        if marker.exists():
            for lock in git_locks({BRANCH, self.branch}):
                (self.git_dir / lock).unlink(missing_ok=True)
            marker.unlink()

    @contextlib.contextmanager
    def _data_locked(self) -> Iterator[None]:
        """Every session's lock and the codebook's, each journal folded into its file."""
        with contextlib.ExitStack() as stack:
            paths = sorted(
                p for p in (self.home / "sessions").glob("*.json") if not p.name.startswith(".")
            )
            _allow_descriptors(2 * len(paths) + 256)  # a lock and a data file held per session
            for path in [*paths, self.home / CODEBOOK]:
                if path.name != CODEBOOK and not _has_journal(path):
                    # Nothing to fold: the lock alone, without parsing the file.
                    fd = _lock(path)
                    if not _has_journal(path):  # and nothing appended before we held it
                        stack.callback(os.close, fd)
                        continue
                    os.close(fd)
                storage = AtomicJSONStorage(path, journal=path.name != CODEBOOK)
                stack.callback(storage.close)
                stack.enter_context(storage.locked())
                storage.fold_journal()
            yield

    # -- status -------------------------------------------------------------------------------
    def status(self) -> StudyStatus:
        self._require_repository()
        self.branch = self._branch()
        url = self._remote_url()
        unreachable, way_out = None, CHECK_THE_URL
        if url is not None:
            try:
                self._fetch()
            except Unreachable as error:
                unreachable, way_out = error.why, error.way_out
        head, remote = self.git.commit_of("HEAD"), self.git.commit_of(self._remote_ref)
        ahead = behind = 0
        if head and remote:
            counts = self.git.out("rev-list", "--left-right", "--count", f"{head}...{remote}")
            ahead, behind = (int(n) for n in counts.split())
        elif head and url is not None:
            ahead = int(self.git.out("rev-list", "--count", head))
        return StudyStatus(
            url, unreachable, way_out, ahead, behind, self._changed_here(), self.conflict_lines()
        )

    def _changed_here(self) -> int:
        """Study files changed since the last sync: in git's eyes, or in a journal not folded."""
        said = self.git.out("status", "--porcelain", "-z", "--untracked-files=all")
        paths = {record[3:] for record in said.split("\0") if len(record) > 3}
        for journal in (self.home / "sessions").glob("*.json.journal"):
            with contextlib.suppress(OSError):
                if journal.stat().st_size:
                    paths.add(f"sessions/{journal.name.removesuffix('.journal')}")
        return len(paths)

    def conflict_lines(self) -> list[str]:
        """One line per value a merge could not decide (`undecided.py`)."""
        return [item.line() for item in undecided(self.home)]


def shown_url(url: str) -> str:
    """`url` with the password (a token, often) of its user part as `***`, as git leaves it
    out of what it says: the URL is printed on a screen that may be shared."""
    scheme, found, rest = url.partition("://")
    user, at, place = rest.partition("@")
    if not found or not at or "/" in user or ":" not in user:
        return url
    return f"{scheme}://{user.partition(':')[0]}:***@{place}"


def reached_as_folder(url: str) -> bool:
    """Whether git reaches `url` as a folder on this machine: a path or file://, not
    `host:path` (ssh) nor `scheme://`; as git decides it."""
    if url.startswith("file://"):
        return True
    if "://" in url:
        return False
    colon, slash = url.find(":"), url.find("/")
    return colon < 0 or 0 <= slash < colon


def _differing(here: Listing, target: Listing) -> tuple[list[str], list[str]]:
    """The paths `target` changes (or adds), and those it removes, from `here`."""
    changed = [p for p, e in sorted(target.items()) if here.get(p) != e]
    return changed, [p for p in sorted(here) if p not in target]


def _has_journal(path: Path) -> bool:
    signature = journal_signature(journal_path(path))
    return signature is not None and signature[1] > 0


def _lock(path: Path) -> int:
    """The store's lock on a session file (`flock` on `<name>.lock`), waiting as a store
    write does; the descriptor holds it until closed."""
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = open_lock_file(lock_path)
    except OSError as error:
        why = f"no file but {NOT_A_FILE}" if isinstance(error, NotAFileError) else error.strerror
        raise SyncError(
            f"Cannot take the lock {visible(str(lock_path))} ({why}); "
            "check the folder, nothing was changed."
        ) from None
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = lock_holder(fd) or "another process"
                os.close(fd)
                raise SyncError(
                    f"{visible(path.name)} stays locked by {visible(holder)}; let it finish "
                    "and run `fieldnote sync` again, nothing was changed."
                ) from None
            time.sleep(0.01)


def _allow_descriptors(wanted: int) -> None:
    """Raise this process's soft limit on open files towards `wanted` (the hard limit caps it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))


def _remove_file(path: Path) -> None:
    for gone in (path, journal_path(path)):
        with contextlib.suppress(FileNotFoundError):
            gone.unlink()


def _records(lines: list[str]) -> bytes:
    return b"".join(line.encode("utf-8", "surrogateescape") + b"\0" for line in lines)


def _write_file(path: Path, raw: bytes) -> None:
    """`raw` as `path`, whole or not at all: a temp file fsynced and renamed over it (the
    store's own way; its temp-file name is one the store sweeps if a crash leaves it)."""
    folder = path.parent
    if not folder.is_dir():
        folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    tmp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    try:
        view = memoryview(raw)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except OSError:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    try:
        os.replace(tmp, path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        if error.errno == errno.EISDIR:
            raise SyncError(f"{visible(str(path))} is a folder; move it away.") from None
        raise
    fsync_folder(folder)
