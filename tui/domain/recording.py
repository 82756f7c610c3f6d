"""Notes meet the recording: each note's cue in an attached transcript, each quote's verbatim.

Pure logic on plain data (no I/O). A session's attached recording is a `Recording`: its cues
in time order (recording time, seconds), the transcript's file name and the media file's path.
A note's moment on the recording is its first keystroke's `elapsed` plus the session clock's
`recording_offset` (`moment`, the same sum `quotes.recording_time` formats), so correcting the
offset moves every link: links are computed here on demand, never stored.

- `Timeline(recording.cues)` finds cues by time with bisection: `cue_at(t)` is the cue being
  spoken at `t` (the last one started by then, unless it ended more than `LINGER` seconds
  before), `window(a, b)` the cues that overlap `[a, b]`.
- `link(words, moment, timeline)`: a note is typed after the words were said, so it goes to
  the best text match among the cues of the `LOOKBACK` seconds before its moment (rapidfuzz's
  partial or token set ratio at least `LINK_SCORE`), else to the cue at its moment. `Link.by`
  says which.
- `check_quote(words, moment, timeline)`: the quote's words aligned (rapidfuzz's
  `partial_ratio_alignment`) against the cues from `LOOKBACK` seconds before its moment to
  `AHEAD` after, joined into one text so a quote may run across cues. The passage found is
  widened or trimmed to whole words; `QuoteCheck.found` is a score of at least `QUOTE_SCORE`
  and nothing the quote turns around (`differs`: a number, a negation, a name, its words in
  another order, a word changed for another: `_changed_word`).
  Only the cues near the moment are searched, so a check costs the same in a 10-minute and a
  10-hour recording.
- `SessionTranscript.of(session, notes, recording_doc).check(note)`: a typed quote's check at
  its moment, not the note-takers' words (the session's interviewers, every note's author),
  over one `Timeline` per session; every surface that shows a check makes it here.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple, Self

from tui.domain.clock import recording_offset
from tui.domain.display_text import cut_words
from tui.domain.people import person_key
from tui.domain.quotes import quote_words, recording_time

if TYPE_CHECKING:
    from rapidfuzz.distance import ScoreAlignment

LOOKBACK = 60.0
"""Seconds before a note's moment whose cues it may belong to (it was typed after)."""
AHEAD = 10.0
"""Seconds after a quote's moment still searched (the first key came before the last word)."""
LINGER = 30.0
"""A cue is still the one 'being spoken' this many seconds after it ended (a pause)."""
LINK_SCORE = 75.0
"""The score a cue needs to be linked to a note by its text rather than its time: the better
of rapidfuzz's partial ratio (the note holds some of the cue's words in order) and token set
ratio (a paraphrase that shares most of its words)."""
MIN_LINK_CHARS = 12
"""Notes shorter than this (letters and digits) are linked by time alone: a few letters
match some part of almost any cue."""
QUOTE_SCORE = 75.0
"""Below this score a quote is 'not found near this moment'."""


