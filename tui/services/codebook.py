"""What the codebook screen shows and changes: every tag with its use, and the changes to it.

The screen calls these from thread workers (each may read or rewrite every session file) and
shows what they return; it never reaches the store itself (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui.domain.display_text import visible
from tui.domain.notes import tag_key
from tui.services.tag_ops import (
    MergePreview,
    Progress,
    TagChange,
    TagUsage,
    delete_tag,
    finish_tag_changes,
    merge_preview,
    merge_tags,
    rename_problem,
    rename_tag,
    tag_usage,
    undo_change,
)
from tui.store import DataStore, StoreError


@dataclass
class CodebookView:
    """The codebook as the screen lists it: tags by name, their use, and how many sessions."""

    tags: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, TagUsage] = field(default_factory=dict)
    sessions: int = 0


class CodebookService:
    def __init__(self, store: DataStore, *, blind_coder: str | None = None) -> None:
        self.store = store
        self.blind_coder = blind_coder
        """Set while that coder codes blind: the counts are of their codings alone (how much
        the others used each tag would lead them as much as the others' marks would)."""
        self.undoable: tuple[str, TagChange] | None = None
        """The last rename or merge made here (what it was, as words, and its record)."""

    def view(self) -> CodebookView:
        """Every tag and its use across the sessions (reads every session: a worker's job).
        Raises StoreError when the codebook cannot be read."""
        tags = self.store.codebook.tags()
        usage = tag_usage(self.store, coder=self.blind_coder)
        return CodebookView(tags, usage, len(self.store.list_sessions()[0]))

    @staticmethod
    def rename_problem(tags: list[dict[str, Any]], old: str, new: str) -> str | None:
        """Why `old` cannot become `new` among `tags` (as listed: no disk read while the name
        is typed), with the same checks `rename` makes; None when it can."""
        by_key = {tag_key(t["name"]): t for t in tags}
        return rename_problem(lambda name: by_key.get(tag_key(name)), old, new)

    def finish_cut_short(self) -> list[tuple[str, bool]]:
        """Finish the renames, merges and deletes a killed process or a failed write left half
        made (tui/services/tag_ops.py): a sentence for each, or for one that still cannot be
        finished (the disk still full: True beside it). Reads and may rewrite every
        session: a worker's job."""
        return finish_cut_short(self.store)

    def rename(self, old: str, new: str, now_iso: str, progress: Progress | None = None) -> int:
        change = TagChange()
        self.undoable = None  # a failed rename may have changed part: nothing to undo here
        changed = rename_tag(self.store, old, new, now_iso, change, progress)
        self.undoable = (f"the rename of \u2018{old}\u2019", change)
        return changed

    def merge_preview(self, source: str, target: str) -> MergePreview:
        """What merging would change, counted without changing anything (reads every file)."""
        return merge_preview(self.store, source, target)

    def merge(self, source: str, target: str, progress: Progress | None = None) -> int:
        change = TagChange()
        self.undoable = None
        changed = merge_tags(self.store, source, target, undo=change, progress=progress)
        self.undoable = (f"the merge of \u2018{source}\u2019 into \u2018{target}\u2019", change)
        return changed

    def undo(self, progress: Progress | None = None) -> tuple[str, int, int]:
        """Undo the last rename or merge made here: (what it was, notes and excerpts put
        back, left as changed since). Raises StoreError as the change did."""
        if self.undoable is None:
            raise StoreError("There is nothing to undo: no rename or merge was made here.")
        what, change = self.undoable
        back, kept = undo_change(self.store, change, what, progress)
        self.undoable = None
        return what, back, kept

    def delete(self, name: str, progress: Progress | None = None) -> int:
        return delete_tag(self.store, name, progress)

    def set_field(self, name: str, field_name: str, value: str) -> None:
        """A tag's description or colour, as typed (stripped)."""
        self.store.codebook.update(name, {field_name: value.strip()})


def finish_cut_short(store: DataStore) -> list[tuple[str, bool]]:
    """`CodebookService.finish_cut_short`, for the app's start and the commands too."""
    try:
        finished = finish_tag_changes(store)
    except StoreError as error:
        return [(visible(str(error)), True)]
    return [
        (
            f"Finished {visible(what)}, which had stopped half-way (some sessions changed, "
            "some not): every session is changed now.",
            False,
        )
        for what in finished
    ]
