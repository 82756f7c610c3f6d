"""The git merge driver: `python -m tui merge-driver %O %A %B %P`, set up by `sync init`.

`fieldnote sync` merges in its own process; this is for a plain `git merge` or `git pull` in a
study folder, so those merge by document id too. Git hands over three temp files (the common
base, ours, theirs); the merged file replaces ours. Exit 0 on success; otherwise git reports a
conflict and ours is left exactly as it was (never a file with conflict markers).

A session file is merged with the codebook's renames, as `fieldnote sync` merges it: git runs
the driver in the data folder and names the commit a `git merge` takes in (`GITHEAD_<id>`; a
rebase lists the commit it picks last in `rebase-merge/done`), so the codebook of HEAD, of
that commit and of their merge base (a picked commit's parent) is read from git. A tag
renamed on one side then follows in the file, and the codings a merge or rename kept against
the other side's deletion are marked, for `o` to take off (`merge_session`). A cherry-pick
names no such commit: the file is then merged without the codebook. So is one where what
git named is no commit's id, or a commit whose version of the file is not the one git handed
over: a `done` left by a rebase stopped meanwhile (a cherry-pick, a stash or a revert run
then), an `exec` or `label` line, a stray `GITHEAD_` variable. The wrong commit's codebook
would rename tags the merge never saw renamed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import orjson

from tui.services.sync.git import Git, SyncError
from tui.services.sync.merge import (
    find_renames,
    merge_codebook,
    merge_session,
    moved_over_deletions,
)
from tui.services.sync.tree import CODEBOOK, MAX_FILE_BYTES, is_study_path, parse_study_file
from tui.store.storage import DUMP_OPTIONS

MERGING = "GITHEAD_"
"""`git merge` names each commit it takes in to its merge drivers as `GITHEAD_<id>`."""
COMMIT_ID = re.compile(r"[0-9a-f]{7,64}")
"""A commit's id as git writes it in `GITHEAD_<id>` and a rebase's `done` (SHA-1 or SHA-256):
anything else there (a branch's name, `-C`) is not taken for one."""


def merge_files(base: Path, ours: Path, theirs: Path, path: str) -> None:
    """Merge `theirs` into `ours` over `base` (an empty file when there is none)."""
    if not is_study_path(path) or not path.endswith(".json"):
        raise ValueError(f"{path} is not a Fieldnote study file")
    for file, side in zip((base, ours, theirs), ("the base", "our", "their"), strict=True):
        if (size := file.stat().st_size) > MAX_FILE_BYTES:
            raise ValueError(_too_large(f"{side} version of {path}", size))
    raws = [f.read_bytes() for f in (base, ours, theirs)]
    versions = [
        parse_study_file(path, raw, f"The {side} version of {path}") if raw.strip() else {}
        for raw, side in zip(raws, ("base", "our", "their"), strict=True)
    ]  # an empty base: the file has no common ancestor (both sides added it)
    if path == CODEBOOK:
        merged = merge_codebook(*versions)
    else:
        books = codebooks_merged(Path.cwd(), path, raws[2])
        renames = find_renames(*books) if books else None
        moved = moved_over_deletions(*books) if books else None
        merged = merge_session(*versions, renames, moved)
    raw = orjson.dumps(merged, option=DUMP_OPTIONS)
    tmp = ours.with_name(ours.name + ".merged")
    tmp.write_bytes(raw)
    os.replace(tmp, ours)


def codebooks_merged(folder: Path, path: str, their_file: bytes) -> list[dict[str, Any]] | None:
    """The codebook's tables at the base, ours (HEAD) and theirs of the `git merge` or `git
    rebase` running the driver in `folder` on `path`, whose version theirs is `their_file`;
    None when git names no one commit taken in (a cherry-pick, an octopus merge), the commit
    named holds another version of `path` (it is not the one taken in), or the codebooks
    cannot be read."""
    merging = [name[len(MERGING) :] for name in os.environ if name.startswith(MERGING)]
    if len(merging) > 1:
        return None
    try:
        git = Git(folder, "fieldnote")
        head = git.commit_of("HEAD")
        if merging:
            theirs = _commit(git, merging[0])
            base = "" if theirs is None else _merge_base(git, head, theirs)
        else:  # a rebase picks one commit at a time over its parent
            theirs = _picked(git)
            base = "" if theirs is None else git.commit_of(theirs + "^") or ""
        if head is None or theirs is None or _blob(git, theirs, path) != their_file:
            return None
        books = []
        for commit, side in ((base, "base"), (head, "our"), (theirs, "their")):
            raw = (_blob(git, commit, CODEBOOK) or b"") if commit else b""
            where = f"The {side} version of {CODEBOOK}"
            books.append(parse_study_file(CODEBOOK, raw, where) if raw.strip() else {})
    except SyncError:
        return None
    return books


def _blob(git: Git, commit: str, path: str) -> bytes | None:
    """The file `path` as `commit` holds it; None where it holds none. SyncError where it is
    larger than any study file (`MAX_FILE_BYTES`, which `fieldnote sync` refuses too): read
    and parsed for each session file merged, a codebook of 200 MB took 5.7 s and a gigabyte."""
    size = git.run("cat-file", "-s", f"{commit}:{path}", check=False)
    if size.returncode != 0:
        return None
    if int(size.stdout) > MAX_FILE_BYTES:
        raise SyncError(_too_large(f"{commit[:12]}'s {path}", int(size.stdout)))
    found = git.run("cat-file", "blob", f"{commit}:{path}", check=False)
    return found.stdout if found.returncode == 0 else None


def _too_large(what: str, size: int) -> str:
    return (
        f"{what} is {size // (1024 * 1024)} MB, far larger than any study file; remove it "
        "from the commit merged, or merge with `fieldnote sync`, which says where it is"
    )


def _commit(git: Git, name: str) -> str | None:
    """The commit `name` is the id of (`COMMIT_ID`), None for any other name."""
    return git.commit_of(name) if COMMIT_ID.fullmatch(name) else None


def _merge_base(git: Git, head: str | None, theirs: str) -> str:
    if head is None:
        return ""
    return git.run("merge-base", head, theirs, check=False).stdout.decode().strip()


def _picked(git: Git) -> str | None:
    """The commit a running rebase is picking: the last line of its `done` list (`pick
    <id> <subject>`), None when no rebase runs."""
    done = Path(git.out("rev-parse", "--git-path", "rebase-merge/done"))
    if not done.is_absolute():
        done = git.home / done
    try:
        lines = done.read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return None
    words = next((line.split() for line in reversed(lines) if line.strip()), [])
    return _commit(git, words[1]) if len(words) > 1 else None
