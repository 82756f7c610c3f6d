"""One inline-syntax parser: what the note stream highlights is exactly what is stored."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tui.domain.notes import (
    Note,
    clean_tag_name,
    inline_tokens,
    mark_spans,
    parse_inline,
    tag_key,
    without_marks,
)
from tui.domain.quotes import quote_lengths, quote_words
from tui.domain.tags import inline_name_problem, retag_text
from tui.widgets.note_stream import NoteStream

# Mostly the characters the syntax turns on, with some of anything else.
ALPHABET = st.one_of(
    st.sampled_from(list('#!/-_ aé1Z*"?>\t\n') + ["\u0437", "\U0001f600", "\x1b", "\u202e"]),
    st.characters(),
)
TEXTS = st.text(ALPHABET, max_size=40)


def highlighted(text: str) -> tuple[list[str], list[str]]:
    """The tags and emotions the note stream draws highlighted for a note of `text`, read back
    from what it draws: each highlighted piece of the note's text, as a reader would take it."""
    stream = NoteStream()
    stream._layout_width = 200
    note = Note.from_typed(
        text, session_id="s", author="Maya", started_at="t", elapsed=0, question_id=None
    )
    layout = stream._build_layout(note)
    tags, emotions = [], []
    for start, end, cls in layout.spans:
        piece = layout.body[start:end]
        if cls == "note-stream--tag" and piece.startswith("#"):
            tags.append(piece[1:])
        elif cls == "note-stream--emotion":
            emotions.append(piece[1:].casefold())
    return tags, emotions


def unique(items, key=str.casefold):
    seen, kept = set(), []
    for item in items:
        if key(item) not in seen:
            seen.add(key(item))
            kept.append(item)
    return kept


@settings(max_examples=400, deadline=None)
@given(TEXTS)
@example("feels !angry/sad about #pain/onboarding- today")
@example("#a-/b #A #a!b x!y #-x ##y !!z")
def test_what_is_highlighted_is_exactly_what_is_stored(text):
    stored = parse_inline(text)
    tags, emotions = highlighted(text)
    # The highlighted tags, read as tag names, are exactly the stored ones, in order; each
    # ends where its stored name ends (a trailing `-` or `/`, which the name drops, is not
    # highlighted). The highlighted emotions are exactly the stored ones.
    assert unique([clean_tag_name(t) for t in tags], key=tag_key) == list(stored.tags)
    assert all(clean_tag_name(t).endswith(t[-1]) for t in tags)
    assert unique(emotions) == list(stored.emotions)


@given(TEXTS)
def test_tokens_are_in_order_and_never_overlap(text):
    tokens = inline_tokens(text)
    ends = [0]
    for token in tokens:
        assert token.start >= ends[-1] and token.end > token.start + 1
        assert text[token.start] == ("#" if token.kind == "tag" else "!")
        ends.append(token.end)


def test_an_emotion_stops_at_a_slash_in_storing_highlighting_and_quoting():
    text = '"It was fine" !angry/sad'
    assert parse_inline(text).emotions == ("angry",)
    assert highlighted(text)[1] == ["angry"]
    assert quote_words("we gave up !angry/sad") == "we gave up/sad"


def test_a_tag_name_is_valid_exactly_when_the_parser_reads_it_back():
    assert inline_name_problem("pain/onboarding") is None
    assert "space" in inline_name_problem("two words")
    assert inline_name_problem("a!b") is not None
    assert retag_text("see #old- and #old/x", {"old": "new"}) == "see #new- and #old/x"


def test_a_rename_that_would_repeat_a_tag_in_the_words_names_it_once():
    # The word the rename rewrites goes where the tag stands in the words already; words the
    # rename leaves alone stay as typed, a repetition typed included.
    assert retag_text("invite #sso #setup", {"sso": "setup"}) == "invite #setup"
    assert retag_text("#sso #setup late", {"sso": "setup"}) == "#setup late"
    assert retag_text("#a #b #c", {"a": "c", "b": "c"}) == "#c"
    assert retag_text("#a #b x", {"a": "c", "b": "c"}) == "#c x"
    assert retag_text("#pain #Pain", {"pain": "Pain"}) == "#Pain #Pain"
    assert retag_text("#setup and #setup", {"sso": "setup"}) == "#setup and #setup"


