"""Terminal input (tui/terminal_input.py): bursts typed as one piece, pastes kept byte for byte,
escape codes that are no key refused whole; through the split alone, through the app at 80x24,
and through the real driver in a pseudo-terminal."""

from __future__ import annotations

import os
import time

import pytest
from textual import events

from tests.test_interview import stored_notes
from tests.test_terminal_loss import open_in_pty, read_until, read_until_drawn
from tests.waiting import wait_until
from tui.terminal_input import TerminalInput, TypedText, UnknownSequence
from tui.widgets.note_input import NoteInput


def split(*reads: str) -> list[tuple[str, str]]:
    terminal = TerminalInput()
    messages = []
    for data in reads:
        messages += terminal.feed(data)
    return described(messages + terminal.flush_held())


def described(messages) -> list[tuple[str, str]]:
    shown = []
    for message in messages:
        if isinstance(message, TypedText):
            shown.append(("typed", message.text))
        elif isinstance(message, UnknownSequence):
            shown.append(("refused", message.sequence))
        elif isinstance(message, events.Paste):
            shown.append(("paste", message.text))
        elif isinstance(message, events.Key):
            shown.append(("key", message.key))
        else:
            shown.append((type(message).__name__, ""))
    return shown


def test_printable_characters_read_together_are_one_piece_and_control_keys_stay_keys():
    assert split("note one\x0esecond\r") == [
        ("typed", "note one"),
        ("key", "ctrl+n"),
        ("typed", "second"),
        ("key", "enter"),
    ]


@pytest.mark.parametrize("code", ["\x1b[31m", "\x1b[2J", "\x1b]52;c;aGk=\x07", "\x1b[0;1m"])
def test_an_escape_code_that_is_no_key_is_refused_whole_and_the_text_around_it_kept(code):
    assert split(f"ab{code}cd") == [("typed", "ab"), ("refused", code), ("typed", "cd")]


def test_a_code_cut_in_two_by_the_reads_is_still_refused_whole():
    assert split("ab\x1b[3", "1mcd") == [("typed", "ab"), ("refused", "\x1b[31m"), ("typed", "cd")]


@pytest.mark.parametrize(
    ("data", "key"),
    [("\x1b[A", "up"), ("\x1b[1;5A", "ctrl+up"), ("\x1bOP", "f1"), ("\x1b[21~", "f10")],
)
def test_keys_sent_as_escape_sequences_are_still_keys(data, key):
    assert split(data) == [("key", key)]


def test_an_alt_key_or_esc_lands_between_the_characters_typed_around_it():
    # Left to Textual's parser, ESC x waited its escape delay for more while "bc", typed
    # next, went ahead; the next Esc then turned the held ESC x into the text "^x".
    assert split("a\x1bxbc\x1bd") == [
        ("typed", "a"),
        ("key", "alt+x"),
        ("typed", "bc"),
        ("key", "alt+d"),
    ]
    # Esc alone in a read, a quiet moment, then typing: the Esc first (it cancels an edit).
    terminal = TerminalInput()
    messages = terminal.feed("a\x1b") + terminal.flush_held() + terminal.feed("bc")
    assert [getattr(m, "key", None) or m.text for m in messages] == ["a", "escape", "bc"]


