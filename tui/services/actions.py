"""Every user-facing key binding, by id: the contract between screens, keymaps and help.

Screens build their Textual bindings from this registry (see `tui/widgets/bindings.py`), the
keymap checker validates ids and keys against it and `fieldnote keys` and the help screen print
it. It imports no Textual so the keymap tooling stays light.

Default keys follow two rules (docs/ARCHITECTURE.md, "Keys"): nothing uses ctrl+b (tmux's
prefix), and actions that must work while the note input has focus use keys a text input does
not swallow.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActionSpec:
    id: str
    """Dotted binding id, `screen.name`: the key of a keymap entry."""
    action: str
    """The Textual action the binding runs (`next_question`, `app.quit`)."""
    keys: str
    """Default keys, comma separated, in Textual's key names."""
    description: str
    """Short label for the footer and the help screen."""
    show: bool = True
    """Shown in the footer (every binding is shown on the help screen regardless)."""
    while_typing: bool = False
    """Must work while a text input has focus: bound with priority, so input-swallowed keys
    and printable characters are not allowed."""
    short: str = ""
    """One word for the key bar of a narrow pane, which shortens each description to its first
    word: given where that word does not say what the key does (`Who talks` read `Who`)."""

    @property
    def narrow(self) -> str:
        """The description as the key bar of a narrow pane shows it: one word."""
        return self.short or (self.description.split() or [self.description])[0]

    @property
    def screen(self) -> str:
        return self.id.split(".", 1)[0]


# The screens, in the order the help screen lists them.
SCREENS = {
    "app": "Everywhere",
    "home": "Sessions",
    "interview": "Interview",
    "tagging": "Tagging",
    "picker": "Tag picker",
    "codebook": "Codebook",
    "analysis": "Analysis",
    "agreement": "Agreement between coders",
    "dialog": "Dialogs",
    "export": "Export",
    "quit": "Quitting with unsaved notes",
    "parking": "Parking lot (follow-ups to ask)",
    "debrief": "Debrief",
    "form": "Forms of several fields (a new session, the debrief)",
    "resume": "Reopening a session whose clock paused on close",
    "undecided": "Values a sync could not decide",
}
# Registry screens whose keys are in force at once on one screen of the app, beside each
# screen's own and the app's: the parking lot within the interview, a form's field keys with
# its dialog's. A key given to two of them would reach only one.
IN_FORCE_TOGETHER: tuple[tuple[str, ...], ...] = (
    ("interview", "parking"),
    ("dialog", "form"),
    ("debrief", "form"),
)

