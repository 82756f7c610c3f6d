"""A keymap with several mistakes reports every one at once, each with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_keymap_ui import build
from tests.waiting import wait_until
from tui.cli import main
from tui.services.keymap import KeymapError, layer_keymaps, read_keymap_file

# Four mistakes (lines 2, 3, 5 and 7) around good lines (1, 4 and 6).
MISTAKES = """\
"home.new" = "a"
"home.nwe" = "b"
"tagging.copy" = "ctrl+nope"
[codebook]
rename = "y"
merge = 3
delete = "y"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def mistakes_of(*paths: Path) -> KeymapError:
    with pytest.raises(KeymapError) as caught:
        layer_keymaps(list(paths))
    return caught.value


def test_every_mistake_of_a_file_is_reported_with_its_line(tmp_path):
    path = write(tmp_path, "mine.toml", MISTAKES)
    error = mistakes_of(path)
    assert [(p.path, p.line) for p in error.problems] == [
        (path, 2),
        (path, 3),
        (path, 6),
        (path, 7),
    ]
    lines = str(error).splitlines()
    assert lines[0].startswith(f"{path}, line 2: ") and '"home.new"' in lines[0]
    assert lines[1].startswith(f"{path}, line 3: ") and "ctrl+nope" in lines[1]
    assert lines[2].startswith(f"{path}, line 6: ") and "codebook.merge" in lines[2]
    assert lines[3].startswith(f"{path}, line 7: ") and '"y" is bound to both' in lines[3]
    assert lines[4] == "4 mistakes in all; fix them and run `fieldnote keys` to check."
    assert (error.path, error.line) == (path, 2)
    with pytest.raises(KeymapError) as read:
        read_keymap_file(path)
    assert len(read.value.problems) == 3  # reading alone cannot see the clash


def test_one_mistake_reads_as_before(tmp_path):
    path = write(tmp_path, "mine.toml", '"home.new" = "a"\n"home.nwe" = "b"\n')
    error = mistakes_of(path)
    assert error.problems == [error]
    assert str(error).startswith(f"{path}, line 2: ") and "\n" not in str(error)


def test_mistakes_in_several_layers_come_in_layer_order(tmp_path):
    preset = write(tmp_path, "preset.toml", '"home.nwe" = "a"\n"home.cursor_down" = "j,nope"\n')
    user = write(tmp_path, "keymap.toml", '\n\n"dialog.confirm" = "ctrl+"\n')
    error = mistakes_of(user, preset)
    assert [(p.path.name, p.line) for p in error.problems] == [
        ("keymap.toml", 3),
        ("preset.toml", 1),
        ("preset.toml", 2),
    ]


def test_a_file_that_is_not_toml_is_one_mistake_and_the_other_layers_are_still_read(tmp_path):
    broken = write(tmp_path, "broken.toml", '"home.new" = \n')
    other = write(tmp_path, "other.toml", '"home.nwe" = "b"\n')
    error = mistakes_of(broken, other)
    assert [(p.path.name, p.line) for p in error.problems] == [
        ("broken.toml", 1),
        ("other.toml", 1),
    ]
    assert "not valid TOML" in error.problems[0].reason


def test_a_clash_with_an_entry_that_was_itself_a_mistake_is_not_reported(tmp_path):
    # Swapping r and n with a typo in one half: the typo is the mistake, not a clash on "r".
    path = write(tmp_path, "mine.toml", '"home.new" = "r"\n"home.refresh" = "n,"\n')
    error = mistakes_of(path)
    assert [(p.line, "empty key" in p.reason) for p in error.problems] == [(2, True)]


def test_fieldnote_keys_prints_each_mistake_on_its_own_line(tmp_path, capsys):
    path = write(tmp_path, "mine.toml", MISTAKES)
    assert main(["keys", "--keymap", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 5
    assert all(line.startswith("fieldnote: ") for line in lines)
    assert [line.split(": ")[1] for line in lines[:4]] == [
        f"{path}, line {n}" for n in (2, 3, 6, 7)
    ]
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_a_reload_s_mistakes_are_a_short_notice_and_f1_lists_them(
    tmp_path, store, clock, session_id, size
):
    """Reload keymap with mistakes in the file listed every one in a notice for 15 s, over
    the interview at 80x24, where the same mistakes at start are a two-line notice and F1's
    list. A reload says it as the start does, that the keys from before stay, and F1 lists
    the reload's mistakes until a reload succeeds."""
    from textual.widgets import Label

    from tui.screens.help_screen import HelpScreen

    path = write(tmp_path, "mine.toml", '"home.new" = "a"\n')
    loader = lambda: layer_keymaps([path])  # noqa: E731
    app = build(store, clock, loader(), session_id=session_id, loader=loader)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.pause()
        path.write_text("".join(f'"home.nope{n}" = "x"\n' for n in range(7)), encoding="utf-8")
        app.action_reload_keymap()
        await wait_until(pilot, lambda: app.screen.query("Toast"))
        await pilot.pause()
        assert app.keymap.overrides() == {"home.new": "a"}  # the keys from before stay
        [notice] = list(app._notifications)
        assert notice.severity == "error"
        assert "not reloaded" in short_notice(app)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        listed = str(app.screen.query_one("#help-mistakes", Label).content)
        assert "not reloaded" in listed and "keys from before stay" in listed
        for n in range(7):
            assert f"{path}, line {n + 1}: " in listed and f"home.nope{n}" in listed
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen))
        path.write_text('"home.new" = "b"\n', encoding="utf-8")
        app.action_reload_keymap()
        await pilot.pause()
        assert app.keymap.overrides() == {"home.new": "b"}
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert not app.screen.query("#help-mistakes")  # fixed: nothing left to list