@dataclass(frozen=True)
class RecordingCue:
    """One cue of an attached transcript: recording time in seconds, speaker, words."""

    id: str
    start: float
    end: float | None
    """None when the transcript gives no end (plain `Name: text` lines)."""
    speaker: str
    text: str

    def to_doc(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "start": self.start,
            "end": self.end,
            "speaker": self.speaker,
            "text": self.text,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> RecordingCue:
        end = doc.get("end")
        return cls(
            id=str(doc["id"]),
            start=float(doc.get("start") or 0.0),
            end=None if end is None else float(end),
            speaker=str(doc.get("speaker") or ""),
            text=str(doc.get("text") or ""),
        )


@dataclass(frozen=True)
class Recording:
    """A session's attached transcript (and media file), as stored in its `recording` table."""

    source: str
    """The transcript's file name (REFI-QDA exports name the source text after it)."""
    media: str | None
    """The audio or video file's path, or None."""
    attached_at: str
    cues: tuple[RecordingCue, ...]
    """In time order."""

    def to_doc(self) -> dict[str, Any]:
        return {
            "id": "recording",
            "source": self.source,
            "media": self.media,
            "attached_at": self.attached_at,
            "cues": [cue.to_doc() for cue in self.cues],
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Recording:
        cues = sorted(
            (RecordingCue.from_doc(cue) for cue in doc.get("cues") or []),
            key=lambda cue: cue.start,
        )
        return cls(
            source=str(doc.get("source") or ""),
            media=doc.get("media") or None,
            attached_at=str(doc.get("attached_at") or ""),
            cues=tuple(cues),
        )

    def span(self) -> tuple[float, float]:
        """(first start, last end) in recording seconds; (0, 0) without cues."""
        if not self.cues:
            return (0.0, 0.0)
        return (self.cues[0].start, max(cue.end or cue.start for cue in self.cues))


def cue_note(cue: Mapping[str, Any], recording_offset: float, *, words: bool = True) -> dict:
    """A cue (its document) as the note it is coded as: its speaker's words (`words`: else
    no `text` at all, as a study index's digest has none), the speaker as its author, its
    time on the interview clock (its start on the recording less the offset)."""
    note = {
        "id": str(cue.get("id")),
        "kind": "transcript",
        "author": str(cue.get("speaker") or ""),
        "elapsed": float(cue.get("start") or 0.0) - float(recording_offset or 0.0),
    }
    if words:
        note["text"] = str(cue.get("text") or "")
    return note


def cue_notes(recording: Mapping[str, Any] | None, recording_offset: float) -> list[dict]:
    """Every cue of an attached recording's document as a note (`cue_note`); none without."""
    return [cue_note(cue, recording_offset) for cue in (recording or {}).get("cues") or []]


def note_takers(session: Mapping[str, Any], notes: Iterable[Mapping[str, Any]]) -> set[str]:
    """Who took notes in an interview (its interviewers, every note's author): a quote is
    never their words."""
    names = {str(name) for name in session.get("interviewers") or [] if isinstance(name, str)}
    names.update(str(n.get("author") or "") for n in notes if n.get("kind") != "transcript")
    names.discard("")
    return names


def moment(elapsed: float, recording_offset: float = 0.0) -> float:
    """Where on the recording a note's first keystroke fell, in seconds."""
    return float(elapsed or 0.0) + float(recording_offset or 0.0)


class Timeline:
    """Cues by time: bisection over their starts (and their running latest end)."""

    def __init__(self, cues: tuple[RecordingCue, ...] | list[RecordingCue]) -> None:
        self.cues = tuple(sorted(cues, key=lambda cue: cue.start))
        self.starts = [cue.start for cue in self.cues]
        self.folded = [fold(_composed(cue.text)) for cue in self.cues]
        """Each cue's text as `fold` makes it, folded once for every note's search."""
        self._ends: list[float] = []
        latest = float("-inf")
        for index in range(len(self.cues)):
            latest = max(latest, self._end(index))
            self._ends.append(latest)

    def _end(self, index: int) -> float:
        cue = self.cues[index]
        if cue.end is not None:
            return cue.end
        following = index + 1
        return self.cues[following].start if following < len(self.cues) else cue.start

    def cue_at(self, at: float) -> RecordingCue | None:
        """The cue being spoken at `at`: the last one started by then, unless it (and every
        cue before it) ended more than `LINGER` seconds earlier."""
        index = bisect_right(self.starts, at) - 1
        if index < 0 or at - self._ends[index] > LINGER:
            return None
        return self.cues[index]

    def window(self, start: float, end: float) -> list[RecordingCue]:
        """The cues overlapping `[start, end]`, in time order."""
        return list(self.cues[self.indexes(start, end)])

    def indexes(self, start: float, end: float) -> slice:
        """Where in `cues` (and `folded`) the cues overlapping `[start, end]` are."""
        stop = bisect_right(self.starts, end)
        first = bisect_left(self._ends, start)  # `_ends` never decreases
        return slice(first, max(first, stop))


@dataclass(frozen=True)
class Link:
    """A note's cue: the one spoken at its moment (`by == "time"`) or the best text match of
    the minute before it (`by == "text"`, with the match's `score`)."""

    cue: RecordingCue
    by: str
    score: float
    moment: float
    """The note's moment on the recording, seconds."""


@dataclass(frozen=True)
class QuoteCheck:
    """A quote's words against what was said around its moment."""

    typed: str
    """The quote's words as typed, without its inline syntax."""
    verbatim: str
    """The best passage of the transcript ('' when there are no cues near its moment)."""
    cue: RecordingCue | None
    """The cue the passage starts in (its speaker and time)."""
    score: float
    """rapidfuzz's partial ratio, 0-100: 100 only for the words said exactly so (no more than
    the plain ratio to the whole-word passage otherwise, or to all that was said near it when
    the quote is longer)."""
    moment: float
    found: bool
    """`score >= QUOTE_SCORE` (for a quote of fewer than `MIN_LINK_CHARS` letters: its words
    said word for word) and nothing `differs`: false is 'not found near this moment'."""
    differs: str = ""
    """What the quote turns around in the passage it matched, so it is not what was said
    ("the quote has 40, the transcript 14", "the quote has “slower”, the transcript
    “faster”"); '' when nothing does."""
    not_theirs: str = ""
    """Why the passage is not the participant's words though the quote is given as theirs
    ("said by Maya, who took notes", "it runs across Maya's and P7's words"); '' when it
    is one speaker's, not a note-taker's."""


def fold(text: str) -> str:
    """Lower case, everything but letters and digits a space, one character for one (so a
    match's offsets in the folded text are offsets in `text`)."""
    out = []
    for char in text:
        if char.isalnum():
            lower = char.lower()
            out.append(lower if len(lower) == 1 else char)
        else:
            out.append(" ")
    return "".join(out)


def _letters(text: str) -> int:
    return sum(char.isalnum() for char in text)


def link(words: str, at: float, timeline: Timeline) -> Link | None:
    """The cue a note with these words (its inline syntax removed: `quotes.quote_words`) at
    recording moment `at` belongs to, or None when nothing was said near it."""
    from rapidfuzz import fuzz, process  # 6 ms to load: only where a transcript is matched

    if _letters(words) >= MIN_LINK_CHARS:
        needle = fold(_composed(words))  # composed, as the timeline's cues are folded
        near = timeline.indexes(at - LOOKBACK, at)
        # Latest first: of equal scores, the words closest to when the note was typed.
        texts = timeline.folded[near][::-1]
        best: tuple[float, int] | None = None
        for scorer in (fuzz.partial_ratio, fuzz.token_set_ratio):
            found = process.extractOne(needle, texts, scorer=scorer, score_cutoff=LINK_SCORE)
            if found is not None and (best is None or found[1] > best[0]):
                best = (found[1], found[2])
        if best is not None:
            cue = timeline.cues[near.stop - 1 - best[1]]  # `texts` runs backwards
            return Link(cue, "text", round(best[0], 1), at)
    cue = timeline.cue_at(at)
    return None if cue is None else Link(cue, "time", 0.0, at)


def check_quote(
    words: str, at: float, timeline: Timeline, note_takers: Iterable[str] = ()
) -> QuoteCheck:
    """The passage said near `at` that best matches the quote's `words`. A quote is the
    participant's: a passage spoken by one of the `note_takers` (the interviewers' names), or
    by two speakers, is not found."""
    from rapidfuzz import fuzz  # as in `link`

    indexes = timeline.indexes(at - LOOKBACK, at + AHEAD)
    near = timeline.cues[indexes]
    if not near or not _letters(words):
        return QuoteCheck(words, "", None, 0.0, at, False)
    joined, starts = _joined(near)
    typed = needle = " ".join(fold(_composed(words)).split())
    # Folding keeps every character in its place, so the folded cues joined by spaces are
    # the joined text folded; squeezed, a comma typed or left out changes no score.
    folded = " ".join(timeline.folded[indexes])
    squeezed, place = _squeezed(folded)
    found = _word_for_word(needle, squeezed) or fuzz.partial_ratio_alignment(needle, squeezed)
    spelled = _spelled(needle)
    if spelled != needle:
        # "3 or 4" typed for the "three or four" said: its letters score under 75. The same
        # quote with its numbers in words is lined up too, and the better kept.
        other = _word_for_word(spelled, squeezed) or fuzz.partial_ratio_alignment(spelled, squeezed)
        if other is not None and (found is None or other.score > found.score):
            found, needle = other, spelled
    if found is None or found.dest_end <= found.dest_start:
        return QuoteCheck(words, "", None, 0.0, at, False)
    begin, end = place(found.dest_start), place(found.dest_end - 1) + 1
    begin, end = _whole_words(joined, begin, end)
    begin, end = _closest_passage(needle, folded, begin, end)
    said = " ".join(folded[begin:end].split())
    first = max(0, bisect_right(starts, begin) - 1)
    cue = near[first]
    stop = bisect_right(starts, end - 1)  # past the cue the passage ends in
    speakers = list(dict.fromkeys(c.speaker for c in near[first:stop]))
    cues_span = (starts[first], starts[stop] - 1 if stop < len(starts) else len(joined))
    score = found.score
    if len(needle) > len(squeezed):
        # The partial ratio aligns the shorter text within the longer: here all that was said
        # would be found inside the quote, scoring 100 for words nobody said.
        score = fuzz.ratio(needle, squeezed)
    if said != typed:
        # The alignment scored letters, which may sit inside longer words ("no" in "not"):
        # the passage is whole words, and only the same words score 100.
        score = min(score, fuzz.ratio(needle, said), 99.9)
    score = round(score, 1)
    # A few letters are inside almost anything said: such a quote is found word for word.
    found_it = score >= QUOTE_SCORE and (said == typed or _letters(words) >= MIN_LINK_CHARS)
    # A number said as words just outside the passage ("twenty-five doors" for "25 doors")
    # is still said: the numbers are looked for a couple of words either side too.
    near = " ".join([*folded[:begin].split()[-2:], said, *folded[end:].split()[:2]])
    differs = (
        _turned_around(typed, said, near) or _unsaid_name(words, folded) or _swapped(needle, said)
        if found_it
        else ""
    )
    if found_it and not differs and not _left_out_of(needle, said):
        # A word changed for another may be one said just outside the passage: it is widened
        # to hold it, so the words said are the ones the check names.
        differs, begin, widened = _changed_word(words, folded, joined, (begin, end), cues_span)
        if widened > end:
            end = widened
            while end < len(joined) and joined[end] in _CLOSING:
                end += 1
    not_theirs = _not_theirs(speakers, note_takers) if found_it else ""
    found_it = found_it and not differs and not not_theirs
    if not found_it and not differs and not not_theirs and _letters(words) >= MIN_LINK_CHARS:
        # Not found in order: the same words may still have been said, in another order (a
        # note-taker's rewording of a quote, which `link` pairs with its cue by token set).
        reordered = _said_reordered(needle, timeline.folded[indexes])
        if reordered is not None:
            cue = timeline.cues[indexes][reordered]
            begin = starts[reordered]
            end = begin + len(_composed(cue.text))
            while end > begin and not joined[end - 1].isalnum():  # back to its last word
                end -= 1
            differs = REORDERED
            not_theirs = _not_theirs([cue.speaker], note_takers)
    verbatim = joined[begin:end] + _cited_ending(joined, begin, end)
    return QuoteCheck(words, verbatim, cue, score, at, found_it, differs, not_theirs)


REORDERED = "its words were said, in another order"
"""What a quote whose words one cue holds, but not in its order, changes: a rewording."""
REORDERED_SCORE = 90.0
"""The token set ratio a cue needs to hold a quote's words in another order."""


def _swapped(typed: str, said: str) -> str:
    """REORDERED when a quote (folded words) has exactly the words of the passage it matched,
    in another order: "the tool saves more than it costs" for "the tool costs more than it
    saves" scores in the high 80s and says the opposite. '' otherwise."""
    typed_words, said_words = typed.split(), said.split()
    if typed_words != said_words and Counter(typed_words) == Counter(said_words):
        return REORDERED
    return ""


def _said_reordered(needle: str, folded: Sequence[str]) -> int | None:
    """The cue (its index in `folded`, the cues near a quote folded) that holds the quote's
    words, or nearly all, in another order; None when none does. Of equal ones, the latest."""
    from rapidfuzz import fuzz, process

    if len(needle.split()) < 3:  # two words in another order are no rewording to show
        return None
    found = process.extractOne(
        needle, folded[::-1], scorer=fuzz.token_set_ratio, score_cutoff=REORDERED_SCORE
    )
    return None if found is None else len(folded) - 1 - found[2]


NOT_CHECKED = "Not checked: no transcript attached."
"""A typed quote's check where its session has no transcript to check it by."""


def describe(check: QuoteCheck | None, passage: Callable[[str], str] = str) -> str | None:
    """A quote's check as the report, the analysis screen and the copy keys word it:
    `Verbatim, P7 at 01:42: “…”`, or why the transcript does not bear it out; None for no
    check (no quote, no transcript). `passage` gives the transcript's words as the surface
    shows them (the report cuts a long one as it cuts the quote above it)."""
    if check is None:
        return None
    if check.cue is None or not (check.found or check.differs or check.not_theirs):
        return f"Not found in the transcript near {recording_time(check.moment)}."
    who = " ".join(check.cue.speaker.split())
    said = (
        f"{who} at {recording_time(check.cue.start)}" if who else (recording_time(check.cue.start))
    )
    verbatim = passage(check.verbatim)
    if check.not_theirs:  # the quote is given as the participant's
        return f"Not the participant's words: {said}: \u201c{verbatim}\u201d ({check.not_theirs})"
    if check.differs:  # close in letters, the opposite in meaning
        return f"Not what was said: {said}: \u201c{verbatim}\u201d ({check.differs})"
    exact = "" if check.score == 100 else f" (typed differently; match {check.score:g})"
    return f"Verbatim, {said}: \u201c{verbatim}\u201d{exact}"


def marked_citation(cited: str, check: QuoteCheck | None) -> str:
    """A quote's citation as the copy keys give it: one the attached transcript does not bear
    out says what its check found, so it is never pasted as the participant's words unmarked."""
    if check is not None and not check.found:
        return f"{cited} [{describe(check)}]"
    return cited


@dataclass
class SessionTranscript:
    """One session's notes (documents, in stream order; digests with each note's kind and
    author will do), its record and its attached recording: where each typed quote is checked
    (`check`), the one check every surface shows (`SessionRecording`, the report's
    `Verbatims`)."""

    session: Mapping[str, Any]
    notes: list[Mapping[str, Any]]
    recording: Recording

    @classmethod
    def of(
        cls,
        session: Mapping[str, Any],
        notes: Iterable[Mapping[str, Any]],
        recording_doc: dict[str, Any],
    ) -> Self:
        return cls(session, list(notes), Recording.from_doc(recording_doc))

    @property
    def offset(self) -> float:
        """The session clock's recording offset: recording time = elapsed + offset."""
        return recording_offset(self.session)

    @cached_property
    def timeline(self) -> Timeline:
        return Timeline(self.recording.cues)

    @cached_property
    def note_takers(self) -> set[str]:
        return note_takers(self.session, self.notes)

    def moment(self, note: Mapping[str, Any]) -> float:
        return moment(float(note.get("elapsed") or 0.0), self.offset)

    def check(self, note: Mapping[str, Any]) -> QuoteCheck | None:
        """A quote's words (`text`, its inline syntax left out) against what was said around
        its moment; None for a note that is no quote."""
        if note.get("kind") != "quote":
            return None
        return check_quote(
            quote_words(str(note.get("text") or "")),
            self.moment(note),
            self.timeline,
            self.note_takers,
        )


def _not_theirs(speakers: list[str], note_takers: Iterable[str]) -> str:
    """Why words these `speakers` said are not one participant's; '' when they are."""
    if len(speakers) > 1:
        names = [" ".join(s.split()) or "an unnamed speaker" for s in speakers]
        before = ", ".join(f"{name}'s" for name in names[:-1])
        return f"it runs across {before} and {names[-1]}'s words"
    takers = {person_key(name) for name in note_takers}
    if speakers and person_key(speakers[0]) in takers:
        return f"said by {' '.join(speakers[0].split())}, who took notes in this interview"
    return ""


NEGATIONS = frozenset(
    {"no", "not", "never", "nothing", "nobody", "none", "neither", "nor", "nowhere", "cannot"}
)
"""Words that turn a sentence around; `n't` folds to a `t` after a word ending in n."""
NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        "zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
    if word != "_"
} | {
    word: str(value * 10)
    for value, word in enumerate("thirty forty fifty sixty seventy eighty ninety".split(), 3)
}
"""Numbers said as words, as the digits a note-taker types for them; not "one", which is
as often no number ("no one", "the one who")."""


def _turned_around(typed: str, said: str, near: str) -> str:
    """What a quote (folded words) changes in the passage it matched that a high score hides:
    a number it has that was not said (in the passage or the words `near` it), or a negation
    more or fewer ("I would pay" for "I would not pay"). '' when neither. A number or a
    negation left out of a shorter quote is not counted: only what the quote says against
    what was said."""
    typed_words, said_words = typed.split(), said.split()
    typed_numbers, said_numbers = _numbers(typed_words), _numbers(said_words)
    missing = list((Counter(typed_numbers) - Counter(_numbers(near.split()))).elements())
    if missing:
        said_as = ", ".join(said_numbers) or "no number"
        return f"the quote has {', '.join(missing)}, the transcript {said_as}"
    typed_not, said_not = _negations(typed_words), _negations(said_words)
    if len(typed_not) > len(said_not):
        return f"the quote has \u201c{typed_not[-1]}\u201d, the transcript does not"
    if len(said_not) > len(typed_not):
        return f"the transcript has \u201c{said_not[-1]}\u201d, the quote does not"
    return ""


def _unsaid_name(typed: str, heard: str) -> str:
    """A name the quote has (a capitalised word, "I" aside) that nobody said near its moment
    (`heard`: the cues near it, folded): "Mary handled it" for "John handled it" differs
    by a letter or two and is about someone else. A name is said with its accents or without
    (`Zoë`, `Zoe`: a transcript and a note-taker often differ), and in parts or run together
    (`O'Brien`, `OBrien`; `U.I.`, `UI`)."""
    names = [
        word
        for word in (found.group() for found in _WORD.finditer(_composed(typed)))
        if word[0].isupper() and word not in _I_FORMS
    ]
    if not names:
        return ""
    words = _unaccented(heard).split()
    said, run_together = set(words), None
    for word in names:
        parts = fold(_unaccented(word)).split()
        if all(part in said for part in parts):
            continue
        if run_together is None:  # rarely needed: a name said in parts, typed as one
            run_together = {"".join(words[i : i + n]) for n in (2, 3) for i in range(len(words))}
        if "".join(parts) not in run_together:
            return f"the quote has \u201c{word}\u201d, which was not said near it"
    return ""


def _unaccented(text: str) -> str:
    """`text` in compatibility form (full-width letters and ligatures the letters they stand
    for), its accents left out."""
    return "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )


_I_FORMS = frozenset({"I", "I'm", "I’m", "I'd", "I’d", "I've", "I’ve", "I'll", "I’ll"})


class Word(NamedTuple):
    """A word of a quote or a passage, as `_changed_word` lines them up."""

    key: str
    """Folded (`fold`), in compatibility form ("ＡＢＣ" is "abc")."""
    shown: str
    """As written, run on over an apostrophe and what it joins ("couldn't", "Monday's")."""
    start: int
    end: int
    """Where `shown` is in the text the word is from."""


SPOKEN_FORMS = {
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "hafta": "have to",
    "kinda": "kind of",
    "sorta": "sort of",
    "lotta": "lot of",
    "outta": "out of",
    "lemme": "let me",
    "gimme": "give me",
    "cause": "because",
    "cos": "because",
    "coz": "because",
    "cuz": "because",
    "til": "until",
    "till": "until",
    "em": "them",
    "ya": "you",
    "yeah": "yes",
    "yep": "yes",
    "yup": "yes",
    "nope": "no",
    "nah": "no",
    "ok": "okay",
    "alright": "all right",
    "cannot": "can not",
    "noone": "nobody",
    "dunno": "do not know",
}
"""A word as said or typed quickly, and the words it is written as: one for the other is the
same words typed differently."""
SPELLINGS = {
    "cheque": "check",
    "jewellery": "jewelry",
    "manoeuvre": "maneuver",
    "draught": "draft",
    "plough": "plow",
    "kerb": "curb",
    "sulphur": "sulfur",
    "doughnut": "donut",
    "aeroplane": "airplane",
    "gaol": "jail",
}
"""British spellings more than a slip of a letter from the American (`colour` and `color`,
`organise` and `organize` are one): a transcript spells as its service does, a note-taker as
they were taught."""
_NOT_STEMS = {"won": "will", "can": "can", "shan": "shall", "ain": "is"}
"""The verbs `n't` changes, as written without it; any other drops its n (`didn` is `did`)."""
JOINED_NOTS = frozenset(
    verb + "t"
    for verb in "don can won isn aren wasn weren didn doesn hasn haven hadn couldn shouldn "
    "wouldn mustn needn ain shan mightn".split()
)
"""A verb and `n't` typed without the apostrophe (`dont`, `cant`, `wont`): the same negation."""
ORDINALS = {
    f"{n}{'th' if 10 < n % 100 < 14 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}": word
    for n, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
        "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth "
        "twentieth".split(),
        1,
    )
}
"""An ordinal typed in digits, and the word said for it (`1st` is `first`)."""
GLUE = frozenset(
    "a an the s d ll re ve m t am is are was were be been being has have had do does did "
    "will would shall um uh er erm ah oh hmm mm".split()
)
"""Words a quote may have in place of others and still be what was said: articles, the
auxiliaries a contraction stands for ("'d" is "would" or "had") and hesitations."""
FILLERS = frozenset(
    "and so then well like just really actually basically honestly literally totally "
    "anyway okay yes right too also though obviously etc".split()
)
"""Words said to fill or join: one in place of another ("so" typed, "well" said) is no
change; in place of any other word ("like" for "dislike", "so" for "because") it is."""
_RUN = re.compile(r"\S+")
_REMNANTS = frozenset({"s", "d", "ll", "re", "ve", "m", "t"})
"""What is left of a word an apostrophe joins to the one before ("'s", "n't" as `t`)."""