@pytest.mark.parametrize(
    ("data", "keys"),
    [
        ("ab\x1b\x1b[Acd", ["up"]),  # alt+up as rxvt and macOS terminals send it: ESC ESC[A
        ("ab\x1b\x1bOPcd", ["f1"]),  # Esc, then f1 as SS3, read together
        ("ab\x1b\x1b[1;5Ccd", ["ctrl+right"]),
    ],
)
def test_an_esc_before_a_key_sent_as_a_sequence_leaves_that_key_whole(data, keys):
    # Taken with the Esc as `ESC ESC`, the sequence lost its Esc and its rest was typed
    # into the note ("[A"), as Textual's own parser never does (Esc, then up).
    expected = [("typed", "ab"), ("key", "escape"), *(("key", key) for key in keys)]
    assert split(data) == [*expected, ("typed", "cd")]


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ("\x1b[15~", "f5"),
        ("\x1bOP", "f1"),
        ("\x1b[A", "up"),
        ("\x1bx", "alt+x"),
        ("\r", "enter"),
        ("\x0c", "ctrl+l"),
        ("\x0e", "ctrl+n"),
    ],
)
def test_esc_read_together_with_the_next_key_is_esc_then_that_key(data, key):
    # ESC ESC was taken as one key, so the sequence after it lost its Esc: Esc then f5, as
    # tmux or a slow link delivers them in one read, typed "[15~" into the note. Textual reads
    # ESC CR as Enter and drops the Esc: Esc then ctrl+l typed quickly left the offset dialog
    # open, and Esc then Enter saved an edit the Esc was meant to cancel.
    assert split(f"a\x1b{data}b") == [
        ("typed", "a"),
        ("key", "escape"),
        ("key", key),
        ("typed", "b"),
    ]


def test_a_mouse_report_is_still_a_mouse_event():
    assert split("\x1b[<0;3;4M") == [("MouseDown", "")]


def test_a_paste_holding_escape_codes_is_kept_byte_for_byte_even_across_reads():
    pasted = "pa\x1b[31mste\x1b[0m end\x1bOP\x07"
    whole = f"\x1b[200~{pasted}\x1b[201~z"
    assert split(whole) == [("paste", pasted), ("typed", "z")]
    for cut in range(1, len(whole)):  # every place a read can end
        assert split(whole[:cut], whole[cut:]) == [("paste", pasted), ("typed", "z")], cut


def leave_through_the_debrief(master: int, app) -> None:
    """After ctrl+q was sent: Esc on the debrief ("not now"), then wait for the app to exit,
    reading all the while (a full terminal blocks its exit)."""
    read_until(master, b"not now", 10)
    os.write(master, b"\x1b")
    deadline = time.monotonic() + 15
    while app.poll() is None and time.monotonic() < deadline:
        read_until(master, b"\x00", 0.2)
    assert app.poll() is not None, "the app did not exit"


def close_pty_app(master: int, app) -> None:
    if app.poll() is None:
        app.kill()
        app.wait()
    os.close(master)


def feed(app, data: str) -> None:
    terminal = TerminalInput()
    for message in terminal.feed(data) + terminal.flush_held():
        app.post_message(message)


async def test_a_burst_typed_with_enter_and_guide_keys_lands_in_keystroke_order(
    make_app, session_id
):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first_question = app.live.guide_state.current
        feed(app, "first note\rsecond note\x0ethird")
        note_input = app.screen.query_one(NoteInput)
        await pilot.pause()
        await pilot.pause()
        assert note_input.text == "second notethird"
        assert [n["text"] for n in stored_notes(app)] == ["first note"]
        assert stored_notes(app)[0]["question_id"] == first_question
        assert app.live.guide_state.current != first_question  # ctrl+n moved on


async def test_editing_keys_in_a_burst_land_in_keystroke_order(make_app, session_id):
    # Backspace and the arrows are the input's own bindings; run when the key had bubbled up
    # to the app, they came after the Enter read with them: "ghix" was saved, the fixes lost.
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        feed(app, "ghix\x7fyz\x1b[D\x1b[DQ\rnext\x7f")
        await pilot.pause()
        await pilot.pause()
        assert [n["text"] for n in stored_notes(app)] == ["ghiQyz"]
        assert app.screen.query_one(NoteInput).text == "nex"


async def test_esc_and_typing_at_once_cancel_the_edit_and_keep_every_character(
    make_app, session_id
):
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        terminal = TerminalInput()

        def read(messages) -> None:
            for message in messages:
                app.post_message(message)

        read(terminal.feed("said it\rdraft\x0c fixed"))  # a note, a draft, ctrl+l edits
        read(terminal.feed("\x1b") + terminal.flush_held())  # Esc, then a quiet moment
        read(terminal.feed("next"))
        await pilot.pause()
        await pilot.pause()
        note_input = app.screen.query_one(NoteInput)
        assert note_input.editing is None
        assert note_input.text == "draftnext"
        assert [n["text"] for n in stored_notes(app)] == ["said it"]


