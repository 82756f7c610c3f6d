"""`fieldnote attach / align / quotes`, and what bad input gets: one sentence, the session as
it was (issue 21)."""

from __future__ import annotations

import json
import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from tests.recording_study import NOTES, START, TRANSCRIPT, make_session
from tui.cli import main
from tui.domain.clock import to_iso
from tui.domain.notes import Note, new_id
from tui.services import recording
from tui.store import DataStore


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "home"))
    return DataStore(tmp_path / "home")


def _file_bytes(store: DataStore, session_id: str) -> tuple[bytes, bytes]:
    path = store.session_path(session_id)
    journal = path.with_name(path.name + ".journal")
    return path.read_bytes(), journal.read_bytes() if journal.exists() else b""


def test_a_negative_offset_is_taken_as_help_writes_it(home, capsys):
    """`--offset -0:45`, the form --help shows: argparse alone takes a value that starts with
    `-` and is no plain number for an option, and refused it ("expected one argument")."""
    session_id = make_session(home, shift=-45.0)
    assert main(["attach", session_id[:8], str(TRANSCRIPT), "--offset", "-0:45"]) == 0
    assert "offset -00:45" in capsys.readouterr().out
    assert main(["attach", session_id[:8], str(TRANSCRIPT), "--offset=-0:45"]) == 0
    assert "offset -00:45" in capsys.readouterr().out


