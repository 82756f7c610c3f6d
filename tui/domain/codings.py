"""Codings: one coder's application of one tag to a note or a span excerpt (docs/data.md).

A note or span document holds `codings`, a list of `{"tag", "coder", "at"}`, at most one per
(tag case-insensitively, coder), and `tags`, the distinct tags of its codings in the order
first applied. Every writer goes through `coding_changes`, which returns both fields, so they
never drift apart. A document written before codings existed has `tags` alone: each of its tags
reads as a coding by `UNKNOWN_CODER`, applied at an unknown time.
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

Coding = dict[str, Any]


def coding(tag: str, coder: str, at: str | None) -> Coding:
    return {"tag": tag, "coder": coder, "at": at}


def codings_of(doc: Mapping[str, Any]) -> list[Coding]:
    """The document's codings, as copies. A tag in `tags` that no coding carries (the whole
    list, for a file from before codings; one tag, when an older Fieldnote added it) reads as
    a coding by `UNKNOWN_CODER`."""
    stored = doc.get("codings")
    found = (
        [
            coding(c["tag"], c["coder"], c.get("at") if isinstance(c.get("at"), str) else None)
            for c in stored
            if isinstance(c, Mapping)
            and isinstance(c.get("tag"), str)
            and isinstance(c.get("coder"), str)
        ]
        if isinstance(stored, list)
        else []
    )
    covered = {tag_key(c["tag"]) for c in found}
    for tag in doc.get("tags") or []:
        if isinstance(tag, str) and tag_key(tag) not in covered:
            covered.add(tag_key(tag))
            found.append(coding(tag, UNKNOWN_CODER, None))
    return found


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
    """The tags `coder` applied to the document."""
    return [c["tag"] for c in codings_of(doc) if c["coder"] == coder]


def tag_coders(doc: Mapping[str, Any]) -> dict[str, list[str]]:
    """Each tag's key -> who applied it."""
    out: dict[str, list[str]] = {}
    for c in codings_of(doc):
        out.setdefault(tag_key(c["tag"]), []).append(c["coder"])
    return out


def fields(codings: list[Coding]) -> dict[str, Any]:
    """The two fields a writer stores, always together."""
    return {"codings": codings, "tags": tags_of(codings)}


def with_coding(doc: Mapping[str, Any], tag: str, coder: str, at: str | None) -> dict | None:
    """The fields that add `coder`'s coding of `tag`; None when `coder` has it already. A tag
    another coder applied first keeps its spelling."""
    codings = codings_of(doc)
    key = tag_key(tag)
    if any(tag_key(c["tag"]) == key and c["coder"] == coder for c in codings):
        return None
    spelled = next((c["tag"] for c in codings if tag_key(c["tag"]) == key), tag)
    return fields([*codings, coding(spelled, coder, at)])


def without_coding(doc: Mapping[str, Any], tag: str, coder: str) -> dict | None:
    """The fields that remove `coder`'s coding of `tag` (or, when `coder` has none, the one
    `UNKNOWN_CODER` has: a tag from before coders were recorded is anyone's to remove); None
    when there is neither."""
    codings = codings_of(doc)
    key = tag_key(tag)
    for who in (coder, UNKNOWN_CODER):
        kept = [c for c in codings if not (tag_key(c["tag"]) == key and c["coder"] == who)]
        if len(kept) != len(codings):
            return fields(kept)
    return None


def without_coder(doc: Mapping[str, Any], coder: str) -> dict | None:
    """The fields that remove every coding of `coder` (and `UNKNOWN_CODER`'s, see
    `without_coding`); None when there is none."""
    codings = codings_of(doc)
    kept = [c for c in codings if c["coder"] not in (coder, UNKNOWN_CODER)]
    return fields(kept) if len(kept) != len(codings) else None


def without_tag(doc: Mapping[str, Any], tag: str) -> dict | None:
    """The fields that remove every coder's coding of `tag`; None when no one applied it."""
    codings = codings_of(doc)
    key = tag_key(tag)
    kept = [c for c in codings if tag_key(c["tag"]) != key]
    return fields(kept) if len(kept) != len(codings) else None


def without_twins(doc: Mapping[str, Any], keep: str, drop: str) -> dict | None:
    """The fields that remove each coding of `drop` that has a twin of `keep`: the same
    coder, the same time (one coding a tag merged into two tags on two laptops became);
    None when there is none."""
    codings = codings_of(doc)
    kept = {(c["coder"], c["at"]) for c in codings if tag_key(c["tag"]) == tag_key(keep)}
    out = [
        c
        for c in codings
        if tag_key(c["tag"]) != tag_key(drop) or (c["coder"], c["at"]) not in kept
    ]
    return fields(out) if len(out) < len(codings) else None


def retagged(doc: Mapping[str, Any], mapping: Mapping[str, str | None]) -> dict | None:
    """The fields with every tag whose key is in `mapping` renamed (None drops its codings);
    one coder's two codings that now name the same tag fold into the earlier. None when no
    tag of the document is in `mapping`."""
    codings = codings_of(doc)
    if not any(tag_key(c["tag"]) in mapping for c in codings):
        return None
    out: list[Coding] = []
    at_of: dict[tuple[str, str], int] = {}
    for c in codings:
        key = tag_key(c["tag"])
        name = mapping[key] if key in mapping else c["tag"]
        if name is None or not tag_key(name):
            continue
        ident = (tag_key(name), c["coder"])
        if ident in at_of:
            kept = out[at_of[ident]]
            kept["at"] = min((t for t in (kept["at"], c["at"]) if t), default=None)
            continue
        at_of[ident] = len(out)
        out.append(coding(name, c["coder"], c["at"]))
    return fields(out)


def settled(
    doc: Mapping[str, Any],
    tag: str,
    coders: set[str],
    kept: set[str],
    resolver: str,
    at: str | None,
) -> dict | None:
    """The fields once a disagreement among `coders` on `tag` is settled: their codings of it
    (and the resolver's) give way to one coding by the resolver, kept when one of `kept` had
    coded it here. None when none of `coders` coded it here."""
    codings = codings_of(doc)
    key = tag_key(tag)
    theirs = [c for c in codings if tag_key(c["tag"]) == key and c["coder"] in coders]
    if not theirs:
        return None
    gone = coders | {resolver}
    out = [c for c in codings if not (tag_key(c["tag"]) == key and c["coder"] in gone)]
    if any(c["coder"] in kept for c in theirs):
        out.append(coding(theirs[0]["tag"], resolver, at))
    return fields(out)


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
