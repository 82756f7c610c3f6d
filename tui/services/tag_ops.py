"""Codebook operations that span every session file: rename, merge, delete, usage counts.

A rename or merge must never leave a note or excerpt pointing at a tag the codebook no longer
has, even if the process dies half-way. So the steps run in an order where every moment in
between is consistent: the target tag is in the codebook first, then each session file is
rewritten (one locked, atomic write per file), and only then is the old tag removed from the
codebook. Meanwhile the change is recorded in the data folder (`DataStore.changing_tags`): a
process killed half-way, or a write that failed (a full disk), leaves the record, and
`finish_tag_changes` (run when the app starts, the codebook opens or a command opens the
folder) completes the change, so no session stays half renamed unexplained.

Tags are compared by `tag_key` (case-insensitive). Files that cannot be read stop a rename
before anything changes, since they could still hold the old name.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tui.domain.analysis import counts_for
from tui.domain.codings import codings_of, retagged, set_aside_of, without_twins
from tui.domain.notes import MARK_KINDS, clean_tag_name, tag_key
from tui.domain.recording import cue_notes
from tui.domain.spans import idle_span, span_owners, whole_note_tags
from tui.domain.tags import inline_name_problem
from tui.store.codebook import Codebook
from tui.store.datastore import DataStore
from tui.store.errors import StoreError, WriteFailedError
from tui.store.session import SessionSnapshot


@dataclass
class TagUsage:
    """How much one tag is used, now, across the sessions counted."""

    excerpts: int = 0
    """Span excerpts tagged with it plus notes tagged with it where no span of theirs is
    (`whole_note_tags`): the analysis's excerpts."""
    sessions: set[str] = field(default_factory=set)
    participants: set[str] = field(default_factory=set)
    coders: dict[str, int] = field(default_factory=dict)
    """Each coder -> the notes and span excerpts they tagged with it, as their own coding."""
    settled: dict[str, int] = field(default_factory=dict)
    """Each resolver -> the notes and span excerpts their settlement of a disagreement keeps
    it on: the team's word, recorded under their name, and no coding of theirs (a resolver
    who also coded one themselves is in `coders` for it too)."""
    last_used_at: str | None = None
    """When the latest of the codings counted was made: with `excerpts`, what a blind
    coder's tags are ranked by, as the tagging screen's picker ranks them (`own_index`)."""


@dataclass
class TagChange:
    """What a rename or a merge changed, kept to undo it (`undo_change`)."""

    tags: list[dict[str, Any]] = field(default_factory=list)
    """The tags that left the codebook, as they were: the undo puts them back first."""
    made: list[str] = field(default_factory=list)
    """Tags the change created (a rename's new names): the undo removes them last."""
    files: dict[str, list[tuple[str, dict[str, Any], dict[str, Any]]]] = field(default_factory=dict)
    """Session id -> (table, before, after) of each note and excerpt retagged."""


def _readable_ids(store: DataStore) -> list[str]:
    summaries, problems = store.list_sessions()
    if problems:
        names = ", ".join(p.path.name for p in problems[:3])
        raise StoreError(
            f"{len(problems)} session file(s) cannot be read ({names}); fix or move them "
            "first, or their tags would be left behind."
        )
    return [s.id for s in summaries]


def read_snapshot(store: DataStore, session_id: str) -> SessionSnapshot:
    """One session as it is now, its file closed again: callers that only look at a session
    once must not keep its descriptor (the codebook screen counts usage after every edit)."""
    session_file = store.open_session(session_id)
    try:
        return session_file.read()
    finally:
        session_file.close()


