"""One person, one name: renaming or merging a speaker or participant of a session, through
the service, `fieldnote rename-speaker` and the sessions screen's `p`."""

from __future__ import annotations

import pytest

from tests.disk_faults import remount
from tests.record_study import STUDY, pet_shop
from tests.waiting import workers_done
from tui.cli import main
from tui.services.analysis import StudyAnalysis
from tui.services.session_setup import create_session
from tui.services.speakers import RenameError, rename_speaker, session_people
from tui.store import DataStore


@pytest.fixture
def study(store, clock, monkeypatch):
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    return pet_shop(store, clock)


def analysis_of(store):
    service = StudyAnalysis(store, STUDY)
    try:
        return service.refresh().analysis
    finally:
        service.close()


def praline_cues(store) -> list[str]:
    analysis = analysis_of(store)
    (praline,) = analysis.participants
    cell = [analysis.evidence[i] for i in analysis.cell(praline.key, "pain/quality")]
    return sorted(e.note_id for e in cell if e.kind == "transcript")


def test_merging_a_speaker_into_the_participant_counts_their_cues(study, store):
    _, call = study
    assert praline_cues(store) == ["cue2"]
    assert session_people(store, call)[1] == ["Praline", "Shopkeeper", "Mr Praline"]
    renamed = rename_speaker(store, call, "mr  PRALINE", "Praline")
    assert (renamed.old, renamed.notes, renamed.merged, renamed.participant) == (
        "Mr Praline",
        1,
        True,
        False,
    )
    assert praline_cues(store) == ["cue2", "cue4"]
    assert session_people(store, call)[1] == ["Praline", "Shopkeeper"]
    stone_dead = next(e for e in analysis_of(store).evidence if e.note_id == "cue4")
    assert stone_dead.citation() == "It's stone dead \u2014 Praline, 00:40"


def test_two_names_for_one_participant_become_one(study, store, clock):
    again = create_session(
        store, title="Praline - return visit", participant="Mr Praline", now=clock(), study=STUDY
    )
    assert [p.name for p in analysis_of(store).participants] == ["Mr Praline", "Praline"]
    renamed = rename_speaker(store, again, "Mr Praline", "Praline")
    assert renamed.participant and renamed.notes == 0
    assert [p.name for p in analysis_of(store).participants] == ["Praline"]


def test_renaming_a_note_taker_moves_their_notes_and_debrief(study, store):
    live, _ = study
    session_file = store.open_session(live)
    session_file.change_session(
        lambda record: {"debrief": {**record["debrief"], "Sam": {"surprised": "", "change": "x"}}}
    )
    session_file.close()
    renamed = rename_speaker(store, live, "Sam", "Maya")  # one note-taker after all
    assert renamed.merged and renamed.notes == 2
    snapshot = DataStore(store.home).open_session(live).read()
    assert {n["author"] for n in snapshot.notes} == {"Maya"}
    # Maya's answers stay where both answered; Sam's fill what she left empty.
    assert list(snapshot.session["debrief"]) == ["Maya"]
    assert snapshot.session["debrief"]["Maya"]["surprised"] == "He brought the bird"
    assert snapshot.session["debrief"]["Maya"]["change"] == "ask sooner"
    assert snapshot.session["participant"] == "Praline"


def test_an_unknown_name_is_refused_with_who_is_there(study, store):
    live, _ = study
    with pytest.raises(RenameError, match="Nobody is called Polly .*Praline, Maya, Sam"):
        rename_speaker(store, live, "Polly", "Praline")
    with pytest.raises(RenameError, match="empty"):
        rename_speaker(store, live, "Sam", "  ")


def test_the_command_renames_and_says_what_changed(study, store, capsys):
    _, call = study
    assert main(["rename-speaker", call, "Mr Praline", "Praline"]) == 0
    out = capsys.readouterr().out
    assert out == "Merged Mr Praline into Praline in \u201cPraline - phone call\u201d: 1 note.\n"
    assert main(["rename-speaker", call, "Mr Praline", "Praline"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("fieldnote: Nobody is called Mr Praline") and "Traceback" not in err


def test_a_read_only_data_folder_is_a_sentence_not_a_traceback(tmpfs, clock, capsys, monkeypatch):
    store = DataStore(tmpfs / "data")
    monkeypatch.setenv("FIELDNOTE_HOME", str(store.home))
    _, call = pet_shop(store, clock)
    store.codebook.close()
    remount(tmpfs, read_only=True)
    try:
        assert main(["rename-speaker", call, "Mr Praline", "Praline"]) == 1
    finally:
        remount(tmpfs, read_only=False)
    err = capsys.readouterr().err
    assert err.startswith("fieldnote: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert praline_cues(DataStore(store.home)) == ["cue2"]  # nothing half-renamed


async def test_the_sessions_screen_renames_a_person(study, store, make_app):
    _, call = study
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        home = app.screen
        await pilot.wait_for_scheduled_animations()
        await workers_done(app)
        await pilot.pause()
        table = home.query_one("DataTable")
        titles = [str(table.get_row_at(row)[0]) for row in range(table.row_count)]
        table.move_cursor(row=next(i for i, t in enumerate(titles) if "phone call" in t))
        await pilot.press("p")
        await workers_done(app)
        await pilot.pause()
        prompt = app.screen
        assert "Mr Praline" in str(prompt.query_one(".dialog-help").render())
        await pilot.press(*"Polly=Praline", "enter")
        assert app.screen is prompt  # nobody by that name: the prompt says so and stays
        assert "Nobody is called Polly" in str(prompt.query_one("#prompt-error").render())
        prompt.query_one("Input").value = "Mr Praline=Praline"
        await pilot.press("enter")
        await workers_done(app)
        await pilot.pause()
        assert app.screen is home
    assert praline_cues(store) == ["cue2", "cue4"]
