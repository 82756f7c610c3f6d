"""Control characters in user text are drawn, never obeyed."""

from __future__ import annotations

import pytest

from tui.domain.display_text import cut_words, visible


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("\x1b[31mred", "\u241b[31mred"),  # ESC as its control picture
        ("bell\x07", "bell\u2407"),
        ("c1\x9b31m", "c1\ufffd31m"),  # CSI as a single C1 byte
        ("line\u2028para\u2029", "line\ufffdpara\ufffd"),
        ("tab\there", "tab here"),
        ("two\nlines", "two\u23celines"),
        ("evil\u202eexe.txt", "evil\ufffdexe.txt"),  # right-to-left override
        ("a\u2066b\u2069c", "a\ufffdb\ufffdc"),  # isolates
    ],
)
def test_controls_become_visible(raw, shown):
    assert visible(raw) == shown


@pytest.mark.parametrize(
    "text",
    [
        "plain [bold]markup[/] stays as typed",
        "\U0001f468\u200d\U0001f469\u200d\U0001f467 family emoji keeps its joiners",
        "\u200f\u05e9\u05dc\u05d5\u05dd right-to-left mark kept",
        "non\u00a0breaking space",
    ],
)
def test_printable_text_is_untouched(text):
    assert visible(text) == text


def test_cut_keeps_a_field_to_its_cells_with_an_ellipsis():
    from tui.domain.display_text import cut

    assert cut("abc", 3) == "abc" and cut("abcd", 3) == "ab\u2026"
    assert cut("\u4eba\u4eba\u4eba", 5) == "\u4eba\u4eba\u2026"  # two cells each, then …
    assert cut("a\nb" * 10, 4) == "a\u23ceb\u2026"


def test_cut_start_keeps_the_end_of_a_name_to_its_cells():
    from tui.domain.display_text import cut_start

    assert cut_start("need/export", 11) == "need/export"
    assert cut_start("workaround/spreadsheet", 10) == "\u2026readsheet"
    assert cut_start("\u4eba\u4eba\u4eba\u4eba", 6) == "\u2026\u4eba\u4eba"  # 1 + 2 + 2 cells
    assert cut_start("a\x1bb" * 4, 4) == "\u2026a\u241bb"  # made visible too


def test_cut_words_never_cuts_inside_a_word():
    assert cut_words("short words", 400) == "short words"
    assert cut_words("one two three", 9) == "one two"
    assert cut_words("one two, three", 9) == "one two"  # no comma before the mark
    assert cut_words("one\ntwo three", 8) == "one\ntwo"


def test_a_first_word_longer_than_the_limit_is_cut_between_whole_characters():
    # A pasted blob or an address with no space in its first 400 characters was kept whole:
    # a shared folder's 1 MB note took the report seconds and megabytes.
    assert cut_words("x" * 20 + " tail", 9) == "x" * 9
    assert cut_words("x" * 1_000_000, 400) == "x" * 400
    woman_technologist = "\U0001f469\u200d\U0001f4bb"
    assert cut_words("ab" + woman_technologist * 5, 4) == "ab"  # never half of one
    assert cut_words("abc\u0301def", 3) == "ab"  # c and its accent stay together
    assert cut_words("abc\u0301def", 4) == "abc\u0301"


def test_cut_words_cuts_text_written_without_spaces_between_its_characters():
    """Japanese or Chinese words have no spaces between them: a pasted page of them was one
    'word', kept whole, 3,000 characters on a phone. A wide character is a word of its own
    (a line may break beside one), and a tab or an ideographic space parts words too."""
    page = "\u8aac\u660e\u66f8\u304c\u5c4a\u304b\u306a\u304b\u3063\u305f\u3002" * 300
    kept = cut_words(page, 400)
    assert 390 <= len(kept) <= 400 and page.startswith(kept)
    assert cut_words("one two\tthree", 8) == "one two"
    assert cut_words("\u4e00\u3000\u4e8c\u3000\u4e09", 3) == "\u4e00\u3000\u4e8c"
    assert cut_words("see https://example.com/" + "x" * 30, 9) == "see"  # a latin word: whole


@pytest.mark.parametrize(
    ("unit", "ends"),
    [
        ("\U0001f469\u200d\U0001f4bb", {0}),  # woman technologist: woman, joiner, laptop
        ("\U0001f44d\U0001f3fd", {0}),  # thumbs up, medium skin tone
        ("\u304b\u3099\u6642", {0, 2}),  # ka and a combining voiced mark (ga), then a wide one
    ],
)
def test_cut_words_never_cuts_a_character_drawn_from_several(unit, ends):
    """A line may break beside a wide character, and an emoji is one: a long quote of them
    was cut between a woman and the laptop joined to her, or a hand and its skin tone,
    leaving another picture than the one typed."""
    text = unit * 300
    for limit in range(5, 15):
        kept = cut_words(text, limit)
        assert len(kept) % len(unit) in ends, (limit, kept)
