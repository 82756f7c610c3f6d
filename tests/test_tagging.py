"""The tagging screen and tag picker, driven by keys; assertions on the stored data."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from rich.color import Color
from rich.console import Console
from textual.widgets import Input

from tests.waiting import shows, wait_until, workers_done
from tui.app import FieldnoteApp
from tui.domain.clock import to_iso
from tui.domain.guide import parse_guide
from tui.domain.notes import Note
from tui.screens.interview_screen import InterviewScreen
from tui.screens.tag_picker_screen import TagPickerScreen
from tui.screens.tagging_screen import TaggingScreen
from tui.services.session_setup import create_session
from tui.store import DataStore

NOTES = [
    "They gave up on the invite the first day",
    "Pricing page was confusing #pain/pricing",
    "Straße café 😀 unclear on the pricing tiers",
    "We export to a spreadsheet every friday",
    "The onboarding checklist felt long",
    "Support answered within an hour",
]


def add_notes(store: DataStore, session_id: str, clock, texts=NOTES, author="Maya") -> list[str]:
    session_file = store.open_session(session_id)
    docs = []
    for i, text in enumerate(texts):
        note = Note.from_typed(
            text,
            session_id=session_id,
            author=author,
            started_at=to_iso(clock() + timedelta(seconds=60 * i)),
            elapsed=60.0 * i,
            question_id=None,
        )
        docs.append(note.to_doc())
    asked = Note(
        "asked1", session_id, author, "Tell me about your role.", "asked", to_iso(clock()), 0, None
    )
    docs.append(asked.to_doc())
    session_file.append_notes(docs)
    tags = sorted({t for d in docs for t in d["tags"]})
    if tags:
        store.codebook.record_use(tags, to_iso(clock()))
    return [d["id"] for d in docs[: len(texts)]]


@pytest.fixture
def seeded(store, clock, session_id):
    ids = add_notes(store, session_id, clock)
    store.codebook.ensure(
        ["pain/onboarding", "need/export", "delight/support"], "2026-01-01T00:00:00Z"
    )
    store.codebook.record_use(["need/export"], "2026-01-02T00:00:00.000Z")
    return ids


def tagging_app(store, clock, session_id, scope="session", poll=None) -> FieldnoteApp:
    """`poll`: how often the screen looks for other instances' writes (None: its default)."""
    return FieldnoteApp(
        store, author="Maya", now=clock, tagging=(scope, session_id), tagging_poll_seconds=poll
    )


async def after_looks(pilot, screen, looks: int = 2) -> None:
    """Let the tagging screen look at the disk `looks` more times (a short poll in the test):
    the look after a change is the one a test waits for, not a fixed second."""
    seen: list[bool] = []
    original = screen.model.remote_changed

    def counted() -> bool:
        seen.append(True)
        return original()

    screen.model.remote_changed = counted
    try:
        await wait_until(pilot, lambda: len(seen) >= looks)
    finally:
        screen.model.remote_changed = original


async def ready(pilot) -> None:
    """Wait for the tagging screen's read (a thread worker) and for queued writes to land."""
    for _ in range(3):
        await workers_done(pilot.app)
        await pilot.pause()
    if pilot.app.tag_writes is not None:
        assert pilot.app.tag_writes.flush(timeout=10)


def notes_by_id(app, session_id):
    """What is on disk once the tag writes queued so far have landed."""
    if app.tag_writes is not None:
        assert app.tag_writes.flush(timeout=10)
    snap = app.store.open_session(session_id).read()
    return {n["id"]: n for n in snap.notes}, snap.excerpts


async def pick(pilot, query: str, *keys: str) -> None:
    await pilot.press("t")
    await pilot.pause()
    assert isinstance(pilot.app.screen, TagPickerScreen)
    await pilot.press(*query)
    await pilot.press(*keys, "enter")
    await ready(pilot)


async def test_f3_opens_the_tagging_screen_from_the_interview(make_app, seeded, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, InterviewScreen)
        await pilot.press("f3")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TaggingScreen)
        # Every note is an excerpt; the "asked" marks of the guide are not.
        assert [e.text for e in screen.shown] == NOTES
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen)


async def test_inline_tags_typed_live_show_as_tags_of_their_notes(make_app, store, session_id):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press(*"slow invite #pain/onboarding", "enter")
        await pilot.pause()
        await pilot.press("f3")
        await pilot.pause()
        screen = app.screen
        assert screen.shown[-1].tags == ["pain/onboarding"]
        assert store.codebook.get("pain/onboarding") is not None
        assert "#pain/onboarding" in screen.excerpt_list.row_text(screen.shown[-1]).plain


async def test_moving_by_keys(store, clock, seeded, session_id):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        cursor = lambda: screen.excerpt_list.cursor  # noqa: E731
        await pilot.press("j", "down")
        assert cursor() == 2
        await pilot.press("k")
        assert cursor() == 1
        await pilot.press("up")
        assert cursor() == 0
        await pilot.press("G")
        assert cursor() == len(NOTES) - 1
        await pilot.press("g")
        assert cursor() == 0
        await pilot.press("end")
        assert cursor() == len(NOTES) - 1
        await pilot.press("home", "pagedown")
        assert cursor() == len(NOTES) - 1  # fewer notes than a page
        await pilot.press("pageup")
        assert cursor() == 0
        # Next untagged skips note 1, tagged inline with #pain/pricing.
        await pilot.press("n")
        assert cursor() == 2


