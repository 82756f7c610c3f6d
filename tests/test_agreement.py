"""Inter-coder agreement on a hand-built coding set, with every figure worked out by hand here.

Ten notes, two coders (ana, bo), three codes:
  pain   ana on notes 0 1 2 3, bo on 0 1 2 4
  sso    ana on notes 5 6, bo never (a code one coder never used)
  price  a span each on note 7: ana chars 0-10, bo chars 5-15
A third coder (cy) codes pain on notes 0 and 1 for the three-coder figures.
"""

from __future__ import annotations

import pytest

from tui.domain.codings import with_coding
from tui.domain.notes import Note
from tui.domain.ratings import with_rating
from tui.services.session_setup import create_session
from tui.services.team.agreement import compute, load, resolve
from tui.store import StoreError

NOTES = 10
TEXT = "We waited two weeks for the invite to arrive"


def coded(doc: dict, *pairs: tuple[str, str]) -> dict:
    for tag, coder in pairs:
        doc.update(with_coding(doc, tag, coder, "2026-11-27T10:00:00.000Z"))
    return doc


def typed(session_id: str, texts: list[str], author: str = "ana") -> list[dict]:
    """Notes `note0`, `note1`... with these words, as `author` typed them (their `#tags` their
    codings)."""
    return [
        Note.from_typed(
            text,
            session_id=session_id,
            author=author,
            started_at="t",
            elapsed=i,
            question_id=None,
            note_id=f"note{i}",
        ).to_doc()
        for i, text in enumerate(texts)
    ]


def build(store, *, third: bool = False) -> str:
    session_id = create_session(store, title="Agreement", participant="P1", study="Team")
    session_file = store.open_session(session_id)
    notes = typed(session_id, [f"{TEXT} {i}" for i in range(NOTES)])
    for i in (0, 1, 2, 3):
        coded(notes[i], ("pain", "ana"))
    for i in (0, 1, 2, 4):
        coded(notes[i], ("pain", "bo"))
    for i in (5, 6):
        coded(notes[i], ("sso", "ana"))
    if third:
        for i in (0, 1):
            coded(notes[i], ("pain", "cy"))
    session_file.append_notes(notes)
    for coder, start, end in (("ana", 0, 10), ("bo", 5, 15)):
        span = {"id": f"span-{coder}", "note_id": "note7", "start": start, "end": end}
        session_file.add_excerpt(coded({**span, "tags": [], "severity": None}, ("price", coder)))
    session_file.close()
    return session_id


def figures(result, key):
    return next(code for code in result.codes if code.key == key)


