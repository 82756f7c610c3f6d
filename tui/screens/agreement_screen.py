"""Agreement between two coders: the figures per code, and their disagreements to settle.

Thin over `AgreementModel` (tui/services/team/agreement_model.py): reading, recomputing and
settling run in a thread worker; this screen binds keys and draws what the model holds.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static

from tui.domain.clock import to_iso
from tui.domain.display_text import tag_label, visible
from tui.domain.notes import format_elapsed
from tui.services.team.agreement import POPULATION, CodeFigures, Disagreement
from tui.services.team.agreement_model import AgreementModel
from tui.services.team.agreement_output import UNDEFINED, no_codings, where
from tui.store import StoreError
from tui.widgets.bindings import bindings_for
from tui.widgets.key_bar import KeyBar


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


NARROW_WIDTH = 60
"""Below this many columns the population and the legend give way to the disagreements."""
MIN_CODE = 12
"""The code column is never narrower: the figures' columns give way first."""


class AgreementScreen(Screen):
    BINDINGS = bindings_for("agreement")

    revision: reactive[int] = reactive(0, init=False, always_update=True)
    """Bumped when the model changed (a read, a settlement, a move); its watcher draws."""

    def __init__(self, model: AgreementModel) -> None:
        super().__init__()
        self.model = model
        self.busy: str | None = "Reading the sessions\u2026"
        """What a worker is doing, or None; keys that change data wait for it."""

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
        self.revision += 1

    def watch_revision(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")
        self.revision += 1  # the list shows as many disagreements (and figures) as fit

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
        self.query_one("#agreement-legend").display = (
            result is not None
            and not result.problem
            and result.study is not None  # the legend is about the codes' figures
            and not self.has_class("-narrow")
        )
        if result is None:
            figures.update(Text(self.busy or "", style="italic"))
            listing.update("")
            return
        if result.problem is not None:
            figures.update(Text(visible(result.problem), style="bold"))  # names coders
            listing.update("")
            return
        figures.update(self._figures_text())
        listing.update(self._list_text())

    def _figures_text(self) -> Text:
        result = self.model.result
        text = Text()
        columns = [("A", 5), ("B", 5), ("both", 5), ("agree", 7), ("kappa", 6), ("alpha", 6)]
        columns.append(("chars", 6))
        # In a narrow pane the columns give way (chars, alpha, then agree; kappa stays), so a
        # code is one line, never a row wrapped onto two.
        room = self.query_one("#agreement-figures").content_region.width or 80
        for dropped in ("chars", "alpha", "agree"):
            if MIN_CODE + sum(w + 1 for _, w in columns) <= room:
                break
            columns = [column for column in columns if column[0] != dropped]
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
        codes: list[CodeFigures] = [result.study, *result.codes] if result.study else []
        for code in codes:
            (pair,) = code.pairs
            name = tag_label(code.name, wide)
            cells = {
                "A": pair.first_units,
                "B": pair.second_units,
                "both": pair.both,
                "agree": f"{pair.percent:.1f}%",
                "kappa": _number(pair.kappa),
                "alpha": _number(pair.alpha),
                "chars": "n/a" if pair.overlap is None else f"{100 * pair.overlap:.0f}%",
            }
            row = "".join(f" {cells[label]!s:>{width}}" for label, width in columns)
            text.append(f"{name:<{wide}}{row}\n", "bold" if code is result.study else "")
        return text

    def _list_text(self) -> Text:
        found = self.model.disagreements
        text = Text()
        text.append(f"Disagreements ({len(found)})", "bold")
        settled = self.model.result.settled_line(visible) if self.model.result else None
        if settled is not None:
            text.append(f"  \u00b7 {settled}", "dim")
        if not found:
            none = "every other one is settled" if settled else "the two coders agree on every note"
            text.append(f"\nNone: {none}.", "italic")
            return text
        # Only the rows around the cursor are drawn: a study can hold thousands. Each is one
        # line cut at the pane's edge, but the current one, whole over the lines it takes (what
        # A and B did, and the note, are what a settlement decides on).
        listing = self.query_one("#agreement-list")
        width = listing.content_region.width or 80
        cursor = min(self.model.cursor, len(found) - 1)
        current = self._row(found[cursor], True)
        taken = len(current.wrap(self.app.console, width))
        height = max(1, max(3, listing.size.height - 1) - (taken - 1))
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
        row.append(format_elapsed(float(unit.note.get("elapsed") or 0)) + " ", "dim")
        row.append("#" + tag_label(item.name) + " ", "bold")
        row.append(f"A: {visible(where(item, first))}  B: {visible(where(item, second))}  ")
        row.append("\u201c" + visible(body) + "\u201d", "dim")
        return row

    # -- keys -----------------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        self.model.move(step)
        self.revision += 1

    def action_settle(self, keep: str) -> None:
        item = self.model.current
        if self.busy or item is None:
            return
        self.busy = "Saving\u2026"
        self.revision += 1
        self._run(self.model.settle, item, keep, to_iso(self.app.now()))

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