async def test_picker_finds_a_typo_and_enter_applies_it(store, clock, seeded, session_id):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pick(pilot, "onbord")
        notes, _ = notes_by_id(app, session_id)
        assert notes[seeded[0]]["tags"] == ["pain/onboarding"]
        tag = store.codebook.get("pain/onboarding")
        assert tag["uses"] == 1 and tag["last_used_at"] == to_iso(clock())
        # Several tags on one excerpt; the same tag twice is refused.
        await pick(pilot, "export")
        await pick(pilot, "onbo")
        notes, _ = notes_by_id(app, session_id)
        assert notes[seeded[0]]["tags"] == ["pain/onboarding", "need/export"]
        assert "#need/export" in app.screen.detail_text(app.screen.current).plain


async def test_creating_a_tag_is_an_explicit_entry_never_a_typo(store, clock, seeded, session_id):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pick(pilot, "zzqx")  # matches nothing: Enter must not create it
        assert isinstance(app.screen, TagPickerScreen)
        assert store.codebook.get("zzqx") is None
        await pilot.press("down", "enter")  # the explicit "create 'zzqx'" entry
        await ready(pilot)
        assert store.codebook.get("zzqx")["uses"] == 1
        notes, _ = notes_by_id(app, session_id)
        assert notes[seeded[0]]["tags"] == ["zzqx"]
        # A query with fuzzy matches keeps the match highlighted, create last.
        await pick(pilot, "onbordin")
        notes, _ = notes_by_id(app, session_id)
        assert notes[seeded[0]]["tags"] == ["zzqx", "pain/onboarding"]
        assert store.codebook.get("onbordin") is None


async def test_creating_a_tag_the_inline_syntax_cannot_express_is_refused(
    store, clock, seeded, session_id
):
    # The picker offered "+ create 'zz new'", then closed on it with a notice: the words
    # typed were gone, to be typed again. It offers no such entry and stays open, saying why.
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("t")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, TagPickerScreen)
        await pilot.press(*"zz new")
        await pilot.pause()
        hint = str(picker.query_one("#picker-hint").render())
        assert "cannot contain spaces" in hint and "zz-new" in hint, hint
        labels = [str(o.prompt) for o in picker.options.options]
        assert not any("create" in label for label in labels), labels
        await pilot.press("ctrl+o")
        await ready(pilot)
        assert app.screen is picker and picker.query_one(Input).value == "zz new"
        assert store.codebook.get("zz new") is None
        notes, _ = notes_by_id(app, session_id)
        assert notes[seeded[0]]["tags"] == []
        await pilot.press("backspace", "backspace", "backspace", "backspace", *"-new", "ctrl+o")
        await ready(pilot)
        notes, _ = notes_by_id(app, session_id)
        assert notes[seeded[0]]["tags"] == ["zz-new"]


async def test_remove_a_tag(store, clock, seeded, session_id):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pick(pilot, "onboarding")
        await pick(pilot, "export")
        await pilot.press("d")  # two tags: asks which
        await pilot.pause()
        assert isinstance(app.screen, TagPickerScreen)
        await pilot.press(*"onb", "enter")
        await pilot.pause()
        notes, _ = notes_by_id(app, session_id)
        assert notes[seeded[0]]["tags"] == ["need/export"]
        await pilot.press("d")  # one tag: removed at once
        await pilot.pause()
        notes, _ = notes_by_id(app, session_id)
        assert notes[seeded[0]]["tags"] == []


async def test_repeat_with_no_tag_yet_names_the_key_that_picks_one(store, clock, session_id):
    # It said "pick one first" without the key that does.
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("full_stop")
        told = "\n".join(str(n.message) for n in app._notifications)
        assert "No tag applied yet to repeat: t picks one." in told, told


async def test_repeat_last_tag_on_next_and_recent_tags_on_numbers(store, clock, seeded, session_id):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pick(pilot, "onbord")
        await pilot.press("full_stop", "full_stop")
        notes, _ = notes_by_id(app, session_id)
        assert [notes[i]["tags"] for i in seeded[:3]] == [
            ["pain/onboarding"],
            ["pain/pricing", "pain/onboarding"],
            ["pain/onboarding"],
        ]
        assert app.screen.excerpt_list.cursor == 2
        # The keys as numbered on the first look, pain/onboarding (new) on the next free one.
        recent = app.screen.model.recent()
        assert recent[-1] == "pain/onboarding"
        await pilot.press("j", str(recent.index("need/export") + 1))
        notes, _ = notes_by_id(app, session_id)
        assert notes[seeded[3]]["tags"] == ["need/export"]
        await pilot.press("9")  # fewer than nine recent tags: nothing happens
        assert notes_by_id(app, session_id)[0][seeded[3]]["tags"] == ["need/export"]


async def test_number_keys_keep_their_tags_while_the_screen_is_open(
    store, clock, seeded, session_id
):
    """A researcher tags by habit: "1" changing under them mis-tagged three cues."""
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        first, second = screen.model.recent()
        for key in ("1", "j", "2", "j", "1", "j", "1"):
            clock.advance(1)
            await pilot.press(key)
        await ready(pilot)
        notes, _ = notes_by_id(app, session_id)
        assert [notes[i]["tags"] for i in (seeded[0], seeded[2], seeded[3])] == [
            [first],
            [first],
            [first],
        ]
        assert notes[seeded[1]]["tags"][-1] == second
        assert screen.model.recent() == [first, second]
        clock.advance(1)
        await pick(pilot, "delight/sup")  # a tag not on a key yet takes the next free one
        assert screen.model.recent() == [first, second, "delight/support"]
        assert "3 delight/support" in str(screen.detail_text(screen.current))
        await pilot.press("R")  # asked: newest first
        await pilot.pause()
        assert screen.model.recent()[0] == "delight/support"