def tag_usage(
    store: DataStore, session_ids: Iterable[str] | None = None, *, coder: str | None = None
) -> dict[str, TagUsage]:
    """Usage of every tag found in the sessions (all of them by default), by `tag_key`; with
    `coder`, of that coder's own codings alone (a blind coder's codebook: their settlements
    are the team's word, not their coding, as blind tagging shows them)."""
    ids = list(session_ids) if session_ids is not None else _all_ids(store)
    usage: dict[str, TagUsage] = {}
    for session_id in ids:
        try:
            snapshot, recording = store.read_session(session_id)
        except StoreError:
            continue
        # A span counts when its note is there, or its cue: one left by a note deleted (kept
        # for the undo, or by another laptop) is in no theme, export or report either.
        # A note that only marks a question asked is no excerpt (MARK_KINDS), nor are its
        # spans, as in the themes.
        notes = [note for note in snapshot.notes if note.get("kind") not in MARK_KINDS]
        coded_on = span_owners(notes, cue_notes(recording, 0.0))
        spans = [span for span in snapshot.excerpts if span.get("note_id") in coded_on]
        docs = [(span, coded_on[span["note_id"]]) for span in spans]
        docs += [(note, note) for note in notes]
        span_tags: dict[str, list[Iterable[str]]] = {}
        for doc, note in docs:
            # Words a transcript gives to someone else than the participant raise it for
            # nobody, as in the themes.
            who = counts_for(snapshot.session, note)
            coders: dict[str, set[str]] = {}
            settlers: dict[str, set[str]] = {}
            last: dict[str, str] = {}
            for c in codings_of(doc):
                settlement = bool(c.get("settlement"))
                if coder is not None and (c["coder"] != coder or settlement):
                    continue
                tag = tag_key(c["tag"])
                (settlers if settlement else coders).setdefault(tag, set()).add(c["coder"])
                if c["at"] and c["at"] > last.get(tag, ""):
                    last[tag] = c["at"]
            applied = {**coders, **settlers}
            if doc is note:  # a tag one of its spans carries is that span's excerpt
                excerpts = whole_note_tags(applied, span_tags.get(str(note.get("id")), ()))
            else:
                excerpts = list(applied)
                span_tags.setdefault(str(doc.get("note_id")), []).append(excerpts)
            for tag in applied:
                entry = usage.setdefault(tag, TagUsage())
                if tag in last and last[tag] > (entry.last_used_at or ""):
                    entry.last_used_at = last[tag]
                if tag in excerpts:
                    entry.excerpts += 1
                    entry.sessions.add(session_id)
                    if who:
                        entry.participants.add(who)
                for counts, by in ((entry.coders, coders), (entry.settled, settlers)):
                    for name in by.get(tag, ()):
                        counts[name] = counts.get(name, 0) + 1
    return usage


def _all_ids(store: DataStore) -> list[str]:
    return [s.id for s in store.list_sessions()[0]]


Progress = Callable[[int, int], None]
"""Called with (sessions done, sessions in all) as a change goes through the session files."""


def _retag_all(
    store: DataStore,
    mapping: dict[str, str | None],
    undo: TagChange | None = None,
    progress: Progress | None = None,
) -> int:
    changed = 0
    session_ids = _readable_ids(store)
    for done, session_id in enumerate(session_ids):
        if progress is not None:
            progress(done, len(session_ids))
        session_file = store.open_session(session_id)
        record = undo.files.setdefault(session_id, []) if undo is not None else None
        try:
            changed += session_file.retag(mapping, record)
        finally:
            session_file.close()
    return changed


def rename_problem(find: Callable[[str], dict[str, Any] | None], old: str, new: str) -> str | None:
    """Why `old` cannot be renamed to `new`, as a sentence; None when it can. `find` looks a
    tag up by name. The codebook screen asks while the name is typed (over the tags it lists),
    and `rename_tag` before it changes anything (over the codebook on disk)."""
    name = clean_tag_name(new)
    if not name:
        return "A tag name cannot be empty; type at least one letter."
    problem = inline_name_problem(name)
    if problem is not None:  # `#new name` in a note would read back as `#new`
        return problem
    target = find(name)
    if target is not None and tag_key(name) != tag_key(old):
        return f"A tag named '{target['name']}' already exists; merge into it instead."
    return None