def _left_out_of(typed: str, said: str) -> bool:
    """Whether a quote's words (folded) are the passage's, some perhaps left out: then none
    of them is a changed word, and lining them up (`_changed_word`) can be spared."""
    words = iter(said.split())
    return all(word in words for word in typed.split())


def _changed_word(
    words: str, folded: str, joined: str, passage: tuple[int, int], cues: tuple[int, int]
) -> tuple[str, int, int]:
    """A word the quote (`words`, as typed) has in place of another one said in the passage
    it matched (`joined[begin:end]`, `passage`; `folded` is `joined` folded): "it was slower"
    for "it was faster", "import" for "export", "issue" for "problem". Returns what differs,
    "the quote has “slower”, the transcript “faster”" ('' when nothing does), and the passage
    widened to hold the words said that it names.

    The quote is lined up word by word with the passage and with the few words its speaker
    said either side of it (`PASSAGE_SLACK_WORDS`, within the `cues` the passage is in): the
    passage stops where the letters stop matching, so a word changed at the quote's first or
    last word is often just outside it."""
    begin, end = passage
    before = [m.start() for m in _RUN.finditer(folded, cues[0], begin)][-PASSAGE_SLACK_WORDS:]
    after = [m.end() for m in _RUN.finditer(folded, end, cues[1])][:PASSAGE_SLACK_WORDS]
    said = _words(folded, joined, before[0] if before else begin, after[-1] if after else end)
    written = _composed(words)
    change = _changes(
        _written(_words(fold(written), written, 0, len(written))),
        _written(said[: len(before)]),
        _written(said[len(before) : len(said) - len(after)]),
        _written(said[len(said) - len(after) :]),
    )
    if change is None:
        return "", begin, end
    ours, theirs = change
    return (
        f"the quote has \u201c{_named(ours)}\u201d, the transcript \u201c{_named(theirs)}\u201d",
        min(begin, theirs[0].start),
        max(end, theirs[-1].end),
    )


