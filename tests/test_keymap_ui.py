"""Keymaps in the running app: presets applied in Pilot, F1, the palette, reload, the CLI."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.command import CommandList
from textual.dom import DOMNode

import tui.screens
import tui.widgets
from tests.waiting import wait_until
from tui.app import FieldnoteApp
from tui.cli import main
from tui.commands import KeymapCommands, ScreenActions
from tui.screens.help_screen import HelpScreen
from tui.screens.home_screen import HomeScreen
from tui.screens.interview_screen import InterviewScreen
from tui.screens.new_session_screen import NewSessionScreen
from tui.services.actions import ACTIONS, action_spec, binding_ids
from tui.services.keymap import Keymap, layer_keymaps, presets_folder
from tui.services.session_setup import create_session

SIZE = (100, 30)


def preset(name: str) -> Keymap:
    return layer_keymaps([presets_folder() / f"{name}.toml"])


def build(store, clock, keymap: Keymap | None = None, session_id=None, loader=None):
    return FieldnoteApp(
        store,
        author="Maya",
        now=clock,
        session_id=session_id,
        keymap=keymap,
        keymap_loader=loader,
    )


@pytest.fixture(autouse=True)
def no_user_config(tmp_path, monkeypatch):
    """Keep the developer's own config and keymap out of these tests."""
    monkeypatch.setenv("FIELDNOTE_CONFIG", str(tmp_path / "config"))


# -- 1. every user-facing binding has an id --------------------------------------------------


def _classes_with_bindings():
    yield FieldnoteApp
    for package in (tui.screens, tui.widgets):
        for module_info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if (
                    cls.__module__ == module.__name__
                    and issubclass(cls, DOMNode)
                    and "BINDINGS" in cls.__dict__
                ):
                    yield cls


def test_every_binding_of_every_screen_has_a_registered_id():
    walked = list(_classes_with_bindings())
    assert {HomeScreen, InterviewScreen, HelpScreen, FieldnoteApp} <= set(walked)
    seen = set()
    for cls in walked:
        for binding in cls.__dict__["BINDINGS"]:
            where = f"{cls.__module__}.{cls.__name__}: {binding!r}"
            assert isinstance(binding, Binding), f"{where} is not a Binding (it has no id)"
            assert binding.id, f"{where} has no id"
            assert binding.id in binding_ids(), (
                f"{where}: {binding.id} is not in tui/services/actions.py"
            )
            assert binding.key == action_spec(binding.id).keys, where
            seen.add(binding.id)
    unbound = {spec.id for spec in ACTIONS} - seen
    # Ids of screens still being written may not be bound yet; the bound screens are complete.
    bound_screens = {binding_id.split(".")[0] for binding_id in seen}
    assert not {i for i in unbound if i.split(".")[0] in bound_screens}, unbound


def test_fieldnote_keys_lists_every_binding(capsys):
    assert main(["keys"]) == 0
    out = capsys.readouterr().out
    for spec in ACTIONS:
        assert spec.id in out
    assert "home.new" in out and "New session" in out


@pytest.mark.parametrize("preset_name", ["default", "vim", "emacs"])
def test_fieldnote_keys_fits_an_80_column_terminal(capsys, preset_name):
    """A column of screen names as wide as the widest ("Forms of several fields (a new
    session, the debrief)", 54) made every line about 110 wide: at 80 columns each of the 140
    wrapped in two. Each screen is a heading over its keys instead."""
    assert main(["keys", "--keymap", preset_name]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    assert "Sessions" in lines and "Forms of several fields (a new session, the debrief)" in lines
    new = next(i for i, line in enumerate(lines) if line.startswith("  home.new "))
    assert lines.index("Sessions") < new < lines.index("Interview")


def test_fieldnote_keys_shows_the_chosen_preset(capsys):
    assert main(["keys", "--keymap", "vim"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if "home.new " in line)
    assert line.split()[-3:] == ["o", "New", "session"]


# -- 2. each preset applied in Pilot ---------------------------------------------------------


async def test_default_preset_keeps_the_registry_keys(store, clock):
    app = build(store, clock, preset("default"))
    async with app.run_test(size=SIZE) as pilot:
        assert app.keymap.overrides() == {}
        await pilot.press("n")
        assert isinstance(app.screen, NewSessionScreen)


async def test_vim_preset_remaps_new_session_to_o(store, clock):
    app = build(store, clock, preset("vim"))
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen), "the old key still opens a new session"
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, NewSessionScreen)


