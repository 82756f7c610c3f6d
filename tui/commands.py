"""Command-palette providers: every action of the current screen, and "Reload keymap".

Textual's palette lists its own system commands (theme, quit, screenshot) but not a screen's
bindings, so `ScreenActions` offers the registry's actions bound on the screen the palette was
opened over, and the app's, each with its active key.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from tui.services.actions import ACTIONS, ActionSpec


class ScreenActions(Provider):
    def _actions(self) -> Iterator[tuple[ActionSpec, DOMNode]]:
        nodes: dict[str, DOMNode] = {}
        for node in (self.screen, self.app):
            # The ids as declared: a keymap changes a binding's keys, never its id.
            for binding in node.BINDINGS:
                if isinstance(binding, Binding) and binding.id:
                    nodes.setdefault(binding.id, node)
        for spec in ACTIONS:
            if spec.id in nodes:
                yield spec, nodes[spec.id]

    def _help(self, spec: ActionSpec) -> str:
        keys_for = getattr(self.app, "keys_for", None)
        keys = keys_for(spec.id) if keys_for else spec.keys
        return f"{keys}  \u00b7  {spec.id}"

    async def discover(self) -> Hits:
        for spec, node in self._actions():
            yield DiscoveryHit(
                spec.description,
                partial(node.run_action, spec.action),
                help=self._help(spec),
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for spec, node in self._actions():
            # Match the id too, so "next_question" finds "Next Q".
            score = max(matcher.match(spec.description), matcher.match(spec.id) * 0.9)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(spec.description),
                    partial(node.run_action, spec.action),
                    text=spec.description,
                    help=self._help(spec),
                )


class KeymapCommands(Provider):
    NAME = "Reload keymap"
    HELP = "Read the keymap files again (an invalid one is reported and the current keys stay)"

    async def discover(self) -> Hits:
        yield DiscoveryHit(self.NAME, self.app.action_reload_keymap, help=self.HELP)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        if (score := matcher.match(self.NAME)) > 0:
            yield Hit(
                score,
                matcher.highlight(self.NAME),
                self.app.action_reload_keymap,
                text=self.NAME,
                help=self.HELP,
            )
