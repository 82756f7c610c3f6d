"""Terminal input as a note-taker needs it: fast for long bursts, exact for pastes, honest about
escape codes. Textual's own key parser does the rest.

Three things go wrong with Textual's input loop on its own, each seen with tmux `send-keys`:
- A burst of typed characters (a paste outside bracketed-paste mode, a slow paste arriving in
  4 KB reads) becomes one key event per character, each dispatched through the whole app:
  100 KB took minutes. Here a run of printable characters read together becomes one `TypedText`.
  Its line breaks stay Enter keys: a read cannot tell a paste from keys typed while the app
  read late (docs/interviewing.md, "Input"); only a bracketed paste is one `Paste`.
- A bracketed paste holding an escape sequence (`ESC[31m`) came out reordered, the text after
  the code first and `ESC` turned into `^`. Here a paste is taken whole, byte for byte.
- An escape sequence no key maps to was dropped whole (`ESC[31m`) or lost its `ESC`
  (`ESC[2J` typed as `[2J`). Here such a sequence becomes `UnknownSequence`, which the app
  reports as refused; nothing of it is typed.

And one thing Textual cannot do fast enough: a typed character reaches the screen only after
two thread hops, the app's message queues and a frame, 6-7 ms after a terminal's own echo.
`EarlyEcho` shows it on the terminal as it is read, where the note input's last frame says it
will go; the app's frame draws the same cells a moment later (docs/ARCHITECTURE.md, "The path
of a note").
"""

from __future__ import annotations

import os
import re
import selectors
import threading
import time
from codecs import getincrementaldecoder
from collections.abc import Callable
from dataclasses import dataclass, replace

from rich.cells import cell_len
from textual import events
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

from tui.textual_compat import XTermParser, driver_app, output_thread

ESC = "\x1b"
PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
_CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_CSI_PREFIX = re.compile(r"\x1b\[[0-?]*[ -/]*\Z")
_OSC = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_PRINTABLE_RUN = re.compile(r"[^\x00-\x1f\x7f-\x9f]+")
SYNC_BRACKETS = ("\x1b[?2026h", "\x1b[?2026l")
"""Textual writes these around each frame, on their own, where the terminal supports them."""
OSC_LIMIT = 4096
"""An OSC string longer than this without its end is passed on as it is."""
HOLD_SECONDS = 0.05
"""How long a lone Esc, or a sequence cut off by a read, waits for its rest before it is
decided as it is. A link that splits a key's bytes (SSH, tmux relaying a slow terminal) can
leave tens of milliseconds between them; a lone Esc acts this much later (neovim's
`ttimeoutlen` is 50 ms too, Textual's own escape delay 100 ms)."""
ALT_SECONDS = 0.01
"""An Esc and a key read within this of each other are one key, alt+key, as a terminal sends
it. After it, a key read is a key of its own: a person's keys come one to a read."""


class TypedText(Message):
    """Printable characters that arrived together; `number` counts the input messages read so
    far, this one included (set by `EarlyEcho`; None where no terminal numbers them)."""

    def __init__(self, text: str, number: int | None = None) -> None:
        self.text = text
        self.number = number
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


@dataclass(frozen=True)
class EchoSlot:
    """Where typed characters can be shown before the app draws them: the note input's cursor
    cell as its last frame drew it (0-based screen cell), the cells free after it on that
    line, and the terminal codes that frame used for typed text and for the cursor.

    `drawn_through` is the number of the last input message that frame includes: the slot
    holds only while nothing was read after it, or only characters it echoed itself.
    """

    drawn_through: int
    x: int
    y: int
    room: int
    text_codes: tuple[str, str]
    cursor_codes: tuple[str, str]

    def echo(self, text: str) -> str | None:
        """The terminal codes that show `text` typed at the cursor, the cursor after it; None
        when it does not fit, or is not one cell per character (wide or combining)."""
        if not text or len(text) > self.room or cell_len(text) != len(text):
            return None
        (text_on, text_off), (cursor_on, cursor_off) = self.text_codes, self.cursor_codes
        row = self.y + 1
        return (
            f"\x1b[{row};{self.x + 1}H{text_on}{text}{text_off}{cursor_on} {cursor_off}"
            f"\x1b[{row};{self.x + len(text) + 1}H"
        )

    def after(self, text: str, number: int) -> EchoSlot:
        """The slot once `text` (input message `number`) is shown."""
        return replace(self, drawn_through=number, x=self.x + len(text), room=self.room - len(text))