BRACKETED = "[\u2026]"
"""The key of a word in square brackets: a transcript's note of what it did not catch
(`[inaudible]`, `[crosstalk]`) or a quote's editorial words (`[the dashboard] is slow` for
`it is slow`), which stand for whatever was said there."""
_DRAWN_OUT = re.compile(r"(\w)\1{2,}")
"""A letter three times or more: a word drawn out (`sooo`, `noooo`), the same word."""


def _words(folded: str, text: str, begin: int, end: int) -> list[Word]:
    """The words of `text[begin:end]` (`folded` is `text` folded); a word in square brackets
    keyed `BRACKETED`."""
    runs = list(_RUN.finditer(folded, begin, end))
    words = []
    for i, run in enumerate(runs):
        stop = run.end()
        joins = runs[i + 1] if i + 1 < len(runs) else None
        if (
            joins is not None
            and joins.group() in _REMNANTS
            and joins.start() == stop + 1
            and text[stop] in "'\u2019"
        ):
            stop = joins.end()
        key = _DRAWN_OUT.sub(r"\1", unicodedata.normalize("NFKC", run.group()).lower())
        if _in_brackets(text, run.start()):
            key = BRACKETED
        words.append(Word(key, text[run.start() : stop], run.start(), stop))
    return words


def _in_brackets(text: str, at: int) -> bool:
    """Whether `text[at]` is inside a pair of square brackets."""
    return text.rfind("[", 0, at) > text.rfind("]", 0, at) and text.find("]", at) >= 0