async def test_span_by_word_and_char_is_stored_as_code_points(store, clock, seeded, session_id):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        await pilot.press("j", "j")  # "Straße café 😀 unclear on the pricing tiers"
        await pilot.press("v")  # selects the first word
        assert screen.span == (0, 6)
        await pilot.press("w", "w")  # + "café", + "😀"
        assert screen.span == (0, 13)
        await pilot.press("l", "l", "h")  # + " u", - "u"
        assert screen.span == (0, 14)
        await pilot.press("b")  # back to the end of the previous word
        assert screen.span == (0, 13)
        await pilot.press("W")  # start moves to the next word
        assert screen.span == (7, 13)
        # The selection is highlighted in the note on the right.
        detail = screen.detail_text(screen.current)
        body_at = detail.plain.index("Straße")
        assert any(
            s.start == body_at + 7 and s.end == body_at + 13 and "reverse" in str(s.style)
            for s in detail.spans
        )
        await pick(pilot, "pricing")
        _, excerpts = notes_by_id(app, session_id)
        assert len(excerpts) == 1
        span = excerpts[0]
        assert (span["note_id"], span["start"], span["end"]) == (seeded[2], 7, 13)
        assert NOTES[2][span["start"] : span["end"]] == "café 😀"
        assert span["tags"] == ["pain/pricing"]
        # The whole note stays untagged; the cursor is on the new span, tagged again.
        notes, _ = notes_by_id(app, session_id)
        assert notes[seeded[2]]["tags"] == []
        assert screen.current.span is not None
        await pick(pilot, "export")
        assert notes_by_id(app, session_id)[1][0]["tags"] == ["pain/pricing", "need/export"]
        # Saved spans are underlined in their note.
        await pilot.press("k")
        detail = screen.detail_text(screen.current)
        body_at = detail.plain.index("Straße")
        assert any(
            s.start == body_at + 7 and s.end == body_at + 13 and str(s.style) == "underline"
            for s in detail.spans
        )


async def test_severity_keys(store, clock, seeded, session_id):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("plus", "plus", "plus", "minus")
        assert notes_by_id(app, session_id)[0][seeded[0]]["severity"] == 2
        await pilot.press(*["plus"] * 9)
        assert notes_by_id(app, session_id)[0][seeded[0]]["severity"] == 5
        await pilot.press(*["minus"] * 9)
        assert notes_by_id(app, session_id)[0][seeded[0]]["severity"] is None
        # A span's severity is its own.
        await pilot.press("v", "w")
        await pick(pilot, "onboarding")
        await pilot.press("plus")
        _, excerpts = notes_by_id(app, session_id)
        assert excerpts[0]["severity"] == 1
        assert notes_by_id(app, session_id)[0][seeded[0]]["severity"] is None


async def test_filters_untagged_by_tag_and_by_text(store, clock, seeded, session_id):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        await pilot.press("u")
        assert NOTES[1] not in [e.text for e in screen.shown]
        assert len(screen.shown) == len(NOTES) - 1
        await pilot.press("escape", "f")
        await pilot.pause()
        await pilot.press(*"pricing", "enter")
        await pilot.pause()
        assert [e.text for e in screen.shown] == [NOTES[1]]
        await pilot.press("escape", "slash")
        await pilot.pause()
        await pilot.press(*"SPREADSHEET", "enter")
        await pilot.pause()
        assert [e.text for e in screen.shown] == [NOTES[3]]
        await pilot.press("escape")
        assert len(screen.shown) == len(NOTES)


def sessions_of_studies(store, clock, studies: list[str]) -> list[str]:
    """A session of each study named, a minute apart, participant P0, P1 ..., each with one
    note (`note of P0`); their ids, oldest first."""
    guide = parse_guide("# G\n## S\n- Why?\n")
    ids = []
    for n, study in enumerate(studies):
        sid = create_session(
            store,
            title=f"S{n}",
            participant=f"P{n}",
            guide=guide,
            now=clock() + timedelta(minutes=n),
            extra={"study": study},
        )
        add_notes(store, sid, clock, [f"note of P{n}"])
        ids.append(sid)
    return ids


async def test_the_scope_key_says_at_once_that_the_new_scope_is_being_read(store, clock):
    # On 300 sessions `a` showed nothing for 1.6 s: the old session's rows and header stayed
    # as they were until the whole archive was read, as if the key had not been pressed.
    import threading

    ids = sessions_of_studies(store, clock, ["trial", "trial"])
    app = tagging_app(store, clock, ids[0])
    release = threading.Event()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        real = screen.model.read

        def slow_read(request, *args, **kwargs):
            release.wait(10)
            return real(request, *args, **kwargs)

        screen.model.read = slow_read
        header = screen.query_one("#tagging-header")
        await pilot.press("a")
        await pilot.pause()
        assert shows(header, "Loading the study\u2019s sessions\u2026"), header.render()
        assert [e.text for e in screen.shown] == ["note of P0"]  # its rows stay meanwhile
        release.set()
        await ready(pilot)
        assert len(screen.shown) == 2
        assert shows(header, "/2 coded") and not shows(header, "Loading")


