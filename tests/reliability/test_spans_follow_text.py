"""A span excerpt keeps its words whatever changes its note's text (item 11): a tag renamed,
merged or deleted, or the note edited. Property-based over random texts, spans and renames."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.domain.spans import move_span, text_edits
from tui.domain.tags import retag_edits, retag_text
from tui.services.session_setup import create_session
from tui.services.tag_ops import delete_tag, merge_tags, read_snapshot, rename_tag
from tui.store import DataStore

NOW = "2026-01-01T00:00:00.000Z"
NAMES = ["staff/excuses", "staff/excuse-making", "pain", "pain/setup", "Pain", "x-y"]
WORDS = st.sampled_from(["first,", "then", "he", "claimed", "it", "was", "resting", "é", "#"])
TOKENS = st.one_of(WORDS, st.sampled_from(NAMES).map(lambda name: "#" + name))
TEXTS = st.lists(TOKENS, min_size=1, max_size=14).map(" ".join)
INLINE = re.compile(r"(?<![\w#!/])#(\w[\w/-]*)")


def changed_tokens(text: str, mapping) -> list[tuple[int, int]]:
    return [(start, end) for start, end, _ in retag_edits(text, mapping)]


@settings(max_examples=400, deadline=None)
@given(text=TEXTS, data=st.data())
def test_a_rename_leaves_every_span_reading_the_same(text, data):
    old = data.draw(st.sampled_from(NAMES))
    new = data.draw(st.sampled_from(NAMES))
    mapping = {old.casefold(): new}
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    renamed = retag_text(text, mapping)
    moved = move_span(text, renamed, start, end, retag_edits(text, mapping))
    touches = any(a < end and start < b for a, b in changed_tokens(text, mapping))
    if not touches:
        assert renamed[moved[0] : moved[1]] == text[start:end]
    else:  # the span held the renamed tag itself: it still starts and ends on whole words
        assert 0 <= moved[0] <= moved[1] <= len(renamed)


@settings(max_examples=400, deadline=None)
@given(text=TEXTS, inserted=TEXTS, data=st.data())
def test_an_edit_outside_a_span_leaves_it_reading_the_same(text, inserted, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    at = data.draw(st.one_of(st.integers(0, start), st.integers(end, len(text))))
    cut = data.draw(st.integers(0, 3))
    # Insert (and cut a little) away from the span, as typing before or after it would.
    if at <= start:
        edited = text[:at] + inserted + text[min(at + cut, start) :]
    else:
        edited = text[:at] + inserted + text[at + cut :]
    moved = move_span(text, edited, start, end, text_edits(text, edited))
    assert edited[moved[0] : moved[1]] == text[start:end]


def span_texts(store: DataStore, session_id: str) -> list[str]:
    snap = read_snapshot(store, session_id)
    notes = {n["id"]: n["text"] for n in snap.notes}
    return [notes[e["note_id"]][e["start"] : e["end"]] for e in snap.excerpts]


def session_with_span(tmp_path, text: str, words: str) -> tuple[DataStore, str, str]:
    store = DataStore(tmp_path)
    session_id = create_session(store, title="P7")
    session = store.open_session(session_id)
    tags = [m.group(1) for m in INLINE.finditer(text)]
    store.codebook.ensure([*tags, "claims", "other"], NOW)
    session.append_note({"id": "n1", "text": text, "tags": tags})
    start = text.index(words)
    session.add_excerpt(
        {"id": "e1", "note_id": "n1", "start": start, "end": start + len(words), "tags": ["claims"]}
    )
    session.close()
    return store, session_id, words


def test_the_reported_rename(tmp_path):
    text = "#staff/excuses first, then he claimed it was resting"
    store, session_id, words = session_with_span(tmp_path, text, "resting")
    rename_tag(store, "staff/excuses", "staff/excuse-making", NOW)
    assert span_texts(store, session_id) == ["resting"]
    assert store.open_session(session_id).read().notes[0]["text"].startswith("#staff/excuse-making")


FIXTURE_OK = [HealthCheck.function_scoped_fixture]  # each example makes its own folder


@settings(max_examples=25, deadline=None, suppress_health_check=FIXTURE_OK)
@given(text=TEXTS, data=st.data())
def test_rename_merge_and_delete_on_disk_keep_span_texts(tmp_path_factory, text, data):
    words = [m for m in re.finditer(r"\S+", text) if not m.group().startswith("#")]
    if not words or not INLINE.search(text):
        return
    chosen = data.draw(st.sampled_from(words))
    store, session_id, _ = session_with_span(tmp_path_factory.mktemp("s"), text, chosen.group())
    before = span_texts(store, session_id)
    tag = INLINE.search(text).group(1)
    operation = data.draw(st.sampled_from(["rename", "merge", "delete"]))
    if operation == "rename":
        rename_tag(store, tag, tag + "-renamed/more", NOW)
    elif operation == "merge":
        merge_tags(store, tag, "other", NOW)
    else:
        delete_tag(store, tag)
    assert span_texts(store, session_id) == before
    store.codebook.close()


def test_editing_the_note_keeps_its_span(tmp_path):
    store, session_id, _ = session_with_span(tmp_path, "he said it was resting #pain", "resting")
    session = store.open_session(session_id)
    session.change_note("n1", lambda note: {"text": "Earlier, " + note["text"] + " again"})
    assert span_texts(store, session_id) == ["resting"]
    session.update_note("n1", {"text": "so: he said it was resting, twice #pain"})
    assert span_texts(store, session_id) == ["resting"]