ACTIONS: tuple[ActionSpec, ...] = (
    # Everywhere.
    ActionSpec("app.quit", "quit", "ctrl+q", "Quit", while_typing=True),
    ActionSpec("app.help", "help", "f1", "Keys", while_typing=True),
    # Dialogs (new session, recording offset, confirmations).
    ActionSpec("dialog.cancel", "cancel", "escape", "Cancel"),
    # Quitting with unsaved changes.
    ActionSpec("quit.retry", "retry", "r", "Retry"),
    ActionSpec("quit.save_elsewhere", "save_elsewhere", "s", "Save elsewhere"),
    ActionSpec("quit.anyway", "quit_anyway", "q", "Quit anyway"),
    ActionSpec("quit.stay", "stay", "escape", "Stay"),
    ActionSpec("resume.count_away", "count_away", "ctrl+t", "Count the time away"),
    ActionSpec("resume.from_pause", "from_pause", "enter", "Continue from the pause"),
    ActionSpec("resume.keep_paused", "keep_paused", "escape", "Keep it paused", short="Paused"),
    # Sessions (home).
    ActionSpec("home.open", "open_session", "enter", "Open"),
    ActionSpec("home.new", "new_session", "n", "New session"),
    ActionSpec("home.code", "code_session", "c", "Tag"),
    ActionSpec("home.refresh", "refresh", "r", "Refresh", show=False),
    ActionSpec("home.export", "export_session", "e", "Export"),
    ActionSpec("home.export_all", "export_all", "E", "Export all", show=False),
    ActionSpec("home.set_study", "set_study", "s", "Study"),
    ActionSpec("home.set_goal", "set_goal", "g", "Goal"),
    ActionSpec("home.filter_study", "filter_study", "f", "Filter study"),
    ActionSpec("home.analyse", "analyse", "A", "Analysis"),
    ActionSpec("home.rename_person", "rename_person", "p", "Rename person", show=False),
    ActionSpec("home.attach", "attach_transcript", "m", "Attach recording"),
    ActionSpec("home.cursor_down", "cursor_down", "down,j", "Down", show=False),
    ActionSpec("home.cursor_up", "cursor_up", "up,k", "Up", show=False),
    ActionSpec("home.sync", "sync", "S", "Sync"),
    ActionSpec("home.undecided", "undecided", "U", "Undecided", show=False),
    # Interview: everything here works while typing a note.
    ActionSpec("interview.next_question", "next_question", "ctrl+n", "Next Q", while_typing=True),
    ActionSpec(
        "interview.previous_question", "previous_question", "ctrl+p", "Prev Q", while_typing=True
    ),
    ActionSpec("interview.mark_asked", "mark_asked", "ctrl+t", "Asked", while_typing=True),
    ActionSpec("interview.skip_question", "skip_question", "ctrl+g", "Skip", while_typing=True),
    ActionSpec("interview.star_last", "star_last", "ctrl+s", "Star last", while_typing=True),
    ActionSpec("interview.toggle_clock", "toggle_clock", "ctrl+r", "Clock", while_typing=True),
    ActionSpec("interview.set_offset", "set_offset", "ctrl+o", "Offset", while_typing=True),
    ActionSpec("interview.edit_last", "edit_last", "ctrl+l", "Edit last", while_typing=True),
    ActionSpec("interview.delete_last", "delete_last", "f8", "Delete last", while_typing=True),
    ActionSpec("interview.undo_delete", "undo_delete", "f9", "Undo delete", while_typing=True),
    ActionSpec("interview.sessions", "sessions", "f10", "Sessions", while_typing=True),
    ActionSpec("interview.open_tagging", "open_tagging", "f3", "Tag notes", while_typing=True),
    ActionSpec("interview.copy_quote", "copy_quote", "f4", "Copy quote", while_typing=True),
    ActionSpec(
        "interview.switch_speaker",
        "switch_speaker",
        "f5",
        "Who talks",
        while_typing=True,
        short="Speaker",
    ),
    ActionSpec("interview.parking_lot", "parking_lot", "f2", "Parking lot", while_typing=True),
    ActionSpec("interview.end", "end_interview", "f12", "End + debrief", while_typing=True),
    ActionSpec("interview.toggle_guide", "toggle_guide", "f7", "Guide", while_typing=True),
    ActionSpec(
        "interview.scroll_up",
        "scroll_stream(-1)",
        "pageup",
        "Scroll up",
        show=False,
        while_typing=True,
    ),
    ActionSpec(
        "interview.scroll_down",
        "scroll_stream(1)",
        "pagedown",
        "Scroll down",
        show=False,
        while_typing=True,
    ),
)

