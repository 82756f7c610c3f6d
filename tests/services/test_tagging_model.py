"""The tagging model without Textual: reading, replay, filters, tags, spans, scopes, quotes."""

from __future__ import annotations

import threading

import pytest

from tests.test_tagging import NOTES, add_notes
from tui.services.tagging import TaggingModel
from tui.store import DataStore, SessionFile


@pytest.fixture
def seeded(store, clock, session_id):
    ids = add_notes(store, session_id, clock)
    store.codebook.ensure(["pain/onboarding", "need/export"], "2026-01-01T00:00:00Z")
    return ids


def loaded(writes, session_id, **kwargs) -> TaggingModel:
    model = TaggingModel(writes, origin=session_id, **kwargs)
    assert model.take(model.read(model.begin_read(with_index=True))) is True
    return model


def stored(store, session_id):
    snap = store.open_session(session_id).read()
    return {n["id"]: n for n in snap.notes}, snap.excerpts


def test_a_read_lists_every_note_but_asked_marks(writes, store, session_id, seeded):
    model = TaggingModel(writes, origin=session_id)
    assert model.reading_note == "Loading 1 session\u2026"
    model = loaded(writes, session_id)
    assert [e.text for e in model.shown] == NOTES
    assert (model.coded_count, model.note_count) == (1, 6)
    assert model.reading_note is None
    assert model.titles[session_id] == "Onboarding study - P7"


def test_a_tag_shows_at_once_and_lands_on_disk(writes, store, clock, session_id, seeded):
    model = loaded(writes, session_id)
    first = model.at(0)
    outcome = model.apply_tag(first, "need/export", clock())
    assert outcome.notice is None and first.tags == ["need/export"]
    assert model.coded_count == 2 and model.last_tag == "need/export"
    assert model.recent()[0] == "need/export"
    assert model.apply_tag(first, "need/export", clock()).notice == "Already tagged #need/export."
    assert writes.flush(timeout=10)
    notes, _ = stored(store, session_id)
    assert notes[seeded[0]]["tags"] == ["need/export"]
    assert store.codebook.get("need/export")["uses"] == 1


def test_a_new_tag_with_a_space_is_refused(writes, clock, session_id, seeded):
    model = loaded(writes, session_id)
    outcome = model.apply_tag(model.at(0), "new name", clock(), create=True)
    assert outcome.severity == "error" and "space" in outcome.notice.lower()
    assert model.at(0).tags == []


def test_a_span_becomes_an_excerpt_under_its_note_and_goes_when_untagged(
    writes, store, clock, session_id, seeded
):
    model = loaded(writes, session_id)
    changes = []
    model.on_change = lambda: changes.append(model.span)
    note = model.current
    model.toggle_span()
    assert model.span == (0, 4) and changes == [(0, 4)]  # "They"; the screen was told
    model.span_end_word(1)
    assert model.span == (0, 9)
    outcome = model.apply_tag(note, "pain/onboarding", clock())
    assert outcome.relist and outcome.row.text == "They gave"
    assert model.span is None
    assert model.cursor == 1 and model.current is outcome.row  # right under its note
    assert note.coded and model.coded_count == 2
    # From a span row, span mode starts from that span, on the note's row.
    model.toggle_span()
    assert model.cursor == 0 and model.span == (0, 9)
    model.end_span()
    gone = model.remove_tag(outcome.row, "pain/onboarding")
    assert gone.row is note and gone.relist and model.current is note
    assert [e.text for e in model.shown] == NOTES and model.coded_count == 1
    assert writes.flush(timeout=10)
    assert stored(store, session_id)[1] == []


def test_an_empty_span_is_not_tagged(writes, clock, session_id, seeded):
    model = loaded(writes, session_id)
    note = model.at(0)
    model.toggle_span()
    model.set_span(3, 3)
    assert model.apply_tag(note, "need/export", clock()).severity == "warning"


def test_severity_steps_within_one_to_five(writes, store, session_id, seeded, clock):
    model = loaded(writes, session_id)
    note = model.at(2)
    for _ in range(7):
        model.step_severity(note, 1, clock())
    assert note.severity == 5
    model.step_severity(note, -5, clock())
    assert note.severity is None
    model.step_severity(note, 1, clock())
    assert writes.flush(timeout=10)
    assert stored(store, session_id)[0][seeded[2]]["severity"] == 1


def test_filters_and_next_untagged(writes, clock, session_id, seeded):
    model = loaded(writes, session_id)
    assert model.next_untagged() == 2  # row 1 is tagged inline
    model.move_to(2)
    model.set_filter(text=" PRICING ")
    assert [e.text for e in model.shown] == [NOTES[1], NOTES[2]]
    assert model.current.text == NOTES[2]  # the cursor stays on its excerpt
    model.clear_filters()
    model.set_filter(untagged=True)
    assert NOTES[1] not in [e.text for e in model.shown] and len(model.shown) == 5
    model.clear_filters()
    model.set_filter(tag="Pain/Pricing")
    assert [e.text for e in model.shown] == [NOTES[1]] and model.filter_tag == "pain/pricing"
    model.move_to(7)
    assert model.cursor == 0  # kept within the list


