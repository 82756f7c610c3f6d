"""The note input: always focused while live; Enter commits, the first keystroke sets the time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.errors import NoWidget
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import TextArea

from tui.domain.display_text import visible
from tui.domain.notes import MAX_NOTE_CHARS, Note
from tui.terminal_input import EchoSlot
from tui.textual_compat import restart_cursor_blink

ECHO_ROOM = 16
"""Cells offered to the early echo per frame: a frame follows within milliseconds, and each
cell offered is one look at what covers the screen there (~6 us)."""
PLACEHOLDER = 'Type a note, Enter saves. "quote  >quote  ?follow-up  !emotion  #tag  *star'
"""The note syntax, whole in an 80-column terminal (the input's 76 cells there)."""


class NoteInput(TextArea):
    """A multi-line-capable input (a paste keeps every line) where Enter commits.

    The moment of a note is its first keystroke, not its Enter: a quote is typed after it was
    said. That moment is taken from the app's injectable clock when the input goes from empty
    to non-empty, and reported to `on_started`.

    The owner is called back directly (not by message) for the start and for Enter, so both
    take effect in keystroke order: a message would be handled after keys already queued
    behind it, and `ctrl+s` right after Enter would star the note before the one just typed.

    Printable keys that arrive in a burst (a paste outside bracketed-paste mode, a slow paste
    through tmux) are inserted together: every insertion of TextArea re-wraps the whole line,
    so one insertion per key would make typing cost grow with the note's length. Characters
    wait in `_typed` until the keys already queued are handled, and any other key, Enter or
    interview action first inserts what waits (`flush_typed`), so keystroke order holds.

    The terminal echoes typed characters ahead of the frame (`EarlyEcho`) at the slot this
    input offers (`echo_slot`): its cursor as last drawn, when the text typed last is what
    was drawn and the cursor is at the end.
    """

    class Cancelled(Message):
        """Esc while editing a note: the edit is set aside and the draft comes back;
        `changed`: the edit had changed the note's words (`start_edit` on it brings them back)."""

        def __init__(self, changed: bool) -> None:
            self.changed = changed
            super().__init__()

    def __init__(
        self,
        *,
        on_started: Callable[[datetime], None],
        on_submit: Callable[[str, Note | None], None],
        id: str | None = None,
    ) -> None:
        self.on_started = on_started
        self.on_submit = on_submit
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            highlight_cursor_line=False,
            placeholder=PLACEHOLDER,
        )
        self.editing: Note | None = None
        self._set_aside: tuple[str, str] | None = None
        """(note id, words) of the last edit Esc cancelled with its words changed: the next
        edit of that note starts from them, so a habitual Esc loses nothing."""
        self._draft = ""
        self._empty = True
        self._typed: list[str] = []
        """Printable characters received but not inserted yet."""
        self._typed_number: int | None = None
        self._typed_through: int | None = None
        """The input message whose text was inserted last (`TypedText.number`)."""
        self._drawn: tuple[tuple, Strip, int] | None = None
        """The cursor's row as last rendered: the input's state then, the row, its x."""

    @property
    def is_blank(self) -> bool:
        """Nothing typed or waiting; O(1), unlike `not self.text` on a long note."""
        return not self._typed and self.document.end == (0, 0)

    def _note_first_keystroke(self) -> None:
        if self._empty:
            self._empty = False
            self.on_started(self.app.now())

    @property
    def draft(self) -> str:
        """What was typed, characters still waiting included, without editing anything (for a
        rescue file written while handling a bug)."""
        return self.text + "".join(self._typed)

    def in_progress(self) -> tuple[str, tuple[str, str] | None]:
        """The note being typed (set aside while an edit is open) and the edit: the edited
        note's id and its text as it stands. Kept on disk as it changes (`keep_draft`)."""
        if self.editing is None:
            return self.draft, None
        return self._draft, (self.editing.id, self.draft)

    def put_back(self, text: str, editing: Note | None = None, edit_text: str = "") -> None:
        """What a killed instance was typing, as it was: the note, and the edit over it."""
        self.load_text(text)
        self._empty = not text
        if editing is not None:
            self.start_edit(editing)
            self.load_text(edit_text)
        self.move_cursor(self.document.end)

    def flush_typed(self) -> None:
        """Insert the characters still waiting, as one edit at the cursor."""
        if self._typed:
            text = "".join(self._typed)
            self._typed.clear()
            if not self.read_only:
                self.replace(text, *self.selection, maintain_selection_offset=False)
                restart_cursor_blink(self)  # as TextArea does for each key it inserts
            self._typed_through = self._typed_number

    def after_typed(self, callback: Callable[..., None], *args: object) -> None:
        """Run `callback` after the keys already queued here, with their text inserted."""

        def in_order() -> None:
            self.flush_typed()
            callback(*args)

        self.call_later(in_order)

    def take_handed_key(self, event: events.Key) -> None:
        """A key another widget or dialog holding the keys hands on to this input (the parking
        lot, the reopening question): it goes through this input's own queue, so an Enter
        lands after the characters handed on before it."""
        event.stop()
        event.prevent_default()
        if event.is_printable and event.character:
            self.call_later(self.type_text, event.character)
        else:
            self.post_message(events.Key(event.key, event.character))

    def type_text(self, text: str, number: int | None = None) -> None:
        """Characters typed (one key, or a burst read together, input message `number`):
        inserted once the keys queued before them are handled."""
        if self.read_only or not text:
            return
        if self.is_blank:
            self._note_first_keystroke()
        if not self._typed:
            self.call_later(self.flush_typed)
        self._typed.append(text)
        self._typed_number = number

    # -- drawing -----------------------------------------------------------------------------

    def get_line(self, line_index: int) -> Text:
        """A line as drawn: control characters (a pasted `ESC[31m`, an OSC code) show as symbols,
        as in the note stream, so they neither colour the input nor reach the terminal. One
        symbol per character; the text itself stays as pasted; tabs keep the input's stops."""
        # From the document: rich's Text would drop some controls (BEL) out of sight.
        text = self.document.get_line(line_index)
        shown = text if text.isprintable() else "\t".join(map(visible, text.split("\t")))
        return Text(shown, end="", no_wrap=True)

    # -- early echo (tui/terminal_input.py EarlyEcho) ----------------------------------------

    def _echo_state(self) -> tuple:
        """What decides where the next typed character goes on screen."""
        return (
            self.document.end,
            self.selection,
            self.region,
            self.cursor_screen_offset,
            self.has_focus,
            self._typed_through,
        )

    def render_line(self, y: int) -> Strip:
        # TextArea wraps its placeholder to the text's width, and rich raises on a width of 0:
        # a tmux pane squeezed to a few columns by the one beside it ended the instance.
        if self.content_size.width < 1:
            return Strip.blank(0)
        return super().render_line(y)

    def render_lines(self, crop: Region) -> list[Strip]:
        strips = super().render_lines(crop)
        cursor = self.cursor_screen_offset
        x, y = cursor.x - self.region.x - crop.x, cursor.y - self.region.y - crop.y
        if 0 <= y < len(strips) and 0 <= x and x + 1 < crop.width:
            self._drawn = (self._echo_state(), strips[y], x)
        return strips

    def echo_slot(self) -> EchoSlot | None:
        """Where a character typed next shows, as the input was last drawn; None unless the
        text typed last is drawn, nothing else changed since, and the cursor ends the text."""
        drawn = self._drawn
        if drawn is None or self._typed or self._typed_through is None or self.read_only:
            return None
        state, strip, x = drawn
        if state != self._echo_state() or not self.selection.is_empty:
            return None
        if self.selection.end != self.document.end:
            return None
        if not self.document.get_line(self.selection.end[0]).isprintable():
            return None  # drawn as symbols a cell wide (`get_line`): the cursor's cell differs
        cursor = self.cursor_screen_offset
        # Keep a cell for the cursor inside the text's area, as the input wraps before it.
        room = 0
        end = min(self.content_region.right - 1, cursor.x + 1 + ECHO_ROOM)
        for cell in range(cursor.x + 1, end):
            if not self._shows_at(cell, cursor.y):
                break  # covered (a notification)
            room += 1
        if room == 0 or not self._shows_at(cursor.x, cursor.y):
            return None
        console = self.app.console
        return EchoSlot(
            drawn_through=self._typed_through,
            x=cursor.x,
            y=cursor.y,
            room=room,
            text_codes=_codes(strip.crop(x + 1, x + 2), console),
            cursor_codes=_codes(strip.crop(x, x + 1), console),
        )

    def _shows_at(self, x: int, y: int) -> bool:
        try:
            return self.screen.get_widget_at(x, y)[0] is self
        except NoWidget:
            return False

    async def on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            self.type_text(event.character)
            return
        self.flush_typed()
        # ctrl+j is the newline a terminal makes of Enter before the app sets it raw: an Enter
        # typed while `fieldnote open` starts arrives so, and a note has no other newline.
        if event.key in ("enter", "ctrl+j"):
            event.stop()
            event.prevent_default()
            self._submit()
            return
        if event.key == "escape" and self.editing is not None:
            event.stop()
            event.prevent_default()
            self.cancel_edit()
            return
        await self._run_own_binding(event)
        # Textual dispatches a key down the class hierarchy: TextArea's own handler runs
        # next (other keys, e.g. tab), so it is not called here.

    async def _run_own_binding(self, event: events.Key) -> None:
        """Run this input's own binding of `event` (backspace, the arrows, home) now. Left to
        bubble, it ran when the key reached the app, after the keys queued here behind it:
        `x`, backspace and Enter read together saved the `x` and then deleted nothing."""
        bindings = self.screen.active_bindings
        for key in event.aliases:
            active = bindings.get(key)
            if active is not None and active.node is self and active.enabled:
                event.stop()
                event.prevent_default()
                await self.run_action(active.binding.action)
                return

    # TextArea's f6 and f7 select the line and the whole text, and its ctrl+x with nothing
    # selected cuts the line: a note is one line, so one press by habit (f7 once a keymap
    # moves the guide off it, ctrl+x an emacs user's prefix) left the note for the next letter
    # to replace, or took it at once. A note-taker selects with shift and the arrows.

    def action_select_line(self) -> None:
        """Nothing: see above."""

    def action_select_all(self) -> None:
        """Nothing: see above."""

    def action_cut(self) -> None:
        """Cut what is selected; with nothing selected, nothing."""
        if not self.selection.is_empty:
            super().action_cut()

    def on_paste(self, event: events.Paste) -> None:
        self.flush_typed()
        size = len(self.text) - len(self.selected_text) + len(event.text)
        if size > MAX_NOTE_CHARS:  # refused before TextArea lays out megabytes
            event.prevent_default()
            self.notify(
                f"That paste is {len(event.text):,} characters, and a note holds at most "
                f"{MAX_NOTE_CHARS:,}; it was not put in, and is still where you copied it from: "
                "paste it in parts, or attach a transcript with fieldnote attach.",
                severity="warning",
                timeout=10,
                markup=False,
            )
            return
        if event.text and self.is_blank:
            self._note_first_keystroke()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self.is_blank:
            self._empty = True

    def _submit(self) -> None:
        self.flush_typed()
        text = self.text
        if not text.strip():
            return
        if len(text) > MAX_NOTE_CHARS:  # typed in a burst, past the paste check: kept here
            self.notify(
                f"This note is {len(text):,} characters, and a note holds at most "
                f"{MAX_NOTE_CHARS:,}; it is not saved yet and stays here. Cut it down (ctrl+z "
                "takes back what came in last), or attach a transcript with fieldnote attach.",
                severity="error",
                timeout=10,
                markup=False,
            )
            return
        editing = self.editing
        self.on_submit(text, editing)
        if editing is not None:
            self._leave_edit()
        else:
            self.load_text("")
            self._empty = True

    def start_edit(self, note: Note) -> None:
        self.flush_typed()
        if self.editing is None:
            self._draft = self.text
        self.editing = note
        self.border_title = "Editing a note: Enter saves, Esc cancels"
        set_aside, self._set_aside = self._set_aside, None
        self.load_text(set_aside[1] if set_aside and set_aside[0] == note.id else note.text)
        self._empty = False
        self.move_cursor(self.document.end)

    def cancel_edit(self) -> None:
        assert self.editing is not None
        changed = self.text != self.editing.text
        self._set_aside = (self.editing.id, self.text) if changed else None
        self._leave_edit()
        self.post_message(self.Cancelled(changed))

    def _leave_edit(self) -> None:
        """Back to the draft that was being typed before the edit began."""
        self.editing = None
        self.border_title = None
        self.load_text(self._draft)
        self._draft = ""
        self._empty = not self.text
        self.move_cursor(self.document.end)