async def test_scope_one_session_a_study_or_all(store, clock):
    ids = sessions_of_studies(store, clock, ["trial", "trial", "money"])
    app = tagging_app(store, clock, ids[1], scope="study")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        assert [e.text for e in screen.shown] == ["note of P0", "note of P1"]
        await pilot.press("a")  # study -> all
        await ready(pilot)
        assert len(screen.shown) == 3
        await pilot.press("a")  # all -> this session
        await ready(pilot)
        assert [e.text for e in screen.shown] == ["note of P1"]
        # Tagging in a multi-session scope writes to the right file.
        await pilot.press("a")
        await ready(pilot)
        await pilot.press("a")
        await ready(pilot)
        await pilot.press("G")
        await pick(pilot, "money")
        await pilot.press("down", "enter")  # create 'money'
        await ready(pilot)
    third = store.open_session(ids[2]).read().notes
    assert [n["tags"] for n in third if n["kind"] != "asked"] == [["money"]]


def test_fieldnote_code_command(monkeypatch, store, clock, seeded, session_id):
    from tui import cli

    opened = []
    monkeypatch.setattr(cli, "_store", lambda **_: store)
    monkeypatch.setattr(cli, "_run_app", lambda *a, **k: opened.append(k["tagging"]) or 0)
    assert cli.main(["code", session_id[:8]]) == 0
    assert cli.main(["code", session_id, "--study"]) == 0
    assert cli.main(["code"]) == 0
    assert opened == [("session", session_id), ("study", session_id), ("all", None)]
    assert cli.main(["code", "no-such-session"]) == cli.EXIT_FAILED


def test_fieldnote_code_study_by_name(monkeypatch, store, clock, capsys):
    """`code --study NAME` opens the study named, as `agree`, `analyse` and `export --study
    NAME` do, where NAME names no one session (here it is part of both sessions' titles)."""
    from tui import cli

    guide = parse_guide("# G\n## S\n- Why?\n")
    ids = [
        create_session(
            store,
            title=f"Budgeting - P{n}",
            participant=f"P{n}",
            guide=guide,
            now=clock() + timedelta(minutes=n),
            extra={"study": "Budgeting"},
        )
        for n in (1, 2)
    ]
    opened = []
    monkeypatch.setattr(cli, "_store", lambda **_: store)
    monkeypatch.setattr(cli, "_run_app", lambda *a, **k: opened.append(k["tagging"]) or 0)
    assert cli.main(["code", "--study", "budgeting"]) == 0
    assert [scope for scope, _ in opened] == ["study"]
    assert opened[0][1] == ids[0]  # the oldest, so the list opens at its top
    # Without --study the name is a session's, and it names none alone.
    assert cli.main(["code", "Budgeting"]) == cli.EXIT_FAILED
    assert cli.main(["code", "--study", "Pricing"]) == cli.EXIT_FAILED
    assert "Pricing" in capsys.readouterr().err
    assert len(opened) == 1


async def test_home_c_opens_tagging(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await workers_done(app)
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, TaggingScreen)


async def test_notes_written_elsewhere_appear_while_tagging(store, clock, seeded, session_id):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        await pilot.press("j")
        # A co-interviewer's pane (another process) appends a note.
        later = clock.moment + timedelta(hours=1)
        other = store.open_session(session_id)
        other.append_note(
            Note.from_typed(
                "late note from Jonas",
                session_id=session_id,
                author="Jonas",
                started_at=to_iso(later),
                elapsed=3600.0,
                question_id=None,
            ).to_doc()
        )
        other.close()
        await wait_until(pilot, lambda: screen.shown[-1].text == "late note from Jonas")
        await ready(pilot)
        assert screen.excerpt_list.cursor == 1  # the cursor stays on its excerpt