async def test_a_refused_code_is_said_and_nothing_of_it_is_typed(make_app, session_id):
    app = make_app(session_id)
    shown: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.notify = lambda message, **kw: shown.append(message)
        feed(app, "ab\x1b[31mcd\r")
        await pilot.pause()
        await pilot.pause()
        assert [n["text"] for n in stored_notes(app)] == ["abcd"]
        assert any("\u241b[31m" in m and "Nothing of it was typed" in m for m in shown)


async def test_outside_the_note_input_a_burst_is_key_presses(store, clock, session_id):
    from tests.test_tagging import add_notes, ready, tagging_app

    add_notes(store, session_id, clock)
    app = tagging_app(store, clock, session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        feed(app, "jjk")  # the tagging screen's keys: down, down, up
        await pilot.pause()
        assert app.screen.excerpt_list.cursor == 1


@pytest.mark.slow
def test_the_real_terminal_driver_keeps_a_paste_exact_and_refuses_a_typed_code(store, session_id):
    master, app = open_in_pty(store, session_id)
    pasted = "pa\x1b[31mste\x1b[0m end"
    try:
        assert b"asked" in read_until(master, b"asked", 20), "the interview screen never drew"
        os.write(master, b"ab\x1b[31mcd\r")
        read_until(master, b"Nothing of it", 10)
        os.write(master, f"\x1b[200~{pasted}\x1b[201~\r".encode())
        read_until(master, b"end", 10)
        os.write(master, b"\x11")  # ctrl+q offers the debrief first: Esc is "not now"
        leave_through_the_debrief(master, app)
    finally:
        close_pty_app(master, app)
    texts = [n["text"] for n in store.open_session(session_id).read().notes]
    assert texts == ["abcd", pasted]


LATE_READER = """
import os, time
from tui.terminal_input import FieldnoteDriver, TerminalInput

run, feed = FieldnoteDriver.run_input_thread, TerminalInput.feed


def late(self):  # the app reads late: what is typed meanwhile waits in the terminal
    while not os.path.exists(os.environ["FIELDNOTE_TEST_READ_AFTER"]):
        time.sleep(0.01)
    run(self)


def logged(self, text):
    with open(os.environ["FIELDNOTE_TEST_READS"], "a", encoding="utf-8") as reads:
        reads.write(repr(text) + "\\n")
    return feed(self, text)


FieldnoteDriver.run_input_thread, TerminalInput.feed = late, logged
"""


@pytest.mark.slow
def test_notes_typed_while_the_app_starts_arrive_in_one_read_and_stay_two_notes(
    store, session_id, tmp_path, monkeypatch
):
    """Why lines read together are not taken for a paste (docs/interviewing.md, "Input"):
    keys typed at a person's pace reach the app in one read whenever it reads late. Here
    they are typed while `fieldnote open` starts, one every 30 ms, and the app (through a
    `sitecustomize` that holds its input thread back until they are all typed) reads late:
    its first read holds both notes and their Enters, as a paste outside bracketed-paste mode
    would. Each Enter is still a note's end."""
    hooks, go, reads = tmp_path / "hooks", tmp_path / "go", tmp_path / "reads"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(LATE_READER, encoding="utf-8")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(hooks), root]))
    monkeypatch.setenv("FIELDNOTE_TEST_READ_AFTER", str(go))
    monkeypatch.setenv("FIELDNOTE_TEST_READS", str(reads))
    master, app = open_in_pty(store, session_id)
    try:
        for char in b"she left\r ok then\r":
            os.write(master, bytes([char]))
            time.sleep(0.03)
        go.touch()
        assert b"asked" in read_until(master, b"asked", 20), "the interview screen never drew"
        read_until_drawn(master, b"ok then", 10)
        os.write(master, b"\x11")  # ctrl+q offers the debrief first: Esc is "not now"
        leave_through_the_debrief(master, app)
    finally:
        close_pty_app(master, app)
    read = reads.read_text(encoding="utf-8").splitlines()
    assert any("she left" in text and "ok then" in text for text in read), read
    texts = [n["text"].strip() for n in store.open_session(session_id).read().notes]
    assert texts == ["she left", "ok then"]


