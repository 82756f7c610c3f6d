"""The git merge driver: `python -m tui merge-driver %O %A %B %P`, set up by `sync init`.

`fieldnote sync` merges in its own process; this is for a plain `git merge` or `git pull` in a
study folder, so those merge by document id too. Git hands over three temp files (the common
base, ours, theirs); the merged file replaces ours. Exit 0 on success; otherwise git reports a
conflict and ours is left exactly as it was (never a file with conflict markers).
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from tui.services.sync.merge import merge_codebook, merge_session
from tui.services.sync.tree import CODEBOOK, is_study_path, parse_study_file
from tui.store.storage import DUMP_OPTIONS


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
    merged = merge_codebook(*versions) if path == CODEBOOK else merge_session(*versions)
    raw = orjson.dumps(merged, option=DUMP_OPTIONS)
    tmp = ours.with_name(ours.name + ".merged")
    tmp.write_bytes(raw)
    os.replace(tmp, ours)