async def test_emacs_preset_moves_with_ctrl_n_and_not_j(store, clock):
    for n in range(3):
        create_session(store, title=f"Session {n}", now=clock())
    app = build(store, clock, preset("emacs"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("DataTable")
        assert table.row_count == 3 and table.cursor_row == 0
        await pilot.press("j")
        assert table.cursor_row == 0, "the old key still moves the cursor"
        await pilot.press("ctrl+n")
        assert table.cursor_row == 1
        await pilot.press("ctrl+p")
        assert table.cursor_row == 0


async def test_a_user_keymap_remaps_an_interview_key_while_typing(
    tmp_path, store, clock, session_id
):
    path = tmp_path / "mine.toml"
    path.write_text('"interview.next_question" = "f6,ctrl+f6"\n', encoding="utf-8")
    app = build(store, clock, layer_keymaps([path]), session_id=session_id)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, InterviewScreen)
        await pilot.press("a")  # typing in the note input
        assert app.live.guide_state.current == "q1"
        await pilot.press("ctrl+n")
        assert app.live.guide_state.current == "q1", "the old key still moves the guide"
        await pilot.press("f6")
        assert app.live.guide_state.current == "q2"
        assert app.keys_for("interview.next_question") == "f6 ^f6"


def _help_rows(app) -> dict[str, str]:
    return {row.id: row.keys for _, rows in app.screen.sections() for row in rows if row.id}


async def test_f1_shows_the_active_keymap(store, clock):
    app = build(store, clock, preset("vim"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        rows = _help_rows(app)
        assert rows["home.new"] == "o"
        assert rows["home.cursor_down"] == "j ↓"
        assert rows["interview.next_question"] == "^n"
        assert set(rows) == set(binding_ids())


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_f1_says_which_keymap_is_in_force_and_where_your_own_keys_go(
    tmp_path, store, clock, size
):
    from tui.services.keymap import load_keymap

    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir()
    (config.parent / "keymap.toml").write_text('"home.code" = "t"\n', encoding="utf-8")
    app = build(store, clock, load_keymap("vim", config=config))
    async with app.run_test(size=size) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        said = " ".join(str(app.screen.query_one("#help-keymap").render()).split())
        assert "the vim preset" in said
        assert f"{config.parent / 'keymap.toml'}" in said
        assert "Reload keymap" in said


@pytest.mark.parametrize(
    "mine, new, code", [("", "n", "c"), ('"home.new" = "a"\n"home.code" = "t"\n', "a", "t")]
)
async def test_a_remapped_key_keeps_its_place_in_the_key_bar(
    tmp_path, store, clock, mine, new, code
):
    """Textual re-adds a remapped binding after the others; on a short terminal, whose key bar
    is one line, the keys a user chose would be the ones cut for "more"."""
    from tui.widgets.key_bar import KeyBar

    path = tmp_path / "mine.toml"
    path.write_text(mine, encoding="utf-8")
    app = build(store, clock, layer_keymaps([path]))
    async with app.run_test(size=(80, 16)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.pause()
        shown = str(app.screen.query_one(KeyBar).render())
        assert shown.startswith(f"\u23ce Open  {new} New session  {code} Tag  "), shown


async def test_a_key_moved_onto_a_tables_own_key_reaches_its_binding(tmp_path, store, clock):
    """The sessions list's table binds Enter, up and down itself; as the focused widget it
    took Enter from the screen even once a keymap gave Enter to another action."""
    from tui.services.session_setup import create_session

    create_session(store, title="One")
    mine = tmp_path / "mine.toml"
    mine.write_text('"home.open" = "o"\n"home.new" = "enter"\n', encoding="utf-8")
    app = build(store, clock, layer_keymaps([mine]))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, HomeScreen))
        assert isinstance(app.screen, NewSessionScreen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, InterviewScreen))


async def test_a_table_reads_its_screens_keys_once_per_keymap(tmp_path, store, clock):
    """The table asks whether the screen binds a key on each refresh of the key bar: the
    screen's keys are worked out once for the keymap in force, and again once it changes."""
    from tui.services.session_setup import create_session
    from tui.widgets.row_table import RowTable

    create_session(store, title="One")
    app = build(store, clock, layer_keymaps([]))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        table = app.screen.query_one(RowTable)
        asked = []
        keys_in_force = app.keys_in_force
        app.keys_in_force = lambda binding_id: asked.append(binding_id) or keys_in_force(binding_id)
        assert table.check_action("select_cursor", ()) is False  # Enter opens ("home.open")
        asked_once = len(asked)
        for _ in range(3):
            assert table.check_action("select_cursor", ()) is False
        assert len(asked) == asked_once
        mine = tmp_path / "mine.toml"
        mine.write_text('"home.open" = "o"\n', encoding="utf-8")
        app.apply_keymap(layer_keymaps([mine]))  # no key of the screen's is Enter now
        assert table.check_action("select_cursor", ()) is not False
        await wait_until(pilot, lambda: table.row_count == 1)  # listed by a worker
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, InterviewScreen))


