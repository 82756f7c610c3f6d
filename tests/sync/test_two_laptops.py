"""Two researchers code the same interview on their own laptops and sync through a bare remote."""

from __future__ import annotations

import pytest

from tests.sync.laptops import Laptop, assert_whole_and_plain, bare_remote, copy_of, environment
from tui.domain.analysis import SessionInput, analyse
from tui.domain.codings import own_codings_of
from tui.services.tag_ops import merge_tags, rename_tag
from tui.services.team.agreement import compute, load, resolve, unresolve
from tui.store import DataStore


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """Ana's interview with two notes, shared with Bo through a remote, once a module (with a
    study index of its own): each test gets a copy (`laptops`)."""
    template = tmp_path_factory.mktemp("laptops")
    remote = bare_remote(template / "study.git")
    ana, bo = Laptop(template / "ana", "ana"), Laptop(template / "bo", "bo")
    with environment(FIELDNOTE_CACHE=str(tmp_path_factory.mktemp("cache"))):
        session_id = ana.ok("new", "Onboarding - P7", "--participant", "P7").strip()
        first = ana.note(session_id, "the invite never arrived #setup")
        second = ana.note(session_id, "they compare us with a spreadsheet")
        ana.ok("sync", "init", "--remote", str(remote), "--as", "ana")
        joined = bo.cli("sync", "init", "--remote", str(remote), "--as", "bo")
    assert joined.code == 0, joined.err
    return template, session_id, first, second


@pytest.fixture
def laptops(shared, tmp_path):
    template, session_id, first, second = shared
    copy_of(template, tmp_path)
    return Laptop(tmp_path / "ana", "ana"), Laptop(tmp_path / "bo", "bo"), session_id, first, second


def sync_in_turn(one, two) -> dict[str, str]:
    """`one` syncs, then `two`, then `one` again (each takes the other's changes): what each
    said at its last sync, by laptop name."""
    said = {}
    for laptop in (one, two, one):
        ran = laptop.sync()
        assert ran.code == 0, ran.err
        said[laptop.name] = ran.out
    return said


def settle_and_sync(ana, bo, *, take_other: bool, alone: bool = True) -> dict:
    """Ana decides the codebook's undecided tag (`o` when `take_other`, else `k`), then the
    two laptops sync in turn: the export both then give. `alone`: it was the only undecided
    value, so none is left after."""
    from tui.services.sync.undecided import TeamSync

    store = ana.store()
    team = TeamSync(store, "ana")
    (item,) = [i for i in team.undecided() if i.table == "tags"]
    team.settle(item, take_other=take_other)
    store.codebook.close()
    left = team.undecided()
    assert (left if alone else [i for i in left if i.table == "tags"]) == []
    sync_in_turn(ana, bo)
    exports = [ana.export(), bo.export()]
    assert exports[0] == exports[1]
    return exports[0]


def _coding_set(export: dict) -> set[tuple[str, str, str]]:
    found = set()
    for session in export["sessions"]:
        for doc in [*session["notes"], *session["excerpts"]]:
            for coding in doc.get("codings") or []:
                found.add((doc["id"], coding["tag"], coding["coder"]))
    return found


