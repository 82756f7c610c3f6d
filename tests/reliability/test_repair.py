"""A damaged journal loses only its damaged lines: `fieldnote repair` keeps the rest and the
originals; a note id stored twice is named, and the later write wins. Crafted journals."""

from __future__ import annotations

import orjson
import pytest

from tui.cli import main
from tui.store import DataStore


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def session_with_notes(capsys, count: int = 4) -> tuple[str, list[str]]:
    assert main(["new", "P7"]) == 0
    session_id = capsys.readouterr().out.strip()
    note_ids = []
    for n in range(count):
        assert main(["note", session_id, f"note {n}"]) == 0
        note_ids.append(capsys.readouterr().out.strip())
    return session_id, note_ids


def texts(home, session_id) -> list[str]:
    return [n["text"] for n in DataStore(home).open_session(session_id).read().notes]


def test_repair_keeps_every_readable_line_and_the_originals(home, capsys):
    session_id, _ = session_with_notes(capsys)
    path = home / "sessions" / f"{session_id}.json"
    journal = path.with_name(path.name + ".journal")
    lines = journal.read_bytes().splitlines(keepends=True)
    damaged = b"".join([lines[0], b'{"set": {"notes": {"9": {"id": \n', *lines[1:], b'{"set"'])
    journal.write_bytes(damaged)
    original = path.read_bytes()

    assert main(["list"]) == 1
    err = capsys.readouterr().err
    assert f"run fieldnote repair {session_id}" in err and "move it out" not in err

    assert main(["repair", session_id[:8]]) == 0
    out = capsys.readouterr().out
    assert "4 journal line(s) kept, 2 damaged line(s) left out" in out
    assert texts(home, session_id) == [f"note {n}" for n in range(4)]
    assert path.with_name(path.name + ".before-repair").read_bytes() == original
    assert journal.with_name(journal.name + ".before-repair").read_bytes() == damaged
    assert not journal.exists()

    assert main(["note", session_id, "after the repair"]) == 0
    assert texts(home, session_id)[-1] == "after the repair"
    assert main(["repair", session_id]) == 0
    assert "nothing was changed" in capsys.readouterr().out


def test_a_second_repair_never_overwrites_the_first_originals(home, capsys):
    session_id, _ = session_with_notes(capsys, 1)
    journal = home / "sessions" / f"{session_id}.json.journal"
    for _ in range(2):
        before = journal.read_bytes() if journal.exists() else b""
        journal.write_bytes(before + b"not json\n")
        code = main(["repair", session_id])
    assert code == 1
    err = capsys.readouterr().err
    assert "already there from an earlier repair" in err and err.count("\n") == 1
    assert journal.read_bytes() == b"not json\n"  # nothing changed by the refused repair


def test_a_note_id_reused_under_another_document_is_named_and_the_later_wins(home, capsys):
    session_id, note_ids = session_with_notes(capsys)
    path = home / "sessions" / f"{session_id}.json"
    journal = path.with_name(path.name + ".journal")
    reused = {
        "set": {
            "notes": {
                "99": {
                    **orjson.loads(
                        orjson.dumps(DataStore(home).open_session(session_id).read().notes[1])
                    ),
                    "text": "rewritten",
                }
            }
        }
    }
    journal.write_bytes(journal.read_bytes() + orjson.dumps(reused) + b"\n")

    assert main(["list"]) == 1
    err = capsys.readouterr().err
    assert str(path) in err and f"its note {note_ids[1]} is stored twice" in err
    assert "as documents 2 and 99" in err and "keeps document 99" in err
    assert err.count("\n") == 1
    assert main(["export", "--all", "--format", "json"]) == 1
    capsys.readouterr()

    assert main(["repair", session_id]) == 0
    assert "1 earlier copy(ies)" in capsys.readouterr().out
    assert texts(home, session_id) == ["note 0", "rewritten", "note 2", "note 3"]
    (summary,) = DataStore(home).list_sessions()[0]
    assert summary.note_count == 4


def test_a_damaged_session_file_is_beyond_repair_and_left_as_it_was(home, capsys):
    session_id, _ = session_with_notes(capsys, 1)
    path = home / "sessions" / f"{session_id}.json"
    path.write_bytes(b"{ not json")
    assert main(["list"]) == 1
    assert "repair it or move it out" in capsys.readouterr().err  # no advice that cannot work
    assert main(["report"]) == 1
    assert "fieldnote repair" not in capsys.readouterr().err  # nor in the report's last line
    assert main(["repair", session_id]) == 1
    err = capsys.readouterr().err
    assert f"Cannot repair {path}: it is not valid JSON" in err and "backup" in err
    assert err.count("\n") == 1 and path.read_bytes() == b"{ not json"
    assert not path.with_name(path.name + ".before-repair").exists()
