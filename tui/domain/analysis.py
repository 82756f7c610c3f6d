"""A study's synthesis: themes, a priority matrix, co-occurrence, who raised what, guide coverage.

Pure functions over plain session documents (no I/O): `analyse(sessions)` gives an `Analysis`
that the analysis screen draws and `fieldnote report` writes.

How things are counted (docs/analysis.md):
- An excerpt is a whole note with tags, or a span of a note with tags (DESIGN.md). Notes that
  only mark a guide question asked are not excerpts.
- A tag on a span and on that span's whole note is one piece of evidence for the tag, not two:
  within one note, the spans carrying a tag stand for it and the whole note does not count
  again (the span is the sharper quote): `spans.whole_note_tags`, which the codebook and the
  exports' tag counts go through, so a tag's excerpts are one number on every surface.
- A parent tag (`pain` of `pain/onboarding`) rolls up its own uses and all of its sub-tags'; an
  excerpt carrying two sub-tags counts once for the parent.
- Participants are people, not sessions: one interviewed twice counts once ("4 of 6
  participants"). A session's participant is its `participant` name, case-insensitively; a
  session without one stands for a participant of its own.
- Who said it: a quote (`"…`, `> …`) is the session participant's words, a transcript cue
  its speaker's (the note's `author`). A cue counts for the participant only when its speaker
  is the participant (`same_person`); another speaker's cue (an interviewer, a shopkeeper) is
  evidence of the tag but raised by no participant. Paraphrases and follow-ups are the
  note-taker's words: they count for the session's participant but are never quoted as theirs
  (`Evidence.said`).
- Time per question and follow-up status come from tui/domain/interview_record.py, the one
  computation the live guide and the Markdown export use too.
- Severity (1-5) is the span's, or for a whole note the note's; unrated evidence is left out
  of the mean and the max (both None when nothing is rated).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from itertools import chain, combinations, repeat
from operator import itemgetter
from typing import Any

from tui.domain.clock import recording_offset
from tui.domain.interview_record import (
    OPEN,
    clock_elapsed,
    followup_status,
    followup_words,
    seconds_per_question,
)
from tui.domain.notes import MARK_KINDS, format_elapsed, note_kind, tag_key
from tui.domain.people import person_key, same_person
from tui.domain.quotes import (
    cite,
    is_said,
    note_label,
    quote_words,
    recording_time,
    span_words,
)
from tui.domain.ratings import severities_of, severity_of
from tui.domain.spans import idle_span, span_owners

WIDESPREAD_SHARE = 0.5
"""A tag raised by at least this share of the participants is widespread."""
PAINFUL_SEVERITY = 3.0
"""A tag whose mean severity is at least this (the middle of 1-5) is painful."""
TOP_EMOTIONS = 3
MAX_PAIRS = 500
"""Tag pairs kept: the most frequent (a study of 300 tags can have tens of thousands)."""

QUADRANTS = ("act now", "painful for a few", "widespread, mild", "watch")
"""Where a tag falls in the priority matrix: widespread and painful first."""


@dataclass(frozen=True)
class SessionInput:
    """One session as the analysis reads it: its record, guide and documents."""

    id: str
    session: Mapping[str, Any]
    notes: Sequence[Mapping[str, Any]]
    excerpts: Sequence[Mapping[str, Any]] = ()
    guide: Mapping[str, Any] = field(default_factory=dict)
    guide_state: Mapping[str, Any] = field(default_factory=dict)
    full_notes: Callable[[], Mapping[str, Mapping[str, Any]]] | None = None
    """When `notes` and `excerpts` are digests (tui/services/study_index.py: every field the
    counts need, a quote's length in `qlen`, no text but a follow-up's): the session's notes
    by id, read when an excerpt's words are first asked for."""
    attached: Callable[[], Mapping[str, Any] | None] | None = None
    """Reads the attached transcript's document (tui/domain/recording.py) when first asked
    for (the report's verbatims); None, or a reader giving None, when none is attached."""
    cues: Sequence[Mapping[str, Any]] = ()
    """The attached transcript's cues (at least those spans are coded on), each as the note
    it is coded as (`recording.cue_note`: kind `transcript`, the speaker its author; no
    `text` when `notes` are digests, `full_notes` then has its words). Their spans are
    evidence, unless a note has the cue's id (a span is then the note's); a cue is no note of
    the session, so it counts in neither its notes nor the coded."""

    @property
    def title(self) -> str:
        return str(self.session.get("title") or "")

    @property
    def participant(self) -> str:
        return " ".join(str(self.session.get("participant") or "").split())

    @property
    def participant_key(self) -> str:
        return participant_key(self.session)

    @property
    def recording_offset(self) -> float:
        return recording_offset(self.session)


def participant_key(session: Mapping[str, Any]) -> str:
    """Who a session interviewed, as one identity across sessions (the session if unnamed)."""
    name = person_key(str(session.get("participant") or ""))
    return name if name else f"session:{session.get('id', '')}"