@pytest.mark.parametrize("first_to_sync", ["ana", "bo"])
def test_parallel_coding_merges_to_the_same_study_in_both_orders(laptops, first_to_sync):
    ana, bo, session_id, first, second = laptops
    assert (bo.home / "sessions" / f"{session_id}.json").exists()  # joined: the study came over

    # In parallel: different notes, the same note with different tags, a span each,
    # one renames a tag the other is using.
    ana_note = ana.note(session_id, "setup took two days #sso")
    bo_note = bo.note(session_id, "would pay for fewer steps #setup")
    ana.code(session_id, first, "pricing", "2026-12-01T10:00:00.000Z")
    bo.code(session_id, first, "onboarding", "2026-12-01T10:00:01.000Z")
    bo.code(session_id, first, "setup", "2026-12-01T10:00:02.000Z")
    ana_span = ana.span(session_id, second, 0, 4, "trust", "2026-12-01T10:00:03.000Z")
    bo_span = bo.span(session_id, second, 5, 12, "speed", "2026-12-01T10:00:04.000Z")
    store = DataStore(ana.home)
    rename_tag(store, "setup", "install", "2026-12-01T10:00:05.000Z")
    store.codebook.close()

    one, other = (ana, bo) if first_to_sync == "ana" else (bo, ana)
    for laptop in (one, other, one):
        ran = laptop.sync()
        assert ran.code == 0, ran.err
        assert ran.out == ""  # nothing the merge could not decide

    exports = [ana.export(), bo.export()]
    assert exports[0] == exports[1]
    codings = _coding_set(exports[0])
    assert {
        (first, "pricing", "ana"),
        (first, "onboarding", "bo"),
        (first, "install", "bo"),  # applied as `setup` while ana renamed it
        (ana_span, "trust", "ana"),
        (bo_span, "speed", "bo"),
    } <= codings
    notes = {n["id"]: n for n in exports[0]["sessions"][0]["notes"]}
    assert {first, second, ana_note, bo_note} <= set(notes)
    assert notes[bo_note]["text"] == "would pay for fewer steps #install"
    assert "install" in notes[bo_note]["tags"] and "setup" not in notes[bo_note]["tags"]
    assert notes[first]["text"] == "the invite never arrived #install"
    names = {tag["name"] for tag in exports[0]["codebook"]}
    assert "install" in names and "setup" not in names

    for laptop in (ana, bo):
        assert_whole_and_plain(laptop)
        assert laptop.git("status", "--porcelain") == ""
    # One commit per sync that had something to share: ana's init, then the two syncs.
    assert ana.git("rev-list", "--count", "HEAD").strip() == "3"
    assert ana.git("rev-list", "--merges", "--count", "HEAD").strip() == "0"
    assert ana.git("rev-parse", "HEAD") == bo.git("rev-parse", "HEAD")


@pytest.mark.parametrize("first_to_sync", ["ana", "bo"])
def test_the_old_name_applied_where_the_rename_never_looked_follows_it(laptops, first_to_sync):
    """Ana renames `setup` while Bo goes on applying it: in a session that held no `setup`
    when Ana renamed (her rename left its file as it was) and in a session Bo starts. The sync
    took Bo's version of those files as it was: Bo's codings stayed under `setup`, a tag no
    longer in the codebook, so the codebook and the tag picker lost them while the analysis
    counted a theme no one could find."""
    ana, bo, session_id, first, second = laptops
    bo.code(session_id, second, "setup", "2026-12-01T10:00:01.000Z")
    other = bo.ok("new", "Onboarding - P8", "--participant", "P8").strip()
    started = bo.note(other, "no invite again #setup")
    store = DataStore(ana.home)
    rename_tag(store, "setup", "install", "2026-12-01T10:00:05.000Z")
    store.codebook.close()

    sync_in_turn(*((ana, bo) if first_to_sync == "ana" else (bo, ana)))

    exports = [ana.export(), bo.export()]
    assert exports[0] == exports[1]
    assert {t["name"] for t in exports[0]["codebook"]} >= {"install"}
    assert "setup" not in {t["name"] for t in exports[0]["codebook"]}
    assert {(second, "install", "bo"), (started, "install", "bo")} <= _coding_set(exports[0])
    assert not any(tag == "setup" for _, tag, _ in _coding_set(exports[0]))
    notes = {n["id"]: n for s in exports[0]["sessions"] for n in s["notes"]}
    assert notes[started]["text"] == "no invite again #install"
    for laptop in (ana, bo):
        assert_whole_and_plain(laptop)
        assert laptop.git("status", "--porcelain") == ""


@pytest.mark.parametrize("first_to_sync", ["ana", "bo"])
def test_two_coders_rating_one_note_on_two_laptops_keep_both_ratings(laptops, first_to_sync):
    ana, bo, session_id, first, second = laptops
    ana.rate(session_id, first, 4, "2026-12-01T10:00:00.000Z")
    bo.rate(session_id, first, 1, "2026-12-01T10:00:01.000Z")
    bo.rate(session_id, first, 2, "2026-12-01T10:00:02.000Z")  # Bo's latest is his rating
    bo.rate(session_id, second, 5, "2026-12-01T10:00:03.000Z")
    one, other = (ana, bo) if first_to_sync == "ana" else (bo, ana)
    for laptop in (one, other, one):
        ran = laptop.sync()
        assert ran.code == 0, ran.err
        assert ran.out == ""  # nothing undecided: neither rating replaced the other
    exports = [ana.export(), bo.export()]
    assert exports[0] == exports[1]
    notes = {n["id"]: n for n in exports[0]["sessions"][0]["notes"]}
    rated = notes[first]
    assert {r["coder"]: r["severity"] for r in rated["ratings"]} == {"ana": 4, "bo": 2}
    assert rated["severity"] == 2 and "conflicts" not in rated
    assert [(r["coder"], r["severity"]) for r in notes[second]["ratings"]] == [("bo", 5)]


