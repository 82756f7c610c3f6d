"""Analysis: a study's themes, priority matrix, co-occurrence, who raised what, guide coverage
and follow-ups.

Each part is one keypress away (1-6). Enter on a tag, a pair or a cell lists its evidence:
words someone said in quote marks with their speaker, a note-taker's note in italics as
`note by NAME`; Enter on a piece of evidence opens its note on the tagging screen; y copies
evidence as citable lines (tui/domain/quotes.py). The follow-ups part lists every follow-up
the note-takers wrote, the open ones first; Enter opens one's note, y copies it. The numbers
come from `tui.domain.analysis` through `StudyAnalysis`, read in a worker and polled, so
another instance's notes and tags show up within a poll. The first frame shows the themes
the study index kept of the last analysis when nothing changed since; the analysis itself
follows in the same worker and takes their place, the cursor staying on its theme.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from rich.cells import cell_len
from rich.padding import Padding
from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, Static

from tui.domain.analysis import (
    NO_FOLLOWUPS,
    NO_GUIDE,
    NO_PAIRS,
    NO_WHO,
    THEME_COLUMNS,
    Evidence,
    FollowUp,
    Theme,
    minutes_text,
    row_above,
    severity_text,
    sort_themes,
)
from tui.domain.display_text import count_of, cut, cut_start, tag_label, visible
from tui.domain.quotes import QUOTE_MARKS, clock_and_recording
from tui.screens.visibility import on_view
from tui.services.actions import action_spec
from tui.services.analysis import (
    Checked,
    StudyAnalysis,
    StudyOverview,
    StudyView,
    Verbatims,
)
from tui.widgets.analysis_table import AnalysisTable
from tui.widgets.bindings import bindings_for
from tui.widgets.key_bar import KeyBar
from tui.widgets.priority_matrix import PriorityMatrix, mark
from tui.widgets.table_columns import NARROW, Column, fit
from tui.widgets.theme_table import ThemeTable

POLL_SECONDS = 1.0
PROGRESS_SECONDS = 0.1
"""How often a cold start's header says how many sessions it has read."""
FRAME_WAIT_SECONDS = 0.5
"""How long the analysis waits for the overview's frame to be drawn before it reads on."""
PARTS = ("themes", "matrix", "pairs", "grid", "coverage", "followups")
PART_NAMES = {part: action_spec(f"analysis.{part}").narrow for part in PARTS}
"""Each part's tab as the help and the keymaps name its key (tui/services/actions.py)."""
TAB_FORMS = (
    (" ", " ", "  "),
    (" ", "", " "),
    ("", "", " "),
)
"""The tabs with every part named, widest first (the space before them, a key's padding, the
gap after a tab): the first that fits the pane is drawn; the one flush with the pane's edge
before any name goes (`_show_tabs`)."""
MAX_GRID_TAGS = 40
"""Tag columns of the participants x tags grid: the tags raised by most participants."""
BAR_WIDTH = 10
HEADER_PADDING = 2
"""The header's padding (app.tcss)."""
HEADER_NAME_LEAST = 12
"""Cells the study's name keeps in the header before a figure gives way."""
MATRIX_MIN, MATRIX_MAX = 24, 70
"""The plot's width bounds, as in app.tcss."""

TAG_LEAST = 12
"""Columns a tag's name keeps in the themes: in a narrow pane the bar gives way first."""
THEME_TABLE = [
    Column("Tag", share=60, least=TAG_LEAST),
    Column("Bar", BAR_WIDTH, essential=False, narrow=True),
    Column("Excerpts", 4, short="Exc"),
    Column("Sessions", 8, essential=False),
    Column("People", 7),
    Column("Sev", 4),
    Column("Max", 4, essential=False),  # room for the sort's mark: "Max▼"
    Column("Emotions", share=40, essential=False),
]
WIDE = 100
"""From this width on, the themes show their emotions (below, the tag names get the room)."""
SORTED_BY = {
    "tag": "Tag",
    "excerpts": "Excerpts",
    "sessions": "Sessions",
    "participants": "People",
    "severity": "Sev",
    "max": "Max",
    "emotions": "Emotions",
}
RANKED_TABLE = [
    Column("#", 2),
    Column("Tag", share=60),
    Column("People", 6),
    Column("Sev", 4),
    Column("Quadrant", 17, essential=False),
]
PAIR_TABLE = [Column("Tag", share=50), Column("With", share=50), Column("Notes", 6)]
GRID_HEADER = 10
"""Columns a tag's header takes in the Who part."""
NOTHING_KEY = "none"
"""The one row of a part with nothing to show, the sentence that says why."""
NO_THEMES = "No excerpt is tagged yet: tag the notes (fieldnote code) and their themes show here."
COVERAGE_TABLE = [
    Column("Question", share=70),
    Column("Asked", 5),
    Column("Skipped", 7),
    Column("Not reached", 11, essential=False),
    Column("Mean time", 9),
]
FOLLOWUP_TABLE = [
    Column("Follow-up", share=60),
    Column("Status", 9),
    Column("Session", share=25, essential=False),
    Column("By", share=15, essential=False),
    Column("Time", 6, essential=False),
]
FOLLOWUP_ORDER = {"open": 0, "asked": 1, "dismissed": 2}
"""The open follow-ups first: the ones still to ask at the next interview."""
EVIDENCE_TABLE = [
    Column("Evidence", share=70),
    Column("Whose words", share=30, essential=False),
    Column("Time", 8),
    Column("Sev", 3),
]


