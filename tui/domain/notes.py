"""What one note is, and the inline syntax a note-taker types.

Inline syntax, parsed on commit and kept in `text` exactly as typed (but for a leading `*`,
which unstarring a note takes out: `Note.with_star`):
  `"…` or `> …`  a quote            `?…`      a follow-up to ask later
  `!word`        an emotion         `#tag`    a tag (hierarchy with `/`, `pain/onboarding`)
  `*` first      starred

`inline_tokens` is the one reader of `#tag` and `!emotion`: storing (`parse_inline`), the note
stream's highlighting, quoting (tui/domain/quotes.py) and renaming a tag inside a note's text
(tui/domain/tags.py) all ask it, so what is highlighted is exactly what is stored.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from itertools import repeat
from typing import Any

KINDS = ("note", "quote", "followup", "asked", "transcript")
MAX_NOTE_CHARS = 2_000_000
"""Characters `fieldnote note` takes in one note: twice the megabyte it is promised to read
from stdin (`tests/test_exchange_cli.py`). A whole transcript belongs in `fieldnote attach`,
where it is cues: one note of megabytes makes every screen that shows it slow."""
MAX_TAG_LEVEL_CHARS = 100
"""Characters each level of a tag name may have (`pain/onboarding` has levels of 4 and 10),
as a QDA tool limits each code's name rather than the path to it: a whole phrase fits with
room to spare, a pasted paragraph does not. A `#word` with a longer level stays text in a
note, as `#3` does."""
MAX_TAG_DEPTH = 64
"""Levels a tag name may have (`a/b/c` has 3). No codebook comes near it; a name deeper than
this is refused, so nothing that walks a tag tree (the REFI-QDA export, a codebook import) can
be driven into unbounded depth."""
MARK_KINDS = ("asked",)
"""Notes that only mark a guide question asked: no excerpt, no evidence, not counted as notes."""

# A tag is a letter, then letters, digits, `_`, `-` and `/`, after `#` at the start of a word
# (so "the #3 reason" holds no tag); an emotion the same after `!`, without `/`. `[^\W\d_]` is
# a Unicode letter, so `#façade` and `!злой` work.
# Nothing may be glued before the mark (a word character, `#`, `!` or `/`); that test follows
# the mark (`#(?<![...]#)` looks back past it), so the pattern starts with its mark and the regex
# engine skips from one `#` or `!` to the next: about three times faster over a note's text
# than the same test tried at every character.
_INLINE = re.compile(
    r"#(?<![\w#!/]#)(?P<tag>[^\W\d_][\w/-]*)|!(?<![\w#!/]!)(?P<emotion>[^\W\d_][\w-]*)"
)
_QUOTE_OPENERS = ('"', "\u201c", "\u201e", "\u00ab")


@dataclass(frozen=True)
class InlineToken:
    """One `#tag` or `!emotion` in a note's text."""

    start: int
    end: int
    """`text[start:end]` is the token as drawn highlighted: the `#` or `!` and the name, less a
    tag's trailing `-` and `/` (which the stored name drops)."""
    kind: str
    """"tag" or "emotion"."""
    value: str
    """What is stored: the tag name (`clean_tag_name`) or the emotion, lower-cased."""


def mark_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each `#tag` and `!emotion` in `text`, a tag's trailing `-` and `/`
    included (the pattern takes them): `inline_tokens` without the names, for a caller that
    only cuts the marks out (`without_marks`, when a name is long enough to be refused)."""
    return [match.span() for match in _INLINE.finditer(text) if _mark_fits(match)]


ALWAYS_FITS = min(MAX_TAG_LEVEL_CHARS, MAX_TAG_DEPTH)
"""A mark's name shorter than this fits (`tag_fits`) whatever its characters."""


