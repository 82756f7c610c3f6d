"""The analysis screen: parts, sorting, drill-down to the tagging screen, copying, live updates."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pyperclip
import pytest
from textual.widgets import ContentSwitcher, DataTable

from tests.analysis_study import study_sessions, write_study
from tests.waiting import shows, wait_until, workers_done
from tui.app import FieldnoteApp
from tui.domain.analysis import SessionInput
from tui.screens.analysis_screen import PARTS, AnalysisScreen
from tui.screens.home_screen import HomeScreen
from tui.screens.tagging_screen import TaggingScreen
from tui.services.actions import action_spec
from tui.widgets.priority_matrix import mark
from tui.widgets.theme_table import ThemeTable


@pytest.fixture
def study(store):
    return write_study(store)


def test_fieldnote_analyse_takes_as_as_every_command_does(monkeypatch, store, study, capsys):
    """`analyse --as ""` opened as the login name where every other command says --as is
    empty, and a name with a line break was not folded to one line."""
    from tui import cli

    authors = []
    monkeypatch.setattr(cli, "_store", lambda **_: store)
    monkeypatch.setattr(cli, "_run_app", lambda _store, author, **k: authors.append(author) or 0)
    assert cli.main(["analyse", "--as", ""]) == cli.EXIT_FAILED
    assert "--as is empty; give your name" in capsys.readouterr().err
    assert cli.main(["analyse", "--as", "Ma\nya"]) == 0
    assert authors == ["Ma ya"]


@pytest.fixture
def copied(monkeypatch) -> list[str]:
    got: list[str] = []
    monkeypatch.setattr(pyperclip, "copy", got.append)
    monkeypatch.delenv("TMUX", raising=False)
    return got


def analysis_app(store, clock, study: str | None = "Onboarding") -> FieldnoteApp:
    return FieldnoteApp(store, author="Maya", now=clock, analysis=study or "")


async def settle(pilot) -> None:
    for _ in range(3):
        await workers_done(pilot.app)
        await pilot.pause()


def keys_of(table) -> list[str]:
    if isinstance(table, ThemeTable):
        return list(table.keys)
    return [row.key.value for row in table.ordered_rows]


async def test_themes_sort_by_each_column_and_reverse(store, clock, study):
    app = analysis_app(store, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnalysisScreen) and screen.reads == 1
        table = screen.query_one(ThemeTable)
        # By participants first: pain (3 of 3), then the 2-of-3 tags by excerpts.
        assert keys_of(table)[0] == "pain"
        assert table.row_text("pain")[4] == "3 of 3"
        await pilot.press("s")  # severity
        assert screen.sort_column == "severity"
        # A tree sorted at each level: each sub-tag stays under its parent.
        assert keys_of(table) == ["pain", "pain/onboarding", "pain/pricing", "workaround", "idea"]
        assert "Sev\u25bc" in str(screen.query_one("#themes-header").render())
        await pilot.press("r")
        assert keys_of(table) == ["workaround", "pain", "pain/pricing", "pain/onboarding", "idea"]
        for _ in range(3):  # max, emotions, tag
            await pilot.press("s")
        # By name, A to Z first.
        assert screen.sort_column == "tag" and keys_of(table)[0] == "idea"
        await pilot.press("r")
        assert keys_of(table)[0] == "workaround"


async def test_each_part_is_one_key_away(store, clock, study):
    app = analysis_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        switcher = app.screen.query_one(ContentSwitcher)
        for key, part in zip(
            "234561",
            ["matrix", "pairs", "grid", "coverage", "followups-part", "themes-part"],
            strict=True,
        ):
            await pilot.press(key)
            assert switcher.current == part
        await pilot.press("2")
        ranked = app.screen.query_one("#ranked", DataTable)
        assert keys_of(ranked) == ["pain/onboarding", "pain/pricing", "workaround", "idea"]
        await pilot.press("5")
        coverage = app.screen.query_one("#coverage", DataTable)
        assert [str(c) for c in coverage.get_row_at(0)][1:] == ["2/3", "0", "1", "00:55"]


async def test_enter_lists_evidence_and_enter_again_opens_the_note_for_tagging(store, clock, study):
    app = analysis_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(ThemeTable)
        table.move_to(table.keys.index("pain/onboarding"))
        await pilot.press("enter")
        assert screen.query_one(ContentSwitcher).current == "evidence-part"
        assert [e.note_id for e in screen.evidence] == ["n1", "n4", "m1", "k1"]
        assert "4 excerpts" in str(screen.query_one("#evidence-title").render())
        await pilot.press("down")  # the span of n4
        await pilot.press("enter")
        await settle(pilot)
        tagging = app.screen
        assert isinstance(tagging, TaggingScreen)
        assert tagging.current.session_id == "s1" and tagging.current.span["id"] == "e2"
        screen._poll()  # beneath the tagging screen: no analysis while it tags
        assert not screen._reading
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and screen.drill is not None
        await pilot.press("escape")  # back to the themes
        assert screen.query_one(ContentSwitcher).current == "themes-part"
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_a_pair_and_a_grid_cell_drill_down(store, clock, study):
    app = analysis_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("3", "enter")
        assert [e.note_id for e in screen.evidence] == ["n4"]
        await pilot.press("escape", "4")
        grid = screen.query_one("#grid", DataTable)
        # A name too long for its column keeps its end, which tells sub-tags apart.
        headers = [str(c.label) for c in grid.columns.values()]
        assert headers[1:3] == ["\u2026nboarding", "\u2026n/pricing"]
        assert len(set(headers)) == len(headers)
        await pilot.press("right", "enter")  # Ana x pain/onboarding
        assert [e.note_id for e in screen.evidence] == ["n1", "n4", "m1"]
        await pilot.press("escape")
        await pilot.press("left", "enter")  # the participant column lists nothing
        assert screen.drill is None


async def test_a_grid_header_of_wide_characters_is_cut_by_the_cells_it_takes(store, clock):
    """A CJK tag name takes two cells a character: its header was cut to ten characters in
    a column as wide as its characters, so the column showed only its first half, and the
    end kept to tell sub-tags apart was the part cut off."""
    from rich.cells import cell_len

    from tui.domain.clock import to_iso
    from tui.domain.notes import Note
    from tui.services.session_setup import create_session

    longer = "\u7528\u6237\u4f53\u9a8c\u95ee\u9898\u7814\u7a76\u5206\u6790\u62a5\u544a"
    wide = "\u4ed8\u6b3e\u6d41\u7a0b"  # 8 cells: whole
    for participant, tags in (("Ana", [longer, wide]), ("Ben", [longer])):
        session_id = create_session(
            store, title=participant, participant=participant, study="Wide", now=clock()
        )
        docs = [
            Note.from_typed(
                f"said #{tag}",
                session_id=session_id,
                author="Maya",
                started_at=to_iso(clock()),
                elapsed=float(i),
                question_id=None,
            ).to_doc()
            for i, tag in enumerate(tags)
        ]
        store.open_session(session_id).append_notes(docs)
    app = analysis_app(store, clock, "Wide")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        grid = app.screen.query_one("#grid", DataTable)
        columns = list(grid.columns.values())[1:]
        labels = [str(c.label) for c in columns]
        assert labels == ["\u2026\u5206\u6790\u62a5\u544a", wide]  # the end, in 9 cells
        assert [c.width for c in columns] == [cell_len(label) for label in labels]
        header = grid.render_line(0).text
        assert all(label in header for label in labels), header


async def test_y_copies_evidence_as_citable_lines(store, clock, study, copied):
    app = analysis_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ThemeTable)
        table.move_to(table.keys.index("workaround"))
        await pilot.press("y")
        await settle(pilot)
        assert copied == [
            "a spreadsheet \u2014 Ana, 00:40\n"
            "Exports to Excel every night (note by Maya, interview with Ben, 00:12)"
        ]
        await pilot.press("enter", "y")
        await settle(pilot)
        assert copied[-1] == copied[0]


async def test_another_instance_writing_shows_up(store, clock, study, monkeypatch):
    from tui.screens import analysis_screen

    # The test runs the poll itself: the timer's own would race it on a busy machine.
    monkeypatch.setattr(analysis_screen, "POLL_SECONDS", 3600.0)
    app = analysis_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(ThemeTable)
        assert table.row_text("workaround")[2] == "2"
        env = {**os.environ, "FIELDNOTE_HOME": str(store.home)}
        subprocess.run(
            [sys.executable, "-m", "tui", "note", "s4", "Copies it by hand #workaround"],
            env=env,
            check=True,
            capture_output=True,
        )
        screen._poll()  # what the screen's interval timer runs
        await settle(pilot)
        assert screen.reads == 2
        assert table.row_text("workaround")[2] == "3"
        assert table.row_text("workaround")[4] == "3 of 3"
        screen._poll()  # nothing new: nothing redrawn
        await settle(pilot)
        assert screen.reads == 2


async def test_reached_from_the_sessions_and_tagging_screens(store, clock, study, make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("A")  # the selected (newest) session's study
        await settle(pilot)
        assert isinstance(app.screen, AnalysisScreen)
        assert app.screen.service.study == "Onboarding"
        await pilot.press("escape")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, TaggingScreen)
        await pilot.press("A")
        await settle(pilot)
        assert isinstance(app.screen, AnalysisScreen)
        assert app.screen.service.study == "Onboarding"


async def test_user_text_is_never_markup(store, clock):
    hostile = "[bold]x[/] [@click=app.quit]q[/] \x1b[31m"
    write_study(
        store,
        [
            SessionInput(
                "h1",
                {"id": "h1", "title": hostile, "participant": hostile, "study": "S"},
                [
                    {
                        "id": "n",
                        "text": f"{hostile} #[/",
                        "tags": ["[/", "[bold]t"],
                        "emotions": ["[red]"],
                        "elapsed": 1.0,
                        "severity": 3,
                    }
                ],
            ),
            *study_sessions()[:1],
        ],
    )
    app = analysis_app(store, clock, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(ThemeTable)
        assert "[bold]t" in keys_of(table)
        table.move_to(table.keys.index("[bold]t"))
        await pilot.press("enter")
        assert "[bold]x[/]" in str(screen.query_one("#evidence-detail").render())
        for key in "12345":
            await pilot.press(key)
            await pilot.press("enter", "escape")
        assert app.is_running


def test_fieldnote_analyse_command(monkeypatch, store, study, capsys):
    from tui import cli

    opened = []
    monkeypatch.setattr(cli, "_store", lambda **_: store)
    monkeypatch.setattr(cli, "_run_app", lambda *a, **k: opened.append(k["analysis"]) or 0)
    assert cli.main(["analyse", "--study", "onboarding"]) == 0
    assert cli.main(["analyse"]) == 0
    assert opened == ["Onboarding", ""]
    assert cli.main(["analyse", "--study", "Nope"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "no study named 'Nope' (studies: Onboarding)" in err and err.count("\n") == 1


def hold_the_analysis(monkeypatch) -> threading.Event:
    """Every `StudyAnalysis.refresh` waits until the event returned is set: a screen shows what
    comes before the analysis (the kept overview, the count of sessions read) meanwhile."""
    from tui.services.analysis import StudyAnalysis

    release = threading.Event()
    real = StudyAnalysis.refresh

    def held(self, force: bool = False, progress=None, save: bool = True):
        release.wait(30)
        return real(self, force, progress, save)

    monkeypatch.setattr(StudyAnalysis, "refresh", held)
    return release


async def test_a_cold_start_says_how_many_sessions_it_has_read(store, clock, study, monkeypatch):
    """No study index yet: every file is read before anything can be shown, and the header
    counts them meanwhile; a warm start has nothing to count."""
    from tui.services.analysis import StudyAnalysis
    from tui.store import DataStore

    heard: list[tuple[int, int]] = []
    StudyAnalysis(store, "Onboarding").refresh(force=True, progress=lambda *at: heard.append(at))
    assert heard == [(1, 4), (2, 4), (3, 4), (4, 4)]
    heard.clear()
    StudyAnalysis(store, "Onboarding").refresh(force=True, progress=lambda *at: heard.append(at))
    assert heard == []  # warm: no file read

    monkeypatch.setenv("FIELDNOTE_CACHE", os.environ["FIELDNOTE_CACHE"] + "-cold")
    release = hold_the_analysis(monkeypatch)
    app = analysis_app(DataStore(store.home), clock)  # another process: its own index
    async with app.run_test(size=(100, 30)) as pilot:
        header = app.screen.query_one("#analysis-header")
        await wait_until(pilot, lambda: "analysing 4 sessions\u2026" in str(header.render()))
        release.set()
        await wait_until(pilot, lambda: "4 sessions \u00b7 3 participants" in str(header.render()))


async def test_a_cold_index_is_saved_once_the_analysis_is_drawn(store, clock, study, monkeypatch):
    """Saving it (11 MB of digests at 500 sessions) waited before the first frame."""
    from tui.services.study_index import study_index
    from tui.store import DataStore
    from tui.store.index_file import IndexFile

    saved_after: list[bool] = []
    real = IndexFile.save

    def save(self, entries):
        if not self.path.name.endswith("-overviews.json"):  # kept by the analysis itself
            saved_after.append(app.screen.view is not None)
        return real(self, entries)

    monkeypatch.setattr(IndexFile, "save", save)
    app = analysis_app(DataStore(store.home), clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.screen.reads == 1
    assert saved_after and all(saved_after)
    warm = DataStore(store.home)
    study_index(warm).refresh(digests=True)
    assert study_index(warm).reads == 0


async def test_a_start_draws_the_kept_overview_then_the_analysis_in_its_place(
    store, clock, study, monkeypatch
):
    """The second start on an unchanged study shows the themes the study index kept before
    anything is analysed; keys work on them, and the analysis then takes their place with the
    cursor on its theme (and an Enter pressed meanwhile drills into it)."""
    from tui.store import DataStore

    app = analysis_app(store, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        first = [app.screen.query_one(ThemeTable).row_text(t.key) for t in app.screen.themes]

    release = hold_the_analysis(monkeypatch)
    app = analysis_app(DataStore(store.home), clock)  # another process: its own index
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.shown is not None)
        table = screen.query_one(ThemeTable)
        assert screen.view is None and screen.reads == 0  # not analysed yet
        assert [table.row_text(t.key) for t in screen.themes] == first
        header = str(screen.query_one("#analysis-header").render())
        assert "4 sessions \u00b7 3 participants" in header
        await pilot.press("down", "down")
        kept = table.current_key
        assert kept == screen.themes[2].key
        await pilot.press("enter")
        assert "Reading the evidence" in str(screen.query_one("#evidence-title").render())
        release.set()
        await settle(pilot)
        assert screen.reads == 1 and screen.shown is screen.view
        assert table.current_key == kept
        evidence = screen.view.analysis.theme(kept).evidence
        assert len(screen.evidence) == len(evidence) > 0  # the drill-down came with it
        await pilot.press("escape")
        assert table.current_key == kept


async def test_a_changed_session_is_not_drawn_from_the_kept_overview(store, clock, study):
    """A tag added since the overview was kept: the first frame waits for the analysis."""
    from tui.services.analysis import StudyAnalysis
    from tui.store import DataStore

    assert StudyAnalysis(store, "Onboarding").refresh(force=True) is not None
    fresh = StudyAnalysis(DataStore(store.home), "Onboarding")
    assert fresh.overview() is not None
    session_file = store.open_session(study[0])
    note = session_file.read().notes[0]
    session_file.update_note(note["id"], {"tags": ["brand-new"]})
    session_file.close()
    assert StudyAnalysis(DataStore(store.home), "Onboarding").overview() is None
    # Nor from another scope's, nor after a codebook change.
    assert StudyAnalysis(DataStore(store.home), None).overview() is None
    view = StudyAnalysis(DataStore(store.home), "Onboarding").refresh(force=True)
    assert StudyAnalysis(DataStore(store.home), "Onboarding").overview() is not None
    store.codebook.ensure(["another"], "2026-12-01T00:00:00.000Z")
    assert StudyAnalysis(DataStore(store.home), "Onboarding").overview() is None
    assert view.overview.theme("brand-new") is not None


async def test_the_pairs_part_says_when_no_note_carries_two_tags(store, clock):
    from tui.services.session_setup import create_session

    create_session(store, title="Nothing yet", participant="P", study="Onboarding", now=clock())
    app = analysis_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await pilot.pause()
        table = app.screen.query_one("#pairs")
        assert table.row_count == 1
        assert "No note carries two tags yet." in str(table.get_row_at(0)[0])
        await pilot.press("enter")  # nothing to drill into, and nothing breaks
        await pilot.pause()
        assert app.screen.part == "pairs" and app.is_running


async def test_a_sub_tag_row_names_only_the_levels_below_its_parent_row(store, clock, study):
    """Under `pain/*`, `onboarding` and `pricing`: in a half-width pane the full names were
    both cut to `pai…`."""
    app = analysis_app(store, clock)
    async with app.run_test(size=(39, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ThemeTable)
        names = {key: table.row_text(key)[0].strip() for key in ("pain", "pain/onboarding")}
        assert names == {"pain": "pain/*", "pain/onboarding": "onboarding"}
        assert table.row_text("pain/pricing")[0].strip().startswith("pricing")


@pytest.mark.parametrize("width", [50, 60])
async def test_in_a_narrow_pane_the_bar_gives_way_before_a_tag_name_is_cut(
    store, clock, study, width
):
    """The tag kept 6 or 8 columns (`work…`) while the bar, and at 60 the sessions and the
    maximum severity, kept theirs."""
    app = analysis_app(store, clock)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ThemeTable)
        drawn = [table.render_line(y).text.strip() for y in range(len(table.keys))]
        assert any(line.startswith("workaround ") for line in drawn), drawn
        assert any(line.startswith("onboarding ") for line in drawn), drawn


async def test_in_a_39_column_pane_the_counts_give_the_tag_its_room(store, clock, study):
    """The Tag column kept 9 cells (`workarou…`) while `Excerpts` and `People` kept the
    width of their headers over one- and three-character counts."""
    app = analysis_app(store, clock)
    async with app.run_test(size=(39, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ThemeTable)
        assert table.widths[0] >= 14, table.widths
        drawn = [table.render_line(y).text.strip() for y in range(len(table.keys))]
        assert any(line.startswith("workaround ") for line in drawn), drawn
        header = str(app.screen.query_one("#themes-header").render())
        # Short headers, each whole; the sort's arrow beside the one it sorts by.
        assert header.split() == ["Tag", "Exc", "People\u25bc", "Sev"], header


@pytest.mark.parametrize(
    ("width", "pain", "idea"), [(80, "120 of 120", "20 of 120"), (39, "120/120", "20/120")]
)
async def test_a_study_of_a_hundred_people_and_more_shows_whole_counts(
    store, clock, width, pain, idea
):
    """At 150 participants the People column showed `127 of …` at 80x24: the count a theme is
    ranked by was the part cut. In a narrow pane it is `127/150`, leaving the tag its room."""
    from tui.domain.notes import Note
    from tui.services.session_setup import create_session

    for number in range(120):
        session_id = create_session(
            store, title=f"P{number}", participant=f"P{number}", study="Large"
        )
        note = Note.from_typed(
            "the export button was hidden #pain" + (" #idea" if number % 6 == 0 else ""),
            session_id=session_id,
            author="Maya",
            started_at="2026-11-27T10:00:00.000Z",
            elapsed=0.0,
            question_id=None,
        )
        session = store.open_session(session_id)
        session.append_notes([note.to_doc()])
        session.close()
    app = analysis_app(store, clock, "Large")
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ThemeTable)
        drawn = {key: table.render_line(row).text for row, key in enumerate(table.keys)}
        assert f" {pain} " in drawn["pain"] and f" {idea} " in drawn["idea"], drawn
        assert drawn["pain"].lstrip().startswith("pain ")


async def test_the_header_counts_one_session_in_the_singular(store, clock):
    write_study(store, study_sessions()[:1])
    app = analysis_app(store, clock)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        header = str(app.screen.query_one("#analysis-header").render())
        assert "1 session \u00b7 1 participant \u00b7 " in header, header


def recorded_session(store) -> str:
    """The recording tests' session (tests/recording_study.py) with its transcript attached:
    some of its typed quotes the transcript bears out, one it does not."""
    from tests.recording_study import START, TRANSCRIPT, make_session
    from tui.services import recording

    session_id = make_session(store, shift=30.0)
    recording.attach(store, session_id, TRANSCRIPT, offset=30.0, now=START)
    return session_id


async def cost_evidence(pilot) -> tuple[AnalysisScreen, DataTable, int, int]:
    """The evidence of `cost` of `recorded_session`, drilled into: the screen, its evidence
    table, and the rows of the invented quote and of one said exactly so."""
    await settle(pilot)
    screen = pilot.app.screen
    table = screen.query_one(ThemeTable)
    table.move_to(table.keys.index("cost"))
    await pilot.press("enter")
    await settle(pilot)
    words = [e.quote for e in screen.evidence]
    invented = words.index("I would pay double for a good dashboard")
    exact = words.index("She said the tool costs more than it saves")
    return screen, screen.query_one("#evidence", DataTable), invented, exact


async def test_a_quote_the_transcript_does_not_bear_out_is_shown_and_copied_as_such(
    store, clock, copied
):
    """The report said of a typed quote that it was not found in the attached transcript, but
    the analysis screen showed it, and y copied it, as the participant's words like any other:
    the same quote, checked on one surface and not on the other."""
    recorded_session(store)
    app = analysis_app(store, clock, study=None)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, evidence, invented, exact = await cost_evidence(pilot)
        assert str(evidence.get_row_at(invented)[1]) == "P7, unverified"
        assert str(evidence.get_row_at(exact)[1]) == "P7"
        evidence.move_cursor(row=invented)
        await settle(pilot)
        detail = str(screen.query_one("#evidence-detail").render())
        assert "Not found in the transcript near 02:55." in detail
        evidence.move_cursor(row=exact)
        await settle(pilot)
        detail = str(screen.query_one("#evidence-detail").render())
        assert "Verbatim, P7 at 01:42" in detail
        await pilot.press("y")
        await settle(pilot)
        lines = copied[-1].split("\n")
        assert lines[invented] == (
            "I would pay double for a good dashboard \u2014 P7, 02:55 "
            "[Not found in the transcript near 02:55.]"
        )
        assert lines[exact] == "She said the tool costs more than it saves \u2014 P7, 01:55"


def wide_study(store) -> None:
    """The study with a dozen more tags raised by Ana: the grid is wider than 80 columns."""
    from dataclasses import replace

    from tests.analysis_study import _note

    sessions = study_sessions()
    tags = [f"theme/long-name-{n:02d}" for n in range(12)]
    extra = [_note(f"w{n}", f"wide {n} #{tag}", 200 + n, "q1", [tag]) for n, tag in enumerate(tags)]
    sessions[0] = replace(sessions[0], notes=[*sessions[0].notes, *extra])
    write_study(store, sessions)


def bar_text(screen) -> str:
    from tui.widgets.key_bar import KeyBar

    return str(screen.query_one(KeyBar).render())


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_the_key_bar_names_the_sideways_keys_of_the_grid_wider_than_its_pane(
    store, clock, size
):
    # The grid scrolled sideways with the arrows, which no key bar said.
    wide_study(store)
    app = analysis_app(store, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        assert "\u2190" not in bar_text(screen)  # the themes fit their pane
        await pilot.press("4")
        await pilot.pause()
        grid = screen.query_one("#grid", DataTable)
        assert grid.max_scroll_x > 0
        said = bar_text(screen)
        assert "\u2190 Column left" in said and "\u2192 Column right" in said, said
        await pilot.press("right")
        assert grid.cursor_coordinate.column == 1
        for _ in range(12):
            await pilot.press("right")
        await pilot.pause()
        assert grid.scroll_x > 0  # the keys the bar names take the view there
        await pilot.press("1")
        await pilot.pause()
        assert "\u2190" not in bar_text(screen)


async def test_the_grid_keeps_its_participants_in_view_as_it_scrolls_sideways(store, clock):
    # Scrolled to the tags on the right, the grid's Participant column went with the rest:
    # a row of counts named nobody.
    wide_study(store)
    app = analysis_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("4")
        await pilot.pause()
        grid = screen.query_one("#grid", DataTable)
        first = screen.view.analysis.participants[0].name
        for _ in range(13):
            await pilot.press("right")
        await pilot.pause()
        assert grid.scroll_x > 0
        row = "".join(segment.text for segment in grid.render_line(1))
        assert row.lstrip().startswith(first[:10]), row


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_a_long_study_name_gives_way_before_a_figure_is_cut(store, clock, size):
    # A long name pushed the figures off the header's end, cut mid-number: "· 10…" where
    # the study has 109 excerpts, a figure that reads as another.
    from dataclasses import replace

    name = "Quaymark trial onboarding, second round with the night shift"
    sessions = [replace(s, session={**s.session, "study": name}) for s in study_sessions()]
    write_study(store, sessions)
    app = analysis_app(store, clock, study=name)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        header = app.screen.query_one("#analysis-header")
        drawn = header.render_line(0).text.strip()
        figures = ["4 sessions", "3 participants", "9 excerpts"]
        shown = drawn.split(" \u00b7 ")
        assert shown[0] == "Analysis" and shown[1].endswith("\u2026"), drawn
        # Whole figures from the first on, never a piece of one.
        assert shown[2:] == figures[: len(shown) - 2] and shown[2:], drawn


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_the_key_bar_names_only_the_keys_that_act_on_the_part_shown(
    store, clock, study, size
):
    # The bar offered s Sort and r Reverse on every part, where they sort only the themes;
    # Enter and y on the guide coverage, where there is no evidence to list; and Enter as
    # "Evidence" on the evidence, where it opens the note.
    app = analysis_app(store, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        said = bar_text(screen)
        assert all(f" {word}" in said for word in ("Evidence", "Copy", "Sort", "Reverse")), said
        for part in ("2", "3", "4"):
            await pilot.press(part)
            await settle(pilot)
            said = bar_text(screen)
            assert "Sort" not in said and "Reverse" not in said, said
            assert " Evidence" in said and " Copy" in said, said
        await pilot.press("5")
        await settle(pilot)
        said = bar_text(screen)
        assert not any(word in said for word in ("Evidence", "Copy", "Play", "Sort")), said
        await pilot.press("1", "enter")
        await settle(pilot)
        said = bar_text(screen)
        assert " Open" in said and "Evidence" not in said and "Sort" not in said, said
        await pilot.press("escape")
        await settle(pilot)
        assert " Sort" in bar_text(screen)


@pytest.mark.parametrize(
    "size, named",
    [
        ((80, 24), "1 Themes 2 Matrix 3 Pairs 4 Grid 5 Guide 6 Follow-ups"),
        # The names go from the last tab back, before a tab is cut.
        ((40, 24), "1 Themes 2 Matrix 3 Pairs 4 Grid 5 6"),
    ],
)
async def test_every_part_s_tab_and_the_evidence_s_are_in_view(store, clock, study, size, named):
    # In a 40-column pane the tabs were cut after "4": the Who part's name and the Guide's
    # tab were gone, and so was the "evidence" tab of a drill-down. The tabs are named as the
    # keys' registry names them (the tab said "Who" where help and keymaps said "Grid"), and
    # still each has its name at 40 columns.
    app = analysis_app(store, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        tabs = app.screen.query_one("#analysis-tabs")
        drawn = " ".join(tabs.render_line(0).text.split())
        assert drawn == named, drawn
        names = [action_spec(f"analysis.{part}").narrow for part in PARTS]
        # The help lists each part's key by the same name (`4  Grid: who raised what`).
        assert all(
            action_spec(f"analysis.{part}").description.startswith(name)
            for part, name in zip(PARTS, names, strict=True)
        )
        await pilot.press("6")  # the current part is always named
        drawn = " ".join(tabs.render_line(0).text.split())
        assert drawn.endswith("6 Follow-ups"), drawn
        await pilot.press("1", "enter")
        await settle(pilot)
        drawn = " ".join(tabs.render_line(0).text.split())
        assert "1 " in drawn and "6" in drawn and drawn.endswith("\u25b8 evidence"), drawn


def drawn_words(widget) -> str:
    """What a widget draws, its words one space apart."""
    strips = widget.render_lines(widget.region.reset_offset)
    return " ".join(" ".join(strip.text for strip in strips).split())


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_a_study_with_nothing_tagged_and_no_guide_says_so_on_every_part(store, clock, size):
    # The themes, the matrix, who raised what and the guide coverage of such a study were
    # column headers over nothing, where the report says in a sentence why each is empty;
    # and in a 40-column pane the pairs' sentence was cut to "No note carr…".
    from tui.services.session_setup import create_session

    create_session(store, title="Nothing yet", participant="P", study="Onboarding", now=clock())
    app = analysis_app(store, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        said = {
            "1": ("#themes-header", "No excerpt is tagged yet: tag the notes"),
            "2": ("#ranked", "No excerpt is tagged yet: tag the notes"),
            "3": ("#pairs", "No note carries two tags yet."),
            "4": ("#grid", "No participant has raised a tag yet."),
            "5": ("#coverage", "No session of the study has a guide."),
            "6": ("#followups", "No follow-up was noted."),
        }
        for key, (part, sentence) in said.items():
            await pilot.press(key)
            await settle(pilot)
            drawn = drawn_words(app.screen.query_one(part))
            assert sentence in drawn, (key, drawn)
            said = bar_text(app.screen)
            assert not any(word in said for word in ("Evidence", "Copy", "Scroll")), said
            await pilot.press("enter", "y")  # nothing to drill into, and nothing breaks
            await settle(pilot)
            assert app.screen.drill is None and app.is_running
        # No follow-up: no detail under the sentence (it drew a rule over nothing).
        await pilot.press("6")
        assert not app.screen.query_one("#followup-detail").display


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_s_sorts_only_by_the_columns_the_pane_shows(store, clock, study, size):
    # Under 100 columns s went on to sort by the emotions, a column not shown there (and at
    # 40 by sessions and max too): the themes reordered by no figure in view, and the header
    # marked no column as the sort.
    app = analysis_app(store, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        header = app.screen.query_one("#themes-header")
        seen = set()
        for _ in range(8):
            await pilot.press("s")
            await pilot.pause()
            drawn = header.render_line(0).text
            assert "\u25bc" in drawn or "\u25b2" in drawn, (app.screen.sort_column, drawn)
            seen.add(app.screen.sort_column)
        assert {"tag", "excerpts", "participants", "severity"} <= seen


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_a_tag_on_a_quadrant_s_name_moves_the_name_not_the_tag(store, clock, size):
    # The demo's ninth tag (rated 5 by one of four) landed on "painful for a few" and was
    # drawn over its o: the matrix read "painful f9r a few".
    from tui.domain.analysis import QUADRANTS
    from tui.services.exchange.samples import load_study, sample_studies

    quaymark = next(s for s in sample_studies() if s.name == "quaymark-trial-onboarding")
    load_study(store, quaymark)
    app = analysis_app(store, clock, study="Quaymark trial onboarding")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        plot = app.screen.query_one("#matrix-plot")
        lines = [strip.text for strip in plot.render_lines(plot.region.reset_offset)]
        marks = {mark(rank) for rank in range(len(app.screen.view.analysis.matrix))}
        for name in QUADRANTS:
            for line in lines:
                for start in range(len(line) - len(name) + 1):
                    seen = line[start : start + len(name)]
                    wrong = [a for a, b in zip(seen, name, strict=True) if a != b]
                    assert not (0 < len(wrong) <= 2 and set(wrong) <= marks | {"+"}), lines
        if size[0] >= 80:
            shown = "\n".join(lines)
            assert all(name in shown for name in QUADRANTS), lines
            assert "9" in shown  # the tag is drawn still


async def test_ten_thousand_excerpts_of_a_tag_show_whole_in_a_narrow_pane(store, clock):
    # Under 60 columns the excerpts' column is 4 wide ("Exc"): 10000 was drawn "100…".
    from dataclasses import replace

    from tests.analysis_study import _note

    sessions = study_sessions()
    many = [
        _note(f"m{n}", f"again {n} #pain/onboarding", n, "q1", ["pain/onboarding"])
        for n in range(9995)
    ]
    sessions[0] = replace(sessions[0], notes=[*sessions[0].notes, *many])
    write_study(store, sessions)
    app = analysis_app(store, clock)
    async with app.run_test(size=(40, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        theme = screen.view.analysis.theme("pain")
        assert theme.excerpts == 10000
        table = screen.query_one(ThemeTable)
        row = table.render_line(table.keys.index("pain")).text
        assert " 10000 " in row, row


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_a_grid_cell_shows_its_whole_count_under_a_short_tag_name(store, clock, size):
    # A tag's column in who raised what was as wide as its name: Ana's 12 excerpts of "ux"
    # were drawn "1" under a name two cells wide... and 120 as "12".
    from dataclasses import replace

    from tests.analysis_study import _note

    sessions = study_sessions()
    many = [_note(f"u{n}", f"ux {n} #ux", 300 + n, "q1", ["ux"]) for n in range(120)]
    sessions[0] = replace(sessions[0], notes=[*sessions[0].notes, *many])
    write_study(store, sessions)
    app = analysis_app(store, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        grid = app.screen.query_one("#grid", DataTable)
        column = [str(c.key.value) for c in grid.ordered_columns].index("ux")
        grid.cursor_coordinate = grid.cursor_coordinate._replace(row=0, column=column)
        await pilot.pause()
        ana = app.screen.view.analysis.participants[0]
        assert ana.name == "Ana" and len(app.screen.view.analysis.cell(ana.key, "ux")) == 120
        row = grid.render_line(1).text
        assert " 120 " in row, row


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_a_guide_asked_in_a_hundred_sessions_counts_them_whole(store, clock, size):
    # The coverage's Asked column was 5 wide: "100/100" was drawn cut, a figure of another.
    from dataclasses import replace

    walk_in = study_sessions()[3]
    sessions = [
        replace(walk_in, id=f"w{n}", session={**walk_in.session, "id": f"w{n}"}, notes=[])
        for n in range(100)
    ]
    sessions = [
        replace(s, guide_state={"current": "q1", "marks": {"q1": "asked"}}) for s in sessions
    ]
    write_study(store, sessions)
    app = analysis_app(store, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        coverage = app.screen.query_one("#coverage", DataTable)
        first = coverage.render_line(1).text
        assert " 100/100 " in first, first


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_an_unreadable_file_s_name_is_shown_made_safe(store, clock, study, size):
    # The line under the parts that names a file it could not read put the file's name on
    # the terminal as it was: one named with an OSC 0 retitled the terminal window.
    hostile = "\x1b]0;pwned\x07\x1b[41mx"
    (store.sessions_dir / f"{hostile}.json").write_bytes(b"not json")
    app = analysis_app(store, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        shown = app.screen.query_one("#analysis-problems")
        said = str(shown.render())
        assert "Cannot read" in said and "\u241b]0;pwned" in said, said
        assert "\x1b" not in said and "\x07" not in said, said


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_a_long_quote_s_check_stays_in_view_under_it(store, clock, size):
    # The evidence's detail keeps six lines: a long quote, its session and its tags filled
    # them, and the check that the transcript does not bear it out, last, was cut off; in a
    # 40-column pane, where the list has no room for "P7, unverified", nothing said so.
    from datetime import timedelta

    from tests.recording_study import START, TRANSCRIPT, make_session
    from tui.domain.clock import to_iso
    from tui.domain.notes import Note
    from tui.services import recording

    session_id = make_session(store, shift=30.0)
    words = (
        '"I would honestly pay double, maybe triple, for a dashboard that showed me the whole '
        "week of dock bookings at a glance without any setup at all #cost #pricing #dashboard"
    )
    note = Note.from_typed(
        words,
        session_id=session_id,
        author="Maya",
        started_at=to_iso(START + timedelta(seconds=146)),
        elapsed=146.0,
        question_id=None,
    )
    store.open_session(session_id).append_notes([note.to_doc()])
    recording.attach(store, session_id, TRANSCRIPT, offset=30.0, now=START)
    app = analysis_app(store, clock, study=None)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(ThemeTable)
        table.move_to(table.keys.index("dashboard"))
        await pilot.press("enter")
        await settle(pilot)
        assert screen.checked[0].verified is False
        detail = screen.query_one("#evidence-detail")
        shown = " ".join(strip.text for strip in detail.render_lines(detail.region.reset_offset))
        assert "Not found in the transcript" in " ".join(shown.split()), shown


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_the_ranked_list_beside_the_matrix_shows_its_figures_whole(store, clock, size):
    # In a 40-column pane the plot took 24 columns and the ranked list was laid out for 20
    # in the 16 left: its People column ran off the pane's edge, "67%" showing as "6".
    wide_study(store)
    app = analysis_app(store, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        ranked = app.screen.query_one("#ranked", DataTable)
        assert ranked.max_scroll_x == 0, ranked.virtual_size
        first = ranked.render_line(1).text
        share = f"{round(100 * app.screen.view.analysis.matrix[0].theme.share)}%"
        assert f" {share} " in first, first
        plot = app.screen.query_one("#matrix-plot")
        assert plot.size.width >= 24 and plot.size.height >= 7


async def bar_once_laid_out(pilot, *keys: str) -> str:
    """The key bar after `keys`, pressed while the screen lays nothing out (a batch update),
    then laid out: the order a loaded machine may take, the bindings refreshed after the
    keys, before the layout. Checked against the bar drawn afresh."""
    app = pilot.app
    with app.batch_update():
        await pilot.press(*keys)
        await settle(pilot)
    await settle(pilot)
    said = bar_text(app.screen)
    app.screen.refresh_bindings()
    await pilot.pause()
    assert said == bar_text(app.screen), (keys, said, bar_text(app.screen))
    return said


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
@pytest.mark.parametrize("kind", ["nothing", "study", "wide"])
async def test_the_key_bar_offers_sideways_keys_by_the_table_as_laid_out(store, clock, size, kind):
    # Pressing 4 on a study with nothing to show offered ← Column left and → Column right:
    # the bindings were refreshed once the grid had measured its one row as wide as the
    # pane, but before the layout gave it the pane (a part just shown is 0 wide); nothing
    # refreshed them after. The pairs and the guide offered ← Scroll left the same way.
    from tui.services.session_setup import create_session

    if kind == "nothing":
        create_session(store, title="Nothing yet", participant="P", study="Onboarding", now=clock())
    elif kind == "study":
        write_study(store)
    else:
        wide_study(store)
    app = analysis_app(store, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for key in ("4", "3", "5", "2", "1", "4"):
            said = await bar_once_laid_out(pilot, key)
        # ← → move the grid's cell from tag to tag: there are none where nothing is tagged.
        sideways = "\u2190 Column left" in said and "\u2192 Column right" in said
        assert sideways == (kind != "nothing"), said
        if kind != "nothing":  # the drill-down and back (there is nothing to drill into)
            for keys in (("1", "enter"), ("escape",), ("2", "enter"), ("escape",)):
                said = await bar_once_laid_out(pilot, *keys)
                assert isinstance(app.screen, AnalysisScreen), keys


def with_followups() -> list[SessionInput]:
    """The study, with follow-ups: Ana's first session has one asked and one still open, Ben's
    one dismissed and one open."""
    from dataclasses import replace

    from tests.analysis_study import _note

    sessions = study_sessions()
    asked = {"status": "asked", "elapsed": 80.0, "question_id": "q2"}
    dismissed = {"status": "dismissed", "elapsed": 20.0, "question_id": "q1"}
    added = {
        "s1": (
            [("f1", "? ask about the admin rights", 70), ("f2", "? pricing page?", 75)],
            {"f1": asked},
        ),
        "s3": ([("f3", "? their old tool", 15), ("f4", "? who signs off", 25)], {"f3": dismissed}),
    }
    changed = []
    for session in sessions:
        notes, marks = added.get(session.id, ([], {}))
        followups = [_note(nid, text, at, "q1", kind="followup") for nid, text, at in notes]
        changed.append(
            replace(
                session,
                session={**session.session, "followups": marks},
                notes=[*session.notes, *followups],
            )
        )
    return changed


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_the_follow_ups_part_lists_the_open_ones_first_and_opens_and_copies_one(
    store, clock, size, copied
):
    # The report listed the open follow-ups; the analysis screen had no part for them, so a
    # researcher planning the next interview had to leave the app to see what to ask.
    write_study(store, with_followups())
    app = analysis_app(store, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("6")
        await settle(pilot)
        table = screen.query_one("#followups", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(n)] for n in range(table.row_count)]
        assert [row[:2] for row in rows] == [
            ["pricing page?", "open"],
            ["who signs off", "open"],
            ["ask about the admin rights", "asked"],
            ["their old tool", "dismissed"],
        ], rows
        said = bar_text(screen)
        assert "Open" in said and "Evidence" not in said and "Play" not in said, said
        assert "Copy" in said, said
        await pilot.press("down", "y")
        await settle(pilot)
        assert copied == ["who signs off (follow-up by Maya, Ben, 00:25)"]
        # The list cuts a follow-up to its column; under it, the one under the cursor whole.
        detail = drawn_words(screen.query_one("#followup-detail"))
        assert detail.endswith(" follow-up by Maya, Ben, 00:25 \u00b7 open who signs off"), detail
        await pilot.press("enter")
        await settle(pilot)
        tagging = app.screen
        assert isinstance(tagging, TaggingScreen)
        assert tagging.current.session_id == "s3" and tagging.current.note["id"] == "f4"


@pytest.mark.parametrize(
    "name, presses",
    [
        # (key, the themes' cursor after it); None: the key leaves the screen
        ("emacs", [("ctrl+n", 1), ("ctrl+n", 2), ("ctrl+p", 1), ("ctrl+g", None)]),
        ("vim", [("G", -1), ("g", 0), ("j", 1), ("k", 0), ("escape", None)]),
    ],
)
async def test_each_preset_moves_and_leaves_the_analysis_with_its_own_keys(
    store, clock, study, name, presses
):
    """The emacs preset's ctrl+n / ctrl+p / ctrl+g and the vim preset's g / G moved every
    list but the analysis screen's, where they did nothing (its parts, 1 to 6, the same)."""
    from tests.test_keymap_ui import preset

    app = FieldnoteApp(store, author="Maya", now=clock, analysis="Onboarding", keymap=preset(name))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        switcher = screen.query_one(ContentSwitcher)
        await pilot.press("6")
        assert switcher.current == "followups-part"
        await pilot.press("1")
        assert switcher.current == "themes-part"
        table = screen.query_one(ThemeTable)
        for key, row in presses:
            await pilot.press(key)
            await pilot.pause()
            if row is None:
                assert app.screen is not screen, f"{key} left the analysis"
            else:
                assert table.cursor == row % len(table.keys), key


