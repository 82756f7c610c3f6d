"""Every Textual name Fieldnote relies on that Textual does not promise to keep, in one place.

Textual's underscored modules and attributes, and the Linux driver's undocumented thread entry
point, can change in any release without a word. A rename there fails silently: an override
that no longer matches simply stops being called. So nothing else in `tui/` names them
(`tests/test_textual_compat.py` reads every module for it); each use here says why no public
API serves and what would let it go; `RELIED_ON` lists them with the parameters used; and
the same test checks each one against the installed Textual, then checks that the overrides
really run (a crash in a real process writes the rescue file, a key read by the real Linux
driver goes through Fieldnote's input loop). `.ci/run` runs it against the newest Textual too.

Checked against Textual 8.2.8, the pinned version. Public APIs used instead, where Textual has
one: `App.set_keymap` (and the app's own `Keymap` for what it set), a node's `BINDINGS` for the
binding ids the command palette lists, `TextArea.replace` for inserting typed text.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from threading import Thread

from rich.cells import cell_len
from rich.text import Text

# Textual's xterm key parser has no public import (textual.keys names keys, it parses nothing).
# Fieldnote's input loop hands it every sequence it knows, and asks it which ones it knows.
# It could go if Textual exported a parser; until then this module is its one importer.
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.message_pump import MessagePump
from textual.widgets import Input, TextArea

from tui.domain.display_text import visible, visible_lines

__all__ = [
    "RELIED_ON",
    "CrashHookApp",
    "Reliance",
    "TextField",
    "XTermParser",
    "driver_app",
    "output_thread",
    "restart_cursor_blink",
]


@dataclass(frozen=True)
class Reliance:
    """One Textual name Fieldnote uses: where it is, the leading parameters Fieldnote calls or
    overrides it with (None: an attribute, not a method; any further parameter needs a
    default), and whether it is set on instances (in `__init__`), not on the class."""

    owner: type
    name: str
    parameters: tuple[str, ...] | None
    on_instances: bool = False

    @property
    def label(self) -> str:
        return f"{self.owner.__module__}.{self.owner.__qualname__}.{self.name}"


RELIED_ON: tuple[Reliance, ...] = (
    Reliance(XTermParser, "__init__", ("self",)),
    Reliance(XTermParser, "feed", ("self", "data")),
    Reliance(XTermParser, "tick", ("self",)),
    Reliance(App, "_handle_exception", ("self", "error")),
    Reliance(App, "_fatal_error", ("self",)),
    Reliance(App, "_exit_renderables", None, on_instances=True),
    Reliance(MessagePump, "_close_messages_no_wait", ("self",)),
    Reliance(Driver, "_app", None, on_instances=True),
    Reliance(LinuxDriver, "_writer_thread", None, on_instances=True),
    Reliance(LinuxDriver, "run_input_thread", ("self",)),
    Reliance(LinuxDriver, "fileno", None, on_instances=True),
    Reliance(LinuxDriver, "exit_event", None, on_instances=True),
    Reliance(TextArea, "_restart_blink", ("self",)),
    Reliance(Input, "_value", None),
    Reliance(Input, "_position_to_cell", ("self", "position")),
)
"""What `tests/test_textual_compat.py` checks on the installed Textual."""


class CrashHookApp(App):
    """Textual's App with its unhandled-error path changed in two places. Textual has no
    public hook for an unhandled error (Textualize/textual#2818 asked for one; in 8.2.8 the
    message loop calls `App._handle_exception`, which calls `_fatal_error` to print the report).
    Both go the day Textual offers a hook called before the exit and a say in the report."""

    def before_crash_exit(self) -> None:
        """Runs first when an unhandled error is about to end the app (an error raised here
        is dropped: the original one is reported). Here: nothing."""

    def _handle_exception(self, error: Exception) -> None:
        with contextlib.suppress(Exception):
            self.before_crash_exit()
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Textual's report shows every frame's local variables, which would put interview
        notes on the terminal and in its scrollback: this one shows only the frames. The
        error's message may quote a stored string (a title, a path), and the report is
        printed as the app leaves the terminal: its text is made `visible`."""
        from rich.segment import Segment, Segments
        from rich.traceback import Traceback

        self.bell()
        report = Traceback(show_locals=False, width=None)
        segments = [
            segment if segment.control else Segment(visible_lines(segment.text), segment.style)
            for segment in self.console.render(report, self.console.options)
        ]
        self._exit_renderables.append(Segments(segments))
        self._close_messages_no_wait()


def driver_app(driver: Driver) -> App:
    """The app a driver serves. Driver keeps it as `_app` and has no public accessor."""
    return driver._app


def output_thread(driver: LinuxDriver) -> Thread | None:
    """The Linux driver's output thread (None before application mode). Fieldnote asks whether
    it is alive: writes queued for a dead one fill its queue and block the app. No public API
    says whether the terminal still takes output."""
    return driver._writer_thread


def restart_cursor_blink(text_area: TextArea) -> None:
    """Show the cursor and restart its blink, as TextArea does for each key it inserts: typed
    text inserted in one piece (`TextArea.replace`) does not, and the early echo copies the
    cursor cell as the frame drew it. `TextArea.insert` does it only for more than one
    character; no public method does just this."""
    text_area._restart_blink()


class TextField(Input):
    """The one-line field every dialog uses: its value drawn `visible`, as every other stored
    string is. Textual's `Input` draws its value as it is, so a goal, a study name, a tag's
    description or a debrief answer from a shared folder (or a path pasted with an escape in
    it) put its escape sequences on the terminal as the dialog opened: an OSC renamed the
    window, a CSI cleared the screen. Only the drawing changes: `value`, and so what Enter
    saves, stays the text as stored and typed.

    Input builds the drawn text in `_value` and places the cursor by `_position_to_cell`; a
    highlighter (the public hook) gets the text after Rich has dropped BEL, CR and the like,
    so a value holding one would put the cursor and selection off by as many characters.
    Both overrides go the day Input takes a function that turns its value into what it
    draws."""

    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        # `visible` gives one character for each, so the cursor's index stays its place.
        return Text(visible(self.value), no_wrap=True, overflow="ignore", end="")

    def _position_to_cell(self, position: int) -> int:
        return cell_len(visible(self.value[:position]))
