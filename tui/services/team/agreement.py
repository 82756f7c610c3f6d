"""Inter-coder agreement over the notes of some sessions, and settling where coders differ.

The unit is a note. A code is present for a coder on a note when that coder applied it to the
note or to a span of it. The population is every note of the compared sessions (transcript cues
included; guide "asked" marks, which cannot be coded, left out), so a note neither coder tagged
counts as agreement on absence. Per code and pair of coders: the notes each coded, the notes
both coded, percent agreement, Cohen's kappa, the character overlap of what they coded (a
whole-note coding covers the whole note) and Krippendorff's alpha (nominal), computed by the
`krippendorff` library; per code over every coder, alpha again. A pair's figures are those of
the two alone, over the codes either used: comparing them with `--coders A B` gives the same.
The study's figures pool every (note, code) decision, a pair's over the codes either used.
Ratings (each coder's severity of a note or span) are compared too: per pair of coders, the
notes and spans both rated, how often they gave the same rating and Krippendorff's alpha
(ordinal: 1-5 are ordered, not evenly spaced); over every coder, that alpha again.

The figures are of the codings as each coder made them (`own_codings_of`): a coding a
settlement set aside still counts as its coder's, and the resolver's settlement coding counts
for no one, so settling moves no figure. A disagreement is settled once every coder who had
the code there has had it set aside; it leaves the list and is counted in `settled`.

`load` reads the sessions once; `compute` is pure and fast enough to run again after every
resolution. `resolve` settles one disagreement as the resolver's coding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from tui.domain.clock import recording_offset
from tui.domain.codings import (
    UNKNOWN_CODER,
    own_codings_of,
    set_aside_of,
    settled,
    tag_key,
    unsettled,
)
from tui.domain.notes import MARK_KINDS, inline_tokens
from tui.domain.quotes import clock_and_recording
from tui.domain.ratings import ratings_of
from tui.domain.recording import cue_notes
from tui.domain.spans import span_owners
from tui.store import DataStore, StoreError

KEEPS = ("first", "second", "both", "neither")
"""How a disagreement between two coders is settled: keep one's codings, both, or neither."""

POPULATION = (
    "Unit: a note. A code is present for a coder on a note when they applied it to the note or "
    "to a span of it. Population: every note of the compared sessions (transcript cues "
    "included), so a note neither coder tagged counts as agreement on absence."
)


@dataclass
class Unit:
    """One note of the population, with what each coder coded on it."""

    session_id: str
    title: str
    note: dict[str, Any]
    spans: list[dict[str, Any]]
    present: dict[str, set[str]] = field(default_factory=dict)
    """Coder -> the tag keys present for them on this note (the note's or a span's)."""
    ranges: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=dict)
    """(coder, tag key) -> the character ranges they coded with it."""
    cue: bool = False
    """A cue of the session's attached transcript: coded only through its spans."""
    ratings: list[dict[str, int]] = field(default_factory=list)
    """Coder -> their rating, for the note and each span anyone rated."""
    settled_by: dict[str, set[str]] | None = None
    """Tag key -> who settled a disagreement on it here; None while nothing here is (most
    notes: no dict for each)."""
    recording_offset: float = 0.0
    """The session's recording offset: its notes' place on the recording is elapsed + it."""
    typed: frozenset[str] = frozenset()
    """The tag keys typed into the note (`#tag`) that its author's codings of it hold: what
    they coded as they took it, not on the tagging screen."""

    @property
    def when(self) -> str:
        """The note's moment as the tagging screen gives it: `01:25 (rec 01:33)` where the
        recording is offset (`quotes.clock_and_recording`)."""
        return clock_and_recording(float(self.note.get("elapsed") or 0), self.recording_offset)

    @property
    def author(self) -> str:
        return " ".join(str(self.note.get("author") or "").split())

    def only_typed(self, coder: str) -> bool:
        """Whether the coder's codings here are all tags they typed into their own note."""
        return coder == self.author and self.present.get(coder, set()) <= self.typed

    @property
    def text(self) -> str:
        return str(self.note.get("text") or "")

    def in_force(self, coder: str, key: str) -> bool:
        """Whether `coder` has a coding of the code here that no settlement set aside."""
        return any(
            tag_key(c["tag"]) == key and c["coder"] == coder and "settled" not in c
            for doc in [self.note, *self.spans]
            for c in own_codings_of(doc)
        )

    def coded_where(self, coder: str, key: str) -> list[str]:
        """Where `coder` applied the code: "the note", and each span's text in quotes."""
        where = []
        if any(tag_key(c["tag"]) == key and c["coder"] == coder for c in own_codings_of(self.note)):
            where.append("the note")
        for span in self.spans:
            if any(tag_key(c["tag"]) == key and c["coder"] == coder for c in own_codings_of(span)):
                where.append("\u201c" + self.text[span["start"] : span["end"]] + "\u201d")
        return where