async def test_in_a_narrow_pane_a_quote_not_borne_out_says_so_in_its_row(store, clock):
    """Under about 40 columns the evidence list drops its "Whose words" column, and with it
    "P7, unverified": a quote the transcript does not bear out read like any other in the
    list (only the detail, for the row under the cursor, said so)."""
    recorded_session(store)
    app = analysis_app(store, clock, study=None)
    async with app.run_test(size=(36, 24)) as pilot:
        _, evidence, invented, exact = await cost_evidence(pilot)
        assert "Whose words" not in [str(c.label) for c in evidence.columns.values()]
        assert str(evidence.get_row_at(invented)[0]).startswith("unverified \u201cI would pay")
        assert not str(evidence.get_row_at(exact)[0]).startswith("unverified")


async def test_a_long_name_leaves_room_for_unverified_in_the_evidence_list(store, clock):
    """The demo's P1 is 'P1 (ops lead, 3PL warehouse)': at 100 columns the list's Whose words
    read 'P1 (ops lead, 3PL ware…' for a quote the report cites as unverified, the mark cut
    off with the end of the name, so it read as one the transcript bears out. The name gives
    way, never the mark."""
    from tui.services.speakers import rename_speaker

    session_id = recorded_session(store)
    long = "P7 (ops lead at a third-party logistics warehouse)"
    rename_speaker(store, session_id, "P7", long)
    app = analysis_app(store, clock, study=None)
    async with app.run_test(size=(100, 24)) as pilot:
        _, evidence, invented, exact = await cost_evidence(pilot)
        (column,) = [c for c in evidence.columns.values() if str(c.label) == "Whose words"]
        whose = str(evidence.get_row_at(invented)[1])
        assert whose.endswith("\u2026, unverified") and whose.startswith("P7 (ops"), whose
        assert len(whose) <= column.width < len(long), (whose, column.width)
        assert "unverified" not in str(evidence.get_row_at(exact)[1])


