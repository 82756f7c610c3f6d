"""The study index: what the screens that look across sessions need of each, without its notes.

Per session file, an entry keyed by the file's signature (inode, mtime, size and its journal's
inode and size): the session record, the guide and its state, and a digest of every note and
span excerpt (the fields the sessions list, the analysis and the report count with: tags,
severity, emotions, kind, author, times, the length of its quote; the words only of a
follow-up). A screen over 500 sessions draws from it at once and reads a session's notes only
when it shows their words (a drill-down, a quote in the report, the tagging list).

It is a cache (docs/ARCHITECTURE.md): the session files are the truth. `refresh()` stats every
file; an entry whose signature still matches is used as it is; a file whose journal only grew
has just the new lines applied to its entry (when they carry what the digest needs, else the
file is read again); any other change, or an entry that cannot be used, reads the file again,
once. The entries are kept in memory and saved in the user's cache folder
(tui/store/index_file.py) whenever one changed, so the next process starts warm.

Beside the entries, the overview of each scope's last analysis (its themes and header counts,
no evidence), under the state it was made from: the analysis screen draws it at once while
that state is still the disk's, and analyses behind it (`StudyIndex.overview`).
"""

from __future__ import annotations

import gc
import logging
import threading
import weakref
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.domain.clock import recording_offset
from tui.domain.notes import note_counts
from tui.domain.quotes import quote_lengths, quote_words, span_words
from tui.domain.ratings import severity_of
from tui.store import DataStore, SessionSummary, StoreError, UnreadableFileError
from tui.store.collector import collector_paused
from tui.store.datastore import session_summary
from tui.store.index_file import IndexFile
from tui.store.session import (
    note_doc_order,
    recording_of,
    session_parts,
    validate_session_data,
)

if TYPE_CHECKING:  # the analysis is imported by what analyses, not by `fieldnote list`
    from tui.domain.analysis import Overview, SessionInput
    from tui.services.index_reader import SecondReader

INDEX_VERSION = 5
"""The layout of an entry; bumped whenever it changes, so an older index is rebuilt. (2: an
entry's note digests are kept in a snapshot's order; 3: a signature's journal part is the
bytes read, so an index whose two parts a race joined wrongly is not trusted, and the counts
leave out the marks of a question asked, as the report's do; 4: the cues of an attached
transcript that spans are coded on, which the analysis counts, and an overview counting an
unrated span with its note's severity; 5: a digest's `severity` is the one counted from its
coders' ratings, tui/domain/ratings.py, and a copy of a session file under another name is
unreadable, not a second entry.)"""
NOTE_FIELDS = (
    "id",
    "kind",
    "tags",
    "severity",
    "emotions",
    "author",
    "elapsed",
    "started_at",
    "starred",
)
SPAN_FIELDS = ("id", "note_id", "tags", "severity", "start", "end")
WORDS_KEPT = ("followup",)
"""Kinds of note whose words the index keeps: the analysis lists every open follow-up."""

log = logging.getLogger(__name__)

FREEZE_FROM = 64
"""Entries made at once from which the refresh takes them out of the collector's walks."""

_READ = object()
"""`StudyIndex._entry`'s (and `_second_read`'s) word for a file that must be read whole."""


STUDIES_NAMED = 8
"""How many of the data folder's studies a sentence about a study name lists."""


def no_study_named(name: str, known: Iterable[str]) -> str:
    """The one sentence for a study name that matches none (`report`, `analyse`, `export`,
    `agree`, `code --study`): the name as typed and the studies there are, made safe to print.
    """
    from tui.domain.display_text import visible

    names = sorted({study for study in known if study}, key=str.casefold)
    listed = ", ".join(visible(study) for study in names[:STUDIES_NAMED]) or "none yet"
    if len(names) > STUDIES_NAMED:
        listed += f" and {len(names) - STUDIES_NAMED} more"
    return (
        f"there is no study named '{visible(name)}' (studies: {listed}); "
        "set one with fieldnote new --study or s on the sessions screen."
    )