def test_two_coders_per_code_and_for_the_study(store):
    result = compute(load(store, [build(store)]))
    assert result.coders == ["ana", "bo"] and result.units == NOTES and result.problem is None

    pain = figures(result, "pain")
    (pair,) = pain.pairs
    assert (pair.first_units, pair.second_units, pair.both) == (4, 4, 3)
    # both 3, ana only 1, bo only 1, neither 5
    observed = (3 + 5) / 10
    expected = (4 * 4 + 6 * 6) / 100
    assert pair.percent == pytest.approx(80.0)
    assert pair.kappa == pytest.approx((observed - expected) / (1 - expected))  # 0.5833
    # alpha, nominal: 20 values, 8 ones and 12 zeros; notes 3 and 4 each give two ordered
    # disagreeing pairs.
    disagreement = 4 / 20
    by_chance = 2 * 8 * 12 / (20 * 19)
    assert pain.alpha == pytest.approx(1 - disagreement / by_chance)  # 0.6042
    assert pair.overlap == pytest.approx(3 / 5)  # whole notes: 3 both of 5 either, same length

    sso = figures(result, "sso")
    (pair,) = sso.pairs
    assert (pair.first_units, pair.second_units, pair.both) == (2, 0, 0)
    observed = 8 / 10
    expected = (2 * 0 + 8 * 10) / 100
    assert pair.kappa == pytest.approx((observed - expected) / (1 - expected)) == 0.0
    assert sso.alpha == pytest.approx(1 - (4 / 20) / (2 * 2 * 18 / (20 * 19)))  # -0.0556

    price = figures(result, "price")
    (pair,) = price.pairs
    assert pair.kappa == pytest.approx((1.0 - 0.82) / (1 - 0.82)) == pytest.approx(1.0)
    assert price.alpha == pytest.approx(1.0)
    assert pair.overlap == pytest.approx(5 / 15)  # chars 5-10 of 0-15

    # The study pools 3 codes x 10 notes = 30 decisions: ana 7 yes, bo 5, both 4.
    (pair,) = result.study.pairs
    assert (pair.first_units, pair.second_units, pair.both, pair.units) == (7, 5, 4, 30)
    observed = (4 + 22) / 30
    expected = (7 * 5 + 23 * 25) / 900
    assert pair.kappa == pytest.approx((observed - expected) / (1 - expected))  # 0.5862
    assert result.study.alpha == pytest.approx(1 - (8 / 60) / (2 * 12 * 48 / (60 * 59)))

    where = {(d.unit.note["id"], d.key, d.having) for d in result.disagreements}
    assert where == {
        ("note3", "pain", ("ana",)),
        ("note4", "pain", ("bo",)),
        ("note5", "sso", ("ana",)),
        ("note6", "sso", ("ana",)),
    }


def test_three_coders(store):
    result = compute(load(store, [build(store, third=True)]))
    assert result.coders == ["ana", "bo", "cy"]
    pain = figures(result, "pain")
    # Per note (ana, bo, cy): 0 and 1 (1,1,1); 2 (1,1,0); 3 (1,0,0); 4 (0,1,0); 5-9 (0,0,0).
    # With three values a note, each ordered pair of coders counts 1/2: notes 2, 3 and 4
    # each give 1 + 1 of the disagreeing kinds (0,1) and (1,0).
    disagreement = 6 / 30
    by_chance = 2 * 10 * 20 / (30 * 29)  # 10 ones, 20 zeros
    assert pain.alpha == pytest.approx(1 - disagreement / by_chance)  # 0.565
    ana_cy = next(p for p in pain.pairs if (p.first, p.second) == ("ana", "cy"))
    observed, expected = (2 + 6) / 10, (4 * 2 + 6 * 8) / 100
    assert ana_cy.kappa == pytest.approx((observed - expected) / (1 - expected))  # 0.5455
    assert len(pain.pairs) == 3


def test_each_pairs_figures_are_those_of_the_two_compared_alone(store):
    """A third coder moved a pair's figures: the pair's alpha was the alpha of all three, and
    its "all codes" pooled codes only the third used (cy's #trial here)."""
    session_id = build(store, third=True)
    session_file = store.open_session(session_id)
    session_file.change_note("note8", lambda doc: coded(doc, ("trial", "cy")))
    session_file.close()
    coding = load(store, [session_id])
    everyone = compute(coding)
    assert everyone.coders == ["ana", "bo", "cy"]
    for first, second in (("ana", "bo"), ("ana", "cy"), ("bo", "cy")):
        two = compute(coding, [first, second])
        for code in [everyone.study, *everyone.codes]:
            mine = [p for p in code.pairs if (p.first, p.second) == (first, second)]
            alone = [p for c in [two.study, *two.codes] if c.name == code.name for p in c.pairs]
            assert mine == alone, (first, second, code.name)
    trial = figures(everyone, "trial")
    assert [(p.first, p.second) for p in trial.pairs] == [("ana", "cy"), ("bo", "cy")]
    assert trial.alpha is not None  # every coder's, over every note