async def test_half_width_pane_stacks_the_excerpt_below_the_list(store, clock, seeded, session_id):
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(40, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        assert screen.has_class("-narrow")
        side = screen.query_one("#excerpt-side")
        assert side.region.y > screen.excerpt_list.region.y
        assert side.region.width >= 38
        await pick(pilot, "onbord")
        assert notes_by_id(app, session_id)[0][seeded[0]]["tags"] == ["pain/onboarding"]


def drawn_text(app) -> str:
    """The app's screen as composited for the terminal, as plain text."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


async def test_sessions_are_read_in_a_worker_and_keys_are_safe_meanwhile(
    monkeypatch, store, clock, seeded, session_id
):
    import threading

    from tui.services import tagging

    release = threading.Event()
    read = tagging.read_sessions

    def slow_read(*args):
        assert threading.current_thread() is not threading.main_thread()
        assert release.wait(10)
        read(*args)

    monkeypatch.setattr(tagging, "read_sessions", slow_read)
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TaggingScreen)
        assert "Loading 1 session\u2026" in str(screen.query_one("#tagging-header").render())
        assert "Loading 1 session" in str(screen.query_one("#excerpt-detail").render())
        # Every tagging key while nothing is listed yet: no crash, no write, no dialog.
        await pilot.press("j", "k", "G", "g", "n", "u", "u", "v", "w", "plus", "d", "full_stop")
        await pilot.press("1", "t", "pagedown")
        await pilot.pause()
        assert app.screen is screen and screen.shown == []
        release.set()
        await ready(pilot)
        assert [e.text for e in screen.shown] == NOTES
        assert "1/6 coded" in str(screen.query_one("#tagging-header").render())
        # What the terminal shows, not only what the widgets would draw: nothing masks it.
        drawn = drawn_text(app)
        assert NOTES[0][:20] in drawn and "Note tags" in drawn
    notes, excerpts = notes_by_id(app, session_id)
    assert [notes[i]["tags"] for i in seeded] == [[], ["pain/pricing"], [], [], [], []]
    assert excerpts == []


def colour_at(text, needle: str):
    """The colour a Rich Text draws the last `needle` in (base style plus spans over it)."""
    start = text.plain.rindex(needle)
    style = text.get_style_at_offset(Console(), start)
    return style.color


async def test_tags_show_in_their_codebook_colour_and_bad_colours_are_ignored(
    store, clock, seeded, session_id
):
    codebook = store.codebook
    codebook.update("need/export", {"color": "green"})
    codebook.update("pain/pricing", {"color": "#2a9d8f"})
    codebook.update("pain/onboarding", {"color": "[bold]red"})  # not a colour: ignored
    codebook.update("delight/support", {"color": "rgb(300,0,0)"})
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        teal = Color.parse("#2a9d8f")
        # The list row and the detail of a note tagged inline.
        await pilot.press("j")
        assert colour_at(screen.excerpt_list.row_text(screen.current), "#pain/pricing") == teal
        assert colour_at(screen.detail_text(screen.current), "#pain/pricing") == teal
        # The picker's matches.
        await pilot.press("t")
        await pilot.pause()
        await pilot.press(*"export")
        await pilot.pause()
        label = app.screen.options.get_option_at_index(0).prompt
        assert label.plain.startswith("need/export")
        assert colour_at(label, "need/export") == Color.parse("green")
        await pilot.press("enter")
        await ready(pilot)
        await pick(pilot, "onboarding")
        await pick(pilot, "support")
        detail = screen.detail_text(screen.current)
        assert colour_at(detail, "#need/export") == Color.parse("green")
        plain_colour = colour_at(detail, "Note tags")
        assert colour_at(detail, "#pain/onboarding") == plain_colour
        assert colour_at(detail, "#delight/support") == plain_colour
        row = screen.excerpt_list.row_text(screen.current)
        assert colour_at(row, "#need/export") == Color.parse("green")
        assert "#[bold]red" not in row.plain and "#pain/onboarding" in row.plain
        await pilot.pause()  # the screen draws with every colour, valid or not
    assert notes_by_id(app, session_id)[0][seeded[1]]["tags"] == [
        "pain/pricing",
        "need/export",
        "pain/onboarding",
        "delight/support",
    ]


async def test_a_row_shows_each_tag_once_and_a_rating_as_a_severity(
    store, clock, seeded, session_id
):
    # A wide pane showed a tag typed in a note twice, in its words and again after them; and
    # a rating as `!2`, which reads as an emotion (`!angry`).
    store.codebook.update("pain/pricing", {"color": "#2a9d8f"})
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(160, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        await pilot.press("j")  # "Pricing page was confusing #pain/pricing"
        await pick(pilot, "need/export")
        await pilot.press("plus", "plus")
        await ready(pilot)
        row = screen.excerpt_list.row_text(screen.current)
        assert row.plain.count("#pain/pricing") == 1 and row.plain.count("#need/export") == 1
        assert row.plain.index("#pain/pricing") < row.plain.index("#need/export")
        # The typed tag is drawn as a tag where it stands, in its codebook colour.
        assert colour_at(row, "#pain/pricing") == Color.parse("#2a9d8f")
        assert "!" not in row.plain and "sev 2" in row.plain
        # A span of those words, tagged with the tag typed in them, shows it once too.
        await pilot.press("v", "W", "W", "W", "W")
        await pick(pilot, "pain/pricing")
        span_row = next(e for e in screen.shown if e.span is not None)
        words = screen.excerpt_list.row_text(span_row).plain
        assert span_row.text.endswith("#pain/pricing") and words.count("#pain/pricing") == 1


async def test_arrow_page_home_end_move_the_cursor_in_a_long_list(store, clock, session_id):
    """The list's own scroll bindings (no ids, no keymap) used to take these keys while it had
    focus: down scrolled, End jumped the view to the bottom with the cursor still on row 0, and
    `t` then tagged a note that was off screen."""
    texts = [f"note number {i}" for i in range(100)]
    add_notes(store, session_id, clock, texts)
    store.codebook.ensure(["pain/onboarding"], "2026-01-01T00:00:00Z")
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        listing = screen.excerpt_list
        assert listing.has_focus and len(screen.shown) == 100
        await pilot.press("down", "down")
        assert listing.cursor == 2 and listing.scroll_y == 0
        await pilot.press("end")
        await pilot.pause()
        assert listing.cursor == 99
        assert not listing.show_horizontal_scrollbar  # it used to cover the last row
        assert listing.scroll_y <= 99 < listing.scroll_y + listing.rows_shown  # on screen
        assert "note number 99" in drawn_text(app)
        await pilot.press("pageup")
        await pilot.pause()
        assert listing.cursor == 99 - listing.page
        await pilot.press("home")
        await pilot.pause()
        assert listing.cursor == 0 and listing.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert listing.cursor == listing.page
        await pilot.press("up")
        row = listing.cursor
        assert row == listing.page - 1
        await pick(pilot, "onbord")
        notes, _ = notes_by_id(app, session_id)
        tagged = [n["text"] for n in notes.values() if n["tags"]]
        assert tagged == [texts[row]]  # the note under the cursor, on screen


def test_the_excerpt_list_binds_no_key_without_an_id():
    from tui.widgets.excerpt_list import ExcerptList

    bindings = [b for _, b in ExcerptList._merged_bindings.key_to_bindings.items() for b in b]
    assert all(b.id for b in bindings), [b for b in bindings if not b.id]


async def test_a_reload_reads_and_rebuilds_only_the_sessions_others_wrote(
    monkeypatch, store, clock
):
    """Scope "all" over many sessions: a co-interviewer typing into one of them used to make
    every poll re-read and rebuild every session (100-280 ms on the UI thread with 20 x 2,500
    notes). Now only the file another process wrote is read; the other rows stay as they are."""
    import threading

    from tui.store import SessionFile

    guide = parse_guide("# G\n## S\n- Why?\n")
    ids = []
    for n in range(3):
        sid = create_session(
            store, title=f"S{n}", participant=f"P{n}", guide=guide, now=clock() + timedelta(n)
        )
        add_notes(store, sid, clock, [f"note {k} of P{n}" for k in range(3)])
        ids.append(sid)
    store.codebook.ensure(["pain/onboarding"], "2026-01-01T00:00:00Z")
    read = []
    file_read = SessionFile.read

    def counting(self):
        if threading.current_thread() is not threading.main_thread():
            read.append(self.session_id)  # the tagging screen's reading worker
        return file_read(self)

    monkeypatch.setattr(SessionFile, "read", counting)
    app = tagging_app(store, clock, ids[0], scope="all", poll=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        assert set(read) == set(ids) and len(screen.shown) == 9
        read.clear()
        await pilot.press("j")
        before = list(screen.all_excerpts)
        # Our own tag write is not another process's: nothing is read again for it.
        await pick(pilot, "onbord")
        await ready(pilot)  # the write has landed
        await after_looks(pilot, screen)
        await ready(pilot)
        assert read == []
        # Another process appends to the second session; the poll reads that one alone.
        other = SessionFile(store.session_path(ids[1]), ids[1])
        other.append_note(
            Note.from_typed(
                "late note",
                session_id=ids[1],
                author="Jonas",
                started_at=to_iso(clock() + timedelta(hours=1)),
                elapsed=0.0,
                question_id=None,
            ).to_doc()
        )
        other.close()
        await wait_until(pilot, lambda: len(screen.all_excerpts) == 10)
        await ready(pilot)
        assert read == [ids[1]]
        after = screen.all_excerpts
        assert [e.text for e in after][6] == "late note" and len(after) == 10
        assert all(
            a is b for a, b in zip(after[:3] + after[7:], before[:3] + before[6:], strict=True)
        )
        assert screen.current.note["text"] == "note 1 of P0"  # the cursor stayed
        assert screen.current.tags == ["pain/onboarding"]
        assert "1/10 coded" in str(screen.query_one("#tagging-header").render())


async def test_the_list_shows_who_spoke_each_cue_and_wrote_each_note(store, clock, session_id):
    add_notes(store, session_id, clock, texts=["Typed by the note-taker"], author="Maya")
    cue = Note(
        "cue1",
        session_id,
        "Mr Praline",
        "It's not pining, it's passed on!",
        "transcript",
        to_iso(clock() + timedelta(seconds=90)),
        90.0,
        None,
    )
    store.open_session(session_id).append_notes([cue.to_doc()])
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        rows = [str(app.screen.excerpt_list.row_text(e)) for e in app.screen.model.shown]
        typed = next(row for row in rows if "Typed by" in row)
        spoken = next(row for row in rows if "pining" in row)
        assert "\u270eMaya " in typed
        assert "Mr Pral: " in spoken
        # Compact: the note's words still begin within the first 20 columns at 80.
        assert spoken.index("It's") < 20 and typed.index("Typed") < 20


async def test_a_tag_gone_from_the_codebook_leaves_its_number_empty(
    store, clock, seeded, session_id
):
    app = tagging_app(store, clock, session_id)
    shown: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        app.notify = lambda message, **kw: shown.append(message)
        first, second = screen.model.recent()
        screen.index.remove(first)  # as a rename or delete in the codebook does
        assert screen.model.recent() == [None, second]  # the others keep their numbers
        await pilot.press("1")
        await ready(pilot)
        assert "renamed or deleted" in shown[-1]
        assert notes_by_id(app, session_id)[0][seeded[0]]["tags"] == []
        assert "1 (renamed or deleted)" in str(screen.detail_text(screen.current))


async def test_the_screen_looks_at_the_disk_only_while_it_is_on_view(
    store, clock, seeded, session_id
):
    """Under a dialog it is still seen, so it looks; under a full screen (the analysis) it does
    not, though Textual's `is_current` says it is current there."""
    from textual.screen import ModalScreen, Screen

    app = tagging_app(store, clock, session_id, poll=60)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        screen = app.screen
        assert isinstance(screen, TaggingScreen)
        looked: list[bool] = []
        screen.model.remote_changed = lambda: looked.append(True) or False
        for cover, seen in ((ModalScreen(), True), (Screen(), False)):
            looked.clear()
            await app.push_screen(cover)
            await pilot.pause()
            assert screen.is_current  # Textual's word for it, either way
            screen._poll_disk()
            assert looked == ([True] if seen else [])
            app.pop_screen()
            await pilot.pause()


async def test_an_unrated_span_says_it_counts_with_its_notes_rating(
    store, clock, seeded, session_id
):
    """The analysis counts a span rated by no one with its note's rating: the pane says so
    where the span is rated, so the two screens tell one story."""
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press(*"++++", "v", "w")
        await pick(pilot, "export")
        await ready(pilot)
        assert app.screen.model.current.span is not None
        detail = str(app.screen.query_one("#excerpt-detail").render())
        assert "Severity: not rated; counted as its note's ●●●●○" in detail, detail


def hand_edit_note(store, session_id, note_id, **fields) -> None:
    """The note's fields rewritten in the session file as an editor would leave it (the
    journal folded in and gone)."""
    import json

    from tui.store.storage import journal_path, read_tables

    path = store.session_path(session_id)
    data = read_tables(path)
    next(d for d in data["notes"].values() if d["id"] == note_id).update(fields)
    path.write_text(json.dumps(data))
    journal_path(path).unlink(missing_ok=True)


async def test_a_severity_no_rating_has_is_shown_as_the_analysis_counts_it(
    store, clock, seeded, session_id
):
    """A hand-edited `"severity": 9` read as nine dots and `!9` on the tagging screen while the
    analysis and the report count the note as unrated; `+` then went from 9 down to 5."""
    hand_edit_note(store, session_id, seeded[0], severity=9)
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        excerpt = screen.model.current
        assert excerpt.note["id"] == seeded[0] and excerpt.severity is None
        assert "Severity: not rated" in screen.detail_text(excerpt).plain
        await pilot.press("plus")
        await ready(pilot)
        assert notes_by_id(app, session_id)[0][seeded[0]]["severity"] == 1


async def test_a_kind_fieldnote_does_not_know_reads_as_a_plain_note_everywhere(
    store, clock, seeded, session_id
):
    """A hand-edited `"kind": "bogus"` was shown as `bogus` in the tagging detail and exported
    as `bogus`, while the analysis and the counts take it for a plain note."""
    import csv
    import io

    from tui.domain.notes import KINDS
    from tui.services.exchange.exporting import export

    hand_edit_note(store, session_id, seeded[0], kind="bogus")
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        excerpt = screen.model.current
        assert excerpt.note["id"] == seeded[0]
        first_line = screen.detail_text(excerpt).plain.split("\n")[0]
        assert "bogus" not in first_line and " note" in first_line, first_line
    table, _ = export(store, [session_id], "csv")
    rows = list(csv.DictReader(io.StringIO(table.decode("utf-8"))))
    assert "bogus" not in table.decode("utf-8") and {r["kind"] for r in rows} <= set(KINDS)
    # The JSON export keeps what the file holds: another tool's (or a newer) kind survives.
    assert '"bogus"' in export(store, [session_id], "json")[0].decode("utf-8")


async def test_a_40_column_pane_shows_the_excerpts_tags_above_its_words(store, clock, session_id):
    # Below the list, the pane has some eight lines: a long note pushed its tags and severity
    # out of view, so a coder in a split pane could not see what they had just applied.
    from textual.geometry import Region

    long = " ".join(["The planners keep every booking in one shared spreadsheet"] * 6)
    add_notes(store, session_id, clock, texts=[long, "short"])
    store.codebook.ensure(["need/export"], "2026-01-01T00:00:00Z")
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(40, 24)) as pilot:
        await ready(pilot)
        await pick(pilot, "need/export")
        await pilot.press("plus")
        await ready(pilot)
        side = app.screen.query_one("#excerpt-side")
        detail = app.screen.query_one("#excerpt-detail")
        drawn = [
            "".join(segment.text for segment in line).rstrip()
            for line in detail.render_lines(Region(0, 0, detail.size.width, detail.size.height))
        ][: side.scrollable_content_region.height]
        seen = "\n".join(drawn)
        assert "Note tags: #need/export" in seen and "Severity: ●" in seen, seen
        assert "The planners keep" in seen  # the words follow


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_wide_names_keep_to_their_columns(store, clock, session_id, size):
    """Names of CJK characters (two cells each) are cut by the cells they take: cut by their
    characters, a recent tag ran onto a second line of the pane, and a note-taker's name
    pushed the rest of its row out of line with the rows above and below."""
    from rich.cells import cell_len
    from textual.geometry import Region

    wide_tag = "\u5ba2\u6237\u8bbf\u8c08" * 7 + "\u62a5\u544a"  # 30 characters, 60 cells
    docs = [
        Note.from_typed(
            text,
            session_id=session_id,
            author=author,
            started_at=to_iso(clock() + timedelta(seconds=i)),
            elapsed=float(i),
            question_id=None,
        ).to_doc()
        for i, (author, text) in enumerate(
            [("\u738b\u5c0f\u660e\u660e\u660e", "said by a wide name"), ("Maya", "by Maya")]
        )
    ]
    store.open_session(session_id).append_notes(docs)
    store.codebook.record_use([wide_tag, "need/export"], to_iso(clock()))
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        excerpts = app.screen.excerpt_list
        rows = [excerpts.render_line(y).text for y in range(2)]
        marks = [cell_len(row[: row.index("\u25cb")]) for row in rows]
        assert marks[0] == marks[1], rows
        detail = app.screen.query_one("#excerpt-detail")
        width = detail.size.width
        drawn = [
            "".join(segment.text for segment in line).rstrip()
            for line in detail.render_lines(Region(0, 0, width, detail.size.height))
        ]
        recent = drawn[drawn.index("Recent:") :]
        (line,) = [line for line in recent if "\u5ba2\u6237" in line]
        assert line.endswith("\u2026") and cell_len(line) <= width, recent
        assert "\u62a5\u544a" not in "".join(recent), recent  # no second line of it


