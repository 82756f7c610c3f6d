"""Codings: one coder's application of one tag to a note or a span excerpt (docs/data.md).

A note or span document holds `codings`, a list of `{"tag", "coder", "at"}`, at most one per
(tag case-insensitively, coder) besides a settlement (below: a sync can bring a resolver's
settlement of a tag and their own coding of it from two laptops), and `tags`, the distinct
tags of its codings in the order first applied. Every writer goes through `fields`, which
returns both, so they never drift apart. A document written before codings existed has
`tags` alone: each of its tags reads as a coding by `UNKNOWN_CODER`, applied at an unknown
time.

Settling a disagreement (`settled`) moves the codings it replaces to `set_aside`, each marked
`settled: {"by", "at"}`, and gives the resolver one coding marked `settlement: true`. `codings`
and `tags` are the codings in force, what every surface shows and counts (`codings_of`);
agreement compares each coder's own codings, in force or set aside, never a settlement
(`own_codings_of`), so settling does not move its figures.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from tui.domain.notes import tag_key as _tag_key

tag_key = functools.lru_cache(maxsize=65536)(_tag_key)
"""`tag_key`, remembered: a study repeats a few tags tens of thousands of times."""

UNKNOWN_CODER = "unknown"
"""Whoever applied the tags of a document written before codings recorded a coder."""

SET_ASIDE = "set_aside"
"""A document's codings that a settlement replaced: no longer in force, kept for agreement."""

SETTLED_MARK = "\u2713"
"""A settlement's mark: before its resolver's name or initials (`✓lead`, `#pain (AL, ✓L)`), or
before a count of settlements (`L1 ✓1`). A settlement is the team's word recorded under the
resolver's name, no coding of theirs: every surface that names a tag's coders marks it so."""

Coding = dict[str, Any]


def coding(tag: str, coder: str, at: str | None, *, settlement: bool = False) -> Coding:
    """A coding; `settlement` marks the resolver's coding that settles a disagreement (the
    team's decision, not the resolver's own coding)."""
    made = {"tag": tag, "coder": coder, "at": at}
    if settlement:
        made["settlement"] = True
    return made


def _stored(items: Any, *, aside: bool = False) -> list[Coding]:
    """The well-formed codings of a stored list, as copies with their marks: a settlement's,
    and (`aside`: the list of those set aside) who settled it and when, without which a
    coding is left out."""
    if not isinstance(items, list):
        return []
    found = []
    for c in items:
        if not (
            isinstance(c, Mapping)
            and isinstance(c.get("tag"), str)
            and isinstance(c.get("coder"), str)
        ):
            continue
        at = c.get("at")
        made = {"tag": c["tag"], "coder": c["coder"], "at": at if isinstance(at, str) else None}
        if c.get("settlement") is True:
            made["settlement"] = True
        if aside:
            mark = c.get("settled")
            if not (isinstance(mark, Mapping) and isinstance(mark.get("by"), str)):
                continue
            when = mark.get("at") if isinstance(mark.get("at"), str) else None
            made["settled"] = {"by": mark["by"], "at": when}
        found.append(made)
    return found


def codings_of(doc: Mapping[str, Any]) -> list[Coding]:
    """The document's codings in force, as copies (a settlement's mark kept). A tag in `tags`
    that no coding carries (the whole list, for a file from before codings; one tag, when an
    older Fieldnote added it) reads as a coding by `UNKNOWN_CODER`."""
    found = _stored(doc.get("codings"))
    covered = {tag_key(c["tag"]) for c in found}
    for tag in doc.get("tags") or []:
        if isinstance(tag, str) and tag_key(tag) not in covered:
            covered.add(tag_key(tag))
            found.append(coding(tag, UNKNOWN_CODER, None))
    return found


def set_aside_of(doc: Mapping[str, Any]) -> list[Coding]:
    """The document's codings a settlement set aside, each with its `settled` mark."""
    return _stored(doc.get(SET_ASIDE), aside=True)


