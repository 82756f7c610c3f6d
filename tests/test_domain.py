"""Pure logic: inline syntax, edits, the guide and its lint, the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui.domain.clock import InterviewClock
from tui.domain.codings import with_coding, without_coding
from tui.domain.guide import GuideError, GuideState, parse_guide, within_limits
from tui.domain.notes import (
    MAX_NOTE_CHARS,
    Note,
    format_elapsed,
    parse_elapsed,
    parse_inline,
    without_star_mark,
)

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text, kind, starred",
    [
        ('"I gave up on day three', "quote", False),
        ("\u201cCurly quotes too\u201d", "quote", False),
        ("> blockquote style", "quote", False),
        ("?ask about exports", "followup", False),
        ('* "starred quote', "quote", True),
        ("*?starred follow-up", "followup", True),
        ("plain observation", "note", False),
        ('   "leading spaces', "quote", False),
    ],
)
def test_kind_and_star(text, kind, starred):
    marks = parse_inline(text)
    assert (marks.kind, marks.starred) == (kind, starred)


def test_tags_and_emotions():
    marks = parse_inline(
        "Gave up !Frustrated, then #Pain/Onboarding and #pain/onboarding again; "
        "mail a@b.com x#no #caf\u00e9 !\u0437\u043b\u043e\u0439 #trailing/"
    )
    assert marks.emotions == ("frustrated", "\u0437\u043b\u043e\u0439")
    assert marks.tags == ("Pain/Onboarding", "caf\u00e9", "trailing")


def make_note(text: str) -> Note:
    return Note.from_typed(
        text, session_id="s", author="Maya", started_at="t", elapsed=12.5, question_id="q2"
    )


def recoded(note: Note, changed: dict) -> None:
    """A tagging-screen change to the note (tui/domain/codings.py)."""
    note.codings, note.tags = changed["codings"], changed["tags"]


def test_an_edit_changes_only_what_it_touched():
    note = make_note("* import broke #pain/import")
    recoded(
        note, with_coding(note.to_doc(), "need/bulk-edit", "Maya", "t2")
    )  # on the tagging screen
    edited = note.retyped("* import broke twice #pain/import #sso", "later")
    assert edited.tags == ["pain/import", "need/bulk-edit", "sso"]
    assert edited.starred and edited.elapsed == 12.5 and edited.question_id == "q2"
    # Deleting a #tag from the text removes it; tags added by hand stay.
    assert note.retyped("* import broke", "later").tags == ["need/bulk-edit"]


def test_marks_removed_by_hand_stay_removed_through_an_edit():
    note = make_note("* import broke #pain/import")
    recoded(note, without_coding(note.to_doc(), "pain/import", "Maya"))  # untagged by hand
    note.starred = False  # unstarred with the star key
    edited = note.retyped("* import broke badly #pain/import", "later")
    assert edited.tags == [] and not edited.starred
    # Typing a star anew in the edit does star it.
    assert make_note("plain").retyped("* plain", "later").starred


@pytest.mark.parametrize(
    "typed, words",
    [
        ("* import broke #pain/import", "import broke #pain/import"),
        ('*"I gave up', '"I gave up'),
        ("  **  twice starred", "twice starred"),
        ("*#pain/import", "#pain/import"),
    ],
)
def test_unstarring_takes_the_star_mark_out_of_the_text(typed, words):
    """A leading `*` is the star's markup: a note unstarred keeps no `*` that would read as a
    star, or star it again when its text is parsed anew (an edit, a qdpx import)."""
    note = make_note(typed)
    assert note.starred
    unstarred = note.with_star(False)
    assert unstarred.text == words and not unstarred.starred
    assert not parse_inline(unstarred.text).starred
    assert (unstarred.kind, unstarred.tags) == (note.kind, note.tags)
    assert unstarred.edited_at is None  # no edit of the words
    # Starred again with the key: the star is the note's flag, the words stay as they are.
    assert unstarred.with_star(True).text == words and unstarred.with_star(True).starred


def test_a_note_of_nothing_but_a_star_keeps_it_when_unstarred():
    """Its text taken out, it would be an empty row in the stream, with nothing to show."""
    assert make_note("*").with_star(False).text == "*"
    assert make_note(" ** ").with_star(False).text == " ** "


@pytest.mark.parametrize(
    "typed, words",
    [("**bold** first words", "*bold** first words"), ("* **bold** x", "**bold** x")],
)
def test_unstarring_takes_one_star_from_a_word_that_starts_with_stars(typed, words):
    """Unstarring `**bold** x` took both stars, the one that starred it and the word's own,
    leaving `bold** x`: a star glued to a word is one mark, the rest are the word's."""
    note = make_note(typed)
    assert note.starred
    assert note.with_star(False).text == words


