"""Fuzzy search over the codebook's tags, fast enough to run on every keystroke of the picker.

A pure service over plain data: no Textual, no TinyDB. The tag picker builds one `TagIndex`
from the codebook and keeps it up to date with `add`, `remove` and `record_use`; `search` runs
per keystroke and must stay under 5 ms at p99 with 10,000 tags (docs/ARCHITECTURE.md, "Budgets").

Ranking, best first (each class is tried on its own, so a fuzzy hit never outranks a prefix):

1. **exact**: the query is the tag's name, case-insensitively (`-`, `_`, `/`, `.`, `:` and spaces
   count as the same separator, so `export csv` is exact for `export-csv`).
2. **exact** (leaf): the query is the tag's last hierarchy level, so `onboarding` is exact for
   `pain/onboarding`. Ranked after a whole-name exact match: typing `onboarding` when both
   `onboarding` and `pain/onboarding` exist means the former. `has_exact` ignores leaf matches,
   since a top-level `onboarding` can still be created next to `pain/onboarding`.
3. **prefix**: every word of the query starts a different word of the name (words are split at
   the separators above, so this covers a prefix of the whole name, of any `/` level, and of any
   word): `pain/onb`, `onb`, `exp csv` and `csv exp` all find `need/export-csv`.
4. **fuzzy**: the best of rapidfuzz `WRatio` against the whole name, `ratio` against the leaf
   plus `LEAF_BONUS` (a typo of what the tag is about beats the same typo in a parent level),
   and the mean over the query's words of each one's best `WRatio` against a word of the name.
   Below `FUZZY_CUTOFF` a tag is not shown. Scores are bucketed in steps of `FUZZY_BUCKET`
   points (`score // 5`) and one bucket counts as a tie.
   Queries of one or two characters are too short to be fuzzy: there, this class holds names that
   merely contain the query.

Ties inside a class (inside a bucket, for fuzzy) go to the tag used more often, then to the one
used more recently, then to the name in case-insensitive order. Matching casefolds everything,
so `CAFÉ` finds `café` and `strasse` finds `Straße`.

Whether Enter may apply the top match at once is `enter_choice`'s decision: an exact or prefix
match may; a fuzzy one only when it is strong and no other match is a likely reading of the
typo (see there). Otherwise the picker shows the choice first.

How it stays fast: every name is casefolded and split once, at build time. An inverted index maps
each character and each pair of adjacent characters ("bigram") to the set of tags containing it,
kept as the bits of a Python int, so intersecting and counting sets is a handful of big-int
operations in C. A fuzzy query keeps the tags sharing the most bigrams with it (at most
`MAX_CANDIDATES`) and only those are scored by rapidfuzz. Prefix and substring queries that
match thousands of tags walk a list kept sorted by popularity and stop after `limit` hits.
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from rapidfuzz import fuzz, process

from tui.domain.notes import clean_tag_name, tag_key

FUZZY_BUCKET = 5
"""Fuzzy scores this many points apart or less (same bucket) are a tie, settled by use."""
FUZZY_CUTOFF = 60.0
"""Fuzzy matches scoring below this are not shown."""
LEAF_BONUS = 5.0
"""Added to the leaf's score when the query matches the last hierarchy level better."""
SURE_SCORE = 80.0
"""A fuzzy top match scoring below this is a guess: Enter shows the choice instead."""
SURE_MARGIN = 10.0
"""A fuzzy top match less than this many points ahead of the second is a toss-up."""
MAX_RIVALS = 5
"""At most this many matches are put forward as the choice."""
MAX_CANDIDATES = 400
"""At most this many tags (those sharing the most bigrams with the query) are fuzzy-scored."""
_DECODE_LIMIT = 512
"""Prefix or substring sets larger than this are walked in popularity order instead."""

_SEPARATOR = re.compile(r"[\s/\-_.:]")

_EXACT, _LEAF_EXACT, _PREFIX, _FUZZY = range(4)
_KIND = {_EXACT: "exact", _LEAF_EXACT: "exact", _PREFIX: "prefix", _FUZZY: "fuzzy"}