async def test_the_evidence_detail_gives_the_clock_beside_the_recordings_time(store, clock):
    """The list cited the demo's quote at 00:35, the recording's time, which the tagging
    screen, the Markdown export and `fieldnote agree` give as 01:25 (rec 00:35): nothing on
    the analysis screen said which time it was. The detail under the list gives both."""
    from tui.domain.quotes import clock_and_recording

    recorded_session(store)
    app = analysis_app(store, clock, study=None)
    async with app.run_test(size=(100, 24)) as pilot:
        screen, evidence, _, exact = await cost_evidence(pilot)
        evidence.move_cursor(row=exact)
        await settle(pilot)
        item = screen.evidence[exact]
        both = clock_and_recording(item.elapsed, item.recording_offset)
        assert "(rec " in both and str(evidence.get_row_at(exact)[2]) == item.time
        assert f" \u00b7 {both}" in str(screen.query_one("#evidence-detail").render())


async def test_the_themes_cursor_is_drawn_on_its_row(store, clock, study):
    # In a real terminal no row of the themes looked any different under the cursor: each
    # cell's own background covered the cursor's, so j and k seemed to do nothing, and Enter
    # drilled into a theme nobody could see was chosen.
    app = analysis_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ThemeTable)
        cursor_bg = table.get_component_rich_style("theme-table--cursor").bgcolor

        def backgrounds(y: int) -> set:
            return {seg.style.bgcolor for seg in table.render_line(y) if seg.text.strip()}

        assert table.cursor == 0
        assert backgrounds(0) == {cursor_bg}
        assert cursor_bg not in backgrounds(1)
        await pilot.press("j")
        await pilot.pause()
        assert backgrounds(1) == {cursor_bg} and cursor_bg not in backgrounds(0)


