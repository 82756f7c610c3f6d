"""Leaving with changes the data folder has not taken: retry, save them elsewhere, or stay.

Asked when quitting, when leaving an interview, and when leaving the tagging screen. What is
pending comes from any number of holders (the live interview, tagging's writes), each with
`unsaved`, `last_error`, `flush`, `unsaved_summary`, `kept_and_lost` and `unsaved_record`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.widgets import Label

from tui.domain.display_text import visible_lines
from tui.services.rescue import write_rescue
from tui.services.write_queue import flushed
from tui.widgets.bindings import bindings_for
from tui.widgets.key_bar import KeyBar


class UnsavedWork(Protocol):
    unsaved: int
    last_error: str | None

    def flush(self, timeout: float = ...) -> bool: ...
    def unsaved_summary(self) -> str: ...
    def kept_and_lost(self) -> tuple[int, int]: ...
    def unsaved_record(self) -> tuple[dict[str, Any], int]: ...


class QuitScreen(ModalScreen[bool]):
    """Dismisses True when it is safe (or the user chose) to go."""

    BINDINGS = bindings_for("quit")
    SAYS_WRITE_PROBLEM = True
    """Its message says why writes fail: the key bar need not say it again."""

    def __init__(
        self, holders: UnsavedWork | list[UnsavedWork], rescue_path: Path, *, leaving: bool = False
    ) -> None:
        super().__init__()
        self.holders = holders if isinstance(holders, list) else [holders]
        self.rescue_path = rescue_path
        self.leaving = leaving
        """Leaving a screen, not the app: what is pending keeps retrying in the background."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="quit-dialog"):
            yield Label("Unsaved changes", classes="dialog-title")
            # A 40-column pane has no room for the whole message: it scrolls (the arrows,
            # Home and End, as the key bar says then), under the title and above the keys,
            # which stay in view.
            with VerticalScroll(id="quit-body"):
                yield Label(id="quit-message")
            yield Label(classes="dialog-keys")
        yield KeyBar()

    def _kept_and_lost(self) -> tuple[int, int]:
        """The notes a drafts file brings back on the next open, and the changes lost."""
        counts = [holder.kept_and_lost() for holder in self._waiting() or self.holders]
        return sum(kept for kept, _ in counts), sum(lost for _, lost in counts)

    def key_description(self, action: str) -> str | None:
        """The key bar's word for `q` when leaving a screen: nothing is lost then."""
        return "Leave" if action == "quit_anyway" and self.leaving else None

    def on_mount(self) -> None:
        # Error notices sit above every screen: at 80x24 they covered this dialog, which
        # says the same and more (the interview stops adding them while it is open).
        self.app.clear_notifications()
        self._explain()
        self.watch(self.query_one("#quit-body"), "show_vertical_scrollbar", self._say_how_to_scroll)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """Give the message the rows the dialog has left once its title and keys have theirs
        (a percentage or fr would not: the dialog's height is its content's, up to a limit)."""
        dialog = self.query_one("#quit-dialog")
        bar = self.query_one(KeyBar).outer_size
        room = Size(self.size.width, self.size.height - bar.height)
        rows = dialog.styles.max_height.resolve(room, self.app.size) - dialog.gutter.height
        for part in (dialog.query_one(".dialog-title"), dialog.query_one(".dialog-keys")):
            rows -= part.outer_size.height + part.styles.margin.height
        self.query_one("#quit-body").styles.max_height = max(1, int(rows))

    def _say_how_to_scroll(self, scrolls: bool) -> None:
        """The key bar names the keys that scroll the message while it overflows (its
        scrollbar shows; focused, it takes them); a line more or less in the bar fits the
        dialog again."""
        if self.query_one(KeyBar).show_typed(*((("up,down", "Scroll"),) if scrolls else ())):
            self.call_after_refresh(self._fit)

    def _waiting(self) -> list[UnsavedWork]:
        return [holder for holder in self.holders if holder.unsaved]

    def _explain(self, extra: str = "") -> None:
        waiting = self._waiting() or self.holders
        what = " and ".join(holder.unsaved_summary() for holder in waiting)
        problem = next(
            (h.last_error for h in waiting if h.last_error),
            "The data folder has not confirmed the last writes.",
        )
        kept, lost = self._kept_and_lost()
        key = self.app.key_word
        # The drafts file (tui/store/drafts.py) holds the notes: the next open of the session
        # by this author on this machine queues them again.
        if not kept:
            said, go = f"{what} are only in memory.", "quit and lose them"
        elif not lost:
            said = (
                f"{what} are kept in the session's drafts file and come back when you open "
                "it again."
            )
            go = "quit, they come back"
        else:
            said = (
                f"{what} are not saved; the {kept} note(s) are kept in the session's drafts "
                f"file and come back when you open it again, the {lost} other change(s) are lost."
            )
            go = "quit, the notes come back"
        if self.leaving:
            go = "leave, they keep retrying"
        self.query_one("#quit-message", Label).update(
            Text(
                visible_lines(
                    f"{said} {problem}\nThey can be written to {self.rescue_path}.{extra}"
                )
            )
        )
        self.query_one(".dialog-keys", Label).update(
            Text(
                f"{key('quit.retry')} retry now \u00b7 {key('quit.save_elsewhere')} save them to "
                f"the file above \u00b7 {key('quit.anyway')} {go} \u00b7 {key('quit.stay')} stay"
            )
        )
        self.call_after_refresh(self._fit)  # the keys may wrap to another line count

    @work(exclusive=True, group="quit-retry")
    async def action_retry(self) -> None:
        if not await flushed(self.holders, 3 / len(self.holders)):  # waited for in threads
            self.dismiss(True)
        else:
            self._explain(" Still failing.")

    def action_save_elsewhere(self) -> None:
        try:
            self.app.rescued_to = write_rescue(self._waiting(), self.rescue_path)
        except OSError as error:
            self._explain(f" Writing there failed too: {error.strerror}.")
            return
        self.dismiss(True)

    def action_quit_anyway(self) -> None:
        self.dismiss(True)

    def action_stay(self) -> None:
        self.dismiss(False)
