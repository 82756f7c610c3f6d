"""The shape of every field Fieldnote reads from a session file, checked when the file is parsed.

A file that is valid JSON can still hold a string where a number belongs (a script, a merge
tool, a hand edit). Reading code trusts the shapes below, so a wrong one is reported as one
sentence naming the file, table, document and field, and the file is never written (see
`UnreadableFileError`). A missing field is left to its reader's default; fields Fieldnote does
not know are kept as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain, repeat
from pathlib import Path
from typing import Any

from tui.domain.clock import from_iso
from tui.store.errors import UnreadableFileError

Check = Callable[[Any], str | None]
"""None when the value fits, else what belongs there ("a number", "a list of strings")."""


def _is(kinds: tuple[type, ...], what: str, *, optional: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if optional and value is None:
            return None
        if isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds):
            return None
        return what

    return check


TEXT = _is((str,), "text")
OPTIONAL_TEXT = _is((str,), "text or null", optional=True)
NUMBER = _is((int, float), "a number")
INTEGER = _is((int,), "a whole number")
OPTIONAL_INTEGER = _is((int,), "a whole number or null", optional=True)
FLAG = _is((bool,), "true or false")


def _texts(value: Any) -> str | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return None
    return "a list of strings"


def _iso_time(value: Any) -> str | None:
    if value is None:
        return None
    try:
        from_iso(value)
    except (TypeError, ValueError, AttributeError):
        return "an ISO time or null"
    return None


def _mapping_of_text(value: Any) -> str | None:
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return None
    return "an object of strings"


def _fields(
    spec: dict[str, Check], required: tuple[str, ...] = (), *, optional: bool = False
) -> Check:
    """A check for an object whose known fields must fit `spec` (nested errors name a path)."""

    def check(value: Any) -> str | None:
        if optional and value is None:
            return None
        if not isinstance(value, dict):
            return "an object or null" if optional else "an object"
        problem = _first_problem(value, spec, required)
        return None if problem is None else f"@{problem}"

    return check


def _list_of(item: Check) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, list):
            return "a list"
        for number, entry in enumerate(value, start=1):
            problem = item(entry)
            if problem is not None:
                nested = problem.startswith("@")
                return f"@#{number} {problem[1:]}" if nested else f"@#{number}: {problem}"
        return None

    return check


def _pair(first: Check, second: Check, what: str) -> Check:
    """A two-item list such as `[elapsed, question id]`."""

    def check(value: Any) -> str | None:
        if isinstance(value, list) and len(value) == 2:
            if first(value[0]) is None and second(value[1]) is None:
                return None
        return what

    return check


def _mapping_of(item: Check) -> Check:
    """An object whose keys are ids or names and whose values each fit `item`."""

    def check(value: Any) -> str | None:
        if not isinstance(value, dict):
            return "an object"
        for key, entry in value.items():
            problem = item(entry)
            if problem is not None:
                return f"@{key} {problem[1:]}" if problem.startswith("@") else f"@{key}: {problem}"
        return None

    return check


def _first_problem(
    doc: dict[str, Any], spec: dict[str, Check], required: tuple[str, ...] = ()
) -> str | None:
    """'field: what belongs there' for the first field that does not fit, or None."""
    for name in required:
        if name not in doc:
            return f"{name}: missing"
    for name, check in spec.items():
        if name not in doc:
            continue
        problem = check(doc[name])
        if problem is None:
            continue
        if problem.startswith("@"):  # a nested path: 'sections #2 questions #1 text: text'
            return f"{name} {problem[1:]}"
        return f"{name}: {problem}"
    return None


CODINGS = _list_of(
    _fields(
        {"tag": TEXT, "coder": TEXT, "at": OPTIONAL_TEXT, "settlement": FLAG},
        required=("tag", "coder"),
    )
)
"""Who applied which tag, and when; `settlement` marks a resolver's settling coding
(tui/domain/codings.py)."""
SET_ASIDE = _list_of(
    _fields(
        {
            "tag": TEXT,
            "coder": TEXT,
            "at": OPTIONAL_TEXT,
            "settled": _fields({"by": TEXT, "at": OPTIONAL_TEXT}, required=("by",)),
        },
        required=("tag", "coder", "settled"),
    )
)
"""The codings a settlement set aside, each with who settled it and when."""
RATINGS = _list_of(
    _fields(
        {"severity": INTEGER, "coder": TEXT, "at": OPTIONAL_TEXT}, required=("severity", "coder")
    )
)
"""Who rated a document's severity, and when (tui/domain/ratings.py)."""
CONFLICTS = _list_of(
    _fields({"field": TEXT, "other_edited_at": OPTIONAL_TEXT}, required=("field",))
)
"""The values a sync's merge could not decide (tui/services/sync/merge.py)."""
CLOCK = _fields(
    {"banked": NUMBER, "running_since": _iso_time, "recording_offset": NUMBER}, optional=True
)
SESSION = {
    "title": TEXT,
    "participant": TEXT,
    "goal": TEXT,
    "created_at": TEXT,
    "study": OPTIONAL_TEXT,
    "interviewers": _texts,
    "clock": CLOCK,
    # The interview aids (tui/services/interview_aids.py).
    "talk": _fields(
        {
            "switches": _list_of(_pair(NUMBER, OPTIONAL_TEXT, "[seconds, speaker or null]")),
            "participant_seconds": NUMBER,
            "interviewer_seconds": NUMBER,
            "participant_share": _is((int, float), "a number or null", optional=True),
        },
        optional=True,
    ),
    "question_visits": _list_of(_pair(NUMBER, TEXT, "[seconds, question id]")),
    "followups": _mapping_of(
        _fields({"status": TEXT, "elapsed": NUMBER, "question_id": OPTIONAL_TEXT})
    ),
    "debrief": _mapping_of(
        _fields({"surprised": TEXT, "quote": TEXT, "change": TEXT, "saved_at": TEXT})
    ),
    "conflicts": CONFLICTS,
}
QUESTION = _fields(
    {"id": TEXT, "text": TEXT, "probes": _texts, "note": TEXT}, required=("id", "text")
)
SECTION = _fields({"title": TEXT, "intro": TEXT, "level": INTEGER, "questions": _list_of(QUESTION)})
GUIDE = {
    "guide": _fields({"title": TEXT, "sections": _list_of(SECTION)}),
    "state": _is((dict,), "an object or null", optional=True),
    "conflicts": CONFLICTS,
}
STATE = {"current": OPTIONAL_TEXT, "marks": _mapping_of_text}
NOTE = {
    "session_id": TEXT,
    "author": TEXT,
    "text": TEXT,
    "kind": TEXT,
    "started_at": TEXT,
    "elapsed": NUMBER,
    "question_id": OPTIONAL_TEXT,
    "starred": FLAG,
    "emotions": _texts,
    "tags": _texts,
    "codings": CODINGS,
    "set_aside": SET_ASIDE,
    "edited_at": OPTIONAL_TEXT,
    "severity": OPTIONAL_INTEGER,
    "ratings": RATINGS,
    # The quote as typed, once its verbatim replaced it (tui/domain/quotes.py).
    "typed": OPTIONAL_TEXT,
    # A transcript cue's end and whether it is speech (tui/services/exchange/transcripts.py).
    "ends_elapsed": _is((int, float), "a number or null", optional=True),
    "speech": FLAG,
    "conflicts": CONFLICTS,
}
EXCERPT = {
    "note_id": TEXT,
    "start": INTEGER,
    "end": INTEGER,
    "tags": _texts,
    "codings": CODINGS,
    "set_aside": SET_ASIDE,
    "severity": OPTIONAL_INTEGER,
    "ratings": RATINGS,
    "conflicts": CONFLICTS,
}
CUE = _fields(
    {
        "id": TEXT,
        "start": NUMBER,
        "end": _is((int, float), "a number or null", optional=True),
        "speaker": TEXT,
        "text": TEXT,
    },
    required=("id", "start", "text"),
)
RECORDING = {
    # The attached transcript and media file (tui/domain/recording.py).
    "source": TEXT,
    "media": OPTIONAL_TEXT,
    "attached_at": TEXT,
    "cues": _list_of(CUE),
}
SESSION_TABLES: dict[str, dict[str, Check]] = {
    "session": SESSION,
    "guide": GUIDE,
    "notes": NOTE,
    "excerpts": EXCERPT,
    "recording": RECORDING,
}
TAG = {
    "name": TEXT,
    "description": TEXT,
    "color": TEXT,
    "created_at": TEXT,
    "uses": INTEGER,
    "last_used_at": OPTIONAL_TEXT,
    # The names a rename or a merge folded into this tag (tui/services/tag_ops.py).
    "renamed_from": _texts,
    "conflicts": CONFLICTS,
}
CODEBOOK_TABLES = {"tags": TAG}