# -- the palette -----------------------------------------------------------------------------


async def _palette_hits(provider_cls, app, query: str | None = None) -> list:
    provider = provider_cls(app.screen)
    if query is None:
        return [hit async for hit in provider.discover()]
    return [hit async for hit in provider.search(query)]


async def test_the_palette_offers_every_action_of_the_current_screen(store, clock, session_id):
    app = build(store, clock, preset("emacs"), session_id=session_id)
    async with app.run_test(size=SIZE) as pilot:
        hits = await _palette_hits(ScreenActions, app)
        names = {str(hit.display) for hit in hits}
        expected = {s.description for s in ACTIONS if s.screen in ("interview", "app")}
        assert expected <= names
        assert "New session" not in names  # a home-screen action
        system = [command.title for command in app.get_system_commands(app.screen)]
        assert "Theme" in system and not {"Quit", "Keys"} & set(system)  # no twins
        next_q = next(hit for hit in hits if str(hit.display) == "Next Q")
        assert next_q.help.startswith("^n")
        # Running it from the palette does what the key does.
        await pilot.press("ctrl+backslash")
        await pilot.pause()
        for character in "Next Q":
            await pilot.press("space" if character == " " else character)
        results = app.screen.query_one(CommandList)
        await wait_until(pilot, lambda: results.highlighted is not None)
        assert "Next Q" in str(results.get_option_at_index(results.highlighted).prompt)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, InterviewScreen))
        assert app.live.guide_state.current == "q2"


async def test_reload_keymap_applies_the_edited_file(tmp_path, store, clock):
    path = tmp_path / "mine.toml"
    path.write_text('"home.new" = "a"\n', encoding="utf-8")
    loader = lambda: layer_keymaps([path])  # noqa: E731
    app = build(store, clock, loader(), loader=loader)
    async with app.run_test(size=SIZE) as pilot:
        path.write_text('"home.new" = "b"\n', encoding="utf-8")
        [hit] = await _palette_hits(KeymapCommands, app, "reload keymap")
        hit.command()
        await pilot.pause()
        assert app.keymap.overrides() == {"home.new": "b"}
        await pilot.press("a")
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, NewSessionScreen)


# -- 3. a bad keymap: reload keeps the previous one, the CLI exits non-zero ------------------


async def test_a_bad_reload_is_reported_and_the_previous_keymap_stays(tmp_path, store, clock):
    path = tmp_path / "mine.toml"
    path.write_text('"home.new" = "a"\n', encoding="utf-8")
    loader = lambda: layer_keymaps([path])  # noqa: E731
    app = build(store, clock, loader(), loader=loader)
    async with app.run_test(size=SIZE) as pilot:
        path.write_text('"home.new" = "a"\n"home.nwe" = "b"\n', encoding="utf-8")
        app.action_reload_keymap()
        await pilot.pause()
        assert app.keymap.overrides() == {"home.new": "a"}
        [notice] = list(app._notifications)
        assert notice.severity == "error"
        assert notice.title == "Keymap not reloaded" and "1 mistake in " in notice.message
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        listed = str(app.screen.query_one("#help-mistakes").content)
        assert f"{path}, line 2" in listed and "keys from before stay" in listed
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, NewSessionScreen)