def test_ratings_agreement_per_pair_and_ordinal_alpha(store):
    session_id = build(store)
    session_file = store.open_session(session_id)
    at = "2026-11-27T11:00:00.000Z"
    for note, rated in {
        "note0": {"ana": 4, "bo": 4},
        "note1": {"ana": 2, "bo": 3},
        "note2": {"ana": 5, "bo": 1},
        "note3": {"ana": 3},  # rated by one coder: nothing to compare
    }.items():
        for coder, value in rated.items():
            session_file.change_note(note, lambda doc, v=value, c=coder: with_rating(doc, v, c, at))
    session_file.change_excerpt("span-ana", lambda doc: with_rating(doc, 2, "ana", at))
    session_file.close()
    ratings = compute(load(store, [session_id])).ratings
    assert ratings.items == 3
    (pair,) = ratings.pairs
    assert (pair.first, pair.second, pair.both) == ("ana", "bo", 3)
    assert pair.same == pytest.approx(100 / 3)
    assert pair.apart == pytest.approx((0 + 1 + 4) / 3)
    # Ordinal: the values 4 4 2 3 5 1 (n1..n5 = 1 1 1 2 1, n = 6); the distance of c and k
    # is (n_c + ... + n_k - (n_c + n_k) / 2) squared: (2, 3) 1, (1, 5) 25. Observed: 2 * 1
    # + 2 * 25 = 52; by chance, every ordered pair of values: 2 * 102 = 204.
    assert ratings.alpha == pytest.approx(1 - (6 - 1) * 52 / 204)  # -0.2745
    # No rating varies: alpha is undefined, not NaN.
    session_file = store.open_session(session_id)
    for note in ("note1", "note2"):
        session_file.change_note(note, lambda doc: with_rating(doc, 4, "bo", at))
        session_file.change_note(note, lambda doc: with_rating(doc, 4, "ana", at))
    session_file.close()
    again = compute(load(store, [session_id])).ratings
    assert again.alpha is None and again.pairs[0].same == pytest.approx(100.0)


def test_one_coder_or_a_coder_without_codings_says_so(store):
    session_id = build(store)
    coding = load(store, [session_id])
    alone = compute(coding, ["ana"])
    assert alone.problem.startswith("Agreement needs two coders") and not alone.codes
    missing = compute(coding, ["ana", "dee"])
    assert "dee has no codings" in missing.problem and not missing.codes
    # A session nobody coded yet: no NaN, a sentence.
    empty = create_session(store, title="Empty")
    assert "no one has coded" in compute(load(store, [empty])).problem


def every_figure(result) -> list:
    """Every pair's and every code's figures, to compare before and after settling."""
    return [result.study, *result.codes]