def test_one_field_edited_on_both_sides_keeps_the_later_edit_and_lists_the_other(laptops):
    ana, bo, session_id, first, _ = laptops
    for laptop, text, at in (
        (ana, "the invite arrived late #setup", "2026-12-01T09:00:00.000Z"),
        (bo, "the invite never arrived at all #setup", "2026-12-01T11:00:00.000Z"),
    ):
        laptop.edit(session_id, first, text, at)
    assert ana.sync().code == 0
    assert bo.sync().code == 0
    assert ana.sync().code == 0
    exports = [ana.export(), bo.export()]
    assert exports[0] == exports[1]
    note = next(n for n in exports[0]["sessions"][0]["notes"] if n["id"] == first)
    assert note["text"] == "the invite never arrived at all #setup"
    status = ana.ok("sync", "status")
    undecided = [line for line in status.splitlines() if line.startswith("undecided:")]
    assert len(undecided) == 1
    assert "text" in undecided[0] and "the invite arrived late" in undecided[0]
    assert "0 commit(s) to push, 0 to pull." in status


def test_status_says_what_is_ahead_and_behind(laptops):
    ana, bo, session_id, _, _ = laptops
    ana.note(session_id, "one more")
    status = ana.ok("sync", "status")
    assert "1 file(s) changed here since the last sync." in status  # in the journal, unfolded
    assert ana.sync().code == 0
    assert "0 commit(s) to push, 1 to pull." in bo.ok("sync", "status")


def test_a_tag_renamed_differently_on_each_laptop_is_undecided_until_settled(laptops):
    ana, bo, session_id, first, _ = laptops
    for laptop, name in ((ana, "install"), (bo, "onboarding")):
        store = DataStore(laptop.home)
        rename_tag(store, "setup", name, "2026-12-01T10:00:00.000Z")
        store.codebook.close()
    for laptop in (ana, bo, ana):
        assert laptop.sync().code == 0
    status = ana.ok("sync", "status")
    assert "codebook tags install: name is 'install'; the other side had 'onboarding'" in status

    exports = [settle_and_sync(ana, bo, take_other=True)]
    note = next(n for n in exports[0]["sessions"][0]["notes"] if n["id"] == first)
    assert note["text"] == "the invite never arrived #onboarding"
    assert {t["name"] for t in exports[0]["codebook"]} == {"onboarding"}


@pytest.mark.parametrize("first_to_sync", ["ana", "bo"])
def test_one_tag_merged_into_two_different_tags_swallows_neither(laptops, first_to_sync):
    """Ana merges `setup` into `install`, Bo merges it into `onboarding`: two tags each had
    before, with excerpts of their own. The sync took it for two renames of `setup` and
    renamed the name that sorts last into the other: every `onboarding` excerpt of the study,
    and its `#onboarding` in the notes' text, became `install`, a merge nobody made."""

    ana, bo, session_id, first, second = laptops
    installed = ana.note(session_id, "took two days #install")
    onboarded = ana.note(session_id, "the first week was hard #onboarding")
    assert ana.sync().code == 0 and bo.sync().code == 0
    for laptop, target in ((ana, "install"), (bo, "onboarding")):
        store = laptop.store()
        merge_tags(store, "setup", target, "2026-12-01T10:00:00.000Z")
        store.codebook.close()
    sync_in_turn(*((ana, bo) if first_to_sync == "ana" else (bo, ana)))

    exports = [ana.export(), bo.export()]
    assert exports[0] == exports[1]
    assert {t["name"] for t in exports[0]["codebook"]} == {"install", "onboarding"}
    notes = {n["id"]: n for n in exports[0]["sessions"][0]["notes"]}
    assert notes[installed]["tags"] == ["install"]
    assert notes[onboarded]["tags"] == ["onboarding"]
    assert notes[onboarded]["text"] == "the first week was hard #onboarding"
    # Each laptop's merge stands until the team decides: the excerpt carries both.
    assert sorted(notes[first]["tags"]) == ["install", "onboarding"]
    status = ana.ok("sync", "status")
    assert (
        "codebook tags install: 'setup' was merged into 'install' on one laptop and into "
        "'onboarding' on another; its excerpts carry both" in status
    )

    # `o`: `setup` belongs in `onboarding`.
    exports = [settle_and_sync(ana, bo, take_other=True, alone=False)]
    notes = {n["id"]: n for n in exports[0]["sessions"][0]["notes"]}
    assert notes[first]["tags"] == ["onboarding"]
    assert notes[installed]["tags"] == ["install"]
    assert {t["name"] for t in exports[0]["codebook"]} == {"install", "onboarding"}