def own_codings_of(doc: Mapping[str, Any]) -> list[Coding]:
    """Each coder's own codings of the document, as they made them: those in force but a
    resolver's settlements, and those a settlement set aside (marked `settled`). What
    agreement compares."""
    return [c for c in codings_of(doc) if not c.get("settlement")] + set_aside_of(doc)


def tags_of(codings: Iterable[Mapping[str, Any]]) -> list[str]:
    """The distinct tags of `codings`, in the order first applied."""
    seen: set[str] = set()
    tags = []
    for c in codings:
        key = tag_key(c["tag"])
        if key and key not in seen:
            seen.add(key)
            tags.append(c["tag"])
    return tags


def coders_of(doc: Mapping[str, Any]) -> list[str]:
    """Everyone who coded the document, in the order they first did."""
    return list(dict.fromkeys(c["coder"] for c in codings_of(doc)))


def tags_by(doc: Mapping[str, Any], coder: str) -> list[str]:
    """The tags `coder` applied to the document as a coder: their own codings in force, not a
    settlement they made as resolver (the team's word, which agreement counts as no one's)."""
    return [c["tag"] for c in codings_of(doc) if c["coder"] == coder and not c.get("settlement")]


def settlers_of(doc: Mapping[str, Any], tag: str) -> list[str]:
    """Who settled `tag` here (their settlement of it in force), each once."""
    return _holders_of(doc, tag, settlement=True)


def own_coders_of(doc: Mapping[str, Any], tag: str) -> list[str]:
    """Who coded `tag` here as their own coding (not a settlement), each once."""
    return _holders_of(doc, tag, settlement=False)


def _holders_of(doc: Mapping[str, Any], tag: str, *, settlement: bool) -> list[str]:
    key = tag_key(tag)
    return list(
        dict.fromkeys(
            c["coder"]
            for c in codings_of(doc)
            if tag_key(c["tag"]) == key and bool(c.get("settlement")) == settlement
        )
    )


def held_by(doc: Mapping[str, Any], tag: str) -> str | None:
    """Whose `tag` is here, as words: `was coded by Ana and Bo`, `is lead's settlement` (the
    team's word, no one's coding), or both; None when no one's. What a refusal to remove
    another's coding says (the tagging screen's `d`, `fieldnote tag --remove`)."""
    coders, settlers = own_coders_of(doc, tag), settlers_of(doc, tag)
    said = []
    if coders:
        said.append(f"was coded by {' and '.join(coders)}")
    if settlers:
        said.append(f"is {' and '.join(settlers)}'s settlement")
    return " and ".join(said) or None


def tag_holders(doc: Mapping[str, Any]) -> dict[str, list[tuple[str, bool]]]:
    """Each tag's key -> who holds it here as (name, settlement): each coder of their own
    coding once, in the order they coded it, then each resolver whose settlement keeps it (a
    resolver who also coded it as their own is there twice, once as each)."""
    out: dict[str, list[tuple[str, bool]]] = {}
    for c in codings_of(doc):
        holder = (c["coder"], bool(c.get("settlement")))
        holders = out.setdefault(tag_key(c["tag"]), [])
        if holder not in holders:
            holders.append(holder)
    return {key: sorted(holders, key=lambda h: h[1]) for key, holders in out.items()}


def holder_label(name: str, settlement: bool) -> str:
    """A tag's holder as the surfaces name it: `Ana`, or a settlement `✓lead`."""
    return SETTLED_MARK + name if settlement else name


def fields(codings: list[Coding], set_aside: list[Coding] | None = None) -> dict[str, Any]:
    """The two fields a writer stores, always together (and the codings set aside, when they
    change too)."""
    out = {"codings": codings, "tags": tags_of(codings)}
    if set_aside is not None:
        out[SET_ASIDE] = set_aside
    return out