def test_attach_align_and_quotes_from_the_command_line(home, tmp_path, capsys):
    session_id = make_session(home, shift=30.0)
    media = tmp_path / "interview.mp4"
    media.write_bytes(b"\0")
    code = main(
        ["attach", session_id[:8], str(TRANSCRIPT), "--media", str(media), "--offset", "0:30"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Attached interview.vtt (9 cues; Maya, P7)" in out and "offset +00:30" in out
    assert main(["align", session_id[:8], "--format", "json"]) == 0
    aligned = json.loads(capsys.readouterr().out)
    assert aligned["offset"] == 30.0 and aligned["media"] == str(media.resolve())
    by_note = {row["text"]: row for row in aligned["notes"]}
    assert by_note[NOTES[3][1]]["by"] == "text"
    assert by_note[NOTES[3][1]]["cue"]["text"].startswith("And the invite email")
    assert by_note[NOTES[3][1]]["time"] == "01:40"
    assert by_note[NOTES[-1][1]]["cue"] is None
    assert main(["align", session_id[:8]]) == 0
    text = capsys.readouterr().out
    assert "nothing said near this moment" in text and "(at its time)" in text
    assert main(["quotes", session_id[:8], "--format", "json"]) == 0
    quotes = json.loads(capsys.readouterr().out)["quotes"]
    assert [q["found"] for q in quotes] == [True, True, True, True, False]
    assert main(["quotes", session_id[:8]]) == 0
    text = capsys.readouterr().out
    assert "not found near this moment" in text
    assert "4 of 5 quotes found in the transcript." in text


def test_align_without_a_transcript_says_how_to_attach_one(home, capsys):
    session_id = make_session(home)
    assert main(["align", session_id]) == 1
    err = capsys.readouterr().err
    assert "no transcript is attached" in err and "fieldnote attach" in err
    assert "Traceback" not in err


def test_a_cue_text_that_holds_terminal_escapes_is_printed_as_symbols(home, tmp_path, capsys):
    session_id = make_session(home)
    hostile = tmp_path / "hostile.vtt"
    hostile.write_text(
        "WEBVTT\n\n00:00:40.000 --> 00:00:50.000\n<v P7>we went \x1b]0;pwned\x07 back\n",
        encoding="utf-8",
    )
    assert main(["attach", session_id, str(hostile)]) == 0
    assert main(["align", session_id]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out


def _refused(home, capsys, session_id: str, args: list[str]) -> str:
    before = _file_bytes(home, session_id)
    assert main(["attach", session_id, *args]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert _file_bytes(home, session_id) == before
    return err


def test_a_transcript_that_overlaps_none_of_the_notes_is_refused(home, tmp_path, capsys):
    session_id = make_session(home)
    err = _refused(home, capsys, session_id, [str(TRANSCRIPT), "--offset", "2:00:00"])
    assert "None of the 8 notes" in err and "offset" in err


def test_attaching_again_to_correct_the_offset_keeps_the_media(home, tmp_path, capsys):
    """`attach --offset` again, as the docs say to correct the offset, forgot the media file:
    p then said no audio or video file was attached."""
    session_id = make_session(home, shift=30.0)
    media = tmp_path / "interview.mp4"
    media.write_bytes(b"\0")
    assert main(["attach", session_id[:8], str(TRANSCRIPT), "--media", str(media)]) == 0
    assert main(["attach", session_id[:8], str(TRANSCRIPT), "--offset", "0:30"]) == 0
    assert f"Media: {media.resolve()}." in capsys.readouterr().out.splitlines()[-1]
    assert main(["quotes", session_id[:8], "--format", "json"]) == 0
    checked = json.loads(capsys.readouterr().out)
    assert checked["offset"] == 30.0 and checked["media"] == str(media.resolve())


def test_a_transcript_of_one_cue_says_one_cue(home, tmp_path, capsys):
    session_id = make_session(home)
    one = tmp_path / "one.vtt"
    one.write_text("WEBVTT\n\n00:00:40.000 --> 00:02:50.000\n<v P7>We gave up.\n", "utf-8")
    assert main(["attach", session_id[:8], str(one)]) == 0
    assert "Attached one.vtt (1 cue; P7)" in capsys.readouterr().out


def test_a_wrong_file_is_refused_even_at_the_right_offset(home, tmp_path, capsys):
    session_id = make_session(home)
    other = tmp_path / "other.srt"
    other.write_text("1\n01:10:00,000 --> 01:10:05,000\nA: hello there\n", encoding="utf-8")
    err = _refused(home, capsys, session_id, [str(other)])
    assert "check that it is this interview's transcript" in err


def test_an_empty_transcript_is_refused(home, tmp_path, capsys):
    session_id = make_session(home)
    empty = tmp_path / "empty.vtt"
    empty.write_text("", encoding="utf-8")
    err = _refused(home, capsys, session_id, [str(empty)])
    assert "Cannot attach" in err and "empty" in err and "import" not in err


def test_a_transcript_that_is_not_utf8_says_so_in_an_attachs_words(home, tmp_path, capsys):
    """Refusing a UTF-16 file, `attach` said to "import again"."""
    session_id = make_session(home)
    wide = tmp_path / "teams.vtt"
    wide.write_bytes("WEBVTT\n\n00:01.000 --> 00:02.000\nhello\n".encode("utf-16"))
    err = _refused(home, capsys, session_id, [str(wide)])
    assert "save it as UTF-8 and try again" in err and "import" not in err


def test_a_transcript_of_sounds_alone_is_refused(home, tmp_path, capsys):
    session_id = make_session(home)
    sounds = tmp_path / "sounds.vtt"
    sounds.write_text("WEBVTT\n\n00:00:40.000 --> 00:00:50.000\n[Music]\n", encoding="utf-8")
    err = _refused(home, capsys, session_id, [str(sounds)])
    assert "no spoken words" in err


def test_a_text_file_with_no_times_is_refused(home, tmp_path, capsys):
    """A guide picked by mistake was "Attached guide.md (1 cues)" in place of the transcript,
    every cue at 0:00: no quote found, every note linked to the guide's words."""
    session_id = make_session(home)
    guide = tmp_path / "guide.md"
    guide.write_text("## First week\n- What did you do instead?\n", encoding="utf-8")
    untimed = tmp_path / "zoom.txt"
    untimed.write_text("Maya: How did it go?\nP7: We gave up on day two.\n", encoding="utf-8")
    for wrong in (guide, untimed):
        err = _refused(home, capsys, session_id, [str(wrong)])
        assert f"Cannot attach {wrong}: none of its lines has a time" in err


def test_a_missing_media_file_is_refused(home, tmp_path, capsys):
    session_id = make_session(home)
    missing = tmp_path / "nowhere" / "interview.mp4"
    err = _refused(home, capsys, session_id, [str(TRANSCRIPT), "--media", str(missing)])
    assert "does not exist" in err and "media" in err


def test_a_media_path_that_is_no_file_is_not_said_to_be_missing(home, tmp_path, capsys):
    """A folder, a device or a pipe given as the media was refused as a file that "does not
    exist", while `ls` shows it there."""
    session_id = make_session(home)
    pipe = tmp_path / "interview.mp4"
    os.mkfifo(pipe)
    for media in (tmp_path, Path("/dev/null"), pipe):
        err = _refused(home, capsys, session_id, [str(TRANSCRIPT), "--media", str(media)])
        assert "does not exist" not in err, err
        assert "is no file but a pipe, a device or a folder" in err and "leave the media out" in err


def test_a_missing_transcript_and_a_bad_offset_are_refused(home, tmp_path, capsys):
    session_id = make_session(home)
    _refused(home, capsys, session_id, [str(tmp_path / "gone.vtt")])
    err = _refused(home, capsys, session_id, [str(TRANSCRIPT), "--offset", "soon"])
    assert "--offset" in err


def test_a_refused_attach_keeps_the_transcript_attached_before(home, tmp_path, capsys):
    session_id = make_session(home)
    recording.attach(home, session_id, TRANSCRIPT, now=START)
    empty = tmp_path / "empty.srt"
    empty.write_text("\n", encoding="utf-8")
    _refused(home, capsys, session_id, [str(empty)])
    assert recording.attached_source(home, session_id) == "interview.vtt"


def test_an_imported_transcript_session_takes_no_attachment(home, capsys):
    assert main(["import", str(TRANSCRIPT)]) == 0
    imported = capsys.readouterr().out.split()[0]
    err = _refused(home, capsys, imported, [str(TRANSCRIPT)])
    assert "imported transcript" in err


def test_a_pipe_as_the_transcript_is_refused_at_once(home, tmp_path, capsys):
    """Opened as a file, a pipe waited for a writer forever: `fieldnote attach` hung."""
    session_id = make_session(home)
    pipe = tmp_path / "interview.vtt"
    os.mkfifo(pipe)
    # Should the read wait after all, a writer that comes and goes ends it: a failure, no hang.
    release = threading.Timer(5, lambda: os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)))
    release.start()
    try:
        err = _refused(home, capsys, session_id, [str(pipe)])
    finally:
        release.cancel()
    assert "Cannot attach" in err and "no file but a pipe" in err


def test_an_untimed_srt_block_is_attached_as_its_own_cue_and_named(home, tmp_path, capsys):
    session_id = make_session(home)
    srt = tmp_path / "untimed.srt"
    srt.write_text(
        "1\n00:00:20,000 --> 00:00:30,000\nP7: We gave up.\n\n"
        "2\nP7: Nobody got the invite.\n\n"
        "3\n00:00:40,000 --> 00:00:50,000\nMaya: Then what?\n",
        encoding="utf-8",
    )
    assert main(["attach", session_id[:8], str(srt)]) == 0
    said = capsys.readouterr()
    assert "Attached untimed.srt (3 cues" in said.out
    assert "fieldnote: untimed.srt (line 5): a block with no timing" in said.err
    cues = home.open_session(session_id).read_recording()["cues"]
    assert [(c["start"], c["text"]) for c in cues] == [
        (20.0, "We gave up."),
        (30.0, "Nobody got the invite."),
        (40.0, "Then what?"),
    ]


def test_align_shows_a_question_marked_asked_as_a_mark_not_as_words_nobody_said(home, capsys):
    """A guide question marked asked is never linked to a cue: `align` printed the question
    as if it were a note, and under it "nothing said near this moment" while the
    interviewer was asking it."""
    session_id = make_session(home)
    session = home.open_session(session_id)
    session.append_note(
        Note(
            id=new_id(),
            session_id=session_id,
            author="Maya",
            text="What did you do instead?",
            kind="asked",
            started_at=to_iso(START + timedelta(seconds=30)),
            elapsed=30.0,
            question_id=None,
        ).to_doc()
    )
    session.close()
    assert main(["attach", session_id, str(TRANSCRIPT)]) == 0
    capsys.readouterr()
    assert main(["align", session_id]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("00:30  \u2713 asked: What did you do instead?")
    assert "nothing said" not in lines[at + 1]


def test_quotes_and_align_say_their_times_are_the_recordings(home, capsys):
    """The demo's `fieldnote quotes` gave a quote at 01:33 that the tagging screen and
    `fieldnote agree` list at 01:25 (rec 01:33), under a header ending `offset +8 s` that
    said neither which time it printed nor in the `+00:08` form attach gave the offset."""
    session_id = make_session(home, shift=30.0)
    assert main(["attach", session_id[:8], str(TRANSCRIPT), "--offset", "0:30"]) == 0
    capsys.readouterr()
    for command in ("quotes", "align"):
        assert main([command, session_id[:8]]) == 0
        header = capsys.readouterr().out.splitlines()[0]
        assert header.endswith(
            "times on the recording, 00:30 after the session's clock (offset +00:30)"
        ), header


@pytest.mark.parametrize("path", ["", "   "])
def test_an_empty_transcript_path_is_named_as_empty(home, capsys, path):
    # `attach X ""` read the empty path as the current folder: "Cannot attach .: it cannot be
    # read (it is no file but a pipe, a device or a folder)", a folder nobody named.
    session_id = make_session(home)
    before = _file_bytes(home, session_id)
    with pytest.raises(SystemExit) as ended:
        main(["attach", session_id[:8], path])
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert "TRANSCRIPT: it is empty; name the file" in err and "Cannot attach" not in err
    assert _file_bytes(home, session_id) == before
