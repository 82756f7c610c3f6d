"""Codings through the codebook's operations: a rename or merge keeps every coder's coding."""

from __future__ import annotations

from tui.domain.codings import retagged, with_coding
from tui.domain.notes import Note
from tui.services.tag_ops import merge_tags, rename_tag, tag_usage

AT, LATER = "2026-11-27T10:00:00.000Z", "2026-11-28T10:00:00.000Z"


def test_a_merge_folds_one_coders_two_codings_into_the_earlier():
    doc = {"tags": []}
    doc.update(with_coding(doc, "pain/onbording", "Ana", LATER))
    doc.update(with_coding(doc, "pain/onboarding", "Ana", AT))
    doc.update(with_coding(doc, "pain/onbording", "Bo", LATER))
    merged = retagged(doc, {"pain/onbording": "pain/onboarding"})
    assert merged["tags"] == ["pain/onboarding"]
    assert merged["codings"] == [
        {"tag": "pain/onboarding", "coder": "Ana", "at": AT},
        {"tag": "pain/onboarding", "coder": "Bo", "at": LATER},
    ]


def test_rename_and_merge_across_files_keep_each_coder(store, session_id):
    note = Note.from_typed(
        "slow #pain/onbording",
        session_id=session_id,
        author="Ana",
        started_at=AT,
        elapsed=0,
        question_id=None,
    ).to_doc()
    note.update(with_coding(note, "pain/onbording", "Bo", LATER))
    note.update(with_coding(note, "sso", "Bo", LATER))
    session_file = store.open_session(session_id)
    session_file.append_note(note)
    session_file.close()
    store.codebook.ensure(["pain/onbording", "sso", "auth"], AT)
    rename_tag(store, "pain/onbording", "pain/onboarding", LATER)
    merge_tags(store, "sso", "auth", LATER)
    (stored,) = [n for n in store.open_session(session_id).read().notes if n["id"] == note["id"]]
    assert stored["text"] == "slow #pain/onboarding"
    assert stored["tags"] == ["pain/onboarding", "auth"]
    assert [(c["tag"], c["coder"]) for c in stored["codings"]] == [
        ("pain/onboarding", "Ana"),
        ("pain/onboarding", "Bo"),
        ("auth", "Bo"),
    ]
    usage = tag_usage(store)
    assert usage["pain/onboarding"].coders == {"Ana": 1, "Bo": 1}
    assert usage["auth"].coders == {"Bo": 1}
