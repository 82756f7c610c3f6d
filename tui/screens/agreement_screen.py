"""Agreement between two coders: the figures per code, and their disagreements to settle.

Thin over `AgreementModel` (tui/services/team/agreement_model.py): reading, recomputing and
settling run in a thread worker; this screen binds keys and draws what the model holds.
"""

from __future__ import annotations

from rich.cells import set_cell_size
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static

from tui.domain.clock import to_iso
from tui.domain.display_text import cut, tag_label, visible
from tui.services.team.agreement import POPULATION, CodeFigures, Disagreement
from tui.services.team.agreement_model import AgreementModel
from tui.services.team.agreement_output import UNDEFINED, no_codings, where
from tui.store import StoreError
from tui.widgets.bindings import bindings_for
from tui.widgets.key_bar import KeyBar

SESSION_CELLS = 16
"""Cells a row of a study's disagreements gives its session's title (the current one, all)."""


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


NARROW_WIDTH = 60
"""Below this many columns the population and the legend give way to the disagreements (but
for `?`, which shows them whole)."""
LIST_ROWS = 5
"""The disagreements the list shows at least, when there are that many, besides the current
one's whole text: the codes table takes only the rows they leave, and scrolls."""
MIN_CODE = 12
"""The code column is never narrower: the figures' columns give way first."""


def _cells(code: CodeFigures) -> dict[str, str]:
    """A code's figures for its pair, as the codes table writes them: column -> cell."""
    (pair,) = code.pairs
    return {
        "A": str(pair.first_units),
        "B": str(pair.second_units),
        "both": str(pair.both),
        "agree": f"{pair.percent:.1f}%",
        "kappa": _number(pair.kappa),
        "alpha": _number(pair.alpha),
        "chars": "n/a" if pair.overlap is None else f"{100 * pair.overlap:.0f}%",
    }


