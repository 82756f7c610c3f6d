"""The tag picker at 80x24: Enter on a guess shows the choice, a clear match applies at once,
and a new tag is one key away."""

from __future__ import annotations

import pytest

from tests.bursts import queue_keys
from tests.test_tagging import add_notes, notes_by_id, ready, tagging_app
from tui.screens.tag_picker_screen import TagPickerScreen
from tui.screens.tagging_screen import TaggingScreen

SIZE = (80, 24)


@pytest.fixture
def coded(store, clock, session_id) -> list[str]:
    """Notes, and a codebook whose most used tags are not the ones the typos below mean."""
    ids = add_notes(store, session_id, clock)
    store.codebook.ensure(
        ["product/defect", "staff/deflection", "customer/investigation", "pain/investing"],
        "2026-01-01T00:00:00Z",
    )
    for _ in range(5):
        store.codebook.record_use(["product/defect", "pain/investing"], "2026-01-02T00:00:00Z")
    return ids


async def open_picker(pilot, query: str) -> TagPickerScreen:
    await pilot.press("t")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TagPickerScreen)
    await pilot.press(*query)
    return screen


def hint(screen: TagPickerScreen) -> str:
    return str(screen.query_one("#picker-hint").render())


def shown(screen: TagPickerScreen) -> list[str]:
    options = screen.options
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_enter_on_a_typo_with_two_readings_asks_and_applies_nothing(
    store, clock, coded, session_id
):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        picker = await open_picker(pilot, "deflct")
        assert picker.matches[0].name == "product/defect"  # the more used, shorter name
        await pilot.press("enter")
        await ready(pilot)
        assert app.screen is picker
        assert notes_by_id(app, session_id)[0][coded[0]]["tags"] == []
        assert [m.name for m in picker.matches[:2]] == ["product/defect", "staff/deflection"]
        assert hint(picker).startswith("2 tags could be meant. ")
        assert "Enter applies" in hint(picker)
        await pilot.press("down", "enter")
        await ready(pilot)
        assert isinstance(app.screen, TaggingScreen)
        assert notes_by_id(app, session_id)[0][coded[0]]["tags"] == ["staff/deflection"]


async def test_the_tag_a_typo_meant_is_put_forward_and_a_second_enter_applies(
    store, clock, coded, session_id
):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        picker = await open_picker(pilot, "invstig")
        assert picker.matches[0].name == "pain/investing"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is picker
        names = [m.name for m in picker.matches]
        assert names[:2] == ["pain/investing", "customer/investigation"]
        assert "customer/investigation" in shown(picker)[1]
        await pilot.press("enter")  # the choice was seen: Enter applies the highlighted one
        await ready(pilot)
        assert notes_by_id(app, session_id)[0][coded[0]]["tags"] == ["pain/investing"]


async def test_typing_after_the_question_starts_over(store, clock, coded, session_id):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        picker = await open_picker(pilot, "deflct")
        await pilot.press("enter")
        await pilot.press("backspace", "backspace", "backspace")  # "def": a prefix
        await pilot.press("enter")
        await ready(pilot)
        assert notes_by_id(app, session_id)[0][coded[0]]["tags"] == ["product/defect"]
        assert app.screen is not picker


@pytest.mark.parametrize(
    ("query", "tag"),
    [
        ("product/defect", "product/defect"),
        ("defl", "staff/deflection"),
        ("cust", "customer/investigation"),
    ],
)
async def test_exact_and_prefix_matches_apply_on_the_first_enter(
    store, clock, coded, session_id, query, tag
):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_picker(pilot, query)
        await pilot.press("enter")
        await ready(pilot)
        assert notes_by_id(app, session_id)[0][coded[0]]["tags"] == [tag]


async def test_moving_the_highlight_is_a_choice_enter_applies_at_once(
    store, clock, coded, session_id
):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_picker(pilot, "deflct")
        await pilot.press("down", "up", "enter")
        await ready(pilot)
        assert notes_by_id(app, session_id)[0][coded[0]]["tags"] == ["product/defect"]


async def test_one_key_creates_the_tag_typed_and_the_picker_shows_it(
    store, clock, coded, session_id
):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        picker = await open_picker(pilot, "deflct")
        create = shown(picker)[-1]
        assert "create" in create and "deflct" in create and "^o" in create
        await pilot.press("ctrl+o")
        await ready(pilot)
        assert isinstance(app.screen, TaggingScreen)
        assert store.codebook.get("deflct")["uses"] == 1
        assert notes_by_id(app, session_id)[0][coded[0]]["tags"] == ["deflct"]
        # No match at all: the hint names the key.
        picker = await open_picker(pilot, "zzqx")
        assert "^o creates it" in hint(picker)
        # An existing name is not created twice.
        await pilot.press(*["backspace"] * 4, *"deflct")
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.screen is picker
        assert "exists already" in hint(picker)


async def test_the_words_being_tagged_stay_in_view_under_the_picker(
    store, clock, coded, session_id
):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        words = app.screen.current.text
        picker = await open_picker(pilot, "defect")
        await pilot.pause()
        shown = picker.query_one("#picker-excerpt")
        assert words in str(shown.render())
        assert shown.region.height >= 1 and picker.region.contains_region(shown.region)
        # Nothing of the picker's covers it: its cells are drawn by the excerpt line.
        x, y = shown.region.x, shown.region.y
        assert picker.get_widget_at(x, y)[0] is shown