def with_coding(
    doc: Mapping[str, Any], tag: str, coder: str, at: str | None, *, settlement: bool = False
) -> dict | None:
    """The fields that add `coder`'s own coding of `tag`; None when `coder` has it already. A
    settlement of `tag` they made here as resolver is no coding of their own: it stays, and
    their own coding goes beside it. A tag another coder applied first keeps its spelling.
    `settlement`: their settlement of `tag` instead, as `settled` leaves it (a file read back
    brings one), beside their own coding of it; None when they have one here already."""
    codings = codings_of(doc)
    key = tag_key(tag)
    if any(
        tag_key(c["tag"]) == key and c["coder"] == coder and bool(c.get("settlement")) == settlement
        for c in codings
    ):
        return None
    spelled = next((c["tag"] for c in codings if tag_key(c["tag"]) == key), tag)
    return fields([*codings, coding(spelled, coder, at, settlement=settlement)])


def _own(c: Coding, key: str, coder: str) -> bool:
    """Whether `c` is `coder`'s own coding of the tag `key` (not a settlement)."""
    return tag_key(c["tag"]) == key and c["coder"] == coder and not c.get("settlement")


def without_coding(doc: Mapping[str, Any], tag: str, coder: str) -> dict | None:
    """The fields that remove `coder`'s own coding of `tag`, leaving a settlement of it they
    made as resolver; with no coding of their own, that settlement (which then keeps
    neither: what it set aside stays aside), else the one `UNKNOWN_CODER` has (a tag from
    before coders were recorded is anyone's to remove). None when there is none of these."""
    codings = codings_of(doc)
    key = tag_key(tag)
    for gone in (
        lambda c: _own(c, key, coder),
        lambda c: tag_key(c["tag"]) == key and c["coder"] == coder,
        lambda c: _own(c, key, UNKNOWN_CODER),
    ):
        kept = [c for c in codings if not gone(c)]
        if len(kept) != len(codings):
            return fields(kept)
    return None


def without_coder(doc: Mapping[str, Any], coder: str) -> dict | None:
    """The fields that remove every own coding of `coder` (and `UNKNOWN_CODER`'s, see
    `without_coding`), leaving their settlements; None when there is none."""
    codings = codings_of(doc)
    kept = [c for c in codings if c["coder"] not in (coder, UNKNOWN_CODER) or c.get("settlement")]
    return fields(kept) if len(kept) != len(codings) else None


def without_tag(doc: Mapping[str, Any], tag: str) -> dict | None:
    """The fields that remove every coder's coding of `tag`, set aside ones too; None when no
    one applied it."""
    codings, aside = codings_of(doc), set_aside_of(doc)
    key = tag_key(tag)
    kept = [c for c in codings if tag_key(c["tag"]) != key]
    kept_aside = [c for c in aside if tag_key(c["tag"]) != key]
    return _fields_if_fewer(codings, aside, kept, kept_aside)


def without_twins(doc: Mapping[str, Any], keep: str, drop: str) -> dict | None:
    """The fields that remove each coding of `drop` that has a twin of `keep`: the same
    coder, the same time (one coding a tag merged into two tags on two laptops became), in
    force or set aside; None when there is none."""

    def untwinned(codings: list[Coding]) -> list[Coding]:
        kept = {(c["coder"], c["at"]) for c in codings if tag_key(c["tag"]) == tag_key(keep)}
        return [
            c
            for c in codings
            if tag_key(c["tag"]) != tag_key(drop) or (c["coder"], c["at"]) not in kept
        ]

    codings, aside = codings_of(doc), set_aside_of(doc)
    return _fields_if_fewer(codings, aside, untwinned(codings), untwinned(aside))


def without_matching(
    doc: Mapping[str, Any],
    tag: str,
    gone: Iterable[Mapping[str, Any]],
    gone_aside: Iterable[Mapping[str, Any]] = (),
) -> dict | None:
    """The fields that remove each coding of `tag` matching one of `gone` (in force) or of
    `gone_aside` (set aside): the same coder, the same time, a settlement or not, whatever
    tag those name (it may have been renamed since they were listed); None when none does."""

    def marks(listed: Iterable[Mapping[str, Any]]) -> set[tuple[Any, Any, bool]]:
        return {(c.get("coder"), c.get("at"), c.get("settlement") is True) for c in listed}

    def kept(codings: list[Coding], listed: set[tuple[Any, Any, bool]]) -> list[Coding]:
        return [
            c
            for c in codings
            if tag_key(c["tag"]) != tag_key(tag)
            or (c["coder"], c["at"], bool(c.get("settlement"))) not in listed
        ]

    codings, aside = codings_of(doc), set_aside_of(doc)
    out, out_aside = kept(codings, marks(gone)), kept(aside, marks(gone_aside))
    return _fields_if_fewer(codings, aside, out, out_aside)