class EarlyEcho:
    """Shows typed characters on the terminal the moment they are read, ahead of the frame.

    The two threads meet under one lock, and the terminal sees their writes in that order:
    - The app's thread writes each frame through `frame`, with the slot that frame leaves:
      where the note input will put the next typed character (or None).
    - The input thread passes each message through `read` before the app gets it. Typed text
      is written at the slot when the slot is current: the frame that made it had handled
      every message read before this one. Anything else clears the slot until the next frame.

    The app's own frame then draws the same cells (and colours a `#tag` as it should). If a
    key the app had not handled yet moved or covered the input, the echo lands where the
    input was and that frame draws over it.
    """

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write
        # Reentrant: a SIGCONT handler writes from the app's thread, maybe inside `frame`.
        self._lock = threading.RLock()
        self._slot: EchoSlot | None = None
        self._read = 0

    def frame(self, data: str, slot: EchoSlot | None) -> None:
        with self._lock:
            self._slot = slot
            self._write(data)

    def passthrough(self, data: str) -> None:
        """Output that draws nothing (a frame's synchronized-update brackets): the slot stays."""
        with self._lock:
            self._write(data)

    def read(self, message: Message) -> None:
        with self._lock:
            self._read += 1
            slot, self._slot = self._slot, None
            if not isinstance(message, TypedText):
                return
            message.number = self._read
            if slot is None or slot.drawn_through != self._read - 1:
                return
            if (shown := slot.echo(message.text)) is not None:
                self._write(shown)
                self._slot = slot.after(message.text, self._read)


class TerminalInput:
    """Decoded terminal text in, messages out, in the order the bytes came.

    State carries across reads: a paste or an escape sequence split between two reads is held
    until the rest arrives (or, for a sequence, until `flush_held` once `wait()` is over; a
    lone Esc at the end of a read too, as it may begin a sequence cut off by the read).

    A lone Esc followed by a read after more than `ALT_SECONDS` is the Esc key, unless that
    read begins with the rest of a sequence: a CSI (`[`, parameters, a final byte: an arrow, a
    mouse report) or an SS3 key (`O` and a final). A person's keys come one to a read, so a
    read holding a whole rest is a terminal's; a lone `[` or `O` is typed (a note may begin
    with either), and so is a rest cut off again that never ends.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.parser = XTermParser()
        self._probe = XTermParser()
        self._clock = clock
        self._held = ""
        self._held_since = 0.0
        self._apart = False
        """What is held is an Esc read alone and, after a pause, the start of a rest."""
        self._paste: list[str] | None = None

    def feed(self, data: str) -> list[Message]:
        held, self._held = self._held, ""
        if held and self._paste is None and (held == ESC or self._apart):
            apart = self._apart or self._clock() - self._held_since > ALT_SECONDS
            self._apart = False
            whole = held + data
            if apart and _CSI_PREFIX.match(whole) and len(whole) > 2:
                self._held, self._apart = whole, True  # "[<35;1": a rest cut off again
                return []
            if apart and not (_CSI.match(whole) or _ss3_key(whole)):
                return _one_key(ESC) + self._decode(held[1:] + data, self._clock())
        return self._decode(held + data, self._held_since if held else self._clock())

    def _decode(self, data: str, since: float) -> list[Message]:
        """`data` from its start; what is held at its end is held `since` then, if it began
        at the start (the rest of what was held), else from now."""
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
            if PASTE_START.startswith(rest) or _CSI_PREFIX.match(rest) or rest == "\x1bO":
                self._hold(rest, since if i == 0 else self._clock())  # cut off by the read
                break
            if csi := _CSI.match(data, i):
                out += self._sequence(csi.group())
                i = csi.end()
            elif data.startswith("\x1b]", i):
                osc = _OSC.match(data, i)
                if osc is None and end - i < OSC_LIMIT:
                    self._hold(rest, since if i == 0 else self._clock())
                    break
                sequence = osc.group() if osc else data[i:]
                out.append(UnknownSequence(sequence))
                i += len(sequence)
            else:
                # The Esc key, alt+key, or SS3 (f1-f4 as ESC O P): Textual's parser decides.
                # An Esc before another is the Esc key alone: the second may begin a sequence
                # (alt+up sent as ESC ESC[A), which must stay whole. So is an Esc before a
                # control key: Esc then Enter or ctrl+l typed quickly lost the Esc (Textual
                # reads ESC CR as Enter), and no key of Fieldnote is alt with a control key.
                # SS3 is `ESC O` and a final character: `ESC O` before an Esc or a control
                # key is alt+shift+o, the key after it left whole.
                after = data[i + 1 : i + 2]
                alone = _control(after)
                ss3 = data.startswith("\x1bO", i) and not _control(data[i + 2 : i + 3])
                size = 3 if ss3 else 1 if alone else 2
                out += _one_key(data[i : i + size])
                i += size
        return out

    def _hold(self, rest: str, since: float) -> None:
        self._held, self._held_since = rest, since

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

    def wait(self) -> float | None:
        """Seconds left before what is held (part of a sequence, or a lone Esc) is decided as
        it is with `flush_held`; None when nothing is."""
        if not self._held or self._paste is not None:
            return None
        return max(0.0, self._held_since + HOLD_SECONDS - self._clock())

    def flush_held(self) -> list[Message]:
        """Nothing more came: what was held is decided as it is (a lone Esc is the Esc key; an
        Esc and a rest begun after a pause, the Esc key and text).
        Textual's own parser is never left holding an Esc (`_one_key`), so it needs no tick.
        A paste waits for its end, whatever it holds (an Esc of its own, a cut end marker):
        the driver calls this after each quiet moment, a slow paste's pauses too."""
        if self._paste is not None:
            return []
        held, self._held = self._held, ""
        if self._apart:
            self._apart = False
            return _one_key(ESC) + self._decode(held[1:], self._clock())
        return _one_key(held) if held else []