def _written(words: list[Word]) -> list[Word]:
    """The words with each spoken form written out (`SPOKEN_FORMS`), a British spelling as
    the American (`SPELLINGS`), an ordinal in words (`ORDINALS`), "no one" as "nobody" and
    `n't` as "not" after its verb ("won't", and "wont" typed, are "will not"), so a quote
    and a passage compare in one spelling. A word written out keeps how and where it was
    written."""
    out: list[Word] = []
    for i, word in enumerate(words):
        verb = out[-1] if out and out[-1].key == words[i - 1].key else None
        if word.key == "t" and verb is not None and len(verb.key) > 1 and verb.key[-1] == "n":
            out[-1] = verb._replace(key=_NOT_STEMS.get(verb.key, verb.key[:-1]))
            out.append(verb._replace(key="not"))  # `verb` is shown with its n't already
        elif word.key == "one" and out and out[-1].key == "no":
            no = out[-1]
            out[-1] = Word("nobody", f"{no.shown} {word.shown}", no.start, word.end)
        elif word.key in JOINED_NOTS:
            verb = word.key[:-1]
            out.append(word._replace(key=_NOT_STEMS.get(verb, verb[:-1])))
            out.append(word._replace(key="not"))
        elif word.key in SPOKEN_FORMS:
            out.extend(word._replace(key=key) for key in SPOKEN_FORMS[word.key].split())
        elif word.key in SPELLINGS or word.key in ORDINALS:
            out.append(word._replace(key=SPELLINGS.get(word.key) or ORDINALS[word.key]))
        else:
            out.append(word)
    return out