# Tagging: walk the excerpts of one or several sessions and code them.
ACTIONS += (
    ActionSpec("tagging.tag", "pick_tag", "t,enter", "Tag"),
    ActionSpec("tagging.untag", "untag", "d", "Untag"),
    ActionSpec("tagging.repeat", "repeat_tag", "full_stop", "Repeat on next"),
    ActionSpec("tagging.next_untagged", "next_untagged", "n", "Next untagged"),
    ActionSpec("tagging.span", "toggle_span", "v", "Span"),
    ActionSpec("tagging.copy", "copy_excerpt", "y", "Copy"),
    ActionSpec("tagging.play", "play", "p", "Play"),
    ActionSpec("tagging.verbatim", "verbatim", "V", "Verbatim"),
    ActionSpec("tagging.severity_up", "severity(1)", "plus,equals_sign", "Severity+"),
    ActionSpec("tagging.severity_down", "severity(-1)", "minus", "Severity-"),
    ActionSpec("tagging.filter_untagged", "filter_untagged", "u", "Untagged"),
    ActionSpec("tagging.filter_tag", "filter_tag", "f", "By tag", short="Filter"),
    ActionSpec("tagging.filter_text", "filter_text", "slash", "Search"),
    ActionSpec("tagging.scope", "cycle_scope", "a", "Scope"),
    ActionSpec("tagging.codebook", "open_codebook", "c", "Codebook"),
    ActionSpec("tagging.analyse", "analyse", "A", "Analysis"),
    ActionSpec("tagging.export", "export", "e", "Export"),
    ActionSpec("tagging.back", "back", "escape", "Back"),
    ActionSpec("tagging.cursor_down", "move(1)", "down,j", "Down", show=False),
    ActionSpec("tagging.cursor_up", "move(-1)", "up,k", "Up", show=False),
    ActionSpec("tagging.page_down", "page(1)", "pagedown", "Page down", show=False),
    ActionSpec("tagging.page_up", "page(-1)", "pageup", "Page up", show=False),
    ActionSpec("tagging.first", "first", "home,g", "First", show=False),
    ActionSpec("tagging.last", "last", "end,G", "Last", show=False),
    ActionSpec("tagging.span_extend_char", "span_end(1)", "l,right", "Span +char", show=False),
    ActionSpec("tagging.span_shrink_char", "span_end(-1)", "h,left", "Span -char", show=False),
    ActionSpec("tagging.span_extend_word", "span_end_word(1)", "w", "Span +word", show=False),
    ActionSpec("tagging.span_shrink_word", "span_end_word(-1)", "b", "Span -word", show=False),
    ActionSpec("tagging.span_start_right", "span_start(1)", "L", "Span start +char", show=False),
    ActionSpec("tagging.span_start_left", "span_start(-1)", "H", "Span start -char", show=False),
    ActionSpec(
        "tagging.span_start_word_right", "span_start_word(1)", "W", "Span start +word", show=False
    ),
    ActionSpec(
        "tagging.span_start_word_left", "span_start_word(-1)", "B", "Span start -word", show=False
    ),
    *(
        ActionSpec(f"tagging.recent_{n}", f"apply_recent({n})", str(n), f"Recent tag {n}", False)
        for n in range(1, 10)
    ),
    ActionSpec("tagging.renumber_recent", "renumber_recent", "R", "Renumber recent", show=False),
    # The tag picker: typing goes to its search field, so its keys all have priority.
    ActionSpec("picker.apply", "apply", "enter", "Apply", while_typing=True),
    ActionSpec("picker.down", "cursor(1)", "down", "Next match", while_typing=True),
    ActionSpec("picker.up", "cursor(-1)", "up", "Previous match", while_typing=True),
    ActionSpec("picker.cancel", "cancel", "escape", "Cancel", while_typing=True),
    # ctrl+o, not ctrl+n: ctrl+n moves down in many pickers, and must never create a typo.
    ActionSpec("picker.create", "create", "ctrl+o", "New tag", while_typing=True),
    # The codebook: every tag with its counts; rename, merge, delete, describe.
    ActionSpec("codebook.find", "find", "slash", "Find"),
    ActionSpec("codebook.rename", "rename", "r", "Rename"),
    ActionSpec("codebook.merge", "merge", "m", "Merge into"),
    ActionSpec("codebook.delete", "delete", "x,delete", "Delete"),
    ActionSpec("codebook.undo", "undo", "u", "Undo"),
    ActionSpec("codebook.describe", "describe", "e", "Describe"),
    ActionSpec("codebook.color", "color", "o", "Colour"),
    ActionSpec("codebook.back", "back", "escape", "Back"),
    ActionSpec("codebook.cursor_down", "cursor(1)", "down,j", "Down", show=False),
    ActionSpec("codebook.cursor_up", "cursor(-1)", "up,k", "Up", show=False),
    ActionSpec("codebook.first", "first", "home,g", "First", show=False),
    ActionSpec("codebook.last", "last", "end,G", "Last", show=False),
    # Export: pick a format and a file; the file input has focus at times, hence priority.
    ActionSpec("export.run", "run", "ctrl+s", "Export", while_typing=True),
    ActionSpec("export.cancel", "cancel", "escape", "Close"),
    # What a sync could not decide: keep the merged value or take the other side's.
    ActionSpec("undecided.keep", "settle(False)", "k", "Keep"),
    ActionSpec("undecided.take_other", "settle(True)", "o", "Take the other", short="Theirs"),
    ActionSpec("undecided.back", "back", "escape", "Back"),
    # Yes/no questions (deleting a tag that is in use).
    ActionSpec("dialog.confirm", "confirm", "y", "Yes"),
    # The parking lot, when it has the keys (f2 from the note input); a character typed there
    # goes to the note input, so none of these may be a letter by default.
    ActionSpec("parking.asked", "mark('asked')", "enter", "Asked"),
    ActionSpec("parking.dismiss", "mark('dismissed')", "delete", "Dismiss"),
    ActionSpec("parking.back", "back", "escape", "Back to typing"),
    # The debrief: typing goes to its answer fields, so its keys have priority.
    ActionSpec("debrief.next", "next_answer", "enter", "Next answer", while_typing=True),
    ActionSpec("debrief.save", "save", "ctrl+s", "Save debrief", while_typing=True),
    ActionSpec("debrief.later", "later", "escape", "Later", while_typing=True),
    # Moving between fields, bound above them so a burst of keys lands in order
    # (tui/widgets/bindings.py, FIELD_FOCUS_KEYS).
    ActionSpec("form.next", "app.focus_next", "tab", "Next field", show=False, while_typing=True),
    ActionSpec(
        "form.previous",
        "app.focus_previous",
        "shift+tab",
        "Previous field",
        show=False,
        while_typing=True,
    ),
)