TIMES_APPLIED = "times applied"
"""What a codebook tag's `uses` count, as a picker says it beside them: every coding ever
applied, a removal taking none back (docs/coding.md), unlike the excerpts the codebook screen's
table and the analysis count."""


@dataclass(frozen=True)
class TagStats:
    """What the index knows of one codebook tag."""

    name: str
    uses: int = 0
    last_used_at: str | None = None
    """UTC ISO time of the latest use, or None if never used."""


@dataclass(frozen=True)
class TagMatch:
    """One search result, in the order `search` ranks them."""

    name: str
    score: float
    """0-100; 100 for exact and prefix matches, the rapidfuzz score for fuzzy ones."""
    kind: str
    """`exact`, `prefix` or `fuzzy`."""
    spans: tuple[tuple[int, int], ...] = ()
    """(start, end) ranges of `name`, end exclusive, that matched the query: to highlight."""
    uses: int = 0


@dataclass(frozen=True)
class EnterChoice:
    """What Enter should do with the top match of a search."""

    rivals: tuple[TagMatch, ...] = ()
    """Empty: Enter applies the top match at once. Otherwise the matches to choose between,
    best first (the top match first): what the picker shows before anything is applied."""
    reason: str = ""
    """Why there is a choice, as a sentence for the picker's hint."""

    @property
    def at_once(self) -> bool:
        return not self.rivals


def enter_choice(query: str, matches: list[TagMatch]) -> EnterChoice:
    """Whether Enter may apply `matches[0]` (a `search` result for `query`) without asking.

    Exact and prefix matches apply at once. A fuzzy top match does only when it scores at least
    SURE_SCORE, leads the next match by SURE_MARGIN and no other match holds the typed letters
    in order from the start of one of its words: a typist who drops letters (`deflct`,
    `invstig`) types such a subsequence of the tag meant, so that tag is a likely reading even
    when a shorter name scores higher (`product/defect` over `staff/deflection`).
    Queries of one or two characters match by containment only and never apply at once.
    """
    if not matches or matches[0].kind != "fuzzy":
        return EnterChoice()
    top, others = matches[0], matches[1:]
    letters = "".join(_query_words(query))
    if len(letters) <= 2:
        return _choice(matches, [], f"\u2018{query.strip()}\u2019 is too short to be sure.")
    rivals = [m for m in others if top.score - m.score < SURE_MARGIN][: MAX_RIVALS - 1]
    pattern = _in_order(letters)
    for match in others:  # in rank order, so the best readings are the ones kept
        if len(rivals) >= MAX_RIVALS - 1:
            break
        if match not in rivals and pattern.search(_normalize(match.name.casefold())):
            rivals.append(match)
    if not rivals and top.score >= SURE_SCORE:
        return EnterChoice()
    return _choice(matches, rivals, "Only a weak match.")


def _choice(matches: list[TagMatch], picked: list[TagMatch], reason: str) -> EnterChoice:
    """The top match and the matches `picked` out as its rivals, in rank order; with rivals,
    the reason is that there are several."""
    names = {m.name for m in picked}
    rivals = [matches[0], *(m for m in matches[1:] if m.name in names)][:MAX_RIVALS]
    if len(rivals) > 1:
        reason = f"{len(rivals)} tags could be meant."
    return EnterChoice(tuple(rivals), reason)


def _in_order(letters: str) -> re.Pattern[str]:
    """Matches a normalized name holding `letters` in order (anything between them, spaces
    too), starting at the first letter of one of its words."""
    first, rest = letters[0], letters[1:]
    # [^c]*+c takes the nearest c and never backtracks: the first match in order is the best.
    steps = "".join(f"[^{re.escape(c)}]*+{re.escape(c)}" for c in rest)
    return re.compile(f"(?:^| ){re.escape(first)}{steps}")


def _normalize(folded: str) -> str:
    """Separators to single spaces, same length as `folded` (so indexes carry over)."""
    return _SEPARATOR.sub(" ", folded)


