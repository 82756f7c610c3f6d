"""The three-way merge of Fieldnote's files by document id: pure, no I/O, no git.

TinyDB keys documents "1", "2", ... per file, so two laptops that each add a note both call it
"17": merging the files line by line is wrong even where git finds no conflict. Here documents
are matched by what they are: notes and excerpts by their `id`, the session and guide records
as the one record each, codebook tags by name (case aside). Then, field by field:

- a field changed on one side only takes that side's value; a dict (the clock, the guide's
  marks) is merged key by key the same way;
- codings are a union keyed by (tag case aside, coder, settlement) keeping the earlier `at`,
  and `tags` is recomputed from them: a resolver's settlement of a tag and their own coding of
  it are two codings; documents without `codings` (older files) read as one coding per tag
  by `unknown`, and `emotions` are a union too; a coding one side removed goes; the codings a
  settlement set aside (`set_aside`, never a settlement) merge the same way;
- ratings are merged per coder (a coder's rating changed on both sides keeps the later `at`),
  and `severity` is counted from them again (tui/domain/ratings.py); a `severity` without
  `ratings` (older files) reads as a rating by `unknown`;
- a field changed on both sides keeps the value of the side whose document was edited later
  (`edited_at`; ties go to the larger value, so the merge does not depend on which side is
  "ours"), and the other value is listed in the document's `conflicts`;
- a document one side removed goes, unless the other side changed it (nothing is lost);
- a codebook tag renamed on one side (the rename records `renamed_from` on the new tag) renames
  the old name on the other side too: in the codebook, in tags, codings and inline `#tags`;
- a codebook tag deleted on one side and used (coded, renamed, edited) on the other stays, and
  is listed in its `conflicts` (`DELETED`), so whoever deleted it is told and decides;
- a codebook tag deleted on one side and merged into a tag the base had (or renamed) on the
  other: the codings the merge or rename moved stay in that tag (each marked
  `MERGED_DELETED`), and it is listed so too (`MERGED_DELETED`; a renamed tag, `DELETED`).

The result gets TinyDB keys 1..n in a stable order, so merge(A, B) and merge(B, A) are equal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import orjson

from tui.domain.notes import tag_key
from tui.domain.ratings import rating_fields, ratings_of
from tui.domain.tags import apply_edits, retag_edits, retag_span

Tables = dict[str, dict[str, Any]]
ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "ABSENT"})()
"""A field or document one version does not have."""

SINGLE_TABLES = ("session", "guide")
UNION_FIELDS = frozenset({"emotions"})
CONFLICTS = "conflicts"
MERGED_INTO = "merged into"
"""The `field` of a conflict on tag Y: tag `tag` was merged into Y on one side and into
`other` on the other, and its excerpts carry both."""
DELETED = "deleted"
"""The `field` of a conflict on a tag one side deleted (it was named `tag` then) while the
other went on using it: applied `uses` more times, renamed, or edited. A change outweighs a
removal, so the tag stays; taking the other side's value deletes it."""
MERGED_DELETED = "merged and deleted"
"""The `field` of a conflict on tag Y: tag `tag` was merged into Y on one side and deleted on
the other. A change outweighs a removal, so the codings the merge moved stay in Y. Each note
and excerpt holding one marks them with a conflict of this field too (the moved codings in
`codings` and `set_aside`): those marks are what settling the tag's entry keeps or takes off,
and are listed as the tag's one entry (tui/services/sync/undecided.py). A tag renamed on one
side and deleted on the other marks the codings the rename moved so too; the tag itself is
listed as `DELETED`, being the tag deleted."""
UNKNOWN_CODER = "unknown"
SET_ASIDE = "set_aside"
"""The codings a settlement set aside (tui/domain/codings.py)."""


def canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