def test_settling_sets_each_coders_codings_aside_and_the_figures_stay(store):
    # Settling replaced both coders' codings with the resolver's: each coder's own was lost,
    # and kappa climbed to 1.0 as the disagreements were settled, a figure of the team's
    # consensus reported as inter-coder reliability.
    session_id = build(store)
    before = compute(load(store, [session_id]))
    assert len(before.disagreements) == 4 and before.settled == []
    by_note = {d.unit.note["id"]: d for d in before.between("ana", "bo") if d.key == "pain"}
    with pytest.raises(StoreError, match="ana is one of the two coders compared"):
        resolve(store, by_note["note3"], "ana", "bo", "second", "ana", "2026-11-28T09:00:00.000Z")
    resolve(store, by_note["note3"], "ana", "bo", "second", "lead", "2026-11-28T09:00:00.000Z")
    resolve(store, by_note["note4"], "ana", "bo", "first", "lead", "2026-11-28T09:01:00.000Z")
    sso = next(d for d in before.between("ana", "bo") if d.unit.note["id"] == "note5")
    resolve(store, sso, "ana", "bo", "both", "lead", "2026-11-28T09:02:00.000Z")

    notes = {n["id"]: n for n in store.open_session(session_id).read().notes}
    # In force: the resolver's settlement, or nothing (Bo's "no pain" kept on note 3).
    assert notes["note3"]["tags"] == [] and notes["note3"]["codings"] == []
    assert notes["note4"]["codings"] == []
    assert notes["note5"]["tags"] == ["sso"]
    assert notes["note5"]["codings"] == [
        {"tag": "sso", "coder": "lead", "at": "2026-11-28T09:02:00.000Z", "settlement": True}
    ]
    # Set aside, in the file: each coder's coding as they made it, who settled it and when.
    assert notes["note3"]["set_aside"] == [
        {
            "tag": "pain",
            "coder": "ana",
            "at": "2026-11-27T10:00:00.000Z",
            "settled": {"by": "lead", "at": "2026-11-28T09:00:00.000Z"},
        }
    ]
    assert [(c["coder"], c["settled"]["by"]) for c in notes["note4"]["set_aside"]] == [
        ("bo", "lead")
    ]

    after = compute(load(store, [session_id]))
    assert after.coders == ["ana", "bo"]  # lead only settled: no coder
    assert every_figure(after) == every_figure(before)
    assert {d.unit.note["id"] for d in after.disagreements} == {"note6"}
    assert {(d.unit.note["id"], d.settled_by) for d in after.settled} == {
        ("note3", ("lead",)),
        ("note4", ("lead",)),
        ("note5", ("lead",)),
    }
    assert after.settled_line() == (
        "3 disagreements settled by lead; figures are of each coder's own codings, as they "
        "made them."
    )
    # Compared by name, the resolver has no codings of their own to compare.
    assert "lead has no codings" in compute(load(store, [session_id]), ["ana", "lead"]).problem


def test_settling_one_pair_leaves_the_other_pairs_figures(store):
    # Settling ana and bo's disagreement on note 4 removed bo's coding there, where bo and cy
    # agreed: the pair bo/cy's figures moved though no one settled anything between them.
    session_id = build(store, third=True)
    session_file = store.open_session(session_id)
    session_file.change_note("note4", lambda doc: coded(doc, ("pain", "cy")))
    session_file.close()
    before = compute(load(store, [session_id]))
    pairs = {
        pair: every_figure(compute(load(store, [session_id]), list(pair)))
        for pair in (("ana", "bo"), ("ana", "cy"), ("bo", "cy"))
    }
    ana_bo = compute(load(store, [session_id]), ["ana", "bo"])
    on_note4 = next(d for d in ana_bo.disagreements if d.unit.note["id"] == "note4")
    resolve(store, on_note4, "ana", "bo", "first", "lead", "2026-11-28T09:00:00.000Z")

    after = compute(load(store, [session_id]))
    assert after.coders == ["ana", "bo", "cy"]
    assert every_figure(after) == every_figure(before)
    for pair, figures_before in pairs.items():
        assert every_figure(compute(load(store, [session_id]), list(pair))) == figures_before
    # Settled for ana and bo, and so for ana and cy: the settlement is the team's word on
    # pain there (ana's "no pain" kept), so cy's coding is set aside with bo's.
    again = compute(load(store, [session_id]), ["ana", "bo"])
    assert "note4" not in {d.unit.note["id"] for d in again.disagreements}
    assert [d.unit.note["id"] for d in again.settled] == ["note4"]
    ana_cy = compute(load(store, [session_id]), ["ana", "cy"])
    assert "note4" not in {d.unit.note["id"] for d in ana_cy.disagreements}
    note4 = next(n for n in store.open_session(session_id).read().notes if n["id"] == "note4")
    assert note4["tags"] == [] and {c["coder"] for c in note4["set_aside"]} == {"bo", "cy"}