@pytest.mark.parametrize(
    "text, line, says",
    [
        ('"home.nwe" = "x"\n', 1, "not a binding id"),
        ('\n"home.new" = "ctrl+nope"\n', 2, "not a key"),
        ('"home.refresh" = "r"\n"home.new" = "r"\n', 2, "bound to both"),
        ('"home.new" = \n', 1, "not valid TOML"),
    ],
)
def test_fieldnote_keys_with_a_bad_keymap_exits_non_zero(tmp_path, capsys, text, line, says):
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    assert main(["keys", "--keymap", str(bad)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"fieldnote: {bad}, line {line}: ")
    assert says in captured.err


BROKEN_KEYMAP = (
    '"home.nwe" = "x"\n'  # no such id
    '"interview.star_last" = "ctrl+shift"\n'  # no such key
    '"interview.next_question" = "f6"\n'  # fine: kept
    '"interview.mark_asked" = "f2"\n'  # the parking lot's key: keeps its default
)


def test_open_with_a_broken_keymap_opens_with_the_defaults_and_says_why(
    tmp_path, capsys, monkeypatch, store, clock, session_id
):
    """An invalid keymap never stands between a note-taker and an interview."""
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    monkeypatch.setenv("FIELDNOTE_CONFIG", str(tmp_path / "config"))
    bad = tmp_path / "bad.toml"
    bad.write_text(BROKEN_KEYMAP, encoding="utf-8")
    opened: list[FieldnoteApp] = []
    monkeypatch.setattr(FieldnoteApp, "run", lambda app: opened.append(app))
    assert main(["open", session_id, "--keymap", str(bad)]) == 0
    err = capsys.readouterr().err
    for line in (1, 2, 4):
        assert f"fieldnote: {bad}, line {line}: " in err
    assert "default keys" in err
    (app,) = opened
    keys = app.keymap.keys
    assert keys["interview.next_question"] == "f6"
    assert keys["interview.star_last"] == "ctrl+s" and keys["interview.mark_asked"] == "ctrl+t"


async def test_the_keymap_mistakes_show_on_the_screen_and_the_defaults_work(
    tmp_path, store, clock, session_id
):
    from tui.services.keymap import load_keymap

    bad = tmp_path / "bad.toml"
    bad.write_text(BROKEN_KEYMAP, encoding="utf-8")
    keymap = load_keymap(str(bad), config=tmp_path / "config.toml", lenient=True)
    app = build(store, clock, keymap, session_id=session_id)
    shown: list[str] = []
    original = app.notify
    app.notify = lambda message, **kw: (shown.append(message), original(message, **kw))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen)
        assert any("mistake" in m and "bad.toml" in m and "f1" in m for m in shown)
        await pilot.press(*"a note", "enter", "ctrl+s", "f6")
        await pilot.pause()
        assert app.live.notes[-1].starred and app.live.guide_state.current == "q2"


async def test_no_keymap_takes_enter_or_backspace_from_the_note(tmp_path, store, clock, session_id):
    from tui.services.keymap import load_keymap

    mine = tmp_path / "mine.toml"
    mine.write_text(
        '"interview.star_last" = "enter"\n"interview.delete_last" = "backspace"\n',
        encoding="utf-8",
    )
    keymap = load_keymap(str(mine), config=tmp_path / "config.toml", lenient=True)
    app = build(store, clock, keymap, session_id=session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"first", "enter", *"a notx", "backspace", "e", "enter")
        await pilot.pause()
        assert sorted((n.text, n.starred) for n in app.live.notes) == [
            ("a note", False),
            ("first", False),
        ]


async def test_no_keymap_takes_a_letter_from_the_note(tmp_path, store, clock, session_id):
    """A letter on a key that works while typing would never be typed: "fix" saved as "fi"."""
    from tui.services.keymap import load_keymap

    mine = tmp_path / "mine.toml"
    mine.write_text('"interview.star_last" = "x"\n"app.help" = "?"\n', encoding="utf-8")
    keymap = load_keymap(str(mine), config=tmp_path / "config.toml", lenient=True)
    app = build(store, clock, keymap, session_id=session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"first", "enter", *"fix it?", "enter")
        await pilot.pause()
        assert sorted((n.text, n.starred) for n in app.live.notes) == [
            ("first", False),
            ("fix it?", False),
        ]
        assert isinstance(app.screen, InterviewScreen)


