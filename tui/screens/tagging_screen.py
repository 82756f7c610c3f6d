"""Tagging: walk the excerpts of one session (or a study, or all) and code them by keyboard.

Left, every note as an excerpt with its span excerpts beneath it (a virtual list); right, the
current excerpt in full with its tags, severity, spans and the nine most recent tags. Tags on a
whole note go to the note's `tags`; tags on a span are an `excerpts` document (DESIGN.md,
"Excerpts and tags"), and each tag's use is counted in the codebook.

Memory first: a change shows at once and is queued on the app's `TagWrites`, whose one writer
thread makes it durable in order, off the UI thread; a failing write (disk full) is kept,
retried and shown as a sentence with what is pending. The sessions are read, and the tag index
built, in a thread worker; what the writer has not written yet is replayed over each read.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from tui.domain.clock import to_iso
from tui.domain.display_text import visible
from tui.domain.notes import clean_tag_name, new_id, tag_key
from tui.domain.quotes import citation
from tui.domain.tags import (
    SEVERITIES,
    add_tag,
    edit_changes,
    edit_empties,
    inline_name_problem,
    remove_tag,
    word_end_after,
    word_end_before,
    word_start_after,
    word_start_before,
)
from tui.screens.prompt_screen import PromptScreen
from tui.screens.tag_picker_screen import Picked, TagPickerScreen
from tui.services.analysis import study_of
from tui.services.search import TagIndex, TagStats
from tui.services.tag_ops import SCOPES, scope_session_ids
from tui.services.tag_writes import TagWrites
from tui.services.write_queue import SaveState
from tui.store import SessionFile, StoreError
from tui.widgets.bindings import bindings_for
from tui.widgets.excerpt_list import Excerpt, ExcerptList
from tui.widgets.key_bar import KeyBar
from tui.widgets.tag_colors import tag_styles

DISK_POLL_SECONDS = 1.0
FREEZE_FROM_NOTES = 5_000
"""Listing at least this many notes, move what is alive to the GC's permanent generation."""
NARROW_WIDTH = 70
SKIPPED_KINDS = ("asked",)
"""Notes that only mark a guide question asked are not excerpts."""


def codebook_index(tags: list[dict]) -> TagIndex:
    """One index over the whole codebook, built once per screen and kept up to date."""
    return TagIndex(
        TagStats(t["name"], int(t.get("uses") or 0), t.get("last_used_at")) for t in tags
    )


Key = tuple[str, str]
"""(session id, note or span id)."""


@dataclass
class SessionRows:
    """One session's excerpts as listed: its notes, each followed by its span excerpts."""

    excerpts: list[Excerpt]
    note_rows: dict[Key, Excerpt]
    span_rows: dict[Key, Excerpt]
    coded: int
    notes: int


@dataclass
class Loaded:
    """One read of the scope's sessions, made by the loading worker. Only the sessions that
    changed since the screen last read them are read and parsed again (`rows`); the others keep
    the rows the screen already has, so another instance typing into one session of twenty
    costs one session's read, not twenty."""

    generation: int
    session_ids: list[str]
    rows: dict[str, SessionRows]
    """The sessions read afresh; a session of `session_ids` missing here keeps its rows."""
    full: bool
    """Every session was read: rows of sessions missing from `rows` are dropped."""
    titles: dict[str, str]
    files: dict[str, SessionFile]
    problems: list[str]
    index: TagIndex | None
    styles: dict[str, Style] | None
    """With the index: each tag's codebook colour, by `tag_key`."""
    since: int
    """Changes numbered from here on may be missing from this read: replayed over it."""
    versions: dict[str, int]
    """Each file's `remote_version` as read: a poll compares, to see what others wrote since."""


def read_sessions(
    writes: TagWrites,
    session_ids: list[str],
    loaded: Loaded,
    known: dict[str, int] | None = None,
) -> None:
    """Every note of the sessions as an excerpt, with its span excerpts beneath it (worker).
    A session in `known` (id -> the `remote_version` its listed rows were read at) that no
    other process has written since is not read again."""
    known = known or {}
    for session_id in session_ids:
        try:
            session_file = writes.file(session_id)
            seen = known.get(session_id)
            if (
                seen is not None
                and session_file.remote_version == seen
                and not session_file.changed_on_disk()
            ):
                loaded.files[session_id] = session_file
                loaded.versions[session_id] = seen
                continue  # only our own writes since: the listed rows already have them
            snap = session_file.read()
        except StoreError as error:
            loaded.problems.append(str(error))
            continue
        loaded.files[session_id] = session_file
        loaded.versions[session_id] = snap.remote_version
        loaded.rows[session_id] = session_rows(session_id, snap)
        loaded.titles[session_id] = str(snap.session.get("title") or session_id)