def test_a_tag_renamed_here_and_merged_there_keeps_the_tag_it_was_merged_into(laptops):
    """Ana renames `setup` to `a-setup`, Bo merges it into `onboarding`, a tag with excerpts
    of its own: the name that sorted first won, and `onboarding` itself was renamed away."""

    ana, bo, session_id, first, _ = laptops
    onboarded = ana.note(session_id, "the first week was hard #onboarding")
    assert ana.sync().code == 0 and bo.sync().code == 0
    store = ana.store()
    rename_tag(store, "setup", "a-setup", "2026-12-01T10:00:00.000Z")
    store.codebook.close()
    store = bo.store()
    merge_tags(store, "setup", "onboarding", "2026-12-01T10:00:00.000Z")
    store.codebook.close()
    for laptop in (ana, bo, ana):
        assert laptop.sync().code == 0
    exports = [ana.export(), bo.export()]
    assert exports[0] == exports[1]
    assert {t["name"] for t in exports[0]["codebook"]} == {"onboarding"}
    notes = {n["id"]: n for n in exports[0]["sessions"][0]["notes"]}
    assert notes[onboarded]["text"] == "the first week was hard #onboarding"
    assert notes[first]["tags"] == ["onboarding"]


def test_a_value_left_undecided_is_reported_by_the_sync_that_brings_it_only(laptops):
    """A sync reports the values its merge left undecided. It also reported, as undecided
    again, every value still unsettled in any file it took in: each later sync that brought
    one new note into that session said "1 value(s) undecided" and printed the old line, as if
    the coders had clashed once more."""
    ana, bo, session_id, first, _ = laptops
    for laptop, text, at in (
        (ana, "the invite arrived late #setup", "2026-12-01T09:00:00.000Z"),
        (bo, "the invite never arrived at all #setup", "2026-12-01T11:00:00.000Z"),
    ):
        laptop.edit(session_id, first, text, at)
    assert ana.sync().code == 0
    clashed = bo.sync()
    assert "1 value(s) undecided" in clashed.err and "undecided:" in clashed.out
    # and what to do about them: the key that settles them is not in the screen's footer
    assert "settle them with U on the sessions screen" in clashed.err
    assert "Settle them with U on the sessions screen." in bo.ok("sync", "status")
    received = ana.sync()  # the merged file, with the undecided value, is new here
    assert "1 value(s) undecided" in received.err and "undecided:" in received.out
    bo.note(session_id, "one more note, no clash")
    assert bo.sync().code == 0
    again = ana.sync()
    assert again.code == 0, again.err
    assert "took in 1 file(s)" in again.err
    assert "undecided" not in again.err and again.out == ""
    assert "undecided:" in ana.ok("sync", "status")  # still there to settle


