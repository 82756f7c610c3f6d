"""The codebook: every tag with its description, colour, parent and how widely it is used.

The screen binds keys and draws; what it lists and changes is the `CodebookService`
(tui/services/codebook.py). Rename, merge and delete run across every session file, and the
counts are read, in workers, so the screen stays responsive on a large archive; a description
or colour (one fsynced write) is saved in a worker too: the UI thread never waits on the disk.
While a change goes through the files the status line counts the sessions done, and the keys
that would start another change say to wait; a change a killed process or a failed write left
half made is finished when the screen opens, and a notice says which.
"""

from __future__ import annotations

import time
from typing import Any

from rich.color import Color, ColorParseError
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tui.domain.clock import to_iso
from tui.domain.codings import SETTLED_MARK, coder_marks
from tui.domain.display_text import count_of, tag_label, visible, visible_lines
from tui.domain.notes import clean_tag_name, tag_key
from tui.domain.tags import tag_parent
from tui.screens.prompt_screen import ConfirmScreen, PromptScreen
from tui.screens.tag_picker_screen import Picked, TagPickerScreen
from tui.services.codebook import CodebookService, CodebookView
from tui.services.search import TIMES_APPLIED, TagIndex, TagStats
from tui.services.tag_ops import MergePreview, TagUsage
from tui.store import StoreError
from tui.widgets.bindings import bindings_for
from tui.widgets.key_bar import KeyBar
from tui.widgets.row_table import RowTable
from tui.widgets.table_columns import Column, fit

PROGRESS_SECONDS = 0.1
"""How often a change going through the session files shows how far it is."""

COLUMNS = [
    Column("Tag", share=50),
    Column("Excerpts", 8),
    Column("Sessions", 8),
    Column("People", 6, essential=False),
    Column("Description", share=25, essential=False),
    Column("By coder", share=25, essential=False),
    Column("Colour", 6, essential=False),
    Column("Parent", share=15, essential=False),
]
"""Description before colour and parent, so it is on screen at 80 columns (the parent can be
read from the name)."""


def swatch(color: str) -> Text:
    """The tag's colour as a coloured block and its name; an unknown colour shows as typed."""
    if not color:
        return Text("")
    try:
        Color.parse(color)
    except ColorParseError:
        return Text(visible(color), style="dim")
    text = Text("\u25a0 ", style=color)
    text.append(visible(color))
    return text


def coder_counts(used: TagUsage, marks: dict[str, str] | None = None) -> str:
    """`Ana Lima 4 · bo 3`: how many notes and spans each coder tagged with it as their own
    coding, most first; with `marks` (`coder_marks` of every coder listed), by the initials
    the tagging screen marks coders with, and the settlements that keep it after them, marked
    `✓` (a settlement is the team's word, no one's coding; the line under the table says it
    in words, `settled_counts`): `AL4 B3 ✓1`, short enough for an 80-column table."""
    if marks is None:
        return " \u00b7 ".join(f"{coder} {count}" for coder, count in _ranked(used.coders))
    counts = [f"{marks.get(coder, coder)}{count}" for coder, count in _ranked(used.coders)]
    if used.settled:
        counts.append(f"{SETTLED_MARK}{sum(used.settled.values())}")
    return " ".join(counts)


def settled_counts(used: TagUsage) -> str:
    """`settled 3 (by lead 2 · team 1)`: the notes and spans a settlement keeps it on, and
    whose settlements they are."""
    by = " \u00b7 ".join(f"{name} {count}" for name, count in _ranked(used.settled))
    if len(used.settled) == 1:
        by = next(iter(used.settled))
    return f"settled {sum(used.settled.values())} (by {by})"


def _ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))


def usage_line(tag: dict[str, Any], used: TagUsage, sessions: int) -> Text:
    """The highlighted tag's use in full, below the table: the coders by name (the column has
    their initials) and the people, which a narrow pane has no column for."""
    line = Text(no_wrap=False)
    line.append(tag_label(tag["name"]), style="bold")
    line.append(
        f": {count_of(used.excerpts, 'excerpt')} in {len(used.sessions)}/{sessions} sessions, "
        f"{len(used.participants)} {'person' if len(used.participants) == 1 else 'people'}"
    )
    if used.coders:
        line.append(" \u00b7 by " + visible(coder_counts(used)))
    if used.settled:
        line.append(("; " if used.coders else " \u00b7 ") + visible(settled_counts(used)))
    return line


