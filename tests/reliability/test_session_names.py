"""Write commands name one session exactly (item 7) and read only that one (item 8)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tui.cli import main
from tui.store import DataStore


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def new(capsys, title: str) -> str:
    assert main(["new", title]) == 0
    return capsys.readouterr().out.strip()


def note_counts(home) -> dict[str, int]:
    return {s.title: s.note_count for s in DataStore(home).list_sessions()[0]}


@pytest.mark.parametrize("ref", [".", "..", "v1", "Pricing", "pricing v1"])
def test_a_part_of_a_title_is_refused_with_the_candidates(home, capsys, ref):
    new(capsys, "Pricing v1.2 ../draft")
    new(capsys, "Pricing v1.3")
    assert main(["note", ref, "meant for somewhere else"]) == 1
    err = capsys.readouterr().err
    assert "could mean" in err and "Pricing v1." in err and "Traceback" not in err
    assert err.count("\n") == 1
    assert note_counts(home) == {"Pricing v1.2 ../draft": 0, "Pricing v1.3": 0}


def test_an_id_a_four_character_prefix_or_an_exact_title_is_taken(home, capsys):
    first = new(capsys, "Pricing v1.2")
    second = new(capsys, "Onboarding")
    assert main(["note", first, "by id"]) == 0
    assert main(["note", second[:4], "by prefix"]) == 0
    assert main(["note", "Pricing v1.2", "by title"]) == 0
    assert main(["note", "onboarding", "by title, case aside"]) == 0
    capsys.readouterr()
    assert note_counts(home) == {"Pricing v1.2": 2, "Onboarding": 2}
    assert main(["note", second[:3], "too short"]) == 1
    err = capsys.readouterr().err
    assert "prefix of 4 or more characters" in err and second[:8] in err
    assert note_counts(home) == {"Pricing v1.2": 2, "Onboarding": 2}


def test_two_sessions_with_one_title_are_both_named(home, capsys):
    ids = {new(capsys, "P7"), new(capsys, "P7")}
    assert main(["note", "P7", "which one?"]) == 1
    err = capsys.readouterr().err
    assert all(sid[:8] in err for sid in ids)


# Run in a fresh interpreter: an audit hook sees every file the command opens.
OPENS = textwrap.dedent(
    """
    import json, sys
    opened = []
    sys.addaudithook(lambda event, args: opened.append(str(args[0]))
                     if event == "open" and isinstance(args[0], str) else None)
    from tui.cli import main
    code = main(sys.argv[1:])
    print(json.dumps({"code": code, "opened": opened}), file=sys.stderr)
    """
)


def opened_by(home, *argv: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", OPENS, *argv],
        capture_output=True,
        text=True,
        env={"FIELDNOTE_HOME": str(home), "PATH": "", "FIELDNOTE_AUTHOR": "Ana"},
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, result.stderr
    return [path for path in report["opened"] if path.startswith(str(home))]


def test_a_note_reads_only_the_session_it_names(home, capsys):
    target = new(capsys, "Short one")
    beside = new(capsys, "Long one")
    beside_file = str(home / "sessions" / f"{beside}.json")
    for argv in (
        ("note", target, "plain"),
        ("note", target[:6], "#pain/setup tagged"),
    ):
        opened = opened_by(home, *argv)
        assert beside_file not in opened
        assert any(path.endswith(f"{target}.json") for path in opened)
    assert note_counts(home) == {"Short one": 2, "Long one": 0}