async def test_a_rename_in_another_window_reaches_the_picker(store, clock, seeded, session_id):
    # Another window renamed pain/onboarding: this one listed the notes under the new name
    # but its picker still offered the old one, and applying it put the old tag back in the
    # codebook beside the new, the codings split between them.
    from tui.services.tag_ops import rename_tag
    from tui.store import DataStore

    app = tagging_app(store, clock, session_id, poll=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        other = DataStore(store.home)  # another process's store on the same folder
        rename_tag(other, "pain/onboarding", "pain/first-run", "2026-01-03T00:00:00Z")
        await after_looks(pilot, screen, looks=3)
        await ready(pilot)
        await pilot.press("t")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, TagPickerScreen)
        await pilot.press(*"pain/")
        await pilot.pause()
        names = [m.name for m in picker.matches]
        assert "pain/first-run" in names and "pain/onboarding" not in names, names
        await pilot.press("escape")
    assert store.codebook.get("pain/onboarding") is None


async def test_a_codebook_another_window_broke_is_said_once_not_every_look(
    store, clock, seeded, session_id
):
    # The look at the codebook reads it again when it changed; a file that cannot be read
    # stays "changed", and must not be read (and its error shown) again every second.
    app = tagging_app(store, clock, session_id, poll=0.05)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await ready(pilot)
        screen = app.screen
        (store.home / "codebook.json").write_text("{not json")  # another process, torn
        await after_looks(pilot, screen, looks=8)
        await ready(pilot)
        said = [str(n.message) for n in app._notifications if "codebook.json" in str(n.message)]
        assert len(said) == 1, said