def _number(word: str) -> bool:
    return word.isdigit() or word in NUMBER_WORDS or word in SCALES


def _negation(word: str) -> bool:
    return word in NEGATIONS


def _loose(word: str, other: list[Word]) -> bool:
    """A word whose change `_changed_word` lets pass or leaves to other checks: glue, and a
    number or negation where the `other` side has one too (`_turned_around` compares them:
    "25" for "twenty-five"). A negation or number said where the quote has another word
    ("everyone" for "nobody", "many" for "five") is a changed word: the checks of numbers
    and negations count only the quote's numbers and the passage's negations."""
    if word in GLUE or word == BRACKETED:
        return True
    return any(kind(word) and any(kind(w.key) for w in other) for kind in (_number, _negation))


def _same_word(typed: str, said: str) -> bool:
    """Whether a typed (folded) word is the said one written another way: a slip of one letter
    (one more, one fewer, another, two swapped; in a word of four letters or fewer, one that
    keeps its first letter: "fatser" for "faster", "fhared" for "shared", "teh" for "the",
    not "fast" for "last"), another ending of the same word ("worked" for "works", "cheaper"
    for "cheap", "using" for "use"), cut short ("spread" for "spreadsheet", "mins" for
    "minutes", not "use" for "useless") or abbreviated ("mtg" for "meeting": `_abbreviated`).
    Two letters changed are another word ("import" for "export", "maximum" for "minimum")."""
    from rapidfuzz.distance import OSA

    if typed == said:
        return True
    short = max(len(typed), len(said)) <= 4
    first_kept = typed[0] == said[0] or typed[:2] == said[1::-1]
    if (first_kept or not short) and OSA.distance(typed, said, score_cutoff=1) <= 1:
        return True
    pairs = zip(typed, said, strict=False)
    common = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(typed), len(said)))
    if common >= 4 and max(len(typed), len(said)) - common <= 3:
        return True
    if _ending(typed, said) or _ending(said, typed):
        return True
    if said.endswith("less") and not typed.endswith("less"):
        return False
    stem = typed[:-1] if len(typed) >= 4 and typed.endswith("s") else typed
    return (len(stem) >= 3 and said.startswith(stem)) or _abbreviated(typed, said)


_ENDINGS = frozenset({"s", "es", "d", "ed", "ing", "er", "ers", "est"})
"""The endings of another form of the same word."""


def _ending(short: str, long: str) -> bool:
    """Whether `long` is the word `short` (of three letters or more) with an ending: "using"
    for "use", "making" for "make", "running" for "run"."""
    if len(short) < 3:
        return False
    stem = short[:-1] if short.endswith("e") else short
    rest = long[len(stem) :] if long.startswith(stem) else ""
    if rest[:1] == stem[-1]:  # a consonant doubled: "running"
        rest = rest[1:]
    return rest in _ENDINGS


def _abbreviated(typed: str, said: str) -> bool:
    """Whether a typed word is the said one abbreviated as note-takers do, its first letter
    and consonants of the rest in order: "mtg" for "meeting", "mgmt", "ppl", "hrs", "bc" for
    "because", "w" (`w/`) for "with". One that keeps a vowel ("govt") is not taken: "got" and
    "gone" keep theirs too, and would pass for "government"."""
    if typed[0] != said[0] or len(said) <= len(typed) or typed in "aeiouy":
        return False
    if any(char in "aeiouy" for char in typed[1:]):
        return False
    letters = iter(said)
    return all(char in letters for char in typed)