def test_two_laptops_timing_one_interview_leave_no_clock_value_undecided(laptops):
    """Both interviewers had the session open, each laptop running its own interview clock:
    the merge kept one clock and listed the other's `banked`, `running_since` and
    `closed_at` as undecided ("clock.banked is '21.96'; the other side had '21.949'"), values
    nobody can settle, on every such interview. Where each laptop's clock stood is no one's
    decision, as where each stood in the guide is not: one clock is kept, alike on both."""
    ana, bo, session_id, _, _ = laptops
    for laptop, banked, closed in (
        (ana, 1801.96, "2026-12-01T10:30:01.873Z"),
        (bo, 1801.949, "2026-12-01T10:30:01.861Z"),
    ):
        store = laptop.store()
        session = store.open_session(session_id)
        clock = {"banked": banked, "running_since": None, "closed_at": closed}
        session.update_session({"clock": {"recording_offset": 0.0, **clock}})
        session.close()
        store.codebook.close()
    assert ana.sync().code == 0
    merged = bo.sync()
    assert merged.code == 0, merged.err
    assert "undecided" not in merged.err and merged.out == ""
    assert ana.sync().code == 0
    assert "undecided" not in ana.ok("sync", "status")
    exports = [ana.export(), bo.export()]
    assert exports[0] == exports[1]


def test_a_session_removed_on_the_remote_stays_while_it_is_open_here(laptops):
    """Bo removes a session file by hand (Fieldnote itself never removes one) and syncs,
    while Ana has that interview open. Her sync removed the file from under the open
    interview: every note she typed next stayed unsaved ("The session file ... no longer
    exists"). A session open here outweighs a removal there, as a change made here does: it
    stays, and goes back to the remote."""
    from tui.store.presence import Presence

    ana, bo, session_id, _, _ = laptops
    for path in (bo.home / "sessions").glob(f"{session_id}.json*"):
        path.unlink()
    assert bo.sync().code == 0
    interview = Presence(ana.home / "sessions" / f"{session_id}.json", "ana")
    interview.start()  # the heartbeat an open interview keeps
    try:
        kept = ana.sync()
        assert kept.code == 0, kept.err
        assert (ana.home / "sessions" / f"{session_id}.json").is_file()
        typed = ana.note(session_id, "typed during the interview")
    finally:
        interview.stop()
    assert typed
    assert ana.sync().code == 0
    assert bo.sync().code == 0
    notes = {n["text"] for s in bo.export()["sessions"] for n in s["notes"]}
    assert "typed during the interview" in notes


def test_two_long_texts_that_differ_near_the_end_are_told_apart_when_undecided(laptops):
    """Each undecided value was cut after 59 characters: two edits of a long note that differ
    only further on read as the same text twice (`text is 'They check a day list printed
    from Quaymark at 6am and pinn…'; the other side had` the same), leaving nothing to choose
    by. Each is now shown from a little before where they part."""
    ana, bo, session_id, first, _ = laptops
    start = "They check a day list printed from Quaymark at six and pin it up by the dock doors, "
    for laptop, end, at in (
        (ana, "then the planners cross slots off by hand", "2026-12-01T09:00:00.000Z"),
        (bo, "then the drivers cross slots off by hand", "2026-12-01T11:00:00.000Z"),
    ):
        laptop.edit(session_id, first, start + end, at)
    assert ana.sync().code == 0 and bo.sync().code == 0
    (line,) = [x for x in bo.ok("sync", "status").splitlines() if x.startswith("undecided:")]
    assert "the drivers cross slots" in line and "the planners cross slots" in line
    assert "…" in line  # still cut, from near where the two part


def test_an_undecided_value_s_escapes_and_line_breaks_read_as_symbols_on_its_one_line(laptops):
    """`sync status` quoted each undecided value with repr(): an escape read `\\x1b[31m`, a line
    break `\\n`, inert but not what the note shows. They now read as the symbols every other
    line shows (␛, ⏎), and the value stays on its undecided line."""
    ana, bo, session_id, first, _ = laptops
    for laptop, text, at in (
        (ana, "first\nsecond \x1b[31mred", "2026-12-01T09:00:00.000Z"),
        (bo, "the invite never arrived", "2026-12-01T11:00:00.000Z"),
    ):
        laptop.edit(session_id, first, text, at)
    assert ana.sync().code == 0 and bo.sync().code == 0
    status = bo.ok("sync", "status")
    (line,) = [x for x in status.splitlines() if x.startswith("undecided:")]
    assert "'first\u23cesecond \u241b[31mred'" in line, line
    assert "\\x1b" not in status and "\\n" not in status and "\x1b" not in status