@dataclass(frozen=True)
class Drill:
    """What the evidence list shows: which row of which part it came from."""

    part: str
    key: tuple
    title: str


def bar(value: float, maximum: float, width: int = BAR_WIDTH, style: Style | None = None) -> Text:
    """A bar of `value` out of `maximum`, in eighths of a cell."""
    eighths = round(8 * width * value / maximum) if maximum > 0 else 0
    full, rest = divmod(max(0, min(eighths, 8 * width)), 8)
    return Text("\u2588" * full + ("" if not rest else chr(0x2590 - rest)), style=style or "")


def _under_its_parent(theme: Theme, keys: set[str]) -> str:
    """A theme's label as its row shows it, indented under its parent's row: the levels
    below that row only (`onboarding` under `pain/*`), so sibling sub-tags differ from their
    first letter on, even cut short in a half-width pane."""
    above = row_above(theme.key, keys)
    levels = theme.name.split("/")
    if not above or len(levels) != theme.depth + 1:
        return theme.label
    own = "/".join(levels[above.count("/") + 1 :])
    return f"{own}/*" if theme.rolled_up else own


def _cell(text: str) -> Text:
    return Text(visible(text), no_wrap=True, overflow="ellipsis")


def _marked_cell(text: str, mark: str, width: int) -> Text:
    """`text` and then `mark`, within `width` cells: the text is cut (`…`) to leave the mark
    whole."""
    cell = Text(visible(text), no_wrap=True, overflow="ellipsis")
    room = width - cell_len(mark)
    if width and cell.cell_len > room:
        cell.truncate(max(room, 1), overflow="ellipsis")
    return cell.append(mark)


def _quoted(words: str) -> str:
    """Words in quote marks, unless they carry their own (a quote of several parts)."""
    return words if words[:1] in QUOTE_MARKS else f"\u201c{words}\u201d"


def _evidence_cell(item: Evidence) -> Text:
    """Words someone said in quote marks; a note-taker's note in italics, unquoted."""
    if item.said:
        return _cell(_quoted(item.quote))
    cell = _cell(item.quote)
    cell.stylize("italic")
    return cell


