"""The command line: ids on stdout, one-sentence errors on stderr, no tracebacks."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import pytest

from tui.cli import main
from tui.services.exchange.samples import load_study, sample_studies
from tui.store import DataStore

GUIDE = "## Warm-up\n- Tell me about your role.\n  - A normal week?\n- Do you use spreadsheets?\n"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_new_prints_only_the_id_and_note_appends(home, tmp_path, capsys):
    guide = tmp_path / "guide.md"
    guide.write_text(GUIDE, encoding="utf-8")
    assert (
        main(
            [
                "new",
                "Onboarding study - P7",
                "--participant",
                "P7",
                "--guide",
                str(guide),
                "--goal",
                "Why do trials stall in week one?",
            ]
        )
        == 0
    )
    session_id = capsys.readouterr().out.strip()
    assert len(session_id) == 32 and session_id.isalnum()
    assert (
        main(["note", session_id[:6], '"We gave up #pain/onboarding !frustrated', "--as", "Jonas"])
        == 0
    )
    capsys.readouterr()
    snapshot = DataStore(home).open_session(session_id).read()
    assert snapshot.session["goal"] == "Why do trials stall in week one?"
    (note,) = snapshot.notes
    assert note["kind"] == "quote" and note["author"] == "Jonas"
    assert note["tags"] == ["pain/onboarding"] and note["emotions"] == ["frustrated"]
    assert note["question_id"] == "q1"
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "Onboarding study - P7" in out and "    1 note   100% coded" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["open", "nope"], "No session matches 'nope'"),
        (["note", "nope", "text"], "No session matches"),
        (["new", "T", "--guide", "/no/such/guide.md"], "cannot read the guide"),
    ],
)
def test_user_mistakes_are_one_sentence(home, capsys, argv, message):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv, command, message",
    [
        (["export", "--all"], "fieldnote export", "the following arguments are required: --format"),
        (["report", "--format", "pdf"], "fieldnote report", "invalid choice: 'pdf'"),
        (["list", "--long"], "fieldnote list", "unrecognized arguments: --long"),
        (["bogus"], "fieldnote", "invalid choice: 'bogus'"),
        (["attach", "3f2a", "x.vtt", "--offset"], "fieldnote attach", "expected one argument"),
    ],
)
def test_a_wrong_argument_is_a_sentence_with_a_way_out(home, capsys, argv, command, message):
    """argparse's own message ("error: the following arguments are required: --format") said
    what was wrong, not where to look: it ends with the command whose --help lists them."""
    with pytest.raises(SystemExit) as ended:
        main(argv)
    assert ended.value.code == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert message in last and "error:" not in last, last
    assert last.startswith(f"{command}: ") and last.endswith(
        f"; run {command} --help for what each argument takes."
    ), last


def test_every_command_and_argument_says_what_it_is_in_its_help():
    """`fieldnote list --help` said nothing of what list does, and `new`'s title and
    --participant, `note`'s session, `tag`'s TAG, `export --format` and a dozen more were bare
    names: a newcomer reading --help had to guess what to give."""
    from tui.cli import build_parser

    parser = build_parser()
    bare = [
        f"{sub.prog} {action.dest}"
        for sub in [parser, *parser.commands.values()]
        for action in sub._actions
        if not action.help and not isinstance(action, argparse._SubParsersAction)
    ]
    assert bare == []
    undescribed = [name for name, sub in parser.commands.items() if not sub.description]
    assert undescribed == []
    assert "say which" not in parser.format_help()


def test_malformed_guide_names_the_line(home, tmp_path, capsys):
    guide = tmp_path / "bad.md"
    guide.write_text("## Warm-up\n- A question\n#### Too deep\n", encoding="utf-8")
    assert main(["new", "T", "--guide", str(guide)]) == 1
    err = capsys.readouterr().err
    assert f"{guide}, line 3:" in err
    assert main(["lint", str(guide)]) == 2


def test_python_dash_m_runs(home):
    result = subprocess.run(
        [sys.executable, "-m", "tui", "list"],
        capture_output=True,
        text=True,
        env={"FIELDNOTE_HOME": str(home), "PATH": ""},
    )
    assert result.returncode == 0 and "No sessions yet" in result.stderr


def test_a_pipe_whose_reader_went_away_ends_the_command_quietly(home):
    """`fieldnote list | head -1`: the rest of the list has no reader; no traceback."""
    store = DataStore(home)
    for study in sample_studies():
        load_study(store, study)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tui", "list"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env={"FIELDNOTE_HOME": str(home), "PATH": ""},
        )
    finally:
        os.close(write_end)
    assert result.returncode == 141 and result.stderr == ""


def test_sample_studies_are_realistic_and_load(tmp_path):
    studies = sample_studies()
    assert len(studies) >= 2
    store = DataStore(tmp_path)
    for study in studies:
        for session_id in load_study(store, study):
            snapshot = store.open_session(session_id).read()
            notes = snapshot.notes
            typed = [n for n in notes if n["kind"] != "asked"]
            assert len(typed) >= 30
            assert any(n["kind"] == "quote" for n in notes)
            assert any(n["emotions"] for n in notes) and any(n["tags"] for n in notes)
            assert any(n["starred"] for n in notes)
            assert len({n["author"] for n in typed}) >= 2
            assert snapshot.session["goal"] and snapshot.guide["sections"]
    summaries, problems = store.list_sessions()
    assert not problems and len({s.participant for s in summaries}) >= 6
    assert len(store.codebook.tags()) >= 20


def test_text_that_is_not_utf8_is_one_sentence(home, tmp_path, capsys):
    guide = tmp_path / "latin1.md"
    guide.write_bytes("## Caf\u00e9\n- How do you pay?\n".encode("latin-1"))
    assert main(["lint", str(guide)]) == 2
    assert main(["new", "T", "--guide", str(guide)]) == 1
    err = capsys.readouterr().err
    assert err.count(f"{guide}, line 1: this is not UTF-8 text") == 2 and "Traceback" not in err
    assert main(["new", "T"]) == 0
    session_id = capsys.readouterr().out.strip()
    # A shell in a non-UTF-8 locale hands Python surrogate escapes, which JSON cannot hold.
    assert main(["note", session_id, "caf\udce9 au lait"]) == 1
    assert "not valid UTF-8" in capsys.readouterr().err


def test_list_leaves_out_a_participant_never_named(home, capsys):
    """A session with no participant was listed with an empty "()" after its title."""
    assert main(["new", "Walk-in at the fair"]) == 0
    capsys.readouterr()
    assert main(["list"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.endswith("coded  Walk-in at the fair"), line


def test_a_line_break_in_a_name_keeps_each_listed_session_on_one_line(home, capsys):
    """`fieldnote new $'Line one\\nLine two' --participant $'P\\nQ'` made `list` print one
    session on three lines (a script reading it saw three sessions), and `agree`,
    `rename-speaker` and `align` split their lines the same way."""
    assert main(["new", "Line one\nLine two\ttab", "--participant", "P\nQ", "--study", "S\nT"]) == 0
    session_id = capsys.readouterr().out.strip()
    session = DataStore(home).open_session(session_id).read().session
    assert (session["title"], session["participant"], session["study"]) == (
        "Line one Line two tab",
        "P Q",
        "S T",
    )
    assert main(["note", session_id, "x #t", "--as", "Ma\nya"]) == 0
    note_id = capsys.readouterr().out.strip()
    (note,) = DataStore(home).open_session(session_id).read().notes
    assert note["author"] == "Ma ya" and note["id"] == note_id
    # A file written elsewhere (a hand edit, another tool) still lists on one line.
    main(["new", "Fine"])
    capsys.readouterr()
    other = next(p for p in (home / "sessions").glob("*.json") if session_id not in p.name)
    data = json.loads(other.read_text())
    data["session"]["1"]["title"] = "Hand\nedited"
    other.write_text(json.dumps(data))
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and any(line.endswith("Hand\u23ceedited") for line in lines)


def test_a_note_past_any_note_length_is_refused_before_it_is_stored(home, capsys, monkeypatch):
    """`fieldnote note ID - < transcript.txt` stored an 18 MB note whole: the tagging screen then
    took 80 s and 3 GB to list that one session, and would not quit meanwhile. (A megabyte is
    still taken: tests/test_exchange_cli.py.)"""
    import io

    from tui.domain.notes import MAX_NOTE_CHARS

    assert main(["new", "Big"]) == 0
    session_id = capsys.readouterr().out.strip()
    text = ("word " * 12 + "\n") * (MAX_NOTE_CHARS // 60 + 1)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    assert main(["note", session_id, "-"]) == 1
    err = capsys.readouterr().err
    assert "nothing was added" in err and "fieldnote attach" in err and err.count("\n") == 1
    assert DataStore(home).open_session(session_id).read().notes == []
    longest = "x" * MAX_NOTE_CHARS  # a note at the limit is taken
    assert main(["note", session_id, longest]) == 0


def test_list_cuts_a_huge_title_and_participant_to_a_line(home, capsys):
    """A 100,000-character title (a hand edit, another tool's file) was printed whole: one
    session flooded the terminal. The list cuts each field with an ellipsis."""
    assert main(["new", "Fine", "--participant", "P1"]) == 0
    session_id = capsys.readouterr().out.strip()
    path = home / "sessions" / f"{session_id}.json"
    data = json.loads(path.read_text())
    data["session"]["1"]["title"] = "T" * 100_000
    data["session"]["1"]["participant"] = "\u4eba" * 50_000  # wide characters: two cells each
    path.write_text(json.dumps(data))
    assert main(["list"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert len(line) < 200 and "T" * 50 + "\u2026" in line and "\u4eba\u2026)" in line
    assert line.startswith(session_id[:8])
