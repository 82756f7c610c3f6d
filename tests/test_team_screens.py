"""Team coding on screen: the coder of a tag, blind coding, initials, the agreement screen."""

from __future__ import annotations

import json
import re

import pytest
from textual.widgets import DataTable

from tests.test_tagging import NOTES, add_notes, pick, ready
from tests.waiting import wait_until
from tui.app import FieldnoteApp
from tui.cli import main
from tui.domain.codings import with_coding
from tui.domain.ratings import with_rating
from tui.screens.agreement_screen import AgreementScreen
from tui.screens.tag_picker_screen import TagPickerScreen
from tui.screens.tagging_screen import TaggingScreen
from tui.widgets.key_bar import KeyBar


def coded_by(store, session_id, note_id, *pairs):
    """Codings another coder made earlier (as `fieldnote tag --as` would)."""
    store.codebook.ensure(sorted({tag for tag, _ in pairs}), "2026-01-01T00:00:00Z")
    session_file = store.open_session(session_id)
    for tag, coder in pairs:
        session_file.change_note(note_id, lambda doc, t=tag, c=coder: with_coding(doc, t, c, "t0"))
    session_file.close()


def app_as(store, clock, session_id, coder, *, blind=False) -> FieldnoteApp:
    store.codebook.ensure(["need/export"], "2026-01-01T00:00:00Z")
    return FieldnoteApp(
        store, author=coder, now=clock, tagging=("session", session_id), blind=blind
    )


def codings(store, session_id, note_id):
    note = next(n for n in store.open_session(session_id).read().notes if n["id"] == note_id)
    return [(c["tag"], c["coder"]) for c in note["codings"]]


async def test_a_tag_applied_records_its_coder_and_untag_removes_only_theirs(
    store, clock, session_id
):
    ids = add_notes(store, session_id, clock)
    coded_by(store, session_id, ids[0], ("pain/onboarding", "Bo"))
    app = app_as(store, clock, session_id, "Ana")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        assert isinstance(screen, TaggingScreen)
        await pick(pilot, "need/export")
        assert codings(store, session_id, ids[0]) == [
            ("pain/onboarding", "Bo"),
            ("need/export", "Ana"),
        ]
        detail = screen.detail_text(screen.current).plain
        assert "#pain/onboarding (B)" in detail and "#need/export (A)" in detail  # two coders
        # Bo's tag is not Ana's to remove: a notice, and it stays.
        await pilot.press("d")
        await pilot.pause()
        await pilot.press(*"pain/onb", "enter")
        await ready(pilot)
        assert codings(store, session_id, ids[0]) == [
            ("pain/onboarding", "Bo"),
            ("need/export", "Ana"),
        ]
        await pilot.press("d")
        await pilot.pause()
        await pilot.press(*"need/exp", "enter")
        await ready(pilot)
        assert codings(store, session_id, ids[0]) == [("pain/onboarding", "Bo")]
        # A span tagged on screen is Ana's coding too.
        await pilot.press("v", "w")
        await pick(pilot, "need/export")
        (span,) = store.open_session(session_id).read().excerpts
        assert [(c["tag"], c["coder"]) for c in span["codings"]] == [("need/export", "Ana")]