def _unit(session_id: str, title: str, note: dict, spans: list[dict], cue: bool = False) -> Unit:
    unit = Unit(session_id, title, note, spans, cue=cue)
    length = len(unit.text)
    for doc, start, end in [(note, 0, length)] + [(s, s["start"], s["end"]) for s in spans]:
        for c in own_codings_of(doc):
            key = tag_key(c["tag"])
            unit.present.setdefault(c["coder"], set()).add(key)
            unit.ranges.setdefault((c["coder"], key), []).append((start, end))
            if "settled" in c:
                unit.settled_by = unit.settled_by or {}
                unit.settled_by.setdefault(key, set()).add(c["settled"]["by"])
        rated = {r["coder"]: r["severity"] for r in ratings_of(doc)}
        if rated:
            unit.ratings.append(rated)
    if not cue and unit.author in unit.present:  # the inline tags only where they may count
        inline = {tag_key(t.value) for t in inline_tokens(unit.text) if t.kind == "tag"}
        unit.typed = frozenset(inline & unit.present[unit.author])
    return unit


def by_name(coders) -> list[str]:
    """Coders in the order of their names, the first of each pair its A: not in the order
    first seen, which a settlement changes (it moves codings to `set_aside`, read after those
    in force), so that A and B, and what `a` and `b` keep, would swap; nor as `--coders`
    names them, so that the CLI and the screen call the same coder A."""
    return sorted(coders, key=lambda coder: (coder.casefold(), coder))


