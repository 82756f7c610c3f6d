"""Codings through the codebook's operations: a rename or merge keeps every coder's coding."""

from __future__ import annotations

from tui.domain.codings import retagged, with_coding
from tui.domain.notes import Note
from tui.services.tag_ops import merge_tags, rename_tag, tag_usage

AT, LATER = "2026-11-27T10:00:00.000Z", "2026-11-28T10:00:00.000Z"


def test_a_merge_folds_one_coders_two_codings_into_the_earlier():
    doc = {"tags": []}
    doc.update(with_coding(doc, "pain/onbording", "Ana", LATER))
    doc.update(with_coding(doc, "pain/onboarding", "Ana", AT))
    doc.update(with_coding(doc, "pain/onbording", "Bo", LATER))
    merged = retagged(doc, {"pain/onbording": "pain/onboarding"})
    assert merged["tags"] == ["pain/onboarding"]
    assert merged["codings"] == [
        {"tag": "pain/onboarding", "coder": "Ana", "at": AT},
        {"tag": "pain/onboarding", "coder": "Bo", "at": LATER},
    ]


def test_rename_and_merge_across_files_keep_each_coder(store, session_id):
    note = Note.from_typed(
        "slow #pain/onbording",
        session_id=session_id,
        author="Ana",
        started_at=AT,
        elapsed=0,
        question_id=None,
    ).to_doc()
    note.update(with_coding(note, "pain/onbording", "Bo", LATER))
    note.update(with_coding(note, "sso", "Bo", LATER))
    session_file = store.open_session(session_id)
    session_file.append_note(note)
    session_file.close()
    store.codebook.ensure(["pain/onbording", "sso", "auth"], AT)
    rename_tag(store, "pain/onbording", "pain/onboarding", LATER)
    merge_tags(store, "sso", "auth", LATER)
    (stored,) = [n for n in store.open_session(session_id).read().notes if n["id"] == note["id"]]
    assert stored["text"] == "slow #pain/onboarding"
    assert stored["tags"] == ["pain/onboarding", "auth"]
    assert [(c["tag"], c["coder"]) for c in stored["codings"]] == [
        ("pain/onboarding", "Ana"),
        ("pain/onboarding", "Bo"),
        ("auth", "Bo"),
    ]
    usage = tag_usage(store)
    assert usage["pain/onboarding"].coders == {"Ana": 1, "Bo": 1}
    assert usage["auth"].coders == {"Bo": 1}


def test_two_laptops_settling_and_coding_one_note_merge_keeping_both():
    """A sync merges the codings a settlement set aside as it merges codings: keyed by (tag,
    coder, settlement), what either laptop added stays and what either removed goes, in both
    orders."""
    from tui.domain.codings import settled
    from tui.services.sync.merge import merge_document

    base = {"id": "n1", "tags": []}
    for tag, coder in (("pain", "Ana"), ("price", "Bo")):
        base.update(with_coding(base, tag, coder, AT))
    # One laptop settles Ana and Bo's disagreements on pain (neither) and price (Bo's);
    # the other codes `trust` as Cy meanwhile.
    settling = {**base, **settled(base, "pain", {"Ana", "Bo"}, set(), "team", LATER)}
    settling.update(settled(settling, "price", {"Ana", "Bo"}, {"Bo"}, "team", LATER))
    coding = {**base, **with_coding(base, "trust", "Cy", LATER)}
    for merged in (merge_document(base, settling, coding), merge_document(base, coding, settling)):
        assert [(c["tag"], c["coder"], c.get("settlement")) for c in merged["codings"]] == [
            ("price", "team", True),
            ("trust", "Cy", None),
        ]
        assert merged["tags"] == ["price", "trust"]
        assert sorted((c["tag"], c["coder"]) for c in merged["set_aside"]) == [
            ("pain", "Ana"),
            ("price", "Bo"),
        ]
        assert "conflicts" not in merged
    # Both laptops settle different codes of the note: both sets aside stay.
    other = {**base, **settled(base, "price", {"Ana", "Bo"}, set(), "lead", LATER)}
    only_pain = {**base, **settled(base, "pain", {"Ana", "Bo"}, set(), "team", LATER)}
    merged = merge_document(base, only_pain, other)
    assert merged == merge_document(base, other, only_pain)
    assert merged["codings"] == [] and merged["tags"] == []
    assert [(c["tag"], c["settled"]["by"]) for c in merged["set_aside"]] == [
        ("pain", "team"),
        ("price", "lead"),
    ]


