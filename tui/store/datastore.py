"""The data folder: `sessions/<id>.json`, one TinyDB file per session, and `codebook.json`."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tui.domain.display_text import count_of, visible
from tui.domain.guide import MAX_QUESTIONS
from tui.domain.notes import note_counts
from tui.store.codebook import Codebook
from tui.store.errors import (
    AmbiguousSessionError,
    DataFolderError,
    SessionNotFoundError,
    StoreError,
    SymlinkRefusedError,
    UnreadableFileError,
    WriteFailedError,
)
from tui.store.repair import Repair, repair_session
from tui.store.schema import check_codebook_fields, document_problem
from tui.store.session import (
    SESSION_ID,
    SessionFile,
    SessionSnapshot,
    default_guide_state,
    plain,
    recording_of,
    session_parts,
    snapshot_of,
    validate_session_data,
)
from tui.store.storage import (
    DIR_MODE,
    FILE_MODE,
    NOT_A_FILE,
    AtomicJSONStorage,
    JournalEntry,
    JournalSignature,
    NotAFileError,
    acquire_lock,
    file_signature,
    fsync_folder,
    journal_entries,
    journal_path,
    journal_signature,
    open_data_file,
    open_lock_file,
    parse_tables,
    read_journal,
    replay_journal,
)

ENV_HOME = "FIELDNOTE_HOME"
BATCH_PREFIX = ".import-"
"""`sessions/.import-<random>.pending`: the ids of new sessions being written as one (an
import), hidden from the sessions list (`creating_sessions`)."""
TAG_CHANGE_PREFIX = ".tag-change-"
"""`<data folder>/.tag-change-<random>.pending`: a rename, merge or delete of a tag that
rewrites every session file, named before its first write and removed after its last,
flocked while it runs (`changing_tags`): one left unlocked is a change cut short, which
`finish_tag_changes` completes."""
IMPORT_LOCK = ".imports.lock"
"""`sessions/.imports.lock`, flocked by an import from its look at what the folder holds to
its last write (`DataStore.importing`)."""
IMPORT_LOCK_WAIT_SECONDS = 120.0
"""How long an import waits for another one in the same folder: a large study takes seconds."""
MIN_PREFIX = 4
"""The shortest id prefix a command takes for a session (ids are 32 characters)."""
FullSignature = tuple[int, int, int, JournalSignature | None]
"""A session file's (inode, mtime_ns, size) and its journal's (inode, size), or None."""


@dataclass
class SessionSummary:
    id: str
    title: str
    participant: str
    created_at: str
    note_count: int
    coded_count: int
    """Notes with tags of their own or with at least one excerpt."""
    path: Path
    debrief: dict[str, Any] = field(default_factory=dict)
    """Each interviewer's debrief answers (tui/services/interview_aids.py), by author."""
    study: str = ""
    """The study the session belongs to; empty for none (files from before studies)."""
    goal: str = ""
    """The research goal, one sentence; empty when none was set."""


def _make_private_dir(path: Path) -> None:
    """Create `path` and any missing parent 0700, whatever the umask (mkdir's `parents`
    would create the parents with the umask alone: 0777 at umask 000)."""
    if path.is_dir():
        return
    missing = [path, *(p for p in path.parents if not p.exists())]
    try:
        for folder in reversed(missing):
            folder.mkdir(mode=DIR_MODE, exist_ok=True)
            os.chmod(folder, DIR_MODE)
    except OSError as error:
        raise DataFolderError(path, error) from error


def _summarise(path: Path, data: dict[str, Any]) -> SessionSummary:
    session, _, _ = session_parts(data)
    notes = (data.get("notes") or {}).values()
    return session_summary(
        path, session, *note_counts(notes, (data.get("excerpts") or {}).values())
    )


def session_summary(
    path: Path, session: Mapping[str, Any], note_count: int, coded: int
) -> SessionSummary:
    """The sessions list's row of the session file at `path` with this record and counts."""
    debrief = session.get("debrief")
    return SessionSummary(
        id=path.stem,
        title=str(session.get("title") or ""),
        participant=str(session.get("participant") or ""),
        created_at=str(session.get("created_at") or ""),
        note_count=note_count,
        coded_count=coded,
        path=path,
        debrief=debrief if isinstance(debrief, dict) else {},
        study=str(session.get("study") or "").strip(),
        goal=str(session.get("goal") or "").strip(),
    )