@dataclass(slots=True, eq=False)
class Evidence:
    """One coded excerpt: a whole note (`excerpt_id` None) or a span of one."""

    session_id: str
    note_id: str
    excerpt_id: str | None
    text: str
    """The note as typed, or the span's characters."""
    participant: str
    participant_key: str
    """The participant it counts for; empty for another speaker's transcript cue."""
    session_title: str
    elapsed: float
    recording_offset: float
    started_at: str
    severity: int | None
    emotions: tuple[str, ...]
    tags: tuple[str, ...]
    """The tags on it as applied (names as stored)."""
    starred: bool = False
    kind: str = "note"
    """The note's kind: only a quote or a transcript cue is someone's words (`said`)."""
    author: str = ""
    """Who wrote the note; for a transcript cue, its speaker."""
    quote_length: int = 0
    """`len(quote)`, known without the words (a digest's `qlen`): what ranks the strongest."""

    @property
    def said(self) -> bool:
        """Words someone said (a quote, a transcript cue), not the note-taker's."""
        return is_said(self.kind)

    @property
    def speaker(self) -> str:
        """Who said the words: a cue's speaker, a quote's participant; empty for a note."""
        if self.kind == "transcript":
            return self.author
        return self.participant if self.kind == "quote" else ""

    @property
    def attribution(self) -> str:
        """Whose words these are, as the drill-down and the report show it: the speaker, or
        `note by Maya` for the note-taker's words."""
        if self.said:
            return self.speaker or self.session_title
        return note_label(self.kind, self.author)

    @property
    def ref(self) -> tuple[str, str, str | None]:
        return (self.session_id, self.note_id, self.excerpt_id)

    @property
    def time(self) -> str:
        """Where it is on the recording (`mm:ss`)."""
        return recording_time(self.elapsed, self.recording_offset)

    @property
    def quote(self) -> str:
        """The words without the inline syntax (`#tags`, `!emotions`, quote marks)."""
        return quote_words(self.text)

    def citation(self) -> str:
        """One citable line: `words — SPEAKER, mm:ss`, or a note labelled as the note-taker's
        (tui/domain/quotes.py)."""
        return cite(
            self.text,
            self.kind,
            author=self.author or (self.session_title if self.kind == "transcript" else ""),
            participant=self.participant or self.session_title,
            elapsed=self.elapsed,
            recording_offset=self.recording_offset,
        )


@dataclass(frozen=True)
class Theme:
    """One tag (or a parent tag with its sub-tags rolled up) across the sessions."""

    key: str
    name: str
    excerpts: int
    sessions: int
    participants: int
    total_participants: int
    mean_severity: float | None
    max_severity: int | None
    emotions: tuple[str, ...]
    """The emotions most often on its evidence, most frequent first."""
    evidence: tuple[int, ...]
    """Indexes into `Analysis.evidence`, in session and time order."""
    rolled_up: bool = False
    """A parent tag: its sub-tags' evidence is counted in."""
    applied: bool = True
    """The tag itself is on some note or span (a parent may only exist through sub-tags)."""

    @property
    def depth(self) -> int:
        return self.key.count("/")

    @property
    def share(self) -> float:
        """The share of the participants who raised it."""
        return self.participants / self.total_participants if self.total_participants else 0.0

    @property
    def label(self) -> str:
        return f"{self.name}/*" if self.rolled_up else self.name


NO_PAIRS = "No note carries two tags yet."
"""What the pairs of tags say while there are none (the analysis screen, the report)."""
NO_WHO = "No participant has raised a tag yet."
"""What who raised what says while it has no cell (the analysis screen, the report)."""
NO_FOLLOWUPS = "No follow-up was noted."
"""What the follow-ups say while no session has one (the analysis screen, the report)."""
NO_GUIDE = "No session of the study has a guide."
"""What the guide coverage says while it has no question (the analysis screen, the report)."""
THEME_COLUMNS = ("tag", "excerpts", "sessions", "participants", "severity", "max", "emotions")
"""The columns themes sort by (`sort_themes`)."""


def sort_themes(themes: Iterable[Theme], column: str, descending: bool = True) -> list[Theme]:
    """Themes by one column, as a tree: the top-level tags sorted, each followed by its
    sub-tags sorted among themselves (so an indented row always sits under its parent). Ties
    by participants, excerpts, then name; unrated severities go last whichever way."""
    if column not in THEME_COLUMNS:
        raise ValueError(f"themes sort by one of {THEME_COLUMNS}, not {column!r}")
    themes = list(themes)
    keys = {t.key for t in themes}
    children: dict[str, list[Theme]] = defaultdict(list)
    for theme in themes:
        children[row_above(theme.key, keys)].append(theme)
    ordered: list[Theme] = []
    below = [iter(_sorted_siblings(children[""], column, descending))]
    while below:  # depth first, without recursion: a tag may be MAX_TAG_DEPTH levels deep
        theme = next(below[-1], None)
        if theme is None:
            below.pop()
            continue
        ordered.append(theme)
        if theme.key in children:
            below.append(iter(_sorted_siblings(children[theme.key], column, descending)))
    return ordered


def row_above(key: str, keys: set[str]) -> str:
    """The nearest ancestor of tag `key` that has a row among `keys` ("" for none): the row
    a sub-tag's row sits under (a level with no row of its own is skipped)."""
    above = key.rpartition("/")[0]
    while above and above not in keys:
        above = above.rpartition("/")[0]
    return above


def _sorted_siblings(themes: list[Theme], column: str, descending: bool) -> list[Theme]:
    rows = sorted(themes, key=lambda t: (-t.participants, -t.excerpts, t.key))
    if column == "tag":
        return sorted(rows, key=lambda t: t.key, reverse=descending)
    if column in ("severity", "max"):
        rated = [t for t in rows if t.mean_severity is not None]
        unrated = [t for t in rows if t.mean_severity is None]
        attr = "mean_severity" if column == "severity" else "max_severity"
        return sorted(rated, key=lambda t: getattr(t, attr), reverse=descending) + unrated
    if column == "emotions":
        return sorted(rows, key=lambda t: (len(t.emotions), t.emotions), reverse=descending)
    return sorted(rows, key=lambda t: getattr(t, column), reverse=descending)


@dataclass(frozen=True)
class MatrixPoint:
    theme: Theme
    quadrant: str
    """One of QUADRANTS."""

    @property
    def score(self) -> float:
        """How widespread times how painful: the ranked list's order (unrated: 0)."""
        return self.theme.share * (self.theme.mean_severity or 0.0)


@dataclass(slots=True)
class Pair:
    """Two tags on the same note (whole or on its spans), and the notes they share."""

    first: str
    second: str
    count: int
    evidence: tuple[int, ...]


