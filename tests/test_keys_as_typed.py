"""`fieldnote keys` prints keys as a person types them, and keymap files take either spelling."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.cli import main
from tui.services.keymap import (
    keymap_toml,
    layer_keymaps,
    normalize_key,
    normalize_keys,
    typed_key,
    typed_keys,
)

INTERNAL_NAMES = ("full_stop", "equals_sign", "slash", "minus", "plus", "question_mark")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def keys_column(out: str, binding_id: str) -> str:
    line = next(line for line in out.splitlines() if f" {binding_id} " in line)
    return line.split()[1]


def test_fieldnote_keys_prints_characters_not_their_names(capsys):
    assert main(["keys"]) == 0
    out = capsys.readouterr().out
    assert keys_column(out, "tagging.repeat") == "."
    assert keys_column(out, "tagging.severity_up") == "+,="
    assert keys_column(out, "tagging.severity_down") == "-"
    assert keys_column(out, "tagging.filter_text") == "/"
    for name in INTERNAL_NAMES:
        assert name not in out, name


def test_the_toml_it_prints_is_typed_too_and_reads_back(tmp_path, capsys):
    assert main(["keys", "--toml"]) == 0
    text = capsys.readouterr().out
    assert '"tagging.repeat" = "."' in text and '"tagging.filter_text" = "/"' in text
    assert not any(name in text for name in INTERNAL_NAMES)
    assert layer_keymaps([write(tmp_path, "mine.toml", text)]).overrides() == {}


def test_a_keymap_file_takes_characters_and_names_alike(tmp_path):
    typed = write(
        tmp_path,
        "typed.toml",
        '"tagging.repeat" = [",", "."]\n"tagging.filter_text" = "?,ctrl+/"\n'
        '"tagging.severity_up" = "+,="\n"tagging.severity_down" = "_"\n',
    )
    named = write(
        tmp_path,
        "named.toml",
        '"tagging.repeat" = "comma,full_stop"\n"tagging.filter_text" = "question_mark,ctrl+slash"\n'
        '"tagging.severity_up" = "plus,equals_sign"\n"tagging.severity_down" = "underscore"\n',
    )
    assert layer_keymaps([typed]).keys == layer_keymaps([named]).keys
    assert layer_keymaps([typed]).keys["tagging.filter_text"] == "question_mark,ctrl+slash"


@pytest.mark.parametrize("code", range(33, 127))
def test_every_printable_key_prints_in_a_form_that_reads_back(code):
    key = normalize_key(chr(code))
    assert normalize_keys(typed_key(key)) == key
    with_ctrl = "ctrl+" + (chr(code).lower() if chr(code).isalpha() else key)
    assert normalize_keys(typed_key(with_ctrl)) == with_ctrl


def test_keys_that_would_be_misread_keep_their_names():
    assert typed_keys("comma,plus,ctrl+plus,space") == "comma,+,ctrl+plus,space"
    assert typed_key("ctrl+backslash") == "ctrl+\\"


def test_quote_and_backslash_survive_the_toml(tmp_path):
    keymap = layer_keymaps(
        [write(tmp_path, "q.toml", '"tagging.repeat" = "\\""\n"tagging.copy" = "\\\\"\n')]
    )
    assert keymap.keys["tagging.repeat"] == "quotation_mark"
    again = layer_keymaps([write(tmp_path, "again.toml", keymap_toml(keymap))])
    assert again.keys == keymap.keys
