"""Every user string a command prints is shown, never obeyed by the terminal (issue 11, item 4).

A title, participant, guide question or path can hold an OSC 52 sequence (writes the clipboard
of whoever lists a shared folder), a CSI that clears the screen, or a right-to-left override
that makes the rest of the line lie. Each test writes such a string the way a user or a file
would, runs the command and checks the bytes printed hold none of it.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import tui.cli
from tui.cli import main

OSC52 = "\x1b]52;c;ZXZpbA==\x07"
CLEAR = "\x1b[2J"
RLO = "\u202e"
HOSTILE = f"Onboarding {OSC52}{CLEAR}P7{RLO}txt.exe"
RAW = ("\x1b", "\x07", "\x9b", RLO)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def assert_inert(text: str) -> None:
    assert not any(raw in text for raw in RAW), repr(text)


def test_list_shows_hostile_titles_and_participants_as_symbols(home, capsys):
    assert main(["new", HOSTILE, "--participant", f"P{CLEAR}7"]) == 0
    capsys.readouterr()
    assert main(["list"]) == 0
    out, err = capsys.readouterr()
    assert_inert(out + err)
    assert "Onboarding \u241b]52;c;ZXZpbA==\u2407\u241b[2JP7\ufffdtxt.exe" in out


def test_no_session_matches_error_is_inert(home, capsys):
    assert main(["note", f"x{OSC52}", "text"]) == 1
    err = capsys.readouterr().err
    assert "No session matches" in err or "is not a session" in err
    assert_inert(err)


def test_ambiguous_titles_in_an_error_are_inert(home, capsys):
    for _ in range(2):
        assert main(["new", HOSTILE]) == 0
    capsys.readouterr()
    assert main(["note", HOSTILE, "text"]) == 1
    err = capsys.readouterr().err
    # Each title as the user sees it, its escapes as symbols (not as Python's \\x1b).
    assert "could mean 2 sessions (" in err and "\\x1b" not in err and "\u241bP7" not in err
    assert err.count("\u201cOnboarding \u241b]52") == 2
    assert_inert(err)


def test_lint_output_is_inert(tmp_path, capsys):
    guide = tmp_path / f"guide{CLEAR}{RLO}.md"
    guide.write_text(f"## A\n- Don't you think {CLEAR}it is easy{RLO}?\n", encoding="utf-8")
    assert main(["lint", str(guide)]) == 1
    out = capsys.readouterr().out
    assert ":2:3: leading:" in out
    assert_inert(out)


def test_paths_in_errors_are_inert(tmp_path, capsys):
    assert main(["lint", str(tmp_path / f"g{OSC52}.md")]) == 2
    err = capsys.readouterr().err
    assert "cannot read the guide" in err
    assert_inert(err)
    assert main(["keys", "--keymap", str(tmp_path / f"k{CLEAR}.toml")]) == 1
    assert_inert(capsys.readouterr().err)


def test_cli_prints_only_through_say_and_warn():
    """The rule lives in one place: no bare print() or stream write outside the helpers."""
    tree = ast.parse(Path(tui.cli.__file__).read_text(encoding="utf-8"))
    helpers = {"say", "warn", "_safe"}
    offenders = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef) or func.name in helpers:
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name == "print" or name.endswith(("stdout.write", "stderr.write")):
                    offenders.append(f"{func.name}: {name}")
    assert not offenders


BROKEN = "Onboarding\nP7\r\x1b[2J"
"""A title or name hand-edited into a file with a line break (and an escape): it must not
split the one line a command prints about it."""


def _retitle(home: Path, session_id: str, **fields: str) -> None:
    from tui.store import DataStore

    store = DataStore(home)
    session_file = store.open_session(session_id)
    try:
        session_file.update_session(fields)
    finally:
        session_file.close()


def _one_line_each(out: str, *starts: str) -> None:
    assert_inert(out)
    for start in starts:
        (line,) = [line for line in out.splitlines() if line.startswith(start)]
        assert "Onboarding\u23ceP7" in line, out


def test_rename_speaker_says_its_summary_on_one_line(home, capsys):
    assert main(["new", "T", "--participant", "Mr Praline"]) == 0
    session_id = capsys.readouterr().out.strip()
    _retitle(home, session_id, title=BROKEN)
    assert main(["rename-speaker", session_id[:8], "Mr Praline", "Praline"]) == 0
    _one_line_each(capsys.readouterr().out, "Renamed")


def test_align_prints_a_title_and_a_transcript_name_on_one_line(home, tmp_path, capsys):
    from tests.recording_study import TRANSCRIPT, make_session
    from tui.store import DataStore

    session_id = make_session(DataStore(home))
    transcript = tmp_path / "Onboarding\nP7.vtt"
    transcript.write_bytes(TRANSCRIPT.read_bytes())
    assert main(["attach", session_id[:8], str(transcript)]) == 0
    attached = capsys.readouterr().out
    assert attached.count("\n") == 1 and "Attached Onboarding\u23ceP7.vtt (" in attached
    _retitle(home, session_id, title=BROKEN)
    assert main(["align", session_id[:8]]) == 0
    out = capsys.readouterr().out
    assert_inert(out)
    header = out.splitlines()[0]
    assert "Onboarding\u23ceP7\u240d\u241b[2J" in header and "Onboarding\u23ceP7.vtt" in header


def test_agree_names_a_lone_coder_on_one_line(home, capsys, monkeypatch):
    monkeypatch.setenv("FIELDNOTE_AUTHOR", "Maya")
    assert main(["new", "T"]) == 0
    session_id = capsys.readouterr().out.strip()
    assert main(["note", session_id, "a #pain", "--as", "Zed"]) == 0
    capsys.readouterr()
    for written in home.glob(f"sessions/{session_id}.json*"):  # a hand edit of the coder
        if written.suffix in (".json", ".journal"):
            raw = written.read_text(encoding="utf-8")
            written.write_text(raw.replace('"Zed"', json.dumps(BROKEN)), encoding="utf-8")
    assert main(["agree", session_id]) == 1
    _one_line_each(capsys.readouterr().out, "Agreement needs two coders")
