"""The git merge driver: `python -m tui merge-driver %O %A %B %P`, set up by `sync init`.

`fieldnote sync` merges in its own process; this is for a plain `git merge` or `git pull` in a
study folder, so those merge by document id too. Git hands over three temp files (the common
base, ours, theirs); the merged file replaces ours. Exit 0 on success; otherwise git reports a
conflict and ours is left exactly as it was (never a file with conflict markers).

A session file is merged with the codebook's renames, as `fieldnote sync` merges it: git runs
the driver in the data folder and names the commit a `git merge` takes in (`GITHEAD_<id>`),
so the codebook of HEAD, of that commit and of their merge base is read from git. A tag
renamed on one side then follows in the file, and the codings a merge or rename kept against
the other side's deletion are marked, for `o` to take off (`merge_session`). A rebase or a
cherry-pick names no such commit: the file is then merged without the codebook.
"""

from __future__ import annotations

import os
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
from tui.services.sync.tree import CODEBOOK, is_study_path, parse_study_file
from tui.store.storage import DUMP_OPTIONS

MERGING = "GITHEAD_"
"""`git merge` names each commit it takes in to its merge drivers as `GITHEAD_<id>`."""


def merge_files(base: Path, ours: Path, theirs: Path, path: str) -> None:
    """Merge `theirs` into `ours` over `base` (an empty file when there is none)."""
    if not is_study_path(path) or not path.endswith(".json"):
        raise ValueError(f"{path} is not a Fieldnote study file")
    versions = [
        parse_study_file(path, raw, f"The {side} version of {path}") if raw.strip() else {}
        for raw, side in (
            (f.read_bytes(), side) for f, side in ((base, "base"), (ours, "our"), (theirs, "their"))
        )
    ]  # an empty base: the file has no common ancestor (both sides added it)
    if path == CODEBOOK:
        merged = merge_codebook(*versions)
    else:
        books = codebooks_merged(Path.cwd())
        renames = find_renames(*books) if books else None
        moved = moved_over_deletions(*books) if books else None
        merged = merge_session(*versions, renames, moved)
    raw = orjson.dumps(merged, option=DUMP_OPTIONS)
    tmp = ours.with_name(ours.name + ".merged")
    tmp.write_bytes(raw)
    os.replace(tmp, ours)


def codebooks_merged(folder: Path) -> list[dict[str, Any]] | None:
    """The codebook's tables at the base, ours (HEAD) and theirs of the `git merge` running
    the driver in `folder`; None when git names no one commit merged in (a rebase, a
    cherry-pick, an octopus merge) or the codebooks cannot be read."""
    merging = [name[len(MERGING) :] for name in os.environ if name.startswith(MERGING)]
    if len(merging) != 1:
        return None
    try:
        git = Git(folder, "fieldnote")
        head, theirs = git.commit_of("HEAD"), git.commit_of(merging[0])
        if head is None or theirs is None:
            return None
        base = git.run("merge-base", head, theirs, check=False).stdout.decode().strip()
        books = []
        for commit, side in ((base, "base"), (head, "our"), (theirs, "their")):
            found = git.run("cat-file", "blob", f"{commit}:{CODEBOOK}", check=False)
            raw = found.stdout if commit and found.returncode == 0 else b""
            where = f"The {side} version of {CODEBOOK}"
            books.append(parse_study_file(CODEBOOK, raw, where) if raw.strip() else {})
    except SyncError:
        return None
    return books