class CodebookScreen(Screen):
    BINDINGS = bindings_for("codebook")

    view: reactive[CodebookView] = reactive(CodebookView, always_update=True, init=False)
    """The codebook as last read; setting it redraws the table."""
    problem: reactive[str | None] = reactive(None, init=False)
    """Why the codebook could not be read, or None; shown in the status line."""
    changing: reactive[str | None] = reactive(None, init=False)
    """The change going through the session files and how far it is, or None; shown in the
    status line."""

    def __init__(self, service: CodebookService) -> None:
        super().__init__()
        self.service = service
        self._select: str | None = None
        """The tag the cursor goes to when the next read arrives."""
        self._status = Text("Counting each tag's use across the sessions\u2026", style="dim")
        """The status line's text when no change runs and nothing failed."""

    @property
    def tags(self) -> list[dict[str, Any]]:
        return self.view.tags

    @property
    def usage(self) -> dict[str, TagUsage]:
        return self.view.usage

    @property
    def blind_coder(self) -> str | None:
        """The coder coding blind, whose codings alone are counted; None: everyone's."""
        return self.service.blind_coder

    def compose(self) -> ComposeResult:
        title = Text("Codebook", style="bold")
        if self.blind_coder is not None:
            title.append(f"  BLIND: {visible(self.blind_coder)}'s codings only", style="bold")
        yield Static(title, id="codebook-title")
        yield RowTable(id="codebook", cursor_type="row", zebra_stripes=True)
        yield Static(id="codebook-detail")
        yield Static(id="codebook-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self._show_status()
        self.reload()

    def on_resize(self) -> None:
        if self.tags:
            self.mutate_reactive(CodebookScreen.view)

    def reload(self, select: str | None = None) -> None:
        self._select = select
        self._read()

    @work(thread=True, exclusive=True, group="codebook")
    def _read(self) -> None:
        self._finish_cut_short()
        try:
            view = self.service.view()
        except StoreError as error:
            self.app.call_from_thread(setattr, self, "problem", str(error))
            return
        self.app.call_from_thread(setattr, self, "view", view)

    def _finish_cut_short(self) -> None:
        """Worker: a rename, merge or delete that Fieldnote stopped in the middle of (killed,
        or a disk that filled) left some sessions changed and some not; it is finished now,
        before anything is counted, and a notice says so."""
        if self.changing is not None:
            return  # this screen's own change is the one under way
        for sentence, failed in self.service.finish_cut_short():
            self.app.call_from_thread(
                self.notify,
                sentence,
                severity="error" if failed else "information",
                timeout=12,
                markup=False,
            )

    def watch_problem(self) -> None:
        self._show_status()

    def watch_changing(self) -> None:
        self._show_status()

    def _show_status(self) -> None:
        if self.changing is not None:
            status = Text(self.changing, style="bold")
        elif self.problem is not None:
            status = Text(f"\u26a0 {visible_lines(self.problem)}")
        else:
            status = self._status
        self.query_one("#codebook-status", Static).update(status)

    def watch_view(self, view: CodebookView) -> None:
        tags, usage, sessions = view.tags, view.usage, view.sessions
        select, self._select = self._select, None
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        # One mark per coder over the whole table: `A` in two rows is one person.
        marks = coder_marks(coder for used in usage.values() for coder in used.coders)
        columns = fit(COLUMNS, max(self.size.width, 20))
        for label, width in columns:
            table.add_column(label, width=width, key=label)
        for tag in tags:
            used = usage.get(tag_key(tag["name"]), TagUsage())
            cells = {
                "Tag": Text(
                    tag_label(tag["name"]), style="bold", no_wrap=True, overflow="ellipsis"
                ),
                "Excerpts": str(used.excerpts),
                "Sessions": f"{len(used.sessions)}/{sessions}",
                "People": str(len(used.participants)),
                "Description": Text(
                    visible(str(tag.get("description") or "")), no_wrap=True, overflow="ellipsis"
                ),
                "By coder": Text(
                    visible(coder_counts(used, marks)),
                    style="dim",
                    no_wrap=True,
                    overflow="ellipsis",
                ),
                "Colour": swatch(str(tag.get("color") or "")),
                "Parent": Text(
                    tag_label(tag_parent(tag["name"])),
                    style="dim",
                    no_wrap=True,
                    overflow="ellipsis",
                ),
            }
            table.add_row(*(cells[label] for label, _ in columns), key=tag_key(tag["name"]))
        if select is not None:
            row = next((i for i, t in enumerate(tags) if tag_key(t["name"]) == tag_key(select)), 0)
        if tags:
            table.move_cursor(row=max(0, min(row, len(tags) - 1)))
        self._show_detail()
        status = Text(f"{count_of(len(tags), 'tag')} across {count_of(sessions, 'session')}")
        if not tags:
            status = Text("The codebook is empty: tags appear here once notes are tagged.")
        status.stylize("dim")
        if self.blind_coder is not None:
            back = self.app.key_for("codebook.back")
            blind = self.app.key_for("tagging.blind")
            status.append(
                f". The counts are {visible(self.blind_coder)}'s alone (blind coding); "
                f"{back}, then {blind} shows everyone's.",
                style="bold",
            )
        self._status = status
        self.set_reactive(CodebookScreen.problem, None)  # read now
        self._show_status()

    def on_data_table_row_highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        tag = self.selected
        detail = self.query_one("#codebook-detail", Static)
        detail.update(usage_line(tag, self._used(tag), self.view.sessions) if tag else "")

    @property
    def selected(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if not self.tags or table.cursor_row < 0:
            return None
        return self.tags[min(table.cursor_row, len(self.tags) - 1)]

    def _used(self, tag: dict[str, Any]) -> TagUsage:
        return self.usage.get(tag_key(tag["name"]), TagUsage())

    # -- actions -----------------------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        if step > 0:
            table.action_cursor_down()
        else:
            table.action_cursor_up()

    def action_first(self) -> None:
        self.query_one(DataTable).move_cursor(row=0)

    def action_last(self) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=max(0, table.row_count - 1))

    def action_back(self) -> None:
        self.app.pop_screen()

    def _index(self, leaving_out: str | None = None) -> TagIndex:
        """The tags listed, for the tag picker's search (`leaving_out` one of them)."""
        return TagIndex(
            # Blind, ranked by the coder's own uses and latest use, as the tagging screen's
            # picker ranks them: the codebook's uses are every coder's.
            TagStats(t["name"], self._used(t).excerpts, self._used(t).last_used_at)
            if self.blind_coder is not None
            else TagStats(t["name"], int(t.get("uses") or 0), t.get("last_used_at"))
            for t in self.tags
            if leaving_out is None or tag_key(t["name"]) != tag_key(leaving_out)
        )

    @property
    def _counted(self) -> str:
        """What `_index`'s counts are, as the picker says it beside them."""
        return "your excerpts" if self.blind_coder is not None else TIMES_APPLIED

    def action_find(self) -> None:
        """Type to find a tag (the tag picker's fuzzy search); Enter puts the cursor on it."""

        def chosen(picked: Picked | None) -> None:
            if picked is not None:
                keys = [tag_key(t["name"]) for t in self.tags]
                if tag_key(picked.name) in keys:
                    self.query_one(DataTable).move_cursor(row=keys.index(tag_key(picked.name)))

        self.app.push_screen(
            TagPickerScreen(
                self._index(), "Find a tag", allow_create=False, does="shows", counted=self._counted
            ),
            chosen,
        )

    def action_rename(self) -> None:
        tag = self.selected
        if tag is None or self._busy():
            return
        old = tag["name"]

        def check(value: str) -> str | None:
            return self.service.rename_problem(self.tags, old, value)

        def chosen(value: str | None) -> None:
            if value is not None and clean_tag_name(value) != old:
                doing = f"Renaming \u2018{visible(old)}\u2019"
                now = self._now()
                self._run(lambda done: self.service.rename(old, value, now, done), value, doing)

        used = self._used(tag)
        follows = f"Every one of its {used.excerpts} excerpt(s) follows"
        if self.blind_coder is not None:  # its count would be the blind coder's alone
            follows = "Every coder's excerpts with it follow"
        self.app.push_screen(
            PromptScreen(
                f"Rename \u2018{old}\u2019",
                f"{follows}, and its sub-tags. Use / for a hierarchy.",
                old,
                check,
            ),
            chosen,
        )

    def action_merge(self) -> None:
        tag = self.selected
        if tag is None or self._busy():
            return
        source = tag["name"]
        others = self._index(leaving_out=source)

        def chosen(picked: Picked | None) -> None:
            if picked is not None:
                # Every session is read to count it: said at once, as a change's progress is.
                self.changing = (
                    f"Counting what merging \u2018{visible(source)}\u2019 into "
                    f"\u2018{visible(picked.name)}\u2019 would change\u2026"
                )
                self._confirm_merge(source, picked.name)

        self.app.push_screen(
            TagPickerScreen(
                others,
                f"Merge \u2018{source}\u2019 into\u2026",
                allow_create=False,
                does="chooses (asks first)",
                counted=self._counted,
            ),
            chosen,
        )

    @work(thread=True, exclusive=True, group="codebook-preview")
    def _confirm_merge(self, source: str, target: str) -> None:
        """Count what the merge would change (every session is read, hence the worker), then
        ask, as a delete does."""
        try:
            preview = self.service.merge_preview(source, target)
        except StoreError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error", markup=False)
            return
        finally:
            self.app.call_from_thread(setattr, self, "changing", None)
        self.app.call_from_thread(self._ask_merge, preview)

    def _ask_merge(self, preview: MergePreview) -> None:
        source, target = preview.source, preview.target
        question = (
            f"{preview.changes} note(s) and excerpt(s) in {preview.sessions} session(s) will be "
            f"tagged \u2018{target}\u2019 instead"
        )
        if self.blind_coder is not None:  # how many is how much the other coders used it
            question = (
                f"Every coder's notes and excerpts tagged \u2018{source}\u2019 will be "
                f"tagged \u2018{target}\u2019 instead"
            )
        elif preview.folded:
            question += f" ({preview.folded} already have it and keep it once)"
        question += "."
        if preview.sub_tags:
            question += f" Its {len(preview.sub_tags)} sub-tag(s) move under \u2018{target}\u2019."
        question += f" \u2018{source}\u2019 leaves the codebook."

        def decided(go: bool | None) -> None:
            if go:
                doing = f"Merging \u2018{visible(source)}\u2019 into \u2018{visible(target)}\u2019"
                self._run(lambda done: self.service.merge(source, target, done), target, doing)

        self.app.push_screen(
            ConfirmScreen(f"Merge \u2018{source}\u2019 into \u2018{target}\u2019?", question),
            decided,
        )

    def action_delete(self) -> None:
        tag = self.selected
        if tag is None or self._busy():
            return
        name = tag["name"]
        deleting = f"Deleting \u2018{visible(name)}\u2019"
        used = self._used(tag)
        # Unlike a rename or a merge, a delete leaves the sub-tags (their codings are other
        # judgements): the question says so, with their names.
        below = tag_key(name) + "/"
        subs = [t["name"] for t in self.tags if tag_key(t["name"]).startswith(below)]
        # Blind, the counts are the coder's own: a tag only the others used would go unasked.
        if not used.excerpts and not subs and self.blind_coder is None:
            self._run(lambda done: self.service.delete(name, done), None, deleting)
            return

        def decided(go: bool | None) -> None:
            if go:
                self._run(lambda done: self.service.delete(name, done), None, deleting)

        question = (
            f"It tags {count_of(used.excerpts, 'excerpt')} in "
            f"{count_of(len(used.sessions), 'session')}. Deleting removes it from all of them "
            "(the notes' text stays as typed)."
        )
        if self.blind_coder is not None:
            question = (
                "Deleting removes it from every coder's excerpts, which blind coding does not "
                "count (the notes' text stays as typed)."
            )
        if subs:
            shown = ", ".join(subs[:3]) + (f" and {len(subs) - 3} more" if len(subs) > 3 else "")
            question += f" Its {count_of(len(subs), 'sub-tag')} stay: {shown}."
        self.app.push_screen(ConfirmScreen(f"Delete \u2018{name}\u2019?", question), decided)

    def action_undo(self) -> None:
        """Take back the last rename or merge made on this screen."""
        if self._busy():
            return
        if self.service.undoable is None:
            undo = self.app.key_for("codebook.undo")
            self.notify(
                f"There is nothing to undo: {undo} takes back the last rename or merge made here.",
                severity="warning",
                timeout=4,
                markup=False,
            )
            return
        what = visible(self.service.undoable[0])  # tag names, as a file may hold them
        self._run(self.service.undo, None, f"Undoing {what}", self._undone_notice)

    def _undone_notice(self, undone: tuple[str, int, int]) -> str:
        what, back, kept = undone
        what = visible(what)
        if self.blind_coder is not None:  # every coder's, counted: not for a blind coder
            return f"Undone: {what}."
        done = f"Undone: {what}; {back} note(s) and excerpt(s) put back."
        if kept:
            done += f" {kept} changed since keep that change, and the tag it carries."
        return done

    def action_describe(self) -> None:
        self._edit_field("description", "Description of", "What this tag means, for coders.")

    def action_color(self) -> None:
        def check(value: str) -> str | None:
            if not value.strip():
                return None
            try:
                Color.parse(value.strip())
            except ColorParseError:
                return f"'{value.strip()}' is not a colour; try red, #2a9d8f or color(33)."
            return None

        self._edit_field("color", "Colour of", "A colour name or #rrggbb; empty for none.", check)

    def _edit_field(self, field: str, verb: str, help_text: str, check=None) -> None:
        tag = self.selected
        if tag is None:
            return
        name = tag["name"]

        def chosen(value: str | None) -> None:
            if value is not None:
                self._save_field(name, field, value)

        self.app.push_screen(
            PromptScreen(f"{verb} \u2018{name}\u2019", help_text, str(tag.get(field) or ""), check),
            chosen,
        )

    def _now(self) -> str:
        return to_iso(self.app.now())

    @work(thread=True, group="codebook-field")
    def _save_field(self, name: str, field: str, value: str) -> None:
        """One fsynced write: in a worker, so keys keep echoing however slow the disk."""
        try:
            self.service.set_field(name, field, value)
        except StoreError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error", markup=False)
        self.app.call_from_thread(self.reload, name)

    def _busy(self) -> bool:
        """A change is going through the files: another one now would cross it (a rename of
        the tag a merge is still moving notes to), so the key says to wait instead."""
        if self.changing is None:
            return False
        self.notify(
            f"{self.changing} Wait until it is done; the keys that move and find work meanwhile.",
            severity="warning",
            timeout=4,
            markup=False,
        )
        return True

    def _run(self, change, select: str | None, doing: str, said=None) -> None:
        """Start `change(progress)` in a worker, the status line counting its sessions;
        `said(result)` is the notice when it is done (else how many notes it changed)."""
        self.changing = f"{doing}\u2026"
        self._change(change, select, doing, said or self._changed_notice)

    def _changed_notice(self, changed: int) -> str:
        if self.blind_coder is not None:  # every coder's, counted: not for a blind coder
            return "Done."
        return f"Done: {changed} note(s) and excerpt(s) updated."

    @work(thread=True, exclusive=True, group="codebook-change")
    def _change(self, change, select: str | None, doing: str, said) -> None:
        shown = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - shown[0] >= PROGRESS_SECONDS:
                shown[0] = now
                # The count first: a long tag name's end is what an 80-column line cuts.
                text = f"{done} of {count_of(total, 'session')} done \u00b7 {doing}\u2026"
                self.app.call_from_thread(setattr, self, "changing", text)

        try:
            changed = change(progress)
        except StoreError as error:
            self.app.call_from_thread(setattr, self, "changing", None)
            self.app.call_from_thread(
                self.notify, str(error), severity="error", timeout=12, markup=False
            )
            self.app.call_from_thread(self.reload, select)
            return
        finally:
            self.app.call_from_thread(setattr, self, "changing", None)
        self.app.call_from_thread(self.notify, said(changed), timeout=4, markup=False)
        self.app.call_from_thread(self.reload, select)
