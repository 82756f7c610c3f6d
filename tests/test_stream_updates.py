"""The note stream changes note by note: a note is drawn on Enter, before its write is durable,
and a saved, edited, removed or arriving note lays out that note alone."""

from __future__ import annotations

import fcntl
import random
from datetime import timedelta

import pytest

from tests.waiting import wait_until
from tui.domain.clock import to_iso
from tui.domain.notes import Note
from tui.store import DataStore
from tui.widgets.note_stream import NoteStream


def rows(stream: NoteStream) -> list[str]:
    return [stream.render_row(row).text for row in range(stream._rows_total)]


def seed(store: DataStore, session_id: str, clock, count: int) -> None:
    store.open_session(session_id).append_notes(
        [
            Note.from_typed(
                f"seeded note {i} " + "with words " * (i % 7),
                session_id=session_id,
                author="Maya",
                started_at=to_iso(clock.moment + timedelta(seconds=i)),
                elapsed=float(i),
                question_id="q1",
            ).to_doc()
            for i in range(count)
        ]
    )


def count_layouts(stream: NoteStream, monkeypatch) -> list[str]:
    built: list[str] = []
    original = stream._build_layout

    def counted(note: Note):
        built.append(note.id)
        return original(note)

    monkeypatch.setattr(stream, "_build_layout", counted)
    return built


async def test_a_note_is_drawn_on_enter_unsaved_until_its_write_lands(
    make_app, store, session_id, clock
):
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        stream = app.screen.query_one(NoteStream)
        lock_path = store.open_session(session_id)._storage.lock_path
        # The session's lock is held on another open file, as another process would: the write
        # cannot land yet.
        with open(lock_path, "rb") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            await pilot.press(*"drawn", "space", *"at", "space", *"once", "enter")
            await pilot.pause()
            assert any("drawn at once  \u2026unsaved" in row for row in rows(stream))
            assert app.live.unsaved_note_ids() == stream.pending_ids
            fcntl.flock(held, fcntl.LOCK_UN)
        assert app.live.flush()
        await pilot.pause()
        await pilot.pause()
        assert stream.pending_ids == frozenset()
        shown = rows(stream)
        assert any(row.rstrip().endswith("drawn at once") for row in shown)
        assert not any("unsaved" in row for row in shown)


async def test_saving_a_note_lays_out_that_note_alone(
    make_app, store, session_id, clock, monkeypatch
):
    seed(store, session_id, clock, 2_000)
    clock.advance(3_000)
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        stream = app.screen.query_one(NoteStream)
        built = count_layouts(stream, monkeypatch)
        await pilot.press(*"one", "space", *"more", "enter")
        assert app.live.flush()
        await pilot.pause()
        await pilot.pause()
        new = app.live.notes[-1]
        # Laid out when drawn unsaved, and again when saved: that note, no other.
        assert set(built) == {new.id} and 1 <= len(built) <= 3
        assert stream.scroll_y == stream.max_scroll_y  # the newest note is in view
        assert rows(stream)[-1].rstrip().endswith("one more")