def without_marks(text: str) -> str:
    """`text` with each of its `mark_spans` cut out, and the spaces and tabs before it (back
    to the mark before): a quote's words, before their lines are trimmed."""
    parts = _INLINE.split(text)  # the text between marks, then each mark's tag and emotion
    if len(parts) == 1:
        return text
    names = [*filter(None, parts[1::3]), *filter(None, parts[2::3])]
    if max(map(len, names)) < ALWAYS_FITS:  # every mark is one: cut in C (a study's quotes)
        return "".join(map(str.rstrip, parts[:-1:3], repeat(" \t"))) + parts[-1]
    pieces, at = [], 0
    for start, end in mark_spans(text):
        pieces.append(text[at:start].rstrip(" \t"))
        at = end
    return "".join(pieces) + text[at:] if pieces else text


def overlong_tags(text: str) -> list[str]:
    """The `#words` of `text` that would be tags but for their length or depth (`tag_fits`),
    cleaned as a tag name is: what `inline_tokens` leaves as text."""
    found = []
    for match in _INLINE.finditer(text):
        tag = match.group("tag")
        if tag is not None and not _fits_as_typed(tag):
            found.append(clean_tag_name(tag))
    return found


def tag_fits(name: str) -> bool:
    """Whether a (clean) tag name is within `MAX_TAG_LEVEL_CHARS` and `MAX_TAG_DEPTH`: the one
    rule every way a tag comes in (typed, created, renamed, imported) is held to."""
    if name.count("/") >= MAX_TAG_DEPTH:
        return False
    return len(name) <= MAX_TAG_LEVEL_CHARS or longest_level(name) <= MAX_TAG_LEVEL_CHARS


def longest_level(name: str) -> int:
    """Characters in the longest level of a tag name."""
    return max(len(level) for level in name.split("/"))


def _mark_fits(match: re.Match[str]) -> bool:
    tag = match.group("tag")
    return _fits_as_typed(tag) if tag is not None else _emotion_fits(match.group("emotion"))


def _emotion_fits(word: str) -> bool:
    # An emotion is one word: held to the length of a tag's level, a pasted run of letters
    # after `!` stays text as an over-long `#word` does.
    return len(word) <= MAX_TAG_LEVEL_CHARS


def _fits_as_typed(raw: str) -> bool:
    # As typed, a name is never shorter nor shallower than cleaned: most need no cleaning.
    return tag_fits(raw) or tag_fits(clean_tag_name(raw))


def inline_tokens(text: str) -> list[InlineToken]:
    """Every `#tag` and `!emotion` in `text`, in order (repeats included). A `#word` longer or
    deeper than a tag may be (`tag_fits`), or a `!word` longer than a tag's level, is no
    token: it stays text."""
    tokens = []
    for match in _INLINE.finditer(text):
        tag = match.group("tag")
        if tag is not None:
            if not _fits_as_typed(tag):
                continue
            end = match.end() - (len(tag) - len(tag.rstrip("/-")))
            tokens.append(InlineToken(match.start(), end, "tag", clean_tag_name(tag)))
        elif _emotion_fits(emotion := match.group("emotion")):
            tokens.append(InlineToken(match.start(), match.end(), "emotion", emotion.casefold()))
    return tokens


def tags_beside(tags: Iterable[str], tokens: Iterable[InlineToken]) -> list[str]:
    """The `tags` that no `#tag` of `tokens` shows: what a row lists after a note's words, so
    a tag typed in them is shown once, where it was typed."""
    typed = {tag_key(token.value) for token in tokens if token.kind == "tag"}
    return [tag for tag in tags if tag_key(tag) not in typed]


HIDDEN_TAG_FILL = "\u00b7"
"""What fills a hidden typed tag after its `#` (`hide_typed_tags`)."""