def rename_tag(
    store: DataStore,
    old: str,
    new: str,
    now_iso: str,
    undo: TagChange | None = None,
    progress: Progress | None = None,
) -> int:
    """Rename a tag, and its sub-tags with it (`pain/onbording/sso` follows
    `pain/onbording`), in the codebook and in every note and excerpt of every session (inline
    `#old` in a note's text included). A sub-tag whose new name already exists is merged into
    it. Returns how many notes and excerpts changed; `undo` gets what it takes to undo it."""
    codebook = store.codebook
    source = codebook.get(old)
    if source is None:
        raise StoreError(f"There is no tag '{old}' in the codebook; check the spelling.")
    problem = rename_problem(codebook.get, source["name"], new)
    if problem is not None:
        raise StoreError(problem)
    name = clean_tag_name(new)
    _readable_ids(store)  # refuse before changing anything
    pairs = [(source, name), *_sub_tags(codebook, source["name"], name)]
    what = f"the rename of \u2018{source['name']}\u2019 to \u2018{name}\u2019"
    return _recorded_move(store, what, pairs, now_iso, undo, progress)


def merge_tags(
    store: DataStore,
    source: str,
    target: str,
    now_iso: str | None = None,
    undo: TagChange | None = None,
    progress: Progress | None = None,
) -> int:
    """Merge `source` into `target`, and its sub-tags with it (`pain/onboard/sso` goes to
    `pain/onboarding/sso`, merged into it if it exists): every note and excerpt tagged with one
    of them is tagged with its counterpart instead (once), and they leave the codebook. Same
    crash-safe order as a rename. Returns how many notes and excerpts changed."""
    codebook = store.codebook
    src, dst = codebook.get(source), codebook.get(target)
    if src is None:
        raise StoreError(f"There is no tag '{source}' in the codebook; check the spelling.")
    if dst is None:
        raise StoreError(f"There is no tag '{target}' to merge into; pick an existing tag.")
    if tag_key(src["name"]) == tag_key(dst["name"]):
        raise StoreError("A tag cannot be merged into itself; pick another tag.")
    if tag_key(dst["name"]).startswith(tag_key(src["name"]) + "/"):
        raise StoreError(
            f"'{dst['name']}' is a sub-tag of '{src['name']}', so it cannot take its place; "
            "rename the sub-tag first or pick another tag."
        )
    _readable_ids(store)
    pairs = [(src, dst["name"]), *_sub_tags(codebook, src["name"], dst["name"])]
    what = f"the merge of \u2018{src['name']}\u2019 into \u2018{dst['name']}\u2019"
    return _recorded_move(store, what, pairs, now_iso, undo, progress)


@dataclass(frozen=True)
class MergePreview:
    """What `merge_tags(source, target)` would change, to ask the user before it does."""

    source: str
    target: str
    changes: int
    """Notes and excerpts that would be retagged."""
    sessions: int
    """Sessions holding them."""
    folded: int
    """Of those, how many carry the target already (they keep it once)."""
    sub_tags: tuple[str, ...]
    """The source's sub-tags, which move under the target with it."""


def merge_preview(store: DataStore, source: str, target: str) -> MergePreview:
    """Count, without changing anything, what merging `source` into `target` would change.
    Raises StoreError as `merge_tags` would (unknown tags, unreadable session files)."""
    codebook = store.codebook
    src, dst = codebook.get(source), codebook.get(target)
    if src is None or dst is None:
        missing = source if src is None else target
        raise StoreError(f"There is no tag '{missing}' in the codebook; it may just have changed.")
    subs = _sub_tags(codebook, src["name"], dst["name"])
    mapping = {tag_key(tag["name"]): new for tag, new in [(src, dst["name"]), *subs]}
    changes = folded = 0
    sessions: set[str] = set()
    for session_id in _readable_ids(store):
        snapshot = read_snapshot(store, session_id)
        for doc in [*snapshot.notes, *snapshot.excerpts]:
            tags = list(doc.get("tags") or [])
            after = retagged(doc, mapping)
            if after is None:
                continue
            changes += 1
            sessions.add(session_id)
            folded += len(after["tags"]) < len({tag_key(t) for t in tags})
    return MergePreview(
        src["name"], dst["name"], changes, len(sessions), folded, tuple(t["name"] for t, _ in subs)
    )


def _sub_tags(codebook: Codebook, old: str, new: str) -> list[tuple[dict[str, Any], str]]:
    """Every sub-tag of `old` (`old/...`) with its name under `new` instead."""
    old_key, depth = tag_key(old), old.count("/") + 1
    return [
        (child, "/".join([new, *child["name"].split("/")[depth:]]))
        for child in codebook.tags()
        if tag_key(child["name"]).startswith(old_key + "/")
    ]