async def test_span_mode_names_every_key_that_moves_the_span(store, clock, seeded, session_id):
    # The pane said only "w/l extend, then t tags the span": shrinking the end (b, h) and
    # moving the start (W, B, L, H) were in no line on screen, the key bar hiding them all.
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = app.screen
        await pilot.press("v", "w")
        await pilot.pause()
        detail = screen.detail_text(screen.current).plain
        assert "w/l extend" in detail and "b/h shrink" in detail, detail
        assert "W/B L/H move the start" in detail and "t tags the span" in detail, detail


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_an_unreadable_file_s_name_is_told_made_safe(store, clock, seeded, session_id, size):
    # The notice naming a file the tagging screen could not read put the file's name on the
    # terminal as it was: one named with an OSC 0 retitled the terminal window.
    (store.sessions_dir / "\x1b]0;pwned\x07\x1b[41mx.json").write_bytes(b"not json")
    app = tagging_app(store, clock, None, scope="all")
    async with app.run_test(size=size, notifications=True) as pilot:
        await workers_done(app)
        await pilot.pause()
        told = "\n".join(str(n.message) for n in app._notifications)
        assert "\u241b]0;pwned" in told, told
        assert "\x1b" not in told and "\x07" not in told, told


async def test_a_tag_filter_counts_a_note_and_its_span_with_the_tag_as_one_excerpt(
    store, clock, session_id
):
    """The demo's `f` on pain/import said `(10)` in the header: the rows listed, a quote and
    the span of it under it each one, where the codebook and the analysis count 9 excerpts.
    The header gives the excerpts, and the rows where they differ."""
    ids = add_notes(store, session_id, clock)
    session_file = store.open_session(session_id)
    session_file.add_excerpt(
        {"id": "x1", "note_id": ids[1], "start": 0, "end": 12, "tags": ["pain/pricing"]}
    )
    session_file.close()
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = app.screen
        assert isinstance(screen, TaggingScreen)
        screen.model.set_filter(tag="pain/pricing")
        await pilot.pause()
        assert len(screen.model.shown) == 2  # the note and its span
        header = str(screen.query_one("#tagging-header").render())
        assert "filter: #pain/pricing (1 excerpt, 2 rows)" in header, header
    async with tagging_app(store, clock, session_id).run_test(size=(40, 24)) as pilot:
        await ready(pilot)
        screen = pilot.app.screen
        screen.model.set_filter(tag="pain/pricing")
        await pilot.pause()
        header = str(screen.query_one("#tagging-header").render())
        assert header.startswith("Tagging filter: #pain/pricing (1)"), header


@pytest.mark.parametrize("size", [(40, 24), (80, 24)])
async def test_a_long_tag_s_filter_gives_way_to_its_count(store, clock, session_id, size):
    """The header kept the tag filter's count only while the tag's name was short: `f` on
    workaround/spreadsheet/export-every-monday in a 40-column pane read 'Tagging filter:
    #workaround/spreadsheet/expo…', the count cut off with the name's end (and at 80 columns
    a name from a shared codebook's 200 characters did the same). The name gives way now."""
    tag = "workaround/spreadsheet/export-every-monday"
    if size[0] == 80:
        tag += "/" + "x" * 99
    add_notes(store, session_id, clock, [f"we paste it by hand #{tag}", "nothing here"])
    async with tagging_app(store, clock, session_id).run_test(size=size) as pilot:
        await ready(pilot)
        screen = pilot.app.screen
        screen.model.set_filter(tag=tag)
        await pilot.pause()
        header = screen.query_one("#tagging-header").render_line(0).text.rstrip()
        assert header.startswith("Tagging filter: #workaround/"), header
        assert "\u2026 (1)" in header, header