def _changes(
    typed: list[Word], before: list[Word], said: list[Word], after: list[Word]
) -> tuple[list[Word], list[Word]] | None:
    """The first place the quote's words (`typed`) have other words than the passage's
    (`said`, with the words said `before` and `after` it; all `_written`): (the quote's words
    there, the passage's); None when there is none.

    Where the two part (between words they share, in order), the quote's words are paired
    with the passage's by `_same_word` (or taken together: "set up" for "setup"). A word of
    the quote left over against one of the passage, neither `_loose` nor both `FILLERS`, is
    a change; a word left out or added is none. Before the first word they share, the quote's
    words stand for as many said last before it (after the last, as many said first after
    it): the words said around the passage count only where its ends fall short."""
    whole = [*before, *said, *after]
    starts, ends = len(before), len(before) + len(said)  # the passage in `whole`
    for typed_from, typed_to, said_from, said_to in _parted(typed, whole):
        first = typed_from == 0 and said_from == 0
        last = typed_to == len(typed) and said_to == len(whole)
        count = typed_to - typed_from
        if first and last:  # nothing shared: the passage alone
            said_from, said_to = max(said_from, starts), min(said_to, ends)
        elif first:
            said_from = max(said_from, min(starts, said_to - count))
        elif last:
            said_to = min(said_to, max(ends, said_from + count))
        ours, theirs = typed[typed_from:typed_to], whole[said_from:said_to]
        if not ours or not theirs:
            continue
        if _same_word("".join(w.key for w in ours), "".join(w.key for w in theirs)):
            continue
        left = []
        for word in ours:
            twin = next((w for w in theirs if _same_word(word.key, w.key)), None)
            if twin is None:
                left.append(word)
            else:
                theirs.remove(twin)
        # At an end, a filler said is no word the quote's stand for: "I'm sure" typed where
        # "Honestly" was said just before the passage is words added.
        edge = first != last
        ours, theirs = (
            [w for w in words if not _loose(w.key, other) and not (edge and w.key in FILLERS)]
            for words, other in ((left, theirs), (theirs, left))
        )
        if not ours or not theirs or all(w.key in FILLERS for w in [*ours, *theirs]):
            continue
        # Run together or cut in two once the words beside them are left out: "onboarded 3"
        # for "on-boarded three".
        if not _same_word("".join(w.key for w in ours), "".join(w.key for w in theirs)):
            return ours, theirs
    return None


def _parted(typed: list[Word], said: list[Word]) -> list[list[int]]:
    """Where two lists of words part, between the words they share in order: [typed start,
    typed end, said start, said end] of each run."""
    from rapidfuzz.distance import Indel

    runs: list[list[int]] = []
    for op in Indel.opcodes([w.key for w in typed], [w.key for w in said]):
        if op.tag == "equal":
            continue
        if runs and runs[-1][1] == op.src_start and runs[-1][3] == op.dest_start:
            runs[-1][1], runs[-1][3] = op.src_end, op.dest_end
        else:
            runs.append([op.src_start, op.src_end, op.dest_start, op.dest_end])
    return runs


NAMED_CHARS = 40
"""Characters of words a check names on each side (`_named`): a run of changed words in a
pasted paraphrase is named by its first few, not repeated whole under a quote cut to 400."""


def _named(words: list[Word]) -> str:
    """Words as written, one space between; a word written out as two (`_written`) once; a
    run longer than NAMED_CHARS cut at a word (a word longer than that, inside it) with `…`."""
    named = " ".join(dict.fromkeys(w.shown for w in words[: NAMED_CHARS + 1]))
    if len(named) <= NAMED_CHARS:  # 41 words have at least 81 characters
        return named
    return cut_words(named[: NAMED_CHARS + 1], NAMED_CHARS)[:NAMED_CHARS] + "\u2026"


SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
"""The words that scale a number said before them ("two hundred" is 200; "a thousand",
with no number before it, 1000)."""


def _numbers(words: list[str]) -> list[str]:
    """The numbers of folded words, as digits: `1 000` (`1,000` folded) is 1000, `twenty
    five` (`twenty-five`) 25, `two hundred fifty` 250, `2 million` 2000000."""
    found: list[str] = []
    after = ""  # what kind of word the last number was: "digits", "words" or none
    total = current = 0  # of the number being said in words: the scaled part, the rest
    for word in words:
        if word.isdigit() and len(word) == 3 and after == "digits":
            found[-1] += word  # a group of thousands
            total, current = 0, int(found[-1])
            continue
        if word.isdigit():
            found.append(word)
            after, total, current = "digits", 0, int(word)
            continue
        if word in SCALES:
            scale = SCALES[word]
            if not after:  # "a thousand"
                found.append("")
                total, current = 0, 1
            if scale == 100:
                current *= scale
            else:
                total, current = total + current * scale, 0
        elif word in NUMBER_WORDS:
            value = int(NUMBER_WORDS[word])
            rest = current % 100
            if after == "words" and (rest == 0 or (rest >= 20 and rest % 10 == 0 and value < 10)):
                current += value  # "twenty five", "two hundred fifty", "a thousand two"
            else:
                found.append("")
                total, current = 0, value
        else:
            after = ""
            continue
        found[-1] = str(total + current)
        after = "words"
    return found


def _negations(words: list[str]) -> list[str]:
    found = []
    for i, word in enumerate(words):
        if word in NEGATIONS:
            found.append(word)
        elif word in JOINED_NOTS:
            found.append("n't")
        elif any(said in NEGATIONS for said in SPOKEN_FORMS.get(word, "").split()):
            found.append(word)  # "nope", "nah", "dunno"
        elif word == "t" and i and words[i - 1].endswith("n"):
            found.append("n't")
    return found


def _word_for_word(needle: str, squeezed: str) -> ScoreAlignment | None:
    """Where the quote's words were said exactly so, as whole words: the alignment scores
    letters alike wherever they stand, so "no" would be found first inside "nothing"."""
    from rapidfuzz.distance import ScoreAlignment

    at = re.search(rf"(?<![^ ]){re.escape(needle)}(?![^ ])", squeezed)
    if at is None:
        return None
    return ScoreAlignment(100.0, 0, len(needle), at.start(), at.end())


PASSAGE_SLACK_WORDS = 4
"""How many words a verbatim passage may grow or shrink by at either end (below)."""


