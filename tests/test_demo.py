"""`make demo` (`fieldnote demo`): the sessions screen first, every sample told apart at 80
columns."""

from __future__ import annotations

import json

from tests.waiting import wait_until
from tui.app import FieldnoteApp
from tui.cli import main
from tui.screens.home_screen import HomeScreen
from tui.store import DataStore


def test_demo_opens_on_the_sessions_screen_with_every_sample(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FIELDNOTE_DEMO_HOME", str(tmp_path / "demo"))
    monkeypatch.setenv("FIELDNOTE_CONFIG", str(tmp_path / "config"))
    opened: list[FieldnoteApp] = []
    monkeypatch.setattr(FieldnoteApp, "run", lambda app: opened.append(app))
    assert main(["demo"]) == 0
    (app,) = opened
    assert app.initial_session_id is None and app.initial_tagging is None
    assert len(app.store.list_sessions()[0]) == 7


async def test_the_demo_titles_differ_at_80_columns(tmp_path, monkeypatch, clock):
    monkeypatch.setenv("FIELDNOTE_DEMO_HOME", str(tmp_path / "demo"))
    monkeypatch.setenv("FIELDNOTE_CONFIG", str(tmp_path / "config"))
    monkeypatch.setattr(FieldnoteApp, "run", lambda app: None)
    assert main(["demo"]) == 0
    app = FieldnoteApp(DataStore(tmp_path / "demo"), author="Maya", now=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        home = app.screen
        assert isinstance(home, HomeScreen)
        await wait_until(pilot, lambda: len(home.summaries) == 7)
        await pilot.pause()
        table = home.query_one("DataTable")
        rows = [table.get_row_at(index)[0] for index in range(table.row_count)]
        width = table.columns["Title"].width
        shown = [str(title)[: width - 1] for title in rows]  # the last cell may be an ellipsis
        assert len(set(shown)) == 7, shown


def test_the_samples_rate_their_pain_points_so_severity_has_something_to_show(tmp_path):
    """Every sample note was unrated, so the demo's analysis showed "-" in Sev and Max for
    every tag and a newcomer never saw what a severity is for."""
    from tui.services.exchange.samples import load_study, sample_studies

    store = DataStore(tmp_path / "demo")
    for study in sample_studies():
        rated = []
        for session_id in load_study(store, study):
            notes = store.open_session(session_id).read().notes
            rated += [n["severity"] for n in notes if n.get("severity") is not None]
        assert len(rated) >= 8, study.name
        assert set(rated) <= {1, 2, 3, 4, 5} and len(set(rated)) >= 2, study.name


def test_the_samples_time_each_question_so_the_guide_coverage_has_times_to_compare(tmp_path):
    """No sample session logged when its guide moved on, so its first question was current for
    the whole interview: the demo's guide coverage gave "Tell me about your role." a mean of
    42:20 and every other question "-"."""
    from tui.services.analysis import StudyAnalysis
    from tui.services.exchange.samples import load_study, sample_studies

    store = DataStore(tmp_path / "demo")
    for study in sample_studies():
        name = json.loads((study / "study.json").read_text(encoding="utf-8"))["study"]
        load_study(store, study)
        coverage = StudyAnalysis(store, name).refresh(force=True).analysis.coverage
        timed = [row.mean_seconds for row in coverage if row.mean_seconds is not None]
        assert len(timed) >= len(coverage) - 2, (name, timed)
        assert max(timed) < 15 * 60, (name, timed)  # no question took the whole interview


def test_a_sample_note_carries_the_codings_ratings_and_spans_of_coders_after_the_interview(
    tmp_path,
):
    """A sample note held only what its author typed (inline #tags, their severity): a study
    coded by two researchers after the interview, the second blind, could not be shipped."""
    from tui.services.exchange.samples import load_study

    study = tmp_path / "study"
    study.mkdir()
    (study / "guide.md").write_text("## Warm-up\n- Tell me about your role.\n", encoding="utf-8")
    (study / "study.json").write_text(
        json.dumps({"study": "S", "goal": "G", "guide": "guide.md", "sessions": ["p1.json"]}),
        encoding="utf-8",
    )
    later = "2026-10-14T09:00:00Z"
    note = {
        "at": "01:00",
        "author": "Maya",
        "q": 1,
        "text": "Import rejected 61 rows #pain/import",
        "severity": 4,
        "codings": [{"tag": "pain/import", "coder": "Jonas", "at": later}],
        "ratings": [{"severity": 5, "coder": "Jonas", "at": later}],
        "excerpts": [
            {
                "start": 0,
                "end": 23,
                "codings": [{"tag": "pain", "coder": "Jonas", "at": later}],
                "ratings": [{"severity": 3, "coder": "Jonas", "at": later}],
            }
        ],
    }
    (study / "p1.json").write_text(
        json.dumps(
            {
                "title": "P1",
                "participant": "P1",
                "interviewers": ["Maya", "Jonas"],
                "started_at": "2026-10-13T14:00:00Z",
                "notes": [note],
                "asked": [1],
                "current": 1,
            }
        ),
        encoding="utf-8",
    )
    store = DataStore(tmp_path / "home")
    (session_id,) = load_study(store, study)
    snapshot = store.open_session(session_id).read()
    (stored,) = [n for n in snapshot.notes if n["kind"] != "asked"]
    assert stored["tags"] == ["pain/import"]
    assert [(c["coder"], c["at"]) for c in stored["codings"]] == [
        ("Maya", "2026-10-13T14:01:00.000Z"),
        ("Jonas", later),
    ]
    assert [(r["coder"], r["severity"]) for r in stored["ratings"]] == [("Maya", 4), ("Jonas", 5)]
    assert stored["severity"] == 4  # the lower middle of 4 and 5
    (span,) = snapshot.excerpts
    assert (span["note_id"], span["start"], span["end"]) == (stored["id"], 0, 23)
    assert span["tags"] == ["pain"] and span["codings"] == note["excerpts"][0]["codings"]
    assert span["severity"] == 3 and span["ratings"] == note["excerpts"][0]["ratings"]
    assert {"pain", "pain/import"} <= {t["name"] for t in store.codebook.tags()}


def test_the_demo_has_double_coded_sessions_whose_agreement_is_neither_none_nor_perfect(
    tmp_path,
):
    """Each coder tagged only their own notes, so the demo's agreement was near zero with
    nothing worth settling. A team double-codes a share of its sessions: two of the sample
    interviews were coded by both researchers, with real disagreements."""
    from tui.domain.codings import coders_of
    from tui.services.exchange.samples import load_study, sample_studies
    from tui.services.team.agreement import compute, load

    store = DataStore(tmp_path / "demo")
    double: list[str] = []
    for study in sample_studies():
        for session_id in load_study(store, study):
            snapshot = store.open_session(session_id).read()
            if any(len(coders_of(doc)) > 1 for doc in [*snapshot.notes, *snapshot.excerpts]):
                double.append(session_id)
    assert len(double) >= 2
    for ids in ([*double], *([one] for one in double)):  # the pair, and each one on screen
        result = compute(load(store, ids), None)
        assert result.problem is None and result.study is not None
        (pair,) = result.study.pairs
        assert pair.kappa is not None and 0.5 <= pair.kappa <= 0.85, (ids, pair.kappa)
        assert pair.alpha is not None and 0 < pair.alpha < 1
        assert 0 < pair.overlap < 1  # a span where the other coded the whole note
        assert 5 <= len(result.disagreements) <= 30
        (rated,) = result.ratings.pairs
        assert rated.alpha is not None and 0 < rated.alpha < 1  # a severity rated otherwise
