"""Transcripts written for these tests: colons inside captions, stage directions, end times,
and times no recording has. Each file is imported for real through `import_files`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tui.services.exchange.errors import ExchangeError
from tui.services.exchange.importing import import_files
from tui.store import DataStore

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _import(store: DataStore, path: Path, **options):
    result = import_files(store, [path], now=NOW, **options)
    (session_id, _, _) = result.sessions[0]
    return store.open_session(session_id).read()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


CAPTIONS_WITH_COLONS = """WEBVTT

00:00:01.000 --> 00:00:03.500
then we hit the problem: how to make the

00:00:03.500 --> 00:00:06.000
import keep the dates: it never did

00:00:06.000 --> 00:00:08.000
Note: this part was hard
"""


def test_a_colon_inside_a_caption_is_text_not_a_speaker(tmp_path, store):
    snap = _import(store, _write(tmp_path, "talk.vtt", CAPTIONS_WITH_COLONS))
    assert [(n["author"], n["text"]) for n in snap.notes] == [
        ("", "then we hit the problem: how to make the"),
        ("", "import keep the dates: it never did"),
        ("", "Note: this part was hard"),
    ]


ZOOM_WITH_A_COLON = """WEBVTT

00:00:01.000 --> 00:00:03.000
Mr Praline: I wish to complain about this parrot.

00:00:03.000 --> 00:00:05.000
Shopkeeper: What's wrong with it?

00:00:05.000 --> 00:00:09.000
Mr Praline: I'll tell you what's wrong with it: it's dead.

00:00:09.000 --> 00:00:10.000
Shopkeeper: No, no, it's resting.
"""


def test_recurring_name_labels_are_speakers_and_a_colon_after_them_stays_text(tmp_path, store):
    snap = _import(store, _write(tmp_path, "parrot.vtt", ZOOM_WITH_A_COLON))
    assert [(n["author"], n["text"]) for n in snap.notes] == [
        ("Mr Praline", "I wish to complain about this parrot."),
        ("Shopkeeper", "What's wrong with it?"),
        ("Mr Praline", "I'll tell you what's wrong with it: it's dead."),
        ("Shopkeeper", "No, no, it's resting."),
    ]


PROSE = """Abstract: we interviewed twelve store owners about returns.

Method: semi-structured interviews, one hour each.
Findings follow below, in the words of the owners.
"""


def test_prose_with_a_colon_keeps_its_words(tmp_path, store):
    snap = _import(store, _write(tmp_path, "maxqda-source.txt", PROSE))
    assert [(n["author"], n["text"]) for n in snap.notes] == [
        ("", "Abstract: we interviewed twelve store owners about returns."),
        (
            "",
            "Method: semi-structured interviews, one hour each. "
            "Findings follow below, in the words of the owners.",
        ),
    ]


STAGE_DIRECTIONS = """1
00:00:01,000 --> 00:00:02,000
[Music]

2
00:00:02,000 --> 00:00:04,500
[SPEAKER_00]: It's not pining, it's passed on.

3
00:00:04,500 --> 00:00:06,000
[action] bangs it against the counter

4
00:00:06,000 --> 00:00:07,000
[SPEAKER_01]: (laughs)

5
00:00:07,000 --> 00:00:09,250
[SPEAKER_01]: Well, it's probably stunned.

