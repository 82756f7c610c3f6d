"""The keymap loader and checker: presets, layering, config, every error with file and line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.services.actions import ACTIONS, COMMAND_PALETTE_KEY, action_spec, binding_ids
from tui.services.keymap import (
    NAMED_KEYS,
    KeymapError,
    character_key,
    key_lines,
    keymap_toml,
    layer_keymaps,
    load_keymap,
    normalize_key,
    normalize_keys,
    preset_names,
    presets_folder,
    read_keymap_file,
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(*paths: Path) -> KeymapError:
    with pytest.raises(KeymapError) as caught:
        layer_keymaps(list(paths))
    return caught.value


# -- layering of the modules -----------------------------------------------------------------


@pytest.mark.parametrize("module", ["tui.services.keymap", "tui.services.actions"])
def test_keymap_tooling_imports_no_textual(module):
    code = (
        f"import sys, {module}\n"
        "from tui.services.keymap import load_keymap\n"
        "load_keymap('vim', config=__import__('pathlib').Path('/nonexistent/config.toml'))\n"
        "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if 'textual' in m)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# -- presets ---------------------------------------------------------------------------------


def test_presets_ship():
    assert {"default", "vim", "emacs"} <= set(preset_names())


def test_default_preset_is_the_registry():
    path = presets_folder() / "default.toml"
    entries = read_keymap_file(path)
    assert sorted(entries) == sorted(binding_ids()), (
        "keymaps/default.toml and tui/services/actions.py list different ids; "
        "regenerate it with `fieldnote keys --keymap default --toml`"
    )
    for binding_id, (keys, _origin) in entries.items():
        assert keys == normalize_keys(action_spec(binding_id).keys), binding_id
    assert layer_keymaps([path]).overrides() == {}


@pytest.mark.parametrize("name", ["default", "vim", "emacs"])
def test_each_preset_is_valid_quiet_and_free_of_ctrl_b(name):
    keymap = layer_keymaps([presets_folder() / f"{name}.toml"])
    assert keymap.warnings == []
    assert all("ctrl+b" not in keys.split(",") for keys in keymap.keys.values())


@pytest.mark.parametrize("name", ["vim", "emacs"])
def test_presets_leave_the_interview_keys_alone(name):
    """The live note input keeps plain typing: interview keys stay ctrl and function keys."""
    keymap = layer_keymaps([presets_folder() / f"{name}.toml"])
    for spec in ACTIONS:
        if spec.screen == "interview":
            for key in keymap.keys[spec.id].split(","):
                assert "+" in key or key in NAMED_KEYS, (spec.id, key)


def test_vim_and_emacs_change_something_the_default_does_not():
    vim = layer_keymaps([presets_folder() / "vim.toml"]).overrides()
    emacs = layer_keymaps([presets_folder() / "emacs.toml"]).overrides()
    assert vim["home.new"] == "o" and vim["home.cursor_down"].startswith("j")
    assert emacs["home.cursor_down"].startswith("ctrl+n")


def test_registry_defaults_are_valid_and_quiet():
    keymap = layer_keymaps([])
    assert keymap.overrides() == {} and keymap.warnings == [] and keymap.sources == []


# The words a narrow pane's key bar would show alone: none says what a key does.
FUNCTION_WORDS = {
    *("a an the this that it its".split()),
    *("who what which when where why how".split()),
    *("to of in on at by for from with into onto as".split()),
    *("and or not if".split()),
    *("take get put make do go let have be".split()),
}


def test_each_binding_says_what_it_does_in_the_one_word_of_a_narrow_pane():
    # The key bar of a narrow pane shortens each description to its first word: "Who talks"
    # read "f5 Who", "Take the other" "o Take", "By tag" "f By".
    for spec in ACTIONS:
        word = spec.narrow
        assert word and len(word.split()) == 1, spec.id
        assert word.lower() not in FUNCTION_WORDS, (spec.id, word)
    assert action_spec("interview.switch_speaker").narrow == "Speaker"
    assert action_spec("interview.star_last").narrow == "Star"  # the first word, when it says it


def test_keys_toml_output_reads_back_as_the_same_keymap(tmp_path):
    vim = layer_keymaps([presets_folder() / "vim.toml"])
    path = write(tmp_path, "mine.toml", keymap_toml(vim))
    assert layer_keymaps([path]).keys == vim.keys


# -- key names -------------------------------------------------------------------------------


def test_key_names_match_textual():
    from textual.keys import Keys, _character_to_key

    textual_keys = {key.value for key in Keys if not key.value.startswith("<")} - {"ctrl-at"}
    for key in textual_keys:
        assert normalize_key(key) == key, key
    bases = {key.rsplit("+", 1)[-1] for key in textual_keys}
    assert NAMED_KEYS <= bases, NAMED_KEYS - bases
    for code in range(33, 127):
        assert character_key(chr(code)) == _character_to_key(chr(code)), chr(code)


def test_the_keys_sent_without_a_keyboard_protocol_match_textual():
    from textual.keys import Keys

    from tui.services.keymap import LEGACY_MODIFIED

    assert {key.value for key in Keys if "+" in key.value} == LEGACY_MODIFIED


def test_key_normalization():
    assert normalize_keys(" ctrl+n , f6 ") == "ctrl+n,f6"
    assert normalize_keys("/,?,G,.") == "slash,question_mark,G,full_stop"
    assert normalize_key("alt+shift+g") == "alt+shift+g"
    assert normalize_key(COMMAND_PALETTE_KEY) == "ctrl+backslash"


@pytest.mark.parametrize(
    "key, says",
    [
        ("ctrl+", "not a key"),
        ("ctl+n", '"ctl" is not a modifier'),
        ("shift+ctrl+n", "ctrl+shift+n"),
        ("ctrl+ctrl+n", "repeats"),
        ("shift+g", '"G"'),
        ("ctrl+N", "lower case"),
        ("f25", "not a key"),
        ("pgup", "not a key"),
        ("", "empty key"),
        ("ctrl++", "plus"),
    ],
)
def test_malformed_keys_say_what_is_wrong(key, says):
    with pytest.raises(ValueError, match=None) as caught:
        normalize_key(key)
    assert says in str(caught.value)


# -- errors name the file and the line -------------------------------------------------------


def test_unknown_id_names_file_line_and_suggests(tmp_path):
    path = write(tmp_path, "mine.toml", '# my keys\n"app.quit" = "ctrl+q"\n"home.nwe" = "a"\n')
    error = error_of(path)
    assert str(error).startswith(f"{path}, line 3: ")
    assert '"home.nwe" is not a binding id' in str(error)
    assert '"home.new"' in str(error)
    assert error.line == 3


def test_unknown_id_without_close_match_points_to_keys_command(tmp_path):
    path = write(tmp_path, "mine.toml", '"zzzz" = "a"\n')
    assert "fieldnote keys" in str(error_of(path))


def test_malformed_key_names_file_and_line(tmp_path):
    path = write(tmp_path, "mine.toml", '\n\n"interview.next_question" = "ctrl+n,ctlr+j"\n')
    error = error_of(path)
    assert str(error).startswith(f"{path}, line 3: interview.next_question")
    assert '"ctlr" is not a modifier' in str(error)


def test_two_ids_on_one_key_in_one_screen_names_file_and_line(tmp_path):
    path = write(tmp_path, "mine.toml", '[home]\nrefresh = "f5"\nnew = "j"\n')
    error = error_of(path)
    assert str(error).startswith(f"{path}, line 3: ")
    assert "home.new and home.cursor_down" in str(error)
    assert "Sessions screen" in str(error)


def test_two_ids_set_in_one_file(tmp_path):
    path = write(tmp_path, "mine.toml", '"quit.retry" = "x"\n"quit.anyway" = ["x"]\n')
    error = error_of(path)
    assert str(error).startswith(f"{path}, line 2: ")
    assert '"x" is bound to both quit.anyway and quit.retry' in str(error)


def test_app_keys_clash_with_every_screen(tmp_path):
    path = write(tmp_path, "mine.toml", '"interview.delete_last" = "f1"\n')
    error = error_of(path)
    assert str(error).startswith(f"{path}, line 1: ")
    assert "interview.delete_last and app.help" in str(error)


def test_the_palette_key_is_taken(tmp_path):
    path = write(tmp_path, "mine.toml", '"home.new" = "ctrl+backslash"\n')
    assert "command palette" in str(error_of(path))


def test_same_key_on_different_screens_is_fine(tmp_path):
    path = write(tmp_path, "mine.toml", '"home.new" = "x"\n"quit.retry" = "x"\n')
    assert layer_keymaps([path]).overrides() == {"home.new": "x", "quit.retry": "x"}


@pytest.mark.parametrize(
    "text, clash",
    [
        # The parking lot sits in the interview, whose f8 (priority) would delete a note.
        ('"parking.dismiss" = "f8"\n', "parking.dismiss and interview.delete_last"),
        # A new session's fields are in a dialog: Esc would never cancel it.
        ('"form.next" = "escape"\n', "form.next and dialog.cancel"),
        # The debrief's fields: Enter would never move to the next answer.
        ('"form.next" = "enter"\n', "form.next and debrief.next"),
    ],
)
def test_keys_in_force_together_clash_across_their_registry_screens(tmp_path, text, clash):
    path = write(tmp_path, "mine.toml", text)
    assert clash in str(error_of(path))


def test_swapping_two_keys_is_fine(tmp_path):
    path = write(tmp_path, "mine.toml", '"home.cursor_down" = "k"\n"home.cursor_up" = "j"\n')
    assert layer_keymaps([path]).keys["home.cursor_down"] == "k"


def test_invalid_toml_names_file_and_line(tmp_path):
    path = write(tmp_path, "mine.toml", '"home.new" = "a"\n"home.code" = = "c"\n')
    error = error_of(path)
    assert str(error).startswith(f"{path}, line 2: not valid TOML")


def test_an_id_set_twice_says_so_and_what_to_do(tmp_path):
    """TOML refuses a key set twice with "Cannot overwrite a value": the sentence says which
    id, that none of the file is used, and what to write."""
    path = write(tmp_path, "mine.toml", '"home.new" = "a"\n"home.code" = "t"\n"home.new" = "b"\n')
    message = str(error_of(path))
    assert message.startswith(f"{path}, line 3: not valid TOML")
    assert "home.new is set twice" in message
    assert "none of this file is used" in message


def test_a_value_that_is_not_keys(tmp_path):
    path = write(tmp_path, "mine.toml", '"home.new" = 5\n')
    assert str(error_of(path)).startswith(f"{path}, line 1: ")


def test_missing_keymap_file_and_unknown_preset(tmp_path):
    with pytest.raises(KeymapError, match="no such keymap; use a preset"):
        load_keymap("vi", config=tmp_path / "config.toml")
    with pytest.raises(KeymapError, match="no such keymap"):
        load_keymap(str(tmp_path / "gone.toml"), config=tmp_path / "config.toml")


def test_key_lines_follow_tables_and_dotted_keys():
    text = (
        '"app.quit" = "ctrl+q"\n'
        "home.new = 'n'  # dotted\n"
        "[interview]\n"
        'next_question = "f6"\n'
        "  'previous_question' = \"f7\"\n"
    )
    assert key_lines(text) == {
        "app.quit": 1,
        "home.new": 2,
        "interview": 3,
        "interview.next_question": 4,
        "interview.previous_question": 5,
    }


def test_key_lines_read_escapes_in_quoted_keys_as_toml_does(tmp_path):
    """An id written with TOML escapes (\\u0065 for e, \\" for a quote) is blamed on its own
    line, not on the first."""
    path = tmp_path / "mine.toml"
    path.write_text(
        '"home.new" = "a"\n"home.r\\u0065fresh" = "ctrl+nope"\n"home.\\"x" = "q"\n',
        encoding="utf-8",
    )
    with pytest.raises(KeymapError) as caught:
        layer_keymaps([path])
    assert [problem.line for problem in caught.value.problems] == [2, 3]


# -- warnings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        *("alt+ctrl+x", "alt+enter", "ctrl+shift+a", "super+n", "hyper+k", "meta+tab"),
        *("ctrl+enter", "shift+enter", "ctrl+space", "alt+shift+1", "alt+space"),
    ],
)
def test_keys_only_a_modern_keyboard_protocol_sends_are_a_warning(tmp_path, key):
    """Without the kitty keyboard protocol (tmux by default) a character or Enter is one byte:
    alt+ctrl+x arrives as ctrl+x, ctrl+enter as enter (seen in tmux)."""
    path = write(tmp_path, "mine.toml", f'\n"home.code" = "{key}"\n')
    [warning] = layer_keymaps([path]).warnings
    assert warning.startswith(f"{path}, line 2: home.code uses {key}")
    assert "tmux" in warning


@pytest.mark.parametrize(
    "key",
    [
        *("alt+x", "alt+shift+x", "ctrl+x", "ctrl+f5", "ctrl+shift+up", "shift+tab", "ctrl+@"),
        *("alt+f5", "alt+up", "shift+f5", "ctrl+shift+f5", "meta+up"),
    ],
)
def test_keys_every_terminal_sends_are_quiet(tmp_path, key):
    """A named key carries its modifiers in its sequence: alt+f5 and shift+f5 reach Fieldnote
    in tmux too (seen)."""
    path = write(tmp_path, "mine.toml", f'"home.code" = "{key}"\n')
    assert layer_keymaps([path]).warnings == []


def test_ctrl_b_is_a_warning_not_an_error(tmp_path):
    path = write(tmp_path, "mine.toml", '\n"home.new" = "ctrl+b"\n')
    keymap = layer_keymaps([path])
    assert keymap.keys["home.new"] == "ctrl+b"
    assert len(keymap.warnings) == 1
    assert keymap.warnings[0].startswith(f"{path}, line 2: home.new uses ctrl+b, tmux")


@pytest.mark.parametrize("key", ["ctrl+a", "ctrl+k"])
def test_keys_a_text_input_swallows_warn_on_while_typing_actions(tmp_path, key):
    path = write(tmp_path, "mine.toml", f'"interview.star_last" = "{key}"\n')
    keymap = layer_keymaps([path])
    assert len(keymap.warnings) == 1
    assert "must work while typing" in keymap.warnings[0]
    assert keymap.warnings[0].startswith(f"{path}, line 1: ")


@pytest.mark.parametrize(
    "binding_id, key",
    [
        ("interview.star_last", "x"),
        ("interview.star_last", "slash"),
        ("app.help", "?"),
        ("debrief.save", "shift+space"),
        ("form.next", "n"),
    ],
)
def test_a_character_is_refused_on_while_typing_actions(tmp_path, binding_id, key):
    """Bound with priority, it would never be typed: "fix" would be saved as "fi"."""
    path = write(tmp_path, "mine.toml", f'"{binding_id}" = "{key}"\n')
    error = error_of(path)
    assert str(error).startswith(f"{path}, line 1: {binding_id} works while you type")


@pytest.mark.parametrize(
    "key", ["enter", "ctrl+m", "backspace", "ctrl+h", "escape", "left", "right", "delete", "ctrl+j"]
)
def test_a_key_a_note_cannot_be_typed_without_is_refused_on_while_typing_actions(tmp_path, key):
    # Bound with priority, it would never reach the note input: Enter would star the last
    # note instead of saving this one, backspace delete a saved note instead of a character.
    path = write(tmp_path, "mine.toml", f'"interview.star_last" = "f6,{key}"\n')
    error = error_of(path)
    assert (error.path, error.line) == (path, 1)
    assert "interview.star_last" in str(error) and "another key" in str(error)
    keymap = layer_keymaps([path], lenient=True)
    assert keymap.keys["interview.star_last"] == "ctrl+s"
    assert keymap.problems == [str(error)]


def test_printable_keys_are_fine_where_nothing_is_typed(tmp_path):
    path = write(tmp_path, "mine.toml", '"home.new" = "a"\n"interview.star_last" = "f11"\n')
    assert layer_keymaps([path]).warnings == []


# -- layers and the config file --------------------------------------------------------------


def test_the_user_keymap_layers_on_the_chosen_preset(tmp_path):
    config = write(tmp_path, "config.toml", 'keymap = "vim"\n')
    write(tmp_path, "keymap.toml", '"home.refresh" = "f5"\n')
    keymap = load_keymap(config=config)
    assert keymap.keys["home.new"] == "o"  # from vim
    assert keymap.keys["home.refresh"] == "f5"  # from the user's file, over vim's ctrl+l
    assert keymap.sources == [presets_folder() / "vim.toml", tmp_path / "keymap.toml"]
    assert keymap.origins["home.refresh"].line == 1


def test_the_option_beats_the_config_file(tmp_path):
    config = write(tmp_path, "config.toml", 'keymap = "vim"\n')
    assert load_keymap("emacs", config=config).keys["home.new"] == "n"


def test_config_from_the_environment(tmp_path, monkeypatch):
    config = write(tmp_path, "config.toml", 'keymap = "emacs"\n')
    monkeypatch.setenv("FIELDNOTE_CONFIG", str(config.parent))
    assert load_keymap().keys["home.cursor_down"] == "ctrl+n,down"


def test_config_may_name_a_file_beside_it(tmp_path):
    write(tmp_path, "laptop.toml", '"home.new" = "a"\n')
    config = write(tmp_path, "config.toml", 'keymap = "laptop.toml"\n')
    assert load_keymap(config=config).keys["home.new"] == "a"


def test_no_config_means_the_default_preset(tmp_path):
    keymap = load_keymap(config=tmp_path / "config.toml")
    assert keymap.overrides() == {}
    assert keymap.sources == [presets_folder() / "default.toml"]


def test_a_clash_between_layers_is_reported_where_it_was_made(tmp_path):
    config = write(tmp_path, "config.toml", 'keymap = "vim"\n')
    user = write(tmp_path, "keymap.toml", '# mine\n"home.refresh" = "o"\n')
    with pytest.raises(KeymapError) as caught:
        load_keymap(config=config)
    assert str(caught.value).startswith(f"{user}, line 2: ")
    assert "home.refresh and home.new" in str(caught.value)


def test_a_pipe_or_a_folder_as_a_keymap_is_named_not_skipped_or_waited_on(tmp_path):
    """A FIFO as keymap.toml was passed over in silence, and as --keymap reported as missing;
    opened as a file it would hold every start for a writer. Opening anyway keeps the
    defaults and says why."""
    os.mkfifo(tmp_path / "keymap.toml")
    config = tmp_path / "config.toml"
    says = "it is no file but a pipe, a device or a folder"
    with pytest.raises(KeymapError, match=says):
        load_keymap(config=config)
    assert says in load_keymap(config=config, lenient=True).problems[0]
    for chosen in (tmp_path / "keymap.toml", tmp_path):
        with pytest.raises(KeymapError, match=says) as caught:
            load_keymap(str(chosen), config=tmp_path / "elsewhere" / "config.toml")
        # A sentence with a way out, as every other keymap mistake is.
        assert str(caught.value).endswith("; put a TOML file there, or remove it."), caught
    linked = tmp_path / "dotfiles.toml"
    linked.write_text('"home.new" = "a"\n', encoding="utf-8")
    (tmp_path / "mine.toml").symlink_to(linked)  # a keymap kept with one's dotfiles
    elsewhere = tmp_path / "elsewhere" / "config.toml"
    assert load_keymap(str(tmp_path / "mine.toml"), config=elsewhere).keys["home.new"] == "a"


def test_a_keymap_that_is_not_utf8_names_the_line_and_what_to_do(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_bytes(b'"home.new" = "a"\n"home.code" = "\xe9"\n')  # Latin-1, as an old editor saves
    error = error_of(path)
    assert str(error).startswith(f"{path}, line 2: it is not UTF-8 text")
    assert "save it as UTF-8" in str(error)
    assert "codec" not in str(error)


def test_a_keymap_that_is_no_file_says_what_to_do(tmp_path):
    (tmp_path / "keymap.toml").mkdir()
    error = str(error_of(tmp_path / "keymap.toml"))
    assert error.endswith("put a TOML file there, or remove it.")


def test_a_bad_config_file_names_its_line(tmp_path):
    config = write(tmp_path, "config.toml", "\nkeymap = 3\n")
    with pytest.raises(KeymapError) as caught:
        load_keymap(config=config)
    assert str(caught.value).startswith(f"{config}, line 2: keymap must be")