async def test_notes_put_and_removed_anywhere_draw_as_a_fresh_stream(
    make_app, store, session_id, clock
):
    seed(store, session_id, clock, 60)
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        stream = app.screen.query_one(NoteStream)
        rng = random.Random(7)
        notes = list(app.live.notes)
        for step in range(80):
            action = rng.choice(["add", "change", "remove", "pending"])
            if action == "add" or not notes:
                note = Note.from_typed(
                    f"arrived {step} " + "long " * rng.randrange(30),
                    session_id=session_id,
                    author=rng.choice(["Maya", "Maya", "Jonas"]),
                    started_at=to_iso(clock.moment + timedelta(seconds=rng.uniform(0, 80))),
                    elapsed=rng.uniform(0, 80),
                    question_id=None,
                )
                notes.append(note)
                stream.put_note(note)
            elif action == "change":
                old = rng.choice(notes)
                new = old.retyped(old.text + " edited" * rng.randrange(12), to_iso(clock()))
                notes[notes.index(old)] = new
                stream.put_note(new)
            elif action == "remove":
                gone = notes.pop(rng.randrange(len(notes)))
                stream.remove_note(gone.id)
            else:
                stream.pending_ids = frozenset(n.id for n in rng.sample(notes, 3))
            notes.sort(key=lambda n: (n.started_at, n.id))
            assert [n.id for n in stream.notes] == [n.id for n in notes]
        await pilot.pause()
        fresh = NoteStream()
        await app.screen.query_one("#stream-column").mount(fresh)
        fresh.styles.height = stream.size.height
        await pilot.pause()
        fresh.pending_ids = stream.pending_ids
        fresh.set_notes(notes)
        assert fresh.show_authors == stream.show_authors == ("Jonas" in {n.author for n in notes})
        assert rows(stream) == rows(fresh)
        assert stream._row_starts == fresh._row_starts


