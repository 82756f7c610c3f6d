"""Export sessions from the UI: pick a format and a file; the work runs in a thread worker
with a progress bar, so a large study never freezes the screen."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from tui.domain.display_text import count_of, visible, visible_lines
from tui.services.exchange.errors import ExchangeError
from tui.services.exchange.exporting import FORMATS, ExportJob
from tui.store import StoreError
from tui.textual_compat import TextField
from tui.widgets.bindings import bindings_for, once_typed
from tui.widgets.key_bar import KeyBar

FORMATS_SHOWN = list(FORMATS.values())


class ExportScreen(ModalScreen[Path | None]):
    """Returns the file written, or None when cancelled."""

    BINDINGS = bindings_for("export")

    def __init__(self, job: ExportJob, folder: Path | None = None) -> None:
        super().__init__()
        self.job = job
        self.folder = folder or Path.cwd()
        self.format_name = "md"
        self._replace_path: Path | None = None
        """A file the user was told exists: exporting to it again replaces it."""
        self._exporting = False
        self._path_typed_by_user = False

    def compose(self) -> ComposeResult:
        count = len(self.job.session_ids)
        title = f"Export {count_of(count, 'session')}"
        if self.job.label:
            title += f": {visible(self.job.label)}"
        with Vertical(classes="dialog", id="export-dialog"):
            yield Static(Text(title, no_wrap=True, overflow="ellipsis"), classes="dialog-title")
            yield OptionList(
                *(
                    Option(Text(f"{f.name:<5} {f.description}"), id=f.name)
                    for f in FORMATS.values()
                ),
                id="export-format",
                compact=True,
            )
            yield TextField(value=str(self._path()), id="export-path", compact=True)
            yield Checkbox(
                Text("Pseudonymise (P1, P2 ... and I1, I2 ...)"), id="export-pseudonymise"
            )
            yield ProgressBar(total=count + 1, show_eta=False, id="export-progress")
            yield Static("", id="export-status", classes="dialog-error")
            run, cancel = self.app.key_for("export.run"), self.app.key_for("export.cancel")
            yield Static(
                Text(f"{run} or Enter in the file exports \u00b7 Tab moves \u00b7 {cancel} closes"),
                classes="dialog-keys",
            )
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0
        self.query_one(OptionList).focus()

    def _path(self) -> Path:
        pseudonymised = self.is_mounted and self.query_one(Checkbox).value
        return self.job.default_path(self.format_name, pseudonymised, self.folder)

    def _status(self, text: str) -> None:
        # Made visible here, where every status is drawn: a failed study export quotes a
        # damaged session's problem, which can quote what that file holds.
        self.query_one("#export-status", Static).update(Text(visible_lines(text)))

    @on(OptionList.OptionHighlighted, "#export-format")
    def _format_chosen(self, event: OptionList.OptionHighlighted) -> None:
        self.format_name = event.option.id or "md"
        self._suggest_path()

    @on(OptionList.OptionSelected, "#export-format")
    def _format_picked(self) -> None:
        self.query_one(Input).focus()

    @on(Checkbox.Changed)
    def _pseudonymise_changed(self) -> None:
        self._suggest_path()

    @on(Input.Changed, "#export-path")
    def _path_typed(self, event: Input.Changed) -> None:
        self._path_typed_by_user = event.value != str(self._path())
        self._replace_path = None

    def _suggest_path(self) -> None:
        """The file name follows the format and pseudonymisation until the user types one."""
        if self.is_mounted and not self._path_typed_by_user:
            self.query_one(Input).value = str(self._path())

    @on(Input.Submitted, "#export-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._run()

    def action_run(self) -> None:
        # Bound above the path field: in a burst, the name's letters first (`once_typed`).
        once_typed([self.query_one(Input)], self._run)

    def _run(self) -> None:
        if self._exporting:
            return
        raw = self.query_one(Input).value.strip()
        if not raw:
            self._status("Type a file name to export to.")
            return
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = self.folder / path
        force = self._replace_path == path
        if path.exists() and not force:
            self._replace_path = path
            key = self.app.key_for("export.run")
            self._status(f"{visible(str(path))} exists; press {key} again to replace it.")
            return
        self._exporting = True
        self._status("Exporting\u2026")
        self.query_one(ProgressBar).update(progress=0)
        self._export(path, self.query_one(Checkbox).value, force)

    @work(thread=True, exclusive=True, group="export")
    def _export(self, path: Path, pseudonymised: bool, force: bool) -> None:
        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self.query_one(ProgressBar).update, progress=done)

        try:
            written = self.job.run(
                self.format_name, path, pseudonymised=pseudonymised, force=force, progress=progress
            )
        except (ExchangeError, StoreError) as error:
            self.app.call_from_thread(self._failed, str(error))
            return
        self.app.call_from_thread(self._done, written)

    def _failed(self, problem: str) -> None:
        self._exporting = False
        self._status(problem)

    def _done(self, path: Path) -> None:
        self._exporting = False
        self.query_one(ProgressBar).update(progress=len(self.job.session_ids) + 1)
        count = len(self.job.session_ids)
        self.app.notify(
            f"Exported {count} session(s) to {visible(str(path))}.", title="Export", markup=False
        )
        for notice in self.job.notices:  # sentences made safe where they were written
            self.app.notify(notice, title="Export", severity="warning", timeout=10, markup=False)
        self.dismiss(path)

    def action_cancel(self) -> None:
        if not self._exporting:
            self.dismiss(None)