def test_keeping_neither_drops_the_tag_though_a_third_coder_used_it(store):
    """With three coders, "keep neither" set aside the pair's codings only: cy's coding kept
    #pain on the note, in every count, though the resolver had chosen to drop it. Undoing the
    settlement puts all three back."""
    from tui.services.team.agreement import unresolve

    session_id = build(store, third=True)
    session_file = store.open_session(session_id)
    session_file.change_note("note3", lambda doc: coded(doc, ("pain", "cy")))
    session_file.close()
    before = {
        pair: every_figure(compute(load(store, [session_id]), list(pair)))
        for pair in (("ana", "bo"), ("ana", "cy"), ("bo", "cy"))
    }
    ana_bo = compute(load(store, [session_id]), ["ana", "bo"])
    on_note3 = next(d for d in ana_bo.disagreements if d.unit.note["id"] == "note3")
    at = "2026-11-28T09:00:00.000Z"
    resolve(store, on_note3, "ana", "bo", "neither", "lead", at)

    note3 = next(n for n in store.open_session(session_id).read().notes if n["id"] == "note3")
    assert note3["tags"] == [] and note3["codings"] == []
    assert {c["coder"]: c["settled"]["by"] for c in note3["set_aside"]} == {
        "ana": "lead",
        "cy": "lead",
    }
    for pair, figures_before in before.items():
        result = compute(load(store, [session_id]), list(pair))
        assert every_figure(result) == figures_before
        assert "note3" not in {d.unit.note["id"] for d in result.disagreements}

    unresolve(store, on_note3, "lead", at)
    note3 = next(n for n in store.open_session(session_id).read().notes if n["id"] == "note3")
    assert sorted(c["coder"] for c in note3["codings"]) == ["ana", "cy"]
    assert note3.get("set_aside", []) == []


def test_a_span_whose_codings_are_all_set_aside_stays_in_the_file_untagged(store):
    session_id = build(store)
    session_file = store.open_session(session_id)
    span = {"id": "span-late", "note_id": "note8", "start": 0, "end": 9}
    session_file.add_excerpt(coded({**span, "tags": [], "severity": None}, ("late", "ana")))
    session_file.close()
    result = compute(load(store, [session_id]))
    late = next(d for d in result.disagreements if d.key == "late")
    resolve(store, late, "ana", "bo", "neither", "lead", "2026-11-28T09:00:00.000Z")
    spans = {s["id"]: s for s in store.open_session(session_id).read().excerpts}
    assert spans["span-late"]["tags"] == [] and spans["span-late"]["codings"] == []
    assert spans["span-late"]["set_aside"][0]["coder"] == "ana"
    after = compute(load(store, [session_id]))
    (pair,) = figures(after, "late").pairs
    assert (pair.first_units, pair.second_units, pair.overlap) == (1, 0, 0.0)
    assert [d.key for d in after.settled] == ["late"]
    assert after.settled[0].unit.coded_where("ana", "late") == ["\u201cWe waited\u201d"]
    # Deleting another tag sweeps away spans left with nothing, not this one.
    from tui.services.tag_ops import delete_tag

    store.codebook.ensure(["price"], "2026-11-28T09:00:00.000Z")
    delete_tag(store, "price")
    spans = {s["id"]: s for s in store.open_session(session_id).read().excerpts}
    assert set(spans) == {"span-late"}