# -- sessions ---------------------------------------------------------------------------------
def merge_session(
    base: Tables,
    ours: Tables,
    theirs: Tables,
    renames: Mapping[str, str] | None = None,
    moved: Mapping[str, str] | None = None,
) -> Tables:
    """One session file merged; `renames` (old tag key -> new name, from `find_renames` over
    the codebook) is applied to all three versions first. `moved` (old tag key -> the name
    merged into, from `moved_over_deletions`): tags one side merged into another (or renamed)
    while the other side deleted them. The base keeps their codings under the old name, so
    the codings the merge moved read as that side's change, which outweighs the other side's
    removal; each document keeping one is marked (`MERGED_DELETED`)."""
    moved = {old: name for old, name in (moved or {}).items() if renames and old in renames}
    if renames:
        base = rename_in_session(base, renames, codings_kept=moved)
        ours, theirs = rename_in_session(ours, renames), rename_in_session(theirs, renames)
    merged: Tables = {}
    for table in sorted(set(base) | set(ours) | set(theirs)):
        versions = [_by_identity(table, t.get(table) or {}) for t in (base, ours, theirs)]
        docs = _merge_documents(*versions)
        if moved and table in ("notes", "excerpts"):
            docs = _marked_moved(docs, *versions, moved, renames or {})
        if table == "guide":  # where each laptop is in the guide is no one's decision
            docs = [{k: v for k, v in doc.items() if k != CONFLICTS} for doc in docs]
        elif table == "session":  # nor where each laptop's interview clock stood
            docs = [_without_conflicts_on(doc, "clock.") for doc in docs]
        merged[table] = _numbered(table, docs)
    return merged


def _marked_moved(
    docs: list[dict[str, Any]],
    base: dict[Any, dict],
    ours: dict[Any, dict],
    theirs: dict[Any, dict],
    moved: Mapping[str, str],
    renames: Mapping[str, str],
) -> list[dict[str, Any]]:
    """`docs` with a `MERGED_DELETED` conflict on each that keeps a coding a merge or rename
    moved (`moved`) against the other side's deletion: the base had it under the old name (the
    base's codings keep the old names) and not under the new, and one side has it not (the
    side that deleted it)."""
    out = []
    for doc in docs:
        key = doc["id"] if isinstance(doc.get("id"), str) else canonical(doc)
        versions = [v.get(key) or {} for v in (base, ours, theirs)]
        marks = []
        for old in sorted(moved):
            new, name, found = tag_key(renames[old]), old, {}
            for field, read in (("codings", codings_of), (SET_ASIDE, _set_aside_keyed)):
                before, *sides = (read(v) for v in versions)
                was = {(coder, s): c["tag"] for (k, coder, s), c in before.items() if k == old}
                kept = [
                    c
                    for (k, coder, s), c in read(doc).items()
                    if k == new
                    and (coder, s) in was
                    and (k, coder, s) not in before
                    and not all((k, coder, s) in side for side in sides)
                ]
                if kept:
                    found[field] = kept
                    name = was[(kept[0]["coder"], kept[0].get("settlement") is True)]
            if found:
                marks.append(
                    {
                        "field": MERGED_DELETED,
                        "tag": name,
                        "other": None,
                        "other_edited_at": None,
                        **found,
                    }
                )
        if marks:
            listed = {canonical(c): c for c in [*(doc.get(CONFLICTS) or []), *marks]}
            doc = {**doc, CONFLICTS: [c for _, c in sorted(listed.items())]}
        out.append(doc)
    return out


def _set_aside_keyed(doc: Mapping[str, Any]) -> dict[CodingKey, dict[str, Any]]:
    return codings_of({"codings": doc.get(SET_ASIDE) or []})


def _without_conflicts_on(doc: dict[str, Any], prefix: str) -> dict[str, Any]:
    left = [
        c
        for c in doc.get(CONFLICTS) or []
        if not (isinstance(c, dict) and str(c.get("field")).startswith(prefix))
    ]
    out = {k: v for k, v in doc.items() if k != CONFLICTS}
    return {**out, CONFLICTS: left} if left else out


