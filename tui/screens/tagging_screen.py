"""Tagging: walk the excerpts of one session (or a study, or all) and code them by keyboard.

Left, every note as an excerpt with its span excerpts beneath it (a virtual list); right, the
current excerpt in full with its tags, severity, spans and the nine most recent tags. This
screen binds keys and draws; what is listed and what a key changes is the Textual-free
`TaggingModel` (tui/services/tagging.py), and the changes are made durable by the app's
`TagWrites` off the UI thread. The sessions are read in a thread worker.
"""

from __future__ import annotations

import gc

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from tui.domain.codings import UNKNOWN_CODER, holder_label, initials
from tui.domain.display_text import count_of, cut, tag_label, visible, visible_lines
from tui.domain.excerpts import Excerpt
from tui.domain.notes import hide_typed_tags, note_kind, tag_key
from tui.domain.quotes import clock_and_recording, quote_words, recording_time
from tui.screens.prompt_screen import PromptScreen
from tui.screens.tag_picker_screen import Picked, TagPickerScreen
from tui.screens.visibility import on_view
from tui.services.search import TagIndex, TagStats
from tui.services.tag_writes import TagWrites
from tui.services.tagging import Loaded, Outcome, ReadRequest, TaggingModel
from tui.services.write_queue import SaveState, flushed
from tui.widgets.bindings import bindings_for
from tui.widgets.excerpt_list import ExcerptList
from tui.widgets.key_bar import KeyBar
from tui.widgets.tag_colors import tag_styles

DISK_POLL_SECONDS = 1.0
FREEZE_FROM_NOTES = 5_000
"""Listing at least this many notes, move what is alive to the GC's permanent generation."""
NARROW_WIDTH = 70