def _closest_passage(needle: str, text: str, begin: int, end: int) -> tuple[int, int]:
    """The whole-word passage around `text[begin:end]` closest to the quote as a whole.

    The partial ratio's window is as long as the typed quote, so where the speaker said more
    words than were typed ("nobody *really* knows") it stops short of the last ones; here each
    end may move by a few words, to where the whole passage's ratio to the quote is best (of
    equal ones, the passage found first)."""
    from rapidfuzz import fuzz

    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    if not spans:
        return begin, end
    first = min(range(len(spans)), key=lambda i: abs(spans[i][0] - begin))
    last = min(range(len(spans)), key=lambda i: abs(spans[i][1] - end))
    # A number typed as digits is the number word said: "day 2" typed ends at "day two".
    said = _as_digits if any(char.isdigit() for char in needle) else _spaced
    needle = said(needle)
    best = (fuzz.ratio(needle, said(text[begin:end])), begin, end)
    for i in range(max(0, first - PASSAGE_SLACK_WORDS), first + PASSAGE_SLACK_WORDS + 1):
        for j in range(max(i, last - PASSAGE_SLACK_WORDS), last + PASSAGE_SLACK_WORDS + 1):
            if j >= len(spans):
                break
            if i < len(spans):
                score = fuzz.ratio(needle, said(text[spans[i][0] : spans[j][1]]))
                if score > best[0]:
                    best = (score, spans[i][0], spans[j][1])
    return best[1], best[2]


_IN_WORDS = {int(digits): word for word, digits in NUMBER_WORDS.items()} | {1: "one"}


def _spelled(folded: str) -> str:
    """Folded words, one space between, each number under 100 in digits as the words said
    for it (`25` is `twenty five`)."""

    def said(word: str) -> str:
        if not word.isdigit() or int(word) > 99:
            return word
        number = int(word)
        if number in _IN_WORDS:
            return _IN_WORDS[number]
        return f"{_IN_WORDS[number - number % 10]} {_IN_WORDS[number % 10]}"

    return " ".join(map(said, folded.split()))


def _spaced(folded: str) -> str:
    """Folded words, one space between."""
    return " ".join(folded.split())


def _as_digits(folded: str) -> str:
    """Folded words, one space between, each number word (`NUMBER_WORDS`) as its digits."""
    return " ".join(NUMBER_WORDS.get(word, word) for word in folded.split())


_WORD = re.compile(r"\w+(?:['’]\w+)*")
_CLOSING = frozenset(".,;:!?…'’\"”)")
"""The marks that may follow a word said before the next space."""
_SENTENCE_ENDS = frozenset(".!?…")
_OPENER_OF = {'"': '"', "'": "'", "\u201d": "\u201c", "\u2019": "\u2018", ")": "("}
"""Each closing mark a verbatim may end with, and the mark that opens it."""


def _cited_ending(text: str, begin: int, end: int) -> str:
    """The marks after the passage `text[begin:end]` (which ends on a word) that belong in it
    as a quote is cited: the sentence's own end where it ends there (`.`, `?`, `!`, `…`), and
    a quote mark or bracket that closes one the passage opened (`He said "no way"`); never a
    comma, semicolon or colon, which led on to words the quote left out, nor a mark that
    closes one opened before the passage (a quote typed with its own marks would be closed
    twice)."""
    stop = end
    while stop < len(text) and text[stop] in _CLOSING:
        stop += 1
    if stop == end:  # most passages: a space, a dash or the end follows
        return ""
    passage, kept = text[begin:end], []
    for mark in text[end:stop]:
        if mark in _SENTENCE_ENDS:
            kept.append(mark)
        elif mark in _OPENER_OF and _left_open(passage + "".join(kept), mark):
            kept.append(mark)
    return "".join(kept)


def _left_open(passage: str, closer: str) -> bool:
    """Whether `passage` opens a `closer` it does not close. An apostrophe inside a word
    (`don't`, `don’t`) is no quote mark."""

    def marks(mark: str) -> int:
        return sum(
            1
            for i, char in enumerate(passage)
            if char == mark
            and not (
                0 < i < len(passage) - 1 and passage[i - 1].isalnum() and passage[i + 1].isalnum()
            )
        )

    opener = _OPENER_OF[closer]
    if opener == closer:
        return marks(closer) % 2 == 1
    return marks(opener) > marks(closer)


def _composed(text: str) -> str:
    """`text` in composed form (NFC): an accent typed or transcribed as a letter and a
    combining mark (as macOS writes it) is the same letter as the precomposed one."""
    return unicodedata.normalize("NFC", text)


_SPACE_RUNS = re.compile(" +")
_SPACE_DROPPED = re.compile("(?:^|(?<= )) ")
"""A space `_squeezed` leaves out: one that leads, or follows a space."""


def _squeezed(folded: str) -> tuple[str, Callable[[int], int]]:
    """A folded text with each run of spaces one space (none leading), so the punctuation
    said or typed between two words never counts; and where a character of it is in
    `folded`. Only the two ends of a match are ever placed: no table of every character."""
    dropped = [found.start() for found in _SPACE_DROPPED.finditer(folded)]
    # A character at k in the squeezed text has every dropped space before it: the j-th
    # dropped space would have been at `dropped[j] - j` there.
    before = [at - j for j, at in enumerate(dropped)]
    return _SPACE_RUNS.sub(" ", folded).lstrip(" "), lambda k: k + bisect_right(before, k)


def _joined(cues: tuple[RecordingCue, ...]) -> tuple[str, list[int]]:
    """The cues' words (composed) as one text (a space between), and where each cue starts
    in it."""
    starts, parts, at = [], [], 0
    for cue in cues:
        text = _composed(cue.text)
        starts.append(at)
        parts.append(text)
        at += len(text) + 1
    return " ".join(parts), starts


def _whole_words(text: str, begin: int, end: int) -> tuple[int, int]:
    """`text[begin:end]` widened or trimmed to whole words: a word cut in two is kept whole
    when most of it is inside, dropped otherwise."""

    def inside(i: int) -> bool:
        return 0 <= i < len(text) and text[i].isalnum()

    def word_cut_at(i: int) -> tuple[int, int]:
        """Where the word that position `i` falls inside starts and ends."""
        left, right = i, i
        while inside(left - 1):
            left -= 1
        while inside(right):
            right += 1
        return left, right

    if inside(begin) and inside(begin - 1):
        left, right = word_cut_at(begin)
        begin = left if begin - left <= right - begin else right
    if inside(end - 1) and inside(end):
        left, right = word_cut_at(end)
        end = right if right - end <= end - left else left
    while begin < end and not text[begin].isalnum():
        begin += 1
    while end > begin and text[end - 1].isspace():
        end -= 1
    return begin, end
