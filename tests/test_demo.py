"""`make demo` (`fieldnote demo`): the sessions screen first, every sample told apart at 80
columns."""

from __future__ import annotations

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