async def test_another_instances_note_is_merged_and_drawn_alone(
    make_app, store, session_id, clock, monkeypatch
):
    seed(store, session_id, clock, 500)
    app = make_app(session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        stream = app.screen.query_one(NoteStream)
        built = count_layouts(stream, monkeypatch)
        other = DataStore(store.home).open_session(session_id)
        arrived = Note.from_typed(
            "from the other pane",
            session_id=session_id,
            author="Maya",
            started_at=to_iso(clock.moment + timedelta(seconds=250.5)),
            elapsed=250.5,
            question_id=None,
        )
        other.append_note(arrived.to_doc())
        other.close()
        remote = app.live.fetch_remote()
        assert [n.id for n in remote.changed] == [arrived.id] and remote.removed == []
        app.screen._after_reload(remote)
        await pilot.pause()
        assert built == [arrived.id]
        index = [n.id for n in stream.notes].index(arrived.id)
        assert index == 251 and [n.id for n in app.live.notes] == [n.id for n in stream.notes]


async def test_every_notes_layout_is_left_out_of_the_collectors_full_walks(
    make_app, store, session_id, clock
):
    """A full collection walked each of them, 7-12 ms at 5,000 notes in the middle of a frame:
    the layouts made once the stream's width is known are frozen with the rest."""
    import gc

    seed(store, session_id, clock, 500)
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.pause()
        stream = app.screen.query_one(NoteStream)
        assert stream._layouts and len(stream._layouts) == len(stream._row_starts)
        layouts = {id(layout) for layout in stream._layouts.values()}
        collected = {id(obj) for obj in gc.get_objects(generation=2)}
        assert not layouts & collected


async def test_another_instances_notes_appear_while_older_notes_wait_to_be_laid_out(
    make_app, store, session_id, clock
):
    """A long session lays out its newest notes first: a note arriving from another instance
    at the end is drawn at once, and one among the notes not laid out yet is in its place
    when scrolling up reaches it."""
    seed(store, session_id, clock, 3000)
    app = make_app(session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        stream = app.screen.query_one(NoteStream)
        assert stream._first > 0  # the oldest notes are not laid out yet
        other = DataStore(store.home).open_session(session_id)
        early, late = (
            Note.from_typed(
                text,
                session_id=session_id,
                author="Maya",
                started_at=to_iso(clock.moment + timedelta(seconds=at)),
                elapsed=at,
                question_id=None,
            )
            for text, at in (
                ("early from the other pane", 10.5),
                ("late from the other pane", 5000.0),
            )
        )
        other.append_note(early.to_doc())
        other.append_note(late.to_doc())
        other.close()
        app.screen._after_reload(app.live.fetch_remote())
        await pilot.pause()
        shown = [stream.render_line(y).text for y in range(stream.size.height)]
        assert any("late from the other pane" in line for line in shown)
        assert [n.id for n in stream.notes] == [n.id for n in app.live.notes]
        for _ in range(100):
            stream.scroll_to(y=0, animate=False, immediate=True)
            await pilot.pause()
            if stream.scroll_y == 0:
                break
        texts = rows(stream)
        assert texts.index(
            next(t for t in texts if "early from the other pane" in t)
        ) < texts.index(next(t for t in texts if "seeded note 11 " in t))
        assert sum("seeded note" in t for t in texts) >= 3000


def bottom_edge(stream: NoteStream) -> str:
    return stream.render_line(stream.size.height - 1).text.strip()


@pytest.mark.parametrize("size", [(80, 24), (26, 24)])
async def test_notes_landing_below_a_scrolled_back_view_are_counted_at_its_bottom_edge(
    make_app, store, session_id, clock, size
):
    # Scrolled back, a note saved with Enter or a co-interviewer's lands below the view, which
    # stays where it is: nothing said so, and one's own note seemed to vanish.
    seed(store, session_id, clock, 60)
    clock.advance(100)  # after the seeded notes, one a second from the start
    app = make_app(session_id)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        stream = app.screen.query_one(NoteStream)
        assert not bottom_edge(stream).startswith("\u2193")  # at the end: nothing to say
        await pilot.press("pageup", "pageup")
        await pilot.pause()
        view = stream.scroll_y
        top = stream.render_line(0).text
        await pilot.press(*"mine", "enter")
        await pilot.pause()
        assert stream.scroll_y == view and stream.render_line(0).text == top  # not yanked
        assert bottom_edge(stream) == "\u2193 1 new note \u00b7 pgdn"
        # The co-interviewer's, written by another process's store and picked up as it is.
        other = DataStore(store.home).open_session(session_id)
        other.append_note(
            Note.from_typed(
                "theirs",
                session_id=session_id,
                author="Jonas",
                started_at=to_iso(clock.moment + timedelta(seconds=2)),
                elapsed=102.0,
                question_id=None,
            ).to_doc()
        )
        other.close()
        await wait_until(pilot, lambda: len(stream.notes) == 62)
        await pilot.pause()
        assert bottom_edge(stream) == "\u2193 2 new notes \u00b7 pgdn"
        assert stream.scroll_y == view
        # On the stream's own last row: the note input below is not covered.
        note_input = app.screen.query_one("#note-input")
        assert stream.region.bottom <= note_input.region.y
        # Deleting one's own note before it is seen: one left to say.
        await pilot.press("f8")
        await pilot.pause()
        assert bottom_edge(stream) == "\u2193 1 new note \u00b7 pgdn"
        for _ in range(200):
            if stream.scroll_y >= stream.max_scroll_y:
                break
            await pilot.press("pagedown")
            await pilot.pause()
        await pilot.pause()
        assert "theirs" in bottom_edge(stream)  # at the end, the newest note in place of it
        # Scrolled back again, nothing new: nothing said.
        await pilot.press("pageup")
        await pilot.pause()
        assert not bottom_edge(stream).startswith("\u2193")


async def test_the_new_notes_marker_names_the_key_in_force(tmp_path, store, session_id, clock):
    from tui.app import FieldnoteApp
    from tui.services.keymap import layer_keymaps

    mine = tmp_path / "mine.toml"
    mine.write_text('"interview.scroll_down" = "f6"\n', encoding="utf-8")
    seed(store, session_id, clock, 60)
    clock.advance(100)
    app = FieldnoteApp(
        store, author="Maya", now=clock, session_id=session_id, keymap=layer_keymaps([mine])
    )
    async with app.run_test(size=(40, 24)) as pilot:
        await pilot.pause()
        stream = app.screen.query_one(NoteStream)
        await pilot.press("pageup", *"mine", "enter")
        await pilot.pause()
        assert bottom_edge(stream) == "\u2193 1 new note \u00b7 f6"
        await pilot.press("f6", "f6", "f6")
        await pilot.pause()
        assert bottom_edge(stream).endswith("mine")