@dataclass
class CodingSet:
    """The notes of some sessions with their codings, read once."""

    session_ids: list[str]
    units: list[Unit] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    """Tag key -> the name as first seen."""
    problems: list[str] = field(default_factory=list)

    @property
    def coders(self) -> list[str]:
        """Everyone who coded or rated, by name (`unknown` last): a coder who only rated is
        compared on ratings (and applied no code)."""
        seen = {c for u in self.units for c in [*u.present, *(c for r in u.ratings for c in r)]}
        known = by_name(c for c in seen if c != UNKNOWN_CODER)
        return known + [UNKNOWN_CODER] * (UNKNOWN_CODER in seen)

    @property
    def typists(self) -> list[str]:
        """Coders whose only codings are tags they typed into their own notes as they took
        them, and who rated nothing: note-takers coding live, not in a coding pass. The
        figures leave them out unless named (`compute`): compared with the coders of a pass,
        every note they did not take reads as a disagreement."""
        typed: set[str] = set()
        other: set[str] = set()
        for unit in self.units:
            for coder in unit.present:
                (typed if unit.only_typed(coder) else other).add(coder)
            for rated in unit.ratings:
                other.update(rated)
        return by_name(typed - other - {UNKNOWN_CODER})

    def compared(self) -> list[str]:
        """The coders compared unless some are named: everyone who coded but `unknown` and
        the typists, as long as two are left; else everyone but `unknown` (else everyone)."""
        everyone = self.coders
        known = [c for c in everyone if c != UNKNOWN_CODER]
        typists = set(self.typists)
        in_pass = [c for c in known if c not in typists]
        return in_pass if len(in_pass) >= 2 else known or everyone

    def session_units(self, session_id: str, snapshot, recording=None) -> list[Unit]:
        """The session's notes and the cues of its attached transcript (`recording`), which
        are coded through their spans as the codebook, the analysis and the exports count
        them."""
        title = str(snapshot.session.get("title") or session_id)
        by_note: dict[str, list[dict]] = {}
        for doc in snapshot.excerpts:
            by_note.setdefault(doc.get("note_id"), []).append(doc)
        # A span names a note, or failing one a cue of the same id: such a cue's spans are the
        # note's (as the analysis, the codebook and the index take them), so it is no unit.
        offset = recording_offset(snapshot.session)
        cues = cue_notes(recording, offset)
        owners = span_owners(snapshot.notes, cues)
        cues = [cue for cue in cues if owners[cue["id"]] is cue]
        units = []
        for note, cue in [*((n, False) for n in snapshot.notes), *((c, True) for c in cues)]:
            if note.get("kind") in MARK_KINDS:
                continue
            spans = sorted(by_note.get(note.get("id"), []), key=lambda s: (s["start"], s["end"]))
            unit = _unit(session_id, title, note, spans, cue)
            unit.recording_offset = offset
            for doc in [note, *spans]:  # a tag only set aside is named as its coder spelt it
                for tag in [*(doc.get("tags") or []), *(c["tag"] for c in set_aside_of(doc))]:
                    self.names.setdefault(tag_key(tag), tag)
            units.append(unit)
        return units

    def reread(self, store: DataStore, session_id: str) -> None:
        """Read one session again (after a resolution), keeping the others as read."""
        fresh = self.session_units(session_id, *store.read_session(session_id))
        at = next((i for i, u in enumerate(self.units) if u.session_id == session_id), None)
        kept = [u for u in self.units if u.session_id != session_id]
        at = len(kept) if at is None else at
        self.units = kept[:at] + fresh + kept[at:]


def load(store: DataStore, session_ids: Iterable[str]) -> CodingSet:
    """Every note of the sessions, with its codings; a session that cannot be read is left
    out and named in `problems`."""
    found = CodingSet(list(session_ids))
    for session_id in found.session_ids:
        try:
            snapshot, recording = store.read_session(session_id)
        except StoreError as error:
            found.problems.append(str(error))
            continue
        found.units.extend(found.session_units(session_id, snapshot, recording))
    return found


def study_sessions(store: DataStore, study: str) -> list[str]:
    """The sessions of a study (case aside), oldest first; StoreError naming the studies when
    there is none of that name."""
    summaries, _ = store.list_sessions()
    wanted = study.strip().casefold()
    ids = [s.id for s in reversed(summaries) if (s.study or "").casefold() == wanted]
    if not ids:
        from tui.services.study_index import no_study_named

        raise StoreError(no_study_named(study, (s.study or "" for s in summaries)))
    return ids


# -- the figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairFigures:
    """Two coders on one code (or on every code, for the study)."""

    first: str
    second: str
    first_units: int
    """Notes (for the study: note-code decisions) the first coder coded."""
    second_units: int
    both: int
    units: int
    """The population: every note (for the study, times every code either of the two used)."""
    percent: float
    kappa: float | None
    """None when it is undefined: neither coder varies (both never, or always, used it)."""
    overlap: float | None
    """Characters both coded over characters either coded; None when neither coded any."""
    alpha: float | None
    """Krippendorff's alpha of the two alone (what comparing only them gives); None when
    neither varies."""


@dataclass(frozen=True)
class CodeFigures:
    key: str
    name: str
    pairs: tuple[PairFigures, ...]
    """Every pair of whom one or both used the code (for the study: every pair)."""
    alpha: float | None
    """Krippendorff's alpha over every coder compared (with two, the pair's); None when no one
    varies."""
    units: int
    """The population of that alpha: every note (times every code, for the study)."""