class DataStore:
    """The data folder. Creates it (0700) on first use."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home).expanduser()
        self.sessions_dir = self.home / "sessions"
        _make_private_dir(self.home)
        _make_private_dir(self.sessions_dir)
        self._undo_unfinished_batches()
        self._codebook: Codebook | None = None
        self._summaries: dict[Path, tuple[tuple, SessionSummary]] = {}
        self._checked: dict[Path, FullSignature] = {}
        """The signature at which each file last passed the checks of a read: read again
        unchanged, it is the same bytes (what a `SessionFile`'s cache assumes too), so its
        checks are not run again (an export reads each file to list it, then to write it)."""

    @classmethod
    def from_environment(cls) -> DataStore:
        """`$FIELDNOTE_HOME` if set, else the platform's user data folder."""
        home = os.environ.get(ENV_HOME)
        if home:
            return cls(Path(home))
        import platformdirs

        return cls(Path(platformdirs.user_data_dir("fieldnote")))

    def __repr__(self) -> str:
        return f"DataStore({str(self.home)!r})"

    def session_path(self, session_id: str) -> Path:
        if not SESSION_ID.fullmatch(session_id):
            raise SessionNotFoundError(
                f"'{session_id}' is not a session id; ids are letters, digits, - and _."
            )
        return self.sessions_dir / f"{session_id}.json"

    # -- sessions -----------------------------------------------------------------------------
    def create_session(
        self,
        session: dict[str, Any],
        guide: dict[str, Any],
        guide_state: dict[str, Any] | None = None,
        notes: list[dict[str, Any]] | None = None,
        excerpts: list[dict[str, Any]] | None = None,
        recording: dict[str, Any] | None = None,
    ) -> SessionFile:
        """Write a new session file holding the session record and its guide (and, for an
        import, its notes, excerpts and attached recording: one write, so the file is whole or
        absent)."""
        session = plain(session)
        session_id = session.get("id")
        if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
            raise ValueError(f"a session needs an 'id' of letters and digits, not {session_id!r}")
        path = self.session_path(session_id)
        data = _session_tables(session, guide, guide_state, notes, excerpts, recording, copy=plain)
        storage = AtomicJSONStorage(
            path, validate=validate_session_data(path), write_what="new session"
        )
        try:
            with storage.locked() as existing:
                if existing:
                    raise StoreError(f"A session with id {session_id} already exists at {path}.")
                storage.write(data)
        except BaseException:
            if not path.exists():  # a new id no one else knows: its lock file goes with it
                # In a read-only folder there is no lock file, and unlinking says EROFS even
                # so: the error that got us here is the one to tell.
                with contextlib.suppress(OSError):
                    storage.lock_path.unlink(missing_ok=True)
            raise
        finally:
            storage.close()
        return SessionFile(path, session_id)

    @contextlib.contextmanager
    def importing(self, wait: float = IMPORT_LOCK_WAIT_SECONDS) -> Iterator[None]:
        """One import at a time in this folder: what an import found there (a session, a
        REFI-QDA source, a transcript imported before) is still all there is when it writes,
        so two imports of one file at once never both write it (each saw the other's sessions
        missing, and the folder kept the interview twice). Another import holding the lock
        for longer than `wait` is a sentence naming it (LockHeldError)."""
        path = self.sessions_dir / IMPORT_LOCK
        try:
            fd = open_lock_file(path)
        except NotAFileError:
            problem = f"its lock file {IMPORT_LOCK} is no file but {NOT_A_FILE}"
            error = NotAFileError(errno.EINVAL, problem)
            raise WriteFailedError(self.sessions_dir, error, "new session") from None
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise SymlinkRefusedError(path) from None
            raise WriteFailedError(self.sessions_dir, error, "new session") from error
        try:
            acquire_lock(fd, path, wait)
            yield
        finally:
            os.close(fd)  # the flock goes with its last descriptor

    @contextlib.contextmanager
    def creating_sessions(self, ids: list[str]) -> Iterator[Callable[..., SessionFile]]:
        """Write new sessions as one (an import): yields `create_session`, and leaving with an
        exception of any kind (a full disk, Ctrl-C, `kill`) removes every session it wrote
        but one someone worked on meanwhile (it has a journal), as the clean-up after a kill.
        Their ids are first listed in a hidden file of the sessions folder, flocked while this
        runs and removed once all are written: a process killed outright (SIGKILL, a power
        cut) leaves it, and the next DataStore opened on the folder removes the sessions it
        names (`_undo_unfinished_batches`), so the folder never keeps half an import."""
        listed, fd = self._write_listed(self.sessions_dir, BATCH_PREFIX, ids, "new session")
        created: list[str] = []

        def create(session: dict[str, Any], *args: Any, **kwargs: Any) -> SessionFile:
            # Counted from the start: a signal may end the write after its file is in place.
            created.append(session.get("id"))
            try:
                return self.create_session(session, *args, **kwargs)
            except (StoreError, ValueError):
                created.pop()  # nothing written (or the file is another writer's)
                raise

        try:
            yield create
        except BaseException:
            for session_id in created:
                if journal_path(self.session_path(session_id)).exists():
                    continue  # opened and typed into since it was written: it stays
                with contextlib.suppress(StoreError):
                    self.discard_session(session_id)
            raise
        finally:
            with contextlib.suppress(OSError):
                listed.unlink()
                fsync_folder(self.sessions_dir)  # a power cut now must not undo the import
            os.close(fd)

    @staticmethod
    def _write_listed(folder: Path, prefix: str, payload: Any, what: str) -> tuple[Path, int]:
        """A hidden list (`<prefix><random>.pending` in `folder`), durable and flocked before
        its name appears: whoever finds it unlocked knows its writer is gone."""
        name = f"{prefix}{os.urandom(6).hex()}"
        writing, listed = folder / f"{name}.tmp", folder / f"{name}.pending"
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
        try:
            fd = os.open(writing, flags, FILE_MODE)
        except OSError as error:
            raise WriteFailedError(folder, error, what) from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            view = memoryview(orjson.dumps(payload))
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
            os.rename(writing, listed)
            fsync_folder(folder)
        except OSError as error:
            os.close(fd)
            with contextlib.suppress(OSError):
                writing.unlink()
            raise WriteFailedError(folder, error, what) from error
        return listed, fd

    @contextlib.contextmanager
    def changing_tags(self, record: dict[str, Any]) -> Iterator[None]:
        """Run a change of a tag across every session file (tui/services/tag_ops.py) with
        `record` (what it is, enough to run it again) kept in the data folder meanwhile. A
        change that ends in an exception, or a process killed outright, leaves the record: the
        files are half changed, and `finish_tag_changes` completes them. Leaving normally
        removes it."""
        listed, fd = self._write_listed(self.home, TAG_CHANGE_PREFIX, record, "tag change")
        try:
            yield
            with contextlib.suppress(OSError):
                listed.unlink()
                fsync_folder(self.home)
        finally:
            os.close(fd)

    def tag_changes_left(self) -> bool:
        """Is a record of a tag change in the folder (one running, or one cut short)?"""
        try:
            return any(self.home.glob(f"{TAG_CHANGE_PREFIX}*.pending"))
        except OSError:
            return False

    def finish_tag_changes(self, finish: Callable[[dict[str, Any]], None]) -> list[dict]:
        """Complete each tag change cut short (its record left, no process holding it:
        `changing_tags`): `finish(record)` runs under the record's lock, then the record goes.
        Returns the records finished. An exception from `finish` leaves its record (and
        ends here); a record that is not one is removed."""
        try:
            leftovers = sorted(self.home.glob(f"{TAG_CHANGE_PREFIX}*.pending"))
        except OSError:
            return []
        done: list[dict] = []
        for path in leftovers:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue  # finished by another process meanwhile
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # its writer is still at work
                if os.fstat(fd).st_nlink == 0:
                    continue  # another process finished it while this one waited
                with open(fd, "rb", closefd=False) as stream:
                    try:
                        record = orjson.loads(stream.read())
                    except orjson.JSONDecodeError:
                        record = None
                if isinstance(record, dict):
                    finish(record)
                    done.append(record)
                with contextlib.suppress(OSError):
                    path.unlink()
                    fsync_folder(self.home)
            finally:
                os.close(fd)
        return done

    def _undo_unfinished_batches(self) -> None:
        """Remove the sessions of a batch whose writer was killed outright: its list is left
        and no process holds its flock (`creating_sessions`). A session with a journal has been
        changed since (someone worked on it) and stays."""
        try:
            leftovers = list(self.sessions_dir.glob(f"{BATCH_PREFIX}*"))
        except OSError:
            return
        for path in leftovers:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                with open(fd, "rb", closefd=False) as stream:
                    ids = orjson.loads(stream.read()) if path.suffix == ".pending" else []
                for session_id in ids if isinstance(ids, list) else []:
                    if isinstance(session_id, str) and SESSION_ID.fullmatch(session_id):
                        if not journal_path(self.session_path(session_id)).exists():
                            self.discard_session(session_id)
                path.unlink()
            except (OSError, orjson.JSONDecodeError):
                continue  # its writer is still at work, or the folder is read-only
            finally:
                os.close(fd)

    def discard_session(self, session_id: str) -> None:
        """Remove a session file this process just created (an import that failed later)."""
        path = self.session_path(session_id)
        for leftover in (path, journal_path(path), path.with_name(path.name + ".lock")):
            try:
                leftover.unlink()
            except FileNotFoundError:
                pass

    def open_session(self, session_id: str) -> SessionFile:
        """The session's file, read once so an unreadable file is reported now."""
        path = self.session_path(session_id)
        if not path.exists():
            raise self._not_found(session_id)
        session_file = SessionFile(path, session_id)
        session_file.read()
        return session_file

    def _not_found(self, session_id: str) -> SessionNotFoundError:
        return SessionNotFoundError(
            f"There is no session {session_id} in {self.sessions_dir}; "
            "list the sessions to see their ids."
        )

    def repair_session(self, session_id: str) -> Repair:
        """Make a session with a damaged journal readable again (tui/store/repair.py)."""
        return repair_session(self.session_path(session_id))

    def session_paths(self) -> list[Path]:
        """Every session file in the folder, by name; none is read."""
        try:
            return sorted(p for p in self.sessions_dir.glob("*.json") if not p.name.startswith("."))
        except OSError:
            return []

    def stat_session(self, path: Path) -> FullSignature | None:
        """The signature of a session file and its journal, two stats, nothing read: what a
        cache derived from the file (the study index) keys on. None: the file is gone."""
        signature = file_signature(path)
        if signature is None:
            return None
        return (*signature, journal_signature(journal_path(path)))

    def read_session_data(self, path: Path) -> tuple[FullSignature, int, dict[str, Any]]:
        """One session file read and parsed once, its journal replayed and the whole checked:
        (its signature as read, the journal bytes replayed, its tables). For readers that
        derive from the file and keep no `SessionFile` open (the list, the study index)."""
        fd = open_data_file(path)
        journal = journal_path(path)
        try:
            with open(fd, "rb") as handle:
                # The signature of the open file matches the bytes read from it, even if
                # another process replaces the file meanwhile.
                st = os.fstat(handle.fileno())
                seen = journal_signature(journal)
                raw = handle.read()
        except OSError as error:
            raise UnreadableFileError(path, f"reading it failed ({error.strerror})") from None
        data = parse_tables(raw, path)
        used = 0
        if seen is not None:
            used, _ = replay_journal(data, read_journal(journal), journal, changes_wanted=False)
            # A line appended between the stat and the read is in `data`: the journal's part
            # then says the bytes replayed, so two reads with one signature have read the same
            # (the study index joins its two parts by signature). A torn last line left out
            # keeps the size stat'ed, so the file reads as unchanged until the line is whole.
            seen = (seen[0], max(seen[1], used))
        signature = (st.st_ino, st.st_mtime_ns, st.st_size, seen)
        if self._checked.get(path) != signature:
            validate_session_data(path)(data)
            self._checked[path] = signature
        return signature, used, data

    def read_session(self, session_id: str) -> tuple[SessionSnapshot, dict[str, Any] | None]:
        """A session and its attached recording (None when none is), one consistent copy read
        once (`read_session_data`) and kept by no one: for a reader going through many
        sessions (an export), with none of a `SessionFile`'s tables and caches."""
        path = self.session_path(session_id)
        try:
            _, _, data = self.read_session_data(path)
        except FileNotFoundError:
            raise self._not_found(session_id) from None
        return snapshot_of(data, checked=True), recording_of(data)

    def read_journal_since(self, path: Path, offset: int) -> tuple[int, list[JournalEntry]]:
        """The changes a session's journal gained after `offset` bytes: the bytes their
        complete lines take and each line's change (tui/store/storage.py)."""
        journal = journal_path(path)
        return journal_entries(read_journal(journal, offset), journal)

    def _summary(self, path: Path) -> SessionSummary:
        """A summary of one file, parsed again only when its signature changed."""
        signature = self.stat_session(path)
        cached = self._summaries.get(path)
        if cached is not None and signature is not None and cached[0] == signature:
            return cached[1]
        signature, _, data = self.read_session_data(path)
        summary = _summarise(path, data)
        self._summaries[path] = (signature, summary)
        return summary

    def list_sessions(self) -> tuple[list[SessionSummary], list[UnreadableFileError]]:
        """Every session, newest first, and the files that could not be read."""
        summaries: list[SessionSummary] = []
        problems: list[UnreadableFileError] = []
        paths = self.session_paths()
        for path in paths:
            try:
                summaries.append(self._summary(path))
            except FileNotFoundError:
                continue
            except UnreadableFileError as error:
                problems.append(error)
        for gone in set(self._summaries) - set(paths):
            del self._summaries[gone]
        for gone in set(self._checked) - set(paths):
            del self._checked[gone]
        summaries.sort(key=lambda s: (s.created_at, s.id), reverse=True)
        return summaries, problems

    def _session_ids(self) -> list[str]:
        """The ids in the folder, from the file names alone (no file is read)."""
        return [path.stem for path in self.session_paths()]

    def resolve(self, ref: str, *, loose: bool = False) -> str:
        """A session id from a full id, a unique id prefix of at least `MIN_PREFIX` characters
        or an exact title (case aside); anything else is an error listing the candidates, so a
        note meant for one session never lands in another whose title happens to contain `.`.
        An id or prefix reads no file; only a title needs every file's summary. `loose` (for
        commands that open a screen showing the title) also takes shorter prefixes and a
        unique part of a title."""
        wanted = ref.strip()
        if not wanted:
            raise SessionNotFoundError("No session was named; give a session id or title.")
        ids = self._session_ids()
        if wanted in ids:
            return wanted
        by_prefix = [i for i in ids if i.lower().startswith(wanted.lower())]
        long_enough = loose or len(wanted) >= MIN_PREFIX
        if len(by_prefix) == 1 and long_enough:
            return by_prefix[0]
        summaries, _ = self.list_sessions()
        if len(by_prefix) > 1 and long_enough:
            raise self._ambiguous(wanted, summaries, by_prefix, loose)
        titled = [s for s in summaries if s.title == wanted] or [
            s for s in summaries if s.title.casefold() == wanted.casefold()
        ]
        if len(titled) == 1:
            return titled[0].id
        folded = wanted.casefold()
        partly = [s.id for s in summaries if s.title and folded in s.title.casefold()]
        if loose and len(partly) == 1 and not by_prefix:
            return partly[0]
        candidates = [s.id for s in titled] or list(dict.fromkeys([*by_prefix, *partly]))
        if candidates:
            raise self._ambiguous(wanted, summaries, candidates, loose)
        raise SessionNotFoundError(
            f"No session matches '{wanted}'; give an id, an id prefix or a title from the list."
        )

    @staticmethod
    def _ambiguous(
        wanted: str, summaries: list[SessionSummary], ids: list[str], loose: bool
    ) -> AmbiguousSessionError:
        titled = {s.id: s.title for s in summaries}
        shown = [
            f"{i[:8]} \u201c{visible(titled[i])}\u201d" if i in titled else i[:8] for i in ids[:5]
        ]
        more = f" and {len(ids) - 5} more" if len(ids) > 5 else ""
        # A loose look (a command that opens a screen) takes a prefix of any length.
        least = "" if loose else f" of {MIN_PREFIX} or more characters"
        return AmbiguousSessionError(
            f"'{wanted}' is not an id, a unique id prefix{least} or a title; it could mean "
            f"{count_of(len(ids), 'session')} ({', '.join(shown)}{more}), "
            "so give one of their ids or the full title.",
            ids,
        )

    # -- codebook -----------------------------------------------------------------------------
    @property
    def codebook(self) -> Codebook:
        if self._codebook is None:
            self._codebook = Codebook(self.home / "codebook.json")
        return self._codebook


def _session_tables(
    session: dict[str, Any],
    guide: dict[str, Any],
    guide_state: dict[str, Any] | None,
    notes: list[dict[str, Any]] | None,
    excerpts: list[dict[str, Any]] | None,
    recording: dict[str, Any] | None = None,
    *,
    copy=lambda doc: doc,
) -> dict[str, Any]:
    """A session file's tables as `create_session` writes them."""
    state = copy(guide_state) if guide_state is not None else default_guide_state()
    tables = {
        "session": {"1": session},
        "guide": {"1": {"guide": copy(guide), "state": state}},
        "notes": {str(n): copy(doc) for n, doc in enumerate(notes or [], start=1)},
        "excerpts": {str(n): copy(doc) for n, doc in enumerate(excerpts or [], start=1)},
    }
    if recording is not None:
        tables["recording"] = {"1": copy(recording)}
    return tables


def new_session_problem(
    session: dict[str, Any],
    guide: dict[str, Any],
    guide_state: dict[str, Any] | None = None,
    notes: list[dict[str, Any]] | None = None,
    excerpts: list[dict[str, Any]] | None = None,
    recording: dict[str, Any] | None = None,
) -> str | None:
    """Why `create_session` would refuse these documents, or write a file that no later read
    accepts (the same checks every read applies), as a phrase; None when they fit. Nothing is
    written: an import checks every session this way before it writes the first."""
    session_id = session.get("id") if isinstance(session, dict) else None
    if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
        return "its session id is not letters, digits, - and _ (at most 64)"
    if not isinstance(guide, dict) or not isinstance(guide_state, dict | None):
        return "its guide is not an object"
    if not all(isinstance(doc, dict) for doc in [*(notes or []), *(excerpts or [])]):
        return "a note or excerpt is not an object"
    if not isinstance(recording, dict | None):
        return "its recording is not an object"
    sections = guide.get("sections") if isinstance(guide.get("sections"), list) else []
    asked = sum(len(s.get("questions") or []) for s in sections if isinstance(s, dict))
    if asked > MAX_QUESTIONS:
        return f"its guide asks {asked:,} questions, more than the {MAX_QUESTIONS} of any guide"
    data = _session_tables(session, guide, guide_state, notes, excerpts, recording)
    try:
        validate_session_data(Path(f"{session_id}.json"))(data)
    except UnreadableFileError as error:
        return error.problem
    return None


def new_document_problem(table: str, doc: Any) -> str | None:
    """Why a note or span excerpt (`table` "notes" or "excerpts") would make its session file
    unreadable, or None: the checks every read applies. A part of one (the fields an update
    sets) is checked on the fields it has. Nothing is written."""
    if not isinstance(doc, dict):
        return "it is not an object"
    # "(id 1a2b) has a field 'elapsed' that is not a number", for the caller to name it.
    return document_problem(table, doc)


def new_tag_problem(tag: dict[str, Any]) -> str | None:
    """Why a codebook document would make `codebook.json` unreadable, or None."""
    if not isinstance(tag, dict):
        return "a tag is not an object"
    try:
        check_codebook_fields(Path("codebook.json"), {"tags": {"1": tag}})
    except UnreadableFileError as error:
        return error.problem
    return None