class AgreementScreen(Screen):
    BINDINGS = bindings_for("agreement")

    revision: reactive[int] = reactive(0, init=False, always_update=True)
    """Bumped when the model changed (a read, a settlement, a move); its watcher draws."""
    explained: reactive[bool] = reactive(False, init=False)
    """The population and the legend whole, not folded to a line each (`?`)."""

    def __init__(self, model: AgreementModel) -> None:
        super().__init__()
        self.model = model
        self.busy: str | None = "Reading the sessions\u2026"
        """What a worker is doing, or None; keys that change data wait for it."""
        self.codes_top = 0
        """The first code (after "all codes") the codes table shows when not all fit."""
        self.codes_page = 1
        """How many codes it showed then: what pgdn moves by."""

    def compose(self) -> ComposeResult:
        yield Static(id="agreement-header")
        yield Static(Text(POPULATION, style="dim"), id="agreement-population")
        yield Static(id="agreement-figures")
        # Below the figures, not in their box: with many codes that box is cut at its height,
        # and the legend with it.
        yield Static(Text(UNDEFINED, style="dim"), id="agreement-legend")
        yield Static(id="agreement-list")
        yield KeyBar()

    def on_mount(self) -> None:
        self._draw()
        self._run(self.model.read)

    @work(thread=True, exclusive=True, group="agreement")
    def _run(self, job, *args) -> None:
        try:
            said = job(*args)
            problem = None
        except StoreError as error:
            said, problem = None, str(error)
        self.app.call_from_thread(self._done, said, problem)

    def _done(self, said: str | None, problem: str | None) -> None:
        self.busy = None
        if problem is not None:
            self.notify(problem, severity="error", timeout=8, markup=False)
        elif isinstance(said, str):
            self.notify(said, timeout=3, markup=False)
        self._draw_laid_out()  # the legend shows once there are figures

    def watch_revision(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")
        self._draw_laid_out()  # the list shows as many disagreements (and codes) as fit

    def watch_explained(self, explained: bool) -> None:
        self.set_class(explained, "-explained")
        self._draw_laid_out()

    def _draw_laid_out(self) -> None:
        """Draw once the layout has the explanations' and the key bar's heights, of which
        the codes table's rows are what is left."""
        self.revision += 1
        self.call_after_refresh(self._bump)

    def _bump(self) -> None:
        self.revision += 1

    # -- drawing --------------------------------------------------------------------------------

    def _draw(self) -> None:
        model, result = self.model, self.model.result
        header = Text("Agreement  ")
        if model.pair is not None:
            header.append(f"A: {visible(model.pair[0])}  B: {visible(model.pair[1])}")
        if result is not None:
            header.append(f"  \u00b7 {result.sessions} session(s), {result.units} notes", "dim")
        if model.pair is not None and model.resolver in model.pair:
            header.append(f"  \u00b7 {visible(model.resolver)} is a coder here: settle --as team")
        else:
            header.append(f"  \u00b7 settling as {visible(model.resolver)}", "dim")
        if self.busy:
            header.append(f"  {self.busy}", "bold")
        self.query_one("#agreement-header", Static).update(header)
        figures = self.query_one("#agreement-figures", Static)
        listing = self.query_one("#agreement-list", Static)
        explain = self.explained or not self.has_class("-narrow")
        self.query_one("#agreement-population").display = explain
        self.query_one("#agreement-legend").display = (
            result is not None
            and not result.problem
            and result.study is not None  # the legend is about the codes' figures
            and explain
        )
        if result is None:
            figures.update(Text(self.busy or "", style="italic"))
            listing.update("")
            return
        if result.problem is not None:
            figures.update(Text(visible(result.problem), style="bold"))  # names coders
            listing.update("")
            return
        drawn = self._figures_text()
        drawn.rstrip()  # a last newline would draw an empty row
        figures.update(drawn)
        # The list's rows are what the figures leave: known now, not at the next layout.
        width = listing.content_region.width or 80
        shown = len(drawn.wrap(self.app.console, width))
        rows = self._rows_left() - shown if self.size.height else listing.size.height
        listing.update(self._list_text(rows))

    def _figures_text(self) -> Text:
        result = self.model.result
        text = Text()
        columns = [("A", 5), ("B", 5), ("both", 5), ("agree", 7), ("kappa", 6), ("alpha", 6)]
        columns.append(("chars", 6))
        everyone = [result.study, *result.codes] if result.study else []
        cells = {id(code): _cells(code) for code in everyone}
        # In a narrow pane the columns give way (chars, alpha, then agree; kappa stays), then
        # those left close up to their widest cell, then both goes, so a code is one line,
        # never a row wrapped onto two (A, B, kappa and the code fit 30 columns).
        room = self.query_one("#agreement-figures").content_region.width or 80

        def fits(columns: list[tuple[str, int]]) -> bool:
            return MIN_CODE + sum(w + 1 for _, w in columns) <= room

        for dropped in ("chars", "alpha", "agree"):
            if fits(columns):
                break
            columns = [column for column in columns if column[0] != dropped]
        if not fits(columns):
            columns = [
                (label, max([len(label), *(len(row[label]) for row in cells.values())]))
                for label, _ in columns
            ]
        if not fits(columns):
            columns = [column for column in columns if column[0] != "both"]
        wide = max(MIN_CODE, min(24, room - sum(w + 1 for _, w in columns)))
        ratings = result.ratings
        if ratings is not None and ratings.pairs and ratings.pairs[0].both:
            # First, not under the codes: with many codes the box is cut at its height.
            (pair,) = ratings.pairs
            text.append("Severity: ", "bold")
            text.append(
                f"{pair.both} rated by both \u00b7 {pair.same:.0f}% alike \u00b7 "
                f"{pair.apart:.2f} apart \u00b7 alpha {_number(pair.alpha)} (ordinal)\n"
            )
        nothing = no_codings(result, visible)
        if nothing is not None:
            text.append(nothing, "italic")
            return text
        head = f"{'code':<{wide}}" + "".join(f" {name:>{width}}" for name, width in columns)
        text.append(head + "\n", "bold")
        codes: list[CodeFigures] = list(result.codes)
        # "All codes" first, then as many codes as there are rows, a line saying which if
        # not all fit: the list of disagreements has its rows first (`_list_need`).
        list_width = self.query_one("#agreement-list").content_region.width or 80
        above = text.copy()
        above.rstrip()
        rows = self._rows_left() - self._list_need(list_width)
        rows -= len(above.wrap(self.app.console, room))
        rows -= 1  # "all codes"
        scrolled = None
        if len(codes) > rows:
            rows = max(1, rows - 1)
            self.codes_page = rows
            self.codes_top = max(0, min(self.codes_top, len(codes) - rows))
            top = self.codes_top
            codes = codes[top : top + rows]
            which = f"{top + 1}-{top + len(codes)}" if len(codes) > 1 else f"{top + 1}"
            scrolled = f"codes {which} of {len(result.codes)}"
        for code in [result.study, *codes] if result.study else []:
            # Cut and padded by terminal cells: a CJK name takes two a character.
            name = set_cell_size(cut(code.name, wide), wide)
            row = "".join(f" {cells[id(code)][label]:>{width}}" for label, width in columns)
            text.append(f"{name}{row}\n", "bold" if code is result.study else "")
        if scrolled is not None:
            text.append(cut(f"{scrolled} \u00b7 pgup/pgdn", room), "dim")
        return text

    def _rows_left(self) -> int:
        """The rows the figures and the list share: the screen's, less the other parts'."""
        if not self.size.height:
            return 1_000
        others = ["#agreement-header", "#agreement-population", "#agreement-legend", KeyBar]
        taken = sum(
            widget.outer_size.height + widget.styles.margin.height
            for widget in (self.query_one(part) for part in others)
            if widget.display
        )
        figures = self.query_one("#agreement-figures")
        return self.size.height - taken - figures.styles.margin.height

    def _list_need(self, width: int) -> int:
        """The rows the list takes before the figures have theirs: its heading, `LIST_ROWS`
        disagreements and the current one whole."""
        found = self.model.disagreements
        heading = len(self._list_heading().wrap(self.app.console, width))  # settled: 2 lines
        if not found:
            return heading + 1
        current = self._row(self.model.current, True)
        whole = len(current.wrap(self.app.console, width))
        return heading + (min(len(found), LIST_ROWS) - 1) + whole

    def _list_heading(self) -> Text:
        found = self.model.disagreements
        text = Text()
        text.append(f"Disagreements ({len(found)})", "bold")
        settled = self.model.result.settled_line(visible) if self.model.result else None
        if settled is not None:
            text.append(f"  \u00b7 {settled}", "dim")
        return text

    def _list_text(self, rows: int) -> Text:
        found = self.model.disagreements
        text = self._list_heading()
        settled = self.model.result.settled_line(visible) if self.model.result else None
        if not found:
            none = (
                "None left: each one is settled"
                if settled
                else "None: the two coders agree on every note"
            )
            text.append(f"\n{none}.", "italic")
            return text
        # Only the rows around the cursor are drawn: a study can hold thousands. Each is one
        # line cut at the pane's edge, but the current one, whole over the lines it takes (what
        # A and B did, and the note, are what a settlement decides on).
        listing = self.query_one("#agreement-list")
        width = listing.content_region.width or 80
        cursor = min(self.model.cursor, len(found) - 1)
        current = self._row(found[cursor], True)
        taken = len(current.wrap(self.app.console, width))
        heading = len(text.wrap(self.app.console, width))
        height = max(1, max(3, rows - heading) - (taken - 1))
        start = max(0, min(cursor - height // 2, len(found) - height))
        for index in range(start, min(len(found), start + height)):
            row = current if index == cursor else self._row(found[index], False)
            if row is not current:
                row.truncate(width, overflow="ellipsis")
            text.append("\n")
            text.append_text(row)
        return text

    def _row(self, item: Disagreement, current: bool) -> Text:
        first, second = self.model.pair
        unit = item.unit
        body = " ".join(unit.text.split())
        row = Text(style="reverse" if current else "")
        if len(self.model.session_ids) > 1:  # which interview: in a study, 00:00 is in each
            title = visible(unit.title) if current else cut(unit.title, SESSION_CELLS)
            row.append(title + " ", "dim")
        row.append(unit.when + " ", "dim")
        row.append("#" + tag_label(item.name) + " ", "bold")
        row.append(f"A: {visible(where(item, first))}  B: {visible(where(item, second))}  ")
        row.append("\u201c" + visible(body) + "\u201d", "dim")
        return row

    # -- keys -----------------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        self.model.move(step)
        self.revision += 1

    def action_scroll_codes(self, step: int) -> None:
        # A page of codes at a time less one, so the code at its edge stays in view.
        self.codes_top = max(0, self.codes_top + step * max(1, self.codes_page - 1))
        self.revision += 1

    def action_explain(self) -> None:
        self.explained = not self.explained

    def action_settle(self, keep: str) -> None:
        item = self.model.current
        if item is None:
            return
        if self.busy:
            # Not taken for the next disagreement, which the resolver has not seen yet; said,
            # so that a key typed right behind the last is not thought to have settled one.
            does = next(b.description for b in self.BINDINGS if b.action == f"settle({keep!r})")
            doing = self.busy.rstrip("\u2026").lower()  # "Saving…", "Comparing…"
            self.notify(
                f"Still {doing}: {does} was not taken; press it again once the list shows "
                "the disagreement it is for.",
                timeout=4,
                markup=False,
            )
            return
        self.busy = "Saving\u2026"
        self.revision += 1
        self._run(self.model.settle, item, keep, to_iso(self.app.now()))

    def action_undo(self) -> None:
        if self.busy:
            return
        if not self.model.done:
            self.notify(
                "No settlement to undo: u takes back those made since this screen opened.",
                timeout=4,
            )
            return
        self.busy = "Undoing\u2026"
        self.revision += 1
        self._run(self.model.undo)

    def action_next_pair(self) -> None:
        if self.busy:
            return
        if len(self.model.pairs()) < 2:
            self.notify("Only two coders here: there is no other pair.", timeout=3)
            return
        self.busy = "Comparing\u2026"
        self.revision += 1
        self._run(self.model.next_pair)

    def action_back(self) -> None:
        self.app.pop_screen()