def note_digests(notes: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """What the index keeps of each note, by its key. An empty field is left out: every
    reader of a digest takes a missing field as empty (`note.get("starred")`), and a study's
    index is half as big without them."""
    digests = {}
    tagged = []
    for key, note in notes.items():
        digest = digests[key] = {name: value for name in NOTE_FIELDS if (value := note.get(name))}
        if "ratings" in note:  # several coders' ratings: the severity they count as
            digest.pop("severity", None)
            if (severity := severity_of(note)) is not None:
                digest["severity"] = severity
        if note.get("kind") in WORDS_KEPT:
            digest["text"] = note.get("text")
        if "tags" in digest:
            tagged.append((digest, str(note.get("text") or "")))
    # Its quote's length ranks it among the evidence, which only a note with tags is.
    lengths = quote_lengths([text for _, text in tagged])
    for (digest, _), qlen in zip(tagged, lengths, strict=True):
        if qlen:
            digest["qlen"] = qlen
    return digests


def span_digest(span: Mapping[str, Any], note: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the index keeps of a span excerpt; its quote's length needs its note's words."""
    digest = {name: span[name] for name in SPAN_FIELDS if name in span}  # a 0 start is kept
    if "ratings" in span:
        digest["severity"] = severity_of(span)
    digest["qlen"] = len(quote_words(span_words(str((note or {}).get("text") or ""), span)))
    return digest


def _signature(stat: tuple) -> list:
    """A store signature as JSON keeps it."""
    ino, mtime, size, journal = stat
    return [ino, mtime, size, list(journal) if journal is not None else None]


DIGEST_SHARDS = 16
"""Files the large part is split into, by session: a change rewrites only its session's file,
a sixteenth of the 11 MB of a 500-session study (the analysis screen refreshes each second
while another instance types)."""


def digest_shard(session_id: str) -> int:
    """Which of the large part's files holds a session's digest."""
    return zlib.crc32(session_id.encode("utf-8", "surrogatepass")) % DIGEST_SHARDS


HEAD_FIELDS = ("sig", "used", "session", "count", "coded")
"""What the sessions list and the tagging scope need of an entry: the index's small part."""
DIGEST_FIELDS = ("sig", "guide", "state", "notes", "excerpts", "cues")
"""What the analysis needs besides: the large part, read only by the analysis."""


def make_entry(signature: tuple, used: int, data: dict[str, Any]) -> dict[str, Any]:
    """The entry of a file read whole."""
    session, guide, state = session_parts(data)
    notes = data.get("notes") or {}
    excerpts = data.get("excerpts") or {}
    by_id = {doc.get("id"): doc for doc in notes.values()}
    # A span whose `note_id` is no note's is coded on a cue of the attached transcript.
    on_cues = {doc.get("note_id") for doc in excerpts.values()} - by_id.keys()
    recording = recording_of(data) if on_cues else None
    cues = [c for c in (recording or {}).get("cues") or [] if c.get("id") in on_cues]
    by_id.update((cue["id"], cue) for cue in cues)  # a span's words: the cue's `text`
    return _counted(
        {
            "sig": _signature(signature),
            "used": used,
            "session": session,
            "guide": guide,
            "state": state,
            "notes": _in_order(note_digests(notes)),
            "excerpts": {
                key: span_digest(doc, by_id.get(doc.get("note_id")))
                for key, doc in excerpts.items()
            },
            "cues": {cue["id"]: cue_digest(cue) for cue in cues},
        }
    )


def cue_digest(cue: Mapping[str, Any]) -> dict[str, Any]:
    """What the index keeps of a cue that spans are coded on (its words are read when
    shown, as a note's are)."""
    return {name: cue.get(name) for name in ("id", "start", "speaker")}


def _in_order(notes: dict[str, Any]) -> dict[str, Any]:
    """Note digests in a snapshot's order, by (started_at, id): an entry keeps them so, and
    the analysis takes them as they are instead of sorting 50,000 at each refresh."""
    # Notes are mostly stored as they were taken, one moment after another: told in C, and
    # then already in that order (no two at one moment, so no id decides).
    starts = [note.get("started_at", "") for note in notes.values()]
    if {*map(type, starts)} <= {str} and all(map(str.__lt__, starts, starts[1:])):
        return notes
    return dict(sorted(notes.items(), key=lambda item: note_doc_order(item[1])))


def read_entry(store: DataStore, path: Path, light: bool) -> Any:
    """A file read whole: its entry (`light`: the small part), None when it is gone, or its
    UnreadableFileError. The one read of a refresh and of its second reader."""
    try:
        signature, used, data = store.read_session_data(path)
    except FileNotFoundError:
        return None
    except UnreadableFileError as error:
        return error
    return (make_head if light else make_entry)(signature, used, data)


def _counted(entry: dict[str, Any], notes: Any = None, excerpts: Any = None) -> dict[str, Any]:
    """The entry with the sessions list's counts: notes, and notes coded (with tags of their
    own or an excerpt), as `DataStore.list_sessions` counts them; from its digests, or from
    the file's own `notes` and `excerpts` tables when given."""
    notes = (entry["notes"] if notes is None else notes).values()
    excerpts = (entry["excerpts"] if excerpts is None else excerpts).values()
    entry["count"], entry["coded"] = note_counts(notes, excerpts)
    return entry


def make_head(signature: tuple, used: int, data: dict[str, Any]) -> dict[str, Any]:
    """Only the small part of a file's entry (`HEAD_FIELDS`): for `fieldnote list`, which
    shows no more, so a cold index costs it no digest. The analysis reads the file again."""
    session, _, _ = session_parts(data)
    head = {"sig": _signature(signature), "used": used, "session": session}
    return _counted(head, data.get("notes") or {}, data.get("excerpts") or {})


ONE_RECORD = "1"
"""The key Fieldnote stores a file's one session record and one guide under."""


def follow_journal(entry: dict[str, Any], changes: list, path: Path) -> dict[str, Any] | None:
    """A new entry: `entry` with a journal's new changes applied, or None when they need the
    file read again (a whole rewrite, a span whose note is not in the change, a note with
    spans set or removed, a record removed, a note stored twice)."""
    notes, excerpts = dict(entry["notes"]), dict(entry["excerpts"])
    followed = {**entry, "notes": notes, "excerpts": excerpts}
    spanned = {doc.get("note_id") for doc in excerpts.values()}
    added = False
    # Whether a note was set: it may be out of order (a removal keeps the order).
    for change in changes:
        if isinstance(change, dict):
            return None
        sets, removes = change
        if set(removes) - {"notes", "excerpts"} or "recording" in sets:
            return None  # a transcript attached again: the cues coded on may have changed
        # The same checks a read of the whole file applies, to what the change sets.
        checked = {"session": {"1": followed["session"]}, **sets}
        try:
            validate_session_data(path)(checked)
        except UnreadableFileError:
            return None
        new_notes = {doc.get("id"): doc for doc in (sets.get("notes") or {}).values()}
        for table, docs in sets.items():
            if table in ("session", "guide") and list(docs) != [ONE_RECORD]:
                return None  # a read keeps the record of the lowest key: which, it knows
            if table == "session":
                followed["session"] = docs[ONE_RECORD]
            elif table == "guide":
                _, followed["guide"], followed["state"] = session_parts({"guide": docs})
            elif table == "notes":
                if any(doc.get("id") in spanned for doc in docs.values()):
                    return None  # its spans' words may have moved
                notes.update(note_digests(docs))
                added = added or bool(docs)
            elif table == "excerpts":
                for key, doc in docs.items():
                    note = new_notes.get(doc.get("note_id"))
                    if note is None:
                        return None
                    excerpts[key] = span_digest(doc, note)
                    spanned.add(doc.get("note_id"))
        for table, keys in removes.items():
            docs = notes if table == "notes" else excerpts
            for key in keys:
                removed = docs.pop(key, None)
                if table == "notes" and removed is not None and removed.get("id") in spanned:
                    return None  # its spans may now be a cue's of the same id
    for docs in (notes, excerpts):
        ids = [doc.get("id") for doc in docs.values()]
        if len(ids) != len(set(ids)):
            return None  # stored twice: reading the file says so
    if added:
        followed["notes"] = _in_order(notes)
    return _counted(followed)


def _well_formed_head(entry: Any) -> bool:
    """An entry's small part as `make_entry` writes it (one from a file may be anything)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("session"), dict):
        return False
    if not all(isinstance(entry.get(name), int) for name in ("used", "count", "coded")):
        return False
    sig = entry.get("sig")
    return isinstance(sig, list) and len(sig) == 4


def _well_formed_digest(entry: Any) -> bool:
    """An entry's large part as `make_entry` writes it."""
    if not isinstance(entry, dict) or not isinstance(entry.get("sig"), list):
        return False
    if not all(isinstance(entry.get(name), dict) for name in ("guide", "state")):
        return False
    for name in ("notes", "excerpts"):
        docs = entry.get(name)
        # Checked by C loops: a warm start checks the 50,000 notes of a 500-session study.
        if not isinstance(docs, dict) or not (
            all(map(str.isdigit, docs)) and {*map(type, docs.values())} <= {dict}
        ):
            return False
    cues = entry.get("cues")
    return isinstance(cues, dict) and all(
        isinstance(cue, dict) and isinstance(cue.get("start"), int | float) for cue in cues.values()
    )


KEPT_OVERVIEWS = 16
"""Scopes (a study, every session) whose last overview the index keeps."""


def overview_doc(overview: Overview) -> dict[str, Any]:
    """An overview as the index keeps it: its themes without their evidence."""
    return {
        "themes": [
            [
                t.key,
                t.name,
                t.excerpts,
                t.sessions,
                t.participants,
                t.total_participants,
                t.mean_severity,
                t.max_severity,
                list(t.emotions),
                t.rolled_up,
                t.applied,
            ]
            for t in overview.themes
        ],
        "counts": [overview.session_count, overview.participant_count, overview.evidence_count],
    }


def overview_of(doc: Any) -> Overview:
    """The overview an `overview_doc` holds; ValueError when it is not one."""
    from tui.domain.analysis import Overview, Theme

    themes = []
    for row in doc["themes"]:
        key, name, excerpts, sessions, people, total, mean, top, emotions, rolled, applied = row
        counts = (excerpts, sessions, people, total)
        if not (isinstance(key, str) and isinstance(name, str)) or not all(
            isinstance(n, int) for n in counts
        ):
            raise ValueError("not a theme")
        if not (mean is None or isinstance(mean, float | int)):
            raise ValueError("not a severity")
        if not (top is None or isinstance(top, int)) or not isinstance(emotions, list):
            raise ValueError("not a theme")
        if not all(isinstance(e, str) for e in emotions):
            raise ValueError("not an emotion")
        themes.append(
            Theme(
                key,
                name,
                excerpts,
                sessions,
                people,
                total,
                mean,
                top,
                tuple(emotions),
                (),
                rolled is True,
                applied is True,
            )
        )
    session_count, participant_count, evidence_count = doc["counts"]
    if not all(isinstance(n, int) for n in doc["counts"]):
        raise ValueError("not a count")
    return Overview(themes, session_count, participant_count, evidence_count)


@dataclass
class IndexedSession:
    """One session as the index has it."""

    id: str
    path: Path
    entry: dict[str, Any]

    @property
    def session(self) -> dict[str, Any]:
        return self.entry["session"]

    @property
    def study(self) -> str:
        return str(self.session.get("study") or "").strip()

    @property
    def created_at(self) -> str:
        return str(self.session.get("created_at") or "")

    def summary(self) -> SessionSummary:
        """The sessions list's row (the same as `DataStore.list_sessions` makes)."""
        return session_summary(self.path, self.session, self.entry["count"], self.entry["coded"])

    def analysis_input(self, words: SessionWords) -> SessionInput:
        """The session as the analysis reads it, in a snapshot's order: notes by
        (started_at, id) as the entry keeps them, span excerpts as stored; `words` reads the
        notes' words and the attached recording when they are first asked for."""
        from tui.domain.analysis import SessionInput
        from tui.domain.recording import cue_note

        excerpts = self.entry["excerpts"]
        offset = recording_offset(self.session)
        return SessionInput(
            self.id,
            self.session,
            list(self.entry["notes"].values()),
            [excerpts[key] for key in sorted(excerpts, key=int)],
            self.entry["guide"],
            self.entry["state"],
            full_notes=words.notes,
            attached=words.recording,
            cues=[cue_note(cue, offset, words=False) for cue in self.entry["cues"].values()],
        )


@dataclass
class IndexScan:
    """Every session of the data folder as indexed, newest first, and the unreadable files."""

    sessions: list[IndexedSession] = field(default_factory=list)
    problems: list[UnreadableFileError] = field(default_factory=list)

    def summaries(self) -> list[SessionSummary]:
        return [s.summary() for s in self.sessions]


class StudyIndex:
    """The index of one data folder; thread-safe (the screens refresh it from workers).

    Saved in two parts: the small one (`HEAD_FIELDS`) is all the sessions list and the
    tagging scope read; the large one (`DIGEST_FIELDS`, in `DIGEST_SHARDS` files) is read when
    the analysis first asks. Each part's entry carries the file's signature; a large part
    whose signature is not its small part's (two processes saved them in between each other)
    is not used."""

    def __init__(self, store: DataStore, folder: Path | None = None) -> None:
        self.store = store
        self.heads = IndexFile(store.home, INDEX_VERSION, "sessions", folder)
        self.digests = [
            IndexFile(store.home, INDEX_VERSION, f"digests-{shard:x}", folder)
            for shard in range(DIGEST_SHARDS)
        ]
        self._unsaved: set[int] = set()
        """Shards of the large part whose entries changed since they were last saved."""
        self._unsaved_light: bool | None = None
        """Entries changed since the last save (None: none did): whether by light refreshes
        alone (`_save`'s `light`)."""
        self._unsharded = IndexFile(store.home, INDEX_VERSION, "digests", folder)
        """Where the large part was one file, before it was split: removed at the next save."""
        self.overviews = IndexFile(store.home, INDEX_VERSION, "overviews", folder)
        self._entries: dict[str, Any] | None = None
        self._digests_loaded = False
        self._lock = threading.Lock()
        self._asked = 0
        self._last: tuple[int, bool, IndexScan] | None = None
        """(the ask it began after, with digests, the scan) of the last refresh made."""
        self._standby: SecondReader | None = None
        """A second reader forked ahead for the first refresh (`stand_by`)."""
        self._standby_digests = False
        """It waits for the analysis's refresh: one before it that reads nothing keeps it."""
        self.reads = 0
        """Session files read whole since this index was made (a warm start reads none)."""
        self.followed = 0
        """Journals whose new lines were applied to an entry without reading the file."""
        self.second_reads = 0
        """Files a second process read or found gone or unreadable (index_reader.py)."""

    def refresh(
        self,
        digests: bool = False,
        *,
        light: bool = False,
        progress: Callable[[int, int], None] | None = None,
        save: bool = True,
    ) -> IndexScan:
        """Every session as it is on disk now: two stats per file, and a read (or a journal's
        new lines) for each file that changed since it was indexed. `digests`: the analysis's
        part of each entry too (else only what the sessions list shows is sure to be there).
        `light`: a file read makes only the small part (a command that lists and ends; a
        process that may analyse next keeps the default and reads each file once).
        Callers that ask while another refresh runs (the sessions screen beneath the tagging
        screen, both starting) share the next one: it began after they asked, so it is as
        fresh as one of their own. `progress(files looked at, files)` is called after each
        file once one had to be read whole: a cold index reads every file, a warm one none.
        `save`: False leaves what changed unsaved until `save()` or the next refresh that
        saves (the analysis screen saves a cold index once its first frame is drawn)."""
        with self._lock:
            self._asked += 1
            asked = self._asked
        # What a refresh reads stays alive in the index (tui/store/collector.py).
        with self._lock, collector_paused():
            last = self._last
            if last is not None and last[0] >= asked and (last[1] or not digests) and not light:
                return IndexScan(list(last[2].sessions), list(last[2].problems))
            began = self._asked
            made = self._entries is None or digests and not self._digests_loaded
            """Whether this refresh makes the index's entries, or most of them."""
            if self._entries is None:
                loaded = self.heads.load() or {}
                self._entries = {k: e for k, e in loaded.items() if _well_formed_head(e)}
            if digests:
                self._load_digests()
            entries = self._entries
            paths = self.store.session_paths()
            found: list[tuple[Any, bool]] = []
            """Per file: (its entry, None when it is gone or an UnreadableFileError, whether
            that is new), or (_READ, True) for a file to read whole."""
            for path in paths:
                try:
                    found.append(self._entry(path, entries.get(path.stem), digests, light))
                except FileNotFoundError:
                    found.append((None, False))
                except UnreadableFileError as error:
                    found.append((error, False))
            wanted = [i for i, (entry, _) in enumerate(found) if entry is _READ]
            made = made or len(wanted) >= FREEZE_FROM
            if wanted:
                read = self._read_whole([paths[i] for i in wanted], light, progress, len(paths))
                for i, entry in zip(wanted, read, strict=True):
                    found[i] = (entry, True)
            elif self._standby is not None and (digests or not self._standby_digests):
                self._standby.close()  # nothing to read after all
                self._standby = None
            scan = IndexScan()
            changed = False
            for path, (entry, fresh) in zip(paths, found, strict=True):
                session_id = path.stem
                if isinstance(entry, UnreadableFileError):
                    scan.problems.append(entry)
                    entry = None
                if entry is None:
                    if entries.pop(session_id, None) is not None:
                        self._unsaved.add(digest_shard(session_id))
                        changed = True
                    continue
                if fresh:
                    entries[session_id] = entry
                    self._unsaved.add(digest_shard(session_id))
                    changed = True
                scan.sessions.append(IndexedSession(session_id, path, entry))
            names = {path.stem for path in paths}
            for gone in [key for key in entries if key not in names]:
                del entries[gone]
                self._unsaved.add(digest_shard(gone))
                changed = True
            if changed:
                self._unsaved_light = light and self._unsaved_light is not False
            if save and self._unsaved_light is not None:
                self._save(self._unsaved_light)
            scan.sessions.sort(key=lambda s: (s.created_at, s.id), reverse=True)
            self._last = (began, digests, scan)
            if made and len(entries) >= FREEZE_FROM:
                # The entries live as long as the process. Left to the collector, the next
                # allocations after this pause set off walks of them all (a cold 500-session
                # index: about 140 ms of the analysis that follows). They hold no cycles, so
                # an entry replaced later is still freed, by its reference count.
                gc.freeze()
            return IndexScan(list(scan.sessions), list(scan.problems))

    def stand_by(self, digests: bool = False, light: bool = False) -> None:
        """Fork a second reader now for the first refresh to share its reads with
        (tui/services/index_reader.py), when that refresh will read many files: no index of
        this version on disk (none, or an older Fieldnote's; `digests`: or none of the
        analysis's part) and a folder of many sessions. It reads the folder's files at once
        (`light`: the small part of their entries, what the tagging scope's refresh makes).
        For the app, which calls it before it starts a thread; that refresh asks it or closes
        it."""
        from tui.services import index_reader

        if (
            self._standby is not None
            or self._entries is not None
            or self.heads.current()
            and not (digests and not any(part.current() for part in self.digests))
        ):
            return
        paths = self.store.session_paths()
        if len(paths) >= index_reader.READ_FROM:
            self._standby = index_reader.fork_reader(self.store.home, paths, light)
            self._standby_digests = digests

    def overview(self, scope: str, state: Any) -> Overview | None:
        """The overview kept of `scope`, if it was made from the very sessions and codebook
        `state` names (each file's signature, the codebook's); else None."""
        kept = (self.overviews.load() or {}).get(scope)
        if not isinstance(kept, dict) or kept.get("state") != state:
            return None
        try:
            return overview_of(kept["overview"])
        except (KeyError, TypeError, ValueError) as error:
            log.debug("kept overview of %s unusable (%r)", scope, error)
            return None

    def keep_overview(self, scope: str, state: Any, overview: Overview) -> None:
        """Keep the overview of `scope` as made from `state` (the last KEPT_OVERVIEWS
        scopes). Two processes keeping one at once: the last writer's file is whole, and an
        overview is used only while its state is the disk's."""
        with self._lock:
            kept = self.overviews.load() or {}
            kept.pop(scope, None)
            kept[scope] = {"state": state, "overview": overview_doc(overview)}
            for old in list(kept)[:-KEPT_OVERVIEWS]:
                del kept[old]
            self.overviews.save(kept)

    def _load_digests(self) -> None:
        """Join the large part to the entries whose signature it shares (once)."""
        if self._digests_loaded or self._entries is None:
            return
        self._digests_loaded = True
        for number, shard in enumerate(self.digests):
            parts = shard.load()
            if parts is None and shard.path.exists():
                self._unsaved.add(number)  # not one: the next save writes it anew
            for session_id, part in (parts or {}).items():
                entry = self._entries.get(session_id)
                if entry is None or not _well_formed_digest(part):
                    self._unsaved.add(number)  # a session gone, or not a digest: drop it
                elif part["sig"] == entry["sig"]:
                    entry.update(part)

    def save(self) -> None:
        """Save what refreshes left unsaved (`refresh`'s `save`), if anything."""
        with self._lock:
            if self._unsaved_light is not None:
                self._save(self._unsaved_light)

    def _save(self, light: bool) -> None:
        """The small part, and the large part's shards whose sessions changed; a light refresh
        that never needed the large part saves the small one alone (a large part left as it
        was is still right: an entry whose signature is not the small part's is not used)."""
        assert self._entries is not None
        entries = self._entries
        self.heads.save({k: {f: e[f] for f in HEAD_FIELDS} for k, e in entries.items()})
        self._unsaved_light = None
        if light and not self._digests_loaded:
            return
        self._load_digests()  # the large part of the sessions not read now is kept
        shards: dict[int, dict[str, Any]] = {shard: {} for shard in self._unsaved}
        for key, entry in entries.items():
            shard = shards.get(digest_shard(key))
            if shard is not None and "notes" in entry:
                shard[key] = {f: entry[f] for f in DIGEST_FIELDS}
        for number, shard in shards.items():
            self.digests[number].save(shard)
        self._unsaved.clear()
        self._unsharded.remove()

    def _entry(
        self, path: Path, entry: Any, digests: bool, light: bool
    ) -> tuple[dict[str, Any] | None, bool]:
        """(the entry for the file now, whether it is new), or (_READ, True) when the file
        must be read whole."""
        if entry is None:
            return _READ, True  # no stat: the read takes the signature of what it reads
        stat = self.store.stat_session(path)
        if stat is None:
            return None, False
        now = _signature(stat)
        followed = None
        try:
            if entry is not None and entry.get("sig") == now:
                if not digests or "notes" in entry:
                    return entry, False
            elif entry is not None and not light:
                self._load_digests()
                if "notes" in entry:
                    followed = self._follow(path, entry, now)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            log.debug("study index entry of %s unusable (%r); reading the file", path, error)
            followed = None
        if followed is entry:
            return entry, False  # no new line yet, only a torn one beyond those it holds
        if followed is not None:
            self.followed += 1
            return followed, True
        return _READ, True

    def _read_whole(
        self,
        paths: list[Path],
        light: bool,
        progress: Callable[[int, int], None] | None,
        of: int,
    ) -> list[Any]:
        """Each file read whole: its entry, None when it is gone, or its UnreadableFileError.
        Many files are shared with a second process (tui/services/index_reader.py), which
        reads from the end of the list while this one reads from its start."""
        from tui.services import index_reader

        read: list[Any] = [None] * len(paths)
        second, self._standby = self._standby, None
        if len(paths) < index_reader.READ_FROM and second is not None:
            second.close()
            second = None
        elif second is None and len(paths) >= index_reader.READ_FROM:
            second = index_reader.fork_reader(self.store.home)
        if second is not None and not second.ask(paths, light):
            second.close()  # it reads another list (a file came or went since its fork)
            second = None
        start, end = 0, len(paths)
        """This process reads from `start` up, the second one from `end` down."""
        try:
            while start < end:
                for line in second.ready() if second is not None else ():
                    i = line[0]
                    if i != end - 1 or i < start:
                        continue  # what this process read itself meanwhile
                    said = self._second_read(paths[i], line, second.read_ahead)
                    if said is _READ:
                        said = self._read_one(paths[i], light)
                    else:
                        self.second_reads += 1
                    read[i] = said
                    end -= 1
                if start < end:
                    read[start] = self._read_one(paths[start], light)
                    start += 1
                if progress is not None:
                    progress(of - (end - start), of)
        finally:
            if second is not None:
                second.close()
        self.reads += sum(isinstance(entry, dict) for entry in read)
        return read

    def _read_one(self, path: Path, light: bool) -> Any:
        return read_entry(self.store, path, light)

    def _second_read(self, path: Path, line: list[Any], ahead: bool) -> Any:
        """What the second process's line says of `path`, or _READ: it says nothing this
        refresh can take, and the file is read here. `ahead`: it read before this refresh
        began, so only an entry of the file as it still is is taken (a file changed, gone or
        mended since is read here: the refresh is as fresh as a read of its own)."""
        match line[1:]:
            case ["entry", dict(entry)] if not ahead or self._unchanged(path, entry):
                return entry
            case ["gone"] if not ahead:
                return None
            case ["unreadable", str(where), str(problem), bool(repairable)] if not ahead:
                return UnreadableFileError(Path(where), problem, repairable=repairable)
        return _READ

    def _unchanged(self, path: Path, entry: dict[str, Any]) -> bool:
        stat = self.store.stat_session(path)
        return stat is not None and _signature(stat) == entry.get("sig")

    def _follow(self, path: Path, entry: Any, now: list) -> dict[str, Any] | None:
        """The entry with its journal's new lines applied, when the main file is the one
        indexed and its journal only grew; the entry itself when no line is whole yet."""
        if not isinstance(entry, dict) or entry["sig"][:3] != now[:3] or now[3] is None:
            return None
        was, used = entry["sig"][3], entry["used"]
        if was is None and used != 0 or was is not None and was[0] != now[3][0]:
            return None
        if now[3][1] < used:
            return None
        try:
            more, changes = self.store.read_journal_since(path, used)
        except UnreadableFileError:
            return None  # read whole, whose word on it counts the journal's lines from its start
        if more == 0:
            return entry
        followed = follow_journal(entry, changes, path)
        if followed is not None:
            # As a whole read signs (`DataStore.read_session_data`): the journal's bytes
            # applied, which are more than its stat'ed size if it grew meanwhile.
            followed["used"] = used + more
            followed["sig"] = [*now[:3], [now[3][0], max(now[3][1], used + more)]]
        return followed


_INDEXES: weakref.WeakKeyDictionary[DataStore, StudyIndex] = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def study_index(store: DataStore) -> StudyIndex:
    """The one index of this store in this process (the screens and commands share it)."""
    with _INDEXES_LOCK:
        index = _INDEXES.get(store)
        if index is None:
            index = _INDEXES[store] = StudyIndex(store)
        return index


class SessionWords:
    """A session's notes by id and its attached recording, read together the first time
    either is asked for (a drill-down, a quoted excerpt, the report's verbatims): what the
    index leaves out. A file gone or unreadable by then gives no notes and no recording."""

    def __init__(self, store: DataStore, session_id: str) -> None:
        self.store = store
        self.session_id = session_id
        self._read: tuple[dict[str, dict[str, Any]], dict[str, Any] | None] | None = None

    def notes(self) -> dict[str, dict[str, Any]]:
        return self._words()[0]

    def recording(self) -> dict[str, Any] | None:
        return self._words()[1]

    def _words(self) -> tuple[dict[str, dict[str, Any]], dict[str, Any] | None]:
        if self._read is None:
            self._read = {}, None
            try:
                snapshot, recording = self.store.read_session(self.session_id)
            except StoreError as error:
                log.debug("notes of %s not read: %s", self.session_id, error)
            else:
                from tui.domain.recording import cue_notes
                from tui.domain.spans import span_owners

                # A coded cue's words are looked up as a note's are.
                cues = cue_notes(recording, recording_offset(snapshot.session))
                self._read = span_owners(snapshot.notes, cues), recording
        return self._read
