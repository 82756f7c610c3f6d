"""Renaming, merging and deleting tags across every session file, and usage counts."""

from __future__ import annotations

import errno
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.store.helpers import guide_doc, note_doc, session_doc
from tui.domain.notes import tag_key
from tui.services.tag_ops import (
    delete_tag,
    finish_tag_changes,
    merge_tags,
    rename_tag,
    tag_usage,
)
from tui.services.tagging import scope_session_ids
from tui.store import DataStore, StoreError

NOW = "2026-11-27T10:00:00.000Z"


def _session(store: DataStore, participant: str, study: str | None = None, n: int = 0) -> str:
    doc = session_doc(participant=participant, created_at=f"2026-01-{n + 1:02d}T10:00:00.000Z")
    if study:
        doc["study"] = study
    store.create_session(doc, guide_doc())
    return doc["id"]


def _every_tag(store: DataStore) -> list[str]:
    tags = []
    for summary in store.list_sessions()[0]:
        snap = store.open_session(summary.id).read()
        for doc in [*snap.notes, *snap.excerpts]:
            tags.extend(doc.get("tags") or [])
    return tags


def _populate(store: DataStore, sessions: int = 50, per_session: int = 20) -> None:
    """`sessions` files with `per_session` excerpts tagged pain/onbording each: half whole
    notes (inline #tag in the text), half span excerpts; every fifth also carries the merge
    target `pain/onboarding`, so a merge must fold duplicates rather than lose them."""
    store.codebook.ensure(["pain/onbording", "pain/onboarding", "need/export"], NOW)
    for s in range(sessions):
        sid = _session(store, f"P{s % 37}", n=s % 28)
        session_file = store.open_session(sid)
        notes = []
        for i in range(per_session // 2):
            extra = " #pain/onboarding" if i % 5 == 0 else ""
            notes.append(
                note_doc(
                    sid,
                    f"invite failed #pain/onbording{extra} step {i}",
                    started_at=f"2026-01-01T10:{i:02d}:00.000Z",
                )
            )
        session_file.append_notes(notes)
        plain_note = note_doc(sid, "they exported to a spreadsheet every friday")
        session_file.append_note(plain_note)
        for i in range(per_session - per_session // 2):
            tags = ["pain/onbording", "need/export"]
            if i % 5 == 0:
                tags.append("pain/onboarding")
            session_file.add_excerpt(
                {
                    "id": f"{sid}-x{i}",
                    "note_id": plain_note["id"],
                    "start": 5,
                    "end": 13,
                    "tags": tags,
                    "severity": 3,
                }
            )
        session_file.close()


def _assert_no_dangling(store: DataStore) -> None:
    known = {tag_key(t["name"]) for t in store.codebook.tags()}
    missing = {t for t in _every_tag(store) if tag_key(t) not in known}
    assert not missing


def test_rename_used_by_1000_excerpts_in_50_sessions_loses_none(tmp_path):
    store = DataStore(tmp_path)
    _populate(store)
    before = tag_usage(store)[tag_key("pain/onbording")]
    assert before.excerpts == 1000 and len(before.sessions) == 50

    changed = rename_tag(store, "pain/onbording", "pain/first-run", NOW)

    assert changed == 1000
    usage = tag_usage(store)
    assert tag_key("pain/onbording") not in usage
    assert usage["pain/first-run"].excerpts == 1000
    assert usage["pain/first-run"].sessions == before.sessions
    assert usage["pain/first-run"].participants == before.participants
    assert usage["pain/onboarding"].excerpts == 200  # untouched
    assert store.codebook.get("pain/onbording") is None
    assert store.codebook.get("pain/first-run") is not None
    _assert_no_dangling(store)
    # Inline tags in the note text follow, the rest of the text is as typed.
    snap = store.open_session(store.list_sessions()[0][0].id).read()
    texts = [n["text"] for n in snap.notes if n["text"].startswith("invite")]
    assert all("#pain/first-run" in t and "onbording" not in t for t in texts)
    assert "invite failed #pain/first-run #pain/onboarding step 0" in texts


def test_merge_used_by_1000_excerpts_in_50_sessions_loses_none(tmp_path):
    store = DataStore(tmp_path)
    _populate(store)
    store.codebook.record_use(["pain/onbording"] * 3, NOW)
    uses = (
        store.codebook.get("pain/onbording")["uses"] + store.codebook.get("pain/onboarding")["uses"]
    )
    changed = merge_tags(store, "pain/onbording", "pain/onboarding")

    assert changed == 1000
    usage = tag_usage(store)
    assert tag_key("pain/onbording") not in usage
    # 1000 excerpts had the source; 200 of them also had the target: still 1000, no doubles.
    assert usage["pain/onboarding"].excerpts == 1000
    assert len(usage["pain/onboarding"].sessions) == 50
    for summary in store.list_sessions()[0]:
        snap = store.open_session(summary.id).read()
        for doc in [*snap.notes, *snap.excerpts]:
            keys = [tag_key(t) for t in doc.get("tags") or []]
            assert len(keys) == len(set(keys))
    assert store.codebook.get("pain/onbording") is None
    assert store.codebook.get("pain/onboarding")["uses"] == uses
    _assert_no_dangling(store)


def test_rename_refuses_an_existing_name_and_changes_nothing(tmp_path):
    store = DataStore(tmp_path)
    _populate(store, sessions=2, per_session=4)
    before = sorted(_every_tag(store))
    with pytest.raises(StoreError, match="merge into it"):
        rename_tag(store, "pain/onbording", "Pain/Onboarding", NOW)
    assert sorted(_every_tag(store)) == before


@pytest.mark.parametrize(
    ("new", "why"),
    [("new name", "cannot contain spaces"), ("pain.onboarding", "not \u2018.\u2019")],
)
def test_rename_refuses_a_name_inline_tags_cannot_express(tmp_path, new, why):
    """`#new name` in a note's text reads back as the tag `new`: such a name is refused with a
    sentence, before anything changes."""
    store = DataStore(tmp_path)
    _populate(store, sessions=2, per_session=4)
    before = sorted(_every_tag(store))
    with pytest.raises(StoreError, match=why):
        rename_tag(store, "pain/onbording", new, NOW)
    assert sorted(_every_tag(store)) == before
    assert store.codebook.get(new) is None


def test_merge_into_a_tag_with_a_space_leaves_the_typed_text_alone(tmp_path):
    """A codebook imported from elsewhere may hold `Onboarding pain`: merging into it moves the
    tags, but rewriting `#pain/onbording` to `#Onboarding pain` would read as `#Onboarding`."""
    from tui.domain.notes import Note

    store = DataStore(tmp_path)
    sid = _session(store, "Ana")
    session = store.open_session(sid)
    session.append_note(note_doc(sid, "gave up #pain/onbording today"))
    store.codebook.ensure(["pain/onbording", "Onboarding pain"], NOW)
    merge_tags(store, "pain/onbording", "Onboarding pain", NOW)
    note = store.open_session(sid).read().notes[0]
    assert note["tags"] == ["Onboarding pain"]
    assert note["text"] == "gave up #pain/onbording today"
    assert list(Note.from_doc(note).retyped(note["text"] + "!", NOW).tags) == ["Onboarding pain"]


def test_a_merge_that_would_repeat_a_tag_in_the_words_shows_it_once_and_undoes(tmp_path):
    """`#sso #setup` merged `sso` into `setup` read `#setup #setup`: the text is never cut
    otherwise, so the tag the merge wrote stood twice in the words. The word the merge would
    repeat goes (with the space before it), the span after it keeps its words, one on that very
    word moves onto the word naming its tag, and the undo puts the words back as typed."""
    from tui.services.tag_ops import TagChange, undo_change

    store = DataStore(tmp_path)
    sid = _session(store, "Ana")
    session = store.open_session(sid)
    text = "the invite #sso #Setup never arrived"
    session.append_note({**note_doc(sid, text), "id": "n1"})
    start = text.index("never")
    session.add_excerpt(
        {"id": "e1", "note_id": "n1", "start": start, "end": len(text), "tags": ["sso"]}
    )
    at = text.index("#sso")  # a span on the very word that goes
    session.add_excerpt({"id": "e2", "note_id": "n1", "start": at, "end": at + 4, "tags": ["sso"]})
    session.close()
    store.codebook.ensure(["sso", "Setup"], NOW)
    before = _everything(store)
    undo = TagChange()
    merge_tags(store, "sso", "Setup", NOW, undo)
    snap = store.open_session(sid).read()
    (note,) = snap.notes
    assert note["text"] == "the invite #Setup never arrived"
    words = {e["id"]: note["text"][e["start"] : e["end"]] for e in snap.excerpts}
    # The span on the word that went is on the word naming its tag now, not on nothing.
    assert words == {"e1": "never arrived", "e2": "#Setup"}
    undo_change(store, undo)
    assert _everything(store) == before


def test_rename_changing_only_case_keeps_one_tag(tmp_path):
    store = DataStore(tmp_path)
    _populate(store, sessions=2, per_session=4)
    rename_tag(store, "pain/onbording", "Pain/Onbording", NOW)
    assert [t["name"] for t in store.codebook.tags()].count("Pain/Onbording") == 1
    assert "pain/onbording" not in _every_tag(store)
    assert tag_usage(store)["pain/onbording"].excerpts == 8


def test_rename_refuses_while_a_session_file_is_unreadable(tmp_path):
    store = DataStore(tmp_path)
    _populate(store, sessions=2, per_session=4)
    (store.sessions_dir / "broken.json").write_text("{not json")
    with pytest.raises(StoreError, match="cannot be read"):
        rename_tag(store, "pain/onbording", "pain/first-run", NOW)
    assert store.codebook.get("pain/first-run") is None
    assert store.codebook.get("pain/onbording") is not None


def crash_on_third_session_file(monkeypatch) -> None:
    """A rename or merge is interrupted (as by a kill) while rewriting the third session file."""
    from tui.store import session as session_module

    calls = {"n": 0}
    real = session_module.SessionFile.retag

    def dies_on_third(self, mapping, record=None):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, mapping, record)

    monkeypatch.setattr(session_module.SessionFile, "retag", dies_on_third)


def test_interrupted_rename_leaves_no_dangling_tag_and_can_be_rerun(tmp_path, monkeypatch):
    store = DataStore(tmp_path)
    _populate(store, sessions=5, per_session=4)
    crash_on_third_session_file(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        rename_tag(store, "pain/onbording", "pain/first-run", NOW)
    _assert_no_dangling(store)  # both tags are still in the codebook
    monkeypatch.undo()  # the process is back: run it again to finish
    merge_tags(store, "pain/onbording", "pain/first-run")
    assert tag_usage(store)["pain/first-run"].excerpts == 20
    _assert_no_dangling(store)


KILLED_ON_THIRD_FILE = """
import os, signal, sys
from pathlib import Path
from tui.services import tag_ops
from tui.store import DataStore, session

real, calls = session.SessionFile.retag, []

def dies_on_third(self, mapping, record=None):
    calls.append(1)
    if len(calls) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, mapping, record)

session.SessionFile.retag = dies_on_third
store, (op, *names) = DataStore(Path(sys.argv[1])), sys.argv[2:]
{"rename": lambda: tag_ops.rename_tag(store, *names, "2026-11-27T10:00:00.000Z"),
 "merge": lambda: tag_ops.merge_tags(store, *names),
 "delete": lambda: tag_ops.delete_tag(store, *names)}[op]()
"""


def _killed_on_third_file(home: Path, *args: str) -> None:
    """A real process doing a tag change, killed outright (SIGKILL) on its third file."""
    root = Path(__file__).resolve().parents[2]
    run = [sys.executable, "-c", KILLED_ON_THIRD_FILE, str(home), *args]
    done = subprocess.run(run, cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr


@pytest.mark.parametrize(
    ("change", "gone", "kept", "what"),
    [
        (
            ("rename", "pain/onbording", "pain/first-run"),
            "pain/onbording",
            "pain/first-run",
            "the rename of \u2018pain/onbording\u2019 to \u2018pain/first-run\u2019",
        ),
        (
            ("merge", "pain/onbording", "pain/onboarding"),
            "pain/onbording",
            "pain/onboarding",
            "the merge of \u2018pain/onbording\u2019 into \u2018pain/onboarding\u2019",
        ),
        (
            ("delete", "pain/onbording"),
            "pain/onbording",
            None,
            "the deletion of \u2018pain/onbording\u2019",
        ),
    ],
)
def test_a_change_killed_half_way_is_finished_by_the_next_process(
    tmp_path, change, gone, kept, what
):
    # kill -9 in the middle of a rename over the archive left two sessions renamed and the
    # rest not, both tags in the codebook, and nothing saying so: the themes, the exports
    # and the codebook split one code in two.
    store = DataStore(tmp_path)
    _populate(store, sessions=5, per_session=4)
    _killed_on_third_file(tmp_path, *change)
    half = [tag_key(t) for t in _every_tag(store)]
    assert tag_key(gone) in half  # half made: some files have it, some not
    _assert_no_dangling(store)

    again = DataStore(tmp_path)
    assert finish_tag_changes(again) == [what]

    every = [tag_key(t) for t in _every_tag(again)]
    assert tag_key(gone) not in every and again.codebook.get(gone) is None
    if kept is not None:
        assert tag_usage(again)[kept].excerpts == 20
    _assert_no_dangling(again)
    assert finish_tag_changes(DataStore(tmp_path)) == []  # finished once, and it says so once
    assert not list(tmp_path.glob(".tag-change-*"))


UNDO_KILLED_ON_THIRD_FILE = """
import os, signal, sys
from pathlib import Path
from tui.services import tag_ops
from tui.store import DataStore, session

store = DataStore(Path(sys.argv[1]))
change = tag_ops.TagChange()
tag_ops.rename_tag(store, "pain/onbording", "pain/first-run", "2026-11-27T10:00:00.000Z", change)
real, calls = session.SessionFile.restore, []

def dies_on_third(self, changes):
    calls.append(1)
    if len(calls) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, changes)

session.SessionFile.restore = dies_on_third
tag_ops.undo_change(store, change, "the rename of pain/onbording")
"""


def test_an_undo_killed_half_way_is_finished_by_the_next_process(tmp_path):
    # u after a rename over the archive, killed half-way, left some sessions renamed back
    # and some not, the undo's record gone with the process.
    store = DataStore(tmp_path)
    _populate(store, sessions=5, per_session=4)
    before = _everything(store)
    root = Path(__file__).resolve().parents[2]
    run = [sys.executable, "-c", UNDO_KILLED_ON_THIRD_FILE, str(tmp_path)]
    done = subprocess.run(run, cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr
    half = {tag_key(t) for t in _every_tag(store)}
    assert {"pain/onbording", "pain/first-run"} <= half

    again = DataStore(tmp_path)
    assert finish_tag_changes(again) == ["the undo of the rename of pain/onbording"]
    assert _everything(again) == before
    assert again.codebook.get("pain/first-run") is None
    assert again.codebook.get("pain/onbording") is not None


def test_a_merge_stopped_by_a_full_disk_is_finished_once_there_is_room(tmp_path, monkeypatch):
    from tui.store import session as session_module
    from tui.store.errors import WriteFailedError

    store = DataStore(tmp_path)
    _populate(store, sessions=5, per_session=4)
    real, calls = session_module.SessionFile.retag, []

    def full_on_third(self, mapping, record=None):
        calls.append(1)
        if len(calls) == 3:
            raise WriteFailedError(self.path, OSError(errno.ENOSPC, "No space left on device"))
        return real(self, mapping, record)

    monkeypatch.setattr(session_module.SessionFile, "retag", full_on_third)
    said = (
        "The merge of \u2018pain/onbording\u2019 into \u2018pain/onboarding\u2019 stopped "
        f"half-way because the disk is full ({tmp_path / 'sessions'}). To finish it, free some "
        "space, then open the codebook again or start Fieldnote again."
    )
    with pytest.raises(StoreError) as stopped:
        merge_tags(store, "pain/onbording", "pain/onboarding")
    assert str(stopped.value) == said
    calls.clear()  # still full: the finish fails the same way, and its record stays
    with pytest.raises(StoreError) as again:
        finish_tag_changes(store)
    assert str(again.value) == said
    assert len(list(tmp_path.glob(".tag-change-*.pending"))) == 1
    monkeypatch.undo()  # room again

    assert finish_tag_changes(store) == [
        "the merge of \u2018pain/onbording\u2019 into \u2018pain/onboarding\u2019"
    ]
    assert tag_key("pain/onbording") not in {tag_key(t) for t in _every_tag(store)}
    assert tag_usage(store)["pain/onboarding"].excerpts == 20
    _assert_no_dangling(store)


def test_a_change_still_running_in_another_process_is_left_to_it(tmp_path):
    store = DataStore(tmp_path)
    _populate(store, sessions=2, per_session=2)
    finished = []
    with store.changing_tags({"op": "delete", "what": "x", "name": "pain/onbording"}):
        assert DataStore(tmp_path).finish_tag_changes(finished.append) == []
    assert finished == [] and not list(tmp_path.glob(".tag-change-*"))


def test_delete_removes_the_tag_everywhere(tmp_path):
    store = DataStore(tmp_path)
    _populate(store, sessions=2, per_session=4)
    store.codebook.ensure(["unused"], NOW)
    assert delete_tag(store, "unused") == 0
    assert store.codebook.get("unused") is None
    delete_tag(store, "need/export")
    assert "need/export" not in {tag_key(t) for t in _every_tag(store)}
    _assert_no_dangling(store)


def test_usage_counts_excerpts_sessions_and_participants(tmp_path):
    store = DataStore(tmp_path)
    a = _session(store, "Ana", n=1)
    b = _session(store, "ana", n=2)  # the same participant, interviewed twice
    c = _session(store, "Ben", n=3)
    for sid in (a, b, c):
        f = store.open_session(sid)
        note = note_doc(sid, "slow export #need/export")
        f.append_note(note)
        f.add_excerpt(
            {"id": sid + "x", "note_id": note["id"], "start": 0, "end": 4, "tags": ["need/export"]}
        )
    usage = tag_usage(store)["need/export"]
    # Each note's span stands for it (one excerpt of the tag, as in the themes); each coding
    # is still its coder's.
    assert usage.excerpts == 3
    assert usage.sessions == {a, b, c}
    assert len(usage.participants) == 2
    assert sum(usage.coders.values()) == 6
    assert tag_usage(store, [a])["need/export"].excerpts == 1


def test_usage_counts_a_span_on_a_cue_and_none_whose_note_was_deleted(tmp_path):
    """A note deleted keeps its spans (the undo brings them back, and a merge with another
    laptop may leave them): the codebook counted them while no theme, export or report did."""
    store = DataStore(tmp_path)
    sid = _session(store, "Ana")
    f = store.open_session(sid)
    kept, deleted = note_doc(sid, "slow export"), note_doc(sid, "gone")
    f.append_notes([kept, deleted])
    cue = {"id": "c1", "start": 1.0, "end": 2.0, "speaker": "Ana", "text": "It is slow"}
    recording = {"id": "recording", "source": "a.vtt", "media": None, "cues": [cue]}
    f.attach_recording({**recording, "attached_at": "2026-11-27T10:00:00.000Z"}, None)
    for number, note_id in enumerate((kept["id"], deleted["id"], "c1")):
        f.add_excerpt(
            {"id": f"x{number}", "note_id": note_id, "start": 0, "end": 4, "tags": ["need"]}
        )
    f.delete_note(deleted["id"])
    f.close()
    assert tag_usage(store)["need"].excerpts == 2


def test_usage_counts_a_cue_for_the_participant_only_when_they_said_it(tmp_path):
    """The analysis counts a coded cue (or an imported transcript's line) for the participant
    only when they spoke it: the interviewer's words raised it for nobody. The codebook said
    "1 person" where the themes said "0 of 1"."""
    from tui.services.analysis import StudyAnalysis

    store = DataStore(tmp_path)
    sid = _session(store, "Ana")
    f = store.open_session(sid)
    line = {**note_doc(sid, "Interviewer: so it is slow?"), "kind": "transcript", "author": "Bo"}
    f.append_notes([line])
    cues = [
        {"id": "c1", "start": 1.0, "end": 2.0, "speaker": "Bo", "text": "Is it slow?"},
        {"id": "c2", "start": 2.0, "end": 3.0, "speaker": "ana", "text": "It is slow"},
    ]
    recording = {"id": "recording", "source": "a.vtt", "media": None, "cues": cues}
    f.attach_recording({**recording, "attached_at": NOW}, None)
    f.change_note(line["id"], lambda doc: {**doc, "tags": ["asked"]})
    for number, (note_id, tag) in enumerate((("c1", "asked"), ("c2", "said"))):
        f.add_excerpt({"id": f"x{number}", "note_id": note_id, "start": 0, "end": 2, "tags": [tag]})
    f.close()
    usage = tag_usage(store)
    themes = {t.key: t for t in StudyAnalysis(store).refresh(force=True).analysis.themes}
    assert (usage["asked"].excerpts, len(usage["asked"].participants)) == (2, 0)
    assert (themes["asked"].excerpts, themes["asked"].participants) == (2, 0)
    assert (usage["said"].excerpts, len(usage["said"].participants)) == (1, 1)
    assert (themes["said"].excerpts, themes["said"].participants) == (1, 1)


def test_scopes_one_session_a_study_or_all(tmp_path):
    store = DataStore(tmp_path)
    s1 = _session(store, "A", study="trial", n=1)
    s2 = _session(store, "B", study="trial", n=2)
    s3 = _session(store, "C", study="money", n=3)
    assert scope_session_ids(store, "session", s1) == [s1]
    assert scope_session_ids(store, "study", s2) == [s1, s2]
    assert scope_session_ids(store, "all", s1) == [s1, s2, s3]
    assert scope_session_ids(store, "all") == [s1, s2, s3]


def test_rename_carries_sub_tags_and_merges_a_clashing_one(tmp_path):
    store = DataStore(tmp_path)
    sid = _session(store, "Ana")
    store.codebook.ensure(
        ["pain/onbording", "pain/onbording/sso", "pain/onbording/invite", "pain/invite"]
        + ["pain/onbordingx"],
        NOW,
    )
    f = store.open_session(sid)
    f.append_notes(
        [
            note_doc(sid, "sso broke #pain/onbording/sso", started_at="2026-01-01T10:01:00Z"),
            note_doc(sid, "invite lost #pain/onbording/invite", started_at="2026-01-01T10:02:00Z"),
            note_doc(sid, "again #pain/invite", started_at="2026-01-01T10:03:00Z"),
            note_doc(sid, "pain/onbordingx is not a child #pain/onbordingx"),
        ]
    )
    rename_tag(store, "pain/onbording", "pain", NOW)
    names = {t["name"] for t in store.codebook.tags()}
    assert names == {"pain", "pain/sso", "pain/invite", "pain/onbordingx"}
    tags = sorted(t for n in store.open_session(sid).read().notes for t in n["tags"])
    assert tags == ["pain/invite", "pain/invite", "pain/onbordingx", "pain/sso"]
    _assert_no_dangling(store)


def test_codebook_key_index_follows_own_and_other_writes(tmp_path):
    from tui.store import Codebook

    mine, theirs = Codebook(tmp_path / "codebook.json"), Codebook(tmp_path / "codebook.json")
    mine.ensure(["a", "b"], NOW)
    mine.update("a", {"name": "A2"})
    mine.record_use(["a2", "c"], NOW)  # the renamed tag by its new name; a new one
    theirs.ensure(["d"], NOW)  # another process adds a tag
    mine.record_use(["D", "b"], NOW)
    mine.delete("c")
    mine.ensure(["c"], NOW)
    names = sorted(t["name"] for t in mine.tags())
    assert names == ["A2", "b", "c", "d"]
    assert {t["name"]: t["uses"] for t in mine.tags()} == {"A2": 1, "b": 1, "c": 0, "d": 1}


def test_merge_carries_sub_tags_and_merges_a_clashing_one(tmp_path):
    store = DataStore(tmp_path)
    sid = _session(store, "Ana")
    store.codebook.ensure(
        ["pain/onboard", "pain/onboard/sso", "pain/onboard/invite/email", "pain/onboarding"]
        + ["Pain/Onboarding/Invite/Email", "pain/onboardx"],
        NOW,
    )
    store.codebook.update("pain/onboard/sso", {"description": "single sign-on", "color": "red"})
    for _ in range(2):
        store.codebook.record_use(["pain/onboard/invite/email"], NOW)
    f = store.open_session(sid)
    first, second, third = (
        note_doc(sid, "sso broke #pain/onboard/sso", started_at="2026-01-01T10:01:00Z"),
        note_doc(sid, "lost #pain/onboard/invite/email", started_at="2026-01-01T10:02:00Z"),
        note_doc(sid, "not a child #pain/onboardx", started_at="2026-01-01T10:03:00Z"),
    )
    f.append_notes([first, second, third])
    f.add_excerpt(
        {"id": "x1", "note_id": first["id"], "start": 0, "end": 3, "tags": ["pain/onboard"]}
    )

    assert merge_tags(store, "pain/onboard", "pain/onboarding") == 3
    names = {t["name"] for t in store.codebook.tags()}
    assert names == {
        "pain/onboarding",
        "pain/onboarding/sso",
        "Pain/Onboarding/Invite/Email",
        "pain/onboardx",
    }
    # A sub-tag new under the target keeps its description and colour; one that existed
    # takes the source's counts and keeps its own spelling.
    sso = store.codebook.get("pain/onboarding/sso")
    assert (sso["description"], sso["color"]) == ("single sign-on", "red")
    assert store.codebook.get("pain/onboarding/invite/email")["uses"] == 2
    snap = store.open_session(sid).read()
    notes = {n["id"]: n for n in snap.notes}
    assert notes[first["id"]]["tags"] == ["pain/onboarding/sso"]
    assert notes[first["id"]]["text"] == "sso broke #pain/onboarding/sso"
    assert notes[second["id"]]["tags"] == ["Pain/Onboarding/Invite/Email"]
    assert notes[third["id"]]["tags"] == ["pain/onboardx"]
    assert snap.excerpts[0]["tags"] == ["pain/onboarding"]
    _assert_no_dangling(store)


def test_interrupted_merge_with_sub_tags_leaves_no_dangling_tag_and_can_be_rerun(
    tmp_path, monkeypatch
):
    store = DataStore(tmp_path)
    store.codebook.ensure(["pain/onboard", "pain/onboard/sso", "pain/onboarding"], NOW)
    ids = []
    for n in range(4):
        sid = _session(store, f"P{n}", n=n)
        store.open_session(sid).append_note(note_doc(sid, "sso #pain/onboard/sso"))
        ids.append(sid)
    crash_on_third_session_file(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        merge_tags(store, "pain/onboard", "pain/onboarding")
    # The new sub-tag was created before any file changed, the old one is still there.
    assert store.codebook.get("pain/onboarding/sso") is not None
    assert store.codebook.get("pain/onboard/sso") is not None
    _assert_no_dangling(store)
    monkeypatch.undo()  # the process is back: run it again to finish
    merge_tags(store, "pain/onboard", "pain/onboarding")
    assert tag_usage(store)["pain/onboarding/sso"].excerpts == 4
    assert store.codebook.get("pain/onboard/sso") is None
    _assert_no_dangling(store)


def test_merge_into_its_own_sub_tag_is_refused_and_changes_nothing(tmp_path):
    store = DataStore(tmp_path)
    store.codebook.ensure(["pain", "pain/sso"], NOW)
    with pytest.raises(StoreError, match="sub-tag"):
        merge_tags(store, "pain", "pain/sso")
    assert {t["name"] for t in store.codebook.tags()} == {"pain", "pain/sso"}


def _everything(store: DataStore) -> tuple[list, list]:
    """Every note and excerpt of every session, and the codebook's tag names."""
    docs = []
    for summary in sorted(store.list_sessions()[0], key=lambda s: s.id):
        snap = store.open_session(summary.id).read()
        docs += sorted([*snap.notes, *snap.excerpts], key=lambda d: d["id"])
    return docs, sorted(t["name"] for t in store.codebook.tags())


@pytest.mark.parametrize("change", ["rename", "merge"])
def test_a_rename_or_merge_is_undone_exactly(tmp_path, change):
    # A merge could not be taken back: which notes had had the merged tag was gone.
    from tui.services.tag_ops import TagChange, undo_change

    store = DataStore(tmp_path)
    _populate(store, sessions=3, per_session=6)
    store.codebook.ensure(["pain/onbording/sso"], NOW)
    before = _everything(store)
    undo = TagChange()
    if change == "rename":
        rename_tag(store, "pain/onbording", "pain/first-run", NOW, undo)
    else:
        merge_tags(store, "pain/onbording", "pain/onboarding", NOW, undo)
    assert _everything(store) != before
    assert undo_change(store, undo) == (sum(len(d) for d in undo.files.values()), 0)
    assert _everything(store) == before
    _assert_no_dangling(store)


def test_an_undo_leaves_a_note_changed_since_as_it_is(tmp_path):
    from tui.services.tag_ops import TagChange, undo_change

    store = DataStore(tmp_path)
    _populate(store, sessions=1, per_session=4)
    undo = TagChange()
    rename_tag(store, "pain/onbording", "pain/first-run", NOW, undo)
    (session_id,) = undo.files
    _, first, _ = undo.files[session_id][0]
    session_file = store.open_session(session_id)
    session_file.update_note(first["id"], {"text": first["text"] + " edited since"})
    session_file.close()
    back, kept = undo_change(store, undo)
    assert kept == 1 and back == len(undo.files[session_id]) - 1
    assert store.codebook.get("pain/first-run") is not None  # the edited note still has it
    assert store.codebook.get("pain/onbording") is not None
    _assert_no_dangling(store)


def test_an_export_after_a_rename_killed_half_way_has_one_tag_and_says_why(
    tmp_path, monkeypatch, capsys
):
    from tui.cli import main

    store = DataStore(tmp_path / "home")
    _populate(store, sessions=4, per_session=2)
    _killed_on_third_file(tmp_path / "home", "rename", "pain/onbording", "pain/first-run")
    monkeypatch.setenv("FIELDNOTE_HOME", str(tmp_path / "home"))
    out = tmp_path / "coded.csv"
    assert main(["export", "--all", "--format", "csv", "-o", str(out)]) == 0
    said = capsys.readouterr().err
    assert "Finished the rename of \u2018pain/onbording\u2019 to \u2018pain/first-run\u2019" in said
    exported = out.read_text(encoding="utf-8")
    assert "pain/first-run" in exported and "pain/onbording" not in exported