async def test_blind_mode_shows_only_the_coders_own_codings(store, clock, session_id):
    ids = add_notes(store, session_id, clock)
    coded_by(store, session_id, ids[0], ("pain/onboarding", "Bo"))
    app = app_as(store, clock, session_id, "Ana", blind=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        header = str(screen.query_one("#tagging-header").render())
        assert "BLIND: Ana's codings only" in header
        assert "coded" not in header  # Bo's and Maya's codings would show in the count
        assert "Note tags: none" in screen.detail_text(screen.current).plain
        row = screen.excerpt_list.row_text(screen.current).plain
        assert "#pain/onboarding" not in row and "\u25cb" in row  # not coded, as far as Ana sees
        # Bo's inline-free tag is hidden; Maya's inline #pain/pricing too (not Ana's), in the
        # words as after them.
        assert "pain/pricing" not in screen.excerpt_list.row_text(screen.shown[1]).plain
        await pick(pilot, "need/export")
        assert "Note tags: #need/export" in screen.detail_text(screen.current).plain
        await pilot.press("o")  # everyone's again
        await pilot.pause()
        assert "BLIND" not in str(screen.query_one("#tagging-header").render())
        assert "#pain/onboarding (B)" in screen.detail_text(screen.current).plain


async def test_blind_mode_lists_no_span_another_coder_made(store, clock, session_id):
    # Where Bo cut a span is Bo's coding too: a blind coder who sees the span's row (or its
    # words under the note) is led to the same words.
    ids = add_notes(store, session_id, clock)
    store.codebook.ensure(["pain/onboarding"], "2026-01-01T00:00:00Z")
    span = {"id": "bo-span", "note_id": ids[0], "start": 0, "end": 12, "tags": [], "severity": None}
    session_file = store.open_session(session_id)
    session_file.add_excerpt({**span, **with_coding(span, "pain/onboarding", "Bo", "t0")})
    session_file.close()
    app = app_as(store, clock, session_id, "Ana", blind=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        assert [e.span for e in screen.shown] == [None] * len(NOTES)  # notes only
        assert "Spans:" not in screen.detail_text(screen.current).plain
        # Ana's own span on the same note is listed, and Bo's still is not.
        await pilot.press("v", "w", "w", "w")
        await pick(pilot, "need/export")
        spans = [e.span["id"] for e in screen.shown if e.span is not None]
        assert len(spans) == 1 and spans != ["bo-span"]
        assert "\u201cThey gave\u201d" not in screen.detail_text(screen.shown[0]).plain
        await pilot.press("o")  # everyone's again: Bo's span is listed
        await pilot.pause()
        assert "bo-span" in [e.span["id"] for e in screen.shown if e.span is not None]


async def test_blind_mode_shows_and_changes_only_the_coders_own_rating(store, clock, session_id):
    # The note-taker rated the note during the interview and Bo rated it since: Ana, blind,
    # sees neither, and her + makes a rating of her own beside theirs.
    ids = add_notes(store, session_id, clock)
    session_file = store.open_session(session_id)
    for value, coder in ((4, "Maya"), (5, "Bo")):
        session_file.change_note(
            ids[0], lambda doc, v=value, c=coder: with_rating(doc, v, c, "2026-01-01T00:00:00Z")
        )
    session_file.close()
    app = app_as(store, clock, session_id, "Ana", blind=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        detail = screen.detail_text(screen.current).plain
        assert "Severity: not rated" in detail and "median" not in detail
        assert "!" not in screen.excerpt_list.row_text(screen.current).plain
        await pilot.press("plus", "plus")
        await ready(pilot)
        assert "Severity: ●●○○○" in screen.detail_text(screen.current).plain
        assert screen.excerpt_list.row_text(screen.current).plain.endswith(" sev 2")
        await pilot.press("o")  # everyone's: the severity counted, and whose ratings
        await pilot.pause()
        detail = screen.detail_text(screen.current).plain
        assert "Severity: ●●●●○\n  median of M\u00a04, B\u00a05, A\u00a02" in detail
    note = next(n for n in store.open_session(session_id).read().notes if n["id"] == ids[0])
    assert [(r["coder"], r["severity"]) for r in note["ratings"]] == [
        ("Maya", 4),
        ("Bo", 5),
        ("Ana", 2),
    ]
    assert note["severity"] == 4


async def test_inline_tags_typed_live_are_the_authors_codings(make_app, store, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press(*"slow invite #pain/onboarding", "enter")
        await wait_until(pilot, lambda: not app.live.unsaved)
    (note,) = [n for n in store.open_session(session_id).read().notes if n["kind"] == "note"]
    assert [(c["tag"], c["coder"]) for c in note["codings"]] == [("pain/onboarding", app.author)]


async def open_agreement(pilot) -> AgreementScreen:
    """The tagging screen's `i`, once its figures are worked out."""
    await ready(pilot)
    await pilot.press("i")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AgreementScreen))
    screen = pilot.app.screen
    await wait_until(pilot, lambda: screen.busy is None)
    return screen


async def test_the_agreement_screen_settles_a_disagreement_and_the_figures_stay(
    store, clock, session_id
):
    # Settling removed Ana's coding and the figures climbed to 100%: the pair's reliability
    # then measured the resolver's consensus, not the two coders.
    ids = add_notes(store, session_id, clock, texts=NOTES[:1] + ["plain words"] * 3)
    coded_by(store, session_id, ids[0], ("pain", "Ana"), ("pain", "Bo"))
    coded_by(store, session_id, ids[1], ("pain", "Ana"))
    hostile = "Zed[@click=app.quit]x[/]"  # a coder's name is never markup (and sorts last)
    coded_by(store, session_id, ids[2], ("pain", hostile), ("pain", "Ana"), ("pain", "Bo"))
    app = app_as(store, clock, session_id, "lead")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_agreement(pilot)
        assert screen.model.pairs()[:2] == [("Ana", "Bo"), ("Ana", hostile)]
        figures = str(screen.query_one("#agreement-figures").render())
        assert "pain" in figures and "75.0%" in figures
        listing = str(screen.query_one("#agreement-list").render())
        assert "Disagreements (1)" in listing and "A: the note  B: not coded" in listing
        await pilot.press("b")  # keep Bo's: no pain on that note
        await wait_until(pilot, lambda: screen.model.disagreements == [] and not screen.busy)
        assert str(screen.query_one("#agreement-figures").render()) == figures
        listing = " ".join(str(screen.query_one("#agreement-list").render()).split())
        assert "Disagreements (0) \u00b7 1 disagreement settled by lead;" in listing
        # Not "every other one is settled", which also reads as every second one.
        assert "None left: each one is settled." in listing
        assert screen.model.pairs()[:2] == [("Ana", "Bo"), ("Ana", hostile)]  # lead is none
        await pilot.press("p")  # the next pair: Ana and the coder with the hostile name
        await wait_until(pilot, lambda: screen.model.pair == ("Ana", hostile) and not screen.busy)
        assert f"B: {hostile}" in str(screen.query_one("#agreement-header").render())
        assert app.is_running
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TaggingScreen)
    assert codings(store, session_id, ids[1]) == []
    (note,) = [n for n in store.open_session(session_id).read().notes if n["id"] == ids[1]]
    assert [(c["tag"], c["coder"], c["settled"]["by"]) for c in note["set_aside"]] == [
        ("pain", "Ana", "lead")
    ]
    assert json.dumps(codings(store, session_id, ids[0])) == json.dumps(
        [["pain", "Ana"], ["pain", "Bo"]]
    )


async def test_the_agreement_screen_shows_how_the_pairs_ratings_agree(store, clock, session_id):
    ids = add_notes(store, session_id, clock, texts=["plain words"] * 2)
    coded_by(store, session_id, ids[0], ("pain", "Ana"), ("pain", "Bo"))
    session_file = store.open_session(session_id)
    for note, coder, value in ((ids[0], "Ana", 5), (ids[0], "Bo", 2), (ids[1], "Bo", 4)):
        session_file.change_note(note, lambda doc, c=coder, v=value: with_rating(doc, v, c, "t0"))
    session_file.close()
    app = app_as(store, clock, session_id, "lead")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_agreement(pilot)
        figures = str(screen.query_one("#agreement-figures").render())
        assert "Severity: 1 rated by both \u00b7 0% alike \u00b7 3.00 apart" in figures
        assert "(ordinal)" in figures


async def test_the_agreement_screen_over_ratings_alone_says_there_are_no_codings(
    store, clock, session_id
):
    # Ana and Bo rated but tagged nothing: the screen had a table head and no row under it.
    ids = add_notes(store, session_id, clock, texts=["plain words"] * 2)
    session_file = store.open_session(session_id)
    for note, coder, value in ((ids[0], "Ana", 5), (ids[0], "Bo", 2)):
        session_file.change_note(note, lambda doc, c=coder, v=value: with_rating(doc, v, c, "t0"))
    session_file.close()
    app = app_as(store, clock, session_id, "lead")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_agreement(pilot)
        figures = str(screen.query_one("#agreement-figures").render())
        assert "Severity: 1 rated by both" in figures
        assert "There are no codings to compare" in figures and "kappa" not in figures, figures


async def test_the_agreement_legend_is_whole_at_80x24_with_many_codes(store, clock, session_id):
    """The figures' box is cut at half the screen; the legend under them is not cut with it.
    It is a line until `?` shows it whole."""
    ids = add_notes(store, session_id, clock, texts=["plain words"] * 4)
    tags = [f"code/{number:02}" for number in range(14)]
    for number, tag in enumerate(tags):
        coded_by(store, session_id, ids[number % 4], (tag, "Ana"), (tag, "Bo"))
    app = app_as(store, clock, session_id, "lead")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_agreement(pilot)
        await pilot.pause()
        legend = screen.query_one("#agreement-legend")
        assert legend.region.height == 1 and drawn_lines(legend)[0].endswith("\u2026")
        await pilot.press("question_mark")
        await pilot.pause()
        drawn = "".join(
            "".join(segment.text for segment in line)
            for line in legend.render_lines(legend.region.reset_offset)
        )
        assert "no one coded a character." in " ".join(drawn.split())
        assert screen.region.contains_region(legend.region)


async def test_a_40_column_pane_still_says_blind_span_and_filter(store, clock, session_id):
    # The session's title came first and the line was cut at the pane's edge: at 40 columns
    # a blind coder was not told the screen was blind, nor that a span or a filter was on.
    add_notes(store, session_id, clock)
    store.open_session(session_id).update_session({"title": "Onboarding study, P7 (ops lead)"})
    app = app_as(store, clock, session_id, "Bo", blind=True)
    async with app.run_test(size=(40, 24)) as pilot:
        await ready(pilot)
        screen = app.screen

        def header() -> str:
            widget = screen.query_one("#tagging-header")
            return "".join(s.text for s in widget.render_lines(widget.region.reset_offset))

        assert "BLIND: Bo" in header()
        await pilot.press("u")
        await pilot.pause()
        assert "BLIND: Bo" in header() and "untagged" in header()
        await pilot.press("escape", "v")
        await pilot.pause()
        assert "SPAN" in header() and "BLIND: Bo" in header()
    app = app_as(store, clock, session_id, "Bo")
    async with app.run_test(size=(100, 30)) as pilot:  # room for all: the title first
        await ready(pilot)
        shown = str(app.screen.query_one("#tagging-header").render())
        assert shown.startswith("Tagging Onboarding study, P7 (ops lead)  1/6 coded")


async def test_the_agreement_screen_in_a_40_column_pane_shows_its_keys_and_list(
    store, clock, session_id
):
    # At 40x24 the wrapped explanation and figures (each row on two lines) pushed the
    # disagreements and the key bar off the screen: nothing said what a, b, = or x do.
    ids = add_notes(store, session_id, clock, texts=["plain words"] * 4)
    coded_by(store, session_id, ids[0], ("pain/onboarding", "Ana"), ("pain/onboarding", "Bo"))
    coded_by(store, session_id, ids[1], ("pain/onboarding", "Ana"))
    app = app_as(store, clock, session_id, "lead")
    async with app.run_test(size=(40, 24)) as pilot:
        screen = await open_agreement(pilot)
        await pilot.pause()
        keys = screen.query_one(KeyBar)
        assert keys.region.height and screen.region.contains_region(keys.region)
        listing = screen.query_one("#agreement-list")
        assert listing.region.height >= 3 and screen.region.contains_region(listing.region)
        assert "Disagreements (1)" in str(listing.render())
        figures = screen.query_one("#agreement-figures")
        lines = str(figures.render()).splitlines()
        assert all(len(line) <= figures.content_region.width for line in lines)
        assert lines[1].split()[:4] == ["all", "codes", "2", "1"]  # one line per code
        assert "kappa" in lines[0]
        assert not screen.query_one("#agreement-legend").display  # its rows are the list's


@pytest.mark.parametrize("width", [30, 33, 35])
async def test_the_agreement_screen_below_36_columns_keeps_a_code_to_a_line(
    store, clock, session_id, width
):
    # Below 36 columns every column that could give way had, and code, A, B, both and kappa
    # still took 37: each code's row wrapped onto two lines, halving the codes shown.
    ids = add_notes(store, session_id, clock, texts=["plain words"] * 4)
    coded_by(store, session_id, ids[0], ("grey-area/work-from-home", "Ana"), ("pain", "Bo"))
    coded_by(store, session_id, ids[1], ("pain", "Ana"), ("pain", "Bo"))
    app = app_as(store, clock, session_id, "lead")
    async with app.run_test(size=(width, 24)) as pilot:
        screen = await open_agreement(pilot)
        await pilot.pause()
        figures = screen.query_one("#agreement-figures")
        lines = str(figures.render()).splitlines()
        assert all(len(line) <= figures.content_region.width for line in lines), lines
        head, *rows = lines
        assert head.split()[:3] == ["code", "A", "B"] and "kappa" in head, head
        assert rows[0].split()[:4] == ["all", "codes", "2", "2"], rows  # A, B: a line each
        assert rows[1].startswith("grey-area/w") and rows[1].split()[1:3] == ["1", "0"], rows
        assert rows[2].split()[:3] == ["pain", "1", "2"], rows


async def test_a_narrow_key_bar_keeps_the_words_that_tell_keys_apart(store, clock, session_id):
    # Below 60 columns each description shortens to its first word: "Keep A's", "Keep B's",
    # "Keep both" and "Keep neither" all read "Keep", and nothing said which key keeps what.
    ids = add_notes(store, session_id, clock, texts=["plain words"] * 2)
    coded_by(store, session_id, ids[0], ("pain", "Ana"))
    coded_by(store, session_id, ids[1], ("pain", "Bo"))
    app = app_as(store, clock, session_id, "lead")
    async with app.run_test(size=(40, 24)) as pilot:
        screen = await open_agreement(pilot)
        await pilot.pause()
        keys = " ".join(str(screen.query_one(KeyBar).render()).split())
        for shown in ("a Keep A's", "b Keep B's", "= Keep both", "x Keep neither", "p Next"):
            assert shown in keys, keys


async def test_the_blind_notice_shows_a_coders_name_made_safe(store, clock, session_id):
    """The notice put the --as name in raw: ESC[31m reached the terminal and turned it red."""
    add_notes(store, session_id, clock)
    app = app_as(store, clock, session_id, "Bo\x1b[31mRed")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("o")
        await pilot.pause()
        said = [str(n.message) for n in app._notifications]
        assert any("Showing only Bo\u241b[31mRed's codings." in s for s in said), said
        assert not any("\x1b" in s for s in said)


async def test_blind_mode_keeps_the_analysis_and_agreement_shut_until_it_ends(
    store, clock, session_id
):
    # Both screens show every coder's codings and ratings: one look leads the blind coder.
    from tui.screens.analysis_screen import AnalysisScreen

    ids = add_notes(store, session_id, clock)
    coded_by(store, session_id, ids[0], ("pain/onboarding", "Bo"))
    app = app_as(store, clock, session_id, "Ana", blind=True)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ready(pilot)
        screen = app.screen
        for key in ("A", "i"):
            await pilot.press(key)
            await pilot.pause()
            await pilot.pause()
            assert app.screen is screen
        said = [n.message for n in app._notifications]
        assert len(said) == 2 and all("Press o to see everyone's" in m for m in said), said
        await pilot.press("o")  # everyone's again: the agreement opens
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, AgreementScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)
        await pilot.press("A")
        await wait_until(pilot, lambda: isinstance(app.screen, AnalysisScreen))