6
00:00:09,250 --> 00:00:10,000
[caption] a bell rings
"""


def test_stage_directions_are_kept_as_non_speech_and_are_no_speakers(tmp_path, store):
    snap = _import(store, _write(tmp_path, "shop.srt", STAGE_DIRECTIONS))
    got = [(n["author"], n["text"], n.get("speech", True)) for n in snap.notes]
    assert got == [
        ("", "[Music]", False),
        ("SPEAKER_00", "It's not pining, it's passed on.", True),
        ("", "[action] bangs it against the counter", False),
        ("SPEAKER_01", "(laughs)", False),
        ("SPEAKER_01", "Well, it's probably stunned.", True),
        ("", "[caption] a bell rings", False),
    ]
    with pytest.raises(ExchangeError, match=r"action is not a speaker .*SPEAKER_00, SPEAKER_01"):
        import_files(store, [tmp_path / "shop.srt"], now=NOW, participant="action")


def test_plain_text_stage_directions_are_notes_of_their_own(tmp_path, store):
    text = "Kim: It broke on day two.\n(laughs)\nKim: Then it broke again.\n[door slams]\n"
    snap = _import(store, _write(tmp_path, "kim.txt", text))
    got = [(n["author"], n["text"], n.get("speech", True)) for n in snap.notes]
    assert got == [
        ("Kim", "It broke on day two.", True),
        ("", "(laughs)", False),
        ("Kim", "Then it broke again.", True),
        ("", "[door slams]", False),
    ]


def test_cue_end_times_are_kept(tmp_path, store):
    snap = _import(store, _write(tmp_path, "parrot.vtt", ZOOM_WITH_A_COLON))
    assert [(n["elapsed"], n["ends_elapsed"]) for n in snap.notes] == [
        (1.0, 3.0),
        (3.0, 5.0),
        (5.0, 9.0),
        (9.0, 10.0),
    ]
    srt = _import(store, _write(tmp_path, "shop.srt", STAGE_DIRECTIONS))
    assert srt.notes[-1]["ends_elapsed"] == 10.0
    plain = _import(store, _write(tmp_path, "kim.txt", "Kim: one\nKim: two\n"))
    assert all("ends_elapsed" not in n for n in plain.notes)  # plain lines have no end


@pytest.mark.parametrize(
    "name, text, message",
    [
        (
            "huge.vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi\n\n"
            "100000000:00:00.000 --> 100000000:00:01.000\nlater\n",
            r"huge.vtt \(line 6\): the time 100000000:00:00.000 is past 1,000 hours",
        ),
        (
            "huge.srt",
            "1\n99999999999:00:00,000 --> 99999999999:00:01,000\nhi\n",
            r"huge.srt \(line 2\): the time 99999999999:00:00,000 is past 1,000 hours",
        ),
        (
            "huge.txt",
            "Kim: hello\n[99999999999:00:00] Kim: much later\n",
            r"huge.txt \(line 2\): the time 99999999999:00:00 is past 1,000 hours",
        ),
        (
            "nines.vtt",
            "WEBVTT\n\n99:99:99.000 --> 99:99:99.500\nhi\n",
            r"nines.vtt \(line 3\): the time 99:99:99.000 is no time \(minutes and seconds",
        ),
        (
            "nines.srt",
            "1\n00:00:01,000 --> 00:61:00,000\nhi\n",
            r"nines.srt \(line 2\): the time 00:61:00,000 is no time",
        ),
    ],
)
def test_times_no_recording_has_name_the_line(tmp_path, store, name, text, message):
    with pytest.raises(ExchangeError, match=message) as raised:
        import_files(store, [_write(tmp_path, name, text)], now=NOW)
    assert "\n" not in str(raised.value)
    assert store.list_sessions()[0] == []


@pytest.mark.parametrize(
    "timing", ["00:00:10.000 -> 00:00:20.000", "00:00:10.000 00:00:20.000", "00:00:10"]
)
def test_a_vtt_cue_with_a_broken_timing_line_is_refused_not_dropped(tmp_path, store, timing):
    # webvtt-py skips a block without `-->`: its words would be lost without a word.
    text = (
        "WEBVTT\nKind: captions\n\nNOTE a comment\nover two lines\n\n"
        "00:00:00.000 --> 00:00:10.000\n<v P7>first cue\n\n"
        f"c2\n{timing}\n<v P7>second cue\n\n"
        "00:00:20.000 --> 00:00:30.000\n<v P7>third cue\n"
    )
    with pytest.raises(ExchangeError, match=r"broken.vtt \(line 11\): the cue timing is broken"):
        import_files(store, [_write(tmp_path, "broken.vtt", text)], now=NOW)
    assert store.list_sessions()[0] == []
    fixed = text.replace(timing, "00:00:10.000 --> 00:00:20.000")
    snap = _import(store, _write(tmp_path, "fixed.vtt", fixed))
    assert [note["text"] for note in snap.notes] == ["first cue", "second cue", "third cue"]


def test_a_cue_at_999_hours_still_imports(tmp_path, store):
    text = "WEBVTT\n\n999:59:59.000 --> 999:59:59.500\nthe very end\n"
    snap = _import(store, _write(tmp_path, "long.vtt", text))
    assert snap.notes[0]["elapsed"] == 999 * 3600 + 59 * 60 + 59


UNTIMED_BLOCK = """1
00:00:01,000 --> 00:00:02,000
Kim: We gave up on day two.

2
Kim: The invite never came.

3
00:00:05,000 --> 00:00:06,000
Sam: What did you do then?
"""


def test_a_subtitle_block_without_timing_is_its_own_cue_and_named_by_line(tmp_path, store):
    # srt reads a block with no timing line as more of the cue before it, so "2" and Kim's
    # second sentence were quoted as words of the first cue, said at 00:01. Players skip such
    # a block, so refusing the file would refuse one they play; the words are kept as a cue
    # of their own between its neighbours, and the import says which line to check.
    path = _write(tmp_path, "untimed.srt", UNTIMED_BLOCK)
    result = import_files(store, [path], now=NOW)
    (session_id, _, _) = result.sessions[0]
    notes = store.open_session(session_id).read().notes
    said = [(n["author"], n["text"], n["elapsed"], n.get("ends_elapsed")) for n in notes]
    assert said == [
        ("Kim", "We gave up on day two.", 1.0, 2.0),
        ("Kim", "The invite never came.", 2.0, 5.0),
        ("Sam", "What did you do then?", 5.0, 6.0),
    ]
    (notice,) = result.notices
    assert notice.startswith("untimed.srt (line 5): a block with no timing")
    assert "00:02" in notice and "00:05" in notice and "check" in notice


@pytest.mark.parametrize("blanks", [2, 3])
def test_an_untimed_block_after_more_than_one_blank_line_is_read_alike(tmp_path, store, blanks):
    # The blocks were cut at single blank lines: after two, the block's number "2" was a
    # piece of its own, imported as words said; after three, an empty piece took the block's
    # line number, so the notice named the next untimed block's line and the last named none.
    text = UNTIMED_BLOCK.replace("day two.\n\n2\n", "day two.\n" + "\n" * blanks + "2\n") + (
        "\nSam: And then?\n\n4\n00:00:08,000 --> 00:00:09,000\nKim: I wrote to support.\n"
    )
    path = _write(tmp_path, "untimed.srt", text)
    result = import_files(store, [path], now=NOW)
    (session_id, _, _) = result.sessions[0]
    notes = store.open_session(session_id).read().notes
    assert [(n["author"], n["text"]) for n in notes] == [
        ("Kim", "We gave up on day two."),
        ("Kim", "The invite never came."),
        ("Sam", "What did you do then?"),
        ("Sam", "And then?"),
        ("Kim", "I wrote to support."),
    ]
    lines = text.split("\n")
    named = [re.search(r"\(line (\d+)\)", n) for n in result.notices]
    assert [lines[int(m.group(1)) - 1] if m else None for m in named] == ["2", "Sam: And then?"]