@dataclass(frozen=True)
class RatingPair:
    """Two coders' ratings of the notes and spans both rated."""

    first: str
    second: str
    both: int
    same: float | None
    """Percent of those they rated alike; None when they rated none alike or not."""
    apart: float | None
    """The mean distance between their ratings (0-4); None when they rated none both."""
    alpha: float | None
    """Krippendorff's alpha (ordinal) of the two alone; None when their ratings do not vary."""


@dataclass(frozen=True)
class RatingFigures:
    items: int
    """Notes and spans rated by at least two of the coders compared."""
    pairs: tuple[RatingPair, ...]
    alpha: float | None
    """Krippendorff's alpha (ordinal) over every coder; None when no rating varies."""


@dataclass(frozen=True)
class Disagreement:
    """A note where the coders compared differ on one code."""

    unit: Unit
    key: str
    name: str
    having: tuple[str, ...]
    lacking: tuple[str, ...]
    settled_by: tuple[str, ...] = ()
    """Who settled it, when every coder who had the code here has had it set aside."""


@dataclass
class Agreement:
    coders: list[str]
    sessions: int
    units: int
    codes: list[CodeFigures] = field(default_factory=list)
    study: CodeFigures | None = None
    disagreements: list[Disagreement] = field(default_factory=list)
    """Those not settled yet."""
    settled: list[Disagreement] = field(default_factory=list)
    """Those settled: the figures still count each coder's own codings there."""
    ratings: RatingFigures | None = None
    problem: str | None = None
    """Why there are no figures (one coder, a coder with no codings), as a sentence."""
    problems: list[str] = field(default_factory=list)
    """Sessions left out because they cannot be read."""
    uncoded: list[tuple[str, str]] = field(default_factory=list)
    """Pairs of coders neither of whom tagged a note (they only rated): no figures of codes."""
    typists: list[str] = field(default_factory=list)
    """Note-takers who only typed tags into their own notes, left out as no one named them
    (`CodingSet.typists`)."""

    def between(self, first: str, second: str, *, settled: bool = False) -> list[Disagreement]:
        """The disagreements (`settled`: those settled) where exactly one of the two coders
        has the code, as comparing the two alone finds them (the agreement screen does):
        settled once the one of them who has it has had it set aside, whatever a third
        coder did since."""
        # A settled one is settled for every pair; one a third coder's coding keeps in the
        # list may be settled for the two.
        pool = [*self.settled, *self.disagreements] if settled else self.disagreements
        return [
            d
            for d in pool
            if (first in d.having) != (second in d.having)
            and (first in d.having or first in d.lacking)
            and (second in d.having or second in d.lacking)
            and _settled_for(d, first if first in d.having else second) == settled
        ]

    def settled_line(self, shown: Callable[[str], str] = str) -> str | None:
        """How many disagreements are settled and by whom, and what the figures are of;
        None when none is."""
        return settled_line(self.settled, shown)


def _settled_for(d: Disagreement, having: str) -> bool:
    """Whether `d` is settled between `having` (who has the code) and a coder who has not."""
    by = d.unit.settled_by.get(d.key) if d.unit.settled_by else None
    return bool(by) and not d.unit.in_force(having, d.key)


def settled_line(found: list[Disagreement], shown: Callable[[str], str] = str) -> str | None:
    """ "12 disagreements settled by team; figures are of each coder's own codings." None
    when `found` is empty."""
    if not found:
        return None
    by: dict[str, int] = {}
    for d in found:
        for resolver in d.settled_by:
            by[resolver] = by.get(resolver, 0) + 1
    noun = "disagreement" if len(found) == 1 else "disagreements"
    if len(by) == 1:
        who = f"by {shown(next(iter(by)))}"
    else:
        who = "(" + ", ".join(f"{n} by {shown(name)}" for name, n in by.items()) + ")"
    return (
        f"{len(found)} {noun} settled {who}; figures are of each coder's own codings, as "
        "they made them."
    )