class TaggingScreen(Screen):
    BINDINGS = bindings_for("tagging")

    revision: reactive[int] = reactive(0, init=False, always_update=True)
    """Bumped by the model after every change it makes (and by a save-state report); its
    watcher draws the list, the header and the excerpt."""

    def __init__(
        self,
        writes: TagWrites,
        *,
        scope: str = "session",
        origin: str | None = None,
        session_ids: list[str] | None = None,
        focus: tuple[str, str, str | None] | None = None,
        poll_seconds: float = DISK_POLL_SECONDS,
        coder: str = UNKNOWN_CODER,
        blind: bool = False,
    ):
        super().__init__()
        self.writes = writes
        self.model = TaggingModel(
            writes,
            scope=scope,
            origin=origin,
            session_ids=session_ids,
            focus=focus,
            coder=coder,
            blind=blind,
        )
        self.model.on_change = self._model_changed
        self._listed = -1
        """The model's `listed` the list widget shows."""
        self.tag_styles: dict[str, Style] = {}
        """`tag_key` -> the tag's codebook colour, drawn wherever the tag is."""
        self._in_codebook = False
        self._save_problem: str | None = None
        self._frozen = False
        self.poll_seconds = poll_seconds
        """How often other instances' writes are looked for."""

    # The model's state, as the drawing and the tests read it.
    @property
    def shown(self) -> list[Excerpt]:
        return self.model.shown

    @property
    def all_excerpts(self) -> list[Excerpt]:
        return self.model.all_excerpts

    @property
    def span(self) -> tuple[int, int] | None:
        return self.model.span

    @property
    def index(self) -> TagIndex:
        return self.model.index

    @property
    def current(self) -> Excerpt | None:
        return self.model.current

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
        self.excerpt_list.tags_of, self.excerpt_list.coded = self.model.tags_of, self.model.coded
        self.excerpt_list.severity_of = self.model.severity_of
        self.excerpt_list.recording_offset_of = self.model.recording_offset_of
        self.excerpt_list.blind = lambda: self.model.blind
        self.excerpt_list.focus()
        self._draw()
        self._start_read(resolve=self.model.resolve_ids, with_index=True)
        self.set_interval(self.poll_seconds, self._poll_disk)
        if self.writes.unsaved:  # left earlier with changes still failing
            self.on_tag_save_state(SaveState(self.writes.unsaved, self.writes.last_error))

    def on_unmount(self) -> None:
        if self._frozen:  # the rows go with the screen: let the collector see them again
            gc.unfreeze()

    def on_resize(self) -> None:
        # In a half-width tmux pane the excerpt goes below the list instead of beside it.
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")
        # The header's layout depends on the width, and the excerpt's order (`detail_text`).
        self.call_after_refresh(self._draw)

    def _poll_disk(self) -> None:
        """A co-interviewer still typing, or another pane tagging: show their changes (one
        stat per file; the read itself runs in the worker)."""
        if self.span is not None or not on_view(self) or self.model.reading:
            return
        # The codebook too: a rename in another window left the picker offering the old name,
        # and applying it put that tag back in the codebook beside the new one.
        if self.model.codebook_changed():
            self._start_read(with_index=True)
        elif self.model.remote_changed():
            self._start_read()

    def on_screen_resume(self) -> None:
        # Back from the codebook: a rename or merge may have changed any tag. (Back from the
        # picker nothing changed on disk that the poll would not see.)
        if self._in_codebook:
            self._in_codebook = False
            self._start_read(with_index=True, full=True)

    # -- loading -----------------------------------------------------------------------------

    def _start_read(
        self, *, resolve: bool = False, with_index: bool = False, full: bool = False
    ) -> None:
        request = self.model.begin_read(resolve=resolve, with_index=with_index, full=full)
        self._read_worker(request)

    @work(thread=True, exclusive=True, group="tagging-read")
    def _read_worker(self, request: ReadRequest) -> None:
        worker = get_current_worker()

        def counted(ids: list[str]) -> None:
            self._from_worker(self._counted, request.generation, ids)

        def first(ahead: Loaded) -> None:
            # The cursor's session, listed while the others are read.
            styles = tag_styles(ahead.codebook) if ahead.codebook is not None else None
            if not worker.is_cancelled:
                self._from_worker(self._loaded, ahead, styles, True)

        loaded = self.model.read(request, counted, first)
        styles = tag_styles(loaded.codebook) if loaded.codebook is not None else None
        if not worker.is_cancelled:
            self._from_worker(self._loaded, loaded, styles)

    def _from_worker(self, callback, *args) -> None:
        try:
            self.app.call_from_thread(callback, *args)
        except RuntimeError:
            pass  # the app is closing

    def _counted(self, generation: int, session_ids: list[str]) -> None:
        if self.is_attached:
            self.model.counted(generation, session_ids)

    def _loaded(
        self, loaded: Loaded, styles: dict[str, Style] | None = None, ahead: bool = False
    ) -> None:
        if not self.is_attached:
            return  # the screen is gone
        if styles is not None:
            self.tag_styles = self.excerpt_list.tag_styles = styles
        taken = self.model.take(loaded, ahead=ahead)
        if taken is None or ahead:
            return  # a newer read is on its way, or the rest of this one
        if not taken:  # more changes meanwhile than the log keeps: read again
            self._start_read()
            return
        if loaded.full and self.model.note_count >= FREEZE_FROM_NOTES:
            # The listed rows live as long as the screen; left to the cyclic GC, every
            # full collection walks them all (50,000 notes: ~150-200 ms on the UI thread,
            # every few reloads). They hold no cycles, so freed rows still go by refcount.
            # Undone when the screen goes (on_unmount).
            gc.freeze()
            self._frozen = True
        for problem in loaded.problems:  # a file's name in it: made safe
            self.notify(visible(problem), severity="error", markup=False)
        if self.model.scope_changed:
            self.model.scope_changed = False
            self.notify(
                f"Showing {self.model.scope}: {len(self.model.session_ids)} session(s).",
                timeout=2,
                markup=False,
            )

    # -- drawing -----------------------------------------------------------------------------

    def _model_changed(self) -> None:
        self.revision += 1

    def watch_revision(self) -> None:
        self._draw()

    def _draw(self) -> None:
        """The model as it is now: the list (handed over anew only when it is a new list),
        the cursor, the header and the current excerpt in full."""
        if not self.is_mounted:
            return
        model, excerpts = self.model, self.excerpt_list
        if model.listed != self._listed:
            self._listed = model.listed
            excerpts.set_excerpts(model.shown, model.cursor, show_who=len(model.session_ids) > 1)
        elif excerpts.cursor != model.cursor:
            excerpts.move_to(model.cursor)
        else:
            excerpts.refresh()  # a tag or severity changed on a row
        self._show_header()
        detail = self.query_one("#excerpt-detail", Static)
        excerpt = self.current
        if excerpt is None:
            detail.update(Text(self._empty_message(), style="italic"))
            return
        detail.update(self.detail_text(excerpt))

    def _empty_message(self) -> str:
        if self.model.reading_note is not None:
            return f"{self.model.reading_note} Keys work once the excerpts are listed."
        if self.all_excerpts:
            return f"No excerpt matches the filter. {self.app.key_for('tagging.back')} clears it."
        return "No notes to tag in this scope yet."

    def _show_header(self) -> None:
        """`Tagging TITLE  COUNT  FILTER  SPAN  BLIND`. Where that is wider than the line (a
        40-column pane), the modes come first, the blind one leading, and the title last: the
        line's end then cuts the title, never the word that the screen is blind, a span
        selected or a filter on."""
        model = self.model
        if model.scope == "session" and model.session_ids:
            title = visible(model.titles.get(model.session_ids[0], ""))
        else:
            title = f"{model.scope}: {count_of(len(model.session_ids), 'session')}"
        count = Text()
        if model.reading_note is not None:
            count.append(f"  {model.reading_note}", style="bold")
        elif model.blind:  # how many others coded would lead the blind coder too
            count.append(f"  {model.note_count} notes", style="dim")
        else:
            count.append(f"  {model.coded_count}/{model.note_count} coded", style="dim")
        modes = []
        filters = []
        if model.filter_untagged:
            filters.append("untagged")
        if model.filter_tag:
            filters.append("#" + tag_label(model.filter_tag))
        if model.filter_text:
            filters.append("\u201c" + visible(model.filter_text) + "\u201d")
        widget = self.query_one("#tagging-header", Static)
        room = widget.content_region.width
        span = Text("  SPAN", style="bold reverse") if self.span is not None else None
        blind = Text(f"  BLIND: {visible(model.coder)}", style="bold") if model.blind else None
        if filters:
            rows, excerpts = len(self.shown), model.excerpts_shown()
            filtered = f"  filter: {' '.join(filters)}"
            # A note listed over its span, both with the tag, is one excerpt of it; a pane too
            # narrow for both counts gives the excerpts, as the codebook counts them.
            counted = f" ({count_of(excerpts, 'excerpt')}, {rows} rows)"
            if excerpts == rows or room and len("Tagging") + cell_len(filtered + counted) > room:
                counted = f" ({excerpts})"
            # After the SPAN and BLIND words where the line is narrow: what is left of it is
            # the filter's, whose tag name or search words (not `untagged`) give way to its
            # count (a tag of a shared codebook may have 200 characters).
            left = room - len("Tagging") - sum(t.cell_len for t in (span, blind) if t)
            named = " ".join(filters[1:] if model.filter_untagged else filters)
            if room and named and cell_len(filtered + counted) > left:
                kept = filtered[: len(filtered) - len(named)]
                filtered = kept + cut(named, max(left - cell_len(kept + counted), 2))
            modes.append(Text(filtered + counted, style="bold"))
        if span is not None:
            modes.append(span)
        line = Text("Tagging ", style="bold", no_wrap=True, overflow="ellipsis")
        wide = Text(title).append_text(count)
        for mode in modes:
            wide.append_text(mode)
        if blind is not None:
            wide.append_text(blind).append("'s codings only", style="bold")
        if not room or line.cell_len + wide.cell_len <= room:
            line.append_text(wide)
        else:
            narrow = Text().join([*([blind] if blind else []), *reversed(modes), count])
            line.append_text(narrow[2:])  # no gap after `Tagging `
            line.append(f"  {title}")
        widget.update(line)

    def detail_text(self, excerpt: Excerpt) -> Text:
        note = excerpt.note
        text = Text()
        meta = [visible(excerpt.participant)] if excerpt.participant else []
        meta.append(note_kind(note))
        if excerpt.linked is not None:
            meta.append(f"said by {visible(str(note.get('author') or '?'))}")
            meta.append(recording_time(self.model.play_target(excerpt)[1]) + " on the recording")
        else:
            if note.get("author"):
                meta.append("by " + visible(str(note["author"])))
            # Both times, where the rows of a study's list have room for the clock's alone.
            elapsed = float(note.get("elapsed") or 0.0)
            meta.append(clock_and_recording(elapsed, self.model.recording_offset_of(excerpt)))
        text.append(" \u00b7 ".join(meta) + "\n", style="dim")
        # The words, then how they are coded; in a narrow pane the other way round: the pane
        # under the list holds some eight lines, and a long note would push its tags (what a
        # key just applied) out of view.
        words, coding = Text(), Text()
        body = excerpt.note_text
        hidden: list = []
        if self.model.blind:  # another coder's typed tags: the words without which tag
            kept = {tag_key(tag) for tag in self.model.tags_of(excerpt.note)}
            kept |= {tag_key(t) for span in excerpt.spans or [] for t in self.model.tags_of(span)}
            body, hidden = hide_typed_tags(body, kept)
        shown = Text(visible(body))
        for token in hidden:
            shown.stylize("dim", token.start, token.end)
        for span in excerpt.spans or []:
            if self.model.tags_of(span):
                shown.stylize("underline", span["start"], span["end"])
        if excerpt.span is not None:
            shown.stylize("bold reverse", excerpt.span["start"], excerpt.span["end"])
        if self.span is not None:
            start, end = self.span
            shown.stylize("reverse", start, max(end, start + 1))
        words.append_text(shown)
        if excerpt.linked is None:
            self._append_recording(words, excerpt)
        if self.span is not None:
            start, end = self.span
            coding.append(f"Selecting {start}-{end}: ", style="bold")
            coding.append("\u201c" + visible(body[start:end]) + "\u201d\n")
            # Every key of span mode: the key bar shows none of them (they are j/k/h/l's
            # letters, hidden outside span mode).
            word, char, unword, unchar, start_w, back_w, start_c, back_c, tag = (
                self.app.key_for(f"tagging.{k}")
                for k in (
                    "span_extend_word",
                    "span_extend_char",
                    "span_shrink_word",
                    "span_shrink_char",
                    "span_start_word_right",
                    "span_start_word_left",
                    "span_start_right",
                    "span_start_left",
                    "tag",
                )
            )
            coding.append(
                f"{word}/{char} extend, {unword}/{unchar} shrink, {start_w}/{back_w} "
                f"{start_c}/{back_c} move the start; {tag} tags the span\n\n",
                "dim",
            )
        cue = excerpt.linked is not None and excerpt.span is None
        label = "Span" if excerpt.span is not None else "Cue" if cue else "Note"
        coding.append(f"{label} tags: ", style="bold")
        tags = self.model.tags_of(excerpt)
        if tags:
            self._append_tags(
                coding, tags, self.model.tag_marks(excerpt.doc), self.model.coder_marks(excerpt.doc)
            )
        elif cue:  # a cue's codings are span excerpts of it, listed under it
            keys = [self.app.key_for(k) for k in ("tagging.tag", "tagging.span")]
            coding.append(f"on its spans ({keys[0]} codes the whole cue, {keys[1]} a part)", "dim")
        else:
            coding.append("none", style="dim")
        if self.model.unsaved(excerpt):
            coding.append("  (not saved yet)", style="bold")
        coding.append("\nSeverity: ", style="bold")
        severity = self.model.severity_of(excerpt)
        coding.append(_dots(severity) if severity else "not rated", style="" if severity else "dim")
        marks = self.model.rating_marks(excerpt.doc)
        if marks:  # several coders rated it: the severity counted is their median
            # On a line of its own, each pair unbroken: a narrow pane wraps between pairs.
            short = self.model.coder_marks(excerpt.doc)
            each = ", ".join(f"{visible(short[who])}\u00a0{n}" for who, n in marks.items())
            coding.append(f"\n  median of {each}", style="dim")
        if not severity and excerpt.span is not None:
            # The analysis counts an unrated span so (`rated_span`): say it where it is rated.
            counted = self.model.severity_of(excerpt.note)
            if counted:
                coding.append(f"; counted as its note's {_dots(counted)}", style="dim")
        spans = [s for s in excerpt.spans or [] if self.model.span_shown(s)]
        if excerpt.span is None and spans:
            coding.append("\nSpans:", style="bold")
            for span in spans:
                piece = body[span["start"] : span["end"]]
                coding.append(f"\n  \u201c{visible(piece)}\u201d ")
                self._append_tags(
                    coding,
                    self.model.tags_of(span),
                    self.model.tag_marks(span),
                    self.model.coder_marks(span),
                )
        if self.has_class("-narrow"):
            text.append_text(coding).append("\n\n").append_text(words)
        else:
            text.append_text(words).append("\n\n").append_text(coding)
        recent = self.model.recent()
        if recent:
            text.append("\n\nRecent:", style="bold")
            # One line each, so no long name pushes the others out of the pane (cut by cells:
            # a CJK character takes two).
            room = max(self.query_one("#excerpt-side").content_size.width - 5, 8)
            for number, name in enumerate(recent, start=1):
                text.append(f"\n  {number} ", style="bold")
                if name is None:
                    text.append("(renamed or deleted)", style="dim")
                    continue
                text.append(cut(name, room), self.tag_styles.get(tag_key(name)) or "")
        return text

    def _append_recording(self, text: Text, excerpt: Excerpt) -> None:
        """Under a note: the cue it is linked to and, for a quote, the verbatim beside it."""
        found = self.model.link_of(excerpt)
        if found is not None:
            cue = found.cue
            text.append("\nSaid ", style="bold")
            when = recording_time(cue.start)
            text.append(f"(rec {when}) {visible(cue.speaker or '?')}: ", "dim")
            text.append(visible(cue.text))
        check = self.model.check_of(excerpt)
        if check is None:
            return
        key = self.app.key_for("tagging.verbatim")
        typed = excerpt.note.get("typed")
        # V put the verbatim in the typed words' place, and puts them back.
        replaced = bool(typed) and typed != excerpt.note_text
        if replaced:
            text.append("\nTyped ", style="bold")
            text.append(f"\u201c{visible(quote_words(str(typed)))}\u201d ")
            text.append(f"({key} puts it back)", style="dim")
            if check.found and check.score == 100:
                return  # the words said, word for word
            # The transcript changed since (attached again, edited): say what it holds now.
        if check.found:
            where = ""
            if check.cue is not None:
                who = visible(check.cue.speaker or "?")
                where = f", {who}, rec {recording_time(check.cue.start)}"
            text.append("\nVerbatim ", style="bold")
            text.append(f"({check.score:g}{where}) ", style="dim")
            text.append(f"\u201c{visible(check.verbatim)}\u201d ")
            if check.score < 100 and not replaced:
                text.append(f"({key} uses it)", style="dim")
        elif check.not_theirs and check.cue is not None:
            text.append("\nNot the participant's words ", style="bold")
            text.append(
                f"({visible(check.not_theirs)}, rec {recording_time(check.cue.start)}) ", "dim"
            )
            text.append(f"\u201c{visible(check.verbatim)}\u201d")
        elif check.differs and check.cue is not None:
            # Close in letters, the opposite in meaning: the words said, and what differs.
            text.append("\nNot what was said ", style="bold")
            who = visible(check.cue.speaker or "?")
            text.append(
                f"({visible(check.differs)}; {who}, rec {recording_time(check.cue.start)}) ", "dim"
            )
            text.append(f"\u201c{visible(check.verbatim)}\u201d ")
            if not replaced:
                text.append(f"({key} uses it)", style="dim")
        else:
            text.append("\nVerbatim ", style="bold")
            text.append(f"not found near this moment (best match {check.score:g})", "dim")

    def _append_tags(
        self,
        text: Text,
        tags: list[str],
        coders: dict[str, list[tuple[str, bool]]] | None = None,
        marks: dict[str, str] | None = None,
    ) -> None:
        """`#tag #tag`, each in its codebook colour (a Style object: never markup), and its
        coders' initials (`#pain (AL, BO)`, by `marks`) when more than one coder coded the
        excerpt, a settlement marked as one (`#pain (AL, ✓L)`)."""
        for i, tag in enumerate(tags):
            text.append(" " if i else "")
            text.append("#" + tag_label(tag), self.tag_styles.get(tag_key(tag)) or "")
            who = (coders or {}).get(tag_key(tag))
            if who:
                shown = (
                    holder_label(visible((marks or {}).get(c) or initials(c)), settlement)
                    for c, settlement in who
                )
                text.append(" (" + ", ".join(shown) + ")", "dim")

    # -- moving ------------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        self.model.move_to(self.model.cursor + step)

    def action_page(self, pages: int) -> None:
        self.model.move_to(self.model.cursor + pages * self.excerpt_list.page)

    def action_first(self) -> None:
        self.model.move_to(0)

    def action_last(self) -> None:
        self.model.move_to(len(self.shown) - 1)

    def action_next_untagged(self) -> None:
        if not self.shown:
            return  # still reading, or nothing matches the filter
        found = self.model.next_untagged()
        if found is None:
            self.notify("Every excerpt here is tagged.", timeout=3)
        else:
            self.model.move_to(found)

    # -- filters -----------------------------------------------------------------------------

    def action_filter_untagged(self) -> None:
        self.model.set_filter(untagged=not self.model.filter_untagged)

    def action_filter_tag(self) -> None:
        def chosen(picked: Picked | None) -> None:
            if picked is not None:
                self.model.set_filter(tag=picked.name)

        self.app.push_screen(
            TagPickerScreen(
                self.model.tag_index,
                "Show excerpts tagged\u2026",
                allow_create=False,
                does="shows them",
                tag_styles=self.tag_styles,
                counted=self.model.tag_counts,
            ),
            chosen,
        )

    def action_filter_text(self) -> None:
        def chosen(text: str | None) -> None:
            if text is not None:
                self.model.set_filter(text=text)

        self.app.push_screen(
            PromptScreen(
                "Search the notes", "Shows excerpts containing this text.", self.model.filter_text
            ),
            chosen,
        )

    def action_back(self) -> None:
        if self.span is not None:
            self.model.end_span()
        elif self.model.filtered:
            self.model.clear_filters()
        else:
            self.app.leave_tagging()  # waits for the tag changes, or asks

    def action_export(self) -> None:
        """Export the sessions in view (this session, its study or all) from a dialog."""
        from tui.screens.export_screen import ExportScreen

        if self._blind_refuses("The export", "holds"):  # a file the blind coder then opens
            return
        job = self.model.export_job()
        if job is not None:
            self.app.push_screen(ExportScreen(job))

    def action_cycle_scope(self) -> None:
        if self.model.cycle_scope():
            self._start_read(resolve=True)  # the list stays until the new scope is read

    def action_analyse(self) -> None:
        """The analysis of this session's study (of every session when scoped to all)."""
        if self._blind_refuses("The analysis"):
            return
        self.app.open_analysis(self.model.study())

    def _blind_refuses(self, what: str, verb: str = "shows") -> bool:
        """Blind, say that `what` shows every coder's codings and ratings, and how to see it:
        one look would lead the blind coder as much as the others' marks in the list."""
        if not self.model.blind:
            return False
        key = self.app.key_for("tagging.blind")
        self.notify(
            f"{what} {verb} every coder's codings and ratings, which blind coding hides. "
            f"Press {key} to see everyone's, then open it again.",
            severity="warning",
            timeout=6,
            markup=False,
        )
        return True

    @work(exclusive=True, group="tagging-codebook")
    async def action_open_codebook(self) -> None:
        from tui.screens.codebook_screen import CodebookScreen

        # A rename or merge rewrites every session file: our queued changes go first (waited
        # for in a thread, so keys keep working meanwhile).
        if await flushed([self.writes], self.app.flush_wait):
            problem = self.writes.problem() or "The tag changes are still being saved."
            self.notify(
                f"{problem} The codebook opens once they are saved.",
                severity="error",
                timeout=8,
                markup=False,
            )
            return
        self._in_codebook = True
        self.app.push_screen(CodebookScreen(self.model.codebook()))

    @work(exclusive=True, group="tagging-agreement")
    async def action_agreement(self) -> None:
        """Agreement between the coders of the sessions in view, once our changes are saved."""
        from tui.screens.agreement_screen import AgreementScreen

        if self._blind_refuses("The agreement"):
            return
        if await flushed([self.writes], self.app.flush_wait):
            problem = self.writes.problem() or "The tag changes are still being saved."
            self.notify(f"{problem} Agreement opens once they are saved.", markup=False)
            return
        self._in_codebook = True  # settling rewrites codings: read again on return
        self.app.push_screen(AgreementScreen(self.model.agreement()))

    def action_play(self) -> None:
        """Play the recording a few seconds before the excerpt's moment (or say why not)."""
        excerpt = self.current
        if excerpt is not None:
            target = self.model.play_target(excerpt)
            self.app.play_moment(lambda: target)

    def action_verbatim(self) -> None:
        """Put the transcript's verbatim in place of the quote's words, or the typed ones back."""
        excerpt = self.current
        if excerpt is not None:
            self._say(self.model.use_verbatim(excerpt, self.app.now()))

    def action_copy_excerpt(self) -> None:
        """Copy the current excerpt as a citable quote (tui/services/tagging.py, `quote`)."""
        excerpt = self.current
        if excerpt is not None:
            self.app.copy_text(self.model.quote(excerpt))

    # -- tagging -----------------------------------------------------------------------------

    def action_pick_tag(self) -> None:
        if self.current is None:
            return
        target = "the selected span" if self.span is not None else "this excerpt"
        words = self.current.text
        if self.span is not None:
            words = self.current.note_text[self.span[0] : self.span[1]]

        def chosen(picked: Picked | None) -> None:
            if picked is not None:
                self.apply_tag(picked.name, create=picked.created)

        picker = TagPickerScreen(
            self.model.tag_index,
            f"Tag {target}",
            tag_styles=self.tag_styles,
            excerpt=words,
            counted=self.model.tag_counts,
        )
        self.app.push_screen(picker, chosen)

    def action_apply_recent(self, number: int) -> None:
        recent = self.model.recent()
        if number > len(recent) or recent[number - 1] is None:
            renumber = self.app.key_for("tagging.renumber_recent")
            problem = "yet" if number > len(recent) else "now: it was renamed or deleted"
            self.notify(
                f"There is no recent tag {number} {problem}; {renumber} numbers them afresh.",
                severity="warning",
                timeout=3,
                markup=False,
            )
            return
        self.apply_tag(recent[number - 1])

    def action_renumber_recent(self) -> None:
        self.model.renumber_recent()
        self._draw()

    def action_repeat_tag(self) -> None:
        if self.model.last_tag is None:
            key = self.app.key_word("tagging.tag")
            self.notify(
                f"No tag applied yet to repeat: {key} picks one.", severity="warning", timeout=3
            )
            return
        following = self.model.next_alike()
        if following is None:
            self.notify("This is the last excerpt.", severity="warning", timeout=3)
            return
        self.model.move_to(following)
        self.apply_tag(self.model.last_tag)

    def apply_tag(self, name: str, *, create: bool = False) -> None:
        """Tag the current excerpt (or the selected span): on screen now, on disk shortly."""
        excerpt = self.current
        if excerpt is not None:
            self._say(self.model.apply_tag(excerpt, name, self.app.now(), create=create))

    def _say(self, outcome: Outcome) -> None:
        """The model has drawn what changed (through `revision`); say what it says, if any."""
        if outcome.notice is not None:
            timeout = {"error": 6, "warning": 3}.get(outcome.severity, 2)
            self.notify(outcome.notice, severity=outcome.severity, timeout=timeout, markup=False)

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
            text = Text(visible_lines(problem) + " Pending: ")  # it may name a lock's holder
            text.append(
                "; ".join(pending[:3])
                + (f"; and {len(pending) - 3} more" if len(pending) > 3 else "")
                + "."
            )
            status.update(text)
        self.revision += 1  # the excerpt's "(not saved yet)" may have changed

    def action_untag(self) -> None:
        excerpt = self.current
        if excerpt is None:
            return
        tags = self.model.tags_of(excerpt)
        if not tags:
            if excerpt.span is not None:
                self._say(self.model.remove_tag(excerpt, None))
            else:
                self.notify("This excerpt has no tags.", severity="warning", timeout=3)
            return
        if len(tags) == 1:
            self._say(self.model.remove_tag(excerpt, tags[0]))
            return

        def chosen(picked: Picked | None) -> None:
            if picked is not None:
                self._say(self.model.remove_tag(excerpt, picked.name))

        own = TagIndex(TagStats(t) for t in tags)
        picker = TagPickerScreen(
            own,
            "Remove which tag?",
            allow_create=False,
            tag_styles=self.tag_styles,
            does="removes",
        )
        self.app.push_screen(picker, chosen)

    def action_toggle_blind(self) -> None:
        """Show only your own codings (blind coding), or everyone's again."""
        blind = self.model.toggle_blind()
        self.notify(
            f"Showing only {visible(self.model.coder)}'s codings."
            if blind
            else "Showing every coder's codings.",
            timeout=2,
            markup=False,
        )

    def action_severity(self, step: int) -> None:
        excerpt = self.current
        if excerpt is not None:
            self._say(self.model.step_severity(excerpt, step, self.app.now()))

    # -- spans -------------------------------------------------------------------------------

    def action_toggle_span(self) -> None:
        self.model.toggle_span()

    def action_span_end(self, step: int) -> None:
        self.model.span_end(step)

    def action_span_end_word(self, step: int) -> None:
        self.model.span_end_word(step)

    def action_span_start(self, step: int) -> None:
        self.model.span_start(step)

    def action_span_start_word(self, step: int) -> None:
        self.model.span_start_word(step)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action.startswith("span_") and self.span is None:
            return False  # j/k/h/l stay free outside span mode; hidden from the key bar
        return True


def _dots(severity: int) -> str:
    """A severity 1-5 as filled and empty dots: ●●●○○."""
    return "\u25cf" * severity + "\u25cb" * (5 - severity)