def _by_identity(table: str, docs: Mapping[str, Any]) -> dict[Any, dict[str, Any]]:
    if table in SINGLE_TABLES:
        if not docs:
            return {}
        return {table: docs[min(docs, key=lambda k: int(k) if k.isdigit() else 0)]}
    return {
        doc["id"] if isinstance(doc.get("id"), str) else canonical(doc): doc
        for doc in docs.values()
    }


def _merge_documents(
    base: dict[Any, dict], ours: dict[Any, dict], theirs: dict[Any, dict], merge_doc=None
) -> list[dict[str, Any]]:
    merge_doc = merge_doc or merge_document
    out = []
    for key in set(ours) | set(theirs) | set(base):
        b, o, t = base.get(key, ABSENT), ours.get(key, ABSENT), theirs.get(key, ABSENT)
        if o is ABSENT and t is ABSENT:
            continue
        if o is ABSENT or t is ABSENT:
            kept = t if o is ABSENT else o
            if b is not ABSENT and kept == b:
                continue  # removed on one side, untouched on the other
            out.append(kept)  # added on one side, or changed there after the other removed it
            continue
        out.append(merge_doc({} if b is ABSENT else b, o, t))
    return out


def _numbered(table: str, docs: list[dict[str, Any]]) -> dict[str, Any]:
    return {str(n): doc for n, doc in enumerate(sorted(docs, key=_order(table)), start=1)}


def _order(table: str) -> Callable[[dict[str, Any]], tuple]:
    if table == "notes":
        return lambda d: (str(d.get("started_at") or ""), str(d.get("id") or ""), canonical(d))
    if table == "excerpts":
        return lambda d: (
            str(d.get("note_id") or ""),
            d.get("start") if isinstance(d.get("start"), int) else 0,
            str(d.get("id") or ""),
            canonical(d),
        )
    if table == "tags":
        return lambda d: (tag_key(str(d.get("name") or "")), canonical(d))
    return lambda d: (str(d.get("id") or ""), canonical(d))