# Analysis: a study's themes, matrix, pairs, who raised what, guide coverage and follow-ups.
ACTIONS += (
    ActionSpec("analysis.themes", "show_part('themes')", "1", "Themes", show=False),
    ActionSpec("analysis.matrix", "show_part('matrix')", "2", "Matrix", show=False),
    ActionSpec("analysis.pairs", "show_part('pairs')", "3", "Pairs", show=False),
    ActionSpec(
        "analysis.grid",
        "show_part('grid')",
        "4",
        "Grid: who raised what",
        show=False,
        short="Grid",
    ),
    ActionSpec("analysis.coverage", "show_part('coverage')", "5", "Guide", show=False),
    ActionSpec("analysis.followups", "show_part('followups')", "6", "Follow-ups", show=False),
    ActionSpec("analysis.open", "open", "enter", "Evidence"),
    ActionSpec("analysis.copy", "copy", "y", "Copy"),
    ActionSpec("analysis.play", "play", "p", "Play"),
    ActionSpec("analysis.sort", "cycle_sort", "s", "Sort"),
    ActionSpec("analysis.reverse", "reverse_sort", "r", "Reverse"),
    ActionSpec("analysis.back", "back", "escape", "Back"),
    ActionSpec("analysis.cursor_down", "cursor(1)", "down,j", "Down", show=False),
    ActionSpec("analysis.cursor_up", "cursor(-1)", "up,k", "Up", show=False),
    ActionSpec("analysis.page_down", "page(1)", "pagedown", "Page down", show=False),
    ActionSpec("analysis.page_up", "page(-1)", "pageup", "Page up", show=False),
    ActionSpec("analysis.first", "edge(False)", "home", "First", show=False),
    ActionSpec("analysis.last", "edge(True)", "end", "Last", show=False),
    # In the bar only where they do something: a table wider than its pane, the grid's cells.
    ActionSpec("analysis.scroll_left", "sideways(-1)", "left", "Scroll left"),
    ActionSpec("analysis.scroll_right", "sideways(1)", "right", "Scroll right"),
)

# Team coding (tui/services/team/): blind coding, and agreement between coders.
ACTIONS += (
    ActionSpec("tagging.blind", "toggle_blind", "o", "Blind"),
    ActionSpec("tagging.agreement", "agreement", "i", "Agreement"),
    ActionSpec("agreement.keep_first", "settle('first')", "a", "Keep A's"),
    ActionSpec("agreement.keep_second", "settle('second')", "b", "Keep B's"),
    ActionSpec("agreement.keep_both", "settle('both')", "equals_sign", "Keep both"),
    ActionSpec("agreement.keep_neither", "settle('neither')", "x", "Keep neither"),
    ActionSpec("agreement.undo", "undo", "u", "Undo settle"),
    ActionSpec("agreement.pair", "next_pair", "p", "Next pair"),
    ActionSpec("agreement.explain", "explain", "question_mark", "Explain"),
    ActionSpec("agreement.back", "back", "escape", "Back"),
    ActionSpec("agreement.cursor_down", "move(1)", "down,j", "Down", show=False),
    ActionSpec("agreement.cursor_up", "move(-1)", "up,k", "Up", show=False),
    # Shown by the codes table itself when it has more codes than rows.
    ActionSpec("agreement.codes_down", "scroll_codes(1)", "pagedown", "Codes down", show=False),
    ActionSpec("agreement.codes_up", "scroll_codes(-1)", "pageup", "Codes up", show=False),
)

# The command palette key. Textual's default (ctrl+p) is the guide's "previous question".
COMMAND_PALETTE_KEY = "ctrl+backslash"

_BY_ID = {spec.id: spec for spec in ACTIONS}


def action_spec(binding_id: str) -> ActionSpec:
    return _BY_ID[binding_id]


def actions_for(screen: str) -> list[ActionSpec]:
    return [spec for spec in ACTIONS if spec.screen == screen]


def binding_ids() -> list[str]:
    return [spec.id for spec in ACTIONS]