@dataclass(frozen=True)
class Coverage:
    """One guide question across the sessions whose guide has it."""

    text: str
    section: str
    sessions: int
    asked: int
    skipped: int
    mean_seconds: float | None
    """Mean time it was the current question, over sessions where notes were taken on it."""

    @property
    def not_reached(self) -> int:
        return self.sessions - self.asked - self.skipped


@dataclass(frozen=True)
class FollowUp:
    """A follow-up a note-taker wrote (`?`): their words, never a participant's."""

    session_id: str
    session_title: str
    note_id: str
    text: str
    author: str
    elapsed: float
    status: str
    """`open`, `asked` or `dismissed` (tui/domain/interview_record.py)."""
    recording_offset: float = 0.0

    @property
    def label(self) -> str:
        """`follow-up by Maya`: the note-taker's words, never a participant's."""
        return note_label("followup", self.author)

    @property
    def time(self) -> str:
        """Where it is on the recording (`mm:ss`), as the evidence beside it is cited."""
        return recording_time(self.elapsed, self.recording_offset)

    @property
    def source(self) -> str:
        """`follow-up by Maya, session, 01:23`: whose it is and where, as the report says it."""
        return f"{self.label}, {self.session_title}, {self.time}"


@dataclass(frozen=True)
class Participant:
    key: str
    name: str
    sessions: int


@dataclass(frozen=True)
class Overview:
    """What the analysis screen's first view shows: the themes with their numbers and the
    counts of its header (`Analysis.overview`). A study index keeps the last one made of a
    scope, its themes without their evidence, so a start draws it before analysing."""

    themes: list[Theme]
    """Tree order, as `Analysis.themes`."""
    session_count: int
    participant_count: int
    evidence_count: int

    def theme(self, key: str) -> Theme | None:
        return next((theme for theme in self.themes if theme.key == key), None)


class ShownWords:
    """The words a report has shown, each with where it shows them (a theme's position), so
    that none is shown twice: a piece counts as shown when it is, or when words of its note
    that overlap it are (a span of a quote shown whole; a whole note after one of its spans;
    two spans sharing words). Two spans of one note with no word in common are two quotes."""

    def __init__(self, evidence: _EvidenceList) -> None:
        self._evidence = evidence
        self._by_note: dict[int, list[tuple[float, float, int]]] = {}
        """By note (`note_of`): where in it the words shown start and end, and where shown."""

    def add(self, index: int, where: int) -> None:
        start, end = self._evidence.span_of(index)
        self._by_note.setdefault(self._evidence.note_of(index), []).append((start, end, where))

    def among(self, indexes: Iterable[int]) -> dict[int, int]:
        """Those of these pieces whose words are shown (or overlap words shown), each with
        where the first of those is shown. One pass, a lookup a piece: most pieces' notes
        have no word shown."""
        notes, by_note, span_of = self._evidence.notes, self._by_note, self._evidence.span_of
        found: dict[int, int] = {}
        for index in indexes:
            shown = by_note.get(id(notes[index]))
            if shown is None:
                continue
            start, end = span_of(index)
            for shown_start, shown_end, where in shown:
                if start < shown_end and shown_start < end:
                    found[index] = where
                    break
        return found