def merge_document(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> dict:
    """Two versions of one document merged over their common base ({} when both added it)."""
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    stamps = (ours.get("edited_at"), theirs.get("edited_at"))
    found: list[dict[str, Any]] = []
    special = {CONFLICTS, "edited_at", "tags", "codings", SET_ASIDE}
    rated = any("ratings" in d for d in (base, ours, theirs))
    if rated:
        special |= {"ratings", "severity"}
    fields = (set(ours) | set(theirs) | set(base)) - special
    out = _merge_fields(base, ours, theirs, fields, stamps, "", found)
    if rated:
        out.update(merge_ratings(base, ours, theirs))
    if any("tags" in d or "codings" in d for d in (ours, theirs)):
        tags, codings = merge_tagging(base, ours, theirs)
        out["tags"] = tags
        if codings is not ABSENT:
            out["codings"] = codings
    if any(isinstance(d.get(SET_ASIDE), list) for d in (base, ours, theirs)):
        keyed = [codings_of({"codings": d.get(SET_ASIDE) or []}) for d in (base, ours, theirs)]
        out[SET_ASIDE] = _merge_keyed(*keyed)
    if any("edited_at" in d for d in (ours, theirs)):
        out["edited_at"] = max((s for s in stamps if s), default=None)
    conflicts = merge_set(
        base.get(CONFLICTS) or [], ours.get(CONFLICTS) or [], theirs.get(CONFLICTS) or [], canonical
    )
    conflicts = sorted({canonical(c): c for c in [*conflicts, *found]}.items())
    if conflicts:
        out[CONFLICTS] = [c for _, c in conflicts]
    return out


def _merge_fields(
    base: Mapping[str, Any],
    ours: Mapping[str, Any],
    theirs: Mapping[str, Any],
    fields: Iterable[str],
    stamps: tuple[Any, Any],
    prefix: str,
    found: list[dict[str, Any]],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in sorted(fields):
        value = _merge_value(
            base.get(name, ABSENT),
            ours.get(name, ABSENT),
            theirs.get(name, ABSENT),
            stamps,
            prefix + name,
            found,
        )
        if value is not ABSENT:
            out[name] = value
    return out


def _merge_value(
    base: Any, ours: Any, theirs: Any, stamps: tuple[Any, Any], field: str, found: list
) -> Any:
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    if ours is ABSENT or theirs is ABSENT:
        return theirs if ours is ABSENT else ours  # a change outweighs a removal
    if isinstance(ours, dict) and isinstance(theirs, dict):
        before = base if isinstance(base, dict) else {}
        fields = set(ours) | set(theirs) | set(before)
        return _merge_fields(before, ours, theirs, fields, stamps, field + ".", found)
    if field in UNION_FIELDS and isinstance(ours, list) and isinstance(theirs, list):
        before = base if isinstance(base, list) else []
        return merge_set(before, ours, theirs, canonical)
    ours_rank = (str(stamps[0] or ""), canonical(ours))
    theirs_rank = (str(stamps[1] or ""), canonical(theirs))
    if ours_rank >= theirs_rank:
        kept, other, other_stamp = ours, theirs, stamps[1]
    else:
        kept, other, other_stamp = theirs, ours, stamps[0]
    found.append({"field": field, "other": other, "other_edited_at": other_stamp})
    return kept


def merge_set(base: list, ours: list, theirs: list, key: Callable[[Any], Any]) -> list:
    """A three-way union: what either side added stays, what either side removed from the base
    goes. Base order first, then what was added, in key order."""
    keyed = [{key(item): item for item in items} for items in (base, ours, theirs)]
    b, o, t = keyed
    kept = [k for k in b if k in o and k in t]
    added = sorted({k for k in (*o, *t) if k not in b})

    def either(k: Any) -> Any:  # both sides have it: the same choice whichever is "ours"
        return min(o[k], t[k], key=canonical) if k in o and k in t else o.get(k, t.get(k))

    return [either(k) for k in [*kept, *added]]


# -- tags and codings -------------------------------------------------------------------------
CodingKey = tuple[str, str, bool]
"""(tag key, coder, whether it is a settlement)."""


def codings_of(doc: Mapping[str, Any]) -> dict[CodingKey, dict[str, Any]]:
    """A document's codings by (tag key, coder, settlement): a resolver's settlement of a tag
    and their own coding of it are two entries, so one laptop's settlement and another's own
    coding by the same person both stay. A document without `codings` (written before codings
    had coders) reads as one coding per tag by `unknown`."""
    items = doc.get("codings")
    if not isinstance(items, list):
        items = [{"tag": t, "coder": UNKNOWN_CODER, "at": None} for t in doc.get("tags") or []]
    out: dict[CodingKey, dict[str, Any]] = {}
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("tag"), str):
            coder = str(item.get("coder") or UNKNOWN_CODER)
            key = (tag_key(item["tag"]), coder, item.get("settlement") is True)
            out[key] = _earlier(out[key], item) if key in out else item
    return out


def _earlier(one: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """The coding applied first: a known time before an unknown one, then by time and name."""

    def rank(c: dict[str, Any]) -> tuple:
        return (c.get("at") is None, str(c.get("at") or ""), c["tag"], canonical(c))

    return min(one, other, key=rank)


def merge_tagging(base: Mapping, ours: Mapping, theirs: Mapping) -> tuple[list[str], Any]:
    """(tags, codings) of a document merged; codings ABSENT when no version had them."""
    with_codings = any(isinstance(d.get("codings"), list) for d in (base, ours, theirs))
    if not with_codings:
        tags = merge_set(
            list(base.get("tags") or []),
            list(ours.get("tags") or []),
            list(theirs.get("tags") or []),
            tag_key,
        )
        return tags, ABSENT
    codings = _merge_keyed(codings_of(base), codings_of(ours), codings_of(theirs))
    tags: dict[str, str] = {}
    for coding in codings:
        tags.setdefault(tag_key(coding["tag"]), coding["tag"])
    return list(tags.values()), codings


def _merge_keyed(b: dict, o: dict, t: dict) -> list[dict[str, Any]]:
    """Codings by (tag key, coder, settlement) merged over their base: what one side added
    stays, what one side removed goes, and one both sides hold is the earlier."""
    if list(o.values()) == list(t.values()) or list(t.values()) == list(b.values()):
        return list(o.values())
    if list(o.values()) == list(b.values()):
        return list(t.values())
    keys = [k for k in {**o, **t} if (k in o and k in t) or k not in b]
    codings = [_earlier(o[k], t[k]) if k in o and k in t else o.get(k, t.get(k)) for k in keys]
    codings.sort(
        key=lambda c: (
            str(c.get("at") or ""),
            tag_key(c["tag"]),
            str(c.get("coder")),
            c.get("settlement") is True,
        )
    )
    return codings


def merge_ratings(base: Mapping, ours: Mapping, theirs: Mapping) -> dict[str, Any]:
    """`ratings` and the `severity` counted from them, merged per coder: a rating changed on
    one side takes that side's; changed on both, the later `at`; one side's removal of a
    rating the other left as it was removes it."""
    b, o, t = ({r["coder"]: r for r in ratings_of(d)} for d in (base, ours, theirs))

    def later(one: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
        return max(
            one, other, key=lambda r: (r["at"] is not None, str(r["at"] or ""), canonical(r))
        )

    merged = []
    for coder in {**o, **t}:
        mine, other, before = o.get(coder), t.get(coder), b.get(coder)
        if mine is not None and other is not None:
            merged.append(
                other if mine == before else mine if other in (before, mine) else later(mine, other)
            )
        elif (mine or other) != before:  # added or changed on one side, not removed on the other
            merged.append(mine or other)
    merged.sort(key=lambda r: (str(r["at"] or ""), r["coder"]))
    return rating_fields(merged)


def rename_in_session(
    tables: Tables, renames: Mapping[str, str], codings_kept: Iterable[str] = ()
) -> Tables:
    """A copy of a session's tables with tags renamed (old key -> new name) as the store's
    own rename does: tags, codings, inline `#tags` in a note's text, and the note's spans
    carried across the text's change. `codings_kept`: old keys renamed in the text alone
    (the base of a merge over a deletion, `merge_session`)."""
    tables = orjson.loads(orjson.dumps(tables))
    text_renames, kept = renames, set(codings_kept)
    renames = {old: new for old, new in renames.items() if old not in kept}
    moved: dict[str, tuple[str, str, list]] = {}
    for doc in (tables.get("notes") or {}).values():
        text = doc.get("text")
        if isinstance(text, str):
            edits = retag_edits(text, text_renames)
            if edits:
                moved[str(doc.get("id"))] = (text, apply_edits(text, edits), edits)
                doc["text"] = moved[str(doc.get("id"))][1]
    for table in ("notes", "excerpts"):
        for doc in (tables.get(table) or {}).values():
            renamed_tags = [renames.get(tag_key(t), t) for t in doc.get("tags") or []]
            doc["tags"] = list({tag_key(t): t for t in reversed(renamed_tags)}.values())[::-1]
            for name in ("codings", SET_ASIDE):
                if isinstance(doc.get(name), list):
                    renamed = [
                        {**c, "tag": renames.get(tag_key(c["tag"]), c["tag"])}
                        for c in doc[name]
                        if isinstance(c, dict) and isinstance(c.get("tag"), str)
                    ]
                    doc[name] = list(codings_of({"codings": renamed}).values())
            if table == "excerpts" and str(doc.get("note_id")) in moved:
                old, new, edits = moved[str(doc["note_id"])]
                start, end = doc.get("start", 0), doc.get("end", 0)
                doc["start"], doc["end"] = retag_span(old, new, start, end, edits, text_renames)
    return tables


# -- the codebook -----------------------------------------------------------------------------
def _tags(tables: Tables) -> dict[str, dict[str, Any]]:
    docs = (tables.get("tags") or {}).values()
    return {tag_key(str(d.get("name") or "")): d for d in docs if isinstance(d.get("name"), str)}


def _renamed_from(doc: Mapping[str, Any] | None) -> set[str]:
    names = (doc or {}).get("renamed_from")
    return {tag_key(n) for n in names if isinstance(n, str)} if isinstance(names, list) else set()


def find_renames(base: Tables, ours: Tables, theirs: Tables) -> dict[str, str]:
    """Tags renamed (or merged into another) on either side: old key -> new name.

    A rename is seen as: the base codebook has X; one side's codebook no longer has X, and
    one tag there (and only one) lists X in its `renamed_from` where the base's version of
    that tag did not. Both sides renaming X differently keep one name, and the other name is
    renamed to it as well (and listed in that tag's `conflicts`): only a name the base did not
    have is renamed so, since it holds nothing but X's excerpts; the base's tag is kept when
    one of the names is one. X merged into two tags the base had is renamed to neither (see
    `both_kept`)."""
    before = _tags(base)
    renames: dict[str, str] = {}
    for old, names in _rename_targets(base, ours, theirs).items():
        if both_kept(names, before):
            continue
        winner = min(names, key=lambda n: (tag_key(n) not in before, tag_key(n), n))
        renames[old] = winner
        renames.update({tag_key(n): winner for n in names if tag_key(n) != tag_key(winner)})
    return _resolved(_cycles_joined(renames))


def _cycles_joined(renames: dict[str, str]) -> dict[str, str]:
    """Renames that come back round (X into Y here, Y into X there: both made the two one
    tag) made one tag under the name that sorts first, rather than cancel out."""
    out = dict(renames)
    for start in renames:
        if start not in out:
            continue  # the name a cycle already kept
        members, names, key = [start], {}, start
        while key in out:
            new = out[key]
            names[tag_key(new)] = new
            key = tag_key(new)
            if key == start or key in members:
                break
            members.append(key)
        if key != start:
            continue  # a chain, or a cycle found again from one of its own members
        winner = min(names.values(), key=lambda n: (tag_key(n), n))
        for member in members:
            if member == tag_key(winner):
                del out[member]
            else:
                out[member] = winner
    return out


def both_kept(names: set[str], before: Mapping[str, Any]) -> bool:
    """Whether X went into two tags the base already had (a merge on each side): renaming
    one into the other would merge two tags nobody merged, so each side's merge stands and X's
    excerpts carry both tags until the team settles it (`MERGED_INTO`)."""
    return len({tag_key(n) for n in names if tag_key(n) in before}) > 1


def _rename_targets(base: Tables, ours: Tables, theirs: Tables) -> dict[str, set[str]]:
    """Old key -> the names each side renamed it to."""
    before = _tags(base)
    targets: dict[str, set[str]] = {}
    for side in (_tags(ours), _tags(theirs)):
        for old, name in _side_renames(before, side).items():
            targets.setdefault(old, set()).add(name)
    return targets


def _side_renames(before: Mapping[str, Any], side: Mapping[str, Any]) -> dict[str, str]:
    """Old key -> the name one side renamed (or merged) it to: the one tag there (and only
    one) that lists it in its `renamed_from` where the base's version of that tag did not.
    Each side's new `renamed_from` names are indexed once: looking for each tag gone in every
    tag's took 46 s for 4,000 tags renamed, and the merge driver does it for every file."""
    named: dict[str, list[str]] = {}
    for key, doc in side.items():
        for old in _renamed_from(doc) - _renamed_from(before.get(key)):
            named.setdefault(old, []).append(doc["name"])
    out = {}
    for old in before:
        if old not in side and len(names := named.get(old, ())) == 1:
            out[old] = names[0]
    return out


def moved_over_deletions(base: Tables, ours: Tables, theirs: Tables) -> dict[str, str]:
    """Tags one side merged into another tag or renamed while the other side deleted them:
    old key -> the name merged into or renamed to. A rename folds the old tag into the new
    name in the base too, where the codings it moved would read as untouched and the deletion
    as their removal; a change outweighs a removal, so the merge keeps them apart
    (`merge_session`)."""
    before = _tags(base)
    sides = [_tags(ours), _tags(theirs)]
    renamed = [_side_renames(before, side) for side in sides]
    out = {}
    for here, there, other in ((0, 1, sides[1]), (1, 0, sides[0])):
        for old, name in renamed[here].items():
            if old not in renamed[there] and old not in other:
                out[old] = name
    return out


def _resolved(renames: dict[str, str]) -> dict[str, str]:
    """Chains followed to their end (X -> Y on one side, Y -> Z on the other: X -> Z)."""
    out = {}
    for old, new in renames.items():
        seen = {old}
        while tag_key(new) in renames and tag_key(new) not in seen:
            seen.add(tag_key(new))
            new = renames[tag_key(new)]
        if tag_key(new) != old:
            out[old] = new
    return out


def merge_codebook(base: Tables, ours: Tables, theirs: Tables) -> Tables:
    """The codebook merged: tags matched by name (case aside) after renames; usage counts
    add up, the first `created_at` and the last `last_used_at` stay."""
    renames = find_renames(base, ours, theirs)
    before, sides = _tags(base), [_tags(ours), _tags(theirs)]
    # The base keeps a tag merged over a deletion apart, as a session's base keeps its codings
    # (`merge_session`): its uses then add up in the tag it went into. One renamed to a name
    # only the renaming side has is the tag deleted, under its new name: `DELETED`, below.
    moved = [
        old
        for old in moved_over_deletions(base, ours, theirs)
        if old in renames
        and (
            tag_key(renames[old]) in before or all(tag_key(renames[old]) in side for side in sides)
        )
    ]
    apart = {old: new for old, new in renames.items() if old not in moved}
    versions = [
        _codebook_identities(base, apart),
        _codebook_identities(ours, renames),
        _codebook_identities(theirs, renames),
    ]
    docs = _merge_documents(*versions, merge_doc=_merge_tag)
    merged = {name: dict(table) for name, table in ours.items() if name != "tags"}
    for name, table in theirs.items():
        merged.setdefault(name, dict(table))
    # A merged document may be one of the callers' own: the conflicts go on a copy.
    docs = [dict(doc) for doc in docs]
    by_key = {tag_key(str(doc.get("name") or "")): doc for doc in docs}
    for old, names in _rename_targets(base, ours, theirs).items():
        if both_kept(names, before):
            first, *rest = sorted(names, key=lambda n: (tag_key(n), n))
            doc = by_key.get(tag_key(first))
            tag = before[old]["name"]
            others = [
                {"field": MERGED_INTO, "other": n, "other_edited_at": None, "tag": tag}
                for n in rest
            ]
        else:
            # Not renamed at all: the name a cycle of renames kept (`_cycles_joined`).
            doc = by_key.get(tag_key(renames[old]) if old in renames else old)
            others = [
                {"field": "name", "other": n, "other_edited_at": None}
                for n in sorted(names)
                if doc is not None and tag_key(n) != tag_key(doc["name"])
            ]
        if doc is None or not others:
            continue  # one new name: nothing undecided
        listed = {canonical(c): c for c in [*(doc.get(CONFLICTS) or []), *others]}
        doc[CONFLICTS] = [c for _, c in sorted(listed.items())]
    found = _deleted_and_used(before, apart, *versions)
    for old in moved:
        tag = before[old]["name"]
        found.setdefault(tag_key(renames[old]), []).append(
            {"field": MERGED_DELETED, "tag": tag, "other": None, "other_edited_at": None}
        )
    for key, why in found.items():
        doc = by_key.get(key)
        if doc is None:
            continue
        listed = {canonical(c): c for c in [*(doc.get(CONFLICTS) or []), *why]}
        doc[CONFLICTS] = [c for _, c in sorted(listed.items())]
    merged["tags"] = _numbered("tags", docs)
    return merged


def _deleted_and_used(
    named: Mapping[str, dict[str, Any]],
    renames: Mapping[str, str],
    base: dict[str, dict],
    ours: dict[str, dict],
    theirs: dict[str, dict],
) -> dict[str, list[dict[str, Any]]]:
    """Tags (by identity, renames followed) one side deleted while the other changed them:
    the merge keeps them (a change outweighs a removal), and each gets a `DELETED` conflict
    saying what the other side did, the same whichever side is "ours". `named`: the base's
    tags by key, under the names they had before any rename."""
    was: dict[str, str] = {}
    for old in sorted(named, reverse=True):  # two tags a rename made one: the first name
        was[tag_key(renames[old]) if old in renames else old] = named[old]["name"]
    found = {}
    for key, before in base.items():
        if (key in ours) == (key in theirs):
            continue
        kept = ours[key] if key in ours else theirs[key]
        if kept == before:
            continue  # deleted here, untouched there: it goes
        found[key] = [
            {
                "field": DELETED,
                "tag": was.get(key, before.get("name")),
                "uses": max(0, _count(kept.get("uses")) - _count(before.get("uses"))),
                "other": None,
                "other_edited_at": None,
            }
        ]
    return found


def _codebook_identities(tables: Tables, renames: Mapping[str, str]) -> dict[str, dict]:
    out: dict[str, dict[str, Any]] = {}
    for key, doc in _tags(tables).items():
        identity = tag_key(renames[key]) if key in renames else key
        doc = {**doc, "name": renames[key]} if key in renames else doc
        out[identity] = _fold_tag(out[identity], doc) if identity in out else doc
    return out


def _fold_tag(one: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Two tags of one version that a rename makes one (as the codebook's own merge does)."""
    first, second = sorted((one, other), key=canonical)
    out = {**second, **first}
    out["uses"] = _count(one.get("uses")) + _count(other.get("uses"))
    out["last_used_at"] = max(
        (s for s in (one.get("last_used_at"), other.get("last_used_at")) if s), default=None
    )
    for field in ("description", "color"):
        out[field] = first.get(field) or second.get(field) or ""
    names = sorted({*(one.get("renamed_from") or []), *(other.get("renamed_from") or [])})
    if names:
        out["renamed_from"] = names
    return out


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _merge_tag(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> dict:
    merged = merge_document(base, ours, theirs)
    if ours == theirs or ours == base or theirs == base:
        return merged
    before = _count(base.get("uses"))
    merged["uses"] = (
        before + (_count(ours.get("uses")) - before) + (_count(theirs.get("uses")) - before)
    )
    used = [s for s in (ours.get("last_used_at"), theirs.get("last_used_at")) if s]
    merged["last_used_at"] = max(used) if used else None
    created = [s for s in (ours.get("created_at"), theirs.get("created_at")) if s]
    if created:
        merged["created_at"] = min(created)
    names = sorted({*(ours.get("renamed_from") or []), *(theirs.get("renamed_from") or [])})
    if names:
        merged["renamed_from"] = names
    if CONFLICTS in merged:  # counts and dates were decided above, not conflicts
        settled = {"uses", "last_used_at", "created_at", "renamed_from"}
        kept = [c for c in merged[CONFLICTS] if c.get("field") not in settled]
        merged[CONFLICTS] = kept
        if not kept:
            del merged[CONFLICTS]
    return merged


# -- what a merge could not decide ------------------------------------------------------------
def conflicts_in(tables: Tables) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(table, document, conflict) for every conflict recorded in a file's documents."""
    return [
        (table, doc, conflict)
        for table, docs in sorted(tables.items())
        for _, doc in sorted(docs.items(), key=lambda item: int(item[0]))
        for conflict in doc.get(CONFLICTS) or []
        if isinstance(conflict, dict)
    ]
