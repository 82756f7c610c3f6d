"""Ratings: each coder's severity of a note or span is kept, blind coders see their own, and
every reader counts one value (tui/domain/ratings.py)."""

from __future__ import annotations

import pytest

from tests.services.test_tagging_model import loaded, stored
from tests.test_tagging import add_notes
from tui.domain.analysis import rated_span
from tui.domain.ratings import (
    counted,
    rating_by,
    ratings_of,
    severities_of,
    severity_of,
    with_rating,
)
from tui.domain.tags import edit_changes
from tui.services.sync.merge import merge_document
from tui.services.tag_writes import TagWrites

AT, LATER = "2026-11-27T10:00:00.000Z", "2026-11-28T10:00:00.000Z"


@pytest.fixture
def seeded(store, clock, session_id):
    return add_notes(store, session_id, clock)


def test_the_counted_severity_is_the_median_and_the_lower_middle_when_even():
    def of(*values):
        return counted({"severity": v} for v in values)

    assert of() is None
    assert of(4) == 4
    assert of(2, 5) == 2  # one coder's higher rating alone does not raise it
    assert of(5, 4, 1) == 4
    assert of(1, 3, 4, 5) == 3


def test_a_file_from_before_ratings_reads_its_severity_as_unknowns_rating():
    old = {"tags": ["pain"], "severity": 3}
    assert ratings_of(old) == [{"severity": 3, "coder": "unknown", "at": None}]
    assert severity_of(old) == 3
    # A coder who saw it and stepped from it takes it over; blind, it stays beside theirs.
    assert with_rating(old, 4, "Ana", AT, over_unknown=True) == {
        "ratings": [{"severity": 4, "coder": "Ana", "at": AT}],
        "severity": 4,
    }
    kept = with_rating(old, 1, "Bo", AT)
    assert [r["coder"] for r in kept["ratings"]] == ["unknown", "Bo"] and kept["severity"] == 1
    # A severity an older Fieldnote set over the ratings is unknown's rating, not dropped.
    drifted = {"ratings": [{"severity": 2, "coder": "Ana", "at": AT}], "severity": 5}
    assert sorted((r["coder"], r["severity"]) for r in ratings_of(drifted)) == [
        ("Ana", 2),
        ("unknown", 5),
    ]


def test_one_coders_rating_never_replaces_anothers():
    doc: dict = {"tags": ["pain"]}
    doc.update(edit_changes(doc, {"rate": 2, "coder": "Ana", "at": AT}))
    doc.update(edit_changes(doc, {"rate": 5, "coder": "Bo", "at": LATER}))
    doc.update(edit_changes(doc, {"rate": 3, "coder": "Ana", "at": LATER}))
    assert doc["ratings"] == [
        {"severity": 5, "coder": "Bo", "at": LATER},
        {"severity": 3, "coder": "Ana", "at": LATER},
    ]
    assert doc["severity"] == 3 and rating_by(doc, "Bo") == 5
    doc.update(edit_changes(doc, {"rate": None, "coder": "Bo"}))
    assert doc["ratings"] == [{"severity": 3, "coder": "Ana", "at": LATER}]
    assert edit_changes(doc, {"rate": 3, "coder": "Ana", "at": AT}) == {}


def test_the_severities_of_many_documents_are_each_ones_severity():
    """The analysis reads a study's severities at once: each as `severity_of` reads it, a
    value out of the scale (a bool, a float, a string, 0, 6) as none."""
    two = [{"severity": 5, "coder": "Ana", "at": AT}, {"severity": 2, "coder": "Bo", "at": AT}]
    docs = [
        {},
        {"severity": None},
        *({"severity": value} for value in (1, 3, 5, 0, 6, True, 3.0, "3", -1)),
        {"ratings": two, "severity": 2},
        {"ratings": two, "severity": 4},  # an older Fieldnote's value over the ratings
        {"ratings": []},
        {"ratings": "damaged", "severity": 3},
    ]
    assert severities_of(docs) == [severity_of(doc) for doc in docs]
    assert severities_of(docs)[:11] == [None, None, 1, 3, 5, None, None, None, None, None, None]


def test_a_span_unrated_itself_counts_with_its_notes_counted_severity():
    note = {"ratings": [{"severity": 4, "coder": "Ana", "at": AT}], "severity": 4}
    note.update(with_rating(note, 1, "Bo", AT))
    assert rated_span({"tags": ["pain"], "severity": None}, note) == 1
    assert rated_span({"ratings": [{"severity": 5, "coder": "Bo", "at": AT}]}, note) == 5


def test_two_coders_rate_one_note_and_both_ratings_are_kept(
    writes, store, clock, session_id, seeded
):
    ana = loaded(writes, session_id, coder="Ana")
    for _ in range(2):
        ana.step_severity(ana.at(0), 1, clock())
    assert writes.flush(timeout=10)

    bo = loaded(writes, session_id, coder="Bo", blind=True)
    note = bo.at(0)
    assert bo.severity_of(note) is None  # blind: Ana's rating is not shown to Bo
    for _ in range(5):
        bo.step_severity(note, 1, clock())
    bo.step_severity(note, -1, clock())
    assert bo.severity_of(note) == 4
    assert writes.flush(timeout=10)

    doc = stored(store, session_id)[0][seeded[0]]
    assert {r["coder"]: r["severity"] for r in doc["ratings"]} == {"Ana": 2, "Bo": 4}
    assert doc["severity"] == 2

    seen = loaded(writes, session_id, coder="Ana")  # not blind: the counted one, and whose
    assert seen.severity_of(seen.at(0)) == 2
    assert seen.rating_marks(seen.at(0).doc) == {"Ana": 2, "Bo": 4}
    ana_blind = loaded(writes, session_id, coder="Ana", blind=True)
    assert ana_blind.severity_of(ana_blind.at(0)) == 2
    assert ana_blind.rating_marks(ana_blind.at(0).doc) == {}


