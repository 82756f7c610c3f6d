"""Tag names and excerpts as pure logic: hierarchy, renaming a tag inside notes, spans.

No I/O: the store applies these to every session file (tui/services/tag_ops.py), the tagging
screen to the note on screen.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from tui.domain.codings import (
    UNKNOWN_CODER,
    set_aside_of,
    with_coding,
    without_coder,
    without_coding,
)
from tui.domain.display_text import visible
from tui.domain.notes import (
    MAX_TAG_DEPTH,
    MAX_TAG_LEVEL_CHARS,
    clean_tag_name,
    inline_tokens,
    longest_level,
    overlong_tags,
    parse_inline,
    tag_fits,
    tag_key,
)
from tui.domain.ratings import severity_of, with_rating
from tui.domain.spans import move_span

SEVERITIES = (1, 2, 3, 4, 5)

_WORD = re.compile(r"\S+")


def tag_depth(name: str) -> int:
    """Levels of a tag name: `pain/onboarding` has 2."""
    return clean_tag_name(name).count("/") + 1


def tag_limit(name: str) -> str | None:
    """The limit `name` is past, and by how much (a sentence without its full stop, which
    each caller ends with what follows for it), or None when it fits `MAX_TAG_LEVEL_CHARS`
    and `MAX_TAG_DEPTH` (`tag_fits`)."""
    name = clean_tag_name(name)
    if tag_fits(name):
        return None
    if tag_depth(name) > MAX_TAG_DEPTH:
        return (
            f"A tag can have at most {MAX_TAG_DEPTH} levels (a/b/c has 3), and this one has "
            f"{tag_depth(name)}"
        )
    return (
        f"A tag can have at most {MAX_TAG_LEVEL_CHARS} characters between two /, and "
        f"#{visible(name[:24])}\u2026 has {longest_level(name):,}"
    )


def tag_limit_problem(name: str) -> str | None:
    """Why `name` is longer or deeper than a tag may be (one sentence), or None when it fits."""
    limit = tag_limit(name)
    return None if limit is None else f"{limit}; shorten it."


def kept_as_text_notice(text: str) -> str | None:
    """What to tell the note-taker whose note has a `#word` too long or too deep to be a tag
    (it is kept as text, the note saved whole), or None when there is none."""
    found = overlong_tags(text)
    if not found:
        return None
    return f"{tag_limit(found[0])}: the note is saved with it as text, not as a tag."


def inline_name_problem(name: str) -> str | None:
    """Why `#name` typed in a note would not read back as this tag (one sentence with what to
    do instead), or None when it would. The inline parser stops a tag at a space or at any
    character other than a letter, digit, `_`, `-` or `/`, so `#new name` reads as `#new`, and
    a tag starts with a letter."""
    name = clean_tag_name(name)
    too_big = tag_limit_problem(name)
    if too_big is not None:
        return too_big
    tokens = inline_tokens("#" + name)  # read back as the inline parser reads a note
    if [(t.start, t.end, t.kind, t.value) for t in tokens] == [(0, len(name) + 1, "tag", name)]:
        return None
    if any(ch.isspace() for ch in name):
        suggestion = "-".join(name.split())
        return (
            f"A tag name cannot contain spaces, since #{name.split()[0]} would end at the "
            f"first one; use - or _ instead, e.g. \u2018{suggestion}\u2019."
        )
    bad = next((ch for ch in name if not (ch.isalnum() or ch in "_-/")), None)
    if bad is None:  # e.g. `3rd` (so "the #3 reason" is no tag) or a level starting with `-`
        return "A tag name must start with a letter; use letters, digits, -, _ and /."
    return (
        f"A tag name can hold only letters, digits, -, _ and / (so it can be typed as #tag in "
        f"a note), not \u2018{bad}\u2019."
    )


def tag_parent(name: str) -> str:
    """`pain/onboarding/sso` -> `pain/onboarding`; a top-level tag has no parent ("")."""
    name = clean_tag_name(name)
    return name.rpartition("/")[0]


def retag_text(text: str, mapping: Mapping[str, str | None]) -> str:
    """Inline `#old` tokens of a note's text renamed as `mapping` says (a dropped tag keeps its
    text: deleting a tag never rewrites what was typed). Other text is left exactly as typed.
    A new name that `#` cannot express (`new name`, see `inline_name_problem`) also leaves the
    text as typed: `#new name` would read back as the tag `new`."""
    return apply_edits(text, retag_edits(text, mapping))


def retag_edits(text: str, mapping: Mapping[str, str | None]) -> list[tuple[int, int, str]]:
    """The replacements `retag_text` makes, as (start, end, new token): span excerpts of the
    note are carried across exactly these (tui/domain/spans.py). The tokens are the inline
    parser's (a tag's trailing `-` or `/` is not part of one, so it stays as typed).

    A word the rename would make repeat a tag the words name already (`#sso #setup`, `sso`
    merged into `setup`) is cut instead, with the spaces before it (at the start of the text
    or after a bracket, the spaces after it), so the tag stands once: the first word naming
    it stays, and a word the rename leaves under its own name is never cut (a repetition
    typed stays as typed). Where cutting would change what the words say otherwise (`#sso
    ?why` made a follow-up of a note, `(#sso#pricing)` a tag of `#pricing`), every word is
    renamed in place instead, as a rename without repetition is."""
    edits = _retag_edits(text, mapping, cut=True)
    if any(not new for _, _, new in edits) and not _says_the_same(text, edits, mapping):
        return _retag_edits(text, mapping, cut=False)
    return edits


def _says_the_same(
    text: str, edits: list[tuple[int, int, str]], mapping: Mapping[str, str | None]
) -> bool:
    """Whether the words `edits` leave are the same kind of note, starred or not, with the
    same emotions, naming the tags the rename leaves and no other."""
    before, after = parse_inline(text), parse_inline(apply_edits(text, edits))
    renamed = {tag_key(name): tag_key(_new_name(name, mapping) or name) for name in before.tags}
    return (before.kind, before.starred, before.emotions) == (
        after.kind,
        after.starred,
        after.emotions,
    ) and {tag_key(name) for name in after.tags} == set(renamed.values())


def _new_name(name: str, mapping: Mapping[str, str | None]) -> str | None:
    """The name `mapping` gives the tag `name` in the words: None where it keeps its own (a
    name `#` cannot express leaves the words as typed)."""
    new = mapping.get(tag_key(name))
    return new if new is not None and inline_name_problem(new) is None else None


def _retag_edits(
    text: str, mapping: Mapping[str, str | None], *, cut: bool
) -> list[tuple[int, int, str]]:
    tokens = [t for t in inline_tokens(text) if t.kind == "tag"]
    renamed = {}
    for token in tokens:
        if (new := _new_name(token.value, mapping)) is not None:
            renamed[token.start] = new
    named = {  # the tags the words name that the rename does not move
        tag_key(renamed.get(t.start, t.value))
        for t in tokens
        if tag_key(renamed.get(t.start, t.value)) == tag_key(t.value)
    }
    edits: list[tuple[int, int, str]] = []
    for token in tokens:
        new = renamed.get(token.start)
        if new is None:
            continue
        key = tag_key(new)
        if cut and key != tag_key(token.value) and key in named:
            edits.append(_cut(text, token.start, token.end, edits[-1][1] if edits else 0))
            continue
        named.add(key)
        if "#" + new != text[token.start : token.end]:
            edits.append((token.start, token.end, "#" + new))
    return edits


def retag_span(
    text: str,
    renamed: str,
    start: int,
    end: int,
    edits: list[tuple[int, int, str]],
    mapping: Mapping[str, str | None],
) -> tuple[int, int]:
    """Where the span `text[start:end]` is in `renamed` (`retag_edits(text, mapping)` made it):
    carried across the edits (`move_span`), except a span on words the rename cut (a tag it
    would have repeated), which moves onto the word that names that tag now, rather than
    shrink to nothing."""
    moved = move_span(text, renamed, start, end, edits)
    if moved[0] < moved[1] or start >= end:
        return moved
    keys = {
        tag_key(mapping.get(tag_key(t.value)) or t.value)
        for t in inline_tokens(text)
        if t.kind == "tag" and start < t.end and t.start < end
    }
    for token in inline_tokens(renamed):
        if token.kind == "tag" and tag_key(token.value) in keys:
            return token.start, token.end
    return moved


_BRACKETS = {"(": ")", "[": "]", "{": "}"}


def _cut(text: str, start: int, end: int, floor: int) -> tuple[int, int, str]:
    """The edit that cuts the word `text[start:end]` with the spaces before it (not before
    `floor`, where the edit before ends), else with those after it. A word alone in brackets
    (`(#sso)`) goes with them: they would hold nothing."""
    left, right = start, end
    while left > floor and text[left - 1] in " \t":
        left -= 1
    while right < len(text) and text[right] in " \t":
        right += 1
    if left > floor and right < len(text) and _BRACKETS.get(text[left - 1]) == text[right]:
        start, end = left - 1, right + 1
    before = start
    while before > floor and text[before - 1] in " \t":
        before -= 1
    if before < start:
        return before, end, ""
    after = end
    while after < len(text) and text[after] in " \t":
        after += 1
    return start, after, ""


def apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    pieces, at = [], 0
    for start, end, replacement in edits:
        pieces += [text[at:start], replacement]
        at = end
    return "".join(pieces) + text[at:]


def edit_changes(doc: Mapping, edit: Mapping) -> dict:
    """The fields an edit changes in a note or span excerpt, as a delta on the document as it
    is now: `{"add_tag": name, "coder": who, "at": iso}`, `{"remove_tag": name, "coder": who}`,
    `{"clear_tags": True, "coder": who}`, a rating `{"rate": 1-5 or None, "coder": who, "at":
    iso, "over_unknown": bool}` (tui/domain/ratings.py: one coder's, the others' kept), or a note's
    text replaced, `{"text_from": old, "text_to": new, "at": iso}` (the first text kept in
    `typed`). A tag edit changes
    one coder's codings (tui/domain/codings.py), and `tags` with them. Empty when it changes
    nothing (so applying it twice, or over a read that already has it, is harmless). Codings
    someone else gave the document meanwhile stay: a delta never replaces the whole list with
    an older copy."""
    coder = edit.get("coder") or UNKNOWN_CODER
    changes: dict = {}
    new: dict | None = None
    if "add_tag" in edit:
        new = with_coding(doc, edit["add_tag"], coder, edit.get("at"))
    elif "remove_tag" in edit:
        new = without_coding(doc, edit["remove_tag"], coder)
    elif edit.get("clear_tags"):
        new = without_coder(doc, coder)
    if new is not None:
        changes.update(new)
    if "rate" in edit:
        rated = with_rating(
            doc, edit["rate"], coder, edit.get("at"), over_unknown=bool(edit.get("over_unknown"))
        )
        changes.update(rated or {})
    if "text_to" in edit and doc.get("text") == edit.get("text_from") != edit["text_to"]:
        # A quote's words swapped for the transcript's verbatim, or back: only over the text
        # it was made from (an edit made meanwhile wins), and the text as first typed is kept.
        changes["text"] = edit["text_to"]
        changes["typed"] = doc.get("typed") or edit["text_from"]
        changes["edited_at"] = edit.get("at")
    return changes


def edit_empties(doc: Mapping, edit: Mapping) -> bool:
    """Whether the edit asks to drop a span excerpt left with no tags and no severity (`doc`
    as it is after the edit)."""
    return (
        bool(edit.get("drop_if_empty"))
        and not doc.get("tags")
        and severity_of(doc) is None
        and not set_aside_of(doc)  # kept, untagged: a settlement set its codings aside
    )


def word_end_after(text: str, at: int) -> int:
    """End of the word that ends after `at` (for extending a span by a word)."""
    for match in _WORD.finditer(text):
        if match.end() > at:
            return match.end()
    return len(text)


def word_end_before(text: str, at: int, floor: int) -> int:
    """The last word end before `at` but after `floor` (for shrinking a span by a word)."""
    best = floor
    for match in _WORD.finditer(text):
        if floor < match.end() < at:
            best = match.end()
    return best


def word_start_after(text: str, at: int) -> int:
    """Start of the next word after `at` (for moving a span's start forward a word)."""
    for match in _WORD.finditer(text):
        if match.start() > at:
            return match.start()
    return len(text)


def word_start_before(text: str, at: int) -> int:
    best = 0
    for match in _WORD.finditer(text):
        if match.start() < at:
            best = match.start()
    return best
