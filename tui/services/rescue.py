"""Rescue files: where unsaved work goes when the data folder will not take it.

Written when the user chooses "save elsewhere" on quitting, and without asking when the
terminal goes away with writes still failing. Each rescue gets a file of its own (never
overwriting an earlier one), created 0600 like every file of interview notes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import orjson


class HoldsUnsavedWork(Protocol):
    def unsaved_record(self) -> tuple[dict[str, Any], int]: ...


def rescue_path(folder: Path, label: str, moment: datetime) -> Path:
    return folder / f"fieldnote-unsaved-{label}-{moment:%Y%m%d-%H%M%S}.json"


def write_rescue(holders: Iterable[HoldsUnsavedWork], path: Path) -> tuple[int, Path]:
    """Write every holder's unsaved work to `path` (or, if that exists, a numbered sibling).

    Returns how many items were written and where. OSError if the folder cannot be written.
    """
    record: dict[str, Any] = {}
    count = 0
    for holder in holders:
        part, items = holder.unsaved_record()
        record.update(part)
        count += items
    data = orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    candidate, number = path, 1
    while True:
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:
            number += 1
            candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return count, candidate