@pytest.mark.timeout(10)
def test_unstarring_a_note_of_a_million_stars_takes_them_off_at_once():
    """A note synced from a shared study may be '* * * …' for the 2,000,000 characters a
    note may have: each star was cut by copying the rest of the text, 80,000 of them took
    1.1 s and a million minutes, the app frozen on the star key. Cut in one pass now
    (a few ms; the timeout only catches the copying back)."""
    stars = "* " * (MAX_NOTE_CHARS // 2 - 1) + "x"
    assert without_star_mark(stars) == "x"
    assert without_star_mark(" \t*\u3000* *") == " \t*\u3000* *"  # nothing but stars: kept
    assert without_star_mark("  no star") == "  no star"


def test_a_note_an_older_fieldnote_unstarred_keeps_its_mark_until_it_is_starred_and_unstarred():
    note = make_note("* import broke")
    note.starred = False  # unstarred by an older Fieldnote: the `*` stayed in the text
    starred = note.with_star(True)
    assert starred.starred and starred.text == "* import broke"
    assert starred.with_star(False).text == "import broke"


def test_inline_tags_are_the_authors_codings_and_deleting_one_keeps_another_coders():
    note = make_note("import broke #pain/import")
    assert note.codings == [{"tag": "pain/import", "coder": "Maya", "at": "t"}]
    recoded(note, with_coding(note.to_doc(), "pain/import", "Bo", "t2"))
    edited = note.retyped("import broke #sso", "later")
    assert edited.tags == ["pain/import", "sso"]
    assert [(c["tag"], c["coder"], c["at"]) for c in edited.codings] == [
        ("pain/import", "Bo", "t2"),
        ("sso", "Maya", "later"),
    ]


def test_a_note_from_before_codings_reads_as_the_unknown_coders():
    doc = make_note("plain").to_doc()
    del doc["codings"]
    doc["tags"] = ["pain", "sso"]
    note = Note.from_doc(doc)
    assert note.codings == [
        {"tag": "pain", "coder": "unknown", "at": None},
        {"tag": "sso", "coder": "unknown", "at": None},
    ]
    assert note.to_doc()["codings"] == note.codings  # written back with its first change


def test_elapsed_formats_and_parses():
    assert format_elapsed(65) == "01:05"
    assert format_elapsed(3725) == "1:02:05"
    assert parse_elapsed("90") == 90 and parse_elapsed("1:30") == 90
    assert parse_elapsed("-0:45") == -45 and parse_elapsed("1:02:03") == 3723
    assert parse_elapsed("0:59") == 59 and parse_elapsed("150") == 150
    for bad in ("", "abc", "1:2:3:4", "1.5", "1:99", "0:60", "1:60:00", "-0:75"):
        with pytest.raises(ValueError, match="is not a time"):
            parse_elapsed(bad)


def test_clock_start_pause_resume_and_offset():
    clock = InterviewClock()
    assert not clock.started and clock.elapsed(T0) == 0
    clock.start(T0)
    assert clock.elapsed(T0 + timedelta(seconds=90)) == 90
    clock.pause(T0 + timedelta(seconds=100))
    assert clock.elapsed(T0 + timedelta(hours=1)) == 100
    clock.start(T0 + timedelta(seconds=200))
    assert clock.elapsed(T0 + timedelta(seconds=230)) == 130
    clock.recording_offset = 45
    assert InterviewClock.from_doc(clock.to_doc()) == clock


GUIDE = """# Study
## Warm-up
Set the scene.
- Tell me about your role.
  - A normal week?
  * Who do you work with?
- Do you like it?
## Close
1. Wouldn't it be easier with a dashboard?
"""


def test_guide_parses_sections_questions_probes_and_places():
    guide = parse_guide(GUIDE)
    assert guide.title == "Study"
    assert [s.title for s in guide.sections] == ["Warm-up", "Close"]
    assert guide.sections[0].intro == "Set the scene."
    q1, q2, q3 = guide.questions
    assert (q1.id, q1.probes) == ("q1", ["A normal week?", "Who do you work with?"])
    assert (q1.line, q1.column, q1.probe_places) == (4, 3, [(5, 5), (6, 5)])
    assert (q3.line, q3.column) == (9, 4)
    assert type(guide).from_doc(guide.to_doc()).to_doc() == guide.to_doc()


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("- question first\n", 1, "after a '## Section'"),
        ("## A\n  - probe first\n", 2, "under a '- question'"),
        ("## A\n- q\n#### deeper\n", 3, "deeper headings"),
        ("### Sub first\n- q\n", 1, "under a '## Section'"),
        ("## A\n### \n- q\n", 2, "no title"),
        ("Preamble before any section\n## A\n- q\n", 1, "expected"),
        ("## A\n-   \n", 2, "empty"),
        ("## Only a heading\n", 1, "no questions"),
        ("# One\n## A\n- q\n# Two\n", 4, "only one"),
        ("## A\n" + "- How?\n" * 501, 502, "more than 500 questions"),
        ("## A\n- q\n" + "  - why?\n" * 2001, 2003, "more than 2,000 probes"),
    ],
)
def test_malformed_guides_name_the_line(text, line, words):
    with pytest.raises(GuideError) as caught:
        parse_guide(text, source="guide.md")
    assert caught.value.line == line
    assert f"guide.md, line {line}:" in str(caught.value) and words in str(caught.value)