def _recorded_move(
    store: DataStore,
    what: str,
    pairs: list[tuple[dict[str, Any], str]],
    now_iso: str | None,
    undo: TagChange | None,
    progress: Progress | None,
) -> int:
    """`_move`, with a record of it in the data folder until it is whole (see the module)."""
    record = {
        "op": "move",
        "what": what,
        "pairs": [[tag["name"], renamed] for tag, renamed in pairs],
        "at": now_iso,
    }
    with store.changing_tags(record), _cut_short(what):
        return _move(store, pairs, now_iso, undo, progress)


@contextlib.contextmanager
def _cut_short(what: str) -> Iterator[None]:
    """A write that fails in the middle of a change (a full disk) says that the change is half
    made, why, and how it gets finished (`finish_tag_changes`), in words a notice at 80x24
    shows whole."""
    try:
        yield
    except StoreError as error:
        why = f": {error}"
        cure = "then"
        if isinstance(error, WriteFailedError):
            why = f" because {error.reason} ({error.path.parent})"
            cure = f"{error.advice}, then"
        raise StoreError(
            f"{what[:1].upper()}{what[1:]} stopped half-way{why}. To finish it, {cure} open the "
            "codebook again or start Fieldnote again."
        ) from error


def _move(
    store: DataStore,
    pairs: list[tuple[dict[str, Any], str]],
    now_iso: str | None,
    undo: TagChange | None = None,
    progress: Progress | None = None,
) -> int:
    """Give each tag of `pairs` its new name, in an order where every moment is consistent:
    the new tags are created first (a new one keeps the old one's description and colour),
    then every session file is retagged, and only then do the old tags leave the codebook
    (folding their counts into the new ones). A crash leaves both; running it again finishes."""
    codebook = store.codebook
    resolved = []
    for tag, renamed in pairs:
        if tag_key(renamed) != tag_key(tag["name"]):
            existing = codebook.get(renamed)
            if existing is None:
                if undo is not None:
                    undo.made.append(renamed)
                codebook.create(
                    renamed,
                    now_iso or tag.get("created_at") or "",
                    description=tag.get("description", ""),
                    color=tag.get("color", ""),
                )
            else:
                renamed = existing["name"]  # merged into it: spelled as the codebook has it
        resolved.append((tag, renamed))
    mapping: dict[str, str | None] = {tag_key(tag["name"]): new for tag, new in resolved}
    changed = _retag_all(store, mapping, undo, progress)
    if undo is not None:
        undo.tags = [tag for tag, renamed in resolved if tag_key(renamed) != tag_key(tag["name"])]
    for tag, renamed in resolved:
        if tag_key(renamed) == tag_key(tag["name"]):  # only the case or spacing changes
            codebook.update(tag["name"], {"name": renamed})
        else:
            codebook.absorb(tag["name"], renamed)
    return changed


def undo_change(
    store: DataStore, change: TagChange, what: str = "", progress: Progress | None = None
) -> tuple[int, int]:
    """Undo a rename or a merge in the order that keeps every moment consistent (as `_move`
    does it): the old tags back in the codebook, then each note and excerpt put back as it
    was, unless it changed since (then it keeps the change, and the new tag with it), then
    the tags the rename made leave the codebook if nothing still carries them. Recorded in
    the data folder until whole, as the change was (`what` names the change undone). Returns
    (put back, left as changed since)."""
    undoing = f"the undo of {what or 'a change of tags'}"
    record = {
        "op": "undo",
        "what": undoing,
        "tags": change.tags,
        "made": change.made,
        "files": change.files,
    }
    with store.changing_tags(record), _cut_short(undoing):
        return _undo(store, change, progress)