def test_two_open_screens_rating_one_note_keep_both_ratings(store, clock, session_id, seeded):
    # Both read the note unrated; each writer applies its coder's rating to the note as it is
    # on disk by then, so the second write does not put back the list the first one read.
    ana_writes, bo_writes = TagWrites(store), TagWrites(store)
    try:
        ana = loaded(ana_writes, session_id, coder="Ana")
        bo = loaded(bo_writes, session_id, coder="Bo")
        ana.step_severity(ana.at(0), 1, clock())
        bo.step_severity(bo.at(0), 1, clock())
        bo.step_severity(bo.at(0), 1, clock())
        assert ana_writes.flush(timeout=10) and bo_writes.flush(timeout=10)
    finally:
        ana_writes.close()
        bo_writes.close()
    doc = stored(store, session_id)[0][seeded[0]]
    assert {r["coder"]: r["severity"] for r in doc["ratings"]} == {"Ana": 1, "Bo": 2}
    assert doc["severity"] == 1


def test_a_merge_keeps_both_laptops_ratings_and_counts_again():
    base = {"id": "n1", "tags": ["pain"], "severity": 3}  # rated before ratings existed
    ana, bo = dict(base), dict(base)
    ana.update(with_rating(ana, 4, "Ana", AT, over_unknown=True))
    bo.update(with_rating(bo, 1, "Bo", LATER))
    for merged in (merge_document(base, ana, bo), merge_document(base, bo, ana)):
        assert merged["ratings"] == [
            {"severity": 4, "coder": "Ana", "at": AT},
            {"severity": 1, "coder": "Bo", "at": LATER},
        ]
        assert merged["severity"] == 1
        assert "conflicts" not in merged
    # One coder's rating changed on both laptops: the later one stays.
    again_ana, again_bo = dict(ana), dict(ana)
    again_ana.update(with_rating(ana, 2, "Ana", LATER))
    again_bo.update(with_rating(ana, 5, "Ana", "2026-11-29T10:00:00.000Z"))
    merged = merge_document(ana, again_ana, again_bo)
    assert merged["ratings"] == [{"severity": 5, "coder": "Ana", "at": "2026-11-29T10:00:00.000Z"}]


def test_minus_takes_away_a_severity_1_from_before_ratings(
    writes, store, clock, session_id, seeded
):
    # A file from before ratings rated the note 1. `-` cleared it before ratings had coders;
    # then it did nothing at all: there was no rating of the coder's own to step down to 0.
    session_file = store.open_session(session_id)
    session_file.update_note(seeded[0], {"severity": 1})
    session_file.close()
    ana = loaded(writes, session_id, coder="Ana")
    assert ana.severity_of(ana.at(0)) == 1
    ana.step_severity(ana.at(0), -1, clock())
    assert ana.severity_of(ana.at(0)) is None
    assert writes.flush(timeout=10)
    doc = stored(store, session_id)[0][seeded[0]]
    assert doc["ratings"] == [] and doc["severity"] is None
    # Another coder's 1 is theirs: `-` from a coder who has not rated takes nothing away.
    ana.step_severity(ana.at(0), 1, clock())
    bo = loaded(writes, session_id, coder="Bo")
    bo.step_severity(bo.at(0), -1, clock())
    assert bo.severity_of(bo.at(0)) == 1 and rating_by(bo.at(0).doc, "Ana") == 1


def test_a_span_whose_ratings_count_a_severity_stays_when_its_last_tag_goes(
    writes, store, clock, session_id, seeded
):
    # The severity counted is that of the ratings; a span whose `severity` field says none
    # (an older Fieldnote's `-` on a synced file sets only that field, and a JSON import
    # carries fields as they are) still shows Ana's 4 here, in the analysis and the CSV.
    # Removing its last tag read the field alone and dropped the span, Ana's rating with it.
    ana = loaded(writes, session_id, coder="Ana")
    ana.toggle_span()
    ana.set_span(0, 4)
    span = ana.apply_tag(ana.at(0), "pain", clock()).row
    ana.step_severity(span, 4, clock())
    assert writes.flush(timeout=10)
    session_file = store.open_session(session_id)
    (doc,) = session_file.read().excerpts
    session_file.change_excerpt(doc["id"], lambda current: {**current, "severity": None})
    session_file.close()
    ana = loaded(writes, session_id, coder="Ana")
    span = ana.at(1)
    assert span.span is not None and ana.severity_of(span) == 4
    ana.remove_tag(span, "pain")
    assert writes.flush(timeout=10)
    (kept,) = stored(store, session_id)[1]
    assert kept["tags"] == [] and severity_of(kept) == 4
