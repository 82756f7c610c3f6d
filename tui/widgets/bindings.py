"""Textual bindings built from the action registry (tui/services/actions.py).

Every binding has an id.
"""

from __future__ import annotations

from textual.binding import Binding

from tui.services.actions import actions_for


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