def test_codings_of_an_attached_transcripts_cues_are_compared(store):
    # A cue of the attached transcript is coded like a note (a span of it, `note_id` the cue's
    # id): the codebook, the analysis and the export count it, so agreement must too.
    from tui.domain.recording import Recording, RecordingCue

    session_id = build(store)
    cues = (
        RecordingCue("cue1", 0.0, 5.0, "P1", "Honestly we gave up on the invite"),
        RecordingCue("cue2", 5.0, 9.0, "P1", "The export never worked for us"),
    )
    session_file = store.open_session(session_id)
    session_file.attach_recording(Recording("x.vtt", None, "t", cues).to_doc(), 0)
    for coder, cue, tag in (("ana", "cue1", "pain"), ("bo", "cue1", "pain"), ("bo", "cue2", "sso")):
        span = {"id": f"{cue}-{coder}", "note_id": cue, "start": 0, "end": 8}
        session_file.add_excerpt(coded({**span, "tags": [], "severity": None}, (tag, coder)))
    session_file.close()

    result = compute(load(store, [session_id]))
    assert result.units == NOTES + 2  # the population holds the cues
    (pain,) = figures(result, "pain").pairs
    assert (pain.first_units, pain.second_units, pain.both) == (5, 5, 4)
    (sso,) = figures(result, "sso").pairs
    assert (sso.first_units, sso.second_units, sso.both) == (2, 1, 0)
    (on_cue,) = [d for d in result.between("ana", "bo") if d.unit.note["id"] == "cue2"]
    assert on_cue.key == "sso" and on_cue.unit.text == "The export never worked for us"
    # Settling it there changes the cue's spans (a cue is no note of the session).
    resolve(store, on_cue, "ana", "bo", "second", "lead", "2026-11-28T09:00:00.000Z")
    spans = {s["id"]: s for s in store.open_session(session_id).read().excerpts}
    assert [(c["tag"], c["coder"]) for c in spans["cue2-bo"]["codings"]] == [("sso", "lead")]
    assert [(c["tag"], c["coder"]) for c in spans["cue2-bo"]["set_aside"]] == [("sso", "bo")]
    again = compute(load(store, [session_id]))
    assert not [d for d in again.between("ana", "bo") if d.unit.note["id"] == "cue2"]


def test_a_span_on_a_note_whose_id_a_cue_has_too_is_compared_once_as_the_notes(store):
    # A span names a note, or failing one a cue of the same id (the analysis, the codebook and
    # the study index take it as the note's). Agreement gave the cue the note's spans too, so
    # note7's price disagreement was counted twice, and the population had a unit too many.
    from tui.domain.recording import Recording, RecordingCue

    session_id = build(store)
    cues = (RecordingCue("note7", 0.0, 5.0, "P1", "Honestly we gave up on the invite"),)
    session_file = store.open_session(session_id)
    session_file.attach_recording(Recording("x.vtt", None, "t", cues).to_doc(), 0)
    session_file.close()

    result = compute(load(store, [session_id]))
    (price,) = figures(result, "price").pairs
    assert (price.first_units, price.second_units, price.both) == (1, 1, 1)
    assert result.units == NOTES


def test_a_coder_who_only_rated_is_compared_on_ratings(store):
    # Dee tagged nothing but rated two notes Ana rated too: "Dee has no codings, nothing
    # to compare" hid the ratings' agreement.
    session_id = build(store)
    session_file = store.open_session(session_id)
    at = "2026-11-27T11:00:00.000Z"
    for note, rated in {"note0": {"ana": 4, "dee": 4}, "note1": {"ana": 2, "dee": 3}}.items():
        for coder, value in rated.items():
            session_file.change_note(note, lambda doc, v=value, c=coder: with_rating(doc, v, c, at))
    session_file.close()
    coding = load(store, [session_id])
    assert "dee" in coding.coders
    result = compute(coding, ["ana", "dee"])
    assert result.problem is None
    (pair,) = result.ratings.pairs
    assert (pair.first, pair.second, pair.both) == ("ana", "dee", 2)


def test_a_file_settled_the_old_way_reads_as_before(store):
    # Before codings were set aside, settling left one plain coding by the resolver: such a
    # file reads unchanged, the resolver a coder like any other, nothing counted as settled.
    session_id = build(store)
    session_file = store.open_session(session_id)
    old = [{"tag": "pain", "coder": "lead", "at": "2026-11-28T09:00:00.000Z"}]
    session_file.update_note("note3", {"codings": old, "tags": ["pain"]})
    session_file.close()
    note = next(n for n in store.open_session(session_id).read().notes if n["id"] == "note3")
    assert (note["codings"], note["tags"], "set_aside" in note) == (old, ["pain"], False)
    result = compute(load(store, [session_id]))
    assert result.coders == ["ana", "bo", "lead"] and result.settled == []
    assert result.settled_line() is None