def _fields_if_fewer(
    codings: list[Coding], aside: list[Coding], out: list[Coding], out_aside: list[Coding]
) -> dict | None:
    """The fields that leave `out` of `codings` and `out_aside` of `aside` (the set aside
    ones only where some went); None when none went."""
    if len(out) == len(codings) and len(out_aside) == len(aside):
        return None
    return fields(out, out_aside if len(out_aside) != len(aside) else None)


def _retagged(codings: list[Coding], mapping: Mapping[str, str | None]) -> list[Coding]:
    out: list[Coding] = []
    at_of: dict[tuple[str, str, bool], int] = {}
    for c in codings:
        key = tag_key(c["tag"])
        name = mapping[key] if key in mapping else c["tag"]
        if name is None or not tag_key(name):
            continue
        ident = (tag_key(name), c["coder"], bool(c.get("settlement")))
        if ident in at_of:
            kept = out[at_of[ident]]
            kept["at"] = min((t for t in (kept["at"], c["at"]) if t), default=None)
            continue
        at_of[ident] = len(out)
        out.append({**c, "tag": name})
    return out


def retagged(doc: Mapping[str, Any], mapping: Mapping[str, str | None]) -> dict | None:
    """The fields with every tag whose key is in `mapping` renamed (None drops its codings),
    in the codings in force and those set aside; one coder's two codings that now name the
    same tag fold into the earlier (a settlement only with a settlement). None when no tag of
    the document is in `mapping`."""
    codings, aside = codings_of(doc), set_aside_of(doc)
    if not any(tag_key(c["tag"]) in mapping for c in codings):
        if not any(tag_key(c["tag"]) in mapping for c in aside):
            return None
    return fields(_retagged(codings, mapping), _retagged(aside, mapping) if aside else None)


def settled(
    doc: Mapping[str, Any],
    tag: str,
    coders: set[str],
    kept: set[str],
    resolver: str,
    at: str | None,
) -> dict | None:
    """The fields once a disagreement among `coders` on `tag` is settled: every coding of it
    here (a third coder's and the resolver's own too) is set aside, marked as settled by the
    resolver at `at`, and the resolver's settlement of it (a coding marked `settlement`) is in
    force instead, when one of `kept` had coded it here. A settlement is the team's word on
    the tag here: a third coder's coding left in force would keep a tag the resolver chose to
    drop. None when none of `coders` coded it here."""
    codings = codings_of(doc)
    key = tag_key(tag)
    theirs = [
        c
        for c in codings
        if tag_key(c["tag"]) == key and c["coder"] in coders and not c.get("settlement")
    ]
    if not theirs:
        return None
    gone = {c["coder"] for c in codings if tag_key(c["tag"]) == key} | coders | {resolver}
    out = [c for c in codings if not (tag_key(c["tag"]) == key and c["coder"] in gone)]
    # Each coder's first coding of the tag is the one agreement compares: one they made
    # again after an earlier settlement adds nothing to set aside.
    aside = set_aside_of(doc)
    known = {(tag_key(c["tag"]), c["coder"]) for c in aside}
    mark = {"by": resolver, "at": at}
    aside += [
        {**c, "settled": dict(mark)}
        for c in codings
        if tag_key(c["tag"]) == key
        and c["coder"] in gone
        and not c.get("settlement")
        and (key, c["coder"]) not in known
    ]
    if any(c["coder"] in kept for c in theirs):
        out.append(coding(theirs[0]["tag"], resolver, at, settlement=True))
    return fields(out, aside)


