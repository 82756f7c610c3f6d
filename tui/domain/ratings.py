"""Ratings: one coder's severity (1-5) of a note or a span excerpt (docs/data.md).

A note or span document holds `ratings`, a list of `{"severity", "coder", "at"}`, at most one
per coder (a coder's latest), and `severity`, the value the analysis, the report, the exports
and the study index count: the median of the ratings, the lower middle one when their number
is even (`counted`, docs/analysis.md). Every writer goes through `rating_fields`, which returns
both fields, so they never drift apart. A document written before ratings existed has
`severity` alone: it reads as a rating by `UNKNOWN_CODER`, given at an unknown time, as a tag
from before codings reads as that coder's coding (tui/domain/codings.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tui.domain.codings import UNKNOWN_CODER

Rating = dict[str, Any]


def _severity(value: Any) -> int | None:
    return value if type(value) is int and 1 <= value <= 5 else None


def rating(severity: int, coder: str, at: str | None) -> Rating:
    return {"severity": severity, "coder": coder, "at": at}


def counted(ratings: Iterable[Mapping[str, Any]]) -> int | None:
    """The severity counted from several coders' ratings: their median, the lower of the two
    middle ratings when their number is even (so it stays a point of the 1-5 scale, and one
    coder's higher rating alone never raises it). None when there is no rating."""
    values = sorted(r["severity"] for r in ratings)
    return values[(len(values) - 1) // 2] if values else None


def ratings_of(doc: Mapping[str, Any]) -> list[Rating]:
    """The document's ratings, as copies, one per coder (the later of two). A `severity` the
    ratings do not give (the whole rating of a file from before ratings; a value an older
    Fieldnote set over them) reads as the rating of `UNKNOWN_CODER`."""
    stored = doc.get("ratings")
    if stored is None:  # a file from before ratings, the common case of a large archive
        value = _severity(doc.get("severity"))
        return [] if value is None else [rating(value, UNKNOWN_CODER, None)]
    found: dict[str, Rating] = {}
    for r in stored if isinstance(stored, list) else ():
        if not isinstance(r, Mapping) or not isinstance(r.get("coder"), str):
            continue
        value = _severity(r.get("severity"))
        if value is not None:
            at = r.get("at") if isinstance(r.get("at"), str) else None
            found.pop(r["coder"], None)  # the later rating of one coder is theirs
            found[r["coder"]] = rating(value, r["coder"], at)
    ratings = list(found.values())
    stored_value = _severity(doc.get("severity"))
    if stored_value is not None and stored_value != counted(ratings):
        ratings = [r for r in ratings if r["coder"] != UNKNOWN_CODER]
        ratings.append(rating(stored_value, UNKNOWN_CODER, None))
    return ratings


def severity_of(doc: Mapping[str, Any]) -> int | None:
    """The severity the analysis counts for the document (`counted` of its ratings)."""
    if "ratings" not in doc:  # a file from before ratings, or an unrated document
        return _severity(doc.get("severity"))
    return counted(ratings_of(doc))


def severities_of(docs: list[Mapping[str, Any]]) -> list[int | None]:
    """`severity_of` of each document; those without ratings (most of a large study's) read
    as `_severity` reads them, without a call per document."""
    return [
        severity_of(doc)
        if "ratings" in doc
        else value
        if type(value := doc.get("severity")) is int and 1 <= value <= 5
        else None
        for doc in docs
    ]


def rating_by(doc: Mapping[str, Any], coder: str) -> int | None:
    """`coder`'s own rating of the document, if any."""
    return next((r["severity"] for r in ratings_of(doc) if r["coder"] == coder), None)


def rating_fields(ratings: list[Rating]) -> dict[str, Any]:
    """The two fields a writer stores, always together."""
    return {"ratings": ratings, "severity": counted(ratings)}


def with_rating(
    doc: Mapping[str, Any],
    severity: int | None,
    coder: str,
    at: str | None,
    *,
    over_unknown: bool = False,
) -> dict | None:
    """The fields with `coder`'s rating set to `severity` (None removes it), the other coders'
    kept. `over_unknown`: the rating from before coders were recorded gives way too (a coder
    who saw it and stepped from it; like such a tag, it is anyone's). None when nothing
    changes."""
    ratings = ratings_of(doc)
    gone = {coder, UNKNOWN_CODER} if over_unknown else {coder}
    kept = [r for r in ratings if r["coder"] not in gone]
    if _severity(severity) is not None:
        kept.append(rating(severity, coder, at))
    before = {(r["coder"], r["severity"]) for r in ratings}
    if {(r["coder"], r["severity"]) for r in kept} == before and "ratings" in doc:
        return None
    if not kept and not ratings and "ratings" not in doc:
        return None
    return rating_fields(kept)
