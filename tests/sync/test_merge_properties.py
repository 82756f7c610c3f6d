"""The merge by document id, on random pairs of edit sequences over a common base: merging A
into B and B into A give the same file, and nothing either side added is lost."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.domain.ratings import counted, ratings_of, with_rating
from tui.services.sync.merge import (
    find_renames,
    merge_codebook,
    merge_session,
    moved_over_deletions,
)

TAGS = ["pricing", "Pricing", "setup", "trust", "speed"]
CODERS = ["ana", "bo", "unknown"]
STAMPS = [None, "2026-12-01T10:00:00.000Z", "2026-12-01T11:00:00.000Z"]


def _note(n: int, tags: list[str]) -> dict:
    return {
        "id": f"note{n}",
        "session_id": "s1",
        "author": "ana",
        "text": f"note {n}",
        "kind": "note",
        "started_at": f"2026-12-01T10:{n:02d}:00.000Z",
        "elapsed": float(n),
        "question_id": None,
        "starred": False,
        "emotions": [],
        "tags": tags,
        "edited_at": None,
        "severity": None,
    }


def _base() -> dict:
    notes = [_note(1, ["pricing"]), _note(2, []), _note(3, ["setup", "trust"])]
    notes[0]["severity"] = 3  # rated before ratings had coders: unknown's rating
    notes[2]["codings"] = [
        {"tag": "setup", "coder": "ana", "at": STAMPS[1]},
        {"tag": "trust", "coder": "bo", "at": None},
    ]
    return {
        "session": {"1": {"id": "s1", "title": "P7", "clock": {"banked": 0}}},
        "guide": {"1": {"guide": {}, "state": {"current": None, "marks": {}}}},
        "notes": {str(i): doc for i, doc in enumerate(notes, start=1)},
        "excerpts": {},
    }


edits = st.lists(
    st.one_of(
        st.tuples(st.just("add_note"), st.integers(10, 14), st.sampled_from(TAGS)),
        st.tuples(
            st.just("code"),
            st.integers(1, 14),
            st.sampled_from(TAGS),
            st.sampled_from(CODERS),
            st.sampled_from(STAMPS),
        ),
        st.tuples(
            st.just("uncode"), st.integers(1, 14), st.sampled_from(TAGS), st.sampled_from(CODERS)
        ),
        st.tuples(
            st.just("edit"), st.integers(1, 14), st.text(max_size=5), st.sampled_from(STAMPS)
        ),
        st.tuples(st.just("star"), st.integers(1, 14), st.booleans()),
        st.tuples(
            st.just("rate"),
            st.integers(1, 3),  # the base's notes, so that both sides rate the same one
            st.sampled_from([None, 1, 2, 5]),
            st.sampled_from(CODERS),
            st.sampled_from(STAMPS),
        ),
        st.tuples(st.just("delete"), st.integers(1, 14)),
        st.tuples(st.just("span"), st.integers(1, 14), st.integers(0, 3), st.sampled_from(TAGS)),
        st.tuples(
            st.just("mark"), st.sampled_from(["q1", "q2"]), st.sampled_from(["asked", "skipped"])
        ),
    ),
    max_size=8,
)


def _apply(base: dict, steps: list[tuple], side: str) -> dict:
    """`steps` applied to a copy of `base`, documents keyed as TinyDB would (next free key)."""
    data = copy.deepcopy(base)
    notes, excerpts = data["notes"], data["excerpts"]

    def find(n: int) -> dict | None:
        return next((d for d in notes.values() if d["id"] == f"note{n}"), None)

    def recompute(doc: dict) -> None:
        doc["tags"] = list(dict.fromkeys(c["tag"] for c in doc["codings"]))

    def codings(doc: dict) -> list[dict]:
        if "codings" not in doc:
            doc["codings"] = [{"tag": t, "coder": "unknown", "at": None} for t in doc["tags"]]
        return doc["codings"]

    for step in steps:
        kind, *args = step
        if kind == "add_note" and find(args[0]) is None:
            doc = _note(args[0], [args[1]])
            doc["id"] = f"{side}-note{args[0]}"  # each side's own uuid
            notes[str(max(map(int, notes), default=0) + 1)] = doc
        doc = (
            find(args[0])
            if kind in ("code", "uncode", "edit", "star", "delete", "span", "rate")
            else None
        )
        if doc is None:
            continue
        if kind == "code":
            tag, coder, at = args[1:]
            if not any(
                c["tag"].casefold() == tag.casefold() and c["coder"] == coder for c in codings(doc)
            ):
                codings(doc).append({"tag": tag, "coder": coder, "at": at})
                recompute(doc)
        elif kind == "uncode":
            tag, coder = args[1:]
            doc["codings"] = [
                c
                for c in codings(doc)
                if not (c["tag"].casefold() == tag.casefold() and c["coder"] == coder)
            ]
            recompute(doc)
        elif kind == "edit":
            doc["text"], doc["edited_at"] = args[1], args[2]
        elif kind == "star":
            doc["starred"] = args[1]
        elif kind == "rate":
            doc.update(with_rating(doc, *args[1:]) or {})
        elif kind == "delete":
            key = next(k for k, d in notes.items() if d is doc)
            del notes[key]
        elif kind == "span":
            key = str(max(map(int, excerpts), default=0) + 1)
            excerpts[key] = {
                "id": f"{side}-span{key}",
                "note_id": doc["id"],
                "start": args[1],
                "end": args[1] + 2,
                "tags": [args[2]],
                "codings": [{"tag": args[2], "coder": side, "at": None}],
                "severity": None,
            }
    for step in steps:
        if step[0] == "mark":
            data["guide"]["1"]["state"]["marks"][step[1]] = step[2]
    return data


def _added(base: dict, side: dict) -> tuple[set, set]:
    """(documents, codings) a side has that the base has not."""

    def docs(data: dict) -> dict:
        return {d["id"]: d for table in ("notes", "excerpts") for d in data[table].values()}

    before, after = docs(base), docs(side)
    new_docs = set(after) - set(before)
    new_codings = set()
    for doc_id, doc in after.items():
        old = {
            (c["tag"].casefold(), c["coder"]) for c in (before.get(doc_id) or {}).get("codings", [])
        }
        old |= {
            (t.casefold(), "unknown")
            for t in (before.get(doc_id) or {}).get("tags", [])
            if "codings" not in before.get(doc_id, {})
        }
        for c in doc.get("codings") or []:
            if (c["tag"].casefold(), c["coder"]) not in old:
                new_codings.add((doc_id, c["tag"].casefold(), c["coder"]))
    return new_docs, new_codings


def _rated(base: dict, side: dict) -> set[tuple[str, str]]:
    """(document, coder) of each rating a side gave or changed."""
    before = {d["id"]: d for d in base["notes"].values()}
    found = set()
    for doc in side["notes"].values():
        old = {(r["coder"], r["severity"]) for r in ratings_of(before.get(doc["id"], {}))}
        found |= {
            (doc["id"], r["coder"])
            for r in ratings_of(doc)
            if (r["coder"], r["severity"]) not in old
        }
    return found


@settings(max_examples=300, deadline=None)
@given(edits, edits)
def test_session_merge_is_symmetric_and_loses_nothing_added(steps_a, steps_b):
    base = _base()
    ours, theirs = _apply(base, steps_a, "a"), _apply(base, steps_b, "b")
    one = merge_session(copy.deepcopy(base), copy.deepcopy(ours), copy.deepcopy(theirs))
    other = merge_session(copy.deepcopy(base), copy.deepcopy(theirs), copy.deepcopy(ours))
    assert one == other
    merged_docs = {d["id"]: d for table in ("notes", "excerpts") for d in one[table].values()}
    for side in (ours, theirs):
        new_docs, new_codings = _added(base, side)
        assert new_docs <= set(merged_docs)
        for doc_id, tag, coder in new_codings:
            doc = merged_docs[doc_id]
            assert (tag, coder) in {(c["tag"].casefold(), c["coder"]) for c in doc["codings"]}
            assert tag in {t.casefold() for t in doc["tags"]}
        for doc_id, coder in _rated(base, side):  # a rating given on one side is kept
            doc = merged_docs[doc_id]
            assert coder in {r["coder"] for r in doc["ratings"]}
    for doc in merged_docs.values():
        assert doc.get("severity") == counted(ratings_of(doc))
    for table in one.values():  # keys renumbered 1..n
        assert sorted(map(int, table)) == list(range(1, len(table) + 1))
    assert merge_session(base, one, one) == one  # merging again changes nothing


def _tag(name: str, uses: int = 0, renamed_from: list[str] | None = None) -> dict:
    doc = {
        "name": name,
        "description": "",
        "color": "",
        "created_at": "2026-12-01",
        "uses": uses,
        "last_used_at": None,
    }
    if renamed_from:
        doc["renamed_from"] = renamed_from
    return doc


codebook_edits = st.lists(
    st.one_of(
        st.tuples(st.just("use"), st.sampled_from(["pricing", "setup", "trust"])),
        st.tuples(st.just("add"), st.sampled_from(["speed", "Speed", "cost"])),
        st.tuples(
            st.just("rename"),
            st.sampled_from(["setup", "trust"]),
            st.sampled_from(["install", "faith"]),
        ),
        st.tuples(st.just("describe"), st.sampled_from(["pricing", "trust"]), st.text(max_size=4)),
    ),
    max_size=6,
)


def _edit_codebook(base: dict, steps: list[tuple]) -> dict:
    tags = {d["name"].casefold(): copy.deepcopy(d) for d in base["tags"].values()}
    for kind, name, *rest in steps:
        key = name.casefold()
        if kind == "use" and key in tags:
            tags[key]["uses"] += 1
        elif kind == "add" and key not in tags:
            tags[key] = _tag(name)
        elif kind == "rename" and key in tags and rest[0] not in tags:
            old = tags.pop(key)
            tags[rest[0]] = {
                **old,
                "name": rest[0],
                "renamed_from": sorted({*old.get("renamed_from", []), old["name"]}),
            }
        elif kind == "describe" and key in tags:
            tags[key]["description"] = rest[0]
    return {"tags": {str(i): d for i, d in enumerate(tags.values(), start=1)}}


@settings(max_examples=200, deadline=None)
@given(codebook_edits, codebook_edits)
def test_codebook_merge_is_symmetric_and_follows_renames(steps_a, steps_b):
    base = {"tags": {"1": _tag("pricing", 2), "2": _tag("setup", 1), "3": _tag("trust")}}
    ours, theirs = _edit_codebook(base, steps_a), _edit_codebook(base, steps_b)
    given_versions = copy.deepcopy((base, ours, theirs))
    one = merge_codebook(base, ours, theirs)
    assert (base, ours, theirs) == given_versions  # the merge changes none of its inputs
    assert one == merge_codebook(base, theirs, ours)
    names = {d["name"].casefold() for d in one["tags"].values()}
    renames = find_renames(base, ours, theirs)
    for side in (ours, theirs):
        for doc in side["tags"].values():
            key = doc["name"].casefold()
            assert renames.get(key, doc["name"]).casefold() in names
    # Uses add up; a tag both sides left identical is one version (git cannot tell apart).
    uses = sum(d["uses"] for d in one["tags"].values())
    totals = [sum(d["uses"] for d in side["tags"].values()) for side in (ours, theirs)]
    assert max(totals) <= uses <= sum(totals) - 3


def test_one_tag_renamed_differently_on_each_side_keeps_one_name_and_lists_the_other():
    base = {"tags": {"1": _tag("setup", 2)}}
    ours = {"tags": {"1": _tag("install", 3, ["setup"])}}
    theirs = {"tags": {"1": _tag("onboarding", 2, ["setup"])}}
    one = merge_codebook(base, ours, theirs)
    assert one == merge_codebook(base, theirs, ours)
    (tag,) = one["tags"].values()
    assert tag["name"] == "install" and tag["uses"] == 3
    assert tag["conflicts"] == [{"field": "name", "other": "onboarding", "other_edited_at": None}]
    assert find_renames(base, ours, theirs) == {"setup": "install", "onboarding": "install"}


def test_a_tag_used_and_renamed_differently_on_both_sides_merges_alike_in_either_order():
    # The first merge once wrote its `conflicts` into one side's own document, so the merge
    # in the other order saw two different versions and counted the use twice.
    base = {"tags": {"1": _tag("trust")}}
    ours = _edit_codebook(base, [("use", "trust"), ("rename", "trust", "faith")])
    theirs = _edit_codebook(base, [("use", "trust"), ("rename", "trust", "install")])
    one = merge_codebook(base, ours, theirs)
    assert one == merge_codebook(base, theirs, ours)
    (tag,) = one["tags"].values()
    assert (tag["name"], tag["uses"]) == ("faith", 1)
    assert tag["conflicts"] == [{"field": "name", "other": "install", "other_edited_at": None}]
    assert "conflicts" not in ours["tags"]["1"]


def test_a_tag_renamed_to_a_name_the_deleting_side_added_lists_the_codings_it_moved():
    # Deleted here, where `install` was added meanwhile; renamed `install` there. The tag that
    # stays is this side's too, so it cannot be the tag deleted (`deleted`, taken whole): the
    # codings the rename moved are marked and listed on it, as a merge into it would be.
    base = {"tags": {"1": _tag("setup", 1)}}
    ours = {"tags": {"1": _tag("install")}}
    theirs = {"tags": {"1": _tag("install", 1, ["setup"])}}
    one = merge_codebook(base, ours, theirs)
    assert one == merge_codebook(base, theirs, ours)
    (tag,) = one["tags"].values()
    assert tag["conflicts"] == [
        {"field": "merged and deleted", "tag": "setup", "other": None, "other_edited_at": None}
    ]
    coded = {"tag": "setup", "coder": "ana", "at": STAMPS[1]}
    session = _base()
    session["notes"]["3"]["codings"] = [coded]
    deleted = copy.deepcopy(session)
    deleted["notes"]["3"]["codings"] = []
    renamed = copy.deepcopy(session)
    renamed["notes"]["3"]["codings"] = [{**coded, "tag": "install"}]
    moved = moved_over_deletions(base, ours, theirs)
    assert moved == {"setup": "install"}
    renames = find_renames(base, ours, theirs)
    merged = merge_session(session, deleted, renamed, renames, moved)
    note = merged["notes"]["3"]
    assert note["codings"] == [{**coded, "tag": "install"}]
    assert note["conflicts"][0]["field"] == "merged and deleted"


@pytest.mark.timeout(10)
def test_thousands_of_tags_renamed_at_once_are_found_in_one_pass():
    """Each tag gone from a side was looked for in every tag's `renamed_from` there: 1,000
    tags renamed in one commit (a codebook reorganised, or a shared remote's hostile one)
    took 2.7 s to find, 4,000 took 46 s, and the git merge driver finds them again for every
    session file it merges. The names each side renamed from are indexed once."""
    count = 20_000
    base = {"tags": {str(n): _tag(f"old{n}") for n in range(count)}}
    ours = {"tags": {str(n): _tag(f"new{n}", 1, [f"old{n}"]) for n in range(count)}}
    theirs = {"tags": {}}
    renames = find_renames(base, ours, base)
    assert len(renames) == count and renames["old7"] == "new7"
    moved = moved_over_deletions(base, ours, theirs)
    assert len(moved) == count and moved["old7"] == "new7"
