"""The quick checks of the many documents (`schema.FAST`, one document at a time and a whole
table a field at a time) pass exactly the documents that the field-by-field checks pass, so a
file they let through is one those would let through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tui.store import new_document_problem
from tui.store.errors import UnreadableFileError
from tui.store.schema import (
    CODEBOOK_TABLES,
    FAST,
    SESSION_TABLES,
    _first_problem,
    _fits,
    _table_fits,
    check_session_fields,
    document_problem,
)

VALUES: list[Any] = [
    "x",
    "",
    0,
    3,
    1.5,
    True,
    False,
    None,
    [],
    ["a"],
    ["a", 1],
    [None],
    {},
    {"a": 1},
]
CODINGS: list[Any] = [
    [{"tag": "pain", "coder": "Bo", "at": None}],
    [{"tag": "pain", "coder": "Bo", "at": "2026-01-01T00:00Z"}],
    [{"tag": "pain", "coder": "Bo"}],
    [{"tag": "pain"}],
    [{"coder": "Bo"}],
    [{"tag": 3, "coder": "Bo"}],
    [{"tag": "pain", "coder": "Bo", "at": 5}],
    [{"tag": "pain", "coder": "Bo", "at": None}, "pain"],
    ["pain"],
    [{"tag": "pain", "coder": "team", "at": None, "settlement": True}],
    [{"tag": "pain", "coder": "team", "at": None, "settlement": "yes"}],
    [{"tag": "pain", "coder": "team", "at": None, "settlement": None}],
]
SETTLED = {"by": "team", "at": "2026-01-02T00:00Z"}
SET_ASIDE: list[Any] = [
    *CODINGS,
    [{"tag": "pain", "coder": "Bo", "at": None, "settled": SETTLED}],
    [{"tag": "pain", "coder": "Bo", "settled": {"by": "team"}}],
    [{"tag": "pain", "coder": "Bo", "at": None, "settled": {"by": "team", "at": None}}],
    [{"tag": "pain", "coder": "Bo", "at": None, "settled": {"at": None}}],
    [{"tag": "pain", "coder": "Bo", "at": None, "settled": {"by": 3}}],
    [{"tag": "pain", "coder": "Bo", "at": None, "settled": {"by": "team", "at": 3}}],
    [{"tag": "pain", "coder": "Bo", "at": None, "settled": "yesterday"}],
    [{"tag": "pain", "coder": "Bo", "at": None, "settled": None}],
]
CUES: list[Any] = [
    [{"id": "c1", "start": 0, "text": "hi"}],
    [{"id": "c1", "start": 0.5, "end": None, "speaker": "Bo", "text": "hi"}],
    [{"id": "c1", "start": 0, "end": 2, "text": "hi"}],
    [{"id": "c1", "start": "0", "text": "hi"}],
    [{"id": "c1", "start": True, "text": "hi"}],
    [{"id": "c1", "text": "hi"}],
    [{"start": 0, "text": "hi"}],
    [{"id": "c1", "start": 0}],
    [{"id": "c1", "start": 0, "speaker": None, "text": "hi"}],
    [{"id": "c1", "start": 0, "end": "2", "text": "hi"}],
    [7],
]
TABLES = {**SESSION_TABLES, **CODEBOOK_TABLES}


def cases():
    for table in FAST:
        for field in TABLES[table]:
            extra = {"codings": CODINGS, "set_aside": SET_ASIDE, "cues": CUES}.get(field, [])
            for value in [*VALUES, *extra]:
                yield table, field, value


@pytest.mark.parametrize(("table", "field", "value"), list(cases()))
def test_the_quick_check_agrees_with_the_field_checks(table, field, value):
    doc = {"id": "d1", field: value}
    fits = _first_problem(doc, TABLES[table]) is None
    assert _fits(doc, FAST[table]) is fits
    assert _fits({"id": "d1"}, FAST[table]) is True  # a lacking field is its reader's default
    # Among documents lacking the field, before and after it: the table's check agrees.
    assert _table_fits([{"id": "d0"}, doc, {"id": "d2"}], FAST[table]) is fits
    assert _table_fits([{"id": "d0"}, {"id": "d2"}], FAST[table]) is True


def test_a_bad_note_after_many_good_ones_is_refused_naming_it():
    good = {"text": "fine", "elapsed": 1.0, "tags": ["a"], "codings": []}
    notes = {str(n): {**good, "id": f"n{n}"} for n in range(1, 1001)}
    notes["1001"] = {**good, "id": "n1001", "codings": [{"tag": "a", "coder": 2}]}
    with pytest.raises(UnreadableFileError) as caught:
        check_session_fields(Path("s.json"), {"notes": notes})
    assert "document 1001 (id n1001) has a field 'codings #1 coder' that is not text" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("table", "doc", "said"),
    [
        ("notes", {"id": "n1", "elapsed": "soon"}, "(id n1) has a field 'elapsed' that is not"),
        ("notes", {"elapsed": "soon"}, "has a field 'elapsed' that is not"),
        (
            "excerpts",
            {"id": "e1", "codings": [{"tag": "a"}]},
            "(id e1) has no field 'codings #1 coder'",
        ),
    ],
)
def test_a_documents_problem_is_one_phrase_for_the_file_and_for_a_new_document(table, doc, said):
    """The store names a bad document in a file's sentence, and a rescue or an import names
    a document about to be written, with the same phrase from `document_problem`."""
    phrase = document_problem(table, doc)
    assert phrase is not None and phrase.startswith(said), phrase
    assert new_document_problem(table, doc) == phrase
    with pytest.raises(UnreadableFileError) as caught:
        check_session_fields(Path("s.json"), {table: {"7": doc}})
    assert caught.value.problem == f"in its '{table}' table, document 7 {phrase}"


def test_a_bad_settled_mark_in_a_file_is_refused_with_a_sentence(store) -> None:
    """A coding set aside by a settlement must say who settled it: a script's or a merge
    tool's `"settled": "yesterday"` is refused, naming the file, the document and the field."""
    import orjson

    from tests.store.helpers import guide_doc, note_doc, session_doc
    from tui.store import UnreadableFileError as Unreadable
    from tui.store.storage import journal_path

    record = session_doc()
    session = store.create_session(record, guide_doc())
    good = {"tag": "pain", "coder": "Bo", "at": None, "settled": SETTLED}
    session.append_notes([{**note_doc(record["id"]), "id": "ok", "set_aside": [good]}])
    session.close()
    snapshot, _ = store.read_session(record["id"])
    assert snapshot.notes[0]["set_aside"] == [good]
    bad = {**note_doc(record["id"]), "id": "bad", "set_aside": [{**good, "settled": "yesterday"}]}
    with open(journal_path(store.session_path(record["id"])), "ab") as journal:
        journal.write(orjson.dumps({"set": {"notes": {"9": bad}}, "del": {}}) + b"\n")
    with pytest.raises(Unreadable) as caught:
        store.read_session(record["id"])
    assert (
        "in its 'notes' table, document 9 (id bad) has a field 'set_aside #1 settled' that is "
        "not an object" in str(caught.value)
    )