def _undo(store: DataStore, change: TagChange, progress: Progress | None) -> tuple[int, int]:
    codebook = store.codebook
    codebook.merge(change.tags)  # as they were; a name the codebook has again stays as is
    restored = skipped = 0
    files = [(session_id, docs) for session_id, docs in change.files.items() if docs]
    for done, (session_id, docs) in enumerate(files):
        if progress is not None:
            progress(done, len(files))
        session_file = store.open_session(session_id)
        try:
            back, kept = session_file.restore(docs)
        finally:
            session_file.close()
        restored, skipped = restored + back, skipped + kept
    if not skipped:
        for name in change.made:
            codebook.delete(name)
    return restored, skipped


def drop_twins(store: DataStore, keep: str, drop: str) -> int:
    """Where a note or excerpt carries `keep` and `drop` as twins (see `without_twins`), only
    `keep` stays: a tag merged into both on two laptops goes to `keep`. Returns how many
    notes and excerpts changed."""
    changed = 0
    for session_id in _readable_ids(store):
        session_file = store.open_session(session_id)
        try:
            snapshot = session_file.read()
            for table, docs in (("notes", snapshot.notes), ("excerpts", snapshot.excerpts)):
                change = (
                    session_file.change_note if table == "notes" else session_file.change_excerpt
                )
                for doc in docs:
                    if without_twins(doc, keep, drop) is not None:
                        change(doc["id"], lambda d: without_twins(d, keep, drop) or {})
                        changed += 1
        finally:
            session_file.close()
    return changed


def delete_tag(store: DataStore, name: str, progress: Progress | None = None) -> int:
    """Remove a tag from every note and excerpt and then from the codebook (the caller asks
    the user first when it is used). Span excerpts left with no tags are removed too; a note's
    text is never changed. Returns how many notes and excerpts changed."""
    found = store.codebook.get(name)
    if found is None:
        raise StoreError(f"There is no tag '{name}' in the codebook; check the spelling.")
    _readable_ids(store)
    what = f"the deletion of \u2018{found['name']}\u2019"
    record = {"op": "delete", "what": what, "name": found["name"]}
    with store.changing_tags(record), _cut_short(what):
        return _delete(store, found, progress)


def _delete(store: DataStore, found: dict[str, Any], progress: Progress | None) -> int:
    codebook = store.codebook
    changed = _retag_all(store, {tag_key(found["name"]): None}, progress=progress)
    for session_id in _readable_ids(store):
        session_file = store.open_session(session_id)
        try:
            for excerpt in session_file.read().excerpts:
                # One whose codings a settlement set aside keeps them, for agreement.
                if idle_span(excerpt) and not set_aside_of(excerpt):
                    session_file.delete_excerpt(excerpt["id"])
        finally:
            session_file.close()
    codebook.delete(found["name"])
    return changed


def finish_tag_changes(store: DataStore, progress: Progress | None = None) -> list[str]:
    """Complete every rename, merge or delete a killed process or a failed write left half
    made (`DataStore.changing_tags`), as it would have ended: each step of one is idempotent,
    so the files it reached already change no further. Returns what each was, as words
    (`the rename of 'a' to 'b'`), for a notice. Raises StoreError as the change would (a full
    disk still full): its record stays for the next try."""

    def finish(record: dict[str, Any]) -> None:
        with _cut_short(str(record.get("what") or "a change of tags")):
            finish_one(record)

    def finish_one(record: dict[str, Any]) -> None:
        codebook = store.codebook
        if record.get("op") == "undo":
            files = record.get("files") or {}
            change = TagChange(
                list(record.get("tags") or []),
                [str(name) for name in record.get("made") or []],
                {sid: [tuple(doc) for doc in docs] for sid, docs in files.items()},
            )
            _undo(store, change, progress)
            return
        if record.get("op") == "delete":
            found = codebook.get(str(record.get("name") or ""))
            if found is not None:
                _delete(store, found, progress)
            return
        pairs = []
        for names in record.get("pairs") or []:
            if not (isinstance(names, list) and len(names) == 2):
                continue
            old, renamed = (str(name) for name in names)
            tag = codebook.get(old)
            if tag is not None:  # gone: every file was retagged before it left the codebook
                pairs.append((tag, renamed))
        if pairs:
            _move(store, pairs, record.get("at"), progress=progress)

    return [
        str(record.get("what") or "a change of tags") for record in store.finish_tag_changes(finish)
    ]