async def burst(pilot, keys: list[str]) -> None:
    queue_keys(pilot.app, keys)
    await ready(pilot)


@pytest.mark.parametrize(
    ("keys", "tag"),
    [
        ([*"defl", "enter"], "staff/deflection"),
        ([*"cust", "enter"], "customer/investigation"),
        ([*"newtag", "ctrl+o"], "newtag"),
        ([*"de", "down", "enter"], "staff/deflection"),  # the second of de's matches
    ],
)
async def test_keys_typed_in_one_burst_apply_the_tag_they_spell(
    store, clock, coded, session_id, keys, tag
):
    """Enter (and the create key) arrive with the letters before the search field has taken
    them: what they apply is what the letters spell, never the top tag of the empty query."""
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_picker(pilot, "")
        await burst(pilot, keys)
        assert isinstance(app.screen, TaggingScreen)
        assert notes_by_id(app, session_id)[0][coded[0]]["tags"] == [tag]


async def test_a_question_asked_in_a_burst_stays_asked(store, clock, coded, session_id):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        picker = await open_picker(pilot, "")
        await burst(pilot, [*"deflct", "enter"])
        assert app.screen is picker
        assert hint(picker).startswith("2 tags could be meant. ")
        assert notes_by_id(app, session_id)[0][coded[0]]["tags"] == []


async def test_the_picker_that_removes_a_tag_says_enter_removes(store, clock, coded, session_id):
    # "Enter applies" over "Remove which tag?" reads as the opposite of what Enter does.
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for name in ("product/defect", "staff/deflection"):
            picker = await open_picker(pilot, name)
            await pilot.press("enter")
            await ready(pilot)
        await pilot.press("d")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, TagPickerScreen)
        assert "Enter removes" in hint(picker) and "applies" not in hint(picker)
        await pilot.press(*"deflct", "enter")  # a guess asks first, in the same words
        await pilot.pause()
        assert "Enter removes" in hint(picker) and "applies" not in hint(picker)
        await pilot.press("enter")  # the guess put first, product/defect, goes
        await ready(pilot)
        assert notes_by_id(app, session_id)[0][coded[0]]["tags"] == ["staff/deflection"]


@pytest.mark.parametrize(("size", "least"), [((80, 24), 4), ((40, 24), 3)])
async def test_the_picker_lists_several_matches_under_long_words(
    store, clock, session_id, size, least
):
    # Under three lines of words being tagged, at 40x24 the list showed one tag of six, so a
    # guess's second reading (or the next match) was out of sight.
    long = "They gave up on the invite the first day because nobody could find it " * 3
    add_notes(store, session_id, clock, texts=[long.strip()])
    store.codebook.ensure([f"pain/invite-{n}" for n in range(6)], "2026-01-01T00:00:00Z")
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        picker = await open_picker(pilot, "pain/inv")
        await pilot.pause()
        assert picker.query_one("#picker-excerpt").region.height == 3
        assert len(picker.matches) == 6
        assert picker.options.scrollable_content_region.height >= least


@pytest.mark.parametrize("typed", ["need/shàred-view", "need/shared_view", "Need/Shared_View"])
async def test_a_new_tag_that_differs_only_in_accents_or_separators_asks_first(
    store, clock, coded, session_id, typed
):
    # ctrl+o made `need/shàred-view` beside `need/shared-view` at once: two tags that read
    # the same, the codings split between them.
    store.codebook.ensure(["need/shared-view"], "2026-01-01T00:00:00Z")
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        picker = await open_picker(pilot, typed)
        await pilot.press("ctrl+o")
        await ready(pilot)
        assert app.screen is picker
        assert store.codebook.get(typed) is None
        said = hint(picker)
        assert "need/shared-view" in said and "^o again creates" in said, said
        await pilot.press("ctrl+o")  # meant: a second press creates it
        await ready(pilot)
        assert isinstance(app.screen, TaggingScreen)
        assert notes_by_id(app, session_id)[0][coded[0]]["tags"] == [typed]


async def test_the_picker_says_what_its_counts_count(store, clock, coded, session_id):
    """The demo's picker gave `pain/onboarding  16×` beside the codebook screen's 12 excerpts
    of it, with no word of what 16 was (every coding ever applied, none taken back): the hint
    says so, and the codebook's find, which counts as the picker does beside a table of
    excerpts, says it too."""
    from tui.screens.codebook_screen import CodebookScreen

    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        picker = await open_picker(pilot, "defect")
        await pilot.pause()
        assert "5\u00d7" in shown(picker)[0]
        assert "n\u00d7 = times applied" in hint(picker), hint(picker)
        await pilot.press("enter")  # one more use, and the one excerpt of it
        await ready(pilot)
        await pilot.press("c")
        for _ in range(20):
            await pilot.pause(0.05)
            if isinstance(app.screen, CodebookScreen) and app.screen.view is not None:
                break
        await pilot.press("slash")
        await pilot.pause()
        finder = app.screen
        assert isinstance(finder, TagPickerScreen)
        await pilot.press(*"defect")
        await pilot.pause()
        # Its table gives the one excerpt; the find counts as the tag picker counts.
        assert "6\u00d7" in shown(finder)[0]
        assert "n\u00d7 = times applied" in hint(finder), hint(finder)