class Analysis:
    """The synthesis. Themes and the matrix are worked out at once (the screen's first
    frame shows them); pairs, cells of the grid and guide coverage when first asked for."""

    def __init__(
        self,
        *,
        evidence: _EvidenceList,
        themes: list[Theme],
        participants: list[Participant],
        sessions: Sequence[SessionInput],
        note_count: int,
        notes_per_session: dict[str, tuple[int, int]],
        note_tags: tuple[list[int], list[tuple[str, ...]]],
        followup_notes: list[tuple[SessionInput, Mapping[str, Any]]],
        names: Mapping[str, str],
        now: datetime | None = None,
    ) -> None:
        self.evidence = evidence
        self.themes = themes
        """Tree order: each parent before its sub-tags, names alphabetical."""
        self.participants = participants
        self.session_count = len(sessions)
        self.overview = Overview(themes, len(sessions), len(participants), len(evidence))
        self.note_count = note_count
        self.notes_per_session = notes_per_session
        """Per session id: its notes (but those that only mark a question asked) and how
        many of them are coded (tags of their own, or a span with tags)."""
        self._sessions = sessions
        self._now = now
        """When a running interview clock is read (time per question); None: where it was
        last paused."""
        self._note_tags = note_tags
        self._followup_notes = followup_notes
        """Each follow-up (`?` note) with its session, in session order."""
        self._names = names
        self._by_key = {t.key: t for t in themes}
        self._cells: dict[str, dict[str, list[int]]] = {}
        placed = [t for t in themes if t.applied]
        self.matrix = sorted(
            (MatrixPoint(t, _quadrant(t)) for t in placed if t.mean_severity is not None),
            key=lambda p: (-p.score, -p.theme.share, p.theme.key),
        )
        """The tags as applied and rated, ranked by score."""
        self.unrated = sorted(
            (t for t in placed if t.mean_severity is None), key=lambda t: (-t.share, t.key)
        )
        """Tags placed nowhere in the matrix: none of their evidence has a severity."""

    def theme(self, key: str) -> Theme | None:
        return self._by_key.get(key)

    def evidence_of(self, indexes: Iterable[int]) -> list[Evidence]:
        return [self.evidence[i] for i in indexes]

    def shown_words(self) -> ShownWords:
        """An empty record of the words a report shows (its `among` is `strongest`'s `shown`)."""
        return ShownWords(self.evidence)

    def strongest_of(
        self,
        indexes: Iterable[int],
        count: int,
        doubtful: Callable[[Evidence], bool] | None = None,
    ) -> tuple[list[Evidence], list[Evidence]]:
        """The quotes of this evidence that best stand for a theme, then, where there are
        fewer than `count`, the note-taker's notes (paraphrases, not follow-ups) for a report
        to show, labelled as notes (`strongest`, the pieces made)."""
        quotes, notes = self.strongest(indexes, count, doubtful)
        return self.evidence_of(quotes), self.evidence_of(notes)

    def strongest(
        self,
        indexes: Iterable[int],
        count: int,
        doubtful: Callable[[Evidence], bool] | None = None,
        shown: Container[int] | None = None,
    ) -> tuple[list[int], list[int]]:
        """`strongest_of`, as indexes into `evidence`. A quote is only words someone said
        (`Evidence.said`), the participants' before other speakers' (an interviewer, a
        shopkeeper). Among each, the most severe first (then starred, then longer), one per
        person before a second from anyone, so a report shows how widely a theme was raised.
        `doubtful`: words a transcript does not bear out, which go after every other quote
        (the report's check). `shown`: pieces already shown elsewhere (under a theme above,
        `ShownWords.among`), left out, so that the next strongest stand in for them by the
        same rules.

        Ranked on the facts kept of each piece (a digest's suffice), without making it: only
        the excerpts picked are made, and have their session's notes read (with `doubtful`,
        the quotes checked until enough people have one borne out: `_trusted_first`)."""
        evidence = self.evidence
        people = evidence.people
        if shown is not None:
            indexes = [index for index in indexes if index not in shown]
        ranked = sorted(indexes, key=evidence.strength)
        kinds = {index: evidence.kind(index) for index in ranked}
        said = [index for index in ranked if is_said(kinds[index])]
        checked = (lambda index: doubtful(evidence[index])) if doubtful is not None else None
        theirs = people.__getitem__
        quotes = _strongest(
            _trusted_first([i for i in said if people[i]], checked, count, theirs), count, theirs
        )
        left = count - len(quotes)

        def speaker(index: int) -> str:
            return person_key(evidence.sketch(index).speaker)

        others = _trusted_first([i for i in said if not people[i]], checked, left, speaker)
        quotes += _strongest(others, left, speaker)
        notes = _strongest(
            [i for i in ranked if kinds[i] == "note"], count - len(quotes), people.__getitem__
        )
        return quotes, notes

    @cached_property
    def pairs(self) -> list[Pair]:
        """The MAX_PAIRS tag pairs most often on one note (whole or its spans), most
        frequent first; counted first, and the notes gathered only for the pairs kept."""
        anchors, tags = self._note_tags
        counts = Counter(chain.from_iterable(map(combinations, tags, repeat(2))))
        # Only the pairs at least as frequent as the MAX_PAIRS-th need sorting (most pairs of
        # a large study are on one or two notes).
        least = (
            sorted(counts.values(), reverse=True)[MAX_PAIRS - 1] if len(counts) > MAX_PAIRS else 0
        )
        frequent = [pair for pair, count in counts.items() if count >= least]
        kept = sorted(frequent, key=lambda pair: (-counts[pair], pair))[:MAX_PAIRS]
        notes: dict[tuple[str, str], list[int]] = {pair: [] for pair in kept}
        for anchor, keys in zip(anchors, tags, strict=True):
            for pair in combinations(keys, 2):
                found = notes.get(pair)
                if found is not None:
                    found.append(anchor)
        names = self._names
        return [
            Pair(names.get(a, a), names.get(b, b), len(notes[(a, b)]), tuple(notes[(a, b)]))
            for a, b in kept
        ]

    def cell(self, participant_key: str, tag_key: str) -> tuple[int, ...]:
        """The evidence of a tag applied somewhere, from one participant, as its theme counts
        it: a parent's with its sub-tags' (so its column is headed by `Theme.label`). A tag
        only rolled up from sub-tags has no cells."""
        by_person = self._cells.get(tag_key)
        if by_person is None:
            by_person = {}
            theme = self._by_key.get(tag_key)
            if theme is not None and theme.applied:
                people = self.evidence.people
                for index in theme.evidence:
                    by_person.setdefault(people[index], []).append(index)
            self._cells[tag_key] = by_person
        return tuple(by_person.get(participant_key, ()))

    @cached_property
    def coverage(self) -> list[Coverage]:
        return guide_coverage(self._sessions, self._now)

    @cached_property
    def followups(self) -> list[FollowUp]:
        """Every follow-up (`?` note) of the sessions, with its status, in session order."""
        return [
            FollowUp(
                session.id,
                session.title,
                str(note.get("id")),
                followup_words(str(note.get("text") or "")),
                " ".join(str(note.get("author") or "").split()),
                float(note.get("elapsed") or 0.0),
                followup_status(session.session, str(note.get("id"))),
                session.recording_offset,
            )
            for session, note in self._followup_notes
        ]

    @cached_property
    def recording_offset(self) -> bool:
        """Whether a session's recording is offset from its clock: its times, as cited, are
        then not those its clock gives."""
        return any(session.recording_offset for session in self._sessions)

    @property
    def open_followups(self) -> list[FollowUp]:
        return [f for f in self.followups if f.status == OPEN]


_NO_TAGS: dict[str, str] = {}
"""The keys of a note without tags (never changed)."""

_UNREACHED: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
_KEY = itemgetter(0)
"""The key of a tag's ancestors (`_Keys.ancestors`: the key first)."""