def cohen_kappa(both: int, first_only: int, second_only: int, neither: int) -> float | None:
    """Cohen's kappa of two coders' yes/no decisions; None when chance agreement is total."""
    n = both + first_only + second_only + neither
    if n == 0:
        return None
    observed = (both + neither) / n
    first_yes, second_yes = both + first_only, both + second_only
    expected = (first_yes * second_yes + (n - first_yes) * (n - second_yes)) / (n * n)
    if expected >= 1:
        return None
    return (observed - expected) / (1 - expected)


def nominal_alpha(matrix) -> float | None:
    """Krippendorff's alpha (nominal) of a coders x units array of 0/1; None when every value
    is the same (the library refuses a domain of one value: there is nothing to agree on)."""
    import krippendorff
    import numpy

    if matrix.size == 0 or numpy.all(matrix == matrix.flat[0]):
        return None
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))


def ordinal_alpha(matrix) -> float | None:
    """Krippendorff's alpha (ordinal, on the 1-5 scale) of a coders x items array of ratings,
    NaN where a coder gave none; None when there is nothing to agree on (no item two coders
    rated, or every rating the same: the library would divide by zero)."""
    import krippendorff
    import numpy

    pairable = matrix[:, (~numpy.isnan(matrix)).sum(axis=0) >= 2]
    values = pairable[~numpy.isnan(pairable)]
    if values.size == 0 or numpy.all(values == values[0]):
        return None
    return float(
        krippendorff.alpha(
            reliability_data=pairable, level_of_measurement="ordinal", value_domain=range(1, 6)
        )
    )


def rating_figures(units: list[Unit], coders: list[str]) -> RatingFigures:
    """How the coders' ratings of the same notes and spans agree."""
    import numpy

    items = [r for u in units for r in u.ratings if sum(c in r for c in coders) >= 2]
    matrix = numpy.array(
        [[r.get(c, numpy.nan) for r in items] for c in coders], dtype=numpy.float64
    ).reshape(len(coders), len(items))
    whole = ordinal_alpha(matrix)
    pairs = []
    for (i, a), (j, b) in combinations(enumerate(coders), 2):
        both = ~numpy.isnan(matrix[i]) & ~numpy.isnan(matrix[j])
        apart = numpy.abs(matrix[i][both] - matrix[j][both])
        count = int(both.sum())
        pairs.append(
            RatingPair(
                a,
                b,
                count,
                100.0 * float((apart == 0).sum()) / count if count else None,
                float(apart.mean()) if count else None,
                whole if len(coders) == 2 else ordinal_alpha(matrix[[i, j]]),
            )
        )
    return RatingFigures(len(items), tuple(pairs), whole)


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        elif end > start:
            out.append((start, end))
    return out


def _length(ranges: list[tuple[int, int]]) -> int:
    return sum(end - start for start, end in ranges)