def hide_typed_tags(text: str, kept: Collection[str]) -> tuple[str, list[InlineToken]]:
    """`text` with each `#tag` typed in it whose tag key is not in `kept` shown as `#` and
    dots, and those tokens: what a blind coder reads of a note another coded as they typed
    it, the words without which tag. Every character keeps its place (a span's offsets hold)."""
    hidden = [t for t in inline_tokens(text) if t.kind == "tag" and tag_key(t.value) not in kept]
    for token in hidden:
        fill = "#" + HIDDEN_TAG_FILL * (token.end - token.start - 1)
        text = text[: token.start] + fill + text[token.end :]
    return text, hidden


@dataclass(frozen=True)
class InlineMarks:
    """What the inline syntax of one note's text says."""

    kind: str
    starred: bool
    emotions: tuple[str, ...]
    tags: tuple[str, ...]


def note_parts(text: str) -> list[str]:
    """`text` cut into notes of at most `MAX_NOTE_CHARS`, each at its last line break before
    the limit where it has one: how a draft too long for one note is kept whole."""
    parts = []
    while len(text) > MAX_NOTE_CHARS:
        cut = text.rfind("\n", 1, MAX_NOTE_CHARS + 1)
        cut = cut if cut > 0 else MAX_NOTE_CHARS
        parts.append(text[:cut])
        text = text[cut:].removeprefix("\n")
    return [*parts, text] if text.strip() or not parts else parts


def note_kind(doc: Mapping[str, Any]) -> str:
    """A stored note's kind as every screen, count and export reads it: one of `KINDS`, and a
    plain note for anything else (a hand edit, another tool's kind). The file keeps what it
    holds."""
    kind = doc.get("kind")
    return kind if kind in KINDS else "note"


def clean_tag_name(raw: str) -> str:
    """A tag name as stored: trimmed, no empty hierarchy levels, no trailing punctuation."""
    parts = [part.strip().strip("-") for part in raw.strip().split("/")]
    return "/".join(part for part in parts if part)


def tag_key(name: str) -> str:
    """The case-insensitive identity of a tag name (`Pain/Onboarding` == `pain/onboarding`)."""
    return clean_tag_name(name).casefold()


def _unique(items: list[str], key=str.casefold) -> tuple[str, ...]:
    seen: set[str] = set()
    kept = []
    for item in items:
        if item and key(item) not in seen:
            seen.add(key(item))
            kept.append(item)
    return tuple(kept)


def parse_inline(text: str) -> InlineMarks:
    body = text.lstrip()
    starred = body.startswith("*")
    if starred:
        body = body[1:].lstrip()
    if body.startswith(_QUOTE_OPENERS) or body.startswith(">"):
        kind = "quote"
    elif body.startswith("?"):
        kind = "followup"
    else:
        kind = "note"
    tokens = inline_tokens(text)
    emotions = _unique([t.value for t in tokens if t.kind == "emotion"])
    tags = _unique([t.value for t in tokens if t.kind == "tag"], key=tag_key)
    return InlineMarks(kind=kind, starred=starred, emotions=emotions, tags=tags)


def without_star_mark(text: str) -> str:
    """`text` without the leading `*` that starred it (and the spaces around it; several,
    if several were typed): the words of a note unstarred, which no parse stars again. Stars
    glued to a word are one mark and the word's own (`**bold** x` leaves `*bold** x`, which
    a full parse, a qdpx import, reads as starred; an edit keeps it unstarred). A note of
    nothing but stars keeps them: it has no words to leave, and an empty note would show
    nothing at all."""
    mark = _STAR_MARK.match(text).group()  # one pass: a note may be a million stars
    body = text[len(mark) :]
    if body and mark.endswith("*"):  # the last stars are glued to a word: the word's own
        glued = len(mark) - len(mark.rstrip("*"))
        mark, body = mark[:-glued], mark[-glued:] + body
        if "*" not in mark:  # ... but for the first, if no star stood apart
            body = body[1:]
    return body if body and body != text.lstrip() else text