def test_a_settlement_and_its_resolvers_own_coding_merge_as_two_codings():
    """Ana settles Bo and Cy's disagreement on price on one laptop and codes price on the note
    herself on another: keyed by (tag, coder) the merge kept one of the two. A settlement and
    an own coding are two codings; agreement reads her own alone as hers, and the note has the
    tag once. The same settlement made on both laptops stays one, with the earlier time, and
    so does the coding it set aside, marked by that earlier settlement (what undo looks for)."""
    from tui.domain.codings import codings_of, own_codings_of, set_aside_of, settled
    from tui.services.sync.merge import merge_document

    base = {"id": "n1", "tags": []}
    base.update(with_coding(base, "price", "Bo", AT))
    settling = {**base, **settled(base, "price", {"Bo", "Cy"}, {"Bo"}, "Ana", LATER)}
    for own_at in ("2026-11-27T12:00:00.000Z", "2026-11-29T10:00:00.000Z"):
        own = {**base, **with_coding(base, "price", "Ana", own_at)}
        merged = merge_document(base, settling, own)
        assert merged == merge_document(base, own, settling)
        assert sorted(
            (c["coder"], c["at"], c.get("settlement", False)) for c in codings_of(merged)
        ) == sorted([("Ana", LATER, True), ("Ana", own_at, False)])
        assert merged["tags"] == ["price"]
        assert sorted((c["coder"], c["at"]) for c in own_codings_of(merged)) == [
            ("Ana", own_at),
            ("Bo", AT),
        ]

    again = {
        **base,
        **settled(base, "price", {"Bo", "Cy"}, {"Bo"}, "Ana", "2026-11-29T10:00:00.000Z"),
    }
    merged = merge_document(base, settling, again)
    assert merged == merge_document(base, again, settling)
    assert codings_of(merged) == [{"tag": "price", "coder": "Ana", "at": LATER, "settlement": True}]
    assert [c["settled"] for c in set_aside_of(merged)] == [{"by": "Ana", "at": LATER}]


def test_a_rename_keeps_a_settlement_and_its_resolvers_own_coding_apart():
    """A sync can bring a resolver's settlement of a tag and their own coding of it (see
    above); a rename folded the two into one, losing the mark or the own coding again. Who
    holds the tag names the resolver twice, as its coder and for the settlement."""
    from tui.domain.codings import coding, fields, own_codings_of, tag_holders

    doc = fields([coding("pain", "Ana", AT), coding("pain", "Ana", LATER, settlement=True)])
    renamed = retagged(doc, {"pain": "friction"})
    assert renamed["codings"] == [
        {"tag": "friction", "coder": "Ana", "at": AT},
        {"tag": "friction", "coder": "Ana", "at": LATER, "settlement": True},
    ]
    assert renamed["tags"] == ["friction"]
    assert own_codings_of(renamed) == [{"tag": "friction", "coder": "Ana", "at": AT}]
    assert tag_holders(renamed) == {"friction": [("Ana", False), ("Ana", True)]}


def test_untagging_a_span_whose_codings_were_set_aside_keeps_it():
    # The tagging screen drops a span left with no tag and no severity; one holding codings a
    # settlement set aside stays (untagged, shown nowhere), or they would be lost with it.
    from tui.domain.codings import settled
    from tui.domain.spans import idle_span
    from tui.domain.tags import edit_empties

    span = {"id": "s1", "note_id": "n1", "start": 0, "end": 4, "tags": []}
    span.update(with_coding(span, "late", "Bo", AT))
    span.update(settled(span, "late", {"Ana", "Bo"}, {"Bo"}, "team", LATER))
    assert span["tags"] == ["late"] and not idle_span(span)
    untagged = {**span, "tags": [], "codings": []}  # the resolver took the tag away
    assert idle_span(untagged)
    assert not edit_empties(untagged, {"drop_if_empty": True})
    assert edit_empties({**untagged, "set_aside": []}, {"drop_if_empty": True})


def test_ones_own_coding_of_a_tag_comes_and_goes_beside_ones_settlement_of_it():
    """Lead settled how Ana and Bo differ on #pain here (keeping Ana's), then codes the note
    as a coder of their own. `with_coding` said lead had #pain already (the settlement), so
    their own coding could not be made; and once a sync brought both, removing their own
    coding took the settlement with it. A settlement and one's own coding are two things:
    adding or removing the one leaves the other."""
    from tui.domain.codings import coding, fields, settled, without_coder, without_coding

    doc = fields([coding("pain", "Ana", AT), coding("sso", "Bo", AT)])
    doc.update(settled(doc, "pain", {"Ana", "Bo"}, {"Ana"}, "lead", LATER))
    settlement = {"tag": "pain", "coder": "lead", "at": LATER, "settlement": True}
    assert doc["codings"] == [{"tag": "sso", "coder": "Bo", "at": AT}, settlement]
    aside = doc["set_aside"]

    own = with_coding(doc, "PAIN", "lead", "2026-11-29T10:00:00.000Z")
    assert own is not None
    assert own["codings"] == [
        {"tag": "sso", "coder": "Bo", "at": AT},
        settlement,
        {"tag": "pain", "coder": "lead", "at": "2026-11-29T10:00:00.000Z"},  # spelled as there
    ]
    assert own["tags"] == ["sso", "pain"]
    coded = {**doc, **own}
    assert with_coding(coded, "pain", "lead", LATER) is None  # their own is there now

    back = without_coding(coded, "pain", "lead")
    assert back == {"codings": doc["codings"], "tags": ["sso", "pain"]}  # the settlement stays
    assert without_coder(coded, "lead") == back
    assert {**coded, **back}["set_aside"] == aside
    # With no coding of their own, the resolver's settlement is theirs to take off (it then
    # keeps neither; what it set aside stays aside), as it was before.
    gone = without_coding(doc, "pain", "lead")
    assert gone == {"codings": [{"tag": "sso", "coder": "Bo", "at": AT}], "tags": ["sso"]}