def session_rows(session_id: str, snap) -> SessionRows:
    rows = SessionRows([], {}, {}, 0, 0)
    participant = str(snap.session.get("participant") or "")
    by_note: dict[str, list[dict]] = {}
    for doc in snap.excerpts:
        by_note.setdefault(doc.get("note_id"), []).append(dict(doc))
    for stored in snap.notes:
        if stored.get("kind") in SKIPPED_KINDS:
            continue
        note = dict(stored)  # one copy, shared by the note's row and its span rows
        spans = sorted(by_note.get(note["id"], []), key=lambda d: (d["start"], d["end"]))
        row = Excerpt(session_id, participant, note, spans=spans)
        rows.excerpts.append(row)
        rows.note_rows[(session_id, note["id"])] = row
        rows.notes += 1
        rows.coded += _note_coded(row)
        for span in spans:
            span_row = Excerpt(session_id, participant, note, span, spans)
            rows.excerpts.append(span_row)
            rows.span_rows[(session_id, span["id"])] = span_row
    return rows


class TaggingScreen(Screen):
    BINDINGS = bindings_for("tagging")

    def __init__(
        self,
        writes: TagWrites,
        *,
        scope: str = "session",
        origin: str | None = None,
        session_ids: list[str] | None = None,
        focus: tuple[str, str, str | None] | None = None,
    ):
        super().__init__()
        self._focus = focus
        """(session id, note id, span id or None) to put the cursor on once read."""
        self.writes = writes
        self.scope = scope
        self.origin = origin or (session_ids[0] if session_ids else None)
        self.session_ids = list(session_ids or ([origin] if scope == "session" and origin else []))
        self._resolve_ids = session_ids is None
        self.files: dict[str, SessionFile] = {}
        self._seen: dict[str, int] = {}
        """Each file's `remote_version` when it was last read for the list."""
        self.all_excerpts: list[Excerpt] = []
        """Every session's rows (`_rows`) one after the other, in `session_ids` order."""
        self._rows: dict[str, list[Excerpt]] = {}
        self.shown: list[Excerpt] = []
        self._note_rows: dict[Key, Excerpt] = {}
        self._span_rows: dict[Key, Excerpt] = {}
        self.index = TagIndex()
        self.tag_styles: dict[str, Style] = {}
        """`tag_key` -> the tag's codebook colour, drawn wherever the tag is."""
        self.last_tag: str | None = None
        self.filter_untagged = False
        self.filter_tag: str | None = None
        self.filter_text = ""
        self.span: tuple[int, int] | None = None
        """(start, end) being selected in the current note, or None outside span mode."""
        self.titles: dict[str, str] = {}
        self.coded_count = 0
        self.note_count = 0
        self._recent: list[str] | None = None
        self.reading_note: str | None = self._loading_text()
        """Shown until the first read arrives; None once the excerpts are listed."""
        self._generation = 0
        self._reading = False
        self._scope_changed = False
        self._in_codebook = False
        self._save_problem: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="tagging-header")
        yield Static(id="tagging-status")
        with Horizontal(id="tagging-body"):
            yield ExcerptList(id="excerpts")
            with VerticalScroll(id="excerpt-side"):
                yield Static(id="excerpt-detail")
        yield KeyBar()

    @property
    def excerpt_list(self) -> ExcerptList:
        return self.query_one(ExcerptList)

    def on_mount(self) -> None:
        self.query_one("#tagging-status").display = False
        self.excerpt_list.focus()
        self.show_current()
        self._start_read(resolve=self._resolve_ids, with_index=True)
        self.set_interval(DISK_POLL_SECONDS, self._poll_disk)
        if self.writes.unsaved:  # left earlier with changes still failing
            self.on_tag_save_state(SaveState(self.writes.unsaved, self.writes.last_error))

    def on_resize(self) -> None:
        # In a half-width tmux pane the excerpt goes below the list instead of beside it.
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")

    def _poll_disk(self) -> None:
        """A co-interviewer still typing, or another pane tagging: show their changes (one
        stat per file; the read itself runs in the worker)."""
        if self.span is not None or not self.is_current or self._reading:
            return
        if any(self._remote_changed(sid, f) for sid, f in self.files.items()):
            self._start_read()

    def _remote_changed(self, session_id: str, session_file: SessionFile) -> bool:
        """Did another process write the file since we read it? Our tag writes re-read it
        under the lock, taking in what others wrote; the signature then matches the disk and
        only `remote_version` tells (as `LiveSession.remote_changed` does)."""
        return session_file.changed_on_disk() or session_file.remote_version != self._seen.get(
            session_id
        )

    def on_screen_resume(self) -> None:
        # Back from the codebook: a rename or merge may have changed any tag. (Back from the
        # picker nothing changed on disk that the poll would not see.)
        if self._in_codebook:
            self._in_codebook = False
            self._start_read(with_index=True, full=True)

    # -- loading -----------------------------------------------------------------------------

    def _loading_text(self, count: int | None = None) -> str:
        if count is None:
            if self._resolve_ids and self.scope != "session" or not self.session_ids:
                return "Loading the sessions\u2026"
            count = len(self.session_ids)
        return f"Loading {count} session{'s' if count != 1 else ''}\u2026"

    def _start_read(
        self, *, resolve: bool = False, with_index: bool = False, full: bool = False
    ) -> None:
        """Read the scope's sessions in the worker; a newer read supersedes an older one.
        Sessions no other process wrote since they were listed are not read again, unless
        `full` (back from the codebook, whose rename rewrote every file)."""
        self._generation += 1
        self._reading = True
        ids = None if resolve else list(self.session_ids)
        known = {} if full else dict(self._seen)
        self._read_worker(self._generation, self.scope, ids, with_index, known)

    @work(thread=True, exclusive=True, group="tagging-read")
    def _read_worker(
        self,
        generation: int,
        scope: str,
        session_ids: list[str] | None,
        with_index: bool,
        known: dict[str, int] | None = None,
    ) -> None:
        worker = get_current_worker()

        def counted(ids: list[str]) -> None:
            self._from_worker(self._counted, generation, ids)

        loaded = self._read(generation, scope, session_ids, with_index, counted, known)
        if not worker.is_cancelled:
            self._from_worker(self._loaded, loaded)

    def _read(
        self,
        generation: int,
        scope: str,
        session_ids: list[str] | None,
        with_index: bool,
        counted=lambda ids: None,
        known: dict[str, int] | None = None,
    ) -> Loaded:
        """The scope's sessions (found first when `session_ids` is None) read from disk; those
        in `known` that no one else wrote since are skipped (see `read_sessions`)."""
        store = self.app.store
        loaded = Loaded(generation, [], {}, not known, {}, {}, [], None, None, 0, {})
        if session_ids is None:
            try:
                session_ids = scope_session_ids(store, scope, self.origin)
            except StoreError as error:
                loaded.problems.append(str(error))
                session_ids = [self.origin] if self.origin else []
            counted(session_ids)
        loaded.session_ids = session_ids
        # Captured BEFORE the read: a change that lands during it is replayed (harmlessly).
        loaded.since = self.writes.stale_from()
        if with_index:
            try:
                tags = store.codebook.tags()
            except StoreError as error:  # the notes can still be read and shown
                loaded.problems.append(str(error))
                tags = []
            loaded.index, loaded.styles = codebook_index(tags), tag_styles(tags)
        read_sessions(self.writes, session_ids, loaded, known)
        return loaded

    def _from_worker(self, callback, *args) -> None:
        try:
            self.app.call_from_thread(callback, *args)
        except RuntimeError:
            pass  # the app is closing

    def _counted(self, generation: int, session_ids: list[str]) -> None:
        if generation != self._generation or not self.is_attached:
            return
        self.session_ids = session_ids
        if self.reading_note is not None:
            self.reading_note = self._loading_text(len(session_ids))
            self.show_current()

    def _loaded(self, loaded: Loaded) -> None:
        if loaded.generation != self._generation or not self.is_attached:
            return  # a newer read is on its way, or the screen is gone
        self._reading = False
        replay = self.writes.jobs_since(loaded.since)
        if replay is None:  # more changes meanwhile than the log keeps: read again
            self._start_read()
            return
        keep = self.current
        self.session_ids = loaded.session_ids
        self.files = loaded.files
        self._seen = loaded.versions
        self.titles.update(loaded.titles)
        self._take_rows(loaded)
        if loaded.full and self.note_count >= FREEZE_FROM_NOTES:
            # The listed rows live as long as the screen; left to the cyclic GC, every
            # full collection walks them all (50,000 notes: ~150-200 ms on the UI thread,
            # every few reloads). They hold no cycles, so freed rows still go by refcount.
            gc.freeze()
        if loaded.index is not None:
            self.index = loaded.index
            self._recent = None
        if loaded.styles is not None:
            self.tag_styles = self.excerpt_list.tag_styles = loaded.styles
        for payload in replay:
            self._apply(payload)
        if self._focus is not None:
            session_id, note_id, span_id = self._focus
            self._focus = None
            rows = self._span_rows if span_id else self._note_rows
            keep = rows.get((session_id, span_id or note_id), keep)
        self.reading_note = None
        for problem in loaded.problems:
            self.notify(problem, severity="error", markup=False)
        self.refilter(keep)
        if self._scope_changed:
            self._scope_changed = False
            self.notify(
                f"Showing {self.scope}: {len(self.session_ids)} session(s).",
                timeout=2,
                markup=False,
            )

    def _take_rows(self, loaded: Loaded) -> None:
        """Swap in the sessions read afresh; the others keep their rows (and objects, so the
        cursor and the list's drawing find them unchanged). UI thread; O(changed sessions)
        apart from one flat list copy."""
        scope = set(loaded.session_ids)
        for session_id in list(self._rows):
            if loaded.full or session_id not in scope or session_id in loaded.rows:
                self._drop_rows(session_id)
        for session_id, rows in loaded.rows.items():
            self._rows[session_id] = rows.excerpts
            self._note_rows.update(rows.note_rows)
            self._span_rows.update(rows.span_rows)
            self.coded_count += rows.coded
            self.note_count += rows.notes
        self._flatten()

    def _drop_rows(self, session_id: str) -> None:
        for row in self._rows.pop(session_id, []):
            if row.span is None:
                self._note_rows.pop((session_id, row.note["id"]), None)
                self.note_count -= 1
                self.coded_count -= _note_coded(row)
            else:
                self._span_rows.pop((session_id, row.span["id"]), None)

    def _flatten(self) -> None:
        self.all_excerpts = [e for sid in self.session_ids for e in self._rows.get(sid, ())]

    def _unfiltered(self) -> bool:
        return not (self.filter_untagged or self.filter_tag or self.filter_text)

    def refilter(self, keep: Excerpt | None = None) -> None:
        if self._unfiltered():  # the common case: no per-row work for 50,000 excerpts
            self.shown = list(self.all_excerpts)
            cursor = self._position(keep) if keep is not None else 0
            self.excerpt_list.set_excerpts(self.shown, cursor, show_who=len(self.session_ids) > 1)
            self.show_current()
            return
        text = self.filter_text.casefold()
        shown = []
        for excerpt in self.all_excerpts:
            if self.filter_untagged and (excerpt.span is not None or excerpt.coded):
                continue
            if self.filter_tag and self.filter_tag not in {tag_key(t) for t in excerpt.tags}:
                continue
            if text and text not in excerpt.text.casefold():
                continue
            shown.append(excerpt)
        self.shown = shown
        cursor = 0
        if keep is not None:
            cursor = next((i for i, e in enumerate(shown) if _same(e, keep)), 0)
        self.excerpt_list.set_excerpts(shown, cursor, show_who=len(self.session_ids) > 1)
        self.show_current()

    def _position(self, keep: Excerpt) -> int:
        """Where `keep` (or its fresh copy from a reload) is in the unfiltered list: the
        offset of its session plus its place there, without a scan of every session."""
        offset = 0
        for session_id in self.session_ids:
            rows = self._rows.get(session_id, ())
            if session_id == keep.session_id:
                found = next((i for i, e in enumerate(rows) if _same(e, keep)), None)
                return offset + found if found is not None else 0
            offset += len(rows)
        return 0

    @property
    def current(self) -> Excerpt | None:
        if not self.shown:
            return None
        return self.shown[min(self.excerpt_list.cursor, len(self.shown) - 1)]

    # -- drawing -----------------------------------------------------------------------------

    def show_current(self) -> None:
        self._show_header()
        detail = self.query_one("#excerpt-detail", Static)
        excerpt = self.current
        if excerpt is None:
            detail.update(Text(self._empty_message(), style="italic"))
            return
        detail.update(self.detail_text(excerpt))

    def _empty_message(self) -> str:
        if self.reading_note is not None:
            return f"{self.reading_note} Keys work once the excerpts are listed."
        if self.all_excerpts:
            return f"No excerpt matches the filter. {self.app.key_for('tagging.back')} clears it."
        return "No notes to tag in this scope yet."

    def _show_header(self) -> None:
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append("Tagging ", style="bold")
        if self.scope == "session" and self.session_ids:
            header.append(visible(self.titles.get(self.session_ids[0], "")))
        else:
            header.append(f"{self.scope}: {len(self.session_ids)} sessions")
        if self.reading_note is not None:
            header.append(f"  {self.reading_note}", style="bold")
        else:
            header.append(f"  {self.coded_count}/{self.note_count} coded", style="dim")
        filters = []
        if self.filter_untagged:
            filters.append("untagged")
        if self.filter_tag:
            filters.append("#" + visible(self.filter_tag))
        if self.filter_text:
            filters.append("\u201c" + visible(self.filter_text) + "\u201d")
        if filters:
            header.append(f"  filter: {' '.join(filters)} ({len(self.shown)})", style="bold")
        if self.span is not None:
            header.append("  SPAN", style="bold reverse")
        self.query_one("#tagging-header", Static).update(header)

    def detail_text(self, excerpt: Excerpt) -> Text:
        note = excerpt.note
        text = Text()
        meta = [visible(excerpt.participant)] if excerpt.participant else []
        meta.append(str(note.get("kind") or "note"))
        if note.get("author"):
            meta.append("by " + visible(str(note["author"])))
        text.append(" \u00b7 ".join(meta) + "\n", style="dim")
        body = str(note.get("text") or "")
        shown = Text(visible(body))
        for span in excerpt.spans or []:
            if span.get("tags"):
                shown.stylize("underline", span["start"], span["end"])
        if excerpt.span is not None:
            shown.stylize("bold reverse", excerpt.span["start"], excerpt.span["end"])
        if self.span is not None:
            start, end = self.span
            shown.stylize("reverse", start, max(end, start + 1))
        text.append_text(shown)
        text.append("\n\n")
        if self.span is not None:
            start, end = self.span
            text.append(f"Selecting {start}-{end}: ", style="bold")
            text.append("\u201c" + visible(body[start:end]) + "\u201d\n")
            keys = [
                self.app.key_for(k)
                for k in ("tagging.span_extend_word", "tagging.span_extend_char", "tagging.tag")
            ]
            text.append(f"{keys[0]}/{keys[1]} extend, then {keys[2]} tags the span\n\n", "dim")
        label = "Span" if excerpt.span is not None else "Note"
        text.append(f"{label} tags: ", style="bold")
        if excerpt.tags:
            self._append_tags(text, excerpt.tags)
        else:
            text.append("none", style="dim")
        if self._unsaved(excerpt):
            text.append("  (not saved yet)", style="bold")
        text.append("\nSeverity: ", style="bold")
        severity = excerpt.severity
        text.append(
            ("\u25cf" * severity + "\u25cb" * (5 - severity)) if severity else "not rated",
            style="" if severity else "dim",
        )
        if excerpt.span is None and excerpt.spans:
            text.append("\nSpans:", style="bold")
            for span in excerpt.spans:
                piece = body[span["start"] : span["end"]]
                text.append(f"\n  \u201c{visible(piece)}\u201d ")
                self._append_tags(text, span.get("tags") or [])
        recent = self.recent()
        if recent:
            text.append("\n\nRecent:", style="bold")
            for number, name in enumerate(recent, start=1):
                text.append(f"\n  {number} ", style="bold")
                text.append(visible(name), self.tag_styles.get(tag_key(name)) or "")
        return text

    def _append_tags(self, text: Text, tags: list[str]) -> None:
        """`#tag #tag`, each in its codebook colour (a Style object: never markup)."""
        for i, tag in enumerate(tags):
            text.append(" " if i else "")
            text.append("#" + visible(tag), self.tag_styles.get(tag_key(tag)) or "")

    def on_excerpt_list_moved(self, event: ExcerptList.Moved) -> None:
        self.show_current()

    # -- moving ------------------------------------------------------------------------------

    def _go(self, index: int) -> None:
        """Move the cursor; moving ends a span selection."""
        self.span = None
        self.excerpt_list.move_to(index)
        self.show_current()

    def action_move(self, step: int) -> None:
        self._go(self.excerpt_list.cursor + step)

    def action_page(self, pages: int) -> None:
        self._go(self.excerpt_list.cursor + pages * self.excerpt_list.page)

    def action_first(self) -> None:
        self._go(0)

    def action_last(self) -> None:
        self._go(len(self.shown) - 1)

    def action_next_untagged(self) -> None:
        count = len(self.shown)
        if not count:
            return  # still reading, or nothing matches the filter
        start = self.excerpt_list.cursor
        for step in range(1, count + 1):
            excerpt = self.shown[(start + step) % count]
            if excerpt.span is None and not excerpt.coded:
                self._go((start + step) % count)
                return
        self.notify("Every excerpt here is tagged.", timeout=3)

    # -- filters -----------------------------------------------------------------------------

    def action_filter_untagged(self) -> None:
        self.filter_untagged = not self.filter_untagged
        self.refilter(self.current)

    def action_filter_tag(self) -> None:
        def chosen(picked: Picked | None) -> None:
            if picked is not None:
                self.filter_tag = tag_key(picked.name)
                self.refilter(self.current)

        self.app.push_screen(
            TagPickerScreen(
                self.index,
                "Show excerpts tagged\u2026",
                allow_create=False,
                tag_styles=self.tag_styles,
            ),
            chosen,
        )

    def action_filter_text(self) -> None:
        def chosen(text: str | None) -> None:
            if text is not None:
                self.filter_text = text.strip()
                self.refilter(self.current)

        self.app.push_screen(
            PromptScreen(
                "Search the notes", "Shows excerpts containing this text.", self.filter_text
            ),
            chosen,
        )

    def action_back(self) -> None:
        if self.span is not None:
            self.span = None
            self.show_current()
        elif self.filter_untagged or self.filter_tag or self.filter_text:
            self.filter_untagged, self.filter_tag, self.filter_text = False, None, ""
            self.refilter(self.current)
        else:
            self.app.leave_tagging()  # waits for the tag changes, or asks

    def action_export(self) -> None:
        """Export the sessions in view (this session, its study or all) from a dialog."""
        from tui.screens.export_screen import ExportScreen
        from tui.services.exchange.exporting import ExportJob

        if not self.session_ids:
            return
        label = {"session": self.titles.get(self.session_ids[0], ""), "all": "all sessions"}
        job = ExportJob(self.app.store, list(self.session_ids), label.get(self.scope, ""))
        self.app.push_screen(ExportScreen(job))

    def action_cycle_scope(self) -> None:
        if self.origin is None:
            return
        self.scope = SCOPES[(SCOPES.index(self.scope) + 1) % len(SCOPES)]
        self._scope_changed = True
        self._start_read(resolve=True)  # the list stays until the new scope is read

    def action_analyse(self) -> None:
        """The analysis of this session's study (of every session when scoped to all)."""
        study = None
        if self.scope != "all" and self.origin:
            study = study_of(self.app.store, self.origin)
        self.app.open_analysis(study)

    def action_open_codebook(self) -> None:
        from tui.screens.codebook_screen import CodebookScreen

        # A rename or merge rewrites every session file: our queued changes go first.
        if not self.writes.flush(timeout=1.0):
            problem = self.writes.problem() or "The tag changes are still being saved."
            self.notify(
                f"{problem} The codebook opens once they are saved.",
                severity="error",
                timeout=8,
                markup=False,
            )
            return
        self._in_codebook = True
        self.app.push_screen(CodebookScreen())

    def action_copy_excerpt(self) -> None:
        """Copy the current excerpt as a citable quote: a span excerpt (or the span being
        selected) just the span, with the participant and the time on the recording."""
        excerpt = self.current
        if excerpt is None:
            return
        text = excerpt.text
        if self.span is not None:
            start, end = self.span
            text = str(excerpt.note.get("text") or "")[start:end]
        elapsed = float(excerpt.note.get("elapsed") or 0.0)
        offset = self._recording_offset(excerpt.session_id)
        self.app.copy_text(citation(text, excerpt.participant, elapsed, offset))

    def _recording_offset(self, session_id: str) -> float:
        """The session clock's recording offset, from the open (cached) session file."""
        session_file = getattr(self, "files", {}).get(session_id)
        try:
            if session_file is not None:
                session = session_file.read().session
            else:
                opened = self.app.store.open_session(session_id)
                try:
                    session = opened.read().session
                finally:
                    opened.close()
            return float((session.get("clock") or {}).get("recording_offset") or 0.0)
        except (StoreError, TypeError, ValueError, AttributeError):
            return 0.0  # the time is then the interview clock's; the words are what matter

    # -- tagging -----------------------------------------------------------------------------

    def action_pick_tag(self) -> None:
        if self.current is None:
            return
        target = "the selected span" if self.span is not None else "this excerpt"

        def chosen(picked: Picked | None) -> None:
            if picked is not None:
                self.apply_tag(picked.name, create=picked.created)

        picker = TagPickerScreen(self.index, f"Tag {target}", tag_styles=self.tag_styles)
        self.app.push_screen(picker, chosen)

    def recent(self) -> list[str]:
        """The nine most recent tags (cached: with 10,000 tags a fresh pick costs ~3 ms)."""
        if self._recent is None:
            self._recent = self.index.recent(9)
        return self._recent

    def action_apply_recent(self, number: int) -> None:
        recent = self.recent()
        if number > len(recent):
            self.notify(
                f"There is no recent tag {number} yet.", severity="warning", timeout=3, markup=False
            )
            return
        self.apply_tag(recent[number - 1])

    def action_repeat_tag(self) -> None:
        if self.last_tag is None:
            self.notify("No tag applied yet; pick one first.", severity="warning", timeout=3)
            return
        if self.excerpt_list.cursor + 1 >= len(self.shown):
            self.notify("This is the last excerpt.", severity="warning", timeout=3)
            return
        self._go(self.excerpt_list.cursor + 1)
        self.apply_tag(self.last_tag)

    def apply_tag(self, name: str, *, create: bool = False) -> None:
        """Tag the current excerpt (or the selected span): on screen now, on disk shortly."""
        excerpt = self.current
        if excerpt is None:
            return
        if self.span is not None and self.span[1] <= self.span[0]:
            self.notify("The span is empty; extend it before tagging.", severity="warning")
            return
        now = to_iso(self.app.now())
        known = self.index.stats(name)
        name = known.name if known is not None else clean_tag_name(name)
        if known is None and create:
            problem = inline_name_problem(name)
            if problem is not None:  # `#new name` typed in a note would read back as `#new`
                self.notify(problem, severity="error", timeout=6, markup=False)
                return
            # Queued before the change that uses it: no note on disk names a missing tag.
            self.writes.create_tag(name, now)
            self.index.add(TagStats(name))
        if self.span is not None:
            start, end = self.span
            doc = {
                "id": new_id(),
                "note_id": excerpt.note["id"],
                "start": start,
                "end": end,
                "tags": [name],
                "severity": None,
            }
            self.span = None
            piece = str(excerpt.note.get("text") or "")[start:end]
            row = self._change(
                excerpt, "excerpts", "add", doc["id"], doc=doc, what=f"tag {_quote(piece)} #{name}"
            )
            self.refilter(row)
        else:
            if add_tag(excerpt.tags, name) is None:
                self.notify(f"Already tagged #{name}.", timeout=2, markup=False)
                return
            self._edit(excerpt, {"add_tag": name}, f"tag {_quote(excerpt.text)} #{name}")
        self.writes.record_use([name], now)
        self.index.record_use(name, now)
        self._recent = None
        self.last_tag = name
        self.show_current()

    # -- changes: memory now, disk through the writer ----------------------------------------

    def _edit(self, excerpt: Excerpt, edit: dict, what: str) -> Excerpt | None:
        """A delta (`edit_changes`) on the excerpt's note or span, never a whole tag list: the
        writer applies it under the lock to the document as it is on disk by then, so a tag
        someone else added meanwhile is kept. Returns the row the cursor belongs on."""
        table = "notes" if excerpt.span is None else "excerpts"
        row = self._change(excerpt, table, "edit", excerpt.doc["id"], edit=edit, what=what)
        self.excerpt_list.refresh()
        return row

    def _change(
        self,
        excerpt: Excerpt,
        table: str,
        op: str,
        key: str,
        *,
        what: str,
        changes: dict | None = None,
        doc: dict | None = None,
        edit: dict | None = None,
    ) -> Excerpt | None:
        """Apply one change to memory and queue it for the disk; returns the row it leaves
        the cursor on (a new span, or the note of a removed one)."""
        payload = {"session_id": excerpt.session_id, "table": table, "op": op, "id": key}
        if changes is not None:
            payload["changes"] = _copy(changes)
        if doc is not None:
            payload["doc"] = _copy(doc)
        if edit is not None:
            payload["edit"] = dict(edit)
        row = self._apply(payload)
        self.writes.change(payload, what)
        return row

    def _apply(self, payload: dict) -> Excerpt | None:
        """One change to the excerpts in memory (a fresh edit, or one replayed over a read
        that lacks it). Idempotent: applying it twice changes nothing more."""
        session_id, table, op, key = (payload[k] for k in ("session_id", "table", "op", "id"))
        if op == "edit":
            rows = self._note_rows if table == "notes" else self._span_rows
            row = rows.get((session_id, key))
            if row is None:
                return None
            edit = payload["edit"]
            was = _note_coded(row)
            row.doc.update(edit_changes(row.doc, edit))
            self.coded_count += _note_coded(row) - was
            if row.span is not None and edit_empties(row.doc, edit):
                return self._apply({**payload, "op": "delete"})
            return row
        if op == "update":
            rows = self._note_rows if table == "notes" else self._span_rows
            row = rows.get((session_id, key))
            if row is not None:
                was = _note_coded(row)
                row.doc.update(_copy(payload["changes"]))
                self.coded_count += _note_coded(row) - was
            return row
        if op == "add":
            doc = _copy(payload["doc"])
            found = self._span_rows.get((session_id, key))
            note_row = self._note_rows.get((session_id, doc.get("note_id")))
            if found is not None or note_row is None:
                return found
            was = _note_coded(note_row)
            spans = note_row.spans if note_row.spans is not None else []
            note_row.spans = spans
            spans.append(doc)
            spans.sort(key=lambda d: (d["start"], d["end"]))
            row = Excerpt(session_id, note_row.participant, note_row.note, doc, spans)
            session_rows = self._rows[session_id]
            at = _index_of(session_rows, note_row) + 1 + _index_of(spans, doc)
            session_rows.insert(at, row)
            self.all_excerpts.insert(self._offset(session_id) + at, row)
            self._span_rows[(session_id, key)] = row
            self.coded_count += _note_coded(note_row) - was
            return row
        if op == "delete":
            row = self._span_rows.pop((session_id, key), None)
            if row is None:
                return None
            note_row = self._note_rows.get((session_id, row.note["id"]))
            was = _note_coded(row)
            if row.spans is not None:
                row.spans[:] = [s for s in row.spans if s is not row.span]  # shared list
            session_rows = self._rows[session_id]
            at = _index_of(session_rows, row)
            session_rows.pop(at)
            self.all_excerpts.pop(self._offset(session_id) + at)
            self.coded_count += _note_coded(row) - was
            return note_row
        return None

    def _offset(self, session_id: str) -> int:
        """Where the session's rows start in `all_excerpts`."""
        offset = 0
        for sid in self.session_ids:
            if sid == session_id:
                return offset
            offset += len(self._rows.get(sid, ()))
        return offset

    def _unsaved(self, excerpt: Excerpt) -> bool:
        if not self.writes.unsaved:
            return False
        keys = {excerpt.doc.get("id")} | {s.get("id") for s in excerpt.spans or []}
        return any(
            p.get("session_id") == excerpt.session_id and p.get("id") in keys
            for p in self.writes.pending_payloads()
        )

    def on_tag_save_state(self, state: SaveState) -> None:
        """From the writer thread (via the app): show, update or clear the failing write."""
        problem = self.writes.problem()
        if state.skipped:
            self.notify(state.skipped, severity="warning", timeout=8, markup=False)
            self._start_read()  # what it changed is gone: show the files as they are
        if problem and self._save_problem is None:
            self.notify(problem, severity="error", timeout=8, markup=False)
        self._save_problem = problem
        status = self.query_one("#tagging-status", Static)
        status.display = problem is not None
        if problem is not None:
            pending = self.writes.pending_describes()
            text = Text(problem + " Pending: ")
            text.append(
                "; ".join(pending[:3])
                + (f"; and {len(pending) - 3} more" if len(pending) > 3 else "")
                + "."
            )
            status.update(text)
        self.show_current()

    def action_untag(self) -> None:
        excerpt = self.current
        if excerpt is None:
            return
        if not excerpt.tags:
            if excerpt.span is not None:
                self._remove_tag(excerpt, None)
            else:
                self.notify("This excerpt has no tags.", severity="warning", timeout=3)
            return
        if len(excerpt.tags) == 1:
            self._remove_tag(excerpt, excerpt.tags[0])
            return

        def chosen(picked: Picked | None) -> None:
            if picked is not None:
                self._remove_tag(excerpt, picked.name)

        own = TagIndex(TagStats(t) for t in excerpt.tags)
        picker = TagPickerScreen(
            own, "Remove which tag?", allow_create=False, tag_styles=self.tag_styles
        )
        self.app.push_screen(picker, chosen)

    def _remove_tag(self, excerpt: Excerpt, name: str | None) -> None:
        what = f"untag {_quote(excerpt.text)}" + (f" #{name}" if name else "")
        if name is not None and remove_tag(excerpt.tags, name) is None:
            return
        edit: dict = {"remove_tag": name} if name is not None else {"clear_tags": True}
        if excerpt.span is not None:
            edit["drop_if_empty"] = True  # a span left with no tags and no severity goes
        row = self._edit(excerpt, edit, what)
        if row is not None and row is not excerpt:  # the span went: the cursor goes to its note
            self.refilter(row)
            return
        self.show_current()

    def action_severity(self, step: int) -> None:
        excerpt = self.current
        if excerpt is None:
            return
        now = excerpt.severity or 0
        new = max(0, min(SEVERITIES[-1], now + step))
        what = f"set severity {new or 'none'} on {_quote(excerpt.text)}"
        self._edit(excerpt, {"severity": new or None}, what)
        self.show_current()

    # -- spans -------------------------------------------------------------------------------

    def action_toggle_span(self) -> None:
        excerpt = self.current
        if excerpt is None:
            return
        if self.span is not None:
            self.span = None
        else:
            text = str(excerpt.note.get("text") or "")
            if excerpt.span is not None:  # start from the span the cursor is on
                self.span = (excerpt.span["start"], excerpt.span["end"])
                self._to_note_row(excerpt)
            else:
                self.span = (0, word_end_after(text, 0))
        self.show_current()

    def _to_note_row(self, excerpt: Excerpt) -> None:
        """Spans are selected on their note's row, so a tag makes a new span excerpt."""
        span = self.span
        for i, e in enumerate(self.shown):
            if e.span is None and e.note["id"] == excerpt.note["id"]:
                self.excerpt_list.move_to(i)
                break
        self.span = span

    def _note_text(self) -> str:
        excerpt = self.current
        return str(excerpt.note.get("text") or "") if excerpt else ""

    def _set_span(self, start: int, end: int) -> None:
        length = len(self._note_text())
        start = max(0, min(start, length))
        end = max(start, min(end, length))
        self.span = (start, end)
        self.show_current()

    def action_span_end(self, step: int) -> None:
        if self.span is not None:
            self._set_span(self.span[0], self.span[1] + step)

    def action_span_end_word(self, step: int) -> None:
        if self.span is None:
            return
        start, end = self.span
        text = self._note_text()
        end = word_end_after(text, end) if step > 0 else word_end_before(text, end, start)
        self._set_span(start, end)

    def action_span_start(self, step: int) -> None:
        if self.span is not None:
            start, end = self.span
            self._set_span(start + step, max(end, start + step))

    def action_span_start_word(self, step: int) -> None:
        if self.span is None:
            return
        start, end = self.span
        text = self._note_text()
        start = word_start_after(text, start) if step > 0 else word_start_before(text, start)
        self._set_span(start, max(end, word_end_after(text, start)))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action.startswith("span_") and self.span is None:
            return False  # j/k/h/l stay free outside span mode; hidden from the key bar
        return True


def _note_coded(excerpt: Excerpt) -> bool:
    """Whether the excerpt's note counts as coded (its own tags or a tagged span)."""
    return bool(excerpt.note.get("tags")) or any(s.get("tags") for s in excerpt.spans or [])


def _quote(text: str, width: int = 30) -> str:
    text = visible(" ".join(text.split()))
    return "\u201c" + (text if len(text) <= width else text[: width - 1] + "\u2026") + "\u201d"


def _copy(doc: dict) -> dict:
    """A copy deep enough for change payloads: their lists are never shared with memory."""
    return {k: list(v) if isinstance(v, list) else v for k, v in doc.items()}


def _index_of(items: list, item: object) -> int:
    return next(i for i, candidate in enumerate(items) if candidate is item)


def _same(a: Excerpt, b: Excerpt) -> bool:
    if a.session_id != b.session_id or a.note.get("id") != b.note.get("id"):
        return False
    if (a.span is None) != (b.span is None):
        return False
    return a.span is None or a.span.get("id") == b.span.get("id")