@pytest.mark.parametrize("first_to_sync", ["ana", "bo"])
def test_two_tags_merged_each_into_the_other_end_as_one(laptops, first_to_sync):
    """Ana merges `setup` into `onboarding` while Bo merges `onboarding` into `setup`: both
    made the two one tag. The two renames cancelled out: both tags stayed, and each note took
    the other's tag (the note typed `#setup` read `#onboarding` and the other way round), with
    nothing listed as undecided."""
    ana, bo, session_id, first, _ = laptops
    onboarded = ana.note(session_id, "the first week was hard #onboarding")
    assert ana.sync().code == 0 and bo.sync().code == 0
    for laptop, source, target in ((ana, "setup", "onboarding"), (bo, "onboarding", "setup")):
        store = laptop.store()
        merge_tags(store, source, target, "2026-12-01T10:00:00.000Z")
        store.codebook.close()
    sync_in_turn(*((ana, bo) if first_to_sync == "ana" else (bo, ana)))

    exports = [ana.export(), bo.export()]
    assert exports[0] == exports[1]
    assert {t["name"] for t in exports[0]["codebook"]} == {"onboarding"}
    notes = {n["id"]: n for n in exports[0]["sessions"][0]["notes"]}
    assert notes[first]["tags"] == notes[onboarded]["tags"] == ["onboarding"]
    assert notes[first]["text"] == "the invite never arrived #onboarding"
    status = ana.ok("sync", "status")
    assert "codebook tags onboarding: name is 'onboarding'; the other side had 'setup'" in status


@pytest.mark.parametrize("own_at", ["2026-12-01T10:03:00.000Z", "2026-12-01T10:07:00.000Z"])
def test_a_settlement_and_the_resolvers_own_coding_of_its_tag_both_survive(laptops, own_at):
    """Ana settles how Bo and Cy differ on #pricing on a note (keeping Bo's) while, on Bo's
    laptop, she codes #pricing on that note as a coder of her own, before or after the
    settlement. The merge keyed both by (tag, coder) and kept the earlier: her own coding went
    (agreement no longer saw her code it) or the settlement mark did (undo found nothing).
    Both stay; agreement counts her own coding as hers and the settlement as no one's, and the
    note carries the tag once."""
    ana, bo, session_id, _, second = laptops
    cy, ana_on_bo = Laptop(bo.home, "cy"), Laptop(bo.home, "ana")
    bo.code(session_id, second, "pricing", "2026-12-01T10:00:00.000Z")
    cy.code(session_id, second, "speed", "2026-12-01T10:01:00.000Z")
    assert bo.sync().code == 0 and ana.sync().code == 0
    settled_at = "2026-12-01T10:05:00.000Z"
    store = ana.store()
    found = compute(load(store, [session_id]))
    item = next(d for d in found.between("bo", "cy") if d.key == "pricing")
    resolve(store, item, "bo", "cy", "first", "ana", settled_at)
    ana_on_bo.code(session_id, second, "pricing", own_at)
    for laptop in (ana, bo, ana):
        ran = laptop.sync()
        assert ran.code == 0 and ran.out == "", ran.err

    exports = [ana.export(), bo.export()]
    assert exports[0] == exports[1]
    note = next(n for n in exports[0]["sessions"][0]["notes"] if n["id"] == second)
    settlement = {"tag": "pricing", "coder": "ana", "at": settled_at, "settlement": True}
    own = {"tag": "pricing", "coder": "ana", "at": own_at}
    assert sorted(c["at"] for c in note["codings"] if c["coder"] == "ana") == sorted(
        [settled_at, own_at]
    )
    assert settlement in note["codings"] and own in note["codings"]
    assert sorted(note["tags"]) == ["pricing", "speed"]  # the tag once
    assert [(c["coder"], c["settled"]["by"]) for c in note["set_aside"]] == [("bo", "ana")]

    snapshot, _ = store.read_session(session_id)
    merged = next(n for n in snapshot.notes if n["id"] == second)
    assert sorted(c["coder"] for c in own_codings_of(merged) if c["tag"] == "pricing") == [
        "ana",
        "bo",
    ]
    unit = next(u for u in load(store, [session_id]).units if u.note["id"] == second)
    assert "pricing" in unit.present["ana"] and unit.in_force("ana", "pricing")
    inputs = [SessionInput(session_id, snapshot.session, snapshot.notes, snapshot.excerpts)]
    assert {t.key: t.excerpts for t in analyse(inputs).themes}["pricing"] == 1

    # Her own coding in force puts the disagreement back (as a coder's coding again after a
    # settlement does); the settlement is still the one undo takes back.
    again = compute(load(store, [session_id]))
    back = next(
        d for d in again.disagreements if d.key == "pricing" and d.unit.note["id"] == second
    )
    assert (back.having, back.lacking) == (("ana", "bo"), ("cy",))
    unresolve(store, back, "ana", settled_at)
    snapshot, _ = store.read_session(session_id)
    merged = next(n for n in snapshot.notes if n["id"] == second)
    assert sorted((c["coder"], c["at"]) for c in merged["codings"] if c["tag"] == "pricing") == [
        ("ana", own_at),
        ("bo", "2026-12-01T10:00:00.000Z"),
    ]