def unsettled(
    doc: Mapping[str, Any],
    tag: str,
    resolver: str,
    at: str | None,
    before: Mapping[str, Any] | None = None,
) -> dict | None:
    """The fields once the settlement of `tag` that `resolver` made at `at` is undone: the
    codings it set aside are in force again, as their coders made them, and the resolver's
    settlement coding goes. A coding its coder made again since stays as it is. `before`, the
    document as it was before the settlement, says where each coding stood: it goes back
    there, after the codings that came before it then (without it, after the others). None
    when that settlement is not on the document (another, or a sync, changed it since)."""
    key = tag_key(tag)
    mark = {"by": resolver, "at": at}
    aside = set_aside_of(doc)
    back = [c for c in aside if tag_key(c["tag"]) == key and c.get("settled") == mark]
    codings = codings_of(doc)
    ours = [
        c
        for c in codings
        if tag_key(c["tag"]) == key
        and c["coder"] == resolver
        and c.get("settlement")
        and c.get("at") == at
    ]
    if not back and not ours:
        return None
    out = [c for c in codings if c not in ours]
    present = {c["coder"] for c in out if tag_key(c["tag"]) == key}
    returning = [
        {k: v for k, v in c.items() if k != "settled"} for c in back if c["coder"] not in present
    ]
    return fields(_in_place(out, returning, before), [c for c in aside if c not in back])


def _identity(c: Mapping[str, Any]) -> tuple[str, str, bool]:
    return (tag_key(c["tag"]), c["coder"], bool(c.get("settlement")))


def _in_place(
    codings: list[Coding], returning: list[Coding], before: Mapping[str, Any] | None
) -> list[Coding]:
    """`codings` with `returning` put back where each stood in `before`'s codings: right
    after the last of those that came before it there and are here now (first, when none
    is). Nothing changed since, the list is `before`'s again, in its order; a coding made
    since stays after them. One `before` did not have goes last."""
    order = [_identity(c) for c in codings_of(before)] if before is not None else []
    place = {ident: i for i, ident in enumerate(order)}
    out = list(codings)
    late = []
    for c in sorted(returning, key=lambda c: place.get(_identity(c), len(order))):
        at = place.get(_identity(c))
        if at is None:
            late.append(c)
            continue
        earlier = set(order[:at])
        out.insert(max((i + 1 for i, o in enumerate(out) if _identity(o) in earlier), default=0), c)
    return out + late


def inline_codings(
    codings: list[Coding], tags: Iterable[str], author: str, at: str | None
) -> list[Coding]:
    """`codings` with the note author's coding of each inline tag added (typed `#tags` are
    codings by the note's author)."""
    doc = fields(codings)
    for tag in tags:
        changed = with_coding(doc, tag, author, at)
        if changed is not None:
            doc = changed
    return doc["codings"]


def initials(name: str) -> str:
    """`Ana Lima` -> `AL`, `bo` -> `B`: how the tagging screen marks who coded a tag."""
    if name == UNKNOWN_CODER:
        return "?"
    words = name.replace(".", " ").replace("_", " ").replace("-", " ").split()
    return "".join(w[0] for w in words[:3]).upper() or "?"


def coder_marks(coders: Iterable[str]) -> dict[str, str]:
    """Each coder -> their initials, or where coders shown together share them, as much of
    each one's name as tells them apart (`Ana` and `Aiko`: `An` and `Ai`; the whole name at
    worst): two coders marked alike would read as one."""
    names = list(dict.fromkeys(coders))
    marks = {name: initials(name) for name in names}
    shared: dict[str, list[str]] = {}
    for name in names:
        shared.setdefault(marks[name], []).append(name)
    for group in shared.values():
        if len(group) < 2:
            continue
        letters = {name: "".join(name.split()) for name in group}
        longest = max(len(word) for word in letters.values())
        for size in range(2, longest + 1):
            cut = {name: word[:size].capitalize() for name, word in letters.items()}
            if len(set(cut.values())) == len(group):
                break
        else:
            cut = {name: name for name in group}  # the same letters: only the names differ
        marks.update(cut)
    return marks
