"""The codebook screen: counts, rename, merge, delete, describe; and markup-safe rendering."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import DataTable

from tests.test_tagging import add_notes, pick, ready, tagging_app
from tests.waiting import shows, wait_until, workers_done
from tui.domain.guide import parse_guide
from tui.domain.notes import tag_key
from tui.screens.codebook_screen import CodebookScreen
from tui.screens.prompt_screen import ConfirmScreen, PromptScreen
from tui.screens.tag_picker_screen import TagPickerScreen
from tui.screens.tagging_screen import TaggingScreen
from tui.services.session_setup import create_session

HOSTILE = ["[/", "[bold]x", "[@click=app.quit]x[/]", "\x1b[31mred"]


def two_sessions(store, clock):
    guide = parse_guide("# G\n## S\n- Why?\n")
    ids = []
    for n, who in enumerate(["Ana", "Ben"]):
        sid = create_session(
            store, title=f"S{n}", participant=who, guide=guide, now=clock() + timedelta(minutes=n)
        )
        add_notes(
            store,
            sid,
            clock,
            [f"{who} gave up on invites #pain/onbording", f"{who} exports #need/export"],
        )
        ids.append(sid)
    store.codebook.ensure(["unused/tag", "pain/onboarding"], "2026-01-01T00:00:00.000Z")
    store.codebook.update("need/export", {"description": "wants data out", "color": "green"})
    return ids


async def open_codebook(app, pilot) -> CodebookScreen:
    await ready(pilot)
    await pilot.press("c")
    await pilot.pause()
    await workers_done(app)
    await pilot.pause()
    assert isinstance(app.screen, CodebookScreen)
    return app.screen


def row(screen: CodebookScreen, name: str) -> list[str]:
    table = screen.query_one(DataTable)
    return [str(cell) for cell in table.get_row(name)]


async def settle(app, pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await workers_done(app)
    await pilot.pause()


def goto(screen: CodebookScreen, name: str) -> None:
    table = screen.query_one(DataTable)
    table.move_cursor(row=[t["name"] for t in screen.tags].index(name))


async def test_every_tag_with_description_colour_parent_and_counts(store, clock):
    ids = two_sessions(store, clock)
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_codebook(app, pilot)
        assert [t["name"] for t in screen.tags] == [
            "need/export",
            "pain/onboarding",
            "pain/onbording",
            "unused/tag",
        ]
        assert row(screen, "need/export") == [
            "need/export",
            "2",
            "2/2",
            "2",
            "wants data out",
            "M2",  # each coder's count: both notes were typed, #tags inline, by Maya
            "\u25a0 green",
            "need",
        ]
        assert row(screen, "unused/tag")[1:4] == ["0", "0/2", "0"]
        goto(screen, "need/export")
        await pilot.pause()
        detail = str(screen.query_one("#codebook-detail").render())
        assert detail == "need/export: 2 excerpts in 2/2 sessions, 2 people \u00b7 by Maya 2"


async def test_rename_every_excerpt_follows(store, clock):
    ids = two_sessions(store, clock)
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_codebook(app, pilot)
        goto(screen, "pain/onbording")
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        # An existing name is refused with a sentence; the dialog stays.
        await pilot.press(*["backspace"] * 20, *"pain/onboarding", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*["backspace"] * 20, *"pain/invites", "enter")
        await settle(app, pilot)
        assert "pain/invites" in [t["name"] for t in screen.tags]
        assert row(screen, "pain/invites")[1:4] == ["2", "2/2", "2"]
        # Back on the tagging screen the notes show the new name.
        await pilot.press("escape")
        await ready(pilot)
        tagging = app.screen
        assert isinstance(tagging, TaggingScreen)
        assert tagging.shown[0].tags == ["pain/invites"]
    for sid in ids:
        notes = [n for n in store.open_session(sid).read().notes if n["kind"] != "asked"]
        assert notes[0]["tags"] == ["pain/invites"]
        assert "#pain/invites" in notes[0]["text"]
    assert store.codebook.get("pain/onbording") is None


async def test_rename_to_a_name_with_a_space_is_refused_in_the_prompt(store, clock):
    """`#pain invites` typed in a note reads back as `#pain`: the prompt says so and stays."""
    ids = two_sessions(store, clock)
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_codebook(app, pilot)
        goto(screen, "pain/onbording")
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*["backspace"] * 20, *"pain invites", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, PromptScreen)
        error = str(app.screen.query_one("#prompt-error").render())
        assert "cannot contain spaces" in error and "pain-invites" in error
        await pilot.press("escape")
        await settle(app, pilot)
    assert store.codebook.get("pain invites") is None
    for sid in ids:
        notes = [n for n in store.open_session(sid).read().notes if n["kind"] != "asked"]
        assert notes[0]["tags"] == ["pain/onbording"]
        assert "#pain/onbording" in notes[0]["text"]


async def test_merge_one_tag_into_another(store, clock):
    ids = two_sessions(store, clock)
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_codebook(app, pilot)
        goto(screen, "pain/onbording")
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, TagPickerScreen)
        await pilot.press(*"onboarding", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)  # with the counts: tests/test_codebook_keys.py
        await pilot.press("y")
        await settle(app, pilot)
        assert [t["name"] for t in screen.tags] == ["need/export", "pain/onboarding", "unused/tag"]
        assert row(screen, "pain/onboarding")[1:4] == ["2", "2/2", "2"]
    for sid in ids:
        notes = [n for n in store.open_session(sid).read().notes if n["kind"] != "asked"]
        assert notes[0]["tags"] == ["pain/onboarding"]


async def test_delete_unused_at_once_and_used_only_after_asking(store, clock):
    ids = two_sessions(store, clock)
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_codebook(app, pilot)
        goto(screen, "unused/tag")
        await pilot.press("x")
        await settle(app, pilot)
        assert store.codebook.get("unused/tag") is None
        goto(screen, "need/export")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # no
        await settle(app, pilot)
        assert store.codebook.get("need/export") is not None
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert store.codebook.get("need/export") is None
    for sid in ids:
        notes = store.open_session(sid).read().notes
        assert all("need/export" not in n["tags"] for n in notes)


async def test_deleting_a_parent_says_its_sub_tags_stay(store, clock):
    """Rename and merge carry a tag's sub-tags; a delete leaves them, and said nothing: an
    unused parent went at once, and a researcher thought its branch had gone with it."""
    ids = two_sessions(store, clock)
    store.codebook.ensure(["pain"], "2026-01-01T00:00:00.000Z")
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_codebook(app, pilot)
        goto(screen, "pain")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question.endswith(
            "Its 2 sub-tags stay: pain/onboarding, pain/onbording."
        ), app.screen.question
        await pilot.press("y")
        await settle(app, pilot)
    assert store.codebook.get("pain") is None
    assert store.codebook.get("pain/onbording") is not None


async def test_edit_description_and_colour(store, clock):
    ids = two_sessions(store, clock)
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_codebook(app, pilot)
        goto(screen, "pain/onboarding")
        await pilot.press("e")
        await pilot.pause()
        await pilot.press(*"first-week friction", "enter")
        await settle(app, pilot)
        assert store.codebook.get("pain/onboarding")["description"] == "first-week friction"
        assert row(screen, "pain/onboarding")[4] == "first-week friction"
        await pilot.press("o")
        await pilot.pause()
        await pilot.press(*"nocolour", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)  # not a colour: refused
        await pilot.press(*["backspace"] * 10, *"#2a9d8f", "enter")
        await settle(app, pilot)
        assert store.codebook.get("pain/onboarding")["color"] == "#2a9d8f"


async def test_markup_in_tag_names_and_descriptions_renders_safely(store, clock):
    ids = two_sessions(store, clock)
    for text in HOSTILE:
        store.codebook.create(text, "2026-01-01T00:00:00.000Z", description=text, color=text)
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        tagging = app.screen
        # Apply a hostile tag, which lands in the list row and the detail pane.
        await pick(pilot, "[@click")
        assert tagging.current.tags[-1] == "[@click=app.quit]x[/]"
        assert "#[@click=app.quit]x[/]" in tagging.excerpt_list.row_text(tagging.current).plain
        await pilot.press("t")
        await pilot.pause()
        await pilot.press(*"[bold")
        await pilot.pause()
        picker = app.screen
        assert any(m.name == "[bold]x" for m in picker.matches)
        await pilot.press("escape")
        screen = await open_codebook(app, pilot)
        from tui.domain.notes import clean_tag_name, tag_key

        for text in HOSTILE:
            stored = clean_tag_name(text)  # "[/" is stored as "[": "/" only separates levels
            cells = row(screen, tag_key(stored))
            assert cells[0] == stored.replace("\x1b", "\u241b")
            assert cells[4] == text.replace("\x1b", "\u241b")  # the description, as typed
        app.save_screenshot(str(store.home / "codebook.svg"))
        await pilot.click(offset=(5, 3))  # clicking where a live [@click] would be: nothing
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, CodebookScreen)


def team_sample(store) -> list[str]:
    """The shipped sample studies: several coders, each with a name of some length."""
    from tui.services.exchange.samples import load_study, sample_studies

    return [sid for study in sample_studies() for sid in load_study(store, study)]


@pytest.mark.parametrize("width", [80, 40])
async def test_each_coder_of_a_tag_is_in_view_at_80_columns_and_in_a_40_column_pane(
    store, clock, width
):
    ids = team_sample(store)
    app = tagging_app(store, clock, ids[0], scope="all")
    async with app.run_test(size=(width, 24)) as pilot:
        screen = await open_codebook(app, pilot)
        table = screen.query_one(DataTable)
        labels = [str(column.label) for column in table.columns.values()]
        goto(screen, "admin-load")
        await pilot.pause()
        used = screen.usage["admin-load"]
        assert len(used.coders) >= 2
        if "By coder" in labels:
            # Every coder of every tag fits in the column: initials, as the tagging screen
            # marks them, with counts.
            at = labels.index("By coder")
            width_of = list(table.columns.values())[at].width
            for name in (t["name"] for t in screen.tags):
                assert len(row(screen, tag_key(name))[at]) <= width_of, row(screen, tag_key(name))
            assert row(screen, "admin-load")[at] == "R4 A2"
        # The highlighted tag's coders by name, and its people, in every width.
        detail = str(screen.query_one("#codebook-detail").render())
        assert "3 people" in detail and "Rafael 4" in detail and "Aiko 2" in detail
        assert screen.query_one("#codebook-detail").region.height >= 2


async def test_u_takes_back_the_last_merge_and_then_a_rename(store, clock):
    # A merge could not be undone: which notes had the merged tag was lost with it.
    ids = two_sessions(store, clock)
    before = {sid: store.open_session(sid).read().notes for sid in ids}
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        screen = await open_codebook(app, pilot)
        await pilot.press("u")  # nothing made yet: a sentence, nothing changes
        await pilot.pause()
        assert "nothing to undo" in [str(n.message) for n in app._notifications][-1].casefold()
        goto(screen, "pain/onbording")
        await pilot.press("m")
        await pilot.pause()
        await pilot.press(*"pain/onboarding", "enter")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert "pain/onbording" not in [t["name"] for t in screen.tags]
        await pilot.press("u")
        await settle(app, pilot)
        assert row(screen, "pain/onbording")[1:3] == ["2", "2/2"]
        assert "Undone: the merge of" in [str(n.message) for n in app._notifications][-1]
        goto(screen, "need/export")
        await pilot.press("r", *["backspace"] * 20, *"need/data-out", "enter")
        await settle(app, pilot)
        await pilot.press("u")
        await settle(app, pilot)
        names = [t["name"] for t in screen.tags]
        assert "need/export" in names and "need/data-out" not in names
    assert {sid: store.open_session(sid).read().notes for sid in ids} == before


async def test_nothing_to_undo_names_the_undo_key_of_the_keymap_in_force(tmp_path, store, clock):
    # The sentence said "u" whatever key a keymap gave the codebook's undo.
    from tui.app import FieldnoteApp
    from tui.services.keymap import layer_keymaps

    ids = two_sessions(store, clock)
    mine = tmp_path / "mine.toml"
    mine.write_text('"codebook.undo" = "z"\n', encoding="utf-8")
    app = FieldnoteApp(
        store, author="Maya", now=clock, tagging=("session", ids[0]), keymap=layer_keymaps([mine])
    )
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_codebook(app, pilot)
        await pilot.press("z")
        await pilot.pause()
        said = [str(n.message) for n in app._notifications][-1]
        assert "nothing to undo" in said.casefold()
        assert "z takes back" in said and "u takes back" not in said


async def test_undoing_a_rename_shows_an_escape_in_the_old_name_as_a_symbol(store, clock):
    # The sentence naming what was undone printed the tag's name as the file held it.
    ids = two_sessions(store, clock)
    store.codebook.create("\x1b[31mred", "2026-01-01T00:00:00.000Z")
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        screen = await open_codebook(app, pilot)
        goto(screen, "\x1b[31mred")
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("ctrl+u", *"plain", "enter")
        await settle(app, pilot)
        assert "plain" in [t["name"] for t in screen.tags]
        await pilot.press("u")
        await settle(app, pilot)
        said = [str(n.message) for n in app._notifications][-1]
        assert said.startswith("Undone: the rename of")
        assert "\x1b" not in said and "\u241b[31mred" in said


def cut_short(monkeypatch, store, change) -> None:
    """`change` (a rename or merge) stopped on the second session file, as by a kill: the
    first file has the new tag, the second the old one, and the record of it is left."""
    from tui.store import session as session_module

    real, calls = session_module.SessionFile.retag, []

    def stops_on_second(self, mapping, record=None):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, mapping, record)

    with monkeypatch.context() as patched:
        patched.setattr(session_module.SessionFile, "retag", stops_on_second)
        with pytest.raises(KeyboardInterrupt):
            change()


def tags_in_files(store, ids) -> set[str]:
    return {
        tag for sid in ids for note in store.open_session(sid).read().notes for tag in note["tags"]
    }


async def test_a_rename_cut_short_is_finished_when_the_app_starts_and_a_notice_says_so(
    monkeypatch, store, clock
):
    # A rename killed half-way left one session with the new tag and one with the old, both
    # in the codebook, and nothing said so: the codebook, the themes and the exports split
    # one code in two.
    from tui.services.tag_ops import rename_tag

    ids = two_sessions(store, clock)
    cut_short(
        monkeypatch,
        store,
        lambda: rename_tag(store, "pain/onbording", "pain/first-week", "2026-01-02T00:00:00Z"),
    )
    assert {"pain/onbording", "pain/first-week"} <= tags_in_files(store, ids)
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ready(pilot)
        await settle(app, pilot)
        said = [str(n.message) for n in app._notifications]
        assert any(
            "Finished the rename of \u2018pain/onbording\u2019 to \u2018pain/first-week\u2019"
            in line
            for line in said
        ), said
        screen = await open_codebook(app, pilot)
        names = [t["name"] for t in screen.tags]
        assert "pain/first-week" in names and "pain/onbording" not in names
        assert row(screen, "pain/first-week")[1:3] == ["2", "2/2"]
    assert "pain/onbording" not in tags_in_files(store, ids)


async def test_the_codebook_finishes_a_merge_cut_short_by_another_process(
    monkeypatch, store, clock
):
    from tui.services.tag_ops import merge_tags

    ids = two_sessions(store, clock)
    app = tagging_app(store, clock, ids[0])
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ready(pilot)
        # Another Fieldnote, on a laptop sharing the folder, is killed while it merges.
        cut_short(monkeypatch, store, lambda: merge_tags(store, "pain/onbording", "need/export"))
        screen = await open_codebook(app, pilot)
        await settle(app, pilot)
        said = [str(n.message) for n in app._notifications]
        assert any("Finished the merge of \u2018pain/onbording\u2019" in line for line in said)
        assert "pain/onbording" not in [t["name"] for t in screen.tags]
        assert row(screen, "need/export")[1:3] == ["4", "2/2"]
    assert "pain/onbording" not in tags_in_files(store, ids)


async def test_a_rename_going_through_the_files_shows_how_far_and_other_changes_wait(store, clock):
    # A rename over a large archive ran for seconds with nothing on screen, and a second r
    # meanwhile started a rename that crossed it.
    import threading

    ids = two_sessions(store, clock)
    app = tagging_app(store, clock, ids[0])
    release = threading.Event()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_codebook(app, pilot)
        real = screen.service.rename

        def slow_rename(old, new, now, progress=None):
            progress(1, 2)
            release.wait(10)
            return real(old, new, now, progress)

        screen.service.rename = slow_rename
        goto(screen, "pain/onbording")
        await pilot.press("r", *["backspace"] * 20, *"pain/first-week", "enter")
        status = screen.query_one("#codebook-status")
        await wait_until(pilot, lambda: shows(status, "1 of 2 sessions done"))
        assert shows(status, "1 of 2 sessions done \u00b7 Renaming \u2018pain/onbording\u2019")
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, CodebookScreen)  # no picker: it says to wait
        said = str(list(app._notifications)[-1].message)
        assert "Renaming \u2018pain/onbording\u2019" in said and "Wait until it is done" in said
        await pilot.press("u")  # an undo would cross it too
        await pilot.pause()
        assert "Wait until it is done" in str(list(app._notifications)[-1].message)
        release.set()
        await settle(app, pilot)
        assert shows(status, "tags across 2 sessions")
        assert "pain/first-week" in [t["name"] for t in screen.tags]


async def test_a_merge_says_it_is_counting_what_it_would_change_before_it_asks(store, clock):
    # On 300 sessions the picker closed and nothing showed for 0.6-0.7 s while every session
    # was read to count what the merge would change.
    import threading

    ids = two_sessions(store, clock)
    app = tagging_app(store, clock, ids[0])
    release = threading.Event()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_codebook(app, pilot)
        real = screen.service.merge_preview

        def slow_preview(source, target):
            release.wait(10)
            return real(source, target)

        screen.service.merge_preview = slow_preview
        goto(screen, "pain/onbording")
        await pilot.press("m")
        await pilot.pause()
        await pilot.press(*"pain/onboarding", "enter")
        status = screen.query_one("#codebook-status")
        await wait_until(pilot, lambda: shows(status, "Counting what merging"))
        assert shows(
            status,
            "Counting what merging \u2018pain/onbording\u2019 into \u2018pain/onboarding\u2019 "
            "would change\u2026",
        )
        release.set()
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert not shows(status, "Counting what merging")