async def test_a_long_burst_costs_one_insertion_per_read_not_one_per_key(
    make_app, session_id, monkeypatch
):
    """Each insertion re-wraps the whole line, so one per key made typing quadratic
    (benchmarks/bench_typing.py times it)."""
    insertions: list[int] = []
    replace = NoteInput.replace

    def counted(self, text, *args, **kwargs):
        insertions.append(len(text))
        return replace(self, text, *args, **kwargs)

    monkeypatch.setattr(NoteInput, "replace", counted)
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        terminal = TerminalInput()
        text = "the dock plan changes every morning. " * 300  # 11 KB
        for start in range(0, len(text), 4096):  # as tmux send-keys delivers it
            for message in terminal.feed(text[start : start + 4096]):
                app.post_message(message)
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query_one(NoteInput).text == text
        assert len(insertions) <= 3, insertions


PASTED_CODES = "pa\x1b[31mste\x1b]52;c;aGk=\x07 end"


async def test_a_pasted_escape_code_is_drawn_as_symbols_in_the_input(make_app, session_id):
    from rich.color import Color

    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        feed(app, f"\x1b[200~{PASTED_CODES}\x1b[201~")
        note_input = app.screen.query_one(NoteInput)
        await wait_until(pilot, lambda: note_input.text == PASTED_CODES)  # kept exactly
        await pilot.pause()
        strips = note_input.render_lines(note_input.region.reset_offset)
        drawn = "".join(segment.text for strip in strips for segment in strip)
        assert "pa\u241b[31mste\u241b]52;c;aGk=\u2407 end" in drawn
        assert not any(ch in drawn for ch in "\x1b\x07")
        red = Color.parse("red")
        assert not any(s.style and s.style.color == red for strip in strips for s in strip)


@pytest.mark.slow
def test_the_real_terminal_shows_a_pasted_code_and_is_not_sent_it(store, session_id):
    master, app = open_in_pty(store, session_id)
    try:
        assert b"asked" in read_until(master, b"asked", 20), "the interview screen never drew"
        os.write(master, f"\x1b[200~{PASTED_CODES}\x1b[201~".encode())
        shown = read_until(master, b" end", 10)
        shown += read_until(master, b"\x00", 0.5)  # the frame's last writes
        assert "\u241b[31mste".encode() in shown
        assert b"\x1b]52;c;aGk=" not in shown and b"\x1b[31mste" not in shown
        os.write(master, b"\r\x11")  # keep it, then ctrl+q: the debrief, Esc is "not now"
        leave_through_the_debrief(master, app)
    finally:
        close_pty_app(master, app)
    assert [n["text"] for n in store.open_session(session_id).read().notes] == [PASTED_CODES]


@pytest.mark.parametrize(("data", "key"), [("\x1b[A", "up"), ("\x1bOP", "f1"), ("\r", "enter")])
def test_alt_shift_o_read_together_with_the_next_key_leaves_that_key_whole(data, key):
    # `ESC O` begins f1-f4 (SS3) only when a final character follows. Taken with the Esc of
    # the next key as `ESC O ESC`, that Esc was typed as "^" and the rest of its sequence into
    # the note: alt+shift+o then up typed "^O[A", then f1 typed "^OOP".
    expected = [("typed", "a"), ("key", "alt+shift+o"), ("key", key), ("typed", "b")]
    assert split(f"a\x1bO{data}b") == expected


