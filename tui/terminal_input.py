"""Terminal input as a note-taker needs it: fast for long bursts, exact for pastes, honest about
escape codes. Textual's own key parser does the rest.

Three things go wrong with Textual's input loop on its own, each seen with tmux `send-keys`:
- A burst of typed characters (a paste outside bracketed-paste mode, a slow paste arriving in
  4 KB reads) becomes one key event per character, each dispatched through the whole app:
  100 KB took minutes. Here a run of printable characters read together becomes one `TypedText`.
- A bracketed paste holding an escape sequence (`ESC[31m`) came out reordered, the text after
  the code first and `ESC` turned into `^`. Here a paste is taken whole, byte for byte.
- An escape sequence no key maps to was dropped whole (`ESC[31m`) or lost its `ESC`
  (`ESC[2J` typed as `[2J`). Here such a sequence becomes `UnknownSequence`, which the app
  reports as refused; nothing of it is typed.
"""

from __future__ import annotations

import os
import re
import selectors
from codecs import getincrementaldecoder

from textual import events

# Textual's parser has no public import; it is used as it is, for every sequence it knows.
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

ESC = "\x1b"
PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
_CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_CSI_PREFIX = re.compile(r"\x1b\[[0-?]*[ -/]*\Z")
_OSC = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_PRINTABLE_RUN = re.compile(r"[^\x00-\x1f\x7f-\x9f]+")
OSC_LIMIT = 4096
"""An OSC string longer than this without its end is passed on as it is."""


class TypedText(Message):
    """Printable characters that arrived together."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__()

    @property
    def keys(self) -> list[events.Key]:
        """The key presses they would have been, for a screen that takes keys, not text. Made
        only when asked: Textual's parser costs about 0.1 ms a character."""
        return [key for key in XTermParser().feed(self.text) if isinstance(key, events.Key)]


class TerminalClosed(Message):
    """The terminal ended (its pane killed, the SSH connection dropped): nothing more will
    be read from it or shown on it."""


class UnknownSequence(Message):
    """An escape sequence that is no key: refused whole rather than typed in part."""

    def __init__(self, sequence: str) -> None:
        self.sequence = sequence
        super().__init__()


class TerminalInput:
    """Decoded terminal text in, messages out, in the order the bytes came.

    State carries across reads: a paste or an escape sequence split between two reads is held
    until the rest arrives (or, for a sequence, until `flush_held` after a quiet moment; a
    lone Esc at the end of a read too, as it may begin a sequence cut off by the read).
    """

    def __init__(self) -> None:
        self.parser = XTermParser()
        self._probe = XTermParser()
        self._held = ""
        self._paste: list[str] | None = None

    def feed(self, data: str) -> list[Message]:
        data = self._held + data
        self._held = ""
        out: list[Message] = []
        i, end = 0, len(data)
        while i < end:
            if self._paste is not None:
                i = self._take_paste(data, i, out)
                continue
            if data[i] != ESC:
                run = _PRINTABLE_RUN.match(data, i)
                if run is None:
                    out += self.parser.feed(data[i])  # a control key: tab, enter, ctrl+n
                    i += 1
                else:
                    out.append(TypedText(run.group()))
                    i = run.end()
                continue
            if data.startswith(PASTE_START, i):
                self._paste = []
                i += len(PASTE_START)
                continue
            rest = data[i:]
            if PASTE_START.startswith(rest) or _CSI_PREFIX.match(rest):
                self._held = rest  # cut off by the read: wait for the rest
                break
            if csi := _CSI.match(data, i):
                out += self._sequence(csi.group())
                i = csi.end()
            elif data.startswith("\x1b]", i):
                osc = _OSC.match(data, i)
                if osc is None and end - i < OSC_LIMIT:
                    self._held = rest
                    break
                sequence = osc.group() if osc else data[i:]
                out.append(UnknownSequence(sequence))
                i += len(sequence)
            else:
                # The Esc key, alt+key, or SS3 (f1-f4 as ESC O P): Textual's parser decides,
                # with its escape delay for a lone Esc.
                size = 3 if data.startswith("\x1bO", i) else 2
                out += self.parser.feed(data[i : i + size])
                i += size
        return out

    def _take_paste(self, data: str, i: int, out: list[Message]) -> int:
        assert self._paste is not None
        stop = data.find(PASTE_END, i)
        if stop < 0:
            keep = next(
                (n for n in range(len(PASTE_END) - 1, 0, -1) if data.endswith(PASTE_END[:n])), 0
            )
            self._paste.append(data[i : len(data) - keep])
            self._held = data[len(data) - keep :]
            return len(data)
        self._paste.append(data[i:stop])
        out.append(events.Paste("".join(self._paste)))
        self._paste = None
        return stop + len(PASTE_END)

    def _sequence(self, sequence: str) -> list[Message]:
        """A whole CSI sequence: Textual's parser gets it if it knows it, else it is refused."""
        if list(self._probe.feed(sequence)):
            return list(self.parser.feed(sequence))
        self._probe = XTermParser()  # it may be waiting for more: start clean
        return [UnknownSequence(sequence)]

    @property
    def holding(self) -> bool:
        """Part of a sequence (or a lone Esc) waits for the next read."""
        return bool(self._held) and self._paste is None

    def flush_held(self) -> list[Message]:
        """Nothing more came: what was held is handed to Textual's parser as it is."""
        held, self._held = self._held, ""
        if self._paste is not None:
            return []  # a paste waits for its end
        return list(self.parser.feed(held)) if held else []

    def tick(self) -> list[Message]:
        """Let Textual's parser time out a lone Esc."""
        return list(self.parser.tick())


class FieldnoteDriver(LinuxDriver):
    """Textual's Linux driver with its input loop reading through `TerminalInput`, and two
    guards for a terminal that goes away (tmux killing a pane sends SIGHUP, then SIGCONT):

    - The driver answers SIGCONT by starting application mode again, meant for coming back
      from ctrl+z. A SIGCONT that did not follow a suspend started a second input thread,
      which Textual never stopped: the app ended and its process spun on the dead terminal.
      Application mode is started only when it is not running.
    - A read that finds the input ended stops the input loop rather than reading nothing
      again and again, and when the input was a terminal, says it ended (`TerminalClosed`).
    """

    def start_application_mode(self) -> None:
        if self._key_thread is not None and self._key_thread.is_alive():
            return  # a SIGCONT without a suspend before it: still running
        super().start_application_mode()

    def run_input_thread(self) -> None:
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        terminal = TerminalInput()
        decode = getincrementaldecoder("utf-8")(errors="replace").decode
        from_terminal = os.isatty(self.fileno)
        try:
            while not self.exit_event.is_set():
                # A lone Esc is held until the terminal is quiet: wait briefly then.
                ready = selector.select(0.01 if terminal.holding else 0.1)
                messages: list[Message] = []
                for _key, mask in ready:
                    if mask & selectors.EVENT_READ:
                        try:
                            raw = os.read(self.fileno, 4096)
                        except OSError:  # EIO: the terminal hung up
                            raw = b""
                        if not raw:  # readable yet empty: nothing more will come
                            if from_terminal:  # not /dev/null or a pipe: the terminal ended
                                self.process_message(TerminalClosed())
                            return
                        messages += terminal.feed(decode(raw))
                if not ready:
                    messages += terminal.flush_held()
                messages += terminal.tick()
                for message in messages:
                    self.process_message(message)
        finally:
            selector.close()
