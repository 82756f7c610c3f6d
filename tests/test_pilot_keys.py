"""The suite's `Pilot.press` (tests/pilot_keys.py): keys one at a time, each handled in full."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Input, Static


class Field(Screen):
    def compose(self) -> ComposeResult:
        yield Input(id="field")


class Keys(App):
    """Records, for each key it sees, how many messages still waited behind it; `o` opens a
    screen whose field takes the keys after it."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting_behind: list[int] = []

    def compose(self) -> ComposeResult:
        yield Static("home")

    def on_key(self, event) -> None:
        self.waiting_behind.append(self.message_queue_size)
        if event.key == "o" and not isinstance(self.screen, Field):
            self.push_screen(Field())


async def test_each_key_of_a_press_is_handled_before_the_next_is_sent():
    app = Keys()
    async with app.run_test() as pilot:
        await pilot.press("x", "y", "z")
        assert app.waiting_behind == [0, 0, 0]  # not queued behind one another as a burst


async def test_keys_after_one_that_opens_a_screen_reach_that_screens_field():
    app = Keys()
    async with app.run_test() as pilot:
        await pilot.press("o", *"typed", "enter")
        assert app.screen.query_one("#field", Input).value == "typed"