def test_alt_shift_o_then_a_lone_esc_is_both_keys():
    terminal = TerminalInput()
    keys = [m.key for m in [*terminal.feed("\x1bO\x1b"), *terminal.flush_held()]]
    assert keys == ["alt+shift+o", "escape"]


def test_alt_backspace_sent_as_esc_ctrl_h_stays_one_key():
    # Where Backspace sends ^H, alt+Backspace is ESC ^H: split, its Esc would cancel an edit
    # under way before the Backspace, losing what was typed into it.
    keys = split("a\x1b\x08b")
    assert ("key", "escape") not in keys and keys[0] == ("typed", "a")


class Clock:
    """A clock a test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def reads_with_pauses(*steps: str | float) -> list[tuple[str, str]]:
    """`split`, with pauses between the reads: a number is that many milliseconds of quiet, in
    which the driver decides what is held once its wait is over."""
    clock = Clock()
    terminal = TerminalInput(clock=clock)
    messages = []
    for step in steps:
        if isinstance(step, str):
            messages += terminal.feed(step)
            continue
        wait = terminal.wait()
        if wait is not None and wait <= step / 1000:
            messages += terminal.flush_held()  # the driver's select ran out first
        clock.now += step / 1000
    return described(messages + terminal.flush_held())


@pytest.mark.parametrize(
    ("rest", "shown"),
    [
        ("[A", ("key", "up")),
        ("[1;5C", ("key", "ctrl+right")),
        ("OP", ("key", "f1")),
        ("[<35;12;5M", ("MouseMove", "")),
        ("[31m", ("refused", "\x1b[31m")),
    ],
)
@pytest.mark.parametrize("pause", [15, 40])
def test_a_sequence_whose_esc_came_alone_before_a_pause_is_that_key_and_no_esc(rest, shown, pause):
    # Over SSH or a slow tmux link the Esc of an arrow key or a mouse report can arrive alone.
    # Decided as the Esc key after 10 ms of quiet, it cancelled an edit under way and the rest
    # of the sequence, "[A" or "[<35;12;5M", was typed into the note.
    assert reads_with_pauses("a\x1b", pause, rest + "b") == [("typed", "a"), shown, ("typed", "b")]


def test_a_sequence_cut_again_after_a_pause_is_still_one_key():
    assert reads_with_pauses("a\x1b", 20, "[<35;1", 10, "2;5Mb") == [
        ("typed", "a"),
        ("MouseMove", ""),
        ("typed", "b"),
    ]
    assert reads_with_pauses("a\x1b[<35;1", 30, "2;5Mb") == [
        ("typed", "a"),
        ("MouseMove", ""),
        ("typed", "b"),
    ]


@pytest.mark.parametrize(
    "steps",
    [
        ("\x1b", 20, "[", 80, "laughs]"),  # a note begun with "[" right after an Esc
        ("\x1b", 20, "O", 10, "h"),  # ... or with "Oh"
        ("\x1b", 20, "n", 10, "ext"),
        ("\x1b", 60, "[", 5, "laughs]"),
    ],
)
def test_keys_typed_after_an_esc_are_text_however_quickly_they_follow(steps):
    # A person's keys come one to a read: "[" or "O" alone after an Esc is typed, never held
    # as the start of a sequence (which would have eaten "[l" as an unknown code).
    typed = "".join(step for step in steps[2:] if isinstance(step, str))
    shown = reads_with_pauses(*steps)
    assert shown[0] == ("key", "escape")
    assert "".join(text for kind, text in shown[1:] if kind == "typed") == typed
    assert all(kind == "typed" for kind, _ in shown[1:])


def test_a_lone_esc_is_the_esc_key_once_its_wait_is_over_and_an_alt_key_stays_one_key():
    terminal = TerminalInput(clock=(clock := Clock()))
    assert terminal.feed("\x1b") == [] and terminal.wait() == pytest.approx(0.05)
    clock.now += 0.03
    assert terminal.wait() == pytest.approx(0.02)
    clock.now += 0.02
    assert [m.key for m in terminal.flush_held()] == ["escape"]
    assert terminal.wait() is None
    # Esc and a key within 10 ms of each other: the two halves of alt+key (emacs' alt+v).
    assert reads_with_pauses("\x1b", 5, "v") == [("key", "alt+v")]
    assert reads_with_pauses("\x1b", 15, "v") == [("key", "escape"), ("typed", "v")]


@pytest.mark.slow
def test_an_arrow_key_and_a_mouse_report_cut_by_a_pause_keep_an_edit(store, session_id):
    # Split by 20 ms in the real driver: before, the Esc alone cancelled the edit of the saved
    # note and "[D" and the mouse report were typed into the draft, saved as a new note.
    master, app = open_in_pty(store, session_id)
    try:
        assert b"asked" in read_until(master, b"asked", 20), "the interview screen never drew"
        os.write(master, b"said it\r")
        read_until_drawn(master, b"said it", 10)
        os.write(master, b"\x0c")  # ctrl+l edits the last note
        read_until(master, b"Esc cancels", 10)
        os.write(master, b" more")
        read_until_drawn(master, b"said it more", 10)
        for rest in (b"[D", b"[<35;20;20M"):  # left, then the mouse moving
            os.write(master, b"\x1b")
            time.sleep(0.02)
            os.write(master, rest)
            read_until(master, b"\x00", 0.2)
        os.write(master, b"X\r\x11")  # X, Enter saves, ctrl+q: the debrief, Esc is "not now"
        leave_through_the_debrief(master, app)
    finally:
        close_pty_app(master, app)
    assert [n["text"] for n in store.open_session(session_id).read().notes] == ["said it morXe"]


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("\x1b[200~pa\x1b", "[31mste\x1b[201~z"),  # a pasted code's Esc at a read's end
        ("\x1b[200~pa\x1b[31mste\x1b[20", "1~z"),  # the paste's end cut in two
    ],
)
def test_a_paste_cut_by_a_long_pause_keeps_every_byte_and_ends(first, then):
    # The driver decides what is held after each quiet 100 ms, a paste under way too: the
    # Esc held at a read's end was dropped, so the paste lost it, or lost the start of its end
    # marker and never ended, taking every key typed after it.
    terminal = TerminalInput()
    messages = terminal.feed(first) + terminal.flush_held() + terminal.feed(then)
    assert described(messages) == [("paste", "pa\x1b[31mste"), ("typed", "z")]


@pytest.mark.slow
def test_the_real_terminal_driver_waits_out_a_pause_inside_a_paste(store, session_id):
    master, app = open_in_pty(store, session_id)
    try:
        assert b"asked" in read_until(master, b"asked", 20), "the interview screen never drew"
        for first, then, saved in (
            (b"\x1b[200~one\x1b", b"[31m code\x1b[201~\r", b" code"),
            (b"\x1b[200~two\x1b[20", b"1~ end\r", b"two end"),
        ):
            os.write(master, first)
            time.sleep(0.3)  # longer than the driver's 100 ms wait for a read
            os.write(master, then)
            read_until_drawn(master, saved, 10)
        os.write(master, b"\x11")  # ctrl+q: the debrief, Esc is "not now"
        leave_through_the_debrief(master, app)
    finally:
        close_pty_app(master, app)
    texts = [n["text"] for n in store.open_session(session_id).read().notes]
    assert texts == ["one\x1b[31m code", "two end"]


def test_a_rest_arriving_after_the_wait_is_typed_after_the_esc():
    # The limit, kept on purpose: once the Esc has acted (50 ms), the read after it is what it
    # is. Taken as a key then, text sent right after a real Esc ("[Applause]" by tmux
    # send-keys, a paste where bracketed paste is off) would lose "[A", silently, while the
    # Esc the key would have undone has already cancelled the edit.
    assert reads_with_pauses("a\x1b", 60, "[Ab") == [
        ("typed", "a"),
        ("key", "escape"),
        ("typed", "[Ab"),
    ]