@pytest.mark.parametrize("first_to_sync", ["ana", "bo"])
@pytest.mark.parametrize("use", ["coded", "renamed", "renamed and coded"])
@pytest.mark.parametrize("deletion_stands", [True, False])
def test_a_tag_deleted_here_and_used_there_comes_back_undecided(
    laptops, first_to_sync, use, deletion_stands
):
    """Ana deletes `setup` while Bo codes another note with it (or renames it): a change
    outweighs a removal, so the tag came back to Ana's codebook with Bo's codings, and no
    sync, no `sync status` and no undecided list said so: the researcher who deleted it had
    no word that it was back, nor a way to decide. A rename brings back the codings it
    moved, too (the next test)."""
    from tui.services.tag_ops import delete_tag

    ana, bo, session_id, first, second = laptops
    store = ana.store()
    delete_tag(store, "setup")
    store.codebook.close()
    if use == "coded":
        bo.code(session_id, second, "setup", "2026-12-01T10:00:00.000Z")
        name, why, since = "setup", "coded 1 more time(s)", "the codings made since"
    else:
        store = bo.store()
        rename_tag(store, "setup", "install", "2026-12-01T10:00:00.000Z")
        store.codebook.close()
        name, why, since = "install", "renamed to 'install'", "the codings the rename moved"
        if use == "renamed and coded":
            bo.code(session_id, second, "install", "2026-12-01T10:00:01.000Z")
            why += " and coded 1 more time(s)"
            since += " and those made since"
    said = sync_in_turn(*((ana, bo) if first_to_sync == "ana" else (bo, ana)))

    exports = [ana.export(), bo.export()]
    assert exports[0] == exports[1]
    assert {t["name"] for t in exports[0]["codebook"]} == {name}
    tagged = {n["id"]: n["tags"] for n in exports[0]["sessions"][0]["notes"]}
    # Only what was done since the deletion comes back: Ana's removal of `first`'s stands,
    # unless Bo's rename moved it.
    renamed, coded = use.startswith("renamed"), use.endswith("coded")
    assert tagged == {first: [name] if renamed else [], second: [name] if coded else []}
    line = (
        f"codebook tags {name}: 'setup' was deleted on one laptop and {why} on another; it "
        f"stays, with {since} (a change outweighs a removal)"
    )
    assert line in said["ana"]  # the sync that brought it back told the one who deleted it
    assert line in ana.ok("sync", "status")
    assert line in bo.ok("sync", "status")

    exports = [settle_and_sync(ana, bo, take_other=deletion_stands)]
    assert [t["name"] for t in exports[0]["codebook"]] == ([] if deletion_stands else [name])
    tags = [n["tags"] for n in exports[0]["sessions"][0]["notes"]]
    kept = [] if deletion_stands else [name]  # taken, the deletion takes the tag whole
    assert tags == [kept if renamed else [], kept if coded else []]
    assert "undecided" not in bo.ok("sync", "status")