@pytest.mark.parametrize("mine", ["", '"interview.toggle_guide" = "f6"\n'])
@pytest.mark.parametrize("key", ["f6", "f7", "ctrl+x"])
async def test_no_key_left_unbound_selects_the_note_for_the_next_letter_to_replace(
    tmp_path, store, clock, session_id, mine, key
):
    """The note input's own f6 and f7 (select the line, select all) and ctrl+x with nothing
    selected (cut the line, an emacs user's prefix) took the whole note: the next letter typed
    replaced it, or it was gone at once. f7 is the guide's by default, so a keymap that moves
    the guide handed f7 back to the input, and a press by habit ate the note."""
    from tui.services.keymap import load_keymap

    path = tmp_path / "mine.toml"
    path.write_text(mine, encoding="utf-8")
    keymap = load_keymap(str(path), config=tmp_path / "config.toml", lenient=True)
    app = build(store, clock, keymap, session_id=session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"she said so", key, *"!", "enter")
        await pilot.pause()
        assert [n.text for n in app.live.notes] == ["she said so!"]


def test_a_broken_config_file_says_how_to_go_on(tmp_path, capsys, monkeypatch, store, session_id):
    """config.toml names the keymap and who you are; a mistake in it stops a command that
    signs notes (the name is unknown), and the sentence says how to go on."""
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "config.toml").write_text("keymap = \n", encoding="utf-8")
    monkeypatch.setenv("FIELDNOTE_CONFIG", str(config))
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    monkeypatch.delenv("FIELDNOTE_AUTHOR", raising=False)
    assert main(["note", session_id, "a note"]) == 1
    err = capsys.readouterr().err
    assert f"{config / 'config.toml'}, line 1: not valid TOML" in err
    assert "FIELDNOTE_AUTHOR" in err


def test_a_missing_preset_opens_with_the_default_one(tmp_path):
    from tui.services.keymap import load_keymap

    keymap = load_keymap("nosuch", config=tmp_path / "config.toml", lenient=True)
    assert keymap.keys["app.quit"] == "ctrl+q"
    assert "no such keymap" in keymap.problems[0]


def test_keymap_option_on_every_ui_command():
    from tui.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["--keymap", "vim"]).keymap == "vim"
    assert parser.parse_args(["demo", "--keymap", "vim"]).keymap == "vim"
    assert parser.parse_args(["open", "x", "--keymap", "emacs"]).keymap == "emacs"
    assert parser.parse_args(["code", "--keymap", "vim"]).keymap == "vim"
    assert parser.parse_args(["--keymap", "vim", "open", "x"]).keymap == "vim"
    assert parser.parse_args(["open", "x"]).keymap is None


def test_warnings_are_printed_by_keys(tmp_path, capsys):
    mine = tmp_path / "mine.toml"
    mine.write_text('"home.new" = "ctrl+b"\n', encoding="utf-8")
    assert main(["keys", "--keymap", str(mine)]) == 0
    assert "tmux" in capsys.readouterr().err


def test_the_user_keymap_beside_the_config_is_layered(tmp_path, capsys, monkeypatch):
    config = Path(tmp_path / "cfg" / "config.toml")
    config.parent.mkdir()
    config.write_text('keymap = "vim"\n', encoding="utf-8")
    (config.parent / "keymap.toml").write_text('"home.code" = "t"\n', encoding="utf-8")
    monkeypatch.setenv("FIELDNOTE_CONFIG", str(config.parent))
    assert main(["keys"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert next(line for line in lines if "home.code " in line).split()[-2] == "t"
    assert next(line for line in lines if "home.new " in line).split()[-3] == "o"


async def test_emacs_preset_s_cancel_key_does_not_skip_a_guide_question(store, clock, session_id):
    """ctrl+g cancels everywhere under the emacs preset, but in the interview it skipped the
    current question: an emacs user's reflex, mid-note, marked Q3 skipped for both note-takers.
    The preset gives the skip alt+g; ctrl+g mid-note changes nothing."""
    app = build(store, clock, preset("emacs"), session_id=session_id)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, InterviewScreen)
        await pilot.press(*"the gate list")
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert app.live.guide_state.marks == {}
        assert app.screen.note_input.text == "the gate list"
        await pilot.press("alt+g")
        await pilot.pause()
        assert app.live.guide_state.marks == {"q1": "skipped"}
        assert app.screen.note_input.text == "the gate list"