async def test_the_agreement_screen_shows_the_cli_figures_of_each_pair_of_three_coders(
    store, clock, session_id, tmp_path, monkeypatch, capsys
):
    """One pair's figures are the same thing on the screen and from `fieldnote agree` run on
    all three coders: the CLI gave each pair the alpha of all three, the screen the pair's, and
    the CLI's pooled row counted codes only the third coder used."""
    ids = add_notes(store, session_id, clock, texts=["plain words"] * 8)
    for tag, coder, notes in (
        ("pain", "Ana", (0, 1, 2, 3)),
        ("pain", "Bo", (0, 1, 2, 4)),
        ("pain", "Cy", (0, 5, 6)),
        ("price", "Ana", (5,)),
        ("price", "Bo", (5, 6)),
        ("sso", "Cy", (1, 2)),
    ):
        for i in notes:
            coded_by(store, session_id, ids[i], (tag, coder))
    session_file = store.open_session(session_id)
    for i, coder, value in ((0, "Ana", 4), (0, "Bo", 2), (1, "Ana", 3), (1, "Bo", 3), (0, "Cy", 5)):
        session_file.change_note(ids[i], lambda doc, c=coder, v=value: with_rating(doc, v, c, "t0"))
    session_file.close()
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "data"))
    assert main(["agree", session_id, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    app = app_as(store, clock, session_id, "lead")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_agreement(pilot)
        for _ in range(3):  # Ana/Bo, Ana/Cy, Bo/Cy
            first, second = screen.model.pair
            lines = str(screen.query_one("#agreement-figures").render()).splitlines()
            shown = {
                " ".join(cells[:-7]): cells[-7:]
                for cells in (line.split() for line in lines[2:])
                if cells
            }
            theirs = {
                code["code"]: pair
                for code in [data["study"], *data["codes"]]
                for pair in code["pairs"]
                if (pair["first"], pair["second"]) == (first, second)
            }
            assert list(shown) == list(theirs)  # the codes of the two, "all codes" first
            for name, cells in shown.items():
                pair = theirs[name]
                assert cells == [
                    str(pair["first_notes"]),
                    str(pair["second_notes"]),
                    str(pair["both"]),
                    f"{pair['percent']:.1f}%",
                    "n/a" if pair["kappa"] is None else f"{pair['kappa']:.2f}",
                    "n/a" if pair["alpha"] is None else f"{pair['alpha']:.2f}",
                    "n/a" if pair["char_overlap"] is None else f"{100 * pair['char_overlap']:.0f}%",
                ], (first, second, name)
            (rated,) = [
                p for p in data["ratings"]["pairs"] if (p["first"], p["second"]) == (first, second)
            ]
            if rated["both"]:
                assert f"alpha {rated['alpha_ordinal']:.2f} (ordinal)" in lines[0]
            await pilot.press("p")
            await wait_until(pilot, lambda: not screen.busy)


async def test_each_disagreement_is_one_line_and_the_current_one_is_in_view(
    store, clock, session_id
):
    """A disagreement longer than the pane wrapped onto two lines or three (at 80 columns as at
    40), while the list counted one line a row: the rows under them fell off the list, and the
    one being settled with them. Each is one line now, and the current one whole."""
    words = "We used a shared spreadsheet instead of the scheduling tool for weeks"
    ids = add_notes(store, session_id, clock, texts=[f"{i} {words}" for i in range(12)])
    for i in range(12):
        coded_by(store, session_id, ids[i], ("pain/onboarding", "Ana" if i % 2 else "Bo"))
    for size in ((40, 24), (80, 24)):
        app = app_as(store, clock, session_id, "lead")
        async with app.run_test(size=size) as pilot:
            screen = await open_agreement(pilot)
            listing = screen.query_one("#agreement-list")
            for _ in range(11):
                await pilot.press("j")
            await pilot.pause()
            drawn = [
                "".join(segment.text for segment in line).rstrip()
                for line in listing.render_lines(listing.region.reset_offset)
            ]
            lines = [line for line in drawn[1:] if line]
            at = next(i for i, line in enumerate(lines) if line.startswith("11:00"))
            assert at >= 3 and all(re.match(r"\d\d:00 #pain", line) for line in lines[:at])
            # The current one, the last, is whole; the others a line each.
            whole = " ".join(lines[at:])
            assert "A: the note" in whole and f"\u201c11 {words}\u201d" in whole, drawn


async def test_the_codebook_counts_only_a_blind_coders_own_codings(store, clock, session_id):
    # Bo coded note 1 #pain/onboarding and Maya typed #pain/pricing: the codebook's counts,
    # its `By coder` column and its line of coders told Ana, blind, who used which tag.
    from tests.test_codebook import open_codebook, row

    ids = add_notes(store, session_id, clock)
    coded_by(store, session_id, ids[0], ("pain/onboarding", "Bo"))
    coded_by(store, session_id, ids[1], ("pain/onboarding", "Bo"))
    app = app_as(store, clock, session_id, "Ana", blind=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await pick(pilot, "need/export")
        screen = await open_codebook(app, pilot)
        onboarding = row(screen, "pain/onboarding")
        assert onboarding[1:3] == ["0", "0/1"] and "B" not in onboarding[5], onboarding
        assert row(screen, "pain/pricing")[1] == "0"
        assert row(screen, "need/export")[1:3] == ["1", "1/1"]
        assert "BLIND: Ana's codings only" in str(screen.query_one("#codebook-title").render())
        status = str(screen.query_one("#codebook-status").render())
        assert "Ana's alone" in status and "esc, then o shows everyone's" in status, status
        for name in ("pain/onboarding", "pain/pricing"):
            screen.query_one(DataTable).move_cursor(
                row=[t["name"] for t in screen.tags].index(name)
            )
            await pilot.pause()
            detail = str(screen.query_one("#codebook-detail").render())
            assert "Bo" not in detail and "Maya" not in detail and "0 excerpts" in detail, detail
        await pilot.press("escape", "o")  # everyone's again: the codebook counts them all
        await ready(pilot)
        screen = await open_codebook(app, pilot)
        assert row(screen, "pain/onboarding")[1] == "2"
        assert "BLIND" not in str(screen.query_one("#codebook-title").render())


async def test_the_codebook_counts_a_settlement_as_one_not_as_the_resolvers_coding(
    store, clock, session_id
):
    """Lead settled how Ana and Bo differ on #pain/onboarding on one note (keeping Ana's) and
    coded another note with it as a coder of their own. The codebook's `By coder` column and
    its line said lead coded it twice, and blind, lead's count was 2: the settlement, the
    team's word and no one's coding (docs/coding.md), was counted as lead's own. It is a
    settlement now, counted apart, and blind counts lead's own codings alone."""
    from tests.test_codebook import open_codebook, row
    from tui.domain.codings import coding, fields, settled

    ids = add_notes(store, session_id, clock)
    coded_by(store, session_id, ids[0], ("pain/onboarding", "Ana"), ("need/export", "Bo"))
    coded_by(store, session_id, ids[3], ("pain/onboarding", "lead"))
    session_file = store.open_session(session_id)
    session_file.change_note(
        ids[0],
        lambda doc: settled(doc, "pain/onboarding", {"Ana", "Bo"}, {"Ana"}, "lead", "t1"),
    )
    (note,) = [n for n in session_file.read().notes if n["id"] == ids[0]]
    session_file.close()
    assert coding("pain/onboarding", "lead", "t1", settlement=True) in note["codings"]
    assert fields(note["codings"])["tags"] == ["need/export", "pain/onboarding"]

    for blind in (False, True):
        app = app_as(store, clock, session_id, "lead", blind=blind)
        async with app.run_test(size=(120, 30)) as pilot:
            await ready(pilot)
            screen = await open_codebook(app, pilot)
            onboarding = row(screen, "pain/onboarding")
            goto_row = [t["name"] for t in screen.tags].index("pain/onboarding")
            screen.query_one(DataTable).move_cursor(row=goto_row)
            await pilot.pause()
            detail = str(screen.query_one("#codebook-detail").render())
            if blind:  # lead's own coding alone: the settlement is no one's
                assert onboarding[1:3] == ["1", "1/1"], onboarding
                assert onboarding[5] == "L1", onboarding
                assert "1 excerpt in 1/1 sessions" in detail and "by lead 1" in detail, detail
                assert "settled" not in detail
            else:  # both notes carry it; one is lead's coding, one the team's settlement
                assert onboarding[1:3] == ["2", "1/1"], onboarding
                assert onboarding[5] == "L1 \u27131", onboarding
                assert "by lead 1; settled 1 (by lead)" in detail, detail
                assert "Ana" not in detail  # hers is set aside: not in force, not counted


async def test_the_tagging_screen_marks_a_settlement_as_a_settlement(store, clock, session_id):
    """Lead settled how Ana and Bo differ on #pain/onboarding (keeping Ana's), and how Maya and
    Bo differ on Maya's #pain/pricing. The initials beside a tag named lead as one of its
    coders, `#pain/onboarding (L)`, and a note whose one tag was settled showed no initials at
    all: a settlement is the team's word, no one's coding (docs/coding.md), and the codebook
    counts it so (`L1 ✓1`). It is marked `✓L` now, beside lead's own coding when
    there is one."""
    from tui.domain.codings import settled

    ids = add_notes(store, session_id, clock)
    coded_by(store, session_id, ids[0], ("pain/onboarding", "Ana"), ("need/export", "Bo"))
    session_file = store.open_session(session_id)
    session_file.change_note(
        ids[0],
        lambda doc: settled(doc, "pain/onboarding", {"Ana", "Bo"}, {"Ana"}, "lead", "t1"),
    )
    session_file.change_note(
        ids[1], lambda doc: settled(doc, "pain/pricing", {"Maya", "Bo"}, {"Maya"}, "lead", "t1")
    )
    session_file.close()
    app = app_as(store, clock, session_id, "Bo")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        detail = screen.detail_text(screen.shown[0]).plain
        assert "#pain/onboarding (✓L)" in detail and "#need/export (B)" in detail, detail
        # Settled alone on its note: there is one holder, and it is still no one's coding.
        assert "#pain/pricing (✓L)" in screen.detail_text(screen.shown[1]).plain
    coded_by(store, session_id, ids[0], ("pain/onboarding", "lead"))
    app = app_as(store, clock, session_id, "Bo")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        detail = app.screen.detail_text(app.screen.shown[0]).plain
        assert "#pain/onboarding (L, ✓L)" in detail, detail  # lead's own coding, and the team's


async def test_a_blind_coders_picker_and_recent_tags_are_their_own(store, clock, session_id):
    # The codebook counts every coder's uses: the picker's `3×`, its order and the recent
    # tags on 1-9 showed Ana, blind, what Bo had reached for, and how often.
    add_notes(store, session_id, clock)
    store.codebook.ensure(["pain/onboarding", "need/export"], "2026-01-01T00:00:00Z")
    for _ in range(3):
        store.codebook.record_use(["pain/onboarding"], "2026-01-02T00:00:00Z")
    app = app_as(store, clock, session_id, "Ana", blind=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        assert "pain/onboarding" not in screen.model.recent()
        await pilot.press("t")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, TagPickerScreen)
        assert all(m.uses == 0 for m in picker.matches), picker.matches
        await pilot.press(*"need/exp", "enter")
        await ready(pilot)
        assert screen.model.recent() == ["need/export"]
        await pilot.press("t")
        await pilot.pause()
        assert app.screen.matches[0].name == "need/export" and app.screen.matches[0].uses == 1
        await pilot.press("escape")
        await pilot.press("o")  # everyone's: Bo's uses count again
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert app.screen.matches[0].name == "pain/onboarding" and app.screen.matches[0].uses == 3


async def test_the_codebooks_merge_picker_counts_only_a_blind_coders_uses(store, clock, session_id):
    # Merging asks for the tag to merge into in a picker: its `3×` were every coder's uses.
    from tests.test_codebook import goto, open_codebook

    add_notes(store, session_id, clock)
    store.codebook.ensure(["pain/onboarding", "need/export"], "2026-01-01T00:00:00Z")
    for _ in range(3):
        store.codebook.record_use(["pain/onboarding"], "2026-01-02T00:00:00Z")
    app = app_as(store, clock, session_id, "Ana", blind=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = await open_codebook(app, pilot)
        goto(screen, "need/export")
        await pilot.press("m")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, TagPickerScreen)
        assert [m.uses for m in picker.matches] == [0] * len(picker.matches), picker.matches


async def test_two_coders_with_the_same_initials_are_told_apart(store, clock, session_id):
    # Ana and Aiko both showed as `A`: `#pain (A, A)`, and `A1 A1` in the codebook.
    from tests.test_codebook import open_codebook, row

    ids = add_notes(store, session_id, clock)
    coded_by(store, session_id, ids[0], ("pain", "Aiko"))
    session_file = store.open_session(session_id)
    session_file.change_note(ids[0], lambda doc: with_rating(doc, 2, "Aiko", "t0"))
    session_file.close()
    app = app_as(store, clock, session_id, "Ana")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        await pick(pilot, "pain")
        await pilot.press("plus", "plus", "plus")
        await ready(pilot)
        detail = screen.detail_text(screen.current).plain
        assert "#pain (Ai, An)" in detail, detail
        assert "median of Ai\u00a02, An\u00a05" in detail, detail
        codebook = await open_codebook(app, pilot)
        assert row(codebook, "pain")[5] == "Ai1 An1"


async def test_blind_mode_keeps_the_export_shut_too(store, clock, session_id):
    # The export writes every coder's codings and ratings to a file the blind coder then
    # opens: as the analysis and the agreement, it waits until blind mode ends.
    from tui.screens.export_screen import ExportScreen

    ids = add_notes(store, session_id, clock)
    coded_by(store, session_id, ids[0], ("pain/onboarding", "Bo"))
    app = app_as(store, clock, session_id, "Ana", blind=True)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ready(pilot)
        screen = app.screen
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is screen
        said = [n.message for n in app._notifications]
        assert any("The export" in m and "Press o to see everyone's" in m for m in said), said
        await pilot.press("o", "e")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))


async def test_the_agreement_screens_sentence_shows_a_coders_escape_as_a_symbol(
    store, clock, session_id
):
    # "Agreement needs two coders, and only NAME has coded" put the name on the screen as the
    # session file held it, where the figures and the CLI show it made visible.
    ids = add_notes(store, session_id, clock, texts=["plain words"] * 2)
    coded_by(store, session_id, ids[0], ("pain", "Bo\x1b[31mRed"))
    app = app_as(store, clock, session_id, "lead")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_agreement(pilot)
        figures = str(screen.query_one("#agreement-figures").render())
        assert "Agreement needs two coders" in figures
        assert "\x1b" not in figures and "Bo\u241b[31mRed" in figures


async def test_a_pair_of_three_coders_that_tagged_nothing_is_a_sentence_on_the_screen(
    store, clock, session_id
):
    ids = add_notes(store, session_id, clock, texts=["plain words"] * 2)
    coded_by(store, session_id, ids[0], ("pain", "Ana"))
    session_file = store.open_session(session_id)
    for coder, value in (("Bo", 5), ("Cy", 2)):
        session_file.change_note(ids[1], lambda doc, c=coder, v=value: with_rating(doc, v, c, "t0"))
    session_file.close()
    app = app_as(store, clock, session_id, "lead")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_agreement(pilot)
        assert screen.model.pairs() == [("Ana", "Bo"), ("Ana", "Cy"), ("Bo", "Cy")]
        for _ in range(2):
            await pilot.press("p")
            await pilot.pause()
            await wait_until(pilot, lambda: not screen.busy)
        assert screen.model.pair == ("Bo", "Cy")
        figures = str(screen.query_one("#agreement-figures").render())
        assert "Bo and Cy tagged no note here" in figures and "all codes" not in figures, figures


async def test_a_blind_coders_tags_rank_alike_in_the_picker_and_the_codebook(
    store, clock, session_id
):
    # Blind, the tagging screen's picker ranked Ana's tags by her uses, then by her latest
    # use; the codebook's pickers by her excerpts alone, then by name: two orders of one
    # coder's tags. Both rank by her own uses, then her latest use, now.
    from tests.test_codebook import open_codebook

    ids = add_notes(store, session_id, clock)
    store.codebook.ensure(["alpha", "mid", "zeta"], "2026-01-01T00:00:00Z")
    session_file = store.open_session(session_id)
    for note_id, tag, coder, at in [
        (ids[0], "alpha", "Ana", "2026-01-02T09:00:00Z"),
        (ids[1], "zeta", "Ana", "2026-01-03T09:00:00Z"),  # as often as alpha, later
        (ids[2], "mid", "Ana", "2026-01-02T10:00:00Z"),
        (ids[3], "mid", "Ana", "2026-01-02T11:00:00Z"),  # Ana's most used
        (ids[0], "alpha", "Bo", "2026-01-04T09:00:00Z"),  # Bo's uses count for no one blind
        (ids[1], "alpha", "Bo", "2026-01-04T09:00:00Z"),
        (ids[2], "alpha", "Bo", "2026-01-04T09:00:00Z"),
    ]:
        session_file.change_note(
            note_id, lambda doc, t=tag, c=coder, a=at: with_coding(doc, t, c, a)
        )
    session_file.close()
    app = app_as(store, clock, session_id, "Ana", blind=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TagPickerScreen)
        tagging_order = [(m.name, m.uses) for m in app.screen.matches]
        await pilot.press("escape")
        await pilot.pause()
        screen = await open_codebook(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, TagPickerScreen), app.screen
        codebook_order = [(m.name, m.uses) for m in app.screen.matches]
    assert tagging_order[:3] == [("mid", 2), ("zeta", 1), ("alpha", 1)], tagging_order
    assert codebook_order == tagging_order, screen


def drawn_lines(widget) -> list[str]:
    """What a widget shows, line by line, as the terminal draws it (cut at its height)."""
    return [
        "".join(segment.text for segment in line).rstrip()
        for line in widget.render_lines(widget.region.reset_offset)
    ]


async def test_the_agreement_list_has_the_rows_and_the_codes_scroll_at_80x24_and_40x24(
    store, clock, session_id
):
    """At 80x24 the explanations took seven rows and the codes table what was left but one:
    the disagreements, what the screen is there to settle, showed one line (not even the whole
    current one). The explanations fold to a line each (`?` shows them whole), the codes table
    takes the rows the list leaves and scrolls (pgdn), and the list shows five or more."""
    words = "We used a shared spreadsheet instead of the scheduling tool for weeks"
    ids = add_notes(store, session_id, clock, texts=[f"{i} {words}" for i in range(12)])
    tags = [f"code/{number:02}" for number in range(9)]
    for number, tag in enumerate(tags):
        coded_by(store, session_id, ids[number], (tag, "Ana"), (tag, "Bo"))
    for i in range(12):
        coded_by(store, session_id, ids[i], ("pain/onboarding", "Ana" if i % 2 else "Bo"))
    for size, rows in (((40, 24), 5), ((120, 40), 12), ((80, 24), 5)):  # 80x24 settles
        app = app_as(store, clock, session_id, "lead")
        async with app.run_test(size=size) as pilot:
            screen = await open_agreement(pilot)
            await pilot.pause()
            listing = screen.query_one("#agreement-list")
            assert screen.region.contains_region(listing.region)
            lines = [line for line in drawn_lines(listing)[1:] if line]
            at = next(i for i, line in enumerate(lines) if line.startswith("00:00"))
            assert f"\u201c0 {words}\u201d" in " ".join(lines[at:]), (size, lines)  # whole
            assert sum(bool(re.match(r"\d\d:00 #", line)) for line in lines) >= rows, (size, lines)
            figures = screen.query_one("#agreement-figures")
            shown = "\n".join(drawn_lines(figures))
            population = screen.query_one("#agreement-population")
            if size == (120, 40):
                assert "pgdn" not in shown and "code/08" in shown, shown
                assert population.region.height == 1
                continue
            assert "code/08" not in shown and "all codes" in shown, shown
            assert re.search(r"codes 1-\d of 10 \u00b7 pgup/pgdn", shown), shown
            for _ in range(10):
                await pilot.press("pagedown")
            await pilot.pause()
            shown = "\n".join(drawn_lines(figures))
            assert "code/08" in shown and "all codes" in shown, shown  # "all codes" stays
            if size == (80, 24):
                assert population.region.height == 1
                await pilot.press("question_mark")  # the explanations, whole
                await pilot.pause()
                assert population.region.height > 1
                assert "on absence." in " ".join(drawn_lines(population))
                assert "? Explain" in " ".join(str(screen.query_one(KeyBar).render()).split())
                await pilot.press("question_mark", "a")  # the settled line takes two lines
                await wait_until(pilot, lambda s=screen: len(s.model.disagreements) == 11)
                await wait_until(pilot, lambda s=screen: not s.busy)
                await pilot.pause()
                lines = [line for line in drawn_lines(listing) if line]
                assert "settled by lead" in lines[0], lines
                assert sum(bool(re.match(r"\d\d:00 #", line)) for line in lines) >= rows, lines


async def test_a_wide_code_name_keeps_its_figures_in_their_columns(store, clock, session_id):
    """The code column was padded and cut by characters: a CJK name (two cells a character)
    pushed its row's figures out from under their heads, and a long one off the line."""
    from rich.cells import cell_len

    ids = add_notes(store, session_id, clock, texts=["plain words"] * 3)
    names = ["用户体验", "用户体验问题研究分析报告汇总", "pain"]
    for i, tag in enumerate(names):
        coded_by(store, session_id, ids[i], (tag, "Ana"), (tag, "Bo"))
    for size in ((80, 24), (40, 24)):
        app = app_as(store, clock, session_id, "lead")
        async with app.run_test(size=size) as pilot:
            screen = await open_agreement(pilot)
            figures = screen.query_one("#agreement-figures")
            lines = str(figures.render()).splitlines()
            head = lines[0]
            rows = [line for line in lines[1:] if line.split() and line.split()[-1] != "pgup/pgdn"]
            assert len(rows) == 4, lines  # all codes and the three, each on one line
            for row in rows:
                assert cell_len(row) == cell_len(head), (size, row)
            assert any(row.startswith("用户体验问题") and "\u2026" in row for row in rows), rows


async def test_a_settle_key_pressed_while_the_last_one_saves_says_it_was_not_taken(
    store, clock, session_id
):
    """`a` then `b` typed quickly: `b` came while the first settlement was saving and was
    dropped without a word, and the resolver took the next disagreement as settled too."""
    import threading

    ids = add_notes(store, session_id, clock, texts=["plain words"] * 2)
    coded_by(store, session_id, ids[0], ("pain", "Ana"))
    coded_by(store, session_id, ids[1], ("pain", "Bo"))
    app = app_as(store, clock, session_id, "lead")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_agreement(pilot)
        saving = threading.Event()
        settle = screen.model.settle

        def held(*args):
            saving.wait(10)
            return settle(*args)

        screen.model.settle = held
        await pilot.press("a", "b")
        said = [str(n.message) for n in app._notifications]
        assert any("Keep B's was not taken" in s and "Still saving" in s for s in said), said
        saving.set()
        await wait_until(pilot, lambda: not screen.busy)
        assert len(screen.model.disagreements) == 1  # the first settled, the second not


async def test_u_takes_back_the_last_settlement_and_puts_the_cursor_on_it(store, clock, session_id):
    ids = add_notes(store, session_id, clock, texts=["plain words"] * 3)
    coded_by(store, session_id, ids[0], ("pain", "Ana"))
    coded_by(store, session_id, ids[1], ("pain", "Bo"))
    app = app_as(store, clock, session_id, "lead")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_agreement(pilot)
        await pilot.press("u")  # nothing settled yet: said, nothing changed
        said = [str(n.message) for n in app._notifications]
        assert any("No settlement to undo" in s for s in said), said
        assert "u Undo settle" in " ".join(str(screen.query_one(KeyBar).render()).split())
        await pilot.press("j", "x")  # the second, Bo's #pain: kept neither
        await wait_until(pilot, lambda: len(screen.model.disagreements) == 1 and not screen.busy)
        assert codings(store, session_id, ids[1]) == []
        await pilot.press("u")
        await wait_until(pilot, lambda: len(screen.model.disagreements) == 2 and not screen.busy)
        assert codings(store, session_id, ids[1]) == [("pain", "Bo")]
        assert screen.model.current.unit.note["id"] == ids[1]  # back under the cursor
        listing = " ".join(str(screen.query_one("#agreement-list").render()).split())
        assert "Disagreements (2)" in listing and "settled" not in listing


async def test_a_studys_disagreements_name_their_session(store, clock):
    """Over a study, two interviews' disagreements read alike (`00:00 #pain A: … B: …`): which
    interview each was in, only the note's words hinted. Each row names its session now."""
    from tui.services.session_setup import create_session

    ids = []
    for title in ("Ana - onboarding", "Ben - pricing"):
        session_id = create_session(store, title=title, participant=title[:3], study="Team")
        (note,) = add_notes(store, session_id, clock, texts=["We kept a spreadsheet on the side"])
        coded_by(store, session_id, note, ("pain", "Ana"), ("slow", "Bo"))
        ids.append(session_id)
    app = FieldnoteApp(store, author="lead", now=clock, tagging=("study", ids[0]))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_agreement(pilot)
        listing = screen.query_one("#agreement-list")
        drawn = [
            "".join(segment.text for segment in line).rstrip()
            for line in listing.render_lines(listing.region.reset_offset)
        ]
        rows = [line for line in drawn[1:] if re.search(r"\d\d:\d\d #", line)]
        assert [row.split(" 00:00")[0].strip() for row in rows] == [
            "Ana - onboarding",
            "Ana - onboarding",
            "Ben - pricing",
            "Ben - pricing",
        ], drawn


async def test_blind_mode_hides_which_tag_another_typed_into_a_note(store, clock, session_id):
    """Blind, the row and the pane said the note had no tags of Ana's, while its words still
    read `… #pain/pricing`: the note-taker's coding, in plain sight of the blind coder. Its
    characters keep their place (spans' offsets hold), the tag's name is gone."""
    ids = add_notes(store, session_id, clock)
    typed = next(i for i, text in enumerate(NOTES) if "#pain/pricing" in text)
    app = app_as(store, clock, session_id, "Ana", blind=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        screen.model.move_to(typed)
        await pilot.pause()
        excerpt = screen.current
        assert excerpt.note["id"] == ids[typed]
        row = screen.excerpt_list.row_text(excerpt).plain
        detail = screen.detail_text(excerpt).plain
        for seen in (row, detail):
            assert "pricing" not in seen and "#\u00b7\u00b7\u00b7" in seen, seen
        hidden = "#" + "\u00b7" * (len("#pain/pricing") - 1)
        assert NOTES[typed].replace("#pain/pricing", hidden) in detail
        await pick(pilot, "pain/pricing")  # Ana codes it so herself: now it is hers to see
        assert "#pain/pricing" in screen.excerpt_list.row_text(screen.current).plain
        await pilot.press("o")  # everyone's codings: the words as typed
        await pilot.pause()
        assert NOTES[typed] in screen.detail_text(screen.current).plain