class _Keys:
    """Tag keys and their ancestors, worked out once per distinct string (a study repeats a
    few hundred tags across tens of thousands of notes)."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self._keys: dict[str, str] = {}
        self.ancestors: dict[str, tuple[str, ...]] = {}
        """`a/b/c` -> (`a/b/c`, `a/b`, `a`), for each key met."""
        self._up: dict[str, tuple[str, ...]] = {}
        """By tag as stored (a key's only), its key and the key's ancestors."""

    def of(self, tags: Any) -> dict[str, str]:
        """key -> name as stored, for a document's tags."""
        found: dict[str, str] = {}
        if not isinstance(tags, list):
            return found
        for tag in tags:
            if not isinstance(tag, str):
                continue
            key = self._keys.get(tag)
            if key is None:
                key = self._keys[tag] = tag_key(tag)
                if key:
                    self._learn(key, tag)
            if key and key not in found:
                found[key] = tag
        return found

    def reach(self, tags: Any) -> tuple[Collection[str], tuple[str, ...]]:
        """Every key and ancestor of a document's tags, each once, and their keys in order
        when they are two or more (a note's pairs). Tags met before are looked up at once;
        one or two tags, the common lists, without building a set."""
        if not isinstance(tags, list):
            return _UNREACHED
        up = self._up
        try:
            if len(tags) == 1:
                return up[tags[0]], ()
            if len(tags) == 2:
                first, second = up[tags[0]], up[tags[1]]
                if first[0] == second[0]:  # one tag spelt two ways
                    return first, ()
                # Ancestors are shared only under one top-level tag (`a/b`, `a/c`: `a`).
                reached = first + second if first[-1] != second[-1] else set(first + second)
                pair = (first[0], second[0]) if first[0] < second[0] else (second[0], first[0])
                return reached, pair
            ups = list(map(up.__getitem__, tags))
        except (KeyError, TypeError):  # a tag met first (or no tag: a number, an empty name)
            ups = [self.ancestors[key] for key in self.of(tags)]
            if len(ups) < 2:
                return (ups[0] if ups else ()), ()
        keys = set(map(_KEY, ups))
        if len(keys) == 1:
            return ups[0], ()
        return set(chain.from_iterable(ups)), tuple(sorted(keys))

    def _learn(self, key: str, name: str) -> None:
        """Remember `key`'s ancestors and a name for each (from the first spelling met)."""
        parts, named = key.split("/"), name.split("/")
        ups = tuple("/".join(parts[:n]) for n in range(len(parts), 0, -1))
        self.ancestors[key] = self._up[name] = ups
        for depth, up in enumerate(ups):
            self.names.setdefault(up, "/".join(named[: len(named) - depth]))

    def met(self) -> set[str]:
        """Every key of the tags asked about (`analyse` asks only about its evidence's)."""
        return {key for key in self._keys.values() if key}


def analyse(
    sessions: Sequence[SessionInput],
    names: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Analysis:
    """The synthesis of these sessions. `names`: tag key -> name as the codebook spells it;
    `now`: when a running interview clock is read."""
    keys = _Keys(dict(names or {}))
    evidence = _EvidenceList(keys)
    docs, spoken = evidence.docs, evidence.spoken
    add_note = docs.append
    by_key: dict[str, list[int]] = defaultdict(list)
    note_tags: tuple[list[int], list[tuple[str, ...]]] = ([], [])
    """The evidence standing for each note with two tags or more, and its tags in order."""
    add_anchor, add_tags = note_tags[0].append, note_tags[1].append
    followup_notes: list[tuple[SessionInput, Mapping[str, Any]]] = []
    people: dict[str, Participant] = {}
    note_count = 0
    per_session: dict[str, tuple[int, int]] = {}

    def with_spans(
        note: Mapping[str, Any],
        whole: dict[str, str],
        spans: list[Mapping[str, Any]],
    ) -> None:
        """The evidence of a note (or a cue) with span excerpts: each tagged span, and the
        note itself when it has tags of its own (`whole`)."""
        tagged = [(span, tags) for span in spans if (tags := keys.of(span.get("tags")))]
        if not whole and not tagged:
            return
        note_item = evidence.add(note) if whole else -1
        span_items = [(evidence.add(note, span), tags) for span, tags in tagged]
        # Each key (and every ancestor of one) on this note: the spans carrying it, else the
        # whole note.
        reach: dict[str, list[int]] = {}
        for index, tags in span_items:
            for key in tags:
                for up in keys.ancestors[key]:
                    found = reach.setdefault(up, [])
                    if not found or found[-1] != index:
                        found.append(index)
        for key in whole:
            for up in keys.ancestors[key]:
                if up not in reach:
                    reach[up] = [note_item]
        for key, indexes in reach.items():
            by_key[key].extend(indexes)
        on_note = set(whole)
        for _, tags in span_items:
            on_note.update(tags)
        if len(on_note) > 1:
            anchor = note_item if note_item >= 0 else span_items[0][0]
            add_anchor(anchor)
            add_tags(tuple(sorted(on_note)))

    for session in sessions:
        who = session.participant_key
        known = people.get(who)
        people[who] = Participant(
            who,
            known.name if known else (session.participant or session.title or session.id[:8]),
            (known.sessions if known else 0) + 1,
        )
        evidence.begin(_SessionFacts(session))
        spans_of: dict[str, list[Mapping[str, Any]]] = {}
        for excerpt in session.excerpts:
            if idle_span(excerpt):  # its codings all set aside by a settlement
                continue
            spans_of.setdefault(str(excerpt.get("note_id")), []).append(excerpt)
        spanned = {e.get("note_id") for e in session.excerpts if e.get("tags")}
        coded_cues = _coded_cues(session, spans_of) if session.cues and spans_of else []
        next_cue, cue_count = 0, len(coded_cues)
        marks = coded = 0
        for note in session.notes:
            if next_cue < cue_count:
                # The cues said before this note was begun come first: a session's evidence
                # reads in the order it was said.
                at = float(note.get("elapsed") or 0.0)
                while next_cue < cue_count and coded_cues[next_cue][0] <= at:
                    _, cue, cue_spans = coded_cues[next_cue]
                    with_spans(cue, _NO_TAGS, cue_spans)
                    next_cue += 1
            kind = note.get("kind")
            if kind in MARK_KINDS:
                marks += 1
                continue
            if kind == "followup":
                followup_notes.append((session, note))
            stored = note.get("tags")
            spans = spans_of.get(str(note.get("id"))) if spans_of else None
            if stored or spanned and note.get("id") in spanned:
                coded += 1
            if spans:
                with_spans(note, keys.of(stored) if stored else _NO_TAGS, spans)
            elif stored:
                # The common case, a whole note and no spans: each key and ancestor once.
                reached, together = keys.reach(stored)
                if reached:
                    index = len(docs)
                    add_note(note)
                    for up in reached:
                        by_key[up].append(index)
                    if together:
                        add_anchor(index)
                        add_tags(together)
                    if kind == "transcript":
                        spoken.append(index)
        for _, cue, cue_spans in coded_cues[next_cue:]:
            with_spans(cue, _NO_TAGS, cue_spans)
        counted = len(session.notes) - marks
        note_count += counted
        per_session[session.id] = (counted, coded)

    evidence.finish()
    total = len(people)
    applied = keys.met()
    parents = {up for key in applied for up in keys.ancestors[key][1:]}
    themes = [
        _theme(key, keys.names, evidence, indexes, total, applied, parents)
        for key, indexes in sorted(by_key.items())
    ]
    return Analysis(
        evidence=evidence,
        themes=themes,
        participants=sorted(people.values(), key=lambda p: (p.name.casefold(), p.key)),
        sessions=sessions,
        note_count=note_count,
        notes_per_session=per_session,
        note_tags=note_tags,
        followup_notes=followup_notes,
        names=keys.names,
        now=now,
    )


def _coded_cues(
    session: SessionInput, spans_of: Mapping[str, list[Mapping[str, Any]]]
) -> list[tuple[float, Mapping[str, Any], list[Mapping[str, Any]]]]:
    """(time on the clock, cue, its spans) of each cue with spans of its own, by time. A span
    is a cue's only when no note has its `note_id` (the note's spans are the note's)."""
    owners = span_owners(session.notes, session.cues)
    coded = []
    for cue in session.cues:
        cue_id = str(cue.get("id"))
        spans = spans_of.get(cue_id) if owners[cue_id] is cue else None
        if spans:
            coded.append((float(cue.get("elapsed") or 0.0), cue, spans))
    coded.sort(key=lambda item: item[0])
    return coded


class _EvidenceList(Sequence[Evidence]):
    """Every piece of evidence, by session, each session's in the order it was said (its
    notes and coded cues by time, `analyse`). A study has tens of thousands; the
    counts need only a few facts of each, so an `Evidence` is made when asked for.

    Kept a column per field, not a tuple per piece: a theme takes its rows of a column at
    once, and tens of thousands of small tuples would each be one more object for Python's
    garbage collector to walk (a full pass over a large study's index costs ~100 ms). The
    pieces are added first (`begin`, `docs`, `add`), then `finish` works out the columns the
    counts read, each in one pass."""

    def __init__(self, keys: _Keys) -> None:
        self._keys = keys
        self.docs: list[Mapping[str, Any]] = []
        """The note itself, or the span. `analyse` appends a whole note here itself, without
        a call (`add`): the common case, tens of thousands of times."""
        self._notes: list[Mapping[str, Any]] = []
        """The note of each (a span's, a cue's), once finished."""
        self._span_notes: dict[int, Mapping[str, Any]] = {}
        self.spoken: list[int] = []
        """The pieces of a transcript's words (a cue's span, a note of kind `transcript`):
        they count for their speaker (`_SessionFacts.counts_for`)."""
        self._starts: list[int] = []
        """Where each session's evidence begins, and the facts it shares."""
        self._facts: list[_SessionFacts] = []
        self._made: dict[int, Evidence] = {}
        self.sessions: list[str] = []
        self.people: list[str] = []
        """The participant key each counts for (`_SessionFacts.counts_for`)."""
        self.severities: list[int] = []
        """The severity each counts (`rated_span`), 0 for none: a theme counts its 0s
        rather than filtering its Nones out."""
        self.emotions: list[int] = []
        """The distinct emotions on each one's note, as an index into `emotion_sets`: a
        study has few combinations, and small ints are quicker to count than tuples."""
        self.emotion_sets: list[tuple[str, ...]] = []
        self._emotion_ids: dict[tuple[str, ...], int] = {}
        self._emotions_as_stored: dict[tuple, int] = {}

    def begin(self, facts: _SessionFacts) -> None:
        """The evidence added next is this session's."""
        self._starts.append(len(self.docs))
        self._facts.append(facts)

    def add(self, note: Mapping[str, Any], span: Mapping[str, Any] | None = None) -> int:
        """Adds the evidence of a whole note, or of a span of it; returns its index."""
        index = len(self.docs)
        if note.get("kind") == "transcript":
            self.spoken.append(index)
        if span is None:
            self.docs.append(note)
        else:
            self.docs.append(span)
            self._span_notes[index] = note
        return index

    def finish(self) -> None:
        """Works out the columns the counts read, once every piece is added."""
        docs = self.docs
        notes = self._notes = docs.copy()
        for index, note in self._span_notes.items():
            notes[index] = note
        severities = severities_of(docs)
        for index, note in self._span_notes.items():
            if severities[index] is None:  # `rated_span`: an unrated span counts its note's
                severities[index] = severity_of(note)
        self.severities = [severity or 0 for severity in severities]
        bounds = [*self._starts, len(docs)]
        for facts, start, end in zip(self._facts, bounds[:-1], bounds[1:], strict=True):
            self.sessions += [facts.id] * (end - start)
            self.people += [facts.participant_key] * (end - start)
        for index in self.spoken:
            self.people[index] = self._raw(index)[0].counts_for(notes[index])
        self.emotions = [self._emotion_id(note.get("emotions")) for note in notes]

    def _emotion_id(self, stored: Any) -> int:
        """The index in `emotion_sets` of a note's emotions, looked up as stored."""
        as_stored = tuple(stored) if isinstance(stored, list) else ()
        try:
            found = self._emotions_as_stored.get(as_stored)
        except TypeError:  # something unhashable among them (a hand edit)
            return self._emotion_set(_distinct_emotions(stored))
        if found is None:
            found = self._emotions_as_stored[as_stored] = self._emotion_set(
                _distinct_emotions(stored)
            )
        return found

    def _emotion_set(self, emotions: tuple[str, ...]) -> int:
        found = self._emotion_ids.get(emotions)
        if found is None:
            found = self._emotion_ids[emotions] = len(self.emotion_sets)
            self.emotion_sets.append(emotions)
        return found

    def __len__(self) -> int:
        return len(self.docs)

    def _raw(self, index: int) -> tuple[_SessionFacts, Mapping[str, Any], Mapping[str, Any]]:
        facts = self._facts[bisect_right(self._starts, index) - 1]
        return facts, self._notes[index], self.docs[index]

    def __getitem__(self, index):  # noqa: ANN001 - an int or a slice, as a Sequence takes
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self.docs)
        made = self._made.get(index)
        if made is None:
            facts, note, doc = self._raw(index)
            tags = self._keys.of(doc.get("tags"))
            if "text" not in note and facts.full_notes is not None:
                full = facts.notes().get(str(note.get("id")))
                if full is not None:
                    doc = full if doc is note else doc
                    note = full
            made = self._made[index] = _evidence(facts, note, doc, tags)
        return made

    def kind(self, index: int) -> str:
        """`Evidence.kind`, without making it."""
        return note_kind(self._notes[index])

    def strength(self, index: int) -> tuple:
        """How strongly a piece stands for its theme, the strongest least: the most severe,
        then starred, then the longer quote, then the earlier (without making it)."""
        note, doc = self._notes[index], self.docs[index]
        return (
            -self.severities[index],
            not note.get("starred"),
            -(_quote_length(note, doc, _words(note, doc)) if "text" in note else _qlen(doc)),
            str(note.get("started_at") or ""),
        )

    @property
    def notes(self) -> list[Mapping[str, Any]]:
        """The note of each piece (a span's, a cue's), once finished."""
        return self._notes

    def note_of(self, index: int) -> int:
        """Which note a piece is of (the note a span or a cue's span is in), as a number that
        stands for that note while this list lives."""
        return id(self._notes[index])

    def span_of(self, index: int) -> tuple[float, float]:
        """Where a piece's words start and end in its note: a whole note, or a span not given
        by offsets, is all of it."""
        doc = self.docs[index]
        start, end = doc.get("start"), doc.get("end")
        if doc is self._notes[index] or not isinstance(start, int) or not isinstance(end, int):
            return 0, math.inf
        return start, end

    def sketch(self, index: int) -> Evidence:
        """The evidence without reading any words it lacks: `text` is empty for a digest,
        everything else (the quote's length too) as `self[index]` has it."""
        made = self._made.get(index)
        if made is not None:
            return made
        facts, note, doc = self._raw(index)
        return _evidence(facts, note, doc, self._keys.of(doc.get("tags")))


class _SessionFacts:
    """What every piece of evidence of one session shares, worked out once."""

    __slots__ = (
        "id",
        "participant",
        "participant_key",
        "title",
        "recording_offset",
        "full_notes",
        "_notes",
    )

    def __init__(self, session: SessionInput) -> None:
        self.id = session.id
        self.participant = session.participant
        self.participant_key = session.participant_key
        self.title = session.title
        self.recording_offset = session.recording_offset
        self.full_notes = session.full_notes
        self._notes: Mapping[str, Mapping[str, Any]] | None = None

    def notes(self) -> Mapping[str, Mapping[str, Any]]:
        """The session's whole notes by id, read once (only for digests)."""
        if self._notes is None:
            self._notes = self.full_notes() if self.full_notes is not None else {}
        return self._notes

    def counts_for(self, note: Mapping[str, Any]) -> str:
        return _counts_for(self.participant, self.participant_key, note)


def counts_for(session: Mapping[str, Any], note: Mapping[str, Any]) -> str:
    """The participant key a note of this session document (or a cue, as `cue_note` makes
    it) counts for, as the themes count it (the codebook counts people the same way)."""
    return _counts_for(str(session.get("participant") or ""), participant_key(session), note)


def _counts_for(participant: str, key: str, note: Mapping[str, Any]) -> str:
    """The participant key a note counts for: the session's, except a transcript cue
    spoken by someone else than the named participant, which counts for nobody."""
    if note.get("kind") != "transcript" or not participant:
        return key
    speaker = str(note.get("author") or "")
    return key if same_person(speaker, participant) else ""


def _evidence(
    facts: _SessionFacts,
    note: Mapping[str, Any],
    doc: Mapping[str, Any],
    tags: dict[str, str],
) -> Evidence:
    """The evidence of a whole note (`doc` is the note) or of a span of it (`doc` the span)."""
    text = _words(note, doc)
    span = doc is not note
    emotions = note.get("emotions")
    return Evidence(
        facts.id,
        str(note.get("id")),
        str(doc.get("id")) if span else None,
        text,
        facts.participant,
        facts.counts_for(note),
        facts.title,
        float(note.get("elapsed") or 0.0),
        facts.recording_offset,
        str(note.get("started_at") or ""),
        severity_of(doc) if doc is note else rated_span(doc, note),
        tuple(e for e in emotions if isinstance(e, str)) if isinstance(emotions, list) else (),
        tuple(tags.values()),
        bool(note.get("starred")),
        note_kind(note),
        " ".join(str(note.get("author") or "").split()),
        _quote_length(note, doc, text),
    )


def rated_span(span: Mapping[str, Any], note: Mapping[str, Any]) -> int | None:
    """A span's severity as the analysis counts it: its own, else its note's (a note rated
    4, then a span marked inside it, is still a 4); each the counted severity of its coders'
    ratings (`ratings.severity_of`)."""
    own = severity_of(span)
    return own if own is not None else severity_of(note)


def _words(note: Mapping[str, Any], doc: Mapping[str, Any]) -> str:
    """The note's words, or a span's characters of them (`doc` the span)."""
    text = str(note.get("text") or "")
    return text if doc is note else span_words(text, doc)


def _quote_length(note: Mapping[str, Any], doc: Mapping[str, Any], text: str) -> int:
    """`len(quote)` of `text` (`_words`); a digest has no words but the length of its quote."""
    return len(quote_words(text)) if "text" in note else _qlen(doc)


def _qlen(digest: Mapping[str, Any]) -> int:
    """The length of a digest's quote, kept without its words (tui/services/study_index.py)."""
    return int(digest.get("qlen") or 0)


def _distinct_emotions(value: Any) -> tuple[str, ...]:
    """A note's emotions, each once, as the themes count them."""
    if not isinstance(value, list) or not value:
        return ()
    if len(value) == 1:
        return (value[0],) if isinstance(value[0], str) else ()
    return tuple(sorted({emotion for emotion in value if isinstance(emotion, str)}))


def _theme(
    key: str,
    names: Mapping[str, str],
    evidence: _EvidenceList,
    indexes: list[int],
    total: int,
    applied: set[str],
    parents: set[str],
) -> Theme:
    """`parents`: the keys with a sub-tag applied."""
    # Each column's values at `indexes` at once (itemgetter gives a bare value for one index).
    rows = itemgetter(*indexes) if len(indexes) > 1 else lambda column: (column[indexes[0]],)
    severities = rows(evidence.severities)
    rated = len(severities) - severities.count(0)
    people = set(rows(evidence.people))
    people.discard("")
    # Notes share a few combinations of emotions: count the combinations, then each emotion.
    emotions: Counter[str] = Counter()
    for combination, times in Counter(rows(evidence.emotions)).items():
        for emotion in evidence.emotion_sets[combination]:
            emotions[emotion] += times
    top = sorted(emotions.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_EMOTIONS]
    return Theme(
        key=key,
        name=names.get(key, key),
        excerpts=len(indexes),
        sessions=len(set(rows(evidence.sessions))),
        participants=len(people),
        total_participants=total,
        mean_severity=sum(severities) / rated if rated else None,
        max_severity=max(severities) if rated else None,
        emotions=tuple(name for name, _ in top),
        evidence=tuple(indexes),
        rolled_up=key in parents,
        applied=key in applied,
    )


def _quadrant(theme: Theme) -> str:
    wide = theme.share >= WIDESPREAD_SHARE
    painful = (theme.mean_severity or 0.0) >= PAINFUL_SEVERITY
    if wide and painful:
        return QUADRANTS[0]
    if painful:
        return QUADRANTS[1]
    if wide:
        return QUADRANTS[2]
    return QUADRANTS[3]


def guide_coverage(sessions: Sequence[SessionInput], now: datetime | None = None) -> list[Coverage]:
    """Per guide question (by its text, as sessions of a study share a guide), in the order
    first met: how many sessions asked, skipped or never reached it, and the mean time it
    was the current question (on the interview clock, from the session's question visits;
    a running clock read at `now`)."""
    order: list[str] = []
    texts: dict[str, tuple[str, str]] = {}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    seconds: dict[str, list[float]] = defaultdict(list)
    for session in sessions:
        ids: dict[str, str] = {}
        for section in session.guide.get("sections") or []:
            for question in section.get("questions") or []:
                text = " ".join(str(question.get("text") or "").split())
                key = text.casefold()
                if not key:
                    continue
                if key not in texts:
                    texts[key] = (text, str(section.get("title") or ""))
                    order.append(key)
                ids[str(question.get("id"))] = key
        marks = (session.guide_state or {}).get("marks") or {}
        for question_id, key in ids.items():
            counts[key][0] += 1
            mark = marks.get(question_id)
            if mark == "asked":
                counts[key][1] += 1
            elif mark == "skipped":
                counts[key][2] += 1
        spent: dict[str, float] = defaultdict(float)
        elapsed = clock_elapsed(session.session, now)
        for question_id, total in seconds_per_question(session.session, list(ids), elapsed).items():
            spent[ids[question_id]] += total
        for key, total in spent.items():
            if total > 0:
                seconds[key].append(total)
    return [
        Coverage(
            text=texts[key][0],
            section=texts[key][1],
            sessions=counts[key][0],
            asked=counts[key][1],
            skipped=counts[key][2],
            mean_seconds=sum(seconds[key]) / len(seconds[key]) if seconds[key] else None,
        )
        for key in order
    ]


def _trusted_first(
    ranked: list[int],
    doubtful: Callable[[int], bool] | None,
    count: int,
    person: Callable[[int], str],
) -> list[int]:
    """`ranked` with the `doubtful` after the rest, each part in order, as far as
    `_strongest(..., count, person)` looks into it: once `count` people have a piece that is
    not doubtful, the picks are all among those, and no piece further down is checked (a
    check reads the session's words and transcript)."""
    if doubtful is None or count <= 0:
        return ranked
    trusted: list[int] = []
    doubted: list[int] = []
    people: set[str] = set()
    for index in ranked:
        if len(people) >= count:
            return trusted
        if doubtful(index):
            doubted.append(index)
        else:
            trusted.append(index)
            people.add(person(index))
    return trusted + doubted


def _strongest(ranked: list[int], count: int, person: Callable[[int], str]) -> list[int]:
    """`count` of these, strongest first (`ranked` is), one per `person` before a second."""
    if count <= 0:
        return []
    picked: list[int] = []
    seen: set[str] = set()
    for item in ranked:
        if person(item) not in seen:
            picked.append(item)
            seen.add(person(item))
        if len(picked) == count:
            return picked
    for item in ranked:
        if item not in picked:
            picked.append(item)
            if len(picked) == count:
                break
    return picked


def severity_text(value: float | None) -> str:
    """A mean severity as the themes table and the report print it: `3.5`, or `-` for none."""
    return "-" if value is None else f"{value:.1f}"


def minutes_text(seconds: float | None) -> str:
    """Time spent on a question as the live guide and the export show it (`mm:ss`), or `-`
    when it was never timed."""
    return "-" if seconds is None else format_elapsed(seconds)