def test_renaming_or_deleting_a_tag_takes_its_set_aside_codings_along(store):
    from tui.domain.codings import retagged, without_tag

    session_id = build(store)
    pain = next(
        d for d in compute(load(store, [session_id])).disagreements if d.unit.note["id"] == "note3"
    )
    resolve(store, pain, "ana", "bo", "first", "lead", "2026-11-28T09:00:00.000Z")
    note = next(n for n in store.open_session(session_id).read().notes if n["id"] == "note3")
    renamed = retagged(note, {"pain": "Pain point"})
    assert [c["tag"] for c in renamed["set_aside"]] == ["Pain point"]
    assert renamed["codings"][0]["settlement"] is True
    assert without_tag(note, "pain") == {"codings": [], "tags": [], "set_aside": []}


def test_the_pair_order_is_by_name_and_stays_when_a_settlement_moves_codings(store):
    """Coders were in the order first seen, and settling moves a coding to `set_aside`, read
    after the codings in force: settling Cy's #grey-area on a note Cy and Bo both coded
    turned A: Cy, B: Bo into A: Bo, B: Cy, so `a` (keep A's) kept the other coder's than it had
    a moment before. The coders are in order of their names."""
    from tui.services.team.agreement_model import AgreementModel

    session_id = create_session(store, title="Order", participant="P1", study="Team")
    session_file = store.open_session(session_id)
    notes = typed(session_id, [f"{TEXT} {i}" for i in range(3)])
    coded(notes[0], ("grey-area", "Cy"), ("pain", "Bo"))
    coded(notes[1], ("pain", "Bo"), ("pain", "Cy"))
    session_file.append_notes(notes)
    session_file.close()
    model = AgreementModel(store, [session_id], "lead")
    model.read()
    assert model.pair == ("Bo", "Cy")  # by name, though Cy coded first
    grey = next(d for d in model.disagreements if d.key == "grey-area")
    model.settle(grey, "second", "2026-11-28T09:00:00.000Z")  # keep Cy's
    assert model.pair == ("Bo", "Cy")
    again = AgreementModel(store, [session_id], "lead")  # Esc, then i: the screen anew
    again.read()
    assert again.pair == ("Bo", "Cy")
    assert compute(load(store, [session_id])).coders == ["Bo", "Cy"]  # `fieldnote agree`


def test_undoing_a_settlement_puts_each_coders_codings_back_as_they_were(store):
    """A settlement made with the wrong key could not be taken back: the coders' codings stayed
    set aside and the resolver's in force. `unresolve` restores the note and its spans."""
    from tui.services.team.agreement import unresolve

    session_id = build(store)
    session_file = store.open_session(session_id)
    span = {"id": "span-bo-8", "note_id": "note8", "start": 0, "end": 9, "tags": []}
    session_file.add_excerpt(coded({**span, "severity": None}, ("price", "bo")))
    session_file.close()

    def state():
        session = store.open_session(session_id).read()
        docs = {d["id"]: d for d in [*session.notes, *session.excerpts]}
        return {
            k: (d.get("codings"), d.get("tags"), d.get("set_aside") or []) for k, d in docs.items()
        }

    before = state()
    found = compute(load(store, [session_id])).between("ana", "bo")
    for keep, item in zip(("first", "neither", "both"), found, strict=False):
        at = f"2026-11-28T09:0{len(keep)}:00.000Z"
        resolve(store, item, "ana", "bo", keep, "lead", at)
        assert state() != before
        unresolve(store, item, "lead", at)
        assert state() == before, item.name
    price = next(d for d in found if d.key == "price")  # Bo's span alone
    resolve(store, price, "ana", "bo", "second", "lead", "2026-11-28T10:00:00.000Z")
    unresolve(store, price, "lead", "2026-11-28T10:00:00.000Z")
    assert state() == before
    assert len(compute(load(store, [session_id])).between("ana", "bo")) == len(found)


