"""A guide state whose current question the guide does not hold (a hand edit, a guide cut to
its limits) reads as the first open question, on the screen, for its keys and for
`fieldnote note`, rather than "No guide question" until the user moves."""

from __future__ import annotations

import orjson

from tests.test_interview import commit, stored_notes
from tui.cli import main
from tui.domain.guide import Guide, GuideState, parse_guide
from tui.widgets.guide_panel import GuidePanel


def _hand_edit_current(store, session_id, current: str, marks: dict) -> None:
    """The session file's guide state rewritten on disk, as an editor would leave it."""
    session_file = store.open_session(session_id)
    session_file.fold_journal()
    session_file.close()
    path = store.home / "sessions" / f"{session_id}.json"
    data = orjson.loads(path.read_bytes())
    (doc,) = data["guide"].values()
    doc["state"] = {"current": current, "marks": marks}
    path.write_bytes(orjson.dumps(data))


def test_settle_picks_the_first_open_question_or_the_last():
    guide = parse_guide("# G\n## S\n- one\n- two\n- three\n")
    state = GuideState(current="q42", marks={"q1": "asked"})
    state.settle(guide)
    assert state.current == "q2"
    state = GuideState(current="q42", marks={q: "asked" for q in ("q1", "q2", "q3")})
    state.settle(guide)
    assert state.current == "q3"
    state = GuideState(current="q2")
    state.settle(guide)
    assert state.current == "q2"
    empty = GuideState(current="q42")
    empty.settle(Guide())
    assert empty.current == "q42"  # no guide: nothing to fall back to, nothing shown


async def test_an_unknown_current_question_falls_back_to_the_first_open_one(
    make_app, store, session_id
):
    _hand_edit_current(store, session_id, "q42", {"q1": "asked"})
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert app.live.guide_state.current == "q2"
        assert screen.query_one(GuidePanel).query_one("#question-q2").has_class("-current")
        assert "No guide question" not in str(screen.query_one("#current-question").render())
        await commit(pilot, "on the second question")
        await pilot.press("ctrl+t")  # marks q2 asked and moves on, as from any question
        assert app.live.guide_state.current == "q3"
        notes = stored_notes(app)
        assert sorted((n["kind"], n["question_id"]) for n in notes) == [
            ("asked", "q2"),
            ("note", "q2"),
        ]


def test_fieldnote_note_files_a_note_under_the_question_the_screen_would_show(
    store, session_id, monkeypatch, capsys
):
    _hand_edit_current(store, session_id, "q42", {"q1": "asked"})
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    assert main(["note", session_id, "from a script"]) == 0
    (note,) = store.open_session(session_id).read().notes
    assert note["question_id"] == "q2"