_STAR_MARK = re.compile(r"[\s*]*")
"""The spaces and stars before a note's words (`\\s` is the spaces `str.strip` takes)."""


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Note:
    """One note as stored in a session file's `notes` table (the README documents the format)."""

    id: str
    session_id: str
    author: str
    text: str
    kind: str
    started_at: str
    """UTC ISO time of the note's first keystroke (a quote is typed after it was said)."""
    elapsed: float
    """Seconds on the interview clock at that first keystroke."""
    question_id: str | None
    starred: bool = False
    emotions: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    edited_at: str | None = None
    severity: int | None = None
    """1-5 when the whole note was rated on the tagging screen (span excerpts carry their own)."""
    codings: list[dict[str, Any]] = field(default_factory=list)
    """Who applied each tag and when (tui/domain/codings.py); `tags` is always their tags."""
    typed: str | None = None
    """The quote as the note-taker typed it, once the tagging screen put the transcript's
    verbatim in its place (`quotes.with_verbatim`); stored only when set."""
    kept: dict[str, Any] = field(default_factory=dict)
    """The stored fields this class does not hold (a transcript cue's `ends_elapsed` and
    `speech`, a newer Fieldnote's), written back as they were: a note deleted and restored,
    or rewritten whole, loses nothing."""

    def __post_init__(self) -> None:
        if self.tags or self.codings:
            try:  # the common case, one coding per tag and in step: nothing to reconcile
                if [c["tag"] for c in self.codings] == self.tags and all(
                    type(c["coder"]) is str for c in self.codings
                ):
                    return
            except (KeyError, TypeError):
                pass
            from tui.domain.codings import codings_of, tags_of  # codings reads tag_key here

            self.codings = codings_of({"codings": self.codings, "tags": self.tags})
            self.tags = tags_of(self.codings)

    @classmethod
    def from_typed(
        cls,
        text: str,
        *,
        session_id: str,
        author: str,
        started_at: str,
        elapsed: float,
        question_id: str | None,
        note_id: str | None = None,
    ) -> Note:
        from tui.domain.codings import inline_codings

        marks = parse_inline(text)
        return cls(
            id=note_id or new_id(),
            session_id=session_id,
            author=author,
            text=text,
            kind=marks.kind,
            started_at=started_at,
            elapsed=round(elapsed, 3),
            question_id=question_id,
            starred=marks.starred,
            emotions=list(marks.emotions),
            codings=inline_codings([], marks.tags, author, started_at),
        )

    def retyped(self, text: str, edited_at: str) -> Note:
        """This note with new text. Only what the edit itself changed in the inline syntax
        changes the marks: a `#tag` typed in is added, one deleted from the text is removed,
        while a tag or star removed by hand stays removed though its `#tag` or `*` remains.
        Inline tags are the author's codings: deleting a `#tag` removes the author's coding
        (and one from before coders were recorded), not another coder's."""
        from tui.domain.codings import UNKNOWN_CODER, codings_of, inline_codings

        before, after = parse_inline(self.text), parse_inline(text)
        old_inline = {tag_key(t) for t in before.tags}
        new_inline = {tag_key(t) for t in after.tags}
        gone, typist = old_inline - new_inline, (self.author, UNKNOWN_CODER)
        codings = codings_of({"codings": self.codings, "tags": self.tags})
        kept = [c for c in codings if not (tag_key(c["tag"]) in gone and c["coder"] in typist)]
        typed = [t for t in after.tags if tag_key(t) not in old_inline]
        starred = after.starred if after.starred != before.starred else self.starred
        kind = self.kind if self.kind in ("asked", "transcript") else after.kind
        return Note(
            **{
                **asdict(self),
                "text": text,
                "kind": kind,
                "starred": starred,
                "emotions": list(after.emotions),
                "tags": [],
                "codings": inline_codings(kept, typed, self.author, edited_at),
                "edited_at": edited_at,
            }
        )

    def with_star(self, starred: bool) -> Note:
        """This note starred or not, as the star key leaves it. The leading `*` typed to star
        it is markup: unstarring takes it out of the text, so the words never read as starred
        when the note is not, and no later parse (an edit, an import) stars it again.
        Starring sets the flag and leaves the words as they are. Not an edit: `edited_at`
        stays."""
        text = self.text if starred else without_star_mark(self.text)
        return Note(**{**asdict(self), "text": text, "starred": starred})

    def to_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        kept = doc.pop("kept")
        if doc["typed"] is None:
            del doc["typed"]  # most notes were never replaced by a verbatim
        return {**kept, **doc} if kept else doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Note:
        """A stored note. Lenient: a script may have written one with fields missing or of the
        wrong type, and one such note must not stop a live session from showing the rest."""

        def text(name: str, default: str = "") -> str:
            value = doc.get(name)
            return value if isinstance(value, str) else default

        def texts(name: str) -> list[str]:
            value = doc.get(name)
            return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

        try:
            elapsed = float(doc.get("elapsed") or 0.0)
        except (TypeError, ValueError):
            elapsed = 0.0
        severity = doc.get("severity")
        return cls(
            id=text("id") or new_id(),
            session_id=text("session_id"),
            author=text("author"),
            text=text("text"),
            kind=note_kind(doc),
            started_at=text("started_at"),
            elapsed=elapsed,
            question_id=text("question_id") or None,
            starred=doc.get("starred") is True,
            emotions=texts("emotions"),
            tags=texts("tags"),
            edited_at=text("edited_at") or None,
            severity=severity if isinstance(severity, int) and 1 <= severity <= 5 else None,
            codings=codings if isinstance(codings := doc.get("codings"), list) else [],
            typed=text("typed") or None,
            kept={name: value for name, value in doc.items() if name not in _NOTE_FIELDS},
        )