def check_session_fields(path: Path, data: dict[str, Any]) -> None:
    """Raise `UnreadableFileError` for the first field of a session file whose type is wrong."""
    check_fields(path, data, SESSION_TABLES)


def check_codebook_fields(path: Path, data: dict[str, Any]) -> None:
    check_fields(path, data, CODEBOOK_TABLES)


# The many documents (notes, excerpts, tags) are first checked by exact type alone, which is
# about ten times faster than the checks above; only a document that fails it goes through
# them, for the sentence. `type(x) in` also keeps bools out of numbers.
_NUMBER, _INT, _TEXT, _LIST = frozenset({int, float}), frozenset({int}), frozenset({str}), None
_OPT_TEXT, _OPT_INT = frozenset({str, type(None)}), frozenset({int, type(None)})
_OPT_NUMBER = frozenset({int, float, type(None)})


def _entries_fit(value: Any, first: str, first_type: type) -> bool:
    """A list of `{first, "coder", "at"}` entries: codings (`tag`), ratings (`severity`)."""
    if type(value) is not list:
        return False
    for entry in value:
        if (
            type(entry) is not dict
            or type(entry.get(first)) is not first_type
            or type(entry.get("coder")) is not str
            or type(entry.get("at")) not in _OPT_TEXT
        ):
            return False
    return True