@pytest.mark.parametrize("first_to_sync", ["ana", "bo"])
@pytest.mark.parametrize("how", ["merged", "renamed"])
@pytest.mark.parametrize("deletion_stands", [True, False])
def test_a_tag_deleted_here_and_merged_or_renamed_there_keeps_the_codings_it_moved(
    laptops, first_to_sync, how, deletion_stands
):
    """Ana deletes `setup` while Bo merges it into `onboarding`, a tag both had, or renames
    it `install`: the sync renamed `setup` in the base too, so Bo's moved codings read as
    untouched there and Ana's deletion as their removal, and they were lost without a word
    (the note's text said `#onboarding`, its codings nothing; Bo's span went; the renamed tag
    came back without them). A change outweighs a removal: they stay, and the one who deleted
    `setup` is told and decides. Taking the deletion takes off what moved, and nothing else
    of the tag merged into; a renamed tag is the tag deleted, and goes whole, as before."""
    from tui.services.tag_ops import delete_tag

    ana, bo, session_id, first, second = laptops
    ana.code(session_id, second, "onboarding", "2026-12-01T09:00:00.000Z")
    span = bo.span(session_id, second, 0, 4, "setup", "2026-12-01T09:00:01.000Z")
    for laptop in (ana, bo, ana):
        assert laptop.sync().code == 0
    before = {n["id"]: n for n in ana.export()["sessions"][0]["notes"]}
    typed_at = before[first]["codings"][0]["at"]  # Ana's `#setup`, typed in the note
    store = ana.store()
    delete_tag(store, "setup")
    store.codebook.close()
    store = bo.store()
    if how == "merged":
        into = "onboarding"
        merge_tags(store, "setup", into, "2026-12-01T10:00:00.000Z")
        line = (
            "codebook tags onboarding: 'setup' was deleted on one laptop and merged into "
            "'onboarding' on another; the codings the merge moved stay in 'onboarding' (a change "
            "outweighs a removal): keeping leaves them, taking the other takes them off every "
            "session (codings of 'setup' made since the laptops last synced stay in 'onboarding')"
        )
    else:
        into = "install"
        rename_tag(store, "setup", into, "2026-12-01T10:00:00.000Z")
        line = (
            "codebook tags install: 'setup' was deleted on one laptop and renamed to 'install' "
            "on another; it stays, with the codings the rename moved"
        )
    store.codebook.close()

    said = sync_in_turn(*((ana, bo) if first_to_sync == "ana" else (bo, ana)))

    exports = [ana.export(), bo.export()]
    assert exports[0] == exports[1]
    assert {t["name"] for t in exports[0]["codebook"]} == {into, "onboarding"}
    moved = {(first, into, "ana"), (span, into, "bo")}
    assert _coding_set(exports[0]) == {(second, "onboarding", "ana"), *moved}
    notes = {n["id"]: n for n in exports[0]["sessions"][0]["notes"]}
    assert notes[first]["tags"] == [into]
    assert notes[first]["codings"][0]["at"] == typed_at  # the coding as it was, moved
    assert notes[first]["text"] == f"the invite never arrived #{into}"
    assert line in said["ana"]  # the sync that brought it in told the one who deleted it
    for laptop in (ana, bo):
        status = laptop.ok("sync", "status")
        assert line in status
        assert status.count("undecided:") == 1  # one line for the tag, not one per note
        assert_whole_and_plain(laptop)

    exports = [settle_and_sync(ana, bo, take_other=deletion_stands)]
    tags = {t["name"] for t in exports[0]["codebook"]}
    assert tags == ({"onboarding"} if deletion_stands else {into, "onboarding"})
    # Taking the deletion takes off what moved, and nothing that was onboarding's.
    kept = {(second, "onboarding", "ana")} | (set() if deletion_stands else moved)
    assert _coding_set(exports[0]) == kept
    spans = [e["id"] for e in exports[0]["sessions"][0]["excerpts"]]
    assert spans == ([] if deletion_stands else [span])
    # The words agree with the decision: taking the deletion, they read as Ana left them,
    # naming no tag the note is not coded with (they kept the merged name before).
    notes = {n["id"]: n for n in exports[0]["sessions"][0]["notes"]}
    words = "setup" if deletion_stands else into
    assert notes[first]["text"] == f"the invite never arrived #{words}"
    for doc in [*exports[0]["sessions"][0]["notes"], *exports[0]["sessions"][0]["excerpts"]]:
        assert not doc.get("conflicts")  # settled: no mark left
    assert "undecided" not in bo.ok("sync", "status")