def _common(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> int:
    total = i = j = 0
    while i < len(first) and j < len(second):
        start, end = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        total += max(0, end - start)
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return total


def compute(coding: CodingSet, coders: list[str] | None = None) -> Agreement:
    """The figures of `coders` (default: everyone who coded, `unknown` aside unless they are
    the only ones) over the coding set."""
    import numpy

    everyone = coding.coders
    named = coders is not None
    if coders is None:
        coders = coding.compared()
    coders = by_name(set(coders))  # a coder named twice is one coder, not a pair
    units = coding.units
    result = Agreement(list(coders), len(coding.session_ids), len(units))
    result.problems = list(coding.problems)
    if not named:
        result.typists = [c for c in coding.typists if c not in coders]
    # A coder named who never coded is said first: with one name, "only ZED has coded" would
    # name the one coder there is nothing by.
    idle = [c for c in coders if c not in everyone]
    if idle:
        names = ", ".join(idle)
        result.problem = (
            f"{names} {'has' if len(idle) == 1 else 'have'} no codings or ratings in these "
            f"sessions, so there is nothing to compare; coders here: "
            f"{', '.join(everyone) or 'none'}."
        )
        return result
    if len(coders) < 2 and named and len(everyone) > 1:
        result.problem = (
            f"Agreement needs two coders; name at least two with --coders (coders here: "
            f"{', '.join(everyone)})."
        )
        return result
    if len(coders) < 2:
        who = f"only {coders[0]} has" if coders else "no one has"
        result.problem = (
            f"Agreement needs two coders, and {who} coded these sessions; code them as a "
            "second person with --as NAME, then compare."
        )
        return result
    if not units:
        result.problem = "These sessions have no notes, so there is nothing to compare."
        return result
    keys = sorted(
        {k for u in units for c in coders for k in u.present.get(c, ())},
        key=lambda k: coding.names.get(k, k).casefold(),
    )
    result.ratings = rating_figures(units, coders)
    used = {c: {k for u in units for k in u.present.get(c, ())} for c in coders}
    # The codes either coder of a pair used, built once per pair.
    pair_codes = {(a, b): used[a] | used[b] for a, b in combinations(coders, 2)}
    result.uncoded = [pair for pair, codes in pair_codes.items() if not codes]
    if not keys:  # they only rated: no code has figures, and no "all codes" row of 0 notes
        return result
    n, index = len(units), {k: i for i, k in enumerate(keys)}
    # coders x (codes x notes): 1 where the coder applied the code on the note.
    matrix = numpy.zeros((len(coders), len(keys) * n), dtype=numpy.float64)
    for u, unit in enumerate(units):
        for row, coder in enumerate(coders):
            for key in unit.present.get(coder, ()):
                if key in index:
                    matrix[row, index[key] * n + u] = 1.0
    # (code, first, second) -> [characters both coded, characters either coded]
    chars: dict[tuple[str, str, str], list[int]] = {}
    for unit in units:
        for key in {k for c in coders for k in unit.present.get(c, ())}:
            merged = {c: _merged(unit.ranges.get((c, key), [])) for c in coders}
            for a, b in combinations(coders, 2):
                common = _common(merged[a], merged[b])
                either = _length(merged[a]) + _length(merged[b]) - common
                counts = chars.setdefault((key, a, b), [0, 0])
                counts[0] += common
                counts[1] += either
    # A pair's figures are over the codes either of the two used, never a code only someone
    # else used: its notes would add agreement on absence, and the pair's figures would move
    # with who else is compared.
    notes = numpy.arange(n)
    for key in keys:
        block = matrix[:, index[key] * n : (index[key] + 1) * n]
        result.codes.append(
            _figures(
                key,
                coding.names.get(key, key),
                coders,
                block,
                chars,
                lambda a, b, key=key: notes if key in pair_codes[a, b] else None,
            )
        )

    def pooled(a: str, b: str) -> numpy.ndarray | None:
        # A pair that used no code has no row: `uncoded` says so (a row of 0 notes read as
        # figures).
        theirs = [index[k] * n + notes for k in keys if k in pair_codes[a, b]]
        return numpy.concatenate(theirs) if theirs else None

    result.study = _figures("", "all codes", coders, matrix, chars, pooled)
    for unit in units:
        for key in sorted({k for c in coders for k in unit.present.get(c, ())}):
            having = tuple(c for c in coders if key in unit.present.get(c, ()))
            if len(having) < len(coders):
                lacking = tuple(c for c in coders if c not in having)
                name = coding.names.get(key, key)
                # Settled once every coder who has the code here has had it set aside.
                by = unit.settled_by.get(key) if unit.settled_by else None
                if by and not any(unit.in_force(c, key) for c in having):
                    settled = Disagreement(unit, key, name, having, lacking, tuple(sorted(by)))
                    result.settled.append(settled)
                else:
                    result.disagreements.append(Disagreement(unit, key, name, having, lacking))
    return result


def _figures(
    key: str,
    name: str,
    coders: list[str],
    block,
    chars: dict[tuple[str, str, str], list[int]],
    columns: Callable[[str, str], Any],
) -> CodeFigures:
    """The figures of one code (`block`: coders x notes) or of the study (`block`: coders x
    codes' notes); `columns(a, b)` is the pair's columns of it, None where they have no row."""
    whole = nominal_alpha(block)
    pairs = []
    for (i, a), (j, b) in combinations(enumerate(coders), 2):
        theirs = columns(a, b)
        if theirs is None:
            continue
        first, second = block[i, theirs], block[j, theirs]
        units = len(theirs)
        both = int((first * second).sum())
        first_units, second_units = int(first.sum()), int(second.sum())
        first_only, second_only = first_units - both, second_units - both
        neither = units - both - first_only - second_only
        if key:
            common, either = chars.get((key, a, b), (0, 0))
        else:  # the study: every code's characters
            common = sum(v[0] for k, v in chars.items() if k[1:] == (a, b))
            either = sum(v[1] for k, v in chars.items() if k[1:] == (a, b))
        pairs.append(
            PairFigures(
                a,
                b,
                first_units,
                second_units,
                both,
                units,
                100.0 * (both + neither) / units if units else 0.0,
                cohen_kappa(both, first_only, second_only, neither),
                common / either if either else None,
                # Two coders over every column: the pair's block is the whole one.
                whole
                if len(coders) == 2 and units == block.shape[1]
                else nominal_alpha(block[[i, j]][:, theirs]),
            )
        )
    return CodeFigures(key, name, tuple(pairs), whole, block.shape[1])


# -- settling a disagreement -------------------------------------------------------------------


def resolve(
    store: DataStore,
    disagreement: Disagreement,
    first: str,
    second: str,
    keep: str,
    resolver: str,
    at: str,
) -> None:
    """Settle how `first` and `second` differ on the code on this note: every coding of it
    (on the note and its spans, a third coder's too) is set aside, kept in the file marked as
    settled by the resolver, and the resolver's settlement coding of what is kept (`first`'s,
    `second`'s, `both`, or `neither`) is in force instead. The agreement figures, of each
    coder's own codings, do not move; the disagreement leaves the list. The resolver is
    someone other than the two (else the settled coding would read as one coder's own). A span
    left with no tag in force stays, untagged: where it lies is part of what its coder did."""
    if keep not in KEEPS:
        raise ValueError(f"keep is one of {KEEPS}, not {keep!r}")
    if resolver in (first, second):
        raise StoreError(
            f"{resolver} is one of the two coders compared, so a settled coding by them would "
            "read as theirs; settle as someone else (fieldnote code --as team, say)."
        )
    kept = {"first": {first}, "second": {second}, "both": {first, second}, "neither": set()}[keep]
    name = disagreement.name
    _change_unit(
        store,
        disagreement.unit,
        lambda current: settled(current, name, {first, second}, kept, resolver, at),
    )


def unresolve(store: DataStore, disagreement: Disagreement, resolver: str, at: str) -> None:
    """Undo the settlement `resolve` made of this disagreement as `resolver` at `at`: the
    codings it set aside (on the note and its spans) are in force again and its settlement
    coding goes, so the disagreement is back in the list as it was: each coding where it
    stood in the note's (or span's) codings, as the disagreement read them before it was
    settled (its unit's documents), so the tags read in their order again."""
    name = disagreement.name
    unit = disagreement.unit
    before = {str(doc.get("id")): doc for doc in [unit.note, *unit.spans]}
    _change_unit(
        store,
        unit,
        lambda current: unsettled(current, name, resolver, at, before.get(str(current.get("id")))),
    )


def _change_unit(store: DataStore, unit: Unit, change_fields: Callable[[dict], Any]) -> None:
    """`change_fields` (a document's fields -> those it changes, or None) applied to a
    disagreement's note (not a transcript cue, which is no stored note) and each of its
    spans, in its session's file."""
    session_file = store.open_session(unit.session_id)
    try:
        notes = [] if unit.cue else [(unit.note, session_file.change_note)]
        for doc, change in notes + [(span, session_file.change_excerpt) for span in unit.spans]:
            change(doc["id"], change_fields)
    finally:
        session_file.close()