def _codings_fit(value: Any) -> bool:
    return _entries_fit(value, "tag", str) and all(
        type(entry.get("settlement", False)) is bool for entry in value
    )


def _set_aside_fit(value: Any) -> bool:
    if not _entries_fit(value, "tag", str):
        return False
    for entry in value:
        mark = entry.get("settled")
        if (
            type(mark) is not dict
            or type(mark.get("by")) is not str
            or type(mark.get("at")) not in _OPT_TEXT
        ):
            return False
    return True


def _ratings_fit(value: Any) -> bool:
    return _entries_fit(value, "severity", int)


def _conflicts_fit(value: Any) -> bool:
    if type(value) is not list:
        return False
    for entry in value:
        if (
            type(entry) is not dict
            or type(entry.get("field")) is not str
            or type(entry.get("other_edited_at")) not in _OPT_TEXT
        ):
            return False
    return True


def _cues_fit(value: Any) -> bool:
    if type(value) is not list:
        return False
    for cue in value:
        if (
            type(cue) is not dict
            or type(cue.get("id")) is not str
            or type(cue.get("start")) not in _NUMBER
            or type(cue.get("end")) not in _OPT_NUMBER
            or type(cue.get("speaker", "")) is not str
            or type(cue.get("text")) is not str
        ):
            return False
    return True