def test_a_tag_starts_with_a_letter_so_a_number_is_no_tag():
    marks = parse_inline("the #3 reason, #2024 and #q3/2024 and !1 but #a1 and !wow")
    assert marks.tags == ("q3/2024", "a1")
    assert marks.emotions == ("wow",)
    assert highlighted("the #3 reason")[0] == []
    assert "start with a letter" in inline_name_problem("3rd")


@given(st.lists(st.sampled_from([*"ab #!-/_\t\n1é", "#pain", "!sad", "#a/b-", " #x/-/"])))
@settings(max_examples=2000)
def test_mark_spans_are_the_inline_tokens_without_their_names(pieces):
    """The quote's words cut out the same marks either way (`without_marks` cuts a long
    mark by its span)."""
    text = "".join(pieces)
    spans = mark_spans(text)
    tokens = inline_tokens(text)
    assert [start for start, _ in spans] == [t.start for t in tokens]
    for (_, end), token in zip(spans, tokens, strict=True):
        assert end >= token.end and set(text[token.end : end]) <= set("-/")
        # Only a tag's trailing `-` and `/` go with it; an emotion's `/` stays in the words.
        assert end == token.end or token.kind == "tag"


@given(st.lists(TEXTS, max_size=6))
@settings(max_examples=1000)
@example(["", "a\n#b", "#x"])
@example(['  "we #t', "x #a/- y", "*  #s", "? it #tag", ">  no", "\u201cb !z\u201d"])
@example(["too long #" + "a" * 120 + " !ok", "too deep #a" + "/b" * 70, "x !" + "c" * 120])
def test_quotes_measured_together_measure_as_each_alone(texts):
    """A study index measures every tagged note's quote at once (`quote_lengths`)."""
    assert quote_lengths(texts) == [len(quote_words(text)) for text in texts]


def cut_one_by_one(text: str) -> str:
    """How `without_marks` cut each mark before it cut the short ones in C."""
    pieces, at = [], 0
    for start, end in mark_spans(text):
        while start > at and text[start - 1] in " \t":
            start -= 1
        pieces.append(text[at:start])
        at = end
    return "".join(pieces) + text[at:] if pieces else text


LONG = ["#" + "a" * 63, "#" + "a" * 64, "!" + "b" * 101, "#a" + "/b" * 64, "#x-/" + "c" * 99]


@given(st.lists(st.one_of(TEXTS, st.sampled_from(LONG)), max_size=6))
@settings(max_examples=1000)
def test_marks_cut_together_are_the_marks_cut_one_by_one(pieces):
    text = " ".join(pieces)
    assert without_marks(text) == cut_one_by_one(text)


@pytest.mark.parametrize(
    "typed",
    [
        "#setup (#sso#pricing)",
        "#sso#pricing #setup",
        "#sso ?why not #setup",
        '#sso "we use okta" #setup',
        "#sso * twice #setup",
        "* #sso ?later #setup",
    ],
)
def test_a_word_cut_so_as_not_to_repeat_a_tag_leaves_the_words_saying_the_same(typed):
    """Cutting `#sso` (the rename to `setup` would repeat that tag) made `#pricing`, glued to
    it in one word, a tag the note was never coded with, and the words after a first word
    cut its start: `?why not` read as a follow-up, `"we use okta"` as a quote, `* twice` as
    starred, to the next parse of them (an edit, an import). There the words are renamed in
    place, the tag repeated as typed."""
    renamed = retag_text(typed, {"sso": "setup"})
    before, after = parse_inline(typed), parse_inline(renamed)
    assert (after.kind, after.starred) == (before.kind, before.starred), renamed
    assert {tag_key(t) for t in after.tags} == {"setup"}, renamed


@pytest.mark.parametrize(
    ("typed", "renamed"),
    [
        ("#setup we hate it (#sso)", "#setup we hate it"),
        ("#setup (#sso) we hate it", "#setup we hate it"),
        ("#setup we hate it [ #sso ]", "#setup we hate it"),
        ("(#sso) #setup we hate it", "#setup we hate it"),
        ("#setup we hate it (#sso #pricing)", "#setup we hate it (#pricing)"),
    ],
)
def test_a_tag_cut_alone_in_brackets_takes_its_brackets(typed, renamed):
    """Cutting `#sso` (the rename to `setup` would repeat that tag) out of `(#sso)` left `()`
    in the note's words: the brackets held nothing else, so they go with it."""
    assert retag_text(typed, {"sso": "setup"}) == renamed
