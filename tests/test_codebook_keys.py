"""The codebook at 80x24: whole headers, g/G, and a merge that asks with its counts first."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from tests.test_codebook import goto, open_codebook, settle, two_sessions
from tests.test_tagging import add_notes, tagging_app
from tui.screens.codebook_screen import COLUMNS, CodebookScreen
from tui.screens.prompt_screen import ConfirmScreen
from tui.services.tag_ops import merge_preview
from tui.widgets.table_columns import CELL_PADDING, SCROLLBAR, fit

SIZE = (80, 24)


@pytest.mark.parametrize("width", range(30, 201, 5))
def test_no_codebook_header_is_cut_and_the_columns_fit(width):
    columns = fit(COLUMNS, width)
    for label, size in columns:
        assert size >= len(label), (width, label, size)
    if width >= 40:
        assert sum(size + CELL_PADDING for _, size in columns) + SCROLLBAR <= width
    labels = [label for label, _ in columns]
    assert labels[:3] == ["Tag", "Excerpts", "Sessions"]
    if width >= 80:
        assert "Description" in labels  # what a tag means matters more than its parent


async def test_the_codebook_headers_are_whole_at_80x24(store, clock):
    ids = two_sessions(store, clock)
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_codebook(app, pilot)
        table = screen.query_one(DataTable)
        shown = {str(c.label): c.width for c in table.columns.values()}
        assert list(shown)[:5] == ["Tag", "Excerpts", "Sessions", "People", "Description"]
        for label, width in shown.items():
            assert width >= len(label), label
        assert table.virtual_size.width <= table.size.width  # no sideways scrolling


async def test_g_and_shift_g_jump_to_the_first_and_last_tag(store, clock):
    ids = two_sessions(store, clock)
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_codebook(app, pilot)
        table = screen.query_one(DataTable)
        assert table.cursor_row == 0
        await pilot.press("G")
        assert table.cursor_row == len(screen.tags) - 1 == 3
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("end")
        assert table.cursor_row == 3
        await pilot.press("home")
        assert table.cursor_row == 0


def seed_merge(store, clock, ids) -> None:
    """One more note tagged with both tags (it keeps one), and a sub-tag that moves along."""
    add_notes(store, ids[0], clock, ["Both #pain/onbording #pain/onboarding"])
    add_notes(store, ids[1], clock, ["Sub #pain/onbording/sso"])


def test_merge_preview_counts_what_the_merge_changes(store, clock):
    ids = two_sessions(store, clock)
    seed_merge(store, clock, ids)
    preview = merge_preview(store, "pain/onbording", "pain/onboarding")
    assert (preview.changes, preview.sessions, preview.folded) == (4, 2, 1)
    assert preview.sub_tags == ("pain/onbording/sso",)
    before = {sid: store.open_session(sid).read().notes for sid in ids}
    assert {sid: store.open_session(sid).read().notes for sid in ids} == before


async def test_merge_asks_with_the_counts_and_esc_changes_nothing(store, clock):
    ids = two_sessions(store, clock)
    seed_merge(store, clock, ids)
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_codebook(app, pilot)
        goto(screen, "pain/onbording")
        await pilot.press("m", *"onboarding", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        asked = app.screen
        assert (
            asked.title_text == "Merge \u2018pain/onbording\u2019 into \u2018pain/onboarding\u2019?"
        )
        assert asked.question.startswith(
            "4 note(s) and excerpt(s) in 2 session(s) will be tagged \u2018pain/onboarding\u2019"
            " instead (1 already have it and keep it once)."
        )
        assert "Its 1 sub-tag(s) move under" in asked.question
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, CodebookScreen)
        assert store.codebook.get("pain/onbording") is not None
        tagged = [n["tags"] for n in store.open_session(ids[1]).read().notes if n["tags"]]
        assert ["pain/onbording"] in tagged
        # Asked again and confirmed, it merges.
        goto(screen, "pain/onbording")
        await pilot.press("m", *"onboarding", "enter")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert store.codebook.get("pain/onbording") is None
        tagged = [n["tags"] for n in store.open_session(ids[1]).read().notes if n["tags"]]
        assert ["pain/onboarding"] in tagged and ["pain/onboarding/sso"] in tagged


@pytest.mark.parametrize("size", [SIZE, (40, 24)])
async def test_slash_finds_a_tag_by_typing_and_the_key_bar_says_so(store, clock, size):
    """48 tags in the demo meant scrolling with j/k: `/` searches them as the tag picker does
    (fuzzy) and Enter puts the cursor on the one found; Esc leaves it where it was."""
    from tui.screens.tag_picker_screen import TagPickerScreen
    from tui.widgets.key_bar import KeyBar

    ids = two_sessions(store, clock)
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=size) as pilot:
        screen = await open_codebook(app, pilot)
        table = screen.query_one(DataTable)
        assert "Find" in str(screen.query_one(KeyBar).render())
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, TagPickerScreen)
        await pilot.press(*"unusd", "enter")  # a typo still finds it
        await pilot.pause()
        assert app.screen is screen
        assert screen.tags[table.cursor_row]["name"] == "unused/tag"
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"export", "escape")
        await pilot.pause()
        assert app.screen is screen and screen.tags[table.cursor_row]["name"] == "unused/tag"
