"""Valid JSON of the wrong shape is one sentence, never a traceback (item 2); one bad file
stops nothing else (item 12). Each test writes a crafted file, as a script or a hand edit would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import main
from tui.store.storage import journal_path, read_tables

# (what to break, the field the sentence must name)
WRONG = {
    "clock-is-text": (lambda d: d["session"]["1"].update(clock="10:00"), "'clock'"),
    "sections-is-text": (
        lambda d: d["guide"]["1"]["guide"].update(sections="Warm-up"),
        "'guide sections'",
    ),
    "elapsed-is-text": (lambda d: d["notes"]["1"].update(elapsed="x"), "'elapsed'"),
    "tags-is-text": (lambda d: d["notes"]["1"].update(tags="pain"), "'tags'"),
    "coding-tag-not-text": (
        lambda d: d["notes"]["1"].update(codings=[{"tag": 3, "coder": "Bo", "at": None}]),
        "'codings #1 tag'",
    ),
    "coding-without-coder": (
        lambda d: d["notes"]["1"].update(codings=[{"tag": "pain", "at": None}]),
        "'codings #1 coder'",
    ),
    "codings-is-text": (lambda d: d["notes"]["1"].update(codings="pain by Bo"), "'codings'"),
    "question-without-text": (
        lambda d: d["guide"]["1"]["guide"]["sections"][0]["questions"][0].pop("text"),
        "'guide sections #1 questions #1 text'",
    ),
    "running-since-garbage": (
        lambda d: d["session"]["1"]["clock"].update(running_since="yesterday"),
        "'clock running_since'",
    ),
    "talk-is-text": (lambda d: d["session"]["1"].update(talk="loud"), "'talk'"),
    "visit-not-a-pair": (
        lambda d: d["session"]["1"].update(question_visits=[[0, "q1"], ["soon", "q2"]]),
        "'question_visits #2'",
    ),
    "marks-not-text": (
        lambda d: d["guide"]["1"]["state"].update(marks={"q1": 3}),
        "'state marks'",
    ),
    # The interview aids' fields.
    "talk-switch-not-a-pair": (
        lambda d: d["session"]["1"].update(talk={"switches": [[0, "interviewer"], [5]]}),
        "'talk switches #2'",
    ),
    "question-visit-not-a-pair": (
        lambda d: d["session"]["1"].update(question_visits=[["10", "q1"]]),
        "'question_visits #1'",
    ),
    "followup-status-not-text": (
        lambda d: d["session"]["1"].update(followups={"abc": {"status": 1}}),
        "'followups abc status'",
    ),
    "debrief-answer-not-text": (
        lambda d: d["session"]["1"].update(debrief={"Maya": {"quote": ["x"]}}),
        "'debrief Maya quote'",
    ),
}


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def two_sessions(home: Path, capsys, tmp_path: Path) -> tuple[str, str]:
    guide = tmp_path / "guide.md"
    guide.write_text("## Warm-up\n- How do you plan a week?\n", encoding="utf-8")
    ids = []
    for title in ("Broken", "Fine"):
        assert main(["new", title, "--guide", str(guide)]) == 0
        ids.append(capsys.readouterr().out.strip())
        assert main(["note", ids[-1], "a first note"]) == 0
        capsys.readouterr()
    return ids[0], ids[1]


def break_file(path: Path, how) -> bytes:
    """Rewrite the file whole, its journal folded in (a tool that knows nothing of it)."""
    data = read_tables(path)
    how(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    journal_path(path).unlink(missing_ok=True)
    return path.read_bytes()


@pytest.mark.parametrize("case", list(WRONG))
def test_each_command_says_which_field_and_touches_nothing(home, capsys, tmp_path, case):
    broken, fine = two_sessions(home, capsys, tmp_path)
    how, field = WRONG[case]
    path = home / "sessions" / f"{broken}.json"
    before = break_file(path, how)
    for argv in (["note", broken, "more"], ["open", broken], ["code", broken]):
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert str(path) in err and field in err and "table, document" in err
        assert "left untouched" in err
    assert path.read_bytes() == before
    # The other session is unaffected; the list shows it and marks the broken one.
    assert main(["note", fine, "still works"]) == 0
    assert main(["list"]) == 1
    out, err = capsys.readouterr()
    assert "Fine" in out and f"{broken[:8]}  unreadable: in its '" in out
    assert field in err


def test_a_wrong_codebook_field_is_a_sentence(home, capsys, tmp_path):
    _, fine = two_sessions(home, capsys, tmp_path)
    assert main(["note", fine, "#pain"]) == 0
    codebook = home / "codebook.json"
    before = break_file(codebook, lambda d: d["tags"]["1"].update(uses="many"))
    assert main(["note", fine, "#pain again"]) == 0  # the note is saved; the count is not
    err = capsys.readouterr().err
    assert "'tags' table, document 1" in err and "'uses'" in err and "whole number" in err
    assert codebook.read_bytes() == before


def test_list_survives_a_file_of_any_shape(home, capsys, tmp_path):
    _, fine = two_sessions(home, capsys, tmp_path)
    sessions = home / "sessions"
    (sessions / "garbage.json").write_text('{"notes": {"1": {"id": 5}}}', encoding="utf-8")
    (sessions / "cut.json").write_text('{"session": {"1": {"id": "cut"', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "tui", "list"],
        capture_output=True,
        text=True,
        env={"FIELDNOTE_HOME": str(home), "PATH": ""},
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Fine" in result.stdout and "Broken" in result.stdout
    assert "garbage  unreadable:" in result.stdout and "cut  unreadable:" in result.stdout


def test_list_says_a_damaged_line_is_the_journals(home, capsys, tmp_path):
    """A damaged journal line was listed as `<id>.json  unreadable: its line 3 ...`, sending a
    reader to line 3 of the session file, which is whole."""
    broken, _ = two_sessions(home, capsys, tmp_path)
    with journal_path(home / "sessions" / f"{broken}.json").open("a", encoding="utf-8") as file:
        file.write("garbage\n")
    assert main(["list"]) == 1
    out = capsys.readouterr().out
    assert f"{broken[:8]}'s journal  unreadable: its line " in out
    assert f"{broken}.json" not in out


def test_a_copy_of_a_session_file_under_another_name_is_not_a_second_session(
    home, capsys, tmp_path
):
    """A backup made beside the original (`cp ID.json ID-backup.json`, its journal too) was
    listed as a second session with the same id, and the report and the agreement counted
    every note of it twice."""
    copied, fine = two_sessions(home, capsys, tmp_path)
    sessions = home / "sessions"
    for suffix in (".json", ".json.journal"):
        source = sessions / f"{copied}{suffix}"
        if source.exists():
            (sessions / f"{copied}-backup{suffix}").write_bytes(source.read_bytes())
    backup = sessions / f"{copied}-backup.json"
    before = backup.read_bytes()
    assert main(["list"]) == 1
    out, err = capsys.readouterr()
    listed = [line for line in out.splitlines() if "unreadable:" not in line]
    assert [line[:8] for line in listed].count(copied[:8]) == 1
    assert f"{copied}-backup  unreadable:" in out
    assert f"{copied}.json" in out  # names the file it copies
    assert main(["report"]) == 1  # never a report that counts a session twice
    assert "2 sessions" not in capsys.readouterr().out
    assert main(["note", f"{copied}-backup", "into the copy"]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert backup.read_bytes() == before
    assert main(["note", copied, "into the session"]) == 0  # the original works as before