NOTED = """# Prototype study
## First look
Consent first.
### Before the prototype
- Tell me how you plan a week today.
  - Who else plans with you?
  Leave a silence here; don't rescue them.
Show the prototype now; don't explain it.
- What do you make of this?
### After
- What happened the last time you tried something new?
When did you last change tools, and why? Ask only if they bring it up.
"""


def test_interviewer_notes_and_sub_sections_are_read_not_refused():
    guide = parse_guide(NOTED)
    assert [(s.title, s.level, s.intro) for s in guide.sections] == [
        ("First look", 2, "Consent first."),
        ("Before the prototype", 3, ""),
        ("After", 3, ""),
    ]
    q1, q2, q3 = guide.questions
    # A note belongs to the question above it, as an intro to its heading; never a question.
    assert q1.probes == ["Who else plans with you?"]
    assert q1.note == (
        "Leave a silence here; don't rescue them. Show the prototype now; don't explain it."
    )
    assert (q2.text, q2.note, q2.section) == (
        "What do you make of this?",
        "",
        "Before the prototype",
    )
    assert q3.note == "When did you last change tools, and why? Ask only if they bring it up."
    assert (q3.id, q3.line) == ("q3", 11)
    assert type(guide).from_doc(guide.to_doc()).to_doc() == guide.to_doc()
    again = type(guide).from_doc(guide.to_doc())
    assert [s.level for s in again.sections] == [2, 3, 3] and again.questions[0].note == q1.note


def test_a_guide_without_notes_or_sub_sections_keeps_its_document():
    assert parse_guide(GUIDE).to_doc() == {
        "title": "Study",
        "sections": [
            {
                "title": "Warm-up",
                "intro": "Set the scene.",
                "questions": [
                    {
                        "id": "q1",
                        "text": "Tell me about your role.",
                        "probes": ["A normal week?", "Who do you work with?"],
                    },
                    {"id": "q2", "text": "Do you like it?", "probes": []},
                ],
            },
            {
                "title": "Close",
                "intro": "",
                "questions": [
                    {"id": "q3", "text": "Wouldn't it be easier with a dashboard?", "probes": []}
                ],
            },
        ],
    }


def test_a_guide_past_the_limits_is_cut_and_one_within_them_is_kept_as_it_is():
    fits = parse_guide(GUIDE)
    assert within_limits(fits) == (fits, None)
    doc = {"sections": [{"title": f"S{s}", "questions": []} for s in range(3)]}
    for n in range(600):
        doc["sections"][n // 250]["questions"].append({"id": f"q{n + 1}", "text": "How?"})
    cut, problem = within_limits(type(fits).from_doc(doc))
    assert [len(s.questions) for s in cut.sections] == [250, 250]
    assert cut.questions[-1].id == "q500"
    assert problem == (
        "Guide cut to its first 500 of 600 questions, the limit; the session file is unchanged."
    )


def test_guide_state_moves_marks_and_progress():
    guide = parse_guide(GUIDE)
    state = GuideState(current="q1")
    assert state.move(guide, -1) == "q1"  # stays at the first
    assert state.move(guide, +5) == "q3"  # stays at the last
    state.current = "q1"
    state.mark("q1", "asked")
    state.mark("q2", "skipped")
    assert state.progress(guide) == (1, 3)
    assert state.next_open(guide) == "q3"


def test_a_note_written_by_a_script_with_fields_missing_still_loads():
    note = Note.from_doc(
        {
            "id": "n1",
            "text": "from a script",
            "kind": "bogus",
            "elapsed": "x",
            "tags": ["ok", 3],
            "starred": "yes",
            "severity": 9,
        }
    )
    assert (note.id, note.text, note.kind, note.elapsed) == ("n1", "from a script", "note", 0.0)
    assert note.started_at == "" and note.question_id is None and note.tags == ["ok"]
    assert note.starred is False and note.severity is None
    full = make_note("* typed #tag !happy")
    assert Note.from_doc(full.to_doc()) == full


def test_a_stored_notes_fields_it_does_not_hold_are_written_back():
    """A transcript cue's end and speech, a field of a newer version: read and written back
    whole, also through an edit (a deleted note is restored from its `to_doc`)."""
    doc = {
        **make_note("so we moved to a spreadsheet").to_doc(),
        "kind": "transcript",
        "ends_elapsed": 12.5,
        "speech": True,
        "from_a_newer_version": {"x": 1},
        "kept": "a field of that name too",
    }
    note = Note.from_doc(doc)
    assert note.to_doc() == doc
    edited = note.retyped("so we moved to a shared spreadsheet", "later").to_doc()
    assert (edited["ends_elapsed"], edited["speech"]) == (12.5, True)
    assert edited["from_a_newer_version"] == {"x": 1}