async def test_a_drill_down_says_at_once_that_its_evidence_is_being_read(store, clock, study):
    # Enter on a theme of 1,456 excerpts over 300 sessions showed nothing for 0.7-0.9 s while
    # their words were read: the themes stayed as they were, as if Enter had not been pressed.
    import threading

    app = analysis_app(store, clock)
    release = threading.Event()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.view is not None  # analysed: the drill reads the evidence's words
        real = screen._evidence_for

        def slow(drill):
            release.wait(10)
            return real(drill)

        screen._evidence_for = slow
        table = screen.query_one(ThemeTable)
        table.move_to(table.keys.index("pain/onboarding"))
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one(ContentSwitcher).current == "evidence-part"
        title = screen.query_one("#evidence-title")
        assert shows(title, "Reading the evidence of pain/onboarding\u2026")
        release.set()
        await settle(pilot)
        assert shows(title, "4 excerpts")
        assert [e.note_id for e in screen.evidence] == ["n1", "n4", "m1", "k1"]


async def test_a_part_shows_its_tab_before_its_table_is_filled(store, clock, study):
    # On 300 sessions 4 showed nothing for 0.5 s while the grid's 150 x 40 cells were added
    # and measured, 2 and 3 for 0.15-0.2 s: the themes stayed, as if the key had not been
    # pressed. Now the key's own frame shows the part and its tab, the rows the next one.
    app = analysis_app(store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.action_show_part("grid")  # as the key does, before any frame is drawn
        assert screen.query_one(ContentSwitcher).current == "grid"
        assert "grid" not in screen._filled
        await pilot.pause()
        await pilot.pause()
        assert "grid" in screen._filled and screen.query_one("#grid", DataTable).row_count
        assert app.focused is screen.query_one("#grid", DataTable)
        screen.action_show_part("pairs")
        screen.action_show_part("themes")  # gone past before its frame: pairs waits
        await pilot.pause()
        await pilot.pause()
        assert "pairs" not in screen._filled


async def test_the_evidence_detail_keeps_its_time_in_view_in_a_40_column_pane(store, clock):
    """In a 40-column pane the detail's lines ran out before its last, the session and the
    time: a quote with its check under it (or a note with its note-taker's label) filled the
    six lines it has, and where the evidence was said was not on the screen. The session and
    the time come first now, as the tagging screen's detail gives them; a check the
    transcript does not bear out stays in view under them."""
    from tests.test_tagging import drawn_text
    from tui.domain.quotes import clock_and_recording

    recorded_session(store)
    app = analysis_app(store, clock, study=None)
    async with app.run_test(size=(40, 24)) as pilot:
        screen, evidence, invented, exact = await cost_evidence(pilot)
        for row in range(len(screen.evidence)):
            evidence.move_cursor(row=row)
            await settle(pilot)
            item = screen.evidence[row]
            when = clock_and_recording(item.elapsed, item.recording_offset)
            drawn = " ".join(line.strip() for line in drawn_text(app).splitlines())
            assert when in drawn, (row, when, drawn)
            if row == invented:
                assert "Not found in the transcript" in drawn, drawn


async def test_a_follow_ups_detail_keeps_where_it_is_from_in_view_in_a_40_column_pane(store, clock):
    """With a study's follow-ups filling the list, the detail under it had the lines its list
    left it, three in a 40-column pane of 24 rows: a follow-up of three lines was all of it,
    and whose it was, where, when and its status were not on the screen. The list gives way
    as the evidence list does, and where it is from comes first."""
    from dataclasses import replace

    from tests.analysis_study import _note
    from tests.test_tagging import drawn_text

    long = (
        "? ask for a screenshot of the Doors sheet (she offered to send one with the "
        "carrier names blanked out, once her manager agrees)"
    )
    sessions = with_followups()
    extra = [_note(f"x{n}", long, 100 + n, "q1", kind="followup") for n in range(14)]
    sessions[0] = replace(sessions[0], notes=[*sessions[0].notes, *extra])
    write_study(store, sessions)
    app = analysis_app(store, clock)
    async with app.run_test(size=(40, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("6")
        await settle(pilot)
        for row in (0, 5):
            screen.query_one("#followups", DataTable).move_cursor(row=row)
            await settle(pilot)
            followup = screen._current_followup()
            drawn = " ".join(drawn_text(app).split())  # what the terminal shows
            assert f"{followup.source} \u00b7 {followup.status}" in drawn, drawn[-400:]
