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

    def _note_first_keystroke(self) -> None:
        if self._empty:
            self._empty = False
            self.on_started(self.app.now())

    async def _on_key(self, event: events.Key) -> None:
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
        if event.is_printable and not self.text:
            self._note_first_keystroke()
        # Textual dispatches `_on_key` down the class hierarchy: TextArea's own handler runs
        # next and inserts the character, so it is not called here.

    def _on_paste(self, event: events.Paste) -> None:
        if event.text and not self.text:
            self._note_first_keystroke()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if not self.text:
            self._empty = True

    def _submit(self) -> None:
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
