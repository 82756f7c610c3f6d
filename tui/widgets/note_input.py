"""The note input: always focused while live; Enter commits, the first keystroke sets the time."""

from __future__ import annotations

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
    to non-empty, and reported with `Started`.
    """

    class Started(Message):
        def __init__(self, at: datetime) -> None:
            self.at = at
            super().__init__()

    class Submitted(Message):
        def __init__(self, text: str, editing: Note | None) -> None:
            self.text = text
            self.editing = editing
            super().__init__()

    class Cancelled(Message):
        """Esc while editing a note: the edit is dropped and the draft comes back."""

    def __init__(self, *, id: str | None = None) -> None:
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
            self.post_message(self.Started(self.app.now()))

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
        self.post_message(self.Submitted(text, editing))
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