@pytest.mark.parametrize("keep", ["first", "neither"])
def test_undoing_a_settlement_puts_the_codings_back_in_their_order(store, keep):
    """The codings a settlement set aside came back after the note's other codings: a note
    coded #pain then #sso read `#sso #pain` after settle and `u`, on the tagging screen's row
    and in every export, and its codings were listed in another order. They go back where
    they stood; a coding made since stays after them."""
    from tui.services.team.agreement_model import AgreementModel

    session_id = build(store)
    session_file = store.open_session(session_id)
    # note3: ana's #pain (bo has none), then both coders' #sso; a span of it coded the same.
    session_file.change_note("note3", lambda doc: coded(doc, ("sso", "ana"), ("sso", "bo")))
    span = {"id": "span-3", "note_id": "note3", "start": 0, "end": 9, "tags": [], "severity": None}
    session_file.add_excerpt(coded(span, ("pain", "ana"), ("sso", "ana"), ("sso", "bo")))
    session_file.close()

    def state():
        session = store.open_session(session_id).read()
        return {
            d["id"]: (d["codings"], d["tags"], d.get("set_aside") or [])
            for d in [*session.notes, *session.excerpts]
            if d["id"] in ("note3", "span-3")
        }

    before = state()
    assert before["note3"][1] == before["span-3"][1] == ["pain", "sso"]
    model = AgreementModel(store, [session_id], "lead")
    model.read()
    model.cursor = next(
        i for i, d in enumerate(model.disagreements) if d.unit.note["id"] == "note3"
    )
    model.settle(model.current, keep, "2026-11-28T09:00:00.000Z")
    assert state() != before
    model.undo()
    assert state() == before

    # Bo codes the note again meanwhile: the codings go back where they stood, Bo's after.
    model.cursor = next(
        i for i, d in enumerate(model.disagreements) if d.unit.note["id"] == "note3"
    )
    model.settle(model.current, keep, "2026-11-28T09:01:00.000Z")
    session_file = store.open_session(session_id)
    session_file.change_note("note3", lambda doc: coded(doc, ("price", "bo")))
    session_file.close()
    model.undo()
    codings, tags, aside = state()["note3"]
    assert [(c["tag"], c["coder"]) for c in codings] == [
        ("pain", "ana"),
        ("sso", "ana"),
        ("sso", "bo"),
        ("price", "bo"),
    ]
    assert tags == ["pain", "sso", "price"] and aside == []


def test_the_screen_opens_on_the_coders_of_the_pass_not_the_note_taker(store):
    """The agreement screen opened on the first pair by name: with a note-taker named Aaron,
    who typed `#pain` into his notes as he took them, it compared him with Yan, every note he
    did not tag a disagreement, and the coders of the pass came last."""
    from tui.services.team.agreement_model import AgreementModel

    session_id = create_session(store, title="Live", participant="P1", study="Team")
    session_file = store.open_session(session_id)
    notes = typed(session_id, [f"{TEXT} 0 #pain", f"{TEXT} 1", f"{TEXT} 2"], author="Aaron")
    coded(notes[0], ("pain", "Yan"), ("pain", "Zoe"))
    coded(notes[1], ("pain", "Zoe"))
    session_file.append_notes(notes)
    session_file.close()
    coding = load(store, [session_id])
    assert coding.typists == ["Aaron"]
    model = AgreementModel(store, [session_id], "lead")
    model.read()
    assert model.pair == ("Yan", "Zoe")
    assert model.pairs()[1:] == [("Aaron", "Yan"), ("Aaron", "Zoe")]  # still one key away
    assert compute(coding).coders == ["Yan", "Zoe"]
    assert compute(coding).typists == ["Aaron"]
