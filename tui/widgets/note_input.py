"""The note input: always focused while live; Enter commits, the first keystroke sets the time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from tui.domain.notes import Note

PLACEHOLDER = 'Type a note, Enter saves.  "quote  > quote  ?follow-up  !emotion  #tag  * star'


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
    """

    class Cancelled(Message):
        """Esc while editing a note: the edit is dropped and the draft comes back."""

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
        self._draft = ""
        self._empty = True
        self._typed: list[str] = []
        """Printable characters received but not inserted yet."""

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

    def flush_typed(self) -> None:
        """Insert the characters still waiting, as one edit at the cursor."""
        if self._typed:
            text = "".join(self._typed)
            self._typed.clear()
            self._replace_via_keyboard(text, *self.selection)
            self._restart_blink()  # as TextArea does for each key: the cursor shows while typing

    def after_typed(self, callback: Callable[..., None], *args: object) -> None:
        """Run `callback` after the keys already queued here, with their text inserted."""

        def in_order() -> None:
            self.flush_typed()
            callback(*args)

        self.call_later(in_order)

    def type_text(self, text: str) -> None:
        """Characters typed (one key, or a burst read together): inserted once the keys
        queued before them are handled."""
        if self.read_only or not text:
            return
        if self.is_blank:
            self._note_first_keystroke()
        if not self._typed:
            self.call_later(self.flush_typed)
        self._typed.append(text)

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            self.type_text(event.character)
            return
        self.flush_typed()
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self._submit()
            return
        if event.key == "escape" and self.editing is not None:
            event.stop()
            event.prevent_default()
            self.cancel_edit()
            return
        # Textual dispatches `_on_key` down the class hierarchy: TextArea's own handler runs
        # next (other keys, e.g. tab), so it is not called here.

    def _on_paste(self, event: events.Paste) -> None:
        self.flush_typed()
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
        self.load_text(note.text)
        self._empty = False
        self.move_cursor(self.document.end)

    def cancel_edit(self) -> None:
        self._leave_edit()
        self.post_message(self.Cancelled())

    def _leave_edit(self) -> None:
        """Back to the draft that was being typed before the edit began."""
        self.editing = None
        self.border_title = None
        self.load_text(self._draft)
        self._draft = ""
        self._empty = not self.text
        self.move_cursor(self.document.end)