def _control(char: str) -> bool:
    """An Esc or a C0 control key (Enter, Tab, ctrl+letter), but ^H: where Backspace sends
    ^H, ESC ^H is alt+Backspace, typed mid-edit, which must not cancel the edit first."""
    return char != "" and ord(char) < 0x20 and char != "\x08"


def _ss3_key(data: str) -> bool:
    """`data` begins with a key sent as SS3 (`ESC O P` is f1), not alt+shift+o and a letter."""
    keys = _one_key(data[:3]) if data.startswith("\x1bO") and len(data) > 2 else []
    return len(keys) == 1 and getattr(keys[0], "key", "") != "alt+shift+o"


def _one_key(keys: str) -> list[Message]:
    """Keys beginning with Esc, decided now (an Esc read alone, then a quiet moment, is the Esc
    key): Textual's parser would hold `ESC x` for its escape delay, waiting for more, while
    the characters typed next, which never pass through it, went ahead; the next Esc then
    turned the held `ESC x` into the text `^x`. An Esc typed to cancel an edit, with the next
    note's first letters right behind it, cancelled the edit after those letters went into it."""
    parser = XTermParser()
    return [*parser.feed(keys), *parser.feed("")]  # "": the end, decide what is held


class FieldnoteDriver(LinuxDriver):
    """Textual's Linux driver with its input loop reading through `TerminalInput`, and guards
    for a terminal that goes away (tmux killing a pane sends SIGHUP, then SIGCONT):

    - The driver answers SIGCONT by starting application mode again, meant for coming back
      from ctrl+z. A SIGCONT that did not follow a suspend started a second input thread,
      which Textual never stopped: the app ended and its process spun on the dead terminal.
      One arriving after the app had stopped application mode to leave started a new output
      thread, which died on the dead terminal; the app then hung for good, waiting for that
      thread to take its last write. Application mode starts again only after a suspend.
    - A read that finds the input ended stops the input loop rather than reading nothing
      again and again, and when the input was a terminal, says it ended (`TerminalClosed`).
      From then on output is dropped: nothing can show it.

    Typed characters are echoed ahead of the app's frame (`EarlyEcho`) where the app offers a
    slot for them (its `echo_slot()`, asked as each frame is written).
    """

    def __init__(self, app, **kwargs) -> None:
        super().__init__(app, **kwargs)
        self._echo = EarlyEcho(super().write)
        self._started = False
        self._suspended = False
        self._terminal_gone = False

    def write(self, data: str) -> None:
        writer = output_thread(self)
        if self._terminal_gone or (writer is not None and not writer.is_alive()):
            return  # queued for a dead output thread, writes would fill its queue and block
        if data in SYNC_BRACKETS:
            self._echo.passthrough(data)
            return
        echo_slot = getattr(driver_app(self), "echo_slot", None)
        self._echo.frame(data, echo_slot() if echo_slot is not None else None)

    def process_message(self, message: Message) -> None:
        self._echo.read(message)
        super().process_message(message)

    def start_application_mode(self) -> None:
        if (self._started and not self._suspended) or self._terminal_gone:
            return  # a SIGCONT that did not follow a suspend
        self._started, self._suspended = True, False
        super().start_application_mode()

    def suspend_application_mode(self) -> None:
        self._suspended = True
        super().suspend_application_mode()

    def close(self) -> None:
        writer = output_thread(self)
        if writer is not None and not writer.is_alive():
            return  # stopping it would wait for room in a queue nothing empties
        super().close()

    def run_input_thread(self) -> None:
        # Textual's input thread runs this (tui/textual_compat.py checks it still does).
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        terminal = TerminalInput()
        decode = getincrementaldecoder("utf-8")(errors="replace").decode
        from_terminal = os.isatty(self.fileno)
        try:
            while not self.exit_event.is_set():
                # What is held waits for its rest, then is decided as it is.
                wait = terminal.wait()
                ready = selector.select(0.1 if wait is None else wait)
                messages: list[Message] = []
                for _key, mask in ready:
                    if mask & selectors.EVENT_READ:
                        try:
                            raw = os.read(self.fileno, 4096)
                        except OSError:  # EIO: the terminal hung up
                            raw = b""
                        if not raw:  # readable yet empty: nothing more will come
                            if from_terminal:  # not /dev/null or a pipe: the terminal ended
                                self._terminal_gone = True
                                self.process_message(TerminalClosed())
                            return
                        messages += terminal.feed(decode(raw))
                if not ready:
                    messages += terminal.flush_held()
                for message in messages:
                    self.process_message(message)
        finally:
            selector.close()