_NOTE_FIELDS = frozenset(f.name for f in fields(Note)) - {"kept"}
"""The stored fields a `Note` holds as its own attributes."""


NO_TIME = "--:--"
"""What `format_elapsed` gives for a time that is not a number of seconds."""
LONGEST_TIME = 1e9
"""Seconds (some 31 years) past which a time is no clock's but a hand edit's: `NO_TIME`, not a
line of 300 digits."""


def format_elapsed(seconds: float) -> str:
    """Clock time as a note-taker reads it: `mm:ss`, or `h:mm:ss` past the hour; `--:--` for
    a time no clock reaches (a hand-edited file's 1.7e308 s and as much offset sum to
    infinity)."""
    if not math.isfinite(seconds) or abs(seconds) >= LONGEST_TIME:
        return NO_TIME
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def parse_elapsed(text: str) -> float:
    """Read `90`, `1:30`, `-0:45` or `1:02:03` as seconds; ValueError with a sentence otherwise."""
    raw = text.strip()
    sign = -1 if raw.startswith("-") else 1
    raw = raw.lstrip("+-").strip()
    parts = raw.split(":")
    if not raw or len(parts) > 3 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"'{text}' is not a time: type seconds (90), mm:ss (1:30) or h:mm:ss.")
    if any(int(part) > 59 for part in parts[1:]):
        # "1:99" read as 2:39 moved every note's link to the recording without a word.
        raise ValueError(
            f"'{text}' is not a time: minutes and seconds after a colon go up to 59; type "
            "seconds (90), mm:ss (1:30) or h:mm:ss."
        )
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return float(sign * seconds)


def note_counts(
    notes: Iterable[Mapping[str, Any]], excerpts: Iterable[Mapping[str, Any]]
) -> tuple[int, int]:
    """(notes, notes coded) of a session as every screen and the report count them: a note
    that only marks a question asked is none; a coded one has tags of its own or a span with
    tags."""
    spanned = {doc.get("note_id") for doc in excerpts if doc.get("tags")}
    count = coded = 0
    for note in notes:
        if note.get("kind") in MARK_KINDS:
            continue
        count += 1
        if note.get("tags") or note.get("id") in spanned:
            coded += 1
    return count, coded