def test_changes_not_on_disk_yet_are_replayed_over_a_read(
    writes, store, clock, session_id, seeded, monkeypatch
):
    """A read made while a change is still queued (the writer held back) shows it anyway."""
    release, writing = threading.Event(), threading.Event()
    change_note = SessionFile.change_note

    def held(self, *args, **kwargs):
        writing.set()
        assert release.wait(10)
        return change_note(self, *args, **kwargs)

    monkeypatch.setattr(SessionFile, "change_note", held)
    model = loaded(writes, session_id)
    model.apply_tag(model.at(3), "need/export", clock())
    assert writing.wait(10)
    fresh = model.read(model.begin_read(full=True))
    assert fresh.rows[session_id].excerpts[3].tags == []  # not on disk yet
    assert model.take(fresh) is True
    assert model.at(3).tags == ["need/export"]
    release.set()
    assert writes.flush(timeout=10)
    assert stored(store, session_id)[0][seeded[3]]["tags"] == ["need/export"]
    # A read superseded by a newer one is ignored.
    old = model.read(model.begin_read())
    model.begin_read()
    assert model.take(old) is None


def test_another_process_write_is_seen_and_read(writes, store, clock, session_id, seeded):
    model = loaded(writes, session_id)
    assert not model.remote_changed()
    other = DataStore(store.home).open_session(session_id)  # a second writer
    other.update_note(seeded[4], {"tags": ["need/export"]})
    assert model.remote_changed()
    assert model.take(model.read(model.begin_read())) is True
    assert model.at(4).tags == ["need/export"]
    assert not model.remote_changed()


def test_scopes_cycle_and_a_study_lists_its_sessions(writes, store, clock, session_id, seeded):
    model = TaggingModel(writes, origin=session_id)
    assert [model.scope] + [model.cycle_scope() and model.scope for _ in range(3)] == [
        "session",
        "study",
        "all",
        "session",
    ]
    assert model.scope_changed
    assert TaggingModel(writes).cycle_scope() is False


def test_the_quote_is_the_span_with_the_recording_time(writes, store, clock, session_id, seeded):
    model = loaded(writes, session_id)
    model.move_to(2)
    note = model.current  # "Straße café 😀 unclear on the pricing tiers", 2 minutes in
    # A paraphrase: the note-taker's words, labelled as theirs (tui/domain/quotes.py).
    label = "(note by Maya, interview with P7 (ops lead), 02:00)"
    assert model.quote(note) == f"{NOTES[2]} {label}"
    model.toggle_span()
    model.set_span(7, 13)
    assert model.quote(note) == f"café 😀 {label}"


def test_ones_own_coding_is_added_and_removed_beside_ones_settlement(
    writes, store, clock, session_id, seeded
):
    """Lead settled #pain/onboarding on a note (keeping Ana's) and codes it as a coder of
    their own: `t` said "Already tagged" (the settlement counted as theirs), and `d` took
    the settlement and their own coding off together. Now `t` adds their own coding beside
    the settlement and `d` takes only that off, each saying so; blind, lead sees their own
    coding come and go, never the settlement (the team's word, no one's coding)."""
    from tui.domain.codings import coding, fields, settled

    at = "2026-11-27T10:00:00.000Z"

    def settle(doc):
        doc = {**doc, **fields([coding("pain/onboarding", "Ana", at)])}
        return settled(doc, "pain/onboarding", {"Ana", "Bo"}, {"Ana"}, "lead", at)

    session_file = store.open_session(session_id)
    session_file.change_note(seeded[1], settle)
    session_file.close()

    def codings():
        notes, _ = stored(store, session_id)
        return [(c["coder"], bool(c.get("settlement"))) for c in notes[seeded[1]]["codings"]]

    for blind in (False, True):
        model = loaded(writes, session_id, coder="lead", blind=blind)
        note = next(e for e in model.shown if e.doc["id"] == seeded[1])
        assert model.tags_of(note) == ([] if blind else ["pain/onboarding"])
        added = model.apply_tag(note, "pain/onboarding", clock())
        assert added.notice == (
            "Tagged #pain/onboarding as your own coding; your settlement of it here stays."
        )
        assert model.tags_of(note) == ["pain/onboarding"]
        assert model.apply_tag(note, "pain/onboarding", clock()).notice == (
            "Already tagged #pain/onboarding."
        )
        assert writes.flush(timeout=10)
        assert codings() == [("lead", True), ("lead", False)]
        removed = model.remove_tag(note, "pain/onboarding")
        assert removed.notice == (
            "Removed your own coding of #pain/onboarding; your settlement of it here stays."
        )
        assert model.tags_of(note) == ([] if blind else ["pain/onboarding"])
        assert writes.flush(timeout=10)
        assert codings() == [("lead", True)]

    # Someone else's settlement is theirs to take off, and said to be a settlement.
    model = loaded(writes, session_id, coder="Bo")
    note = next(e for e in model.shown if e.doc["id"] == seeded[1])
    refused = model.remove_tag(note, "pain/onboarding")
    assert refused.notice == (
        "#pain/onboarding here is lead's settlement, not your coding (Bo); only they can remove it."
    )