def _plain(name: str) -> str:
    """`name` as it reads: no case, no accents, its separators one space (`Need/Shàred_View`
    and `need/shared-view` are both `need shared view`)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_SEPARATOR.sub(" ", bare).split())


def lookalike(name: str, names: Iterable[str]) -> str | None:
    """The first of `names` that differs from `name` only in case, accents or separators (not
    the same tag: that one differs in case alone, and is `name`)."""
    plain = _plain(name)
    key = tag_key(name)
    return next((n for n in names if tag_key(n) != key and _plain(n) == plain), None)


def _query_words(query: str) -> list[str]:
    return _SEPARATOR.sub(" ", query.casefold()).split()


def _grams(spaced: str) -> set[str]:
    """Characters and adjacent pairs of `spaced` (a name or query with a leading space)."""
    grams = set(spaced)
    grams.update(spaced[i : i + 2] for i in range(len(spaced) - 1))
    grams.discard(" ")
    return grams


def _timestamp(iso: str | None) -> float:
    if not iso:
        return -math.inf
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return -math.inf
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _bits(mask: int) -> Iterator[int]:
    """Indexes of the set bits of `mask`, lowest first."""
    text = bin(mask)[:1:-1]  # reversed: text[i] is bit i
    i = text.find("1")
    while i >= 0:
        yield i
        i = text.find("1", i + 1)


def _fold_map(name: str) -> list[int]:
    """For each character of `name.casefold()`, the index in `name` it came from."""
    mapping: list[int] = []
    for index, char in enumerate(name):
        mapping.extend([index] * len(char.casefold()))
    mapping.append(len(name))
    return mapping


@dataclass
class _Tag:
    name: str
    folded: str  # name.casefold(), the identity (equals tag_key(name))
    norm: str  # folded with separators as spaces, same length
    spaced: str  # " " + norm: `" " + word in spaced` is a word-prefix test
    words: tuple[str, ...]
    joined: str  # words joined by single spaces: what an exact query looks like
    leaf: str  # the last hierarchy level, words joined by single spaces
    leaf_start: int  # index of the leaf in norm
    uses: int
    last_used_at: str | None
    stamp: float

    @property
    def order_key(self) -> tuple[int, float, str]:
        return (-self.uses, -self.stamp, self.folded)


class TagIndex:
    """Every codebook tag, indexed once for per-keystroke fuzzy search."""

    def __init__(self, tags: Iterable[TagStats] = ()) -> None:
        self._tags: list[_Tag | None] = []  # by slot; None for a freed slot
        self._free: list[int] = []
        self._by_key: dict[str, int] = {}
        self._by_norm: dict[str, set[int]] = {}
        self._by_leaf: dict[str, set[int]] = {}
        self._grams: dict[str, int] = {}  # gram -> bitmask of slots
        self._by_len: dict[int, int] = {}  # length of the name -> bitmask of slots
        self._order: list[tuple[int, float, str, int]] = []  # popularity order, slot last
        unique = {tag_key(tag.name): tag for tag in tags}  # a repeated name: the last one wins
        for tag in unique.values():
            self._insert(tag, keep_order=False)
        self._order.sort()

    # -- the collection ------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and tag_key(name) in self._by_key

    def names(self) -> list[str]:
        """Every tag's name, in no particular order."""
        return [t.name for t in self._tags if t is not None]

    def lookalike(self, name: str) -> str | None:
        """A tag whose name differs from `name` only in case, accents or separators (a scan:
        for the one moment a tag is about to be created, not for every keystroke)."""
        return lookalike(name, self.names())

    def has_exact(self, query: str) -> bool:
        """Whether a tag with exactly this name exists (case-insensitively): if not, the picker
        may offer to create it. A leaf match (`onboarding` for `pain/onboarding`) is not one."""
        key = tag_key(query)
        return bool(key) and key in self._by_key

    def add(self, tag: TagStats) -> None:
        """Index a new tag, or replace the stats (and spelling) of one already indexed."""
        self.remove(tag.name)
        self._insert(tag, keep_order=True)

    def remove(self, name: str) -> None:
        """Forget a tag; a name not in the index is ignored."""
        slot = self._by_key.pop(tag_key(name), None)
        if slot is None:
            return
        entry = self._tags[slot]
        assert entry is not None
        self._tags[slot] = None
        self._free.append(slot)
        self._discard(self._by_norm, entry.joined, slot)
        self._discard(self._by_leaf, entry.leaf, slot)
        bit = 1 << slot
        self._by_len[len(entry.norm)] &= ~bit
        if not self._by_len[len(entry.norm)]:
            del self._by_len[len(entry.norm)]
        for gram in _grams(entry.spaced):
            mask = self._grams[gram] & ~bit
            if mask:
                self._grams[gram] = mask
            else:
                del self._grams[gram]
        self._order_remove(entry, slot)

    def record_use(self, name: str, when_iso: str) -> None:
        """Count one more use of a tag at `when_iso`. An unknown tag is added with one use."""
        slot = self._by_key.get(tag_key(name))
        if slot is None:
            self.add(TagStats(name=name, uses=1, last_used_at=when_iso))
            return
        entry = self._tags[slot]
        assert entry is not None
        self._order_remove(entry, slot)
        entry.uses += 1
        stamp = _timestamp(when_iso)
        if stamp >= entry.stamp:  # an out-of-order older use does not make the tag less recent
            entry.stamp, entry.last_used_at = stamp, when_iso
        bisect.insort(self._order, (*entry.order_key, slot))

    def stats(self, name: str) -> TagStats | None:
        slot = self._by_key.get(tag_key(name))
        if slot is None:
            return None
        entry = self._tags[slot]
        assert entry is not None
        return TagStats(entry.name, entry.uses, entry.last_used_at)

    def recent(self, n: int = 9) -> list[str]:
        """The `n` most recently used tags, newest first (for the number-key shortcuts)."""
        used = (t for t in self._tags if t is not None and t.last_used_at is not None)
        newest = heapq.nsmallest(n, used, key=lambda t: (-t.stamp, -t.uses, t.folded))
        return [t.name for t in newest]

    # -- search --------------------------------------------------------------------------

    def search(self, query: str, limit: int = 20) -> list[TagMatch]:
        """The best `limit` tags for `query`, ranked as the module doc says. An empty query
        lists the most used tags (then most recently used) as `prefix` matches."""
        if limit <= 0:
            return []
        words = _query_words(query)
        if not words:
            top = [slot for *_, slot in self._order[:limit]]
            return [self._match(slot, _PREFIX, 100.0, words, "") for slot in top]
        qnorm = " ".join(words)
        ranked: list[tuple[int, int]] = []  # (class, slot)
        seen: set[int] = set()

        def take(cls: int, slots: Iterable[int]) -> None:
            for slot in slots:
                if slot not in seen and len(ranked) < limit:
                    seen.add(slot)
                    ranked.append((cls, slot))

        take(_EXACT, self._popular(self._by_norm.get(qnorm, ())))
        take(_LEAF_EXACT, self._popular(self._by_leaf.get(qnorm, ())))
        if len(ranked) < limit:
            take(_PREFIX, self._prefix(words, limit + len(seen)))
        scores: dict[int, float] = {}
        if len(ranked) < limit:
            if len(qnorm) <= 2:
                take(_FUZZY, self._containing(qnorm, limit + len(seen)))
            else:
                scores = self._fuzzy(qnorm, seen)
                take(_FUZZY, scores)
        return [
            self._match(slot, cls, scores.get(slot, 100.0), words, qnorm) for cls, slot in ranked
        ]

    def _popular(self, slots: Iterable[int]) -> list[int]:
        """`slots` in tie-break order: more uses, then more recent, then name."""
        return sorted(slots, key=self._slot_key)

    def _slot_key(self, slot: int) -> tuple[int, float, str]:
        entry = self._tags[slot]
        assert entry is not None
        return entry.order_key

    def _mask(self, text: str) -> int:
        """Tags whose spaced name contains every gram of `text` (a superset of those that
        contain `text`); -1 (every tag) for a text with no grams."""
        mask = -1
        for gram in _grams(text):
            mask &= self._grams.get(gram, 0)
            if not mask:
                return 0
        return mask

    def _walk(self, mask: int, test, limit: int) -> list[int]:
        """Up to `limit` tags in `mask` passing `test(entry)`, in popularity order.

        `test` may be None (every tag in `mask`); otherwise it must imply membership of `mask`,
        which then only narrows the set to test.
        """
        if mask == 0:
            return []
        tags = self._tags
        if mask > 0 and mask.bit_count() <= _DECODE_LIMIT:
            hits = [s for s in _bits(mask) if test is None or test(tags[s])]
            return heapq.nsmallest(limit, hits, key=self._slot_key)
        if test is None:
            members = set(_bits(mask))
            test_slot = members.__contains__
        else:
            test_slot = lambda slot: test(tags[slot])  # noqa: E731
        found = []
        for *_, slot in self._order:
            if test_slot(slot):
                found.append(slot)
                if len(found) >= limit:
                    break
        return found

    def _prefix(self, words: list[str], limit: int) -> list[int]:
        mask = -1
        for word in words:
            mask &= self._mask(" " + word)
        if len(words) == 1:
            needle = " " + words[0]
            return self._walk(mask, lambda t: needle in t.spaced, limit)
        longest_first = sorted(words, key=len, reverse=True)

        def test(entry: _Tag) -> bool:
            free = list(entry.words)
            for word in longest_first:
                for i, candidate in enumerate(free):
                    if candidate.startswith(word):
                        del free[i]
                        break
                else:
                    return False
            return True

        return self._walk(mask, test, limit)

    def _containing(self, qnorm: str, limit: int) -> list[int]:
        return self._walk(self._mask(qnorm), lambda t: qnorm in t.norm, limit)

    def _candidates(self, qnorm: str) -> list[int]:
        """The tags sharing the most bigrams with the query, at most MAX_CANDIDATES of them.

        `at_least[k]` is the set of tags holding at least k of the query's bigrams, built one
        bigram at a time. Levels are taken from the top down while they fit; the level that
        overflows contributes its shortest names first (a similarity score favours names with
        little besides the match, so those are the ones worth scoring).
        """
        spaced = " " + qnorm
        bigrams = {spaced[i : i + 2] for i in range(len(spaced) - 1)}
        masks = [self._grams[g] for g in bigrams if g in self._grams]
        if not masks:
            return []
        at_least = [-1] + [0] * len(masks)
        for count, mask in enumerate(masks, start=1):
            for k in range(count, 0, -1):
                at_least[k] |= at_least[k - 1] & mask
        # Below a third of the query's bigrams shared, a tag is not worth scoring.
        floor = max(1, math.ceil(len(bigrams) / 3))
        chosen = 0
        for k in range(len(masks), floor - 1, -1):
            level = at_least[k]
            if level.bit_count() <= MAX_CANDIDATES:
                chosen = level  # levels are nested: this one holds every higher one
                continue
            extra, shorter = level & ~chosen, 0
            for length in sorted(self._by_len):
                shorter |= self._by_len[length]
                grown = chosen | (extra & shorter)
                if grown.bit_count() > MAX_CANDIDATES:
                    break
                best = grown
            else:
                best = level
            chosen = best if k < len(masks) or best else chosen
            break
        return list(_bits(chosen))

    def _fuzzy(self, qnorm: str, seen: set[int]) -> dict[int, float]:
        """Scores of the fuzzy matches, best first (bucketed, then popularity order).

        A tag scores the best of: `WRatio` against the whole name; plain `ratio` against the
        leaf plus LEAF_BONUS (`onbord` is closer to `pain/onboarding` than to
        `pain/onboarding/sso`); and the mean over the query's words of each one's best `WRatio`
        against a word of the name (`prcing` is `pricing-page` more than `repricing`, and
        `dashbord slow` is `pain/dashboard/slow-load`, not `need/documentation-slow-load`).
        """
        slots = [s for s in self._candidates(qnorm) if s not in seen]
        if not slots:
            return {}
        tags = self._tags
        entries = [tags[s] for s in slots]
        full = process.extract(
            qnorm, [e.norm for e in entries], scorer=fuzz.WRatio, processor=None, limit=None
        )
        leaf = process.extract(
            qnorm, [e.leaf for e in entries], scorer=fuzz.ratio, processor=None, limit=None
        )
        best = [0.0] * len(slots)
        for _, score, i in full:
            best[i] = score
        for _, score, i in leaf:
            best[i] = max(best[i], min(100.0, score + LEAF_BONUS))
        qwords = qnorm.split()
        if qwords:
            vocabulary = list({w for e in entries for w in e.words})
            per_word = []
            for qword in qwords:
                hits = process.extract(
                    qword, vocabulary, scorer=fuzz.WRatio, processor=None, limit=None
                )
                per_word.append({vocabulary[i]: score for _, score, i in hits})
            for i, entry in enumerate(entries):
                total = sum(max(map(scores.get, entry.words)) for scores in per_word)
                best[i] = max(best[i], total / len(qwords))
        kept = [(slots[i], score) for i, score in enumerate(best) if score >= FUZZY_CUTOFF]
        kept.sort(key=lambda item: (-(item[1] // FUZZY_BUCKET), self._slot_key(item[0])))
        return dict(kept)

    def _match(self, slot: int, cls: int, score: float, words: list[str], qnorm: str) -> TagMatch:
        entry = self._tags[slot]
        assert entry is not None
        spans = self._spans(entry, cls, words, qnorm)
        if len(entry.folded) != len(entry.name):  # casefolding changed lengths (ß -> ss)
            mapping = _fold_map(entry.name)
            spans = tuple((mapping[a], mapping[b - 1] + 1) for a, b in spans)
        return TagMatch(entry.name, round(score, 1), _KIND[cls], spans, entry.uses)

    @staticmethod
    def _spans(entry: _Tag, cls: int, words: list[str], qnorm: str) -> tuple[tuple[int, int], ...]:
        if not qnorm:
            return ()
        if cls == _EXACT:
            return ((0, len(entry.norm)),)
        if cls == _LEAF_EXACT:
            return ((entry.leaf_start, len(entry.norm)),)
        if cls == _PREFIX:  # where each query word starts a word of the name
            spans = set()
            for word in words:
                at = entry.spaced.find(" " + word)  # spaced[at] is the space before norm[at]
                if at >= 0:
                    spans.add((at, at + len(word)))
            return tuple(sorted(spans))
        if len(qnorm) <= 2:  # a short query is matched as a substring
            at = entry.norm.find(qnorm)
            return ((at, at + len(qnorm)),) if at >= 0 else ()
        alignment = fuzz.partial_ratio_alignment(qnorm, entry.norm, processor=None)
        if alignment is None or alignment.dest_end <= alignment.dest_start:
            return ()
        return ((alignment.dest_start, alignment.dest_end),)

    # -- upkeep --------------------------------------------------------------------------

    def _insert(self, tag: TagStats, *, keep_order: bool) -> None:
        name = clean_tag_name(tag.name)
        folded = name.casefold()
        if not folded:
            return
        norm = _normalize(folded)
        words = tuple(norm.split())
        leaf_start = folded.rfind("/") + 1
        entry = _Tag(
            name=name,
            folded=folded,
            norm=norm,
            spaced=" " + norm,
            words=words,
            joined=" ".join(words),
            leaf=" ".join(norm[leaf_start:].split()),
            leaf_start=leaf_start,
            uses=max(0, tag.uses),
            last_used_at=tag.last_used_at,
            stamp=_timestamp(tag.last_used_at),
        )
        if self._free:
            slot = self._free.pop()
            self._tags[slot] = entry
        else:
            slot = len(self._tags)
            self._tags.append(entry)
        self._by_key[folded] = slot
        self._by_norm.setdefault(entry.joined, set()).add(slot)
        self._by_leaf.setdefault(entry.leaf, set()).add(slot)
        bit = 1 << slot
        self._by_len[len(norm)] = self._by_len.get(len(norm), 0) | bit
        grams = self._grams
        for gram in _grams(entry.spaced):
            grams[gram] = grams.get(gram, 0) | bit
        if keep_order:
            bisect.insort(self._order, (*entry.order_key, slot))
        else:
            self._order.append((*entry.order_key, slot))

    def _order_remove(self, entry: _Tag, slot: int) -> None:
        at = bisect.bisect_left(self._order, (*entry.order_key, slot))
        if at < len(self._order) and self._order[at][-1] == slot:
            del self._order[at]

    @staticmethod
    def _discard(index: dict[str, set[int]], key: str, slot: int) -> None:
        slots = index.get(key)
        if slots is not None:
            slots.discard(slot)
            if not slots:
                del index[key]