# An id and a key holding terminal escapes (TOML's \u001b): a colour change and a screen clear.
ESCAPES = '"home.\\u001b[31mred" = "q"\n"home.export" = "\\u001b[2Jx"\n"home.new" = "a"\n'


async def test_escapes_in_a_keymap_are_shown_as_symbols_not_obeyed(tmp_path, store, clock):
    from tui.services.keymap import load_keymap

    path = write(tmp_path, "mine.toml", ESCAPES)
    keymap = load_keymap(str(path), config=tmp_path / "config.toml", lenient=True)
    loader = lambda: layer_keymaps([path])  # noqa: E731
    app = build(store, clock, keymap, loader=loader)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.action_reload_keymap()
        await pilot.pause()
        opened, reloaded = (notice.message for notice in app._notifications)
        for message in (opened, reloaded):  # the list is the help's
            assert "\x1b" not in message and "2 mistakes" in message
        await pilot.press("f1")
        await pilot.pause()
        listed = str(app.screen.query_one("#help-mistakes").content)
        assert "\x1b" not in listed and "not reloaded" in listed  # the reload's mistakes
        assert "home.\u241b[31mred" in listed and "\u241b[2Jx" in listed


def drawn(widget) -> str:
    """The words of what `widget` shows on screen, its border left out: the rows its container
    leaves in view."""
    geometry = widget.screen.find_widget(widget)
    rows = geometry.region.intersection(geometry.clip).height
    strips = widget.render_lines(widget.region.reset_offset)[:rows]
    return " ".join(" ".join(strip.text.replace("\u258c", "") for strip in strips).split())


def short_notice(app) -> str:
    """The keymap's notice as drawn, held to what it must say of `mine.toml`'s 7 mistakes in
    at most five rows, for a notice's usual time: how many, the file, and where the list is."""
    [notice] = list(app._notifications)
    assert notice.timeout <= 10
    [toast] = app.screen.query("Toast")
    shown = drawn(toast)
    assert "7 mistakes" in shown and "mine.toml" in shown
    assert "f1" in shown and "fieldnote keys" in shown
    assert "line 1" not in shown and "nope0" not in shown  # the list is F1's
    geometry = toast.screen.find_widget(toast)
    rows = geometry.region.intersection(geometry.clip).height
    assert rows <= 5, f"the notice takes {rows} rows: {shown}"
    return shown


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_mistakes_are_a_short_notice_and_f1_lists_them(
    tmp_path, store, clock, session_id, size
):
    """The notice listed every mistake for 20 s and covered half an 80x24 interview, over the
    clock's question: now it says which file and how many, and where to read them (F1, or
    `fieldnote keys`), for a notice's usual time; F1 lists them whole."""
    from textual.widgets import Label

    from tui.screens.help_screen import HelpScreen
    from tui.services.keymap import load_keymap

    many = "".join(f'"home.nope{n}" = "x"\n' for n in range(7))
    path = write(tmp_path, "mine.toml", many)
    keymap = load_keymap(str(path), config=tmp_path / "config.toml", lenient=True)
    app = build(store, clock, keymap, session_id=session_id)
    async with app.run_test(size=size, notifications=True) as pilot:
        await wait_until(pilot, lambda: app.screen.query("Toast"))
        await pilot.pause()
        short_notice(app)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        listed = " ".join(str(label.content) for label in app.screen.query(Label))
        for n in range(7):
            assert f"{path}, line {n + 1}: " in listed and f"home.nope{n}" in listed


def test_a_huge_keymap_is_refused_unread(tmp_path):
    """A keymap is a few kilobytes (every key written out is about 6 KB): a file of megabytes
    is the wrong file, and reading it would hold every start."""
    path = write(tmp_path, "mine.toml", "# a comment\n" * 200_000)
    error = mistakes_of(path)
    assert len(error.problems) == 1
    assert str(error).startswith(f"{path}: it is larger than ")
    assert "right file" in str(error)


def test_a_file_of_many_mistakes_reports_the_first_ones_and_where_it_stopped(tmp_path):
    """300,000 unknown ids took 43 s to check (each one's closest ids looked up) and were
    all printed; the first mistakes are enough to see what is wrong."""
    many = "".join(f'"home.nope{n}" = "x"\n' for n in range(1000))
    path = write(tmp_path, "mine.toml", '"home.new" = "a"\n' + many + '"home.code" = "t"\n')
    error = mistakes_of(path)
    *first, last = error.problems
    assert 10 <= len(first) <= 100
    assert [p.line for p in first] == list(range(2, len(first) + 2))
    assert last.line == len(first) + 1
    assert "stopped" in last.reason and "not used" in last.reason
    keymap = layer_keymaps([path], lenient=True)
    assert keymap.keys["home.new"] == "a" and keymap.keys["home.code"] == "c"
    assert len(keymap.problems) == len(error.problems)


def test_the_short_notice_shows_a_file_path_s_escapes_as_symbols(tmp_path):
    """The notice at start and the help name the file of the mistakes: a file's name is
    anyone's, and an escape or line break in it was printed as it is, a terminal code obeyed
    or a third line in a notice of two."""
    from tui.services.keymap import mistakes_said

    path = write(tmp_path, "a\x1b[2Jb\nc.toml", '"home.nope" = "x"\n')
    said = mistakes_said(layer_keymaps([path], lenient=True))
    assert said is not None and "1 mistake in" in said
    assert "\x1b" not in said and "\n" not in said
    assert "\u241b[2Jb" in said