class AnalysisScreen(Screen):
    BINDINGS = bindings_for("analysis")

    class Reading(Message):
        """How far the first read is (sessions looked at, sessions): posted from the worker."""

        def __init__(self, done: int, total: int) -> None:
            self.done = done
            self.total = total
            super().__init__()

    def __init__(self, service: StudyAnalysis, *, poll_seconds: float | None = None) -> None:
        super().__init__()
        self.service = service
        self.poll_seconds = poll_seconds or POLL_SECONDS
        self.view: StudyView | None = None
        """The analysis: every part and the evidence."""
        self._verbatims: Verbatims | None = None
        """The view's quote checks: each quoted session's transcript read and folded once,
        not again at every drill-down."""
        self.shown: StudyView | StudyOverview | None = None
        """What the header and the themes show: the analysis, or before it the overview."""
        self.part = "themes"
        self.sort_column = "participants"
        self.descending = True
        self.themes: list[Theme] = []
        """The themes as sorted and listed."""
        self.drill: Drill | None = None
        self.evidence: list[Evidence] = []
        self.checked: list[Checked] = []
        """Each of `evidence` with its quote's check and its citation."""
        self.followups: list[FollowUp] = []
        """The follow-ups as listed, open ones first."""
        self._filled: set[str] = set()
        self._nothing: set[str] = set()
        """The parts filled with nothing to show but the sentence that says why."""
        self._reading = False
        self._read_so_far: AnalysisScreen.Reading | None = None
        """The first read's progress, shown in the header until there is something to show."""
        self.reads = 0
        """Views taken in: tests wait on it."""
        self._laid_out: tuple[object, ...] = ()
        """The focused widget, and a table's sizes, at the last layout: they decide ← →."""

    def compose(self) -> ComposeResult:
        yield Static(id="analysis-header")
        yield Static(id="analysis-tabs")
        with ContentSwitcher(initial="themes-part", id="analysis-parts"):
            with Vertical(id="themes-part"):
                yield Static(id="themes-header")
                yield ThemeTable(id="themes")
            with Horizontal(id="matrix"):
                yield PriorityMatrix(id="matrix-plot")
                yield AnalysisTable(id="ranked", cursor_type="row")
            yield AnalysisTable(id="pairs", cursor_type="row", zebra_stripes=True)
            # The participant column stays put as the tags scroll sideways under ← →.
            yield AnalysisTable(id="grid", cursor_type="cell", fixed_columns=1)
            yield AnalysisTable(id="coverage", cursor_type="row", zebra_stripes=True)
            with Vertical(id="followups-part"):
                yield AnalysisTable(id="followups", cursor_type="row", zebra_stripes=True)
                yield Static(id="followup-detail")
            with Vertical(id="evidence-part"):
                yield Static(id="evidence-title")
                yield AnalysisTable(id="evidence", cursor_type="row", zebra_stripes=True)
                yield Static(id="evidence-detail")
        yield Static(id="analysis-problems")
        yield KeyBar()

    def on_mount(self) -> None:
        self._show_header()
        self._show_tabs()
        self.query_one(ThemeTable).focus()
        self.screen_layout_refresh_signal.subscribe(self, self._laid_out_again, immediate=True)
        self._read(force=True)
        self.set_interval(self.poll_seconds, self._poll)

    def on_unmount(self) -> None:
        self.service.close()
        # The study index froze what its first read made, this screen's widgets with it
        # (tui/services/study_index.py): let the collector see them again now they go.
        gc.unfreeze()

    def on_screen_resume(self) -> None:
        self._poll()  # back from the tagging screen: show what was tagged there

    def on_resize(self) -> None:
        # In a half-width pane the ranked list goes under the matrix, not beside it.
        self.set_class(self.size.width < NARROW, "-narrow")
        self._show_header()
        self._show_tabs()
        self._filled.clear()
        self._fill(self.part)

    # -- reading -----------------------------------------------------------------------------

    def _poll(self) -> None:
        # Not under the tagging screen: each tag written there would make it analyse the study
        # again. Back from it, `on_screen_resume` reads once.
        if not self._reading and on_view(self):
            self._read()

    def _read(self, force: bool = False) -> None:
        self._reading = True
        self._read_worker(force)

    @work(thread=True, exclusive=True, group="analysis-read")
    def _read_worker(self, force: bool) -> None:
        # Opening, what the index read (all of a cold one: 11 MB at 500 sessions) is saved
        # once the analysis is drawn, not before.
        try:
            self._read_and_draw(force)
        finally:
            self.service.save_index()

    def _read_and_draw(self, force: bool) -> None:
        opening = self.shown is None
        progress = self._progress() if opening else None
        if opening and (first := self.service.overview(progress, save=False)) is not None:
            drawn = threading.Event()
            try:
                self.app.call_from_thread(self._overview_loaded, first, drawn.set)
            except RuntimeError:
                return  # closing already
            # The analysis's reads hold the interpreter for a while: the frame goes first.
            drawn.wait(FRAME_WAIT_SECONDS)
        view = self.service.refresh(force=force, progress=progress, save=not opening)
        drawn = threading.Event()
        try:
            self.app.call_from_thread(self._loaded, view, drawn.set)
        except RuntimeError:
            return  # closing already
        if opening:
            drawn.wait(FRAME_WAIT_SECONDS)

    def _progress(self) -> Callable[[int, int], None]:
        """A cold start's progress, posted to the header from the worker, at most every
        PROGRESS_SECONDS (a 500-session study reads for a second or two)."""
        posted = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal posted
            now = time.monotonic()
            if now - posted >= PROGRESS_SECONDS or done == total:
                posted = now
                self.post_message(self.Reading(done, total))

        return progress

    def on_analysis_screen_reading(self, reading: Reading) -> None:
        self._read_so_far = reading
        if self.shown is None:
            self._show_header()

    def _overview_loaded(self, first: StudyOverview, drawn: Callable[[], None]) -> None:
        if self.shown is None and self.is_attached:
            self._show(first)
            if self.drill is None:
                self._fill(self.part)
        self.call_after_refresh(drawn)

    def _loaded(self, view: StudyView | None, drawn: Callable[[], None]) -> None:
        self._reading = False
        self.call_after_refresh(drawn)
        if view is None or not self.is_attached:
            return
        self.view = view
        self._verbatims = Verbatims(view)
        self.reads += 1
        self._show(view)
        if self.drill is not None:
            self._drill(self.drill, again=True)
        else:
            self._fill(self.part)

    def _show(self, shown: StudyView | StudyOverview) -> None:
        self.shown = shown
        self.themes = sort_themes(shown.overview.themes, self.sort_column, self.descending)
        self._filled.clear()
        self._show_header()
        problems = self.query_one("#analysis-problems", Static)
        # A file's name is in the sentence: made safe, as every name a user or a file chose.
        problems.update(Text("\n".join(f"\u26a0 {visible(p)}" for p in shown.problems[:3])))

    # -- drawing -----------------------------------------------------------------------------

    def _show_header(self) -> None:
        header = Text("Analysis \u00b7 ", style="bold")
        shown = self.shown
        if shown is None:
            far, so_far = self._read_so_far, "reading"
            if far is not None:
                so_far = f"reading {far.done} of {far.total} sessions"
                if far.done == far.total:
                    so_far = f"analysing {far.total} sessions"
            header.append(f"{so_far}\u2026", style="italic")
        else:
            result = shown.overview
            figures = [
                count_of(result.session_count, "session"),
                count_of(result.participant_count, "participant"),
                count_of(result.evidence_count, "excerpt"),
            ]
            # The name is cut first, then the last figures go whole: cut at the pane's
            # edge, "109 excerpts" read "10…".
            room = self.size.width - HEADER_PADDING - header.cell_len
            name = visible(shown.scope_label)
            least = min(cell_len(name), HEADER_NAME_LEAST)
            after = "".join(f" \u00b7 {figure}" for figure in figures)
            while figures and room - cell_len(after) < least:
                figures.pop()
                after = "".join(f" \u00b7 {figure}" for figure in figures)
            header.append(cut(name, max(1, room - cell_len(after))), style="bold")
            header.append(after)
        self.query_one("#analysis-header", Static).update(header)

    def _show_tabs(self) -> None:
        # As spaced as the pane allows; in a narrow one the names go from the last tab back
        # before a tab is cut, the current part's name kept ("1 Themes 2 Matrix 3 Pairs 4 Grid
        # 5 6" in a 40-column pane).
        room = self.size.width
        forms = [(*form, len(PARTS)) for form in TAB_FORMS]
        forms += [(*TAB_FORMS[-1], named) for named in range(len(PARTS) - 1, -1, -1)]
        for lead, pad, gap, named in forms:
            tabs = self._tabs(lead, pad, gap, set(PARTS[:named]))
            if tabs.cell_len <= room:
                break
        self.query_one("#analysis-tabs", Static).update(tabs)

    def _tabs(self, lead: str, pad: str, gap: str, named: set[str]) -> Text:
        """The tab row: `lead`, then each part's key, padded by `pad`, the parts in `named`
        (and the current one) with their names, `gap` between tabs."""
        tabs = Text(lead, no_wrap=True, overflow="ellipsis")
        for part in PARTS:
            key = self.app.key_for(f"analysis.{part}")
            current = part == self.part and self.drill is None
            tabs.append(f"{pad}{key}{pad}", style="bold reverse" if current else "bold")
            if part in named or current:
                tabs.append(f" {PART_NAMES[part]}", style="bold" if current else "")
            tabs.append(gap)
        if self.drill is not None:
            tabs.append("\u25b8 evidence", style="bold reverse")
        tabs.rstrip()
        return tabs

    def _table(self, table_id: str) -> DataTable:
        return self.query_one(f"#{table_id}", DataTable)

    def _columns(
        self, table: DataTable, columns: list[Column], width: int | None = None
    ) -> list[str]:
        table.clear(columns=True)
        shown = fit(columns, max(width or self.size.width, 20))
        for label, col_width in shown:
            table.add_column(label, width=col_width, key=label)
        return [label for label, _ in shown]

    def _say_nothing(self, part: str, table: DataTable, sentence: str, width: int = 0) -> None:
        """A part with nothing to show: one row, the sentence that says why, wrapped to the
        pane rather than cut to a column's width."""
        self._nothing.add(part)
        table.clear(columns=True)
        table.add_column("", width=max((width or self.size.width) - 4, 10), key=NOTHING_KEY)
        table.add_row(Text(sentence, style="italic"), key=NOTHING_KEY, height=None)

    def _fill(self, part: str) -> None:
        """Fill one part's tables from the view; the others wait until they are shown (and
        all but the themes, for the analysis)."""
        self._sideways_may_change()
        if (self.shown if part == "themes" else self.view) is None or part in self._filled:
            return
        self._filled.add(part)
        self._nothing.discard(part)
        getattr(self, f"_fill_{part}")()

    def _keep_cursor(self, table: DataTable, row_key: str | None) -> None:
        if row_key is None or not table.row_count:
            return
        try:
            table.move_cursor(row=table.get_row_index(row_key))
        except Exception:  # noqa: BLE001 - the row is gone: stay where the cursor was
            table.move_cursor(row=min(table.cursor_row, table.row_count - 1))

    def _cursor_key(self, table: DataTable) -> str | None:
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        except Exception:  # noqa: BLE001 - an empty or cleared table
            return None

    def _theme_columns(self) -> list[tuple[str, int]]:
        columns = THEME_TABLE if self.size.width >= WIDE else THEME_TABLE[:-1]
        # "People" and "Excerpts" are as wide as the study's counts need, never cut ("Exc",
        # 4 wide in a narrow pane, drew 10000 as "100…").
        total = self.shown.overview.participant_count if self.shown is not None else 0
        most = max((t.excerpts for t in self.themes), default=0)
        needs = {"People": len(self._people(total, total)), "Excerpts": len(str(most))}
        columns = [
            replace(c, width=max(c.width, needs[c.label])) if c.label in needs else c
            for c in columns
        ]
        return fit(columns, max(self.size.width, 20))

    def _people(self, raised: int, total: int) -> str:
        """A theme's participants of the study's: "127 of 150", or "127/150" in a narrow pane
        (the tag's name needs the room)."""
        return f"{raised}/{total}" if self.size.width < NARROW else f"{raised} of {total}"

    def _show_theme_header(self) -> None:
        if self.shown is not None and not self.themes:
            self._nothing.add("themes")
            said = Padding(Text(NO_THEMES, style="italic"), (0, 1))  # as the tables' cells
            self.query_one("#themes-header", Static).update(said)
            return
        self._nothing.discard("themes")
        header = Text(no_wrap=True, overflow="crop", style="bold")
        headers = {c.label: c.header(self.size.width < NARROW) for c in THEME_TABLE}
        for label, width in self._theme_columns():
            shown = headers[label][:width]
            if label == SORTED_BY[self.sort_column]:  # the mark stays, the label gives way
                shown = shown[: width - 1] + ("\u25bc" if self.descending else "\u25b2")
            header.append(" " + shown.ljust(width) + " ")
        self.query_one("#themes-header", Static).update(header)

    def _fill_themes(self) -> None:
        table = self.query_one(ThemeTable)
        columns = self._theme_columns()
        bar_style = table.get_component_rich_style("theme-table--bar")
        rows = {}
        keys = {theme.key for theme in self.themes}
        for theme in self.themes:
            cells = {
                "Tag": _cell("  " * theme.depth + _under_its_parent(theme, keys)),
                "Bar": bar(theme.share, 1.0, style=bar_style),
                "Excerpts": Text(str(theme.excerpts)),
                "Sessions": Text(str(theme.sessions)),
                "People": Text(self._people(theme.participants, theme.total_participants)),
                "Sev": Text(severity_text(theme.mean_severity)),
                "Max": Text("-" if theme.max_severity is None else str(theme.max_severity)),
                "Emotions": _cell(", ".join(theme.emotions)),
            }
            rows[theme.key] = [cells[label] for label, _ in columns]
        table.set_rows([width for _, width in columns], rows, keep=table.current_key)
        self._show_theme_header()

    def _fill_matrix(self) -> None:
        assert self.view is not None
        points = self.view.analysis.matrix
        self.query_one(PriorityMatrix).show(points)
        table = self._table("ranked")
        if not points and not self.view.analysis.unrated:
            self._say_nothing("matrix", table, NO_THEMES, self._ranked_width(least=0))
            return
        keep = self._cursor_key(table)
        names = self._columns(table, RANKED_TABLE, self._ranked_width())
        for rank, point in enumerate(points):
            theme = point.theme
            cells = {
                "#": mark(rank) or "\u00b7",
                "Tag": _cell(theme.label),
                "People": f"{round(100 * theme.share)}%",
                "Sev": severity_text(theme.mean_severity),
                "Quadrant": point.quadrant,
            }
            table.add_row(*(cells[name] for name in names), key=theme.key)
        for theme in self.view.analysis.unrated:
            cells = {
                "#": "\u00b7",
                "Tag": _cell(theme.label),
                "People": f"{round(100 * theme.share)}%",
                "Sev": "-",
                "Quadrant": "unrated",
            }
            table.add_row(*(cells[name] for name in names), key=theme.key)
        self._keep_cursor(table, keep)

    def _ranked_width(self, least: int = 20) -> int:
        """What the plot leaves (app.tcss: #matrix-plot is half, 24 to 70 columns; in a
        narrow pane it is above the list), known before the part is laid out."""
        width = self.size.width
        if width < NARROW:
            return width
        return max(width - min(max(width // 2, MATRIX_MIN), MATRIX_MAX), least)

    def _fill_pairs(self) -> None:
        assert self.view is not None
        table = self._table("pairs")
        if not self.view.analysis.pairs:
            self._say_nothing("pairs", table, NO_PAIRS)
            return
        keep = self._cursor_key(table)
        names = self._columns(table, PAIR_TABLE)
        for number, pair in enumerate(self.view.analysis.pairs):
            cells = {"Tag": _cell(pair.first), "With": _cell(pair.second), "Notes": str(pair.count)}
            table.add_row(*(cells[name] for name in names), key=str(number))
        self._keep_cursor(table, keep)

    def grid_tags(self) -> list[Theme]:
        """The grid's tag columns: the tags as applied, raised by most participants first."""
        if self.view is None:
            return []
        applied = [t for t in self.view.analysis.themes if t.applied]
        return sorted(applied, key=lambda t: (-t.participants, -t.excerpts, t.key))[:MAX_GRID_TAGS]

    def _fill_grid(self) -> None:
        assert self.view is not None
        table = self._table("grid")
        tags = self.grid_tags()
        if not tags or not self.view.analysis.participants:
            self._say_nothing("grid", table, NO_WHO)
            return
        keep = table.cursor_coordinate
        table.clear(columns=True)
        table.add_column("Participant", width=16, key="participant")
        result = self.view.analysis
        people = result.participants
        counts = {p.key: [len(result.cell(p.key, theme.key)) for theme in tags] for p in people}
        for column, theme in enumerate(tags):
            # Its end, which tells sub-tags apart: `workaround/spreadsheet` cut at its start
            # read `workaround`, as the parent's own column does. By cells: a CJK name's
            # characters take two each. As wide as its counts too: 120 under "ux" read "12".
            label = cut_start(theme.label, GRID_HEADER)
            most = max(row[column] for row in counts.values())
            width = max(cell_len(label), len(str(most)))
            table.add_column(Text(label, no_wrap=True), width=width, key=theme.key)
        for person in people:
            cells: list[str | Text] = [_cell(person.name)]
            cells += [str(count) if count else "\u00b7" for count in counts[person.key]]
            table.add_row(*cells, key=person.key)
        if table.row_count:
            table.cursor_coordinate = Coordinate(
                min(keep.row, table.row_count - 1), min(keep.column, len(tags))
            )

    def _fill_coverage(self) -> None:
        assert self.view is not None
        table = self._table("coverage")
        coverage = self.view.analysis.coverage
        if not coverage:
            self._say_nothing("coverage", table, NO_GUIDE)
            return
        asked = [f"{row.asked}/{row.sessions}" for row in coverage]
        # As wide as its figures: "100/100" was cut to "100/1".
        widest = max(map(len, asked))
        columns = [
            replace(c, width=max(c.width, widest)) if c.label == "Asked" else c
            for c in COVERAGE_TABLE
        ]
        names = self._columns(table, columns)
        for number, row in enumerate(coverage):
            cells = {
                "Question": _cell(row.text),
                "Asked": asked[number],
                "Skipped": str(row.skipped),
                "Not reached": str(row.not_reached),
                "Mean time": minutes_text(row.mean_seconds),
            }
            table.add_row(*(cells[name] for name in names), key=str(number))

    def _fill_followups(self) -> None:
        assert self.view is not None
        table = self._table("followups")
        listed = sorted(self.view.analysis.followups, key=lambda f: FOLLOWUP_ORDER[f.status])
        self.followups = listed
        if not listed:
            self._say_nothing("followups", table, NO_FOLLOWUPS)
            self._show_followup()
            return
        keep = self._cursor_key(table)
        names = self._columns(table, FOLLOWUP_TABLE)
        for number, followup in enumerate(listed):
            cells = {
                "Follow-up": _cell(followup.text),
                "Status": Text(followup.status, style="bold" if followup.status == "open" else ""),
                "Session": _cell(followup.session_title),
                "By": _cell(followup.author),
                "Time": followup.time,
            }
            table.add_row(*(cells[name] for name in names), key=str(number))
        self._keep_cursor(table, keep)
        self._show_followup()

    def _show_followup(self) -> None:
        """The follow-up under the cursor whole (the list cuts it to its column), with whose
        it is, where and its status."""
        followup = self._current_followup()
        detail = Text()
        if followup is not None:
            # Whose, where, when and its status first, as the evidence's detail gives them: a
            # long follow-up in a narrow pane pushed them out of the lines the detail has.
            where = f"{followup.source} \u00b7 {followup.status}"
            detail.append(visible(where), style="dim")
            detail.append(f"\n{visible(followup.text)}")
        shown = self.query_one("#followup-detail", Static)
        shown.update(detail)
        shown.display = followup is not None  # no rule under "No follow-up was noted."

    def _current_followup(self) -> FollowUp | None:
        table = self._table("followups")
        key = self._cursor_key(table)
        if key is None or key == NOTHING_KEY or self.part != "followups":
            return None
        return self.followups[int(key)]

    # -- parts and sorting -------------------------------------------------------------------

    def action_show_part(self, part: str) -> None:
        self.part = part
        self.drill = None
        switcher = self.query_one(ContentSwitcher)
        switcher.current = f"{part}-part" if part in ("themes", "followups") else part
        if part == "themes" or part in self._filled or self.view is None:
            self._fill(part)
        else:
            # Filling a part measures every cell of its table (the grid of 150 people by 40
            # tags: about half a second): its tab shows first, within the keystroke.
            self.call_after_refresh(self._fill_if_shown, part)
        if part == "themes":
            self.query_one(ThemeTable).focus()
        else:
            self._table({"matrix": "ranked"}.get(part, part)).focus()
        self._show_tabs()

    def _fill_if_shown(self, part: str) -> None:
        if self.is_attached and self.part == part and self.drill is None:
            self._fill(part)

    def action_cycle_sort(self) -> None:
        if self.part != "themes" or self.drill is not None:
            return
        # Only by a column the pane shows: a hidden one would reorder by no figure in view.
        shown = {label for label, _ in self._theme_columns()}
        index = THEME_COLUMNS.index(self.sort_column)
        following = THEME_COLUMNS[index + 1 :] + THEME_COLUMNS[: index + 1]
        self.sort_column = next(c for c in following if SORTED_BY[c] in shown)
        self.descending = self.sort_column != "tag"
        self.resort()

    def action_reverse_sort(self) -> None:
        if self.part != "themes" or self.drill is not None:
            return
        self.descending = not self.descending
        self.resort()

    def resort(self) -> None:
        """Put the listed themes in the new order: rows are moved, not drawn again."""
        if self.shown is None:
            return
        self.themes = sort_themes(self.shown.overview.themes, self.sort_column, self.descending)
        if "themes" in self._filled:
            self.query_one(ThemeTable).reorder([t.key for t in self.themes])
            self._show_theme_header()
        else:
            self._fill("themes")

    def action_cursor(self, step: int) -> None:
        focused = self.focused
        if isinstance(focused, ThemeTable):
            focused.move_to(focused.cursor + step)
        elif isinstance(focused, DataTable):
            for _ in range(abs(step)):
                if step > 0:
                    focused.action_cursor_down()
                else:
                    focused.action_cursor_up()

    def action_page(self, pages: int) -> None:
        focused = self.focused
        if isinstance(focused, ThemeTable):
            focused.move_to(focused.cursor + pages * focused.page)
        elif isinstance(focused, DataTable):
            (focused.action_page_down if pages > 0 else focused.action_page_up)()

    def action_sideways(self, step: int) -> None:
        focused = self.focused
        if isinstance(focused, DataTable):  # a row table scrolls, the grid moves its cell
            (focused.action_cursor_right if step > 0 else focused.action_cursor_left)()

    def _sideways_may_change(self) -> None:
        # Its width decides whether ← → are offered, and in the grid its columns: after the
        # next refresh, and again at a layout that changes its sizes (`_laid_out_again`).
        self.call_after_refresh(self.refresh_bindings)

    def _laid_out_again(self, _screen: Screen) -> None:
        """The bindings again when a layout changed the focused table's sizes, or focus moved:
        refreshed after a fill, they may have read a table that had measured its columns but
        not yet had its pane (a part just shown is 0 wide: an empty grid offered ← →). Only
        on a change: the key bar redrawn is a layout too."""
        table = self.focused
        laid_out: tuple[object, ...] = (table,)
        if isinstance(table, DataTable):
            laid_out += (table.size, table.virtual_size, table.container_size)
        if laid_out != self._laid_out:
            self._laid_out = laid_out
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Shown only where they act: the sort on the themes, the evidence's keys where a
        # row has evidence (the guide coverage's have none).
        if action in ("cycle_sort", "reverse_sort"):
            return self.part == "themes" and self.drill is None
        if action in ("open", "copy", "play"):
            if self.drill is None and self.part == "followups":
                return action != "play" and "followups" not in self._nothing
            return self.drill is not None or (
                self.part != "coverage" and self.part not in self._nothing
            )
        if action != "sideways":
            return True
        table = self.focused
        return isinstance(table, DataTable) and (
            table.max_scroll_x > 0 or (table.cursor_type == "cell" and len(table.columns) > 1)
        )

    def key_description(self, action: str) -> str | None:
        """In the evidence Enter opens the note; in the grid ← → move the cell from tag to
        tag (scrolling when it is wide)."""
        if action == "open" and (self.drill is not None or self.part == "followups"):
            return "Open note"
        table = self.focused
        if not action.startswith("sideways") or not isinstance(table, DataTable):
            return None
        if table.cursor_type != "cell":
            return None
        return "Column left" if action == "sideways(-1)" else "Column right"

    def action_edge(self, last: bool) -> None:
        focused = self.focused
        if isinstance(focused, ThemeTable):
            focused.move_to(len(focused.keys) - 1 if last else 0)
        elif isinstance(focused, DataTable):
            (focused.action_scroll_bottom if last else focused.action_scroll_top)()

    # -- drill-down --------------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self.action_open()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "evidence":
            self._show_detail()
        elif event.data_table.id == "followups":
            self._show_followup()

    def selected(self) -> Drill | None:
        """The tag, pair or cell under the cursor of the part shown, as a drill-down."""
        if self.part == "themes" and self.shown is not None:
            key = self.query_one(ThemeTable).current_key
            theme = self.shown.overview.theme(key) if key else None
            return Drill("themes", ("theme", theme.key), theme.label) if theme else None
        if self.view is None:
            return None
        result = self.view.analysis
        if self.part == "matrix":
            key = self._cursor_key(self._table("ranked"))
            theme = result.theme(key) if key else None
            if theme is None:
                return None
            return Drill(self.part, ("theme", theme.key), theme.label)
        if self.part == "pairs":
            key = self._cursor_key(self._table("pairs"))
            if key is None or key == NOTHING_KEY:
                return None
            pair = result.pairs[int(key)]
            return Drill(
                "pairs", ("pair", pair.first, pair.second), f"{pair.first} + {pair.second}"
            )
        if self.part == "grid":
            table = self._table("grid")
            if not table.row_count or table.cursor_column == 0:
                return None
            cell = table.coordinate_to_cell_key(table.cursor_coordinate)
            person = next(p for p in result.participants if p.key == cell.row_key.value)
            theme = result.theme(str(cell.column_key.value))
            if theme is None:
                return None
            return Drill("grid", ("cell", person.key, theme.key), f"{person.name}: {theme.label}")
        return None

    def _evidence_for(self, drill: Drill) -> list[Evidence]:
        assert self.view is not None
        result = self.view.analysis
        kind, *rest = drill.key
        if kind == "theme":
            theme = result.theme(rest[0])
            return result.evidence_of(theme.evidence) if theme else []
        if kind == "pair":
            pair = next((p for p in result.pairs if (p.first, p.second) == tuple(rest)), None)
            return result.evidence_of(pair.evidence) if pair else []
        return result.evidence_of(result.cell(rest[0], rest[1]))

    def action_open(self) -> None:
        if self.drill is not None:
            self._open_note()
            return
        if (followup := self._current_followup()) is not None:
            self.app.open_tagging(
                "session", followup.session_id, focus=(followup.session_id, followup.note_id, None)
            )
            return
        drill = self.selected()
        if drill is not None:
            self._drill(drill)

    def _drill(self, drill: Drill, *, again: bool = False) -> None:
        """List `drill`'s evidence; `again`: the one listed (or being read), read anew from
        a new analysis, its rows and cursor kept until the new ones come."""
        self.drill = drill
        if again:
            if self.view is not None:
                self._evidence_worker(drill, self._show_drill)
            return
        # Said at once: the evidence's words are read from the sessions (a theme of 1,456
        # excerpts over 300 sessions: most of a second), and until the analysis comes (the
        # overview's themes) there is nothing to read them from yet.
        self.query_one(ContentSwitcher).current = "evidence-part"
        title = Text("Reading the evidence of ", style="italic")
        title.append(visible(drill.title), style="bold")
        self.query_one("#evidence-title", Static).update(title.append("\u2026"))
        self._table("evidence").clear()
        self.query_one("#evidence-detail", Static).update("")
        self._show_tabs()
        if self.view is not None:
            self._evidence_worker(drill, self._show_drill)

    @work(thread=True, exclusive=True, group="analysis-evidence")
    def _evidence_worker(self, drill: Drill, then: Callable[[Drill, list[Checked]], None]) -> None:
        """The evidence's words come from the sessions' notes (the study index has none), and
        a quote's check from its session's attached transcript: read here, off the UI thread."""
        verbatims = self._verbatims
        assert verbatims is not None
        checked = [verbatims.checked(item) for item in self._evidence_for(drill)]
        try:
            self.app.call_from_thread(then, drill, checked)
        except RuntimeError:
            pass  # the app is closing

    def _show_drill(self, drill: Drill, checked: list[Checked]) -> None:
        if drill is not self.drill or not self.is_attached:
            return  # another drill-down, or none, since
        self.evidence = [c.item for c in checked]
        self.checked = checked
        self.query_one(ContentSwitcher).current = "evidence-part"
        title = Text(f"{count_of(len(self.evidence), 'excerpt')} \u00b7 ", style="bold")
        title.append(visible(drill.title), style="bold")
        self.query_one("#evidence-title", Static).update(title)
        table = self._table("evidence")
        keep = self._cursor_key(table)
        names = self._columns(table, EVIDENCE_TABLE)
        whose_width = next(
            (int(c.width) for c in table.columns.values() if str(c.label) == "Whose words"), 0
        )
        for number, item in enumerate(self.evidence):
            evidence = _evidence_cell(item)
            if checked[number].verified is False and "Whose words" not in names:
                # A narrow pane has no room for "P7, unverified": the words say it first.
                evidence = Text("unverified ", style="bold").append_text(evidence)
            cells = {
                "Evidence": evidence,
                "Whose words": _cell(item.attribution)
                if checked[number].verified is not False
                # The transcript does not bear the quote out (the detail says why): a long
                # name gives way to the mark, never the mark to the name.
                else _marked_cell(item.attribution, ", unverified", whose_width),
                "Time": item.time,
                "Sev": "-" if item.severity is None else str(item.severity),
            }
            table.add_row(*(cells[name] for name in names), key=str(number))
        self._keep_cursor(table, keep)
        table.focus()
        self._show_tabs()
        self._show_detail()
        self._sideways_may_change()

    def _current_row(self) -> int | None:
        table = self._table("evidence")
        if not self.evidence or not table.row_count:
            return None
        return min(table.cursor_row, len(self.evidence) - 1)

    def _current_evidence(self) -> Evidence | None:
        row = self._current_row()
        return None if row is None else self.evidence[row]

    def _show_detail(self) -> None:
        row = self._current_row()
        detail = Text()
        if row is not None:
            item, checked = self.evidence[row], self.checked[row]
            # Where it is from first, as the tagging screen's detail gives it: the detail keeps
            # a few lines, and in a 40-column pane the words and their check filled them with
            # the time out of view. The list's time is the recording's; the clock's beside it,
            # as the tagging screen and the exports give it (`01:25 (rec 01:33)`).
            when = clock_and_recording(item.elapsed, item.recording_offset)
            detail.append(f"{visible(item.session_title)} \u00b7 {when}", style="dim")
            if item.tags:
                detail.append(" \u00b7 " + ", ".join(tag_label(t) for t in item.tags), style="dim")
            # Whose words they are next, before the words, where a long note or quote cannot
            # push it out of view: a quote the transcript does not bear out says so (in a
            # narrow pane the list has no room for "unverified" either), a note is the
            # note-taker's.
            if checked.line is not None and checked.verified is False:
                detail.append(f"\n{visible(checked.line)}", style="bold")
            if item.said:
                quoted = f"{visible(_quoted(item.quote))} \u2014 {visible(item.attribution)}"
                detail.append(f"\n{quoted}")
            else:
                label = f"{item.attribution}: the note-taker's words, not a quote"
                detail.append(f"\n{visible(label)}", style="dim")
                detail.append(f"\n{visible(item.quote)}", style="italic")
            if checked.line is not None and checked.verified is not False:
                detail.append(f"\n{visible(checked.line)}", style="dim")
        self.query_one("#evidence-detail", Static).update(detail)

    def _open_note(self) -> None:
        item = self._current_evidence()
        if item is not None:
            self.app.open_tagging("session", item.session_id, focus=item.ref)

    def action_copy(self) -> None:
        """Copy the evidence listed, or the evidence of the row under the cursor."""
        if self.drill is not None:
            self._copy(self.drill, self.checked)
        elif (followup := self._current_followup()) is not None:
            self.app.copy_text(f"{followup.text} ({followup.source})")
        elif self.view is not None and (drill := self.selected()) is not None:
            self._evidence_worker(drill, self._copy)

    def _copy(self, drill: Drill, checked: list[Checked]) -> None:
        if checked:
            self.app.copy_text("\n".join(c.cited for c in checked))

    def action_play(self) -> None:
        """Play the recording a few seconds before the evidence's moment (or say why not)."""
        item = self._current_evidence() if self.drill is not None else None
        if item is None:
            open_key = self.app.key_for("analysis.open")
            self.notify(
                f"Open a tag's evidence ({open_key}) and pick a note to hear it.",
                timeout=4,
                markup=False,
            )
            return
        self.app.play_moment(lambda: self.service.play_target(item))

    def action_back(self) -> None:
        if self.drill is not None:
            self.action_show_part(self.drill.part)
        else:
            self.app.pop_screen()
