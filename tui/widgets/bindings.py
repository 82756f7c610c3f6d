"""Textual bindings built from the action registry (tui/services/actions.py).

Every binding has an id.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from textual.binding import Binding
from textual.widget import Widget

from tui.services.actions import actions_for


def field_focus_keys() -> list[Binding]:
    """Tab and shift+Tab for a form of several fields, bound above them. A burst of keys (a
    paste, keys over a slow link) is handed out to the focused field as it is read: the
    letters after a Tab go to the next field only if the focus moves as the Tab is read, not
    once the field before has handled the letters queued for it (Textual's own Tab binding
    waits for that)."""
    return bindings_for("form")


def once_typed(fields: list[Widget], act: Callable[[], None]) -> None:
    """Call `act` once each of `fields` has handled every key queued for it so far: for a
    key bound above the fields (save, apply) that reads what they hold. In a burst it is read
    before the letters typed ahead of it reach their fields."""
    if not fields:
        act()
    else:
        fields[0].call_later(once_typed, fields[1:], act)


def cancel_only() -> list[Binding]:
    """A dialog's Esc without its `y` (a yes/no question's): a dialog that asks no question
    must not offer it in its key bar."""
    return [b for b in bindings_for("dialog") if b.id == "dialog.cancel"]


def bindings_for(screen: str) -> list[Binding]:
    return [
        Binding(
            spec.keys,
            spec.action,
            spec.description,
            show=spec.show,
            priority=spec.while_typing,
            id=spec.id,
        )
        for spec in actions_for(screen)
    ]


def left_to_screen(widget: Widget, action: str) -> bool:
    """Is a key of `widget`'s own binding for `action` one its screen binds in the keymap in
    force? A table binds Enter and the arrows itself and, focused, would take them from the
    screen: from a keymap that gave Enter to another action of the sessions screen, say. Its
    check_action declines them (the key goes on to the screen), and keeps the others. Asked
    on each refresh of the key bar, so both sets of keys are kept (`FieldnoteApp.screen_keys`)."""
    own = _own_keys(type(widget), action)
    return bool(own) and not own.isdisjoint(widget.app.screen_keys(type(widget.screen)))


@cache
def _own_keys(widget: type[Widget], action: str) -> frozenset[str]:
    return frozenset(
        binding.key
        for binding in widget.BINDINGS
        if isinstance(binding, Binding) and binding.action == action
    )
