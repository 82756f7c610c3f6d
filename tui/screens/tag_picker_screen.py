"""The tag picker: type to fuzzy-search every codebook tag, Enter applies the highlighted one.

The search runs on a `TagIndex` the caller built once (tui/services/search.py); each keystroke is
one `search` call, never a rebuild. When the top match is only a guess (`enter_choice` decides),
the first Enter puts the likely tags first and asks; the next Enter applies the highlighted one.
Creating a tag is an explicit entry ("create 'xyz'", or its key at any time) that is never
highlighted on its own: a typo that matches nothing cannot create a tag by Enter.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.domain.display_text import tag_label, visible, visible_lines
from tui.domain.notes import clean_tag_name, tag_key
from tui.domain.tags import inline_name_problem
from tui.services.search import EnterChoice, TagIndex, TagMatch, enter_choice
from tui.textual_compat import TextField
from tui.widgets.bindings import bindings_for, once_typed
from tui.widgets.key_bar import KeyBar

MAX_MATCHES = 200
"""Shown at most; an OptionList stays quick well beyond this (docs/ARCHITECTURE.md, "Budgets")."""
CREATE_ID = "\x00create"


@dataclass(frozen=True)
class Picked:
    name: str
    created: bool = False
    """True when the user chose the "create" entry: the tag is not in the codebook yet."""


def match_label(match: TagMatch, style: Style | None = None) -> Text:
    """A match in its tag's colour (if any) with the characters that matched in bold; the
    name is never markup."""
    label = Text(tag_label(match.name), style=style or "", no_wrap=True, overflow="ellipsis")
    for start, end in match.spans:
        label.stylize("bold underline", start, end)
    if match.uses:
        label.append(f"  {match.uses}\u00d7", style="dim")
    return label


class TagPickerScreen(ModalScreen[Picked | None]):
    BINDINGS = bindings_for("picker")

    def __init__(
        self,
        index: TagIndex,
        title: str,
        *,
        allow_create: bool = True,
        tag_styles: dict[str, Style] | None = None,
        excerpt: str = "",
        does: str = "applies",
        counted: str = "",
    ) -> None:
        super().__init__()
        self.does = does
        """What Enter does with the tag, as the hints say it (`removes`, say)."""
        self.counted = counted
        """What the `3×` after a tag counts, as the hint says it (`times applied`); empty
        for an index without counts."""
        self.excerpt = excerpt
        """The words being tagged, shown in the picker: at 80x24 it covers the screen's own."""
        self.index = index
        self.tag_styles = tag_styles or {}
        """`tag_key` -> the tag's codebook colour (tui/widgets/tag_colors.py)."""
        self.title_text = title
        self.allow_create = allow_create
        self.matches: list[TagMatch] = []
        self.create_name: str | None = None
        self.create_problem: str | None = None
        """Why the name typed cannot be a tag (a space, say): said instead of offering it."""
        self.asked_create: str | None = None
        """A name like an existing tag's that the create key was pressed on once: again
        creates it."""
        self.query_text = ""
        self.choosing: EnterChoice | None = None
        """Set by an Enter that asked instead of applying; the next Enter applies."""
        self.moved = False
        """The highlight was moved by a key: Enter applies what it is on."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker-dialog"):
            yield Static(Text(self.title_text), classes="dialog-title")
            if self.excerpt:
                yield Static(
                    Text(f"\u201c{visible(self.excerpt)}\u201d", style="italic"),
                    id="picker-excerpt",
                )
            yield TextField(placeholder="type to search tags", id="picker-input")
            yield OptionList(id="picker-matches")
            yield Static(Text(""), id="picker-hint", classes="dialog-keys")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._search("")

    @property
    def options(self) -> OptionList:
        return self.query_one("#picker-matches", OptionList)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        # The field as it is now: in a burst this message comes after Enter may have
        # searched its text already (`_once_caught_up`), and a search again would undo the
        # question that Enter asked.
        value = self.query_one(Input).value
        if value != self.query_text:
            self._search(value)

    def _search(self, query: str) -> None:
        self.query_text = query
        self.choosing, self.moved, self.asked_create = None, False, None
        self.matches = self.index.search(query, limit=MAX_MATCHES)
        name = clean_tag_name(query)
        new = self.allow_create and bool(name) and not self.index.has_exact(name)
        # Offered only when it can be made: a name refused after the picker closed would
        # take the words typed with it.
        self.create_problem = inline_name_problem(name) if new else None
        self.create_name = name if new and self.create_problem is None else None
        self._show_matches()
        if not self.matches and self.create_name is not None:
            hint = f"No tag matches. {self._create_key()} creates it."
        elif not self.matches:
            hint = "No tag matches." if query.strip() else "The codebook has no tags yet."
        else:
            counts = ""
            if self.counted and any(match.uses for match in self.matches):
                counts = f", n\u00d7 = {self.counted}"
            hint = f"{len(self.matches)} match(es){counts} \u00b7 {self._keys_said()}"
        if self.create_problem is not None:
            hint = f"{hint.rstrip('.')}. {self.create_problem}"
        self._hint(hint)

    def _show_matches(self) -> None:
        styles = self.tag_styles
        options = [
            Option(match_label(m, styles.get(tag_key(m.name))), id=m.name) for m in self.matches
        ]
        if self.create_name is not None:
            label = Text("+ create ", style="italic")
            label.append(f"\u2018{visible(self.create_name)}\u2019", style="bold")
            label.append(f"  {self._create_key()}", style="dim")
            options.append(Option(label, id=CREATE_ID))
        self.options.set_options(options)
        self.options.highlighted = 0 if self.matches else None

    def _create_key(self) -> str:
        return self.app.key_for("picker.create")

    def _keys_said(self) -> str:
        apply, cancel = self.app.key_word("picker.apply"), self.app.key_word("picker.cancel")
        return f"{apply} {self.does} \u00b7 {cancel} cancels"

    def _hint(self, hint: str) -> None:
        # It may quote what was typed or pasted (the character a tag name cannot hold).
        self.query_one("#picker-hint", Static).update(Text(visible_lines(hint)))

    def _ask(self, choice: EnterChoice) -> None:
        """Put the likely tags first, the top one highlighted, and say why nothing applied."""
        self.choosing = choice
        first = {m.name for m in choice.rivals}
        self.matches = [*choice.rivals, *(m for m in self.matches if m.name not in first)]
        self._show_matches()
        self._hint(f"{choice.reason} \u2191\u2193 choose \u00b7 {self._keys_said()}")

    def action_cursor(self, step: int) -> None:
        self._once_caught_up(lambda: self._move(step))

    def _move(self, step: int) -> None:
        options = self.options
        if not options.option_count:
            return
        if options.highlighted is None:
            options.highlighted = 0 if step > 0 else options.option_count - 1
        else:
            options.highlighted = max(0, min(options.option_count - 1, options.highlighted + step))
        self.moved = True

    def action_apply(self) -> None:
        self._once_caught_up(self._apply)

    def action_create(self) -> None:
        self._once_caught_up(self._create)

    def _once_caught_up(self, act) -> None:
        """`act` on the matches of what was typed before its key (`once_typed`): in a burst
        (`excel` then Enter at once) the matches are still those of the text before, and
        their top one is no longer what was asked for."""
        field = self.query_one(Input)

        def caught_up() -> None:
            if field.value != self.query_text:
                self._search(field.value)
            act()

        once_typed([field], caught_up)

    def _apply(self) -> None:
        at = self.options.highlighted
        if at is None:
            self.app.bell()
            return
        option_id = self.options.get_option_at_index(at).id
        if option_id == CREATE_ID:
            self._create()
            return
        if at == 0 and not self.moved and self.choosing is None:
            choice = enter_choice(self.query_text, self.matches)
            if not choice.at_once:
                self._ask(choice)
                return
        self.dismiss(Picked(self.matches[at].name))

    def _create(self) -> None:
        if self.create_name is None:
            self.app.bell()
            if self.create_problem is not None:
                self._hint(self.create_problem)
            elif self.allow_create and clean_tag_name(self.query_text):
                self._hint(
                    f"That tag exists already: {self.app.key_word('picker.apply')} applies it."
                )
            return
        name = self.create_name
        alike = self.index.lookalike(name) if self.asked_create != name else None
        if alike is not None:
            # Two tags that read the same split the codings between them: ask once.
            self.asked_create = name
            self.app.bell()
            self.options.highlighted = next(
                (i for i, m in enumerate(self.matches) if m.name == alike), None
            )
            self.moved = self.options.highlighted is not None
            self._hint(
                f"\u2018{visible(alike)}\u2019 exists and differs only in case, accents or "
                f"separators: {self.app.key_word('picker.apply')} {self.does} it; "
                f"{self._create_key()} again creates "
                f"\u2018{visible(name)}\u2019."
            )
            return
        self.dismiss(Picked(name, created=True))

    def key_description(self, action: str) -> str | None:
        """The key bar's word for Enter: what it does with the tag in this picker."""
        if action != "apply" or self.does == "applies":
            return None
        return self.does.split()[0].capitalize().removesuffix("s")

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # A picker that only chooses among the tags (removing one) offers no new tag.
        return self.allow_create or action != "create"

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.moved = True  # a click picks that very option
        self.action_apply()

    def action_cancel(self) -> None:
        self.dismiss(None)
