"""Keys arriving together, as a paste or a slow link delivers them."""

from __future__ import annotations

from textual import events


def queue_keys(app, keys: list[str]) -> None:
    """Post every key at once: none is handled before the last has arrived."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


def fields_typed(texts: list[str], between: str) -> list[str]:
    """The keys of `texts` typed one after another with `between` (tab, enter) between."""
    keys: list[str] = []
    for number, text in enumerate(texts):
        keys += [between] if number else []
        keys += list(text)
    return keys