FAST = {
    "recording": {
        "source": _TEXT,
        "media": _OPT_TEXT,
        "attached_at": _TEXT,
        "cues": _cues_fit,
    },
    "notes": {
        "id": _TEXT,
        "session_id": _TEXT,
        "author": _TEXT,
        "text": _TEXT,
        "kind": _TEXT,
        "started_at": _TEXT,
        "elapsed": _NUMBER,
        "question_id": _OPT_TEXT,
        "starred": frozenset({bool}),
        "emotions": _LIST,
        "tags": _LIST,
        "codings": _codings_fit,
        "set_aside": _set_aside_fit,
        "edited_at": _OPT_TEXT,
        "severity": _OPT_INT,
        "ratings": _ratings_fit,
        "typed": _OPT_TEXT,
        "ends_elapsed": frozenset({int, float, type(None)}),
        "speech": frozenset({bool}),
        "conflicts": _conflicts_fit,
    },
    "excerpts": {
        "id": _TEXT,
        "note_id": _TEXT,
        "start": _INT,
        "end": _INT,
        "tags": _LIST,
        "codings": _codings_fit,
        "set_aside": _set_aside_fit,
        "severity": _OPT_INT,
        "ratings": _ratings_fit,
        "conflicts": _conflicts_fit,
    },
    "tags": {
        "name": _TEXT,
        "description": _TEXT,
        "color": _TEXT,
        "created_at": _TEXT,
        "uses": _INT,
        "last_used_at": _OPT_TEXT,
        "renamed_from": _LIST,
        "conflicts": _conflicts_fit,
    },
}


class _Missing:
    """The value of a field a document does not have."""


_MISSING = _Missing()


def _fits(doc: dict[str, Any], fast: dict[str, Any]) -> bool:
    get = fast.get
    for name, value in doc.items():
        allowed = get(name, _MISSING)
        if allowed is _MISSING:
            continue  # a field Fieldnote does not read
        if allowed is None:  # a list of strings: join refuses anything else, at C speed
            if type(value) is not list:
                return False
            try:
                "".join(value)
            except TypeError:
                return False
        elif type(allowed) is not frozenset:  # a nested shape: its own quick check
            if not allowed(value):
                return False
        elif type(value) not in allowed:
            return False
    return True


def _table_fits(docs: list[Any], fast: dict[str, Any]) -> bool:
    """`_fits` for every document of a table at once, a field at a time: the values of one
    field across the table are gathered and typed by `map` in C, so a table of a hundred
    notes costs about twenty passes in C instead of a Python loop over every field of every
    note (a cold index of a 500-session study checks 50,000 notes)."""
    if set(map(type, docs)) - {dict}:
        return False
    for name, allowed in fast.items():
        values = map(dict.get, docs, repeat(name), repeat(_MISSING))
        if type(allowed) is frozenset:
            if not set(map(type, values)) <= allowed | {_Missing}:
                return False
            continue
        present = [value for value in values if value is not _MISSING]
        if allowed is None:  # lists of strings
            if set(map(type, present)) - {list}:
                return False
            try:
                "".join(chain.from_iterable(present))
            except TypeError:
                return False
        elif not all(map(allowed, present)):
            return False
    return True


def document_problem(
    table: str, doc: dict[str, Any], tables: dict[str, dict[str, Check]] = SESSION_TABLES
) -> str | None:
    """What is wrong with one document of `table`, as a phrase that follows its name ("(id
    1a2b) has a field 'elapsed' that is not a number"), or None: a file's sentence and the
    check of a document about to be written (`new_document_problem`) both say it."""
    fast = FAST.get(table)
    if fast is not None and _fits(doc, fast):
        return None
    problem = _first_problem(doc, tables[table])
    if problem is None and table == "guide" and isinstance(doc.get("state"), dict):
        problem = _first_problem(doc["state"], STATE)
        problem = problem and f"state {problem}"
    if problem is None:
        return None
    field, _, belongs = problem.rpartition(": ")
    doc_id = doc.get("id")
    named = f"(id {doc_id[:12]}) " if isinstance(doc_id, str) else ""
    if belongs == "missing":
        return f"{named}has no field '{field}'"
    return f"{named}has a field '{field}' that is not {belongs}"


def check_fields(path: Path, data: dict[str, Any], tables: dict[str, dict[str, Check]]) -> None:
    for table in tables:
        fast = FAST.get(table)
        docs = data.get(table) or {}
        if fast is not None and _table_fits(list(docs.values()), fast):
            continue
        for key, doc in docs.items():
            wrong = document_problem(table, doc, tables)
            if wrong is not None:
                raise UnreadableFileError(path, f"in its '{table}' table, document {key} {wrong}")