def _codes(cell: Strip, console) -> tuple[str, str]:
    """The terminal codes a one-cell strip's style opens and closes with, as frames write it."""
    style = next((segment.style for segment in cell), None)
    shown = Strip([Segment("\0", style)]).render(console)
    opening, _, closing = shown.partition("\0")
    return opening, closing


def is_typing(owner: Widget, event: events.Key) -> bool:
    """Is `event` a character typed for the note rather than one of `owner`'s own bindings (a
    keymap may give one a character)? Whoever holds the keys hands such a key on."""
    if not event.is_printable:
        return False
    active = owner.screen.active_bindings.get(event.key)
    return active is None or active.node is not owner


class HandsTypingOn:
    """Mixin of a dialog opened over the interview: a character typed over it (not one of its
    own keys) closes it, dismissing it with `HANDED_ON`, and goes into `typing_goes_to`, the
    note input, with every key after it, so a note-taker typing straight on loses nothing."""

    HANDED_ON: Any = None
    typing_goes_to: NoteInput | None = None
    _handing_over = False

    def on_key(self, event: events.Key) -> None:
        note_input = self.typing_goes_to
        if note_input is None:
            return
        if self._handing_over or is_typing(self, event):  # type: ignore[arg-type]
            if not self._handing_over:
                self._handing_over = True
                self.dismiss(self.HANDED_ON)  # type: ignore[attr-defined]
            note_input.take_handed_key(event)
